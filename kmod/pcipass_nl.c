// SPDX-License-Identifier: GPL-2.0
/*
 * pcipass generic netlink family: the doit/dumpit handlers and the one
 * fill function per object. Policies and the op table are generated from
 * kmod/pcipass.yaml into pcipass-nl-gen.c.
 */

#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "compat.h"
#include "pcipass.h"
#include "pcipass-nl-gen.h"
#include "pcipass_nl.h"

static struct genl_family pcipass_nl_family;

/*
 * A dump takes its references once, in the start hook, and puts from that
 * list across all the dumpit calls it takes to fill the reader's buffers;
 * the done hook drops them. Collecting on every call would make a dump
 * cost quadratic in the number of functions.
 *
 * The list is not refreshed: the generation each dumpit call reads is
 * what tells the reader a change overlapped it (NLM_F_DUMP_INTR).
 */

/**
 * struct pcipass_nl_dev_dump - a dev dump's state, in cb->ctx
 * @devs: every PCI function, referenced at the start, in address order
 * @pos: index in @devs of the next function to put
 */
struct pcipass_nl_dev_dump {
	struct pcipass_devs devs;
	unsigned int pos;
};

/**
 * struct pcipass_nl_group_dump - a group dump's state, in cb->ctx
 * @refs: every IOMMU group holding a PCI function, referenced at the
 *	start, by id
 * @n: number of entries in @refs
 * @pos: index in @refs of the next group to put
 * @member: index of the first member of that group to put: a group whose
 *	members do not fit one message continues in the next
 */
struct pcipass_nl_group_dump {
	struct pcipass_group_ref *refs;
	unsigned int n;
	unsigned int pos;
	unsigned int member;
};

static_assert(sizeof(struct pcipass_nl_dev_dump) <=
	      sizeof_field(struct netlink_callback, ctx));
static_assert(sizeof(struct pcipass_nl_group_dump) <=
	      sizeof_field(struct netlink_callback, ctx));

static struct pcipass_nl_dev_dump *pcipass_nl_dev_dump(struct netlink_callback *cb)
{
	return (struct pcipass_nl_dev_dump *)cb->ctx;
}

static struct pcipass_nl_group_dump *
pcipass_nl_group_dump(struct netlink_callback *cb)
{
	return (struct pcipass_nl_group_dump *)cb->ctx;
}

/*
 * The netlink core flags a message whose cb->seq differs from the one
 * before it. Seed the comparison with the generation the list was taken
 * at, so that a change between the start and the first message counts.
 */
static void pcipass_nl_dump_seed(struct netlink_callback *cb, u32 gen)
{
	cb->prev_seq = gen;
}

/* A string attribute holding a PCI address or a driver name. */
#define PCIPASS_NL_BDF_SIZE	nla_total_size(PCIPASS_BDF_MAX_LEN + 1)
#define PCIPASS_NL_NAME_SIZE	nla_total_size(PCIPASS_NAME_MAX)

/**
 * pcipass_nl_dev_size() - room pcipass_nl_dev_fill() may need
 *
 * Return: the payload size of the largest dev message: every attribute
 * present, strings at their longest.
 */
size_t pcipass_nl_dev_size(void)
{
	return PCIPASS_NL_BDF_SIZE +			/* bdf */
	       4 * nla_total_size(sizeof(u16)) +	/* vendor .. subsystem */
	       nla_total_size(sizeof(u32)) +		/* class */
	       nla_total_size(sizeof(u8)) +		/* revision */
	       nla_total_size(sizeof(u32)) +		/* group */
	       2 * PCIPASS_NL_NAME_SIZE +		/* driver, override */
	       nla_total_size(sizeof(u8)) +		/* override unknown */
	       3 * nla_total_size(sizeof(u8)) +		/* bridge, mf, type */
	       PCIPASS_NL_BDF_SIZE +			/* upstream */
	       2 * nla_total_size(sizeof(u16)) +	/* sriov total, num */
	       PCIPASS_NL_BDF_SIZE +			/* physfn */
	       nla_total_size(sizeof(u32)) +		/* numa node */
	       2 * nla_total_size(sizeof(u16)) +	/* acs cap, ctrl */
	       2 * nla_total_size(sizeof(u8)) +		/* acs isolated */
	       nla_total_size(sizeof(u32)) +		/* generation */
	       nla_total_size(sizeof(u8)) +		/* claim origin */
	       PCIPASS_NL_NAME_SIZE;			/* prev driver */
}

