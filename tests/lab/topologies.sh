# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# PCI topologies of the lab, sourced by tests/lab/run. Each topo_NAME appends
# QEMU arguments to the array TOPO_ARGS. Root ports get explicit addr=,
# chassis= and slot= values, so the guest's BDFs are stable; tests rely on
# them. Bus numbers are the ones SeaBIOS assigns, depth-first in slot order;
# adding a bridge before another one renumbers the buses behind it.
#
# Observed layout (QEMU 7.2, q35, -vga none -nic none, Debian 6.1.0-50 and
# 6.12.107+deb12, intel-iommu; see README.md for amd-iommu):
#
# Every topology (lab infrastructure, ignore in tests):
#   00:00.0        host bridge 8086:29c0                 own group
#   00:01.0        AMD IOMMU 1022:0008, only with -i amd  no group
#   00:10.0        virtio-9p 1af4:1009 (host root)       own group
#   00:11.0        virtio-9p 1af4:1009 (OUTDIR)          own group
#   00:08.0        seed-server: onboard VGA 1234:1111,   own group
#                  the boot display (boot_vga=1)
#   00:12.0...     virtio-9p for a checkout below /tmp   own group each
#   00:1f.0/.2/.3  ICH9 LPC 8086:2918, SATA 8086:2922,   one group
#                  SMBus 8086:2930
#
# minimal:
#   00:02.0  root port rp1 1b36:000c        own group
#   01:00.0  NVMe 1b36:0010                 own group
#
# seed-server (the same groups on both kernels and with intel or amd; group
# numbers follow probe order, so tests match on membership, never numbers):
#   00:02.0 00:03.0 00:04.0   root ports rp1-rp3   own group each
#   01:00.0 02:00.0 03:00.0   NVMe 1b36:0010 x3    own group each
#                             (03:00.0 has one 64 MiB namespace)
#   00:05.0                   root port rp4        own group
#   04:00.0                   VGA 1234:1111        \
#   04:00.1                   intel-hda 8086:2668   } one group (the GPU slot)
#   04:00.2                   qemu-xhci 1b36:000d  /
#   00:06.0                   root port rp5        own group
#   05:00.0                   pcie-pci-bridge 1b36:000e \
#   06:01.0 06:02.0           e1000 8086:100e x2         } one group
#   00:07.0                   root port rp6        own group
#   07:00.0                   x3130 upstream 104c:8232   own group
#   08:00.0                   xio3130 downstream 104c:8233 \ one group
#   09:00.0                   e1000e 8086:10d3             /
#   00:08.0                   onboard VGA 1234:1111, boot_vga=1, own group
#   00:09.0                   root port rp7, empty hotplug slot (bus 0a)
#   (00:10.0, 00:11.0 9p, the ICH9 group, the host bridge: see above)
#
# sriov (after tests/lab/guest-sriov-up.sh, 127 VFs):
#   00:02.0                   root port rp1
#   01:00.0                   NVMe PF 1b36:0010, sriov_totalvfs 127, own group
#   01:00.1 ... 01:0f.7       127 VFs 1b36:0010 (ARI), own group each
#   00:03.0                   root port rp2        own group
#   02:00.0                   x3130 upstream       own group
#   03:00.0                   xio3130 downstream   \ one group: no ACS
#   04:00.0                   NVMe PF, 2 VFs       /  between the PF
#   (04:00.1 04:00.2          its VFs, when enabled) and its VFs
#
# big-group:
#   00:02.0                   root port rp1        own group
#   01:00.0                   pcie-pci-bridge      \ one group of 209:
#   02:01.0 ... 02:1a.7       208 pci-testdev      / conventional PCI

# -device pcie-root-port ID on pcie.0 at slot ADDR, chassis/slot N.
_root_port() {
	TOPO_ARGS+=(-device "pcie-root-port,id=$1,bus=pcie.0,addr=$2,chassis=$3,slot=$3")
}

_dev() {
	TOPO_ARGS+=(-device "$1")
}

# Scratch files a topology needs (disk images) go to $TOPO_WORKDIR, a
# directory of the run that tests/lab/run removes with it.

# One NVMe controller on one root port: the fast smoke test.
topo_minimal() {
	_root_port rp1 0x2 1
	_dev nvme,id=nvme0,serial=pcipass-nvme0,bus=rp1
}

