// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Shared by xml, attach, nova and kubevirt: the functions a FILTER means
 * (with the rest of their IOMMU groups) and libvirt <hostdev> elements,
 * built with libxml2.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pcipass.h>

#include "handoff.h"

#define PCI_SLOT_OF(devfn)	(((devfn) >> 3) & 0x1f)
#define PCI_FUNC_OF(devfn)	((devfn) & 0x07)

void handoff_set_free(struct handoff_set *set)
{
	free(set->devs);
	set->devs = NULL;
	set->n = 0;
	set->snap = pcipass_snapshot_unref(set->snap);
}

static bool has_id(const uint32_t *ids, size_t n, uint32_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

int handoff_select(struct pp *pp, const char *object, const char *filter,
		   bool function_only, struct handoff_set *set)
{
	struct pcipass_slot_filter f;
	const struct pcipass_dev *dev;
	size_t count, n_groups = 0, n_match = 0, n_bridges = 0;
	uint32_t *groups = NULL;
	bool *take = NULL;
	size_t i;
	int err, ret;

	memset(set, 0, sizeof(*set));
	ret = pp_parse_slot_filter(filter, &f);
	if (ret)
		return ret;

	err = pcipass_snapshot_new(pp->ctx, &set->snap);
	if (err < 0)
		return pp_fail(pp, object, err);

	count = pcipass_snapshot_get_dev_count(set->snap);
	groups = calloc(count + 1, sizeof(*groups));
	take = calloc(count + 1, sizeof(*take));
	set->devs = calloc(count + 1, sizeof(*set->devs));
	if (!groups || !take || !set->devs) {
		fprintf(stderr, "pcipass: %s\n", strerror(ENOMEM));
		ret = EXIT_FAILURE;
		goto out;
	}

	/* The functions FILTER names, and their groups. */
	i = 0;
	pcipass_snapshot_for_each_dev(dev, set->snap) {
		if (pcipass_slot_filter_match(&f, pcipass_dev_get_domain(dev),
					      pcipass_dev_get_bus(dev),
					      pcipass_dev_get_devfn(dev))) {
			if (pcipass_dev_is_bridge(dev)) {
				n_bridges++;
			} else {
				take[i] = true;
				n_match++;
				if (pcipass_dev_has_group(dev) &&
				    !has_id(groups, n_groups,
					    pcipass_dev_get_group_id(dev)))
					groups[n_groups++] =
						pcipass_dev_get_group_id(dev);
			}
		}
		i++;
	}
	if (!n_match) {
		if (n_bridges)
			fprintf(stderr, "pcipass: %s %s: matches only bridges, which cannot be given to a guest\n",
				object, filter);
		else
			pp_no_match(object, filter);
		ret = EXIT_FAILURE;
		goto out;
	}

	/* Every other endpoint of those groups, so the groups are viable. */
	i = 0;
	pcipass_snapshot_for_each_dev(dev, set->snap) {
		if (!function_only && !take[i] && !pcipass_dev_is_bridge(dev) &&
		    pcipass_dev_has_group(dev) &&
		    has_id(groups, n_groups, pcipass_dev_get_group_id(dev)))
			take[i] = true;
		if (take[i])
			set->devs[set->n++] = dev;
		i++;
	}
	ret = 0;
out:
	free(groups);
	free(take);
	if (ret)
		handoff_set_free(set);
	return ret;
}

bool handoff_set_has(const struct handoff_set *set,
		     const struct pcipass_dev *dev)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (set->devs[i] == dev)
			return true;
	return false;
}

bool handoff_same_id(const struct pcipass_dev *a, const struct pcipass_dev *b)
{
	return pcipass_dev_get_vendor(a) == pcipass_dev_get_vendor(b) &&
	       pcipass_dev_get_device(a) == pcipass_dev_get_device(b);
}

bool handoff_pcipass_holds(const struct pcipass_dev *dev)
{
	int origin = pcipass_dev_get_claim_origin(dev);

	return origin == PCIPASS_CLAIM_ORIGIN_POLICY ||
	       origin == PCIPASS_CLAIM_ORIGIN_RUNTIME;
}

