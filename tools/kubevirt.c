// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcipass kubevirt: the KubeVirt permittedHostDevices snippet for a FILTER.
 *
 *	pcipass kubevirt FILTER resource NAME [external] [function-only]
 *
 * One pciHostDevices entry per vendor:device of the functions FILTER
 * matches and the other endpoints of their IOMMU groups, for
 * spec.configuration of the KubeVirt custom resource. KubeVirt selects
 * by vendor:device only, so pcipass warns (on stderr) about every other
 * function of the host with the same ids: those on vfio-pci are offered
 * to VMs as well, those not on vfio-pci would be once claimed. Several
 * entries are named NAME-0, NAME-1, ... "external" sets
 * externalResourceProvider (another device plugin allocates them, not
 * KubeVirt's own).
 *
 * JSON: { "permittedHostDevices": { "pciHostDevices": [
 *	{ "pciVendorSelector": "1B36:0010", "resourceName": "...",
 *	  "externalResourceProvider": false } ] } }
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handoff.h"
#include "output.h"

#define KV_NAME_MAX 240

static int kubevirt_usage(FILE *f)
{
	fputs("Usage: pcipass [-j [-p]] kubevirt FILTER resource NAME [external] [function-only]\n"
	      "FILTER := [[[domain]:]bus:]slot[.func], as lspci -s.\n"
	      "NAME   := a qualified Kubernetes resource name, as example.com/gpu\n"
	      "Prints the permittedHostDevices.pciHostDevices entries for every\n"
	      "function FILTER matches and every other endpoint of their IOMMU\n"
	      "groups, and warns about identical functions KubeVirt would also take.\n"
	      "external  set externalResourceProvider: true (another device plugin\n"
	      "          allocates the devices).\n", f);
	return EXIT_SUCCESS;
}

/* DOMAIN/NAME: lower-case DNS subdomain, then [A-Za-z0-9._-] */
static int check_name(const char *name)
{
	const char *slash = strchr(name, '/');
	const char *p;
	bool ok = slash && slash != name && slash[1] && strlen(name) <= KV_NAME_MAX;

	for (p = name; ok && p < slash; p++)
		ok = islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
		     *p == '.' || *p == '-';
	for (p = slash ? slash + 1 : name; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || *p == '.' || *p == '-' ||
		     *p == '_';
	if (!ok)
		return pp_usage_error("kubevirt: invalid resource name \"%s\": use DOMAIN/NAME, as example.com/gpu (a lower-case domain, then letters, digits, '.', '-', '_')",
				      name);
	return 0;
}

/* How many functions a warning names before "and N more". */
#define KV_WARN_MAX_BDFS 4

/*
 * Warn about functions outside @set that KubeVirt's selector also takes:
 * those on vfio-pci (@on_vfio) or the others.
 */
static void warn_identical(const struct handoff_set *set,
			   const struct pcipass_dev *dev, bool on_vfio)
{
	const struct pcipass_dev *d;
	char list[256];
	size_t n = 0, off = 0;

	list[0] = '\0';
	pcipass_snapshot_for_each_dev(d, set->snap) {
		const char *drv = pcipass_dev_get_driver(d);
		bool vfio = drv && !strcmp(drv, "vfio-pci");

		if (handoff_set_has(set, d) || !handoff_same_id(d, dev) ||
		    vfio != on_vfio)
			continue;
		if (n < KV_WARN_MAX_BDFS && off < sizeof(list)) {
			int r = snprintf(list + off, sizeof(list) - off, "%s%s",
					 n ? ", " : "", pcipass_dev_get_bdf(d));

			off += r > 0 ? (size_t)r : 0;
		}
		n++;
	}
	if (!n)
		return;
	if (n > KV_WARN_MAX_BDFS && off < sizeof(list))
		snprintf(list + off, sizeof(list) - off, " and %zu more",
			 n - KV_WARN_MAX_BDFS);
	if (on_vfio)
		fprintf(stderr, "pcipass: kubevirt: warning: %04X:%04X also selects %s, on vfio-pci: KubeVirt offers %s to VMs too\n",
			pcipass_dev_get_vendor(dev), pcipass_dev_get_device(dev),
			list, n > 1 ? "them" : "it");
	else
		fprintf(stderr, "pcipass: kubevirt: warning: %04X:%04X also selects %s, not claimed: KubeVirt selects by vendor:device only and would offer %s too once on vfio-pci\n",
			pcipass_dev_get_vendor(dev), pcipass_dev_get_device(dev),
			list, n > 1 ? "them" : "it");
}

int do_kubevirt(struct pp *pp, int argc, char **argv)
{
	struct handoff_set set = { 0 };
	const char *filter, *name = NULL;
	bool function_only = false, external = false;
	size_t k, a, n_entries = 0;
	int i, ret;

	if (argc > 0 && matches(argv[0], "help") && strlen(argv[0]) > 1)
		return kubevirt_usage(stdout);
	if (argc < 1)
		return pp_usage_error("kubevirt: no FILTER given; try \"pcipass kubevirt help\"");
	filter = argv[0];
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "resource")) {
			if (++i >= argc)
				return pp_usage_error("kubevirt: resource needs a NAME");
			name = argv[i];
			ret = check_name(name);
			if (ret)
				return ret;
		} else if (!strcmp(argv[i], "external")) {
			external = true;
		} else if (!strcmp(argv[i], "function-only")) {
			function_only = true;
		} else {
			return pp_usage_error("kubevirt: unexpected argument \"%s\"; try \"pcipass kubevirt help\"",
					      argv[i]);
		}
	}
	if (!name)
		return pp_usage_error("kubevirt: no resource NAME given; try \"pcipass kubevirt help\"");

	ret = handoff_select(pp, "kubevirt", filter, function_only, &set);
	if (ret)
		return ret;

	for (k = 0; k < set.n; k++) {
		for (a = 0; a < k; a++)
			if (handoff_same_id(set.devs[a], set.devs[k]))
				break;
		if (a == k)
			n_entries++;
	}

	output_start_object(pp->json, pp->pretty);
	print_text("# KubeVirt CR, under spec.configuration:\n");
	open_json_object("permittedHostDevices");
	print_text("permittedHostDevices:\n");
	open_json_array("pciHostDevices");
	print_text("  pciHostDevices:\n");
	for (k = 0, a = 0; k < set.n; k++) {
		const struct pcipass_dev *dev = set.devs[k];
		const char *drv = pcipass_dev_get_driver(dev);
		char sel[16], res[KV_NAME_MAX + 16];
		size_t j;

		for (j = 0; j < k; j++)
			if (handoff_same_id(set.devs[j], dev))
				break;
		if (j < k)
			continue;
		snprintf(sel, sizeof(sel), "%04X:%04X",
			 pcipass_dev_get_vendor(dev), pcipass_dev_get_device(dev));
		if (n_entries == 1)
			snprintf(res, sizeof(res), "%s", name);
		else
			snprintf(res, sizeof(res), "%s-%zu", name, a);
		a++;

		warn_identical(&set, dev, true);
		warn_identical(&set, dev, false);
		for (j = k; j < set.n; j++) {
			drv = pcipass_dev_get_driver(set.devs[j]);
			if (handoff_same_id(set.devs[j], dev) &&
			    (!drv || strcmp(drv, "vfio-pci")))
				fprintf(stderr, "pcipass: kubevirt: warning: %s is on %s, not vfio-pci: KubeVirt's device plugin offers only functions on vfio-pci; \"pcipass claim %s\" first\n",
					pcipass_dev_get_bdf(set.devs[j]),
					drv ? drv : "no driver",
					pcipass_dev_get_bdf(set.devs[j]));
		}

		open_json_object(NULL);
		print_string(PRINT_ANY, "pciVendorSelector",
			     "  - pciVendorSelector: \"%s\"\n", sel);
		print_string(PRINT_ANY, "resourceName",
			     "    resourceName: \"%s\"\n", res);
		print_bool(PRINT_JSON, "externalResourceProvider", NULL,
			   external);
		if (external)
			print_text("    externalResourceProvider: true\n");
		close_json_object();
	}
	close_json_array();
	close_json_object();
	ret = pp_output_end();
	handoff_set_free(&set);
	return ret;
}
