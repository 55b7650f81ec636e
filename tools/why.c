// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcipass why: explain an IOMMU group in words, from what the kernel
 * reports (PCIe type, multifunction, ACS registers, the bridges above).
 *
 *	pcipass why BDF		why BDF is (or is not) alone in its group
 *	pcipass why BDF BDF	why two functions share a group, or do not
 *
 * JSON, one object per BDF:
 *
 *	bdf			"0000:09:00.0"
 *	group			number, or null without an IOMMU group
 *	members			the group's functions, BDF order
 *	isolated		true when the function is alone in its group
 *	cause			"isolated", "multifunction", "pci-bridge",
 *				"bridge-acs", "unexplained" or "no-group"
 *	break			the first point on the path that breaks
 *				isolation, or null
 *	break-pcie-type		its pcie-type ("pci" for conventional PCI)
 *	missing-acs		required ACS flags it lacks: ["SV", "RR", ...]
 *	text			the explanation in one paragraph
 *	path			the function and every bridge above it, each
 *				{ bdf, pcie-type, multifunction, acs-cap,
 *				acs-ctrl (4 hex digits or null), acs-isolated,
 *				verdict, missing-acs }
 *	reasons			one { bdf, kind, via, break, missing-acs,
 *				text } per member that is not alone for a
 *				reason of its own (kind as cause)
 *	alternatives		only for "bridge-acs": ports whose whole path
 *				isolates, { bdf, pcie-type, occupied-by }
 *	acs-override		why pcie_acs_override is not a fix, or null
 *
 * With two BDFs, one object: { bdfs, same-group, groups, kind, meet,
 * text, devices } where devices holds the two objects above and kind is
 * a cause, "separate-ports" or "root-bus".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "pcipass-cli.h"
#include "why.h"

#define MAX_HOPS 64
#define MAX_SLOTS 64
#define TEXT_LEN 1024

static const char acs_override_text[] =
	"pcie_acs_override (an out-of-tree kernel patch) would split this group by "
	"pretending that these ports isolate. It changes nothing in the hardware: "
	"peer-to-peer DMA between these devices still bypasses the IOMMU, so a guest "
	"given one of them could read and write the others' memory, and through "
	"them the host's. pcipass reports the hardware as it is and never treats "
	"such a group as safe.";

int why_topo_build(const struct pcipass_snapshot *snap, struct iso_topo *t)
{
	size_t n = pcipass_snapshot_get_dev_count(snap), i = 0;
	struct pcipass_dev *dev;
	struct iso_fn *fns;

	fns = calloc(n ? n : 1, sizeof(*fns));
	if (!fns)
		return -ENOMEM;
	pcipass_snapshot_for_each_dev(dev, snap) {
		struct iso_fn *f = &fns[i++];

		if (i > n)
			break;
		f->bdf = pcipass_dev_get_bdf(dev);
		f->domain = pcipass_dev_get_domain(dev);
		f->bus = pcipass_dev_get_bus(dev);
		f->devfn = pcipass_dev_get_devfn(dev);
		f->pcie_type = pcipass_dev_has_pcie_type(dev) ?
			       pcipass_dev_get_pcie_type(dev) : ISO_PCIE_NONE;
		f->bridge = pcipass_dev_is_bridge(dev);
		f->multifunction = pcipass_dev_is_multifunction(dev);
		f->has_acs = pcipass_dev_has_acs(dev);
		f->acs_cap = pcipass_dev_get_acs_cap(dev);
		f->acs_ctrl = pcipass_dev_get_acs_ctrl(dev);
		f->acs_isolated = pcipass_dev_is_acs_isolated(dev);
		f->acs_path_isolated = pcipass_dev_is_acs_path_isolated(dev);
		f->upstream = pcipass_dev_get_upstream(dev);
		f->has_group = pcipass_dev_has_group(dev);
		f->group = pcipass_dev_get_group_id(dev);
		f->driver = pcipass_dev_get_driver(dev);
		f->priv = dev;
	}
	t->fns = fns;
	t->n = i < n ? i : n;
	return 0;
}

static void print_missing(uint16_t missing)
{
	static const char *const names[] = {
		"SV", "TB", "RR", "CR", "UF", "EC", "DT",
	};
	size_t i;

	open_json_array("missing-acs");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (missing & (1u << i))
			print_string(PRINT_JSON, NULL, NULL, names[i]);
	close_json_array();
}

