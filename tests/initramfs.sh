#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The initramfs carries the boot policy: build Debian initramfs images from
# what "pcipass persist" writes (the policy in etc/modprobe.d/pcipass.conf,
# the initramfs-tools hook and init-top script, and the dracut module when
# dracut-core is installed) for a lab kernel, and check what is inside.
# Runs on the host, as root, and changes nothing outside its scratch
# directory: persist writes into a scratch root there, and inside private
# mount namespaces overlays put pcipass.ko (+ depmod) into
# /lib/modules/KVER and the scratch root's modprobe.d and dracut module
# over the host's; mkinitramfs reads the scratch root's initramfs-tools.
#
# usage: tests/initramfs.sh OUTDIR [KVER]
#
# Leaves OUTDIR/initrd-KVER.img (initramfs-tools, with the lab's hooks too,
# see tests/lab/initramfs-tools/) for the boot test
# (tests/guest/persist-boot.sh) and OUTDIR/pcipass.conf, the policy in it
# as persist wrote it.
# Output is TAP. Exit: 0 all ok, 1 a failure, 4 skipped.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: $0 OUTDIR [KVER]}
kver=${2:-$(grep -v '^#' "$top/tests/lab/kernels" | tail -n 1)}
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
ko=$build/modules/$kver/pcipass.ko
pp=$build/bin/pcipass
sysfs_tree=$top/tests/data/sysfs/seed-server-$kver.tar.xz

# The seed-server policy the boot test checks: one of the identical NVMe,
# the GPU slot, and 0a:00.0, where the boot test puts a virtio device that
# the built-in virtio-pci driver binds long before any initramfs runs.
# persist is given the FILTERs; naming 04:00.0 takes its IOMMU group (the
# whole GPU slot) along, so claim= must come out as below.
filters=(01:00.0 04:00.0 0a:00.0)
claim=0000:01:00.0,0000:04:00.0,0000:04:00.1,0000:04:00.2,0000:0a:00.0

echo "TAP version 13"
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root (mount namespace, overlays)"
	exit 4
fi
for tool in mkinitramfs lsinitramfs unmkinitramfs unshare; do
	if ! command -v "$tool" >/dev/null; then
		echo "1..0 # SKIP no $tool (initramfs-tools)"
		exit 4
	fi
done
if ! unshare -m --propagation private true 2>/dev/null; then
	echo "1..0 # SKIP no private mount namespace here (a chroot whose / is no mount point)"
	exit 4
fi
if [ ! -f "$ko" ]; then
	echo "Bail out! no $ko (make modules)"
	exit 1
fi
if [ ! -x "$pp" ]; then
	echo "Bail out! no $pp (make userspace)"
	exit 1
fi
if [ ! -f "$sysfs_tree" ]; then
	echo "Bail out! no captured seed-server sysfs tree for $kver ($sysfs_tree, tests/golden/capture.sh)"
	exit 1
fi

# ok, skip, note; $n and $failed.
. "$top/tests/tap.sh"
check() {	# DESCRIPTION COMMAND...
	local desc=$1
	shift
	if "$@" >"$w/check" 2>&1; then
		ok 0 "$desc"
	else
		ok 1 "$desc" "$(tail -n 20 "$w/check")"
	fi
}

mkdir -p "$out"
out=$(cd "$out" && pwd)
w=$(mktemp -d "${TMPDIR:-/var/tmp}/pcipass-initramfs.XXXXXX")
trap 'rm -rf "$w"' EXIT

