/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything that differs between the kernels pcipass builds against lives
 * here, and only here. Differences are detected from the headers at build
 * time (see kmod/Kbuild), never from LINUX_VERSION_CODE: stable kernels
 * backport APIs, so version numbers lie.
 */
#ifndef _PCIPASS_COMPAT_H
#define _PCIPASS_COMPAT_H

#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/netlink.h>
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

/**
 * pcipass_peek_driver_override() - copy a function's driver_override
 *	without waiting
 * @pdev: the PCI function
 * @buf: destination
 * @len: size of @buf
 *
 * For readers that must not wait on a driver (dumps, dev-get: any user
 * may ask). Where driver_override is in struct pci_dev, device_lock
 * guards it, and a driver's probe or remove holds that lock for as long
 * as it runs: vfio-pci's remove waits there until its VFIO user lets go
 * of the device, which a guest may never do. Then this gives up.
 *
 * Return: 1 if an override is set and was copied, 0 if none is set,
 * -EBUSY if the device lock was held (kernels with the old field only).
 */
static inline int pcipass_peek_driver_override(struct pci_dev *pdev,
					       char *buf, size_t len)
{
#ifdef PCIPASS_HAVE_PCI_DRIVER_OVERRIDE
	int set = 0;

	if (!device_trylock(&pdev->dev))
		return -EBUSY;
	if (pdev->driver_override) {
		strscpy(buf, pdev->driver_override, len);
		set = 1;
	}
	device_unlock(&pdev->dev);
	return set;
#else
	return pcipass_read_driver_override(pdev, buf, len);
#endif
}

/**
 * pcipass_write_driver_override() - set or clear a function's
 *	driver_override
 * @pdev: the PCI function
 * @name: driver name, or "" to clear
 *
 * Must not be called with device_lock held: the old API takes it.
 *
 * Return: 0 or a negative errno.
 */
static inline int pcipass_write_driver_override(struct pci_dev *pdev,
						const char *name)
{
#ifdef PCIPASS_HAVE_PCI_DRIVER_OVERRIDE
	return driver_set_override(&pdev->dev, &pdev->driver_override, name,
				   strlen(name));
#else
	return device_set_driver_override(&pdev->dev, name);
#endif
}

/*
 * Extended ACK messages that name the function at fault. Kernels with
 * NL_SET_ERR_MSG_FMT keep the text in the extack itself. Older ones only
 * keep a pointer, so format into a ring of static buffers: the ack is
 * sent right after the handler returns. Parallel requests share the
 * ring; for one to overwrite a message before its ack, 64 others would
 * have to format theirs in that window (claims and releases format under
 * one mutex). Each buffer's last byte is never written, so even then a
 * reader of the message stays within its buffer.
 */
#ifdef NL_SET_ERR_MSG_FMT
#define PCIPASS_ERR_MSG_FMT(extack, fmt, args...) \
	NL_SET_ERR_MSG_FMT(extack, fmt, ##args)
#else
#define PCIPASS_EXTACK_RING	64
#define PCIPASS_EXTACK_LEN	80
extern char pcipass_extack_ring[PCIPASS_EXTACK_RING][PCIPASS_EXTACK_LEN + 1];
extern atomic_t pcipass_extack_next;
#define PCIPASS_ERR_MSG_FMT(extack, fmt, args...) do {			\
	struct netlink_ext_ack *__ack = (extack);			\
	char *__buf;							\
									\
	if (!__ack)							\
		break;							\
	__buf = pcipass_extack_ring[(unsigned int)			\
		atomic_inc_return(&pcipass_extack_next) %		\
		PCIPASS_EXTACK_RING];					\
	snprintf(__buf, PCIPASS_EXTACK_LEN, fmt, ##args);		\
	__ack->_msg = __buf;						\
} while (0)
#endif

#endif /* _PCIPASS_COMPAT_H */
