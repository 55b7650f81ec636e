/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Why IOMMU groups are what they are: the rules of pci_device_group()
 * (drivers/iommu/iommu.c) and pci_acs_enabled() (drivers/pci/pci.c),
 * replayed over what the pcipass module reports, to explain a group in
 * words. The kernel's group stays the truth; device-specific ACS quirks
 * are invisible here.
 *
 * Works on a plain array of struct iso_fn, so that the rules can be tested
 * on synthetic topologies without a kernel.
 */
#ifndef PCIPASS_ISOLATION_H
#define PCIPASS_ISOLATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ACS control bits (PCI_ACS_* in linux/pci_regs.h). */
#define ISO_ACS_SV	0x0001	/* Source Validation */
#define ISO_ACS_TB	0x0002	/* Translation Blocking */
#define ISO_ACS_RR	0x0004	/* P2P Request Redirect */
#define ISO_ACS_CR	0x0008	/* P2P Completion Redirect */
#define ISO_ACS_UF	0x0010	/* Upstream Forwarding */
#define ISO_ACS_EC	0x0020	/* P2P Egress Control */
#define ISO_ACS_DT	0x0040	/* Direct Translated P2P */
/* What the IOMMU core requires (REQ_ACS_FLAGS in drivers/iommu/iommu.c). */
#define ISO_ACS_REQ	(ISO_ACS_SV | ISO_ACS_RR | ISO_ACS_CR | ISO_ACS_UF)

/* PCIe port types, as enum pcipass_pcie_type; -1 for conventional PCI. */
#define ISO_PCIE_NONE		(-1)
#define ISO_PCIE_ENDPOINT	0
#define ISO_PCIE_LEG_END	1
#define ISO_PCIE_ROOT_PORT	4
#define ISO_PCIE_UPSTREAM	5
#define ISO_PCIE_DOWNSTREAM	6
#define ISO_PCIE_PCI_BRIDGE	7
#define ISO_PCIE_PCIE_BRIDGE	8
#define ISO_PCIE_RC_END		9
#define ISO_PCIE_RC_EC		10

struct iso_fn {
	const char *bdf;	/* "0000:05:00.0" */
	unsigned int domain, bus, devfn;
	int pcie_type;		/* ISO_PCIE_*, ISO_PCIE_NONE */
	bool bridge;
	bool multifunction;
	bool has_acs;
	uint16_t acs_cap, acs_ctrl;
	bool acs_isolated;	/* as the module reports it */
	bool acs_path_isolated;
	const char *upstream;	/* BDF of the bridge above, NULL on a root bus */
	bool has_group;
	uint32_t group;
	const char *driver;
	const void *priv;	/* the caller's object */
};

struct iso_topo {
	const struct iso_fn *fns;
	size_t n;
};

/* Why one function does or does not isolate, by pci_acs_enabled(). */
enum iso_verdict {
	ISO_V_SINGLE,		/* endpoint/upstream port, one function: ACS n/a */
	ISO_V_ACS_OK,		/* required ACS flags enabled */
	ISO_V_CONVENTIONAL,	/* conventional PCI: a shared bus */
	ISO_V_PCI_BRIDGE,	/* PCIe-to-PCI(-X) bridge */
	ISO_V_PCIE_BRIDGE,	/* PCI(-X)-to-PCIe bridge */
	ISO_V_RC_EC,		/* root complex event collector */
	ISO_V_NO_ACS,		/* port or multifunction device, no ACS capability */
	ISO_V_ACS_MISSING,	/* ACS capability, required flags not all enabled */
};

/*
 * The verdict from the raw registers; *missing gets the required flags the
 * function lacks (ISO_ACS_REQ for no capability at all, 0 when isolated).
 */
enum iso_verdict iso_verdict(const struct iso_fn *f, uint16_t *missing);
bool iso_verdict_isolates(enum iso_verdict v);
/* One short phrase: "no ACS capability", "PCIe-to-PCI bridge", ... */
const char *iso_verdict_text(enum iso_verdict v);
/* Stable key for JSON: "single-function", "acs", "conventional-pci", ... */
const char *iso_verdict_key(enum iso_verdict v);

/* "SV RR CR UF" for the set bits of @flags among SV TB RR CR UF EC DT. */
void iso_acs_flags_str(uint16_t flags, char *buf, size_t len);

/* "endpoint", "root-port", ... or "pci" for ISO_PCIE_NONE. */
const char *iso_pcie_type_name(int type);

const struct iso_fn *iso_find(const struct iso_topo *t, const char *bdf);
const struct iso_fn *iso_upstream(const struct iso_topo *t,
				  const struct iso_fn *f);

/*
 * @f and the bridges above it, nearest first, into @hops (at most @max).
 * Returns the number of hops.
 */
size_t iso_path(const struct iso_topo *t, const struct iso_fn *f,
		const struct iso_fn **hops, size_t max);

/* Why a function is not in an IOMMU group of its own, in kernel order. */
enum iso_link_kind {
	ISO_LINK_NONE,		/* it starts its group */
	ISO_LINK_ALIAS,		/* DMA carries a PCI bridge's requester ID */
	ISO_LINK_UPSTREAM,	/* the path above does not isolate */
	ISO_LINK_MULTIFUNCTION,	/* functions of one device without ACS */
};

struct iso_link {
	enum iso_link_kind kind;
	/* ALIAS: the aliasing bridge; UPSTREAM: the bridge right above. */
	const struct iso_fn *via;
	/*
	 * The first point on the path that breaks isolation: the aliasing
	 * bridge, the first hop at or above @via that does not isolate, or
	 * the function itself for MULTIFUNCTION.
	 */
	const struct iso_fn *brk;
	uint16_t missing;	/* required ACS flags @brk lacks */
};

void iso_link(const struct iso_topo *t, const struct iso_fn *f,
	      struct iso_link *l);
/* "pci-bridge", "bridge-acs", "multifunction", or "none". */
const char *iso_link_key(enum iso_link_kind kind);

/*
 * One or two sentences, plain language: why @f is not alone in its group,
 * for its link @l (kind != ISO_LINK_NONE).
 */
void iso_link_text(const struct iso_topo *t, const struct iso_fn *f,
		   const struct iso_link *l, char *buf, size_t len);

/* "has no ACS capability", "does not enable ACS RR CR (ACSCap 005f ...)" */
void iso_break_text(const struct iso_fn *f, char *buf, size_t len);

/* Same domain, bus and device number. */
bool iso_same_slot(const struct iso_fn *a, const struct iso_fn *b);

/*
 * Ports a card could move to: root ports and switch downstream ports whose
 * whole path isolates, that are not on @f's own path. Returns how many were
 * stored in @out (at most @max).
 */
size_t iso_isolated_slots(const struct iso_topo *t, const struct iso_fn *f,
			  const struct iso_fn **out, size_t max);

#endif /* PCIPASS_ISOLATION_H */
