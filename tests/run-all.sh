#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run every test and print one summary line "N passed, N failed, N skipped".
# "make check" builds everything first, then calls this.
#
# Host: generated code is current, checkpatch, warning-free W=1 module
# builds for every lab kernel, userspace unit tests, CLI without a module.
# Guests: every lab kernel boots the seed-server and sriov topologies and
# runs tests/guest/suite.sh there.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
build=${BUILD:-build}
kvers=${KVERS:-6.1.0-50-amd64 6.12.107+deb12-amd64}
topologies=${TOPOLOGIES:-seed-server sriov}
res=$build/test-results
rm -rf "$res"
mkdir -p "$res"

# suite NAME COMMAND...: run one TAP-speaking suite on the host.
suite() {
	local name=$1
	shift
	echo "=== $name"
	"$@" >"$res/$name.tap" 2>"$res/$name.err"
	echo $? >"$res/$name.rc"
	cat "$res/$name.tap"
	sed 's/^/# stderr: /' "$res/$name.err"
}

suite host-checks tests/host-checks.sh
for t in "$build"/unit/*; do
	[ -x "$t" ] && suite "unit-$(basename "$t")" "$t"
done
[ -x tests/cli/run.sh ] && suite cli-nomodule tests/cli/run.sh

for k in $kvers; do
	for topo in $topologies; do
		dir=$res/$k-$topo
		mkdir -p "$dir"
		echo "=== lab $k $topo"
		tests/lab/run -k "$k" -t "$topo" -T 900 -o "$dir" -- \
			tests/guest/suite.sh
		rc=$?
		if [ $rc -ne 0 ]; then
			printf 'TAP version 13\n1..1\nnot ok 1 lab run %s %s (exit %d)\n' \
				"$k" "$topo" $rc >"$dir/lab.tap"
		fi
	done
done

echo
tests/tap-summary.sh "$res"/*.tap "$res"/*/*.tap
