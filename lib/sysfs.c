// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libpcipass: the read-only sysfs source. Without the pcipass module (or
 * when asked to), a snapshot is built from /sys/bus/pci/devices and
 * /sys/kernel/iommu_groups, below a settable root so that tests can
 * replay a captured tree.
 *
 * What sysfs cannot give, and so is left absent: the generation (there is
 * no consistency check across the files read: a change in the middle tears
 * the snapshot; a group that does not match its members' links is re-read,
 * nothing more), the claim origin and the previous driver. ACS isolation
 * is computed here by the same rules as the module's pcipass_acs_enabled()
 * (kmod/pcipass_core.c), from the config space file; the PCIe type and
 * ACS registers need a config space beyond 64 bytes, which only root may
 * read.
 *
 * One known difference: an SR-IOV VF is created single-function, but a
 * later pci_scan_slot() of its PF's slot (a rescan, a hotplug event) that
 * follows ARI next-function pointers marks the VFs it meets
 * multi-function, which changes their ACS isolation. sysfs shows neither,
 * so from here a VF is always single-function.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libpcipass-private.h"
#include "pcipass_filter.h"
#include "pcipass_quirks.h"

/* Config space, as in linux/pci_regs.h. */
#define CFG_STATUS		0x06
#define CFG_STATUS_CAP_LIST	0x10
#define CFG_HEADER_TYPE		0x0e
#define CFG_CAP_PTR		0x34
#define CFG_CAP_ID_EXP		0x10
#define CFG_EXP_FLAGS		0x02
#define CFG_EXT_START		0x100
#define CFG_EXT_CAP_ID_ACS	0x000d
#define CFG_ACS_CAP		0x04
#define CFG_ACS_CTRL		0x06
#define CFG_SIZE_EXP		4096

/* enum pcipass_pcie_type follows PCI_EXP_TYPE_* */
#define EXP_TYPE_ENDPOINT	0x0
#define EXP_TYPE_LEG_END	0x1
#define EXP_TYPE_ROOT_PORT	0x4
#define EXP_TYPE_UPSTREAM	0x5
#define EXP_TYPE_DOWNSTREAM	0x6
#define EXP_TYPE_PCI_BRIDGE	0x7
#define EXP_TYPE_PCIE_BRIDGE	0x8
#define EXP_TYPE_RC_END		0x9
#define EXP_TYPE_RC_EC		0xa

#define ACS_SV	0x0001
#define ACS_RR	0x0004
#define ACS_CR	0x0008
#define ACS_UF	0x0010
#define ACS_EC	0x0020
/* REQ_ACS_FLAGS of drivers/iommu/iommu.c, PCIPASS_ACS_REQ of the module */
#define ACS_REQ	(ACS_SV | ACS_RR | ACS_CR | ACS_UF)

const char *pcipass_sysfs_root(const struct pcipass_ctx *ctx)
{
	return ctx->sysfs_root ? ctx->sysfs_root : "";
}

static int path_fmt(char *buf, size_t len, const struct pcipass_ctx *ctx,
		    const char *fmt, const char *a, const char *b)
{
	int n = snprintf(buf, len, "%s/sys/", pcipass_sysfs_root(ctx));

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	n = snprintf(buf + n, len - (size_t)n, fmt, a, b);
	if (n < 0 || (size_t)n >= len - strlen(buf))
		return -ENAMETOOLONG;
	return 0;
}

/* Read a small sysfs file without its trailing newline. */
static int read_str(const char *dir, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int read_ulong(const char *dir, const char *name, unsigned long *val)
{
	char buf[64], *end;
	int err;

	err = read_str(dir, name, buf, sizeof(buf));
	if (err < 0)
		return err;
	errno = 0;
	*val = strtoul(buf, &end, 0);
	if (end == buf || *end || errno)
		return -EINVAL;
	return 0;
}

/* The last path component of a symlink's target: driver, group, physfn. */
int pcipass_read_link_name(const char *dir, const char *name, char *buf,
			   size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, base);
	return 0;
}

static int dup_link_name(const char *dir, const char *name, char **out)
{
	char buf[NAME_MAX + 1];
	int err;

	err = pcipass_read_link_name(dir, name, buf, sizeof(buf));
	if (err == -ENOENT)
		return 0;
	if (err < 0)
		return err;
	*out = strdup(buf);
	return *out ? 0 : -ENOMEM;
}

