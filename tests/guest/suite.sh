#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of "make check": runs inside a lab guest (tests/lab/run) as
# root:
#
#   tests/lab/run -k KVER -t TOPOLOGY -- tests/guest/suite.sh
#
# Binds the native drivers as a booted host would (no udev runs in the
# guest), loads the module built for the running kernel, creates the VFs on
# the sriov topology (after the module, so it sees them arrive), then runs
# every suite, each writing its TAP to $LAB_OUT/<suite>.tap and its exit
# status to $LAB_OUT/<suite>.rc for tests/tap-summary.sh on the host.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${LAB_OUT:?run me through tests/lab/run}
ko=$top/build/modules/$(uname -r)/pcipass.ko
build=${BUILD:-$top/build}

# A guest that shares its suites with another, side by side
# (tests/run-all.sh splits them): PCIPASS_SUITES_HERE names the suites
# this guest runs, PCIPASS_SUITES_ELSEWHERE those it leaves to the other
# (space-separated). A suite run elsewhere writes nothing here;
# kernel-log runs in every guest. A name that is no suite this guest
# reaches fails the guest (split.tap): that suite would run nowhere.
reached=" "
here() {
	reached+="$1 "
	[ "$1" != kernel-log ] || return 0
	[ -z "${PCIPASS_SUITES_HERE:-}" ] ||
		[[ " $PCIPASS_SUITES_HERE " == *" $1 "* ]] || return 1
	[[ " ${PCIPASS_SUITES_ELSEWHERE:-} " != *" $1 "* ]]
}

# PCIPASS_SUITES: run only the suites it names (space-separated), for a
# focused guest; each of the others is reported as a skipped suite.
selected() {
	here "$1" || return 1
	[ -z "${PCIPASS_SUITES:-}" ] || [[ " $PCIPASS_SUITES " == *" $1 "* ]] &&
		return 0
	printf 'TAP version 13\n1..0 # SKIP not in PCIPASS_SUITES="%s"\n' \
		"$PCIPASS_SUITES" >"$out/$1.tap"
	return 1
}

# suite NAME COMMAND...: run one TAP-speaking suite, for at most
# $suite_timeout seconds, else $suite_limit (below).
suite() {
	local name=$1
	shift
	local t0=$SECONDS
	selected "$name" || return 0
	echo "=== $name"
	timeout "${suite_timeout:-$suite_limit}" "$@" >"$out/$name.tap" 2>"$out/$name.err"
	echo $? >"$out/$name.rc"
	cat "$out/$name.tap"
	sed 's/^/# stderr: /' "$out/$name.err"
	echo $((SECONDS - t0)) >"$out/$name.time"
	echo "=== $name: $((SECONDS - t0)) s"
}

# On the CI debug kernel (the one with a KUnit module) the suites that
# test the CLI, the library and the hand-off to libvirt and nova, not the
# module, are skipped: the stock kernels run them, and under KASAN they
# cost minutes of a CI run's time without reaching new kernel code.
# On sriov there it makes 16 VFs, not sriov_totalvfs (127): under KASAN
# each VF costs seconds to create and to probe, and 16 still cover every
# claim, churn and sriov_numvfs path.
debug=
if [ -f "$(dirname "$ko")/pcipass_kunit.ko" ]; then
	debug=1
	export PCIPASS_SRIOV_VFS=${PCIPASS_SRIOV_VFS:-16}
	export PCIPASS_CLAIM_VFS=${PCIPASS_CLAIM_VFS:-$PCIPASS_SRIOV_VFS}
	# claim.sh leaves out there the checks of rules and records that
	# cost driver rebinds and reach no new module code (CAP_SYS_ADMIN
	# as a non-root uid, external mates): a few minutes under KASAN.
	export PCIPASS_DEBUG_KERNEL=1
	# The programs without sanitizers ("make check-build-plain"): this
	# guest tests the kernel, and here an ASan program takes 10-15 s a
	# run against 1-3 s (measured on 6.12.118 with KASAN and lockdep).
	# The stock kernels' guests run the ASan build.
	if [ -x "$top/build/plain/bin/pcipass" ]; then
		build=$top/build/plain
	else
		echo "# no $top/build/plain (make check-build-plain): the ASan build runs here"
	fi
fi
export BUILD=$build

# claim.sh's SR-IOV part makes its VFs twice and claims them all in one
# request: on the newest pinned kernel all of them (127), on an older one
# 32, the same paths with a quarter of the VFs to create and probe (two
# minutes of the 6.1 guest's time under TCG).
newest_kver=$(grep -v '^#' "$top/tests/lab/kernels" | tail -n 1)
if [ -z "$debug" ] && [ "$(uname -r)" != "$newest_kver" ]; then
	export PCIPASS_CLAIM_VFS=${PCIPASS_CLAIM_VFS:-32}
fi

