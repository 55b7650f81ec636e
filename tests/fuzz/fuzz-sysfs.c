// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: libpcipass's sysfs reader (lib/sysfs.c), which turns
 * the files of a sysfs tree into functions and groups.
 *
 * The input is one PCI function's sysfs files, one line each, in the order
 * of enum field below, then its config space up to the end of the input.
 * An empty line leaves an optional file or link out. tests/fuzz/run.sh
 * makes the seeds so from the captured trees of tests/data/sysfs/.
 *
 * Each input is used twice:
 *  - directly, by the static parsers this file reaches by including
 *    lib/sysfs.c (as tests/unit/ builds the sources it tests into the
 *    test, and the library's ABI stays as it is): the config space
 *    walkers on copies of the config bytes that end where the walk may
 *    read, so that ASan sees a read one byte past them, and parse_bdf()
 *    on the names;
 *  - as a tree written below a temporary root (TMPDIR), which the real
 *    reader reads: a snapshot (pcipass_sysfs_dev_read() on the function,
 *    its IOMMU group, ACS path isolation, group viability),
 *    pcipass_dev_get() (the function and the bridges above it) and
 *    pcipass_policy_get().
 *
 * Besides what ASan and UBSan catch, what the reader returns must agree
 * with what was written (CHECK).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/sysfs.c"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Where a write into the scratch tree fails: not a finding, give up. */
#define MUST(cond, what)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz-sysfs: %s: %s\n", (what),	\
				strerror(errno));			\
			exit(2);					\
		}							\
	} while (0)

enum field {
	F_NAME,		/* the function's directory, its BDF */
	F_PARENT,	/* the directory above it: the upstream bridge */
	F_VENDOR,	/* the files pcipass_sysfs_dev_read() needs */
	F_DEVICE,
	F_SUBSYSTEM_VENDOR,
	F_SUBSYSTEM_DEVICE,
	F_CLASS,
	F_REVISION,
	F_IOMMU_GROUP,	/* optional links: their targets */
	F_DRIVER,
	F_PHYSFN,
	F_DRIVER_OVERRIDE, /* optional files */
	F_SRIOV_TOTALVFS,
	F_SRIOV_NUMVFS,
	F_NUMA_NODE,
	F_CLAIM,	/* the module's claim= parameter */
	F_CONFIG,	/* the rest of the input */
	NR_FIELDS
};

static const char *const file_names[NR_FIELDS] = {
	[F_VENDOR] = "vendor",
	[F_DEVICE] = "device",
	[F_SUBSYSTEM_VENDOR] = "subsystem_vendor",
	[F_SUBSYSTEM_DEVICE] = "subsystem_device",
	[F_CLASS] = "class",
	[F_REVISION] = "revision",
	[F_IOMMU_GROUP] = "iommu_group",
	[F_DRIVER] = "driver",
	[F_PHYSFN] = "physfn",
	[F_DRIVER_OVERRIDE] = "driver_override",
	[F_SRIOV_TOTALVFS] = "sriov_totalvfs",
	[F_SRIOV_NUMVFS] = "sriov_numvfs",
	[F_NUMA_NODE] = "numa_node",
	[F_CONFIG] = "config",
};

struct span {
	const uint8_t *p;
	size_t len;
};

static char root[PATH_MAX];
static struct pcipass_ctx *ctx;

/* What one input added to the tree, removed in reverse order after it. */
#define MAX_MADE 32
static char made[MAX_MADE][PATH_MAX];
static size_t n_made;

static void discard_log(struct pcipass_ctx *c, int priority, const char *file,
			int line, const char *fn, const char *format,
			va_list args)
{
	char buf[512];

	(void)c;
	(void)priority;
	(void)file;
	(void)line;
	(void)fn;
	/* Formats every message, so that a bad argument shows. */
	vsnprintf(buf, sizeof(buf), format, args);
}

