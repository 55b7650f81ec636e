/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	kmod/pcipass.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_PCIPASS_GEN_H
#define _LINUX_PCIPASS_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/pcipass.h>

extern const struct nla_policy pcipass_dev_get_nl_policy[PCIPASS_A_DEV_BDF + 1];

extern const struct nla_policy pcipass_group_get_nl_policy[PCIPASS_A_GROUP_ID + 1];

extern const struct nla_policy pcipass_claim_nl_policy[PCIPASS_A_CLAIM_FLAGS + 1];

extern const struct nla_policy pcipass_release_nl_policy[PCIPASS_A_CLAIM_FLAGS + 1];

/* Ops table for pcipass */
extern const struct genl_ops pcipass_nl_ops[4];

int pcipass_nl_dev_dump_start(struct netlink_callback *cb);
int pcipass_nl_group_dump_start(struct netlink_callback *cb);
int pcipass_nl_dev_dump_done(struct netlink_callback *cb);
int pcipass_nl_group_dump_done(struct netlink_callback *cb);

int pcipass_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info);
int pcipass_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int pcipass_nl_group_get_doit(struct sk_buff *skb, struct genl_info *info);
int pcipass_nl_group_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb);
int pcipass_nl_claim_doit(struct sk_buff *skb, struct genl_info *info);
int pcipass_nl_release_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	PCIPASS_NLGRP_EVENTS,
};

#endif /* _LINUX_PCIPASS_GEN_H */
