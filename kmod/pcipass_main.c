// SPDX-License-Identifier: GPL-2.0
/*
 * pcipass: PCI device assignment for virtual machines, made explicit.
 *
 * Reports PCI functions, IOMMU groups, ACS isolation and driver state over
 * the "pcipass" generic netlink family, as one consistent snapshot.
 */

#include <linux/module.h>
#include <net/genetlink.h>
#include <uapi/linux/pcipass.h>

#include "pcipass.h"
#include "pcipass_nl.h"

static int __init pcipass_init(void)
{
	int err;

	/* The family first: claiming sends events. */
	err = pcipass_nl_init();
	if (err)
		return err;
	err = pcipass_claim_init();
	if (err)
		goto err_nl;
	return 0;

err_nl:
	pcipass_nl_exit();
	return err;
}

static void __exit pcipass_exit(void)
{
	pcipass_claim_stop();
	pcipass_nl_exit();
	pcipass_claim_exit();
}

module_init(pcipass_init);
module_exit(pcipass_exit);

MODULE_DESCRIPTION("PCI passthrough topology and device claiming over generic netlink");
MODULE_LICENSE("GPL");
MODULE_ALIAS_GENL_FAMILY(PCIPASS_FAMILY_NAME);
/* A netlink claim needs vfio-pci and does not load it (pcipass_claim.c). */
MODULE_SOFTDEP("pre: vfio-pci");
