// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libpcipass: claim and release without the module, through sysfs
 * (driver_override, unbind, drivers_probe). Only when asked for by name:
 * this is not probe-time claiming, and the module's in-use checks are
 * made only as far as sysfs shows what it uses.
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
#include <unistd.h>

#include <linux/magic.h>
#include <linux/pcipass.h>

#include "libpcipass-private.h"

#define VFIO "vfio-pci"

/*
 * Write an attribute of the running kernel's sysfs, and nothing else: not
 * under a sysfs root (a captured tree, whose links may point anywhere; the
 * callers refuse first), and never a file that is not on sysfs.
 */
static int sysfs_write(struct pcipass_ctx *ctx, const char *path,
		       const char *val)
{
	struct statfs fs;
	ssize_t n;
	int fd, err = 0;

	fd = *pcipass_sysfs_root(ctx) ? -1 :
	     open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = *pcipass_sysfs_root(ctx) ? -EROFS : -errno;
	} else {
		if (fstatfs(fd, &fs))
			err = -errno;
		else if (fs.f_type != SYSFS_MAGIC)
			err = -EXDEV;
		n = err ? 0 : write(fd, val, strlen(val));
		if (n < 0)
			err = -errno;
		else if (!err && (size_t)n != strlen(val))
			err = -EIO;
		close(fd);
	}
	DBG(ctx, "write \"%s\" to %s: %s\n", val, path,
	    err ? strerror(-err) : "ok");
	return err;
}

static int dev_write(struct pcipass_ctx *ctx, const char *bdf,
		     const char *file, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/%s",
		 pcipass_sysfs_root(ctx), bdf, file);
	return sysfs_write(ctx, path, val);
}

static int probe(struct pcipass_ctx *ctx, const char *bdf)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/sys/bus/pci/drivers_probe",
		 pcipass_sysfs_root(ctx));
	return sysfs_write(ctx, path, bdf);
}

static bool read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

/* Is block device "maj:min" mounted (as /proc/self/mountinfo lists)? */
static bool mounted(const char *majmin)
{
	char line[4096], f1[32], f2[32], f3[32];
	bool found = false;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%31s %31s %31s", f1, f2, f3) == 3 &&
		    !strcmp(f3, majmin))
			found = true;
	fclose(f);
	return found;
}

static bool dir_has_entries(const char *path)
{
	struct dirent *de;
	bool any = false;
	DIR *d;

	d = opendir(path);
	if (!d)
		return false;
	while (!any && (de = readdir(d)))
		any = de->d_name[0] != '.';
	closedir(d);
	return any;
}

/*
 * What the module's pcipass_dev_in_use() looks for, from sysfs: below the
 * function's directory, a block device that is mounted or held, or a
 * network interface that is up. Symlinks are not followed.
 */
static bool child_in_use(const char *dir, int depth, char *why, size_t len)
{
	char path[PATH_MAX], buf[64], link[PATH_MAX];
	struct dirent *de;
	struct stat st;
	bool busy = false;
	ssize_t n;
	DIR *d;

	if (depth > 8)
		return false;
	snprintf(path, sizeof(path), "%s/subsystem", dir);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		const char *cls;

		link[n] = '\0';
		cls = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
		snprintf(path, sizeof(path), "%s/dev", dir);
		if (!strcmp(cls, "block") && read_small(path, buf, sizeof(buf))) {
			snprintf(path, sizeof(path), "%s/holders", dir);
			if (mounted(buf) || dir_has_entries(path)) {
				snprintf(why, len, "%s is in use (mounted or held)",
					 strrchr(dir, '/') + 1);
				return true;
			}
		}
		snprintf(path, sizeof(path), "%s/flags", dir);
		if (!strcmp(cls, "net") && read_small(path, buf, sizeof(buf)) &&
		    strtoul(buf, NULL, 0) & 1) {
			snprintf(why, len, "interface %s is up",
				 strrchr(dir, '/') + 1);
			return true;
		}
	}

	d = opendir(dir);
	if (!d)
		return false;
	while (!busy && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		busy = child_in_use(path, depth + 1, why, len);
	}
	closedir(d);
	return busy;
}

