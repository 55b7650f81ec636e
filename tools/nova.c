// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcipass nova: OpenStack nova [pci] entries for a FILTER.
 *
 *	pcipass nova FILTER alias NAME [function-only]
 *
 * For the functions FILTER matches and the other endpoints of their IOMMU
 * groups: one device_spec entry per function (per vendor:device when no
 * other function of the host has the same ids, by address otherwise,
 * since nova would take every identical function), and one alias per
 * vendor:device and device type, with the type nova records:
 *
 *	type-VF		an SR-IOV virtual function (it has a physfn)
 *	type-PF		an SR-IOV capable physical function (total VFs > 0),
 *			even with no VF enabled: nova's "type-PF trap"
 *	type-PCI	anything else
 *
 * Several aliases are named NAME-0, NAME-1, ...; a comment gives the
 * flavor's pci_passthrough:alias extra spec asking for all of them.
 *
 * JSON: one object,
 *
 *	{ "device_spec": [ {...}, ... ], "alias": [ {...}, ... ],
 *	  "pci_passthrough:alias": "NAME:1" }
 *
 * whose entries are the objects the text form prints after "device_spec ="
 * and "alias =".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "handoff.h"
#include "output.h"

/* How many identical functions a comment names before "and N more". */
#define NOVA_NAME_MAX_BDFS 4
#define NOVA_ALIAS_NAME_MAX 240

struct nova_alias {
	const struct pcipass_dev *dev;	/* the first function it covers */
	const char *type;
	unsigned int count;
	char name[NOVA_ALIAS_NAME_MAX + 16];
};

static int nova_usage(FILE *f)
{
	fputs("Usage: pcipass [-j [-p]] nova FILTER alias NAME [function-only]\n"
	      "FILTER := [[[domain]:]bus:]slot[.func], as lspci -s.\n"
	      "Prints the nova.conf [pci] device_spec and alias entries for every\n"
	      "function FILTER matches and every other endpoint of their IOMMU\n"
	      "groups, with the device_type nova records (type-PCI, type-PF for an\n"
	      "SR-IOV capable function, type-VF). Identical functions elsewhere on\n"
	      "the host make device_spec select by address.\n", f);
	return EXIT_SUCCESS;
}

static const char *nova_type(const struct pcipass_dev *dev)
{
	if (pcipass_dev_get_physfn(dev))
		return "type-VF";
	if (pcipass_dev_is_sriov_pf(dev) && pcipass_dev_get_sriov_total_vfs(dev))
		return "type-PF";
	return "type-PCI";
}

static json_object *hex4(unsigned int v)
{
	char buf[8];

	snprintf(buf, sizeof(buf), "%04x", v);
	return json_object_new_string(buf);
}

/* Functions outside @set with the ids of @dev. */
static size_t identical(const struct handoff_set *set,
			const struct pcipass_dev *dev, char *list, size_t len)
{
	const struct pcipass_dev *d;
	size_t n = 0, off = 0;

	if (len)
		list[0] = '\0';
	pcipass_snapshot_for_each_dev(d, set->snap) {
		if (handoff_set_has(set, d) || !handoff_same_id(d, dev))
			continue;
		if (n < NOVA_NAME_MAX_BDFS && off < len) {
			int r = snprintf(list + off, len - off, " %s",
					 pcipass_dev_get_bdf(d));

			off += r > 0 ? (size_t)r : 0;
		}
		n++;
	}
	if (n > NOVA_NAME_MAX_BDFS && off < len)
		snprintf(list + off, len - off, " and %zu more",
			 n - NOVA_NAME_MAX_BDFS);
	return n;
}

static void print_entry(const char *key, json_object *jv)
{
	if (!output_is_json())
		print_text("%s = %s\n", key,
			   json_object_to_json_string_ext(jv,
				JSON_C_TO_STRING_SPACED |
				JSON_C_TO_STRING_NOSLASHESCAPE));
	print_value(PRINT_JSON, NULL, NULL, jv, NULL);
}

/*
 * The name goes into nova.conf's JSON, a flavor's NAME:COUNT list and an
 * INI comment: no separator of that list, no blank and no control
 * character (a carriage return or newline would end the comment).
 */
static int check_name(const char *name)
{
	size_t len = strlen(name), i;
	bool ctrl = false;

	for (i = 0; i < len; i++)
		ctrl |= (unsigned char)name[i] < 0x20 || name[i] == 0x7f;
	if (!len || len > NOVA_ALIAS_NAME_MAX || ctrl ||
	    strpbrk(name, ":, \"\\"))
		return pp_usage_error("nova: invalid alias name \"%s\": use 1 to %d characters, none of : , \" \\ or blanks (a flavor asks for NAME:COUNT,...)",
				      name, NOVA_ALIAS_NAME_MAX);
	return 0;
}

