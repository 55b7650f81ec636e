#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of "make bench" (tests/bench/bench.sh boots it with
# -t bench): P1, snapshot cost at 32, 128, 256 and 512 functions, then
# P2 and P3 through tests/bench/claim-bench.sh. A benchmark: it asserts
# nothing about time, only that every method saw the same functions.
#
# usage: tests/bench/bench-guest.sh BUILD-DIR ITERATIONS
#
# P1 methods, each timed in the guest (median of ITERATIONS runs, except
# the shell loop: one run, it takes seconds per hundred functions):
#   pcipass     pcipass_snapshot_new() (tests/bench/snapshot-bench.c)
#   libpci      pci_scan_bus + pci_fill_info(ident, class, IOMMU group,
#               driver), same program
#   lspci -nnk  the command, output to /dev/null
#   shell loop  the users' loop: every group in /sys/kernel/iommu_groups,
#               one "lspci -nns" per member
set -u

build=${1:?usage: bench-guest.sh BUILD-DIR ITERATIONS}
iter=${2:-20}
top=$(cd "$(dirname "$0")/../.." && pwd)
case $build in /*) ;; *) build=$top/$build ;; esac
sb=$build/bench/snapshot-bench
devs=/sys/bus/pci/devices

if [ "${LAB_TOPOLOGY:-}" != bench ]; then
	echo "bench-guest: run me in tests/lab/run -t bench" >&2
	exit 2
fi
modprobe nvme
insmod "$build/modules/$(uname -r)/pcipass.ko" || exit 1

pfs=()
for d in "$devs"/*; do
	[ -e "$d/sriov_totalvfs" ] && pfs+=("${d##*/}")
done
for pf in "${pfs[@]}"; do
	for _ in $(seq 100); do
		[ -e "$devs/$pf/driver" ] && break
		sleep 0.1
	done
done

# set_functions N: VFs (autoprobe off) so that N functions exist.
set_functions() {
	local base want pf k
	for pf in "${pfs[@]}"; do
		echo 0 >"$devs/$pf/sriov_numvfs"
		echo 0 >"$devs/$pf/sriov_drivers_autoprobe"
	done
	base=$(find "$devs"/ -mindepth 1 -maxdepth 1 | wc -l)
	want=$(($1 - base))
	for pf in "${pfs[@]}"; do
		[ "$want" -gt 0 ] || break
		k=$((want > 127 ? 127 : want))
		echo "$k" >"$devs/$pf/sriov_numvfs" || return 1
		want=$((want - k))
	done
	find "$devs"/ -mindepth 1 -maxdepth 1 | wc -l
}

now_us() { echo $(($(date +%s%N) / 1000)); }

# median_cmd N CMD...: median wall time of N runs, in microseconds.
median_cmd() {
	local n=$1 t0 t1
	shift
	for _ in $(seq "$n"); do
		t0=$(now_us)
		"$@" >/dev/null 2>&1
		t1=$(now_us)
		echo $((t1 - t0))
	done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

shell_loop() {
	local g d
	for g in /sys/kernel/iommu_groups/*; do
		echo "IOMMU Group ${g##*/}:"
		for d in "$g"/devices/*; do
			echo "	$(lspci -nns "${d##*/}")"
		done
	done
}

# The shell loop must see every function that has a group.
grouped() { find /sys/kernel/iommu_groups/*/devices/ -mindepth 1 | wc -l; }

lspci_iter=$((iter < 5 ? iter : 5))
results=()
for want in 32 128 256 512; do
	have=$(set_functions "$want") || { echo "bench-guest: cannot make $want functions" >&2; exit 1; }
	read -r np tp tpmin _ <<<"$("$sb" pcipass "$iter")" || exit 1
	read -r nl tl tlmin _ <<<"$("$sb" libpci "$iter")" || exit 1
	tk=$(median_cmd "$lspci_iter" lspci -nnk)
	t0=$(now_us)
	lines=$(shell_loop | grep -c '^	')
	t1=$(now_us)
	ts=$((t1 - t0))
	[ "$np" = "$have" ] && [ "$nl" = "$have" ] && [ "$lines" = "$(grouped)" ] ||
		echo "bench-guest: $want: functions seen: pcipass $np, libpci $nl, sysfs $have, loop $lines" >&2
	results+=("$have $tp $tl $tk $ts")
	echo "# $have functions: pcipass ${tp} us (min $tpmin), libpci ${tl} us (min $tlmin), lspci -nnk ${tk} us, shell loop ${ts} us" >&2
done
set_functions 0 >/dev/null

echo "P1 snapshot of every function with group and driver ($(uname -r), median of $iter; lspci -nnk median of $lspci_iter; shell loop one run)"
printf '%9s %12s %8s %12s %12s %13s %10s %10s %10s\n' functions "pcipass us" "us/fn" "libpci us" "lspci us" "loop us" "x libpci" "x lspci" "x loop"
for r in "${results[@]}"; do
	read -r have tp tl tk ts <<<"$r"
	awk -v n="$have" -v p="$tp" -v l="$tl" -v k="$tk" -v s="$ts" 'BEGIN {
		printf "%9d %12d %8.1f %12d %12d %13d %9.1fx %9.1fx %9.0fx\n",
			n, p, p / n, l, k, s, l / p, k / p, s / p }'
done
echo
echo "P2 native-driver binds under remove + rescan, P3 VF claim cost:"
echo 0 >"$devs/${pfs[0]}/sriov_drivers_autoprobe"
BUILD=$build "$top/tests/bench/claim-bench.sh" -n "$iter"
