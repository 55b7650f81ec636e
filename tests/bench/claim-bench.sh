#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Claim benchmark, inside a lab guest (not a test: it asserts nothing about
# time). Run from the top of the tree, after make modules userspace:
#
#   tests/lab/run -t seed-server -- tests/bench/claim-bench.sh [-n CYCLES]
#   tests/lab/run -t sriov -- tests/bench/claim-bench.sh [-v VFS]
#
# seed-server: CYCLES (default 50) remove + rescan cycles of the NVMe at
#   02:00.0, held for vfio-pci first by pcipass's claim= policy, then by a
#   udev-style userspace binder (a shell loop that polls for the function
#   to appear, then writes driver_override and drivers_probe). Prints, for
#   each, the native driver binds seen (from pcipass monitor -j), the
#   vfio-pci binds and the wall time.
# sriov: creating VFS VFs (default sriov_totalvfs) with autoprobe off and
#   no policy, against claim=!01:00.0,01:*.* with autoprobe on: the time
#   per VF (best of three rounds, alternating) and their ratio: the cost
#   of claiming at probe time.
#
# bench (make bench): both, the hotplug one on the PF at 02:00.0.
#
# Only ratios within one run mean anything (TCG, 2 vCPUs).
set -u

cycles=50
vfs=
while getopts 'n:v:' opt; do
	case $opt in
	n) cycles=$OPTARG ;;
	v) vfs=$OPTARG ;;
	*) echo "usage: $0 [-n CYCLES] [-v VFS]" >&2; exit 2 ;;
	esac
done

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
pp=$build/bin/pcipass
ko=$build/modules/$(uname -r)/pcipass.ko
param=/sys/module/pcipass/parameters/claim
devs=/sys/bus/pci/devices
tmp=$(mktemp -d)

if [ "$(id -u)" != 0 ] || [ "${LAB:-}" != 1 ]; then
	echo "claim-bench: run me as root in a lab guest (tests/lab/run)" >&2
	exit 2
fi