static void print_acs_reg(const char *key, const char *fmt, bool has,
			  uint16_t reg)
{
	char flags[32], hex[8], text[48];

	if (!has) {
		print_null(PRINT_ANY, key, fmt, "-");
		return;
	}
	iso_acs_flags_str(reg, flags, sizeof(flags));
	snprintf(hex, sizeof(hex), "%04x", reg);
	snprintf(text, sizeof(text), "%s %s", hex, flags[0] ? flags : "-");
	print_value(PRINT_ANY, key, fmt,
		    output_is_json() ? json_object_new_string(hex) : NULL, text);
}

static void print_path(const struct iso_topo *t, const struct iso_fn *f,
		       const struct iso_fn *brk)
{
	const struct iso_fn *hops[MAX_HOPS];
	size_t i, n = iso_path(t, f, hops, MAX_HOPS);

	print_text("  Path to the root complex (the IOMMU core needs ACS SV RR CR UF):\n");
	print_text("    %-12s  %-15s  %-24s  %-24s  %s\n", "BDF", "TYPE",
		   "ACSCap", "ACSCtl", "ISOLATES");
	open_json_array("path");
	for (i = 0; i < n; i++) {
		const struct iso_fn *h = hops[i];
		enum iso_verdict v;
		uint16_t missing;

		v = iso_verdict(h, &missing);
		open_json_object(NULL);
		print_string(PRINT_ANY, "bdf", "    %-12s  ", h->bdf);
		print_string(PRINT_ANY, "pcie-type", "%-15s  ",
			     iso_pcie_type_name(h->pcie_type));
		print_bool(PRINT_JSON, "multifunction", NULL, h->multifunction);
		print_acs_reg("acs-cap", "%-24s  ", h->has_acs, h->acs_cap);
		print_acs_reg("acs-ctrl", "%-24s  ", h->has_acs, h->acs_ctrl);
		print_flag(PRINT_ANY, "acs-isolated", "yes", "no ",
			   h->acs_isolated);
		print_string(PRINT_ANY, "verdict", " (%s)",
			     iso_verdict_key(v));
		print_missing(h->acs_isolated ? 0 : missing);
		print_text("%s\n", h == brk ? "  <- breaks isolation" : "");
		close_json_object();
	}
	close_json_array();
}

struct why_result {
	const struct iso_fn *f;
	const char *cause;
	const struct iso_fn *brk;
	uint16_t missing;
	char text[TEXT_LEN];
};

/* Group members of @f, in BDF order. */
static size_t members(const struct iso_topo *t, const struct iso_fn *f,
		      const struct iso_fn **out, size_t max)
{
	size_t i, n = 0;

	if (!f->has_group)
		return 0;
	for (i = 0; i < t->n && n < max; i++)
		if (t->fns[i].has_group && t->fns[i].group == f->group)
			out[n++] = &t->fns[i];
	return n;
}

static void analyse(const struct iso_topo *t, const struct iso_fn *f,
		    struct why_result *r)
{
	const struct iso_fn *m[MAX_SLOTS * 4];
	size_t i, n = members(t, f, m, sizeof(m) / sizeof(m[0]));
	struct iso_link l;

	memset(r, 0, sizeof(*r));
	r->f = f;
	if (!f->has_group) {
		r->cause = "no-group";
		snprintf(r->text, sizeof(r->text),
			 "%s has no IOMMU group: the IOMMU is off or absent, so nothing can be assigned (see \"pcipass check\").",
			 f->bdf);
		return;
	}
	if (n <= 1) {
		r->cause = "isolated";
		snprintf(r->text, sizeof(r->text),
			 "%s is alone in IOMMU group %u: it is isolated, every point on its path to the root complex keeps its DMA apart from other devices.",
			 f->bdf, f->group);
		return;
	}
	iso_link(t, f, &l);
	for (i = 0; l.kind == ISO_LINK_NONE && i < n; i++)
		if (m[i] != f)
			iso_link(t, m[i], &l);
	if (l.kind == ISO_LINK_NONE) {
		r->cause = "unexplained";
		snprintf(r->text, sizeof(r->text),
			 "%s shares IOMMU group %u, but neither its path nor its device explains why: a device-specific quirk or a DMA alias the kernel knows of decided it. The kernel's group is the truth.",
			 f->bdf, f->group);
		return;
	}
	r->cause = iso_link_key(l.kind);
	r->brk = l.brk;
	r->missing = l.missing;
	/*
	 * Explain from @f when its own link is the cause, else from the
	 * first member whose link is.
	 */
	for (i = 0; i <= n; i++) {
		const struct iso_fn *e = i ? m[i - 1] : f;
		struct iso_link ml;

		iso_link(t, e, &ml);
		if (ml.kind == l.kind && ml.brk == l.brk) {
			iso_link_text(t, e, &ml, r->text, sizeof(r->text));
			break;
		}
	}
}