static bool dev_in_use(struct pcipass_ctx *ctx, const char *bdf, char *why,
		       size_t len)
{
	char path[PATH_MAX], buf[8], *real;
	bool busy;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/boot_vga",
		 pcipass_sysfs_root(ctx), bdf);
	if (read_small(path, buf, sizeof(buf)) && !strcmp(buf, "1")) {
		snprintf(why, len, "it is the boot display (boot_vga)");
		return true;
	}
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s",
		 pcipass_sysfs_root(ctx), bdf);
	real = realpath(path, NULL);
	if (!real)
		return false;
	busy = child_in_use(real, 0, why, len);
	free(real);
	return busy;
}

/* What a function had before, to undo a claim. */
struct runtime_fn {
	struct pcipass_dev *dev;
	char *old_driver;
	char *old_override;
	bool changed;
};

/* The named functions, and every endpoint of their groups. */
static int runtime_collect(struct pcipass_ctx *ctx,
			   struct pcipass_snapshot *snap,
			   const char *const *bdfs, size_t n_bdfs,
			   unsigned int flags, struct runtime_fn **out,
			   size_t *n_out)
{
	struct runtime_fn *fns;
	struct pcipass_dev *dev, *m;
	size_t i, n = 0;
	bool *take;

	fns = calloc(snap->n_devs ? snap->n_devs : 1, sizeof(*fns));
	take = calloc(snap->n_devs ? snap->n_devs : 1, sizeof(*take));
	if (!fns || !take) {
		free(fns);
		free(take);
		return -ENOMEM;
	}
	for (i = 0; i < n_bdfs; i++) {
		dev = pcipass_snapshot_get_dev(snap, bdfs[i]);
		if (!dev) {
			pcipass_set_extack(ctx, "%s: no such PCI function",
					   bdfs[i]);
			free(fns);
			free(take);
			return -ENODEV;
		}
		if (dev->bridge) {
			pcipass_set_extack(ctx, "%s is a bridge: bridges stay with the host",
					   dev->bdf);
			free(fns);
			free(take);
			return -EINVAL;
		}
		take[dev - snap->devs] = true;
		if (flags & PCIPASS_CLAIM_FLAGS_FUNCTION_ONLY || !dev->group)
			continue;
		pcipass_group_for_each_member(m, dev->group)
			if (!m->bridge)
				take[m - snap->devs] = true;
	}
	for (i = 0; i < snap->n_devs; i++)
		if (take[i])
			fns[n++].dev = &snap->devs[i];
	free(take);
	*out = fns;
	*n_out = n;
	return 0;
}

static void runtime_free(struct runtime_fn *fns, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(fns[i].old_driver);
		free(fns[i].old_override);
	}
	free(fns);
}

/* The done list: one allocation, pointers then strings. */
static int done_list(struct runtime_fn *fns, size_t n, char ***done)
{
	size_t i, k = 0, bytes = 0;
	char **v, *p;

	for (i = 0; i < n; i++)
		if (fns[i].changed)
			bytes += strlen(fns[i].dev->bdf) + 1, k++;
	v = malloc((k + 1) * sizeof(*v) + bytes);
	if (!v)
		return -ENOMEM;
	p = (char *)(v + k + 1);
	k = 0;
	for (i = 0; i < n; i++) {
		if (!fns[i].changed)
			continue;
		strcpy(p, fns[i].dev->bdf);
		v[k++] = p;
		p += strlen(p) + 1;
	}
	v[k] = NULL;
	*done = v;
	return 0;
}

static int runtime_snapshot(struct pcipass_ctx *ctx,
			    struct pcipass_snapshot **snap)
{
	int source = ctx->source, err;

	/* The module would do this properly; sysfs is what we can read. */
	ctx->source = PCIPASS_SOURCE_SYSFS;
	err = pcipass_snapshot_new(ctx, snap);
	ctx->source = source;
	return err;
}

/* The name of @bdf's driver into @buf, or "" when it has none. */
static void dev_driver(struct pcipass_ctx *ctx, const char *bdf, char *buf,
		       size_t len)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/sys/bus/pci/devices/%s",
		 pcipass_sysfs_root(ctx), bdf);
	if (pcipass_read_link_name(dir, "driver", buf, len))
		buf[0] = '\0';
}