PCIPASS_KUNIT_VISIBLE int pcipass_nl_dev_fill(struct sk_buff *skb,
					      struct pci_dev *pdev, u32 gen)
{
	char name[PCIPASS_NAME_MAX], over[PCIPASS_NAME_MAX];
	struct pcipass_acs_in acs;
	struct iommu_group *group;
	struct pci_dev *up;
	int node, ret;
	u8 origin;

	if (nla_put_string(skb, PCIPASS_A_DEV_BDF, pci_name(pdev)) ||
	    nla_put_u16(skb, PCIPASS_A_DEV_VENDOR, pdev->vendor) ||
	    nla_put_u16(skb, PCIPASS_A_DEV_DEVICE, pdev->device) ||
	    nla_put_u16(skb, PCIPASS_A_DEV_SUBSYSTEM_VENDOR,
			pdev->subsystem_vendor) ||
	    nla_put_u16(skb, PCIPASS_A_DEV_SUBSYSTEM_DEVICE,
			pdev->subsystem_device) ||
	    nla_put_u32(skb, PCIPASS_A_DEV_CLASS, pdev->class) ||
	    nla_put_u8(skb, PCIPASS_A_DEV_REVISION, pdev->revision))
		return -EMSGSIZE;

	group = iommu_group_get(&pdev->dev);
	if (group) {
		int err = nla_put_u32(skb, PCIPASS_A_DEV_GROUP,
				      iommu_group_id(group));

		iommu_group_put(group);
		if (err)
			return err;
	}

	if (pcipass_driver_name(pdev, name, sizeof(name)) &&
	    nla_put_string(skb, PCIPASS_A_DEV_DRIVER, name))
		return -EMSGSIZE;
	/* Any user may dump: never wait on a driver's probe or remove. */
	ret = pcipass_peek_driver_override(pdev, over, sizeof(over));
	if ((ret > 0 &&
	     nla_put_string(skb, PCIPASS_A_DEV_DRIVER_OVERRIDE, over)) ||
	    (ret < 0 &&
	     nla_put_u8(skb, PCIPASS_A_DEV_DRIVER_OVERRIDE_UNKNOWN, 1)))
		return -EMSGSIZE;

	if (nla_put_u8(skb, PCIPASS_A_DEV_BRIDGE, pci_is_bridge(pdev)) ||
	    nla_put_u8(skb, PCIPASS_A_DEV_MULTIFUNCTION, pdev->multifunction))
		return -EMSGSIZE;
	if (pci_is_pcie(pdev) &&
	    nla_put_u8(skb, PCIPASS_A_DEV_PCIE_TYPE, pci_pcie_type(pdev)))
		return -EMSGSIZE;

	up = pci_upstream_bridge(pdev);
	if (up && nla_put_string(skb, PCIPASS_A_DEV_UPSTREAM, pci_name(up)))
		return -EMSGSIZE;

	if (pdev->is_physfn &&
	    (nla_put_u16(skb, PCIPASS_A_DEV_SRIOV_TOTAL_VFS,
			 pci_sriov_get_totalvfs(pdev)) ||
	     nla_put_u16(skb, PCIPASS_A_DEV_SRIOV_NUM_VFS, pci_num_vf(pdev))))
		return -EMSGSIZE;
	if (pdev->is_virtfn &&
	    nla_put_string(skb, PCIPASS_A_DEV_PHYSFN,
			   pci_name(pci_physfn(pdev))))
		return -EMSGSIZE;

	node = dev_to_node(&pdev->dev);
	if (node != NUMA_NO_NODE &&
	    nla_put_u32(skb, PCIPASS_A_DEV_NUMA_NODE, node))
		return -EMSGSIZE;