# The scratch root the policy is persisted into and the images are built
# from: its etc/initramfs-tools is mkinitramfs's configuration directory,
# Debian's defaults with the lab's hooks, and persist adds its own hook and
# init-top script there. MODULES=list rather than Debian's "most" keeps the
# image small and quick to build; the lab hook adds the seed-server's
# native drivers, which udev loads from the image as it would from a "most"
# one. An empty usr/lib/dracut makes persist install its dracut module.
root=$w/root
conf=$root/etc/initramfs-tools
mkdir -p "$conf"/hooks "$conf"/scripts/init-premount "$root"/etc/dracut.conf.d
cat >"$conf/initramfs.conf" <<EOF
MODULES=list
BUSYBOX=auto
KEYMAP=n
COMPRESS=gzip
RUNSIZE=10%
FSTYPE=auto
EOF
: >"$conf/modules"
install -m 0755 "$top/tests/lab/initramfs-tools/hooks/lab" "$conf/hooks/"
install -m 0755 "$top/tests/lab/initramfs-tools/scripts/init-premount/lab" "$conf/scripts/init-premount/"
have_dracut=
command -v dracut >/dev/null && [ -d /usr/lib/dracut/modules.d ] && have_dracut=1
[ -n "$have_dracut" ] && mkdir -p "$root/usr/lib/dracut"

# persist describes the machine it runs on, and this host is not the
# seed-server guest the image is for. So it is shown that machine:
# - its PCI functions, IOMMU groups and drivers: the sysfs tree captured
#   from a seed-server guest on KVER (tests/golden/capture.sh), read
#   through PCIPASS_SYSFS_ROOT, the CLI's read-only sysfs source;
# - its kernel: persist finds each function's native modules by modalias
#   in the running kernel's module database, /lib/modules/$(uname -r).
#   In its mount namespace that name leads to KVER's modules, the kernel
#   the guest runs (nothing to do when the host runs KVER itself).
# Not redirected: the module behind a bound driver's name, which persist
# reads from this host's /sys/bus/pci/drivers/NAME/module (a capture has no
# module links). A host without the driver makes persist call it built in:
# xhci_hcd (module xhci_pci) then shows as "xhci_hcd(built-in)" in
# pcipass.conf's comments and in a note. The softdep lines come from the
# modaliases; the checks below hold them to the native drivers of the
# policy's functions.
sys=$w/sysfs
mkdir -p "$sys"
tar -C "$sys" -xJf "$sysfs_tree"
# The boot test adds a virtio-rng on rp7 (00:09.0, an empty slot in the
# captured seed-server): LAB_QEMU_EXTRA='-device virtio-rng-pci,bus=rp7'
# in tests/run-all.sh. The capture was taken without it, so it is added to
# the scratch copy as that guest shows it: 0a:00.0, 1af4:1044 (modern-only
# virtio behind a PCIe port) subsystem 1af4:1100, class 00ff00, revision
# 01, in an IOMMU group of its own, bound by virtio-pci. Its config space
# is the 64-byte header of those ids (no capabilities), zero-padded to the
# 256 bytes of a conventional function; persist reads nothing more of it.
rng=devices/pci0000:00/0000:00:09.0/0000:0a:00.0
rng_group=0
for g in "$sys"/sys/kernel/iommu_groups/*; do
	g=${g##*/}
	[ "$g" -lt "$rng_group" ] || rng_group=$((g + 1))
done
mkdir -p "$sys/sys/$rng" "$sys/sys/kernel/iommu_groups/$rng_group/devices"
echo 0x1af4 >"$sys/sys/$rng/vendor"
echo 0x1044 >"$sys/sys/$rng/device"
echo 0x1af4 >"$sys/sys/$rng/subsystem_vendor"
echo 0x1100 >"$sys/sys/$rng/subsystem_device"
echo 0x00ff00 >"$sys/sys/$rng/class"
echo 0x01 >"$sys/sys/$rng/revision"
echo '(null)' >"$sys/sys/$rng/driver_override"
echo -1 >"$sys/sys/$rng/numa_node"
{
	printf '\xf4\x1a\x44\x10'		# vendor, device
	head -c 4 /dev/zero			# command, status
	printf '\x01\x00\xff\x00'		# revision, class
	head -c 32 /dev/zero			# ..., header type 0, BARs
	printf '\xf4\x1a\x00\x11'		# subsystem vendor, device
	head -c $((256 - 48)) /dev/zero
} >"$sys/sys/$rng/config"
ln -s ../../../../bus/pci/drivers/virtio-pci "$sys/sys/$rng/driver"
ln -s "../../../../kernel/iommu_groups/$rng_group" "$sys/sys/$rng/iommu_group"
ln -s "../../../$rng" "$sys/sys/bus/pci/devices/0000:0a:00.0"
ln -s "../../../../$rng" "$sys/sys/kernel/iommu_groups/$rng_group/devices/0000:0a:00.0"

