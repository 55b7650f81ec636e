// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcipass: show PCI functions, IOMMU groups and ACS isolation.
 *
 *	pcipass [-j [-p]] [-d] [OBJECT [VERB [ARGS]]]
 *
 * Exit status: 0 on success, 1 on failure, 2 on a usage error; "check"
 * also exits 3 when its worst finding is a warning.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "pcipass-cli.h"

#define STR_(x) #x
#define STR(x) STR_(x)

static void usage(FILE *f)
{
	fputs("Usage: pcipass [OPTIONS] [OBJECT [VERB [ARGS]]]\n"
	      "       pcipass help [OBJECT] | OBJECT help | OBJECT ... --help\n"
	      "where  OBJECT := { group | dev | policy | check | why | claim | release |\n"
	      "                   monitor | persist | xml | attach | nova | kubevirt }\n"
	      "       OPTIONS := { -j[son] [-p[retty]] | -d[etails] |\n"
	      "                    -s[ource] { auto | netlink | sysfs } | -V[ersion] | -h[elp] }\n"
	      "\n"
	      "       pcipass group show [GROUP-ID]\n"
	      "       pcipass dev show [FILTER]\n"
	      "       pcipass policy show          the module's claim= policy\n"
	      "       pcipass check [FILTER]       preflight: pass, warn or fail\n"
	      "       pcipass why BDF [BDF]        why a group is what it is\n"
	      "       pcipass claim FILTER... [function-only] [force] [runtime]\n"
	      "       pcipass release FILTER... [function-only] [force] [runtime]\n"
	      "       pcipass monitor\n"
	      "       pcipass persist [FILTER...] [root DIR]\n"
	      "       pcipass persist remove [root DIR]\n"
	      "       pcipass xml FILTER [managed yes|no] [guest BUS:SLOT] [function-only]\n"
	      "       pcipass attach DOMAIN FILTER [config] [live] [connect URI]\n"
	      "                      [managed yes|no] [guest BUS:SLOT] [function-only]\n"
	      "       pcipass nova FILTER alias NAME [function-only]\n"
	      "       pcipass kubevirt FILTER resource NAME [external] [function-only]\n"
	      "\n"
	      "FILTER is a PCI slot, as for lspci -s: [[[domain]:]bus:]slot[.func],\n"
	      "hexadecimal, where an empty field or * matches anything.\n"
	      "Without OBJECT, pcipass shows all groups.\n"
	      "Without the pcipass module (or with -s sysfs), pcipass reads sysfs:\n"
	      "read-only, and with no generation check. PCIPASS_SYSFS_ROOT=DIR reads\n"
	      "DIR/sys instead of /sys.\n", f);
}

bool matches(const char *arg, const char *word)
{
	size_t len = strlen(arg);

	return len && !strncmp(arg, word, len);
}

