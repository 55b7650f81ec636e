// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libpcipass: the events multicast group.
 *
 * The monitor reads its own plain netlink socket rather than a libnl one:
 * it must never block, must report a lost event (ENOBUFS) as such, and
 * has no requests or sequence numbers to track. libnl only resolves the
 * group's id, over the context's request socket.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/pcipass.h>

#include <netlink/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "libpcipass-private.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Events are small; this holds a few hundred per read. */
#define MONITOR_BUF_SIZE 32768
/* Room for bursts such as 127 VFs appearing, each add + bind + claim. */
#define MONITOR_RCVBUF (1 << 20)

struct pcipass_monitor {
	int refcount;
	struct pcipass_ctx *ctx;
	int fd;
	int family;
	char *buf;
};

struct pcipass_event {
	uint8_t type;
	char bdf[PCIPASS_BDF_MAX_LEN + 1];
	const char *driver;
	uint32_t generation;
};

static struct nla_policy event_policy[PCIPASS_A_EVENT_MAX + 1] = {
	[PCIPASS_A_EVENT_TYPE]		= { .type = NLA_U8 },
	[PCIPASS_A_EVENT_BDF]		= { .type = NLA_STRING },
	[PCIPASS_A_EVENT_DRIVER]	= { .type = NLA_STRING },
	[PCIPASS_A_EVENT_GENERATION]	= { .type = NLA_U32 },
};

static void monitor_free(struct pcipass_monitor *mon)
{
	if (mon->fd >= 0)
		close(mon->fd);
	free(mon->buf);
	pcipass_unref(mon->ctx);
	free(mon);
}