# How often each path repeats. Every path runs on every kernel; what
# differs is the count. The stock kernels exercise each a few times. The
# debug kernel, where KASAN, lockdep and kmemleak turn repetition into
# findings, runs more of what is cheap there (concurrent operations,
# fuzzed messages); a hotplug or load cycle costs it 7-10 s, so it runs
# as few of those as the stock kernels. PCIPASS_SOAK=1 ("make soak", on
# the debug kernel) runs the full soak. A PCIPASS_* variable set by the
# caller wins.
#                    claim.sh   stress.sh         fuzz      modload
#                    hotplug    ops   load        messages  cycles
if [ -n "${PCIPASS_SOAK:-}" ]; then
	counts=(100       1200  100         12000     20)
elif [ -n "$debug" ]; then
	counts=(3         120   3           2000      3)
else
	counts=(3         100   3           1000      3)
fi
export PCIPASS_CLAIM_CYCLES=${PCIPASS_CLAIM_CYCLES:-${counts[0]}}
export PCIPASS_STRESS_OPS=${PCIPASS_STRESS_OPS:-${counts[1]}}
export PCIPASS_STRESS_MODCYCLES=${PCIPASS_STRESS_MODCYCLES:-${counts[2]}}
export PCIPASS_FUZZ_MESSAGES=${PCIPASS_FUZZ_MESSAGES:-${counts[3]}}
export PCIPASS_MODLOAD_CYCLES=${PCIPASS_MODLOAD_CYCLES:-${counts[4]}}
# Each suite's time limit: 900 s; 3600 s with the soak's counts.
suite_limit=900
[ -z "${PCIPASS_SOAK:-}" ] || suite_limit=3600
echo "# repetitions${PCIPASS_SOAK:+ (soak)}: $PCIPASS_CLAIM_CYCLES hotplug," \
	"$PCIPASS_STRESS_OPS concurrent ops, $PCIPASS_STRESS_MODCYCLES load cycles," \
	"$PCIPASS_FUZZ_MESSAGES fuzzed messages, $PCIPASS_MODLOAD_CYCLES modload cycles"

# unless REASON NAME COMMAND...: suite NAME COMMAND..., or, when REASON is
# not empty, one skip that gives it.
unless() {
	local why=$1
	shift
	selected "$1" || return 0
	if [ -n "$why" ]; then
		printf 'TAP version 13\n1..1\nok 1 - %s # SKIP %s\n' "$1" "$why" \
			>"$out/$1.tap"
		echo 0 >"$out/$1.rc"
		return
	fi
	suite "$@"
}

stock_only() {	# NAME COMMAND...
	unless "${debug:+no module code; runs on the stock kernels}" "$@"
}

# Suites of module paths that another suite of this guest drives under
# KASAN, lockdep and kmemleak too, and that need no debug kernel to fail:
# on the debug kernel they cost 7 of its 30 minutes (refcount 269 s,
# hotplug-qmp 139 s in CI), so in make check they are left to the stock
# kernels; make soak, which has no budget, runs them there too. refcount
# counts frees with a kprobe (stress.sh removes and rescans claimed
# functions under churn); hotplug-qmp hot-adds under claim= (stress.sh's
# QMP device_del rounds take the same probe-time path).
stock_kernels() {	# NAME COMMAND...
	local why=
	[ -z "$debug" ] || [ -n "${PCIPASS_SOAK:-}" ] ||
		why="stock kernels only: stress.sh drives these paths here"
	unless "$why" "$@"
}

# Userspace over a snapshot that pcipass-nl and sysfs-equiv check on
# every kernel runs on the newest pinned kernel (tests/lab/kernels) only:
# the hand-off to libvirt, nova and KubeVirt (100 s a guest) and persist's
# files in a scratch root (60 s; the golden suite runs its hostile cases
# on the host).
newest_only() {	# NAME COMMAND...
	local why="runs on the newest pinned kernel ($newest_kver) only"
	[ "$(uname -r)" != "$newest_kver" ] || why=
	unless "$why" "$@"
}

# The kernel log, streamed from here on to $LAB_OUT/kernel.log: the final
# kernel-log suite reads this stream, so no suite's report is lost to a
# wrapped or cleared buffer. dmesg -w prints the buffer since boot first.
export PCIPASS_KLOG=$out/kernel.log
stdbuf -oL dmesg -w >"$PCIPASS_KLOG" 2>&1 &
klog_pid=$!
trap 'kill $klog_pid 2>/dev/null' EXIT

# Leaks from before the tests (boot) are not ours.
"$top/tests/guest/kernel-log.sh" begin

for mod in nvme e1000 e1000e snd_hda_intel xhci_pci; do
	modprobe -q "$mod" || true
done

