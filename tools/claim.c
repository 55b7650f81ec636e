// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcipass claim / release: hand PCI functions to vfio-pci and take them
 * back.
 *
 *	pcipass claim FILTER... [function-only] [force] [runtime]
 *	pcipass release FILTER... [function-only] [force] [runtime]
 *
 * Each FILTER is a slot filter as for dev show; all of them are resolved
 * against one snapshot and sent as one all-or-nothing request. Unless
 * function-only is given, the kernel acts on every endpoint of each
 * function's IOMMU group.
 *
 * JSON: an array with one object per function the request changed:
 *
 *	{ "bdf": "0000:04:00.2", "driver": "vfio-pci",
 *	  "claim-origin": "runtime" }
 *
 * where driver and claim-origin are as reported right after the request
 * (driver null when none is bound).
 *
 * Without the module (or with -s sysfs) a claim is refused with how to
 * load the module, unless "runtime" asks for the sysfs fallback: a
 * driver_override bind, which is not probe-time claiming (a warning says
 * so), with the module's in-use checks as far as sysfs shows them.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/pcipass.h>

#include "output.h"
#include "pcipass-cli.h"

/* How many BDFs an error message names before "and N more". */
#define WHAT_MAX_BDFS 4

struct claim_verb {
	const char *name;	/* "claim" */
	const char *done;	/* "claimed" */
	int (*fn)(struct pcipass_ctx *ctx, const char *const *bdfs,
		  size_t n_bdfs, unsigned int flags, char ***done);
};

static const struct claim_verb verb_claim = {
	"claim", "claimed",
	pcipass_claim,
};

static const struct claim_verb verb_release = {
	"release", "released",
	pcipass_release,
};

/* What claim and release take besides FILTERs. */
static const char *const claim_keywords[] = {
	"function-only", "force", "runtime", NULL
};

static int claim_usage(FILE *f, const struct claim_verb *v)
{
	if (v == &verb_claim)
		fputs("Usage: pcipass [-j [-p]] claim FILTER... [function-only] [force] [runtime]\n",
		      f);
	else
		fputs("Usage: pcipass [-j [-p]] release FILTER... [function-only] [force] [runtime]\n",
		      f);
	fputs("FILTER := [[[domain]:]bus:]slot[.func], hexadecimal, * or empty\n"
	      "          for any; as lspci -s.\n"
	      "Every endpoint of each function's IOMMU group is included, all or\n"
	      "nothing, unless function-only is given.\n", f);
	if (v == &verb_claim)
		fputs("force claims even functions the host is using (mounted or\n"
		      "held disks, interfaces that are up, the boot display).\n", f);
	else
		fputs("force releases also functions held for vfio-pci outside\n"
		      "pcipass (by hand, by another tool, or before pcipass was\n"
		      "reloaded): they go to whatever driver matches them.\n", f);
	fputs("runtime: without the pcipass module, bind through sysfs\n"
	      "(driver_override, unbind, drivers_probe). Not probe-time; with\n"
	      "the module loaded it is ignored.\n", f);
	return EXIT_SUCCESS;
}

/* "claim 0000:01:00.0 0000:02:00.0 and 3 more" */
static void describe(char *buf, size_t len, const char *verb,
		     const char *const *bdfs, size_t n)
{
	size_t i, off;
	int r;

	r = snprintf(buf, len, "%s", verb);
	off = r > 0 ? (size_t)r : 0;
	for (i = 0; i < n && i < WHAT_MAX_BDFS && off < len; i++) {
		r = snprintf(buf + off, len - off, " %s", bdfs[i]);
		off += r > 0 ? (size_t)r : 0;
	}
	if (n > WHAT_MAX_BDFS && off < len)
		snprintf(buf + off, len - off, " and %zu more",
			 n - WHAT_MAX_BDFS);
}

/* A block device name the kernel's message mentions, if it has one. */
static bool is_block_dev(const char *name)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/class/block/%s/dev", name);
	return !stat(path, &st);
}

/*
 * Where is block device @disk, or one of its partitions, mounted?
 * Prints one "Hint:" line per mount, from /proc/self/mountinfo.
 */