	pcipass_acs_read(pdev, &acs);
	if (acs.has_cap && !acs.unreadable &&
	    (nla_put_u16(skb, PCIPASS_A_DEV_ACS_CAP, acs.cap) ||
	     nla_put_u16(skb, PCIPASS_A_DEV_ACS_CTRL, acs.ctrl)))
		return -EMSGSIZE;
	if (nla_put_u8(skb, PCIPASS_A_DEV_ACS_ISOLATED,
		       pcipass_acs_enabled(&acs, PCIPASS_ACS_REQ)) ||
	    nla_put_u8(skb, PCIPASS_A_DEV_ACS_PATH_ISOLATED,
		       pcipass_acs_path_enabled(pdev, PCIPASS_ACS_REQ)) ||
	    nla_put_u32(skb, PCIPASS_A_DEV_GENERATION, gen))
		return -EMSGSIZE;

	origin = pcipass_claim_origin_of(pdev, ret > 0 ? over : NULL, name,
					 sizeof(name));
	if (nla_put_u8(skb, PCIPASS_A_DEV_CLAIM_ORIGIN, origin) ||
	    (name[0] && nla_put_string(skb, PCIPASS_A_DEV_PREV_DRIVER, name)))
		return -EMSGSIZE;
	return 0;
}

/**
 * pcipass_nl_group_fill() - put a group message's attributes
 * @skb: the message
 * @g: what it says, its members from @g->first on
 * @next: set to the index of the first member not put
 *
 * Return: 0 when every member from @g->first on was put, or -EMSGSIZE
 * when @skb ran out of room: *@next then says how far it got.
 */
PCIPASS_KUNIT_VISIBLE int pcipass_nl_group_fill(struct sk_buff *skb,
						const struct pcipass_nl_group *g,
						unsigned int *next)
{
	unsigned int i;

	*next = g->first;
	if (nla_put_u32(skb, PCIPASS_A_GROUP_ID, g->id) ||
	    nla_put_u8(skb, PCIPASS_A_GROUP_VIABLE, g->viable) ||
	    nla_put_u32(skb, PCIPASS_A_GROUP_GENERATION, g->gen) ||
	    nla_put_u32(skb, PCIPASS_A_GROUP_MEMBERS_TOTAL, g->n))
		return -EMSGSIZE;
	for (i = g->first; i < g->n; i++) {
		if (nla_put_string(skb, PCIPASS_A_GROUP_MEMBER, g->member[i]))
			return -EMSGSIZE;
		*next = i + 1;
	}
	return 0;
}

/**
 * pcipass_nl_group_fill_devs() - put the message for a group and its
 *	referenced PCI functions
 * @skb: the message
 * @group: the IOMMU group
 * @members: its PCI functions, from pcipass_group_members()
 * @gen: the generation read before @members were taken
 * @first: index in @members of the first member to put
 * @next: set to the index of the first member not put
 *
 * Return: 0, -ENOMEM, or -EMSGSIZE if @skb is out of room (see
 * pcipass_nl_group_fill()).
 */
PCIPASS_KUNIT_VISIBLE int
pcipass_nl_group_fill_devs(struct sk_buff *skb, struct iommu_group *group,
			   const struct pcipass_devs *members, u32 gen,
			   unsigned int first, unsigned int *next)
{
	struct pcipass_nl_group g = {
		.id = iommu_group_id(group),
		.viable = true,
		.gen = gen,
		.n = members->n,
		.first = first,
	};
	unsigned int i;
	int err;

	g.member = kmalloc_array(members->n, sizeof(*g.member), GFP_KERNEL);
	if (!g.member)
		return -ENOMEM;
	for (i = 0; i < members->n; i++) {
		g.member[i] = pci_name(members->dev[i]);
		if (!pcipass_dev_viable(members->dev[i]))
			g.viable = false;
	}
	err = pcipass_nl_group_fill(skb, &g, next);
	kfree(g.member);
	return err;
}

/**
 * pcipass_nl_group_size() - room pcipass_nl_group_fill() needs
 * @members: number of functions in the group
 *
 * Return: the payload size of a group message.
 */
