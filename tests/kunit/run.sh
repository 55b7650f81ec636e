#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side: load pcipass_kunit.ko, which runs the KUnit suites of
# tests/kunit/, and print their results as flat TAP (tests/kunit/ktap2tap.py).
# Needs the CI kernel booted with kunit.enable=1 (tests/run-all.sh does):
#
#   tests/lab/run -k ci -a kunit.enable=1 -- tests/kunit/run.sh [KO]
#
# Exit status: 0 when every case passed or was skipped, else 1.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
ko=${1:-$top/build/modules/$(uname -r)/pcipass_kunit.ko}
debugfs=/sys/kernel/debug
SUITES=(pcipass_filter pcipass_core pcipass_nl)

fail() {
	printf 'TAP version 13\n1..1\nnot ok 1 %s\n' "$*"
	exit 1
}

[ -f "$ko" ] || fail "no $ko (make modules with the CI kernel built)"
mountpoint -q "$debugfs" || mount -t debugfs debugfs "$debugfs" ||
	fail "cannot mount debugfs"
[ -d "$debugfs/kunit" ] || fail "no $debugfs/kunit (CONFIG_KUNIT_DEBUGFS)"
insmod "$ko" || fail "insmod $ko"
[ -e "$debugfs/kunit/${SUITES[0]}/results" ] || {
	rmmod pcipass_kunit
	fail "KUnit did not run the suites (boot with kunit.enable=1)"
}
results=()
for s in "${SUITES[@]}"; do
	results+=("$debugfs/kunit/$s/results")
done
"$top/tests/kunit/ktap2tap.py" "${results[@]}"
rc=$?
rmmod pcipass_kunit || rc=1
exit $rc
