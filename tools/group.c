// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcipass group: IOMMU groups and their functions.
 *
 * JSON: an array of
 *
 *	{ "group": 12, "source": "netlink", "viable": true, "generation": 7,
 *	  "devices": [ ... ] }
 *
 * with device objects as in dev.c. Functions in no IOMMU group (IOMMU
 * off) come last, in one object with "group": null, "viable": false and
 * the snapshot's generation; there is no such object when every function
 * has a group. In text, they are listed under "no group".
 *
 * "source" is "netlink" (the module) or "sysfs" (read-only, no generation
 * check); from sysfs there is no "generation". The text starts with a
 * "source:" line for sysfs, and with -d.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "pcipass-cli.h"

static void group_print(struct pp *pp, const struct pcipass_group *group,
			const char *source)
{
	enum dev_layout layout = pp->details ? DEV_LAYOUT_DETAILS :
					       DEV_LAYOUT_MEMBER;
	struct pcipass_dev *dev;

	open_json_object(NULL);
	print_uint(PRINT_ANY, "group", "group %s", pcipass_group_get_id(group));
	print_string(PRINT_JSON, "source", NULL, source);
	print_flag(PRINT_ANY, "viable", "  viable\n", "  not viable\n",
		   pcipass_group_is_viable(group));
	if (pcipass_group_has_generation(group))
		print_uint(PRINT_JSON, "generation", NULL,
			   pcipass_group_get_generation(group));
	open_json_array("devices");
	pcipass_group_for_each_member(dev, group)
		dev_print(pp, dev, layout);
	close_json_array();
	close_json_object();
}

static void ungrouped_print(struct pp *pp, struct pcipass_snapshot *snap,
			    const char *source)
{
	enum dev_layout layout = pp->details ? DEV_LAYOUT_DETAILS :
					       DEV_LAYOUT_MEMBER;
	struct pcipass_dev *dev;
	bool any = false;

	pcipass_snapshot_for_each_dev(dev, snap) {
		if (pcipass_dev_has_group(dev))
			continue;
		if (!any) {
			open_json_object(NULL);
			print_null(PRINT_ANY, "group", "%s\n", "no group");
			print_string(PRINT_JSON, "source", NULL, source);
			print_bool(PRINT_JSON, "viable", NULL, false);
			if (pcipass_snapshot_get_source(snap) ==
			    PCIPASS_SOURCE_NETLINK)
				print_uint(PRINT_JSON, "generation", NULL,
					   pcipass_snapshot_get_generation(snap));
			open_json_array("devices");
			any = true;
		}
		dev_print(pp, dev, layout);
	}
	if (any) {
		close_json_array();
		close_json_object();
	}
}

static int group_show(struct pp *pp, int argc, char **argv)
{
	struct pcipass_snapshot *snap;
	struct pcipass_group *group;
	const char *source;
	unsigned long id = 0;
	bool one = false;
	int err;

	if (argc > 0) {
		char *end;

		errno = 0;
		id = strtoul(argv[0], &end, 10);
		if (!argv[0][0] || *end || errno || id > UINT32_MAX ||
		    argv[0][0] == '-' || argv[0][0] == '+')
			return pp_usage_error("invalid group \"%s\": not a group id",
					      argv[0]);
		one = true;
	}
	if (argc > 1)
		return pp_usage_error("unexpected argument \"%s\"; try \"pcipass group help\"",
				      argv[1]);

	err = pcipass_snapshot_new(pp->ctx, &snap);
	if (err < 0)
		return pp_fail(pp, "group show", err);

	if (one) {
		group = pcipass_snapshot_get_group(snap, (uint32_t)id);
		if (!group) {
			pcipass_snapshot_unref(snap);
			fprintf(stderr, "pcipass: group show %lu: no IOMMU group %lu\n",
				id, id);
			return EXIT_FAILURE;
		}
		output_start(pp->json, pp->pretty);
		source = pp_print_source_header(pp,
					pcipass_snapshot_get_source(snap));
		group_print(pp, group, source);
	} else {
		output_start(pp->json, pp->pretty);
		source = pp_print_source_header(pp,
					pcipass_snapshot_get_source(snap));
		pcipass_snapshot_for_each_group(group, snap)
			group_print(pp, group, source);
		ungrouped_print(pp, snap, source);
	}

	pcipass_snapshot_unref(snap);
	return pp_output_end();
}

static int group_help(struct pp *pp, int argc, char **argv)
{
	(void)pp;
	(void)argc;
	(void)argv;
	fputs("Usage: pcipass [-j [-p]] [-d] group show [GROUP-ID]\n"
	      "Shows IOMMU groups with their PCI functions, and whether each\n"
	      "group is viable for assignment as a whole.\n", stdout);
	return EXIT_SUCCESS;
}

static const struct pp_cmd group_cmds[] = {
	{ "show", group_show },
	{ "list", group_show },
	{ "help", group_help },
	{ NULL, NULL },
};

int do_group(struct pp *pp, int argc, char **argv)
{
	return pp_dispatch(pp, "group", group_cmds, argc, argv);
}