size_t pcipass_nl_group_size(unsigned int members)
{
	return nla_total_size(sizeof(u32)) +	/* id */
	       nla_total_size(sizeof(u8)) +	/* viable */
	       nla_total_size(sizeof(u32)) +	/* generation */
	       nla_total_size(sizeof(u32)) +	/* members total */
	       members * PCIPASS_NL_BDF_SIZE;
}

/**
 * pcipass_nl_claim_reply_size() - room the reply to a claim or release needs
 * @done: number of functions it changed
 *
 * Return: the payload size of the reply.
 */
size_t pcipass_nl_claim_reply_size(unsigned int done)
{
	return done * PCIPASS_NL_BDF_SIZE;
}

/**
 * pcipass_nl_claim_reply_fill() - put the reply to a claim or release
 * @skb: the reply
 * @done: the functions it changed
 *
 * Return: 0, or -EMSGSIZE if @skb is out of room.
 */
PCIPASS_KUNIT_VISIBLE int
pcipass_nl_claim_reply_fill(struct sk_buff *skb, const struct pcipass_devs *done)
{
	unsigned int i;

	for (i = 0; i < done->n; i++)
		if (nla_put_string(skb, PCIPASS_A_CLAIM_DONE,
				   pci_name(done->dev[i])))
			return -EMSGSIZE;
	return 0;
}

/*
 * Put one dump message. The netlink core compares cb->seq, which each
 * dumpit call sets from the generation, across messages and flags
 * NLM_F_DUMP_INTR when a change happened in between.
 */
static void *pcipass_nl_dump_put(struct sk_buff *skb,
				 struct netlink_callback *cb, u8 cmd)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &pcipass_nl_family, NLM_F_MULTI, cmd);
	if (hdr)
		genl_dump_check_consistent(cb, hdr);
	return hdr;
}

int pcipass_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr;
	struct pci_dev *pdev;
	struct sk_buff *rsp;
	u32 domain;
	u8 bus, devfn;
	void *hdr;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, PCIPASS_A_DEV_BDF)) {
		NL_SET_ERR_MSG(info->extack, "PCI address (bdf) required");
		return -EINVAL;
	}
	attr = info->attrs[PCIPASS_A_DEV_BDF];
	if (pcipass_parse_bdf(nla_data(attr), &domain, &bus, &devfn)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "malformed PCI address, expected dddd:bb:dd.f");
		return -EINVAL;
	}

	pdev = pci_get_domain_bus_and_slot(domain, bus, devfn);
	if (!pdev) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no such PCI function");
		return -ENODEV;
	}

	rsp = genlmsg_new(pcipass_nl_dev_size(), GFP_KERNEL);
	if (!rsp) {
		err = -ENOMEM;
		goto err_put_dev;
	}
	hdr = genlmsg_put_reply(rsp, info, &pcipass_nl_family, 0,
				PCIPASS_CMD_DEV_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_free_msg;
	}
	err = pcipass_nl_dev_fill(rsp, pdev, pcipass_gen_read());
	if (err)
		goto err_free_msg;
	genlmsg_end(rsp, hdr);
	pci_dev_put(pdev);
	return genlmsg_reply(rsp, info);

err_free_msg:
	nlmsg_free(rsp);
err_put_dev:
	pci_dev_put(pdev);
	return err;
}

int pcipass_nl_dev_dump_start(struct netlink_callback *cb)
{
	struct pcipass_nl_dev_dump *ctx = pcipass_nl_dev_dump(cb);
	u32 gen = pcipass_gen_read();
	int err;

	err = pcipass_devs_collect(&ctx->devs);
	if (err)
		return err;
	ctx->pos = 0;
	pcipass_nl_dump_seed(cb, gen);
	return 0;
}

int pcipass_nl_dev_dump_done(struct netlink_callback *cb)
{
	pcipass_devs_release(&pcipass_nl_dev_dump(cb)->devs);
	return 0;
}

