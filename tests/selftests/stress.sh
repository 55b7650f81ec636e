#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Stress and faults, in a lab guest (tests/guest/suite.sh), each part
# bounded by a fixed number of operations:
#
#   1  concurrent workers: dumps, claim/release, remove/rescan and, on
#      sriov, sriov_numvfs toggling (PCIPASS_STRESS_OPS operations in all,
#      default 1200);
#   2  insmod claim=... / rmmod cycles with the claim in place
#      (PCIPASS_STRESS_MODCYCLES, default 100), dumps running beside;
#   3  surprise removal: QMP device_del while claims of the function run
#      (seed-server: the empty hotplug port rp7);
#   4  a kmemleak scan (SKIP without /sys/kernel/debug/kmemleak, and
#      under tests/guest/suite.sh, whose kernel-log suite scans last).
#
# Before the first part the driver of every function is recorded; after
# each part every function must be back on it, and the kernel log must
# hold no report. The CLI must never die of a signal (the sriov topology
# once made an early build exit 139).
#
# usage: tests/selftests/stress.sh PATH/TO/pcipass.ko
# Output is TAP. Exit: 0 all ok, 1 a failure, 2 usage, 4 skipped.
# shellcheck disable=SC2320
set -u

ko=${1:-}
if [ -z "$ko" ] || [ $# -gt 1 ]; then
	echo "usage: $0 PATH/TO/pcipass.ko" >&2
	exit 2
fi

. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
ops=${PCIPASS_STRESS_OPS:-1200}
modcycles=${PCIPASS_STRESS_MODCYCLES:-100}
param=/sys/module/pcipass/parameters/claim
kmemleak=/sys/kernel/debug/kmemleak
report_re='WARNING:|BUG:|Call Trace|KASAN|general protection|Oops|lockdep|possible recursive locking|circular locking|INFO: task .* blocked|kmemleak: [0-9]+ new suspected'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 13"
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 4
fi
if [ "${LAB:-}" != 1 ]; then
	echo "1..0 # SKIP needs a lab guest (tests/lab/run): it rebinds drivers"
	exit 4
fi
if [ ! -f "$ko" ] || [ ! -x "$pp" ] || [ ! -x "$nl" ]; then
	echo "Bail out! no $ko, $pp or $nl"
	exit 1
fi

# ok, skip, note; $n and $failed.
. "$top/tests/tap.sh"

loaded() { [ -d /sys/module/pcipass ]; }

# The driver map: "BDF DRIVER OVERRIDE CLAIM-ORIGIN" for every function,
# sorted: bound driver, driver_override ("(null)" for none) and pcipass's
# claim record, so a function left with a stale override or claim counts
# as not put back, not only one on the wrong driver.
# No program runs per function: on sriov there are 135, and an exec costs
# about a second on the debug kernel.
driver_map() {
	local d b o obj j
	local -A origin=()
	j=$("$pp" -j dev show 2>/dev/null)
	j=${j#[}
	j=${j%]}
	# One object a line: a function's object holds no braces of its own.
	while IFS= read -r obj; do
		jstr "$obj" bdf
		b=$REPLY
		jstr "$obj" claim-origin
		[ "$REPLY" != null ] || REPLY=-
		[ "$b" = null ] || origin[$b]=$REPLY
	done <<<"${j//\},\{/$'}\n{'}"
	for d in "$devs"/*; do
		b=${d##*/}
		o=-
		read -r o 2>/dev/null <"$d/driver_override"
		drv_r "$b"
		echo "$b $REPLY $o ${origin[$b]:-}"
	done
}

# settle EXPECTED-MAP: wait up to 60 s for the map to match (native
# drivers probe asynchronously); print the difference if it does not.
settle() {
	local i
	for i in $(seq 120); do
		driver_map >"$tmp/map.now"
		cmp -s "$1" "$tmp/map.now" && return 0
		sleep 0.5
	done
	diff "$1" "$tmp/map.now" | grep '^[<>]' | head -n 20
	return 1
}

