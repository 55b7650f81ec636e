// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the pcipass generic netlink family with generated and mutated
 * messages, privileged and unprivileged, over raw netlink.
 *
 *   pcipass_fuzz [-n COUNT] [-s SEED] [-t BDF[,BDF...]]
 *
 * -n  messages in all (default 12000; a quarter go from an unprivileged
 *     child that dropped to nobody, without CAP_SYS_ADMIN)
 * -s  seed (default: from the clock; also $PCIPASS_FUZZ_SEED). The seed
 *     is printed first, so a failure can be replayed with -s.
 * -t  functions a well-formed claim may name (default
 *     $PCIPASS_FUZZ_TARGET, else none): free, harmless endpoints. Other
 *     claims and releases only ever name bridges (refused), absent
 *     functions or malformed addresses: every message is decoded as the
 *     module would decode it before it is sent, and one that could name
 *     another function is not sent.
 *
 * Every message is sent with NLM_F_REQUEST|NLM_F_ACK on a socket with
 * NETLINK_EXT_ACK and must be answered: by replies and an ack, by a dump
 * ending in NLMSG_DONE, or by an error. Every message of the answer has
 * the request's seq and nothing follows its end: a duplicate or late
 * answer, with that seq or an earlier one, fails. An error must carry an
 * extended ack (NLMSGERR_ATTR_MSG, _OFFS or _MISS_TYPE), except those the
 * generic netlink core gives before the family sees the message:
 * EOPNOTSUPP for an operation the family does not have, EINVAL for a
 * message shorter than a genl header. A claim or release without
 * CAP_SYS_ADMIN is refused by the family, so its EPERM says why. Silence (no answer in 20 s) fails.
 *
 * At the end dumps must still list every function in sysfs, and every
 * function must be on the driver it had at the start (a target the fuzzer
 * claimed is released first). Output is TAP; exit 0 pass, 1 fail,
 * 4 skip (module not loaded or not root).
 */

#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/pcipass.h>

#include "nl_util.h"


#define SYS_PCI		"/sys/bus/pci/devices"
#define MAX_DEVS	1024
#define MAX_TARGETS	8
#define MSG_MAX		1024
#define RCV_SZ		(64 * 1024)

struct fdev {
	char bdf[32];
	uint32_t dom;
	unsigned int bus, devfn;
	bool bridge;
	bool allowed;		/* a claim may name it */
	char driver[64];
};

static struct fdev devs[MAX_DEVS];
static int ndevs;
static uint16_t family;
static uint64_t rng;
static int ngroups_max;
static int targets[MAX_TARGETS], ntargets;

struct stats {
	long sent, replies, acks, errors, dumps, extack, core_err;
	long claimed, skipped_unsafe;
	long failures;
	char first_failure[5][512];
	int nfail_kinds;
	int fail_err[5], fail_cmd[5];
};

/* xorshift64*: small, and the same on every machine for a seed. */
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static unsigned int rn(unsigned int n)
{
	return n ? rnd() % n : 0;
}

static int read_str(const char *path, char *buf, size_t sz)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sz - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

static void driver_of(const char *bdf, char *buf, size_t sz)
{
	char path[256], link[256];
	ssize_t n;
	char *p;

	snprintf(path, sizeof(path), SYS_PCI "/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		snprintf(buf, sz, "-");
		return;
	}
	link[n] = '\0';
	p = strrchr(link, '/');
	snprintf(buf, sz, "%.63s", p ? p + 1 : link);
}

static int cmp_dev(const void *a, const void *b)
{
	return strcmp(((const struct fdev *)a)->bdf,
		      ((const struct fdev *)b)->bdf);
}

