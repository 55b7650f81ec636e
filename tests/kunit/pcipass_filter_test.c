// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the slot filter and claim policy parser of kmod/pcipass_filter.c,
 * table-driven, with every class of bad input: empty entries, characters
 * that do not belong, fields out of range, malformed vendor:device and
 * class= entries, and too many entries.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "pcipass_filter.h"

#define ANY	PCIPASS_FILTER_ANY

/* --- slot filters ---------------------------------------------------- */

struct slot_case {
	const char *in;
	int ret;
	int bad;	/* on error: offset of the offending character */
	int domain, bus, slot, func;
};

static const struct slot_case slot_cases[] = {
	/* Valid: every field optional, hex, '*' a wildcard. */
	{ "", 0, 0, ANY, ANY, ANY, ANY },
	{ "0000:05:00.0", 0, 0, 0, 5, 0, 0 },
	{ "05:00.0", 0, 0, ANY, 5, 0, 0 },
	{ "1f", 0, 0, ANY, ANY, 0x1f, ANY },
	{ "05:", 0, 0, ANY, 5, ANY, ANY },
	{ ".3", 0, 0, ANY, ANY, ANY, 3 },
	{ "::", 0, 0, ANY, ANY, ANY, ANY },
	{ "*:*:*.*", 0, 0, ANY, ANY, ANY, ANY },
	{ "7fffffff:ff:1f.7", 0, 0, 0x7fffffff, 0xff, 0x1f, 7 },
	{ "AbCd:eF:1F.7", 0, 0, 0xabcd, 0xef, 0x1f, 7 },
	/* A character that does not belong: reported where it is. */
	{ "0g:00.0", -EINVAL, 1 },
	{ " 05:00.0", -EINVAL, 0 },
	{ "05:00.0 ", -EINVAL, 7 },
	{ "0x5:00.0", -EINVAL, 1 },
	{ "-1:00.0", -EINVAL, 0 },
	{ "+1:00.0", -EINVAL, 0 },
	{ "05:00.0.1", -EINVAL, 7 },
	{ "1:2:3:4.0", -EINVAL, 3 },
	{ "05:00.*x", -EINVAL, 6 },
	{ "**:00.0", -EINVAL, 0 },
	{ "fffffz:00.0", -EINVAL, 5 },
	/* Out of range: reported at the start of the field. */
	{ "100:00.0", -ERANGE, 0 },
	{ "00:20.0", -ERANGE, 3 },
	{ "00:00.8", -ERANGE, 6 },
	{ "80000000:00:00.0", -ERANGE, 0 },
	{ "ffffffffffff:00:00.0", -ERANGE, 0 },
	{ "0:00:000000020.0", -ERANGE, 5 },
};

static void slot_desc(const struct slot_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", c->in);
}

KUNIT_ARRAY_PARAM(slot, slot_cases, slot_desc);

static void pcipass_slot_parse_test(struct kunit *test)
{
	const struct slot_case *c = test->param_value;
	struct pcipass_slot_filter f = { 0x55, 0x55, 0x55, 0x55 };
	const char *bad = NULL;
	int ret;

	ret = pcipass_slot_filter_parse(&f, c->in, strlen(c->in), &bad);
	KUNIT_ASSERT_EQ(test, ret, c->ret);
	if (ret) {
		KUNIT_EXPECT_PTR_EQ(test, bad, c->in + c->bad);
		/* Bad input changes nothing. */
		KUNIT_EXPECT_EQ(test, f.domain, 0x55);
		KUNIT_EXPECT_EQ(test, f.bus, 0x55);
		KUNIT_EXPECT_EQ(test, f.slot, 0x55);
		KUNIT_EXPECT_EQ(test, f.func, 0x55);
		return;
	}
	KUNIT_EXPECT_EQ(test, f.domain, c->domain);
	KUNIT_EXPECT_EQ(test, f.bus, c->bus);
	KUNIT_EXPECT_EQ(test, f.slot, c->slot);
	KUNIT_EXPECT_EQ(test, f.func, c->func);
}

