#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/lab/run boots a guest a second time when the kernel panicked before
# the job began or QEMU died of a signal, and only once. Real boots of the
# newest lab kernel on the minimal topology; a wrapper in front of QEMU
# breaks the boots it is told to: "panic" adds rdinit=/nonexistent to the
# command line, so the kernel dies in early boot ("Kernel panic - not
# syncing") the way a TCG flake does; "crash" sends QEMU SIGSEGV once the
# job is running. And the negative cases: a panic once the job has loaded
# pcipass, and any failed boot of an -I initramfs, are never retried.
# Prints TAP.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kver=${1:-$(grep -v '^#' "$top/tests/lab/kernels" | tail -n 1)}
echo "TAP version 13"
echo "1..11"
. "$top/tests/tap.sh"

if ! command -v qemu-system-x86_64 >/dev/null || [ ! -r "/boot/vmlinuz-$kver" ]; then
	for d in "retry after one early panic" "job ran once" "boot 1 kept" \
		"two early panics fail the run" "no third boot" \
		"retry after QEMU died of SIGSEGV mid-job" "job ran to the end in boot 2" \
		"boot 1's console and output kept apart" \
		"a panic after pcipass loaded fails the run" "no second boot after it" \
		"an -I boot that panics is not retried"; do
		skip "$d" "no QEMU or no /boot/vmlinuz-$kver (tests/lab/deps.sh)"
	done
	exit 0
fi

mkdir -p "$top/build"
tmp=$(mktemp -d "$top/build/lab-retry.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
qemu=$(command -v qemu-system-x86_64)
mkdir "$tmp/bin"
# BREAK: panic or crash; BREAK_BOOTS: how many boots to break; each boot
# is counted in $tmp/boots. CONSOLE: the serial log crash watches.
cat >"$tmp/bin/qemu-system-x86_64" <<WRAP
#!/bin/bash
echo boot >>"$tmp/boots"
[ "\$(wc -l <"$tmp/boots")" -le "\$BREAK_BOOTS" ] || exec "$qemu" "\$@"
if [ "\$BREAK" = crash ]; then
	"$qemu" "\$@" &
	pid=\$!
	for _ in \$(seq 300); do
		grep -q 'lab-init: running job' "\$CONSOLE" 2>/dev/null && break
		sleep 0.1
	done
	sleep 1
	kill -SEGV \$pid
	wait \$pid
	exit \$?
fi
args=()
while [ \$# -gt 0 ]; do
	if [ "\$1" = -append ]; then
		args+=("\$1" "\$2 rdinit=/nonexistent init=/nonexistent")
		shift 2
		continue
	fi
	args+=("\$1")
	shift
done
exec "$qemu" "\${args[@]}"
WRAP
chmod +x "$tmp/bin/qemu-system-x86_64"

# One vCPU, as the stock kernels' guests of make check: a boot that must
# not fail by chance (the one after the forced panic) is then spared
# TCG's cross-vCPU code patching, which once oopsed a two-vCPU boot here
# ("Oops: int3" in sched_clock_cpu(), "Fatal exception in interrupt").
lab() {	# BREAK BREAK_BOOTS NAME JOB [RUN-ARGS...]
	local brk=$1 n=$2 name=$3 job=$4
	shift 4
	rm -f "$tmp/boots"
	BREAK=$brk BREAK_BOOTS=$n CONSOLE=$tmp/$name/console PATH="$tmp/bin:$PATH" \
		"$top/tests/lab/run" -k "$kver" -t minimal -T 300 -c 1 -o "$tmp/$name" "$@" -- \
		sh -c "$job" >"$tmp/$name.out" 2>"$tmp/$name.err"
}
boots() { wc -l <"$tmp/boots"; }

lab panic 1 once 'echo job ran'
rc=$?
ok "$([ $rc -eq 0 ] && grep -q 'panicked before the job' "$tmp/once/boot-retry"; echo $?)" \
	"retry after one early panic" "exit $rc" "$(cat "$tmp/once.err")"
ok "$([ "$(grep -c 'job ran' "$tmp/once.out")" = 1 ] && [ "$(boots)" = 2 ]; echo $?)" \
	"job ran once" "$(cat "$tmp/once.out")" "boots: $(boots)"
ok "$(grep -qs 'Kernel panic' "$tmp/once/boot1/console" &&
	! grep -q 'Kernel panic' "$tmp/once/console"; echo $?)" "boot 1 kept"

lab panic 5 twice 'echo job ran'
rc=$?
ok "$([ $rc -eq 125 ]; echo $?)" "two early panics fail the run" "exit $rc" \
	"$(cat "$tmp/twice.err")"
ok "$([ "$(boots)" = 2 ]; echo $?)" "no third boot" "boots: $(boots)"

lab crash 1 crash 'echo job ran; sleep 3; echo job done'
rc=$?
ok "$([ $rc -eq 0 ] && grep -q 'QEMU died of signal 11' "$tmp/crash/boot-retry"; echo $?)" \
	"retry after QEMU died of SIGSEGV mid-job" "exit $rc" "$(cat "$tmp/crash.err")"
ok "$([ "$(grep -c 'job done' "$tmp/crash/output")" = 1 ] && [ "$(boots)" = 2 ]; echo $?)" \
	"job ran to the end in boot 2" "$(cat "$tmp/crash/output")" "boots: $(boots)"
# (The job's output of boot 1 may not have left the guest's 9p cache.)
ok "$(grep -q 'lab-init: running job' "$tmp/crash/boot1/console" &&
	[ -e "$tmp/crash/boot1/output" ] && [ ! -e "$tmp/crash/boot1/rc" ]; echo $?)" \
	"boot 1's console and output kept apart" "$(ls -A "$tmp/crash/boot1" 2>&1)"

# The negative cases. A kernel that panics once pcipass is in: a finding,
# never retried (sysrq "c" panics as a module's bug would).
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
ko=$build/modules/$kver/pcipass.ko
if [ -f "$ko" ]; then
	lab none 0 loaded "insmod $ko && echo c >/proc/sysrq-trigger; sleep 30"
	rc=$?
	ok "$([ $rc -eq 125 ] && [ ! -e "$tmp/loaded/boot-retry" ]; echo $?)" \
		"a panic after pcipass loaded fails the run" "exit $rc" \
		"$(tail -n 5 "$tmp/loaded.err")"
	ok "$([ "$(boots)" = 1 ]; echo $?)" "no second boot after it" "boots: $(boots)"
else
	skip "a panic after pcipass loaded fails the run" "no $ko (make modules)"
	skip "no second boot after it" "no $ko (make modules)"
fi
# An initramfs of one's own (-I, the persist-boot guest) loads pcipass
# before a job could begin: its early panic is never retried.
lab panic 5 initrd 'echo job ran' -I "$("$top/tests/lab/initramfs.sh" "$kver")"
rc=$?
ok "$([ $rc -eq 125 ] && [ "$(boots)" = 1 ] && [ ! -e "$tmp/initrd/boot-retry" ]; echo $?)" \
	"an -I boot that panics is not retried" "exit $rc, boots: $(boots)" \
	"$(tail -n 5 "$tmp/initrd.err")"
[ "$failed" -eq 0 ]
