/* SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later */
/*
 * Device quirks that change where pcipass reads a register, shared by the
 * kernel module and libpcipass's sysfs reader. Each mirrors one of
 * drivers/pci/quirks.c, so that pcipass reads what the kernel reads.
 */
#ifndef _PCIPASS_QUIRKS_H
#define _PCIPASS_QUIRKS_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#endif

#define PCIPASS_VENDOR_INTEL		0x8086
/* Where such a port's ACS Control register is: a dword after Capability. */
#define PCIPASS_ACS_CTRL_DWORD		8

/**
 * pcipass_acs_dword_regs() - are a function's ACS registers dwords
 * @vendor: PCI vendor id
 * @device: PCI device id
 * @root_port: the function is a PCIe Root Port
 *
 * Intel Sunrise Point, Union Point and 7th/8th generation mobile PCH root
 * ports implement ACS with 32-bit Capability and Control registers, the
 * Control register at offset 8 of the capability instead of 6. The kernel
 * reads them there (pci_quirk_intel_spt_pch_acs_match(), Linux 6.12); read
 * at the standard offset, the Control register is garbage.
 *
 * Return: true if the registers are dwords.
 */
static inline bool pcipass_acs_dword_regs(unsigned int vendor,
					  unsigned int device, bool root_port)
{
	if (vendor != PCIPASS_VENDOR_INTEL || !root_port)
		return false;
	return (device >= 0xa110 && device <= 0xa11f) ||	/* Sunrise Point */
	       (device >= 0xa167 && device <= 0xa16a) ||
	       (device >= 0xa290 && device <= 0xa29f) ||	/* Union Point */
	       (device >= 0xa2e7 && device <= 0xa2ee) ||
	       (device >= 0x9d10 && device <= 0x9d1b);		/* 7th/8th mobile */
}

#endif /* _PCIPASS_QUIRKS_H */
