#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A device hot-added through QMP device_add never meets its native driver
# when claim= takes it, even a built-in one: virtio-pci is built into
# Debian's kernels, so neither blacklisting nor udev can stop it. Run as
# root in a seed-server lab guest (empty hotplug port rp7) with pcipass
# loaded:
#
#   tests/selftests/hotplug_qmp.sh [PCIPASS_BINARY]
#
# The first round, with no policy, is the control: it shows the test can
# fail. Prints TAP.
set -u

. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
pp=${1:-$pp}
param=/sys/module/pcipass/parameters/claim
qmp=$top/tests/lab/guest-qmp.sh
tmp=$(mktemp -d)
n=0
failed=0

ok() {	# STATUS DESCRIPTION [DIAGNOSTIC]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -z "${3:-}" ] || printf '%s\n' "$3" | sed 's/^/# /'
		failed=1
	fi
}

# The virtio-net function on rp7, once it is there and probed.
hot_bdf() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1af4:0x1041 ] &&
			basename "$d" && return 0
	done
	return 1
}

# add ID: device_add a virtio-net-pci into rp7, wait until a driver
# decided (bound, or the probe is over with no driver).
add() {
	local i bdf
	"$qmp" "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"virtio-net-pci\", \"id\": \"$1\", \"bus\": \"rp7\"}}" >"$tmp/qmp" 2>&1 ||
		return 1
	for i in $(seq 100); do
		bdf=$(hot_bdf) && [ -e "/sys/bus/pci/devices/$bdf/driver" ] && return 0
		sleep 0.2
	done
	return 0
}

del() {
	local i
	"$qmp" "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"$1\"}}" >"$tmp/qmp" 2>&1
	for i in $(seq 100); do
		hot_bdf >/dev/null || return 0
		sleep 0.2
	done
	return 1
}

driver_of() {
	basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null
}

echo "TAP version 13"
echo "1..8"
if [ ! -e /sys/bus/pci/devices/0000:00:09.0 ] || [ -z "${LAB_OUT:-}" ]; then
	for i in $(seq 8); do
		echo "ok $i - QMP hotplug # SKIP needs the seed-server lab (rp7)"
	done
	exit 0
fi
old=$(cat "$param")
echo "" >"$param"

add hot0
bdf=$(hot_bdf)
ok $? "control: device_add puts a virtio-net function on rp7 ($bdf)" "$(cat "$tmp/qmp")"
ok "$([ "$(driver_of "$bdf")" = virtio-pci ]; echo $?)" \
	"control: with no policy the built-in virtio-pci takes it" "driver: $(driver_of "$bdf")"
del hot0
ok $? "control: device_del removes it"

mon_start "$tmp/events.json"
ok $? "the monitor subscribed to pcipass's events" "$(cat "$tmp/events.json.err")"
echo 1af4:1041 >"$param"
add hot1
bdf=$(hot_bdf)
ok "$([ "$(driver_of "$bdf")" = vfio-pci ] &&
	[ "$(cat "/sys/bus/pci/devices/$bdf/driver_override")" = vfio-pci ]; echo $?)" \
	"claim=1af4:1041: the hot-added function ($bdf) is on vfio-pci" \
	"driver: $(driver_of "$bdf"), override: $(cat "/sys/bus/pci/devices/$bdf/driver_override" 2>/dev/null)"
mon_stop "$tmp/events.json" "\"$bdf\".*\"type\": *\"claim\"|\"type\": *\"claim\".*\"$bdf\""
native=$(grep -F "\"$bdf\"" "$tmp/events.json" | grep '"type": *"bind"' |
	grep -vc '"driver": *"vfio-pci"')
claimed=$(grep -F "\"$bdf\"" "$tmp/events.json" | grep -c '"type": *"claim"')
ok "$([ "$native" = 0 ] && [ "$claimed" -ge 1 ]; echo $?)" \
	"the events show a claim and no native bind for it ($native native binds)" \
	"$(cat "$tmp/events.json" "$tmp/events.json.err")"
"$pp" -j dev show "$bdf" >"$tmp/dev.json" 2>&1
grep -q '"claim-origin": *"policy"' "$tmp/dev.json"
ok $? "pcipass reports claim-origin policy for it" "$(cat "$tmp/dev.json")"
del hot1
ok $? "device_del removes the claimed function"

echo "$old" >"$param"
rm -rf "$tmp"
exit $failed