static void remove_root(void)
{
	static const char *const dirs[] = {
		"sys/module/pcipass/parameters", "sys/module/pcipass",
		"sys/module", "sys/kernel/iommu_groups", "sys/kernel",
		"sys/bus/pci/devices", "sys/bus/pci", "sys/bus",
		"sys/devices", "sys", "",
	};
	char path[PATH_MAX];
	size_t i;

	while (n_made)
		remove(made[--n_made]);
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
		rmdir(path);
	}
	pcipass_unref(ctx);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const dirs[] = {
		"sys", "sys/bus", "sys/bus/pci", "sys/bus/pci/devices",
		"sys/devices", "sys/kernel", "sys/kernel/iommu_groups",
		"sys/module", "sys/module/pcipass",
		"sys/module/pcipass/parameters",
	};
	const char *tmp = getenv("TMPDIR");
	char path[PATH_MAX];
	size_t i;

	(void)argc;
	(void)argv;
	snprintf(root, sizeof(root), "%s/pcipass-fuzz.XXXXXX",
		 tmp && tmp[0] ? tmp : "/tmp");
	MUST(mkdtemp(root), root);
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
		MUST(!mkdir(path, 0755), path);
	}
	MUST(!pcipass_new(&ctx), "pcipass_new");
	MUST(!pcipass_set_source(ctx, PCIPASS_SOURCE_SYSFS) &&
	     !pcipass_set_sysfs_root(ctx, root), "sysfs root");
	pcipass_set_log_fn(ctx, discard_log, NULL);
	pcipass_set_log_priority(ctx, LOG_DEBUG);
	atexit(remove_root);
	return 0;
}

/* Split the input into its fields; missing lines are empty. */
static void split(const uint8_t *data, size_t size, struct span *f)
{
	const uint8_t *nl;
	int i;

	for (i = 0; i < F_CONFIG; i++) {
		nl = memchr(data, '\n', size);
		f[i].p = data;
		f[i].len = nl ? (size_t)(nl - data) : size;
		data += f[i].len + !!nl;
		size -= f[i].len + !!nl;
	}
	f[F_CONFIG].p = data;
	f[F_CONFIG].len = size;
}

/* A field as a C string, up to its first NUL as a path or a name is. */
static void field_str(const struct span *f, char *buf, size_t len)
{
	size_t n = strnlen((const char *)f->p, f->len);

	if (n >= len)
		n = len - 1;
	memcpy(buf, f->p, n);
	buf[n] = '\0';
}

static bool valid_name(const char *s)
{
	return s[0] && strlen(s) <= NAME_MAX && !strchr(s, '/') &&
	       strcmp(s, ".") && strcmp(s, "..");
}

/* @path: FMT below the root, noted for removal; false if it is too long. */
static bool scratch_path(char *path, const char *fmt, va_list ap)
{
	int n, m;

	CHECK(n_made < MAX_MADE);
	n = snprintf(path, PATH_MAX, "%s/", root);
	m = vsnprintf(path + n, PATH_MAX - (size_t)n, fmt, ap);
	return m >= 0 && (size_t)m < PATH_MAX - (size_t)n;
}

