// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcipass check: preflight for PCI passthrough.
 *
 *	pcipass check [FILTER]
 *
 * Host checks (IOMMU, interrupt remapping, vfio, iommu=pt), then, for every
 * function FILTER matches (every function that is not a bridge, without
 * FILTER): its IOMMU group, reset, boot display, expansion ROM and SR-IOV.
 * Each finding is pass, warn or fail, with why and what to do.
 *
 * JSON: an array of findings, each
 *
 *	result		"pass", "warn" or "fail"
 *	bdf		the function, or null for a host check
 *	check		"iommu", "interrupt-remapping", "vfio",
 *			"iommu-passthrough", "acs-override", "pcipass",
 *			"group", "reset", "boot-vga", "rom", "sriov"
 *	why		one line
 *	fix		one line, or null when there is nothing to do
 *
 * plus, for "rom": efi (bool) and images, each { offset, length,
 * code-type (number), code-type-name, vendor, device, last,
 * efi-machine (null unless EFI) }.
 *
 * Exit status: 0 when every finding passes, 3 when the worst is a warning,
 * 1 when anything fails, 2 on a usage error.
 *
 * The library's sysfs root (PCIPASS_SYSFS_ROOT, pcipass_set_sysfs_root()),
 * if set, is prefixed to every /sys, /proc, /boot and /lib/modules path
 * read: a captured tree, which check reads and never writes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/magic.h>

#include "output.h"
#include "pcipass-cli.h"
#include "rom.h"
#include "why.h"

#define EXIT_WARN 3
#define LINE_LEN 512
#define ROM_READ_MAX (16u << 20)
#define GRUB_HOW "GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub and reboot"

/* R_SKIP: not checked, and why; it does not count toward the exit status. */
enum result { R_PASS, R_WARN, R_FAIL, R_SKIP };

static const char *const result_names[] = { "pass", "warn", "fail", "skip" };

struct check {
	struct pp *pp;
	const char *root;	/* "" for the running system */
	bool rom_all;		/* "rom": read bound functions' ROMs too */
	char release[128];
	char cmdline[4096];
	unsigned int count[4];
	enum result worst;
};

static void path_of(const struct check *c, char *buf, size_t len,
		    const char *fmt, const char *arg)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), fmt, arg);
	snprintf(buf, len, "%s%s", c->root, rel);
}

/* Read a small file, without the trailing newline. Returns length or -errno. */
static int read_text(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return (int)n;
}

static bool exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

/* Entries of a directory; @first gets the first name in sort order. */
static int count_dir(const char *path, char *first, size_t len)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	if (first && len)
		first[0] = '\0';
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (first && (!n || strcmp(de->d_name, first) < 0) &&
		    snprintf(first, len, "%s", de->d_name) >= (int)len)
			first[0] = '\0';	/* a name that long is no IOMMU's */
		n++;
	}
	closedir(d);
	return n;
}

