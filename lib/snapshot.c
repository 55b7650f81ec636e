// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libpcipass: PCI functions, IOMMU groups and consistent snapshots of both.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/pcipass.h>

#include <netlink/netlink.h>
#include <netlink/genl/genl.h>

#include "libpcipass-private.h"
#include "pcipass_filter.h"

/* How often to redo both dumps before giving up with -EAGAIN. */
#define SNAPSHOT_TRIES 10

static struct nla_policy dev_policy[PCIPASS_A_DEV_MAX + 1] = {
	[PCIPASS_A_DEV_BDF]		  = { .type = NLA_STRING },
	[PCIPASS_A_DEV_VENDOR]		  = { .type = NLA_U16 },
	[PCIPASS_A_DEV_DEVICE]		  = { .type = NLA_U16 },
	[PCIPASS_A_DEV_SUBSYSTEM_VENDOR]  = { .type = NLA_U16 },
	[PCIPASS_A_DEV_SUBSYSTEM_DEVICE]  = { .type = NLA_U16 },
	[PCIPASS_A_DEV_CLASS]		  = { .type = NLA_U32 },
	[PCIPASS_A_DEV_REVISION]	  = { .type = NLA_U8 },
	[PCIPASS_A_DEV_GROUP]		  = { .type = NLA_U32 },
	[PCIPASS_A_DEV_DRIVER]		  = { .type = NLA_STRING },
	[PCIPASS_A_DEV_DRIVER_OVERRIDE]	  = { .type = NLA_STRING },
	[PCIPASS_A_DEV_BRIDGE]		  = { .type = NLA_U8 },
	[PCIPASS_A_DEV_PCIE_TYPE]	  = { .type = NLA_U8 },
	[PCIPASS_A_DEV_UPSTREAM]	  = { .type = NLA_STRING },
	[PCIPASS_A_DEV_SRIOV_TOTAL_VFS]	  = { .type = NLA_U16 },
	[PCIPASS_A_DEV_SRIOV_NUM_VFS]	  = { .type = NLA_U16 },
	[PCIPASS_A_DEV_PHYSFN]		  = { .type = NLA_STRING },
	[PCIPASS_A_DEV_NUMA_NODE]	  = { .type = NLA_U32 },
	[PCIPASS_A_DEV_ACS_CAP]		  = { .type = NLA_U16 },
	[PCIPASS_A_DEV_ACS_CTRL]	  = { .type = NLA_U16 },
	[PCIPASS_A_DEV_ACS_ISOLATED]	  = { .type = NLA_U8 },
	[PCIPASS_A_DEV_ACS_PATH_ISOLATED] = { .type = NLA_U8 },
	[PCIPASS_A_DEV_MULTIFUNCTION]	  = { .type = NLA_U8 },
	[PCIPASS_A_DEV_GENERATION]	  = { .type = NLA_U32 },
	[PCIPASS_A_DEV_CLAIM_ORIGIN]	  = { .type = NLA_U8 },
	[PCIPASS_A_DEV_PREV_DRIVER]	  = { .type = NLA_STRING },
	[PCIPASS_A_DEV_DRIVER_OVERRIDE_UNKNOWN] = { .type = NLA_U8 },
};

static struct nla_policy group_policy[PCIPASS_A_GROUP_MAX + 1] = {
	[PCIPASS_A_GROUP_ID]		= { .type = NLA_U32 },
	[PCIPASS_A_GROUP_VIABLE]	= { .type = NLA_U8 },
	[PCIPASS_A_GROUP_MEMBER]	= { .type = NLA_STRING },
	[PCIPASS_A_GROUP_GENERATION]	= { .type = NLA_U32 },
	[PCIPASS_A_GROUP_MEMBERS_TOTAL]	= { .type = NLA_U32 },
};

_Static_assert(PCIPASS_BDF_MAX_STRLEN == PCIPASS_BDF_MAX_LEN,
	       "public BDF length differs from the uapi's");

/* Parse a BDF, in any form the slot filter takes without wildcards. */
static int parse_bdf(const char *s, unsigned int *domain, unsigned int *bus,
		     unsigned int *devfn)
{
	struct pcipass_slot_filter f;

	if (pcipass_slot_filter_parse(&f, s, strlen(s), NULL) < 0 ||
	    !pcipass_slot_filter_is_exact(&f))
		return -EINVAL;

	*domain = (unsigned int)f.domain;
	*bus = (unsigned int)f.bus;
	*devfn = (unsigned int)(f.slot << 3 | f.func);
	return 0;
}

/* A string attribute that passed the policy is NUL-terminated. */
static int dup_str(struct nlattr *nla, char **out)
{
	if (!nla)
		return 0;
	*out = strdup(nla_get_string(nla));
	return *out ? 0 : -ENOMEM;
}

void pcipass_dev_release(struct pcipass_dev *dev)
{
	free(dev->driver);
	free(dev->driver_override);
	free(dev->upstream);
	free(dev->physfn);
	free(dev->prev_driver);
	dev->prev_driver = NULL;
	dev->driver = NULL;
	dev->driver_override = NULL;
	dev->upstream = NULL;
	dev->physfn = NULL;
}

