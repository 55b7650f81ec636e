// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libpcipass: generic netlink transport over libnl.
 *
 * libnl turns kernel errors into its own NLE_* codes and drops the
 * extended ack, so requests install their own error, ack and done
 * handlers (as iw does) and keep the kernel's errno and message.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <linux/pcipass.h>

#include <netlink/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "libpcipass-private.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct request {
	struct pcipass_ctx *ctx;
	pcipass_nl_msg_fn fn;
	void *arg;
	/* Error from the kernel, or from fn. */
	int err;
	bool done;
};

/* libnl's NLE_* codes back to errno, for the failures libnl itself detects. */
static int nlerr_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case 0:
		return 0;
	case NLE_INTR:
	case NLE_DUMP_INTR:
		return -EINTR;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_MSGSIZE:
	case NLE_MSG_TRUNC:
		return -EMSGSIZE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NOATTR:
		return -ENODATA;
	case NLE_PERM:
		return -EPERM;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_PROTO_MISMATCH:
		return -EPROTONOSUPPORT;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_SEQ_MISMATCH:
	case NLE_MSG_OVERFLOW:
	case NLE_MSG_TOOSHORT:
	case NLE_MSGTYPE_NOSUPPORT:
	case NLE_PARSE_ERR:
		return -EPROTO;
	default:
		return -EIO;
	}
}

/* Keep the extended ack TLVs (NLMSGERR_ATTR_*) that start at @attrs. */
static void parse_extack(struct pcipass_ctx *ctx, const void *attrs,
			 size_t len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)attrs, (int)len,
		      NULL) < 0)
		return;

	if (tb[NLMSGERR_ATTR_MSG] && nla_len(tb[NLMSGERR_ATTR_MSG]) > 0) {
		const char *msg = nla_data(tb[NLMSGERR_ATTR_MSG]);
		int n = (int)strnlen(msg, (size_t)nla_len(tb[NLMSGERR_ATTR_MSG]));

		pcipass_set_extack(ctx, "%.*s", n, msg);
	}
	if (tb[NLMSGERR_ATTR_OFFS] &&
	    nla_len(tb[NLMSGERR_ATTR_OFFS]) >= (int)sizeof(uint32_t))
		ctx->extack_offset = (int)nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
}

static int error_handler(struct sockaddr_nl *nla, struct nlmsgerr *e,
			 void *arg)
{
	/* libnl hands us the payload; the header sits right before it. */
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct request *req = arg;
	size_t len = nlh->nlmsg_len, off;

	(void)nla;

	req->err = e->error;
	req->done = true;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;

	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return NL_STOP;
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	}
	off = NLMSG_ALIGN(off);
	if (off < len)
		parse_extack(req->ctx, (char *)nlh + off, len - off);

	return NL_STOP;
}

/* A dump ends with NLMSG_DONE, whose payload is the dump's error code. */
static int finish_handler(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct request *req = arg;
	size_t len = nlh->nlmsg_len, off;
	int err;

	req->done = true;

	if (len < NLMSG_HDRLEN + sizeof(int))
		return NL_STOP;

	memcpy(&err, nlmsg_data(nlh), sizeof(err));
	if (err >= 0)
		return NL_STOP;

	req->err = err;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		off = NLMSG_ALIGN(NLMSG_HDRLEN + sizeof(int));
		if (off < len)
			parse_extack(req->ctx, (char *)nlh + off, len - off);
	}
	return NL_STOP;
}

static int ack_handler(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;

	(void)msg;
	req->done = true;
	return NL_STOP;
}

static int valid_handler(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;
	int err;

	/* After a failure, keep reading so the socket is drained. */
	if (req->err)
		return NL_SKIP;

	err = req->fn(msg, req->arg);
	if (err < 0)
		req->err = err;
	return NL_OK;
}

void pcipass_nl_close(struct pcipass_ctx *ctx)
{
	if (ctx->sk)
		nl_socket_free(ctx->sk);
	ctx->sk = NULL;
	ctx->family = -1;
}