/* The length bounds the parse: text past it is never looked at. */
static void pcipass_slot_parse_len_test(struct kunit *test)
{
	struct pcipass_slot_filter f;

	KUNIT_ASSERT_EQ(test,
			pcipass_slot_filter_parse(&f, "05:00.0junk", 7, NULL), 0);
	KUNIT_EXPECT_EQ(test, f.bus, 5);
	KUNIT_EXPECT_EQ(test, f.func, 0);
	KUNIT_EXPECT_FALSE(test, pcipass_slot_filter_is_exact(&f));
	KUNIT_ASSERT_EQ(test,
			pcipass_slot_filter_parse(&f, "0000:05:00.0", 12, NULL), 0);
	KUNIT_EXPECT_TRUE(test, pcipass_slot_filter_is_exact(&f));
}

/* --- policies: parsing ------------------------------------------------- */

struct policy_case {
	const char *in;
	unsigned int n;		/* entries when it parses */
	unsigned int index;	/* else: 1-based offending entry, */
	const char *token;	/* the entry as written, */
	const char *reason;	/* and the start of the reason */
};

#define R_EMPTY	"empty entry"
#define R_NOTSLOT	"not a slot filter, vendor:device or class="
#define R_RANGE	"slot filter field out of range"
#define R_CLASS	"class must be 1 to 6 hex digits"
#define R_MASK	"class mask must be 1 to 6 hex digits"

static const struct policy_case policy_cases[] = {
	{ "", 0 },
	{ "0000:05:00.0", 1 },
	{ "144d:a80a,10de:*,*:0100", 3 },
	{ "class=0x0108,class=010802,class=0x0300/0xff00", 3 },
	{ "!82:00.*,82:00.*", 2 },
	/* Both sides '*' is not an id entry, but a slot filter "*:*". */
	{ "*:*", 1 },
	/* Empty entries. */
	{ ",", 0, 1, "", R_EMPTY },
	{ "00:01.0,", 0, 2, "", R_EMPTY },
	{ "00:01.0,,00:02.0", 0, 2, "", R_EMPTY },
	{ "!", 0, 1, "!", R_EMPTY },
	{ "00:01.0,!", 0, 2, "!", R_EMPTY },
	/* Neither slot filter, vendor:device nor class=. */
	{ "zz", 0, 1, "zz", R_NOTSLOT },
	{ "00:01.0,zz,00:02.0", 0, 2, "zz", R_NOTSLOT },
	{ "!!00:01.0", 0, 1, "!!00:01.0", R_NOTSLOT },
	{ " 00:01.0", 0, 1, " 00:01.0", R_NOTSLOT },
	{ "00:01.0 ", 0, 1, "00:01.0 ", R_NOTSLOT },
	{ "Class=0x0108", 0, 1, "Class=0x0108", R_NOTSLOT },
	{ "class", 0, 1, "class", R_NOTSLOT },
	{ "14:a8g", 0, 1, "14:a8g", R_NOTSLOT },
	/*
	 * Slot filter fields out of range, and what is not a vendor:device
	 * (wrong length, a function, a bad digit) so parses as a slot filter
	 * whose bus is too large.
	 */
	{ "144d:a80g", 0, 1, "144d:a80g", R_RANGE },
	{ "144d:a80a.0", 0, 1, "144d:a80a.0", R_RANGE },
	{ "00:20.0", 0, 1, "00:20.0", R_RANGE },
	{ "100:00.0", 0, 1, "100:00.0", R_RANGE },
	{ "144d:a80", 0, 1, "144d:a80", R_RANGE },
	{ "144d:a80a:1", 0, 1, "144d:a80a:1", R_RANGE },
	{ "0144d:a80a", 0, 1, "0144d:a80a", R_RANGE },
	/* Malformed class= entries. */
	{ "class=", 0, 1, "class=", R_CLASS },
	{ "class=0x", 0, 1, "class=0x", R_CLASS },
	{ "class=1234567", 0, 1, "class=1234567", R_CLASS },
	{ "class=0x01g8", 0, 1, "class=0x01g8", R_CLASS },
	{ "class=-108", 0, 1, "class=-108", R_CLASS },
	{ "class=/ff", 0, 1, "class=/ff", R_CLASS },
	{ "class=0x0108/", 0, 1, "class=0x0108/", R_MASK },
	{ "class=0x0108/0x", 0, 1, "class=0x0108/0x", R_MASK },
	{ "class=0x0108/fffffff", 0, 1, "class=0x0108/fffffff", R_MASK },
	{ "00:01.0,class=0x0108/zz", 0, 2, "class=0x0108/zz", R_MASK },
};