# The KUnit suites, where there is a KUnit module (the CI kernel), before
# pcipass.ko changes anything.
if [ -f "$(dirname "$ko")/pcipass_kunit.ko" ]; then
	suite "kunit" "$top/tests/kunit/run.sh" "$(dirname "$ko")/pcipass_kunit.ko"
fi

# Before the module: claim and release through the sysfs fallback.
if [ "${LAB_TOPOLOGY:-}" = seed-server ]; then
	stock_only "runtime-claim" "$top/tests/guest/runtime_claim.sh" "$build/bin/pcipass"
fi

if ! insmod "$ko"; then
	printf 'TAP version 13\n1..1\nnot ok 1 insmod %s\n' "$ko" >"$out/insmod.tap"
	echo 1 >"$out/insmod.rc"
	exit 1
fi

case ${LAB_TOPOLOGY:-} in
sriov)
	# Without the VFs every suite below would test a smaller topology
	# than it says: a failure of its own, and the rest still run.
	{
		echo "TAP version 13"
		echo "1..1"
		if "$top/tests/lab/guest-sriov-up.sh" ${PCIPASS_SRIOV_VFS:-} \
			>"$out/sriov-setup.err" 2>&1; then
			echo "ok 1 sriov set-up: ${PCIPASS_SRIOV_VFS:-all} VFs created"
		else
			echo "not ok 1 sriov set-up: ${PCIPASS_SRIOV_VFS:-all} VFs created"
			sed 's/^/# /' "$out/sriov-setup.err"
		fi
	} >"$out/sriov-setup.tap"
	cat "$out/sriov-setup.tap"
	;;
esac

stock_only "cli-topology" "$top/tests/guest/cli_topology.py"
stock_only "sysfs-equiv" "$top/tests/guest/sysfs_equiv.py" "$build/bin/pcipass" \
	"$build/tests/golden/lib-dump"
stock_only "example" "$top/tests/unit/test-example.sh"
suite "pcipass-nl" "$build/selftests/pcipass_nl"
suite "vfio-user" "$top/tests/selftests/vfio_user.py"
stock_only "why-check" "$top/tests/selftests/why_check.py" "$build/bin/pcipass"
suite "claim" "$top/tests/selftests/claim.sh" "$ko"
if [ "${LAB_TOPOLOGY:-}" = seed-server ]; then
	if [ -n "$debug" ]; then
		stock_only "persist" "$top/tests/selftests/persist.sh"
	else
		newest_only "persist" "$top/tests/selftests/persist.sh"
	fi
fi
# Every pci_dev reference pcipass takes is dropped: counted frees on remove.
[ "${LAB_TOPOLOGY:-}" != seed-server ] ||
	stock_kernels "refcount" "$top/tests/selftests/refcount.sh" "$ko"
stock_kernels "hotplug-qmp" "$top/tests/selftests/hotplug_qmp.sh" "$build/bin/pcipass"
newest_only "handoff" "$top/tests/selftests/handoff.py" "$build/bin/pcipass"
# Fuzzing: claims may only name a free NVMe (seed-server) or a VF
# without a driver (sriov); everything ends on the driver it started on.
case ${LAB_TOPOLOGY:-} in
seed-server) fuzz_target=0000:01:00.0 ;;
sriov) fuzz_target=0000:01:00.1,0000:01:00.2 ;;
*) fuzz_target= ;;
esac
suite "fuzz" "$build/selftests/pcipass_fuzz" -n "$PCIPASS_FUZZ_MESSAGES" \
	-t "$fuzz_target"
# Concurrent churn, load/unload cycles with claims, QMP surprise removal,
# kmemleak; every function back on its driver. The soak's counts take 14-17
# min under KASAN and lockdep on two TCG cores, so 30 there (60 for the
# soak's counts, as every suite).
stress_timeout=900
[ -z "$debug" ] || stress_timeout=1800
[ -z "${PCIPASS_SOAK:-}" ] || stress_timeout=$suite_limit
suite_timeout=$stress_timeout \
	suite "stress" "$top/tests/selftests/stress.sh" "$ko"
# Last: it unloads and reloads the module $PCIPASS_MODLOAD_CYCLES times.
suite "modload" "$top/tests/selftests/modload.sh" "$ko"

unknown=
for name in ${PCIPASS_SUITES_HERE:-} ${PCIPASS_SUITES_ELSEWHERE:-}; do
	[[ $reached == *" $name "* ]] || unknown+=" $name"
done
if [ -n "$unknown" ]; then
	printf 'TAP version 13\n1..1\nnot ok 1 split: no suite of this guest is named%s (its suites:%s)\n' \
		"$unknown" "${reached% }" >"$out/split.tap"
	echo 1 >"$out/split.rc"
fi

# KASAN, lockdep, WARN, BUG, atomic sleep, kmemleak (after a scan).
suite "kernel-log" "$top/tests/guest/kernel-log.sh" check
dmesg >"$out/dmesg-suite"
exit 0
