// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Why IOMMU groups are what they are; see isolation.h.
 */
#include <stdio.h>
#include <string.h>

#include "isolation.h"

/* Guards the upstream walk against a cycle in bad input. */
#define ISO_MAX_DEPTH 64

enum iso_verdict iso_verdict(const struct iso_fn *f, uint16_t *missing)
{
	uint16_t req;

	*missing = ISO_ACS_REQ;
	switch (f->pcie_type) {
	case ISO_PCIE_NONE:
		return ISO_V_CONVENTIONAL;
	case ISO_PCIE_PCI_BRIDGE:
		return ISO_V_PCI_BRIDGE;
	case ISO_PCIE_PCIE_BRIDGE:
		return ISO_V_PCIE_BRIDGE;
	case ISO_PCIE_RC_EC:
		return ISO_V_RC_EC;
	case ISO_PCIE_DOWNSTREAM:
	case ISO_PCIE_ROOT_PORT:
		break;
	case ISO_PCIE_ENDPOINT:
	case ISO_PCIE_UPSTREAM:
	case ISO_PCIE_LEG_END:
	case ISO_PCIE_RC_END:
		if (!f->multifunction)
			goto single;
		break;
	default:
		goto single;
	}
	if (!f->has_acs)
		return ISO_V_NO_ACS;
	/* A feature the capability lacks counts as hard-wired on (but EC). */
	req = ISO_ACS_REQ & (f->acs_cap | ISO_ACS_EC);
	*missing = req & ~f->acs_ctrl;
	return *missing ? ISO_V_ACS_MISSING : ISO_V_ACS_OK;
single:
	*missing = 0;
	return ISO_V_SINGLE;
}

bool iso_verdict_isolates(enum iso_verdict v)
{
	return v == ISO_V_SINGLE || v == ISO_V_ACS_OK;
}

const char *iso_verdict_text(enum iso_verdict v)
{
	switch (v) {
	case ISO_V_SINGLE:
		return "single function, ACS not needed";
	case ISO_V_ACS_OK:
		return "ACS isolates";
	case ISO_V_CONVENTIONAL:
		return "conventional PCI, a shared bus";
	case ISO_V_PCI_BRIDGE:
		return "PCIe-to-PCI bridge, aliases requester IDs";
	case ISO_V_PCIE_BRIDGE:
		return "PCI-to-PCIe bridge";
	case ISO_V_RC_EC:
		return "root complex event collector";
	case ISO_V_NO_ACS:
		return "no ACS capability";
	case ISO_V_ACS_MISSING:
		return "ACS capability with required flags off";
	}
	return "?";
}

const char *iso_verdict_key(enum iso_verdict v)
{
	switch (v) {
	case ISO_V_SINGLE:
		return "single-function";
	case ISO_V_ACS_OK:
		return "acs";
	case ISO_V_CONVENTIONAL:
		return "conventional-pci";
	case ISO_V_PCI_BRIDGE:
		return "pci-bridge";
	case ISO_V_PCIE_BRIDGE:
		return "pcie-bridge";
	case ISO_V_RC_EC:
		return "rc-event-collector";
	case ISO_V_NO_ACS:
		return "no-acs";
	case ISO_V_ACS_MISSING:
		return "acs-flags-missing";
	}
	return "?";
}

void iso_acs_flags_str(uint16_t flags, char *buf, size_t len)
{
	static const char *const names[] = {
		"SV", "TB", "RR", "CR", "UF", "EC", "DT",
	};
	size_t i, n = 0;

	if (!len)
		return;
	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int w;

		if (!(flags & (1u << i)))
			continue;
		w = snprintf(buf + n, len - n, "%s%s", n ? " " : "", names[i]);
		if (w < 0 || (size_t)w >= len - n)
			return;
		n += (size_t)w;
	}
}

const char *iso_pcie_type_name(int type)
{
	switch (type) {
	case ISO_PCIE_NONE:
		return "pci";
	case ISO_PCIE_ENDPOINT:
		return "endpoint";
	case ISO_PCIE_LEG_END:
		return "legacy-endpoint";
	case ISO_PCIE_ROOT_PORT:
		return "root-port";
	case ISO_PCIE_UPSTREAM:
		return "upstream";
	case ISO_PCIE_DOWNSTREAM:
		return "downstream";
	case ISO_PCIE_PCI_BRIDGE:
		return "pci-bridge";
	case ISO_PCIE_PCIE_BRIDGE:
		return "pcie-bridge";
	case ISO_PCIE_RC_END:
		return "rc-endpoint";
	case ISO_PCIE_RC_EC:
		return "rc-event-collector";
	}
	return "unknown";
}

