#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) and locate the pcipass CI debug kernel: Debian's
# linux-source-6.12 with x86_64 defconfig + kvm_guest.config +
# tests/lab/ci-kernel.config (KUnit, KASAN, lockdep, kmemleak, ...).
#
# usage: tests/lab/ci-kernel.sh [build]   build unless cached; print its dir
#        tests/lab/ci-kernel.sh dir       print the dir if built, else fail
#        tests/lab/ci-kernel.sh release   print the release if built, else fail
#        tests/lab/ci-kernel.sh hash      print the cache key
#
# The build lives in ${PCIPASS_CACHE:-/var/cache/pcipass}/ci-kernel/<key>/,
# <key> a hash of the fragment, the build steps below, the source package
# version and the compiler. It is built out of tree (O=) in .build-<key>/,
# renamed into place only when complete, so an interrupted build is never
# used; the next run resumes it (remove .build-<key>/ to start over). The
# dir holds the kernel build tree (for external modules), arch/x86/boot/bzImage
# and a file "release". Its "make modules_install" output (the lab's driver
# modules, modules.builtin, ...) is installed to /lib/modules/<release>, so
# modprobe in a guest, which sees the host's /lib/modules over 9p, finds them.
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FRAGMENT=$LAB_DIR/ci-kernel.config
CACHE=${PCIPASS_CACHE:-/var/cache/pcipass}
SRC=$CACHE/linux-source-6.12
ROOT=$CACHE/ci-kernel

die() { printf 'ci-kernel: %s\n' "$*" >&2; exit 1; }
log() { printf 'ci-kernel: %s\n' "$*" >&2; }

key() {
	local srcver
	srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null ||
		 echo unknown)
	{
		cat "$FRAGMENT"
		declare -f build	# how it is built, not the rest of this script
		printf 'source %s\n' "$srcver"
		head -n 5 "$SRC/Makefile"
		"${CC:-gcc}" --version | head -n 1
	} | sha256sum | cut -c1-16
}

# Copy the modules_install output of a complete build to /lib/modules.
install_host() {
	local dir=$1 rel
	rel=$(cat "$dir/release")
	if [ -f "/lib/modules/$rel/.pcipass-ci-key" ] &&
	   [ "$(cat "/lib/modules/$rel/.pcipass-ci-key")" = "$(basename "$dir")" ]; then
		return 0
	fi
	[ "$(id -u)" -eq 0 ] || die "need root to install /lib/modules/$rel"
	log "installing /lib/modules/$rel"
	mkdir -p "/lib/modules/$rel"
	cp -a "$dir/modroot/lib/modules/$rel/." "/lib/modules/$rel/"
	ln -sfn "$dir" "/lib/modules/$rel/build"
	basename "$dir" >"/lib/modules/$rel/.pcipass-ci-key"
}

build() {
	local dir=$1 tmp start opt val line
	[ -f "$SRC/Makefile" ] || die "no $SRC (run tests/lab/deps.sh)"
	# Resumed when a run was interrupted: kbuild rebuilds what is stale.
	tmp=$ROOT/.build-$(basename "$dir")
	mkdir -p "$tmp"
	start=$(date +%s)
	log "building in $tmp (log: $tmp/build.log)"

	{
		make -s -C "$SRC" O="$tmp" defconfig
		"$SRC/scripts/kconfig/merge_config.sh" -m -O "$tmp" \
			"$tmp/.config" "$SRC/kernel/configs/kvm_guest.config" \
			"$FRAGMENT"
		make -s -C "$SRC" O="$tmp" olddefconfig
	} >>"$tmp/build.log" 2>&1

	# Every option the fragment sets must have survived olddefconfig.
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			opt=${line%%=*} val=${line#*=}
			grep -qxF "$opt=$val" "$tmp/.config" ||
				die "$opt=$val from ci-kernel.config not in the final .config"
			;;
		"# CONFIG_"*" is not set")
			opt=${line#\# }
			opt=${opt%% *}
			! grep -q "^$opt=" "$tmp/.config" ||
				die "$opt is set although ci-kernel.config unsets it"
			;;
		esac
	done <"$FRAGMENT"

	if ! make -C "$SRC" O="$tmp" -j"$(nproc)" all >>"$tmp/build.log" 2>&1; then
		tail -n 40 "$tmp/build.log" >&2
		die "kernel build failed"
	fi
	make -s -C "$SRC" O="$tmp" kernelrelease >"$tmp/release"
	rm -rf "$tmp/modroot"
	make -s -C "$SRC" O="$tmp" INSTALL_MOD_PATH="$tmp/modroot" \
		modules_install >>"$tmp/build.log" 2>&1
	# One line per run that went into it.
	printf '%s\n' "$(( $(date +%s) - start ))" >>"$tmp/build-seconds"
	mv -T "$tmp" "$dir"
	log "built $(cat "$dir/release") in $(paste -sd+ "$dir/build-seconds" | bc) s"
}

cmd=${1:-build}
DIR=$ROOT/$(key)
case $cmd in
hash)
	basename "$DIR"
	;;
dir|release)
	[ -f "$DIR/release" ] || die "not built (run tests/lab/ci-kernel.sh)"
	if [ "$cmd" = dir ]; then echo "$DIR"; else cat "$DIR/release"; fi
	;;
build)
	mkdir -p "$ROOT"
	exec 9>"$ROOT/.lock"
	flock 9
	[ -f "$DIR/release" ] || build "$DIR"
	install_host "$DIR"
	echo "$DIR"
	;;
*)
	die "usage: $0 [build|dir|release|hash]"
	;;
esac
