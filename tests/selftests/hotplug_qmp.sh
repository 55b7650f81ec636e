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

qmp_add hot0 bound
bdf=$(hot_bdf)
ok $? "control: device_add puts a virtio-net function on rp7 ($bdf)" "$(cat "$tmp/qmp")"
ok "$([ "$(drv "$bdf")" = virtio-pci ]; echo $?)" \
	"control: with no policy the built-in virtio-pci takes it" "driver: $(drv "$bdf")"
qmp_del hot0
ok $? "control: device_del removes it"

mon_start "$tmp/events.json"
ok $? "the monitor subscribed to pcipass's events" "$(cat "$tmp/events.json.err")"
echo 1af4:1041 >"$param"
qmp_add hot1 bound
bdf=$(hot_bdf)
ok "$([ "$(drv "$bdf")" = vfio-pci ] &&
	[ "$(cat "/sys/bus/pci/devices/$bdf/driver_override")" = vfio-pci ]; echo $?)" \
	"claim=1af4:1041: the hot-added function ($bdf) is on vfio-pci" \
	"driver: $(drv "$bdf"), override: $(cat "/sys/bus/pci/devices/$bdf/driver_override" 2>/dev/null)"
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
qmp_del hot1
ok $? "device_del removes the claimed function"

echo "$old" >"$param"
rm -rf "$tmp"
exit $failed
