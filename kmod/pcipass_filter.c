// SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later
/*
 * PCI device filters for pcipass.
 *
 * The slot grammar is that of pciutils (lspci -s, setpci -s):
 *
 *	[[[domain]:][bus]:][slot][.[func]]
 *
 * Every field is hexadecimal; an empty field or "*" matches anything.
 * The last ':' ends the bus, so "05:00" is bus 05 slot 00 and a lone
 * "1f" is a slot. Unlike strtol() in pciutils, no sign, "0x" prefix or
 * white space is accepted.
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#else
#include <errno.h>
#endif

#include "pcipass_filter.h"

/**
 * pcipass_slot_filter_init() - make a filter that matches every function
 * @f: the filter
 */
void pcipass_slot_filter_init(struct pcipass_slot_filter *f)
{
	f->domain = PCIPASS_FILTER_ANY;
	f->bus = PCIPASS_FILTER_ANY;
	f->slot = PCIPASS_FILTER_ANY;
	f->func = PCIPASS_FILTER_ANY;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Parse the field [s, end) into *val. Characters are checked before the
 * range, so that "fffffz" is reported at the 'z' rather than as too large.
 */
static int parse_field(const char *s, const char *end, int max, int *val,
		       const char **bad)
{
	const char *p;
	int v = 0;

	if (s == end || (end - s == 1 && *s == '*')) {
		*val = PCIPASS_FILTER_ANY;
		return 0;
	}

	for (p = s; p < end; p++) {
		if (hex_digit(*p) < 0) {
			*bad = p;
			return -EINVAL;
		}
	}

	for (p = s; p < end; p++) {
		int d = hex_digit(*p);

		/* v * 16 + d > max, without overflowing int */
		if (v > max / 16 || v * 16 > max - d) {
			*bad = s;
			return -ERANGE;
		}
		v = v * 16 + d;
	}

	*val = v;
	return 0;
}

/**
 * pcipass_slot_filter_parse() - parse a pciutils-style slot filter
 * @f: the filter to fill in; left untouched on error
 * @s: the text, which need not be NUL-terminated
 * @len: number of characters of @s to parse
 * @bad: if not NULL, set on error to the offending character in @s: the
 *	first character that is not a hex digit, or the start of a field
 *	whose value is out of range
 *
 * Return: 0 on success, -EINVAL on a character that does not belong, or
 * -ERANGE when a field exceeds its maximum (domain 0x7fffffff, bus
 * 0xff, slot 0x1f, function 7).
 */
int pcipass_slot_filter_parse(struct pcipass_slot_filter *f, const char *s,
			      size_t len, const char **bad)
{
	const char *end = s + len;
	const char *colon = NULL, *colon2 = NULL, *dot = NULL;
	const char *mid = s, *mid_end = end, *p, *where = s;
	struct pcipass_slot_filter tmp;
	int err;

	pcipass_slot_filter_init(&tmp);

	for (p = s; p < end; p++)
		if (*p == ':')
			colon = p;

	if (colon) {
		const char *bus = s;

		for (p = s; p < colon; p++) {
			if (*p == ':') {
				colon2 = p;
				break;
			}
		}
		if (colon2) {
			err = parse_field(s, colon2, PCIPASS_FILTER_DOMAIN_MAX,
					  &tmp.domain, &where);
			if (err)
				goto out_err;
			bus = colon2 + 1;
		}
		err = parse_field(bus, colon, PCIPASS_FILTER_BUS_MAX, &tmp.bus,
				  &where);
		if (err)
			goto out_err;
		mid = colon + 1;
	}

	for (p = mid; p < end; p++) {
		if (*p == '.') {
			dot = p;
			break;
		}
	}
	if (dot)
		mid_end = dot;

	err = parse_field(mid, mid_end, PCIPASS_FILTER_SLOT_MAX, &tmp.slot,
			  &where);
	if (err)
		goto out_err;

	if (dot) {
		err = parse_field(dot + 1, end, PCIPASS_FILTER_FUNC_MAX,
				  &tmp.func, &where);
		if (err)
			goto out_err;
	}

	*f = tmp;
	return 0;

out_err:
	if (bad)
		*bad = where;
	return err;
}

/**
 * pcipass_slot_filter_match() - test a PCI function against a slot filter
 * @f: the filter
 * @domain: the function's PCI domain
 * @bus: the function's bus number
 * @devfn: the function's device and function number, as in struct pci_dev
 *
 * Return: true if every field of @f is a wildcard or equal to the function's.
 */
bool pcipass_slot_filter_match(const struct pcipass_slot_filter *f,
			       unsigned int domain, unsigned int bus,
			       unsigned int devfn)
{
	if (f->domain != PCIPASS_FILTER_ANY && (unsigned int)f->domain != domain)
		return false;
	if (f->bus != PCIPASS_FILTER_ANY && (unsigned int)f->bus != bus)
		return false;
	if (f->slot != PCIPASS_FILTER_ANY &&
	    (unsigned int)f->slot != ((devfn >> 3) & 0x1f))
		return false;
	if (f->func != PCIPASS_FILTER_ANY &&
	    (unsigned int)f->func != (devfn & 0x7))
		return false;
	return true;
}

/**
 * pcipass_slot_filter_is_exact() - does the filter name a single function?
 * @f: the filter
 *
 * Return: true if no field of @f is a wildcard, as for "0000:05:00.0".
 */
bool pcipass_slot_filter_is_exact(const struct pcipass_slot_filter *f)
{
	return f->domain != PCIPASS_FILTER_ANY && f->bus != PCIPASS_FILTER_ANY &&
	       f->slot != PCIPASS_FILTER_ANY && f->func != PCIPASS_FILTER_ANY;
}
