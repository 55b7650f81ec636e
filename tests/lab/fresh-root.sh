#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a shell command as root in a clean clone of this repository inside a
# brand-new minimal Debian 12 root: a newcomer's machine, where nothing is
# installed but what the project installs itself. A missing install step
# fails here even where the work tree passes.
#
# usage: tests/lab/fresh-root.sh [-k] [-K] 'COMMAND'
#   e.g. tests/lab/fresh-root.sh 'apt-get update && apt-get install -y make && make demo'
#   -k   keep the root afterwards (its path is printed)
#   -K   share this machine's CI debug kernel builds (.../ci-kernel), so
#        that "make check" inside finds the kernel built (when the key
#        matches: same kernel source, config and compiler) instead of
#        spending 10-20 minutes building it again
#
# The base root (debootstrap --variant=minbase bookworm from this machine's
# apt sources, about a minute) is made once per machine and copied for each
# run into ${PCIPASS_CACHE:-/var/cache/pcipass}/fresh-root/. The clone is of
# HEAD: commit what you want tried. /proc, /sys and /dev are the machine's
# own, so QEMU runs inside as on any host. The machine's apt archive cache
# (downloaded .deb files, nothing installed) is shared with the root, so a
# package is downloaded once per machine, not once per run.
set -euo pipefail

CACHE=${PCIPASS_CACHE:-/var/cache/pcipass}/fresh-root
SUITE=bookworm
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

msg() { printf 'fresh-root: %s\n' "$*" >&2; }
die() { msg "error: $*"; exit 2; }

keep=0 share_kernel=0
while [ $# -gt 1 ]; do
	case $1 in
	-k) keep=1 ;;
	-K) share_kernel=1 ;;
	*) break ;;
	esac
	shift
done
[ $# -eq 1 ] || { sed -n '/^# usage:/,/^#$/s/^# \{0,1\}//p' "$0" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap, chroot, mounts)"

# The machine's Debian mirror: deb822 sources first, then sources.list.
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources \
	 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" { print $2; exit }' \
			    /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || die "no Debian mirror in /etc/apt/sources.list{,.d}"

base=$CACHE/base-$SUITE
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
if [ ! -f "$base/.complete" ]; then
	if ! command -v debootstrap >/dev/null; then
		msg "installing debootstrap"
		apt-get -q update >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends debootstrap >/dev/null
	fi
	msg "making the base root (debootstrap --variant=minbase $SUITE $mirror)"
	rm -rf "$base" "$base.tmp"
	t0=$SECONDS
	debootstrap --variant=minbase "$SUITE" "$base.tmp" "$mirror" \
		>"$CACHE/debootstrap.log" 2>&1 ||
		die "debootstrap failed, see $CACHE/debootstrap.log"
	# The machine's own apt sources, as a new install of it would have.
	if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
		rm -f "$base.tmp/etc/apt/sources.list"
		cp /etc/apt/sources.list.d/*.sources "$base.tmp/etc/apt/sources.list.d/"
	else
		cp /etc/apt/sources.list "$base.tmp/etc/apt/sources.list"
	fi
	touch "$base.tmp/.complete"
	mv "$base.tmp" "$base"
	msg "base root made in $((SECONDS - t0)) s"
fi

root=$(mktemp -d "$CACHE/run.XXXXXX")
cleanup() {
	if [ "$keep" = 1 ]; then
		msg "kept $root"
	else
		rm -rf --one-file-system "$root"
	fi
}
trap cleanup EXIT
cp -a "$base/." "$root/"
rm -f "$root/.complete"
git clone -q "$top" "$root/src"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
printf '%s\n' "$1" >"$root/run.sh"
mkdir -p /var/cache/apt/archives/partial
kernels=
if [ "$share_kernel" = 1 ]; then
	kernels=${PCIPASS_CACHE:-/var/cache/pcipass}/ci-kernel
	mkdir -p "$kernels" "$root/var/cache/pcipass/ci-kernel"
fi

# A private mount namespace: nothing stays mounted when the command ends.
rc=0
unshare -m --propagation private bash -euc '
	root=$1
	# The root a mount point, as / is on any machine: "unshare -m
	# --propagation private" inside (tests/initramfs.sh) needs that.
	mount --bind "$root" "$root"
	mount --bind /proc "$root/proc"
	mount --rbind /sys "$root/sys"
	mount --rbind /dev "$root/dev"
	mount -t tmpfs tmp "$root/tmp"
	mount --bind /var/cache/apt/archives "$root/var/cache/apt/archives"
	[ -z "$2" ] || mount --bind "$2" "$root/var/cache/pcipass/ci-kernel"
	exec chroot "$root" /usr/bin/env -i \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root TERM=dumb LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
		bash -c "cd /src && exec bash -e /run.sh"' _ "$root" "$kernels" || rc=$?
msg "exit $rc"
exit $rc