/* Fill @dev, which the caller zeroed, from a dev-get reply. */
int pcipass_dev_parse(struct pcipass_ctx *ctx, struct nl_msg *msg,
		      struct pcipass_dev *dev)
{
	struct nlattr *tb[PCIPASS_A_DEV_MAX + 1];
	const char *bdf;
	int err;

	err = genlmsg_parse(nlmsg_hdr(msg), 0, tb, PCIPASS_A_DEV_MAX,
			    dev_policy);
	if (err < 0) {
		ERR(ctx, "malformed dev message: %s\n", nl_geterror(err));
		pcipass_set_extack(ctx, "malformed dev message from the kernel");
		return -EPROTO;
	}

	if (!tb[PCIPASS_A_DEV_BDF]) {
		pcipass_set_extack(ctx, "dev message without bdf from the kernel");
		return -EPROTO;
	}
	bdf = nla_get_string(tb[PCIPASS_A_DEV_BDF]);
	/* As the kernel writes it: "dddd:bb:dd.f", the domain maybe longer. */
	if (strlen(bdf) < sizeof("dddd:bb:dd.f") - 1 ||
	    strlen(bdf) > PCIPASS_BDF_MAX_LEN ||
	    parse_bdf(bdf, &dev->domain, &dev->bus, &dev->devfn) < 0) {
		pcipass_set_extack(ctx, "bad bdf \"%.32s\" from the kernel",
				   bdf);
		return -EPROTO;
	}
	strcpy(dev->bdf, bdf);

	if (tb[PCIPASS_A_DEV_VENDOR])
		dev->vendor = nla_get_u16(tb[PCIPASS_A_DEV_VENDOR]);
	if (tb[PCIPASS_A_DEV_DEVICE])
		dev->device = nla_get_u16(tb[PCIPASS_A_DEV_DEVICE]);
	if (tb[PCIPASS_A_DEV_SUBSYSTEM_VENDOR])
		dev->subsystem_vendor =
			nla_get_u16(tb[PCIPASS_A_DEV_SUBSYSTEM_VENDOR]);
	if (tb[PCIPASS_A_DEV_SUBSYSTEM_DEVICE])
		dev->subsystem_device =
			nla_get_u16(tb[PCIPASS_A_DEV_SUBSYSTEM_DEVICE]);
	if (tb[PCIPASS_A_DEV_CLASS])
		dev->class_code = nla_get_u32(tb[PCIPASS_A_DEV_CLASS]) &
				  0xffffff;
	if (tb[PCIPASS_A_DEV_REVISION])
		dev->revision = nla_get_u8(tb[PCIPASS_A_DEV_REVISION]);
	if (tb[PCIPASS_A_DEV_GROUP]) {
		dev->has_group = true;
		dev->group_id = nla_get_u32(tb[PCIPASS_A_DEV_GROUP]);
	}
	if (tb[PCIPASS_A_DEV_BRIDGE])
		dev->bridge = nla_get_u8(tb[PCIPASS_A_DEV_BRIDGE]);
	if (tb[PCIPASS_A_DEV_MULTIFUNCTION])
		dev->multifunction = nla_get_u8(tb[PCIPASS_A_DEV_MULTIFUNCTION]);
	if (tb[PCIPASS_A_DEV_PCIE_TYPE]) {
		dev->has_pcie_type = true;
		dev->pcie_type = nla_get_u8(tb[PCIPASS_A_DEV_PCIE_TYPE]);
	}
	if (tb[PCIPASS_A_DEV_SRIOV_TOTAL_VFS]) {
		dev->has_sriov = true;
		dev->sriov_total_vfs =
			nla_get_u16(tb[PCIPASS_A_DEV_SRIOV_TOTAL_VFS]);
	}
	if (tb[PCIPASS_A_DEV_SRIOV_NUM_VFS])
		dev->sriov_num_vfs = nla_get_u16(tb[PCIPASS_A_DEV_SRIOV_NUM_VFS]);
	if (tb[PCIPASS_A_DEV_NUMA_NODE]) {
		dev->has_numa_node = true;
		dev->numa_node = nla_get_u32(tb[PCIPASS_A_DEV_NUMA_NODE]);
	}
	if (tb[PCIPASS_A_DEV_ACS_CAP]) {
		dev->has_acs = true;
		dev->acs_cap = nla_get_u16(tb[PCIPASS_A_DEV_ACS_CAP]);
	}
	if (tb[PCIPASS_A_DEV_ACS_CTRL])
		dev->acs_ctrl = nla_get_u16(tb[PCIPASS_A_DEV_ACS_CTRL]);
	if (tb[PCIPASS_A_DEV_ACS_ISOLATED])
		dev->acs_isolated = nla_get_u8(tb[PCIPASS_A_DEV_ACS_ISOLATED]);
	if (tb[PCIPASS_A_DEV_ACS_PATH_ISOLATED])
		dev->acs_path_isolated =
			nla_get_u8(tb[PCIPASS_A_DEV_ACS_PATH_ISOLATED]);
	if (tb[PCIPASS_A_DEV_GENERATION]) {
		dev->has_generation = true;
		dev->generation = nla_get_u32(tb[PCIPASS_A_DEV_GENERATION]);
	}
	if (tb[PCIPASS_A_DEV_CLAIM_ORIGIN]) {
		dev->has_claim_origin = true;
		dev->claim_origin = nla_get_u8(tb[PCIPASS_A_DEV_CLAIM_ORIGIN]);
	}
	if (tb[PCIPASS_A_DEV_DRIVER_OVERRIDE_UNKNOWN])
		dev->driver_override_unknown =
			nla_get_u8(tb[PCIPASS_A_DEV_DRIVER_OVERRIDE_UNKNOWN]);