/*
 * Put @f back as it was: override, then its old driver. Returns 0, or
 * -errno with @why saying what failed: the function is then left as it
 * is, perhaps with no driver, and the caller must say so.
 */
static int runtime_undo(struct pcipass_ctx *ctx, struct runtime_fn *f,
			char *why, size_t len)
{
	const char *bdf = f->dev->bdf;
	char cur[256];
	int err;

	err = dev_write(ctx, bdf, "driver_override",
			f->old_override ? f->old_override : "\n");
	if (err) {
		snprintf(why, len, "writing driver_override: %s", strerror(-err));
		return err;
	}
	dev_driver(ctx, bdf, cur, sizeof(cur));
	if (f->old_driver && !strcmp(cur, f->old_driver))
		return 0;
	if (*cur) {
		err = dev_write(ctx, bdf, "driver/unbind", bdf);
		if (err) {
			snprintf(why, len, "unbinding %.64s: %s", cur,
				 strerror(-err));
			return err;
		}
	}
	/* No driver wanting it is not an error, unless it had one. */
	err = probe(ctx, bdf);
	if (!f->old_driver)
		return 0;
	dev_driver(ctx, bdf, cur, sizeof(cur));
	if (!strcmp(cur, f->old_driver))
		return 0;
	if (*cur)
		snprintf(why, len, "%.64s bound instead", cur);
	else
		snprintf(why, len, "no driver bound%s%s", err ? ": " : "",
			 err ? strerror(-err) : "");
	return -EBUSY;
}

/*
 * A sysfs root is a tree to read (a capture, a test's): runtime claims
 * write to the running kernel's sysfs only, and refuse before reading.
 */
static int runtime_writable(struct pcipass_ctx *ctx)
{
	if (!*pcipass_sysfs_root(ctx))
		return 0;
	pcipass_set_extack(ctx, "sysfs root \"%s\" is only read: runtime claims change the running kernel's sysfs",
			   pcipass_sysfs_root(ctx));
	return -EROFS;
}

/* Undo every function changed, in reverse; name each left as it is. */
static void runtime_undo_all(struct pcipass_ctx *ctx, struct runtime_fn *fns,
			     size_t n)
{
	char msg[sizeof(ctx->extack)], why[256];
	size_t i;

	for (i = n; i-- > 0;) {
		if (!fns[i].changed ||
		    !runtime_undo(ctx, &fns[i], why, sizeof(why)))
			continue;
		snprintf(msg, sizeof(msg), "%s", ctx->has_extack ? ctx->extack : "");
		pcipass_set_extack(ctx, "%s%snot put back: %s (was %s): %s",
				   msg, *msg ? "; " : "", fns[i].dev->bdf,
				   fns[i].old_driver ? fns[i].old_driver : "no driver",
				   why);
	}
}