PCIPASS_EXPORT int pcipass_monitor_new(struct pcipass_ctx *ctx,
				       struct pcipass_monitor **monp)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct pcipass_monitor *mon;
	int grp, err, one = 1, rcvbuf = MONITOR_RCVBUF;

	if (!ctx || !monp)
		return -EINVAL;

	pcipass_clear_extack(ctx);
	err = pcipass_nl_connect(ctx);
	if (err < 0)
		return err;

	grp = genl_ctrl_resolve_grp(ctx->sk, PCIPASS_FAMILY_NAME,
				    PCIPASS_MCGRP_EVENTS);
	if (grp < 0) {
		pcipass_set_extack(ctx,
				   "the loaded pcipass module has no \"%s\" group",
				   PCIPASS_MCGRP_EVENTS);
		return -EOPNOTSUPP;
	}

	mon = calloc(1, sizeof(*mon));
	if (!mon)
		return -ENOMEM;
	mon->refcount = 1;
	mon->ctx = pcipass_ref(ctx);
	mon->family = ctx->family;
	mon->buf = malloc(MONITOR_BUF_SIZE);
	mon->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			 NETLINK_GENERIC);
	if (!mon->buf || mon->fd < 0) {
		err = mon->buf ? -errno : -ENOMEM;
		goto err_free;
	}

	/* Best effort: a larger buffer only makes ENOBUFS less likely. */
	if (setsockopt(mon->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		DBG(ctx, "SO_RCVBUF: %s\n", strerror(errno));
	if (setsockopt(mon->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one,
		       sizeof(one)) < 0)
		DBG(ctx, "NETLINK_EXT_ACK: %s\n", strerror(errno));

	if (bind(mon->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(mon->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp,
		       sizeof(grp)) < 0) {
		err = -errno;
		pcipass_set_extack(ctx, "cannot join the \"%s\" group: %s",
				   PCIPASS_MCGRP_EVENTS, strerror(errno));
		goto err_free;
	}

	DBG(ctx, "monitoring group %s (%d) of family %d\n",
	    PCIPASS_MCGRP_EVENTS, grp, mon->family);
	*monp = mon;
	return 0;

err_free:
	monitor_free(mon);
	return err;
}

PCIPASS_EXPORT struct pcipass_monitor *
pcipass_monitor_ref(struct pcipass_monitor *mon)
{
	if (!mon)
		return NULL;
	mon->refcount++;
	return mon;
}

PCIPASS_EXPORT struct pcipass_monitor *
pcipass_monitor_unref(struct pcipass_monitor *mon)
{
	if (!mon)
		return NULL;
	if (--mon->refcount > 0)
		return mon;
	monitor_free(mon);
	return NULL;
}

PCIPASS_EXPORT int pcipass_monitor_get_fd(const struct pcipass_monitor *mon)
{
	return mon ? mon->fd : -1;
}

/* 1 and @ev filled for an event, 0 to skip the message, or -errno. */
static int event_parse(struct pcipass_monitor *mon, struct nlmsghdr *nlh,
		       struct pcipass_event *ev)
{
	struct nlattr *tb[PCIPASS_A_EVENT_MAX + 1];
	struct genlmsghdr *gnlh;
	const char *bdf;

	if (nlh->nlmsg_type != mon->family ||
	    !genlmsg_valid_hdr(nlh, 0))
		return 0;
	gnlh = nlmsg_data(nlh);
	if (gnlh->cmd != PCIPASS_CMD_EVENT)
		return 0;

	if (genlmsg_parse(nlh, 0, tb, PCIPASS_A_EVENT_MAX, event_policy) < 0 ||
	    !tb[PCIPASS_A_EVENT_TYPE] || !tb[PCIPASS_A_EVENT_BDF]) {
		DBG(mon->ctx, "malformed event message, skipped\n");
		return 0;
	}
	bdf = nla_get_string(tb[PCIPASS_A_EVENT_BDF]);
	if (strlen(bdf) > PCIPASS_BDF_MAX_LEN) {
		DBG(mon->ctx, "event with a bad bdf, skipped\n");
		return 0;
	}

	memset(ev, 0, sizeof(*ev));
	ev->type = nla_get_u8(tb[PCIPASS_A_EVENT_TYPE]);
	strcpy(ev->bdf, bdf);
	if (tb[PCIPASS_A_EVENT_DRIVER])
		ev->driver = nla_get_string(tb[PCIPASS_A_EVENT_DRIVER]);
	if (tb[PCIPASS_A_EVENT_GENERATION])
		ev->generation = nla_get_u32(tb[PCIPASS_A_EVENT_GENERATION]);
	return 1;
}

PCIPASS_EXPORT int pcipass_monitor_dispatch(struct pcipass_monitor *mon,
					    pcipass_event_fn fn, void *data)
{
	int count = 0;

	if (!mon || !fn)
		return -EINVAL;

	for (;;) {
		struct sockaddr_nl from;
		socklen_t fromlen = sizeof(from);
		struct nlmsghdr *nlh;
		ssize_t len;
		int rem;

		len = recvfrom(mon->fd, mon->buf, MONITOR_BUF_SIZE, MSG_DONTWAIT,
			       (struct sockaddr *)&from, &fromlen);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return count;
			if (errno == ENOBUFS)
				WARN(mon->ctx, "events lost: receive buffer overflow\n");
			return -errno;
		}
		/* Only the kernel multicasts to us. */
		if (fromlen != sizeof(from) || from.nl_pid != 0)
			continue;

		rem = (int)len;
		for (nlh = (struct nlmsghdr *)mon->buf; nlmsg_ok(nlh, rem);
		     nlh = nlmsg_next(nlh, &rem)) {
			struct pcipass_event ev;
			int ret;

			if (event_parse(mon, nlh, &ev) <= 0)
				continue;
			count++;
			ret = fn(mon, &ev, data);
			if (ret)
				return ret;
		}
	}
}

PCIPASS_EXPORT int pcipass_event_get_type(const struct pcipass_event *ev)
{
	return ev ? ev->type : -1;
}

PCIPASS_EXPORT const char *pcipass_event_type_name(int type)
{
	static const char *const names[] = {
		[PCIPASS_EVENT_TYPE_ADD] = "add",
		[PCIPASS_EVENT_TYPE_REMOVE] = "remove",
		[PCIPASS_EVENT_TYPE_BIND] = "bind",
		[PCIPASS_EVENT_TYPE_UNBIND] = "unbind",
		[PCIPASS_EVENT_TYPE_CLAIM] = "claim",
		[PCIPASS_EVENT_TYPE_RELEASE] = "release",
	};

	if (type < 0 || (size_t)type >= ARRAY_SIZE(names))
		return NULL;
	return names[type];
}

PCIPASS_EXPORT const char *pcipass_event_get_bdf(const struct pcipass_event *ev)
{
	return ev ? ev->bdf : NULL;
}

PCIPASS_EXPORT const char *
pcipass_event_get_driver(const struct pcipass_event *ev)
{
	return ev ? ev->driver : NULL;
}

PCIPASS_EXPORT uint32_t
pcipass_event_get_generation(const struct pcipass_event *ev)
{
	return ev ? ev->generation : 0;
}