int pcipass_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct pcipass_nl_dev_dump *ctx = pcipass_nl_dev_dump(cb);
	struct pci_dev *pdev;
	void *hdr;

	/*
	 * The dump holds references to functions found at its start, for
	 * as long as its reader takes. Each call reads only those still
	 * registered: a removed one's config space may have gone with its
	 * host bridge driver's state (VMD, Hyper-V). Its removal moved the
	 * generation: flagged. Not under pci_lock_rescan_remove(): reading
	 * driver_override takes device_lock, and sriov_numvfs_store() takes
	 * the two the other way round (6.12.118), so a removal can still
	 * begin between the check and the reads.
	 */
	cb->seq = pcipass_gen_read();
	for (; ctx->pos < ctx->devs.n; ctx->pos++) {
		pdev = ctx->devs.dev[ctx->pos];
		if (!pcipass_dev_registered(pdev))
			continue;
		hdr = pcipass_nl_dump_put(skb, cb, PCIPASS_CMD_DEV_GET);
		if (!hdr)
			goto full;
		if (pcipass_nl_dev_fill(skb, pdev, cb->seq)) {
			genlmsg_cancel(skb, hdr);
			goto full;
		}
		genlmsg_end(skb, hdr);
	}
	return skb->len;

full:
	/* Out of room: the core calls us again to continue. */
	return skb->len ?: -EMSGSIZE;
}

static int pcipass_nl_group_reply(struct iommu_group *group,
				  struct genl_info *info)
{
	struct pcipass_devs members;
	struct sk_buff *rsp;
	unsigned int next;
	void *hdr;
	int err;
	u32 gen;

	gen = pcipass_gen_read();
	err = pcipass_group_members(group, &members);
	if (err)
		return err;

	rsp = genlmsg_new(pcipass_nl_group_size(members.n), GFP_KERNEL);
	if (!rsp) {
		err = -ENOMEM;
		goto err_release;
	}
	hdr = genlmsg_put_reply(rsp, info, &pcipass_nl_family, 0,
				PCIPASS_CMD_GROUP_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_free_msg;
	}
	err = pcipass_nl_group_fill_devs(rsp, group, &members, gen, 0, &next);
	if (err)
		goto err_free_msg;
	genlmsg_end(rsp, hdr);
	pcipass_devs_release(&members);
	return genlmsg_reply(rsp, info);

err_free_msg:
	nlmsg_free(rsp);
err_release:
	pcipass_devs_release(&members);
	return err;
}

int pcipass_nl_group_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct iommu_group *group;
	struct nlattr *attr;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, PCIPASS_A_GROUP_ID)) {
		NL_SET_ERR_MSG(info->extack, "IOMMU group id required");
		return -EINVAL;
	}
	attr = info->attrs[PCIPASS_A_GROUP_ID];
	group = pcipass_group_find(nla_get_u32(attr));
	if (!group) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "no IOMMU group with this id holds a PCI function");
		return -ENOENT;
	}
	err = pcipass_nl_group_reply(group, info);
	iommu_group_put(group);
	return err;
}

int pcipass_nl_group_dump_start(struct netlink_callback *cb)
{
	struct pcipass_nl_group_dump *ctx = pcipass_nl_group_dump(cb);
	u32 gen = pcipass_gen_read();
	int err;

	err = pcipass_groups_collect(&ctx->refs, &ctx->n);
	if (err)
		return err;
	ctx->pos = 0;
	ctx->member = 0;
	pcipass_nl_dump_seed(cb, gen);
	return 0;
}

int pcipass_nl_group_dump_done(struct netlink_callback *cb)
{
	struct pcipass_nl_group_dump *ctx = pcipass_nl_group_dump(cb);

	pcipass_groups_release(ctx->refs, ctx->n);
	return 0;
}