static void print_one(struct pp *pp, const struct iso_topo *t,
		      const struct iso_fn *f)
{
	const struct iso_fn *m[MAX_SLOTS * 4], *slots[MAX_SLOTS];
	size_t i, j, n = members(t, f, m, sizeof(m) / sizeof(m[0]));
	struct why_result r;
	char text[TEXT_LEN];

	(void)pp;
	analyse(t, f, &r);

	open_json_object(NULL);
	print_string(PRINT_ANY, "bdf", "%s", f->bdf);
	if (f->has_group)
		print_uint(PRINT_ANY, "group", ": IOMMU group %s", f->group);
	else
		print_null(PRINT_ANY, "group", ": %s", "no IOMMU group");
	open_json_array("members");
	print_text(", with");
	for (i = 0; i < n; i++)
		print_string(m[i] == f ? PRINT_JSON : PRINT_ANY, NULL, " %s",
			     m[i]->bdf);
	if (n <= 1)
		print_text(" nothing else");
	close_json_array();
	print_text("\n");
	print_bool(PRINT_JSON, "isolated", NULL, !strcmp(r.cause, "isolated"));
	print_string(PRINT_ANY, "cause", "  Cause: %s\n", r.cause);
	if (r.brk) {
		print_string(PRINT_ANY, "break", "  Breaks isolation at: %s",
			     r.brk->bdf);
		print_string(PRINT_ANY, "break-pcie-type", " (%s)\n",
			     iso_pcie_type_name(r.brk->pcie_type));
	} else {
		print_null(PRINT_JSON, "break", NULL, NULL);
		print_null(PRINT_JSON, "break-pcie-type", NULL, NULL);
	}
	print_missing(r.missing);
	print_string(PRINT_ANY, "text", "  %s\n", r.text);

	print_path(t, f, r.brk);

	open_json_array("reasons");
	for (i = 0; i < n; i++) {
		struct iso_link l;

		iso_link(t, m[i], &l);
		if (l.kind == ISO_LINK_NONE)
			continue;
		iso_link_text(t, m[i], &l, text, sizeof(text));
		open_json_object(NULL);
		print_string(PRINT_JSON, "bdf", NULL, m[i]->bdf);
		print_string(PRINT_JSON, "kind", NULL, iso_link_key(l.kind));
		print_string(PRINT_JSON, "via", NULL,
			     l.via ? l.via->bdf : NULL);
		print_string(PRINT_JSON, "break", NULL,
			     l.brk ? l.brk->bdf : NULL);
		print_missing(l.missing);
		print_string(PRINT_ANY, "text", "  - %s\n", text);
		close_json_object();
	}
	close_json_array();

	if (!strcmp(r.cause, "bridge-acs")) {
		size_t ns = iso_isolated_slots(t, f, slots, MAX_SLOTS);

		print_text(ns ? "  Ports on this host whose whole path isolates, where the card could go instead:\n" :
				"  No other port on this host isolates its whole path.\n");
		open_json_array("alternatives");
		for (i = 0; i < ns; i++) {
			bool any = false;

			open_json_object(NULL);
			print_string(PRINT_ANY, "bdf", "    %s", slots[i]->bdf);
			print_string(PRINT_ANY, "pcie-type", " (%s)",
				     iso_pcie_type_name(slots[i]->pcie_type));
			open_json_array("occupied-by");
			print_text(",");
			for (j = 0; j < t->n; j++) {
				if (!t->fns[j].upstream ||
				    strcmp(t->fns[j].upstream, slots[i]->bdf))
					continue;
				print_string(PRINT_ANY, NULL, " %s",
					     t->fns[j].bdf);
				any = true;
			}
			print_text(any ? " there now\n" : " empty\n");
			close_json_array();
			close_json_object();
		}
		close_json_array();
	}

	if (strcmp(r.cause, "isolated") && strcmp(r.cause, "no-group"))
		print_string(PRINT_ANY, "acs-override", "  Why not pcie_acs_override: %s\n",
			     acs_override_text);
	else
		print_null(PRINT_JSON, "acs-override", NULL, NULL);
	close_json_object();
}

