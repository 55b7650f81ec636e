#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The boot policy applies before the native drivers probe. Runs in a lab
# guest booted with a Debian initramfs that carries pcipass (built by
# tests/initramfs.sh), from its init-premount stage: udev has run and
# loaded the native drivers from the initramfs, pcipass was loaded by its
# init-top script with the policy of pcipass.conf.
#
#   LAB_QEMU_EXTRA='-device virtio-rng-pci,bus=rp7' \
#   tests/lab/run -k 6.12 -t seed-server -I OUTDIR/initrd-KVER.img -- \
#       tests/guest/persist-boot.sh OUTDIR/pcipass.conf
#
# Checks that every function of the policy is on vfio-pci, claimed by
# policy, that the native drivers never bound them (kernel log) while they
# bound their twins, and that the virtio device at 0a:00.0, which the
# built-in virtio-pci driver binds while the kernel boots, was moved by the
# module when it loaded. TAP on stdout and in $LAB_OUT/persist-boot.tap.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
conf=${1:?usage: $0 pcipass.conf}
build=${BUILD:-$top/build}
pp=$build/bin/pcipass
devs=/sys/bus/pci/devices
tap=${LAB_OUT:+$LAB_OUT/persist-boot.tap}
exec > >(tee "${tap:-/dev/null}")

echo "TAP version 13"
if [ "${LAB_TOPOLOGY:-}" != seed-server ]; then
	echo "1..0 # SKIP needs the seed-server topology"
	exit 4
fi

# ok, skip, note; $n and $failed.
. "$top/tests/tap.sh"
drv() {
	local l
	l=$(readlink "$devs/$1/driver" 2>/dev/null) || { echo -; return; }
	echo "${l##*/}"
}
is() { [ "$1" = "$2" ]; echo $?; }	# A B: 0 when equal
jdev() {	# BDF KEY
	"$pp" -j dev show "$1" -d 2>/dev/null |
		python3 -S -c 'import json,sys; d=json.load(sys.stdin)[0]; v=d.get(sys.argv[1]); print("null" if v is None else v)' "$2" 2>/dev/null
}

claim=$(sed -n 's/^options pcipass claim=//p' "$conf")
if [ -z "$claim" ]; then
	echo "Bail out! no \"options pcipass claim=\" in $conf"
	exit 1
fi
dmesg >/tmp/dmesg

ok "$(grep -qw lab.premount /proc/cmdline; echo $?)" \
	"booted the Debian initramfs (lab.premount)" "$(cat /proc/cmdline)"
ok "$([ -d /sys/module/pcipass ]; echo $?)" \
	"pcipass was loaded in the initramfs"
param=$(cat /sys/module/pcipass/parameters/claim 2>/dev/null)
ok "$(is "$param" "$claim")" "its claim= is the policy of pcipass.conf" \
	"parameter: $param" "pcipass.conf: $claim"

# udev in the initramfs loaded the native drivers: their twins have them.
for b in 0000:02:00.0 0000:03:00.0; do
	ok "$(is "$(drv $b)" nvme)" "$b (not in the policy) on nvme: udev loaded nvme" \
		"driver: $(drv $b)"
done
# udev loads a module for every function's modalias, claimed or not: the
# native drivers of the claimed functions were there and had their chance.
for m in nvme xhci_pci snd_hda_intel; do
	ok "$([ -d "/sys/module/$m" ]; echo $?)" "udev in the initramfs loaded $m"
done
ok $(( $(grep -c 'nvme nvme[0-9]*: pci function 0000:02:00.0' /tmp/dmesg) == 0 )) \
	"the kernel log shows nvme probing 0000:02:00.0 (so the check below can fail)"

for b in ${claim//,/ }; do
	ok "$(is "$(drv "$b")" vfio-pci)" "$b on vfio-pci" "driver: $(drv "$b")"
	ok "$(is "$(jdev "$b" claim-origin)" policy)" "$b claimed by policy" \
		"claim-origin: $(jdev "$b" claim-origin)"
done

# Native drivers never touched what the policy claims at probe time.
for pat in 'nvme nvme[0-9]*: pci function 0000:01:00.0' 'nvme 0000:01:00.0' \
	   'xhci_hcd 0000:04:00.2' 'snd_hda_intel 0000:04:00.1' 'bochs-drm 0000:04:00.0'; do
	ok $(( $(grep -c "$pat" /tmp/dmesg) != 0 )) "kernel log has no \"$pat\"" \
		"$(grep "$pat" /tmp/dmesg)"
done
for b in 0000:01:00.0 0000:04:00.0 0000:04:00.1 0000:04:00.2; do
	ok "$(is "$(jdev "$b" prev-driver)" null)" \
		"$b had no driver before pcipass (claimed at probe time)" \
		"prev-driver: $(jdev "$b" prev-driver)"
done

# A function a built-in driver bound before any initramfs ran: moved when
# pcipass loaded. On 6.1 virtio-pci is a module, loaded after pcipass.
b=0000:0a:00.0
if [ -e "$devs/$b" ]; then
	if [ -e /sys/module/virtio_pci/initstate ]; then
		ok "$(is "$(jdev "$b" prev-driver)" null)" \
			"$b: virtio_pci is a module here, the policy claimed it at probe time" \
			"prev-driver: $(jdev "$b" prev-driver)"
	else
		ok "$(is "$(jdev "$b" prev-driver)" virtio-pci)" \
			"$b: built-in virtio-pci had bound it; pcipass moved it at load" \
			"prev-driver: $(jdev "$b" prev-driver)"
	fi
else
	ok 1 "$b exists (start with LAB_QEMU_EXTRA='-device virtio-rng-pci,bus=rp7')"
fi

echo "1..$n"
[ "$failed" = 0 ]
