#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run as root in a seed-server lab guest WITHOUT the pcipass module: claim
# and release through the sysfs fallback. A claim is refused with how to
# load the module unless "runtime" is given; a runtime claim warns that it
# is not probe-time, binds vfio-pci by driver_override and rolls back when
# vfio-pci does not bind; release gives the function back to nvme, and
# with force also one bound to vfio-pci with no override.
# usage: runtime_claim.sh [PCIPASS]; prints TAP.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
pcipass=${1:-$top/build/bin/pcipass}
bdf=0000:03:00.0
dev=/sys/bus/pci/devices/$bdf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
driver() { basename "$(readlink "$dev/driver" 2>/dev/null)" 2>/dev/null || echo -; }
run() {
	"$pcipass" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	sed 's/^/# stderr: /' "$tmp/err"
}

echo "TAP version 13"
if [ -d /sys/module/pcipass ] || [ ! -e "$dev" ]; then
	echo "1..0 # SKIP needs seed-server without the pcipass module"
	exit 0
fi
modprobe -q nvme
modprobe -q e1000
modprobe -r -q vfio-pci 2>/dev/null
[ "$(driver)" = nvme ]
ok $? "$bdf starts on nvme"

run claim 03:00.0
[ $rc -eq 1 ] && grep -q "^pcipass: claim $bdf: the pcipass kernel module is not loaded" "$tmp/err" &&
	grep -q '^Error: .*modprobe pcipass claim=03:00.0' "$tmp/err" &&
	[ "$(driver)" = nvme ]
ok $? "claim without the module: refused, exit 1, says how to load it, nothing changed"

run claim 03:00.0 runtime
[ $rc -eq 1 ] && grep -q "not probe-time" "$tmp/err" &&
	grep -q "^Error: $bdf: vfio-pci did not bind" "$tmp/err" &&
	[ "$(driver)" = nvme ] && [ "$(cat "$dev/driver_override")" = "(null)" ]
ok $? "runtime claim without vfio-pci loaded: fails, rolled back to nvme, override cleared"

modprobe vfio-pci
run claim 03:00.0 runtime
[ $rc -eq 0 ] && grep -q "^pcipass: warning: claim $bdf: runtime driver_override bind through sysfs, not probe-time" "$tmp/err" &&
	[ "$(driver)" = vfio-pci ] && [ "$(cat "$dev/driver_override")" = vfio-pci ] &&
	grep -q "^claimed $bdf: nvme -> vfio-pci" "$tmp/out"
ok $? "runtime claim: warns it is not probe-time, $bdf on vfio-pci by driver_override"

run -j dev show $bdf
grep -q '"source":"sysfs"' "$tmp/out" && grep -q '"driver":"vfio-pci"' "$tmp/out" &&
	grep -q '"driver-override":"vfio-pci"' "$tmp/out"
ok $? "dev show from sysfs: source sysfs, driver and override vfio-pci"

run claim 03:00.0 runtime
[ $rc -eq 0 ] && grep -q "^nothing to claim" "$tmp/out"
ok $? "runtime claim again: nothing to do, exit 0"

run release 03:00.0
[ $rc -eq 1 ] && grep -q "not loaded" "$tmp/err" && [ "$(driver)" = vfio-pci ]
ok $? "release without the module and without runtime: refused, nothing changed"

run release 03:00.0 runtime
[ $rc -eq 0 ] && [ "$(driver)" = nvme ] && [ "$(cat "$dev/driver_override")" = "(null)" ]
ok $? "runtime release: back on nvme, override cleared"

# Bound to vfio-pci by hand, override gone (as a pcipass unloaded since
# leaves it): release leaves it alone, release force gives it back.
echo vfio-pci >"$dev/driver_override" && echo $bdf >"$dev/driver/unbind" &&
	echo $bdf >/sys/bus/pci/drivers_probe && echo >"$dev/driver_override"
[ "$(driver)" = vfio-pci ] && [ "$(cat "$dev/driver_override")" = "(null)" ]
ok $? "$bdf bound to vfio-pci by hand, no override"
run release 03:00.0 runtime
[ $rc -eq 0 ] && grep -q "^nothing to release" "$tmp/out" && [ "$(driver)" = vfio-pci ]
ok $? "runtime release without force: nothing to release, left on vfio-pci"
run release 03:00.0 force runtime
[ $rc -eq 0 ] && [ "$(driver)" = nvme ] && grep -q "^released $bdf: vfio-pci -> nvme" "$tmp/out"
ok $? "runtime release with force: back on nvme"

