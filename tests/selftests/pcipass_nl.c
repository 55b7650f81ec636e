// SPDX-License-Identifier: GPL-2.0
/*
 * Selftests for the pcipass generic netlink family.
 *
 * They speak raw netlink (no libnl), as tools/testing/selftests/net/
 * netlink-dumps.c does, and compare what the module reports with sysfs,
 * lspci and the kernel's own ACS rules. The contract under test is
 * kmod/pcipass.yaml and include/uapi/linux/pcipass.h.
 *
 * Tests SKIP when the family is not registered (module not loaded), when
 * they need root and don't have it, or when they need IOMMU groups and
 * /sys/kernel/iommu_groups is empty. If every test skips, the program
 * exits with KSFT_SKIP (4).
 *
 * Environment:
 *   PCIPASS_CHURN_BDF  comma-separated BDFs (at most 4, each bound to a
 *                      driver) that dump_intr_under_churn unbinds and
 *                      rebinds. Default: up to two functions bound to
 *                      e1000e, e1000, nvme, snd_hda_intel or xhci_hcd.
 *
 * "pcipass_nl --probe" only looks the family up, "pcipass_nl --dump [N]"
 * also dumps functions and groups once, or N times (for modload.sh and
 * stress.sh): exit 0 if that worked,
 * 1 if the family is not registered, 2 on another error. Any other
 * arguments go to the kselftest harness (-l lists the tests, -t NAME runs
 * one).
 */

#define _GNU_SOURCE

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/pcipass.h>

#include "kselftest_harness.h"
#include "nl_util.h"


#define PP_BDF_SZ	(PCIPASS_BDF_MAX_LEN + 8)
#define PP_STR_SZ	128
#define PP_MAX_MEMBERS	256
#define PP_SMALL_RCV	4096	/* recv() size for the "small buffer" dumps */
#define PP_BIG_RCV	32768
#define PP_MAX_CHURN	4

#define SYS_PCI		"/sys/bus/pci/devices"
#define SYS_GROUPS	"/sys/kernel/iommu_groups"

/* PCI_EXP_TYPE_* and ACS bits, spelt out to need no pci headers. */
#define ACS_SV		0x0001
#define ACS_TB		0x0002
#define ACS_RR		0x0004
#define ACS_CR		0x0008
#define ACS_UF		0x0010
#define ACS_EC		0x0020
#define ACS_DT		0x0040
#define ACS_LSPCI_MASK	0x007f
/* What the IOMMU core asks of pci_acs_enabled() (drivers/iommu/iommu.c). */
#define ACS_REQ		(ACS_SV | ACS_RR | ACS_CR | ACS_UF)

/* ---------------------------------------------------------------------
 * Attribute tables
 */

enum pp_kind { PP_NONE, PP_U8, PP_U16, PP_U32, PP_STR };

static const enum pp_kind dev_kind[PCIPASS_A_DEV_MAX + 1] = {
	[PCIPASS_A_DEV_BDF]		= PP_STR,
	[PCIPASS_A_DEV_VENDOR]		= PP_U16,
	[PCIPASS_A_DEV_DEVICE]		= PP_U16,
	[PCIPASS_A_DEV_SUBSYSTEM_VENDOR] = PP_U16,
	[PCIPASS_A_DEV_SUBSYSTEM_DEVICE] = PP_U16,
	[PCIPASS_A_DEV_CLASS]		= PP_U32,
	[PCIPASS_A_DEV_REVISION]	= PP_U8,
	[PCIPASS_A_DEV_GROUP]		= PP_U32,
	[PCIPASS_A_DEV_DRIVER]		= PP_STR,
	[PCIPASS_A_DEV_DRIVER_OVERRIDE]	= PP_STR,
	[PCIPASS_A_DEV_BRIDGE]		= PP_U8,
	[PCIPASS_A_DEV_PCIE_TYPE]	= PP_U8,
	[PCIPASS_A_DEV_UPSTREAM]	= PP_STR,
	[PCIPASS_A_DEV_SRIOV_TOTAL_VFS]	= PP_U16,
	[PCIPASS_A_DEV_SRIOV_NUM_VFS]	= PP_U16,
	[PCIPASS_A_DEV_PHYSFN]		= PP_STR,
	[PCIPASS_A_DEV_NUMA_NODE]	= PP_U32,
	[PCIPASS_A_DEV_ACS_CAP]		= PP_U16,
	[PCIPASS_A_DEV_ACS_CTRL]	= PP_U16,
	[PCIPASS_A_DEV_ACS_ISOLATED]	= PP_U8,
	[PCIPASS_A_DEV_ACS_PATH_ISOLATED] = PP_U8,
	[PCIPASS_A_DEV_MULTIFUNCTION]	= PP_U8,
	[PCIPASS_A_DEV_GENERATION]	= PP_U32,
	[PCIPASS_A_DEV_CLAIM_ORIGIN]	= PP_U8,
	[PCIPASS_A_DEV_PREV_DRIVER]	= PP_STR,
	[PCIPASS_A_DEV_DRIVER_OVERRIDE_UNKNOWN] = PP_U8,
};

static const char *const dev_attr_name[PCIPASS_A_DEV_MAX + 1] = {
	[PCIPASS_A_DEV_BDF]		= "bdf",
	[PCIPASS_A_DEV_VENDOR]		= "vendor",
	[PCIPASS_A_DEV_DEVICE]		= "device",
	[PCIPASS_A_DEV_SUBSYSTEM_VENDOR] = "subsystem-vendor",
	[PCIPASS_A_DEV_SUBSYSTEM_DEVICE] = "subsystem-device",
	[PCIPASS_A_DEV_CLASS]		= "class",
	[PCIPASS_A_DEV_REVISION]	= "revision",
	[PCIPASS_A_DEV_GROUP]		= "group",
	[PCIPASS_A_DEV_DRIVER]		= "driver",
	[PCIPASS_A_DEV_DRIVER_OVERRIDE]	= "driver-override",
	[PCIPASS_A_DEV_BRIDGE]		= "bridge",
	[PCIPASS_A_DEV_PCIE_TYPE]	= "pcie-type",
	[PCIPASS_A_DEV_UPSTREAM]	= "upstream",
	[PCIPASS_A_DEV_SRIOV_TOTAL_VFS]	= "sriov-total-vfs",
	[PCIPASS_A_DEV_SRIOV_NUM_VFS]	= "sriov-num-vfs",
	[PCIPASS_A_DEV_PHYSFN]		= "physfn",
	[PCIPASS_A_DEV_NUMA_NODE]	= "numa-node",
	[PCIPASS_A_DEV_ACS_CAP]		= "acs-cap",
	[PCIPASS_A_DEV_ACS_CTRL]	= "acs-ctrl",
	[PCIPASS_A_DEV_ACS_ISOLATED]	= "acs-isolated",
	[PCIPASS_A_DEV_ACS_PATH_ISOLATED] = "acs-path-isolated",
	[PCIPASS_A_DEV_MULTIFUNCTION]	= "multifunction",
	[PCIPASS_A_DEV_GENERATION]	= "generation",
	[PCIPASS_A_DEV_CLAIM_ORIGIN]	= "claim-origin",
	[PCIPASS_A_DEV_PREV_DRIVER]	= "prev-driver",
	[PCIPASS_A_DEV_DRIVER_OVERRIDE_UNKNOWN] = "driver-override-unknown",
};

/* Attributes every dev message must carry. */
static const int dev_required[] = {
	PCIPASS_A_DEV_BDF, PCIPASS_A_DEV_VENDOR, PCIPASS_A_DEV_DEVICE,
	PCIPASS_A_DEV_SUBSYSTEM_VENDOR, PCIPASS_A_DEV_SUBSYSTEM_DEVICE,
	PCIPASS_A_DEV_CLASS, PCIPASS_A_DEV_REVISION, PCIPASS_A_DEV_BRIDGE,
	PCIPASS_A_DEV_ACS_ISOLATED, PCIPASS_A_DEV_ACS_PATH_ISOLATED,
	PCIPASS_A_DEV_MULTIFUNCTION, PCIPASS_A_DEV_GENERATION,
};

static const enum pp_kind group_kind[PCIPASS_A_GROUP_MAX + 1] = {
	[PCIPASS_A_GROUP_ID]		= PP_U32,
	[PCIPASS_A_GROUP_VIABLE]	= PP_U8,
	[PCIPASS_A_GROUP_MEMBER]	= PP_STR,
	[PCIPASS_A_GROUP_GENERATION]	= PP_U32,
	[PCIPASS_A_GROUP_MEMBERS_TOTAL]	= PP_U32,
};

/* ---------------------------------------------------------------------
 * Parsed replies
 */

struct pp_dev {
	uint32_t present;	/* bit n set: attribute type n was seen */
	uint32_t val[PCIPASS_A_DEV_MAX + 1];
	char str[PCIPASS_A_DEV_MAX + 1][PP_STR_SZ];
};

struct pp_group {
	uint32_t present;
	uint32_t id, viable, generation, total;
	int nmembers;
	char member[PP_MAX_MEMBERS][PP_BDF_SZ];
};

struct pp_result {
	int error;		/* 0, or -errno from NLMSG_ERROR / NLMSG_DONE */
	bool done;		/* NLMSG_DONE seen */
	bool intr;		/* NLM_F_DUMP_INTR on any message, DONE included */
	bool has_msg, has_offs, has_miss_type;
	char msg[256];
	uint32_t offs, miss_type;
	int nrecv;		/* datagrams received */
	int ndata;		/* datagrams that carried pcipass messages */
	size_t bytes;		/* bytes received in all */
	int ndevs, ngroups;
	int nunknown;		/* dev messages with driver-override-unknown */
	int cap_devs, cap_groups;
	struct pp_dev *devs;
	struct pp_group *groups;
	char bad[512];		/* first protocol violation, "" if none */
};

static void pp_result_free(struct pp_result *r)
{
	free(r->devs);
	free(r->groups);
	memset(r, 0, sizeof(*r));
}

static inline bool has(const struct pp_dev *d, int type)
{
	return d->present & (1u << type);
}