int pcipass_nl_connect(struct pcipass_ctx *ctx)
{
	struct nl_cb *cb;
	int one = 1;
	int err;

	if (ctx->sk && ctx->family >= 0)
		return 0;

	if (!ctx->sk) {
		/* NL_CB_DEFAULT: never the verbose handlers NLCB= selects. */
		cb = nl_cb_alloc(NL_CB_DEFAULT);
		if (!cb)
			return -ENOMEM;
		ctx->sk = nl_socket_alloc_cb(cb);
		nl_cb_put(cb);
		if (!ctx->sk)
			return -ENOMEM;

		err = genl_connect(ctx->sk);
		if (err < 0) {
			err = nlerr_to_errno(err);
			pcipass_set_extack(ctx,
					   "cannot open a generic netlink socket");
			pcipass_nl_close(ctx);
			return err;
		}

		if (setsockopt(nl_socket_get_fd(ctx->sk), SOL_NETLINK,
			       NETLINK_EXT_ACK, &one, sizeof(one)) < 0)
			DBG(ctx, "NETLINK_EXT_ACK: %s\n", strerror(errno));
		/* We don't need our request echoed back in error messages. */
		if (setsockopt(nl_socket_get_fd(ctx->sk), SOL_NETLINK,
			       NETLINK_CAP_ACK, &one, sizeof(one)) < 0)
			DBG(ctx, "NETLINK_CAP_ACK: %s\n", strerror(errno));
		/* Let libnl size its buffer to each message. */
		nl_socket_enable_msg_peek(ctx->sk);
	}

	err = genl_ctrl_resolve(ctx->sk, PCIPASS_FAMILY_NAME);
	if (err < 0) {
		if (err == -NLE_OBJ_NOTFOUND) {
			pcipass_set_extack(ctx, "pcipass kernel module not loaded");
			return -ENOENT;
		}
		err = nlerr_to_errno(err);
		pcipass_set_extack(ctx,
				   "cannot resolve generic netlink family \"%s\"",
				   PCIPASS_FAMILY_NAME);
		/* The socket may hold a half-read reply; start afresh. */
		pcipass_nl_close(ctx);
		return err;
	}
	ctx->family = err;
	DBG(ctx, "generic netlink family %s is %d\n", PCIPASS_FAMILY_NAME,
	    ctx->family);
	return 0;
}

struct nl_msg *pcipass_nl_msg_new(struct pcipass_ctx *ctx, uint8_t cmd,
				  bool dump)
{
	struct nl_msg *msg;

	msg = nlmsg_alloc();
	if (!msg)
		return NULL;

	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, ctx->family, 0,
			 dump ? NLM_F_DUMP : 0, cmd, PCIPASS_FAMILY_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int pcipass_nl_request(struct pcipass_ctx *ctx, struct nl_msg *msg,
		       pcipass_nl_msg_fn fn, void *arg)
{
	struct request req = { .ctx = ctx, .fn = fn, .arg = arg };
	bool intr = false;
	struct nl_cb *cb;
	int err;

	if (!ctx->sk) {
		nlmsg_free(msg);
		return -ENOTCONN;
	}
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid_handler, &req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, finish_handler, &req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ack_handler, &req);
	nl_cb_err(cb, NL_CB_CUSTOM, error_handler, &req);

	err = nl_send_auto(ctx->sk, msg);
	nlmsg_free(msg);
	if (err < 0) {
		err = nlerr_to_errno(err);
		goto out;
	}

	while (!req.done) {
		err = nl_recvmsgs(ctx->sk, cb);
		/*
		 * libnl reads an interrupted dump to its end and only then
		 * reports it; the rest of the dump was still delivered.
		 */
		if (err == -NLE_DUMP_INTR) {
			intr = true;
			err = 0;
			continue;
		}
		if (err < 0)
			break;
	}

	if (req.err) {
		/* The kernel's errno (or the parser's), unchanged. */
		err = req.err;
	} else if (err < 0) {
		DBG(ctx, "netlink receive failed: %s\n", nl_geterror(err));
		err = nlerr_to_errno(err);
		/* Unknown state on the socket: reconnect next time. */
		pcipass_nl_close(ctx);
	} else {
		err = intr ? -EINTR : 0;
	}
out:
	nl_cb_put(cb);
	return err;
}