const struct iso_fn *iso_find(const struct iso_topo *t, const char *bdf)
{
	size_t i;

	if (!bdf)
		return NULL;
	for (i = 0; i < t->n; i++)
		if (!strcmp(t->fns[i].bdf, bdf))
			return &t->fns[i];
	return NULL;
}

const struct iso_fn *iso_upstream(const struct iso_topo *t,
				  const struct iso_fn *f)
{
	return iso_find(t, f->upstream);
}

size_t iso_path(const struct iso_topo *t, const struct iso_fn *f,
		const struct iso_fn **hops, size_t max)
{
	size_t n = 0;

	while (f && n < max && n < ISO_MAX_DEPTH) {
		hops[n++] = f;
		f = iso_upstream(t, f);
	}
	return n;
}

bool iso_same_slot(const struct iso_fn *a, const struct iso_fn *b)
{
	return a->domain == b->domain && a->bus == b->bus &&
	       a->devfn >> 3 == b->devfn >> 3;
}

/* Bridges whose requester ID replaces that of the devices behind them. */
static bool aliases(const struct iso_fn *b)
{
	return b->pcie_type == ISO_PCIE_NONE ||
	       b->pcie_type == ISO_PCIE_PCI_BRIDGE ||
	       b->pcie_type == ISO_PCIE_PCIE_BRIDGE;
}

void iso_link(const struct iso_topo *t, const struct iso_fn *f,
	      struct iso_link *l)
{
	const struct iso_fn *b, *up = iso_upstream(t, f);
	unsigned int depth;
	size_t i;

	memset(l, 0, sizeof(*l));

	/* pci_for_each_dma_alias(): PCIe-to-PCI and PCI bridges above. */
	for (b = up, depth = 0; b && depth < ISO_MAX_DEPTH;
	     b = iso_upstream(t, b), depth++) {
		if (aliases(b)) {
			l->kind = ISO_LINK_ALIAS;
			l->via = b;
			l->brk = b;
			iso_verdict(b, &l->missing);
			return;
		}
	}

	/* The upstream walk: a bridge whose path does not isolate. */
	if (up && !up->acs_path_isolated) {
		l->kind = ISO_LINK_UPSTREAM;
		l->via = up;
		for (b = up, depth = 0; b && depth < ISO_MAX_DEPTH;
		     b = iso_upstream(t, b), depth++) {
			if (!b->acs_isolated) {
				l->brk = b;
				break;
			}
		}
		if (!l->brk)	/* the module's flags disagree; name @up */
			l->brk = up;
		iso_verdict(l->brk, &l->missing);
		return;
	}

	/* get_pci_function_alias_group(): same slot, neither isolates. */
	if (f->multifunction && !f->acs_isolated) {
		for (i = 0; i < t->n; i++) {
			const struct iso_fn *g = &t->fns[i];

			if (g != f && iso_same_slot(f, g) && !g->acs_isolated) {
				l->kind = ISO_LINK_MULTIFUNCTION;
				l->brk = f;
				iso_verdict(f, &l->missing);
				return;
			}
		}
	}
}

const char *iso_link_key(enum iso_link_kind kind)
{
	switch (kind) {
	case ISO_LINK_ALIAS:
		return "pci-bridge";
	case ISO_LINK_UPSTREAM:
		return "bridge-acs";
	case ISO_LINK_MULTIFUNCTION:
		return "multifunction";
	case ISO_LINK_NONE:
		break;
	}
	return "none";
}

size_t iso_isolated_slots(const struct iso_topo *t, const struct iso_fn *f,
			  const struct iso_fn **out, size_t max)
{
	const struct iso_fn *hops[ISO_MAX_DEPTH];
	size_t n_hops = iso_path(t, f, hops, ISO_MAX_DEPTH);
	size_t i, j, n = 0;

	for (i = 0; i < t->n && n < max; i++) {
		const struct iso_fn *g = &t->fns[i];
		bool on_path = false;

		if (g->pcie_type != ISO_PCIE_ROOT_PORT &&
		    g->pcie_type != ISO_PCIE_DOWNSTREAM)
			continue;
		if (!g->acs_path_isolated)
			continue;
		for (j = 0; j < n_hops; j++)
			on_path |= hops[j] == g;
		if (!on_path)
			out[n++] = g;
	}
	return n;
}

