#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/tap-summary.sh on small TAP files, with and without a FILE.rc: what
# it counts as passed, failed and skipped, the reasons it prints and its
# exit status. Prints TAP.
#
# usage: tests/unit/test-tap-summary.sh
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 13"
. "$top/tests/tap.sh"

# mk NAME RC [LINE...]: $tmp/NAME.tap holding the LINEs (empty without
# any), and $tmp/NAME.rc holding RC unless RC is "-".
mk() {
	local name=$1 rc=$2
	shift 2
	if [ $# -gt 0 ]; then
		printf '%s\n' "$@" >"$tmp/$name.tap"
	else
		: >"$tmp/$name.tap"
	fi
	[ "$rc" = - ] || echo "$rc" >"$tmp/$name.rc"
}

# summary NAME...: tests/tap-summary.sh on $tmp/NAME.tap..., its output in
# $out and its exit status in $rc.
summary() {
	local f args=()
	for f in "$@"; do args+=("$f.tap"); done
	rc=0
	out=$(cd "$tmp" && "$top/tests/tap-summary.sh" "${args[@]}" 2>&1) || rc=$?
}

# check DESCRIPTION RC LAST [LINE...]: the last summary exited RC, its last
# line is LAST and each LINE is one of its lines.
check() {
	local desc=$1 want=$2 last=$3 st=0 l
	shift 3
	[ "$rc" = "$want" ] || st=1
	[ "$(tail -n 1 <<<"$out")" = "$last" ] || st=1
	for l in "$@"; do
		grep -qFx -- "$l" <<<"$out" || st=1
	done
	ok $st "$desc" "exit $rc, want $want; output:" "$out"
}

mk pass 0 "1..2" "ok 1 - a" "ok 2 - b"
summary pass
check "a passing file counts as passed" 0 "2 passed, 0 failed, 0 skipped"

mk pass-end 0 "ok 1 - a" "ok 2 - b" "1..2"
summary pass-end
check "a plan at the end is honoured" 0 "2 passed, 0 failed, 0 skipped"

mk short-end 0 "ok 1 - a" "1..2"
summary short-end
check "a plan at the end promising more fails" 1 \
	"1 passed, 1 failed, 0 skipped" \
	"  short-end.tap: only 1 of 2 planned results"

mk suite-skip 0 "TAP version 13" "1..0 # SKIP no widget here"
summary pass suite-skip
check "a whole-suite skip plan counts as one skip, with its reason" 0 \
	"2 passed, 0 failed, 1 skipped" \
	"skipped suites:" "  suite-skip.tap: no widget here"

summary suite-skip
check "a skipped suite alone is not a pass" 1 "0 passed, 0 failed, 1 skipped"

mk empty 0
summary pass empty
check "an empty file with status 0 fails" 1 \
	"2 passed, 1 failed, 0 skipped" \
	"  empty.tap: no plan and no results"

mk no-rc -
summary pass no-rc
check "an empty file without a status fails" 1 \
	"2 passed, 1 failed, 0 skipped" \
	"  no-rc.tap: no plan and no results"

mk short 0 "1..3" "ok 1 - a" "ok 2 - b"
summary short
check "fewer results than planned fail" 1 \
	"2 passed, 1 failed, 0 skipped" \
	"  short.tap: only 2 of 3 planned results"

mk long 0 "1..1" "ok 1 - a" "ok 2 - b"
summary long
check "more results than planned fail" 1 \
	"2 passed, 1 failed, 0 skipped" \
	"  long.tap: 2 results, 1 planned"

mk ksft-skip 4 "TAP version 13" "1..0 # SKIP needs root"
summary pass ksft-skip
check "status 4 with a skip plan is one skip, with its reason" 0 \
	"2 passed, 0 failed, 1 skipped" \
	"skipped suites:" "  ksft-skip.tap: needs root"

mk ksft-empty 4
summary pass ksft-empty
check "status 4 without results is one skip, listed" 0 \
	"2 passed, 0 failed, 1 skipped" \
	"  ksft-empty.tap: exited 4 (skip) with no results"

mk ksft-all 4 "1..2" "ok 1 nl.dump # SKIP family not registered" \
	"ok 2 nl.get # SKIP family not registered"
summary pass ksft-all
check "status 4 after skipped results is listed, not counted again" 0 \
	"2 passed, 0 failed, 2 skipped" \
	"  ksft-all.tap: exited 4 (skip): family not registered"

mk rc1 1 "1..1" "ok 1 - a"
summary rc1
check "a non-zero status with no failed test fails" 1 \
	"1 passed, 1 failed, 0 skipped" \
	"  rc1.tap: exited 1 with no failed test"

mk failed 1 "1..2" "ok 1 - a" "not ok 2 - b"
summary failed
check "a failed test fails once, whatever the status" 1 \
	"1 passed, 1 failed, 0 skipped" \
	"  failed.tap: not ok 2 - b"

mk nested 0 "1..1" "    1..2" "    ok 1 - sub a" "    ok 2 - sub b" \
	"ok 1 - parent"
summary nested
check "indented results count, but not against the plan" 0 \
	"3 passed, 0 failed, 0 skipped"

mk nested-fail 0 "1..1" "    1..1" "    not ok 1 - sub" "not ok 1 - parent"
summary nested-fail
check "an indented failure still fails" 1 \
	"0 passed, 2 failed, 0 skipped" \
	"  nested-fail.tap:     not ok 1 - sub"

echo "1..$n"
[ "$failed" = 0 ]