# Hand a function back to the driver it had in MAP: release it if pcipass
# holds it, else unbind and let the bus probe it. Nothing runs for a
# function already on it: 26 programs cost a minute on the debug kernel.
restore() {	# BDF MAP
	local want= b d
	while read -r b d _; do
		[ "$b" != "$1" ] || { want=$d; break; }
	done <"$2"
	[ -n "$want" ] && [ -e "$devs/$1" ] || return 0
	drv_r "$1"
	[ "$REPLY" = "$want" ] && return 0
	"$pp" release "$1" >/dev/null 2>&1
	drv_r "$1"
	[ "$REPLY" = "$want" ] && return 0
	[ -e "$devs/$1/driver" ] && echo "$1" >"$devs/$1/driver/unbind"
	echo >"$devs/$1/driver_override" 2>/dev/null
	[ "$want" = - ] || echo "$1" >/sys/bus/pci/drivers_probe 2>/dev/null
}

# The kernel log since the mark, reports only; a lost mark is a report.
log_mark() { kmsg_mark stress >"$tmp/mark"; }
log_reports() {
	local log
	log=$(kmsg_since "$(cat "$tmp/mark")") ||
		{ echo "the kernel log lost the mark \"$(cat "$tmp/mark")\""; return 0; }
	grep -E "$report_re" <<<"$log"
}

# Run the CLI; record a death by signal (exit >= 128) in $tmp/crash.
cli() {
	local rc
	"$pp" "$@" >/dev/null 2>>"$tmp/cli.err"
	rc=$?
	[ $rc -lt 128 ] || echo "pcipass $* exited $rc" >>"$tmp/crash"
	return $rc
}

topo=${LAB_TOPOLOGY:-}
pf=
if [ "$topo" = sriov ]; then
	for d in "$devs"/*; do
		[ -e "$d/sriov_totalvfs" ] && pf=${d##*/} && break
	done
fi
case $topo in
seed-server)
	claim_targets="0000:01:00.0 0000:02:00.0"
	hot=0000:02:00.0
	mod_target=0000:01:00.0
	;;
sriov)
	claim_targets="0000:01:00.1 0000:01:00.2 0000:01:00.3 0000:01:00.4"
	hot=$pf
	mod_target=0000:01:00.1
	;;
*)
	echo "1..0 # SKIP needs the seed-server or sriov topology"
	exit 4
	;;
esac
[ -n "$hot" ] || { echo "Bail out! no SR-IOV PF"; exit 1; }
# 16 results, and one for the sriov_numvfs writes where there is a PF.
echo "1..$([ -n "$pf" ] && echo 17 || echo 16)"

loaded || insmod "$ko"
old_policy=$(cat "$param")
[ -z "$pf" ] || {
	numvfs0=$(cat "$devs/$pf/sriov_numvfs")
	autoprobe0=$(cat "$devs/$pf/sriov_drivers_autoprobe")
}
driver_map >"$tmp/map.start"
note "$(wc -l <"$tmp/map.start") functions; claims name $claim_targets; hotplug $hot"
# Its own scan at the end, unless the kernel-log suite scans (below): then
# clearing here would hide what an automatic scan found in earlier suites.
if [ -z "${PCIPASS_KLOG:-}" ] && [ -w "$kmemleak" ]; then
	echo clear >"$kmemleak"
fi
log_mark
: >"$tmp/crash"
: >"$tmp/cli.err"

# --- 1: concurrent workers ---------------------------------------------
# Each worker writes "operations failed" to its count file.
w_dumps() {	# BATCHES: each batch is 25 dumps of functions and groups
	local i bad=0 done=0
	for i in $(seq "$1"); do
		if "$nl" --dump 25 2>>"$tmp/dump.err"; then
			done=$((done + 25))
		else
			bad=$((bad + 1))
		fi
	done
	echo "$done $bad" >"$tmp/count.dumps"
}

