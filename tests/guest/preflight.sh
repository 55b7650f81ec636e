#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of the preflight boots of "make check": a small topology
# booted with the IOMMU off, absent or from another vendor, where
# "pcipass check" must fail (or pass) with the right fix:
#
#   tests/lab/run -k KVER -t minimal -i intel-default -a intel_iommu=off \
#       -- tests/guest/preflight.sh
#
# Writes $LAB_OUT/why-check.tap and .rc for tests/tap-summary.sh.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${LAB_OUT:?run me through tests/lab/run}
build=${BUILD:-$top/build}
ko=$top/build/modules/$(uname -r)/pcipass.ko

if ! insmod "$ko"; then
	printf 'TAP version 13\n1..1\nnot ok 1 insmod %s\n' "$ko" >"$out/insmod.tap"
	echo 1 >"$out/insmod.rc"
	exit 1
fi
timeout 600 "$top/tests/selftests/why_check.py" "$build/bin/pcipass" \
	>"$out/why-check.tap" 2>"$out/why-check.err"
echo $? >"$out/why-check.rc"
cat "$out/why-check.tap"
sed 's/^/# stderr: /' "$out/why-check.err"
exit 0
