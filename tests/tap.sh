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
#   ok_why STATUS DESCRIPTION [CODE...]
#	as ok, but each CODE is shell code whose output is a diagnostic,
#	run only when STATUS is not 0: a diagnostic that runs programs
#	costs nothing on a pass (a program costs 1-7 s on the debug kernel)
#   skip DESCRIPTION REASON
#	"ok N - DESCRIPTION # SKIP REASON": counted as skipped, not passed
#   note TEXT...
#	"# TEXT"
#
# A test that took PCIPASS_TAP_SLOW seconds (default 5) or more since the
# one before is followed by "# N s": where a suite's time goes shows in
# every run's log.
#
# $n counts the tests so far, $failed the failures among them.

n=0
failed=0
_tap_t0=$SECONDS

_tap_time() {
	local dt=$((SECONDS - _tap_t0))
	_tap_t0=$SECONDS
	[ "$dt" -lt "${PCIPASS_TAP_SLOW:-5}" ] || echo "# $dt s"
}

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
	_tap_time
}

# Its locals are prefixed: CODE runs in its scope and reads the caller's.
ok_why() {	# STATUS DESCRIPTION [CODE...]
	local _tap_st=$1 _tap_desc=$2 _tap_code _tap_diags=()
	shift 2
	if [ "$_tap_st" = 0 ]; then
		ok 0 "$_tap_desc"
		return
	fi
	for _tap_code in "$@"; do
		_tap_diags+=("$(eval "$_tap_code" 2>&1)")
	done
	ok "$_tap_st" "$_tap_desc" "${_tap_diags[@]}"
}

skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; _tap_time; }

note() { echo "# $*"; }