static uint16_t cfg16(const uint8_t *cfg, size_t pos)
{
	return (uint16_t)(cfg[pos] | cfg[pos + 1] << 8);
}

static uint32_t cfg32(const uint8_t *cfg, size_t pos)
{
	return (uint32_t)cfg16(cfg, pos) | (uint32_t)cfg16(cfg, pos + 2) << 16;
}

/* As pci_find_capability(): the offset of capability @id, or 0. */
static size_t find_cap(const uint8_t *cfg, size_t len, uint8_t id)
{
	size_t pos;
	int ttl = 48;

	if (len < 0x40 || !(cfg16(cfg, CFG_STATUS) & CFG_STATUS_CAP_LIST))
		return 0;
	pos = cfg[CFG_CAP_PTR] & ~3u;
	while (pos >= 0x40 && pos + 2 <= len && ttl--) {
		if (cfg[pos] == 0xff)
			return 0;
		if (cfg[pos] == id)
			return pos;
		pos = cfg[pos + 1] & ~3u;
	}
	return 0;
}

/* As pci_find_ext_capability(): the offset of extended capability @id. */
static size_t find_ext_cap(const uint8_t *cfg, size_t len, uint16_t id)
{
	size_t pos = CFG_EXT_START;
	int ttl = (CFG_SIZE_EXP - CFG_EXT_START) / 8;
	uint32_t h;

	if (len < CFG_EXT_START + 4)
		return 0;
	h = cfg32(cfg, pos);
	if (!h || h == 0xffffffff)
		return 0;
	while (ttl-- > 0) {
		if ((h & 0xffff) == id && pos)
			return pos;
		pos = (h >> 20) & ~3u;
		if (pos < CFG_EXT_START || pos + 4 > len)
			return 0;
		h = cfg32(cfg, pos);
	}
	return 0;
}

/*
 * The module's pcipass_acs_enabled() (kmod/pcipass_core.c), which mirrors
 * the kernel's pci_acs_enabled() without device quirks: keep them alike.
 */
static bool acs_enabled(const struct pcipass_dev *dev, uint16_t flags)
{
	if (!dev->has_pcie_type)
		return false;

	switch (dev->pcie_type) {
	case EXP_TYPE_PCIE_BRIDGE:
	case EXP_TYPE_PCI_BRIDGE:
	case EXP_TYPE_RC_EC:
		return false;
	case EXP_TYPE_DOWNSTREAM:
	case EXP_TYPE_ROOT_PORT:
		break;
	case EXP_TYPE_ENDPOINT:
	case EXP_TYPE_UPSTREAM:
	case EXP_TYPE_LEG_END:
	case EXP_TYPE_RC_END:
		if (!dev->multifunction)
			return true;
		break;
	default:
		return true;
	}

	if (!dev->has_acs)
		return false;
	flags &= dev->acs_cap | ACS_EC;
	return (dev->acs_ctrl & flags) == flags;
}