bool handoff_managed_yes(const struct pcipass_dev *dev,
			enum handoff_managed managed)
{
	if (managed == HANDOFF_MANAGED_AUTO)
		return !handoff_pcipass_holds(dev);
	return managed == HANDOFF_MANAGED_YES;
}

int handoff_parse_managed(const char *object, const char *arg,
			  enum handoff_managed *m)
{
	if (!arg)
		return pp_usage_error("%s: managed needs \"yes\" or \"no\"",
				      object);
	if (!strcmp(arg, "yes"))
		*m = HANDOFF_MANAGED_YES;
	else if (!strcmp(arg, "no"))
		*m = HANDOFF_MANAGED_NO;
	else
		return pp_usage_error("%s: invalid managed \"%s\": use \"yes\" or \"no\"",
				      object, arg);
	return 0;
}

static int parse_hex(const char *s, size_t len, unsigned int max,
		     unsigned int *v)
{
	unsigned long n = 0;
	size_t i;

	if (!len || len > 4)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		char c = s[i];
		int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -EINVAL;
		n = n * 16 + (unsigned long)d;
	}
	if (n > max)
		return -ERANGE;
	*v = (unsigned int)n;
	return 0;
}

int handoff_parse_guest(const char *object, const char *arg,
			struct handoff_guest *g)
{
	const char *colon;

	if (!arg)
		return pp_usage_error("%s: guest needs BUS:SLOT, as 00:05",
				      object);
	colon = strchr(arg, ':');
	if (!colon ||
	    parse_hex(arg, (size_t)(colon - arg), 0xff, &g->bus) ||
	    parse_hex(colon + 1, strlen(colon + 1), 0x1f, &g->slot))
		return pp_usage_error("%s: invalid guest address \"%s\": use BUS:SLOT, hexadecimal, bus up to ff and slot up to 1f",
				      object, arg);
	g->set = true;
	return 0;
}

/* Same host slot: domain, bus and device number. */
static bool same_slot(const struct pcipass_dev *a, const struct pcipass_dev *b)
{
	return pcipass_dev_get_domain(a) == pcipass_dev_get_domain(b) &&
	       pcipass_dev_get_bus(a) == pcipass_dev_get_bus(b) &&
	       PCI_SLOT_OF(pcipass_dev_get_devfn(a)) ==
	       PCI_SLOT_OF(pcipass_dev_get_devfn(b));
}

/* Where set->devs[idx] goes in the guest. */
struct guest_place {
	unsigned int slot;
	unsigned int func;
	bool multifunction;
};

static void guest_place(const struct handoff_set *set, size_t idx,
			const struct handoff_guest *g, struct guest_place *p)
{
	unsigned int slot = g->slot;
	size_t i, first = 0, n_in_slot = 0;

	for (i = 1; i <= idx; i++) {
		if (!same_slot(set->devs[i], set->devs[i - 1])) {
			slot++;
			first = i;
		}
	}
	for (i = first; i < set->n && same_slot(set->devs[i], set->devs[first]);
	     i++)
		n_in_slot++;

	p->slot = slot;
	/* A single function is function 0 in the guest. */
	p->func = n_in_slot > 1 ?
		  PCI_FUNC_OF(pcipass_dev_get_devfn(set->devs[idx])) : 0;
	p->multifunction = n_in_slot > 1 && p->func == 0;
}

int handoff_check_guest(const char *object, const struct handoff_set *set,
			const struct handoff_guest *guest)
{
	struct guest_place p;
	size_t i, j;

	if (!guest->set)
		return 0;
	for (i = 0; i < set->n; i++) {
		bool fn0 = false;

		guest_place(set, i, guest, &p);
		if (p.slot > 0x1f) {
			fprintf(stderr, "pcipass: %s: guest address %02x:%02x leaves no room for %s (slot %02x > 1f)\n",
				object, guest->bus, guest->slot,
				pcipass_dev_get_bdf(set->devs[i]), p.slot);
			return EXIT_FAILURE;
		}
		if (i && same_slot(set->devs[i], set->devs[i - 1]))
			continue;
		for (j = i; j < set->n && same_slot(set->devs[j], set->devs[i]);
		     j++)
			if (!PCI_FUNC_OF(pcipass_dev_get_devfn(set->devs[j])))
				fn0 = true;
		if (j - i > 1 && !fn0) {
			fprintf(stderr, "pcipass: %s: %s and the other functions of its slot lack function 0, which a guest needs to find them; select function 0 too or leave out guest\n",
				object, pcipass_dev_get_bdf(set->devs[i]));
			return EXIT_FAILURE;
		}
	}
	return 0;
}