static void hint_mounts(const char *disk)
{
	char line[4096], majmin[32], mnt[2048], path[64], target[512];
	FILE *f;

	f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *part, *parent;
		ssize_t n;

		/* id parent-id major:minor root mount-point ... */
		if (sscanf(line, "%*s %*s %31s %*s %2047s", majmin, mnt) != 2)
			continue;
		/* .../block/nvme1n1 or .../block/nvme1n1/nvme1n1p1 */
		snprintf(path, sizeof(path), "/sys/dev/block/%s", majmin);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		part = strrchr(target, '/');
		if (!part)
			continue;
		*part++ = '\0';
		parent = strrchr(target, '/');
		parent = parent ? parent + 1 : target;
		if (strcmp(part, disk) && strcmp(parent, disk))
			continue;
		fprintf(stderr, "Hint: %s is mounted on %s\n", part, mnt);
	}
	fclose(f);
}

static void hint_busy(const char *extack)
{
	char word[64];
	const char *p = extack;

	if (!extack)
		return;
	while (*p) {
		size_t n = 0;

		while (*p && !isalnum((unsigned char)*p))
			p++;
		while (isalnum((unsigned char)p[n]) || p[n] == '_' ||
		       p[n] == '-')
			n++;
		if (!n)
			break;
		if (n < sizeof(word)) {
			memcpy(word, p, n);
			word[n] = '\0';
			if (is_block_dev(word))
				hint_mounts(word);
		}
		p += n;
	}
}

static void print_done(struct pp *pp, const struct claim_verb *v,
		       struct pcipass_snapshot *snap, const char *bdf)
{
	struct pcipass_dev *before = pcipass_snapshot_get_dev(snap, bdf);
	struct pcipass_dev *after = NULL;
	const char *origin = NULL;

	if (pcipass_dev_get(pp->ctx, bdf, &after) < 0)
		after = NULL;
	if (after && pcipass_dev_has_claim_origin(after))
		origin = pcipass_claim_origin_name(
			pcipass_dev_get_claim_origin(after));

	open_json_object(NULL);
	print_text("%s ", v->done);
	print_string(PRINT_ANY, "bdf", "%s: ", bdf);
	print_text("%s -> ", before && pcipass_dev_get_driver(before) ?
		   pcipass_dev_get_driver(before) : "-");
	print_string(PRINT_ANY, "driver", "%s\n",
		     after ? pcipass_dev_get_driver(after) : NULL);
	if (origin)
		print_string(PRINT_JSON, "claim-origin", NULL, origin);
	close_json_object();
	pcipass_dev_unref(after);
}

