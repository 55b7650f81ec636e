#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side checks of the kernel code, as TAP: the generated netlink code
# matches kmod/pcipass.yaml, checkpatch is clean, and the module built
# warning-free (W=1) for every lab kernel ("make modules" fails on any
# warning; this confirms each module exists and its log is clean).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
build=${BUILD:-build}
src=${LINUX_SRC:-${PCIPASS_CACHE:-/var/cache/pcipass}/linux-source-6.12}
kvers=${KVERS:-$(grep -v '^#' "$top/tests/lab/kernels" | xargs)}

n=0
failed=0
set -- $kvers
echo "TAP version 13"
echo "1..$((2 + $#))"

result() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=1
		sed 's/^/# /' "$3"
	fi
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

kmod/ynl-regen.sh --check "$src" >"$log" 2>&1
result $? "generated uapi header and policies match kmod/pcipass.yaml" "$log"

perl "$src/scripts/checkpatch.pl" --strict --no-tree --terse \
	-f kmod/*.c kmod/*.h tests/kunit/*.c >"$log" 2>&1
result $? "checkpatch --strict is clean on kmod/ and tests/kunit/" "$log"

for k in "$@"; do
	blog=$build/kbuild/$k/build.log
	if [ -f "$build/modules/$k/pcipass.ko" ] && [ -f "$blog" ] &&
	   ! grep -q 'warning:' "$blog"; then
		result 0 "module builds with W=1 and no warning for $k" "$blog"
	else
		echo "missing module or warnings in $blog" >"$log"
		[ -f "$blog" ] && cat "$blog" >>"$log"
		result 1 "module builds with W=1 and no warning for $k" "$log"
	fi
done
exit $failed
