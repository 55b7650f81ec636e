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
 *
 * A claim policy is a comma-separated list of entries, each optionally
 * prefixed by '!' to exclude what it matches (exclusions win):
 *
 *	slot filter	0000:05:00.0, 82:00.*
 *	vendor:device	144d:a80a, 10de:*   (four hex digits or '*' a side)
 *	class		class=0x0108 (base class and subclass),
 *			class=0x010802 (with programming interface),
 *			class=0x0300/0xff00 (with a mask)
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

static bool is_id_side(const char *s, const char *end)
{
	const char *p;

	if (end - s == 1 && *s == '*')
		return true;
	if (end - s != 4)
		return false;
	for (p = s; p < end; p++)
		if (hex_digit(*p) < 0)
			return false;
	return true;
}

static int id_side(const char *s, const char *end)
{
	int v = 0;

	if (*s == '*')
		return PCIPASS_FILTER_ANY;
	for (; s < end; s++)
		v = v * 16 + hex_digit(*s);
	return v;
}

/*
 * "vvvv:dddd": one colon, no dot, each side four hex digits or '*', at
 * least one side digits. A slot filter never looks like that, since a bus
 * has at most two significant digits.
 */
static bool parse_id(struct pcipass_policy_entry *e, const char *s,
		     const char *end)
{
	const char *p, *colon = NULL;

	for (p = s; p < end; p++) {
		if (*p == '.')
			return false;
		if (*p == ':') {
			if (colon)
				return false;
			colon = p;
		}
	}
	if (!colon || !is_id_side(s, colon) || !is_id_side(colon + 1, end))
		return false;
	if (*s == '*' && colon[1] == '*')
		return false;
	e->kind = PCIPASS_POLICY_ID;
	e->vendor = id_side(s, colon);
	e->device = id_side(colon + 1, end);
	return true;
}

/* Up to six hex digits, "0x" optional; *digits says how many there were. */
static int parse_class_word(const char *s, const char *end, unsigned int *val,
			    int *digits)
{
	if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (s == end || end - s > 6)
		return -EINVAL;
	*digits = end - s;
	*val = 0;
	for (; s < end; s++) {
		if (hex_digit(*s) < 0)
			return -EINVAL;
		*val = *val * 16 + hex_digit(*s);
	}
	return 0;
}

static int parse_class(struct pcipass_policy_entry *e, const char *s,
		       const char *end, const char **reason)
{
	const char *p, *slash = end;
	int digits, mdigits;

	for (p = s; p < end; p++)
		if (*p == '/')
			slash = p;
	if (parse_class_word(s, slash, &e->class, &digits)) {
		*reason = "class must be 1 to 6 hex digits, e.g. class=0x0108";
		return -EINVAL;
	}
	/* Four digits or fewer are base class and subclass, as 0x0108. */
	if (digits <= 4)
		e->class <<= 8;
	e->class_mask = digits <= 4 ? 0xffff00 : 0xffffff;
	if (slash != end) {
		if (parse_class_word(slash + 1, end, &e->class_mask, &mdigits)) {
			*reason = "class mask must be 1 to 6 hex digits";
			return -EINVAL;
		}
		if (digits <= 4)
			e->class_mask <<= 8;
	}
	e->kind = PCIPASS_POLICY_CLASS;
	e->class &= e->class_mask;
	return 0;
}

static int parse_entry(struct pcipass_policy_entry *e, const char *s,
		       const char *end, const char **reason)
{
	static const char class_kw[] = "class=";
	const size_t kwlen = sizeof(class_kw) - 1;
	size_t i;

	e->exclude = false;
	if (s < end && *s == '!') {
		e->exclude = true;
		s++;
	}
	if (s == end) {
		*reason = "empty entry";
		return -EINVAL;
	}
	if ((size_t)(end - s) >= kwlen) {
		for (i = 0; i < kwlen && s[i] == class_kw[i]; i++)
			;
		if (i == kwlen)
			return parse_class(e, s + kwlen, end, reason);
	}
	if (parse_id(e, s, end))
		return 0;
	e->kind = PCIPASS_POLICY_SLOT;
	switch (pcipass_slot_filter_parse(&e->slot, s, end - s, NULL)) {
	case 0:
		return 0;
	case -ERANGE:
		*reason = "slot filter field out of range";
		return -EINVAL;
	default:
		*reason = "not a slot filter, vendor:device or class=";
		return -EINVAL;
	}
}

/**
 * pcipass_policy_parse() - parse a claim policy
 * @p: the policy to fill in; left untouched on error
 * @s: the text, which need not be NUL-terminated; "" is the empty policy
 * @len: number of characters of @s to parse
 * @err: if not NULL, set on error to the offending entry and the reason
 *
 * Return: 0, or -EINVAL if an entry does not parse or there are more than
 * PCIPASS_POLICY_MAX entries.
 */
int pcipass_policy_parse(struct pcipass_policy *p, const char *s, size_t len,
			 struct pcipass_policy_error *err)
{
	const char *end = s + len, *tok = s, *q;
	const char *reason = NULL;
	unsigned int n = 0;

	if (!len) {
		p->n = 0;
		return 0;
	}
	for (;;) {
		for (q = tok; q < end && *q != ','; q++)
			;
		if (n == PCIPASS_POLICY_MAX) {
			reason = "too many entries";
			goto out_err;
		}
		if (parse_entry(&p->entry[n], tok, q, &reason))
			goto out_err;
		n++;
		if (q == end)
			break;
		tok = q + 1;
	}
	p->n = n;
	return 0;

out_err:
	if (err) {
		err->index = n + 1;
		err->token = tok;
		for (q = tok; q < end && *q != ','; q++)
			;
		err->token_len = q - tok;
		err->reason = reason;
	}
	return -EINVAL;
}

static bool entry_match(const struct pcipass_policy_entry *e,
			const struct pcipass_policy_dev *d)
{
	switch (e->kind) {
	case PCIPASS_POLICY_SLOT:
		return pcipass_slot_filter_match(&e->slot, d->domain, d->bus,
						 d->devfn);
	case PCIPASS_POLICY_ID:
		return (e->vendor == PCIPASS_FILTER_ANY ||
			(unsigned int)e->vendor == d->vendor) &&
		       (e->device == PCIPASS_FILTER_ANY ||
			(unsigned int)e->device == d->device);
	case PCIPASS_POLICY_CLASS:
		return (d->class & e->class_mask) == e->class;
	}
	return false;
}

/**
 * pcipass_policy_match() - does a claim policy take a PCI function
 * @p: the policy
 * @d: the function
 *
 * Return: true if an entry without '!' matches @d and no entry with '!'
 * does.
 */
bool pcipass_policy_match(const struct pcipass_policy *p,
			  const struct pcipass_policy_dev *d)
{
	bool match = false;
	unsigned int i;

	for (i = 0; i < p->n; i++) {
		if (!entry_match(&p->entry[i], d))
			continue;
		if (p->entry[i].exclude)
			return false;
		match = true;
	}
	return match;
}

/**
 * pcipass_policy_excludes() - does an entry with '!' match a PCI function
 * @p: the policy
 * @d: the function
 *
 * Return: true if the policy explicitly leaves @d alone.
 */
bool pcipass_policy_excludes(const struct pcipass_policy *p,
			     const struct pcipass_policy_dev *d)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		if (p->entry[i].exclude && entry_match(&p->entry[i], d))
			return true;
	return false;
}