int handoff_parse_hostdev_opt(const char *object, int argc, char **argv,
			      enum handoff_managed *managed,
			      struct handoff_guest *guest, bool *function_only)
{
	const char *val = argc > 1 ? argv[1] : NULL;
	int ret;

	if (!strcmp(argv[0], "managed")) {
		ret = handoff_parse_managed(object, val, managed);
		return ret ? -ret : 2;
	}
	if (!strcmp(argv[0], "guest")) {
		ret = handoff_parse_guest(object, val, guest);
		return ret ? -ret : 2;
	}
	if (!strcmp(argv[0], "function-only")) {
		*function_only = true;
		return 1;
	}
	return 0;
}

static xmlNodePtr new_child(xmlNodePtr parent, const char *name)
{
	return parent ? xmlNewChild(parent, NULL, BAD_CAST name, NULL) : NULL;
}

static bool set_prop(xmlNodePtr node, const char *name, const char *fmt,
		     unsigned int v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), fmt, v);
	return node && xmlNewProp(node, BAD_CAST name, BAD_CAST buf);
}

static bool set_str(xmlNodePtr node, const char *name, const char *v)
{
	return node && xmlNewProp(node, BAD_CAST name, BAD_CAST v);
}

xmlNodePtr handoff_hostdev_xml(const struct handoff_set *set, size_t idx,
			       enum handoff_managed managed,
			       const struct handoff_guest *guest)
{
	const struct pcipass_dev *dev = set->devs[idx];
	unsigned int devfn = pcipass_dev_get_devfn(dev);
	xmlNodePtr hostdev, source, addr;
	bool ok, yes;

	yes = handoff_managed_yes(dev, managed);
	hostdev = xmlNewNode(NULL, BAD_CAST "hostdev");
	ok = set_str(hostdev, "mode", "subsystem") &&
	     set_str(hostdev, "type", "pci") &&
	     set_str(hostdev, "managed", yes ? "yes" : "no") &&
	     set_str(new_child(hostdev, "driver"), "name", "vfio");
	source = new_child(hostdev, "source");
	addr = new_child(source, "address");
	ok = ok && set_prop(addr, "domain", "0x%04x",
			    pcipass_dev_get_domain(dev)) &&
	     set_prop(addr, "bus", "0x%02x", pcipass_dev_get_bus(dev)) &&
	     set_prop(addr, "slot", "0x%02x", PCI_SLOT_OF(devfn)) &&
	     set_prop(addr, "function", "0x%x", PCI_FUNC_OF(devfn));
	if (ok && guest && guest->set) {
		struct guest_place p;

		guest_place(set, idx, guest, &p);
		addr = new_child(hostdev, "address");
		ok = set_str(addr, "type", "pci") &&
		     set_prop(addr, "domain", "0x%04x", 0) &&
		     set_prop(addr, "bus", "0x%02x", guest->bus) &&
		     set_prop(addr, "slot", "0x%02x", p.slot) &&
		     set_prop(addr, "function", "0x%x", p.func) &&
		     (!p.multifunction ||
		      set_str(addr, "multifunction", "on"));
	}
	if (!ok) {
		xmlFreeNode(hostdev);
		return NULL;
	}
	return hostdev;
}

char *handoff_xml_string(xmlNodePtr node)
{
	xmlBufferPtr buf = xmlBufferCreate();
	char *s = NULL;

	if (!buf)
		return NULL;
	if (xmlNodeDump(buf, NULL, node, 0, 1) >= 0)
		s = strdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	return s;
}