static int scan_devs(void)
{
	struct dirent *de;
	DIR *d;

	d = opendir(SYS_PCI);
	if (!d)
		return -errno;
	ndevs = 0;
	while ((de = readdir(d)) && ndevs < MAX_DEVS) {
		struct fdev *f = &devs[ndevs];
		unsigned int dev, fn;
		char path[256], cls[32];

		if (de->d_name[0] == '.')
			continue;
		if (sscanf(de->d_name, "%x:%x:%x.%x", &f->dom, &f->bus,
			   &dev, &fn) != 4)
			continue;
		snprintf(f->bdf, sizeof(f->bdf), "%.31s", de->d_name);
		f->devfn = dev << 3 | fn;
		snprintf(path, sizeof(path), SYS_PCI "/%s/class", f->bdf);
		f->bridge = !read_str(path, cls, sizeof(cls)) &&
			    !strncmp(cls, "0x0604", 6);
		f->allowed = f->bridge;
		driver_of(f->bdf, f->driver, sizeof(f->driver));
		ndevs++;
	}
	closedir(d);
	qsort(devs, ndevs, sizeof(devs[0]), cmp_dev);
	return 0;
}

static struct fdev *find_dev(uint32_t dom, unsigned int bus,
			     unsigned int devfn)
{
	int i;

	for (i = 0; i < ndevs; i++)
		if (devs[i].dom == dom && devs[i].bus == bus &&
		    devs[i].devfn == devfn)
			return &devs[i];
	return NULL;
}

/* ---------------------------------------------------------------------
 * Message generation
 */

struct msg {
	unsigned char buf[MSG_MAX];
	size_t len;		/* bytes sent; nlmsg_len is set to it */
	uint8_t cmd;
	bool dump;
	bool admin;		/* claim or release */
	bool known;		/* an operation the family has */
	char what[96];
};

