// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * LD_PRELOAD for tests/golden/run.sh: another writer creates
 * pcipass.conf in the instant before persist renames its own into place,
 * the race RENAME_NOREPLACE closes. Each rename call that targets a file
 * named pcipass.conf first creates it, if it is not there, with another
 * program's line, then does the real rename.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define THEIRS "# someone else's\n"

static void appear(int dir, const char *path)
{
	const char *base = strrchr(path, '/');
	int fd;

	base = base ? base + 1 : path;
	if (strcmp(base, "pcipass.conf"))
		return;
	fd = openat(dir, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, THEIRS, strlen(THEIRS)) < 0)
		_exit(99);
	close(fd);
}

int rename(const char *from, const char *to)
{
	int (*real)(const char *, const char *);

	*(void **)&real = dlsym(RTLD_NEXT, "rename");
	appear(AT_FDCWD, to);
	return real(from, to);
}

int renameat(int fromdir, const char *from, int todir, const char *to)
{
	int (*real)(int, const char *, int, const char *);

	*(void **)&real = dlsym(RTLD_NEXT, "renameat");
	appear(todir, to);
	return real(fromdir, from, todir, to);
}

int renameat2(int fromdir, const char *from, int todir, const char *to,
	      unsigned int flags)
{
	int (*real)(int, const char *, int, const char *, unsigned int);

	*(void **)&real = dlsym(RTLD_NEXT, "renameat2");
	appear(todir, to);
	return real(fromdir, from, todir, to, flags);
}