	if (dup_str(tb[PCIPASS_A_DEV_DRIVER], &dev->driver) ||
	    dup_str(tb[PCIPASS_A_DEV_DRIVER_OVERRIDE], &dev->driver_override) ||
	    dup_str(tb[PCIPASS_A_DEV_UPSTREAM], &dev->upstream) ||
	    dup_str(tb[PCIPASS_A_DEV_PHYSFN], &dev->physfn) ||
	    dup_str(tb[PCIPASS_A_DEV_PREV_DRIVER], &dev->prev_driver)) {
		pcipass_dev_release(dev);
		return -ENOMEM;
	}
	return 0;
}

static void group_release(struct pcipass_group *group)
{
	size_t i;

	for (i = 0; i < group->n_members; i++)
		free(group->member_bdfs[i]);
	free(group->member_bdfs);
	free(group->members);
}

static int group_parse(struct pcipass_ctx *ctx, struct nl_msg *msg,
		       struct pcipass_group *group)
{
	struct nlattr *tb[PCIPASS_A_GROUP_MAX + 1];
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *nla;
	size_t n = 0;
	int err, rem;

	err = genlmsg_parse(nlh, 0, tb, PCIPASS_A_GROUP_MAX, group_policy);
	if (err < 0) {
		ERR(ctx, "malformed group message: %s\n", nl_geterror(err));
		pcipass_set_extack(ctx, "malformed group message from the kernel");
		return -EPROTO;
	}
	if (!tb[PCIPASS_A_GROUP_ID]) {
		pcipass_set_extack(ctx, "group message without id from the kernel");
		return -EPROTO;
	}
	group->id = nla_get_u32(tb[PCIPASS_A_GROUP_ID]);
	if (tb[PCIPASS_A_GROUP_VIABLE])
		group->viable = nla_get_u8(tb[PCIPASS_A_GROUP_VIABLE]);
	if (tb[PCIPASS_A_GROUP_GENERATION]) {
		group->has_generation = true;
		group->generation = nla_get_u32(tb[PCIPASS_A_GROUP_GENERATION]);
	}
	if (tb[PCIPASS_A_GROUP_MEMBERS_TOTAL])
		group->members_total =
			nla_get_u32(tb[PCIPASS_A_GROUP_MEMBERS_TOTAL]);

	/* member is multi-attr: the parse above kept only the last one. */
	nla_for_each_attr(nla, genlmsg_attrdata(genlmsg_hdr(nlh), 0),
			  genlmsg_attrlen(genlmsg_hdr(nlh), 0), rem) {
		if (nla_type(nla) == PCIPASS_A_GROUP_MEMBER)
			n++;
	}
	if (!n)
		return 0;

	group->member_bdfs = calloc(n, sizeof(*group->member_bdfs));
	if (!group->member_bdfs)
		return -ENOMEM;

	nla_for_each_attr(nla, genlmsg_attrdata(genlmsg_hdr(nlh), 0),
			  genlmsg_attrlen(genlmsg_hdr(nlh), 0), rem) {
		const char *s = nla_data(nla);
		int len = nla_len(nla);

		if (nla_type(nla) != PCIPASS_A_GROUP_MEMBER)
			continue;
		if (len < 1 || s[len - 1] != '\0') {
			pcipass_set_extack(ctx,
					   "unterminated member of group %u from the kernel",
					   group->id);
			return -EPROTO;
		}
		group->member_bdfs[group->n_members] = strdup(s);
		if (!group->member_bdfs[group->n_members])
			return -ENOMEM;
		group->n_members++;
	}
	return 0;
}

/*
 * Snapshots
 */

struct dump_state {
	struct pcipass_snapshot *snap;
	bool have_generation;
	uint32_t generation;
	bool inconsistent;
};

static void check_generation(struct dump_state *st, bool has, uint32_t gen)
{
	if (!has)
		return;
	if (!st->have_generation) {
		st->have_generation = true;
		st->generation = gen;
	} else if (gen != st->generation) {
		st->inconsistent = true;
	}
}