uname_r=$(uname -r)
mkdir -p "$w"/kmods/{up,work}
[ "$uname_r" = "$kver" ] || ln -s "$kver" "$w/kmods/up/$uname_r"
# shellcheck disable=SC2016 # expanded by the inner shell
unshare -m --propagation private bash -euc '
	w=$1 pp=$2 root=$3
	shift 3
	mount -t overlay overlay \
		-o "lowerdir=/lib/modules,upperdir=$w/kmods/up,workdir=$w/kmods/work" \
		/lib/modules
	PCIPASS_SYSFS_ROOT=$w/sysfs "$pp" persist "$@" root "$root"
' persist "$w" "$pp" "$root" "${filters[@]}" >"$w/persist.log" 2>&1
ok $? "pcipass persist ${filters[*]} root DIR (captured seed-server sysfs, $kver modules)" \
	"$(cat "$w/persist.log")"
pconf=$root/etc/modprobe.d/pcipass.conf
if [ ! -f "$pconf" ]; then
	echo "Bail out! pcipass persist wrote no etc/modprobe.d/pcipass.conf"
	exit 1
fi
install -m 0644 "$pconf" "$out/pcipass.conf"
check "pcipass.conf: claim= is the boot test's policy ($claim)" \
	grep -qx "options pcipass claim=$claim" "$pconf"
for m in nvme snd_hda_intel xhci_pci bochs; do
	check "pcipass.conf: softdep $m pre: pcipass" grep -qx "softdep $m pre: pcipass" "$pconf"
done
for f in hooks/pcipass scripts/init-top/pcipass; do
	check "persist installed etc/initramfs-tools/$f" test -x "$conf/$f"
done
if [ -n "$have_dracut" ]; then
	check "persist installed the dracut module 90pcipass" \
		test -x "$root/usr/lib/dracut/modules.d/90pcipass/module-setup.sh"
fi

# Overlays, seen only inside the namespace: the host keeps its own files.
# pcipass.ko goes in with depmod; the scratch root's modprobe.d and dracut
# modules lie over the host's, read-only.
mods=/lib/modules/$kver
mkdir -p "$w"/mods/{up/updates,work}
install -m 0644 "$ko" "$w/mods/up/updates/pcipass.ko"
img=$out/initrd-$kver.img
dimg=$out/dracut-$kver.img
rm -f "$img" "$dimg"

export LAB_GUEST_INIT=$top/tests/lab/guest-init
start=$SECONDS
# shellcheck disable=SC2016 # expanded by the inner shell
unshare -m --propagation private bash -euc '
	w=$1 root=$2 mods=$3 kver=$4 img=$5 dimg=$6 have_dracut=$7
	ovl() { mount -t overlay overlay -o "lowerdir=$2,upperdir=$1/up,workdir=$1/work" "$2"; }
	over() { mount -t overlay overlay -o "lowerdir=$1:$2" "$2"; }
	ovl "$w/mods" "$mods"
	over "$root/etc/modprobe.d" /etc/modprobe.d
	t=$SECONDS
	depmod "$kver"
	echo "depmod: $((SECONDS - t))s"
	modinfo -k "$kver" -F filename pcipass
	t=$SECONDS
	mkinitramfs -d "$root/etc/initramfs-tools" -o "$img" "$kver"
	echo "mkinitramfs: $((SECONDS - t))s"
	if [ -n "$have_dracut" ]; then
		t=$SECONDS
		over "$root/usr/lib/dracut/modules.d" /usr/lib/dracut/modules.d
		# A generic image with only what the module needs, from this
		# machine (no --hostonly: the host is not the lab guest).
		dracut --force --no-hostonly --no-compress --no-early-microcode \
			--confdir "$root/etc/dracut.conf.d" --modules "base pcipass" \
			--kver "$kver" "$dimg"
		echo "dracut: $((SECONDS - t))s"
	fi
