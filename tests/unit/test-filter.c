// SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later
/*
 * Table-driven test of the PCI slot filter parser (kmod/pcipass_filter.c),
 * in userspace. Prints TAP.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pcipass_filter.h"

#define ANY PCIPASS_FILTER_ANY

struct parse_case {
	const char *in;
	int err;
	/* Expected fields on success, or the offset of *bad on error. */
	int domain, bus, slot, func;
	int bad;
};

static const struct parse_case parse_cases[] = {
	/* The forms the brief and lspci(8) name. */
	{ "0000:05:00.0", 0, 0, 5, 0, 0, 0 },
	{ "05:00.0", 0, ANY, 5, 0, 0, 0 },
	{ "05:00", 0, ANY, 5, 0, ANY, 0 },		/* bus:slot */
	{ "82:00.*", 0, ANY, 0x82, 0, ANY, 0 },
	{ "*:*.1", 0, ANY, ANY, ANY, 1, 0 },
	{ "0000:82:*.*", 0, 0, 0x82, ANY, ANY, 0 },
	{ "1f.3", 0, ANY, ANY, 0x1f, 3, 0 },
	{ "1f", 0, ANY, ANY, 0x1f, ANY, 0 },		/* slot alone */
	{ ".3", 0, ANY, ANY, ANY, 3, 0 },
	{ "5.", 0, ANY, ANY, 5, ANY, 0 },
	{ "", 0, ANY, ANY, ANY, ANY, 0 },
	{ "*", 0, ANY, ANY, ANY, ANY, 0 },
	{ ":", 0, ANY, ANY, ANY, ANY, 0 },
	{ "::", 0, ANY, ANY, ANY, ANY, 0 },
	{ "05:", 0, ANY, 5, ANY, ANY, 0 },
	{ ":05", 0, ANY, ANY, 5, ANY, 0 },
	{ "1:2:3.4", 0, 1, 2, 3, 4, 0 },
	{ "*:*:*.*", 0, ANY, ANY, ANY, ANY, 0 },
	{ "ABCD:Ef:1F.7", 0, 0xabcd, 0xef, 0x1f, 7, 0 },
	{ "0000000000005:0005:0001.0007", 0, 5, 5, 1, 7, 0 },
	/* Domains past 0xffff, as behind an Intel VMD. */
	{ "10000:00:00.0", 0, 0x10000, 0, 0, 0, 0 },
	{ "7fffffff:ff:1f.7", 0, 0x7fffffff, 0xff, 0x1f, 7, 0 },
	/* Out of range: *bad at the start of the field. */
	{ "80000000:00:00.0", -ERANGE, 0, 0, 0, 0, 0 },
	{ "ffffffffff:00:00.0", -ERANGE, 0, 0, 0, 0, 0 },
	{ "100:00.0", -ERANGE, 0, 0, 0, 0, 0 },
	{ "05:20.0", -ERANGE, 0, 0, 0, 0, 3 },
	{ "05:00.8", -ERANGE, 0, 0, 0, 0, 6 },
	{ "0000:05:00.10", -ERANGE, 0, 0, 0, 0, 11 },
	/* Bad characters: *bad at the character. */
	{ "05:zz", -EINVAL, 0, 0, 0, 0, 3 },
	{ "fffffz:00.0", -EINVAL, 0, 0, 0, 0, 5 },
	{ "0x5", -EINVAL, 0, 0, 0, 0, 1 },
	{ "-1", -EINVAL, 0, 0, 0, 0, 0 },
	{ " 5", -EINVAL, 0, 0, 0, 0, 0 },
	{ "5 ", -EINVAL, 0, 0, 0, 0, 1 },
	{ "1*", -EINVAL, 0, 0, 0, 0, 1 },
	{ "**", -EINVAL, 0, 0, 0, 0, 0 },
	{ "1:2:3:4", -EINVAL, 0, 0, 0, 0, 3 },		/* too many colons */
	{ "1.2.3", -EINVAL, 0, 0, 0, 0, 3 },		/* too many dots */
	{ "1.2:3", -EINVAL, 0, 0, 0, 0, 1 },		/* dot in the bus */
	{ "05:00.0\n", -EINVAL, 0, 0, 0, 0, 7 },
	/* Every field out of range in the full form, and too many digits. */
	{ "0:100:00.0", -ERANGE, 0, 0, 0, 0, 2 },
	{ "0:0:20.0", -ERANGE, 0, 0, 0, 0, 4 },
	{ "0:0:0.8", -ERANGE, 0, 0, 0, 0, 6 },
	{ "00000000000000000000001:00:00.0", 0, 1, 0, 0, 0, 0 },
	{ "ffffffffffffffffffffffff:00.0", -ERANGE, 0, 0, 0, 0, 0 },
	/* A wildcard mixed with digits, signs, other separators. */
	{ "*5", -EINVAL, 0, 0, 0, 0, 0 },		/* the field is bad */
	{ "05:00.*1", -EINVAL, 0, 0, 0, 0, 6 },
	{ "+5", -EINVAL, 0, 0, 0, 0, 0 },
	{ "05:00.0,", -EINVAL, 0, 0, 0, 0, 7 },
	{ "05;00.0", -EINVAL, 0, 0, 0, 0, 2 },
	{ "05:00-0", -EINVAL, 0, 0, 0, 0, 5 },
	{ "g", -EINVAL, 0, 0, 0, 0, 0 },
	{ "\xff", -EINVAL, 0, 0, 0, 0, 0 },
	{ "05:00.0\t", -EINVAL, 0, 0, 0, 0, 7 },
};