static int dev_dump_cb(struct nl_msg *msg, void *arg)
{
	struct dump_state *st = arg;
	struct pcipass_snapshot *snap = st->snap;
	struct pcipass_dev *dev;
	int err;

	if (snap->n_devs == snap->devs_alloc) {
		size_t n = snap->devs_alloc ? snap->devs_alloc * 2 : 64;

		dev = reallocarray(snap->devs, n, sizeof(*dev));
		if (!dev)
			return -ENOMEM;
		snap->devs = dev;
		snap->devs_alloc = n;
	}

	dev = &snap->devs[snap->n_devs];
	memset(dev, 0, sizeof(*dev));
	err = pcipass_dev_parse(snap->ctx, msg, dev);
	if (err < 0)
		return err;
	snap->n_devs++;

	check_generation(st, dev->has_generation, dev->generation);
	return 0;
}

/* Did the kernel send fewer members than it said the group has? */
static bool group_short(const struct pcipass_group *group)
{
	return group->members_total > group->n_members;
}

/*
 * The rest of a group too big for one dump message: the kernel sends it
 * in consecutive messages of one id (the spec's members-total). Moves
 * @part's members to the end of @group's.
 */
static int group_join(struct pcipass_group *group, struct pcipass_group *part)
{
	char **bdfs;

	if (!part->n_members)
		return 0;
	bdfs = reallocarray(group->member_bdfs,
			    group->n_members + part->n_members, sizeof(*bdfs));
	if (!bdfs)
		return -ENOMEM;
	memcpy(bdfs + group->n_members, part->member_bdfs,
	       part->n_members * sizeof(*bdfs));
	group->member_bdfs = bdfs;
	group->n_members += part->n_members;
	part->n_members = 0;
	return 0;
}

static int group_dump_cb(struct nl_msg *msg, void *arg)
{
	struct dump_state *st = arg;
	struct pcipass_snapshot *snap = st->snap;
	struct pcipass_group part = { 0 }, *group;
	int err;

	err = group_parse(snap->ctx, msg, &part);
	if (err < 0)
		goto out;
	check_generation(st, part.has_generation, part.generation);

	group = snap->n_groups ? &snap->groups[snap->n_groups - 1] : NULL;
	if (group && group->id == part.id && group_short(group)) {
		err = group_join(group, &part);
		goto out;
	}

	if (snap->n_groups == snap->groups_alloc) {
		size_t n = snap->groups_alloc ? snap->groups_alloc * 2 : 32;

		group = reallocarray(snap->groups, n, sizeof(*group));
		if (!group) {
			err = -ENOMEM;
			goto out;
		}
		snap->groups = group;
		snap->groups_alloc = n;
	}
	snap->groups[snap->n_groups++] = part;
	return 0;

out:
	group_release(&part);
	return err;
}

static int dump(struct pcipass_ctx *ctx, uint8_t cmd, pcipass_nl_msg_fn fn,
		struct dump_state *st)
{
	struct nl_msg *msg;
	int err;

	/* A failed request may have closed the socket. */
	err = pcipass_nl_connect(ctx);
	if (err < 0)
		return err;
	msg = pcipass_nl_msg_new(ctx, cmd, true);
	if (!msg)
		return -ENOMEM;
	return pcipass_nl_request(ctx, msg, fn, st);
}

/* Numeric order: "ffff:00:00.0" sorts before "10000:00:00.0". */
static int cmp_dev(const void *a, const void *b)
{
	const struct pcipass_dev *x = a, *y = b;

	if (x->domain != y->domain)
		return x->domain < y->domain ? -1 : 1;
	if (x->bus != y->bus)
		return x->bus < y->bus ? -1 : 1;
	if (x->devfn != y->devfn)
		return x->devfn < y->devfn ? -1 : 1;
	return 0;
}

static int cmp_dev_ptr(const void *a, const void *b)
{
	const struct pcipass_dev *const *x = a, *const *y = b;

	return cmp_dev(*x, *y);
}

