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
#include <sys/random.h>
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

/*
 * Every file persist may write below the root, and what it writes there.
 * pcipass.conf is made per run; the others are contrib/'s, built in.
 */
enum { PF_HOOK, PF_INIT_TOP, PF_DRACUT_SETUP, PF_DRACUT_LOAD, PF_CONF };

static const struct persist_file {
	const char *rel;
	const unsigned char *data;
	size_t len;
	mode_t mode;
} persist_files[] = {
	[PF_HOOK] = { HOOK_REL, persist_initramfs_hook,
		      sizeof(persist_initramfs_hook), 0755 },
	[PF_INIT_TOP] = { INIT_TOP_REL, persist_initramfs_init_top,
			  sizeof(persist_initramfs_init_top), 0755 },
	[PF_DRACUT_SETUP] = { DRACUT_SETUP_REL, persist_dracut_module_setup,
			      sizeof(persist_dracut_module_setup), 0755 },
	[PF_DRACUT_LOAD] = { DRACUT_LOAD_REL, persist_dracut_load,
			     sizeof(persist_dracut_load), 0755 },
	[PF_CONF] = { CONF_REL, NULL, 0, 0644 },
};

#define N_PERSIST_FILES (sizeof(persist_files) / sizeof(persist_files[0]))

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
	char *tmp;		/* temporary file's name, once written */
	bool renamed;
};

/*
 * The root is a directory persist holds open, and every path below it is
 * one of persist_files[] or a directory above one: fixed, relative, no
 * "..". It is walked one component at a time and follows no symbolic
 * link: the root may be an image from elsewhere, whose etc -> /etc would
 * otherwise have root write or remove the host's files.
 */
struct persist {
	struct pp *pp;
	const char *root;	/* as given, for messages */
	char rootdir[PATH_MAX];	/* without trailing '/', "" for / */
	int rootfd;
	struct pfile files[N_PERSIST_FILES];
	size_t n_files;
	struct names rec_files;	/* recorded in the old pcipass.conf */
	struct names rec_dirs;
	struct names new_dirs;	/* to create, parents first */
	size_t n_created;
};

/* For messages. rootdir is at most PATH_MAX - 64 and every rel is short. */
static void path_of(const struct persist *ps, char *out, size_t len,
		    const char *rel)
{
	int n = snprintf(out, len, "%s/%s", ps->rootdir, rel);

	if (n < 0 || (size_t)n >= len)
		out[0] = '\0';
}

static bool is_link(int dir, const char *name)
{
	struct stat st;

	return !fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) &&
	       S_ISLNK(st.st_mode);
}

/*
 * Open the directory of @rel's first @len bytes below the root, following
 * no symbolic link. Returns a descriptor or -errno (ELOOP: a link).
 */