static __attribute__((format(printf, 2, 3)))
void bad(struct pp_result *r, const char *fmt, ...)
{
	va_list ap;

	if (r->bad[0])
		return;
	va_start(ap, fmt);
	vsnprintf(r->bad, sizeof(r->bad), fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------------
 * Small helpers
 */

/*
 * "dddd:bb:dd.f" in lower-case hex, as the kernel names functions; the
 * domain has 4 to 8 digits ("10000:00:00.0" behind an Intel VMD).
 */
static bool parse_bdf(const char *s, unsigned long *dom, unsigned int *bus,
		      unsigned int *dev, unsigned int *fn)
{
	size_t len = strlen(s), dlen, i;

	if (len < 12 || len > PCIPASS_BDF_MAX_LEN)
		return false;
	dlen = len - 8;
	for (i = 0; i < len; i++) {
		bool hex = i < dlen || i == dlen + 1 || i == dlen + 2 ||
			   i == dlen + 4 || i == dlen + 5 || i == dlen + 7;
		char want = i == dlen || i == dlen + 3 ? ':' : '.';

		if (hex ? !isxdigit((unsigned char)s[i]) ||
			  isupper((unsigned char)s[i]) : s[i] != want)
			return false;
	}
	*dom = strtoul(s, NULL, 16);
	*bus = strtoul(s + dlen + 1, NULL, 16);
	*dev = strtoul(s + dlen + 4, NULL, 16);
	*fn = s[len - 1] - '0';
	return *dev < 32 && *fn < 8;
}

static bool is_bdf(const char *s)
{
	unsigned int b, d, f;
	unsigned long dom;

	return parse_bdf(s, &dom, &b, &d, &f);
}

/* Numeric order of two BDFs (domain, bus, devfn); invalid ones sort last. */
static int bdf_cmp(const char *a, const char *b)
{
	unsigned int ab, ad, af, bb, bd, bf;
	unsigned long adom, bdom;
	bool va = parse_bdf(a, &adom, &ab, &ad, &af);
	bool vb = parse_bdf(b, &bdom, &bb, &bd, &bf);

	if (!va || !vb)
		return va == vb ? strcmp(a, b) : va ? -1 : 1;
	if (adom != bdom)
		return adom < bdom ? -1 : 1;
	if (ab != bb)
		return ab < bb ? -1 : 1;
	if (ad != bd)
		return ad < bd ? -1 : 1;
	return af < bf ? -1 : af > bf;
}

/* Bounded copy that always terminates (truncation is fine here). */
static void scpy(char *dst, size_t sz, const char *src)
{
	size_t n = strnlen(src, sz - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
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
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int read_long(const char *path, long *v, int base)
{
	char buf[64], *end;
	int err;

	err = read_str(path, buf, sizeof(buf));
	if (err)
		return err;
	errno = 0;
	*v = strtol(buf, &end, base);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

static int write_str(const char *path, const char *s)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (n < 0)
		err = -errno;
	else if ((size_t)n != strlen(s))
		err = -EIO;
	close(fd);
	return err;
}

/* Basename of a symlink's target, "" if there is no such link. */
static void link_base(const char *path, char *out, size_t sz)
{
	char buf[PATH_MAX];
	ssize_t n;
	char *b;

	out[0] = '\0';
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n < 0)
		return;
	buf[n] = '\0';
	b = strrchr(buf, '/');
	scpy(out, sz, b ? b + 1 : buf);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_bdf(const void *a, const void *b)
{
	return bdf_cmp(a, b);
}

/* ---------------------------------------------------------------------
 * Netlink plumbing
 */

static uint32_t pp_seq;

struct pp_req {
	union {
		struct nlmsghdr nlh;
		char buf[32768];	/* claim-max-bdfs + 1 addresses */
	};
};

static struct nlmsghdr *req_init(struct pp_req *q, uint16_t type,
				 uint16_t flags, uint8_t cmd)
{
	struct genlmsghdr *g;

	memset(q, 0, sizeof(*q));
	q->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	q->nlh.nlmsg_type = type;
	q->nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	q->nlh.nlmsg_seq = ++pp_seq;
	g = NLMSG_DATA(&q->nlh);
	g->cmd = cmd;
	g->version = PCIPASS_FAMILY_VERSION;
	return &q->nlh;
}

static struct genlmsghdr *req_genl(struct pp_req *q)
{
	return NLMSG_DATA(&q->nlh);
}

/* Append one attribute; returns its offset from the nlmsghdr. */
static uint32_t req_put(struct pp_req *q, uint16_t type, const void *data,
			uint16_t len)
{
	uint32_t off = NLMSG_ALIGN(q->nlh.nlmsg_len);
	struct nlattr *a = (struct nlattr *)(q->buf + off);

	if (off + NLA_ALIGN(NLA_HDRLEN + len) > sizeof(q->buf))
		abort();
	a->nla_len = NLA_HDRLEN + len;
	a->nla_type = type;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	q->nlh.nlmsg_len = off + NLA_ALIGN(a->nla_len);
	return off;
}

static uint32_t req_put_str(struct pp_req *q, uint16_t type, const char *s)
{
	return req_put(q, type, s, strlen(s) + 1);
}

static uint32_t req_put_u32(struct pp_req *q, uint16_t type, uint32_t v)
{
	return req_put(q, type, &v, sizeof(v));
}

static void parse_ack_tlvs(struct pp_result *r, const struct nlmsghdr *nlh,
			   size_t off)
{
	const char *end = (const char *)nlh + nlh->nlmsg_len;
	const char *p = (const char *)nlh + off;

	while (p + NLA_HDRLEN <= end) {
		const struct nlattr *a = (const void *)p;
		const char *data = p + NLA_HDRLEN;
		size_t len;

		if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end) {
			bad(r, "malformed extack TLV");
			return;
		}
		len = a->nla_len - NLA_HDRLEN;
		switch (a->nla_type & NLA_TYPE_MASK) {
		case NLMSGERR_ATTR_MSG:
			r->has_msg = true;
			snprintf(r->msg, sizeof(r->msg), "%.*s", (int)len, data);
			break;
		case NLMSGERR_ATTR_OFFS:
			if (len == 4) {
				r->has_offs = true;
				memcpy(&r->offs, data, 4);
			}
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (len == 4) {
				r->has_miss_type = true;
				memcpy(&r->miss_type, data, 4);
			}
			break;
		}
		p += NLA_ALIGN(a->nla_len);
	}
}

/* Extract one attribute's value; false if its length is wrong. */
static bool get_val(enum pp_kind kind, const struct nlattr *a, uint32_t *v,
		    char *s)
{
	const unsigned char *data = (const unsigned char *)a + NLA_HDRLEN;
	size_t len = a->nla_len - NLA_HDRLEN;
	uint16_t u16;

	switch (kind) {
	case PP_U8:
		if (len != 1)
			return false;
		*v = data[0];
		return true;
	case PP_U16:
		if (len != 2)
			return false;
		memcpy(&u16, data, 2);
		*v = u16;
		return true;
	case PP_U32:
		if (len != 4)
			return false;
		memcpy(v, data, 4);
		return true;
	case PP_STR:
		/* NUL-terminated, NUL being the last byte of the payload */
		if (len < 1 || len > PP_STR_SZ || data[len - 1] ||
		    strlen((const char *)data) != len - 1)
			return false;
		memcpy(s, data, len);
		return true;
	default:
		return false;
	}
}

static void parse_dev(struct pp_result *r, const struct nlmsghdr *nlh)
{
	const char *end = (const char *)nlh + nlh->nlmsg_len;
	const char *p = (const char *)NLMSG_DATA(nlh) + GENL_HDRLEN;
	struct pp_dev *d;
	size_t i;

	if (r->ndevs == r->cap_devs) {
		r->cap_devs = r->cap_devs ? 2 * r->cap_devs : 64;
		r->devs = realloc(r->devs, r->cap_devs * sizeof(*r->devs));
		if (!r->devs)
			abort();
	}
	d = &r->devs[r->ndevs++];
	memset(d, 0, sizeof(*d));

	while (p + NLA_HDRLEN <= end) {
		const struct nlattr *a = (const void *)p;
		int type = a->nla_type & NLA_TYPE_MASK;

		if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end) {
			bad(r, "dev message #%d: attribute overruns message",
			    r->ndevs);
			return;
		}
		if (type < 1 || type > PCIPASS_A_DEV_MAX) {
			bad(r, "dev message #%d: unknown attribute %d",
			    r->ndevs, type);
		} else if (has(d, type)) {
			bad(r, "dev %s: attribute %s repeated", d->str[1],
			    dev_attr_name[type]);
		} else if (!get_val(dev_kind[type], a, &d->val[type],
				    d->str[type])) {
			bad(r, "dev %s: attribute %s has payload length %u",
			    d->str[1], dev_attr_name[type],
			    a->nla_len - NLA_HDRLEN);
		} else {
			d->present |= 1u << type;
		}
		p += NLA_ALIGN(a->nla_len);
	}
	for (i = 0; i < sizeof(dev_required) / sizeof(dev_required[0]); i++)
		if (!has(d, dev_required[i]))
			bad(r, "dev %s: required attribute %s missing",
			    has(d, PCIPASS_A_DEV_BDF) ? d->str[1] : "(no bdf)",
			    dev_attr_name[dev_required[i]]);
	if (has(d, PCIPASS_A_DEV_BDF) && !is_bdf(d->str[PCIPASS_A_DEV_BDF]))
		bad(r, "dev: bdf \"%s\" is not dddd:bb:dd.f",
		    d->str[PCIPASS_A_DEV_BDF]);
	if (has(d, PCIPASS_A_DEV_DRIVER_OVERRIDE_UNKNOWN)) {
		r->nunknown++;
		if (has(d, PCIPASS_A_DEV_DRIVER_OVERRIDE))
			bad(r, "dev %s: driver-override and driver-override-unknown both",
			    d->str[PCIPASS_A_DEV_BDF]);
	}
}

static void parse_group(struct pp_result *r, const struct nlmsghdr *nlh)
{
	const char *end = (const char *)nlh + nlh->nlmsg_len;
	const char *p = (const char *)NLMSG_DATA(nlh) + GENL_HDRLEN;
	struct pp_group *g;

	if (r->ngroups == r->cap_groups) {
		r->cap_groups = r->cap_groups ? 2 * r->cap_groups : 64;
		r->groups = realloc(r->groups,
				    r->cap_groups * sizeof(*r->groups));
		if (!r->groups)
			abort();
	}
	g = &r->groups[r->ngroups++];
	memset(g, 0, sizeof(*g));

	while (p + NLA_HDRLEN <= end) {
		const struct nlattr *a = (const void *)p;
		int type = a->nla_type & NLA_TYPE_MASK;
		char s[PP_STR_SZ];
		uint32_t v = 0;

		if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end) {
			bad(r, "group message #%d: attribute overruns message",
			    r->ngroups);
			return;
		}
		p += NLA_ALIGN(a->nla_len);
		if (type < 1 || type > PCIPASS_A_GROUP_MAX) {
			bad(r, "group message #%d: unknown attribute %d",
			    r->ngroups, type);
			continue;
		}
		if (!get_val(group_kind[type], a, &v, s)) {
			bad(r, "group message #%d: attribute %d has payload length %u",
			    r->ngroups, type, a->nla_len - NLA_HDRLEN);
			continue;
		}
		if (type != PCIPASS_A_GROUP_MEMBER && (g->present & (1u << type)))
			bad(r, "group message #%d: attribute %d repeated",
			    r->ngroups, type);
		g->present |= 1u << type;
		switch (type) {
		case PCIPASS_A_GROUP_ID:
			g->id = v;
			break;
		case PCIPASS_A_GROUP_VIABLE:
			g->viable = v;
			break;
		case PCIPASS_A_GROUP_GENERATION:
			g->generation = v;
			break;
		case PCIPASS_A_GROUP_MEMBERS_TOTAL:
			g->total = v;
			break;
		case PCIPASS_A_GROUP_MEMBER:
			if (!is_bdf(s))
				bad(r, "group %u: member \"%s\" is not a BDF",
				    g->id, s);
			if (g->nmembers == PP_MAX_MEMBERS) {
				bad(r, "group %u: too many members", g->id);
				break;
			}
			scpy(g->member[g->nmembers++], PP_BDF_SZ, s);
			break;
		}
	}
	if (!(g->present & (1u << PCIPASS_A_GROUP_ID)) ||
	    !(g->present & (1u << PCIPASS_A_GROUP_VIABLE)) ||
	    !(g->present & (1u << PCIPASS_A_GROUP_GENERATION)) ||
	    !(g->present & (1u << PCIPASS_A_GROUP_MEMBERS_TOTAL)))
		bad(r, "group message #%d (id %u) lacks id, viable, generation or members-total",
		    r->ngroups, g->id);
	if (!g->nmembers)
		bad(r, "group %u has no member", g->id);
	if (g->nmembers > (int)g->total)
		bad(r, "group %u: %d members in one message, members-total %u",
		    g->id, g->nmembers, g->total);

	/*
	 * The rest of a group too big for one message: joined to the
	 * message before it, as the spec's members-total says.
	 */
	if (r->ngroups > 1) {
		struct pp_group *prev = g - 1;
		int i;

		if (prev->id != g->id || prev->nmembers >= (int)prev->total)
			return;
		if (prev->total != g->total || prev->viable != g->viable)
			bad(r, "group %u: a continuation says members-total %u, viable %u; the start %u, %u",
			    g->id, g->total, g->viable, prev->total,
			    prev->viable);
		for (i = 0; i < g->nmembers; i++) {
			if (prev->nmembers == PP_MAX_MEMBERS) {
				bad(r, "group %u: too many members", g->id);
				break;
			}
			scpy(prev->member[prev->nmembers++], PP_BDF_SZ,
			     g->member[i]);
		}
		r->ngroups--;
	}
}

/*
 * Receive the answer to @req, in datagrams of at most @rcvsz bytes: one
 * reply or error for a do, every message up to NLMSG_DONE for a dump.
 * Returns 0 when the exchange completed (r->error holds the netlink
 * error), -errno when recv() failed.
 */
static int pp_recv(int fd, int family, const struct nlmsghdr *req,
		   size_t rcvsz, struct pp_result *r)
{
	bool dump = req->nlmsg_flags & NLM_F_DUMP;
	uint8_t cmd = ((struct genlmsghdr *)NLMSG_DATA(req))->cmd;
	bool finished = false;
	char *buf;
	int ret = 0;

	buf = malloc(rcvsz);
	if (!buf)
		return -ENOMEM;

	while (!finished) {
		struct iovec iov = { .iov_base = buf, .iov_len = rcvsz };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		const struct nlmsghdr *nlh;
		bool data = false;
		ssize_t n;
		int len;

		n = recvmsg(fd, &mh, 0);
		if (n < 0) {
			ret = -errno;
			break;
		}
		r->nrecv++;
		r->bytes += n;
		if (mh.msg_flags & MSG_TRUNC) {
			bad(r, "datagram truncated by a %zu-byte recv buffer",
			    rcvsz);
			ret = -EMSGSIZE;
			break;
		}
		len = n;
		for (nlh = (void *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_seq != req->nlmsg_seq) {
				bad(r, "reply with seq %u to request %u",
				    nlh->nlmsg_seq, req->nlmsg_seq);
				continue;
			}
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				r->intr = true;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);
				size_t off = NLMSG_HDRLEN +
					     NLMSG_ALIGN(sizeof(*e));

				r->error = e->error;
				if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
					off += NLMSG_ALIGN(e->msg.nlmsg_len -
							   NLMSG_HDRLEN);
				if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
					parse_ack_tlvs(r, nlh, off);
				if (!e->error)
					bad(r, "unexpected ACK");
				finished = true;
				break;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				int err = 0;

				if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&err, NLMSG_DATA(nlh), sizeof(int));
				r->error = err;
				r->done = true;
				if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
					parse_ack_tlvs(r, nlh, NLMSG_HDRLEN +
						       NLMSG_ALIGN(sizeof(int)));
				if (!dump)
					bad(r, "NLMSG_DONE in reply to a do");
				finished = true;
				break;
			}
			if (nlh->nlmsg_type != family) {
				bad(r, "message of type %u", nlh->nlmsg_type);
				continue;
			}
			if (nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN)) {
				bad(r, "message too short for a genl header");
				continue;
			}
			data = true;
			if (cmd == PCIPASS_CMD_GROUP_GET)
				parse_group(r, nlh);
			else
				parse_dev(r, nlh);
			if (!dump)
				finished = true;
		}
		if (data)
			r->ndata++;
	}
	free(buf);
	return ret;
}

/*
 * Send @q on a fresh socket and collect the answer. @rcvbuf, if not 0,
 * sets SO_RCVBUF: a tiny one makes the kernel fill one skb at a time,
 * from recvmsg(), so a dump resumes once per datagram.
 */