static int cmp_group(const void *a, const void *b)
{
	const struct pcipass_group *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static struct pcipass_dev *find_dev(const struct pcipass_snapshot *snap,
				    const char *bdf)
{
	struct pcipass_dev key;

	if (parse_bdf(bdf, &key.domain, &key.bus, &key.devfn) < 0)
		return NULL;
	return bsearch(&key, snap->devs, snap->n_devs, sizeof(*snap->devs),
		       cmp_dev);
}

/*
 * Sort both lists and link groups and functions. A group that names a
 * function the dev dump did not report, or with another group id, means
 * the two dumps saw different worlds: the caller retries.
 */
static int snapshot_link(struct pcipass_snapshot *snap, struct dump_state *st)
{
	struct pcipass_ctx *ctx = snap->ctx;
	size_t i, j;

	/* No groups with the IOMMU off: qsort() must not see NULL. */
	if (snap->n_devs)
		qsort(snap->devs, snap->n_devs, sizeof(*snap->devs), cmp_dev);
	if (snap->n_groups)
		qsort(snap->groups, snap->n_groups, sizeof(*snap->groups),
		      cmp_group);

	for (i = 0; i < snap->n_devs; i++) {
		snap->devs[i].snap = snap;
		if (i && !cmp_dev(&snap->devs[i - 1], &snap->devs[i])) {
			DBG(ctx, "%s reported twice\n", snap->devs[i].bdf);
			st->inconsistent = true;
		}
	}

	for (i = 0; i < snap->n_groups; i++) {
		struct pcipass_group *group = &snap->groups[i];

		group->snap = snap;
		if (i && snap->groups[i - 1].id == group->id) {
			DBG(ctx, "group %u reported twice\n", group->id);
			st->inconsistent = true;
		}
		if (!group->n_members)
			continue;

		group->members = calloc(group->n_members,
					sizeof(*group->members));
		if (!group->members)
			return -ENOMEM;

		for (j = 0; j < group->n_members; j++) {
			struct pcipass_dev *dev;

			dev = find_dev(snap, group->member_bdfs[j]);
			if (!dev || !dev->has_group || dev->group_id != group->id ||
			    dev->group) {
				DBG(ctx, "group %u member %.32s does not match the dev dump\n",
				    group->id, group->member_bdfs[j]);
				st->inconsistent = true;
				return 0;
			}
			dev->group = group;
			group->members[j] = dev;
		}
		qsort(group->members, group->n_members, sizeof(*group->members),
		      cmp_dev_ptr);
		for (j = 0; j < group->n_members; j++)
			group->members[j]->member_idx = j;
	}

	for (i = 0; i < snap->n_devs; i++) {
		if (snap->devs[i].has_group && !snap->devs[i].group) {
			DBG(ctx, "%s is in group %u, which no group message lists it in\n",
			    snap->devs[i].bdf, snap->devs[i].group_id);
			st->inconsistent = true;
		}
	}

	snap->generation = st->generation;
	return 0;
}

static void snapshot_free(struct pcipass_snapshot *snap)
{
	size_t i;

	for (i = 0; i < snap->n_devs; i++)
		pcipass_dev_release(&snap->devs[i]);
	for (i = 0; i < snap->n_groups; i++)
		group_release(&snap->groups[i]);
	free(snap->devs);
	free(snap->groups);
	pcipass_unref(snap->ctx);
	free(snap);
}

static void backoff(unsigned int attempt)
{
	struct timespec ts = { 0, (long)attempt * 1000000L };

	nanosleep(&ts, NULL);
}

PCIPASS_EXPORT int pcipass_snapshot_new(struct pcipass_ctx *ctx,
					struct pcipass_snapshot **snapp)
{
	struct pcipass_snapshot *snap = NULL;
	unsigned int attempt;
	size_t i;
	int source, err = 0;

	if (!ctx || !snapp)
		return -EINVAL;

	pcipass_clear_extack(ctx);
	source = pcipass_resolve_source(ctx);
	if (source < 0)
		return source;

	for (attempt = 1; attempt <= SNAPSHOT_TRIES; attempt++) {
		struct dump_state st = { 0 };

		snap = calloc(1, sizeof(*snap));
		if (!snap)
			return -ENOMEM;
		snap->refcount = 1;
		snap->ctx = pcipass_ref(ctx);
		snap->source = source;
		st.snap = snap;

		if (source == PCIPASS_SOURCE_SYSFS) {
			err = pcipass_sysfs_snapshot_fill(snap);
			st.inconsistent = snap->torn;
		} else {
			err = dump(ctx, PCIPASS_CMD_DEV_GET, dev_dump_cb, &st);
			if (!err)
				err = dump(ctx, PCIPASS_CMD_GROUP_GET,
					   group_dump_cb, &st);
			/* Members left a group the kernel was splitting. */
			for (i = 0; !err && i < snap->n_groups; i++)
				if (group_short(&snap->groups[i]))
					st.inconsistent = true;
		}
		if (!err)
			err = snapshot_link(snap, &st);
		if (!err && st.inconsistent)
			err = -EINTR;
		if (!err && source == PCIPASS_SOURCE_SYSFS)
			pcipass_sysfs_snapshot_finish(snap);
		if (err != -EINTR)
			break;

		DBG(ctx, "snapshot attempt %u overlapped a change, retrying\n",
		    attempt);
		snapshot_free(snap);
		snap = NULL;
		backoff(attempt);
	}

	if (err < 0) {
		if (snap)
			snapshot_free(snap);
		if (err == -EINTR) {
			pcipass_set_extack(ctx,
					   "no consistent snapshot after %d attempts",
					   SNAPSHOT_TRIES);
			return -EAGAIN;
		}
		return err;
	}

	DBG(ctx, "snapshot from %s: %zu functions, %zu groups, generation %u\n",
	    pcipass_source_name(source), snap->n_devs, snap->n_groups,
	    snap->generation);
	*snapp = snap;
	return 0;
}

PCIPASS_EXPORT struct pcipass_snapshot *
pcipass_snapshot_ref(struct pcipass_snapshot *snap)
{
	if (!snap)
		return NULL;
	snap->refcount++;
	return snap;
}

PCIPASS_EXPORT struct pcipass_snapshot *
pcipass_snapshot_unref(struct pcipass_snapshot *snap)
{
	if (!snap)
		return NULL;
	if (--snap->refcount > 0)
		return snap;
	snapshot_free(snap);
	return NULL;
}

PCIPASS_EXPORT struct pcipass_ctx *
pcipass_snapshot_get_ctx(const struct pcipass_snapshot *snap)
{
	return snap ? snap->ctx : NULL;
}

PCIPASS_EXPORT uint32_t
pcipass_snapshot_get_generation(const struct pcipass_snapshot *snap)
{
	return snap ? snap->generation : 0;
}

PCIPASS_EXPORT int
pcipass_snapshot_get_source(const struct pcipass_snapshot *snap)
{
	return snap ? snap->source : -1;
}

PCIPASS_EXPORT size_t
pcipass_snapshot_get_dev_count(const struct pcipass_snapshot *snap)
{
	return snap ? snap->n_devs : 0;
}

PCIPASS_EXPORT size_t
pcipass_snapshot_get_group_count(const struct pcipass_snapshot *snap)
{
	return snap ? snap->n_groups : 0;
}

PCIPASS_EXPORT struct pcipass_dev *
pcipass_dev_next(const struct pcipass_snapshot *snap,
		 const struct pcipass_dev *dev)
{
	size_t i;

	if (!snap || (dev && dev->snap != snap))
		return NULL;
	i = dev ? (size_t)(dev - snap->devs) + 1 : 0;
	return i < snap->n_devs ? &snap->devs[i] : NULL;
}

PCIPASS_EXPORT struct pcipass_group *
pcipass_group_next(const struct pcipass_snapshot *snap,
		   const struct pcipass_group *group)
{
	size_t i;

	if (!snap || (group && group->snap != snap))
		return NULL;
	i = group ? (size_t)(group - snap->groups) + 1 : 0;
	return i < snap->n_groups ? &snap->groups[i] : NULL;
}

PCIPASS_EXPORT struct pcipass_dev *
pcipass_snapshot_get_dev(const struct pcipass_snapshot *snap, const char *bdf)
{
	if (!snap || !bdf)
		return NULL;
	return find_dev(snap, bdf);
}

PCIPASS_EXPORT struct pcipass_group *
pcipass_snapshot_get_group(const struct pcipass_snapshot *snap, uint32_t id)
{
	struct pcipass_group key = { .id = id };

	if (!snap)
		return NULL;
	return bsearch(&key, snap->groups, snap->n_groups,
		       sizeof(*snap->groups), cmp_group);
}

/*
 * Groups
 */

PCIPASS_EXPORT struct pcipass_group *
pcipass_group_ref(struct pcipass_group *group)
{
	if (group)
		pcipass_snapshot_ref(group->snap);
	return group;
}

PCIPASS_EXPORT struct pcipass_group *
pcipass_group_unref(struct pcipass_group *group)
{
	if (!group)
		return NULL;
	return pcipass_snapshot_unref(group->snap) ? group : NULL;
}

PCIPASS_EXPORT uint32_t pcipass_group_get_id(const struct pcipass_group *group)
{
	return group ? group->id : 0;
}

PCIPASS_EXPORT bool pcipass_group_is_viable(const struct pcipass_group *group)
{
	return group && group->viable;
}

PCIPASS_EXPORT uint32_t
pcipass_group_get_generation(const struct pcipass_group *group)
{
	return group ? group->generation : 0;
}

PCIPASS_EXPORT bool
pcipass_group_has_generation(const struct pcipass_group *group)
{
	return group && group->has_generation;
}

PCIPASS_EXPORT size_t
pcipass_group_get_member_count(const struct pcipass_group *group)
{
	return group ? group->n_members : 0;
}

PCIPASS_EXPORT struct pcipass_dev *
pcipass_group_get_member(const struct pcipass_group *group, size_t idx)
{
	if (!group || idx >= group->n_members)
		return NULL;
	return group->members[idx];
}

PCIPASS_EXPORT struct pcipass_dev *
pcipass_group_member_next(const struct pcipass_group *group,
			  const struct pcipass_dev *dev)
{
	size_t i;

	if (!group)
		return NULL;
	if (dev && dev->group != group)
		return NULL;
	i = dev ? dev->member_idx + 1 : 0;
	return i < group->n_members ? group->members[i] : NULL;
}

/*
 * Functions
 */

struct dev_get_state {
	struct pcipass_ctx *ctx;
	struct pcipass_dev *dev;
};

static int dev_get_cb(struct nl_msg *msg, void *arg)
{
	struct dev_get_state *st = arg;
	struct pcipass_dev *dev;
	int err;

	if (st->dev)
		return 0;

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	err = pcipass_dev_parse(st->ctx, msg, dev);
	if (err < 0) {
		free(dev);
		return err;
	}
	dev->refcount = 1;
	st->dev = dev;
	return 0;
}

static int sysfs_dev_get(struct pcipass_ctx *ctx, const char *bdf,
			 struct pcipass_dev **devp)
{
	struct pcipass_dev *dev;
	unsigned int domain, bus, devfn;
	char name[32];
	int err;

	if (parse_bdf(bdf, &domain, &bus, &devfn) < 0) {
		pcipass_set_extack(ctx, "malformed PCI address, expected dddd:bb:dd.f");
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "%04x:%02x:%02x.%x", domain, bus,
		 devfn >> 3, devfn & 7);
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	err = pcipass_sysfs_dev_get(ctx, name, dev);
	if (err < 0) {
		free(dev);
		if (err == -ENOENT) {
			pcipass_set_extack(ctx, "no such PCI function");
			return -ENODEV;
		}
		return err;
	}
	dev->refcount = 1;
	*devp = dev;
	return 0;
}

PCIPASS_EXPORT int pcipass_dev_get(struct pcipass_ctx *ctx, const char *bdf,
				   struct pcipass_dev **devp)
{
	struct dev_get_state st = { .ctx = ctx };
	struct nl_msg *msg;
	int err;

	if (!ctx || !bdf || !devp)
		return -EINVAL;

	pcipass_clear_extack(ctx);
	err = pcipass_resolve_source(ctx);
	if (err < 0)
		return err;
	if (err == PCIPASS_SOURCE_SYSFS)
		return sysfs_dev_get(ctx, bdf, devp);
	err = pcipass_nl_connect(ctx);
	if (err < 0)
		return err;

	msg = pcipass_nl_msg_new(ctx, PCIPASS_CMD_DEV_GET, false);
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, PCIPASS_A_DEV_BDF, bdf) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}

	err = pcipass_nl_request(ctx, msg, dev_get_cb, &st);
	if (err < 0) {
		pcipass_dev_unref(st.dev);
		return err;
	}
	if (!st.dev) {
		pcipass_set_extack(ctx, "no reply from the kernel");
		return -EPROTO;
	}
	*devp = st.dev;
	return 0;
}