static void put_attr(struct msg *m, uint16_t type, const void *data,
		     size_t len)
{
	struct nlattr a;

	if (m->len + NLA_HDRLEN + NLA_ALIGN(len) > MSG_MAX)
		return;
	a.nla_type = type;
	a.nla_len = NLA_HDRLEN + len;
	memcpy(m->buf + m->len, &a, sizeof(a));
	memcpy(m->buf + m->len + NLA_HDRLEN, data, len);
	memset(m->buf + m->len + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	m->len += NLA_HDRLEN + NLA_ALIGN(len);
}

static void put_u32(struct msg *m, uint16_t type, uint32_t v)
{
	put_attr(m, type, &v, sizeof(v));
}

static void put_str(struct msg *m, uint16_t type, const char *s)
{
	put_attr(m, type, s, strlen(s) + 1);
}

static void rand_bytes(unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = rnd();
}

/* A BDF-ish string: a real one, a target, absent, or garbage. */
static void gen_bdf(char *s, size_t sz, bool claim)
{
	static const char *const junk[] = {
		"", "0", "0000:00:00", "zzzz:zz:zz.z", "0000:00:1f.8",
		"0000:00:20.0", "0000:0g:00.0", "00000000000000000",
		"ffffffff:ff:1f.7", "0000:ff:1f.7", "0000-00-00.0",
		"0000:00:00.0\n", " 0000:01:00.0", "0000:01:00.0 ",
		"1:00.0", "01:00.0", "0000:1:0.0", "0000:01:00.0junk",
	};
	int i, tries;

	switch (rn(4)) {
	case 0:
		snprintf(s, sz, "%s", junk[rn(sizeof(junk) / sizeof(junk[0]))]);
		return;
	case 1:
		snprintf(s, sz, "%04x:%02x:%02x.%x", rn(3), 0xf0 + rn(16),
			 rn(32), rn(8));
		return;
	default:
		break;
	}
	/* A target half the time; else a function a claim may name. */
	if (claim && ntargets && rn(2)) {
		snprintf(s, sz, "%s", devs[targets[rn(ntargets)]].bdf);
		return;
	}
	for (tries = 0; tries < 64; tries++) {
		i = rn(ndevs);
		if (!claim || devs[i].allowed) {
			snprintf(s, sz, "%s", devs[i].bdf);
			return;
		}
	}
	snprintf(s, sz, "0000:fe:00.0");
}

/* Well-formed attributes for the operation, then maybe broken ones. */
static void gen_attrs(struct msg *m, int maxattr)
{
	char bdf[64];
	unsigned char junk[64];
	int i, n = rn(4);

	for (i = 0; i < n; i++) {
		switch (m->cmd) {
		case PCIPASS_CMD_DEV_GET:
			gen_bdf(bdf, sizeof(bdf), true);
			put_str(m, PCIPASS_A_DEV_BDF, bdf);
			break;
		case PCIPASS_CMD_GROUP_GET:
			put_u32(m, PCIPASS_A_GROUP_ID,
				rn(4) ? rn(ngroups_max + 2) : (uint32_t)rnd());
			break;
		case PCIPASS_CMD_CLAIM:
		case PCIPASS_CMD_RELEASE:
			if (rn(3)) {
				gen_bdf(bdf, sizeof(bdf), true);
				put_str(m, PCIPASS_A_CLAIM_BDF, bdf);
			} else {
				put_u32(m, PCIPASS_A_CLAIM_FLAGS,
					rn(2) ? rn(4) : (uint32_t)rnd());
			}
			break;
		default:
			put_u32(m, 1 + rn(8), rnd());
			break;
		}
	}

	/* Broken attributes: each kind now and then. */
	switch (rn(10)) {
	case 0:		/* wrong width for the type */
		rand_bytes(junk, sizeof(junk));
		put_attr(m, 1 + rn(maxattr + 1), junk, rn(9));
		break;
	case 1:		/* string without NUL, or too long */
		memset(junk, 'a' + rn(26), sizeof(junk));
		put_attr(m, 1, junk, rn(2) ? 12 + rn(12) : rn(sizeof(junk)));
		break;
	case 2:		/* unknown attribute types */
		put_u32(m, maxattr + 1 + rn(3), rnd());
		put_u32(m, rn(2) ? 0 : (NLA_TYPE_MASK & rnd()), rnd());
		break;
	case 3:		/* nested garbage */
		rand_bytes(junk, sizeof(junk));
		put_attr(m, NLA_F_NESTED | rn(maxattr + 2), junk,
			 rn(sizeof(junk)));
		break;
	case 4:		/* byte-order flag on a known attribute */
		put_u32(m, NLA_F_NET_BYTEORDER | (1 + rn(maxattr)), rnd());
		break;
	case 5:		/* a header only, or a length past the end */
		{
			struct nlattr a = {
				.nla_len = rn(2) ? rn(NLA_HDRLEN) : 200 + rn(64),
				.nla_type = 1 + rn(maxattr),
			};

			if (m->len + sizeof(a) <= MSG_MAX) {
				memcpy(m->buf + m->len, &a, sizeof(a));
				m->len += sizeof(a);
			}
		}
		break;
	case 6:		/* trailing bytes that are no attribute */
		m->len += 1 + rn(3);
		break;
	default:
		break;
	}
}

static void mutate(struct msg *m, size_t body)
{
	size_t i, n;

	switch (rn(8)) {
	case 0:		/* truncate inside the attributes */
		if (m->len > body)
			m->len = body + rn(m->len - body);
		break;
	case 1:		/* flip bytes in the attributes */
		n = 1 + rn(4);
		for (i = 0; i < n && m->len > body; i++)
			m->buf[body + rn(m->len - body)] ^= 1u << rn(8);
		break;
	case 2:		/* pure garbage after the genl header */
		n = rn(64);
		if (body + n <= MSG_MAX) {
			rand_bytes(m->buf + body, n);
			m->len = body + n;
		}
		break;
	case 3:		/* genl header: version, reserved */
		((struct genlmsghdr *)(m->buf + NLMSG_HDRLEN))->version = rnd();
		if (rn(2))
			((struct genlmsghdr *)(m->buf + NLMSG_HDRLEN))->reserved = rnd();
		break;
	case 4:		/* shorter than a genl header */
		m->len = NLMSG_HDRLEN + rn(GENL_HDRLEN);
		break;
	default:
		break;
	}
}

/*
 * Decode the BDF attributes of a claim or release as the module does
 * (every top-level attribute of type PCIPASS_A_CLAIM_BDF, at most
 * PCIPASS_BDF_MAX_LEN characters, lenient hex): false if one names a
 * present function a claim must not touch.
 */
static bool claim_is_safe(const struct msg *m)
{
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN;
	int rem = (int)m->len - (int)off;
	const struct nlattr *a = (const void *)(m->buf + off);

	if (rem < 0)
		return true;
	while (rem >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) &&
	       a->nla_len <= rem) {
		if ((a->nla_type & NLA_TYPE_MASK) == PCIPASS_A_CLAIM_BDF) {
			char s[PCIPASS_BDF_MAX_LEN + 1] = "";
			size_t n = a->nla_len - NLA_HDRLEN;
			unsigned int bus, dev, fn;
			uint32_t dom;
			struct fdev *f;
			char c;

			if (n > PCIPASS_BDF_MAX_LEN)
				n = PCIPASS_BDF_MAX_LEN;
			memcpy(s, (const char *)a + NLA_HDRLEN, n);
			s[n] = '\0';
			/* Looser than the module: a superset of what it takes. */
			if (sscanf(s, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn,
				   &c) >= 4) {
				f = find_dev(dom, bus & 0xff,
					     (dev & 0x1f) << 3 | (fn & 7));
				if (f && !f->allowed)
					return false;
				/* Anything wider may wrap in the module. */
				if (bus > 0xff || dev > 0x1f || fn > 7)
					return false;
			}
		}
		rem -= NLA_ALIGN(a->nla_len);
		a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
	return true;
}

static void gen_msg(struct msg *m, uint32_t seq)
{
	static const struct {
		uint8_t cmd;
		bool dump, admin, known;
		int maxattr;
	} ops[] = {
		{ PCIPASS_CMD_DEV_GET, false, false, true, PCIPASS_A_DEV_MAX },
		{ PCIPASS_CMD_DEV_GET, true, false, true, PCIPASS_A_DEV_MAX },
		{ PCIPASS_CMD_GROUP_GET, false, false, true, PCIPASS_A_GROUP_MAX },
		{ PCIPASS_CMD_GROUP_GET, true, false, true, PCIPASS_A_GROUP_MAX },
		{ PCIPASS_CMD_CLAIM, false, true, true, PCIPASS_A_CLAIM_MAX },
		{ PCIPASS_CMD_RELEASE, false, true, true, PCIPASS_A_CLAIM_MAX },
		/* Not operations of the family, or not in this form. */
		{ PCIPASS_CMD_CLAIM, true, true, false, PCIPASS_A_CLAIM_MAX },
		{ PCIPASS_CMD_EVENT, false, false, false, PCIPASS_A_EVENT_MAX },
		{ 0, false, false, false, 4 },
		{ 0xff, true, false, false, 4 },
	};
	unsigned int k = rn(20);
	struct nlmsghdr *n = (struct nlmsghdr *)m->buf;
	struct genlmsghdr *g = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);
	size_t body = NLMSG_HDRLEN + GENL_HDRLEN;

	/* Mostly the real operations, claim and release the most. */
	k = k < 16 ? k % 6 : 6 + k % 4;
	if (k < 6 && rn(3) == 0)
		k = 4 + rn(2);
	memset(m->buf, 0, sizeof(m->buf));
	m->cmd = ops[k].cmd;
	m->dump = ops[k].dump;
	m->admin = ops[k].admin;
	m->known = ops[k].known;
	n->nlmsg_type = family;
	n->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
			 (m->dump ? NLM_F_DUMP : 0);
	n->nlmsg_seq = seq;
	g->cmd = m->cmd;
	g->version = PCIPASS_FAMILY_VERSION;
	m->len = body;
	gen_attrs(m, ops[k].maxattr);
	if (rn(2))
		mutate(m, body);
	if (m->len > MSG_MAX)
		m->len = MSG_MAX;
	n->nlmsg_len = m->len;
	snprintf(m->what, sizeof(m->what), "cmd %u%s, %zu bytes", m->cmd,
		 m->dump ? " dump" : "", m->len);
}

