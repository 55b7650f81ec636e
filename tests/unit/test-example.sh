#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The README's example program, built as a user would: "make install
# DESTDIR=... PREFIX=/usr", then cc with pkg-config pointed into that tree.
# On the host it runs against every captured sysfs tree (tests/data/sysfs);
# in a lab guest (LAB=1, module loaded) against the module.
#
# usage: tests/unit/test-example.sh      (from the top of the tree; prints TAP)
# The scratch tree is $BUILD/example (inside the tree, so a guest sees it).
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
build=${BUILD:-build}
scratch=$top/$build/example
n=0

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

# The groups as sysfs lists them below root $1, as the example prints them.
want_groups() {
	local g d line
	for g in $(ls "$1/sys/kernel/iommu_groups" | sort -n); do
		line="group $g:"
		for d in $(ls "$1/sys/kernel/iommu_groups/$g/devices" | sort); do
			[ -e "$1/sys/bus/pci/devices/$d" ] && line="$line $d"
		done
		[ "$line" != "group $g:" ] && echo "$line"
	done
}

echo "TAP version 13"

if [ "${LAB:-}" != 1 ]; then
	rm -rf "$scratch"
	mkdir -p "$scratch/src"
	# Install what is built: the same flags, or make rebuilds it all.
	san=
	if nm -D "$build/lib/libpcipass.so.1" 2>/dev/null | grep __asan_init >/dev/null; then
		san=1
	fi
	make -s install BUILD="$build" SANITIZE=$san DESTDIR="$scratch/root" \
		PREFIX=/usr >"$scratch/install.log" 2>&1
	ok $? "make install DESTDIR=... PREFIX=/usr"
	for f in usr/lib/libpcipass.so.1 usr/lib/libpcipass.so usr/lib/libpcipass.a \
		 usr/include/pcipass/libpcipass.h usr/include/pcipass/linux/pcipass.h \
		 usr/lib/pkgconfig/libpcipass.pc usr/sbin/pcipass \
		 usr/share/man/man8/pcipass.8 usr/share/man/man3/libpcipass.3 \
		 usr/share/bash-completion/completions/pcipass; do
		[ -e "$scratch/root/$f" ] || echo "# missing $f"
	done | grep -q . && missing=1 || missing=0
	ok $missing "installed: libraries, headers, .pc, CLI, man pages, completion"

	sed -n '/<!-- example: list-groups.c -->/,/^```$/p' README.md |
		sed '1,2d;$d' >"$scratch/src/list-groups.c"
	[ -s "$scratch/src/list-groups.c" ]
	ok $? "README.md holds the example program"

	export PKG_CONFIG_PATH=$scratch/root/usr/lib/pkgconfig
	export PKG_CONFIG_SYSROOT_DIR=$scratch/root
	flags=$(pkg-config --cflags --libs libpcipass)
	ok $? "pkg-config --cflags --libs libpcipass: $flags"
	# A SANITIZE=1 library needs its runtime in the program too.
	san=
	if nm -D "$scratch/root/usr/lib/libpcipass.so.1" | grep __asan_init >/dev/null; then
		san="-fsanitize=address,undefined"
	fi
	# shellcheck disable=SC2086
	cc -Wall -Wextra -Werror $san -o "$scratch/list-groups" \
		"$scratch/src/list-groups.c" $flags 2>"$scratch/cc.log"
	rc=$?
	sed 's/^/# /' "$scratch/cc.log"
	ok $rc "the example builds with pkg-config's flags alone"
fi

export LD_LIBRARY_PATH=$scratch/root/usr/lib
if [ "${LAB:-}" = 1 ] && [ ! -x "$scratch/list-groups" ]; then
	n=$((n + 1))
	echo "ok $n - the example lists the groups through the module # SKIP not built: run tests/unit/test-example.sh on the host first"
elif [ "${LAB:-}" = 1 ]; then
	out=$("$scratch/list-groups" 2>&1)
	rc=$?
	[ $rc -eq 0 ] && [ "$(printf '%s\n' "$out" | head -n 1)" = "source netlink" ] &&
		[ "$(printf '%s\n' "$out" | tail -n +2)" = "$(want_groups "")" ]
	ok $? "the example lists the groups of /sys/kernel/iommu_groups through the module"
	[ $rc -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
else
	for t in tests/data/sysfs/*.tar.xz; do
		name=$(basename "$t" .tar.xz)
		d=$scratch/$name
		mkdir -p "$d"
		tar -C "$d" -xJf "$t"
		out=$(PCIPASS_SYSFS_ROOT=$d "$scratch/list-groups" 2>&1)
		rc=$?
		[ $rc -eq 0 ] && [ "$(printf '%s\n' "$out" | head -n 1)" = "source sysfs" ] &&
			[ "$(printf '%s\n' "$out" | tail -n +2)" = "$(want_groups "$d")" ]
		ok $? "the example lists the groups of $name (sysfs mode)"
		[ $rc -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
	done
fi
echo "1..$n"
