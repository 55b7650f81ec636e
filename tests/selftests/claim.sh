#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Claiming for vfio-pci, end to end, in a lab guest (tests/guest/suite.sh):
# the claim= policy at probe time, runtime claim and release through the
# CLI, refusals, rollback, events and rmmod. Output is TAP.
#
# usage: tests/selftests/claim.sh PATH/TO/pcipass.ko
#
# seed-server:
#   a  identical NVMe: insmod claim=02:00.0 before nvme loads
#   b  GPU slot: xhci_pci holds fn 2, then claim=04:00.* moves the group
#   c  hotplug: remove/rescan cycles of a policy-claimed NVMe
#   e  refusals: unprivileged, mounted disk, interface up, boot display,
#      bad claim=, a group member in use
#   f  rollback when vfio-pci cannot be loaded; loading it holds no
#      netlink lock (a generic netlink family registers meanwhile)
#   g  monitor: claim, release, bind and unbind events
#   h  rmmod leaves vfio-pci bound devices alone and clears overrides;
#      reloaded, release force returns them
#   i  release of a function that came back native after a removal
#      returns the group mates pcipass holds
#   l  claim=06:01.0,!06:02.0 (one group): neither is claimed, whether
#      the policy is written or the functions appear in a rescan
# sriov:
#   d  claim=!01:00.0,01:*.* then sriov_numvfs: every VF on vfio-pci
#   k  a PF that shares its group with its VFs (behind a switch port
#      without ACS): a claim that would unbind it is refused, the VFs stay
#
# The guest is left as suite.sh set it up: native drivers bound, pcipass
# loaded without a policy (on sriov, the VFs back with autoprobe off).
# Environment: PCIPASS_CLAIM_CYCLES (hotplug cycles, 100),
# PCIPASS_CLAIM_VFS (VFs for d, sriov_totalvfs).
# Exit: 0 all ok, 1 a failure, 2 usage, 4 skipped (not root or no lab).
# The status of an echo into sysfs is the write's: what we test.
# ok_why takes its diagnostics as code, in single quotes.
# shellcheck disable=SC2320,SC2016
set -u