/* The lowest bridge both paths go through, or NULL. */
static const struct iso_fn *meet(const struct iso_topo *t,
				 const struct iso_fn *a, const struct iso_fn *b,
				 const struct iso_fn **below_a,
				 const struct iso_fn **below_b)
{
	const struct iso_fn *pa[MAX_HOPS], *pb[MAX_HOPS];
	size_t na = iso_path(t, a, pa, MAX_HOPS), nb = iso_path(t, b, pb, MAX_HOPS);
	size_t i, j;

	*below_a = na ? pa[na - 1] : NULL;
	*below_b = nb ? pb[nb - 1] : NULL;
	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++)
			if (pa[i] == pb[j]) {
				*below_a = i ? pa[i - 1] : NULL;
				*below_b = j ? pb[j - 1] : NULL;
				return pa[i];
			}
	return NULL;
}

static void print_pair(struct pp *pp, const struct iso_topo *t,
		       const struct iso_fn *a, const struct iso_fn *b)
{
	const struct iso_fn *c, *ba, *bb;
	struct why_result ra, rb;
	char text[TEXT_LEN], why[160];
	const char *kind;
	bool same;

	analyse(t, a, &ra);
	analyse(t, b, &rb);
	same = a->has_group && b->has_group && a->group == b->group;
	c = meet(t, a, b, &ba, &bb);

	if (!a->has_group || !b->has_group) {
		kind = "no-group";
		snprintf(text, sizeof(text),
			 "%s has no IOMMU group: the IOMMU is off or absent (see \"pcipass check\").",
			 a->has_group ? b->bdf : a->bdf);
	} else if (same) {
		struct iso_link la, lb;

		iso_link(t, a, &la);
		iso_link(t, b, &lb);
		if (iso_same_slot(a, b) &&
		    (la.kind == ISO_LINK_MULTIFUNCTION ||
		     lb.kind == ISO_LINK_MULTIFUNCTION)) {
			kind = "multifunction";
			iso_link_text(t, la.kind == ISO_LINK_MULTIFUNCTION ? a : b,
				      la.kind == ISO_LINK_MULTIFUNCTION ? &la : &lb,
				      why, sizeof(why));
			snprintf(text, sizeof(text),
				 "%s and %s share IOMMU group %u: they are functions of one device without ACS. %s",
				 a->bdf, b->bdf, a->group, why);
		} else {
			const struct iso_link *l = lb.kind != ISO_LINK_NONE ? &lb : &la;
			const struct iso_fn *f = l == &lb ? b : a;
			char expl[TEXT_LEN - 128];

			kind = l->kind != ISO_LINK_NONE ? iso_link_key(l->kind) :
							  "unexplained";
			if (l->kind != ISO_LINK_NONE)
				iso_link_text(t, f, l, expl, sizeof(expl));
			else
				snprintf(expl, sizeof(expl),
					 "Neither path explains it: a quirk or a DMA alias the kernel knows of decided it.");
			snprintf(text, sizeof(text),
				 "%s and %s share IOMMU group %u. %s", a->bdf,
				 b->bdf, a->group, expl);
		}
	} else if (c) {
		kind = "separate-ports";
		snprintf(text, sizeof(text),
			 "%s and %s are in different IOMMU groups (%u and %u): their paths meet at %s (%s), and below it %s%s%s isolate%s, so neither can reach the other without the IOMMU.",
			 a->bdf, b->bdf, a->group, b->group, c->bdf,
			 iso_pcie_type_name(c->pcie_type),
			 ba ? ba->bdf : "", ba && bb ? " and " : "",
			 bb ? bb->bdf : "", ba && bb ? "" : "s");
	} else {
		kind = "root-bus";
		snprintf(text, sizeof(text),
			 "%s and %s are in different IOMMU groups (%u and %u): they reach the root complex through different devices on the root bus (%s and %s), and each path isolates.",
			 a->bdf, b->bdf, a->group, b->group,
			 ba ? ba->bdf : "?", bb ? bb->bdf : "?");
	}

	open_json_object(NULL);
	open_json_array("bdfs");
	print_string(PRINT_JSON, NULL, NULL, a->bdf);
	print_string(PRINT_JSON, NULL, NULL, b->bdf);
	close_json_array();
	print_bool(PRINT_ANY, "same-group", "Same IOMMU group: %s\n", same);
	open_json_array("groups");
	if (a->has_group)
		print_uint(PRINT_JSON, NULL, NULL, a->group);
	else
		print_null(PRINT_JSON, NULL, NULL, NULL);
	if (b->has_group)
		print_uint(PRINT_JSON, NULL, NULL, b->group);
	else
		print_null(PRINT_JSON, NULL, NULL, NULL);
	close_json_array();
	print_string(PRINT_ANY, "kind", "Kind: %s\n", kind);
	print_string(PRINT_JSON, "meet", NULL, c ? c->bdf : NULL);
	print_string(PRINT_ANY, "text", "%s\n\n", text);
	open_json_array("devices");
	print_one(pp, t, a);
	print_text("\n");
	print_one(pp, t, b);
	close_json_array();
	close_json_object();
}

