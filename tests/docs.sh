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
echo "1..$((${#pages[@]} + 2))"
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

# Every public function has a gtk-doc block with Since:, and Returns:
# unless it returns nothing.
n=$((n + 1))
undoc=$(python3 - lib/include/pcipass/libpcipass.h <<'PY'
import re, sys
s = open(sys.argv[1]).read()
docs = {m.group(1): m.group(0) for m in
        re.finditer(r"/\*\*\n \* (pcipass_\w+):.*?\*/", s, re.S)}
for m in re.finditer(r"PCIPASS_EXPORT\s+([^;]*?)\b(pcipass_\w+)\s*\(", s):
    ret, name = m.group(1).strip(), m.group(2)
    d = docs.get(name, "")
    if "Since:" not in d or (ret != "void" and "Returns:" not in d):
        print(name)
PY
)
if [ -z "$undoc" ]; then
	echo "ok $n every public function is documented with Returns: and Since:"
else
	echo "not ok $n every public function is documented with Returns: and Since:"
	printf '%s\n' "$undoc" | sed 's/^/# undocumented: /'
	failed=1
fi
exit $failed