ko=${1:-}
if [ -z "$ko" ] || [ $# -gt 1 ]; then
	echo "usage: $0 PATH/TO/pcipass.ko" >&2
	exit 2
fi

. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cycles=${PCIPASS_CLAIM_CYCLES:-100}
param=/sys/module/pcipass/parameters/claim
tmp=$(mktemp -d)

echo "TAP version 13"
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 4
fi
if [ "${LAB:-}" != 1 ]; then
	echo "1..0 # SKIP needs a lab guest (tests/lab/run): it rebinds drivers"
	exit 4
fi
if [ ! -f "$ko" ] || [ ! -x "$pp" ]; then
	echo "Bail out! no $ko or $pp"
	exit 1
fi

# ok, skip, note; $n and $failed.
. "$top/tests/tap.sh"

override() {
	local o=
	read -r o 2>/dev/null <"$devs/$1/driver_override"
	[ "$o" = "(null)" ] && o=
	echo "$o"
}
# One key of one function, from pcipass -j dev show.
jdev() {	# BDF KEY
	jfield "$("$pp" -j dev show "$1" 2>/dev/null)" "$2"
}
# Drivers of several functions, "bdf=driver ...", for diagnostics.
state() {
	local b s=
	for b in "$@"; do s+="$b=$(drv "$b")/$(override "$b") "; done
	echo "$s"
}
loaded() { [ -d /sys/module/pcipass ]; }
has_driver() { [ -d "/sys/bus/pci/drivers/$1" ]; }

# Wait (up to 5 s) until COMMAND succeeds.
wait_for() {
	local i
	for i in $(seq 50); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
on_driver() { [ "$(drv "$1")" = "$2" ]; }

# run ARGS...: the CLI's status in $rc, output in $tmp/out, $tmp/err;
# run as "${run_as[@]}" ARGS when set.
run_as=()
run() {
	"${run_as[@]}" "$pp" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if grep -qE 'Sanitizer|runtime error:' "$tmp/err"; then
		rc=99
	fi
}
# as_cap CAP ARGS...: run, as nobody holding only the capability CAP.
as_cap() {
	local cap=$1
	shift
	local run_as=(setpriv --reuid=65534 --regid=65534 --clear-groups
		--inh-caps=-all,+"$cap" --ambient-caps=-all,+"$cap"
		--bounding-set=-all,+"$cap")
	run "$@"
}
outs() { printf 'stdout: %s\nstderr: %s\nexit %s' "$(cat "$tmp/out")" "$(cat "$tmp/err")" "$rc"; }

# Give a function back to its native driver, whatever holds it.
native() {	# BDF
	echo >"$devs/$1/driver_override" 2>/dev/null
	if [ "$(drv "$1")" = vfio-pci ]; then
		echo "$1" >"/sys/bus/pci/drivers/vfio-pci/unbind"
	fi
	[ "$(drv "$1")" != - ] || echo "$1" >/sys/bus/pci/drivers_probe 2>/dev/null
}

natives=(nvme e1000 e1000e snd_hda_intel xhci_pci)
mnt=
cleanup() {
	mon_stop
	[ -z "$mnt" ] || umount "$mnt" 2>/dev/null
	rm -f /run/modprobe.d/pcipass-claim-test.conf
	[ -z "${iface:-}" ] || ip link set dev "$iface" down 2>/dev/null
	if loaded; then
		echo >"$param" 2>/dev/null
		rmmod pcipass 2>/dev/null
	fi
	local d
	for d in "$devs"/*; do
		d=${d##*/}
		if [ "$(drv "$d")" = vfio-pci ] || [ -n "$(override "$d")" ]; then
			native "$d"
		fi
	done
	local m
	for m in "${natives[@]}"; do modprobe -q "$m"; done
	insmod "$ko" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if ! modinfo -p "$ko" 2>/dev/null | grep -q '^claim:'; then
	ok 1 "module has the claim= parameter and the claim op" \
		"$ko: modinfo -p shows no claim parameter"
	echo "1..$n"
	exit 1
fi

# A clean start: pcipass loaded, no policy, natives bound.
loaded || insmod "$ko"

# ---------------------------------------------------------------------------
seed_server() {
	local nv1=0000:01:00.0 nv2=0000:02:00.0 nv3=0000:03:00.0
	local gpu0=0000:04:00.0 gpu1=0000:04:00.1 gpu2=0000:04:00.2
	local nic1=0000:06:01.0 nic2=0000:06:02.0 nic3=0000:09:00.0
	local st c mark

	# --- a: identical NVMe ------------------------------------------------
	# Claims before nvme loads, with vfio-pci loaded by pcipass itself
	# (request_module): each precondition checked, or "before nvme"
	# would silently become a load-time claim.
	rmmod pcipass
	modprobe -r nvme
	modprobe -r vfio_pci 2>/dev/null
	! loaded && [ ! -d /sys/module/nvme ] && [ ! -d /sys/module/vfio_pci ]
	ok_why $? "a: set-up: pcipass, nvme and vfio-pci unloaded" \
		"lsmod | grep -E '^(pcipass|nvme|vfio_pci) '"
	mark=$(kmsg_mark claim-e-insmod)
	insmod "$ko" 'claim=02:00.0,zz:qq' 2>"$tmp/err"
	st=$?
	[ "$st" != 0 ] && ! loaded &&
		kmsg_since "$mark" | grep -qE 'pcipass: claim: entry [0-9]+ "zz:qq": '
	ok_why $? "e: insmod with a bad claim= fails and the log names the entry" \
		'echo "insmod exit $st: $(cat "$tmp/err")"' \
		'kmsg_since "$mark" | grep pcipass: | tail -n 3'
	loaded && rmmod pcipass

	insmod "$ko" claim=02:00.0
	ok $? "a: insmod claim=02:00.0 before nvme loads"
	modprobe nvme
	wait_for on_driver $nv1 nvme
	wait_for on_driver $nv3 nvme
	[ "$(drv $nv1)" = nvme ] && [ "$(drv $nv2)" = vfio-pci ] &&
		[ "$(drv $nv3)" = nvme ]
	ok_why $? "a: 01:00.0 and 03:00.0 on nvme, 02:00.0 on vfio-pci" \
		'state $nv1 $nv2 $nv3'
	c=0
	for d in /sys/class/nvme/*; do
		[ "$(basename "$(readlink -f "$d/device")")" = $nv2 ] && c=$((c + 1))
	done
	[ $c = 0 ] && [ "$(ls /sys/class/nvme | wc -l)" = 2 ]
	ok_why $? "a: /sys/class/nvme has two controllers, none for 02:00.0" \
		'ls -l /sys/class/nvme/'
	[ "$(jdev $nv2 claim-origin)" = policy ] &&
		[ "$(jdev $nv1 claim-origin)" = none ]
	ok_why $? "a: pcipass -j says claim-origin policy for 02:00.0, none for 01:00.0" \
		'"$pp" -j dev show $nv1 2>&1; "$pp" -j dev show $nv2 2>&1'
	[ "$(cat $param)" = 02:00.0 ]
	ok_why $? "a: the parameter reads back the active policy" 'cat $param'

	# --- e: a bad policy write leaves the active one ----------------------
	mark=$(kmsg_mark claim-e-write)
	echo '02:00.0,class=0xzz' >"$param" 2>"$tmp/err"
	st=$?
	[ "$st" != 0 ] && grep -q 'Invalid argument' "$tmp/err" &&
		[ "$(cat $param)" = 02:00.0 ] && [ "$(drv $nv2)" = vfio-pci ] &&
		kmsg_since "$mark" | grep -qE 'pcipass: claim: entry [0-9]+ "class=0xzz": '
	ok_why $? "e: a bad claim= write fails with EINVAL, names the token, keeps the policy" \
		'echo "write: $st $(cat "$tmp/err")"' \
		'echo "policy now: $(cat $param)"' \
		'kmsg_since "$mark" | grep pcipass: | tail -n 3'

	echo >"$param"
	wait_for on_driver $nv2 nvme
	[ "$(drv $nv2)" = nvme ] && [ -z "$(override $nv2)" ] &&
		[ "$(jdev $nv2 claim-origin)" = none ]
	ok_why $? "a: an empty policy releases 02:00.0 to nvme" 'state $nv2'

	# --- e: the boot display (first: once vfio-pci has had a display,
	# boot_vga was seen to read 0) -------------------------------------------
	modprobe xhci_pci
	modprobe snd_hda_intel
	wait_for on_driver $gpu2 xhci_hcd
	local bvga=
	local v
	for d in "$devs"/*; do
		v=
		read -r v 2>/dev/null <"$d/boot_vga"
		if [ "$v" = 1 ]; then
			bvga=${d##*/}
			break
		fi
	done
	if [ -n "$bvga" ]; then
		local bdrv
		bdrv=$(drv "$bvga")
		run claim "$bvga"
		[ $rc = 1 ] && grep -qx "pcipass: claim $bvga: Device or resource busy" "$tmp/err" &&
			grep -q '^Error: .*boot' "$tmp/err" &&
			[ "$(drv "$bvga")" = "$bdrv" ] && [ -z "$(override "$bvga")" ]
		ok_why $? "e: claiming the boot display $bvga is refused with EBUSY, nothing moves" \
			'outs' 'state "$bvga"'
	else
		skip "e: boot display refused" "no function has boot_vga 1"
	fi

	# --- b: GPU slot with xhci_pci holding fn 2 ---------------------------
	modprobe xhci_pci
	modprobe snd_hda_intel
	wait_for on_driver $gpu2 xhci_hcd
	local prev1 prev2
	prev1=$(drv $gpu1) prev2=$(drv $gpu2)
	[ "$prev2" = xhci_hcd ]
	ok_why $? "b: xhci_hcd holds 04:00.2 first" 'state $gpu0 $gpu1 $gpu2'
	echo '04:00.*' >"$param"
	ok $? "b: claim=04:00.* written at runtime"
	[ "$(drv $gpu0)" = vfio-pci ] && [ "$(drv $gpu1)" = vfio-pci ] &&
		[ "$(drv $gpu2)" = vfio-pci ]
	ok_why $? "b: all three functions on vfio-pci right after the write" \
		'state $gpu0 $gpu1 $gpu2'
	[ "$(jdev $gpu2 prev-driver)" = "$prev2" ] &&
		[ "$(jdev $gpu2 claim-origin)" = policy ]
	ok_why $? "b: 04:00.2 shows claim-origin policy, prev-driver $prev2" \
		'"$pp" -j dev show $gpu2 2>&1'
	local grp
	grp=$(basename "$(readlink "$devs/$gpu0/iommu_group")")
	"$pp" -j group show "$grp" >"$tmp/g.json" 2>&1
	[ "$(jfield "$(cat "$tmp/g.json")" viable)" = true ]
	ok_why $? "b: group $grp is viable per pcipass -j" 'cat "$tmp/g.json"'
	[ -c "/dev/vfio/$grp" ]
	ok_why $? "b: /dev/vfio/$grp exists" 'ls -l /dev/vfio/'
	"$pp" group show "$grp" >"$tmp/g.txt" 2>&1
	grep -q 'claimed: policy' "$tmp/g.txt"
	ok_why $? "b: the group view marks the functions as claimed" \
		'cat "$tmp/g.txt"'
	"$pp" dev show $gpu2 -d >"$tmp/d.txt" 2>&1
	grep -qx $'\tClaimed: policy' "$tmp/d.txt" &&
		grep -qx $'\tPrevious driver: '"$prev2" "$tmp/d.txt"
	ok_why $? "b: dev show -d shows claim origin and previous driver" \
		'cat "$tmp/d.txt"'
	echo >"$param"
	wait_for on_driver $gpu2 "$prev2"
	[ "$(drv $gpu2)" = "$prev2" ] && [ "$(drv $gpu1)" = "$prev1" ] &&
		[ -z "$(override $gpu0)$(override $gpu1)$(override $gpu2)" ]
	ok_why $? "b: clearing the policy returns 04:00.1 to $prev1 and 04:00.2 to $prev2" \
		'state $gpu0 $gpu1 $gpu2'

	# --- l: one rule for a group, written or appearing ---------------------
	# claim=06:01.0,!06:02.0 takes one NIC behind the PCIe-to-PCI bridge
	# and leaves the other, in the same group (DMA aliases to the
	# bridge): a partial group cannot be assigned, so neither is
	# claimed. The same when both are removed and found again: a rescan
	# adds them one by one, 06:01.0 first, so it is taken as it appears,
	# and the group is judged again once the bus settles. (Not the GPU
	# slot: its functions, found again one by one, land in three groups.)
	local port i
	none_held() {
		[ "$(drv $nic1)" = e1000 ] && [ "$(drv $nic2)" = e1000 ] &&
			[ -z "$(override $nic1)$(override $nic2)" ]
	}
	mark=$(kmsg_mark claim-l-write)
	echo '06:01.0,!06:02.0' >"$param"
	ok $? "l: claim=06:01.0,!06:02.0 written"
	none_held && kmsg_since "$mark" | grep -q "$nic1.*neither is claimed"
	ok_why $? "l: written: neither NIC is claimed, the log says why" \
		'state $nic1 $nic2' 'kmsg_since "$mark" | grep pcipass: | tail -n 3'
	port=$(basename "$(dirname "$(readlink -f "$devs/$nic1")")")
	mark=$(kmsg_mark claim-l-rescan)
	echo 1 >"$devs/$nic2/remove"
	echo 1 >"$devs/$nic1/remove"
	echo 1 >"$devs/$port/rescan"
	for i in $(seq 30); do
		none_held && break
		sleep 1
	done
	none_held && kmsg_since "$mark" | grep -q "$nic1.*neither is claimed"
	ok_why $? "l: found again by a rescan: the same, within seconds" \
		'state $nic1 $nic2' 'kmsg_since "$mark" | grep pcipass: | tail -n 5'
	echo >"$param"

	# --- c: hotplug of a policy-claimed NVMe ------------------------------
	local bad=0
	port=$(basename "$(dirname "$(readlink -f "$devs/$nv2")")")
	echo 02:00.0 >"$param"
	wait_for on_driver $nv2 vfio-pci
	if mon_start "$tmp/hp.json"; then
		for i in $(seq "$cycles"); do
			echo 1 >"$devs/$nv2/remove"
			echo 1 >"$devs/$port/rescan"
			if [ "$(drv $nv2)" != vfio-pci ]; then
				bad=$((bad + 1))
				[ $bad -gt 3 ] || echo "# cycle $i: $(state $nv2)"
			fi
		done
		mon_stop
		local native_binds vfio_binds
		native_binds=$(mon_count "$tmp/hp.json" bind $nv2 '!vfio-pci')
		vfio_binds=$(mon_count "$tmp/hp.json" bind $nv2 vfio-pci)
		[ "$native_binds" = 0 ] && [ $bad = 0 ]
		ok $? "c: $cycles remove/rescan cycles: 0 native binds, on vfio-pci after each" \
			"native binds $native_binds, cycles not on vfio-pci $bad"
		[ "$vfio_binds" = "$cycles" ]
		ok_why $? "c: the monitor saw $cycles vfio-pci binds" \
			'echo "vfio-pci binds seen: $vfio_binds"' 'tail -n 5 "$tmp/hp.json"'
		c=0
		for d in /sys/class/nvme/*; do
			[ "$(basename "$(readlink -f "$d/device")")" = $nv2 ] && c=$((c + 1))
		done
		[ $c = 0 ]
		ok $? "c: no nvme controller for 02:00.0 after the cycles"
	else
		ok_why 1 "c: monitor subscribed" 'cat "$tmp/hp.json.err"'
	fi
	echo >"$param"
	wait_for on_driver $nv2 nvme

	# --- g: runtime claim and release, with events ------------------------
	mon_start "$tmp/g.json"
	ok_why $? "g: monitor subscribed to the events group" \
		'cat "$tmp/g.json.err" 2>/dev/null'
	run claim 01:00.0
	[ $rc = 0 ] && grep -qx "claimed $nv1: nvme -> vfio-pci" "$tmp/out" &&
		[ "$(drv $nv1)" = vfio-pci ]
	ok_why $? "g: pcipass claim 01:00.0 moves it from nvme to vfio-pci" \
		'outs' 'state $nv1'
	[ "$(jdev $nv1 claim-origin)" = runtime ] &&
		[ "$(jdev $nv1 prev-driver)" = nvme ]
	ok_why $? "g: claim-origin runtime, prev-driver nvme" \
		'"$pp" -j dev show $nv1 2>&1'
	run claim 01:00.0
	[ $rc = 0 ] && [ "$(drv $nv1)" = vfio-pci ]
	ok_why $? "g: claiming it again is fine (idempotent)" 'outs'
	run -j release 01:00.0
	[ $rc = 0 ] && [ "$(drv $nv1)" = nvme ] && [ -z "$(override $nv1)" ] &&
		[ "$(jfield "$(cat "$tmp/out")" bdf)" = $nv1 ] &&
		[ "$(jfield "$(cat "$tmp/out")" driver)" = nvme ]
	ok_why $? "g: pcipass -j release 01:00.0 returns it to nvme" 'outs' \
		'state $nv1'
	mon_stop
	local t
	for t in "unbind nvme" "bind vfio-pci" "claim vfio-pci" \
		 "unbind vfio-pci" "bind nvme" "release vfio-pci"; do
		# shellcheck disable=SC2086 # two words on purpose
		set -- $t
		c=$(mon_count "$tmp/g.json" "$1" $nv1 "$2")
		[ "$c" -ge 1 ]
		ok_why $? "g: monitor shows $1 $2 for 01:00.0" 'cat "$tmp/g.json"'
	done
	local gen prev=-1 back=0 events=0
	while IFS= read -r gen; do
		jstr "$gen" generation
		events=$((events + 1))
		[ "$REPLY" -ge "$prev" ] 2>/dev/null || back=$((back + 1))
		prev=$REPLY
	done <"$tmp/g.json"
	[ $events -gt 0 ] && [ $back = 0 ]
	ok_why $? "g: event generations never go back" 'cat "$tmp/g.json"'

	# --- e: refusals -------------------------------------------------------
	setpriv --reuid=65534 --regid=65534 --clear-groups "$pp" claim 01:00.0 \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = 1 ] &&
		grep -qx "pcipass: claim $nv1: Operation not permitted" "$tmp/err" &&
		[ "$(drv $nv1)" = nvme ]
	ok_why $? "e: unprivileged claim fails with EPERM" 'outs'

	# Moving a function through sysfs needs root: here CAP_SYS_ADMIN.
	# CAP_NET_ADMIN, which network daemons hold, is not enough.
	as_cap net_admin claim 01:00.0
	[ $rc = 1 ] &&
		grep -qx "pcipass: claim $nv1: Operation not permitted" "$tmp/err" &&
		grep -q "^Error: CAP_SYS_ADMIN is required" "$tmp/err" &&
		[ "$(drv $nv1)" = nvme ]
	ok_why $? "e: a claim with CAP_NET_ADMIN only fails with EPERM, naming CAP_SYS_ADMIN" \
		'outs'
	if [ -n "${PCIPASS_DEBUG_KERNEL:-}" ]; then
		skip "e: CAP_SYS_ADMIN without root's uid claims and releases" \
			"rules, no new module code: the stock kernels run it"
	else
		as_cap sys_admin claim 01:00.0
		[ $rc = 0 ] && [ "$(drv $nv1)" = vfio-pci ]
		ok_why $? "e: CAP_SYS_ADMIN without root's uid claims" 'outs' \
			'state $nv1'
		as_cap net_admin release 01:00.0
		[ $rc = 1 ] && grep -q "^Error: CAP_SYS_ADMIN is required" "$tmp/err" &&
			[ "$(drv $nv1)" = vfio-pci ]
		ok_why $? "e: a release with CAP_NET_ADMIN only fails, the function stays" \
			'outs' 'state $nv1'
		as_cap sys_admin release 01:00.0
		[ $rc = 0 ] && [ "$(drv $nv1)" = nvme ]
		ok_why $? "e: CAP_SYS_ADMIN without root's uid releases" 'outs' \
			'state $nv1'
	fi

	local blk
	blk=$(ls -d "$devs/$nv3"/nvme/nvme*/nvme*n1 2>/dev/null | head -n 1)
	blk=${blk##*/}
	if [ -n "$blk" ] && mkfs.ext4 -q -F "/dev/$blk" 2>"$tmp/err"; then
		mnt=/run/pcipass-claim-mnt
		mkdir -p $mnt
		mount "/dev/$blk" $mnt
		run claim 03:00.0
		[ $rc = 1 ] &&
			grep -qx "pcipass: claim $nv3: Device or resource busy" "$tmp/err" &&
			grep -q "^Error: .*$blk" "$tmp/err" && [ "$(drv $nv3)" = nvme ] &&
			[ -z "$(override $nv3)" ]
		ok_why $? "e: claiming an NVMe with a mounted file system fails with EBUSY naming $blk" \
			'outs' 'state $nv3'
		grep -qx "Hint: $blk is mounted on $mnt" "$tmp/err"
		ok_why $? "e: the CLI says where $blk is mounted" 'outs'
		umount $mnt
		mnt=
	else
		ok_why 1 "e: a file system on the namespace of 03:00.0" \
			'echo "namespace '\''$blk'\''"' 'cat "$tmp/err"'
	fi

	iface=$(ls "$devs/$nic2/net" 2>/dev/null | head -n 1)
	if [ -n "$iface" ] && ip link set dev "$iface" up; then
		run claim 06:01.0
		[ $rc = 1 ] && grep -q "^Error: .*$nic2.*$iface" "$tmp/err" &&
			[ "$(drv $nic1)" = e1000 ] && [ "$(drv $nic2)" = e1000 ] &&
			[ -z "$(override $nic1)$(override $nic2)" ]
		ok_why $? "e: a group member whose interface is up blocks the group; nothing changes" \
			'outs' 'state $nic1 $nic2'
		run claim 06:01.0 function-only
		[ $rc = 0 ] && [ "$(drv $nic1)" = vfio-pci ] && [ "$(drv $nic2)" = e1000 ]
		ok_why $? "e: function-only claims 06:01.0 alone" 'outs' \
			'state $nic1 $nic2'
		run release 06:01.0 function-only
		[ $rc = 0 ] && [ "$(drv $nic1)" = e1000 ]
		ok_why $? "e: function-only release returns 06:01.0 to e1000" 'outs' \
			'state $nic1'
		ip link set dev "$iface" down
		iface=
	else
		ok 1 "e: interface of 06:02.0 up" "iface '$iface'"
	fi

	iface=$(ls "$devs/$nic3/net" 2>/dev/null | head -n 1)
	if [ -n "$iface" ] && ip link set dev "$iface" up; then
		run claim 09:00.0
		[ $rc = 1 ] && grep -qx "pcipass: claim $nic3: Device or resource busy" "$tmp/err" &&
			grep -q "^Error: .*$iface" "$tmp/err" && [ "$(drv $nic3)" = e1000e ]
		ok_why $? "e: an interface that is up is refused with EBUSY" 'outs'
		run claim 09:00.0 force
		[ $rc = 0 ] && [ "$(drv $nic3)" = vfio-pci ]
		ok_why $? "e: force claims it anyway" 'outs' 'state $nic3'
		run release 09:00.0
		[ $rc = 0 ] && [ "$(drv $nic3)" = e1000e ]
		ok_why $? "e: release returns it to e1000e" 'outs' 'state $nic3'
		ip link set dev "$iface" down 2>/dev/null
		iface=
	else
		ok 1 "e: interface of 09:00.0 up" "iface '$iface'"
	fi

	run release 01:00.0
	[ $rc = 1 ] && [ "$(drv $nv1)" = nvme ]
	ok_why $? "e: releasing a function pcipass did not claim fails" 'outs'
	run claim 0a:00.0
	[ $rc = 1 ] && grep -qx 'pcipass: claim 0a:00.0: no PCI function matches' "$tmp/err"
	ok_why $? "e: a filter that matches nothing is an error" 'outs'
	run claim
	[ $rc = 2 ]
	ok_why $? "e: claim without a filter is a usage error" 'outs'

	# --- f: rollback when vfio-pci cannot be loaded -----------------------
	modprobe -r vfio_pci 2>"$tmp/err"
	mkdir -p /run/modprobe.d
	echo 'install vfio_pci /bin/false' >/run/modprobe.d/pcipass-claim-test.conf
	if has_driver vfio-pci || modprobe vfio-pci 2>/dev/null; then
		ok_why 1 "f: vfio-pci made unavailable" 'cat "$tmp/err"' \
			'lsmod | grep vfio'
	else
		mon_start "$tmp/f.json"
		run claim 01:00.0
		mon_stop
		[ $rc = 1 ] && grep -q "^pcipass: claim $nv1: " "$tmp/err" &&
			grep -q '^Error: ' "$tmp/err"
		ok_why $? "f: claim fails with an explanation when vfio-pci cannot load" \
			'outs'
		[ "$(drv $nv1)" = nvme ] && [ -z "$(override $nv1)" ] &&
			[ "$(jdev $nv1 claim-origin)" = none ]
		ok_why $? "f: 01:00.0 is back on nvme, no override, not claimed" \
			'state $nv1' 'cat "$tmp/f.json"'
		c=$(mon_count "$tmp/f.json" claim)
		[ "$c" = 0 ]
		ok_why $? "f: no claim event" 'cat "$tmp/f.json"'
	fi
	rm -f /run/modprobe.d/pcipass-claim-test.conf

	# --- f: loading vfio-pci holds no netlink lock ----------------------------
	# vfio-pci's install command waits on a FIFO. Meanwhile a generic
	# netlink family registers (wireguard's) and a dump runs: both finish
	# while the claim still waits. When the module loaded vfio-pci inside
	# its doit, under genl's cb_lock, the registration waited for the
	# modprobe and the dump queued behind it (each is cut off at 60 s).
	local fifo=/run/pcipass-claim-fifo started=/run/pcipass-claim-started
	local cpid mpid dpid mst dst reg dump
	! has_driver vfio-pci || modprobe -r vfio_pci 2>/dev/null
	if has_driver vfio-pci; then
		skip "f: loading vfio-pci holds no netlink lock" \
			"vfio-pci cannot be unloaded: $(lsmod | grep '^vfio_pci ')"
	elif ! modinfo wireguard >/dev/null 2>&1 || [ -d /sys/module/wireguard ]; then
		skip "f: loading vfio-pci holds no netlink lock" \
			"no wireguard module to load (its generic netlink family)"
	else
		rm -f "$fifo" "$started"
		mkfifo "$fifo"
		echo "install vfio_pci /bin/sh -c 'touch $started; read x <$fifo; exit 1'" \
			>/run/modprobe.d/pcipass-claim-test.conf
		"$pp" claim 01:00.0 >"$tmp/f2.out" 2>&1 &
		cpid=$!
		for _ in $(seq 300); do
			[ ! -e "$started" ] || break
			sleep 0.2
		done
		# running PID: whether it still runs after up to 60 s.
		running() {
			local end=$((SECONDS + 60))
			while [ $SECONDS -lt $end ] && kill -0 "$1" 2>/dev/null; do
				sleep 0.2
			done
			kill -0 "$1" 2>/dev/null
		}
		modprobe wireguard 2>"$tmp/f2.mod" &
		mpid=$!
		reg=done
		! running $mpid || reg="still waiting after 60 s"
		"$pp" -j dev show 01:00.0 >"$tmp/f2.dump" 2>&1 &
		dpid=$!
		dump=done
		! running $dpid || dump="still waiting after 60 s"
		kill -0 $cpid 2>/dev/null
		st=$?
		timeout 60 sh -c 'echo >"$1"' sh "$fifo" &
		wait $mpid
		mst=$?
		wait $dpid
		dst=$?
		[ -e "$started" ] && [ $st = 0 ] && [ "$reg $dump" = "done done" ] &&
			[ $mst = 0 ] && [ $dst = 0 ]
		ok_why $? "f: while vfio-pci's install command waits, a genl family registers and a dump completes" \
			'echo "modprobe wireguard: $reg, exit $mst $(cat "$tmp/f2.mod")"' \
			'echo "dump: $dump, exit $dst"' 'head -c 600 "$tmp/f2.dump"' \
			'echo "the claim was still waiting: $([ $st = 0 ] && echo yes || echo no)"'
		wait $cpid
		st=$?
		wait
		[ $st = 1 ] && [ "$(drv $nv1)" = nvme ] && [ -z "$(override $nv1)" ] &&
			grep -q '^Error: vfio-pci is not loaded, and modprobe vfio-pci failed' "$tmp/f2.out"
		ok_why $? "f: then the claim fails, saying why vfio-pci is missing; 01:00.0 stays on nvme" \
			'echo "claim: exit $st"' 'cat "$tmp/f2.out"' 'state $nv1'
		rm -f /run/modprobe.d/pcipass-claim-test.conf "$fifo" "$started"
		modprobe -r wireguard
	fi
	modprobe vfio-pci

	# --- h: rmmod ------------------------------------------------------------
	run claim 01:00.0
	[ $rc = 0 ] && [ "$(drv $nv1)" = vfio-pci ] && [ "$(override $nv1)" = vfio-pci ]
	ok_why $? "h: 01:00.0 claimed before rmmod" 'outs' 'state $nv1'
	rmmod pcipass
	ok $? "h: rmmod pcipass with a function claimed"
	[ "$(drv $nv1)" = vfio-pci ] && [ -z "$(override $nv1)" ]
	ok_why $? "h: after rmmod 01:00.0 stays on vfio-pci and its override is cleared" \
		'state $nv1'
	insmod "$ko"
	[ "$(jdev $nv1 claim-origin)" = external ] && [ "$(drv $nv1)" = vfio-pci ]
	ok_why $? "h: after reload 01:00.0 is still on vfio-pci, claim-origin external" \
		'state $nv1' '"$pp" -j dev show $nv1 2>&1'
	run release 01:00.0
	[ $rc = 1 ] &&
		grep -qx "Error: $nv1 is held for vfio-pci outside pcipass; release it with force" \
			"$tmp/err" &&
		[ "$(drv $nv1)" = vfio-pci ] && [ -z "$(override $nv1)" ]
	ok_why $? "h: releasing it without force is refused, names it, changes nothing" \
		'outs' 'state $nv1'
	run -j release 01:00.0 force
	[ $rc = 0 ] && [ "$(drv $nv1)" = nvme ] && [ -z "$(override $nv1)" ] &&
		[ "$(jbdfs "$(cat "$tmp/out")")" = $nv1 ]
	ok_why $? "h: release force returns it to nvme and names it" 'outs' \
		'state $nv1'
	[ "$(jdev $nv1 claim-origin)" = none ]
	ok_why $? "h: then 01:00.0 is not claimed" \
		'"$pp" -j dev show $nv1 2>&1'

	# --- i: release after a removal ------------------------------------------
	run claim 06:01.0
	[ $rc = 0 ] && [ "$(drv $nic1)" = vfio-pci ] && [ "$(drv $nic2)" = vfio-pci ]
	ok_why $? "i: claim 06:01.0 takes 06:02.0 of its group too" 'outs' \
		'state $nic1 $nic2'
	echo 1 >"$devs/$nic1/remove" && echo 1 >/sys/bus/pci/rescan &&
		wait_for on_driver $nic1 e1000
	ok_why $? "i: 06:01.0, removed and rescanned, comes back on e1000" \
		'state $nic1 $nic2'
	[ "$(drv $nic2)" = vfio-pci ] && [ "$(jdev $nic2 claim-origin)" = runtime ] &&
		[ "$(jdev $nic1 claim-origin)" = none ]
	ok_why $? "i: its mate 06:02.0 stays claimed" 'state $nic1 $nic2'
	run release 06:01.0 function-only
	[ $rc = 1 ] && grep -qx "Error: $nic1 is not claimed by pcipass" "$tmp/err" &&
		[ "$(drv $nic2)" = vfio-pci ]
	ok_why $? "i: release 06:01.0 function-only is refused: it is not held" \
		'outs'
	run -j release 06:01.0
	[ $rc = 0 ] && [ "$(drv $nic1)" = e1000 ] && [ "$(drv $nic2)" = e1000 ] &&
		[ -z "$(override $nic2)" ] &&
		[ "$(jbdfs "$(cat "$tmp/out")")" = $nic2 ]
	ok_why $? "i: release 06:01.0 returns the mate pcipass held, and names only it" \
		'outs' 'state $nic1 $nic2'
	run release 06:01.0
	[ $rc = 1 ] && grep -qx "Error: $nic1 is not claimed by pcipass" "$tmp/err"
	ok_why $? "i: with nothing of the group held, release is refused again" \
		'outs'

	# --- j: a mate already on vfio-pci stays external -------------------------
	if [ -n "${PCIPASS_DEBUG_KERNEL:-}" ]; then
		skip "j: a mate already on vfio-pci stays external" \
			"records, no new module code: the stock kernels run it"
		return
	fi
	# Bound by hand, as an admin (or another tool) would before pcipass.
	echo vfio-pci >"$devs/$nic2/driver_override" &&
		echo $nic2 >/sys/bus/pci/drivers/e1000/unbind &&
		echo $nic2 >/sys/bus/pci/drivers_probe
	[ "$(drv $nic2)" = vfio-pci ] && [ "$(jdev $nic2 claim-origin)" = external ]
	ok_why $? "j: 06:02.0 bound to vfio-pci by hand is external" \
		'state $nic2'
	run -j claim 06:01.0
	[ $rc = 0 ] && [ "$(drv $nic1)" = vfio-pci ] &&
		[ "$(jdev $nic2 claim-origin)" = external ] &&
		[ "$(jbdfs "$(cat "$tmp/out")")" = $nic1 ]
	ok_why $? "j: claim 06:01.0 names only it; its mate 06:02.0 stays external" \
		'outs' 'state $nic1 $nic2' '"$pp" -j dev show $nic2 2>&1'
	run release 06:01.0
	[ $rc = 0 ] && [ "$(drv $nic1)" = e1000 ] && [ "$(drv $nic2)" = vfio-pci ] &&
		[ "$(override $nic2)" = vfio-pci ]
	ok_why $? "j: release without force returns 06:01.0, leaves the external mate" \
		'outs' 'state $nic1 $nic2'
	echo >"$devs/$nic2/driver_override"
	echo $nic2 >/sys/bus/pci/drivers/vfio-pci/unbind
	echo $nic2 >/sys/bus/pci/drivers_probe
	wait_for on_driver $nic2 e1000
	ok_why $? "j: 06:02.0 back on e1000 by hand" 'state $nic2'
}

# ---------------------------------------------------------------------------
sriov() {
	local pf=0000:01:00.0 total want vf bad=0 st others c numvfs0
	modprobe vfio-pci
	total=$(cat "$devs/$pf/sriov_totalvfs")
	numvfs0=$(cat "$devs/$pf/sriov_numvfs")
	want=${PCIPASS_CLAIM_VFS:-$total}
	[ "$(drv $pf)" = nvme ] || { modprobe nvme; wait_for on_driver $pf nvme; }
	echo 0 >"$devs/$pf/sriov_numvfs"

	echo '!01:00.0,01:*.*' >"$param"
	ok $? "d: claim=!01:00.0,01:*.* written"
	[ "$(drv $pf)" = nvme ]
	ok_why $? "d: the excluded PF stays on nvme" 'state $pf'
	echo 1 >"$devs/$pf/sriov_drivers_autoprobe"
	echo "$want" >"$devs/$pf/sriov_numvfs"
	st=$?
	# Read right after the write returned: no waiting.
	others=
	for vf in "$devs/$pf"/virtfn*; do
		vf=$(basename "$(readlink -f "$vf")")
		if [ "$(drv "$vf")" != vfio-pci ]; then
			bad=$((bad + 1))
			others+="$vf=$(drv "$vf") "
		fi
	done
	c=$(ls -d "$devs/$pf"/virtfn* 2>/dev/null | wc -l)
	[ $st = 0 ] && [ "$c" = "$want" ] && [ $bad = 0 ]
	ok $? "d: all $want VFs on vfio-pci right after sriov_numvfs returns" \
		"write $st, VFs $c, not on vfio-pci: $bad: ${others:0:400}"
	c=0
	for d in /sys/class/nvme/*; do
		[ -e "$d" ] || continue
		[ -e "$(readlink -f "$d/device")/physfn" ] && c=$((c + 1))
	done
	[ $c = 0 ]
	ok_why $? "d: no nvme controller on any VF" 'ls -l /sys/class/nvme/'
	vf=$(basename "$(readlink -f "$devs/$pf/virtfn0")")
	[ "$(jdev "$vf" claim-origin)" = policy ]
	ok_why $? "d: $vf shows claim-origin policy" \
		'"$pp" -j dev show "$vf" 2>&1'

	echo 0 >"$devs/$pf/sriov_numvfs"
	echo >"$param"
	echo 0 >"$devs/$pf/sriov_drivers_autoprobe"
	echo "$want" >"$devs/$pf/sriov_numvfs"

	# A runtime claim of every VF in one request, then its release.
	local args=()
	for vf in "$devs/$pf"/virtfn*; do
		args+=("$(basename "$(readlink -f "$vf")")")
	done
	run claim "${args[@]}"
	bad=0
	for vf in "${args[@]}"; do [ "$(drv "$vf")" = vfio-pci ] || bad=$((bad + 1)); done
	c=$(grep -c '^claimed ' "$tmp/out")
	[ $rc = 0 ] && [ $bad = 0 ] && [ "$c" = "${#args[@]}" ]
	ok_why $? "d: one claim request for ${#args[@]} VFs" 'outs | tail -n 5' \
		'echo "not on vfio-pci: $bad, claimed lines: $c"'
	run release "${args[@]}"
	bad=0
	for vf in "${args[@]}"; do [ "$(drv "$vf")" = - ] || bad=$((bad + 1)); done
	[ $rc = 0 ] && [ $bad = 0 ]
	ok_why $? "d: releasing them leaves them unbound (autoprobe off, no prev driver)" \
		'outs | tail -n 5' 'echo "still bound: $bad"'

	# Back to the VFs suite.sh made.
	echo 0 >"$devs/$pf/sriov_numvfs"
	echo "$numvfs0" >"$devs/$pf/sriov_numvfs"

	pf_with_vfs
}

# k: the second PF sits behind a switch downstream port without ACS
# (tests/lab/topologies.sh), so it and its VFs share one IOMMU group.
# vfio-pci binds no PF with VFs enabled, and unbinding its driver either
# leaves them (nvme: the claim then failed late, "vfio-pci did not bind")
# or removes them (drivers that disable SR-IOV in their remove). A claim
# of the group, of a VF (its group is the PF's) or of the PF alone is
# refused up front, naming the PF and its VF count, and nothing moves; so
# is the library's claim through sysfs (runtime).
pf_with_vfs() {
	local pf=0000:04:00.0 vfs=() v bad what
	if [ ! -e "$devs/$pf/sriov_totalvfs" ]; then
		skip "k: a claim that would unbind a PF with VFs is refused" \
			"no SR-IOV PF at $pf in this topology"
		return
	fi
	[ "$(drv $pf)" = nvme ] || { modprobe nvme; wait_for on_driver $pf nvme; }
	echo 0 >"$devs/$pf/sriov_drivers_autoprobe"
	echo 2 >"$devs/$pf/sriov_numvfs"
	for v in "$devs/$pf"/virtfn*; do
		vfs+=("$(basename "$(readlink -f "$v")")")
	done
	[ ${#vfs[@]} = 2 ] &&
		[ "$(readlink -f "$devs/$pf/iommu_group")" = "$(readlink -f "$devs/${vfs[0]}/iommu_group")" ]
	ok_why $? "k: $pf has 2 VFs, in its IOMMU group" \
		'echo "VFs: ${vfs[*]}"; ls "$devs/$pf/iommu_group/devices"'
	for what in "claim $pf" "claim ${vfs[0]}" "claim $pf function-only" \
		"-s sysfs claim $pf runtime"; do
		# shellcheck disable=SC2086 # the words of one command line
		run $what
		bad=
		[ "$(drv $pf)" = nvme ] || bad+=" $pf on $(drv $pf)"
		[ "$(cat "$devs/$pf/sriov_numvfs")" = 2 ] || bad+=" sriov_numvfs $(cat "$devs/$pf/sriov_numvfs")"
		for v in "${vfs[@]}"; do
			[ -e "$devs/$v" ] && [ "$(drv "$v")" = - ] || bad+=" $v $(drv "$v")"
		done
		[ $rc != 0 ] && [ -z "$bad" ] && grep -q "$pf has 2 VFs" "$tmp/err"
		ok_why $? "k: $what is refused, naming $pf and its 2 VFs; nothing moves" \
			'outs' 'echo "changed:$bad"'
	done
	echo 0 >"$devs/$pf/sriov_numvfs"
}

case ${LAB_TOPOLOGY:-} in
seed-server) seed_server ;;
sriov) sriov ;;
*)
	echo "1..0 # SKIP no claim tests for topology '${LAB_TOPOLOGY:-}'"
	exit 4
	;;
esac

echo "1..$n"
[ $failed = 0 ]
