/* SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later */
/*
 * PCI device filters for pcipass.
 *
 * This file and pcipass_filter.c are shared by the kernel module, libpcipass
 * and the pcipass CLI, so they use neither libc nor kernel facilities beyond
 * the basic types below.
 */
#ifndef _PCIPASS_FILTER_H
#define _PCIPASS_FILTER_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#endif

/* A filter field that matches any value. */
#define PCIPASS_FILTER_ANY	(-1)

/* As pciutils: PCI domains beyond 0xffff exist, e.g. behind an Intel VMD. */
#define PCIPASS_FILTER_DOMAIN_MAX	0x7fffffff
#define PCIPASS_FILTER_BUS_MAX		0xff
#define PCIPASS_FILTER_SLOT_MAX		0x1f
#define PCIPASS_FILTER_FUNC_MAX		0x7

/**
 * struct pcipass_slot_filter - a PCI slot filter, as "lspci -s" takes it
 * @domain: PCI domain (segment) or PCIPASS_FILTER_ANY
 * @bus: bus number or PCIPASS_FILTER_ANY
 * @slot: device (slot) number or PCIPASS_FILTER_ANY
 * @func: function number or PCIPASS_FILTER_ANY
 */
struct pcipass_slot_filter {
	int domain;
	int bus;
	int slot;
	int func;
};

void pcipass_slot_filter_init(struct pcipass_slot_filter *f);

int pcipass_slot_filter_parse(struct pcipass_slot_filter *f, const char *s,
			      size_t len, const char **bad);

bool pcipass_slot_filter_match(const struct pcipass_slot_filter *f,
			       unsigned int domain, unsigned int bus,
			       unsigned int devfn);

bool pcipass_slot_filter_is_exact(const struct pcipass_slot_filter *f);

/* Most entries a claim policy may have. */
#define PCIPASS_POLICY_MAX	64

enum pcipass_policy_kind {
	PCIPASS_POLICY_SLOT,
	PCIPASS_POLICY_ID,
	PCIPASS_POLICY_CLASS,
};

/**
 * struct pcipass_policy_entry - one entry of a claim policy
 * @kind: what the entry matches on
 * @exclude: the entry was written with a leading '!'
 * @slot: for PCIPASS_POLICY_SLOT, the slot filter
 * @vendor: for PCIPASS_POLICY_ID, the vendor id or PCIPASS_FILTER_ANY
 * @device: for PCIPASS_POLICY_ID, the device id or PCIPASS_FILTER_ANY
 * @class: for PCIPASS_POLICY_CLASS, the 24-bit class code to compare
 * @class_mask: for PCIPASS_POLICY_CLASS, the class bits that count
 */
struct pcipass_policy_entry {
	enum pcipass_policy_kind kind;
	bool exclude;
	struct pcipass_slot_filter slot;
	int vendor;
	int device;
	unsigned int class;
	unsigned int class_mask;
};

/**
 * struct pcipass_policy - a claim policy, as the claim= parameter takes it
 * @n: number of entries
 * @entry: the entries, in the order written
 */
struct pcipass_policy {
	unsigned int n;
	struct pcipass_policy_entry entry[PCIPASS_POLICY_MAX];
};

/**
 * struct pcipass_policy_error - where and why a policy did not parse
 * @index: 1-based number of the offending entry
 * @token: the offending entry, in the parsed text
 * @token_len: its length
 * @reason: what is wrong with it
 */
struct pcipass_policy_error {
	unsigned int index;
	const char *token;
	size_t token_len;
	const char *reason;
};

/**
 * struct pcipass_policy_dev - what a policy looks at in a PCI function
 * @domain: PCI domain
 * @bus: bus number
 * @devfn: device and function number
 * @vendor: vendor id
 * @device: device id
 * @class: 24-bit class code
 */
struct pcipass_policy_dev {
	unsigned int domain;
	unsigned int bus;
	unsigned int devfn;
	unsigned int vendor;
	unsigned int device;
	unsigned int class;
};

int pcipass_policy_parse(struct pcipass_policy *p, const char *s, size_t len,
			 struct pcipass_policy_error *err);

bool pcipass_policy_match(const struct pcipass_policy *p,
			  const struct pcipass_policy_dev *d);

bool pcipass_policy_excludes(const struct pcipass_policy *p,
			     const struct pcipass_policy_dev *d);

#endif /* _PCIPASS_FILTER_H */