static int pp_xfer(int family, struct pp_req *q, size_t rcvsz, int rcvbuf,
		   struct pp_result *r)
{
	int fd, ret;

	memset(r, 0, sizeof(*r));
	fd = pp_nl_socket(rcvbuf);
	if (fd < 0)
		return fd;
	if (send(fd, &q->nlh, q->nlh.nlmsg_len, 0) != (ssize_t)q->nlh.nlmsg_len) {
		ret = -errno;
		close(fd);
		return ret;
	}
	ret = pp_recv(fd, family, &q->nlh, rcvsz, r);
	close(fd);
	return ret;
}

static int pp_dump(int family, uint8_t cmd, size_t rcvsz, int rcvbuf,
		   struct pp_result *r)
{
	struct pp_req q;

	req_init(&q, family, NLM_F_DUMP, cmd);
	return pp_xfer(family, &q, rcvsz, rcvbuf, r);
}

static int pp_dev_get(int family, const char *bdf, struct pp_result *r)
{
	struct pp_req q;

	req_init(&q, family, 0, PCIPASS_CMD_DEV_GET);
	req_put_str(&q, PCIPASS_A_DEV_BDF, bdf);
	return pp_xfer(family, &q, PP_BIG_RCV, 0, r);
}

static int pp_group_get(int family, uint32_t id, struct pp_result *r)
{
	struct pp_req q;

	req_init(&q, family, 0, PCIPASS_CMD_GROUP_GET);
	req_put_u32(&q, PCIPASS_A_GROUP_ID, id);
	return pp_xfer(family, &q, PP_BIG_RCV, 0, r);
}

/* ---------------------------------------------------------------------
 * sysfs view
 */

struct sys_dev {
	char bdf[PP_BDF_SZ];
	long vendor, device, svendor, sdevice, class, revision;
	long group;			/* -1: no iommu_group link */
	char driver[PP_STR_SZ];		/* "" if unbound */
	char override[PP_STR_SZ];	/* "" if none */
	int hdr;			/* config byte 0x0e, -1 unreadable */
	int pcie_type;			/* -1 conventional, -2 unknown */
	char upstream[PP_BDF_SZ];	/* "" on a root bus */
	char physfn[PP_BDF_SZ];		/* "" unless a VF */
	bool is_pf;
	long total_vfs, num_vfs;
	long numa;			/* -1: none */
};

struct sys_snap {
	int n;
	struct sys_dev *d;
};

static int bdf_filter(const struct dirent *e)
{
	return is_bdf(e->d_name);
}

static int dirent_cmp(const struct dirent **a, const struct dirent **b)
{
	return bdf_cmp((*a)->d_name, (*b)->d_name);
}

/* Walk the capability list in @cfg for the PCIe capability's type. */
static int cfg_pcie_type(const unsigned char *cfg, size_t len)
{
	int ptr, ttl = 48;

	if (len < 256)
		return -2;
	if (!(cfg[0x06] & 0x10))
		return -1;
	ptr = cfg[0x34] & ~3;
	while (ptr >= 0x40 && ttl--) {
		if (cfg[ptr] == 0x10)
			return (cfg[ptr + 2] >> 4) & 0xf;
		ptr = cfg[ptr + 1] & ~3;
	}
	return -1;
}

static void sys_dev_read(const char *bdf, struct sys_dev *s)
{
	char path[PATH_MAX], real[PATH_MAX], buf[PP_STR_SZ], *slash;
	unsigned char cfg[4096];
	ssize_t n;
	int fd;

	memset(s, 0, sizeof(*s));
	scpy(s->bdf, sizeof(s->bdf), bdf);
#define RD(f, field) do {						\
		snprintf(path, sizeof(path), SYS_PCI "/%s/" f, bdf);	\
		if (read_long(path, &s->field, 0))			\
			s->field = -1;					\
	} while (0)
	RD("vendor", vendor);
	RD("device", device);
	RD("subsystem_vendor", svendor);
	RD("subsystem_device", sdevice);
	RD("class", class);
	RD("revision", revision);
	RD("numa_node", numa);
	if (s->numa < 0)
		s->numa = -1;
	snprintf(path, sizeof(path), SYS_PCI "/%s/sriov_totalvfs", bdf);
	s->is_pf = !access(path, F_OK);
	if (s->is_pf) {
		RD("sriov_totalvfs", total_vfs);
		RD("sriov_numvfs", num_vfs);
	}
#undef RD

	snprintf(path, sizeof(path), SYS_PCI "/%s/iommu_group", bdf);
	link_base(path, buf, sizeof(buf));
	s->group = buf[0] ? strtol(buf, NULL, 10) : -1;
	snprintf(path, sizeof(path), SYS_PCI "/%s/driver", bdf);
	link_base(path, s->driver, sizeof(s->driver));
	snprintf(path, sizeof(path), SYS_PCI "/%s/physfn", bdf);
	link_base(path, s->physfn, sizeof(s->physfn));

	snprintf(path, sizeof(path), SYS_PCI "/%s/driver_override", bdf);
	if (!read_str(path, buf, sizeof(buf)) && strcmp(buf, "(null)"))
		scpy(s->override, sizeof(s->override), buf);

	snprintf(path, sizeof(path), SYS_PCI "/%s", bdf);
	if (realpath(path, real)) {
		slash = strrchr(real, '/');
		if (slash) {
			*slash = '\0';
			slash = strrchr(real, '/');
			if (slash && is_bdf(slash + 1))
				scpy(s->upstream, sizeof(s->upstream), slash + 1);
		}
	}

	s->hdr = -1;
	s->pcie_type = -2;
	snprintf(path, sizeof(path), SYS_PCI "/%s/config", bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = pread(fd, cfg, sizeof(cfg), 0);
		if (n > 0x0e)
			s->hdr = cfg[0x0e];
		if (n > 0)
			s->pcie_type = cfg_pcie_type(cfg, n);
		close(fd);
	}
}

static int sys_snapshot(struct sys_snap *snap)
{
	struct dirent **ents;
	int i, n;

	n = scandir(SYS_PCI, &ents, bdf_filter, dirent_cmp);
	if (n < 0)
		return -errno;
	snap->n = n;
	snap->d = calloc(n ? n : 1, sizeof(*snap->d));
	if (!snap->d)
		abort();
	for (i = 0; i < n; i++) {
		sys_dev_read(ents[i]->d_name, &snap->d[i]);
		free(ents[i]);
	}
	free(ents);
	return 0;
}

static void sys_free(struct sys_snap *snap)
{
	free(snap->d);
	memset(snap, 0, sizeof(*snap));
}

static bool sys_equal(const struct sys_snap *a, const struct sys_snap *b)
{
	return a->n == b->n && !memcmp(a->d, b->d, a->n * sizeof(*a->d));
}

static const struct sys_dev *sys_find(const struct sys_snap *s, const char *bdf)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->d[i].bdf, bdf))
			return &s->d[i];
	return NULL;
}

static bool sys_is_bridge(const struct sys_dev *s)
{
	return s->hdr >= 0 && ((s->hdr & 0x7f) == 1 || (s->hdr & 0x7f) == 2);
}

/* IOMMU groups in sysfs, restricted to PCI functions, ascending id. */
struct sys_group {
	long id;
	int n;
	char member[PP_MAX_MEMBERS][PP_BDF_SZ];
};

static int group_cmp(const void *a, const void *b)
{
	const struct sys_group *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int sys_groups(struct sys_group **out)
{
	struct sys_group *g = NULL;
	struct dirent *e, *m;
	int n = 0, cap = 0;
	DIR *dir, *mdir;

	*out = NULL;
	dir = opendir(SYS_GROUPS);
	if (!dir)
		return 0;
	while ((e = readdir(dir))) {
		char path[PATH_MAX];
		struct sys_group *cur;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), SYS_GROUPS "/%s/devices",
			 e->d_name);
		mdir = opendir(path);
		if (!mdir)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			g = realloc(g, cap * sizeof(*g));
			if (!g)
				abort();
		}
		cur = &g[n];
		memset(cur, 0, sizeof(*cur));
		cur->id = strtol(e->d_name, NULL, 10);
		while ((m = readdir(mdir))) {
			char p2[PATH_MAX];

			if (!is_bdf(m->d_name) || cur->n == PP_MAX_MEMBERS)
				continue;
			snprintf(p2, sizeof(p2), SYS_PCI "/%s", m->d_name);
			if (access(p2, F_OK))
				continue;
			scpy(cur->member[cur->n++], PP_BDF_SZ, m->d_name);
		}
		closedir(mdir);
		if (!cur->n)
			continue;
		qsort(cur->member, cur->n, PP_BDF_SZ, cmp_bdf);
		n++;
	}
	closedir(dir);
	if (n)
		qsort(g, n, sizeof(*g), group_cmp);
	*out = g;
	return n;
}

static bool have_iommu_groups(void)
{
	struct dirent *e;
	bool found = false;
	DIR *dir;

	dir = opendir(SYS_GROUPS);
	if (!dir)
		return false;
	while (!found && (e = readdir(dir)))
		found = isdigit((unsigned char)e->d_name[0]);
	closedir(dir);
	return found;
}

/* ---------------------------------------------------------------------
 * Comparisons
 */

static int pci_func(const char *bdf)
{
	return bdf[strlen(bdf) - 1] - '0';
}

/* First difference between two dev records, or false if equal. */
static bool dev_diff(const struct pp_dev *a, const struct pp_dev *b,
		     bool ignore_gen, char *why, size_t sz)
{
	int t;

	for (t = 1; t <= PCIPASS_A_DEV_MAX; t++) {
		if (ignore_gen && t == PCIPASS_A_DEV_GENERATION)
			continue;
		if (has(a, t) != has(b, t)) {
			snprintf(why, sz, "%s: %s %s vs %s",
				 a->str[PCIPASS_A_DEV_BDF], dev_attr_name[t],
				 has(a, t) ? "present" : "absent",
				 has(b, t) ? "present" : "absent");
			return true;
		}
		if (!has(a, t))
			continue;
		if (dev_kind[t] == PP_STR ? strcmp(a->str[t], b->str[t]) :
		    a->val[t] != b->val[t]) {
			if (dev_kind[t] == PP_STR)
				snprintf(why, sz, "%s: %s \"%s\" vs \"%s\"",
					 a->str[PCIPASS_A_DEV_BDF],
					 dev_attr_name[t], a->str[t], b->str[t]);
			else
				snprintf(why, sz, "%s: %s %#x vs %#x",
					 a->str[PCIPASS_A_DEV_BDF],
					 dev_attr_name[t], a->val[t], b->val[t]);
			return true;
		}
	}
	return false;
}

static bool devs_diff(const struct pp_result *a, const struct pp_result *b,
		      bool ignore_gen, char *why, size_t sz)
{
	int i;

	if (a->ndevs != b->ndevs) {
		snprintf(why, sz, "%d functions vs %d", a->ndevs, b->ndevs);
		return true;
	}
	for (i = 0; i < a->ndevs; i++)
		if (dev_diff(&a->devs[i], &b->devs[i], ignore_gen, why, sz))
			return true;
	return false;
}

static bool group_diff(const struct pp_group *a, const struct pp_group *b,
		       bool ignore_gen, char *why, size_t sz)
{
	char ma[PP_MAX_MEMBERS][PP_BDF_SZ], mb[PP_MAX_MEMBERS][PP_BDF_SZ];
	int i;

	if (a->id != b->id || a->viable != b->viable ||
	    a->nmembers != b->nmembers ||
	    (!ignore_gen && a->generation != b->generation)) {
		snprintf(why, sz,
			 "group %u/%u: viable %u/%u, %d/%d members, generation %u/%u",
			 a->id, b->id, a->viable, b->viable, a->nmembers,
			 b->nmembers, a->generation, b->generation);
		return true;
	}
	memcpy(ma, a->member, a->nmembers * PP_BDF_SZ);
	memcpy(mb, b->member, b->nmembers * PP_BDF_SZ);
	qsort(ma, a->nmembers, PP_BDF_SZ, cmp_bdf);
	qsort(mb, b->nmembers, PP_BDF_SZ, cmp_bdf);
	for (i = 0; i < a->nmembers; i++) {
		if (strcmp(ma[i], mb[i])) {
			snprintf(why, sz, "group %u: member %s vs %s", a->id,
				 ma[i], mb[i]);
			return true;
		}
	}
	return false;
}

static const struct pp_dev *find_dev(const struct pp_result *r,
				     const char *bdf)
{
	int i;

	for (i = 0; i < r->ndevs; i++)
		if (!strcmp(r->devs[i].str[PCIPASS_A_DEV_BDF], bdf))
			return &r->devs[i];
	return NULL;
}

