#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side: is the kernel log clean? For the debug CI kernel this is
# where KASAN, lockdep, atomic-sleep and kmemleak reports turn a run red.
#
#   tests/guest/kernel-log.sh begin   before the tests: scan for leaks and
#                                     forget those found (boot-time ones),
#                                     and write the begin mark to the log
#   tests/guest/kernel-log.sh check   after the tests, as TAP: a kmemleak
#                                     scan, then the end mark, and the log
#                                     between the marks grepped
#
# The log is read from PCIPASS_KLOG, a file "dmesg -w" streams to from
# before "begin" (tests/guest/suite.sh), so a suite that clears the
# buffer, or a buffer that wraps, hides nothing. Without PCIPASS_KLOG it
# reads dmesg, and says so. Either mark missing from what it reads is a
# failure: then the log it checked is not the whole run's.
#
# Reports from before the begin mark (boot) are not ours to fail on, but
# they are shown as diagnostics: the CI kernel under TCG with "-cpu max"
# reports a KASAN wild-memory-access in identify_cpu() while booting.
#
# Kernels without kmemleak (the stock Debian ones) report the scan as SKIP.
set -uo pipefail

KMEMLEAK=/sys/kernel/debug/kmemleak
# Any report of the kernel's debug facilities, or a crash.
PATTERNS='WARNING:|BUG:|Oops|Call Trace|general protection|KASAN|UBSAN'
PATTERNS+='|possible circular locking|possible recursive locking'
PATTERNS+='|inconsistent lock state|suspicious RCU usage'
PATTERNS+='|sleeping function called from invalid context'
PATTERNS+='|unreferenced object|suspected memory leak'

have_kmemleak() {
	[ -w "$KMEMLEAK" ] || {
		mountpoint -q /sys/kernel/debug ||
			mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
		[ -w "$KMEMLEAK" ]
	}
}

scan() {
	echo scan >"$KMEMLEAK"
}

MARK='pcipass-tests: kernel-log begin'
END_MARK='pcipass-tests: kernel-log end'

case ${1:-} in
begin)
	if have_kmemleak; then
		scan && echo clear >"$KMEMLEAK"
	fi
	echo "$MARK" >/dev/kmsg
	exit 0
	;;
check)
	;;
*)
	echo "usage: $0 begin|check" >&2
	exit 2
	;;
esac

echo "TAP version 13"
echo "1..3"
if have_kmemleak; then
	# An object is only reported once it is older than five seconds and
	# was unreferenced in two scans.
	sleep 6
	scan && scan
	leaks=$(cat "$KMEMLEAK")
	if [ -n "$leaks" ]; then
		echo "not ok 1 kmemleak scan finds no leak"
		printf '%s\n' "$leaks" | head -n 100 | sed 's/^/# /'
		# Also into the kernel log, so the log check and dmesg show it.
		printf '%s\n' "$leaks" | head -n 20 >/dev/kmsg
	else
		echo "ok 1 kmemleak scan finds no leak"
	fi
else
	echo "ok 1 kmemleak scan finds no leak # SKIP no kmemleak in $(uname -r)"
fi

# The whole log: the stream once it holds the end mark, else dmesg.
end="$END_MARK $$.$RANDOM"
echo "$end" >/dev/kmsg
all=/run/kernel-log.all
if [ -n "${PCIPASS_KLOG:-}" ]; then
	src="the stream $PCIPASS_KLOG"
	for _ in $(seq 100); do
		grep -qF "$end" "$PCIPASS_KLOG" 2>/dev/null && break
		sleep 0.1
	done
	cp "$PCIPASS_KLOG" "$all" 2>/dev/null || : >"$all"
else
	src="dmesg (no PCIPASS_KLOG stream: a cleared or wrapped buffer hides reports)"
	echo "# reading $src"
	dmesg >"$all"
fi
begin_line=$(grep -nF "$MARK" "$all" | tail -n 1 | cut -d: -f1)
end_line=$(grep -nF "$end" "$all" | tail -n 1 | cut -d: -f1)
if [ -n "$begin_line" ] && [ -n "$end_line" ]; then
	echo "ok 2 the log holds the begin and end marks ($src)"
	sed -n "$((begin_line + 1)),$((end_line - 1))p" "$all" >/run/kernel-log.tests
	boot=$(head -n "$begin_line" "$all" | grep -cE "$PATTERNS")
else
	echo "not ok 2 the log holds the begin and end marks ($src)"
	echo "#   begin mark ${begin_line:+found}${begin_line:-missing}, end mark ${end_line:+found}${end_line:-missing}"
	# Check what there is all the same.
	cp "$all" /run/kernel-log.tests
	boot=0
fi
if grep -E "$PATTERNS" /run/kernel-log.tests >/dev/null; then
	echo "not ok 3 kernel log is clean"
	grep -E -B 2 -A 30 "$PATTERNS" /run/kernel-log.tests | head -n 200 |
		sed 's/^/# /'
else
	echo "ok 3 kernel log is clean"
fi
if [ "$boot" -gt 0 ]; then
	echo "# $boot report lines before the tests began (boot), not counted:"
	head -n "$begin_line" "$all" | grep -E -m 5 "$PATTERNS" | sed 's/^/#   /'
fi
