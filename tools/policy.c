// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcipass policy: the claim= policy in force.
 *
 *	pcipass policy [show]
 *
 * JSON: one object
 *
 *	{ "module": true, "claim": "0000:05:00.0,!01:*.*",
 *	  "entries": [ "0000:05:00.0", "!01:*.*" ] }
 *
 * with "claim" null and "entries" empty when the module is not loaded
 * (then the text says so). The policy is the module's claim= parameter as
 * the module prints it, read from /sys/module/pcipass/parameters/claim
 * (below PCIPASS_SYSFS_ROOT).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "pcipass-cli.h"

static int policy_show(struct pp *pp, int argc, char **argv)
{
	char *policy = NULL, *p, *entry, *save = NULL;
	int err;

	if (argc > 0)
		return pp_usage_error("unexpected argument \"%s\"; try \"pcipass policy help\"",
				      argv[0]);

	err = pcipass_policy_get(pp->ctx, &policy);
	if (err < 0 && err != -ENOENT)
		return pp_fail(pp, "policy", err);

	output_start_object(pp->json, pp->pretty);
	print_bool(PRINT_JSON, "module", NULL, !err);
	if (err) {
		print_null(PRINT_ANY, "claim", "%s\n",
			   "no pcipass module loaded: nothing is claimed at probe time");
		open_json_array("entries");
		close_json_array();
		return pp_output_end();
	}

	print_string(PRINT_ANY, "claim", "claim=%s\n", policy);
	open_json_array("entries");
	p = policy;
	while ((entry = strtok_r(p, ",", &save))) {
		p = NULL;
		print_string(PRINT_ANY, NULL, "\t%s\n", entry);
	}
	close_json_array();
	if (!policy[0])
		print_text("\t(empty: nothing is claimed by policy)\n");
	free(policy);
	return pp_output_end();
}

static int policy_help(struct pp *pp, int argc, char **argv)
{
	(void)pp;
	(void)argc;
	(void)argv;
	fputs("Usage: pcipass [-j [-p]] policy show\n"
	      "Shows the pcipass module's claim= policy in force, one entry a\n"
	      "line. Set it with \"modprobe pcipass claim=...\" or by writing\n"
	      "/sys/module/pcipass/parameters/claim.\n", stdout);
	return EXIT_SUCCESS;
}

static const struct pp_cmd policy_cmds[] = {
	{ "show", policy_show },
	{ "help", policy_help },
	{ NULL, NULL },
};

int do_policy(struct pp *pp, int argc, char **argv)
{
	return pp_dispatch(pp, "policy", policy_cmds, argc, argv);
}