/* pci_acs_enabled(pdev, ACS_REQ) from the reported attributes. */
static int expected_acs_isolated(const struct pp_dev *d)
{
	uint32_t flags;

	if (!has(d, PCIPASS_A_DEV_PCIE_TYPE))
		return 0;
	switch (d->val[PCIPASS_A_DEV_PCIE_TYPE]) {
	case PCIPASS_PCIE_TYPE_PCIE_BRIDGE:
	case PCIPASS_PCIE_TYPE_PCI_BRIDGE:
	case PCIPASS_PCIE_TYPE_RC_EVENT_COLLECTOR:
		return 0;
	case PCIPASS_PCIE_TYPE_DOWNSTREAM:
	case PCIPASS_PCIE_TYPE_ROOT_PORT:
		break;
	case PCIPASS_PCIE_TYPE_ENDPOINT:
	case PCIPASS_PCIE_TYPE_UPSTREAM:
	case PCIPASS_PCIE_TYPE_LEGACY_ENDPOINT:
	case PCIPASS_PCIE_TYPE_RC_ENDPOINT:
		if (!d->val[PCIPASS_A_DEV_MULTIFUNCTION])
			return 1;
		break;
	default:
		return 1;
	}
	if (!has(d, PCIPASS_A_DEV_ACS_CAP) || !has(d, PCIPASS_A_DEV_ACS_CTRL))
		return 0;
	flags = ACS_REQ & (d->val[PCIPASS_A_DEV_ACS_CAP] | ACS_EC);
	return (d->val[PCIPASS_A_DEV_ACS_CTRL] & flags) == flags;
}

/* ---------------------------------------------------------------------
 * Fixture
 */

FIXTURE(pcipass) {
	int family;
	pid_t churn_pid;
	int *churn_stop;
	int nchurn;
	char churn_bdf[PP_MAX_CHURN][PP_BDF_SZ];
	char churn_drv[PP_MAX_CHURN][PP_STR_SZ];
};

FIXTURE_SETUP(pcipass)
{
	self->family = pp_nl_family();
	if (self->family == -ENOENT)
		SKIP(return, "generic netlink family \"%s\" absent (module not loaded)",
		     PCIPASS_FAMILY_NAME);
	ASSERT_LT(0, self->family) TH_LOG("CTRL_CMD_GETFAMILY: %s",
					  strerror(-self->family));
}

static void churn_stop(struct __test_metadata *_metadata,
		       FIXTURE_DATA(pcipass) *self)
{
	char path[PATH_MAX];
	int i, status;

	if (self->churn_pid > 0) {
		__atomic_store_n(self->churn_stop, 1, __ATOMIC_SEQ_CST);
		for (i = 0; i < 200; i++) {
			if (waitpid(self->churn_pid, &status, WNOHANG) ==
			    self->churn_pid)
				break;
			usleep(50 * 1000);
		}
		if (i == 200) {
			kill(self->churn_pid, SIGKILL);
			waitpid(self->churn_pid, &status, 0);
		}
		self->churn_pid = 0;
	}
	/* Put every churned function back on its driver. */
	for (i = 0; i < self->nchurn; i++) {
		snprintf(path, sizeof(path), SYS_PCI "/%s/driver",
			 self->churn_bdf[i]);
		if (!access(path, F_OK))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/bind",
			 self->churn_drv[i]);
		if (write_str(path, self->churn_bdf[i]))
			TH_LOG("could not rebind %s to %s", self->churn_bdf[i],
			       self->churn_drv[i]);
	}
	self->nchurn = 0;
}

FIXTURE_TEARDOWN(pcipass)
{
	churn_stop(_metadata, self);
	if (self->churn_stop)
		munmap(self->churn_stop, sizeof(int));
}

/* A quiescent dump: no DUMP_INTR, retried a few times. */
static int quiet_dump(int family, uint8_t cmd, size_t rcvsz, int rcvbuf,
		      struct pp_result *r)
{
	int i, ret;

	for (i = 0; i < 10; i++) {
		ret = pp_dump(family, cmd, rcvsz, rcvbuf, r);
		if (ret || r->error || r->bad[0] || !r->intr)
			return ret;
		pp_result_free(r);
		usleep(100 * 1000);
	}
	return -EAGAIN;
}

#define ASSERT_DUMP_OK(ret, r) do {					\
		ASSERT_EQ(0, ret) TH_LOG("dump: %s", strerror(-(ret)));	\
		ASSERT_STREQ("", (r)->bad);				\
		ASSERT_EQ(0, (r)->error) TH_LOG("dump error %s (%s)",	\
			strerror(-(r)->error), (r)->msg);		\
		ASSERT_TRUE((r)->done);					\
	} while (0)

/* ---------------------------------------------------------------------
 * a. The dev dump equals sysfs
 */

TEST_F_TIMEOUT(pcipass, snapshot_matches_sysfs, 120)
{
	struct sys_snap s1 = {}, s2 = {};
	struct pp_result r = {};
	int i, t, try, nfail = 0;
	uint32_t gen;

	for (try = 0; try < 5; try++) {
		ASSERT_EQ(0, sys_snapshot(&s1));
		ASSERT_EQ(0, pp_dump(self->family, PCIPASS_CMD_DEV_GET,
				     PP_BIG_RCV, 0, &r));
		ASSERT_EQ(0, sys_snapshot(&s2));
		if (!r.intr && sys_equal(&s1, &s2))
			break;
		TH_LOG("topology changed during the snapshot, retrying");
		sys_free(&s1);
		sys_free(&s2);
		pp_result_free(&r);
	}
	ASSERT_LT(try, 5);
	ASSERT_STREQ("", r.bad);
	ASSERT_EQ(0, r.error);
	ASSERT_TRUE(r.done);
	TH_LOG("%d functions in sysfs, %d in the dump", s1.n, r.ndevs);

	gen = r.ndevs ? r.devs[0].val[PCIPASS_A_DEV_GENERATION] : 0;
	for (i = 0; i < r.ndevs; i++) {
		const struct pp_dev *d = &r.devs[i];
		const char *bdf = d->str[PCIPASS_A_DEV_BDF];

		if (i && bdf_cmp(r.devs[i - 1].str[PCIPASS_A_DEV_BDF], bdf) >= 0) {
			TH_LOG("dump not sorted: %s after %s", bdf,
			       r.devs[i - 1].str[PCIPASS_A_DEV_BDF]);
			nfail++;
		}
		if (d->val[PCIPASS_A_DEV_GENERATION] != gen) {
			TH_LOG("%s: generation %u, first message had %u", bdf,
			       d->val[PCIPASS_A_DEV_GENERATION], gen);
			nfail++;
		}
		if (!sys_find(&s1, bdf)) {
			TH_LOG("%s: in the dump but not in sysfs", bdf);
			nfail++;
		}
	}

#define CHECK(cond, fmt, ...) do {					\
		if (!(cond)) {						\
			TH_LOG("%s: " fmt, s->bdf, ##__VA_ARGS__);	\
			nfail++;					\
		}							\
	} while (0)
#define CHECK_U(attr, want) do {					\
		CHECK(has(d, attr) && d->val[attr] == (uint32_t)(want),	\
		      "%s: dump %s%#x, sysfs %#lx", dev_attr_name[attr],	\
		      has(d, attr) ? "" : "(absent) ", d->val[attr],	\
		      (long)(want));					\
	} while (0)
#define CHECK_S(attr, want) do {					\
		if ((want)[0])						\
			CHECK(has(d, attr) && !strcmp(d->str[attr], want),	\
			      "%s: dump \"%s\", sysfs \"%s\"",		\
			      dev_attr_name[attr], d->str[attr], want);	\
		else							\
			CHECK(!has(d, attr), "%s: dump \"%s\", sysfs none", \
			      dev_attr_name[attr], d->str[attr]);	\
	} while (0)
#define CHECK_ABSENT(attr)						\
	CHECK(!has(d, attr), "%s present (%#x), sysfs says none",	\
	      dev_attr_name[attr], d->val[attr])

	for (i = 0; i < s1.n; i++) {
		const struct sys_dev *s = &s1.d[i];
		const struct pp_dev *d = find_dev(&r, s->bdf);
		int mf;

		CHECK(d, "in sysfs but not in the dump");
		if (!d)
			continue;
		CHECK_U(PCIPASS_A_DEV_VENDOR, s->vendor);
		CHECK_U(PCIPASS_A_DEV_DEVICE, s->device);
		CHECK_U(PCIPASS_A_DEV_SUBSYSTEM_VENDOR, s->svendor);
		CHECK_U(PCIPASS_A_DEV_SUBSYSTEM_DEVICE, s->sdevice);
		CHECK_U(PCIPASS_A_DEV_CLASS, s->class);
		CHECK_U(PCIPASS_A_DEV_REVISION, s->revision);
		if (s->group >= 0)
			CHECK_U(PCIPASS_A_DEV_GROUP, s->group);
		else
			CHECK_ABSENT(PCIPASS_A_DEV_GROUP);
		CHECK_S(PCIPASS_A_DEV_DRIVER, s->driver);
		CHECK_S(PCIPASS_A_DEV_DRIVER_OVERRIDE, s->override);
		CHECK_S(PCIPASS_A_DEV_UPSTREAM, s->upstream);
		CHECK_S(PCIPASS_A_DEV_PHYSFN, s->physfn);
		if (s->is_pf) {
			CHECK_U(PCIPASS_A_DEV_SRIOV_TOTAL_VFS, s->total_vfs);
			CHECK_U(PCIPASS_A_DEV_SRIOV_NUM_VFS, s->num_vfs);
		} else {
			CHECK_ABSENT(PCIPASS_A_DEV_SRIOV_TOTAL_VFS);
			CHECK_ABSENT(PCIPASS_A_DEV_SRIOV_NUM_VFS);
		}
		if (s->numa >= 0)
			CHECK_U(PCIPASS_A_DEV_NUMA_NODE, s->numa);
		else
			CHECK_ABSENT(PCIPASS_A_DEV_NUMA_NODE);
		if (s->hdr >= 0) {
			CHECK_U(PCIPASS_A_DEV_BRIDGE, sys_is_bridge(s));
			/*
			 * The header bit, or fn > 0 as pci_scan_slot() marks
			 * it. VFs start at 0 (pci_iov_add_virtfn()), but a
			 * later slot rescan through the PF's ARI next-function
			 * chain sets it on the first VF (seen in the sriov
			 * lab on 6.1 and 6.12): sysfs can't tell, skip them.
			 */
			mf = (s->hdr & 0x80) || pci_func(s->bdf) > 0;
			if (!s->physfn[0])
				CHECK_U(PCIPASS_A_DEV_MULTIFUNCTION, mf);
		}
		if (s->pcie_type >= 0)
			CHECK_U(PCIPASS_A_DEV_PCIE_TYPE, s->pcie_type);
		else if (s->pcie_type == -1)
			CHECK_ABSENT(PCIPASS_A_DEV_PCIE_TYPE);
		CHECK(has(d, PCIPASS_A_DEV_ACS_CAP) ==
		      has(d, PCIPASS_A_DEV_ACS_CTRL),
		      "acs-cap and acs-ctrl must come together");
		for (t = PCIPASS_A_DEV_BRIDGE; t <= PCIPASS_A_DEV_MULTIFUNCTION; t++)
			if (dev_kind[t] == PP_U8 && t != PCIPASS_A_DEV_PCIE_TYPE)
				CHECK(d->val[t] <= 1, "%s is %u, not 0/1",
				      dev_attr_name[t], d->val[t]);
	}
	TH_LOG("%d mismatches", nfail);
	EXPECT_EQ(s1.n, r.ndevs);
	EXPECT_EQ(0, nfail);
	sys_free(&s1);
	sys_free(&s2);
	pp_result_free(&r);
}

/* The group dump equals /sys/kernel/iommu_groups, viable follows the rule. */
TEST_F_TIMEOUT(pcipass, groups_match_sysfs, 120)
{
	struct pp_result r = {}, rd = {};
	struct sys_group *sg = NULL;
	struct sys_snap snap = {};
	int i, j, nsg = 0, try, nfail = 0;

	if (!have_iommu_groups()) {
		/* nothing to compare, but the dump must be empty then */
		ASSERT_EQ(0, pp_dump(self->family, PCIPASS_CMD_GROUP_GET,
				     PP_BIG_RCV, 0, &r));
		ASSERT_STREQ("", r.bad);
		ASSERT_EQ(0, r.error);
		ASSERT_EQ(0, r.ngroups);
		pp_result_free(&r);
		SKIP(return, "no IOMMU groups (" SYS_GROUPS " is empty)");
	}

	for (try = 0; try < 5; try++) {
		struct sys_snap s2 = {};
		bool same;

		ASSERT_EQ(0, sys_snapshot(&snap));
		nsg = sys_groups(&sg);
		ASSERT_EQ(0, pp_dump(self->family, PCIPASS_CMD_GROUP_GET,
				     PP_BIG_RCV, 0, &r));
		ASSERT_EQ(0, pp_dump(self->family, PCIPASS_CMD_DEV_GET,
				     PP_BIG_RCV, 0, &rd));
		ASSERT_EQ(0, sys_snapshot(&s2));
		same = sys_equal(&snap, &s2);
		sys_free(&s2);
		if (same && !r.intr && !rd.intr && r.ngroups &&
		    rd.ndevs && r.groups[0].generation ==
		    rd.devs[0].val[PCIPASS_A_DEV_GENERATION])
			break;
		TH_LOG("topology changed during the snapshot, retrying");
		sys_free(&snap);
		free(sg);
		sg = NULL;
		pp_result_free(&r);
		pp_result_free(&rd);
	}
	ASSERT_LT(try, 5);
	ASSERT_STREQ("", r.bad);
	ASSERT_STREQ("", rd.bad);
	ASSERT_EQ(0, r.error);
	ASSERT_TRUE(r.done);
	TH_LOG("%d groups in sysfs, %d in the dump", nsg, r.ngroups);

	for (i = 0; i < r.ngroups; i++) {
		const struct pp_group *g = &r.groups[i];
		bool viable = true;

		if (i && r.groups[i - 1].id >= g->id) {
			TH_LOG("group dump not ascending: %u after %u", g->id,
			       r.groups[i - 1].id);
			nfail++;
		}
		if (g->generation != r.groups[0].generation) {
			TH_LOG("group %u: generation %u, first had %u", g->id,
			       g->generation, r.groups[0].generation);
			nfail++;
		}
		for (j = 0; j < g->nmembers; j++) {
			const struct sys_dev *s = sys_find(&snap, g->member[j]);
			const struct pp_dev *d = find_dev(&rd, g->member[j]);

			if (!s) {
				TH_LOG("group %u: member %s not in sysfs",
				       g->id, g->member[j]);
				nfail++;
				continue;
			}
			if (!d || !has(d, PCIPASS_A_DEV_GROUP) ||
			    d->val[PCIPASS_A_DEV_GROUP] != g->id) {
				TH_LOG("group %u: member %s, but its dev record says otherwise",
				       g->id, g->member[j]);
				nfail++;
			}
			/* vfio's rule: driver_managed_dma, bridges too. */
			if (s->driver[0] && strcmp(s->driver, "vfio-pci") &&
			    strcmp(s->driver, "pci-stub") &&
			    strcmp(s->driver, "pcieport"))
				viable = false;
		}
		if (g->viable != viable) {
			TH_LOG("group %u: viable %u, expected %u", g->id,
			       g->viable, viable);
			nfail++;
		}
	}

	for (i = 0; i < nsg; i++) {
		const struct pp_group *g = NULL;
		struct pp_group want = {};
		char why[256];

		for (j = 0; j < r.ngroups; j++)
			if (r.groups[j].id == sg[i].id)
				g = &r.groups[j];
		if (!g) {
			TH_LOG("group %ld in sysfs but not in the dump",
			       sg[i].id);
			nfail++;
			continue;
		}
		want = *g;
		want.nmembers = sg[i].n;
		memcpy(want.member, sg[i].member, sg[i].n * PP_BDF_SZ);
		if (group_diff(g, &want, true, why, sizeof(why))) {
			TH_LOG("dump vs sysfs: %s", why);
			nfail++;
		}
	}
	EXPECT_EQ(nsg, r.ngroups);
	EXPECT_EQ(0, nfail);
	sys_free(&snap);
	free(sg);
	pp_result_free(&r);
	pp_result_free(&rd);
}

