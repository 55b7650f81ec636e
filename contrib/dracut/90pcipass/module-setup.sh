#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# dracut module of pcipass: puts pcipass.ko, vfio-pci and the boot claim
# policy (/etc/modprobe.d/pcipass.conf, written by "pcipass persist") into
# the initramfs, and loads pcipass in the pre-udev hook, before udev loads
# the native drivers.
#
# Installed as /usr/lib/dracut/modules.d/90pcipass/module-setup.sh (with
# pcipass-load.sh beside it) by "pcipass persist" or by a package.
# dracut sources it and sets dracutsysrootdir and moddir.
# shellcheck disable=SC2154

# Included whenever there is a boot policy.
check() {
    [[ -e $dracutsysrootdir/etc/modprobe.d/pcipass.conf ]] || return 1
    require_binaries modprobe || return 1
    return 0
}

depends() {
    return 0
}

installkernel() {
    # pcipass asks for vfio-pci (request_module) when it claims a function.
    hostonly='' instmods pcipass vfio-pci
}

install() {
    inst_simple /etc/modprobe.d/pcipass.conf
    inst_hook pre-udev 00 "$moddir/pcipass-load.sh"
}
