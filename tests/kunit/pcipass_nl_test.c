// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: netlink message sizing of kmod/pcipass_nl.c. The computed size of
 * every message must hold what its fill function writes, for every PCI
 * function and IOMMU group of the machine the test runs on and for groups
 * of up to 256 members, and a dev message must always fit a dump buffer.
 * Group messages and claim replies must name every function given; an
 * event takes exactly the room computed for it.
 */
#include <kunit/test.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <uapi/linux/pcipass.h>

#include "pcipass.h"
#include "pcipass_nl.h"

/* The largest dev message fits one NLMSG_GOODSIZE dump buffer. */
static void pcipass_nl_dev_size_bound_test(struct kunit *test)
{
	KUNIT_EXPECT_LE(test, nlmsg_total_size(genlmsg_total_size(pcipass_nl_dev_size())),
			(size_t)NLMSG_GOODSIZE);
	/* Room for at least the address and ids. */
	KUNIT_EXPECT_GE(test, pcipass_nl_dev_size(),
			nla_total_size(PCIPASS_BDF_MAX_LEN + 1) +
			4 * nla_total_size(sizeof(u16)));
}

static void pcipass_nl_dev_fill_test(struct kunit *test)
{
	size_t size = pcipass_nl_dev_size();
	struct pci_dev *pdev = NULL;
	struct sk_buff *skb;
	unsigned int n = 0;

	for_each_pci_dev(pdev) {
		skb = nlmsg_new(size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, skb);
		KUNIT_EXPECT_EQ_MSG(test, pcipass_nl_dev_fill(skb, pdev, 1), 0,
				    "%s", pci_name(pdev));
		KUNIT_EXPECT_LE_MSG(test, (size_t)skb->len, size, "%s",
				    pci_name(pdev));
		nlmsg_free(skb);
		n++;
	}
	if (!n)
		kunit_skip(test, "no PCI functions");
}

static void pcipass_nl_group_fill_test(struct kunit *test)
{
	struct pcipass_group_ref *g;
	struct pcipass_devs members;
	struct sk_buff *skb;
	unsigned int i, n, next;
	size_t size;

	KUNIT_ASSERT_EQ(test, pcipass_groups_collect(&g, &n), 0);
	if (!n) {
		pcipass_groups_release(g, n);
		kunit_skip(test, "no IOMMU groups (no IOMMU)");
	}
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_EQ(test, pcipass_group_members(g[i].group,
							    &members), 0);
		size = pcipass_nl_group_size(members.n);
		skb = nlmsg_new(size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, skb);
		KUNIT_EXPECT_EQ_MSG(test,
				    pcipass_nl_group_fill_devs(skb, g[i].group,
							       &members, 1, 0,
							       &next),
				    0, "group %u", g[i].id);
		KUNIT_EXPECT_EQ_MSG(test, next, members.n, "group %u", g[i].id);
		KUNIT_EXPECT_LE_MSG(test, (size_t)skb->len, size, "group %u",
				    g[i].id);
		nlmsg_free(skb);
		pcipass_devs_release(&members);
	}
	pcipass_groups_release(g, n);
}

#define PCIPASS_NL_TEST_MAX_MEMBERS	256

/*
 * A group of 0..256 members, its addresses as long as they get: the size
 * computed for it is exactly what pcipass_nl_group_fill() writes, and the
 * message holds every member. Stops at the first member count that fails.
 */