static int read_config(struct pcipass_ctx *ctx, const char *dir,
		       struct pcipass_dev *dev)
{
	uint8_t cfg[CFG_SIZE_EXP];
	char path[PATH_MAX];
	size_t len = 0, pos;
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/config", dir) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < sizeof(cfg)) {
		n = pread(fd, cfg + len, sizeof(cfg) - len, (off_t)len);
		if (n < 0) {
			close(fd);
			return -errno;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	close(fd);

	if (len < 0x40) {
		ERR(ctx, "%s: config space of %zu bytes\n", dev->bdf, len);
		return -EIO;
	}
	/* Unprivileged readers see the first 64 bytes only. */
	if (len == 0x40)
		WARN(ctx, "%s: config space truncated to 64 bytes (not root?): no PCIe type, no ACS\n",
		     dev->bdf);

	dev->multifunction = cfg[CFG_HEADER_TYPE] & 0x80;
	/* pci_is_bridge(): a PCI-to-PCI or CardBus bridge header */
	dev->bridge = (cfg[CFG_HEADER_TYPE] & 0x7f) == 1 ||
		      (cfg[CFG_HEADER_TYPE] & 0x7f) == 2;

	pos = find_cap(cfg, len, CFG_CAP_ID_EXP);
	if (pos && pos + CFG_EXP_FLAGS + 2 <= len) {
		dev->has_pcie_type = true;
		dev->pcie_type = (cfg16(cfg, pos + CFG_EXP_FLAGS) >> 4) & 0xf;

		pos = find_ext_cap(cfg, len, CFG_EXT_CAP_ID_ACS);
		/* As the module's pcipass_acs_read(): the kernel's quirk. */
		if (pos && pcipass_acs_dword_regs(cfg16(cfg, 0), cfg16(cfg, 2),
						  dev->pcie_type == EXP_TYPE_ROOT_PORT)) {
			if (pos + PCIPASS_ACS_CTRL_DWORD + 4 <= len) {
				dev->has_acs = true;
				dev->acs_cap = cfg16(cfg, pos + CFG_ACS_CAP);
				dev->acs_ctrl = cfg16(cfg, pos + PCIPASS_ACS_CTRL_DWORD);
			}
		} else if (pos && pos + CFG_ACS_CTRL + 2 <= len) {
			dev->has_acs = true;
			dev->acs_cap = cfg16(cfg, pos + CFG_ACS_CAP);
			dev->acs_ctrl = cfg16(cfg, pos + CFG_ACS_CTRL);
		}
		/* All ones: the function is gone (sysfs wakes one in D3). */
		if (dev->has_acs && dev->acs_cap == 0xffff)
			dev->has_acs = false;
	}
	return 0;
}

/*
 * @s is a PCI function's name as the kernel writes it (pci_name()):
 * "%04x:%02x:%02x.%d", the domain wider only when it needs to be.
 * Nothing else passes, so no longer name reaches a fixed-size buffer, and
 * a name read from a tree (a directory, a link) is the one it stands for.
 */
static int parse_bdf(const char *s, struct pcipass_slot_filter *f)
{
	char canon[PCIPASS_BDF_MAX_STRLEN + 1];
	size_t len = strlen(s);
	int n;

	if (len > PCIPASS_BDF_MAX_STRLEN ||
	    pcipass_slot_filter_parse(f, s, len, NULL) < 0 ||
	    !pcipass_slot_filter_is_exact(f))
		return -EINVAL;
	n = snprintf(canon, sizeof(canon), "%04x:%02x:%02x.%d",
		     (unsigned int)f->domain, (unsigned int)f->bus,
		     (unsigned int)f->slot, f->func);
	if (n < 0 || (size_t)n >= sizeof(canon) || strcmp(canon, s))
		return -EINVAL;
	return 0;
}

/* The parent directory's name, when it is a PCI function: the upstream bridge. */
static int read_upstream(const char *dir, struct pcipass_dev *dev)
{
	struct pcipass_slot_filter f;
	char *real, *slash, *parent;
	int err = 0;

	real = realpath(dir, NULL);
	if (!real)
		return -errno;
	slash = strrchr(real, '/');
	if (slash && slash != real) {
		*slash = '\0';
		parent = strrchr(real, '/');
		parent = parent ? parent + 1 : real;
		if (!parse_bdf(parent, &f)) {
			dev->upstream = strdup(parent);
			if (!dev->upstream)
				err = -ENOMEM;
		}
	}
	free(real);
	return err;
}

static int dev_set_bdf(const char *s, struct pcipass_dev *dev)
{
	struct pcipass_slot_filter f;

	if (parse_bdf(s, &f) < 0)
		return -EINVAL;
	strcpy(dev->bdf, s);
	dev->domain = (unsigned int)f.domain;
	dev->bus = (unsigned int)f.bus;
	dev->devfn = (unsigned int)(f.slot << 3 | f.func);
	return 0;
}

/* Fill @dev, which the caller zeroed, from /sys/bus/pci/devices/@bdf. */
int pcipass_sysfs_dev_read(struct pcipass_ctx *ctx, const char *bdf,
			   struct pcipass_dev *dev)
{
	char dir[PATH_MAX], buf[NAME_MAX + 1];
	unsigned long v;
	int err;