# In use: an interface that is up (an e1000 behind the PCIe-to-PCI bridge).
nic=0000:06:01.0
ifc=$(ls "/sys/bus/pci/devices/$nic/net" 2>/dev/null | head -n 1)
if [ -n "$ifc" ] && ip link set "$ifc" up; then
	run claim 06:01.0 function-only runtime
	[ $rc -eq 1 ] && grep -q "^pcipass: claim $nic: Device or resource busy" "$tmp/err" &&
		grep -q "^Error: $nic (e1000): interface $ifc is up" "$tmp/err" &&
		[ "$(basename "$(readlink "/sys/bus/pci/devices/$nic/driver")")" = e1000 ]
	ok $? "runtime claim of a NIC that is up: refused, names the interface, nothing changed"
	run claim 06:01.0 function-only force runtime
	[ $rc -eq 0 ] &&
		[ "$(basename "$(readlink "/sys/bus/pci/devices/$nic/driver")")" = vfio-pci ]
	ok $? "runtime claim with force: taken all the same"
	run release 06:01.0 function-only runtime
	[ $rc -eq 0 ] &&
		[ "$(basename "$(readlink "/sys/bus/pci/devices/$nic/driver")")" = e1000 ]
	ok $? "runtime release: the NIC is back on e1000"
else
	n=$((n + 1)); echo "ok $n - runtime claim of a NIC that is up # SKIP no interface on $nic"
	n=$((n + 1)); echo "ok $n - runtime claim with force # SKIP no interface on $nic"
	n=$((n + 1)); echo "ok $n - runtime release of the NIC # SKIP no interface on $nic"
fi

# A failed claim whose undo cannot put the function back says so. $bdf on
# pci-stub by a dynamic id, removed since: once unbound, nvme (its id
# table) takes it, not pci-stub. With vfio-pci gone the claim fails, and
# the undo ends on nvme.
modprobe -r -q vfio-pci 2>/dev/null
if [ ! -d /sys/bus/pci/drivers/vfio-pci ] && modprobe -q pci-stub &&
	echo $bdf >"$dev/driver/unbind" &&
	echo "1b36 0010" >/sys/bus/pci/drivers/pci-stub/new_id &&
	echo "1b36 0010" >/sys/bus/pci/drivers/pci-stub/remove_id &&
	[ "$(driver)" = pci-stub ]; then
	run claim 03:00.0 runtime
	[ $rc -eq 1 ] && [ "$(driver)" = nvme ] &&
		grep -qx "Error: $bdf: vfio-pci did not bind (is vfio-pci loaded?); not put back: $bdf (was pci-stub): nvme bound instead" "$tmp/err"
	ok $? "failed runtime claim whose undo cannot restore pci-stub: the error names $bdf, pci-stub and nvme"
else
	n=$((n + 1)); echo "ok $n - failed undo reported # SKIP could not put $bdf on pci-stub with vfio-pci unloaded"
fi
[ "$(driver)" = nvme ] || { echo $bdf >"$dev/driver/unbind"; echo $bdf >/sys/bus/pci/drivers/nvme/bind; } 2>/dev/null
modprobe -q vfio-pci

run claim 00:02.0 runtime
[ $rc -eq 1 ] && grep -q "is a bridge" "$tmp/err" && [ "$(driver 2>/dev/null)" = nvme ]
ok $? "runtime claim of a root port: refused, names the bridge"

# A sysfs root is a tree to read. This one, captured from this topology,
# has $bdf's driver link point at the running kernel's nvme driver: a
# runtime claim that wrote through it would unbind the real function.
tree=$top/tests/data/sysfs/seed-server-$(uname -r).tar.xz
if [ -f "$tree" ] && tar -C "$tmp" -xJf "$tree"; then
	d=$(cd -P "$tmp/sys/bus/pci/devices/$bdf" && pwd)
	ln -sfn /sys/bus/pci/drivers/nvme "$d/driver"
	PCIPASS_SYSFS_ROOT=$tmp run claim 03:00.0 runtime
	[ $rc -eq 1 ] && [ "$(driver)" = nvme ] &&
		grep -qx "Error: sysfs root \"$tmp\" is only read: runtime claims change the running kernel's sysfs" "$tmp/err"
	ok $? "runtime claim under a sysfs root whose link leads to the real nvme: refused, $bdf still on nvme"
	[ "$(driver)" = nvme ] || echo "$bdf" >/sys/bus/pci/drivers/nvme/bind 2>/dev/null
else
	n=$((n + 1)); echo "ok $n - runtime claim under a sysfs root # SKIP no tree captured for $(uname -r)"
fi

echo "1..$n"