static void hexdump(const struct msg *m, char *out, size_t sz)
{
	size_t i, o = 0;

	for (i = 0; i < m->len && o + 3 < sz; i++)
		o += snprintf(out + o, sz - o, "%02x", m->buf[i]);
}

/* ---------------------------------------------------------------------
 * Answers
 */

static bool ack_has_extack(const struct nlmsghdr *h, size_t hlen)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	size_t off;
	int rem;
	const struct nlattr *a;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return false;
	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	off = NLMSG_ALIGN(off);
	rem = (int)hlen - (int)off;
	a = (const void *)((const char *)h + off);
	while (rem >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) &&
	       a->nla_len <= rem) {
		switch (a->nla_type & NLA_TYPE_MASK) {
		case NLMSGERR_ATTR_MSG:
		case NLMSGERR_ATTR_OFFS:
		case NLMSGERR_ATTR_MISS_TYPE:
			return true;
		}
		rem -= NLA_ALIGN(a->nla_len);
		a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
	return false;
}

/* Keep the first failure of each (error, command), up to five. */
static __attribute__((format(printf, 4, 5)))
void fail(struct stats *st, const struct msg *m, int err, const char *fmt, ...)
{
	char hex[2 * MSG_MAX + 1] = "";
	va_list ap;
	char *out;
	int i, o;

	st->failures++;
	for (i = 0; i < st->nfail_kinds; i++)
		if (st->fail_err[i] == err && st->fail_cmd[i] == m->cmd)
			return;
	if (st->nfail_kinds == 5)
		return;
	st->fail_err[i] = err;
	st->fail_cmd[i] = m->cmd;
	out = st->first_failure[st->nfail_kinds++];
	va_start(ap, fmt);
	o = vsnprintf(out, 256, fmt, ap);
	va_end(ap);
	if (o < 0 || o > 255)
		o = 255;
	hexdump(m, hex, sizeof(hex));
	snprintf(out + o, sizeof(st->first_failure[0]) - o,
		 " (%s): %.200s", m->what, hex);
}