PCIPASS_EXPORT struct pcipass_dev *pcipass_dev_ref(struct pcipass_dev *dev)
{
	if (!dev)
		return NULL;
	if (dev->snap)
		pcipass_snapshot_ref(dev->snap);
	else
		dev->refcount++;
	return dev;
}

PCIPASS_EXPORT struct pcipass_dev *pcipass_dev_unref(struct pcipass_dev *dev)
{
	if (!dev)
		return NULL;
	if (dev->snap)
		return pcipass_snapshot_unref(dev->snap) ? dev : NULL;
	if (--dev->refcount > 0)
		return dev;
	pcipass_dev_release(dev);
	free(dev);
	return NULL;
}

PCIPASS_EXPORT const char *pcipass_dev_get_bdf(const struct pcipass_dev *dev)
{
	return dev ? dev->bdf : NULL;
}

PCIPASS_EXPORT unsigned int
pcipass_dev_get_domain(const struct pcipass_dev *dev)
{
	return dev ? dev->domain : 0;
}

PCIPASS_EXPORT unsigned int pcipass_dev_get_bus(const struct pcipass_dev *dev)
{
	return dev ? dev->bus : 0;
}

PCIPASS_EXPORT unsigned int
pcipass_dev_get_devfn(const struct pcipass_dev *dev)
{
	return dev ? dev->devfn : 0;
}