int pcipass_nl_group_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct pcipass_nl_group_dump *ctx = pcipass_nl_group_dump(cb);
	struct pcipass_devs members;
	struct iommu_group *group;
	unsigned int next;
	bool empty;
	void *hdr;
	int err;

	/* Members as they are now, registered ones only: see the dev dump. */
	cb->seq = pcipass_gen_read();
	for (; ctx->pos < ctx->n; ctx->pos++, ctx->member = 0) {
		group = ctx->refs[ctx->pos].group;
		err = pcipass_group_members(group, &members);
		if (err)
			return skb->len ?: err;
		/*
		 * Its last function left the group after we found it: the
		 * IOMMU core empties a group at BUS_NOTIFY_REMOVED_DEVICE
		 * before our notifier bumps the generation, so the dump
		 * cannot be flagged. A group with no PCI function is not
		 * ours to report (see pcipass_group_find()). Members that
		 * left while it was being split: the generation moved.
		 */
		if (!members.n || ctx->member >= members.n) {
			pcipass_devs_release(&members);
			continue;
		}
		empty = !skb->len;
		hdr = pcipass_nl_dump_put(skb, cb, PCIPASS_CMD_GROUP_GET);
		if (!hdr) {
			pcipass_devs_release(&members);
			goto full;
		}
		err = pcipass_nl_group_fill_devs(skb, group, &members, cb->seq,
						 ctx->member, &next);
		pcipass_devs_release(&members);
		/*
		 * Too big for any one message: as many members as fit, the
		 * rest in the next. A group that fits one message is never
		 * split, it waits for the next one instead.
		 */
		if (err == -EMSGSIZE && empty && next > ctx->member) {
			genlmsg_end(skb, hdr);
			ctx->member = next;
			return skb->len;
		}
		if (err) {
			genlmsg_cancel(skb, hdr);
			if (err != -EMSGSIZE)
				return skb->len ?: err;
			goto full;
		}
		genlmsg_end(skb, hdr);
	}
	return skb->len;

full:
	/* Out of room: the core calls us again to continue. */
	return skb->len ?: -EMSGSIZE;
}

#define PCIPASS_NL_TOO_MANY_BDFS \
	"more than " __stringify(PCIPASS_CLAIM_MAX_BDFS) " PCI addresses in one request"

/*
 * The functions a claim or release names: every PCIPASS_A_CLAIM_BDF,
 * referenced, each once. Release with pcipass_devs_release().
 */
static int pcipass_nl_claim_parse(struct genl_info *info,
				  struct pcipass_devs *named)
{
	char bdf[PCIPASS_BDF_MAX_LEN + 1];
	const struct nlattr *attr;
	unsigned int max = 0;
	struct pci_dev *pdev;
	u32 domain;
	u8 bus, devfn;
	int rem;

	named->dev = NULL;
	named->n = 0;
	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) != PCIPASS_A_CLAIM_BDF)
			continue;
		if (++max > PCIPASS_CLAIM_MAX_BDFS) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    PCIPASS_NL_TOO_MANY_BDFS);
			return -E2BIG;
		}
	}
	if (!max) {
		NL_SET_ERR_MSG(info->extack, "PCI address (bdf) required");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, PCIPASS_A_CLAIM_BDF);
		return -EINVAL;
	}
	named->dev = kmalloc_array(max, sizeof(*named->dev), GFP_KERNEL);
	if (!named->dev)
		return -ENOMEM;

	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) != PCIPASS_A_CLAIM_BDF)
			continue;
		nla_strscpy(bdf, attr, sizeof(bdf));
		if (pcipass_parse_bdf(bdf, &domain, &bus, &devfn)) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "malformed PCI address, expected dddd:bb:dd.f");
			goto err_inval;
		}
		pdev = pci_get_domain_bus_and_slot(domain, bus, devfn);
		if (!pdev) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "no such PCI function");
			pcipass_devs_release(named);
			return -ENODEV;
		}
		if (pcipass_dev_in(pdev, named->dev, named->n)) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "PCI function named twice");
			pci_dev_put(pdev);
			goto err_inval;
		}
		named->dev[named->n++] = pdev;
	}
	return 0;

err_inval:
	pcipass_devs_release(named);
	return -EINVAL;
}

/*
 * How many functions a claim or release of @named can change at most:
 * every member of their IOMMU groups. The reply is allocated for that
 * many before anything changes, so that running out of memory fails the
 * request instead of leaving a change made and unreported. Only a
 * function hot-added to one of those groups meanwhile can exceed it.
 */