int pp_usage_error(const char *fmt, ...)
{
	va_list args;

	fputs("pcipass: ", stderr);
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

int pp_fail(struct pp *pp, const char *what, int err)
{
	const char *extack = pcipass_get_extack(pp->ctx);

	fprintf(stderr, "pcipass: %s: %s\n", what, strerror(-err));
	if (extack)
		fprintf(stderr, "Error: %s\n", extack);
	return EXIT_FAILURE;
}

int pp_no_match(const char *verb, const char *filter)
{
	fprintf(stderr, "pcipass: %s %s: no PCI function matches\n", verb,
		filter);
	return EXIT_FAILURE;
}

bool pp_any_match(struct pcipass_snapshot *snap,
		  const struct pcipass_slot_filter *f)
{
	struct pcipass_dev *dev;

	pcipass_snapshot_for_each_dev(dev, snap)
		if (pcipass_slot_filter_match(f, pcipass_dev_get_domain(dev),
					      pcipass_dev_get_bus(dev),
					      pcipass_dev_get_devfn(dev)))
			return true;
	return false;
}

const char *pp_print_source_header(struct pp *pp, int source)
{
	const char *name = pcipass_source_name(source);

	if (!name)
		name = "unknown";
	/* On stderr: the table on stdout stays a table, for awk. */
	if (source == PCIPASS_SOURCE_SYSFS && !pp->json)
		fputs("pcipass: source: sysfs (pcipass module not used: read-only, no generation check, may be torn)\n",
		      stderr);
	else if (pp->details)
		print_text("source: %s\n", name);
	return name;
}

int pp_output_end(void)
{
	int err = output_end();

	if (err) {
		fprintf(stderr, "pcipass: write: %s\n", strerror(-err));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

int pp_parse_slot_filter(const char *arg, struct pcipass_slot_filter *f)
{
	const char *bad = arg;
	int err;

	err = pcipass_slot_filter_parse(f, arg, strlen(arg), &bad);
	if (err == -ERANGE)
		return pp_usage_error("invalid filter \"%s\": number out of range at \"%.*s\"",
				      arg, (int)strcspn(bad, ":."), bad);
	if (err)
		return pp_usage_error("invalid filter \"%s\": bad character at \"%s\"",
				      arg, bad);
	return 0;
}

/* Edit distance of @a and @b, for "did you mean". Short words only. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, cur, d[32];

	if (la >= 32 || lb >= 32)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		d[j] = j;
	for (i = 1; i <= la; i++) {
		prev = d[0];
		d[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = d[j];
			d[j] = prev + (a[i - 1] != b[j - 1]);
			if (d[j - 1] + 1 < d[j])
				d[j] = d[j - 1] + 1;
			if (cur + 1 < d[j])
				d[j] = cur + 1;
			prev = cur;
		}
	}
	return d[lb];
}

int pp_parse_filter_arg(const char *cmd, const char *arg,
			const char *const *keywords,
			struct pcipass_slot_filter *f)
{
	const char *best = NULL, *p, *bad;
	size_t d, best_d = 3, i;
	bool word = strlen(arg) > 2;

	/* A word: 3 or more letters and '-', one of them no hex digit. */
	for (p = arg; *p && word; p++)
		word = (*p >= 'a' && *p <= 'z') || *p == '-';
	if (!word || !strpbrk(arg, "ghijklmnopqrstuvwxyz-") ||
	    !pcipass_slot_filter_parse(f, arg, strlen(arg), &bad))
		return pp_parse_slot_filter(arg, f);
	/* The nearest: a keyword it begins, or one at most 2 edits away. */
	for (i = 0; keywords[i]; i++) {
		d = strncmp(keywords[i], arg, strlen(arg)) ?
		    edit_distance(arg, keywords[i]) : 0;
		if (d < best_d) {
			best_d = d;
			best = keywords[i];
		}
	}
	if (best)
		return pp_usage_error("%s: unknown keyword \"%s\"; did you mean \"%s\"?",
				      cmd, arg, best);
	return pp_usage_error("%s: unknown keyword \"%s\"; try \"pcipass %s help\"",
			      cmd, arg, cmd);
}

int pp_parse_optional_filter(int argc, char **argv, const char *object,
			     struct pcipass_slot_filter *f)
{
	int err;

	pcipass_slot_filter_init(f);
	if (argc > 0) {
		err = pp_parse_slot_filter(argv[0], f);
		if (err)
			return err;
	}
	if (argc > 1)
		return pp_usage_error("unexpected argument \"%s\"; try \"pcipass %s help\"",
				      argv[1], object);
	return 0;
}

int pp_dispatch(struct pp *pp, const char *object, const struct pp_cmd *cmds,
		int argc, char **argv)
{
	const struct pp_cmd *c;

	if (!argc)
		return cmds[0].fn(pp, 0, argv);

	for (c = cmds; c->name; c++)
		if (matches(argv[0], c->name))
			return c->fn(pp, argc - 1, argv + 1);

	return pp_usage_error("unknown %s command \"%s\"; try \"pcipass %s help\"",
			      object, argv[0], object);
}

static int run_object(struct pp *pp, int argc, char **argv);

/* "pcipass help [OBJECT]": OBJECT's own help, as "OBJECT help". */
static int do_help(struct pp *pp, int argc, char **argv)
{
	if (!argc) {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	if (argc > 1)
		return pp_usage_error("unexpected argument \"%s\"; try \"pcipass help\"",
				      argv[1]);
	if (matches(argv[0], "help")) {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	pp->help = true;
	return run_object(pp, 1, argv);
}

static int do_default(struct pp *pp, int argc, char **argv)
{
	return do_group(pp, argc, argv);
}

static const struct pp_cmd objects[] = {
	{ "group", do_group },
	{ "dev", do_dev },
	{ "policy", do_policy },
	{ "check", do_check },
	{ "why", do_why },
	{ "claim", do_claim },
	{ "release", do_release },
	{ "monitor", do_monitor },
	{ "persist", do_persist },
	{ "xml", do_xml },
	{ "attach", do_attach },
	{ "nova", do_nova },
	{ "kubevirt", do_kubevirt },
	{ "help", do_help },
	{ NULL, NULL },
};

/*
 * The objects that change the host take no prefix shorter than this: "r"
 * is not release.
 */
#define CHANGE_MIN_LEN 3

static bool changes_host(const struct pp_cmd *c)
{
	return c->fn == do_claim || c->fn == do_release ||
	       c->fn == do_persist || c->fn == do_attach;
}

static void log_stderr(struct pcipass_ctx *ctx, int priority,
		       const char *file, int line, const char *fn,
		       const char *format, va_list args)
{
	(void)ctx;
	(void)priority;
	(void)file;
	(void)line;
	fprintf(stderr, "pcipass: libpcipass: %s: ", fn);
	vfprintf(stderr, format, args);
}

static int parse_source(struct pp *pp, const char *arg)
{
	if (matches(arg, "auto"))
		pp->source = PCIPASS_SOURCE_AUTO;
	else if (matches(arg, "netlink"))
		pp->source = PCIPASS_SOURCE_NETLINK;
	else if (matches(arg, "sysfs"))
		pp->source = PCIPASS_SOURCE_SYSFS;
	else
		return pp_usage_error("invalid source \"%s\": auto, netlink or sysfs",
				      arg);
	pp->source_set = true;
	return 0;
}

/*
 * Options may also follow the object and verb ("pcipass dev show BDF -d"):
 * take them out of argv. No object, verb or filter starts with '-'.
 */
/*
 * getopt_long() refused @token: say which option, as the user wrote it.
 * @optopt: the short option, or a long one's value, or 0.
 */
static int bad_option(const char *token, int optopt)
{
	const char *eq = strchr(token, '=');

	if (optopt == 's')
		return pp_usage_error("option \"%s\" needs auto, netlink or sysfs",
				      token);
	if (!strncmp(token, "--", 2) && eq && optopt)
		return pp_usage_error("option \"%.*s\" takes no value (\"%s\"); try \"pcipass help\"",
				      (int)(eq - token), token, token);
	if (!strncmp(token, "--", 2) || !optopt)
		return pp_usage_error("unknown option \"%s\"; try \"pcipass help\"",
				      token);
	return pp_usage_error("unknown option \"-%c\"; try \"pcipass help\"",
			      optopt);
}

static int trailing_options(struct pp *pp, int *argc, char **argv)
{
	int i, n = 0;

	for (i = 0; i < *argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || !a[1]) {
			argv[n++] = argv[i];
			continue;
		}
		if (!strcmp(a, "-j") || !strcmp(a, "--json"))
			pp->json = true;
		else if (!strcmp(a, "-p") || !strcmp(a, "--pretty"))
			pp->pretty = true;
		else if (!strcmp(a, "-d") || !strcmp(a, "--details"))
			pp->details = true;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			pp->help = true;
		else if (!strncmp(a, "--source=", 9)) {
			if (parse_source(pp, a + 9))
				return EXIT_USAGE;
		} else if (!strcmp(a, "-s") || !strcmp(a, "--source")) {
			if (i + 1 >= *argc)
				return pp_usage_error("option \"%s\" needs auto, netlink or sysfs",
						      a);
			if (parse_source(pp, argv[++i]))
				return EXIT_USAGE;
		} else
			return pp_usage_error("unknown option \"%s\"; try \"pcipass help\"",
					      a);
	}
	*argc = n;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "details", no_argument, NULL, 'd' },
		{ "source", required_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pp pp = { 0 };
	int opt, err, ret, act = 0;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+jpds:Vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			pp.json = true;
			break;
		case 'p':
			pp.pretty = true;
			break;
		case 'd':
			pp.details = true;
			break;
		case 's':
			if (parse_source(&pp, optarg))
				return EXIT_USAGE;
			break;
		case 'V':
		case 'h':
			/* After every option is known good: "-Vx" is an error. */
			act = act ? act : opt;
			break;
		default:
			return bad_option(argv[optind - 1], optopt);
		}
	}
	if (act == 'V') {
		printf("pcipass %s\n", STR(PCIPASS_VERSION));
		return EXIT_SUCCESS;
	}
	if (act == 'h') {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	argc -= optind;
	argv += optind;

	ret = trailing_options(&pp, &argc, argv);
	if (ret)
		return ret;

	err = pcipass_new(&pp.ctx);
	if (err < 0) {
		fprintf(stderr, "pcipass: %s\n", strerror(-err));
		return EXIT_FAILURE;
	}
	pcipass_set_log_fn(pp.ctx, log_stderr, NULL);
	/* Else the library's default (PCIPASS_SYSFS_ROOT means sysfs). */
	if (pp.source_set)
		pcipass_set_source(pp.ctx, pp.source);

	if (!argc && pp.help) {
		usage(stdout);
		ret = EXIT_SUCCESS;
	} else if (!argc) {
		ret = do_default(&pp, 0, argv);
	} else {
		ret = run_object(&pp, argc, argv);
	}

	pcipass_unref(pp.ctx);
	return ret;
}

/*
 * The object argv[0] names, with the rest of argv; with pp->help (-h or
 * --help anywhere after it, or "pcipass help OBJECT"), its help instead.
 */
static int run_object(struct pp *pp, int argc, char **argv)
{
	static char help[] = "help";
	char *help_argv[] = { help, NULL };
	const struct pp_cmd *c;

	for (c = objects; c->name; c++) {
		if (!matches(argv[0], c->name))
			continue;
		if (changes_host(c) && strlen(argv[0]) < CHANGE_MIN_LEN)
			return pp_usage_error("\"%s\" is too short for %s, which changes the host: write at least \"%.*s\"",
					      argv[0], c->name, CHANGE_MIN_LEN,
					      c->name);
		if (pp->help)
			return c->fn(pp, 1, help_argv);
		return c->fn(pp, argc - 1, argv + 1);
	}
	return pp_usage_error("unknown object \"%s\"; try \"pcipass help\"",
			      argv[0]);
}
