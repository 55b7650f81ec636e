// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcipass persist: make the current claims survive a reboot.
 *
 *	pcipass persist [FILTER...] [root DIR]
 *	pcipass persist remove [root DIR]
 *
 * persist writes, below DIR (default /):
 *
 *	etc/modprobe.d/pcipass.conf	options pcipass claim=<every function
 *					pcipass claims now, and those FILTERs
 *					match, with their IOMMU groups>
 *					softdep <native module> pre: pcipass
 *	etc/initramfs-tools/hooks/pcipass	  when DIR has initramfs-tools
 *	etc/initramfs-tools/scripts/init-top/pcipass
 *	usr/lib/dracut/modules.d/90pcipass/	  when DIR has dracut
 *
 * and prints the kernel command line the IOMMU needs; it never edits the
 * bootloader nor rebuilds the initramfs. pcipass.conf also records, in
 * comments, the other files and the directories persist created, so that
 * remove takes out exactly those (directories only when empty) and leaves
 * DIR as it was. A file persist did not write is never overwritten.
 *
 * Every file is written to a temporary file beside it and renamed into
 * place, pcipass.conf last; on any failure what was done is undone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libkmod.h>
#include <linux/pcipass.h>

#include "output.h"
#include "pcipass-cli.h"
#include "persist-files.h"

#define CONF_REL	"etc/modprobe.d/pcipass.conf"
#define HOOK_REL	"etc/initramfs-tools/hooks/pcipass"
#define INIT_TOP_REL	"etc/initramfs-tools/scripts/init-top/pcipass"
#define DRACUT_DIR_REL	"usr/lib/dracut/modules.d/90pcipass"
#define DRACUT_SETUP_REL DRACUT_DIR_REL "/module-setup.sh"
#define DRACUT_LOAD_REL	DRACUT_DIR_REL "/pcipass-load.sh"
#define CONF_MARK	"# Written by \"pcipass persist\""
#define REC_FILE	"# pcipass-persist-file: "
#define REC_DIR		"# pcipass-persist-dir: "
#define MAX_ENTRIES	32

struct buf {
	char *s;
	size_t len, cap;
};

static int buf_add(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int buf_add(struct buf *b, const char *fmt, ...)
{
	va_list args;
	size_t cap;
	char *s;
	int n;

	for (;;) {
		va_start(args, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL,
			      b->s ? b->cap - b->len : 0, fmt, args);
		va_end(args);
		if (n < 0)
			return -EINVAL;
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return 0;
		}
		cap = b->cap ? b->cap * 2 : 1024;
		while (cap <= b->len + (size_t)n)
			cap *= 2;
		s = realloc(b->s, cap);
		if (!s)
			return -ENOMEM;
		b->s = s;
		b->cap = cap;
	}
}

/* A list of relative paths (files or directories persist owns). */
struct names {
	char *v[MAX_ENTRIES];
	size_t n;
};