struct match_case {
	const char *filter;
	unsigned int domain, bus, devfn;
	int match;
};

#define DEVFN(s, f) ((s) << 3 | (f))

static const struct match_case match_cases[] = {
	{ "0000:05:00.0", 0, 5, DEVFN(0, 0), 1 },
	{ "0000:05:00.0", 1, 5, DEVFN(0, 0), 0 },
	{ "0000:05:00.0", 0, 5, DEVFN(0, 1), 0 },
	{ "05:00", 0, 5, DEVFN(0, 3), 1 },
	{ "05:00", 0x10000, 5, DEVFN(0, 3), 1 },
	{ "05:00", 0, 5, DEVFN(1, 0), 0 },
	{ "*:*.1", 0, 0x82, DEVFN(3, 1), 1 },
	{ "*:*.1", 0, 0x82, DEVFN(3, 2), 0 },
	{ "1f.3", 0, 0, DEVFN(0x1f, 3), 1 },
	{ "1f.3", 0, 7, DEVFN(0x1f, 3), 1 },
	{ "1f.3", 0, 0, DEVFN(0x1e, 3), 0 },
	{ "", 0xffff, 0xff, 0xff, 1 },
	{ "10000:00:00.0", 0x10000, 0, 0, 1 },
	{ "10000:00:00.0", 0, 0, 0, 0 },
};

static int n;
static int failed;

/* TAP descriptions are one line: escape what is not printable. */
static const char *esc(const char *s)
{
	static char buf[128];
	size_t i = 0;

	for (; *s && i < sizeof(buf) - 5; s++) {
		if (*s >= ' ' && *s <= '~')
			buf[i++] = *s;
		else
			i += (size_t)snprintf(buf + i, 5, "\\x%02x",
					      (unsigned char)*s);
	}
	buf[i] = '\0';
	return buf;
}

static void ok(int cond, const char *fmt, const char *arg)
{
	n++;
	if (!cond)
		failed++;
	printf("%sok %d - ", cond ? "" : "not ", n);
	printf(fmt, esc(arg));
	putchar('\n');
}

int main(void)
{
	size_t np = sizeof(parse_cases) / sizeof(parse_cases[0]);
	size_t nm = sizeof(match_cases) / sizeof(match_cases[0]);
	size_t i;

	/* Each parse case, plus the exact/init/no-NUL checks below. */
	printf("TAP version 13\n1..%zu\n", np + nm + 5);

	for (i = 0; i < np; i++) {
		const struct parse_case *c = &parse_cases[i];
		struct pcipass_slot_filter f = { 42, 42, 42, 42 };
		const char *bad = NULL;
		int err, good;

		err = pcipass_slot_filter_parse(&f, c->in, strlen(c->in), &bad);
		if (c->err)
			good = err == c->err && bad == c->in + c->bad &&
			       f.domain == 42 && f.bus == 42;
		else
			good = !err && f.domain == c->domain &&
			       f.bus == c->bus && f.slot == c->slot &&
			       f.func == c->func;
		if (!good)
			printf("# got err %d bad %ld: %d %d %d %d\n", err,
			       bad ? (long)(bad - c->in) : -1L, f.domain,
			       f.bus, f.slot, f.func);
		ok(good, "parse \"%s\"", c->in);
	}

	for (i = 0; i < nm; i++) {
		const struct match_case *c = &match_cases[i];
		struct pcipass_slot_filter f;
		int m;

		m = !pcipass_slot_filter_parse(&f, c->filter, strlen(c->filter),
					       NULL) &&
		    pcipass_slot_filter_match(&f, c->domain, c->bus, c->devfn);
		ok(m == c->match, "match \"%s\"", c->filter);
	}

	{
		struct pcipass_slot_filter f;

		pcipass_slot_filter_parse(&f, "0000:05:00.0", 12, NULL);
		ok(pcipass_slot_filter_is_exact(&f), "%s",
		   "\"0000:05:00.0\" is exact");
		pcipass_slot_filter_parse(&f, "05:00.0", 7, NULL);
		ok(!pcipass_slot_filter_is_exact(&f), "%s",
		   "\"05:00.0\" is not exact");
		pcipass_slot_filter_init(&f);
		ok(f.domain == ANY && f.bus == ANY && f.slot == ANY &&
		   f.func == ANY, "%s", "init matches anything");
		/* Only len characters count: no NUL needed. */
		ok(!pcipass_slot_filter_parse(&f, "05:00.0zzz", 7, NULL) &&
		   f.bus == 5 && f.slot == 0 && f.func == 0, "%s",
		   "parse stops at len");
		/* A NUL inside len is a bad character, not an end. */
		{
			static const char nul[] = "05\0:00.0";
			const char *bad = NULL;

			ok(pcipass_slot_filter_parse(&f, nul, sizeof(nul) - 1,
						     &bad) == -EINVAL &&
			   bad == nul + 2, "%s", "embedded NUL is refused");
		}
	}

	return failed ? 1 : 0;
}