/* ---------------------------------------------------------------------
 * b. ACS
 */

struct lspci_acs {
	char bdf[PP_BDF_SZ];
	int cap, ctl;		/* -1 when the line is missing */
};

static int lspci_bits(const char *line)
{
	static const char *const names[] = {
		"SrcValid", "TransBlk", "ReqRedir", "CmpltRedir",
		"UpstreamFwd", "EgressCtrl", "DirectTrans",
	};
	int bit, v = 0;

	for (bit = 0; bit < 7; bit++) {
		const char *p = strstr(line, names[bit]);

		if (!p)
			return -1;
		p += strlen(names[bit]);
		if (*p == '+')
			v |= 1 << bit;
		else if (*p != '-')
			return -1;
	}
	return v;
}

/* Every function lspci shows an ACS capability for. */
static int lspci_acs_scan(struct lspci_acs **out)
{
	struct lspci_acs *v = NULL, *cur = NULL;
	char line[1024], bdf[PP_BDF_SZ] = "";
	int n = 0, cap = 0;
	FILE *f;

	f = popen("lspci -D -n -vvv 2>/dev/null", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!isspace((unsigned char)line[0])) {
			snprintf(bdf, sizeof(bdf), "%.*s",
				 (int)strcspn(line, " \t\n"), line);
			if (!is_bdf(bdf))
				bdf[0] = '\0';
			cur = NULL;
			continue;
		}
		if (!bdf[0])
			continue;
		if (strstr(line, "ACSCap:") || strstr(line, "ACSCtl:")) {
			if (!cur) {
				if (n == cap) {
					cap = cap ? 2 * cap : 32;
					v = realloc(v, cap * sizeof(*v));
					if (!v)
						abort();
				}
				cur = &v[n++];
				scpy(cur->bdf, sizeof(cur->bdf), bdf);
				cur->cap = cur->ctl = -1;
			}
			if (strstr(line, "ACSCap:"))
				cur->cap = lspci_bits(line);
			else
				cur->ctl = lspci_bits(line);
		}
	}
	if (pclose(f)) {
		free(v);
		return -EIO;
	}
	*out = v;
	return n;
}

static bool have_lspci(void)
{
	return !system("command -v lspci >/dev/null 2>&1");
}

TEST_F_TIMEOUT(pcipass, acs_matches_lspci, 180)
{
	struct lspci_acs *acs = NULL;
	struct pp_result r = {};
	int i, j, n, nfail = 0, nacs = 0;

	if (geteuid())
		SKIP(return, "needs root: lspci reads extended config space");
	if (!have_lspci())
		SKIP(return, "lspci not installed");

	ASSERT_EQ(0, pp_dump(self->family, PCIPASS_CMD_DEV_GET, PP_BIG_RCV,
			     0, &r));
	ASSERT_STREQ("", r.bad);
	ASSERT_EQ(0, r.error);
	n = lspci_acs_scan(&acs);
	ASSERT_LE(0, n) TH_LOG("lspci failed");

	for (i = 0; i < r.ndevs; i++) {
		const struct pp_dev *d = &r.devs[i];
		const char *bdf = d->str[PCIPASS_A_DEV_BDF];
		const struct lspci_acs *l = NULL;

		for (j = 0; j < n; j++)
			if (!strcmp(acs[j].bdf, bdf))
				l = &acs[j];
		if (!has(d, PCIPASS_A_DEV_ACS_CAP)) {
			if (l) {
				TH_LOG("%s: lspci shows ACS, the dump has no acs-cap",
				       bdf);
				nfail++;
			}
			continue;
		}
		nacs++;
		if (!l) {
			TH_LOG("%s: acs-cap %#x but lspci shows no ACS", bdf,
			       d->val[PCIPASS_A_DEV_ACS_CAP]);
			nfail++;
			continue;
		}
		if (l->cap != (int)(d->val[PCIPASS_A_DEV_ACS_CAP] & ACS_LSPCI_MASK)) {
			TH_LOG("%s: acs-cap %#x, lspci ACSCap %#x", bdf,
			       d->val[PCIPASS_A_DEV_ACS_CAP], l->cap);
			nfail++;
		}
		if (!has(d, PCIPASS_A_DEV_ACS_CTRL) ||
		    l->ctl != (int)(d->val[PCIPASS_A_DEV_ACS_CTRL] & ACS_LSPCI_MASK)) {
			TH_LOG("%s: acs-ctrl %#x, lspci ACSCtl %#x", bdf,
			       d->val[PCIPASS_A_DEV_ACS_CTRL], l->ctl);
			nfail++;
		}
	}
	for (j = 0; j < n; j++) {
		if (!find_dev(&r, acs[j].bdf)) {
			TH_LOG("%s: lspci shows ACS, not in the dump",
			       acs[j].bdf);
			nfail++;
		}
	}
	TH_LOG("%d functions with ACS in the dump, %d per lspci", nacs, n);
	free(acs);
	pp_result_free(&r);
	EXPECT_EQ(0, nfail);
	if (!nacs && !nfail)
		SKIP(return, "no function has an ACS capability");
}

/*
 * acs-isolated follows pci_acs_enabled() without quirks, and
 * acs-path-isolated is acs-isolated of the function and of every bridge
 * above it.
 */
TEST_F(pcipass, acs_isolation_rules)
{
	struct pp_result r = {};
	int i, nfail = 0;

	ASSERT_EQ(0, quiet_dump(self->family, PCIPASS_CMD_DEV_GET, PP_BIG_RCV,
				0, &r));
	ASSERT_STREQ("", r.bad);
	ASSERT_EQ(0, r.error);

	for (i = 0; i < r.ndevs; i++) {
		const struct pp_dev *d = &r.devs[i], *up;
		const char *bdf = d->str[PCIPASS_A_DEV_BDF];
		int want = expected_acs_isolated(d);
		int want_path;
		int hops;

		if ((int)d->val[PCIPASS_A_DEV_ACS_ISOLATED] != want) {
			TH_LOG("%s: acs-isolated %u, expected %d (pcie-type %d, multifunction %u, acs-cap %#x, acs-ctrl %#x)",
			       bdf, d->val[PCIPASS_A_DEV_ACS_ISOLATED], want,
			       has(d, PCIPASS_A_DEV_PCIE_TYPE) ?
			       (int)d->val[PCIPASS_A_DEV_PCIE_TYPE] : -1,
			       d->val[PCIPASS_A_DEV_MULTIFUNCTION],
			       d->val[PCIPASS_A_DEV_ACS_CAP],
			       d->val[PCIPASS_A_DEV_ACS_CTRL]);
			nfail++;
		}
		want_path = d->val[PCIPASS_A_DEV_ACS_ISOLATED];
		for (up = d, hops = 0; want_path && has(up, PCIPASS_A_DEV_UPSTREAM) &&
		     hops < 64; hops++) {
			up = find_dev(&r, up->str[PCIPASS_A_DEV_UPSTREAM]);
			if (!up) {
				TH_LOG("%s: upstream %s not in the dump", bdf,
				       d->str[PCIPASS_A_DEV_UPSTREAM]);
				nfail++;
				break;
			}
			want_path = up->val[PCIPASS_A_DEV_ACS_ISOLATED];
		}
		if (up && (int)d->val[PCIPASS_A_DEV_ACS_PATH_ISOLATED] != want_path) {
			TH_LOG("%s: acs-path-isolated %u, expected %d", bdf,
			       d->val[PCIPASS_A_DEV_ACS_PATH_ISOLATED],
			       want_path);
			nfail++;
		}
	}
	pp_result_free(&r);
	EXPECT_EQ(0, nfail);
}

/* ---------------------------------------------------------------------
 * c, d. Dumps larger than one datagram, and resuming
 */

static void check_sorted_complete(struct __test_metadata *_metadata,
				  const struct pp_result *r,
				  const struct sys_snap *s)
{
	int i, n = r->ndevs < s->n ? r->ndevs : s->n;

	for (i = 1; i < r->ndevs; i++)
		ASSERT_GT(0, bdf_cmp(r->devs[i - 1].str[PCIPASS_A_DEV_BDF],
				     r->devs[i].str[PCIPASS_A_DEV_BDF]))
			TH_LOG("not strictly ascending: %s then %s",
			       r->devs[i - 1].str[PCIPASS_A_DEV_BDF],
			       r->devs[i].str[PCIPASS_A_DEV_BDF]);
	for (i = 0; i < n; i++)
		ASSERT_STREQ(s->d[i].bdf, r->devs[i].str[PCIPASS_A_DEV_BDF])
			TH_LOG("function #%d: sysfs and dump disagree", i);
	ASSERT_EQ(s->n, r->ndevs);
}

static void dump_small(struct __test_metadata *_metadata,
		       FIXTURE_DATA(pcipass) *self, int min_funcs)
{
	struct pp_result r = {}, big = {};
	struct sys_snap s = {};
	char why[256];
	int ret;

	ASSERT_EQ(0, sys_snapshot(&s));
	if (s.n < min_funcs) {
		int n = s.n;

		sys_free(&s);
		SKIP(return, "only %d PCI functions, need %d (sriov topology after sriov_numvfs=127)",
		     n, min_funcs);
	}
	ret = quiet_dump(self->family, PCIPASS_CMD_DEV_GET, PP_SMALL_RCV, 0, &r);
	ASSERT_DUMP_OK(ret, &r);
	TH_LOG("%d functions: %zu bytes in %d datagrams (%d with data) of at most %d bytes",
	       r.ndevs, r.bytes, r.nrecv, r.ndata, PP_SMALL_RCV);
	if (s.n < 100)
		TH_LOG("fewer than 100 functions: dump_over_100 covers the big case");
	/* no datagram exceeds the buffer (pp_recv() fails on MSG_TRUNC) */
	if (r.bytes > PP_SMALL_RCV)
		ASSERT_LE(2, r.ndata);
	if (r.ndata < 2)
		TH_LOG("the whole dump fit in one datagram: no resume tested here");
	check_sorted_complete(_metadata, &r, &s);

	ret = quiet_dump(self->family, PCIPASS_CMD_DEV_GET, PP_BIG_RCV, 0, &big);
	ASSERT_DUMP_OK(ret, &big);
	ASSERT_FALSE(devs_diff(&r, &big, true, why, sizeof(why)))
		TH_LOG("4 KiB vs 32 KiB recv buffer: %s", why);
	sys_free(&s);
	pp_result_free(&r);
	pp_result_free(&big);
}

TEST_F_TIMEOUT(pcipass, dump_spans_messages, 120)
{
	dump_small(_metadata, self, 0);
}

TEST_F_TIMEOUT(pcipass, dump_over_100, 300)
{
	struct pp_result g = {};
	int ret;

	dump_small(_metadata, self, 100);
	if (_metadata->exit_code == KSFT_SKIP || _metadata->exit_code)
		return;
	/* the group dump of that many groups spans datagrams too */
	ret = quiet_dump(self->family, PCIPASS_CMD_GROUP_GET, PP_SMALL_RCV, 0, &g);
	ASSERT_DUMP_OK(ret, &g);
	TH_LOG("%d groups in %d datagrams", g.ngroups, g.ndata);
	if (have_iommu_groups()) {
		struct sys_group *sg;
		int nsg = sys_groups(&sg);

		free(sg);
		ASSERT_EQ(nsg, g.ngroups);
	}
	pp_result_free(&g);
}