static bool names_has(const struct names *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

static int names_add(struct names *l, const char *s)
{
	if (names_has(l, s))
		return 0;
	if (l->n == MAX_ENTRIES)
		return -E2BIG;
	l->v[l->n] = strdup(s);
	if (!l->v[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

static void names_free(struct names *l)
{
	while (l->n)
		free(l->v[--l->n]);
}

struct pfile {
	const char *rel;
	mode_t mode;
	const char *data;
	size_t len;
	/* What is there now. */
	bool exists;
	char *old;
	size_t old_len;
	mode_t old_mode;
	/* What persist does with it. */
	bool write;		/* content or mode differ, and it is ours */
	bool ours;		/* recorded, or written now */
	char *tmp;		/* temporary file, once written */
	bool renamed;
};

struct persist {
	struct pp *pp;
	const char *root;	/* as given, for messages */
	char rootdir[PATH_MAX];	/* without trailing '/', "" for / */
	struct pfile files[8];
	size_t n_files;
	struct names rec_files;	/* recorded in the old pcipass.conf */
	struct names rec_dirs;
	struct names new_dirs;	/* to create, parents first */
	size_t n_created;
};

/* rootdir is at most PATH_MAX - 64 and every rel is short. */
static void path_of(const struct persist *ps, char *out, size_t len,
		    const char *rel)
{
	int n = snprintf(out, len, "%s/%s", ps->rootdir, rel);

	if (n < 0 || (size_t)n >= len)
		out[0] = '\0';
}

static int persist_error(const struct persist *ps, const char *rel, int err)
{
	char path[PATH_MAX];

	path_of(ps, path, sizeof(path), rel);
	fprintf(stderr, "pcipass: persist: %s: %s\n", path, strerror(err));
	return EXIT_FAILURE;
}

/*
 * Read a whole file. Files in /proc report a size of 0, so read until end
 * of file rather than trusting st_size.
 */
static int read_file(const char *path, char **data, size_t *len, mode_t *mode)
{
	size_t cap, off = 0;
	struct stat st;
	char *s, *t;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	else
		err = 0;
	if (err) {
		close(fd);
		return err;
	}
	cap = (size_t)st.st_size + 4096;
	s = malloc(cap);
	while (s) {
		n = read(fd, s + off, cap - off - 1);
		if (n < 0) {
			err = -errno;
			free(s);
			close(fd);
			return err;
		}
		if (!n)
			break;
		off += (size_t)n;
		if (cap - off > 1)
			continue;
		cap *= 2;
		t = realloc(s, cap);
		if (!t)
			free(s);
		s = t;
	}
	close(fd);
	if (!s)
		return -ENOMEM;
	s[off] = '\0';
	*data = s;
	*len = off;
	if (mode)
		*mode = st.st_mode & 07777;
	return 0;
}

/* Root directory argument: an existing directory. */
static int persist_set_root(struct persist *ps, const char *root)
{
	struct stat st;
	size_t len;

	ps->root = root;
	if (stat(root, &st)) {
		fprintf(stderr, "pcipass: persist: root \"%s\": %s\n", root,
			strerror(errno));
		return EXIT_FAILURE;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "pcipass: persist: root \"%s\": %s\n", root,
			strerror(ENOTDIR));
		return EXIT_FAILURE;
	}
	len = strlen(root);
	while (len > 1 && root[len - 1] == '/')
		len--;
	if (len == 1 && root[0] == '/')
		len = 0;
	if (len >= sizeof(ps->rootdir) - 64) {
		fprintf(stderr, "pcipass: persist: root \"%s\": %s\n", root,
			strerror(ENAMETOOLONG));
		return EXIT_FAILURE;
	}
	memcpy(ps->rootdir, root, len);
	ps->rootdir[len] = '\0';
	return 0;
}

/* Every file persist may write, below the root. */
static const char *const persist_rels[] = {
	HOOK_REL, INIT_TOP_REL, DRACUT_SETUP_REL, DRACUT_LOAD_REL, CONF_REL,
};

/*
 * What pcipass.conf records must be what persist could have written: one
 * of its files, or a directory above one. The record is only text, in an
 * image persist may be pointed at; remove unlinks what it names, as root.
 */
static bool persist_rel_known(const char *rel, bool dir)
{
	size_t i, len = strlen(rel);

	for (i = 0; i < sizeof(persist_rels) / sizeof(persist_rels[0]); i++) {
		const char *f = persist_rels[i];

		if (dir ? len < strlen(f) && !strncmp(f, rel, len) &&
			  f[len] == '/' :
			  !strcmp(f, rel))
			return true;
	}
	return false;
}

/*
 * Read what the previous "pcipass persist" recorded in pcipass.conf.
 * Returns 0 (nothing recorded when there is no pcipass.conf), or an exit
 * status after a message when pcipass.conf is not ours.
 */
static int persist_read_record(struct persist *ps, bool *have)
{
	char path[PATH_MAX], *data, *line, *next;
	size_t len;
	int err;

	*have = false;
	path_of(ps, path, sizeof(path), CONF_REL);
	err = read_file(path, &data, &len, NULL);
	if (err == -ENOENT)
		return 0;
	if (err)
		return persist_error(ps, CONF_REL, -err);
	if (strncmp(data, CONF_MARK, strlen(CONF_MARK))) {
		fprintf(stderr, "pcipass: persist: %s was not written by pcipass persist; move it away first\n",
			path);
		free(data);
		return EXIT_FAILURE;
	}
	*have = true;
	for (line = data; line && *line; line = next) {
		bool is_file, is_dir;
		const char *rel;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		is_file = !strncmp(line, REC_FILE, strlen(REC_FILE));
		is_dir = !strncmp(line, REC_DIR, strlen(REC_DIR));
		if (!is_file && !is_dir)
			continue;
		rel = line + strlen(is_file ? REC_FILE : REC_DIR);
		if (!persist_rel_known(rel, is_dir)) {
			fprintf(stderr, "pcipass: persist: %s records \"%.*s\", which persist never writes; nothing changed\n",
				path, 256, rel);
			free(data);
			return EXIT_FAILURE;
		}
		err = names_add(is_file ? &ps->rec_files : &ps->rec_dirs, rel);
		if (err) {
			free(data);
			return persist_error(ps, CONF_REL, -err);
		}
	}
	free(data);
	return 0;
}

static bool is_dir(const struct persist *ps, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	path_of(ps, path, sizeof(path), rel);
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static void persist_add_file(struct persist *ps, const char *rel, mode_t mode,
			     const void *data, size_t len)
{
	struct pfile *f = &ps->files[ps->n_files++];

	f->rel = rel;
	f->mode = mode;
	f->data = data;
	f->len = len;
}

/*
 * Which directories along @rel's parent are missing: add them to
 * new_dirs, parents first. Fails on a component that is not a directory.
 */
static int persist_plan_dirs(struct persist *ps, const char *rel)
{
	char dir[PATH_MAX], path[PATH_MAX];
	const char *slash = rel;
	struct stat st;
	int err;

	while ((slash = strchr(slash, '/'))) {
		if (snprintf(dir, sizeof(dir), "%.*s", (int)(slash - rel),
			     rel) < 0)
			return persist_error(ps, rel, EINVAL);
		slash++;
		if (names_has(&ps->new_dirs, dir))
			continue;
		path_of(ps, path, sizeof(path), dir);
		if (!stat(path, &st)) {
			if (!S_ISDIR(st.st_mode))
				return persist_error(ps, dir, ENOTDIR);
			continue;
		}
		if (errno != ENOENT)
			return persist_error(ps, dir, errno);
		err = names_add(&ps->new_dirs, dir);
		if (err)
			return persist_error(ps, dir, -err);
	}
	return 0;
}

/* Is what is there not what persist would write? */
static bool pfile_differs(const struct pfile *f)
{
	return !f->exists || f->old_len != f->len || f->old_mode != f->mode ||
	       memcmp(f->old, f->data, f->len);
}

/* Compare each file with what is there and decide what to do with it. */
static int persist_plan(struct persist *ps)
{
	char path[PATH_MAX];
	size_t i;
	int err;

	for (i = 0; i < ps->n_files; i++) {
		struct pfile *f = &ps->files[i];
		bool is_conf = !strcmp(f->rel, CONF_REL);

		path_of(ps, path, sizeof(path), f->rel);
		err = read_file(path, &f->old, &f->old_len, &f->old_mode);
		if (err && err != -ENOENT)
			return persist_error(ps, f->rel, -err);
		f->exists = !err;
		f->ours = is_conf || names_has(&ps->rec_files, f->rel) ||
			  !f->exists;
		/* Someone else's file (a package's): leave it be. */
		if (!f->ours)
			continue;
		/* pcipass.conf's text depends on this plan: decided later. */
		if (is_conf) {
			if (!f->exists)
				err = persist_plan_dirs(ps, f->rel);
			if (err)
				return err;
			continue;
		}
		f->write = pfile_differs(f);
		if (f->write) {
			err = persist_plan_dirs(ps, f->rel);
			if (err)
				return err;
		}
	}
	return 0;
}

static int write_tmp(const struct persist *ps, struct pfile *f,
		     const char *data, size_t len, mode_t mode)
{
	char path[PATH_MAX];
	size_t off = 0;
	int fd, err = 0;

	path_of(ps, path, sizeof(path), f->rel);
	if (asprintf(&f->tmp, "%s.pcipass-XXXXXX", path) < 0) {
		f->tmp = NULL;
		return -ENOMEM;
	}
	fd = mkstemp(f->tmp);
	if (fd < 0) {
		err = -errno;
		free(f->tmp);
		f->tmp = NULL;
		return err;
	}
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0) {
			err = -errno;
			break;
		}
		off += (size_t)n;
	}
	if (!err && fchmod(fd, mode))
		err = -errno;
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (err) {
		unlink(f->tmp);
		free(f->tmp);
		f->tmp = NULL;
	}
	return err;
}

/* Undo: old contents back, temporary files and new directories gone. */
static void persist_rollback(struct persist *ps)
{
	char path[PATH_MAX];
	size_t i;

	for (i = ps->n_files; i-- > 0;) {
		struct pfile *f = &ps->files[i];

		if (f->tmp) {
			unlink(f->tmp);
			free(f->tmp);
			f->tmp = NULL;
		}
		if (!f->renamed)
			continue;
		path_of(ps, path, sizeof(path), f->rel);
		if (!f->exists) {
			unlink(path);
		} else if (!write_tmp(ps, f, f->old, f->old_len, f->old_mode)) {
			if (rename(f->tmp, path))
				unlink(f->tmp);
			free(f->tmp);
			f->tmp = NULL;
		}
	}
	for (i = ps->n_created; i-- > 0;) {
		path_of(ps, path, sizeof(path), ps->new_dirs.v[i]);
		rmdir(path);
	}
}

static int persist_commit(struct persist *ps)
{
	char path[PATH_MAX];
	size_t i;
	int err;

	for (i = 0; i < ps->new_dirs.n; i++) {
		path_of(ps, path, sizeof(path), ps->new_dirs.v[i]);
		if (mkdir(path, 0755)) {
			err = errno;
			persist_rollback(ps);
			return persist_error(ps, ps->new_dirs.v[i], err);
		}
		ps->n_created++;
	}
	for (i = 0; i < ps->n_files; i++) {
		struct pfile *f = &ps->files[i];

		if (!f->write)
			continue;
		err = write_tmp(ps, f, f->data, f->len, f->mode);
		if (err) {
			persist_rollback(ps);
			return persist_error(ps, f->rel, -err);
		}
	}
	for (i = 0; i < ps->n_files; i++) {
		struct pfile *f = &ps->files[i];

		if (!f->write)
			continue;
		path_of(ps, path, sizeof(path), f->rel);
		if (rename(f->tmp, path)) {
			err = errno;
			persist_rollback(ps);
			return persist_error(ps, f->rel, err);
		}
		free(f->tmp);
		f->tmp = NULL;
		f->renamed = true;
	}
	return 0;
}

/* One function to persist, and the modules that would drive it natively. */
struct pfunc {
	const struct pcipass_dev *dev;
	bool claimed;
	struct names native;	/* modules */
	struct names builtin;	/* built-in drivers */
};

static bool is_vfio(const char *drv)
{
	return drv && (!strcmp(drv, "vfio-pci") || !strcmp(drv, "pci-stub"));
}

static bool skip_module(const char *name)
{
	return !strcmp(name, "vfio_pci") || !strcmp(name, "pci_stub") ||
	       !strcmp(name, "pcipass");
}

/*
 * A module or driver name goes into modprobe.d, on softdep lines and in
 * comments: only the characters module names have, or a name holding a
 * newline (from a module, or a sysfs tree persist was pointed at) would
 * write a directive of its own, such as "install", which runs a command
 * as root at boot. MODULE_NAME_LEN is 56 with the NUL.
 */
static bool is_module_name(const char *s)
{
	size_t len = strlen(s);

	return len && len < 56 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789_.-") == len;
}

/* Add a native module or built-in driver of @pf, if it is a module name. */
static int pfunc_add_driver(struct pfunc *pf, bool builtin, const char *name)
{
	if (!is_module_name(name)) {
		fprintf(stderr,
			"pcipass: persist: %s: a driver or module name with characters no module name has; not written\n",
			pcipass_dev_get_bdf(pf->dev));
		return 0;
	}
	return names_add(builtin ? &pf->builtin : &pf->native, name);
}

/* The native modules of @pf: by modalias, and the driver it had. */
static int native_modules(struct kmod_ctx *kctx, struct pfunc *pf)
{
	const struct pcipass_dev *dev = pf->dev;
	const char *drv = pcipass_dev_get_driver(dev);
	struct kmod_list *list = NULL, *l;
	char alias[128], link[PATH_MAX], target[PATH_MAX];
	uint32_t class = pcipass_dev_get_class(dev);
	ssize_t n;
	int err = 0;

	snprintf(alias, sizeof(alias),
		 "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X",
		 pcipass_dev_get_vendor(dev), pcipass_dev_get_device(dev),
		 pcipass_dev_get_subsystem_vendor(dev),
		 pcipass_dev_get_subsystem_device(dev),
		 (class >> 16) & 0xff, (class >> 8) & 0xff, class & 0xff);
	if (kctx && !kmod_module_new_from_lookup(kctx, alias, &list)) {
		kmod_list_foreach(l, list) {
			struct kmod_module *m = kmod_module_get_module(l);
			const char *name = kmod_module_get_name(m);

			if (!skip_module(name))
				err = pfunc_add_driver(pf,
						       kmod_module_get_initstate(m) ==
						       KMOD_MODULE_BUILTIN, name);
			kmod_module_unref(m);
			if (err)
				break;
		}
		kmod_module_unref_list(list);
	}
	if (err)
		return err;

	/* The driver bound, or the one a claim took it from. */
	if (is_vfio(drv))
		drv = pcipass_dev_get_prev_driver(dev);
	if (!drv || is_vfio(drv))
		return 0;
	snprintf(link, sizeof(link), "/sys/bus/pci/drivers/%s/module", drv);
	n = readlink(link, target, sizeof(target) - 1);
	if (n > 0) {
		struct kmod_module *m = NULL;
		bool builtin = false;

		target[n] = '\0';
		drv = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
		if (skip_module(drv))
			return 0;
		/* Built-in drivers have a module directory too. */
		if (kctx && !kmod_module_new_from_name(kctx, drv, &m)) {
			builtin = kmod_module_get_initstate(m) ==
				  KMOD_MODULE_BUILTIN;
			kmod_module_unref(m);
		}
		return pfunc_add_driver(pf, builtin, drv);
	}
	/* A driver with no module is built in. */
	if (!names_has(&pf->native, drv))
		return pfunc_add_driver(pf, true, drv);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool file_exists(const char *path)
{
	return !access(path, F_OK);
}

/* Does /proc/cmdline have @word as one of its words? */
static bool cmdline_has(const char *cmdline, const char *word)
{
	size_t len = strlen(word);
	const char *p = cmdline;

	while ((p = strstr(p, word))) {
		if ((p == cmdline || p[-1] == ' ') &&
		    (p[len] == ' ' || p[len] == '\n' || !p[len]))
			return true;
		p += len;
	}
	return false;
}

/*
 * The kernel command line an IOMMU host for passthrough wants, and which
 * of it is missing. VT-d or AMD-Vi from the ACPI table the firmware
 * gives, else from the CPU vendor.
 */
static void print_cmdline_advice(void)
{
	static const char *const intel[] = { "intel_iommu=on", "iommu=pt", NULL };
	static const char *const amd[] = { "amd_iommu=on", "iommu=pt", NULL };
	const char *const *want = NULL;
	const char *vendor = NULL, *how = NULL;
	char *cmdline = NULL, *cpuinfo = NULL;
	size_t len, i, missing = 0;

	if (read_file("/proc/cmdline", &cmdline, &len, NULL))
		cmdline = NULL;
	if (file_exists("/sys/firmware/acpi/tables/DMAR")) {
		want = intel, vendor = "intel", how = "ACPI DMAR table";
	} else if (file_exists("/sys/firmware/acpi/tables/IVRS")) {
		want = amd, vendor = "amd", how = "ACPI IVRS table";
	} else if (!read_file("/proc/cpuinfo", &cpuinfo, &len, NULL)) {
		if (strstr(cpuinfo, "GenuineIntel"))
			want = intel, vendor = "intel", how = "Intel CPU";
		else if (strstr(cpuinfo, "AuthenticAMD"))
			want = amd, vendor = "amd", how = "AMD CPU";
	}

	open_json_object("cmdline");
	print_string(PRINT_JSON, "iommu", NULL, vendor);
	open_json_array("add");
	if (want) {
		for (i = 0; want[i]; i++) {
			if (cmdline && cmdline_has(cmdline, want[i]))
				continue;
			print_text(missing ? " " : "kernel command line: add ");
			print_string(PRINT_ANY, NULL, "%s", want[i]);
			missing++;
		}
		if (missing)
			print_text(" (%s)\n", how);
		else
			print_text("kernel command line: has %s %s already\n",
				   want[0], want[1]);
	} else {
		print_text("kernel command line: add intel_iommu=on iommu=pt (Intel VT-d) or amd_iommu=on iommu=pt (AMD-Vi)\n");
	}
	close_json_array();
	close_json_object();
	if (!want || missing)
		print_text("  pcipass does not edit the bootloader: add them to GRUB_CMDLINE_LINUX in\n"
			   "  /etc/default/grub, then run update-grub (or your bootloader's tool)\n");
	free(cmdline);
	free(cpuinfo);
}

static int persist_usage(FILE *f)
{
	fputs("Usage: pcipass [-j [-p]] persist [FILTER...] [root DIR]\n"
	      "       pcipass [-j [-p]] persist remove [root DIR]\n"
	      "FILTER := [[[domain]:]bus:]slot[.func], hexadecimal, * or empty\n"
	      "          for any; as lspci -s.\n"
	      "Writes DIR/etc/modprobe.d/pcipass.conf (default DIR /) with a claim=\n"
	      "policy for every function pcipass claims now and every function a\n"
	      "FILTER matches, each with the endpoints of its IOMMU group, plus\n"
	      "softdep lines for their native drivers; installs the initramfs-tools\n"
	      "hook and the dracut module where DIR has those; prints the kernel\n"
	      "command line the IOMMU needs. Rebuild the initramfs afterwards.\n"
	      "remove takes out exactly what persist wrote.\n", f);
	return EXIT_SUCCESS;
}

/* The text of pcipass.conf. */
static int conf_text(struct persist *ps, struct buf *b, const char *policy,
		     struct pfunc *pf, size_t n_pf, char **softdep,
		     size_t n_softdep)
{
	struct names dirs = { 0 };
	size_t i, j;
	int err = 0;

	err |= buf_add(b, "%s; \"pcipass persist remove\" takes it out\n"
		       "# again, with the files and directories recorded at the end.\n"
		       "# Run pcipass persist again rather than edit it.\n#\n"
		       "# Claimed for vfio-pci at boot (BDF, vendor:device, native modules):\n",
		       CONF_MARK);
	for (i = 0; i < n_pf; i++) {
		err |= buf_add(b, "#   %s %04x:%04x",
			       pcipass_dev_get_bdf(pf[i].dev),
			       pcipass_dev_get_vendor(pf[i].dev),
			       pcipass_dev_get_device(pf[i].dev));
		for (j = 0; j < pf[i].native.n; j++)
			err |= buf_add(b, " %s", pf[i].native.v[j]);
		for (j = 0; j < pf[i].builtin.n; j++)
			err |= buf_add(b, " %s(built-in)", pf[i].builtin.v[j]);
		err |= buf_add(b, "\n");
	}
	err |= buf_add(b, "options pcipass claim=%s\n", policy);
	if (n_softdep)
		err |= buf_add(b, "# Load pcipass before the native drivers of those functions.\n");
	for (i = 0; i < n_softdep; i++)
		err |= buf_add(b, "softdep %s pre: pcipass\n", softdep[i]);

	/* Directories created now or by an earlier run, parents first. */
	for (i = 0; i < ps->rec_dirs.n && !err; i++)
		err = names_add(&dirs, ps->rec_dirs.v[i]);
	for (i = 0; i < ps->new_dirs.n && !err; i++)
		err = names_add(&dirs, ps->new_dirs.v[i]);
	if (!err)
		qsort(dirs.v, dirs.n, sizeof(dirs.v[0]), cmp_str);
	err |= buf_add(b, "#\n");
	for (i = 0; i < ps->n_files; i++)
		if (strcmp(ps->files[i].rel, CONF_REL) && ps->files[i].ours)
			err |= buf_add(b, REC_FILE "%s\n", ps->files[i].rel);
	for (i = 0; i < dirs.n; i++)
		err |= buf_add(b, REC_DIR "%s\n", dirs.v[i]);
	names_free(&dirs);
	return err ? -ENOMEM : 0;
}

static int persist_write(struct pp *pp, int argc, char **argv)
{
	struct persist ps = { .pp = pp };
	struct pcipass_slot_filter *filters = NULL;
	struct pcipass_snapshot *snap = NULL;
	struct kmod_ctx *kctx = NULL;
	struct pfunc *pf = NULL;
	struct names softdep = { 0 };
	struct buf policy = { 0 }, conf = { 0 };
	struct pcipass_policy *check = NULL;
	struct pcipass_policy_error perr;
	const char *root = "/";
	char **filter_args = NULL;
	size_t n_filters = 0, n_pf = 0, i, j;
	struct pcipass_dev *dev;
	bool *matched = NULL, have;
	bool generators = false;
	int err, ret;

	filters = calloc((size_t)argc + 1, sizeof(*filters));
	filter_args = calloc((size_t)argc + 1, sizeof(*filter_args));
	if (!filters || !filter_args) {
		ret = EXIT_FAILURE;
		fprintf(stderr, "pcipass: %s\n", strerror(ENOMEM));
		goto out;
	}
	for (i = 0; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "root")) {
			if (i + 1 == (size_t)argc) {
				ret = pp_usage_error("persist: \"root\" needs a directory");
				goto out;
			}
			root = argv[++i];
			continue;
		}
		ret = pp_parse_slot_filter(argv[i], &filters[n_filters]);
		if (ret)
			goto out;
		filter_args[n_filters++] = argv[i];
	}
	ret = persist_set_root(&ps, root);
	if (ret)
		goto out;
	ret = persist_read_record(&ps, &have);
	if (ret)
		goto out;

	err = pcipass_snapshot_new(pp->ctx, &snap);
	if (err < 0) {
		ret = pp_fail(pp, "dump", err);
		goto out;
	}

	/*
	 * What persists: every function pcipass claims now and every one a
	 * FILTER names, each with the endpoints of its IOMMU group, which
	 * the module claims with it anyway. Bridges stay with the host.
	 */
	matched = calloc(n_filters + 1, sizeof(*matched));
	pf = calloc(pcipass_snapshot_get_dev_count(snap) + 1, sizeof(*pf));
	if (!matched || !pf) {
		ret = EXIT_FAILURE;
		fprintf(stderr, "pcipass: %s\n", strerror(ENOMEM));
		goto out;
	}
	pcipass_snapshot_for_each_dev(dev, snap) {
		struct pcipass_group *g = pcipass_dev_get_group(dev);
		const struct pcipass_dev *m;
		int origin = pcipass_dev_get_claim_origin(dev);
		bool claimed = origin == PCIPASS_CLAIM_ORIGIN_POLICY ||
			       origin == PCIPASS_CLAIM_ORIGIN_RUNTIME;
		bool want = claimed;

		if (pcipass_dev_is_bridge(dev))
			continue;
		for (i = 0; i < n_filters; i++) {
			const struct pcipass_dev *d = dev;

			/* A FILTER naming a group mate takes @dev along. */
			if (g) {
				pcipass_group_for_each_member(m, g) {
					if (pcipass_dev_is_bridge(m))
						continue;
					if (pcipass_slot_filter_match(&filters[i],
								      pcipass_dev_get_domain(m),
								      pcipass_dev_get_bus(m),
								      pcipass_dev_get_devfn(m)))
						want = true;
				}
			}
			if (pcipass_slot_filter_match(&filters[i],
						      pcipass_dev_get_domain(d),
						      pcipass_dev_get_bus(d),
						      pcipass_dev_get_devfn(d))) {
				matched[i] = true;
				want = true;
			}
		}
		/* A claimed group mate takes @dev along too. */
		if (!want && g) {
			pcipass_group_for_each_member(m, g) {
				int o = pcipass_dev_get_claim_origin(m);

				if (!pcipass_dev_is_bridge(m) &&
				    (o == PCIPASS_CLAIM_ORIGIN_POLICY ||
				     o == PCIPASS_CLAIM_ORIGIN_RUNTIME))
					want = true;
			}
		}
		if (want) {
			pf[n_pf].dev = dev;
			pf[n_pf++].claimed = claimed;
		}
	}
	for (i = 0; i < n_filters; i++) {
		if (!matched[i]) {
			fprintf(stderr, "pcipass: persist %s: no PCI function matches (bridges stay with the host)\n",
				filter_args[i]);
			ret = EXIT_FAILURE;
			goto out;
		}
	}
	if (!n_pf) {
		fprintf(stderr, "pcipass: persist: nothing to persist: pcipass claims no function and no FILTER was given\n"
				"Hint: \"pcipass persist remove\" takes a persisted policy out\n");
		ret = EXIT_FAILURE;
		goto out;
	}
	if (n_pf > PCIPASS_POLICY_MAX) {
		fprintf(stderr, "pcipass: persist: %zu functions, but claim= takes at most %d entries\n",
			n_pf, PCIPASS_POLICY_MAX);
		ret = EXIT_FAILURE;
		goto out;
	}

	kctx = kmod_new(NULL, NULL);
	if (kctx)
		kmod_load_resources(kctx);
	err = 0;
	for (i = 0; i < n_pf && !err; i++) {
		err = buf_add(&policy, "%s%s", i ? "," : "",
			      pcipass_dev_get_bdf(pf[i].dev));
		if (!err)
			err = native_modules(kctx, &pf[i]);
		for (j = 0; j < pf[i].native.n && !err; j++)
			err = names_add(&softdep, pf[i].native.v[j]);
	}
	if (err) {
		ret = EXIT_FAILURE;
		fprintf(stderr, "pcipass: persist: %s\n", strerror(-err));
		goto out;
	}
	qsort(softdep.v, softdep.n, sizeof(softdep.v[0]), cmp_str);

	/* What the module will parse: check it with the module's parser. */
	check = calloc(1, sizeof(*check));
	if (!check || pcipass_policy_parse(check, policy.s, policy.len, &perr)) {
		ret = EXIT_FAILURE;
		fprintf(stderr, "pcipass: persist: claim=%s: %s\n", policy.s,
			check ? perr.reason : strerror(ENOMEM));
		goto out;
	}

	/* The hooks, where the root has the generator. */
	if (is_dir(&ps, "etc/initramfs-tools") ||
	    is_dir(&ps, "usr/share/initramfs-tools")) {
		persist_add_file(&ps, HOOK_REL, 0755,
				 persist_initramfs_hook,
				 sizeof(persist_initramfs_hook));
		persist_add_file(&ps, INIT_TOP_REL, 0755, persist_initramfs_init_top,
				 sizeof(persist_initramfs_init_top));
		generators = true;
	}
	if (is_dir(&ps, "usr/lib/dracut")) {
		persist_add_file(&ps, DRACUT_SETUP_REL, 0755, persist_dracut_module_setup,
				 sizeof(persist_dracut_module_setup));
		persist_add_file(&ps, DRACUT_LOAD_REL, 0755, persist_dracut_load,
				 sizeof(persist_dracut_load));
		generators = true;
	}
	/* pcipass.conf last: it records the others. */
	persist_add_file(&ps, CONF_REL, 0644, NULL, 0);
	ret = persist_plan(&ps);
	if (ret)
		goto out;
	err = conf_text(&ps, &conf, policy.s, pf, n_pf, softdep.v, softdep.n);
	if (err) {
		ret = EXIT_FAILURE;
		fprintf(stderr, "pcipass: persist: %s\n", strerror(-err));
		goto out;
	}
	ps.files[ps.n_files - 1].data = conf.s;
	ps.files[ps.n_files - 1].len = conf.len;
	ps.files[ps.n_files - 1].write = pfile_differs(&ps.files[ps.n_files - 1]);
	ret = persist_commit(&ps);
	if (ret)
		goto out;

	output_start_object(pp->json, pp->pretty);
	print_string(PRINT_JSON, "root", NULL, ps.root);
	print_string(PRINT_ANY, "claim", "claim=%s\n", policy.s);
	open_json_array("functions");
	for (i = 0; i < n_pf; i++) {
		const char *drv = pcipass_dev_get_driver(pf[i].dev);

		open_json_object(NULL);
		print_string(PRINT_ANY, "bdf", "  %s", pcipass_dev_get_bdf(pf[i].dev));
		print_string(PRINT_ANY, "driver", " %s", drv);
		print_bool(PRINT_JSON, "claimed", NULL, pf[i].claimed);
		if (!pf[i].claimed)
			print_text(" (not claimed now: pcipass claim %s)",
				   pcipass_dev_get_bdf(pf[i].dev));
		open_json_array("native");
		for (j = 0; j < pf[i].native.n; j++)
			print_string(PRINT_ANY, NULL, j ? ",%s" : ", native %s",
				     pf[i].native.v[j]);
		close_json_array();
		open_json_array("built-in");
		for (j = 0; j < pf[i].builtin.n; j++)
			print_string(PRINT_ANY, NULL,
				     j ? ",%s" : ", built-in %s",
				     pf[i].builtin.v[j]);
		close_json_array();
		print_text("\n");
		close_json_object();
	}
	close_json_array();
	open_json_array("softdep");
	for (i = 0; i < softdep.n; i++)
		print_string(PRINT_JSON, NULL, NULL, softdep.v[i]);
	close_json_array();
	open_json_array("files");
	for (i = 0; i < ps.n_files; i++) {
		const struct pfile *f = &ps.files[i];
		char path[PATH_MAX];

		path_of(&ps, path, sizeof(path), f->rel);
		open_json_object(NULL);
		print_string(PRINT_ANY, "action", "%-9s ",
			     !f->ours ? "kept" : f->write ? "wrote" :
			     "unchanged");
		print_string(PRINT_ANY, "path", "%s", path);
		print_text("%s\n", f->ours ? "" :
			   " (not written by pcipass persist, left as it is)");
		close_json_object();
	}
	close_json_array();
	for (i = 0; i < n_pf; i++) {
		if (!pf[i].builtin.n)
			continue;
		print_text("note: %s: built-in driver %s binds before any module loads;\n"
			   "  pcipass moves the function to vfio-pci when it loads\n",
			   pcipass_dev_get_bdf(pf[i].dev), pf[i].builtin.v[0]);
	}
	if (!generators)
		print_text("note: no initramfs-tools or dracut below %s: the policy applies when\n"
			   "  pcipass loads from the root file system, after the initramfs\n",
			   ps.root);
	print_cmdline_advice();
	if (generators)
		print_text("then rebuild the initramfs (update-initramfs -u -k all, or dracut -f) and reboot\n");
	ret = pp_output_end();
out:
	for (i = 0; i < ps.n_files; i++) {
		free(ps.files[i].old);
		free(ps.files[i].tmp);
	}
	for (i = 0; pf && i < n_pf; i++) {
		names_free(&pf[i].native);
		names_free(&pf[i].builtin);
	}
	names_free(&ps.rec_files);
	names_free(&ps.rec_dirs);
	names_free(&ps.new_dirs);
	names_free(&softdep);
	free(policy.s);
	free(conf.s);
	free(check);
	free(pf);
	free(matched);
	free(filters);
	free(filter_args);
	kmod_unref(kctx);
	pcipass_snapshot_unref(snap);
	return ret;
}

static bool dir_empty(const char *path)
{
	struct dirent *d;
	bool empty = true;
	DIR *dir = opendir(path);

	if (!dir)
		return false;
	while (empty && (d = readdir(dir)))
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
			empty = false;
	closedir(dir);
	return empty;
}

static int persist_remove(struct pp *pp, int argc, char **argv)
{
	struct persist ps = { .pp = pp };
	char path[PATH_MAX], parent[PATH_MAX];
	const char *root = "/";
	bool have;
	size_t i;
	int ret;

	if (argc == 2 && !strcmp(argv[0], "root"))
		root = argv[1];
	else if (argc)
		return pp_usage_error("persist remove: unexpected argument \"%s\"; try \"pcipass persist help\"",
				      argv[0]);
	ret = persist_set_root(&ps, root);
	if (ret)
		return ret;
	ret = persist_read_record(&ps, &have);
	if (ret)
		goto out;

	/* Check first that every parent is writable: all or nothing. */
	for (i = 0; i <= ps.rec_files.n; i++) {
		const char *rel = i < ps.rec_files.n ? ps.rec_files.v[i] :
						       CONF_REL;

		path_of(&ps, path, sizeof(path), rel);
		snprintf(parent, sizeof(parent), "%s", path);
		*strrchr(parent, '/') = '\0';
		if (file_exists(path) && access(parent, W_OK)) {
			ret = persist_error(&ps, rel, errno);
			goto out;
		}
	}

	output_start_object(pp->json, pp->pretty);
	print_string(PRINT_JSON, "root", NULL, ps.root);
	open_json_array("files");
	if (!have) {
		path_of(&ps, path, sizeof(path), CONF_REL);
		print_text("nothing to remove: no %s\n", path);
		close_json_array();
		ret = pp_output_end();
		goto out;
	}
	for (i = 0; i <= ps.rec_files.n; i++) {
		const char *rel = i < ps.rec_files.n ? ps.rec_files.v[i] :
						       CONF_REL;

		path_of(&ps, path, sizeof(path), rel);
		open_json_object(NULL);
		if (unlink(path) && errno != ENOENT) {
			int err = errno;

			close_json_object();
			close_json_array();
			output_end();
			ret = persist_error(&ps, rel, err);
			goto out;
		}
		print_string(PRINT_ANY, "action", "%-9s ", "removed");
		print_string(PRINT_ANY, "path", "%s\n", path);
		close_json_object();
	}
	/* Deepest first. */
	for (i = ps.rec_dirs.n; i-- > 0;) {
		path_of(&ps, path, sizeof(path), ps.rec_dirs.v[i]);
		if (!is_dir(&ps, ps.rec_dirs.v[i]))
			continue;
		open_json_object(NULL);
		if (dir_empty(path) && !rmdir(path)) {
			print_string(PRINT_ANY, "action", "%-9s ", "removed");
			print_string(PRINT_ANY, "path", "%s/\n", path);
		} else {
			print_string(PRINT_ANY, "action", "%-9s ", "kept");
			print_string(PRINT_ANY, "path", "%s/", path);
			print_text(" (not empty)\n");
		}
		close_json_object();
	}
	close_json_array();
	print_text("rebuild the initramfs (update-initramfs -u -k all, or dracut -f) to take the policy out of it\n");
	ret = pp_output_end();
out:
	names_free(&ps.rec_files);
	names_free(&ps.rec_dirs);
	return ret;
}

int do_persist(struct pp *pp, int argc, char **argv)
{
	if (argc > 0 && matches(argv[0], "help") && strlen(argv[0]) > 1)
		return persist_usage(stdout);
	if (argc > 0 && !strcmp(argv[0], "remove"))
		return persist_remove(pp, argc - 1, argv + 1);
	return persist_write(pp, argc, argv);
}
