#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The initramfs carries the boot policy: build Debian initramfs images with
# pcipass's hooks (contrib/initramfs-tools with mkinitramfs, and
# contrib/dracut with dracut when dracut-core is installed) for a lab
# kernel, and check what is inside. Runs on the host, as root, and changes
# nothing outside its scratch directory: inside a private mount namespace,
# overlays put pcipass.ko (+ depmod) into /lib/modules/KVER, the policy
# into /etc/modprobe.d and the dracut module into dracut's modules.d.
#
# usage: tests/initramfs.sh OUTDIR [KVER]
#
# Leaves OUTDIR/initrd-KVER.img (initramfs-tools, with the lab's hooks too,
# see tests/lab/initramfs-tools/) for the boot test
# (tests/guest/persist-boot.sh) and OUTDIR/pcipass.conf, the policy in it.
# Output is TAP. Exit: 0 all ok, 1 a failure, 4 skipped.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: $0 OUTDIR [KVER]}
kver=${2:-$(grep -v '^#' "$top/tests/lab/kernels" | tail -n 1)}
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
ko=$build/modules/$kver/pcipass.ko

# The seed-server policy the boot test checks: one of the identical NVMe,
# the GPU slot, and 0a:00.0, where the boot test puts a virtio device that
# the built-in virtio-pci driver binds long before any initramfs runs.
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
if [ ! -f "$ko" ]; then
	echo "Bail out! no $ko (make modules)"
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

# The policy, as "pcipass persist" writes it (tests/selftests/persist.sh
# checks the CLI's side; here the hooks'). xhci_pci for the GPU slot's USB
# controller, virtio_pci is built in: no softdep can order it.
cat >"$out/pcipass.conf" <<EOF
# Written by "pcipass persist"; "pcipass persist remove" takes it out
# again, with the files and directories recorded at the end.
# Run pcipass persist again rather than edit it.
#
options pcipass claim=$claim
# Load pcipass before the native drivers of those functions.
softdep bochs pre: pcipass
softdep nvme pre: pcipass
softdep snd_hda_intel pre: pcipass
softdep xhci_pci pre: pcipass
#
EOF

# Scratch configuration: Debian's defaults, our hooks, the lab's. MODULES=list
# rather than Debian's "most" keeps the image small and quick to build; the
# lab hook adds the seed-server's native drivers, which udev loads from the
# image as it would from a "most" one.
conf=$w/conf
mkdir -p "$conf"/hooks "$conf"/scripts/init-top "$conf"/scripts/init-premount \
	"$conf"/dracut.conf.d
cat >"$conf/initramfs.conf" <<EOF
MODULES=list
BUSYBOX=auto
KEYMAP=n
COMPRESS=gzip
RUNSIZE=10%
FSTYPE=auto
EOF
: >"$conf/modules"
install -m 0755 "$top/contrib/initramfs-tools/hooks/pcipass" "$conf/hooks/"
install -m 0755 "$top/contrib/initramfs-tools/scripts/init-top/pcipass" "$conf/scripts/init-top/"
install -m 0755 "$top/tests/lab/initramfs-tools/hooks/lab" "$conf/hooks/"
install -m 0755 "$top/tests/lab/initramfs-tools/scripts/init-premount/lab" "$conf/scripts/init-premount/"

# Overlays, seen only inside the namespace: the host keeps its own files.
mods=/lib/modules/$kver
mkdir -p "$w"/mods/{up/updates,work} "$w"/mpd/{up,work} "$w"/dracut/{up/90pcipass,work}
install -m 0644 "$ko" "$w/mods/up/updates/pcipass.ko"
install -m 0644 "$out/pcipass.conf" "$w/mpd/up/pcipass.conf"
install -m 0755 "$top"/contrib/dracut/90pcipass/*.sh "$w/dracut/up/90pcipass/"
img=$out/initrd-$kver.img
dimg=$out/dracut-$kver.img
rm -f "$img" "$dimg"

have_dracut=
command -v dracut >/dev/null && [ -d /usr/lib/dracut/modules.d ] && have_dracut=1
export LAB_GUEST_INIT=$top/tests/lab/guest-init
start=$SECONDS
# shellcheck disable=SC2016 # expanded by the inner shell
unshare -m --propagation private bash -euc '
	w=$1 mods=$2 kver=$3 img=$4 dimg=$5 have_dracut=$6
	ovl() { mount -t overlay overlay -o "lowerdir=$2,upperdir=$1/up,workdir=$1/work" "$2"; }
	ovl "$w/mods" "$mods"
	ovl "$w/mpd" /etc/modprobe.d
	t=$SECONDS
	depmod "$kver"
	echo "depmod: $((SECONDS - t))s"
	modinfo -k "$kver" -F filename pcipass
	t=$SECONDS
	mkinitramfs -d "$w/conf" -o "$img" "$kver"
	echo "mkinitramfs: $((SECONDS - t))s"
	if [ -n "$have_dracut" ]; then
		t=$SECONDS
		ovl "$w/dracut" /usr/lib/dracut/modules.d
		# A generic image with only what the module needs, from this
		# machine (no --hostonly: the host is not the lab guest).
		dracut --force --no-hostonly --no-compress --no-early-microcode \
			--confdir "$w/conf/dracut.conf.d" --modules "base pcipass" \
			--kver "$kver" "$dimg"
		echo "dracut: $((SECONDS - t))s"
	fi
' mkinitramfs "$w" "$mods" "$kver" "$img" "$dimg" "$have_dracut" >"$w/build.log" 2>&1
rc=$?
elapsed=$((SECONDS - start))
ok $rc "mkinitramfs -d CONFDIR with contrib/initramfs-tools for $kver (${elapsed}s)" \
	"$(tail -n 30 "$w/build.log")"
check "host /lib/modules/$kver has no pcipass.ko (overlay only)" \
	bash -c "! find '$mods' -name 'pcipass.ko*' | grep -q ."
check "host /etc/modprobe.d has no pcipass.conf" test ! -e /etc/modprobe.d/pcipass.conf

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
check "pcipass.conf inside is the policy" cmp "$out/pcipass.conf" "$x/etc/modprobe.d/pcipass.conf"
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