static unsigned int pcipass_nl_claim_bound(const struct pcipass_devs *named)
{
	struct pcipass_devs members;
	struct iommu_group *group;
	unsigned int i, bound = 0;

	for (i = 0; i < named->n; i++) {
		group = iommu_group_get(&named->dev[i]->dev);
		if (group && !pcipass_group_members(group, &members)) {
			bound += members.n;
			pcipass_devs_release(&members);
		} else {
			bound++;
		}
		iommu_group_put(group);
	}
	return bound;
}

typedef int (*pcipass_nl_claim_fn)(struct pci_dev **named, unsigned int n,
				   u32 flags, struct pcipass_devs *done,
				   struct netlink_ext_ack *extack);

static int pcipass_nl_claim_common(struct sk_buff *skb,
				   struct genl_info *info, u8 cmd,
				   pcipass_nl_claim_fn fn)
{
	struct pcipass_devs named, done;
	unsigned int bound;
	struct sk_buff *rsp;
	u32 flags = 0;
	void *hdr;
	int err;

	/*
	 * Moving a function between drivers through sysfs needs root; here
	 * it needs CAP_SYS_ADMIN, not the CAP_NET_ADMIN of GENL_ADMIN_PERM
	 * that network daemons and hostNetwork containers commonly hold.
	 */
	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG(info->extack,
			       "CAP_SYS_ADMIN is required to claim or release");
		return -EPERM;
	}
	if (info->attrs[PCIPASS_A_CLAIM_FLAGS])
		flags = nla_get_u32(info->attrs[PCIPASS_A_CLAIM_FLAGS]);
	err = pcipass_nl_claim_parse(info, &named);
	if (err)
		return err;
	bound = pcipass_nl_claim_bound(&named);
	rsp = genlmsg_new(pcipass_nl_claim_reply_size(bound), GFP_KERNEL);
	if (!rsp) {
		pcipass_devs_release(&named);
		return -ENOMEM;
	}
	err = fn(named.dev, named.n, flags, &done, info->extack);
	pcipass_devs_release(&named);
	if (err) {
		nlmsg_free(rsp);
		return err;
	}

	hdr = genlmsg_put_reply(rsp, info, &pcipass_nl_family, 0, cmd);
	if (!hdr || pcipass_nl_claim_reply_fill(rsp, &done))
		goto err_free_msg;
	genlmsg_end(rsp, hdr);
	err = genlmsg_reply(rsp, info);
	goto out;

err_free_msg:
	/* The change is made; a function hot-added meanwhile overflowed. */
	nlmsg_free(rsp);
	err = -EMSGSIZE;
out:
	pcipass_devs_release(&done);
	return err;
}

static int pcipass_nl_claim_runtime(struct pci_dev **named, unsigned int n,
				    u32 flags, struct pcipass_devs *done,
				    struct netlink_ext_ack *extack)
{
	if (!pcipass_vfio_registered()) {
		NL_SET_ERR_MSG(extack,
			       "vfio-pci is not loaded; load it first (modprobe vfio-pci)");
		return -ENOENT;
	}
	return pcipass_claim_devs(named, n, flags, PCIPASS_CLAIM_ORIGIN_RUNTIME,
				  done, extack);
}

int pcipass_nl_claim_doit(struct sk_buff *skb, struct genl_info *info)
{
	return pcipass_nl_claim_common(skb, info, PCIPASS_CMD_CLAIM,
				       pcipass_nl_claim_runtime);
}

int pcipass_nl_release_doit(struct sk_buff *skb, struct genl_info *info)
{
	return pcipass_nl_claim_common(skb, info, PCIPASS_CMD_RELEASE,
				       pcipass_release_devs);
}

/**
 * pcipass_nl_event_size() - room pcipass_nl_event_fill() needs
 * @pdev: the function
 * @driver: the driver involved, or NULL
 *
 * Return: the payload size of that event, about 60 bytes, not a page: an
 * event goes out for every add, removal, bind and unbind.
 */
size_t pcipass_nl_event_size(struct pci_dev *pdev, const char *driver)
{
	return nla_total_size(sizeof(u8)) +			/* type */
	       nla_total_size(strlen(pci_name(pdev)) + 1) +	/* bdf */
	       (driver ? nla_total_size(strlen(driver) + 1) : 0) +
	       nla_total_size(sizeof(u32));			/* generation */
}