static void print_failures(const struct stats *st)
{
	int i;

	if (!st->failures)
		return;
	printf("# %ld failures; the first of each kind:\n", st->failures);
	for (i = 0; i < st->nfail_kinds; i++)
		printf("#   %s\n", st->first_failure[i]);
}

/* Judge one error (from NLMSG_ERROR or NLMSG_DONE). */
static void judge_error(struct stats *st, const struct msg *m, int err,
			bool extack)
{
	st->errors++;
	if (extack) {
		st->extack++;
		return;
	}
	/* Refused by the genl core before the family saw it. */
	if (err == -EOPNOTSUPP && !m->known) {
		st->core_err++;
		return;
	}
	if (err == -EINVAL && m->len < NLMSG_HDRLEN + GENL_HDRLEN) {
		st->core_err++;
		return;
	}
	fail(st, m, err, "error %d (%s) without extended ack", err,
	     strerror(-err));
}

/*
 * The answer to a message, all of it carrying the message's seq, is one
 * of: replies, then an NLMSG_ERROR (the ack, or the error) for a do; an
 * NLMSG_ERROR alone for a dump refused before it started; for a dump
 * that started, its messages up to NLMSG_DONE and nothing after it: the
 * netlink core sends no ack behind a dump, NLM_F_ACK or not. Anything
 * else on the socket is a failure: a message with another seq (the
 * duplicate or late answer to an earlier message), or one after the end
 * of the answer, in its datagram or queued behind it.
 */
static void stray(struct stats *st, const struct msg *m, uint32_t seq,
		  const struct nlmsghdr *h)
{
	if (h->nlmsg_seq != seq)
		fail(st, m, 4, "message of type %u with seq %u while the answer to seq %u was awaited: a duplicate or late answer to an earlier message",
		     h->nlmsg_type, h->nlmsg_seq, seq);
	else
		fail(st, m, 5, "message of type %u with seq %u after the end of the answer to seq %u",
		     h->nlmsg_type, h->nlmsg_seq, seq);
}

