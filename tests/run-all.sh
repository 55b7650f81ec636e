#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the tests and print where the time went, then one summary line
# "N passed, N failed, N skipped". "make check" builds everything first,
# then calls this.
#
# usage: tests/run-all.sh [check|quick|soak]
#   check  (default) everything:
#          host: generated code is current, checkpatch, warning-free W=1
#          module builds for every lab kernel, userspace unit tests, CLI
#          without a module, DKMS, initramfs images, the lab's retry;
#          guests: every pinned stock kernel boots the seed-server and sriov
#          topologies, the CI debug kernel seed-server (and sriov with 16
#          VFs, on request), each running tests/guest/suite.sh; a group of
#          209 functions on each; preflight boots without an IOMMU; a boot
#          with the persisted policy
#   quick  the host suites but packaging (DKMS, initramfs) and the lab's
#          retry, and the newest stock kernel's seed-server suites, split
#          between two guests side by side: the tier to run while working
#   soak   the CI debug kernel's guests only, with the full soak counts
#          (PCIPASS_SOAK=1, tests/guest/suite.sh): before a release
# PCIPASS_PLAN_ONLY=1: print "lab-jobs N", "suite NAME" and "guest NAME"
# for what the mode would run, and run nothing
# (tests/unit/test-run-all-plan.sh).
set -uo pipefail

mode=${1:-check}
case $mode in
check | quick | soak) ;;
*) echo "usage: $0 [check|quick|soak]" >&2; exit 2 ;;
esac
# Which guests run depends on it to the end: nothing may reuse the name.
readonly mode

# Guests share the host's cores by their vCPUs: a guest starts once the
# running guests' vCPUs and its own fit in $(nproc), at most $lab_jobs at a
# time (by default one per core, and per 3 GiB of memory). The stock
# kernels' guests have one vCPU each, so two run side by side on two cores;
# the CI debug kernel's races guest has two, for the races stress.sh and
# modload.sh drive under KASAN and lockdep, and runs alone. Measured on two cores:
# two one-vCPU guests side by side each ran their suites as fast as one
# two-vCPU guest alone, or faster (TCG's multi-threaded mode pays for
# cross-vCPU TLB flushes and IPIs), while two two-vCPU guests side by
# side were slower than one after the other (a 6.1 guest's claim suite
# took 353 s beside the debug guest, 70-120 s alone): a vCPU whose host
# thread waits spins its sibling's IPIs and locks. PCIPASS_LAB_JOBS=1 runs
# them one by one, their output streamed as it comes; otherwise each
# guest's output is printed whole at its end.
lab_cpus=$(nproc)
lab_jobs=${PCIPASS_LAB_JOBS:-}
if [ -z "$lab_jobs" ]; then
	lab_jobs=$lab_cpus
	mem_jobs=$(($(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo) / (3 * 1024 * 1024)))
	[ "$mem_jobs" -ge "$lab_jobs" ] || lab_jobs=$mem_jobs
	[ "$lab_jobs" -ge 1 ] || lab_jobs=1
fi
if ! [[ $lab_jobs =~ ^[1-9][0-9]*$ ]]; then
	echo "$0: PCIPASS_LAB_JOBS='$lab_jobs' is not a positive number" >&2
	exit 2
fi

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
build=${BUILD:-build}
kvers=${KVERS:-$(grep -v '^#' "$top/tests/lab/kernels" | xargs)}
topologies=${TOPOLOGIES:-seed-server sriov}
# The CI debug kernel (tests/lab/ci-kernel.sh) and the topologies its guest
# suite runs on; "make check-stock" sets CI_TOPOLOGIES empty. sriov there
# (CI_TOPOLOGIES="seed-server sriov") adds 12-15 min: with it a whole run
# took about 80 min on two cores, too close to a 90-min CI limit.
ci_topologies=${CI_TOPOLOGIES-seed-server}
ci_kver=$(tests/lab/ci-kernel.sh release 2>/dev/null) || ci_kver=
plan_only=${PCIPASS_PLAN_ONLY:-}
if [ -n "$plan_only" ]; then
	echo "lab-jobs $lab_jobs"
	res=$(mktemp -d)
	trap 'rm -rf "$res"' EXIT
else
	res=$build/test-results
	rm -rf "$res"
	mkdir -p "$res"