static void pcipass_nl_group_size_test(struct kunit *test)
{
	static const char bdf[] = "ffffffff:ff:1f.7";
	struct pcipass_nl_group g = {
		.id = U32_MAX,
		.viable = true,
		.gen = U32_MAX,
	};
	unsigned int i, seen, other, next;
	const struct nlattr *nla;
	struct sk_buff *skb;
	size_t size, len;
	int err, rem;

	static_assert(sizeof(bdf) == PCIPASS_BDF_MAX_LEN + 1);
	g.member = kunit_kmalloc_array(test, PCIPASS_NL_TEST_MAX_MEMBERS,
				       sizeof(*g.member), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, g.member);
	for (i = 0; i < PCIPASS_NL_TEST_MAX_MEMBERS; i++)
		g.member[i] = bdf;

	for (g.n = 0; g.n <= PCIPASS_NL_TEST_MAX_MEMBERS; g.n++) {
		size = pcipass_nl_group_size(g.n);
		skb = nlmsg_new(size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, skb);
		err = pcipass_nl_group_fill(skb, &g, &next);
		len = skb->len;
		seen = 0;
		other = 0;
		nla_for_each_attr(nla, (const struct nlattr *)skb->data,
				  skb->len, rem) {
			if (nla_type(nla) != PCIPASS_A_GROUP_MEMBER)
				continue;
			if (nla_strcmp(nla, bdf))
				other++;
			seen++;
		}
		nlmsg_free(skb);

		KUNIT_ASSERT_EQ_MSG(test, err, 0, "%u members", g.n);
		KUNIT_ASSERT_EQ_MSG(test, len, size, "%u members", g.n);
		KUNIT_ASSERT_EQ_MSG(test, rem, 0, "%u members", g.n);
		KUNIT_ASSERT_EQ_MSG(test, seen, g.n, "%u members", g.n);
		KUNIT_ASSERT_EQ_MSG(test, other, 0, "%u members", g.n);
		KUNIT_ASSERT_EQ_MSG(test, next, g.n, "%u members", g.n);
	}
}

/*
 * A group too big for one message, put as a dump does: each message as
 * full as its room allows, the next starting where it stopped. Every
 * message says the id and the total, holds at least one member, and
 * together they hold every member once, in order. Rooms from one that
 * holds the attributes and a single member up to one that holds all.
 */
static void pcipass_nl_group_split_test(struct kunit *test)
{
	struct pcipass_nl_group g = {
		.id = 7,
		.viable = true,
		.gen = 1,
		.n = PCIPASS_NL_TEST_MAX_MEMBERS,
	};
	unsigned int i, next, msgs, seen, bad;
	const struct nlattr *nla;
	struct sk_buff *skb;
	char (*bdf)[16];
	size_t room;
	int err, rem;

	bdf = kunit_kmalloc_array(test, g.n, sizeof(*bdf), GFP_KERNEL);
	g.member = kunit_kmalloc_array(test, g.n, sizeof(*g.member),
				       GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bdf);
	KUNIT_ASSERT_NOT_NULL(test, g.member);
	for (i = 0; i < g.n; i++) {
		snprintf(bdf[i], sizeof(bdf[i]), "0000:06:%02x.%u", i / 8 % 32,
			 i % 8);
		g.member[i] = bdf[i];
	}

	for (room = pcipass_nl_group_size(1); room <= pcipass_nl_group_size(g.n);
	     room += 509) {
		msgs = 0;
		seen = 0;
		bad = 0;
		for (g.first = 0; g.first < g.n; g.first = next) {
			skb = alloc_skb(room, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, skb);
			err = pcipass_nl_group_fill(skb, &g, &next);
			if (err && err != -EMSGSIZE)
				bad++;
			if (next <= g.first) {
				kfree_skb(skb);
				KUNIT_FAIL_AND_ABORT(test,
						     "room %zu: no member from %u on",
						     room, g.first);
			}
			nla_for_each_attr(nla, (const struct nlattr *)skb->data,
					  skb->len, rem) {
				if (nla_type(nla) == PCIPASS_A_GROUP_ID &&
				    nla_get_u32(nla) != g.id)
					bad++;
				if (nla_type(nla) == PCIPASS_A_GROUP_MEMBERS_TOTAL &&
				    nla_get_u32(nla) != g.n)
					bad++;
				if (nla_type(nla) != PCIPASS_A_GROUP_MEMBER)
					continue;
				if (seen >= g.n || nla_strcmp(nla, bdf[seen]))
					bad++;
				seen++;
			}
			kfree_skb(skb);
			msgs++;
		}
		KUNIT_EXPECT_EQ_MSG(test, seen, g.n, "room %zu", room);
		KUNIT_EXPECT_EQ_MSG(test, bad, 0, "room %zu", room);
		KUNIT_EXPECT_GE_MSG(test, msgs, 1, "room %zu", room);
	}
}

