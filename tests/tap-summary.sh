#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Count TAP results over the files given: every "ok"/"not ok" line, with
# "# SKIP" counted apart (never as a pass). A file whose plan promises more
# results than it has, or whose exit status (a sibling FILE.rc) is non-zero
# while no test in it failed, counts as one more failure.
#
# usage: tests/tap-summary.sh FILE.tap...
set -euo pipefail

awk '
FNR == 1 { if (prev != "") finish(); prev = FILENAME; planned = -1; seen = 0; failed_here = 0 }
/^[[:space:]]*1\.\.[0-9]+/ { sub(/^[[:space:]]*1\.\./, ""); planned = $0 + 0; next }
/^[[:space:]]*not ok / {
	seen++
	if ($0 ~ /#[[:space:]]*TODO/) { skip++; next }
	fail++; failed_here++; fails = fails "  " FILENAME ": " $0 "\n"; next
}
/^[[:space:]]*ok / {
	seen++
	if ($0 ~ /#[[:space:]]*[Ss][Kk][Ii][Pp]/) skip++; else pass++
	next
}
function finish(   rcfile, rc) {
	if (planned >= 0 && seen < planned) {
		fail++; fails = fails "  " prev ": only " seen " of " planned " planned results\n"
	}
	rcfile = prev; sub(/\.tap$/, ".rc", rcfile)
	if ((getline rc < rcfile) > 0 && rc != 0 && rc != 4 && failed_here == 0) {
		fail++; fails = fails "  " prev ": exited " rc " with no failed test\n"
	}
	close(rcfile)
}
END {
	if (prev != "") finish()
	if (fails != "") printf "failures:\n%s", fails
	printf "%d passed, %d failed, %d skipped\n", pass, fail, skip
	exit (fail > 0 || pass == 0) ? 1 : 0
}
' "$@"
