#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# In a lab guest: have the host run one QMP command against this guest's
# QEMU, e.g. hotplug a device into an empty root port:
#
#   tests/lab/guest-qmp.sh '{"execute": "device_add",
#       "arguments": {"driver": "virtio-net-pci", "id": "hot0", "bus": "rp7"}}'
#
# Prints QEMU's replies (one JSON object a line); exits 1 if one of them
# is an error or no answer came within 30 s.
set -euo pipefail

dir=${LAB_OUT:?run me inside a lab guest}/.lab
id=$$-$RANDOM
printf '%s\n' "$1" >"$dir/qmp-req.$id.tmp"
mv "$dir/qmp-req.$id.tmp" "$dir/qmp-req.$id"
for _ in $(seq 300); do
	if [ -e "$dir/qmp-resp.$id" ]; then
		cat "$dir/qmp-resp.$id"
		! grep -q '"error"' "$dir/qmp-resp.$id"
		rc=$?
		rm -f "$dir/qmp-resp.$id"
		exit $rc
	fi
	sleep 0.1
done
echo "guest-qmp: no answer from the host" >&2
exit 1