int do_nova(struct pp *pp, int argc, char **argv)
{
	struct handoff_set set = { 0 };
	struct nova_alias *aliases = NULL;
	const char *filter, *name = NULL;
	bool function_only = false;
	size_t n_aliases = 0, k, a;
	char list[256], *flavor = NULL;
	size_t flavor_len = 0;
	FILE *fl = NULL;
	int i, ret;

	if (argc > 0 && matches(argv[0], "help") && strlen(argv[0]) > 1)
		return nova_usage(stdout);
	if (argc < 1)
		return pp_usage_error("nova: no FILTER given; try \"pcipass nova help\"");
	filter = argv[0];
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "alias")) {
			if (++i >= argc)
				return pp_usage_error("nova: alias needs a NAME");
			name = argv[i];
			ret = check_name(name);
			if (ret)
				return ret;
		} else if (!strcmp(argv[i], "function-only")) {
			function_only = true;
		} else {
			return pp_usage_error("nova: unexpected argument \"%s\"; try \"pcipass nova help\"",
					      argv[i]);
		}
	}
	if (!name)
		return pp_usage_error("nova: no alias NAME given; try \"pcipass nova help\"");

	ret = handoff_select(pp, "nova", filter, function_only, &set);
	if (ret)
		return ret;

	aliases = calloc(set.n, sizeof(*aliases));
	if (!aliases) {
		fprintf(stderr, "pcipass: nova: %s\n", strerror(ENOMEM));
		ret = EXIT_FAILURE;
		goto out;
	}
	/* One alias per vendor:device and device type. */
	for (k = 0; k < set.n; k++) {
		const char *type = nova_type(set.devs[k]);

		for (a = 0; a < n_aliases; a++)
			if (handoff_same_id(aliases[a].dev, set.devs[k]) &&
			    !strcmp(aliases[a].type, type))
				break;
		if (a == n_aliases) {
			aliases[a].dev = set.devs[k];
			aliases[a].type = type;
			n_aliases++;
		}
		aliases[a].count++;
	}
	/* The flavor asks for every alias, however many there are. */
	fl = open_memstream(&flavor, &flavor_len);
	if (!fl) {
		fprintf(stderr, "pcipass: nova: %s\n", strerror(errno));
		ret = EXIT_FAILURE;
		goto out;
	}
	for (a = 0; a < n_aliases; a++) {
		if (n_aliases == 1)
			snprintf(aliases[a].name, sizeof(aliases[a].name), "%s",
				 name);
		else
			snprintf(aliases[a].name, sizeof(aliases[a].name),
				 "%s-%zu", name, a);
		fprintf(fl, "%s%s:%u", a ? "," : "", aliases[a].name,
			aliases[a].count);
	}
	if (fclose(fl)) {
		fprintf(stderr, "pcipass: nova: %s\n", strerror(ENOMEM));
		ret = EXIT_FAILURE;
		goto out;
	}

	output_start_object(pp->json, pp->pretty);
	print_text("[pci]\n");

	/* device_spec: on the compute node. */
	open_json_array("device_spec");
	for (k = 0; k < set.n; k++) {
		const struct pcipass_dev *dev = set.devs[k];
		json_object *spec = json_object_new_object();
		size_t n_same = identical(&set, dev, list, sizeof(list));
		bool seen = false;

		/* By ids, one entry covers every selected function with them. */
		for (a = 0; !n_same && a < k; a++)
			seen |= handoff_same_id(set.devs[a], dev);
		if (seen) {
			json_object_put(spec);
			continue;
		}
		if (n_same) {
			print_text("# %04x:%04x also matches%s, not selected here:\n"
				   "# nova would take every identical function, so select %s by address\n",
				   pcipass_dev_get_vendor(dev),
				   pcipass_dev_get_device(dev), list,
				   pcipass_dev_get_bdf(dev));
			json_object_object_add(spec, "address",
				json_object_new_string(pcipass_dev_get_bdf(dev)));
		} else {
			json_object_object_add(spec, "vendor_id",
					       hex4(pcipass_dev_get_vendor(dev)));
			json_object_object_add(spec, "product_id",
					       hex4(pcipass_dev_get_device(dev)));
		}
		if (!strcmp(nova_type(dev), "type-PF")) {
			print_text("# %s is SR-IOV capable (%u VFs): nova records it as type-PF\n",
				   pcipass_dev_get_bdf(dev),
				   pcipass_dev_get_sriov_total_vfs(dev));
			if (n_same)
				print_text("# (a PF address also lets nova take the PF's VFs; the alias's device_type keeps them out)\n");
		}
		print_entry("device_spec", spec);
	}
	close_json_array();

	/* alias: on the controller and compute nodes. */
	open_json_array("alias");
	for (a = 0; a < n_aliases; a++) {
		json_object *alias = json_object_new_object();

		json_object_object_add(alias, "name",
				       json_object_new_string(aliases[a].name));
		json_object_object_add(alias, "vendor_id",
				       hex4(pcipass_dev_get_vendor(aliases[a].dev)));
		json_object_object_add(alias, "product_id",
				       hex4(pcipass_dev_get_device(aliases[a].dev)));
		json_object_object_add(alias, "device_type",
				       json_object_new_string(aliases[a].type));
		print_entry("alias", alias);
	}
	close_json_array();

	print_text("# flavor extra spec: pci_passthrough:alias=\"%s\"\n", flavor);
	print_string(PRINT_JSON, "pci_passthrough:alias", NULL, flavor);
	ret = pp_output_end();
out:
	free(flavor);
	free(aliases);
	handoff_set_free(&set);
	return ret;
}
