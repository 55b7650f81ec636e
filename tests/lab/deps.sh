#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install every Debian package the pcipass project needs (build, lab, tests),
# and unpack linux-source-6.12 once into the cache. Idempotent: when all is in
# place it only runs dpkg-query and exits.
#
# usage: tests/lab/deps.sh
# env:   PCIPASS_CACHE  cache directory (default /var/cache/pcipass)
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

PACKAGES=(
	gcc make pkg-config xz-utils
	qemu-system-x86 busybox-static cpio kmod pciutils socat
	linux-image-6.1.0-50-amd64-unsigned linux-headers-6.1.0-50-amd64
	linux-image-6.12.107+deb12-amd64-unsigned linux-headers-6.12.107+deb12-amd64
	linux-source-6.12
	libnl-3-dev libnl-genl-3-dev libpci-dev libjson-c-dev
	python3 python3-yaml python3-jsonschema
	libasan8 libubsan1
	dkms groff-base
	bc bison flex libelf-dev libssl-dev
	libkmod-dev initramfs-tools dracut-core
	libxml2-dev libvirt-dev libvirt-clients libvirt-daemon
	libvirt-daemon-driver-qemu python3-nova
)

CACHE=${PCIPASS_CACHE:-/var/cache/pcipass}
SRC_TARBALL=/usr/src/linux-source-6.12.tar.xz
SRC_DIR=$CACHE/linux-source-6.12

log() { printf 'deps: %s\n' "$*" >&2; }

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
	apt-get install -y --no-install-recommends "${missing[@]}"
fi

if [ ! -d "$SRC_DIR" ]; then
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
