/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	kmod/pcipass.yaml */
/* YNL-GEN uapi header */

#ifndef _UAPI_LINUX_PCIPASS_H
#define _UAPI_LINUX_PCIPASS_H

#define PCIPASS_FAMILY_NAME	"pcipass"
#define PCIPASS_FAMILY_VERSION	1

#define PCIPASS_BDF_MAX_LEN	16
#define PCIPASS_CLAIM_MAX_BDFS	1024

/**
 * enum pcipass_pcie_type - PCI Express device/port type, as in the PCIe
 *   capability (PCI_EXP_TYPE_* in linux/pci_regs.h).
 * @PCIPASS_PCIE_TYPE_PCI_BRIDGE: PCIe to PCI/PCI-X bridge.
 * @PCIPASS_PCIE_TYPE_PCIE_BRIDGE: PCI/PCI-X to PCIe bridge.
 */
enum pcipass_pcie_type {
	PCIPASS_PCIE_TYPE_ENDPOINT,
	PCIPASS_PCIE_TYPE_LEGACY_ENDPOINT,
	PCIPASS_PCIE_TYPE_ROOT_PORT = 4,
	PCIPASS_PCIE_TYPE_UPSTREAM,
	PCIPASS_PCIE_TYPE_DOWNSTREAM,
	PCIPASS_PCIE_TYPE_PCI_BRIDGE,
	PCIPASS_PCIE_TYPE_PCIE_BRIDGE,
	PCIPASS_PCIE_TYPE_RC_ENDPOINT,
	PCIPASS_PCIE_TYPE_RC_EVENT_COLLECTOR,
};

/**
 * enum pcipass_claim_origin - Why a function is held for vfio-pci.
 * @PCIPASS_CLAIM_ORIGIN_NONE: Not claimed.
 * @PCIPASS_CLAIM_ORIGIN_POLICY: Claimed by the claim= module parameter.
 * @PCIPASS_CLAIM_ORIGIN_RUNTIME: Claimed by a claim request.
 * @PCIPASS_CLAIM_ORIGIN_EXTERNAL: Held for vfio-pci by someone other than
 *   pcipass: driver_override set to vfio-pci, or bound to vfio-pci, by hand or
 *   another tool.
 */
enum pcipass_claim_origin {
	PCIPASS_CLAIM_ORIGIN_NONE,
	PCIPASS_CLAIM_ORIGIN_POLICY,
	PCIPASS_CLAIM_ORIGIN_RUNTIME,
	PCIPASS_CLAIM_ORIGIN_EXTERNAL,
};

/**
 * enum pcipass_claim_flags - Modifiers of claim and release requests.
 * @PCIPASS_CLAIM_FLAGS_FUNCTION_ONLY: Act on the named functions only, not on
 *   every endpoint of their IOMMU groups. A partial group cannot be assigned;
 *   for experts.
 * @PCIPASS_CLAIM_FLAGS_FORCE: Claim even a function the host is using (a held
 *   block device, an interface that is up, the boot display). Logged. In a
 *   release: release also functions held for vfio-pci outside pcipass (claim
 *   origin external), to whatever driver matches them.
 */
enum pcipass_claim_flags {
	PCIPASS_CLAIM_FLAGS_FUNCTION_ONLY = 1,
	PCIPASS_CLAIM_FLAGS_FORCE = 2,
};

/**
 * enum pcipass_event_type - What an event reports.
 * @PCIPASS_EVENT_TYPE_ADD: A function appeared.
 * @PCIPASS_EVENT_TYPE_REMOVE: A function is going away.
 * @PCIPASS_EVENT_TYPE_BIND: A driver bound to a function.
 * @PCIPASS_EVENT_TYPE_UNBIND: A driver was unbound from a function.
 * @PCIPASS_EVENT_TYPE_CLAIM: pcipass claimed a function for vfio-pci.
 * @PCIPASS_EVENT_TYPE_RELEASE: pcipass released a function.
 */