fi
newest_kver=${kvers##* }
case $mode in
quick)
	kvers=$newest_kver ci_topologies=
	# A third of the fuzzing: quick is for iterating.
	export PCIPASS_FUZZ_SECONDS=${PCIPASS_FUZZ_SECONDS:-10} ;;
soak)
	export PCIPASS_SOAK=1
	ci_topologies=${CI_TOPOLOGIES-seed-server} ;;
esac
t_start=$SECONDS

# timed NAME COMMAND...: run COMMAND, adding "SECONDS NAME" to $res/times.
timed() {
	local name=$1 t0=$SECONDS rc=0
	shift
	"$@" || rc=$?
	printf '%d %s\n' $((SECONDS - t0)) "$name" >>"$res/times"
	return $rc
}

# suite NAME COMMAND...: run one TAP-speaking suite on the host.
suite() {
	local name=$1
	shift
	[ "$mode" != soak ] || return 0
	[ -z "$plan_only" ] || { echo "suite $name"; return 0; }
	echo "=== $name"
	timed "$name" "$@" >"$res/$name.tap" 2>"$res/$name.err"
	echo $? >"$res/$name.rc"
	cat "$res/$name.tap"
	sed 's/^/# stderr: /' "$res/$name.err"
}

# Sanitizer findings fail a suite (userspace is built with SANITIZE=1).
export ASAN_OPTIONS=detect_leaks=1:exitcode=86
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=87

suite fresh-machine tests/fresh-machine.sh
suite host-checks env KVERS="$kvers${ci_kver:+ $ci_kver}" tests/host-checks.sh
# Packaging and the lab's own retry are check's: 2 of quick's 14 minutes.
[ "$mode" = quick ] || suite dkms tests/dkms.sh
suite docs tests/docs.sh
suite unit-filter "$build/tests/unit/test-filter"
suite unit-policy "$build/tests/unit/test-policy"
suite unit-lib "$build/tests/unit/test-lib"
suite unit-why "$build/tests/unit/test-why"
suite unit-cli tests/unit/test-cli.sh "$build/bin/pcipass"
suite unit-symbols tests/unit/test-symbols.sh "$build/lib/libpcipass.so.1" \
	lib/libpcipass.sym "$build/plain/lib/libpcipass.so.1" \
	"$build/plain/bin/pcipass"
suite unit-tap-summary tests/unit/test-tap-summary.sh
suite unit-run-all-plan tests/unit/test-run-all-plan.sh
suite golden tests/golden/run.sh "$build/bin/pcipass" \
	"$build/tests/golden/lib-dump"