/* Does @path contain the line or substring @needle. */
static bool file_contains(const char *path, const char *needle)
{
	char line[LINE_LEN];
	bool found = false;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/*
 * The value of the last "@name=" on the kernel command line (the kernel
 * parses them in order, the last wins), "" for a bare "@name", or NULL.
 */
static const char *cmdline_get(const struct check *c, const char *name,
			       char *buf, size_t len)
{
	const char *p = c->cmdline, *found = NULL;
	size_t nl = strlen(name);

	while (*p) {
		size_t tl;

		while (*p == ' ')
			p++;
		tl = strcspn(p, " ");
		if (tl >= nl && !strncmp(p, name, nl) &&
		    (tl == nl || p[nl] == '=')) {
			size_t vl = tl > nl ? tl - nl - 1 : 0;

			if (vl >= len)
				vl = len - 1;
			memcpy(buf, tl > nl ? p + nl + 1 : p + nl, vl);
			buf[vl] = '\0';
			found = buf;
		}
		p += tl;
	}
	return found;
}

/* Is @item one of the comma-separated words of @list. */
static bool has_item(const char *list, const char *item)
{
	size_t il = strlen(item);

	while (list && *list) {
		size_t l = strcspn(list, ",");

		if (l == il && !strncmp(list, item, il))
			return true;
		list += l;
		if (*list)
			list++;
	}
	return false;
}

static void finding_begin(struct check *c, enum result r, const char *bdf,
			  const char *name, const char *why, const char *fix)
{
	c->count[r]++;
	if (r != R_SKIP && r > c->worst)
		c->worst = r;
	open_json_object(NULL);
	print_string(PRINT_ANY, "result", "%-4s  ", result_names[r]);
	if (bdf)
		print_string(PRINT_ANY, "bdf", "%-12s  ", bdf);
	else
		print_null(PRINT_ANY, "bdf", "%-12s  ", "host");
	print_string(PRINT_ANY, "check", "%s: ", name);
	print_string(PRINT_ANY, "why", "%s\n", why);
	if (fix)
		print_string(PRINT_ANY, "fix", "                    fix: %s\n",
			     fix);
	else
		print_null(PRINT_JSON, "fix", NULL, NULL);
}

static void finding_end(void)
{
	close_json_object();
}

static void finding(struct check *c, enum result r, const char *bdf,
		    const char *name, const char *why, const char *fix)
{
	finding_begin(c, r, bdf, name, why, fix);
	finding_end();
}

/* --- host checks ---------------------------------------------------------- */

/* CONFIG_INTEL_IOMMU_DEFAULT_*: 1 on, 0 off, -1 unknown. */
static int intel_default_on(const struct check *c, char *which, size_t len)
{
	char path[PATH_MAX];

	path_of(c, path, sizeof(path), "/boot/config-%s", c->release);
	if (!exists(path))
		return -1;
	if (file_contains(path, "CONFIG_INTEL_IOMMU_DEFAULT_ON=y")) {
		snprintf(which, len, "CONFIG_INTEL_IOMMU_DEFAULT_ON=y");
		return 1;
	}
	if (file_contains(path, "CONFIG_INTEL_IOMMU_DEFAULT_ON_INTGPU_OFF=y")) {
		snprintf(which, len, "CONFIG_INTEL_IOMMU_DEFAULT_ON_INTGPU_OFF=y");
		return 1;
	}
	snprintf(which, len, "CONFIG_INTEL_IOMMU_DEFAULT_ON is not set");
	return 0;
}

struct iommu_state {
	bool dmar, ivrs;
	int n_iommu, n_groups;
	char first[64];
};

static void check_iommu(struct check *c, struct iommu_state *s)
{
	char path[PATH_MAX], why[LINE_LEN], fix[LINE_LEN], cfg[64], v[64];
	const char *intel, *amd, *iommu;
	const char *hw;
	int dflt;

	path_of(c, path, sizeof(path), "%s", "/sys/firmware/acpi/tables/DMAR");
	s->dmar = exists(path);
	path_of(c, path, sizeof(path), "%s", "/sys/firmware/acpi/tables/IVRS");
	s->ivrs = exists(path);
	path_of(c, path, sizeof(path), "%s", "/sys/class/iommu");
	s->n_iommu = count_dir(path, s->first, sizeof(s->first));
	path_of(c, path, sizeof(path), "%s", "/sys/kernel/iommu_groups");
	s->n_groups = count_dir(path, NULL, 0);
	if (s->n_iommu < 0)
		s->n_iommu = 0;
	if (s->n_groups < 0)
		s->n_groups = 0;

	hw = s->dmar ? "Intel VT-d, ACPI DMAR table" :
	     s->ivrs ? "AMD-Vi, ACPI IVRS table" : "no ACPI DMAR or IVRS table";
	intel = cmdline_get(c, "intel_iommu", v, sizeof(v));
	intel = intel ? strdupa(intel) : NULL;
	amd = cmdline_get(c, "amd_iommu", v, sizeof(v));
	amd = amd ? strdupa(amd) : NULL;
	iommu = cmdline_get(c, "iommu", v, sizeof(v));
	iommu = iommu ? strdupa(iommu) : NULL;
	dflt = intel_default_on(c, cfg, sizeof(cfg));

	if (s->n_groups > 0) {
		snprintf(why, sizeof(why), "the IOMMU is on: %s%s%d IOMMU groups (%s)",
			 s->first, s->first[0] ? ", " : "", s->n_groups, hw);
		if (s->dmar && !has_item(intel, "on")) {
			snprintf(fix, sizeof(fix),
				 "optional: this kernel turns VT-d on by default%s%s%s, others do not; add intel_iommu=on to %s",
				 dflt > 0 ? " (" : "", dflt > 0 ? cfg : "",
				 dflt > 0 ? ")" : "", GRUB_HOW);
			finding(c, R_PASS, NULL, "iommu", why, fix);
		} else {
			finding(c, R_PASS, NULL, "iommu", why, NULL);
		}
		return;
	}

	if (!s->dmar && !s->ivrs && !s->n_iommu) {
		finding(c, R_FAIL, NULL, "iommu",
			"no IOMMU: the firmware describes none (no ACPI DMAR or IVRS table)",
			"turn on VT-d (Intel) or IOMMU / AMD-Vi (AMD) in the firmware setup, then reboot");
		return;
	}
	if (has_item(iommu, "off")) {
		snprintf(why, sizeof(why),
			 "an IOMMU is present (%s), but iommu=off on the kernel command line turns it off",
			 hw);
		snprintf(fix, sizeof(fix), "remove iommu=off from %s", GRUB_HOW);
	} else if (s->dmar && has_item(intel, "off")) {
		snprintf(why, sizeof(why),
			 "VT-d is present (ACPI DMAR table), but intel_iommu=off on the kernel command line turns it off");
		snprintf(fix, sizeof(fix),
			 "replace intel_iommu=off with intel_iommu=on in %s",
			 GRUB_HOW);
	} else if (s->ivrs && has_item(amd, "off")) {
		snprintf(why, sizeof(why),
			 "AMD-Vi is present (ACPI IVRS table), but amd_iommu=off on the kernel command line turns it off");
		snprintf(fix, sizeof(fix), "remove amd_iommu=off from %s",
			 GRUB_HOW);
	} else if (s->dmar && !has_item(intel, "on") && dflt == 0) {
		snprintf(why, sizeof(why),
			 "VT-d is present (ACPI DMAR table), but this kernel leaves it off by default (%s) and the command line does not turn it on",
			 cfg);
		snprintf(fix, sizeof(fix), "add intel_iommu=on to %s",
			 GRUB_HOW);
	} else {
		snprintf(why, sizeof(why),
			 "an IOMMU is present (%s), but the kernel made no IOMMU groups",
			 hw);
		snprintf(fix, sizeof(fix),
			 "add %s to %s; if that does not help, look for DMAR or AMD-Vi errors in the kernel log",
			 s->ivrs ? "amd_iommu=on" : "intel_iommu=on", GRUB_HOW);
	}
	finding(c, R_FAIL, NULL, "iommu", why, fix);
}

static void check_irq_remap(struct check *c, const struct iommu_state *s)
{
	char path[PATH_MAX], buf[64], v[16];
	const char *unsafe_fix =
		"vfio refuses such devices; only if you trust every guest: vfio_iommu_type1.allow_unsafe_interrupts=1";
	bool ir, unsafe;

	if (!s->dmar && !s->ivrs && !s->n_iommu)
		return;		/* no IOMMU: check_iommu() said it all */

	path_of(c, path, sizeof(path), "%s", "/proc/interrupts");
	ir = file_contains(path, "IR-");
	path_of(c, path, sizeof(path), "%s",
		"/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts");
	unsafe = read_text(path, buf, sizeof(buf)) > 0 && buf[0] == 'Y';

	if (ir) {
		finding(c, R_PASS, NULL, "interrupt-remapping",
			"interrupts are remapped (IR- interrupt chips in /proc/interrupts)",
			NULL);
		return;
	}
	if (cmdline_get(c, "nointremap", v, sizeof(v)) ||
	    has_item(cmdline_get(c, "intremap", v, sizeof(v)), "off")) {
		finding(c, unsafe ? R_WARN : R_FAIL, NULL, "interrupt-remapping",
			"interrupt remapping is turned off on the kernel command line (intremap=off or nointremap)",
			"remove intremap=off / nointremap from " GRUB_HOW);
		return;
	}
	if (s->first[0] && !strncmp(s->first, "dmar", 4)) {
		char p2[PATH_MAX];

		snprintf(p2, sizeof(p2), "/sys/class/iommu/%s/intel-iommu/ecap",
			 s->first);
		path_of(c, path, sizeof(path), "%s", p2);
		/* ECAP bit 3: interrupt remapping supported. */
		if (read_text(path, buf, sizeof(buf)) > 0 &&
		    !(strtoull(buf, NULL, 16) & 0x8)) {
			finding(c, unsafe ? R_WARN : R_FAIL, NULL,
				"interrupt-remapping",
				"the IOMMU cannot remap interrupts (ECAP IR bit clear)",
				unsafe_fix);
			return;
		}
	}
	finding(c, unsafe ? R_WARN : R_FAIL, NULL, "interrupt-remapping",
		unsafe ? "interrupts are not remapped, and vfio_iommu_type1.allow_unsafe_interrupts=1 lets guests forge interrupts" :
			 "interrupts are not remapped (no IR- interrupt chips in /proc/interrupts)",
		"turn on interrupt remapping / x2APIC in the firmware setup; otherwise " "vfio refuses to assign devices");
}

/* "loaded", "built in", "module" or NULL. */
static const char *module_state(const struct check *c, const char *sysname,
				const char *file)
{
	char path[PATH_MAX], p2[PATH_MAX];

	snprintf(p2, sizeof(p2), "/sys/module/%s", sysname);
	path_of(c, path, sizeof(path), "%s", p2);
	if (exists(path)) {
		snprintf(p2, sizeof(p2), "/sys/module/%s/initstate", sysname);
		path_of(c, path, sizeof(path), "%s", p2);
		return exists(path) ? "loaded" : "built in";
	}
	snprintf(p2, sizeof(p2), "/lib/modules/%s/modules.builtin", c->release);
	path_of(c, path, sizeof(path), "%s", p2);
	if (file_contains(path, file))
		return "built in";
	snprintf(p2, sizeof(p2), "/lib/modules/%s/modules.dep", c->release);
	path_of(c, path, sizeof(path), "%s", p2);
	if (file_contains(path, file))
		return "module";
	return NULL;
}

static void check_vfio(struct check *c)
{
	const char *pci = module_state(c, "vfio_pci", "/vfio-pci.ko");
	const char *type1 = module_state(c, "vfio_iommu_type1",
					 "/vfio_iommu_type1.ko");
	const char *iommufd = module_state(c, "iommufd", "/iommufd.ko");
	char why[LINE_LEN];

	if (!pci) {
		snprintf(why, sizeof(why),
			 "no vfio-pci for kernel %s: not loaded, not built in, not in modules.dep",
			 c->release);
		finding(c, R_FAIL, NULL, "vfio", why,
			"install this kernel's modules (or build it with CONFIG_VFIO_PCI)");
		return;
	}
	if (!type1 && !iommufd) {
		finding(c, R_FAIL, NULL, "vfio",
			"vfio-pci is there, but neither vfio_iommu_type1 nor iommufd is",
			"install this kernel's modules (CONFIG_VFIO_IOMMU_TYPE1 or CONFIG_IOMMUFD)");
		return;
	}
	snprintf(why, sizeof(why), "vfio-pci: %s%s; %s: %s", pci,
		 !strcmp(pci, "module") ? " (loads on demand)" : "",
		 type1 ? "vfio_iommu_type1" : "iommufd", type1 ? type1 : iommufd);
	finding(c, R_PASS, NULL, "vfio", why, NULL);
}

static void check_passthrough(struct check *c, const struct iommu_state *s)
{
	char v[64], path[PATH_MAX], type[32], why[LINE_LEN];
	const char *pt = cmdline_get(c, "iommu", v, sizeof(v));
	struct dirent *de;
	DIR *d;

	if (s->n_groups <= 0)
		return;
	if (has_item(pt, "pt") ||
	    has_item(cmdline_get(c, "iommu.passthrough", v, sizeof(v)), "1")) {
		finding(c, R_PASS, NULL, "iommu-passthrough",
			"devices the host keeps use identity mapping (iommu=pt): no translation cost for host I/O",
			NULL);
		return;
	}
	type[0] = '\0';
	path_of(c, path, sizeof(path), "%s", "/sys/kernel/iommu_groups");
	d = opendir(path);
	while (d && (de = readdir(d))) {
		char p2[PATH_MAX];

		if (de->d_name[0] == '.')
			continue;
		if (snprintf(p2, sizeof(p2), "%s/%s/type", path,
			     de->d_name) >= (int)sizeof(p2))
			continue;
		if (read_text(p2, type, sizeof(type)) > 0)
			break;
	}
	if (d)
		closedir(d);
	if (!strcmp(type, "identity")) {
		finding(c, R_PASS, NULL, "iommu-passthrough",
			"devices the host keeps use identity mapping (this kernel's default)",
			NULL);
		return;
	}
	snprintf(why, sizeof(why),
		 "devices the host keeps have their DMA translated (default domain %s); passthrough works either way",
		 type[0] ? type : "DMA");
	finding(c, R_PASS, NULL, "iommu-passthrough", why,
		"optional: iommu=pt on the kernel command line saves the translation cost for host I/O (" GRUB_HOW ")");
}

static void check_acs_override(struct check *c)
{
	char v[128];

	if (!cmdline_get(c, "pcie_acs_override", v, sizeof(v)))
		return;
	finding(c, R_WARN, NULL, "acs-override",
		"pcie_acs_override is on the kernel command line: IOMMU groups may claim isolation the hardware does not provide",
		"remove it, and see \"pcipass why BDF\" for where isolation really breaks");
}

/* --- per-function checks ------------------------------------------------ */

static void check_group(struct check *c, const struct pcipass_dev *dev)
{
	const char *bdf = pcipass_dev_get_bdf(dev);
	const char *own = pcipass_dev_get_driver(dev);
	struct pcipass_group *g = pcipass_dev_get_group(dev);
	char why[LINE_LEN], blk[LINE_LEN] = "", fix[LINE_LEN];
	struct pcipass_dev *m;
	size_t n = 0, nb = 0;

	if (!g) {
		finding(c, R_FAIL, bdf, "group",
			"no IOMMU group: nothing can be assigned while the IOMMU is off",
			"enable the IOMMU (see the iommu check)");
		return;
	}
	pcipass_group_for_each_member(m, g) {
		const char *drv = pcipass_dev_get_driver(m);
		int w;

		n++;
		if (m == dev || pcipass_dev_is_bridge(m) || !drv ||
		    !strcmp(drv, "vfio-pci") || !strcmp(drv, "pci-stub"))
			continue;
		w = snprintf(blk + nb, sizeof(blk) - nb, "%s%s on %s",
			     nb ? ", " : "", pcipass_dev_get_bdf(m), drv);
		if (w > 0 && (size_t)w < sizeof(blk) - nb)
			nb += (size_t)w;
	}
	if (nb) {
		/*
		 * Not "viable": group show says that of a group a VFIO user
		 * can open now; this is about this function's group mates.
		 */
		snprintf(why, sizeof(why), "group %u has functions the host uses: %s",
			 pcipass_group_get_id(g), blk);
		snprintf(fix, sizeof(fix),
			 "assign the whole group: every function of group %u on vfio-pci (\"pcipass claim %s\" claims the group); \"pcipass why %s\" says why they share",
			 pcipass_group_get_id(g), bdf, bdf);
		finding(c, R_WARN, bdf, "group", why, fix);
		return;
	}
	if (n <= 1) {
		snprintf(why, sizeof(why), "alone in group %u: isolated%s%s",
			 pcipass_group_get_id(g), own ? "; now on " : "",
			 own ? own : "");
		finding(c, R_PASS, bdf, "group", why, NULL);
		return;
	}
	snprintf(why, sizeof(why),
		 "group %u can be assigned whole: %zu functions, the others unbound, bridges or on vfio-pci",
		 pcipass_group_get_id(g), n);
	finding(c, R_PASS, bdf, "group", why,
		"assign every endpoint of the group to the same VM");
}

/* FLR in config space: 1 yes, 0 no, -1 unreadable (not root). */
static int config_flr(const struct check *c, const char *bdf)
{
	char path[PATH_MAX], p2[PATH_MAX];
	uint8_t cfg[256];
	unsigned int ptr, guard = 0;
	ssize_t n;
	int fd;

	snprintf(p2, sizeof(p2), "/sys/bus/pci/devices/%s/config", bdf);
	path_of(c, path, sizeof(path), "%s", p2);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = pread(fd, cfg, sizeof(cfg), 0);
	close(fd);
	if (n < (ssize_t)sizeof(cfg))
		return -1;	/* unprivileged reads stop at 64 bytes */
	if (!(cfg[0x06] & 0x10))
		return 0;
	for (ptr = cfg[0x34] & 0xfc; ptr && guard < 48; guard++) {
		if (ptr > sizeof(cfg) - 8)
			break;
		if (cfg[ptr] == 0x10) {		/* PCI Express: DevCap bit 28 */
			uint32_t devcap = cfg[ptr + 4] | cfg[ptr + 5] << 8 |
					  cfg[ptr + 6] << 16 |
					  (uint32_t)cfg[ptr + 7] << 24;

			if (devcap & (1u << 28))
				return 1;
		} else if (cfg[ptr] == 0x13) {	/* Advanced Features: FLR */
			if (cfg[ptr + 3] & 0x02)
				return 1;
		}
		ptr = cfg[ptr + 1] & 0xfc;
	}
	return 0;
}

static void check_reset(struct check *c, const struct iso_topo *t,
			const struct pcipass_dev *dev)
{
	const char *bdf = pcipass_dev_get_bdf(dev);
	char path[PATH_MAX], rpath[PATH_MAX], p2[PATH_MAX], methods[128];
	char others[LINE_LEN] = "", why[LINE_LEN];
	size_t i, no = 0;
	int flr = config_flr(c, bdf);
	const char *flr_text = flr > 0 ? "config space: FLR capable" :
			       flr == 0 ? "config space: no FLR" :
					  "config space: not readable";
	char *w, *save;
	bool good = false, bus = false;

	snprintf(p2, sizeof(p2), "/sys/bus/pci/devices/%s/reset_method", bdf);
	path_of(c, path, sizeof(path), "%s", p2);
	snprintf(p2, sizeof(p2), "/sys/bus/pci/devices/%s/reset", bdf);
	path_of(c, rpath, sizeof(rpath), "%s", p2);
	if (!exists(path) && exists(rpath)) {
		/*
		 * A reset, but no reset_method: Linux before 5.15, which
		 * tries FLR first, as config space shows; what else it would
		 * use cannot be read. (Since 5.15 both files are hidden when
		 * the function has no reset at all.)
		 */
		if (flr > 0) {
			finding(c, R_PASS, bdf, "reset",
				"FLR (config space; the kernel lists no reset_method)",
				NULL);
			return;
		}
		snprintf(why, sizeof(why),
			 "a reset of a kind the kernel does not list (no reset_method before Linux 5.15), and %s",
			 flr_text);
		finding(c, R_WARN, bdf, "reset", why,
			"check on Linux 5.15 or newer, which lists the reset methods");
		return;
	}
	if (read_text(path, methods, sizeof(methods)) < 0)
		methods[0] = '\0';
	snprintf(p2, sizeof(p2), "%s", methods);
	for (w = strtok_r(p2, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (!strcmp(w, "bus") || !strcmp(w, "cxl_bus"))
			bus = true;
		else
			good = true;
	}
	if (good) {
		snprintf(why, sizeof(why), "reset methods: %s (%s)", methods,
			 flr_text);
		finding(c, R_PASS, bdf, "reset", why, NULL);
		return;
	}
	if (bus) {
		for (i = 0; i < t->n; i++) {
			const struct iso_fn *g = &t->fns[i];
			int wr;

			if (strcmp(g->bdf, bdf) &&
			    g->domain == pcipass_dev_get_domain(dev) &&
			    g->bus == pcipass_dev_get_bus(dev)) {
				wr = snprintf(others + no, sizeof(others) - no,
					      "%s%s", no ? ", " : "", g->bdf);
				if (wr > 0 && (size_t)wr < sizeof(others) - no)
					no += (size_t)wr;
			}
		}
		if (!no) {
			snprintf(why, sizeof(why),
				 "only a secondary bus reset, and the function is alone on its bus (%s)",
				 flr_text);
			finding(c, R_PASS, bdf, "reset", why, NULL);
			return;
		}
		snprintf(why, sizeof(why),
			 "only a secondary bus reset, which also resets %s (%s)",
			 others, flr_text);
		finding(c, R_WARN, bdf, "reset", why,
			"give the VM every function on the bus, so that vfio may reset them together");
		return;
	}
	snprintf(why, sizeof(why),
		 "no usable reset: the device keeps its state from one VM to the next (%s)",
		 flr_text);
	finding(c, R_WARN, bdf, "reset", why,
		"expect trouble after a guest reboot; a device-specific reset (e.g. the vendor-reset module) or a host reboot between VMs helps");
}

static void check_boot_vga(struct check *c, const struct pcipass_dev *dev)
{
	const char *bdf = pcipass_dev_get_bdf(dev);
	char path[PATH_MAX], p2[PATH_MAX], v[8];

	snprintf(p2, sizeof(p2), "/sys/bus/pci/devices/%s/boot_vga", bdf);
	path_of(c, path, sizeof(path), "%s", p2);
	if (read_text(path, v, sizeof(v)) < 0)
		return;
	if (strcmp(v, "1")) {
		finding(c, R_PASS, bdf, "boot-vga", "not the boot display", NULL);
		return;
	}
	finding(c, R_WARN, bdf, "boot-vga",
		"the boot display: the firmware console and the host's framebuffer (efifb, simpledrm) use it",
		"make another display primary in the firmware setup, or free it first (video=efifb:off, unbind the console)");
}

/*
 * Read a ROM through sysfs and leave it as it was: enable it, read it and
 * disable it again, unless it was enabled already (a read of a disabled
 * ROM fails with EINVAL). Disable with "0\n": 6.1's pci_write_rom() takes
 * only the two bytes "0\n" as off and anything else, a lone "0" too, as
 * on; 6.12's parses either with kstrtobool(). It writes only to sysfs, and
 * only when @may_write (not a captured tree: its links may point at the
 * running system's files). Returns bytes or -errno.
 */
static ssize_t rom_read(const char *path, bool may_write, uint8_t **out)
{
	bool was_enabled;
	struct statfs fs;
	struct stat st;
	size_t size, got = 0;
	uint8_t *buf;
	uint8_t probe;
	ssize_t n;
	int fd, err = 0;

	fd = open(path, (may_write ? O_RDWR : O_RDONLY) | O_NONBLOCK |
			O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		close(fd);
		return -EIO;
	}
	size = (size_t)st.st_size < ROM_READ_MAX ? (size_t)st.st_size :
						   ROM_READ_MAX;
	buf = malloc(size);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	was_enabled = pread(fd, &probe, 1, 0) >= 0;
	if (!was_enabled && (!may_write || fstatfs(fd, &fs) ||
			     fs.f_type != SYSFS_MAGIC)) {
		err = -EROFS;
		goto out;
	}
	if (!was_enabled && pwrite(fd, "1", 1, 0) != 1) {
		err = -errno;
		goto out;
	}
	while (got < size) {
		n = pread(fd, buf + got, size - got, (off_t)got);
		if (n < 0) {
			err = -errno;
			break;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	if (!was_enabled && pwrite(fd, "0\n", 2, 0) != 2 && !err)
		err = -errno;
out:
	close(fd);
	if (err && !got) {
		free(buf);
		return err;
	}
	*out = buf;
	return (ssize_t)got;
}

/*
 * Whose ROM check reads: a function no driver uses, or one vfio-pci or
 * pci-stub holds. Enabling the ROM of a function a host driver or a
 * running guest drives can disturb it (on many devices the ROM shares its
 * address decoder with a BAR); "rom" asks for those too.
 */
static bool rom_readable(const struct check *c, const struct pcipass_dev *dev)
{
	const char *drv = pcipass_dev_get_driver(dev);

	return c->rom_all || !drv || !strcmp(drv, "vfio-pci") ||
	       !strcmp(drv, "pci-stub");
}

static void check_rom(struct check *c, const struct pcipass_dev *dev)
{
	const char *bdf = pcipass_dev_get_bdf(dev);
	bool display = pcipass_dev_get_class(dev) >> 16 == 0x03;
	char path[PATH_MAX], p2[PATH_MAX], why[LINE_LEN], list[LINE_LEN] = "";
	struct rom_info info;
	uint8_t *rom = NULL;
	ssize_t len;
	size_t i, n = 0;
	bool efi;

	snprintf(p2, sizeof(p2), "/sys/bus/pci/devices/%s/rom", bdf);
	path_of(c, path, sizeof(path), "%s", p2);
	if (!exists(path))
		return;
	if (!rom_readable(c, dev)) {
		snprintf(why, sizeof(why),
			 "expansion ROM not read: %s drives the function, and enabling its ROM can disturb it",
			 pcipass_dev_get_driver(dev));
		snprintf(list, sizeof(list), "pcipass check %s rom reads it anyway",
			 bdf);
		finding(c, R_SKIP, bdf, "rom", why, list);
		return;
	}
	len = rom_read(path, !*c->root, &rom);
	if (len == -EROFS) {
		finding(c, R_SKIP, bdf, "rom",
			"expansion ROM not read: it is disabled, and check enables ROMs only in the running system's sysfs, not in a tree under a sysfs root",
			NULL);
		return;
	}
	if (len < 0) {
		snprintf(why, sizeof(why), "cannot read the expansion ROM: %s",
			 strerror((int)-len));
		finding(c, R_WARN, bdf, "rom", why,
			len == -EACCES || len == -EPERM ?
			"run pcipass check as root to read it" : NULL);
		return;
	}
	rom_parse(rom, (size_t)len, &info);
	free(rom);
	efi = rom_has_efi(&info);

	for (i = 0; i < info.n_images; i++) {
		const struct rom_image *img = &info.images[i];
		const char *name = rom_code_type_name(img->code_type);
		const char *mach = img->efi ? rom_efi_machine_name(img->efi_machine) : NULL;
		int w;

		w = snprintf(list + n, sizeof(list) - n, "%s%s%s%s %zu KiB",
			     i ? ", " : "", name ? name : "code type ?",
			     mach ? " " : "", mach ? mach : "", img->length / 1024);
		if (w > 0 && (size_t)w < sizeof(list) - n)
			n += (size_t)w;
	}
	if (!info.n_images)
		snprintf(why, sizeof(why), "the expansion ROM holds no valid image (%s)",
			 info.stopped);
	else
		snprintf(why, sizeof(why), "expansion ROM: %s; EFI image %s",
			 list, efi ? "present" : "absent");

	if (efi)
		finding_begin(c, R_PASS, bdf, "rom", why, NULL);
	else if (display)
		finding_begin(c, R_WARN, bdf, "rom", why,
			      "a UEFI guest (OVMF) has no GOP driver for it and shows nothing until its own driver loads: boot the guest with SeaBIOS, or give QEMU a ROM file with an EFI image (libvirt <rom file=.../>)");
	else
		finding_begin(c, R_PASS, bdf, "rom", why,
			      info.n_images ? "a UEFI guest cannot use this ROM (no network boot from it)" : NULL);
	print_bool(PRINT_JSON, "efi", NULL, efi);
	open_json_array("images");
	for (i = 0; i < info.n_images; i++) {
		const struct rom_image *img = &info.images[i];
		const char *name = rom_code_type_name(img->code_type);
		const char *mach = img->efi ? rom_efi_machine_name(img->efi_machine) : NULL;

		open_json_object(NULL);
		print_uint(PRINT_JSON, "offset", NULL, img->offset);
		print_uint(PRINT_JSON, "length", NULL, img->length);
		print_uint(PRINT_JSON, "code-type", NULL, img->code_type);
		print_string(PRINT_JSON, "code-type-name", NULL, name);
		print_hex(PRINT_JSON, "vendor", NULL, 4, img->vendor);
		print_hex(PRINT_JSON, "device", NULL, 4, img->device);
		print_bool(PRINT_JSON, "last", NULL, img->last);
		print_string(PRINT_JSON, "efi-machine", NULL, mach);
		close_json_object();
	}
	close_json_array();
	finding_end();
}

static void check_sriov(struct check *c, const struct pcipass_dev *dev)
{
	const char *bdf = pcipass_dev_get_bdf(dev);
	char why[LINE_LEN], fix[LINE_LEN];

	if (!pcipass_dev_is_sriov_pf(dev))
		return;
	snprintf(why, sizeof(why),
		 "an SR-IOV physical function (%u VFs supported, %u enabled): OpenStack nova records it as type-PF, not type-PCI",
		 pcipass_dev_get_sriov_total_vfs(dev),
		 pcipass_dev_get_sriov_num_vfs(dev));
	snprintf(fix, sizeof(fix),
		 "for nova, its [pci] alias needs \"device_type\": \"type-PF\", e.g. alias = {\"vendor_id\": \"%04x\", \"product_id\": \"%04x\", \"device_type\": \"type-PF\", \"name\": \"...\"}; without it no host matches",
		 pcipass_dev_get_vendor(dev), pcipass_dev_get_device(dev));
	finding(c, R_WARN, bdf, "sriov", why, fix);
}

/* @snap, or NULL and @err from pcipass_snapshot_new(); @snap is dropped. */
static void check_devices(struct check *c, const struct pcipass_slot_filter *filter,
			  bool filtered, struct pcipass_snapshot *snap, int err)
{
	struct pcipass_dev *dev;
	struct iso_topo t;
	/* A filter naming one function checks it even if it is a bridge. */
	bool exact = filtered && filter->bus != PCIPASS_FILTER_ANY &&
		     filter->slot != PCIPASS_FILTER_ANY &&
		     filter->func != PCIPASS_FILTER_ANY;
	size_t n = 0;

	if (err == -ENOENT) {
		finding(c, R_FAIL, NULL, "pcipass",
			"the pcipass kernel module is not loaded: no per-function checks",
			"load it (modprobe pcipass), then run the check again");
		return;
	}
	if (err < 0) {
		char why[LINE_LEN];
		const char *extack = pcipass_get_extack(c->pp->ctx);

		snprintf(why, sizeof(why), "no per-function checks: %s%s%s",
			 strerror(-err), extack ? ": " : "",
			 extack ? extack : "");
		finding(c, R_FAIL, NULL, "pcipass", why, NULL);
		return;
	}
	if (pcipass_snapshot_get_source(snap) == PCIPASS_SOURCE_SYSFS)
		finding(c, R_WARN, NULL, "pcipass",
			"the pcipass module is not used: functions and groups read from sysfs (no generation check)",
			"load it (modprobe pcipass) to claim at probe time");
	if (why_topo_build(snap, &t) < 0) {
		pcipass_snapshot_unref(snap);
		finding(c, R_FAIL, NULL, "pcipass", "out of memory", NULL);
		return;
	}
	pcipass_snapshot_for_each_dev(dev, snap) {
		if (!pcipass_slot_filter_match(filter, pcipass_dev_get_domain(dev),
					       pcipass_dev_get_bus(dev),
					       pcipass_dev_get_devfn(dev)))
			continue;
		if (pcipass_dev_is_bridge(dev) && !exact)
			continue;
		n++;
		check_group(c, dev);
		check_reset(c, &t, dev);
		check_boot_vga(c, dev);
		check_rom(c, dev);
		check_sriov(c, dev);
	}
	if (!n && filtered)
		finding(c, R_FAIL, NULL, "pcipass",
			"the filter matches only bridges, which are checked only when named one by one",
			"name the bridge: BUS:SLOT.FUNC");
	free((void *)t.fns);
	pcipass_snapshot_unref(snap);
}

static int check_run(struct pp *pp, int argc, char **argv)
{
	struct pcipass_slot_filter filter;
	struct check c = { .pp = pp };
	struct iommu_state s;
	struct utsname u;
	char path[PATH_MAX];
	struct pcipass_snapshot *snap;
	int err, ret, serr;

	/* [FILTER] [rom] */
	if (argc && !strcmp(argv[argc - 1], "rom")) {
		c.rom_all = true;
		argc--;
	}
	err = pp_parse_optional_filter(argc, argv, "check", &filter);
	if (err)
		return err;

	/*
	 * One snapshot for the whole check; a FILTER that names nothing is
	 * an error before any finding.
	 */
	serr = pcipass_snapshot_new(pp->ctx, &snap);
	if (serr < 0)
		snap = NULL;
	if (snap && argc && !pp_any_match(snap, &filter)) {
		pcipass_snapshot_unref(snap);
		return pp_no_match("check", argv[0]);
	}

	c.root = pcipass_get_sysfs_root(pp->ctx) ?: "";
	if (!uname(&u))
		snprintf(c.release, sizeof(c.release), "%s", u.release);
	path_of(&c, path, sizeof(path), "%s", "/proc/cmdline");
	if (read_text(path, c.cmdline, sizeof(c.cmdline)) < 0)
		c.cmdline[0] = '\0';

	output_start(pp->json, pp->pretty);
	check_iommu(&c, &s);
	check_irq_remap(&c, &s);
	check_vfio(&c);
	check_passthrough(&c, &s);
	check_acs_override(&c);
	check_devices(&c, &filter, argc > 0, snap, serr);
	print_text("%u passed, %u warnings, %u failed, %u skipped\n",
		   c.count[R_PASS], c.count[R_WARN], c.count[R_FAIL],
		   c.count[R_SKIP]);
	ret = pp_output_end();
	if (ret)
		return ret;
	return c.worst == R_FAIL ? EXIT_FAILURE :
	       c.worst == R_WARN ? EXIT_WARN : EXIT_SUCCESS;
}

static int check_help(struct pp *pp, int argc, char **argv)
{
	(void)pp;
	(void)argc;
	(void)argv;
	fputs("Usage: pcipass [-j [-p]] check [FILTER] [rom]\n"
	      "Preflight for passthrough: the host's IOMMU, interrupt remapping\n"
	      "and vfio, then for each function FILTER matches (every function\n"
	      "but bridges without one): IOMMU group, reset, boot display,\n"
	      "expansion ROM, SR-IOV. A ROM is read only of functions without\n"
	      "a driver or on vfio-pci; \"rom\" reads those a driver uses too.\n"
	      "Exit status: 0 all passed, 3 warnings, 1 failures, 2 usage error.\n",
	      stdout);
	return EXIT_SUCCESS;
}

int do_check(struct pp *pp, int argc, char **argv)
{
	if (argc && !strcmp(argv[0], "help"))
		return check_help(pp, argc - 1, argv + 1);
	return check_run(pp, argc, argv);
}