/* "a downstream port", "the root port" style nouns for a hop. */
static const char *hop_noun(const struct iso_fn *f)
{
	switch (f->pcie_type) {
	case ISO_PCIE_ROOT_PORT:
		return "root port";
	case ISO_PCIE_DOWNSTREAM:
		return "switch downstream port";
	case ISO_PCIE_UPSTREAM:
		return "switch upstream port";
	case ISO_PCIE_PCI_BRIDGE:
		return "PCIe-to-PCI bridge";
	case ISO_PCIE_PCIE_BRIDGE:
		return "PCI-to-PCIe bridge";
	case ISO_PCIE_NONE:
		return f->bridge ? "conventional PCI bridge" :
				   "conventional PCI function";
	default:
		return f->bridge ? "bridge" : "function";
	}
}

void iso_break_text(const struct iso_fn *f, char *buf, size_t len)
{
	char miss[32], cap[32], ctrl[32];
	uint16_t missing;

	switch (iso_verdict(f, &missing)) {
	case ISO_V_NO_ACS:
		snprintf(buf, len,
			 "has no ACS capability: it lacks all of SV RR CR UF, which the IOMMU core needs");
		return;
	case ISO_V_ACS_MISSING:
		iso_acs_flags_str(missing, miss, sizeof(miss));
		iso_acs_flags_str(f->acs_cap, cap, sizeof(cap));
		iso_acs_flags_str(f->acs_ctrl, ctrl, sizeof(ctrl));
		snprintf(buf, len,
			 "does not enable ACS %s (ACSCap %04x: %s; ACSCtl %04x: %s)",
			 miss, f->acs_cap, cap[0] ? cap : "none", f->acs_ctrl,
			 ctrl[0] ? ctrl : "none");
		return;
	case ISO_V_CONVENTIONAL:
		snprintf(buf, len,
			 "is a conventional PCI function (no PCIe capability), which cannot have ACS");
		return;
	case ISO_V_PCI_BRIDGE:
		snprintf(buf, len,
			 "is a PCIe-to-PCI bridge: DMA from behind it carries the bridge's requester ID");
		return;
	case ISO_V_PCIE_BRIDGE:
		snprintf(buf, len, "is a PCI-to-PCIe bridge, which ACS does not cover");
		return;
	case ISO_V_RC_EC:
		snprintf(buf, len, "is a root complex event collector, which ACS does not cover");
		return;
	case ISO_V_SINGLE:
	case ISO_V_ACS_OK:
		break;
	}
	/* The module says it does not isolate, the registers say it does. */
	snprintf(buf, len, "is reported as not isolating");
}

void iso_link_text(const struct iso_topo *t, const struct iso_fn *f,
		   const struct iso_link *l, char *buf, size_t len)
{
	char why[160], sibs[160] = "";
	size_t i, n = 0;

	switch (l->kind) {
	case ISO_LINK_ALIAS:
		snprintf(buf, len,
			 "%s is behind the %s %s (a conventional PCI bus): its DMA reaches the IOMMU with the bridge's requester ID, so the IOMMU cannot tell it from the bridge or anything else behind it.",
			 f->bdf, hop_noun(l->via), l->via->bdf);
		return;
	case ISO_LINK_UPSTREAM:
		iso_break_text(l->brk, why, sizeof(why));
		if (l->brk == l->via)
			snprintf(buf, len,
				 "%s is below the %s %s, which %s: devices below it can reach each other peer-to-peer without the IOMMU seeing it, so they share its group.",
				 f->bdf, hop_noun(l->via), l->via->bdf, why);
		else
			snprintf(buf, len,
				 "%s is below the %s %s, whose path breaks at the %s %s, which %s: the devices below it share one group.",
				 f->bdf, hop_noun(l->via), l->via->bdf,
				 hop_noun(l->brk), l->brk->bdf, why);
		return;
	case ISO_LINK_MULTIFUNCTION:
		for (i = 0; i < t->n; i++) {
			const struct iso_fn *g = &t->fns[i];
			int w;

			if (g == f || !iso_same_slot(f, g) || g->acs_isolated)
				continue;
			w = snprintf(sibs + n, sizeof(sibs) - n, "%s%s",
				     n ? ", " : "", g->bdf);
			if (w < 0 || (size_t)w >= sizeof(sibs) - n)
				break;
			n += (size_t)w;
		}
		iso_break_text(f, why, sizeof(why));
		snprintf(buf, len,
			 "%s is one function of a multifunction device without ACS isolation: it %s. The functions of such a device can reach each other without the IOMMU, so it shares a group with %s.",
			 f->bdf, why, sibs);
		return;
	case ISO_LINK_NONE:
		break;
	}
	snprintf(buf, len, "%s is alone in its group unless others join it.",
		 f->bdf);
}
