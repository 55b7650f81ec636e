#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Count TAP results over the files given: every "ok"/"not ok" line, with
# "# SKIP" (and "not ok ... # TODO") counted apart, never as a pass.
#
# Per file, against its top-level (unindented) plan, first or last, and its
# exit status (a sibling FILE.rc, when there is one):
#   - "1..0 # SKIP reason": the whole suite skipped, one skip
#   - no plan and no results: a failure, unless the status is 4
#   - fewer or more top-level results than planned, or two plans: a failure
#   - status 4 (kselftest's KSFT_SKIP): a skipped suite, one skip when the
#     file has no results of its own
#   - any other non-zero status while no test in it failed: a failure
# Indented results (nested subtests) count as results, but not against the
# plan; indented plans are ignored.
#
# Prints the failures and the skipped suites, with their reasons, then a
# last line "N passed, N failed, N skipped". Exits 1 on any failure or
# when nothing passed.
#
# usage: tests/tap-summary.sh FILE.tap...
set -euo pipefail

awk '
function failure(f, why) { fail++; fails = fails "  " f ": " why "\n" }
function skipped(f, why) { skipped_suites = skipped_suites "  " f ": " why "\n" }

# The text after a "# SKIP" directive, or "" without one.
function skip_reason(line) {
	if (!match(line, /#[[:space:]]*[Ss][Kk][Ii][Pp]/))
		return ""
	line = substr(line, RSTART + RLENGTH)
	sub(/^[[:space:]]*:?[[:space:]]*/, "", line)
	sub(/[[:space:]]+$/, "", line)
	return line
}

function scan(f,   line, r, planned, plans, plan_reason, seen, results,
	      failed_here, first_skip, rcfile, rc, has_rc) {
	planned = -1; plans = 0; seen = 0; results = 0; failed_here = 0
	first_skip = ""
	while ((r = (getline line < f)) > 0) {
		if (line ~ /^1\.\.[0-9]+/) {
			plans++
			planned = substr(line, 4) + 0
			plan_reason = skip_reason(line)
			continue
		}
		if (line ~ /^[[:space:]]*not ok([[:space:]]|$)/) {
			results++
			if (line !~ /^[[:space:]]/)
				seen++
			if (line ~ /#[[:space:]]*[Tt][Oo][Dd][Oo]/) {
				skip++
				continue
			}
			fail++; failed_here++
			fails = fails "  " f ": " line "\n"
			continue
		}
		if (line ~ /^[[:space:]]*ok([[:space:]]|$)/) {
			results++
			if (line !~ /^[[:space:]]/)
				seen++
			if (line ~ /#[[:space:]]*[Ss][Kk][Ii][Pp]/) {
				skip++
				if (first_skip == "")
					first_skip = skip_reason(line)
			} else {
				pass++
			}
		}
	}
	close(f)
	if (r < 0) {
		failure(f, "cannot be read")
		return
	}

	rcfile = f
	if (!sub(/\.tap$/, ".rc", rcfile))
		rcfile = rcfile ".rc"
	has_rc = (getline rc < rcfile) > 0
	close(rcfile)

	if (plans > 1)
		failure(f, plans " top-level plans")
	if (planned == 0) {
		skip++
		skipped(f, plan_reason != "" ? plan_reason : "empty plan (1..0)")
	}
	if (planned < 0 && results == 0 && (!has_rc || rc == 0))
		failure(f, "no plan and no results")
	if (planned > 0 && seen < planned)
		failure(f, "only " seen " of " planned " planned results")
	if (planned >= 0 && seen > planned)
		failure(f, seen " results, " planned " planned")
	if (has_rc && rc == 4) {
		# Counted and listed above when the plan said why.
		if (results == 0 && planned != 0)
			skip++
		if (planned != 0)
			skipped(f, "exited 4 (skip)" \
				(first_skip != "" ? ": " first_skip : \
				 results == 0 ? " with no results" : ""))
	} else if (has_rc && rc != 0 && failed_here == 0) {
		failure(f, "exited " rc " with no failed test")
	}
}

BEGIN {
	for (i = 1; i < ARGC; i++)
		scan(ARGV[i])
	if (fails != "")
		printf "failures:\n%s", fails
	if (skipped_suites != "")
		printf "skipped suites:\n%s", skipped_suites
	printf "%d passed, %d failed, %d skipped\n", pass, fail, skip
	exit (fail > 0 || pass == 0) ? 1 : 0
}
' "$@"
