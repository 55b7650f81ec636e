#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The man pages render without a groff warning, and the bash completion
# parses and completes each command's first word without an error.
# Prints TAP.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
pages=(tools/pcipass.8 lib/libpcipass.3)

echo "TAP version 13"
# LINE|WORD: completing LINE offers WORD (among others), and bash says
# nothing on stderr.
completions=(
	"pcipass |claim"
	"pcipass xml |help"
	"pcipass nova |help"
	"pcipass kubevirt |help"
	"pcipass attach |help"
	"pcipass xml 0000:00:00.0 |managed"
	"pcipass dev |show"
	"pcipass persist |remove"
)
echo "1..$((${#pages[@]} + 2 + ${#completions[@]}))"
n=0
failed=0
for page in "${pages[@]}"; do
	n=$((n + 1))
	if ! command -v groff >/dev/null; then
		echo "ok $n $page renders # SKIP groff is not installed"
		continue
	fi
	out=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
	st=$?
	if [ -f "$page" ] && [ $st = 0 ] && [ -z "$out" ]; then
		echo "ok $n $page renders without a warning"
	else
		echo "not ok $n $page renders without a warning"
		[ -f "$page" ] || echo "# $page is missing"
		[ $st = 0 ] || echo "# groff exited $st"
		[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/# /'
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
for c in "${completions[@]}"; do
	line=${c%|*} want=${c##*|}
	n=$((n + 1))
	# Without the bash-completion package, as the completion allows.
	got=$(COMP_LINE=$line COMP_POINT=${#line} bash -c '
		. tools/pcipass.bash-completion
		_pcipass
		printf "%s\n" "${COMPREPLY[@]}"' 2>"${TMPDIR:-/tmp}/completion.$$")
	if [ ! -s "${TMPDIR:-/tmp}/completion.$$" ] &&
		printf '%s\n' "$got" | grep -qx -- "$want"; then
		echo "ok $n completing \"$line\" offers $want"
	else
		echo "not ok $n completing \"$line\" offers $want"
		sed 's/^/# stderr: /' "${TMPDIR:-/tmp}/completion.$$"
		printf '%s\n' "$got" | head -n 5 | sed 's/^/# offered: /'
		failed=1
	fi
	rm -f "${TMPDIR:-/tmp}/completion.$$"
done

# Every public function has a gtk-doc block with Since:, and Returns:
# unless it returns nothing. The check prints the undocumented ones; it
# fails, rather than print nothing, when it finds no exported function or
# cannot run.
n=$((n + 1))
err=$(mktemp)
undoc=$(python3 - lib/include/pcipass/libpcipass.h 2>"$err" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
docs = {m.group(1): m.group(0) for m in
        re.finditer(r"/\*\*\n \* (pcipass_\w+):.*?\*/", s, re.S)}
exports = 0
for m in re.finditer(r"PCIPASS_EXPORT\s+([^;]*?)\b(pcipass_\w+)\s*\(", s):
    exports += 1
    ret, name = m.group(1).strip(), m.group(2)
    d = docs.get(name, "")
    if "Since:" not in d or (ret != "void" and "Returns:" not in d):
        print(name)
if not exports:
    sys.exit("no PCIPASS_EXPORT function in %s" % sys.argv[1])
PY
)
st=$?
if [ $st = 0 ] && [ -z "$undoc" ]; then
	echo "ok $n every public function is documented with Returns: and Since:"
else
	echo "not ok $n every public function is documented with Returns: and Since:"
	[ -z "$undoc" ] || printf '%s\n' "$undoc" | sed 's/^/# undocumented: /'
	if [ $st != 0 ]; then
		echo "# python3 exited $st"
		sed 's/^/# stderr: /' "$err"
	fi
	failed=1
fi
rm -f "$err"
exit $failed
