// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libpcipass: library context, logging and error reporting.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libpcipass-private.h"

static int log_priority(const char *s)
{
	char *end;
	long prio;

	prio = strtol(s, &end, 10);
	if (end != s && *end == '\0')
		return (int)prio;
	if (!strncmp(s, "err", 3))
		return LOG_ERR;
	if (!strncmp(s, "warn", 4))
		return LOG_WARNING;
	if (!strncmp(s, "info", 4))
		return LOG_INFO;
	if (!strncmp(s, "debug", 5))
		return LOG_DEBUG;
	return LOG_ERR;
}

void pcipass_log(struct pcipass_ctx *ctx, int priority, const char *file,
		 int line, const char *fn, const char *format, ...)
{
	va_list args;

	if (!ctx->log_fn)
		return;

	va_start(args, format);
	ctx->log_fn(ctx, priority, file, line, fn, format, args);
	va_end(args);
}

PCIPASS_EXPORT int pcipass_new(struct pcipass_ctx **ctx)
{
	struct pcipass_ctx *c;
	const char *env;

	if (!ctx)
		return -EINVAL;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;

	c->refcount = 1;
	c->family = -1;
	c->extack_offset = -1;
	c->log_priority = LOG_ERR;

	env = secure_getenv("PCIPASS_LOG");
	if (env)
		c->log_priority = log_priority(env);

	/* A captured tree (tests) or a chroot's: read it, not the module. */
	env = secure_getenv("PCIPASS_SYSFS_ROOT");
	if (env && env[0]) {
		if (pcipass_set_sysfs_root(c, env) < 0) {
			free(c);
			return -ENOMEM;
		}
		c->source = PCIPASS_SOURCE_SYSFS;
	}

	*ctx = c;
	return 0;
}

PCIPASS_EXPORT struct pcipass_ctx *pcipass_ref(struct pcipass_ctx *ctx)
{
	if (!ctx)
		return NULL;
	ctx->refcount++;
	return ctx;
}

PCIPASS_EXPORT struct pcipass_ctx *pcipass_unref(struct pcipass_ctx *ctx)
{
	if (!ctx)
		return NULL;
	if (--ctx->refcount > 0)
		return ctx;

	DBG(ctx, "context %p released\n", (void *)ctx);
	pcipass_nl_close(ctx);
	pcipass_names_cleanup(ctx);
	free(ctx->sysfs_root);
	free(ctx);
	return NULL;
}

PCIPASS_EXPORT void pcipass_set_log_fn(struct pcipass_ctx *ctx,
				       pcipass_log_fn log_fn, void *data)
{
	if (!ctx)
		return;
	ctx->log_fn = log_fn;
	ctx->userdata = data;
}

PCIPASS_EXPORT int pcipass_get_log_priority(const struct pcipass_ctx *ctx)
{
	return ctx ? ctx->log_priority : 0;
}

PCIPASS_EXPORT void pcipass_set_log_priority(struct pcipass_ctx *ctx,
					     int priority)
{
	if (ctx)
		ctx->log_priority = priority;
}

PCIPASS_EXPORT void *pcipass_get_userdata(const struct pcipass_ctx *ctx)
{
	return ctx ? ctx->userdata : NULL;
}

PCIPASS_EXPORT void pcipass_set_userdata(struct pcipass_ctx *ctx, void *data)
{
	if (ctx)
		ctx->userdata = data;
}

void pcipass_clear_extack(struct pcipass_ctx *ctx)
{
	ctx->extack[0] = '\0';
	ctx->has_extack = false;
	ctx->extack_offset = -1;
}

void pcipass_set_extack(struct pcipass_ctx *ctx, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(ctx->extack, sizeof(ctx->extack), fmt, args);
	va_end(args);
	ctx->has_extack = true;
}

PCIPASS_EXPORT const char *pcipass_get_extack(const struct pcipass_ctx *ctx)
{
	if (!ctx || !ctx->has_extack)
		return NULL;
	return ctx->extack;
}

PCIPASS_EXPORT int pcipass_get_extack_offset(const struct pcipass_ctx *ctx)
{
	return ctx ? ctx->extack_offset : -1;
}

PCIPASS_EXPORT int pcipass_set_source(struct pcipass_ctx *ctx, int source)
{
	if (!ctx || source < PCIPASS_SOURCE_AUTO ||
	    source > PCIPASS_SOURCE_SYSFS)
		return -EINVAL;
	ctx->source = source;
	return 0;
}

PCIPASS_EXPORT int pcipass_get_source(const struct pcipass_ctx *ctx)
{
	return ctx ? ctx->source : PCIPASS_SOURCE_AUTO;
}

PCIPASS_EXPORT const char *pcipass_source_name(int source)
{
	switch (source) {
	case PCIPASS_SOURCE_AUTO:
		return "auto";
	case PCIPASS_SOURCE_NETLINK:
		return "netlink";
	case PCIPASS_SOURCE_SYSFS:
		return "sysfs";
	}
	return NULL;
}

PCIPASS_EXPORT int pcipass_set_sysfs_root(struct pcipass_ctx *ctx,
					  const char *root)
{
	char *copy = NULL;
	size_t len;

	if (!ctx)
		return -EINVAL;
	if (root && strcmp(root, "/")) {
		copy = strdup(root);
		if (!copy)
			return -ENOMEM;
		/* "dir/" and "dir" are the same root. */
		len = strlen(copy);
		while (len > 1 && copy[len - 1] == '/')
			copy[--len] = '\0';
	}
	free(ctx->sysfs_root);
	ctx->sysfs_root = copy;
	return 0;
}

PCIPASS_EXPORT const char *pcipass_get_sysfs_root(const struct pcipass_ctx *ctx)
{
	return ctx ? ctx->sysfs_root : NULL;
}

int pcipass_resolve_source(struct pcipass_ctx *ctx)
{
	int err;

	if (ctx->source != PCIPASS_SOURCE_AUTO)
		return ctx->source;
	if (ctx->sysfs_root)
		return PCIPASS_SOURCE_SYSFS;
	err = pcipass_nl_connect(ctx);
	if (err == -ENOENT) {
		DBG(ctx, "no pcipass module: reading sysfs\n");
		pcipass_clear_extack(ctx);
		return PCIPASS_SOURCE_SYSFS;
	}
	return err < 0 ? err : PCIPASS_SOURCE_NETLINK;
}