/*
 * The reply to a claim or release that changed every PCI function: one
 * address per function, in order, within the size computed for it.
 */
static void pcipass_nl_claim_reply_fill_test(struct kunit *test)
{
	unsigned int i = 0, wrong = 0;
	struct pcipass_devs done;
	const struct nlattr *nla;
	struct sk_buff *skb;
	size_t size;
	int rem;

	KUNIT_EXPECT_EQ(test, pcipass_nl_claim_reply_size(0), 0);
	KUNIT_ASSERT_EQ(test, pcipass_devs_collect(&done), 0);
	if (!done.n)
		kunit_skip(test, "no PCI functions");

	size = pcipass_nl_claim_reply_size(done.n);
	skb = nlmsg_new(size, GFP_KERNEL);
	if (!skb) {
		pcipass_devs_release(&done);
		KUNIT_FAIL_AND_ABORT(test, "no memory for the reply");
	}
	KUNIT_EXPECT_EQ(test, pcipass_nl_claim_reply_fill(skb, &done), 0);
	KUNIT_EXPECT_LE(test, (size_t)skb->len, size);
	nla_for_each_attr(nla, (const struct nlattr *)skb->data, skb->len,
			  rem) {
		if (nla_type(nla) != PCIPASS_A_CLAIM_DONE ||
		    i >= done.n || nla_strcmp(nla, pci_name(done.dev[i]))) {
			if (!wrong++)
				kunit_err(test, "entry %u: type %d, \"%.*s\"\n",
					  i, nla_type(nla), nla_len(nla),
					  (const char *)nla_data(nla));
		}
		i++;
	}
	KUNIT_EXPECT_EQ(test, rem, 0);
	KUNIT_EXPECT_EQ(test, i, done.n);
	KUNIT_EXPECT_EQ(test, wrong, 0);
	nlmsg_free(skb);
	pcipass_devs_release(&done);
}

/*
 * An event for every PCI function, without a driver, with vfio-pci and
 * with a driver name longer than any the dev message carries: the fill
 * uses exactly the computed room, so the skb is no bigger than needed.
 */
static void pcipass_nl_event_fill_test(struct kunit *test)
{
	static char longname[2 * PCIPASS_NAME_MAX + 1];
	static const char * const drivers[] = { NULL, "vfio-pci", longname };
	struct pci_dev *pdev = NULL;
	unsigned int i, n = 0;
	struct sk_buff *skb;
	size_t size;

	memset(longname, 'd', sizeof(longname) - 1);

	for_each_pci_dev(pdev) {
		for (i = 0; i < ARRAY_SIZE(drivers); i++) {
			size = pcipass_nl_event_size(pdev, drivers[i]);
			skb = nlmsg_new(size, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, skb);
			KUNIT_EXPECT_EQ_MSG(test,
					    pcipass_nl_event_fill(skb, 1, pdev,
								  drivers[i], 1),
					    0, "%s, driver %u", pci_name(pdev), i);
			KUNIT_EXPECT_EQ_MSG(test, (size_t)skb->len, size,
					    "%s, driver %u", pci_name(pdev), i);
			nlmsg_free(skb);
		}
		/* Not a page each, as before: about 50 bytes. */
		KUNIT_EXPECT_LT(test, pcipass_nl_event_size(pdev, "vfio-pci"),
				(size_t)64);
		n++;
	}
	if (!n)
		kunit_skip(test, "no PCI functions");
}

static struct kunit_case pcipass_nl_cases[] = {
	KUNIT_CASE(pcipass_nl_dev_size_bound_test),
	KUNIT_CASE(pcipass_nl_dev_fill_test),
	KUNIT_CASE(pcipass_nl_group_fill_test),
	KUNIT_CASE(pcipass_nl_group_size_test),
	KUNIT_CASE(pcipass_nl_group_split_test),
	KUNIT_CASE(pcipass_nl_claim_reply_fill_test),
	KUNIT_CASE(pcipass_nl_event_fill_test),
	{}
};

static struct kunit_suite pcipass_nl_suite = {
	.name = "pcipass_nl",
	.test_cases = pcipass_nl_cases,
};

kunit_test_suite(pcipass_nl_suite);