# The seed's server: three identical NVMe, a GPU-like multifunction slot,
# the ICH9 chipset, a PCIe-to-PCI bridge with two NICs and a switch without
# ACS in front of a NIC.
topo_seed_server() {
	local i disk=
	# The third NVMe has a 64 MiB namespace, for "in use by the host"
	# tests (a mounted file system); the other two have none.
	truncate -s 64M "${TOPO_WORKDIR:?}/nvme2.img"
	TOPO_ARGS+=(-drive "file=${TOPO_WORKDIR//,/,,}/nvme2.img,if=none,id=nvme2disk,format=raw")
	for i in 0 1 2; do
		[ "$i" != 2 ] || disk=,drive=nvme2disk
		_root_port "rp$((i + 1))" "0x$((i + 2))" "$((i + 1))"
		_dev "nvme,id=nvme$i,serial=pcipass-nvme$i,bus=rp$((i + 1))$disk"
	done

	# The host's own onboard display, as on the seed's 1U server: on the
	# root bus, so the firmware makes it the boot VGA and the GPU below
	# is free to give away.
	_dev VGA,id=host-display,bus=pcie.0,addr=0x8

	# GPU slot: VGA + HDMI-like audio + USB controller, one device.
	_root_port rp4 0x5 4
	_dev VGA,id=gpu,bus=rp4,addr=0x0.0x0,multifunction=on
	_dev intel-hda,id=gpu-audio,bus=rp4,addr=0x0.0x1
	_dev hda-duplex,bus=gpu-audio.0
	_dev qemu-xhci,id=gpu-usb,bus=rp4,addr=0x0.0x2

	# Conventional PCI behind a PCIe-to-PCI bridge: aliases to the bridge.
	_root_port rp5 0x6 5
	_dev pcie-pci-bridge,id=pcibr,bus=rp5,addr=0x0
	_dev e1000,id=nic-pci0,bus=pcibr,addr=0x1
	_dev e1000,id=nic-pci1,bus=pcibr,addr=0x2

	# An empty hotplug slot, for QMP device_add (tests/lab/guest-qmp.sh).
	_root_port rp7 0x9 8

	# Switch: xio3130 downstream ports have no ACS.
	_root_port rp6 0x7 6
	_dev x3130-upstream,id=sw-up,bus=rp6,addr=0x0
	_dev xio3130-downstream,id=sw-down0,bus=sw-up,addr=0x0,chassis=7,slot=7
	_dev e1000e,id=nic-sw0,bus=sw-down0,addr=0x0
}

# One NVMe PF that can create 127 VFs (tests/lab/guest-sriov-up.sh).
topo_sriov() {
	_root_port rp1 0x2 1
	_dev nvme-subsys,id=ss0
	_dev "nvme,id=nvme0,serial=pcipass-sv,bus=rp1,subsys=ss0,sriov_max_vfs=127,sriov_vq_flexible=254,sriov_vi_flexible=127,max_ioqpairs=258,msix_qsize=260"
	# A PF behind a switch downstream port without ACS: it and its VFs
	# share one IOMMU group, so claiming the group means unbinding a PF
	# with VFs enabled (tests/selftests/claim.sh, k).
	_root_port rp2 0x3 2
	_dev x3130-upstream,id=sv-up,bus=rp2,addr=0x0
	_dev xio3130-downstream,id=sv-down,bus=sv-up,addr=0x0,chassis=9,slot=9
	_dev nvme-subsys,id=ss1
	_dev "nvme,id=nvme1,serial=pcipass-sv2,bus=sv-down,subsys=ss1,sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2,max_ioqpairs=8,msix_qsize=10"
}

# Four NVMe PFs, each on its own root port, each able to create 127 VFs:
# up to 4 + 508 functions for "make bench" (tests/bench/). QEMU's nvme
# allows at most 127 VFs per PF, so 512 functions need four PFs. PFs at
# 01:00.0, 02:00.0, 03:00.0 and 04:00.0 (root ports 00:02.0-00:05.0).
topo_bench() {
	local i
	for i in 0 1 2 3; do
		_root_port "rp$((i + 1))" "0x$((i + 2))" "$((i + 1))"
		_dev "nvme-subsys,id=bss$i"
		_dev "nvme,id=bnvme$i,serial=pcipass-bench$i,bus=rp$((i + 1)),subsys=bss$i,sriov_max_vfs=127,sriov_vq_flexible=254,sriov_vi_flexible=127,max_ioqpairs=258,msix_qsize=260"
	done
}

# One IOMMU group of 209 functions: a PCIe-to-PCI bridge (01:00.0) with
# 26 slots of 8 pci-testdev functions (02:01.0-02:1a.7), every one in the
# bridge's group. Its member list does not fit one dump message of a
# reader with a 4 KiB buffer (tests/guest/big_group.sh).
topo_big_group() {
	local s f mf
	_root_port rp1 0x2 1
	_dev pcie-pci-bridge,id=bgbr,bus=rp1,addr=0x0
	for s in $(seq 1 26); do
		for f in 0 1 2 3 4 5 6 7; do
			mf=
			[ "$f" != 0 ] || mf=,multifunction=on
			_dev "pci-testdev,bus=bgbr,addr=$(printf '0x%x' "$s").$f$mf"
		done
	done
}

# Names of the defined topologies (topo_seed_server -> seed-server).
topo_list() {
	declare -F | sed -n 's/^declare -f topo_//p' | grep -v '^list$' | tr _ -
}
