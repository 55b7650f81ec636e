// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcipass xml: libvirt <hostdev> elements for a FILTER.
 *
 *	pcipass xml FILTER [managed yes|no] [guest BUS:SLOT] [function-only]
 *
 * One <hostdev mode='subsystem' type='pci'> per function: the functions
 * FILTER matches (bridges left out) and every other endpoint of their
 * IOMMU groups, so that the guest gets a viable group. managed='no' for
 * functions pcipass holds for vfio-pci (libvirt must not rebind them),
 * managed='yes' otherwise, unless "managed" says. "guest" places the
 * functions at guest PCI addresses, keeping a multifunction device
 * multifunction. The output is XML only: -j is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handoff.h"

static int xml_usage(FILE *f)
{
	fputs("Usage: pcipass xml FILTER [managed yes|no] [guest BUS:SLOT] [function-only]\n"
	      "FILTER := [[[domain]:]bus:]slot[.func], as lspci -s.\n"
	      "Prints a libvirt <hostdev> element for every function FILTER\n"
	      "matches and every other endpoint of their IOMMU groups.\n"
	      "managed  default: \"no\" for functions pcipass holds, \"yes\" otherwise.\n"
	      "guest    guest PCI address of the first slot (hexadecimal BUS:SLOT);\n"
	      "         further slots follow, functions keep their numbers.\n", f);
	return EXIT_SUCCESS;
}

int do_xml(struct pp *pp, int argc, char **argv)
{
	enum handoff_managed managed = HANDOFF_MANAGED_AUTO;
	struct handoff_guest guest = { 0 };
	struct handoff_set set = { 0 };
	bool function_only = false;
	const char *filter;
	int i, n, ret;
	size_t k;

	if (argc > 0 && matches(argv[0], "help") && strlen(argv[0]) > 1)
		return xml_usage(stdout);
	if (pp->json)
		return pp_usage_error("xml: no JSON output, the output is libvirt XML; drop -j");
	if (argc < 1)
		return pp_usage_error("xml: no FILTER given; try \"pcipass xml help\"");
	filter = argv[0];
	for (i = 1; i < argc; i += n) {
		n = handoff_parse_hostdev_opt("xml", argc - i, argv + i,
					      &managed, &guest, &function_only);
		if (n < 0)
			return -n;
		if (!n)
			return pp_usage_error("xml: unexpected argument \"%s\"; try \"pcipass xml help\"",
					      argv[i]);
	}

	ret = handoff_select(pp, "xml", filter, function_only, &set);
	if (ret)
		return ret;
	ret = handoff_check_guest("xml", &set, &guest);
	if (ret)
		goto out;

	for (k = 0; k < set.n; k++) {
		xmlNodePtr node = handoff_hostdev_xml(&set, k, managed, &guest);
		char *s = node ? handoff_xml_string(node) : NULL;

		xmlFreeNode(node);
		if (!s) {
			fprintf(stderr, "pcipass: xml: out of memory\n");
			ret = EXIT_FAILURE;
			goto out;
		}
		printf("%s\n", s);
		free(s);
	}
	ret = pp_output_end();
out:
	handoff_set_free(&set);
	return ret;
}
