// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libpcipass: vendor, device and class names from libpci's ID database.
 *
 * libpci reports fatal errors through a callback that must not return
 * and whose default exits the process. The library must not exit, so
 * lookups run under setjmp() and the callback jumps back out of libpci.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <pci/pci.h>

#include "libpcipass-private.h"

/* Set only while libpci runs on this thread's behalf. */
static __thread struct pcipass_ctx *pci_ctx;
static __thread jmp_buf *pci_jmp;

static void pci_vlog(int priority, const char *fmt, va_list args)
{
	char buf[256];
	size_t n;

	if (!pci_ctx)
		return;
	vsnprintf(buf, sizeof(buf), fmt, args);
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	pcipass_log_cond(pci_ctx, priority, "libpci: %s\n", buf);
}

static void __attribute__((format(printf, 1, 2), noreturn))
pci_error_cb(char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	pci_vlog(LOG_ERR, fmt, args);
	va_end(args);
	/* Only ever installed while pci_jmp is set, see pcipass_name_lookup(). */
	longjmp(*pci_jmp, 1);
}

static void __attribute__((format(printf, 1, 2)))
pci_warning_cb(char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	pci_vlog(LOG_WARNING, fmt, args);
	va_end(args);
}

static void __attribute__((format(printf, 1, 2)))
pci_debug_cb(char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	pci_vlog(LOG_DEBUG, fmt, args);
	va_end(args);
}

void pcipass_names_cleanup(struct pcipass_ctx *ctx)
{
	if (ctx->pacc)
		pci_cleanup(ctx->pacc);
	ctx->pacc = NULL;
}

static int lookup(struct pcipass_ctx *ctx, char *out, size_t outlen,
		  int flags, unsigned int a, unsigned int b, unsigned int c,
		  unsigned int d)
{
	/* Volatile: set between setjmp() and a possible longjmp(). */
	const char *volatile name = NULL;
	char buf[512];
	jmp_buf jmp;
	size_t n;

	pci_ctx = ctx;
	pci_jmp = &jmp;
	if (setjmp(jmp)) {
		pci_jmp = NULL;
		pci_ctx = NULL;
		return -EIO;
	}
	if (!ctx->pacc) {
		ctx->pacc = pci_alloc();
		ctx->pacc->error = pci_error_cb;
		ctx->pacc->warning = pci_warning_cb;
		ctx->pacc->debug = pci_debug_cb;
	}
	name = pci_lookup_name(ctx->pacc, buf, sizeof(buf),
			       flags | PCI_LOOKUP_NO_NUMBERS, a, b, c, d);
	pci_jmp = NULL;
	pci_ctx = NULL;

	if (!name)
		return -ENOENT;

	n = strlen(name);
	if (n >= outlen)
		return -ENOSPC;
	memcpy(out, name, n + 1);
	return 0;
}

PCIPASS_EXPORT int pcipass_name_lookup(struct pcipass_ctx *ctx,
				       enum pcipass_name what,
				       uint16_t vendor, uint16_t device,
				       uint16_t subvendor, uint16_t subdevice,
				       uint32_t class_code, char *buf, size_t len)
{
	unsigned int cls = (class_code >> 8) & 0xffff;
	unsigned int progif = class_code & 0xff;

	if (!ctx || !buf || !len)
		return -EINVAL;

	switch (what) {
	case PCIPASS_NAME_VENDOR:
		return lookup(ctx, buf, len, PCI_LOOKUP_VENDOR, vendor, 0, 0, 0);
	case PCIPASS_NAME_DEVICE:
		return lookup(ctx, buf, len, PCI_LOOKUP_DEVICE, vendor, device,
			      0, 0);
	case PCIPASS_NAME_VENDOR_DEVICE:
		return lookup(ctx, buf, len,
			      PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE, vendor,
			      device, 0, 0);
	case PCIPASS_NAME_SUBSYSTEM:
		return lookup(ctx, buf, len,
			      PCI_LOOKUP_SUBSYSTEM | PCI_LOOKUP_VENDOR |
			      PCI_LOOKUP_DEVICE, vendor, device, subvendor,
			      subdevice);
	case PCIPASS_NAME_CLASS:
		return lookup(ctx, buf, len, PCI_LOOKUP_CLASS, cls, 0, 0, 0);
	case PCIPASS_NAME_PROGIF:
		return lookup(ctx, buf, len, PCI_LOOKUP_PROGIF, cls, progif,
			      0, 0);
	}
	return -EINVAL;
}

PCIPASS_EXPORT int pcipass_dev_name(struct pcipass_ctx *ctx,
				    const struct pcipass_dev *dev,
				    enum pcipass_name what, char *buf,
				    size_t len)
{
	if (!dev)
		return -EINVAL;
	return pcipass_name_lookup(ctx, what, dev->vendor, dev->device,
				   dev->subsystem_vendor, dev->subsystem_device,
				   dev->class_code, buf, len);
}
