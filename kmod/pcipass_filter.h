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

#endif /* _PCIPASS_FILTER_H */