static int root_opendir(const struct persist *ps, const char *rel, size_t len)
{
	const char *p = rel, *end = rel + len, *slash;
	char name[NAME_MAX + 1];
	int fd, next, err;

	fd = fcntl(ps->rootfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	for (; p < end; p = slash + 1) {
		slash = memchr(p, '/', (size_t)(end - p));
		if (!slash)
			slash = end;
		if (slash == p || slash - p > NAME_MAX) {
			close(fd);
			return slash == p ? -EINVAL : -ENAMETOOLONG;
		}
		memcpy(name, p, (size_t)(slash - p));
		name[slash - p] = '\0';
		next = openat(fd, name,
			      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		err = errno;
		/* O_DIRECTORY reports a link as ENOTDIR: say which it is. */
		if (next < 0 && err == ENOTDIR && is_link(fd, name))
			err = ELOOP;
		close(fd);
		if (next < 0)
			return -err;
		fd = next;
	}
	return fd;
}

/* @rel's directory, opened as root_opendir() does; *@base its last name. */
static int root_openparent(const struct persist *ps, const char *rel,
			   const char **base)
{
	const char *slash = strrchr(rel, '/');

	*base = slash ? slash + 1 : rel;
	return root_opendir(ps, rel, slash ? (size_t)(slash - rel) : 0);
}

/*
 * Say what went wrong with @rel: @what ("" or a step such as "undoing ")
 * before it. ELOOP names the component that is a link; EINVAL on a file
 * that is neither regular nor a directory says so. Returns an exit status.
 */
static int persist_report(const struct persist *ps, const char *what,
			  const char *rel, int err)
{
	char path[PATH_MAX], prefix[PATH_MAX];
	const char *p = rel, *why = NULL;
	struct stat st;

	path_of(ps, path, sizeof(path), rel);
	while (err == ELOOP && p) {
		p = strchr(p + 1, '/');
		snprintf(prefix, sizeof(prefix), "%.*s",
			 p ? (int)(p - rel) : (int)strlen(rel), rel);
		if (!is_link(ps->rootfd, prefix))
			continue;
		path_of(ps, path, sizeof(path), prefix);
		why = "a symbolic link; persist follows none below its root";
		break;
	}
	if (err == EINVAL &&
	    !fstatat(ps->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) &&
	    !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		why = "not a regular file; persist opens no other kind";
	fprintf(stderr, "pcipass: persist: %s%s: %s\n", what, path,
		why ? why : strerror(err));
	return EXIT_FAILURE;
}

static int persist_error(const struct persist *ps, const char *rel, int err)
{
	return persist_report(ps, "", rel, err);
}

/* Read what is left of @fd, a regular file. Returns 0 or -errno. */
static int read_fd(int fd, char **data, size_t *len, mode_t *mode)
{
	size_t cap, off = 0;
	struct stat st;
	char *s, *t;
	ssize_t n;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	/* Files in /proc report a size of 0: read to the end. */
	cap = (size_t)st.st_size + 4096;
	s = malloc(cap);
	while (s) {
		n = read(fd, s + off, cap - off - 1);
		if (n < 0) {
			n = -errno;
			free(s);
			return (int)n;
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
	if (!s)
		return -ENOMEM;
	s[off] = '\0';
	*data = s;
	*len = off;
	if (mode)
		*mode = st.st_mode & 07777;
	return 0;
}

/* A whole file of the running system's (/proc). */
static int read_file(const char *path, char **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = read_fd(fd, data, len, NULL);
	close(fd);
	return err;
}

/*
 * A whole file below the root. It must be a regular file before it is
 * opened, so that a pcipass.conf that is a device node or a FIFO is
 * never opened (a watchdog arms on open, a FIFO blocks).
 */
static int root_read(const struct persist *ps, const char *rel, char **data,
		     size_t *len, mode_t *mode)
{
	const char *base;
	struct stat st;
	int dir, fd, err;

	dir = root_openparent(ps, rel, &base);
	if (dir < 0)
		return dir;
	if (fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW))
		err = -errno;
	else if (S_ISLNK(st.st_mode))
		err = -ELOOP;
	else if (!S_ISREG(st.st_mode))
		err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	else
		err = 0;
	if (!err) {
		fd = openat(dir, base,
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			err = -errno;
		} else {
			err = read_fd(fd, data, len, mode);
			close(fd);
		}
	}
	close(dir);
	return err;
}

/* Is @rel below the root a directory, reached through none but directories? */
static bool is_dir(const struct persist *ps, const char *rel)
{
	int fd = root_opendir(ps, rel, strlen(rel));

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* Root directory argument: an existing directory, held open. */
static int persist_set_root(struct persist *ps, const char *root)
{
	size_t len;

	ps->root = root;
	ps->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ps->rootfd < 0) {
		fprintf(stderr, "pcipass: persist: root \"%s\": %s\n", root,
			strerror(errno));
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

static const struct persist_file *persist_file_of(const char *rel)
{
	size_t i;

	for (i = 0; i < N_PERSIST_FILES; i++)
		if (!strcmp(persist_files[i].rel, rel))
			return &persist_files[i];
	return NULL;
}

/*
 * What pcipass.conf records must be what persist could have written: one
 * of its files, or a directory above one. The record is only text, in an
 * image persist may be pointed at; remove unlinks what it names, as root.
 */
static bool persist_rel_known(const char *rel, bool dir)
{
	size_t i, len = strlen(rel);

	if (!dir)
		return persist_file_of(rel) != NULL;
	for (i = 0; i < N_PERSIST_FILES; i++) {
		const char *f = persist_files[i].rel;

		if (len < strlen(f) && !strncmp(f, rel, len) && f[len] == '/')
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
	err = root_read(ps, CONF_REL, &data, &len, NULL);
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

static void persist_add_file(struct persist *ps, unsigned int which)
{
	const struct persist_file *pf = &persist_files[which];
	struct pfile *f = &ps->files[ps->n_files++];

	f->rel = pf->rel;
	f->mode = pf->mode;
	f->data = (const char *)pf->data;
	f->len = pf->len;
}

/*
 * Which directories along @rel's parent are missing: add them to
 * new_dirs, parents first. Fails on a component that is not a directory,
 * or a link.
 */
static int persist_plan_dirs(struct persist *ps, const char *rel)
{
	const char *slash = rel;
	char dir[PATH_MAX];
	int fd, err;

	while ((slash = strchr(slash, '/'))) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - rel), rel);
		slash++;
		if (names_has(&ps->new_dirs, dir))
			continue;
		fd = root_opendir(ps, dir, strlen(dir));
		if (fd >= 0) {
			close(fd);
			continue;
		}
		if (fd != -ENOENT)
			return persist_error(ps, dir, -fd);
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
	size_t i;
	int err;

	for (i = 0; i < ps->n_files; i++) {
		struct pfile *f = &ps->files[i];
		bool is_conf = !strcmp(f->rel, CONF_REL);

		err = root_read(ps, f->rel, &f->old, &f->old_len, &f->old_mode);
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

/* A new temporary file's name, next to @base: "BASE.pcipass-XXXXXX". */
static int tmp_name(char **out, const char *base)
{
	static const char set[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char r[6];
	size_t i;
	char *x;

	if (getrandom(r, sizeof(r), 0) != sizeof(r))
		return -EIO;
	if (asprintf(out, "%s.pcipass-XXXXXX", base) < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	x = *out + strlen(*out) - sizeof(r);
	for (i = 0; i < sizeof(r); i++)
		x[i] = set[r[i] % (sizeof(set) - 1)];
	return 0;
}

/*
 * Write @data to a new temporary file beside @f, f->tmp its name (in the
 * same directory). Created O_EXCL, with no link followed.
 */
static int write_tmp(const struct persist *ps, struct pfile *f,
		     const char *data, size_t len, mode_t mode)
{
	const char *base;
	size_t off = 0;
	int dir, fd = -1, err = 0, tries;

	dir = root_openparent(ps, f->rel, &base);
	if (dir < 0)
		return dir;
	for (tries = 0; fd < 0 && tries < 100; tries++) {
		err = tmp_name(&f->tmp, base);
		if (err)
			break;
		fd = openat(dir, f->tmp, O_WRONLY | O_CREAT | O_EXCL |
			    O_NOFOLLOW | O_CLOEXEC, 0600);
		err = fd < 0 ? -errno : 0;
		if (fd < 0) {
			free(f->tmp);
			f->tmp = NULL;
			if (err != -EEXIST)
				break;
		}
	}
	if (fd < 0) {
		close(dir);
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
		unlinkat(dir, f->tmp, 0);
		free(f->tmp);
		f->tmp = NULL;
	}
	close(dir);
	return err;
}

/*
 * Put f->tmp in place of @f, and make the directory entry durable, so that
 * pcipass.conf, written last, is never on disk before what it records.
 * @fresh: there was no file, and one that appeared since is not replaced.
 * Sets f->renamed once the rename is done.
 */
static int rename_tmp(const struct persist *ps, struct pfile *f, bool fresh)
{
	const char *base;
	int dir, err = 0;

	dir = root_openparent(ps, f->rel, &base);
	if (dir < 0)
		return dir;
	if (!fresh) {
		if (renameat(dir, f->tmp, dir, base))
			err = -errno;
	} else if (renameat2(dir, f->tmp, dir, base, RENAME_NOREPLACE)) {
		err = -errno;
		/* A file system without RENAME_NOREPLACE: link, then unlink. */
		if (err == -EINVAL) {
			err = linkat(dir, f->tmp, dir, base, 0) ? -errno : 0;
			if (!err)
				unlinkat(dir, f->tmp, 0);
		}
	}
	if (!err) {
		free(f->tmp);
		f->tmp = NULL;
		f->renamed = true;
		if (fsync(dir))
			err = -errno;
	}
	close(dir);
	return err;
}

/* mkdir @rel below the root, mode 0755 whatever the umask, made durable. */
static int root_mkdir(const struct persist *ps, const char *rel)
{
	const char *base;
	int dir, fd, err = 0;

	dir = root_openparent(ps, rel, &base);
	if (dir < 0)
		return dir;
	if (mkdirat(dir, base, 0755)) {
		err = -errno;
		close(dir);
		return err;
	}
	fd = openat(dir, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fchmod(fd, 0755) || fsync(dir)) {
		err = -errno;
		unlinkat(dir, base, AT_REMOVEDIR);
	}
	if (fd >= 0)
		close(fd);
	close(dir);
	return err;
}

/* unlink (@flags 0) or rmdir (AT_REMOVEDIR) @rel below the root. */
static int root_unlink(const struct persist *ps, const char *rel, int flags)
{
	const char *base;
	int dir, err = 0;

	dir = root_openparent(ps, rel, &base);
	if (dir < 0)
		return dir;
	if (unlinkat(dir, base, flags))
		err = -errno;
	else if (fsync(dir))
		err = -errno;
	close(dir);
	return err;
}

/* Remove f->tmp, if any. Returns 0 or -errno. */
static int drop_tmp(const struct persist *ps, struct pfile *f)
{
	const char *base;
	int dir, err = 0;

	if (!f->tmp)
		return 0;
	dir = root_openparent(ps, f->rel, &base);
	if (dir < 0) {
		err = dir;
	} else {
		if (unlinkat(dir, f->tmp, 0))
			err = -errno;
		close(dir);
	}
	free(f->tmp);
	f->tmp = NULL;
	return err;
}

/*
 * Undo: old contents back, temporary files and new directories gone. Each
 * step that fails is named: the root is then neither before nor after.
 * Returns how many failed.
 */
static int persist_rollback(struct persist *ps)
{
	int failed = 0, err;
	size_t i;

	for (i = ps->n_files; i-- > 0;) {
		struct pfile *f = &ps->files[i];

		err = drop_tmp(ps, f);
		if (!err && f->renamed && !f->exists)
			err = root_unlink(ps, f->rel, 0);
		else if (!err && f->renamed)
			err = write_tmp(ps, f, f->old, f->old_len, f->old_mode);
		if (!err && f->renamed && f->exists)
			err = rename_tmp(ps, f, false);
		if (err) {
			drop_tmp(ps, f);
			failed++;
			persist_report(ps, "undoing ", f->rel, -err);
		}
	}
	for (i = ps->n_created; i-- > 0;) {
		err = root_unlink(ps, ps->new_dirs.v[i], AT_REMOVEDIR);
		if (err) {
			failed++;
			persist_report(ps, "undoing mkdir ", ps->new_dirs.v[i],
				       -err);
		}
	}
	return failed;
}

/* On an error: roll back, and say whether the root is as it was. */
static int persist_fail(struct persist *ps, const char *rel, int err)
{
	persist_error(ps, rel, err);
	if (persist_rollback(ps))
		fprintf(stderr, "pcipass: persist: the undo above failed: %s is not as it was\n",
			ps->root);
	else
		fprintf(stderr, "pcipass: persist: nothing changed\n");
	return EXIT_FAILURE;
}

static int persist_commit(struct persist *ps)
{
	size_t i;
	int err;

	for (i = 0; i < ps->new_dirs.n; i++) {
		err = root_mkdir(ps, ps->new_dirs.v[i]);
		if (err)
			return persist_fail(ps, ps->new_dirs.v[i], -err);
		ps->n_created++;
	}
	for (i = 0; i < ps->n_files; i++) {
		struct pfile *f = &ps->files[i];

		if (!f->write)
			continue;
		err = write_tmp(ps, f, f->data, f->len, f->mode);
		if (err)
			return persist_fail(ps, f->rel, -err);
	}
	for (i = 0; i < ps->n_files; i++) {
		struct pfile *f = &ps->files[i];

		if (!f->write)
			continue;
		err = rename_tmp(ps, f, !f->exists);
		if (err)
			return persist_fail(ps, f->rel, -err);
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

	if (read_file("/proc/cmdline", &cmdline, &len))
		cmdline = NULL;
	if (file_exists("/sys/firmware/acpi/tables/DMAR")) {
		want = intel, vendor = "intel", how = "ACPI DMAR table";
	} else if (file_exists("/sys/firmware/acpi/tables/IVRS")) {
		want = amd, vendor = "amd", how = "ACPI IVRS table";
	} else if (!read_file("/proc/cpuinfo", &cpuinfo, &len)) {
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

/* What persist takes besides FILTERs ("remove" and "help" come first). */
static const char *const persist_keywords[] = { "root", "remove", "help", NULL };

static int persist_write(struct pp *pp, int argc, char **argv)
{
	struct persist ps = { .pp = pp, .rootfd = -1 };
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
		ret = pp_parse_filter_arg("persist", argv[i], persist_keywords,
					  &filters[n_filters]);
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
		ret = pp_fail(pp, "persist", err);
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
			if (pp_any_match(snap, &filters[i]))
				fprintf(stderr, "pcipass: persist %s: matches only bridges, which stay with the host\n",
					filter_args[i]);
			else
				pp_no_match("persist", filter_args[i]);
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
		persist_add_file(&ps, PF_HOOK);
		persist_add_file(&ps, PF_INIT_TOP);
		generators = true;
	}
	if (is_dir(&ps, "usr/lib/dracut")) {
		persist_add_file(&ps, PF_DRACUT_SETUP);
		persist_add_file(&ps, PF_DRACUT_LOAD);
		generators = true;
	}
	/* pcipass.conf last: it records the others. */
	persist_add_file(&ps, PF_CONF);
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
	if (ps.rootfd >= 0)
		close(ps.rootfd);
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

/* Is the directory @rel below the root empty? */
static bool dir_empty(const struct persist *ps, const char *rel)
{
	int fd = root_opendir(ps, rel, strlen(rel));
	bool empty = true;
	struct dirent *d;
	DIR *dir;

	if (fd < 0)
		return false;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return false;
	}
	while (empty && (d = readdir(dir)))
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
			empty = false;
	closedir(dir);
	return empty;
}

/* What remove does with one recorded file. */
enum rm_state { RM_REMOVE, RM_ABSENT, RM_CHANGED };

/*
 * Is @rel still what persist wrote there? A recorded file that has been
 * edited or replaced since is the admin's now: remove leaves it.
 * pcipass.conf carries its own mark, checked when the record was read.
 */
static int persist_rm_state(const struct persist *ps, const char *rel,
			    enum rm_state *state)
{
	const struct persist_file *pf = persist_file_of(rel);
	char *data = NULL;
	size_t len;
	int err;

	err = root_read(ps, rel, &data, &len, NULL);
	if (err == -ENOENT) {
		*state = RM_ABSENT;
		return 0;
	}
	if (err)
		return err;
	*state = RM_REMOVE;
	if (pf->data && (len != pf->len || memcmp(data, pf->data, len)))
		*state = RM_CHANGED;
	free(data);
	return 0;
}

static int persist_remove(struct pp *pp, int argc, char **argv)
{
	struct persist ps = { .pp = pp, .rootfd = -1 };
	enum rm_state state[MAX_ENTRIES + 1];
	char path[PATH_MAX];
	const char *root = "/", *base;
	size_t i, n;
	bool have;
	int ret, err, dir;

	if (argc == 2 && !strcmp(argv[0], "root"))
		root = argv[1];
	else if (argc)
		return pp_usage_error("persist remove: unexpected argument \"%s\"; try \"pcipass persist help\"",
				      argv[0]);
	ret = persist_set_root(&ps, root);
	if (ret)
		goto out;
	ret = persist_read_record(&ps, &have);
	if (ret)
		goto out;

	/*
	 * First what each recorded file is now, and that every parent is
	 * writable: nothing changes unless all of it can.
	 */
	n = ps.rec_files.n + 1;
	for (i = 0; have && i < n; i++) {
		const char *rel = i < ps.rec_files.n ? ps.rec_files.v[i] :
						       CONF_REL;

		err = persist_rm_state(&ps, rel, &state[i]);
		if (err) {
			ret = persist_error(&ps, rel, -err);
			goto out;
		}
		if (state[i] != RM_REMOVE)
			continue;
		dir = root_openparent(&ps, rel, &base);
		err = dir < 0 ? dir : faccessat(dir, ".", W_OK, 0) ? -errno : 0;
		if (dir >= 0)
			close(dir);
		if (err) {
			ret = persist_error(&ps, rel, -err);
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
	for (i = 0; i < n; i++) {
		const char *rel = i < ps.rec_files.n ? ps.rec_files.v[i] :
						       CONF_REL;

		path_of(&ps, path, sizeof(path), rel);
		err = state[i] == RM_REMOVE ? root_unlink(&ps, rel, 0) : 0;
		if (err) {
			close_json_array();
			output_end();
			ret = persist_error(&ps, rel, -err);
			goto out;
		}
		open_json_object(NULL);
		print_string(PRINT_ANY, "action", "%-9s ",
			     state[i] == RM_REMOVE ? "removed" :
			     state[i] == RM_ABSENT ? "absent" : "kept");
		print_string(PRINT_ANY, "path", "%s", path);
		if (state[i] == RM_CHANGED)
			print_string(PRINT_ANY, "reason", " (%s)",
				     "changed since pcipass persist wrote it, left in place");
		print_text("\n");
		close_json_object();
	}
	/* Deepest first. */
	for (i = ps.rec_dirs.n; i-- > 0;) {
		const char *rel = ps.rec_dirs.v[i];

		if (!is_dir(&ps, rel))
			continue;
		path_of(&ps, path, sizeof(path), rel);
		open_json_object(NULL);
		if (dir_empty(&ps, rel) && !root_unlink(&ps, rel, AT_REMOVEDIR)) {
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
	if (ps.rootfd >= 0)
		close(ps.rootfd);
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