suite example tests/unit/test-example.sh
# libFuzzer on the ROM parser and the sysfs reader, PCIPASS_FUZZ_SECONDS
# (default 30) each.
suite fuzz tests/fuzz/run.sh "$build/tests/fuzz"
# Initramfs images with pcipass's hooks, for the newest lab kernel; the
# persist-boot guest below boots the initramfs-tools one.
boot_kver=${kvers##* }
[ "$mode" = quick ] ||
	suite initramfs tests/initramfs.sh "$res/initramfs" "$boot_kver"
[ "$mode" = quick ] || suite lab-retry tests/lab-retry.sh "$boot_kver"

# boot1_results NAME DIR: a guest tests/lab/run booted twice. It retries
# only for a cause outside pcipass that it names in DIR/boot-retry (the
# kernel panicked before the job began, without pcipass; QEMU died of a
# signal): that is one skip, with the cause. Boot 1's failed results
# count as failures; its passes do not count, the second boot's do.
boot1_results() {
	local name=$1 dir=$2 f
	{
		echo "TAP version 13"
		printf 'ok 1 - %s: boot 1 # SKIP %s\n' "$name" \
			"$(head -n 1 "$dir/boot-retry")"
		for f in "$dir"/boot1/*.tap; do
			[ -f "$f" ] || continue
			grep '^not ok ' "$f" | sed "s|^not ok [0-9]*|not ok - boot 1 $(basename "$f" .tap):|"
		done | awk '{ sub(/^not ok -/, "not ok " NR + 1 " -"); print }'
		echo "1..$((1 + $(cat "$dir"/boot1/*.tap 2>/dev/null | grep -c '^not ok ')))"
	} >"$dir/boot1-results.tap"
	cat "$dir/boot1-results.tap"
}

# lab_one NAME DIR RUN-ARGS...: one guest, its TAP files in DIR; a guest
# that did not finish counts as a failure. A guest the lab booted twice
# because the kernel panicked before the job or QEMU crashed
# (tests/lab/run) is listed at the end.
lab_one() {
	local name=$1 dir=$2 rc
	shift 2
	timed "lab $name" tests/lab/run -o "$dir" "$@"
	rc=$?
	if [ $rc -ne 0 ]; then
		printf 'TAP version 13\n1..1\nnot ok 1 lab run %s (exit %d)\n' \
			"$name" $rc >"$dir/lab.tap"
	fi
	if [ -f "$dir/boot-retry" ]; then
		sed "s|^|  $name: |" "$dir/boot-retry" >>"$res/boot-retries"
		boot1_results "$name" "$dir"
	fi
	return $rc
}

# lab NAME VCPUS RUN-ARGS...: start one guest of VCPUS vCPUs once fewer
# than $lab_jobs run and its vCPUs fit beside theirs (see lab_jobs above).
# One vCPU boots with preempt=full: the concurrent suites' tasks then
# interleave wherever the kernel can preempt, as they would on two CPUs.
declare -A lab_running=()	# pid -> vCPUs
lab() {
	local name=$1 vcpus=$2 dir=$res/$1 used pid
	shift 2
	[ "$vcpus" -le "$lab_cpus" ] || vcpus=$lab_cpus
	local args=(-c "$vcpus")
	[ "$vcpus" -gt 1 ] || args+=(-a preempt=full)
	[ -z "$plan_only" ] || { echo "guest $name"; echo "guest-vcpus $name $vcpus"; return 0; }
	mkdir -p "$dir"
	if [ "$lab_jobs" -eq 1 ]; then
		echo "=== lab $name"
		lab_one "$name" "$dir" "${args[@]}" "$@"
		return
	fi
	while :; do
		used=0
		for pid in "${!lab_running[@]}"; do
			used=$((used + lab_running[$pid]))
		done
		[ ${#lab_running[@]} -ge "$lab_jobs" ] ||
			[ $((used + vcpus)) -gt "$lab_cpus" ] || break
		pid=
		wait -n -p pid "${!lab_running[@]}"
		[ -z "$pid" ] || unset "lab_running[$pid]"
	done
	echo "=== lab $name: started at $(date +%T), $vcpus vCPU"
	{
		local t0=$SECONDS rc=0
		lab_one "$name" "$dir" "${args[@]}" "$@" >"$dir/lab.log" 2>&1 || rc=$?
		# One guest's log at a time, whole.
		flock "$res/.print" sh -c 'echo "=== lab $1: exit $2 after $3 s"; cat "$4"' \
			sh "$name" "$rc" $((SECONDS - t0)) "$dir/lab.log"
	} &
	lab_running[$!]=$vcpus
}

# How a guest's suites (tests/guest/suite.sh) split between two guests
# side by side, each suite in one of them:
# - race_suites need two CPUs: concurrent claims, dumps, hotplug and QMP
#   removal, load and unload cycles with claims (stress.sh, modload.sh);
#   the CI debug kernel runs them in a guest of two vCPUs, under KASAN,
#   lockdep and kmemleak, and every other suite in a guest of one;
# - handoff_suites are what a user does with claimed functions and the
#   CLI's views of them: "quick" runs them in one guest, the module's
#   suites in another.
race_suites="stress modload"
handoff_suites="cli-topology sysfs-equiv example vfio-user why-check persist handoff"

# The CI kernel first: its races guest alone on the host's cores, then
# the longest one-vCPU guest, its other suites (the KUnit suites among
# them: suite.sh runs them where pcipass_kunit.ko exists). KASAN,
# lockdep, kmemleak, ... The soak and the sriov topology run whole, in
# one guest of two vCPUs.
if [ -n "$ci_topologies" ] && [ -z "$ci_kver" ]; then
	printf 'TAP version 13\n1..1\nnot ok 1 CI kernel is built (make ci-kernel)\n' \
		>"$res/ci-kernel.tap"
elif [ -n "$ci_topologies" ]; then
	for topo in $ci_topologies; do
		cmdline=kunit.enable=1
		args=(-k ci -t "$topo" -T "$([ "$mode" = soak ] && echo 14400 || echo 3600)")
		# sriov: pci=realloc stands in for a config option the kernel
		# lacks (tests/lab/README.md); suite.sh makes 16 VFs there.
		[ "$topo" != sriov ] || cmdline+=" pci=realloc"
		if [ "$mode" = soak ] || [ "$topo" != seed-server ]; then
			lab "ci-$topo" 2 "${args[@]}" -a "$cmdline" -- \
				tests/guest/suite.sh
			continue
		fi
		PCIPASS_SUITES_HERE=$race_suites \
			lab "ci-$topo-races" 2 "${args[@]}" -a "$cmdline" -- \
			tests/guest/suite.sh
		PCIPASS_SUITES_ELSEWHERE=$race_suites \
			lab "ci-$topo-paths" 1 "${args[@]}" -a "$cmdline" -- \
			tests/guest/suite.sh
	done
fi

# quick: the newest kernel's seed-server suites in two guests side by
# side: one runs the hand-off's suites, the other the rest.
if [ "$mode" = quick ]; then
	PCIPASS_SUITES_ELSEWHERE=$handoff_suites \
		lab "$newest_kver-seed-server-module" 1 -k "$newest_kver" \
		-t seed-server -T 2400 -- tests/guest/suite.sh
	PCIPASS_SUITES_HERE=$handoff_suites \
		lab "$newest_kver-seed-server-handoff" 1 -k "$newest_kver" \
		-t seed-server -T 2400 -- tests/guest/suite.sh
elif [ "$mode" != soak ]; then
	for k in $kvers; do
		for topo in $topologies; do
			lab "$k-$topo" 1 -k "$k" -t "$topo" -T 2400 -- \
				tests/guest/suite.sh
		done
	done
fi

# One IOMMU group bigger than a dump message (209 functions): each reader
# sees all of it; then the claim of the whole group.
[ "$mode" != check ] || for k in $kvers; do
	lab "$k-big-group" 1 -k "$k" -t big-group -T 900 -- \
		tests/guest/big-group.sh
done

# Preflight: "pcipass check" with VT-d turned off on the command line, with
# no IOMMU at all, and with AMD-Vi, each on a small topology.
[ "$mode" != check ] || for k in $kvers; do
	for pre in intel-default:intel_iommu=off none: amd:; do
		iommu=${pre%%:*} extra=${pre#*:}
		lab "$k-preflight-$iommu${extra:+-off}" 1 -k "$k" -t minimal \
			-i "$iommu" ${extra:+-a "$extra"} -T 600 -- \
			tests/guest/preflight.sh
	done
done

# The boot policy from that initramfs claims before the native drivers
# probe; a virtio device at 0a:00.0 stands for a function a built-in driver
# binds before any initramfs runs.
initrd=$res/initramfs/initrd-$boot_kver.img
if [ "$mode" != check ]; then
	:
elif [ -f "$initrd" ] || [ -n "$plan_only" ]; then
	LAB_QEMU_EXTRA='-device virtio-rng-pci,bus=rp7' \
		lab "$boot_kver-persist-boot" 1 -k "$boot_kver" -t seed-server \
		-I "$initrd" -T 900 -- tests/guest/persist-boot.sh \
		"$res/initramfs/pcipass.conf"
else
	mkdir -p "$res/persist-boot"
	printf 'TAP version 13\n1..1\nok 1 lab boot with the persisted policy # SKIP no initramfs (see initramfs.tap)\n' \
		>"$res/persist-boot/lab.tap"
fi

wait
[ -z "$plan_only" ] || exit 0

# Where the time went: each host suite and guest, and each guest's suites
# (tests/guest/suite.sh writes SUITE.time), longest first.
echo
echo "time: $((SECONDS - t_start)) s for the tests ($mode)${PCIPASS_T0:+, $(($(date +%s) - PCIPASS_T0)) s since CI began (demo, packages and builds too)}"
sort -rn "$res/times" 2>/dev/null | while read -r t name; do
	printf '  %6d s  %s\n' "$t" "$name"
	[[ $name == "lab "* ]] || continue
	for f in "$res/${name#lab }"/*.time; do
		[ -f "$f" ] || continue
		printf '%d %s\n' "$(cat "$f")" "$(basename "$f" .time)"
	done | sort -rn | awk '{ printf "  %6s   %5d s  %s\n", "", $1, $2 }'
done

echo
if [ -s "$res/boot-retries" ]; then
	echo "guests booted a second time (early kernel panic or QEMU crash; tests/lab/README.md):"
	cat "$res/boot-retries"
fi
shopt -s nullglob
tests/tap-summary.sh "$res"/*.tap "$res"/*/*.tap