static int claim_run(struct pp *pp, const struct claim_verb *v, int argc,
		     char **argv)
{
	struct pcipass_slot_filter *filters;
	struct pcipass_snapshot *snap = NULL;
	const char **bdfs = NULL;
	char **done = NULL;
	unsigned int flags = 0;
	bool runtime = false;
	size_t n_filters = 0, n_bdfs = 0, i;
	struct pcipass_dev *dev;
	bool *matched = NULL;
	char what[128];
	int err, ret;

	if (argc > 0 && matches(argv[0], "help") && strlen(argv[0]) > 1)
		return claim_usage(stdout, v);

	filters = calloc((size_t)argc + 1, sizeof(*filters));
	if (!filters) {
		fprintf(stderr, "pcipass: %s\n", strerror(ENOMEM));
		return EXIT_FAILURE;
	}

	/* Keywords are whole words: "f" is a slot filter. */
	for (i = 0; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "function-only")) {
			flags |= PCIPASS_CLAIM_FLAGS_FUNCTION_ONLY;
		} else if (!strcmp(argv[i], "force")) {
			flags |= PCIPASS_CLAIM_FLAGS_FORCE;
		} else if (!strcmp(argv[i], "runtime")) {
			runtime = true;
		} else {
			ret = pp_parse_filter_arg(v->name, argv[i],
						  claim_keywords,
						  &filters[n_filters]);
			if (ret)
				goto out;
			argv[n_filters++] = argv[i];
		}
	}
	if (!n_filters) {
		ret = pp_usage_error("%s: no FILTER given; try \"pcipass %s help\"",
				     v->name, v->name);
		goto out;
	}

	err = pcipass_snapshot_new(pp->ctx, &snap);
	if (err < 0) {
		ret = pp_fail(pp, v->name, err);
		goto out;
	}

	matched = calloc(n_filters, sizeof(*matched));
	bdfs = calloc(pcipass_snapshot_get_dev_count(snap) + 1, sizeof(*bdfs));
	if (!matched || !bdfs) {
		fprintf(stderr, "pcipass: %s\n", strerror(ENOMEM));
		ret = EXIT_FAILURE;
		goto out;
	}
	/* In BDF order, each function once however many filters take it. */
	pcipass_snapshot_for_each_dev(dev, snap) {
		bool any = false;

		for (i = 0; i < n_filters; i++) {
			if (pcipass_slot_filter_match(&filters[i],
						      pcipass_dev_get_domain(dev),
						      pcipass_dev_get_bus(dev),
						      pcipass_dev_get_devfn(dev))) {
				matched[i] = true;
				any = true;
			}
		}
		if (any)
			bdfs[n_bdfs++] = pcipass_dev_get_bdf(dev);
	}
	for (i = 0; i < n_filters; i++) {
		if (!matched[i]) {
			ret = pp_no_match(v->name, argv[i]);
			goto out;
		}
	}

	if (pcipass_snapshot_get_source(snap) == PCIPASS_SOURCE_SYSFS) {
		bool forced = pcipass_get_source(pp->ctx) == PCIPASS_SOURCE_SYSFS;

		describe(what, sizeof(what), v->name, bdfs, n_bdfs);
		if (!runtime) {
			fprintf(stderr, "pcipass: %s: %s\n", what, forced ?
				"the pcipass module is not used (-s sysfs or PCIPASS_SYSFS_ROOT)" :
				"the pcipass kernel module is not loaded");
			if (v == &verb_claim)
				fprintf(stderr,
					"Error: load it to claim at probe time: \"modprobe pcipass claim=%s\" (\"pcipass persist\" makes it stay), or add \"runtime\" for a driver_override bind now, which is not probe-time\n",
					argv[0]);
			else
				fprintf(stderr,
					"Error: load it with \"modprobe pcipass\", or add \"runtime\" to undo a runtime claim\n");
			ret = EXIT_FAILURE;
			goto out;
		}
		if (v == &verb_claim)
			fprintf(stderr,
				"pcipass: warning: %s: runtime driver_override bind through sysfs, not probe-time claiming: the native driver gets the function again at the next boot or hot-plug\n",
				what);
		else
			fprintf(stderr,
				"pcipass: warning: %s: runtime release through sysfs, without the module\n",
				what);
		err = (v == &verb_claim ? pcipass_claim_runtime :
		       pcipass_release_runtime)(pp->ctx, bdfs, n_bdfs,
				flags, &done);
	} else {
		err = v->fn(pp->ctx, bdfs, n_bdfs, flags, &done);
	}
	if (err < 0) {
		describe(what, sizeof(what), v->name, bdfs, n_bdfs);
		ret = pp_fail(pp, what, err);
		if (err == -EBUSY)
			hint_busy(pcipass_get_extack(pp->ctx));
		goto out;
	}

	output_start(pp->json, pp->pretty);
	for (i = 0; done[i]; i++)
		print_done(pp, v, snap, done[i]);
	if (!done[0])
		print_text("nothing to %s: %s\n", v->name,
			   v == &verb_claim ? "already claimed" :
					      "not claimed");
	ret = pp_output_end();
out:
	free(done);
	free(bdfs);
	free(matched);
	free(filters);
	pcipass_snapshot_unref(snap);
	return ret;
}

int do_claim(struct pp *pp, int argc, char **argv)
{
	return claim_run(pp, &verb_claim, argc, argv);
}

int do_release(struct pp *pp, int argc, char **argv)
{
	return claim_run(pp, &verb_release, argc, argv);
}