static void policy_desc(const struct policy_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", c->in);
}

KUNIT_ARRAY_PARAM(policy, policy_cases, policy_desc);

static void pcipass_policy_parse_test(struct kunit *test)
{
	const struct policy_case *c = test->param_value;
	struct pcipass_policy_error err = { 0 };
	struct pcipass_policy *p;
	int ret;

	p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	p->n = 0x5555;

	ret = pcipass_policy_parse(p, c->in, strlen(c->in), &err);
	if (!c->reason) {
		KUNIT_ASSERT_EQ(test, ret, 0);
		KUNIT_EXPECT_EQ(test, p->n, c->n);
		return;
	}
	KUNIT_ASSERT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, p->n, 0x5555);	/* left untouched */
	KUNIT_EXPECT_EQ(test, err.index, c->index);
	KUNIT_ASSERT_NOT_NULL(test, err.token);
	KUNIT_EXPECT_TRUE(test, err.token >= c->in &&
			  err.token <= c->in + strlen(c->in));
	KUNIT_EXPECT_EQ(test, err.token_len, strlen(c->token));
	KUNIT_EXPECT_EQ(test, strncmp(err.token, c->token, err.token_len), 0);
	KUNIT_ASSERT_NOT_NULL(test, err.reason);
	KUNIT_EXPECT_TRUE_MSG(test, strstarts(err.reason, c->reason),
			      "reason \"%s\", expected \"%s...\"", err.reason,
			      c->reason);
}

/* PCIPASS_POLICY_MAX entries parse; one more is refused, naming it. */
static void pcipass_policy_max_test(struct kunit *test)
{
	const unsigned int len = (PCIPASS_POLICY_MAX + 1) * 8;
	struct pcipass_policy_error err = { 0 };
	struct pcipass_policy *p;
	unsigned int i;
	char *s;

	p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	s = kunit_kzalloc(test, len + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, s);
	for (i = 0; i <= PCIPASS_POLICY_MAX; i++)
		snprintf(s + i * 8, 9, "%02x:00.0,", i);
	s[len - 1] = '\0';	/* drop the last ',' */

	/* The first PCIPASS_POLICY_MAX entries, without the ',' after. */
	KUNIT_ASSERT_EQ(test, pcipass_policy_parse(p, s,
						   PCIPASS_POLICY_MAX * 8 - 1,
						   &err), 0);
	KUNIT_EXPECT_EQ(test, p->n, PCIPASS_POLICY_MAX);

	KUNIT_EXPECT_EQ(test, pcipass_policy_parse(p, s, len - 1, &err),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, err.index, PCIPASS_POLICY_MAX + 1);
	KUNIT_EXPECT_STREQ(test, err.reason, "too many entries");
	KUNIT_EXPECT_EQ(test, err.token_len, 7);
	KUNIT_EXPECT_EQ(test, strncmp(err.token, "40:00.0", 7), 0);
}

/* --- policies: matching ------------------------------------------------ */

struct match_case {
	const char *policy;
	struct pcipass_policy_dev dev;
	bool match;
	bool excludes;
};

#define DEV(dom, bus, slot, fn, ven, did, cls) \
	{ dom, bus, ((slot) << 3) | (fn), ven, did, cls }

