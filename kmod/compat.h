/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything that differs between the kernels pcipass builds against lives
 * here, and only here. Differences are detected from the headers at build
 * time (see kmod/Kbuild), never from LINUX_VERSION_CODE: stable kernels
 * backport APIs, so version numbers lie.
 */
#ifndef _PCIPASS_COMPAT_H
#define _PCIPASS_COMPAT_H

#include <linux/device.h>
#include <linux/pci.h>
#include <linux/string.h>

/**
 * pcipass_read_driver_override() - copy a function's driver_override
 * @pdev: the PCI function
 * @buf: destination
 * @len: size of @buf
 *
 * PCI kept driver_override in struct pci_dev, guarded by device_lock, up to
 * 6.12.90; later stable kernels (Debian's 6.12.107 among them) and mainline
 * keep it in struct device under a spinlock. The Kbuild probe defines
 * PCIPASS_HAVE_PCI_DRIVER_OVERRIDE when the old field is present.
 *
 * May sleep on kernels with the old field.
 *
 * Return: true if an override is set and was copied, false otherwise.
 */
static inline bool pcipass_read_driver_override(struct pci_dev *pdev,
						char *buf, size_t len)
{
	bool set = false;

#ifdef PCIPASS_HAVE_PCI_DRIVER_OVERRIDE
	device_lock(&pdev->dev);
	if (pdev->driver_override) {
		strscpy(buf, pdev->driver_override, len);
		set = true;
	}
	device_unlock(&pdev->dev);
#else
	spin_lock(&pdev->dev.driver_override.lock);
	if (pdev->dev.driver_override.name) {
		strscpy(buf, pdev->dev.driver_override.name, len);
		set = true;
	}
	spin_unlock(&pdev->dev.driver_override.lock);
#endif
	return set;
}

#endif /* _PCIPASS_COMPAT_H */
