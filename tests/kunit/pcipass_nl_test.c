// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: netlink message sizing of kmod/pcipass_nl.c. The computed size of
 * every message must hold what its fill function writes, for every PCI
 * function and IOMMU group of the machine the test runs on, and a dev
 * message must always fit a dump buffer.
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
	unsigned int i, n;
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
		KUNIT_EXPECT_EQ_MSG(test, pcipass_nl_group_fill(skb, g[i].group,
								&members, 1),
				    0, "group %u", g[i].id);
		KUNIT_EXPECT_LE_MSG(test, (size_t)skb->len, size, "group %u",
				    g[i].id);
		nlmsg_free(skb);
		pcipass_devs_release(&members);
	}
	pcipass_groups_release(g, n);
}

/* A group of N members, as long as addresses get, is sized exactly. */
static void pcipass_nl_group_size_test(struct kunit *test)
{
	static const char bdf[] = "ffffffff:ff:1f.7";
	unsigned int members;

	static_assert(sizeof(bdf) == PCIPASS_BDF_MAX_LEN + 1);
	for (members = 0; members <= 256; members = members * 2 ?: 1) {
		size_t size = pcipass_nl_group_size(members);
		struct sk_buff *skb = nlmsg_new(size, GFP_KERNEL);
		unsigned int i;

		KUNIT_ASSERT_NOT_NULL(test, skb);
		KUNIT_ASSERT_EQ(test, nla_put_u32(skb, PCIPASS_A_GROUP_ID, 1), 0);
		KUNIT_ASSERT_EQ(test, nla_put_u8(skb, PCIPASS_A_GROUP_VIABLE, 1), 0);
		KUNIT_ASSERT_EQ(test, nla_put_u32(skb, PCIPASS_A_GROUP_GENERATION,
						  1), 0);
		for (i = 0; i < members; i++)
			KUNIT_ASSERT_EQ(test,
					nla_put_string(skb, PCIPASS_A_GROUP_MEMBER, bdf), 0);
		KUNIT_EXPECT_EQ(test, (size_t)skb->len, size);
		nlmsg_free(skb);
	}
}

/* The reply to a claim or release: one address per function it changed. */
static void pcipass_nl_claim_reply_size_test(struct kunit *test)
{
	struct pci_dev *pdev = NULL;
	struct sk_buff *skb;
	unsigned int n = 0;

	for_each_pci_dev(pdev)
		n++;
	KUNIT_EXPECT_EQ(test, pcipass_nl_claim_reply_size(0), 0);
	skb = nlmsg_new(pcipass_nl_claim_reply_size(n), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	for_each_pci_dev(pdev)
		KUNIT_EXPECT_EQ(test, nla_put_string(skb, PCIPASS_A_CLAIM_DONE,
						     pci_name(pdev)), 0);
	KUNIT_EXPECT_LE(test, (size_t)skb->len, pcipass_nl_claim_reply_size(n));
	nlmsg_free(skb);
}

static struct kunit_case pcipass_nl_cases[] = {
	KUNIT_CASE(pcipass_nl_dev_size_bound_test),
	KUNIT_CASE(pcipass_nl_dev_fill_test),
	KUNIT_CASE(pcipass_nl_group_fill_test),
	KUNIT_CASE(pcipass_nl_group_size_test),
	KUNIT_CASE(pcipass_nl_claim_reply_size_test),
	{}
};

static struct kunit_suite pcipass_nl_suite = {
	.name = "pcipass_nl",
	.test_cases = pcipass_nl_cases,
};

kunit_test_suite(pcipass_nl_suite);
