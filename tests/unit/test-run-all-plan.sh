#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What each tier of tests/run-all.sh runs, from its plan (PCIPASS_PLAN_ONLY=1:
# it names every suite and guest and runs none): "check" every host suite,
# both topologies and the preflight guests on every pinned kernel, the CI
# debug kernel's guest where it is built and the boot with the persisted
# policy; "quick" the host suites and one stock seed-server guest; "soak" the
# CI kernel's guests only. A guest that silently drops out of a tier fails
# here. Prints TAP.
#
# usage: tests/unit/test-run-all-plan.sh
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 13"
. "$top/tests/tap.sh"

kvers=$(grep -v '^#' tests/lab/kernels | xargs)
newest=${kvers##* }
ci_kver=$(tests/lab/ci-kernel.sh release 2>/dev/null) || ci_kver=
# The vCPUs of a CI kernel's guest that runs the races: two, or one core.
ci_vcpus=2
[ "$(nproc)" -ge 2 ] || ci_vcpus=1

# plan MODE [VAR=VALUE...]: the plan's lines in $tmp/MODE.plan.
plan() {
	local mode=$1
	shift
	env -u CI_TOPOLOGIES -u TOPOLOGIES -u KVERS -u PCIPASS_SOAK \
		-u PCIPASS_LAB_JOBS "$@" \
		PCIPASS_PLAN_ONLY=1 tests/run-all.sh "$mode" >"$tmp/$mode.plan" 2>&1
}

# missing FILE WANTED...: the WANTED lines that FILE lacks.
missing() {
	local file=$1 w
	shift
	for w in "$@"; do
		grep -qxF "$w" "$file" || echo "missing: $w"
	done
}

plan check
rc=$?
want=("suite fresh-machine" "suite host-checks" "suite fuzz" "suite initramfs"
      "suite lab-retry" "suite dkms")
for k in $kvers; do
	want+=("guest $k-seed-server" "guest $k-sriov" "guest $k-big-group"
	       "guest $k-preflight-intel-default-off" "guest $k-preflight-none"
	       "guest $k-preflight-amd")
done
want+=("guest $newest-persist-boot")
[ -z "$ci_kver" ] || want+=("guest ci-seed-server-races" "guest ci-seed-server-paths")
out=$(missing "$tmp/check.plan" "${want[@]}")
[ $rc = 0 ] && [ -z "$out" ]
ok $? "check: host suites, both topologies, the big group and preflight on each pinned kernel, the persisted-policy boot${ci_kver:+, the CI kernel}" \
	"exit $rc" "$out" "$(cat "$tmp/check.plan")"

plan check CI_TOPOLOGIES=
rc=$?
[ $rc = 0 ] && ! grep -q '^guest ci-' "$tmp/check.plan" &&
	grep -qxF "guest $newest-persist-boot" "$tmp/check.plan"
ok $? "check with CI_TOPOLOGIES empty (make check-stock): no CI kernel guest, the rest as before" \
	"exit $rc" "$(cat "$tmp/check.plan")"

plan quick
rc=$?
[ $rc = 0 ] && [ -z "$(missing "$tmp/quick.plan" "suite fresh-machine" "suite fuzz" "suite golden")" ] &&
	! grep -qE '^suite (dkms|initramfs|lab-retry)$' "$tmp/quick.plan" &&
	[ "$(grep '^guest ' "$tmp/quick.plan" | xargs)" = "guest $newest-seed-server-module guest $newest-seed-server-handoff" ]
ok $? "quick: the host suites but packaging and lab-retry, and only the newest kernel's seed-server suites, in two guests" \
	"exit $rc" "$(cat "$tmp/quick.plan")"

plan soak
rc=$?
if [ -n "$ci_kver" ]; then
	[ $rc = 0 ] && ! grep -q '^suite ' "$tmp/soak.plan" &&
		[ "$(grep '^guest' "$tmp/soak.plan" | xargs)" = "guest ci-seed-server guest-vcpus ci-seed-server $ci_vcpus" ]
	ok $? "soak: only the CI kernel's guest, whole, with $ci_vcpus vCPUs; no host suite" \
		"exit $rc" "$(cat "$tmp/soak.plan")"
else
	skip "soak: only the CI kernel's guest, no host suite" \
		"no CI kernel built (make ci-kernel)"
fi

plan check PCIPASS_LAB_JOBS=1
rc=$?
[ $rc = 0 ] && grep -qx "lab-jobs 1" "$tmp/check.plan" &&
	[ "$(grep -c '^guest ' "$tmp/check.plan")" -ge 11 ]
ok $? "PCIPASS_LAB_JOBS=1: one guest at a time, the same guests" \
	"exit $rc" "$(cat "$tmp/check.plan")"

plan check
rc=$?
jobs=$(sed -n 's/^lab-jobs //p' "$tmp/check.plan")
[ $rc = 0 ] && [ -n "$jobs" ] && [ "$jobs" -ge 1 ] && [ "$jobs" -le "$(nproc)" ]
ok $? "by default at most one guest per core ($jobs, $(nproc) cores)" \
	"exit $rc" "$(head -n 3 "$tmp/check.plan")"

# Each guest's vCPUs: two for the CI kernel's races guest (stress.sh's
# and modload.sh's races on two CPUs), one for every other; never more
# than the host has. The races guest runs those suites and nothing else.
bad=$(awk -v want="$ci_vcpus" '$1 == "guest-vcpus" &&
	($3 != ($2 ~ /^ci-.*-races$/ ? want : 1)) { print }' "$tmp/check.plan")
[ $rc = 0 ] && [ -z "$bad" ] &&
	[ "$(grep -c '^guest-vcpus ' "$tmp/check.plan")" = "$(grep -c '^guest ' "$tmp/check.plan")" ]
ok $? "check: the CI kernel's races guest has $ci_vcpus vCPUs, every other guest one" \
	"exit $rc" "$bad" "$(grep '^guest' "$tmp/check.plan")"

for bad in 0 two -1; do
	PCIPASS_LAB_JOBS=$bad PCIPASS_PLAN_ONLY=1 tests/run-all.sh check \
		>"$tmp/jobs.out" 2>&1
	rc=$?
	[ $rc = 2 ] && grep -q "PCIPASS_LAB_JOBS='$bad' is not a positive number" "$tmp/jobs.out" &&
		! grep -q '^suite ' "$tmp/jobs.out"
	ok $? "PCIPASS_LAB_JOBS=$bad is refused before anything runs, naming it" \
		"exit $rc" "$(cat "$tmp/jobs.out")"
done

tests/run-all.sh bogus >"$tmp/bogus.out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q 'usage:' "$tmp/bogus.out"
ok $? "an unknown tier is a usage error" "exit $rc" "$(cat "$tmp/bogus.out")"

echo "1..$n"
exit $((failed > 0))