# Claims may fail while remove/rescan takes their function away; each
# target must still have been claimed (on vfio-pci right after) and
# released at least once: $tmp/claimed.TARGET counts those.
w_claims() {
	local i t rc bad=0 done=0
	for i in $(seq "$1"); do
		for t in $claim_targets; do
			cli claim "$t"
			rc=$?
			[ $rc != 0 ] || [ "$(drv "$t")" != vfio-pci ] ||
				echo >>"$tmp/claimed.$t"
			cli release "$t" || rc=$((rc > $? ? rc : $?))
			[ $rc -lt 128 ] || bad=$((bad + 1))
			done=$((done + 2))
		done
	done
	echo "$done $bad" >"$tmp/count.claims"
}

w_hotplug() {
	local i done=0
	for i in $(seq "$1"); do
		[ -e "$devs/$hot/remove" ] && echo 1 >"$devs/$hot/remove"
		sleep 0.2
		echo 1 >/sys/bus/pci/rescan
		done=$((done + 2))
		sleep 0.3
	done
	echo "$done 0" >"$tmp/count.hotplug"
}

# sriov: one worker removes and rescans the PF and writes sriov_numvfs,
# in turn. Not concurrently: Debian's 6.12 kernel deadlocks on its own
# when a PF's sysfs "remove" (rescan/remove lock, then the PF's
# device_lock) meets a "sriov_numvfs" write (device_lock, then the
# rescan/remove lock), with or without pcipass.
w_pf() {
	local i k done=0 bad=0 f=$devs/$pf/sriov_numvfs
	for i in $(seq "$1"); do
		# nvme leaves SR-IOV on when its PF goes: the VFs would stay
		# behind and collide with the next ones ("sysfs: cannot create
		# duplicate filename"). A kernel limitation; turn VFs off first.
		echo 0 >"$f" 2>/dev/null
		[ -e "$devs/$pf/remove" ] && echo 1 >"$devs/$pf/remove"
		echo 1 >/sys/bus/pci/rescan
		done=$((done + 2))
		# sriov_numvfs needs the PF's driver, which probes after the rescan.
		for _ in $(seq 100); do
			[ -e "$devs/$pf/driver" ] && break
			sleep 0.1
		done
		# A new PF comes with autoprobe on; keep nvme off the VFs.
		echo 0 >"$devs/$pf/sriov_drivers_autoprobe"
		for k in 0 $((4 + i % 3 * 6)) 0 $((4 + i % 2 * 12)); do
			echo "$k" >"$f" 2>/dev/null || bad=$((bad + 1))
			done=$((done + 1))
		done
	done
	echo "$done $bad" >"$tmp/count.pf"
}

t0=$(date +%s)
# Shares of $ops: 1/12 claim+release through the CLI, 1/24 remove and
# rescan (on sriov with sriov_numvfs writes), the rest dumps in batches
# of 25 (the cheap operation: this keeps the phase near a minute in TCG).
nclaim=$((ops / 12 / 2 / $(echo "$claim_targets" | wc -w)))
nhot=$((ops / 48))
ndump=$(((ops - ops / 12 - ops / 24 + 24) / 25))
[ -z "$pf" ] || nhot=$((ops / 144))
w_dumps "$ndump" &
w_claims "$nclaim" &
if [ -n "$pf" ]; then
	w_pf "$nhot" &
else
	w_hotplug "$nhot" &
fi
wait
t1=$(date +%s)
total=0
for f in "$tmp"/count.*; do
	read -r d b <"$f"
	note "${f##*count.}: $d operations, $b failed"
	total=$((total + d))
done
note "concurrent phase: $total operations in $((t1 - t0)) s"
read -r _ dump_bad <"$tmp/count.dumps"
# The shares round down: at least 9 in 10 of $ops must have run.
[ "$total" -ge $((ops * 9 / 10)) ]
ok $? "concurrent dumps, claims, releases, remove/rescan${pf:+, sriov_numvfs}: $total operations (>= $((ops * 9 / 10)))"
[ "$dump_bad" = 0 ]
ok_why $? "every dump under churn was consistent ($dump_bad failed)" \
	'sort "$tmp/dump.err" | uniq -c | sort -rn | head -n 5'
