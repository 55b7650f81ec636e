// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libpcipass: claim functions for vfio-pci and release them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/pcipass.h>

#include <libkmod.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>

#include "libpcipass-private.h"

struct claim_reply {
	struct pcipass_ctx *ctx;
	/* Every done attribute, one allocation: pointers, then strings. */
	char **done;
	bool replied;
};

/* Copy the multi-attr done list into one NULL-terminated block. */
static int claim_reply_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct claim_reply *r = arg;
	size_t n = 0, bytes = 0;
	struct nlattr *nla;
	char **v, *p;
	int rem;

	/* A do request has one reply; ignore anything after it. */
	if (r->replied)
		return 0;
	r->replied = true;

	nla_for_each_attr(nla, genlmsg_attrdata(genlmsg_hdr(nlh), 0),
			  genlmsg_attrlen(genlmsg_hdr(nlh), 0), rem) {
		const char *s = nla_data(nla);
		int len = nla_len(nla);

		if (nla_type(nla) != PCIPASS_A_CLAIM_DONE)
			continue;
		if (len < 1 || s[len - 1] != '\0' ||
		    strlen(s) > PCIPASS_BDF_MAX_LEN) {
			pcipass_set_extack(r->ctx,
					   "malformed done attribute from the kernel");
			return -EPROTO;
		}
		n++;
		bytes += strlen(s) + 1;
	}

	v = malloc((n + 1) * sizeof(*v) + bytes);
	if (!v)
		return -ENOMEM;
	p = (char *)(v + n + 1);
	n = 0;
	nla_for_each_attr(nla, genlmsg_attrdata(genlmsg_hdr(nlh), 0),
			  genlmsg_attrlen(genlmsg_hdr(nlh), 0), rem) {
		size_t len;

		if (nla_type(nla) != PCIPASS_A_CLAIM_DONE)
			continue;
		len = strlen(nla_data(nla)) + 1;
		memcpy(p, nla_data(nla), len);
		v[n++] = p;
		p += len;
	}
	v[n] = NULL;
	r->done = v;
	return 0;
}

/**
 * pcipass_claim_args() - check the arguments of a claim or release
 * @ctx: library context
 * @bdfs: function names
 * @n_bdfs: number of names
 * @done: where the caller returns what it changed, or NULL
 *
 * Shared by the module and the runtime (driver_override) paths. Clears
 * *@done and the extended ACK first, so that every failure leaves both
 * as a caller expects.
 *
 * Return: 0, or -EINVAL (-E2BIG for more than %PCIPASS_CLAIM_MAX_BDFS
 * names, as the module says) with the offending part in the extended ACK.
 */