/* Read the answer to @m, sent with @seq, to its end, and what follows. */
static void await(int fd, struct stats *st, const struct msg *m,
		  uint32_t seq)
{
	static unsigned char rcv[RCV_SZ];
	bool ended = false;
	int flags = 0;

	for (;;) {
		struct nlmsghdr *h;
		ssize_t len = recv(fd, rcv, sizeof(rcv), flags);

		if (len < 0) {
			/* Nothing queued behind the end: as it should be. */
			if (ended && (errno == EAGAIN || errno == EWOULDBLOCK))
				return;
			fail(st, m, 1, "%s: %s",
			     ended ? "recv after the answer" : "no answer",
			     strerror(errno));
			return;
		}
		for (h = (void *)rcv; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (ended || h->nlmsg_seq != seq) {
				stray(st, m, seq, h);
				continue;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (!e->error) {
					st->acks++;
				} else {
					judge_error(st, m, e->error,
						    ack_has_extack(h, h->nlmsg_len));
				}
				ended = true;
				continue;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				int err = 0;

				if (!m->dump)
					fail(st, m, 6, "NLMSG_DONE in the answer to a request without NLM_F_DUMP");
				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&err, NLMSG_DATA(h), sizeof(err));
				st->dumps++;
				if (err)
					judge_error(st, m, err, false);
				ended = true;
				continue;
			}
			if (h->nlmsg_type != family) {
				fail(st, m, 2, "answer of type %u", h->nlmsg_type);
				continue;
			}
			st->replies++;
			if (!m->dump && m->cmd == PCIPASS_CMD_CLAIM)
				st->claimed++;
		}
		/*
		 * The kernel answers a do, and the start of a dump, within
		 * send(), and the rest of a dump within the recv() calls
		 * that read it: whatever would follow the end is queued by
		 * now, so look once more without waiting.
		 */
		if (ended)
			flags = MSG_DONTWAIT;
	}
}

/*
 * Sequence numbers of the requests on a socket: each one new, so that an
 * answer can only be taken for the message it belongs to.
 */
static uint32_t last_seq = 100;

static void run(int fd, long count, struct stats *st)
{
	struct msg m;
	uint32_t seq;
	long i;
	int tries;

	for (i = 0; i < count; i++) {
		seq = ++last_seq;
		for (tries = 0; tries < 100; tries++) {
			gen_msg(&m, seq);
			if (!m.admin || claim_is_safe(&m))
				break;
			st->skipped_unsafe++;
		}
		if (tries == 100)
			continue;
		if (send(fd, m.buf, m.len, 0) < 0) {
			fail(st, &m, 3, "send: %s", strerror(errno));
			continue;
		}
		st->sent++;
		await(fd, st, &m, seq);
	}
}

/* ---------------------------------------------------------------------
 * Checks after the run
 */

/* Functions in one dev dump, or -1 with the reason in @why. */
static int dump_count(int fd, uint8_t cmd, char *why, size_t sz)
{
	static unsigned char rcv[RCV_SZ];
	uint32_t seq = ++last_seq;
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
	} req = {
		.n = {
			.nlmsg_len = sizeof(req), .nlmsg_type = family,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = seq,
		},
		.g = { .cmd = cmd, .version = PCIPASS_FAMILY_VERSION },
	};
	int count = 0;

	if (send(fd, &req, sizeof(req), 0) < 0) {
		snprintf(why, sz, "send: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		struct nlmsghdr *h;
		ssize_t len = recv(fd, rcv, sizeof(rcv), 0);

		if (len < 0) {
			snprintf(why, sz, "recv: %s", strerror(errno));
			return -1;
		}
		for (h = (void *)rcv; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != seq) {
				snprintf(why, sz, "message of type %u with seq %u in the dump with seq %u",
					 h->nlmsg_type, h->nlmsg_seq, seq);
				return -1;
			}
			if (h->nlmsg_type == NLMSG_DONE)
				return count;
			if (h->nlmsg_type == NLMSG_ERROR) {
				snprintf(why, sz, "error %d",
					 ((struct nlmsgerr *)NLMSG_DATA(h))->error);
				return -1;
			}
			count++;
		}
	}
}

