// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Print every getter of every function and group of one libpcipass
 * snapshot, one "key=value" per line: the library's half of the golden
 * tests (tests/golden/run.sh). Names from the PCI ID database are left
 * out (they are the CLI's and pci.ids's business).
 *
 * usage: lib-dump [auto|netlink|sysfs]	(PCIPASS_SYSFS_ROOT picks the tree)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcipass/libpcipass.h>

static void dump_dev(const struct pcipass_dev *d)
{
	const char *s;

	printf("dev %s\n", pcipass_dev_get_bdf(d));
	printf("\tdomain=%u bus=%u devfn=%u\n", pcipass_dev_get_domain(d),
	       pcipass_dev_get_bus(d), pcipass_dev_get_devfn(d));
	printf("\tid=%04x:%04x subsystem=%04x:%04x class=%06x revision=%02x\n",
	       pcipass_dev_get_vendor(d), pcipass_dev_get_device(d),
	       pcipass_dev_get_subsystem_vendor(d),
	       pcipass_dev_get_subsystem_device(d), pcipass_dev_get_class(d),
	       pcipass_dev_get_revision(d));
	if (pcipass_dev_has_group(d))
		printf("\tgroup=%u member-of=%u\n", pcipass_dev_get_group_id(d),
		       pcipass_group_get_id(pcipass_dev_get_group(d)));
	if ((s = pcipass_dev_get_driver(d)))
		printf("\tdriver=%s\n", s);
	if ((s = pcipass_dev_get_driver_override(d)))
		printf("\tdriver-override=%s\n", s);
	if ((s = pcipass_dev_get_upstream(d)))
		printf("\tupstream=%s\n", s);
	if ((s = pcipass_dev_get_physfn(d)))
		printf("\tphysfn=%s\n", s);
	printf("\tbridge=%d multifunction=%d\n", pcipass_dev_is_bridge(d),
	       pcipass_dev_is_multifunction(d));
	if (pcipass_dev_has_pcie_type(d))
		printf("\tpcie-type=%s\n",
		       pcipass_pcie_type_name(pcipass_dev_get_pcie_type(d)));
	if (pcipass_dev_is_sriov_pf(d))
		printf("\tsriov=%u/%u\n", pcipass_dev_get_sriov_num_vfs(d),
		       pcipass_dev_get_sriov_total_vfs(d));
	if (pcipass_dev_has_numa_node(d))
		printf("\tnuma-node=%d\n", pcipass_dev_get_numa_node(d));
	if (pcipass_dev_has_acs(d))
		printf("\tacs-cap=%04x acs-ctrl=%04x\n",
		       pcipass_dev_get_acs_cap(d), pcipass_dev_get_acs_ctrl(d));
	printf("\tacs-isolated=%d acs-path-isolated=%d\n",
	       pcipass_dev_is_acs_isolated(d),
	       pcipass_dev_is_acs_path_isolated(d));
	printf("\thas-generation=%d has-claim-origin=%d\n",
	       pcipass_dev_has_generation(d), pcipass_dev_has_claim_origin(d));
}

int main(int argc, char **argv)
{
	struct pcipass_snapshot *snap;
	struct pcipass_group *g;
	struct pcipass_dev *d, *one;
	struct pcipass_ctx *ctx;
	int err, source = PCIPASS_SOURCE_AUTO;

	if (argc > 1) {
		for (source = PCIPASS_SOURCE_AUTO;
		     pcipass_source_name(source) &&
		     strcmp(pcipass_source_name(source), argv[1]); source++)
			;
		if (!pcipass_source_name(source)) {
			fprintf(stderr, "lib-dump: bad source %s\n", argv[1]);
			return 2;
		}
	}
	err = pcipass_new(&ctx);
	if (err < 0)
		return 1;
	if (argc > 1 && pcipass_set_source(ctx, source) < 0)
		return 1;
	err = pcipass_snapshot_new(ctx, &snap);
	if (err < 0) {
		fprintf(stderr, "lib-dump: snapshot: %s (%s)\n", strerror(-err),
			pcipass_get_extack(ctx) ?: "");
		pcipass_unref(ctx);
		return 1;
	}
	printf("source=%s functions=%zu groups=%zu\n",
	       pcipass_source_name(pcipass_snapshot_get_source(snap)),
	       pcipass_snapshot_get_dev_count(snap),
	       pcipass_snapshot_get_group_count(snap));
	pcipass_snapshot_for_each_group(g, snap) {
		printf("group %u viable=%d has-generation=%d members=%zu:",
		       pcipass_group_get_id(g), pcipass_group_is_viable(g),
		       pcipass_group_has_generation(g),
		       pcipass_group_get_member_count(g));
		pcipass_group_for_each_member(d, g)
			printf(" %s", pcipass_dev_get_bdf(d));
		printf("\n");
	}
	pcipass_snapshot_for_each_dev(d, snap) {
		dump_dev(d);
		/* A function on its own must read the same. */
		if (pcipass_dev_get(ctx, pcipass_dev_get_bdf(d), &one) < 0) {
			printf("\tdev-get failed\n");
			continue;
		}
		if (pcipass_dev_is_acs_path_isolated(one) !=
		    pcipass_dev_is_acs_path_isolated(d) ||
		    pcipass_dev_get_group_id(one) != pcipass_dev_get_group_id(d) ||
		    pcipass_dev_get_acs_ctrl(one) != pcipass_dev_get_acs_ctrl(d))
			printf("\tdev-get differs\n");
		pcipass_dev_unref(one);
	}
	pcipass_snapshot_unref(snap);
	pcipass_unref(ctx);
	return 0;
}