	if (dev_set_bdf(bdf, dev) < 0)
		return -EINVAL;
	err = path_fmt(dir, sizeof(dir), ctx, "bus/pci/devices/%s%s", bdf, "");
	if (err < 0)
		return err;
	if (access(dir, F_OK) < 0)
		return -errno;

#define ID(name, field)							\
	do {								\
		err = read_ulong(dir, name, &v);			\
		if (err < 0)						\
			goto err_read;					\
		dev->field = v;						\
	} while (0)
	ID("vendor", vendor);
	ID("device", device);
	ID("subsystem_vendor", subsystem_vendor);
	ID("subsystem_device", subsystem_device);
	ID("class", class_code);
	ID("revision", revision);
#undef ID

	err = read_config(ctx, dir, dev);
	if (err < 0)
		goto err_read;

	if (!pcipass_read_link_name(dir, "iommu_group", buf, sizeof(buf))) {
		char *end;

		v = strtoul(buf, &end, 10);
		if (*end || end == buf || v > UINT32_MAX) {
			err = -EINVAL;
			goto err_read;
		}
		dev->has_group = true;
		dev->group_id = (uint32_t)v;
	}

	err = dup_link_name(dir, "driver", &dev->driver);
	if (!err)
		err = dup_link_name(dir, "physfn", &dev->physfn);
	if (!err)
		err = read_upstream(dir, dev);
	if (err < 0)
		goto err_read;
	/*
	 * As pci_scan_slot(): every function after the first one found in a
	 * slot is multi-function, whatever its header says. SR-IOV VFs are
	 * not scanned so. (Under ARI the kernel counts functions across the
	 * device number too; sysfs does not say whether ARI is on.)
	 */
	if (!dev->physfn && (dev->devfn & 7))
		dev->multifunction = true;
	dev->acs_isolated = acs_enabled(dev, ACS_REQ);
	if (!read_str(dir, "driver_override", buf, sizeof(buf)) &&
	    buf[0] && strcmp(buf, "(null)")) {
		dev->driver_override = strdup(buf);
		if (!dev->driver_override) {
			err = -ENOMEM;
			goto err_read;
		}
	}

	if (!read_ulong(dir, "sriov_totalvfs", &v)) {
		dev->has_sriov = true;
		dev->sriov_total_vfs = (uint16_t)v;
		if (!read_ulong(dir, "sriov_numvfs", &v))
			dev->sriov_num_vfs = (uint16_t)v;
	}
	if (!read_str(dir, "numa_node", buf, sizeof(buf))) {
		long node = strtol(buf, NULL, 10);

		if (node >= 0) {
			dev->has_numa_node = true;
			dev->numa_node = (uint32_t)node;
		}
	}
	return 0;

err_read:
	ERR(ctx, "%s: cannot read %s: %s\n", bdf, dir, strerror(-err));
	pcipass_set_extack(ctx, "%s: cannot read its sysfs files: %s", bdf,
			   strerror(-err));
	pcipass_dev_release(dev);
	return err;
}

static int grow(void **array, size_t *alloc, size_t n, size_t size)
{
	void *p;
	size_t want;

	if (n < *alloc)
		return 0;
	want = *alloc ? *alloc * 2 : 32;
	p = reallocarray(*array, want, size);
	if (!p)
		return -ENOMEM;
	*array = p;
	*alloc = want;
	return 0;
}

/* The ids of iommu_groups/@id/devices entries that are PCI functions. */
static int read_group(struct pcipass_ctx *ctx, const char *id,
		      struct pcipass_group *group)
{
	char dir[PATH_MAX], *end;
	size_t alloc = 0;
	struct dirent *de;
	unsigned long v;
	DIR *d;
	int err = 0;

	errno = 0;
	v = strtoul(id, &end, 10);
	if (*end || end == id || errno || v > UINT32_MAX)
		return 0;
	group->id = (uint32_t)v;
	group->viable = true;

	err = path_fmt(dir, sizeof(dir), ctx, "kernel/iommu_groups/%s/devices%s",
		       id, "");
	if (err < 0)
		return err;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct pcipass_dev key = { 0 };

