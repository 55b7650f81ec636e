#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install every Debian package the pcipass project needs, and unpack
# linux-source-6.12 once into the cache. Idempotent: when all is in place it
# only runs dpkg-query and exits.
#
# usage: tests/lab/deps.sh [demo|all]
#   demo  what "make demo" needs: build the module for the lab's default
#         kernel and the CLI, boot the lab (no kernel source, no test tools)
#   all   (default) everything: every pinned kernel (tests/lab/kernels), the
#         test suites, the CI debug kernel's build
# env:   PCIPASS_CACHE  cache directory (default /var/cache/pcipass)
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
set_=${1:-all}
case $set_ in demo | all) ;; *) echo "usage: $0 [demo|all]" >&2; exit 2 ;; esac

mapfile -t kvers < <(grep -v '^#' "${PCIPASS_LAB_KERNELS:-$LAB_DIR/kernels}")
[ "$set_" = all ] || kvers=("${kvers[-1]}")
KERNEL_PACKAGES=()
for k in "${kvers[@]}"; do
	KERNEL_PACKAGES+=("linux-image-$k-unsigned" "linux-headers-$k")
done

# perl: W=1 module builds run the kernel's scripts/kernel-doc, which needs
# more than a minimal system's perl-base (Pod::Usage).
PACKAGES=(
	gcc make pkg-config xz-utils perl
	qemu-system-x86 busybox-static cpio kmod pciutils socat
	"${KERNEL_PACKAGES[@]}"
	libnl-3-dev libnl-genl-3-dev libpci-dev libjson-c-dev
	libkmod-dev libxml2-dev libvirt-dev
)
[ "$set_" = demo ] || PACKAGES+=(
	linux-source-6.12
	python3 python3-yaml python3-jsonschema
	libasan8 libubsan1
	# clang's libFuzzer (tests/fuzz/): libclang-rt-14-dev has it, and
	# clang only recommends it
	clang libclang-rt-14-dev
	dkms groff-base
	bc bison flex libelf-dev libssl-dev
	initramfs-tools dracut-core
	libvirt-clients libvirt-daemon
	libvirt-daemon-driver-qemu python3-nova
	debootstrap
)

CACHE=${PCIPASS_CACHE:-/var/cache/pcipass}
SRC_TARBALL=/usr/src/linux-source-6.12.tar.xz
SRC_DIR=$CACHE/linux-source-6.12

log() { printf 'deps: %s\n' "$*" >&2; }

# gone_pinned PACKAGE...: fail, naming what the archive has instead, when a
# pinned kernel ABI (tests/lab/kernels) has left the archive, as Debian's old
# ABIs do a few weeks after a newer one arrives.
gone_pinned() {
	local pkg prefix policy abi series tail_ name others gone=0
	for pkg in "$@"; do
		case $pkg in
		linux-image-*) prefix=linux-image ;;
		linux-headers-*) prefix=linux-headers ;;
		*) continue ;;
		esac
		# Not "apt-cache policy | grep -q": grep's early exit would
		# fail the pipeline (pipefail) when the package is there.
		policy=$(apt-cache policy "$pkg" 2>/dev/null)
		[[ $policy =~ Candidate:\ [^\(] ]] && continue
		abi=${pkg#"$prefix"-}
		abi=${abi%-unsigned}
		series=$(cut -d. -f1,2 <<<"$abi")		# 6.1, 6.12
		tail_=$(sed -E 's/^[0-9.]+(-[0-9]+)?//' <<<"$abi")	# -amd64, +deb12-amd64
		others=()
		while read -r name; do
			abi=${name#"$prefix"-}
			abi=${abi%-unsigned}
			[[ $abi == *"$tail_" &&
			   ${abi%"$tail_"} =~ ^$series\.[0-9.]+(-[0-9]+)?$ ]] &&
				others+=("$name")
		done < <(apt-cache pkgnames "$prefix-$series." 2>/dev/null)
		# Names apt knows of; keep those it could install.
		[ "${#others[@]}" = 0 ] ||
		others=$(apt-cache policy "${others[@]}" 2>/dev/null | awk -v p="$prefix-" '
			/^[^ ].*:$/ { name = substr($0, 1, length($0) - 1) }
			/^ *Candidate: / && $2 != "(none)" {
				sub("^" p, "", name); sub(/-unsigned$/, "", name); print name
			}' | sort -uV | xargs)
		log "error: $pkg is not in the archive any more (its ABI is pinned in tests/lab/kernels)"
		log "  $prefix ABIs of $series the archive has: ${others:-none}"
		gone=1
	done
	if [ "$gone" = 1 ]; then
		log "replace the ABI in tests/lab/kernels with one the archive has"
		exit 1
	fi
}

# Serialise concurrent callers (e.g. make -j demo check).
mkdir -p "$CACHE"
exec 9>"$CACHE/.deps.lock"
flock 9

missing=()
for pkg in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
	log "installing: ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		log "error: need root to install packages"
		exit 1
	fi
	apt-get update
	gone_pinned "${missing[@]}"
	apt-get install -y --no-install-recommends "${missing[@]}"
fi

if [ "$set_" = all ] && [ ! -d "$SRC_DIR" ]; then
	log "unpacking $SRC_TARBALL into $SRC_DIR"
	rm -rf "$CACHE"/.linux-source.*	# leftovers of an interrupted run
	tmp=$(mktemp -d "$CACHE/.linux-source.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	tar -C "$tmp" -xJf "$SRC_TARBALL"
	# Atomic: a run interrupted above leaves only a temp dir behind.
	mv "$tmp/linux-source-6.12" "$SRC_DIR"
	rm -rf "$tmp"
	trap - EXIT
fi