drv() {
	local l
	l=$(readlink "$devs/$1/driver" 2>/dev/null) || { echo -; return; }
	echo "${l##*/}"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
wait_driver() {	# BDF DRIVER: up to 5 s
	local _
	for _ in $(seq 500); do
		[ "$(drv "$1")" = "$2" ] && return 0
		sleep 0.01
	done
	return 1
}

mon_pid=
mon_start() { "$pp" -j monitor >"$1" & mon_pid=$!; sleep 1; }
mon_stop() { sleep 0.3; kill -TERM "$mon_pid"; wait "$mon_pid"; mon_pid=; }
# bind events for BDF: "native vfio"
binds() {	# FILE BDF
	python3 -c '
import json, sys
nat = vfio = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["type"] == "bind" and e["bdf"] == sys.argv[2]:
        if e["driver"] == "vfio-pci":
            vfio += 1
        else:
            nat += 1
print(nat, vfio)' "$1" "$2"
}

binder_pid=
cleanup() {
	[ -z "$binder_pid" ] || kill "$binder_pid" 2>/dev/null
	[ -z "$mon_pid" ] || kill "$mon_pid" 2>/dev/null
	[ -d /sys/module/pcipass ] && echo >"$param" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

for m in nvme vfio-pci; do modprobe "$m"; done
[ -d /sys/module/pcipass ] || insmod "$ko" || exit 1

# The udev-style binder: what users run today (driverctl, scripts).
userspace_binder() {	# BDF
	local d=$devs/$1 cur
	while :; do
		# The function may go between the test and a write: the
		# group keeps a failed redirection quiet.
		if [ -e "$d" ] && [ "$(cat "$d/driver_override" 2>/dev/null)" != vfio-pci ]; then {
			echo vfio-pci >"$d/driver_override"
			cur=$(drv "$1")
			[ "$cur" = - ] || [ "$cur" = vfio-pci ] ||
				echo "$1" >"$d/driver/unbind"
			echo "$1" >/sys/bus/pci/drivers_probe
		} 2>/dev/null; fi
	done
}

# remove_rescan BDF PORT EVENTS: the timed cycles, under pcipass monitor
# writing to EVENTS; prints "native-binds vfio-binds milliseconds".
remove_rescan() {
	local t0 t1 _
	mon_start "$3"
	t0=$(now_ms)
	for _ in $(seq "$cycles"); do
		echo 1 >"$devs/$1/remove"
		echo 1 >"$devs/$2/rescan"
		wait_driver "$1" vfio-pci
	done
	t1=$(now_ms)
	mon_stop
	echo "$(binds "$3" "$1") $((t1 - t0))"
}

hotplug() {
	local bdf=0000:02:00.0 port res
	port=$(basename "$(dirname "$(readlink -f "$devs/$bdf")")")

	echo 02:00.0 >"$param"
	wait_driver $bdf vfio-pci
	read -r pnat pvfio ptime <<<"$(remove_rescan $bdf "$port" "$tmp/pcipass.json")"
	echo >"$param"
	wait_driver $bdf nvme

	userspace_binder $bdf &
	binder_pid=$!
	wait_driver $bdf vfio-pci
	read -r unat uvfio utime <<<"$(remove_rescan $bdf "$port" "$tmp/user.json")"
	kill "$binder_pid"
	wait "$binder_pid" 2>/dev/null
	binder_pid=
	echo >"$devs/$bdf/driver_override"
	[ "$(drv $bdf)" = vfio-pci ] && echo $bdf >/sys/bus/pci/drivers/vfio-pci/unbind
	echo $bdf >/sys/bus/pci/drivers_probe

	printf '%d remove + rescan cycles of %s (%s)\n' "$cycles" $bdf "$(uname -r)"
	printf '%-28s %12s %14s %10s\n' binder "native binds" "vfio-pci binds" "time (s)"
	printf '%-28s %12s %14s %10s\n' "pcipass claim= policy" "$pnat" "$pvfio" \
		"$(printf '%d.%03d' $((ptime / 1000)) $((ptime % 1000)))"
	printf '%-28s %12s %14s %10s\n' "userspace, udev-style" "$unat" "$uvfio" \
		"$(printf '%d.%03d' $((utime / 1000)) $((utime % 1000)))"
	res=$((unat - pnat))
	echo "native binds avoided by pcipass: $res of $cycles"
}

sriov() {
	local pf=0000:01:00.0 t0 t1 base claim bad=0 vf
	[ -n "$vfs" ] || vfs=$(cat "$devs/$pf/sriov_totalvfs")
	wait_driver $pf nvme
	echo 0 >"$devs/$pf/sriov_numvfs"

	# Alternate the two, three rounds each, and keep the best of each:
	# the first creation also pays for one-time setup.
	base='' claim=''
	for _ in 1 2 3; do
		echo >"$param"
		echo 0 >"$devs/$pf/sriov_drivers_autoprobe"
		t0=$(now_ms)
		echo "$vfs" >"$devs/$pf/sriov_numvfs"
		t1=$(now_ms)
		[ -n "$base" ] && [ "$base" -le $((t1 - t0)) ] || base=$((t1 - t0))
		echo 0 >"$devs/$pf/sriov_numvfs"

		echo '!01:00.0,01:*.*' >"$param"
		echo 1 >"$devs/$pf/sriov_drivers_autoprobe"
		t0=$(now_ms)
		echo "$vfs" >"$devs/$pf/sriov_numvfs"
		t1=$(now_ms)
		[ -n "$claim" ] && [ "$claim" -le $((t1 - t0)) ] || claim=$((t1 - t0))
		bad=0
		for vf in "$devs/$pf"/virtfn*; do
			[ "$(drv "$(basename "$(readlink -f "$vf")")")" = vfio-pci ] ||
				bad=$((bad + 1))
		done
		echo 0 >"$devs/$pf/sriov_numvfs"
	done
	echo >"$param"
	echo 0 >"$devs/$pf/sriov_drivers_autoprobe"

	printf 'creating %d VFs of %s (%s)\n' "$vfs" $pf "$(uname -r)"
	printf '%-40s %10s %12s\n' "best of 3" "total (ms)" "per VF (ms)"
	printf '%-40s %10d %12s\n' "autoprobe off, no policy (baseline)" $base \
		"$(awk -v t=$base -v n="$vfs" 'BEGIN { printf "%.1f", t / n }')"
	printf '%-40s %10d %12s\n' "autoprobe on, claim=!01:00.0,01:*.*" $claim \
		"$(awk -v t=$claim -v n="$vfs" 'BEGIN { printf "%.1f", t / n }')"
	awk -v a=$claim -v b=$base -v n="$vfs" 'BEGIN {
		printf "claim cost per VF: %.1f ms (%.2fx the baseline)\n",
			(a - b) / n, b ? a / b : 0 }'
	echo "VFs not on vfio-pci after the write: $bad"
}

case ${LAB_TOPOLOGY:-} in
seed-server) hotplug ;;
sriov) sriov ;;
bench) hotplug; sriov ;;
*) echo "claim-bench: needs -t seed-server, sriov or bench" >&2; exit 2 ;;
esac
