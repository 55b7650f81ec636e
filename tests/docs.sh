#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The man pages render without a groff warning, and the bash completion
# parses. Prints TAP.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
pages=(tools/pcipass.8 lib/libpcipass.3)

echo "TAP version 13"
echo "1..$((${#pages[@]} + 1))"
n=0
failed=0
for page in "${pages[@]}"; do
	n=$((n + 1))
	if ! command -v groff >/dev/null; then
		echo "ok $n $page renders # SKIP groff is not installed"
		continue
	fi
	out=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
	if [ -f "$page" ] && [ -z "$out" ]; then
		echo "ok $n $page renders without a warning"
	else
		echo "not ok $n $page renders without a warning"
		printf '%s\n' "${out:-missing}" | sed 's/^/# /'
		failed=1
	fi
done
n=$((n + 1))
if bash -n tools/pcipass.bash-completion 2>"${TMPDIR:-/tmp}/completion.$$"; then
	echo "ok $n tools/pcipass.bash-completion parses"
else
	echo "not ok $n tools/pcipass.bash-completion parses"
	sed 's/^/# /' "${TMPDIR:-/tmp}/completion.$$"
	failed=1
fi
rm -f "${TMPDIR:-/tmp}/completion.$$"
exit $failed
