// SPDX-License-Identifier: GPL-2.0
/*
 * Raw generic netlink plumbing the pcipass selftests share (nl_util.h).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/pcipass.h>

#include "nl_util.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int pp_nl_socket(int rcvbuf)
{
	struct timeval tv = { .tv_sec = 20 };
	int one = 1;
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    (rcvbuf &&
	     setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* The id from a CTRL_CMD_NEWFAMILY message, or -ENOENT. */
static int family_id(const struct nlmsghdr *nlh)
{
	const char *p = (const char *)NLMSG_DATA(nlh) + GENL_HDRLEN;
	const char *end = (const char *)nlh + nlh->nlmsg_len;

	while (p + NLA_HDRLEN <= end) {
		const struct nlattr *a = (const void *)p;
		uint16_t v;

		if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID &&
		    a->nla_len >= NLA_HDRLEN + sizeof(v)) {
			memcpy(&v, p + NLA_HDRLEN, sizeof(v));
			return v;
		}
		p += NLA_ALIGN(a->nla_len);
	}
	return -ENOENT;
}

int pp_nl_family(void)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		char attrs[NLA_HDRLEN + NLA_ALIGN(sizeof(PCIPASS_FAMILY_NAME))];
	} req;
	struct nlattr *a = (struct nlattr *)req.attrs;
	char buf[8192];
	struct nlmsghdr *nlh;
	int fd, len, id = -ENOENT;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = sizeof(req);
	req.n.nlmsg_type = GENL_ID_CTRL;
	req.n.nlmsg_flags = NLM_F_REQUEST;
	req.n.nlmsg_seq = 1;
	req.g.cmd = CTRL_CMD_GETFAMILY;
	req.g.version = 1;
	a->nla_type = CTRL_ATTR_FAMILY_NAME;
	a->nla_len = NLA_HDRLEN + sizeof(PCIPASS_FAMILY_NAME);
	memcpy(req.attrs + NLA_HDRLEN, PCIPASS_FAMILY_NAME,
	       sizeof(PCIPASS_FAMILY_NAME));

	fd = pp_nl_socket(0);
	if (fd < 0)
		return fd;
	if (send(fd, &req, sizeof(req), 0) < 0) {
		id = -errno;
		goto out;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0) {
		id = -errno;
		goto out;
	}
	len = n;
	for (nlh = (void *)buf; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			id = ((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
			if (!id)
				id = -EPROTO;
			break;
		}
		if (nlh->nlmsg_type == GENL_ID_CTRL) {
			id = family_id(nlh);
			break;
		}
	}
out:
	close(fd);
	return id;
}
