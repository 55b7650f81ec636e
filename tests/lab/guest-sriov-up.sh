#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside a lab guest booted with -t sriov: enable the NVMe PF's VFs.
#
# usage: tests/lab/guest-sriov-up.sh [-a] [NUMVFS]
#   NUMVFS  how many VFs (default: sriov_totalvfs, 127)
#   -a      keep sriov_drivers_autoprobe on (nvme then grabs every VF)
#
# Loads nvme (the PF needs a driver with sriov_configure), writes
# sriov_numvfs, and prints the PF, the VF count and the PCI function count:
#   pf=0000:01:00.0 vfs=127 functions=139
set -euo pipefail

autoprobe=0
if [ "${1:-}" = -a ]; then
	autoprobe=1
	shift
fi

if [ "${LAB:-}" != 1 ]; then
	echo "guest-sriov-up: run me inside tests/lab/run -t sriov" >&2
	exit 2
fi

pf=
for dev in /sys/bus/pci/devices/*; do
	if [ -e "$dev/sriov_totalvfs" ] && [ "$(cat "$dev/class")" = 0x010802 ]; then
		pf=$dev
		break
	fi
done
if [ -z "$pf" ]; then
	echo "guest-sriov-up: no NVMe SR-IOV PF found" >&2
	exit 1
fi

numvfs=${1:-$(cat "$pf/sriov_totalvfs")}

modprobe nvme
# Wait for nvme to bind the PF; sriov_numvfs needs its sriov_configure.
for _ in $(seq 50); do
	[ -e "$pf/driver" ] && break
	sleep 0.1
done

echo "$autoprobe" >"$pf/sriov_drivers_autoprobe"
if [ "$(cat "$pf/sriov_numvfs")" != 0 ]; then
	echo 0 >"$pf/sriov_numvfs"
fi
echo "$numvfs" >"$pf/sriov_numvfs"

functions=$(find /sys/bus/pci/devices -mindepth 1 -maxdepth 1 | wc -l)
echo "pf=${pf##*/} vfs=$(cat "$pf/sriov_numvfs") functions=$functions"
