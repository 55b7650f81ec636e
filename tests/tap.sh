# SPDX-License-Identifier: GPL-2.0
#
# TAP helpers for the shell test suites. Source it (bash) once the plan or
# "TAP version 13" is out:
#
#	. "$top/tests/tap.sh"
#
#   ok STATUS DESCRIPTION [DIAGNOSTIC...]
#	"ok N - DESCRIPTION" when STATUS is 0, else "not ok N - DESCRIPTION"
#	followed by every DIAGNOSTIC, each line prefixed with "# "
#   skip DESCRIPTION REASON
#	"ok N - DESCRIPTION # SKIP REASON": counted as skipped, not passed
#   note TEXT...
#	"# TEXT"
#
# $n counts the tests so far, $failed the failures among them.

n=0
failed=0

ok() {	# STATUS DESCRIPTION [DIAGNOSTIC...]
	local st=$1 desc=$2
	shift 2
	n=$((n + 1))
	if [ "$st" = 0 ]; then
		echo "ok $n - $desc"
	else
		failed=$((failed + 1))
		echo "not ok $n - $desc"
		local d
		for d in "$@"; do
			printf '%s\n' "$d" | sed 's/^/# /'
		done
	fi
}

skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

note() { echo "# $*"; }