static const struct match_case match_cases[] = {
	{ "", DEV(0, 5, 0, 0, 0x144d, 0xa80a, 0x010802), false, false },
	{ "05:00.0", DEV(0, 5, 0, 0, 0x144d, 0xa80a, 0x010802), true, false },
	{ "05:00.0", DEV(0, 5, 0, 1, 0x144d, 0xa80a, 0x010802), false, false },
	{ "0001:05:00.0", DEV(0, 5, 0, 0, 0x144d, 0xa80a, 0x010802), false, false },
	{ "0001:05:00.0", DEV(1, 5, 0, 0, 0x144d, 0xa80a, 0x010802), true, false },
	{ "1f.7", DEV(3, 0x80, 0x1f, 7, 0x8086, 0x10d3, 0x020000), true, false },
	{ "144d:*", DEV(0, 5, 0, 0, 0x144d, 0xa80a, 0x010802), true, false },
	{ "144d:*", DEV(0, 5, 0, 0, 0x8086, 0xa80a, 0x010802), false, false },
	{ "*:a80a", DEV(0, 5, 0, 0, 0x8086, 0xa80a, 0x010802), true, false },
	{ "144d:a80a", DEV(0, 5, 0, 0, 0x144d, 0xa80b, 0x010802), false, false },
	{ "class=0x0108", DEV(0, 5, 0, 0, 0x1b36, 0x0010, 0x010802), true, false },
	{ "class=0x0108", DEV(0, 5, 0, 0, 0x1b36, 0x0010, 0x010601), false, false },
	{ "class=0x010802", DEV(0, 5, 0, 0, 0x1b36, 0x0010, 0x010801), false, false },
	{ "class=0x0300/0xff00", DEV(0, 4, 0, 0, 0x1234, 0x1111, 0x030200), true, false },
	{ "class=0x0300/0xff00", DEV(0, 4, 0, 0, 0x1234, 0x1111, 0x040300), false, false },
	{ "05:00.*,!05:00.1", DEV(0, 5, 0, 1, 0x144d, 0xa80a, 0x010802), false, true },
	{ "05:00.*,!05:00.1", DEV(0, 5, 0, 0, 0x144d, 0xa80a, 0x010802), true, false },
	{ "!05:00.1,05:00.*", DEV(0, 5, 0, 1, 0x144d, 0xa80a, 0x010802), false, true },
	{ "!05:00.1", DEV(0, 5, 0, 0, 0x144d, 0xa80a, 0x010802), false, false },
	{ "class=0x0108,!144d:*", DEV(0, 5, 0, 0, 0x144d, 0xa80a, 0x010802), false, true },
	{ "class=0x0108,!144d:*", DEV(0, 6, 0, 0, 0x1b36, 0x0010, 0x010802), true, false },
	{ "*:*", DEV(0xffff, 0xff, 0x1f, 7, 0xffff, 0xffff, 0xffffff), true, false },
};

static void match_desc(const struct match_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE,
		 "\"%s\" %04x:%02x:%02x.%x %04x:%04x class %06x", c->policy,
		 c->dev.domain, c->dev.bus, c->dev.devfn >> 3, c->dev.devfn & 7,
		 c->dev.vendor, c->dev.device, c->dev.class);
}

KUNIT_ARRAY_PARAM(match, match_cases, match_desc);

static void pcipass_policy_match_test(struct kunit *test)
{
	const struct match_case *c = test->param_value;
	struct pcipass_policy *p;

	p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, pcipass_policy_parse(p, c->policy,
						   strlen(c->policy), NULL), 0);
	KUNIT_EXPECT_EQ(test, pcipass_policy_match(p, &c->dev), c->match);
	KUNIT_EXPECT_EQ(test, pcipass_policy_excludes(p, &c->dev), c->excludes);
}

static struct kunit_case pcipass_filter_cases[] = {
	KUNIT_CASE_PARAM(pcipass_slot_parse_test, slot_gen_params),
	KUNIT_CASE(pcipass_slot_parse_len_test),
	KUNIT_CASE_PARAM(pcipass_policy_parse_test, policy_gen_params),
	KUNIT_CASE(pcipass_policy_max_test),
	KUNIT_CASE_PARAM(pcipass_policy_match_test, match_gen_params),
	{}
};

static struct kunit_suite pcipass_filter_suite = {
	.name = "pcipass_filter",
	.test_cases = pcipass_filter_cases,
};

kunit_test_suite(pcipass_filter_suite);