PCIPASS_EXPORT uint16_t pcipass_dev_get_vendor(const struct pcipass_dev *dev)
{
	return dev ? dev->vendor : 0;
}

PCIPASS_EXPORT uint16_t pcipass_dev_get_device(const struct pcipass_dev *dev)
{
	return dev ? dev->device : 0;
}

PCIPASS_EXPORT uint16_t
pcipass_dev_get_subsystem_vendor(const struct pcipass_dev *dev)
{
	return dev ? dev->subsystem_vendor : 0;
}

PCIPASS_EXPORT uint16_t
pcipass_dev_get_subsystem_device(const struct pcipass_dev *dev)
{
	return dev ? dev->subsystem_device : 0;
}

PCIPASS_EXPORT uint32_t pcipass_dev_get_class(const struct pcipass_dev *dev)
{
	return dev ? dev->class_code : 0;
}

PCIPASS_EXPORT uint8_t pcipass_dev_get_revision(const struct pcipass_dev *dev)
{
	return dev ? dev->revision : 0;
}

PCIPASS_EXPORT bool pcipass_dev_has_group(const struct pcipass_dev *dev)
{
	return dev && dev->has_group;
}

PCIPASS_EXPORT uint32_t pcipass_dev_get_group_id(const struct pcipass_dev *dev)
{
	return dev && dev->has_group ? dev->group_id : 0;
}

PCIPASS_EXPORT struct pcipass_group *
pcipass_dev_get_group(const struct pcipass_dev *dev)
{
	return dev ? dev->group : NULL;
}

PCIPASS_EXPORT const char *pcipass_dev_get_driver(const struct pcipass_dev *dev)
{
	return dev ? dev->driver : NULL;
}

PCIPASS_EXPORT const char *
pcipass_dev_get_driver_override(const struct pcipass_dev *dev)
{
	return dev ? dev->driver_override : NULL;
}

PCIPASS_EXPORT bool
pcipass_dev_is_driver_override_unknown(const struct pcipass_dev *dev)
{
	return dev && dev->driver_override_unknown;
}

PCIPASS_EXPORT const char *
pcipass_dev_get_upstream(const struct pcipass_dev *dev)
{
	return dev ? dev->upstream : NULL;
}

PCIPASS_EXPORT const char *pcipass_dev_get_physfn(const struct pcipass_dev *dev)
{
	return dev ? dev->physfn : NULL;
}

