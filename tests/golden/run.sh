#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Golden-output tests of the CLI and of libpcipass in sysfs mode: every
# sysfs tree captured from a lab guest (tests/data/sysfs/*.tar.xz, made by
# tests/golden/capture.sh) is read through PCIPASS_SYSFS_ROOT, and each
# command's output must equal tests/golden/expected/<tree>/<case> byte for
# byte. A case's file is its stdout, followed by "--- stderr" and stderr
# and "--- exit N" when it wrote to stderr or did not exit 0.
#
#   tests/golden/run.sh [PCIPASS [LIB-DUMP]]     compare, print TAP
#   tests/golden/run.sh -u [PCIPASS [LIB-DUMP]]  rewrite the expected files
#
# Review the diff of a rewrite: it is the new truth.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
update=0
if [ "${1:-}" = -u ]; then
	update=1
	shift
fi
build=${BUILD:-build}
pcipass=${1:-$build/bin/pcipass}
libdump=${2:-$build/tests/golden/lib-dump}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# NAME|ARGS: the CLI cases; "lib" runs lib-dump instead.
cases=(
	"group.txt|"
	"group-details.txt|-d"
	"group.json|-j -p"
	"group-one.txt|group show 12"
	"dev.txt|dev show"
	"dev-details.txt|-d dev show"
	"dev.json|-j -p dev show"
	"dev-filter.json|-j dev show 01:*"
	"dev-one-details.txt|dev show 0000:01:00.0 -d"
	"dev-one.json|-j dev show 1:0.0"
	"policy.txt|policy"
	"policy.json|-j policy"
	"claim-no-module.txt|claim 01:00.0"
	"release-no-module.txt|release 01:00.0"
	"no-such-dev.txt|dev show 0000:7f:00.0"
	"no-such-group.txt|group show 999"
	"lib.txt|lib"
)

# run_case OUT ROOT ARGS: run one case into OUT.
run_case() {
	local out=$1 root=$2 args=$3 rc
	if [ "$args" = lib ]; then
		PCIPASS_SYSFS_ROOT=$root "$libdump" >"$out" 2>"$tmp/err"
	else
		# shellcheck disable=SC2086
		PCIPASS_SYSFS_ROOT=$root "$pcipass" $args >"$out" 2>"$tmp/err"
	fi
	rc=$?
	if [ -s "$tmp/err" ] || [ $rc -ne 0 ]; then
		{
			if [ -s "$tmp/err" ]; then
				echo "--- stderr"
				cat "$tmp/err"
			fi
			echo "--- exit $rc"
		} >>"$out"
	fi
}

echo "TAP version 13"
n=0
trees=(tests/data/sysfs/*.tar.xz)
for t in "${trees[@]}"; do
	name=$(basename "$t" .tar.xz)
	root=$tmp/$name
	mkdir -p "$root"
	if ! tar -C "$root" -xJf "$t"; then
		n=$((n + 1))
		echo "not ok $n - $name: unpack $t"
		continue
	fi
	exp=tests/golden/expected/$name
	[ $update = 1 ] && mkdir -p "$exp"
	for c in "${cases[@]}"; do
		file=${c%%|*} args=${c#*|}
		n=$((n + 1))
		run_case "$tmp/out" "$root" "$args"
		if [ $update = 1 ]; then
			cp "$tmp/out" "$exp/$file"
			echo "ok $n - $name: pcipass ${args:-(no arguments)} # SKIP rewrote $exp/$file"
		elif cmp -s "$tmp/out" "$exp/$file"; then
			echo "ok $n - $name: pcipass ${args:-(no arguments)} matches $file"
		else
			echo "not ok $n - $name: pcipass ${args:-(no arguments)} matches $file"
			diff -u "$exp/$file" "$tmp/out" 2>&1 | head -n 40 | sed 's/^/# /'
		fi
	done
done
if [ $n = 0 ]; then
	echo "1..0 # SKIP no captured trees in tests/data/sysfs"
	exit 0
fi
echo "1..$n"
