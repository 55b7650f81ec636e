#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of the big-group boots of "make check": one IOMMU group of
# 209 functions, bigger than a dump message of a reader with a 4 KiB
# buffer (tests/selftests/big_group.py):
#
#   tests/lab/run -k KVER -t big-group -- tests/guest/big-group.sh
#
# Writes $LAB_OUT/big-group.tap and .rc, and kernel-log's, for
# tests/tap-summary.sh.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${LAB_OUT:?run me through tests/lab/run}
build=${BUILD:-$top/build}
ko=$top/build/modules/$(uname -r)/pcipass.ko

# suite NAME COMMAND...: one TAP suite, its time in NAME.time.
suite() {
	local name=$1 t0=$SECONDS
	shift
	timeout 900 "$@" >"$out/$name.tap" 2>"$out/$name.err"
	echo $? >"$out/$name.rc"
	cat "$out/$name.tap"
	sed 's/^/# stderr: /' "$out/$name.err"
	echo $((SECONDS - t0)) >"$out/$name.time"
}

export PCIPASS_KLOG=$out/kernel.log
stdbuf -oL dmesg -w >"$PCIPASS_KLOG" 2>&1 &
klog_pid=$!
trap 'kill $klog_pid 2>/dev/null' EXIT
"$top/tests/guest/kernel-log.sh" begin

if ! insmod "$ko"; then
	printf 'TAP version 13\n1..1\nnot ok 1 insmod %s\n' "$ko" >"$out/insmod.tap"
	echo 1 >"$out/insmod.rc"
	exit 1
fi
modprobe vfio-pci
suite big-group "$top/tests/selftests/big_group.py" "$build/bin/pcipass"
suite kernel-log "$top/tests/guest/kernel-log.sh" check
exit 0