PCIPASS_EXPORT bool pcipass_dev_is_bridge(const struct pcipass_dev *dev)
{
	return dev && dev->bridge;
}

PCIPASS_EXPORT bool pcipass_dev_is_multifunction(const struct pcipass_dev *dev)
{
	return dev && dev->multifunction;
}

PCIPASS_EXPORT bool pcipass_dev_has_pcie_type(const struct pcipass_dev *dev)
{
	return dev && dev->has_pcie_type;
}

PCIPASS_EXPORT int pcipass_dev_get_pcie_type(const struct pcipass_dev *dev)
{
	return dev && dev->has_pcie_type ? dev->pcie_type : -1;
}

PCIPASS_EXPORT const char *pcipass_pcie_type_name(int type)
{
	static const char *const names[] = {
		[PCIPASS_PCIE_TYPE_ENDPOINT] = "endpoint",
		[PCIPASS_PCIE_TYPE_LEGACY_ENDPOINT] = "legacy-endpoint",
		[PCIPASS_PCIE_TYPE_ROOT_PORT] = "root-port",
		[PCIPASS_PCIE_TYPE_UPSTREAM] = "upstream",
		[PCIPASS_PCIE_TYPE_DOWNSTREAM] = "downstream",
		[PCIPASS_PCIE_TYPE_PCI_BRIDGE] = "pci-bridge",
		[PCIPASS_PCIE_TYPE_PCIE_BRIDGE] = "pcie-bridge",
		[PCIPASS_PCIE_TYPE_RC_ENDPOINT] = "rc-endpoint",
		[PCIPASS_PCIE_TYPE_RC_EVENT_COLLECTOR] = "rc-event-collector",
	};

	if (type < 0 || (size_t)type >= ARRAY_SIZE(names))
		return NULL;
	return names[type];
}

PCIPASS_EXPORT bool pcipass_dev_is_sriov_pf(const struct pcipass_dev *dev)
{
	return dev && dev->has_sriov;
}

PCIPASS_EXPORT uint16_t
pcipass_dev_get_sriov_total_vfs(const struct pcipass_dev *dev)
{
	return dev ? dev->sriov_total_vfs : 0;
}

PCIPASS_EXPORT uint16_t
pcipass_dev_get_sriov_num_vfs(const struct pcipass_dev *dev)
{
	return dev ? dev->sriov_num_vfs : 0;
}

PCIPASS_EXPORT bool pcipass_dev_has_numa_node(const struct pcipass_dev *dev)
{
	return dev && dev->has_numa_node;
}

PCIPASS_EXPORT int pcipass_dev_get_numa_node(const struct pcipass_dev *dev)
{
	return dev && dev->has_numa_node ? (int)dev->numa_node : -1;
}

PCIPASS_EXPORT bool pcipass_dev_has_acs(const struct pcipass_dev *dev)
{
	return dev && dev->has_acs;
}

PCIPASS_EXPORT uint16_t pcipass_dev_get_acs_cap(const struct pcipass_dev *dev)
{
	return dev ? dev->acs_cap : 0;
}

PCIPASS_EXPORT uint16_t pcipass_dev_get_acs_ctrl(const struct pcipass_dev *dev)
{
	return dev ? dev->acs_ctrl : 0;
}

PCIPASS_EXPORT bool pcipass_dev_is_acs_isolated(const struct pcipass_dev *dev)
{
	return dev && dev->acs_isolated;
}

PCIPASS_EXPORT bool
pcipass_dev_is_acs_path_isolated(const struct pcipass_dev *dev)
{
	return dev && dev->acs_path_isolated;
}

PCIPASS_EXPORT uint32_t
pcipass_dev_get_generation(const struct pcipass_dev *dev)
{
	return dev ? dev->generation : 0;
}

PCIPASS_EXPORT bool pcipass_dev_has_generation(const struct pcipass_dev *dev)
{
	return dev && dev->has_generation;
}

PCIPASS_EXPORT bool pcipass_dev_has_claim_origin(const struct pcipass_dev *dev)
{
	return dev && dev->has_claim_origin;
}

PCIPASS_EXPORT int pcipass_dev_get_claim_origin(const struct pcipass_dev *dev)
{
	return dev && dev->has_claim_origin ? dev->claim_origin : -1;
}

PCIPASS_EXPORT const char *pcipass_claim_origin_name(int origin)
{
	static const char *const names[] = {
		[PCIPASS_CLAIM_ORIGIN_NONE] = "none",
		[PCIPASS_CLAIM_ORIGIN_POLICY] = "policy",
		[PCIPASS_CLAIM_ORIGIN_RUNTIME] = "runtime",
		[PCIPASS_CLAIM_ORIGIN_EXTERNAL] = "external",
	};

	if (origin < 0 || (size_t)origin >= ARRAY_SIZE(names))
		return NULL;
	return names[origin];
}

PCIPASS_EXPORT const char *
pcipass_dev_get_prev_driver(const struct pcipass_dev *dev)
{
	return dev ? dev->prev_driver : NULL;
}
