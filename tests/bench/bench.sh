#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make bench": P1-P3 from one lab guest (topology "bench", four SR-IOV
# NVMe PFs), P4 on the host. Prints one report the README can quote.
# Not a test: nothing here passes or fails on time.
#
# usage: tests/bench/bench.sh -b BUILD-DIR [-k KVER] [-i ITERATIONS]
set -u

build=build/bench iter=20
kver=$(grep -v '^#' "$(dirname "$0")/../lab/kernels" | tail -n 1)
while getopts 'b:k:i:' opt; do
	case $opt in
	b) build=$OPTARG ;;
	k) kver=$OPTARG ;;
	i) iter=$OPTARG ;;
	*) echo "usage: $0 -b BUILD-DIR [-k KVER] [-i ITERATIONS]" >&2; exit 2 ;;
	esac
done
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
out=$build/bench-results
mkdir -p "$out"

echo "pcipass benchmarks: figures are from an emulated machine (QEMU TCG,"
echo "no KVM, emulated devices); absolute times do not carry over to real"
echo "hardware, only the ratios measured within this one run do."
echo
tests/lab/run -k "$kver" -t bench -T 3600 -o "$out/lab" -- \
	tests/bench/bench-guest.sh "$build" "$iter" | tee "$out/guest.txt"
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || { echo "bench: the lab run failed ($rc)" >&2; exit 1; }

echo
echo "P4 footprint of pcipass.ko (size(1), bytes):"
printf '%-24s %8s %8s %8s %8s\n' kernel text data bss total
for ko in "$build"/modules/*/pcipass.ko; do
	size "$ko" | awk -v k="$(basename "$(dirname "$ko")")" 'NR == 2 {
		printf "%-24s %8d %8d %8d %8d\n", k, $1, $2, $3, $4 }'
done
