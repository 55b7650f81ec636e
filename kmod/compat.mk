# SPDX-License-Identifier: GPL-2.0
#
# Feature probes for compat.h: look at the headers, not the version.
# Included by kmod/Kbuild and tests/kunit/Kbuild.

# PCI's own driver_override field was replaced by the generic one in
# struct device, and stable kernels got that backported (Debian 6.12.107).
ifneq ($(shell grep -qsE 'const char[[:space:]]*\*driver_override;' \
	$(srctree)/include/linux/pci.h && echo y),)
ccflags-y += -DPCIPASS_HAVE_PCI_DRIVER_OVERRIDE
endif