TEST_F_TIMEOUT(pcipass, dump_resumes, 180)
{
	struct pp_result r = {}, big = {}, g = {}, gbig = {};
	struct sys_snap s = {};
	char why[256];
	int i, ret;

	ASSERT_EQ(0, sys_snapshot(&s));
	/*
	 * A 1-byte SO_RCVBUF becomes the kernel's minimum: it then queues
	 * one skb at a time and refills from recvmsg(), so the dump stops
	 * and resumes at every datagram.
	 */
	ret = quiet_dump(self->family, PCIPASS_CMD_DEV_GET, PP_SMALL_RCV, 1, &r);
	ASSERT_DUMP_OK(ret, &r);
	TH_LOG("%d functions in %d datagrams", r.ndevs, r.ndata);
	check_sorted_complete(_metadata, &r, &s);
	ret = quiet_dump(self->family, PCIPASS_CMD_DEV_GET, PP_BIG_RCV, 0, &big);
	ASSERT_DUMP_OK(ret, &big);
	ASSERT_FALSE(devs_diff(&r, &big, true, why, sizeof(why)))
		TH_LOG("tiny vs default socket buffer: %s", why);

	ret = quiet_dump(self->family, PCIPASS_CMD_GROUP_GET, PP_SMALL_RCV, 1, &g);
	ASSERT_DUMP_OK(ret, &g);
	ret = quiet_dump(self->family, PCIPASS_CMD_GROUP_GET, PP_BIG_RCV, 0, &gbig);
	ASSERT_DUMP_OK(ret, &gbig);
	TH_LOG("%d groups in %d datagrams", g.ngroups, g.ndata);
	ASSERT_EQ(gbig.ngroups, g.ngroups);
	for (i = 0; i < g.ngroups; i++) {
		if (i)
			ASSERT_LT(g.groups[i - 1].id, g.groups[i].id);
		ASSERT_FALSE(group_diff(&g.groups[i], &gbig.groups[i], true,
					why, sizeof(why)))
			TH_LOG("tiny vs default socket buffer: %s", why);
	}
	sys_free(&s);
	pp_result_free(&r);
	pp_result_free(&big);
	pp_result_free(&g);
	pp_result_free(&gbig);
}

/* ---------------------------------------------------------------------
 * e. NLM_F_DUMP_INTR under bind/unbind churn
 */

static const char *const churn_drivers[] = {
	"e1000e", "e1000", "nvme", "snd_hda_intel", "xhci_hcd",
};

static int churn_pick(FIXTURE_DATA(pcipass) *self, const struct sys_snap *s)
{
	const char *env = getenv("PCIPASS_CHURN_BDF");
	size_t k;
	int i;

	self->nchurn = 0;
	if (env && *env) {
		char *copy = strdup(env), *tok, *save = NULL;

		for (tok = strtok_r(copy, ",", &save);
		     tok && self->nchurn < PP_MAX_CHURN;
		     tok = strtok_r(NULL, ",", &save)) {
			const struct sys_dev *d = sys_find(s, tok);

			if (!d || !d->driver[0]) {
				free(copy);
				return -ENODEV;
			}
			scpy(self->churn_bdf[self->nchurn], PP_BDF_SZ, tok);
			scpy(self->churn_drv[self->nchurn++], PP_STR_SZ, d->driver);
		}
		free(copy);
	} else {
		for (k = 0; k < sizeof(churn_drivers) / sizeof(churn_drivers[0]); k++)
			for (i = 0; i < s->n && self->nchurn < 2; i++)
				if (!strcmp(s->d[i].driver, churn_drivers[k])) {
					scpy(self->churn_bdf[self->nchurn],
						 PP_BDF_SZ, s->d[i].bdf);
					scpy(self->churn_drv[self->nchurn++],
						 PP_STR_SZ, s->d[i].driver);
				}
	}
	/*
	 * Ascending BDF, so the dump reads them in unbind order: a dump
	 * that saw the first one bound and the second one unbound mixed
	 * two states, which no quiescent snapshot shows.
	 */
	for (i = 1; i < self->nchurn; i++) {
		int j;

		for (j = i; j > 0 && bdf_cmp(self->churn_bdf[j - 1],
					     self->churn_bdf[j]) > 0; j--) {
			char tb[PP_BDF_SZ], td[PP_STR_SZ];

			memcpy(tb, self->churn_bdf[j], PP_BDF_SZ);
			memcpy(td, self->churn_drv[j], PP_STR_SZ);
			memcpy(self->churn_bdf[j], self->churn_bdf[j - 1], PP_BDF_SZ);
			memcpy(self->churn_drv[j], self->churn_drv[j - 1], PP_STR_SZ);
			memcpy(self->churn_bdf[j - 1], tb, PP_BDF_SZ);
			memcpy(self->churn_drv[j - 1], td, PP_STR_SZ);
		}
	}
	return self->nchurn;
}

static int churn_op(FIXTURE_DATA(pcipass) *self, int i, bool bind)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/%s",
		 self->churn_drv[i], bind ? "bind" : "unbind");
	return write_str(path, self->churn_bdf[i]);
}

/*
 * Shared with the churn child. State k has the first k churned functions
 * unbound. The parent asks for a pause in state k by setting @pause to
 * k + 1: the child stops the next time it reaches that state, sets
 * @paused to k + 1, and goes on once @pause changes (or the churn stops).
 * Two pauses in a row always ask for different states.
 */
struct churn_ctl {
	long cycles;		/* bind/unbind cycles completed */
	long errors;		/* sysfs writes that failed */
	int pause;
	int paused;
};

static void churn_pause_point(FIXTURE_DATA(pcipass) *self,
			      struct churn_ctl *c, int state)
{
	if (__atomic_load_n(&c->pause, __ATOMIC_SEQ_CST) != state + 1)
		return;
	__atomic_store_n(&c->paused, state + 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&c->pause, __ATOMIC_SEQ_CST) == state + 1 &&
	       !__atomic_load_n(self->churn_stop, __ATOMIC_SEQ_CST))
		usleep(1000);
	__atomic_store_n(&c->paused, 0, __ATOMIC_SEQ_CST);
}

/* Unbind 0..n-1, then bind n-1..0: every state is "the first k unbound". */
static void churn_child(FIXTURE_DATA(pcipass) *self, struct churn_ctl *c)
{
	int i;

	while (!__atomic_load_n(self->churn_stop, __ATOMIC_SEQ_CST)) {
		for (i = 0; i < self->nchurn; i++) {
			if (churn_op(self, i, false))
				__atomic_add_fetch(&c->errors, 1, __ATOMIC_SEQ_CST);
			churn_pause_point(self, c, i + 1);
		}
		for (i = self->nchurn - 1; i >= 0; i--) {
			if (churn_op(self, i, true))
				__atomic_add_fetch(&c->errors, 1, __ATOMIC_SEQ_CST);
			churn_pause_point(self, c, i);
		}
		__atomic_add_fetch(&c->cycles, 1, __ATOMIC_SEQ_CST);
	}
	_exit(0);
}

/*
 * Dumps while the churn runs must each carry NLM_F_DUMP_INTR or equal
 * one of the quiescent states. How many are interrupted depends on the
 * timing, and all of them may be; so the churn is also paused every
 * CHURN_PAUSE_EVERY dumps, in each state by turns, and a dump taken in
 * the pause must complete and equal that state. The run is bounded by
 * counts: CHURN_DUMPS dumps under churn, spanning CHURN_CYCLES cycles,
 * and a pause in every state. CHURN_SAFETY_S only stops a run that
 * cannot get there, and fails it.
 */
#define CHURN_DUMPS		200
#define CHURN_CYCLES		10
#define CHURN_PAUSE_EVERY	20
#define CHURN_SAFETY_S		300

TEST_F_TIMEOUT(pcipass, dump_intr_under_churn, 400)
{
	struct pp_result snap[PP_MAX_CHURN + 1] = {}, r = {};
	int nsame[PP_MAX_CHURN + 1] = {}, npaused[PP_MAX_CHURN + 1] = {};
	int i, k, ret, ndumps = 0, nintr = 0, nbad = 0, nchurn, npauses = 0;
	int nbusy = 0;
	int want = 0, next_pause = CHURN_PAUSE_EVERY, ncompared;
	struct sys_snap s = {};
	struct churn_ctl *ctl;
	bool capped = false;
	long cycles;
	double start, secs;
	char why[256];

	if (geteuid())
		SKIP(return, "needs root to unbind and bind drivers");
	ASSERT_EQ(0, sys_snapshot(&s));
	ret = churn_pick(self, &s);
	sys_free(&s);
	ASSERT_LE(0, ret) TH_LOG("PCIPASS_CHURN_BDF names a function that is absent or unbound");
	if (!ret)
		SKIP(return, "no function bound to e1000e/e1000/nvme/snd_hda_intel/xhci_hcd; set PCIPASS_CHURN_BDF");
	for (i = 0; i < self->nchurn; i++)
		TH_LOG("churning %s (%s)", self->churn_bdf[i], self->churn_drv[i]);

	/* Quiescent snapshots: state k has the first k functions unbound. */
	for (k = 0; k <= self->nchurn; k++) {
		if (k)
			ASSERT_EQ(0, churn_op(self, k - 1, false));
		ret = quiet_dump(self->family, PCIPASS_CMD_DEV_GET, PP_BIG_RCV,
				 0, &snap[k]);
		ASSERT_DUMP_OK(ret, &snap[k]);
		if (k) {
			const struct pp_dev *d = find_dev(&snap[k],
							  self->churn_bdf[k - 1]);

			ASSERT_TRUE(d && !has(d, PCIPASS_A_DEV_DRIVER))
				TH_LOG("%s still reported bound after unbind",
				       self->churn_bdf[k - 1]);
			ASSERT_NE(snap[k - 1].devs[0].val[PCIPASS_A_DEV_GENERATION],
				  snap[k].devs[0].val[PCIPASS_A_DEV_GENERATION])
				TH_LOG("generation unchanged by an unbind");
		}
	}
	for (k = self->nchurn - 1; k >= 0; k--)
		ASSERT_EQ(0, churn_op(self, k, true));
	ret = quiet_dump(self->family, PCIPASS_CMD_DEV_GET, PP_BIG_RCV, 0, &r);
	ASSERT_DUMP_OK(ret, &r);
	ASSERT_NE(snap[self->nchurn].devs[0].val[PCIPASS_A_DEV_GENERATION],
		  r.devs[0].val[PCIPASS_A_DEV_GENERATION])
		TH_LOG("generation unchanged by a bind");
	ASSERT_FALSE(devs_diff(&r, &snap[0], true, why, sizeof(why)))
		TH_LOG("after rebinding: %s", why);
	pp_result_free(&r);

	ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ctl);
	memset(ctl, 0, sizeof(*ctl));
	self->churn_stop = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->churn_stop);
	*self->churn_stop = 0;
	self->churn_pid = fork();
	ASSERT_LE(0, self->churn_pid);
	if (!self->churn_pid)
		churn_child(self, ctl);

	start = now();
	for (;;) {
		cycles = __atomic_load_n(&ctl->cycles, __ATOMIC_SEQ_CST);
		if (ndumps >= CHURN_DUMPS && cycles >= CHURN_CYCLES &&
		    npauses > self->nchurn)
			break;
		if (now() - start > CHURN_SAFETY_S) {
			capped = true;
			break;
		}
		if (!want && ndumps >= next_pause) {
			want = npauses % (self->nchurn + 1) + 1;
			__atomic_store_n(&ctl->pause, want, __ATOMIC_SEQ_CST);
		}
		if (want && __atomic_load_n(&ctl->paused, __ATOMIC_SEQ_CST) == want) {
			/* The churn holds still in state want - 1. */
			k = want - 1;
			ret = quiet_dump(self->family, PCIPASS_CMD_DEV_GET,
					 PP_SMALL_RCV, 1, &r);
			__atomic_store_n(&ctl->pause, 0, __ATOMIC_SEQ_CST);
			ASSERT_NE(-EAGAIN, ret)
				TH_LOG("dump in pause #%d, %d function(s) unbound: NLM_F_DUMP_INTR on every try while the churn held still",
				       npauses + 1, k);
			ASSERT_EQ(0, ret) TH_LOG("dump in pause #%d: %s",
						 npauses + 1, strerror(-ret));
			ASSERT_STREQ("", r.bad);
			ASSERT_EQ(0, r.error) TH_LOG("dump in pause #%d: error %s (%s)",
						     npauses + 1, strerror(-r.error), r.msg);
			ASSERT_TRUE(r.done);
			npauses++;
			if (devs_diff(&r, &snap[k], true, why, sizeof(why))) {
				if (nbad++ < 5)
					TH_LOG("dump in pause #%d differs from the state with %d function(s) unbound: %s",
					       npauses, k, why);
			} else {
				npaused[k]++;
			}
			pp_result_free(&r);
			want = 0;
			next_pause = ndumps + CHURN_PAUSE_EVERY;
			continue;
		}
		/* one skb at a time: the dump spans the churn more often */
		ret = pp_dump(self->family, PCIPASS_CMD_DEV_GET, PP_SMALL_RCV,
			      1, &r);
		ASSERT_EQ(0, ret) TH_LOG("dump #%d: %s", ndumps, strerror(-ret));
		ASSERT_STREQ("", r.bad);
		ASSERT_EQ(0, r.error) TH_LOG("dump #%d: error %s (%s)", ndumps,
					     strerror(-r.error), r.msg);
		ASSERT_TRUE(r.done);
		ndumps++;
		if (r.intr) {
			nintr++;
		} else if (r.nunknown) {
			/*
			 * A probe or remove in progress held a device lock
			 * (6.1): the dump says so, in place of the override,
			 * and is no quiescent state to compare.
			 */
			nbusy++;
		} else {
			for (k = 0; k <= self->nchurn; k++)
				if (!devs_diff(&r, &snap[k], true, why, sizeof(why)))
					break;
			if (k <= self->nchurn) {
				nsame[k]++;
			} else {
				devs_diff(&r, &snap[0], true, why, sizeof(why));
				if (nbad++ < 5)
					TH_LOG("dump #%d matches no quiescent state and has no NLM_F_DUMP_INTR; vs all bound: %s",
					       ndumps, why);
			}
		}
		pp_result_free(&r);
	}
	__atomic_store_n(&ctl->pause, 0, __ATOMIC_SEQ_CST);
	secs = now() - start;
	nchurn = self->nchurn;
	churn_stop(_metadata, self);
	cycles = ctl->cycles;

	ncompared = ndumps - nintr - nbusy + npauses;
	TH_LOG("%d dumps under churn in %.1f s, during %ld bind/unbind cycles (%ld failed writes): %d interrupted (NLM_F_DUMP_INTR), %d with a driver-override-unknown (a probe or remove in progress), %d complete and compared",
	       ndumps, secs, cycles, ctl->errors, nintr, nbusy,
	       ndumps - nintr - nbusy);
	TH_LOG("%d pauses of the churn, a complete dump compared in each; %d compared dumps in all, %d inconsistent",
	       npauses, ncompared, nbad);
	for (k = 0; k <= nchurn; k++)
		TH_LOG("  state with %d function(s) unbound: %d dumps under churn and %d in pauses identical to it",
		       k, nsame[k], npaused[k]);
	if (ndumps && nintr == ndumps)
		TH_LOG("every dump under churn overlapped a change: only the dumps in pauses were compared");
	EXPECT_FALSE(capped)
		TH_LOG("safety stop after %d s: %d of %d dumps under churn, %ld of %d cycles, %d of %d pauses",
		       CHURN_SAFETY_S, ndumps, CHURN_DUMPS, cycles, CHURN_CYCLES,
		       npauses, nchurn + 1);
	EXPECT_LT(0, ncompared)
		TH_LOG("no complete, uninterrupted dump was compared");
	EXPECT_EQ(0, nbad);
	EXPECT_EQ(0, ctl->errors);
	munmap(ctl, sizeof(*ctl));
	for (k = 0; k <= PP_MAX_CHURN; k++)
		pp_result_free(&snap[k]);
}