		if (dev_set_bdf(de->d_name, &key) < 0)
			continue;
		err = grow((void **)&group->member_bdfs, &alloc,
			   group->n_members, sizeof(*group->member_bdfs));
		if (err < 0)
			break;
		group->member_bdfs[group->n_members] = strdup(de->d_name);
		if (!group->member_bdfs[group->n_members]) {
			err = -ENOMEM;
			break;
		}
		group->n_members++;
	}
	closedir(d);
	return err;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in @dir for which @keep() holds, sorted. */
static int list_dir(const char *dir, bool (*keep)(const char *),
		    char ***names, size_t *n)
{
	size_t alloc = 0;
	struct dirent *de;
	int err = 0;
	DIR *d;

	*names = NULL;
	*n = 0;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!keep(de->d_name))
			continue;
		err = grow((void **)names, &alloc, *n, sizeof(**names));
		if (err < 0)
			break;
		(*names)[*n] = strdup(de->d_name);
		if (!(*names)[*n]) {
			err = -ENOMEM;
			break;
		}
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(**names), cmp_name);
	return err;
}

static void free_names(char **names, size_t n)
{
	while (n)
		free(names[--n]);
	free(names);
}

static bool is_entry(const char *name)
{
	return name[0] != '.';
}

/*
 * Read every function and group into @snap; snapshot.c sorts and links
 * them, and treats a mismatch between group and function as a torn read.
 */
int pcipass_sysfs_snapshot_fill(struct pcipass_snapshot *snap)
{
	struct pcipass_ctx *ctx = snap->ctx;
	char dir[PATH_MAX];
	char **names;
	size_t n, i;
	int err;

	err = path_fmt(dir, sizeof(dir), ctx, "bus/pci/devices%s%s", "", "");
	if (err < 0)
		return err;
	err = list_dir(dir, is_entry, &names, &n);
	if (err < 0) {
		free_names(names, n);
		if (err == -ENOENT)
			pcipass_set_extack(ctx, "no %s: sysfs not mounted?", dir);
		return err;
	}
	for (i = 0; i < n; i++) {
		struct pcipass_dev *dev;

		err = grow((void **)&snap->devs, &snap->devs_alloc, snap->n_devs,
			   sizeof(*snap->devs));
		if (err < 0)
			break;
		dev = &snap->devs[snap->n_devs];
		memset(dev, 0, sizeof(*dev));
		err = pcipass_sysfs_dev_read(ctx, names[i], dev);
		/* Removed since the directory was listed. */
		if (err == -ENOENT) {
			DBG(ctx, "%s vanished\n", names[i]);
			snap->torn = true;
			continue;
		}
		if (err < 0)
			break;
		snap->n_devs++;
	}
	free_names(names, n);
	if (err < 0 && err != -ENOENT)
		return err;

	/* No IOMMU: no groups directory, or an empty one. */
	err = path_fmt(dir, sizeof(dir), ctx, "kernel/iommu_groups%s%s", "", "");
	if (err < 0)
		return err;
	err = list_dir(dir, is_entry, &names, &n);
	if (err == -ENOENT)
		return 0;
	if (err < 0) {
		free_names(names, n);
		return err;
	}
	for (i = 0; i < n; i++) {
		struct pcipass_group *group;

		err = grow((void **)&snap->groups, &snap->groups_alloc,
			   snap->n_groups, sizeof(*snap->groups));
		if (err < 0)
			break;
		group = &snap->groups[snap->n_groups];
		memset(group, 0, sizeof(*group));
		/* Counted even on failure, so that release frees it. */
		snap->n_groups++;
		err = read_group(ctx, names[i], group);
		if (err == -ENOENT) {
			snap->torn = true;
			err = 0;
		}
		if (err < 0)
			break;
		/* Not a PCI group (no PCI member): the module skips it too. */
		if (!group->n_members) {
			free(group->member_bdfs);
			snap->n_groups--;
		}
	}
	free_names(names, n);
	return err;
}

/*
 * The module's rule (pcipass_dev_viable(), kmod/pcipass_core.c) is vfio's:
 * every member, bridges included, is unbound or bound to a driver with
 * driver_managed_dma. sysfs does not show that flag, so this goes by the
 * names of the drivers that set it: vfio-pci and its variant drivers
 * (named *_vfio_pci after their modules), pci-stub and pcieport. Another
 * driver with the flag is counted, wrongly, as keeping the group from
 * being viable; the module's snapshot is exact.
 */
