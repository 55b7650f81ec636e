// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	kmod/pcipass.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "pcipass-nl-gen.h"

#include <uapi/linux/pcipass.h>

/* PCIPASS_CMD_DEV_GET - do */
const struct nla_policy pcipass_dev_get_nl_policy[PCIPASS_A_DEV_BDF + 1] = {
	[PCIPASS_A_DEV_BDF] = { .type = NLA_NUL_STRING, .len = PCIPASS_BDF_MAX_LEN, },
};

/* PCIPASS_CMD_GROUP_GET - do */
const struct nla_policy pcipass_group_get_nl_policy[PCIPASS_A_GROUP_ID + 1] = {
	[PCIPASS_A_GROUP_ID] = { .type = NLA_U32, },
};

/* PCIPASS_CMD_CLAIM - do */
const struct nla_policy pcipass_claim_nl_policy[PCIPASS_A_CLAIM_FLAGS + 1] = {
	[PCIPASS_A_CLAIM_BDF] = { .type = NLA_STRING, .len = PCIPASS_BDF_MAX_LEN, },
	[PCIPASS_A_CLAIM_FLAGS] = NLA_POLICY_MASK(NLA_U32, 0x3),
};

/* PCIPASS_CMD_RELEASE - do */
const struct nla_policy pcipass_release_nl_policy[PCIPASS_A_CLAIM_FLAGS + 1] = {
	[PCIPASS_A_CLAIM_BDF] = { .type = NLA_STRING, .len = PCIPASS_BDF_MAX_LEN, },
	[PCIPASS_A_CLAIM_FLAGS] = NLA_POLICY_MASK(NLA_U32, 0x3),
};

/* Ops table for pcipass */
const struct genl_ops pcipass_nl_ops[4] = {
	{
		.cmd		= PCIPASS_CMD_DEV_GET,
		.doit		= pcipass_nl_dev_get_doit,
		.dumpit		= pcipass_nl_dev_get_dumpit,
		.policy		= pcipass_dev_get_nl_policy,
		.maxattr	= PCIPASS_A_DEV_BDF,
	},
	{
		.cmd		= PCIPASS_CMD_GROUP_GET,
		.doit		= pcipass_nl_group_get_doit,
		.dumpit		= pcipass_nl_group_get_dumpit,
		.policy		= pcipass_group_get_nl_policy,
		.maxattr	= PCIPASS_A_GROUP_ID,
	},
	{
		.cmd		= PCIPASS_CMD_CLAIM,
		.doit		= pcipass_nl_claim_doit,
		.policy		= pcipass_claim_nl_policy,
		.maxattr	= PCIPASS_A_CLAIM_FLAGS,
	},
	{
		.cmd		= PCIPASS_CMD_RELEASE,
		.doit		= pcipass_nl_release_doit,
		.policy		= pcipass_release_nl_policy,
		.maxattr	= PCIPASS_A_CLAIM_FLAGS,
	},
};

static const struct genl_multicast_group pcipass_nl_mcgrps[] = {
	[PCIPASS_NLGRP_EVENTS] = { "events", },
};
