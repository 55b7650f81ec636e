#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) the busybox initramfs of the lab for one Debian kernel.
#
# usage: tests/lab/initramfs.sh KVER [OUT.cpio.gz]
#
# The image is cached under ${PCIPASS_CACHE:-/var/cache/pcipass}/lab/, keyed
# by the kernel version and a hash of this script and guest-init. With OUT the
# cached image is copied there; without it, the cached path is printed.
#
# It holds busybox-static, guest-init as /init, and the 9p modules (plus the
# virtio ones 6.1 builds as modules) decompressed to plain .ko, since busybox
# insmod cannot read .ko.xz. Modules the kernel has built in are skipped.
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Load order; modules.dep of both kernels agrees with it.
MODULES=(virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev
	 virtio_pci netfs fscache 9pnet 9pnet_virtio 9p)

die() { printf 'initramfs: %s\n' "$*" >&2; exit 1; }

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	die "usage: $0 KVER [OUT.cpio.gz]"
fi
KVER=$1
OUT=${2:-}

MODDIR=/lib/modules/$KVER
[ -d "$MODDIR" ] || die "no $MODDIR (is linux-image-$KVER installed?)"
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || die "no $BUSYBOX (install busybox-static)"

CACHE=${PCIPASS_CACHE:-/var/cache/pcipass}/lab
hash=$(cat "${BASH_SOURCE[0]}" "$LAB_DIR/guest-init" | sha256sum | cut -c1-12)
IMAGE=$CACHE/initramfs-$KVER-$hash.cpio.gz

# Path of a module in $MODDIR, empty when it is built in or absent.
module_path() {
	local rel
	rel=$(grep -E "(^|/)$1\.ko(\.xz|\.zst|\.gz)?:" "$MODDIR/modules.dep" |
		cut -d: -f1 | head -n1) || true
	[ -n "$rel" ] && printf '%s\n' "$MODDIR/$rel"
	return 0
}

build() {
	local root mod path order=()
	root=$(mktemp -d)
	trap 'rm -rf "$root"' RETURN

	mkdir -p "$root"/{bin,sbin,dev,proc,sys,host,lib/lab-modules}
	cp "$BUSYBOX" "$root/bin/busybox"
	for applet in $("$BUSYBOX" --list); do
		[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
	done
	install -m 0755 "$LAB_DIR/guest-init" "$root/init"

	for mod in "${MODULES[@]}"; do
		path=$(module_path "$mod")
		# Built in (6.12: virtio*) or not in this kernel (6.12: fscache).
		[ -n "$path" ] || continue
		case $path in
		*.xz)  xz -dc "$path" ;;
		*.zst) zstd -dc "$path" ;;
		*.gz)  gzip -dc "$path" ;;
		*)     cat "$path" ;;
		esac >"$root/lib/lab-modules/$mod.ko"
		order+=("$mod")
	done
	# The CI kernel (tests/lab/ci-kernel.sh) has them all built in.
	[ "${#order[@]}" -gt 0 ] ||
		grep -qE '(^|/)9p\.ko$' "$MODDIR/modules.builtin" ||
		die "found no 9p modules for $KVER"
	printf '%s\n' "${order[@]}" >"$root/lib/lab-modules/order"

	mkdir -p "$CACHE"
	local tmp
	tmp=$(mktemp "$CACHE/.initramfs.XXXXXX")
	(cd "$root" && find . -print0 | LC_ALL=C sort -z |
		cpio --quiet -o -0 -H newc -R 0:0) | gzip -6 >"$tmp"
	chmod 0644 "$tmp"
	mv "$tmp" "$IMAGE"
	# Drop images of this kernel made by older versions of the scripts.
	find "$CACHE" -maxdepth 1 -name "initramfs-$KVER-*.cpio.gz" \
		! -name "${IMAGE##*/}" -delete
	printf 'initramfs: built %s (modules: %s)\n' "$IMAGE" "${order[*]}" >&2
}

[ -s "$IMAGE" ] || build

if [ -n "$OUT" ]; then
	cp "$IMAGE" "$OUT"
else
	printf '%s\n' "$IMAGE"
fi
