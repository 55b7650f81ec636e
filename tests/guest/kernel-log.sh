#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side: is the kernel log clean? For the debug CI kernel this is
# where KASAN, lockdep, atomic-sleep and kmemleak reports turn a run red.
#
#   tests/guest/kernel-log.sh begin   before the tests: scan for leaks and
#                                     forget those found (boot-time ones),
#                                     and mark the log
#   tests/guest/kernel-log.sh check   after the tests, as TAP: a kmemleak
#                                     scan, then the log since the mark
#                                     grepped
#
# Reports from before the mark (boot) are not ours to fail on, but they are
# shown as diagnostics: the CI kernel under TCG with "-cpu max" reports a
# KASAN wild-memory-access in identify_cpu() while booting.
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
echo "1..2"
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

# The log since the last mark; all of it when begin did not run.
dmesg >/run/kernel-log.all
if grep -qF "$MARK" /run/kernel-log.all; then
	tac /run/kernel-log.all | sed "/$MARK/,\$d" | tac >/run/kernel-log.tests
	boot=$(tac /run/kernel-log.all | sed "0,/$MARK/d" | tac |
	       grep -cE "$PATTERNS")
else
	cp /run/kernel-log.all /run/kernel-log.tests
	boot=0
fi
if grep -E "$PATTERNS" /run/kernel-log.tests >/dev/null; then
	echo "not ok 2 kernel log is clean"
	grep -E -B 2 -A 30 "$PATTERNS" /run/kernel-log.tests | head -n 200 |
		sed 's/^/# /'
else
	echo "ok 2 kernel log is clean"
fi
if [ "$boot" -gt 0 ]; then
	echo "# $boot report lines before the tests began (boot), not counted:"
	tac /run/kernel-log.all | sed "0,/$MARK/d" | tac |
		grep -E -m 5 "$PATTERNS" | sed 's/^/#   /'
fi