[ ! -s "$tmp/crash" ]
ok_why $? "the CLI never died of a signal" 'head -n 5 "$tmp/crash"'
# A claim may fail while its function is being removed; some must work.
claimed=0
for t in $claim_targets; do
	c=$(cat "$tmp/claimed.$t" 2>/dev/null | wc -l)
	note "$t: claimed onto vfio-pci $c of $nclaim times under churn"
	claimed=$((claimed + c))
done
[ "$claimed" -gt 0 ]
ok_why $? "under churn claims still moved functions onto vfio-pci ($claimed)" \
	'sort "$tmp/cli.err" | uniq -c | sort -rn | head -n 5'
if [ -n "$pf" ]; then
	read -r _ pf_bad <"$tmp/count.pf"
	[ "$pf_bad" = 0 ]
	ok $? "every sriov_numvfs write under churn succeeded ($pf_bad failed)"
fi

# Put things back: rescan, VFs as they were, runtime claims released.
echo 1 >/sys/bus/pci/rescan
if [ -n "$pf" ]; then
	# sriov_numvfs needs the PF's driver, which probes after the rescan.
	for _ in $(seq 100); do
		[ "$(drv "$pf")" != - ] && break
		sleep 0.2
	done
	echo 0 >"$devs/$pf/sriov_numvfs" 2>/dev/null
	echo "$autoprobe0" >"$devs/$pf/sriov_drivers_autoprobe"
	echo "$numvfs0" >"$devs/$pf/sriov_numvfs"
fi
while read -r b _; do restore "$b" "$tmp/map.start"; done <"$tmp/map.start"
diffs=$(settle "$tmp/map.start")
ok $? "after the concurrent phase every function is on its driver" "$diffs"
# And the claim path still works: every target claimed and released.
bad=
for t in $claim_targets; do
	"$pp" claim "$t" >"$tmp/out" 2>&1 && [ "$(drv "$t")" = vfio-pci ] &&
		"$pp" release "$t" >>"$tmp/out" 2>&1 && [ "$(drv "$t")" != vfio-pci ] ||
		bad+="$t: $(drv "$t"): $(tail -n 2 "$tmp/out") "
done
[ -z "$bad" ]
ok $? "after the churn each target is claimed onto vfio-pci and released" "$bad"
reports=$(log_reports)
[ -z "$reports" ]
ok $? "no kernel report during the concurrent phase" "$reports"

# --- 2: insmod/rmmod with claims in place --------------------------------
# Every cycle loads with claim=TARGET and checks it is on vfio-pci; rmmod
# leaves it there (see README), so every 25th cycle first hands it back
# to its native driver and the load has to move it.
log_mark
# A dump in flight holds a module reference, so rmmod may say "in use":
# try for up to 10 s.
unload() {
	for _ in $(seq 100); do
		rmmod pcipass 2>"$tmp/rmmod.err" && return 0
		sleep 0.1
	done
	return 1
}
bg_dumps() {
	while [ ! -e "$tmp/stop" ]; do
		"$nl" --dump >/dev/null 2>&1 || sleep 0.1
	done
}
rm -f "$tmp/stop"
bg_dumps &
bgpid=$!
t0=$(date +%s)
bad=0 badmsg='' loads=0
for i in $(seq "$modcycles"); do
	[ $((i % 25)) != 1 ] || restore "$mod_target" "$tmp/map.start"
	loaded && unload
	if ! insmod "$ko" "claim=$mod_target" 2>"$tmp/insmod.err"; then
		bad=$((bad + 1))
		badmsg="cycle $i: insmod: $(cat "$tmp/insmod.err")"
		continue
	fi
	loads=$((loads + 1))
	for _ in $(seq 50); do
		[ "$(drv "$mod_target")" = vfio-pci ] && break
		sleep 0.1
	done
	if [ "$(drv "$mod_target")" != vfio-pci ]; then
		bad=$((bad + 1))
		badmsg="cycle $i: $mod_target on $(drv "$mod_target")"
	fi
	unload || { bad=$((bad + 1)); badmsg="cycle $i: rmmod: $(cat "$tmp/rmmod.err")"; }
