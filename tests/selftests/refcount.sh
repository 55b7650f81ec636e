#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Reference counting of struct pci_dev, in a lab guest (tests/guest/suite.sh).
# A missing pci_dev_put() leaks nothing kmemleak can see (the function stays
# referenced), so count frees instead: a kprobe on pci_release_dev(), the
# release callback of every PCI function, records the name of each function
# whose last reference goes. Each case drives pcipass through one path that
# takes references, removes the function through sysfs and expects exactly
# one free of it; then it rescans the bus and checks the function is back
# on its native driver.
#
# usage: tests/selftests/refcount.sh PATH/TO/pcipass.ko
#
# Cases, each on an NVMe function (own group) and on an e1000 behind the
# PCIe-to-PCI bridge (a group of the bridge and two NICs, claimed whole):
#   control    nothing: proves the probe sees a free at all
#   read       both dumps, dev-get and group-get do, why, check, policy
#   claim      runtime claim and release (netlink), then remove
#   held       remove while claimed: the claim record's reference; then the
#              group mates are released one by one
#   load       insmod claim=, rmmod with the claim in place, then remove
#
# seed-server only; other topologies skip. Needs tracefs with kprobe
# events (Debian's kernels and the CI kernel have them).
# Exit: 0 all ok, 1 a failure, 2 usage, 4 skipped.
# shellcheck disable=SC2320
set -u

ko=${1:-}
if [ -z "$ko" ] || [ $# -gt 1 ]; then
	echo "usage: $0 PATH/TO/pcipass.ko" >&2
	exit 2
fi

. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
tr=/sys/kernel/tracing
event=pcipass_refcount/release

echo "TAP version 13"
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 4
fi
if [ "${LAB:-}" != 1 ] || [ "${LAB_TOPOLOGY:-}" != seed-server ]; then
	echo "1..0 # SKIP needs a seed-server lab guest (tests/lab/run)"
	exit 4
fi
if [ ! -f "$ko" ] || [ ! -x "$pp" ]; then
	echo "Bail out! no $ko or $pp"
	exit 1
fi
[ -d "$tr/events" ] || mount -t tracefs nodev "$tr" 2>/dev/null
if [ ! -w "$tr/kprobe_events" ]; then
	echo "1..0 # SKIP no tracefs kprobe_events in this kernel"
	exit 4
fi
# struct device starts with its kobject, a kobject with its name: the
# first argument's first word points at the function's name.
if ! echo "p:$event pci_release_dev name=+0(+0(%di)):string" \
	>>"$tr/kprobe_events" 2>/dev/null; then
	echo "1..0 # SKIP cannot put a kprobe on pci_release_dev"
	exit 4
fi
cleanup() {
	echo 0 >"$tr/events/$event/enable" 2>/dev/null
	echo "-:$event" >>"$tr/kprobe_events" 2>/dev/null
}
trap cleanup EXIT
echo 1 >"$tr/events/$event/enable"

# ok, skip, note; $n and $failed.
. "$top/tests/tap.sh"

# Frees of function $1 recorded since the trace was last cleared.
frees() {
	grep -c "name=\"$1\"" "$tr/trace" 2>/dev/null
}

# remove_count BDF: remove it through sysfs and print how many frees of it
# the probe recorded (waiting up to 5 s for the first).
remove_count() {
	local bdf=$1 c _
	echo >"$tr/trace"
	echo 1 >"$devs/$bdf/remove" || { echo "remove-failed"; return; }
	for _ in $(seq 50); do
		c=$(frees "$bdf")
		[ "$c" -gt 0 ] && break
		sleep 0.1
	done
	# A second free would be a use after free; give it a moment.
	sleep 0.3
	frees "$bdf"
}

# Rescan until $1 is back on driver $2 (10 s).
restore() {
	local bdf=$1 want=$2 _
	echo 1 >/sys/bus/pci/rescan
	for _ in $(seq 100); do
		[ "$(drv "$bdf")" = "$want" ] && return 0
		sleep 0.1
	done
	return 1
}

loaded() { [ -d /sys/module/pcipass ]; }

# case NAME BDF DRIVER: after the setup the caller did, remove BDF and
# expect one free; put it back on DRIVER.
check_free() {
	local name=$1 bdf=$2 want=$3 c
	c=$(remove_count "$bdf")
	ok "$([ "$c" = 1 ]; echo $?)" "$name: $bdf freed once on remove" \
		"frees of $bdf seen by the pci_release_dev probe: $c" \
		"(0: a reference was never dropped; 2+: dropped too often)"
	restore "$bdf" "$want"
	ok_why $? "$name: $bdf back on $want after rescan" \
		'echo "driver: $(drv "$bdf")"'
}

run_target() {	# BDF GROUP-FILTER
	local bdf=$1 slot=$2 want out
	want=$(drv "$bdf")
	if [ "$want" = - ]; then
		skip "$bdf: cases" "no driver bound to start from"
		return
	fi
	note "target $bdf (group $slot), native driver $want"

	check_free "control" "$bdf" "$want"

	local cmd bad=
	for cmd in "$pp dev show $bdf" "$pp group show" "$pp -j group show" \
		   "$pp -j dev show" "$pp why $bdf" "$pp policy show" \
		   "$build/tests/golden/lib-dump netlink" \
		   "$build/selftests/pcipass_nl -r pcipass.do_matches_dump"; do
		# lib-dump: dev-get do for every function; do_matches_dump:
		# dev-get and group-get do for every function and group.
		$cmd >/dev/null 2>&1 || bad="$bad${bad:+, }$cmd"
	done
	# check: 0 passed, 3 warnings, 1 failures; 2 (usage) or a crash count.
	"$pp" check "$bdf" >/dev/null 2>&1
	case $? in 0|1|3) ;; *) bad="$bad${bad:+, }$pp check $bdf" ;; esac
	ok "$([ -z "$bad" ]; echo $?)" "read: dumps, dev-get and group-get do, why, check, policy" \
		"failed: $bad"
	check_free "read" "$bdf" "$want"

	out=$( { "$pp" claim "$slot" && "$pp" release "$slot"; } 2>&1)
	ok $? "claim: claim and release $slot" "$out"
	check_free "claim" "$bdf" "$want"

	out=$("$pp" claim "$slot" 2>&1)
	ok "$([ "$(drv "$bdf")" = vfio-pci ]; echo $?)" "held: $slot claimed" \
		"$out" "driver: $(drv "$bdf")"
	check_free "held" "$bdf" "$want"
	# The removed function came back native and unclaimed, so a release
	# naming it is refused; its group mates are released one by one.
	local m bad=
	for m in $(mates "$bdf"); do
		[ "$(drv "$m")" = vfio-pci ] || continue
		"$pp" release "$m" function-only >/dev/null 2>&1 || bad="$bad $m"
	done
	ok "$([ -z "$bad" ]; echo $?)" "held: group mates of $bdf released" \
		"release failed for:$bad"

	rmmod pcipass
	out=$(insmod "$ko" "claim=$slot" 2>&1)
	ok $? "load: insmod claim=$slot" "$out"
	# A load-time claim on a bound function moves it to vfio-pci.
	local _
	for _ in $(seq 50); do
		[ "$(drv "$bdf")" = vfio-pci ] && break
		sleep 0.1
	done
	ok "$([ "$(drv "$bdf")" = vfio-pci ]; echo $?)" "load: $bdf claimed at load" \
		"driver: $(drv "$bdf")"
	# rmmod leaves claimed functions on vfio-pci and drops its records.
	rmmod pcipass
	check_free "load" "$bdf" "$want"
	# The group mates the policy took stay on vfio-pci after rmmod, and
	# a module loaded again does not know them: give them back by hand.
	for m in $(mates "$bdf"); do
		[ "$(drv "$m")" = vfio-pci ] || continue
		echo "$m" >/sys/bus/pci/drivers/vfio-pci/unbind
		echo "$m" >/sys/bus/pci/drivers_probe
	done
	insmod "$ko" || echo "Bail out! insmod $ko"
}