/* Release what a fuzzed claim left claimed, one target at a time. */
static void release_targets(int fd, struct stats *st)
{
	struct msg m;
	uint32_t seq;
	int i;

	for (i = 0; i < ndevs; i++) {
		char drv[64];

		if (!devs[i].allowed || devs[i].bridge)
			continue;
		driver_of(devs[i].bdf, drv, sizeof(drv));
		if (strcmp(drv, "vfio-pci"))
			continue;
		seq = ++last_seq;
		memset(&m, 0, sizeof(m));
		m.len = NLMSG_HDRLEN + GENL_HDRLEN;
		m.cmd = PCIPASS_CMD_RELEASE;
		m.admin = true;
		m.known = true;
		snprintf(m.what, sizeof(m.what), "release of %.31s", devs[i].bdf);
		put_str(&m, PCIPASS_A_CLAIM_BDF, devs[i].bdf);
		((struct nlmsghdr *)m.buf)->nlmsg_len = m.len;
		((struct nlmsghdr *)m.buf)->nlmsg_type = family;
		((struct nlmsghdr *)m.buf)->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		((struct nlmsghdr *)m.buf)->nlmsg_seq = seq;
		((struct genlmsghdr *)(m.buf + NLMSG_HDRLEN))->cmd = m.cmd;
		((struct genlmsghdr *)(m.buf + NLMSG_HDRLEN))->version = 1;
		if (send(fd, m.buf, m.len, 0) < 0) {
			fail(st, &m, 3, "send: %s", strerror(errno));
			continue;
		}
		st->sent++;
		await(fd, st, &m, seq);
	}
}

/* Drivers now against the start; the first difference into buf. */
static int drivers_changed(char *buf, size_t sz)
{
	int i, bad = 0;

	buf[0] = '\0';
	for (i = 0; i < ndevs; i++) {
		char drv[64];

		driver_of(devs[i].bdf, drv, sizeof(drv));
		if (strcmp(drv, devs[i].driver)) {
			if (!bad++)
				snprintf(buf, sz, "%.31s: %.63s, was %.63s", devs[i].bdf,
					 drv, devs[i].driver);
		}
	}
	return bad;
}

static int count_sysfs(void)
{
	struct dirent *de;
	int count = 0;
	DIR *d = opendir(SYS_PCI);

	if (!d)
		return -1;
	while ((de = readdir(d)))
		count += de->d_name[0] != '.';
	closedir(d);
	return count;
}

static int max_group(void)
{
	struct dirent *de;
	int max = 0;
	DIR *d = opendir("/sys/kernel/iommu_groups");

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (atoi(de->d_name) > max)
			max = atoi(de->d_name);
	closedir(d);
	return max;
}

static void print_stats(const char *who, const struct stats *st)
{
	printf("# %s: %ld sent, %ld replies, %ld acks, %ld dumps, %ld errors "
	       "(%ld with extack, %ld from the genl core), %ld claim replies, "
	       "%ld unsafe draws not sent\n", who, st->sent, st->replies,
	       st->acks, st->dumps, st->errors, st->extack, st->core_err,
	       st->claimed, st->skipped_unsafe);
}

static void set_targets(const char *list)
{
	char *copy, *tok, *save = NULL;

	if (!list || !*list)
		return;
	copy = strdup(list);
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		int i;

		for (i = 0; i < ndevs; i++) {
			if (strcmp(devs[i].bdf, tok))
				continue;
			devs[i].allowed = true;
			if (ntargets < MAX_TARGETS && !devs[i].bridge)
				targets[ntargets++] = i;
		}
	}
	free(copy);
}