int pcipass_claim_args(struct pcipass_ctx *ctx, const char *const *bdfs,
		       size_t n_bdfs, char ***done)
{
	size_t i;

	if (done)
		*done = NULL;
	if (!ctx || (n_bdfs && !bdfs))
		return -EINVAL;

	pcipass_clear_extack(ctx);
	if (!n_bdfs) {
		pcipass_set_extack(ctx, "no function given");
		return -EINVAL;
	}
	if (n_bdfs > PCIPASS_CLAIM_MAX_BDFS) {
		pcipass_set_extack(ctx, "%zu functions named, at most %d in one request",
				   n_bdfs, PCIPASS_CLAIM_MAX_BDFS);
		return -E2BIG;
	}
	for (i = 0; i < n_bdfs; i++) {
		if (!bdfs[i] || !bdfs[i][0] ||
		    strlen(bdfs[i]) > PCIPASS_BDF_MAX_LEN) {
			pcipass_set_extack(ctx, "bad function name at index %zu",
					   i);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Load vfio-pci, as "modprobe vfio-pci" would (the host's options and
 * install commands apply), unless it is there. The module does not load
 * it inside a netlink request: there a modprobe that waits would hold up
 * every generic netlink family (kmod/pcipass_claim.c). On failure @why
 * says what went wrong; the claim is asked for anyway, and the kernel
 * decides (an unprivileged caller hears that it lacks CAP_SYS_ADMIN).
 */
static int claim_load_vfio(char *why, size_t len)
{
	struct kmod_list *list = NULL, *l;
	struct kmod_ctx *kctx;
	int err = 0;

	if (!access("/sys/bus/pci/drivers/vfio-pci", F_OK))
		return 0;
	kctx = kmod_new(NULL, NULL);
	if (!kctx) {
		snprintf(why, len, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	err = kmod_module_new_from_lookup(kctx, "vfio-pci", &list);
	if (!err && !list)
		err = -ENOENT;
	if (err < 0) {
		snprintf(why, len, "no vfio-pci module for this kernel: %s",
			 strerror(-err));
		goto out;
	}
	kmod_list_foreach(l, list) {
		struct kmod_module *m = kmod_module_get_module(l);

		err = kmod_module_probe_insert_module(m, 0, NULL, NULL, NULL,
						      NULL);
		kmod_module_unref(m);
		if (err) {
			/* An install command's failure is a positive status. */
			snprintf(why, len, "modprobe vfio-pci failed: %s",
				 err < 0 ? strerror(-err) : "its install command failed");
			err = err < 0 ? err : -EIO;
			break;
		}
	}
	kmod_module_unref_list(list);
out:
	kmod_unref(kctx);
	return err;
}

static int claim_request(struct pcipass_ctx *ctx, uint8_t cmd,
			 const char *const *bdfs, size_t n_bdfs,
			 unsigned int flags, char ***done)
{
	struct claim_reply r = { .ctx = ctx };
	char vfio_why[160] = "";
	struct nl_msg *msg;
	size_t i;
	int err;

	err = pcipass_claim_args(ctx, bdfs, n_bdfs, done);
	if (err < 0)
		return err;
	err = pcipass_nl_connect(ctx);
	if (err < 0)
		return err;
	if (cmd == PCIPASS_CMD_CLAIM)
		claim_load_vfio(vfio_why, sizeof(vfio_why));

	/* Large requests (hundreds of VFs) outgrow libnl's default page. */
	msg = nlmsg_alloc_size(NLMSG_HDRLEN + GENL_HDRLEN + 64 +
			       n_bdfs * NLA_ALIGN(NLA_HDRLEN +
						  PCIPASS_BDF_MAX_LEN + 1));
	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, ctx->family, 0,
			 NLM_F_ACK, cmd, PCIPASS_FAMILY_VERSION))
		goto err_nomem;
	for (i = 0; i < n_bdfs; i++)
		if (nla_put_string(msg, PCIPASS_A_CLAIM_BDF, bdfs[i]) < 0)
			goto err_nomem;
	if (flags && nla_put_u32(msg, PCIPASS_A_CLAIM_FLAGS, flags) < 0)
		goto err_nomem;

	err = pcipass_nl_request(ctx, msg, claim_reply_cb, &r);
	if (err < 0) {
		/* An old module without the op: say so plainly. */
		if (err == -EOPNOTSUPP && !pcipass_get_extack(ctx))
			pcipass_set_extack(ctx,
					   "the loaded pcipass module cannot %s",
					   cmd == PCIPASS_CMD_CLAIM ?
					   "claim" : "release");
		/* The kernel's "vfio-pci is not loaded", and why. */
		if (err == -ENOENT && vfio_why[0])
			pcipass_set_extack(ctx, "vfio-pci is not loaded, and %s",
					   vfio_why);
		free(r.done);
		return err;
	}

	if (!r.done) {
		/* An ack without a reply message: nothing was changed. */
		r.done = calloc(1, sizeof(*r.done));
		if (!r.done)
			return -ENOMEM;
	}
	for (i = 0; r.done[i]; i++)
		DBG(ctx, "%s %s\n", cmd == PCIPASS_CMD_CLAIM ? "claimed" :
			 "released", r.done[i]);
	if (done)
		*done = r.done;
	else
		free(r.done);
	return 0;

err_nomem:
	nlmsg_free(msg);
	return -ENOMEM;
}

PCIPASS_EXPORT int pcipass_claim(struct pcipass_ctx *ctx,
				 const char *const *bdfs, size_t n_bdfs,
				 unsigned int flags, char ***done)
{
	return claim_request(ctx, PCIPASS_CMD_CLAIM, bdfs, n_bdfs, flags,
			     done);
}

PCIPASS_EXPORT int pcipass_release(struct pcipass_ctx *ctx,
				   const char *const *bdfs, size_t n_bdfs,
				   unsigned int flags, char ***done)
{
	return claim_request(ctx, PCIPASS_CMD_RELEASE, bdfs, n_bdfs, flags,
			     done);
}