static void put_dir(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void put_dir(const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	bool fits;

	va_start(ap, fmt);
	fits = scratch_path(path, fmt, ap);
	va_end(ap);
	if (fits && !mkdir(path, 0755))
		strcpy(made[n_made++], path);
}

static void put_link(const char *target, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void put_link(const char *target, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	bool fits;

	va_start(ap, fmt);
	fits = scratch_path(path, fmt, ap);
	va_end(ap);
	if (fits && !symlink(target, path))
		strcpy(made[n_made++], path);
}

/* sysfs files end with a newline; config space does not. */
static void put_file(const char *dir, const char *name, const struct span *f,
		     bool newline)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", root, dir, name);
	CHECK(n_made < MAX_MADE);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	MUST(fd >= 0, path);
	strcpy(made[n_made++], path);
	MUST(write(fd, f->p, f->len) == (ssize_t)f->len &&
	     (!newline || write(fd, "\n", 1) == 1), path);
	close(fd);
}

/*
 * The function's directory below sys/devices/PARENT (or sys/devices when
 * PARENT is no file name), with its link in sys/bus/pci/devices and one
 * in its IOMMU group's devices directory, named by the iommu_group link.
 */
static void build_tree(const struct span *f, const char *name)
{
	char parent[NAME_MAX + 2], dev[PATH_MAX], target[PATH_MAX];
	char link[PATH_MAX], group[PATH_MAX];
	const char *base;
	int i;

	field_str(&f[F_PARENT], parent, sizeof(parent));
	if (valid_name(parent)) {
		put_dir("sys/devices/%s", parent);
		snprintf(dev, sizeof(dev), "sys/devices/%s/%s", parent, name);
	} else {
		snprintf(dev, sizeof(dev), "sys/devices/%s", name);
	}
	put_dir("%s", dev);
	snprintf(target, sizeof(target), "../../../%s", dev + strlen("sys/"));
	put_link(target, "sys/bus/pci/devices/%s", name);

	for (i = F_VENDOR; i <= F_REVISION; i++)
		put_file(dev, file_names[i], &f[i], true);
	put_file(dev, file_names[F_CONFIG], &f[F_CONFIG], false);
	for (i = F_DRIVER_OVERRIDE; i <= F_NUMA_NODE; i++)
		if (f[i].len)
			put_file(dev, file_names[i], &f[i], true);
	if (f[F_CLAIM].len)
		put_file("sys/module/pcipass/parameters", "claim", &f[F_CLAIM],
			 true);

	for (i = F_IOMMU_GROUP; i <= F_PHYSFN; i++) {
		field_str(&f[i], link, sizeof(link));
		if (link[0])
			put_link(link, "%s/%s", dev, file_names[i]);
	}
	/* The group the link names: its last component, as pcipass_read_link_name(). */
	field_str(&f[F_IOMMU_GROUP], group, sizeof(group));
	base = strrchr(group, '/');
	base = base ? base + 1 : group;
	if (valid_name(base)) {
		put_dir("sys/kernel/iommu_groups/%s", base);
		put_dir("sys/kernel/iommu_groups/%s/devices", base);
		snprintf(target, sizeof(target), "../../../../%s",
			 dev + strlen("sys/"));
		put_link(target, "sys/kernel/iommu_groups/%s/devices/%s", base,
			 name);
	}
}

static void clear_tree(void)
{
	while (n_made)
		MUST(!remove(made[--n_made]) || errno == ENOENT, made[n_made]);
}

/* The config space walkers on @len bytes that end where @cfg does. */
static void walk_config(const uint8_t *cfg, size_t len)
{
	static const uint8_t caps[] = {
		0x01, 0x05, 0x09, CFG_CAP_ID_EXP, 0x11,
	};
	static const uint16_t ext_caps[] = {
		0x0001, CFG_EXT_CAP_ID_ACS, 0x000e, 0x0010, 0x0023,
	};
	size_t i, pos;

	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		pos = find_cap(cfg, len, caps[i]);
		CHECK(!pos || (pos >= 0x40 && pos + 2 <= len &&
			       cfg[pos] == caps[i]));
	}
	for (i = 0; i < ARRAY_SIZE(ext_caps); i++) {
		pos = find_ext_cap(cfg, len, ext_caps[i]);
		CHECK(!pos || (pos >= CFG_EXT_START && pos + 4 <= len &&
			       cfg16(cfg, pos) == ext_caps[i]));
	}
}

/*
 * The walkers take a length in bytes, and registers are 4-byte aligned:
 * walk the config (its first 4096 bytes, as read_config() reads) and it
 * shortened by 1 to 3 bytes, each in a buffer of its own size, so that
 * ASan sees a read one byte past the end whatever the input's alignment.
 */
static void walk_configs(const uint8_t *cfg, size_t len)
{
	uint8_t *copy;
	size_t cut;

	if (len > CFG_SIZE_EXP)
		len = CFG_SIZE_EXP;
	for (cut = 0; cut < 4 && cut < len; cut++) {
		copy = malloc(len - cut);
		MUST(copy, "malloc");
		memcpy(copy, cfg, len - cut);
		walk_config(copy, len - cut);
		free(copy);
	}
}