int main(int argc, char **argv)
{
	const char *targets = getenv("PCIPASS_FUZZ_TARGET");
	const char *env_seed = getenv("PCIPASS_FUZZ_SEED");
	uint64_t seed = env_seed ? strtoull(env_seed, NULL, 0) : 0;
	long count = 12000, unpriv;
	struct stats st = {}, ust = {}, rst = {};
	char why[512];
	int fd, opt, status, pfd[2], n, sysfs, changed, nfailed = 0;
	bool ok;
	pid_t pid;

	while ((opt = getopt(argc, argv, "n:s:t:")) != -1) {
		switch (opt) {
		case 'n':
			count = strtol(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 't':
			targets = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: %s [-n COUNT] [-s SEED] [-t BDF,...]\n",
				argv[0]);
			return 2;
		}
	}
	if (!seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * 1000000007ULL ^ ts.tv_nsec ^
		       (uint64_t)getpid() << 32;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	printf("# seed %llu (replay: %s -n %ld -s %llu%s%s)\n",
	       (unsigned long long)seed, argv[0], count,
	       (unsigned long long)seed, targets ? " -t " : "",
	       targets ? targets : "");
	if (geteuid()) {
		printf("1..0 # SKIP needs root\n");
		return 4;
	}
	n = pp_nl_family();
	fd = n < 0 ? n : pp_nl_socket(1 << 20);
	if (fd < 0) {
		n = fd;
		printf("1..0 # SKIP pcipass family not registered (%s)\n",
		       strerror(-n));
		return 4;
	}
	family = n;
	if (scan_devs()) {
		printf("Bail out! cannot read " SYS_PCI "\n");
		return 1;
	}
	set_targets(targets);
	ngroups_max = max_group();
	printf("1..5\n");

	/* The unprivileged quarter, in a child: nobody, no capabilities. */
	unpriv = count / 4;
	if (pipe(pfd)) {
		printf("Bail out! pipe\n");
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		int cfd;

		close(pfd[0]);
		rng = seed ^ 0x5eed5eed5eedULL;
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(3);
		cfd = pp_nl_socket(1 << 20);
		if (cfd < 0)
			_exit(3);
		run(cfd, unpriv, &ust);
		if (write(pfd[1], &ust, sizeof(ust)) != sizeof(ust))
			_exit(3);
		_exit(0);
	}
	close(pfd[1]);
	n = read(pfd[0], &ust, sizeof(ust));
	waitpid(pid, &status, 0);
	close(pfd[0]);
	if (n != sizeof(ust) || !WIFEXITED(status) || WEXITSTATUS(status)) {
		ust.failures++;
		ust.nfail_kinds = 1;
		snprintf(ust.first_failure[0], sizeof(ust.first_failure[0]),
			 "the unprivileged child did not report (status %d)",
			 status);
	}
	print_stats("unprivileged", &ust);
	ok = !ust.failures && ust.sent >= unpriv;
	nfailed += !ok;
	printf("%sok 1 - %ld messages as nobody: each answered, errors with extack\n",
	       ok ? "" : "not ", ust.sent);
	print_failures(&ust);

	rng = seed;
	run(fd, count - unpriv, &st);
	print_stats("root", &st);
	ok = !st.failures && st.sent >= (count - unpriv) * 9 / 10;
	nfailed += !ok;
	printf("%sok 2 - %ld messages as root: each answered, errors with extack\n",
	       ok ? "" : "not ", st.sent);
	print_failures(&st);

	ok = st.sent + ust.sent >= count * 9 / 10;
	nfailed += !ok;
	printf("%sok 3 - at least %ld of %ld messages sent (%ld)\n",
	       ok ? "" : "not ", count * 9 / 10, count, st.sent + ust.sent);

	release_targets(fd, &rst);
	why[0] = '\0';
	n = dump_count(fd, PCIPASS_CMD_DEV_GET, why, sizeof(why));
	sysfs = count_sysfs();
	ok = n == sysfs;
	nfailed += !ok;
	printf("%sok 4 - a dump after the fuzzing lists every function (%d, sysfs %d)\n",
	       ok ? "" : "not ", n, sysfs);
	if (n < 0)
		printf("# the dump failed: %s\n", why);

	changed = drivers_changed(why, sizeof(why));
	ok = !changed && !rst.failures;
	nfailed += !ok;
	printf("%sok 5 - every function is on the driver it started on (%ld targets released)\n",
	       ok ? "" : "not ", rst.sent);
	if (changed)
		printf("# %d differ, first %s\n", changed, why);
	print_failures(&rst);
	close(fd);
	/* The status says what the results say: 1 if any failed. */
	return nfailed ? 1 : 0;
}