' mkinitramfs "$w" "$root" "$mods" "$kver" "$img" "$dimg" "$have_dracut" >"$w/build.log" 2>&1
rc=$?
elapsed=$((SECONDS - start))
ok $rc "mkinitramfs -d DIR/etc/initramfs-tools with persist's hooks for $kver (${elapsed}s)" \
	"$(tail -n 30 "$w/build.log")"
check "host /lib/modules/$kver has no pcipass.ko (overlay only)" \
	bash -c "! find '$mods' -name 'pcipass.ko*' | grep -q ."
check "host /etc/modprobe.d has no pcipass.conf" test ! -e /etc/modprobe.d/pcipass.conf
if [ "$uname_r" != "$kver" ]; then
	check "host /lib/modules/$uname_r is not the link persist saw" \
		test ! -L "/lib/modules/$uname_r"
fi

lsinitramfs "$img" >"$w/list" 2>&1
check "initramfs has pcipass.ko" grep -qE "lib/modules/[^/]*/updates/pcipass\.ko$" "$w/list"
check "initramfs has vfio-pci" grep -qE "/vfio-pci\.ko$|/vfio_pci\.ko$" "$w/list"
check "initramfs has nvme (udev loads it there)" grep -qE "/nvme\.ko$" "$w/list"
check "initramfs has etc/modprobe.d/pcipass.conf" grep -qx "etc/modprobe.d/pcipass.conf" "$w/list"
check "initramfs has scripts/init-top/pcipass" grep -qx "scripts/init-top/pcipass" "$w/list"

x=$w/x
mkdir -p "$x"
unmkinitramfs "$img" "$x" >"$w/unmk.log" 2>&1
ok $? "unmkinitramfs" "$(cat "$w/unmk.log")"
check "pcipass.conf inside is the one persist wrote" cmp "$pconf" "$x/etc/modprobe.d/pcipass.conf"
check "init-top/pcipass inside is the one persist installed" \
	cmp "$conf/scripts/init-top/pcipass" "$x/scripts/init-top/pcipass"
check "init-top runs pcipass before udev" \
	awk '/init-top\/pcipass/ { p = NR } /init-top\/udev/ { u = NR } END { exit !(p && u && p < u) }' \
	"$x/scripts/init-top/ORDER"
# The image's own modprobe database: pcipass with its claim= option, and
# before nvme when anything loads nvme.
modprobe -d "$x" -S "$kver" -C "$x/etc/modprobe.d" --show-depends nvme >"$w/dep" 2>&1
# shellcheck disable=SC2016 # awk's $0
check "image's modprobe loads pcipass claim=... before nvme" \
	awk -v claim="claim=$claim" '/\/pcipass\.ko/ && index($0, claim) { p = NR } /\/nvme\.ko/ { v = NR } END { exit !(p && v && p < v) }' "$w/dep"
modinfo -b "$x" -k "$kver" -F parm pcipass >"$w/parm" 2>&1
check "image's pcipass.ko has the claim parameter" grep -q '^claim:' "$w/parm"

if [ -n "$have_dracut" ]; then
	lsinitramfs "$dimg" >"$w/dlist" 2>&1
	check "dracut image has pcipass.ko" grep -qE "/updates/pcipass\.ko(\.xz|\.zst)?$" "$w/dlist"
	check "dracut image has vfio-pci" grep -qE "/vfio[-_]pci\.ko(\.xz|\.zst)?$" "$w/dlist"
	check "dracut image has etc/modprobe.d/pcipass.conf" grep -qx "etc/modprobe.d/pcipass.conf" "$w/dlist"
	check "dracut image has the pre-udev hook" grep -qE "^(usr/lib/dracut/)?hooks/pre-udev/00-pcipass-load\.sh$|pre-udev/.*pcipass" "$w/dlist"
else
	skip "dracut image" "no dracut (install dracut-core)"
fi

echo "1..$n"
[ "$failed" = 0 ]