enum pcipass_event_type {
	PCIPASS_EVENT_TYPE_ADD,
	PCIPASS_EVENT_TYPE_REMOVE,
	PCIPASS_EVENT_TYPE_BIND,
	PCIPASS_EVENT_TYPE_UNBIND,
	PCIPASS_EVENT_TYPE_CLAIM,
	PCIPASS_EVENT_TYPE_RELEASE,
};

enum {
	PCIPASS_A_DEV_BDF = 1,
	PCIPASS_A_DEV_VENDOR,
	PCIPASS_A_DEV_DEVICE,
	PCIPASS_A_DEV_SUBSYSTEM_VENDOR,
	PCIPASS_A_DEV_SUBSYSTEM_DEVICE,
	PCIPASS_A_DEV_CLASS,
	PCIPASS_A_DEV_REVISION,
	PCIPASS_A_DEV_GROUP,
	PCIPASS_A_DEV_DRIVER,
	PCIPASS_A_DEV_DRIVER_OVERRIDE,
	PCIPASS_A_DEV_BRIDGE,
	PCIPASS_A_DEV_PCIE_TYPE,
	PCIPASS_A_DEV_UPSTREAM,
	PCIPASS_A_DEV_SRIOV_TOTAL_VFS,
	PCIPASS_A_DEV_SRIOV_NUM_VFS,
	PCIPASS_A_DEV_PHYSFN,
	PCIPASS_A_DEV_NUMA_NODE,
	PCIPASS_A_DEV_ACS_CAP,
	PCIPASS_A_DEV_ACS_CTRL,
	PCIPASS_A_DEV_ACS_ISOLATED,
	PCIPASS_A_DEV_ACS_PATH_ISOLATED,
	PCIPASS_A_DEV_MULTIFUNCTION,
	PCIPASS_A_DEV_GENERATION,
	PCIPASS_A_DEV_CLAIM_ORIGIN,
	PCIPASS_A_DEV_PREV_DRIVER,
	PCIPASS_A_DEV_DRIVER_OVERRIDE_UNKNOWN,

	__PCIPASS_A_DEV_MAX,
	PCIPASS_A_DEV_MAX = (__PCIPASS_A_DEV_MAX - 1)
};

enum {
	PCIPASS_A_CLAIM_BDF = 1,
	PCIPASS_A_CLAIM_FLAGS,
	PCIPASS_A_CLAIM_DONE,

	__PCIPASS_A_CLAIM_MAX,
	PCIPASS_A_CLAIM_MAX = (__PCIPASS_A_CLAIM_MAX - 1)
};

enum {
	PCIPASS_A_EVENT_TYPE = 1,
	PCIPASS_A_EVENT_BDF,
	PCIPASS_A_EVENT_DRIVER,
	PCIPASS_A_EVENT_GENERATION,

	__PCIPASS_A_EVENT_MAX,
	PCIPASS_A_EVENT_MAX = (__PCIPASS_A_EVENT_MAX - 1)
};

enum {
	PCIPASS_A_GROUP_ID = 1,
	PCIPASS_A_GROUP_VIABLE,
	PCIPASS_A_GROUP_MEMBER,
	PCIPASS_A_GROUP_GENERATION,
	PCIPASS_A_GROUP_MEMBERS_TOTAL,

	__PCIPASS_A_GROUP_MAX,
	PCIPASS_A_GROUP_MAX = (__PCIPASS_A_GROUP_MAX - 1)
};

enum {
	PCIPASS_CMD_DEV_GET = 1,
	PCIPASS_CMD_GROUP_GET,
	PCIPASS_CMD_CLAIM,
	PCIPASS_CMD_RELEASE,
	PCIPASS_CMD_EVENT,

	__PCIPASS_CMD_MAX,
	PCIPASS_CMD_MAX = (__PCIPASS_CMD_MAX - 1)
};

#define PCIPASS_MCGRP_EVENTS	"events"

#endif /* _UAPI_LINUX_PCIPASS_H */