# The other functions of $1's IOMMU group (bridges too; they stay bound).
mates() {
	local m
	for m in "$devs/$1"/iommu_group/devices/*; do
		m=${m##*/}
		[ "$m" = "$1" ] || echo "$m"
	done
}

# Every function with its driver and the members of its IOMMU group (group
# ids change when a function comes back; membership must not).
topology() {
	local d m
	for d in "$devs"/*; do
		m=("$d"/iommu_group/devices/*)
		[ -e "${m[0]}" ] || m=()
		m=("${m[@]##*/}")
		printf '%s %s %s\n' "${d##*/}" "$(drv "${d##*/}")" \
			"$(IFS=,; echo "${m[*]}")"
	done
}

loaded || insmod "$ko" || { echo "Bail out! insmod $ko"; exit 1; }
tmp=$(mktemp -d)
trap 'cleanup; rm -rf "$tmp"' EXIT
topology >"$tmp/before"
run_target 0000:01:00.0 01:00.0
# Not a function of a multi-function slot such as the GPU's: the kernel
# puts a hot-added function whose own header lacks the multi-function bit
# into a group of its own (see the note in tests/lab/README.md).
run_target 0000:06:01.0 06:01.0
topology >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after"
ok_why $? "every function back on its driver, every group as it was" \
	'diff "$tmp/before" "$tmp/after"'
echo "1..$n"
[ "$failed" = 0 ]