static int resolve(const struct iso_topo *t, const char *arg,
		   const struct iso_fn **out)
{
	struct pcipass_slot_filter filter;
	size_t i, n = 0;
	int err;

	err = pp_parse_slot_filter(arg, &filter);
	if (err)
		return err;
	*out = NULL;
	for (i = 0; i < t->n; i++) {
		const struct iso_fn *f = &t->fns[i];

		if (!pcipass_slot_filter_match(&filter, f->domain, f->bus,
					       f->devfn))
			continue;
		*out = f;
		n++;
	}
	if (n > 1)
		return pp_usage_error("\"%s\" matches %zu functions: name one, such as %s",
				      arg, n, (*out)->bdf);
	if (!n)
		return pp_no_match("why", arg);
	return 0;
}

static int why_show(struct pp *pp, int argc, char **argv)
{
	struct pcipass_snapshot *snap;
	const struct iso_fn *a = NULL, *b = NULL;
	struct iso_topo t;
	int err, ret;

	if (argc < 1)
		return pp_usage_error("why needs a BDF; try \"pcipass why help\"");
	if (argc > 2)
		return pp_usage_error("unexpected argument \"%s\"; try \"pcipass why help\"",
				      argv[2]);

	err = pcipass_snapshot_new(pp->ctx, &snap);
	if (err < 0)
		return pp_fail(pp, "why", err);
	err = why_topo_build(snap, &t);
	if (err < 0) {
		pcipass_snapshot_unref(snap);
		return pp_fail(pp, "why", err);
	}

	ret = resolve(&t, argv[0], &a);
	if (!ret && argc > 1)
		ret = resolve(&t, argv[1], &b);
	if (!ret) {
		output_start(pp->json, pp->pretty);
		if (b)
			print_pair(pp, &t, a, b);
		else
			print_one(pp, &t, a);
		ret = pp_output_end();
	}
	free((void *)t.fns);
	pcipass_snapshot_unref(snap);
	return ret;
}

static int why_help(struct pp *pp, int argc, char **argv)
{
	(void)pp;
	(void)argc;
	(void)argv;
	fputs("Usage: pcipass [-j [-p]] why BDF [BDF]\n"
	      "Explains why a function is or is not alone in its IOMMU group,\n"
	      "from its PCIe type, its functions and the ACS of every bridge\n"
	      "above it; with two functions, why they share a group or not.\n",
	      stdout);
	return EXIT_SUCCESS;
}

/* "pcipass why BDF": the BDF is not a verb. */
int do_why(struct pp *pp, int argc, char **argv)
{
	if (argc && (!strcmp(argv[0], "help") || !strcmp(argv[0], "-h")))
		return why_help(pp, argc - 1, argv + 1);
	if (argc && !strcmp(argv[0], "show"))
		return why_show(pp, argc - 1, argv + 1);
	return why_show(pp, argc, argv);
}
