#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# dracut pre-udev hook of pcipass: load pcipass with the boot claim policy
# of /etc/modprobe.d/pcipass.conf before udev loads the native drivers.
# Functions that built-in drivers bound earlier are moved to vfio-pci by
# the module when it loads.
#
# Installed as /usr/lib/dracut/modules.d/90pcipass/pcipass-load.sh, beside
# module-setup.sh.

modprobe pcipass || echo "pcipass: modprobe pcipass failed; the boot policy is not applied" >&2