/*
 * One datagram of the dev dump requested with @seq into @r. Returns 1 when
 * it ended the dump, 0 when more follow, or -errno.
 */
static int recv_datagram(int fd, int family, uint32_t seq, struct pp_result *r)
{
	static char buf[PP_SMALL_RCV];
	const struct nlmsghdr *nlh;
	int len;

	len = recv(fd, buf, sizeof(buf), MSG_TRUNC);
	if (len < 0)
		return -errno;
	if (len > (int)sizeof(buf))
		return -EMSGSIZE;
	r->nrecv++;
	for (nlh = (void *)buf; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
		if (nlh->nlmsg_seq != seq)
			continue;
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			r->intr = true;
		if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
			int err = 0;

			if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
				memcpy(&err, NLMSG_DATA(nlh), sizeof(int));
			r->error = err;
			r->done = nlh->nlmsg_type == NLMSG_DONE;
			return 1;
		}
		if (nlh->nlmsg_type == family)
			parse_dev(r, nlh);
	}
	return 0;
}

/* A dev dump on a socket that holds one datagram at a time; its seq. */
static int tiny_dump_start(int family, uint32_t *seq)
{
	struct pp_req q;
	int fd;

	fd = pp_nl_socket(1);
	if (fd < 0)
		return fd;
	req_init(&q, family, NLM_F_DUMP, PCIPASS_CMD_DEV_GET);
	if (send(fd, &q.nlh, q.nlh.nlmsg_len, 0) != (ssize_t)q.nlh.nlmsg_len) {
		close(fd);
		return -EIO;
	}
	*seq = q.nlh.nlmsg_seq;
	return fd;
}

/*
 * A function removed through sysfs while a reader is part way through a
 * dump: the rest of the dump leaves it out (its config space may be gone
 * with a host bridge driver's state) and is flagged NLM_F_DUMP_INTR.
 */
TEST_F_TIMEOUT(pcipass, dump_skips_removed, 180)
{
	struct pp_result map = {}, r = {};
	char victim[PP_BDF_SZ] = "", drv[PP_STR_SZ] = "", path[PATH_MAX];
	struct sys_snap s = {};
	int fd, ret, i, k, n = 0;
	int dgram[4096];
	uint32_t seq;
	size_t c;

	if (geteuid())
		SKIP(return, "needs root: removes a function through sysfs");
	ASSERT_EQ(0, sys_snapshot(&s));

	/* Which datagram each function comes in. */
	fd = tiny_dump_start(self->family, &seq);
	ASSERT_LE(0, fd);
	do {
		k = map.ndevs;
		ret = recv_datagram(fd, self->family, seq, &map);
		for (i = k; i < map.ndevs && i < 4096; i++)
			dgram[i] = n;
		n++;
	} while (!ret);
	close(fd);
	ASSERT_EQ(1, ret);
	ASSERT_EQ(0, map.error);

	/*
	 * The kernel builds the first datagram at the request, and each
	 * next one from the recvmsg() that reads the one before: the victim
	 * must come in the second or later. An endpoint on a driver that
	 * comes back with a rescan, not a VF.
	 */
	for (i = map.ndevs - 1; i >= 0 && i < 4096 && dgram[i] >= 1 && !victim[0]; i--) {
		const char *bdf = map.devs[i].str[PCIPASS_A_DEV_BDF];
		const struct sys_dev *d = sys_find(&s, bdf);

		if (!d || sys_is_bridge(d) || d->physfn[0] || d->is_pf)
			continue;
		for (c = 0; c < sizeof(churn_drivers) / sizeof(churn_drivers[0]); c++)
			if (!strcmp(d->driver, churn_drivers[c])) {
				scpy(victim, sizeof(victim), bdf);
				scpy(drv, sizeof(drv), d->driver);
				break;
			}
	}
	pp_result_free(&map);
	sys_free(&s);
	if (!victim[0])
		SKIP(return, "no removable function after the first datagram (%d datagrams)",
		     n);
	TH_LOG("%d datagrams; %s (%s) removed once the first is built", n,
	       victim, drv);

	fd = tiny_dump_start(self->family, &seq);
	ASSERT_LE(0, fd);
	snprintf(path, sizeof(path), SYS_PCI "/%s/remove", victim);
	ret = write_str(path, "1");
	EXPECT_EQ(0, ret) TH_LOG("%s: %s", path, strerror(-ret));
	do
		ret = recv_datagram(fd, self->family, seq, &r);
	while (!ret);
	close(fd);

	/* Put it back before judging. */
	write_str("/sys/bus/pci/rescan", "1");
	snprintf(path, sizeof(path), SYS_PCI "/%s/driver", victim);
	for (k = 0; k < 100 && access(path, F_OK); k++)
		usleep(100 * 1000);
	EXPECT_EQ(0, access(path, F_OK)) TH_LOG("%s not back on %s after a rescan",
						victim, drv);

	EXPECT_EQ(1, ret);
	EXPECT_TRUE(r.done);
	EXPECT_EQ(0, r.error);
	for (i = 0; i < r.ndevs; i++)
		EXPECT_STRNE(victim, r.devs[i].str[PCIPASS_A_DEV_BDF])
			TH_LOG("the removed %s is in the dump after its removal", victim);
	EXPECT_TRUE(r.intr) TH_LOG("the dump is not flagged NLM_F_DUMP_INTR");
	pp_result_free(&r);
}

/* ---------------------------------------------------------------------
 * f. Malformed requests
 */

static const char *absent_bdf(void)
{
	static const char *const cand[] = {
		"0000:ff:1f.7", "0000:fe:1f.7", "ffff:ff:1f.7",
	};
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(cand) / sizeof(cand[0]); i++) {
		snprintf(path, sizeof(path), SYS_PCI "/%s", cand[i]);
		if (access(path, F_OK))
			return cand[i];
	}
	return NULL;
}

static void log_err(struct __test_metadata *_metadata, const char *what,
		    const struct pp_result *r)
{
	TH_LOG("%s: error %d (%s), msg \"%s\"%s, offs %s%u, miss-type %s%u",
	       what, r->error, strerror(-r->error), r->msg,
	       r->has_msg ? "" : " (none)", r->has_offs ? "" : "none/",
	       r->offs, r->has_miss_type ? "" : "none/", r->miss_type);
}

/* Send @q and require @err; @offs >= 0 also requires NLMSGERR_ATTR_OFFS. */
static void expect_err(struct __test_metadata *_metadata, int family,
		       struct pp_req *q, const char *what, int err,
		       bool want_msg, long offs, int miss_type)
{
	struct pp_result r;
	int ret;

	ret = pp_xfer(family, q, PP_BIG_RCV, 0, &r);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", what, strerror(-ret));
	log_err(_metadata, what, &r);
	EXPECT_STREQ("", r.bad) TH_LOG("%s", what);
	EXPECT_EQ(-err, r.error) TH_LOG("%s", what);
	if (want_msg)
		EXPECT_TRUE(r.has_msg && r.msg[0]) TH_LOG("%s: no extack message", what);
	if (offs >= 0) {
		EXPECT_TRUE(r.has_offs) TH_LOG("%s: no NLMSGERR_ATTR_OFFS", what);
		EXPECT_EQ((uint32_t)offs, r.offs) TH_LOG("%s: offset", what);
	}
	if (miss_type >= 0) {
		EXPECT_TRUE(r.has_miss_type) TH_LOG("%s: no NLMSGERR_ATTR_MISS_TYPE", what);
		EXPECT_EQ((uint32_t)miss_type, r.miss_type) TH_LOG("%s: missing type", what);
	}
	pp_result_free(&r);
}

TEST_F(pcipass, dev_get_missing_bdf)
{
	struct pp_req q;

	req_init(&q, self->family, 0, PCIPASS_CMD_DEV_GET);
	expect_err(_metadata, self->family, &q, "dev-get without bdf", EINVAL,
		   false, -1, PCIPASS_A_DEV_BDF);
}

