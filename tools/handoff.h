/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the commands that hand functions to a hypervisor or a
 * scheduler (xml, attach, nova, kubevirt): which functions a FILTER
 * means, and the libvirt <hostdev> element for one of them.
 */
#ifndef PCIPASS_HANDOFF_H
#define PCIPASS_HANDOFF_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "pcipass-cli.h"

/* The functions one FILTER selects, in BDF order, and their snapshot. */
struct handoff_set {
	struct pcipass_snapshot *snap;
	const struct pcipass_dev **devs;
	size_t n;
};

/*
 * Resolve @filter against a new snapshot: every function it matches that
 * is not a bridge and, unless @function_only, every other endpoint of
 * their IOMMU groups (the set a guest needs for the group to be viable).
 * @object names the command in messages. Returns 0, or an exit status
 * after a message on stderr.
 */
int handoff_select(struct pp *pp, const char *object, const char *filter,
		   bool function_only, struct handoff_set *set);
void handoff_set_free(struct handoff_set *set);

/* Is @dev one of @set's functions? */
bool handoff_set_has(const struct handoff_set *set,
		     const struct pcipass_dev *dev);

/* Same vendor and device id. */
bool handoff_same_id(const struct pcipass_dev *a, const struct pcipass_dev *b);

/* Is @dev held for vfio-pci by pcipass (claim= policy or a claim)? */
bool handoff_pcipass_holds(const struct pcipass_dev *dev);

enum handoff_managed {
	HANDOFF_MANAGED_AUTO,	/* 'no' where pcipass holds the claim */
	HANDOFF_MANAGED_YES,
	HANDOFF_MANAGED_NO,
};

/* managed='yes' for @dev? */
bool handoff_managed_yes(const struct pcipass_dev *dev,
			enum handoff_managed managed);

/* Parse "yes" or "no"; returns 0 or EXIT_USAGE after a message. */
int handoff_parse_managed(const char *object, const char *arg,
			  enum handoff_managed *m);

/*
 * Guest PCI addresses: the first host slot of the set goes to guest
 * bus:slot, the next host slot to slot + 1, and so on; every function
 * keeps its host function number, and function 0 of a slot with several
 * functions gets multifunction='on'.
 */
struct handoff_guest {
	bool set;
	unsigned int bus;
	unsigned int slot;
};

/* Parse "BUS:SLOT" (hexadecimal); returns 0 or EXIT_USAGE after a message. */
int handoff_parse_guest(const char *object, const char *arg,
			struct handoff_guest *g);

/*
 * Check that @guest can place @set (fits below slot 0x1f, every slot has
 * its function 0). Returns 0 or EXIT_FAILURE after a message.
 */
int handoff_check_guest(const char *object, const struct handoff_set *set,
			const struct handoff_guest *guest);

/*
 * Common keywords of xml and attach: "managed yes|no", "guest BUS:SLOT"
 * and "function-only". Returns the number of arguments taken at argv[0]
 * (0 if argv[0] is none of them), or -EXIT_USAGE after a message.
 */
int handoff_parse_hostdev_opt(const char *object, int argc, char **argv,
			      enum handoff_managed *managed,
			      struct handoff_guest *guest, bool *function_only);

/*
 * The <hostdev mode='subsystem' type='pci'> element for set->devs[idx],
 * unlinked, or NULL when out of memory.
 */
xmlNodePtr handoff_hostdev_xml(const struct handoff_set *set, size_t idx,
			       enum handoff_managed managed,
			       const struct handoff_guest *guest);

/* @node as indented XML text, malloc()ed, or NULL when out of memory. */
char *handoff_xml_string(xmlNodePtr node);

#endif /* PCIPASS_HANDOFF_H */
