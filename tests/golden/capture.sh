#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Capture the part of a lab guest's sysfs that libpcipass's sysfs mode
# reads, as test data for the golden tests (tests/golden/run.sh).
#
#   tests/lab/run -k 6.12 -t seed-server -o OUT -- tests/golden/capture.sh
#   tests/golden/capture.sh -u      # all of them, see "Regenerating" below
#
# In the guest: binds the native drivers as tests/guest/suite.sh does,
# enables 4 VFs on the sriov topology (4, not 127: the data stays small),
# and writes $LAB_OUT/sysfs.tar.xz holding, below sys/:
#   bus/pci/devices/BDF			symlinks, as the kernel's (relative)
#   devices/pci.../BDF/{vendor,device,subsystem_vendor,subsystem_device,
#	class,revision,config,driver_override,numa_node,sriov_totalvfs,
#	sriov_numvfs}			regular files, config binary
#   devices/pci.../BDF/{driver,iommu_group,physfn}	relative symlinks
#   bus/pci/drivers/NAME/		empty, so driver links resolve
#   kernel/iommu_groups/N/devices/BDF	relative symlinks
# Nothing else: no module is loaded, so there is no /sys/module/pcipass.
#
# Regenerating: "tests/golden/capture.sh -u" on the host boots every lab
# kernel and topology, replaces tests/data/sysfs/<topology>-<kver>.tar.xz
# and then the expected outputs (tests/golden/run.sh -u).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)

if [ "${1:-}" = -u ]; then
	cd "$top"
	for k in 6.1.0-50-amd64 6.12.107+deb12-amd64; do
		for t in seed-server sriov; do
			o=$(mktemp -d)
			tests/lab/run -k "$k" -t "$t" -T 900 -o "$o" -- \
				tests/golden/capture.sh
			install -D -m 644 "$o/sysfs.tar.xz" \
				"tests/data/sysfs/$t-$k.tar.xz"
			rm -rf "$o"
		done
	done
	exec tests/golden/run.sh -u
fi

out=${LAB_OUT:?run me in a lab guest: tests/lab/run -- $0}

for mod in nvme e1000 e1000e snd_hda_intel xhci_pci; do
	modprobe -q "$mod" || true
done
if [ "${LAB_TOPOLOGY:-}" = sriov ]; then
	"$top/tests/lab/guest-sriov-up.sh" 4 >&2
fi

dst=$(mktemp -d)
mkdir -p "$dst/sys/bus/pci/devices"

# copy_link LINK: recreate the symlink LINK (below /sys) in $dst.
copy_link() {
	mkdir -p "$dst$(dirname "$1")"
	ln -s "$(readlink "$1")" "$dst$1"
}

for link in /sys/bus/pci/devices/*; do
	copy_link "$link"
	dev=$(readlink -f "$link")
	mkdir -p "$dst$dev"
	for f in vendor device subsystem_vendor subsystem_device class \
		 revision config driver_override numa_node sriov_totalvfs \
		 sriov_numvfs; do
		if [ -f "$dev/$f" ]; then
			cat "$dev/$f" >"$dst$dev/$f"
		fi
	done
	for f in driver iommu_group physfn; do
		if [ -L "$dev/$f" ]; then
			copy_link "$dev/$f"
		fi
	done
	if [ -L "$dev/driver" ]; then
		mkdir -p "$dst/sys/bus/pci/drivers/$(basename "$(readlink "$dev/driver")")"
	fi
done

for link in /sys/kernel/iommu_groups/*/devices/*; do
	copy_link "$link"
done

tar -C "$dst" --owner=0 --group=0 --numeric-owner --sort=name \
	--mtime=@0 -cJf "$out/sysfs.tar.xz" sys
rm -rf "$dst"
echo "captured $(ls /sys/bus/pci/devices | wc -l) functions," \
	"$(ls /sys/kernel/iommu_groups | wc -l) groups"