done
touch "$tmp/stop"
wait "$bgpid"
t1=$(date +%s)
note "$modcycles load/unload cycles in $((t1 - t0)) s"
[ "$bad" = 0 ] && [ "$loads" = "$modcycles" ]
ok $? "$modcycles insmod claim=$mod_target / rmmod cycles, claimed each time" "$badmsg"
insmod "$ko"
ok $? "insmod after the cycles"
restore "$mod_target" "$tmp/map.start"
diffs=$(settle "$tmp/map.start")
ok $? "after the load cycles every function is on its driver" "$diffs"
reports=$(log_reports)
[ -z "$reports" ]
ok $? "no kernel report during the load cycles" "$reports"

# --- 3: surprise removal (QMP device_del during claims) -----------------
log_mark
if [ "$topo" != seed-server ] || [ -z "${LAB_OUT:-}" ]; then
	skip "surprise removal during claims" "needs the seed-server lab (rp7)"
	skip "state after surprise removal" "needs the seed-server lab (rp7)"
else
	bad=0 badmsg=''
	for round in 1 2 3; do
		# Round 2 has the policy take it at probe time as well.
		[ $round = 2 ] && echo 1af4:1041 >"$param"
		if ! qmp_add "stress$round"; then
			bad=$((bad + 1))
			badmsg="round $round: device_add: $(cat "$tmp/qmp")"
			continue
		fi
		b=$(hot_bdf)
		rm -f "$tmp/stop"
		(
			while [ ! -e "$tmp/stop" ]; do
				cli claim "$b"
				cli release "$b"
			done
		) &
		loop=$!
		sleep $((round - 1))
		qmp_del "stress$round" ||
			{ bad=$((bad + 1)); badmsg="round $round: $b still there"; }
		touch "$tmp/stop"
		wait "$loop"
		[ $round = 2 ] && echo "$old_policy" >"$param"
		if "$pp" dev show "$b" >/dev/null 2>&1; then
			bad=$((bad + 1))
			badmsg="round $round: pcipass still shows $b"
		fi
	done
	[ "$bad" = 0 ] && [ ! -s "$tmp/crash" ] && "$nl" --dump
	ok_why $? "3 rounds of QMP device_del while claim/release of the function run" \
		'echo "$badmsg"' 'head -n 5 "$tmp/crash"'
	diffs=$(settle "$tmp/map.start")
	ok $? "after surprise removal every function is on its driver" "$diffs"
fi
reports=$(log_reports)
[ -z "$reports" ]
ok $? "no kernel report during surprise removal" "$reports"

# --- 4: kmemleak -----------------------------------------------------------
# Under tests/guest/suite.sh (PCIPASS_KLOG set) the kernel-log suite scans
# after every suite: two scans of two more minutes here would add nothing.
if [ -n "${PCIPASS_KLOG:-}" ]; then
	skip "kmemleak scan" "the kernel-log suite scans after every suite"
elif [ -w "$kmemleak" ]; then
	# Objects must be unreferenced across two scans to be reported.
	echo scan >"$kmemleak"
	sleep 6
	echo scan >"$kmemleak"
	cat "$kmemleak" >"$tmp/leaks"
	[ ! -s "$tmp/leaks" ]
	ok_why $? "kmemleak: no leak suspected after the stress" \
		'echo "$(grep -c unreferenced "$tmp/leaks") suspects"' \
		'head -n 40 "$tmp/leaks"'
else
	skip "kmemleak scan" "no $kmemleak in this kernel"
fi
echo "$old_policy" >"$param"
diffs=$(settle "$tmp/map.start")
ok $? "at the end every function is on the driver it started on" "$diffs"
exit $((failed > 0))