TEST_F(pcipass, dev_get_malformed_bdf)
{
	static const struct {
		const char *bdf;
		int len;	/* payload bytes; -1: strlen + 1 */
		const char *what;
	} cases[] = {
		{ "0000:00:1f.9", -1, "function 9" },
		{ "zzzz:00:00.0", -1, "not hex" },
		{ "0000:00:1f", -1, "too short" },
		{ "", -1, "empty" },
		{ "0000:00:1f.00", -1, "13 characters" },
		{ "000000000:00:1f.0", -1, "over bdf-max-len" },
		{ "0000:00:20.0", -1, "device 0x20" },
		{ "0000:00:1f.0", 12, "no NUL" },
		{ "0000-00:1f.0", -1, "wrong separator" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char what[64];
		struct pp_req q;
		uint32_t off;
		int len = cases[i].len < 0 ? (int)strlen(cases[i].bdf) + 1 :
					     cases[i].len;

		snprintf(what, sizeof(what), "bdf \"%s\" (%s)", cases[i].bdf,
			 cases[i].what);
		req_init(&q, self->family, 0, PCIPASS_CMD_DEV_GET);
		off = req_put(&q, PCIPASS_A_DEV_BDF, cases[i].bdf, len);
		expect_err(_metadata, self->family, &q, what, EINVAL, true,
			   off, -1);
	}
}

TEST_F(pcipass, dev_get_absent_bdf)
{
	const char *bdf = absent_bdf();
	struct pp_req q;

	ASSERT_NE(NULL, bdf);
	req_init(&q, self->family, 0, PCIPASS_CMD_DEV_GET);
	req_put_str(&q, PCIPASS_A_DEV_BDF, bdf);
	expect_err(_metadata, self->family, &q, bdf, ENODEV, true, -1, -1);
}

TEST_F(pcipass, group_get_missing_id)
{
	struct pp_req q;

	req_init(&q, self->family, 0, PCIPASS_CMD_GROUP_GET);
	expect_err(_metadata, self->family, &q, "group-get without id", EINVAL,
		   false, -1, PCIPASS_A_GROUP_ID);
}

TEST_F(pcipass, group_get_unknown_id)
{
	char path[PATH_MAX];
	uint32_t id = 0x7ffffff0;
	struct pp_req q;

	snprintf(path, sizeof(path), SYS_GROUPS "/%u", id);
	ASSERT_NE(0, access(path, F_OK));
	req_init(&q, self->family, 0, PCIPASS_CMD_GROUP_GET);
	req_put_u32(&q, PCIPASS_A_GROUP_ID, id);
	expect_err(_metadata, self->family, &q, "group 0x7ffffff0", ENOENT,
		   true, -1, -1);
}

TEST_F(pcipass, unknown_attribute)
{
	uint32_t zero = 0, off;
	struct pp_req q;

	req_init(&q, self->family, 0, PCIPASS_CMD_DEV_GET);
	req_put_str(&q, PCIPASS_A_DEV_BDF, "0000:00:00.0");
	off = req_put(&q, 200, &zero, sizeof(zero));
	expect_err(_metadata, self->family, &q, "dev-get do, attr 200", EINVAL,
		   true, off, -1);

	req_init(&q, self->family, NLM_F_DUMP, PCIPASS_CMD_DEV_GET);
	off = req_put(&q, 200, &zero, sizeof(zero));
	expect_err(_metadata, self->family, &q, "dev-get dump, attr 200",
		   EINVAL, true, off, -1);

	req_init(&q, self->family, 0, PCIPASS_CMD_GROUP_GET);
	req_put_u32(&q, PCIPASS_A_GROUP_ID, 0);
	off = req_put(&q, 200, &zero, sizeof(zero));
	expect_err(_metadata, self->family, &q, "group-get do, attr 200",
		   EINVAL, true, off, -1);

	req_init(&q, self->family, NLM_F_DUMP, PCIPASS_CMD_GROUP_GET);
	off = req_put(&q, 200, &zero, sizeof(zero));
	expect_err(_metadata, self->family, &q, "group-get dump, attr 200",
		   EINVAL, true, off, -1);
}

TEST_F(pcipass, short_u32)
{
	uint16_t two = 1;
	struct pp_req q;
	uint32_t off;

	req_init(&q, self->family, 0, PCIPASS_CMD_GROUP_GET);
	off = req_put(&q, PCIPASS_A_GROUP_ID, &two, sizeof(two));
	expect_err(_metadata, self->family, &q, "group id with 2 bytes",
		   EINVAL, true, off, -1);
}

TEST_F(pcipass, reserved_field)
{
	struct pp_req q;

	req_init(&q, self->family, NLM_F_DUMP, PCIPASS_CMD_DEV_GET);
	req_genl(&q)->reserved = 1;
	expect_err(_metadata, self->family, &q, "dev-get dump, reserved 1",
		   EINVAL, false, -1, -1);

	req_init(&q, self->family, 0, PCIPASS_CMD_DEV_GET);
	req_genl(&q)->reserved = 0x8000;
	req_put_str(&q, PCIPASS_A_DEV_BDF, "0000:00:00.0");
	expect_err(_metadata, self->family, &q, "dev-get do, reserved 0x8000",
		   EINVAL, false, -1, -1);

	req_init(&q, self->family, NLM_F_DUMP, PCIPASS_CMD_GROUP_GET);
	req_genl(&q)->reserved = 1;
	expect_err(_metadata, self->family, &q, "group-get dump, reserved 1",
		   EINVAL, false, -1, -1);
}

TEST_F(pcipass, unknown_cmd)
{
	struct pp_req q;

	req_init(&q, self->family, 0, 99);
	expect_err(_metadata, self->family, &q, "cmd 99 do", EOPNOTSUPP,
		   false, -1, -1);
	req_init(&q, self->family, NLM_F_DUMP, 99);
	expect_err(_metadata, self->family, &q, "cmd 99 dump", EOPNOTSUPP,
		   false, -1, -1);
}

/* A PCI-to-PCI bridge (root port, switch port): claims refuse bridges. */
static int bridge_bdf(char *bdf, size_t sz)
{
	char path[PATH_MAX], class[32];
	struct dirent *e;
	DIR *d;
	int ret = -ENOENT;

	d = opendir(SYS_PCI);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), SYS_PCI "/%s/class", e->d_name);
		if (!read_str(path, class, sizeof(class)) &&
		    !strncmp(class, "0x0604", 6)) {
			scpy(bdf, sz, e->d_name);
			ret = 0;
			break;
		}
	}
	closedir(d);
	return ret;
}

/* Count and duplicates of bdf in a claim or release: refused up front. */
TEST_F(pcipass, claim_request_bounds)
{
	static const uint8_t cmds[] = { PCIPASS_CMD_CLAIM, PCIPASS_CMD_RELEASE };
	const char *absent = absent_bdf();
	char bridge[PP_BDF_SZ], what[96];
	uint32_t off = 0;
	struct pp_req q;
	size_t c;
	int i;

	if (geteuid())
		SKIP(return, "needs root (CAP_SYS_ADMIN)");
	ASSERT_NE(NULL, absent);
	ASSERT_EQ(0, bridge_bdf(bridge, sizeof(bridge)));
	for (c = 0; c < sizeof(cmds); c++) {
		const char *op = cmds[c] == PCIPASS_CMD_CLAIM ? "claim" : "release";

		/*
		 * One address past the limit: refused at that attribute,
		 * before any is looked up (an absent one would say ENODEV).
		 */
		req_init(&q, self->family, 0, cmds[c]);
		for (i = 0; i <= PCIPASS_CLAIM_MAX_BDFS; i++)
			off = req_put_str(&q, PCIPASS_A_CLAIM_BDF, absent);
		snprintf(what, sizeof(what), "%s of %d addresses", op,
			 PCIPASS_CLAIM_MAX_BDFS + 1);
		expect_err(_metadata, self->family, &q, what, E2BIG, true,
			   off, -1);

		/* A bridge named twice: refused at the second, as a duplicate. */
		req_init(&q, self->family, 0, cmds[c]);
		req_put_str(&q, PCIPASS_A_CLAIM_BDF, bridge);
		off = req_put_str(&q, PCIPASS_A_CLAIM_BDF, bridge);
		snprintf(what, sizeof(what), "%s naming %s twice", op, bridge);
		expect_err(_metadata, self->family, &q, what, EINVAL, true,
			   off, -1);
	}
}

/* ---------------------------------------------------------------------
 * g. Unprivileged readers
 */

enum { UNPRIV_OK, UNPRIV_SETUID, UNPRIV_FAMILY, UNPRIV_DUMP, UNPRIV_DIFF,
       UNPRIV_GROUPS, UNPRIV_DO };

static int unpriv_body(const struct pp_result *ref, const struct pp_result *gref)
{
	struct pp_result r = {};
	char why[256];
	int family, i;

	family = pp_nl_family();
	if (family < 0)
		return UNPRIV_FAMILY;
	if (pp_dump(family, PCIPASS_CMD_DEV_GET, PP_BIG_RCV, 0, &r) ||
	    r.error || r.bad[0] || !r.done)
		return UNPRIV_DUMP;
	if (devs_diff(&r, ref, true, why, sizeof(why))) {
		fprintf(stderr, "# unprivileged dump differs: %s\n", why);
		return UNPRIV_DIFF;
	}
	pp_result_free(&r);
	if (pp_dump(family, PCIPASS_CMD_GROUP_GET, PP_BIG_RCV, 0, &r) ||
	    r.error || r.bad[0] || r.ngroups != gref->ngroups)
		return UNPRIV_GROUPS;
	for (i = 0; i < r.ngroups; i++)
		if (group_diff(&r.groups[i], &gref->groups[i], true, why,
			       sizeof(why)))
			return UNPRIV_GROUPS;
	pp_result_free(&r);
	if (ref->ndevs) {
		if (pp_dev_get(family, ref->devs[0].str[PCIPASS_A_DEV_BDF], &r) ||
		    r.error || r.bad[0] || r.ndevs != 1)
			return UNPRIV_DO;
		pp_result_free(&r);
	}
	return UNPRIV_OK;
}

TEST_F(pcipass, unprivileged)
{
	static const char *const what[] = {
		"ok", "setuid(65534) failed", "family lookup failed",
		"dev dump failed", "dev dump differs from root's",
		"group dump failed or differs", "dev-get do failed",
	};
	struct pp_result ref = {}, gref = {};
	int ret, status;
	pid_t pid;

	ret = quiet_dump(self->family, PCIPASS_CMD_DEV_GET, PP_BIG_RCV, 0, &ref);
	ASSERT_DUMP_OK(ret, &ref);
	ret = quiet_dump(self->family, PCIPASS_CMD_GROUP_GET, PP_BIG_RCV, 0, &gref);
	ASSERT_DUMP_OK(ret, &gref);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (!geteuid() &&
		    (setgroups(0, NULL) || setgid(65534) || setuid(65534)))
			_exit(UNPRIV_SETUID);
		if (!geteuid())
			_exit(UNPRIV_SETUID);
		_exit(unpriv_body(&ref, &gref));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ret = WEXITSTATUS(status);
	ASSERT_EQ(UNPRIV_OK, ret) TH_LOG("as uid 65534: %s",
					 ret < 7 ? what[ret] : "?");
	pp_result_free(&ref);
	pp_result_free(&gref);
}

/* ---------------------------------------------------------------------
 * h. do replies equal dump messages
 */

TEST_F_TIMEOUT(pcipass, do_matches_dump, 300)
{
	struct pp_result dump = {}, gdump = {}, r = {};
	int i, ret, nfail = 0;
	char why[256];

	ret = quiet_dump(self->family, PCIPASS_CMD_DEV_GET, PP_BIG_RCV, 0, &dump);
	ASSERT_DUMP_OK(ret, &dump);
	for (i = 0; i < dump.ndevs; i++) {
		const char *bdf = dump.devs[i].str[PCIPASS_A_DEV_BDF];

		ASSERT_EQ(0, pp_dev_get(self->family, bdf, &r));
		ASSERT_STREQ("", r.bad);
		ASSERT_EQ(0, r.error) TH_LOG("dev-get %s: %s (%s)", bdf,
					     strerror(-r.error), r.msg);
		ASSERT_EQ(1, r.ndevs);
		if (dev_diff(&r.devs[0], &dump.devs[i], true, why, sizeof(why))) {
			TH_LOG("do vs dump: %s", why);
			nfail++;
		} else if (r.devs[0].val[PCIPASS_A_DEV_GENERATION] !=
			   dump.devs[i].val[PCIPASS_A_DEV_GENERATION]) {
			TH_LOG("%s: generation %u in the do, %u in the dump", bdf,
			       r.devs[0].val[PCIPASS_A_DEV_GENERATION],
			       dump.devs[i].val[PCIPASS_A_DEV_GENERATION]);
		}
		pp_result_free(&r);
	}

	ret = quiet_dump(self->family, PCIPASS_CMD_GROUP_GET, PP_BIG_RCV, 0, &gdump);
	ASSERT_DUMP_OK(ret, &gdump);
	for (i = 0; i < gdump.ngroups; i++) {
		uint32_t id = gdump.groups[i].id;

		ASSERT_EQ(0, pp_group_get(self->family, id, &r));
		ASSERT_STREQ("", r.bad);
		ASSERT_EQ(0, r.error) TH_LOG("group-get %u: %s (%s)", id,
					     strerror(-r.error), r.msg);
		ASSERT_EQ(1, r.ngroups);
		if (group_diff(&r.groups[0], &gdump.groups[i], true, why,
			       sizeof(why))) {
			TH_LOG("do vs dump: %s", why);
			nfail++;
		}
		pp_result_free(&r);
	}
	TH_LOG("%d functions and %d groups compared", dump.ndevs, gdump.ngroups);
	EXPECT_EQ(0, nfail);
	pp_result_free(&dump);
	pp_result_free(&gdump);
}

/* ---------------------------------------------------------------------
 * main
 */

static pid_t main_pid;

/*
 * The harness exits 0 when every test skipped; kselftest's convention,
 * and the lab's "module absent" check, want 4 then.
 */
static void exit_skip_if_all_skipped(void)
{
	if (getpid() != main_pid)
		return;
	if (ksft_cnt.ksft_xskip && !ksft_cnt.ksft_pass && !ksft_cnt.ksft_fail &&
	    !ksft_cnt.ksft_xfail && !ksft_cnt.ksft_xpass && !ksft_cnt.ksft_error) {
		fflush(stdout);
		fflush(stderr);
		_exit(KSFT_SKIP);
	}
}

/* --probe and --dump: 0 ok, 1 family absent, 2 error. */
static int tool_main(bool dump)
{
	static const uint8_t cmds[] = { PCIPASS_CMD_DEV_GET, PCIPASS_CMD_GROUP_GET };
	int family = pp_nl_family();
	struct pp_result r;
	size_t i;
	int ret;

	if (family == -ENOENT)
		return 1;
	if (family < 0) {
		fprintf(stderr, "pcipass_nl: family lookup: %s\n",
			strerror(-family));
		return 2;
	}
	for (i = 0; dump && i < sizeof(cmds); i++) {
		ret = pp_dump(family, cmds[i], PP_SMALL_RCV, 0, &r);
		if (!ret)
			ret = r.error;
		if (!ret && r.bad[0]) {
			fprintf(stderr, "pcipass_nl: %s\n", r.bad);
			ret = -EPROTO;
		}
		pp_result_free(&r);
		if (ret) {
			fprintf(stderr, "pcipass_nl: dump: %s\n", strerror(-ret));
			return 2;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--probe"))
		return tool_main(false);
	if (argc == 2 && !strcmp(argv[1], "--dump"))
		return tool_main(true);
	if (argc == 3 && !strcmp(argv[1], "--dump")) {
		long i, count = strtol(argv[2], NULL, 0);
		int ret = 0;

		for (i = 0; i < count && !ret; i++)
			ret = tool_main(true);
		return ret;
	}
	main_pid = getpid();
	atexit(exit_skip_if_all_skipped);
	return test_harness_run(argc, argv);
}