static bool driver_viable(const char *driver)
{
	static const char variant[] = "_vfio_pci";
	size_t len;

	if (!driver)
		return true;
	if (!strcmp(driver, "vfio-pci") || !strcmp(driver, "pci-stub") ||
	    !strcmp(driver, "pcieport"))
		return true;
	len = strlen(driver);
	return len > strlen(variant) &&
	       !strcmp(driver + len - strlen(variant), variant);
}

/*
 * After linking: what needs the other functions, path isolation along the
 * upstream bridges and group viability.
 */
void pcipass_sysfs_snapshot_finish(struct pcipass_snapshot *snap)
{
	size_t i, j;

	for (i = 0; i < snap->n_devs; i++) {
		struct pcipass_dev *dev = &snap->devs[i];
		struct pcipass_dev *p = dev;
		size_t hops = 0;

		dev->acs_path_isolated = true;
		while (p && hops++ < 256) {
			if (!acs_enabled(p, ACS_REQ)) {
				dev->acs_path_isolated = false;
				break;
			}
			p = p->upstream ?
			    pcipass_snapshot_get_dev(snap, p->upstream) : NULL;
		}
	}

	for (i = 0; i < snap->n_groups; i++) {
		struct pcipass_group *group = &snap->groups[i];

		group->viable = true;
		for (j = 0; j < group->n_members; j++) {
			struct pcipass_dev *dev = group->members[j];

			if (dev && !driver_viable(dev->driver))
				group->viable = false;
		}
	}
}

/* The claim= policy of a loaded module, from its parameter file. */
PCIPASS_EXPORT int pcipass_policy_get(struct pcipass_ctx *ctx, char **policy)
{
	char dir[PATH_MAX], buf[4096];
	int err;

	if (!ctx || !policy)
		return -EINVAL;
	*policy = NULL;
	pcipass_clear_extack(ctx);
	err = path_fmt(dir, sizeof(dir), ctx, "module/pcipass%s%s", "", "");
	if (err < 0)
		return err;
	if (access(dir, F_OK) < 0) {
		pcipass_set_extack(ctx, "pcipass kernel module not loaded");
		return -ENOENT;
	}
	err = path_fmt(dir, sizeof(dir), ctx, "module/pcipass/parameters%s%s",
		       "", "");
	if (err < 0)
		return err;
	err = read_str(dir, "claim", buf, sizeof(buf));
	if (err == -ENOENT) {
		pcipass_set_extack(ctx, "the loaded pcipass module has no claim parameter");
		return -EOPNOTSUPP;
	}
	if (err < 0) {
		pcipass_set_extack(ctx, "cannot read %s/claim: %s", dir,
				   strerror(-err));
		return err;
	}
	*policy = strdup(buf);
	return *policy ? 0 : -ENOMEM;
}

/*
 * One function on its own: path isolation needs the bridges above it,
 * read one after the other.
 */
int pcipass_sysfs_dev_get(struct pcipass_ctx *ctx, const char *bdf,
			  struct pcipass_dev *dev)
{
	struct pcipass_dev up;
	const char *next;
	size_t hops = 0;
	int err;

	err = pcipass_sysfs_dev_read(ctx, bdf, dev);
	if (err < 0)
		return err;

	dev->acs_path_isolated = acs_enabled(dev, ACS_REQ);
	next = dev->upstream;
	memset(&up, 0, sizeof(up));
	while (dev->acs_path_isolated && next && hops++ < 256) {
		char name[PCIPASS_BDF_MAX_STRLEN + 1];

		/* read_upstream() takes only a pci_name(); be sure. */
		if (strlen(next) >= sizeof(name))
			break;
		strcpy(name, next);
		pcipass_dev_release(&up);
		memset(&up, 0, sizeof(up));
		err = pcipass_sysfs_dev_read(ctx, name, &up);
		if (err < 0) {
			pcipass_dev_release(dev);
			return err;
		}
		dev->acs_path_isolated = acs_enabled(&up, ACS_REQ);
		next = up.upstream;
	}
	pcipass_dev_release(&up);
	return 0;
}