PCIPASS_EXPORT int pcipass_claim_runtime(struct pcipass_ctx *ctx,
					 const char *const *bdfs,
					 size_t n_bdfs, unsigned int flags,
					 char ***done)
{
	struct pcipass_snapshot *snap, *after;
	struct runtime_fn *fns = NULL;
	size_t i, n = 0;
	int err;

	err = pcipass_claim_args(ctx, bdfs, n_bdfs, done);
	if (err < 0)
		return err;
	err = runtime_writable(ctx);
	if (err < 0)
		return err;
	err = runtime_snapshot(ctx, &snap);
	if (err < 0)
		return err;
	err = runtime_collect(ctx, snap, bdfs, n_bdfs, flags, &fns, &n);
	if (err < 0)
		goto out;

	/*
	 * Refuse before changing anything, as the module does: a PF with
	 * VFs enabled (vfio-pci binds none; its driver's unbind may remove
	 * the VFs), then what the host uses.
	 */
	for (i = 0; i < n; i++) {
		const struct pcipass_dev *d = fns[i].dev;

		if (d->driver && !strcmp(d->driver, VFIO))
			continue;
		if (d->has_sriov && d->sriov_num_vfs) {
			pcipass_set_extack(ctx,
					   "%s has %u VFs, which unbinding it removes: disable them first",
					   d->bdf, d->sriov_num_vfs);
			err = -EBUSY;
			goto out;
		}
	}
	for (i = 0; !(flags & PCIPASS_CLAIM_FLAGS_FORCE) && i < n; i++) {
		char why[128];

		if (fns[i].dev->driver && !strcmp(fns[i].dev->driver, VFIO))
			continue;
		if (dev_in_use(ctx, fns[i].dev->bdf, why, sizeof(why))) {
			pcipass_set_extack(ctx, "%s (%s): %s", fns[i].dev->bdf,
					   fns[i].dev->driver ?
					   fns[i].dev->driver : "no driver", why);
			err = -EBUSY;
			goto out;
		}
	}

	for (i = 0; i < n; i++) {
		struct runtime_fn *f = &fns[i];
		const char *bdf = f->dev->bdf;

		if (f->dev->driver && !strcmp(f->dev->driver, VFIO))
			continue;
		if ((f->dev->driver && !(f->old_driver = strdup(f->dev->driver))) ||
		    (f->dev->driver_override &&
		     !(f->old_override = strdup(f->dev->driver_override)))) {
			err = -ENOMEM;
			break;
		}
		f->changed = true;
		err = dev_write(ctx, bdf, "driver_override", VFIO);
		if (!err && f->dev->driver)
			err = dev_write(ctx, bdf, "driver/unbind", bdf);
		if (!err)
			err = probe(ctx, bdf);
		if (err < 0) {
			pcipass_set_extack(ctx, "%s: %s", bdf,
					   err == -ENODEV || err == -EINVAL ?
					   "vfio-pci did not bind (is vfio-pci loaded?)" :
					   strerror(-err));
			break;
		}
	}

	/* Did vfio-pci take them all? */
	if (!err) {
		err = runtime_snapshot(ctx, &after);
		for (i = 0; !err && i < n; i++) {
			struct pcipass_dev *d;

			d = pcipass_snapshot_get_dev(after, fns[i].dev->bdf);
			if (!d || !d->driver || strcmp(d->driver, VFIO)) {
				pcipass_set_extack(ctx, "%s: vfio-pci did not bind (is vfio-pci loaded?)",
						   fns[i].dev->bdf);
				err = -ENXIO;
			}
		}
		if (!err || err == -ENXIO)
			pcipass_snapshot_unref(after);
	}

	if (err < 0) {
		runtime_undo_all(ctx, fns, n);
		goto out;
	}
	if (done)
		err = done_list(fns, n, done);
out:
	runtime_free(fns, n);
	pcipass_snapshot_unref(snap);
	return err;
}

PCIPASS_EXPORT int pcipass_release_runtime(struct pcipass_ctx *ctx,
					   const char *const *bdfs,
					   size_t n_bdfs, unsigned int flags,
					   char ***done)
{
	struct pcipass_snapshot *snap;
	struct runtime_fn *fns = NULL;
	size_t i, n = 0;
	int err;

	err = pcipass_claim_args(ctx, bdfs, n_bdfs, done);
	if (err < 0)
		return err;
	err = runtime_writable(ctx);
	if (err < 0)
		return err;
	err = runtime_snapshot(ctx, &snap);
	if (err < 0)
		return err;
	err = runtime_collect(ctx, snap, bdfs, n_bdfs, flags, &fns, &n);
	if (err < 0)
		goto out;

	for (i = 0; i < n; i++) {
		struct runtime_fn *f = &fns[i];
		const char *bdf = f->dev->bdf;
		bool held = f->dev->driver_override &&
			    !strcmp(f->dev->driver_override, VFIO);
		bool bound = f->dev->driver && !strcmp(f->dev->driver, VFIO);
		int e;

		if (!held && !(bound && (flags & PCIPASS_CLAIM_FLAGS_FORCE)))
			continue;
		f->changed = true;
		e = held ? dev_write(ctx, bdf, "driver_override", "\n") : 0;
		if (!e && bound)
			e = dev_write(ctx, bdf, "driver/unbind", bdf);
		/* No driver wanting it is not an error. */
		if (!e)
			probe(ctx, bdf);
		if (e < 0 && !err) {
			pcipass_set_extack(ctx, "%s: %s", bdf, strerror(-e));
			err = e;
		}
	}
	if (!err && done)
		err = done_list(fns, n, done);
out:
	runtime_free(fns, n);
	pcipass_snapshot_unref(snap);
	return err;
}