PCIPASS_KUNIT_VISIBLE int pcipass_nl_event_fill(struct sk_buff *skb, u8 type,
						struct pci_dev *pdev,
						const char *driver, u32 gen)
{
	if (nla_put_u8(skb, PCIPASS_A_EVENT_TYPE, type) ||
	    nla_put_string(skb, PCIPASS_A_EVENT_BDF, pci_name(pdev)) ||
	    (driver && nla_put_string(skb, PCIPASS_A_EVENT_DRIVER, driver)) ||
	    nla_put_u32(skb, PCIPASS_A_EVENT_GENERATION, gen))
		return -EMSGSIZE;
	return 0;
}

/**
 * pcipass_nl_event() - multicast one change to the events group
 * @type: PCIPASS_EVENT_TYPE_*
 * @pdev: the function it happened to
 * @driver: the driver involved, or NULL
 *
 * Called from the PCI bus notifier, sometimes under device_lock.
 */
void pcipass_nl_event(u8 type, struct pci_dev *pdev, const char *driver)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&pcipass_nl_family, &init_net,
				PCIPASS_NLGRP_EVENTS))
		return;
	msg = genlmsg_new(pcipass_nl_event_size(pdev, driver), GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &pcipass_nl_family, 0, PCIPASS_CMD_EVENT);
	if (!hdr ||
	    pcipass_nl_event_fill(msg, type, pdev, driver, pcipass_gen_read()))
		goto err_free;
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&pcipass_nl_family, msg, 0, PCIPASS_NLGRP_EVENTS,
			  GFP_KERNEL);
	return;

err_free:
	nlmsg_free(msg);
}

/* Indexed by the generated enum; see kmod/Kbuild for why not generated. */
static const struct genl_multicast_group pcipass_nl_family_mcgrps[] = {
	[PCIPASS_NLGRP_EVENTS] = { .name = PCIPASS_MCGRP_EVENTS, },
};

/*
 * YNL writes the dump start and done hooks the spec names into split op
 * tables only; a genetlink-legacy per-op table (what 6.1, which has no
 * split ops, can register) leaves them out. Add them to a copy.
 */
static struct genl_ops pcipass_nl_hooked_ops[ARRAY_SIZE(pcipass_nl_ops)]
	__ro_after_init;

static void pcipass_nl_hook_ops(void)
{
	struct genl_ops *op;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pcipass_nl_hooked_ops); i++) {
		op = &pcipass_nl_hooked_ops[i];
		*op = pcipass_nl_ops[i];
		switch (op->cmd) {
		case PCIPASS_CMD_DEV_GET:
			op->start = pcipass_nl_dev_dump_start;
			op->done = pcipass_nl_dev_dump_done;
			break;
		case PCIPASS_CMD_GROUP_GET:
			op->start = pcipass_nl_group_dump_start;
			op->done = pcipass_nl_group_dump_done;
			break;
		}
	}
}

static struct genl_family pcipass_nl_family __ro_after_init = {
	.name		= PCIPASS_FAMILY_NAME,
	.version	= PCIPASS_FAMILY_VERSION,
	.module		= THIS_MODULE,
	.ops		= pcipass_nl_hooked_ops,
	.n_ops		= ARRAY_SIZE(pcipass_nl_hooked_ops),
	.mcgrps		= pcipass_nl_family_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(pcipass_nl_family_mcgrps),
	/*
	 * Our own locking, not genl_mutex: later ops bind and unbind
	 * drivers, and a probe that registers a genl family would
	 * deadlock against genl_mutex.
	 */
	.parallel_ops	= true,
	/* PCI topology is host-wide; it is not a per-netns resource. */
	.netnsok	= false,
};

int pcipass_nl_init(void)
{
	pcipass_nl_hook_ops();
	return genl_register_family(&pcipass_nl_family);
}

void pcipass_nl_exit(void)
{
	genl_unregister_family(&pcipass_nl_family);
}