static void check_bdf(const char *s)
{
	struct pcipass_slot_filter f;
	char canon[32];

	if (parse_bdf(s, &f) < 0)
		return;
	CHECK(f.domain >= 0 && f.domain <= PCIPASS_FILTER_DOMAIN_MAX &&
	      f.bus >= 0 && f.bus <= PCIPASS_FILTER_BUS_MAX &&
	      f.slot >= 0 && f.slot <= PCIPASS_FILTER_SLOT_MAX &&
	      f.func >= 0 && f.func <= PCIPASS_FILTER_FUNC_MAX);
	snprintf(canon, sizeof(canon), "%04x:%02x:%02x.%d", f.domain, f.bus,
		 f.slot, f.func);
	CHECK(!strcmp(canon, s) && strlen(s) <= PCIPASS_BDF_MAX_STRLEN);
}

/* The function as pcipass_sysfs_dev_read() makes it. */
static void check_dev(const struct pcipass_dev *dev, const char *name,
		      const char *parent)
{
	struct pcipass_slot_filter f;

	CHECK(!strcmp(dev->bdf, name));
	CHECK(dev->devfn < 256 && dev->bus < 256);
	CHECK(!dev->has_acs || dev->has_pcie_type);
	CHECK(!dev->has_pcie_type || dev->pcie_type < 16);
	CHECK(dev->acs_isolated == acs_enabled(dev, ACS_REQ));
	CHECK(!dev->driver_override || dev->driver_override[0]);
	/* The upstream bridge is the parent directory when it is a BDF. */
	if (!parse_bdf(parent, &f))
		CHECK(dev->upstream && !strcmp(dev->upstream, parent));
	else
		CHECK(!dev->upstream);
}

static void read_snapshot(const char *name, const char *parent)
{
	struct pcipass_snapshot *snap;
	struct pcipass_group *group;
	struct pcipass_dev *dev;
	size_t i;

	if (pcipass_snapshot_new(ctx, &snap) < 0)
		return;
	CHECK(pcipass_snapshot_get_dev_count(snap) == 1);
	dev = pcipass_snapshot_get_dev(snap, name);
	CHECK(dev);
	check_dev(dev, name, parent);
	group = pcipass_dev_get_group(dev);
	CHECK(!group == !pcipass_dev_has_group(dev));
	if (group) {
		CHECK(pcipass_group_get_id(group) ==
		      pcipass_dev_get_group_id(dev));
		for (i = 0; i < pcipass_group_get_member_count(group); i++)
			CHECK(pcipass_group_get_member(group, i) == dev);
	}
	CHECK(!pcipass_dev_is_acs_path_isolated(dev) ||
	      pcipass_dev_is_acs_isolated(dev));
	pcipass_snapshot_unref(snap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[NAME_MAX + 2], parent[NAME_MAX + 2], *policy;
	struct pcipass_dev dev, *got;
	struct span f[NR_FIELDS];

	split(data, size, f);
	field_str(&f[F_NAME], name, sizeof(name));
	field_str(&f[F_PARENT], parent, sizeof(parent));

	walk_configs(f[F_CONFIG].p, f[F_CONFIG].len);
	check_bdf(name);
	check_bdf(parent);

	memset(&dev, 0, sizeof(dev));
	if (dev_set_bdf(name, &dev) < 0) {
		/* No such name reaches the tree. */
		CHECK(pcipass_sysfs_dev_read(ctx, name, &dev) == -EINVAL);
		return 0;
	}

	/*
	 * Both read it with pcipass_sysfs_dev_read(): the snapshot with
	 * the group, pcipass_dev_get() with the bridges above.
	 */
	build_tree(f, name);
	if (!valid_name(parent))
		strcpy(parent, "devices");
	read_snapshot(name, parent);
	if (!pcipass_dev_get(ctx, name, &got)) {
		check_dev(got, name, parent);
		pcipass_dev_unref(got);
	}
	if (!pcipass_policy_get(ctx, &policy))
		free(policy);
	clear_tree();
	return 0;
}
