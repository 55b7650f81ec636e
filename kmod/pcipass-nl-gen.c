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

/* Ops table for pcipass */
const struct genl_ops pcipass_nl_ops[2] = {
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
};
