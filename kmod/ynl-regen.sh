#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Regenerate the uapi header and the kernel policy tables from
# kmod/pcipass.yaml with the kernel's own YNL generator.
#
# usage: kmod/ynl-regen.sh [--check] LINUX_SOURCE_TREE
#   --check  regenerate into a scratch tree and fail if the committed
#            files differ (used by "make check").
set -eu

check=
if [ "${1:-}" = "--check" ]; then
	check=1
	shift
fi
src=${1:?usage: $0 [--check] LINUX_SOURCE_TREE}
gen=$src/tools/net/ynl/ynl-gen-c.py
top=$(cd "$(dirname "$0")/.." && pwd)

# The generator finds its JSON schema next to the spec's parent directory
# and names the spec relative to the nearest MAINTAINERS file, so give it
# a scratch root shaped like that.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/kmod" "$work/out/kmod" "$work/out/include/uapi/linux"
: >"$work/MAINTAINERS"
cp "$src/Documentation/netlink/genetlink-legacy.yaml" "$work/"
cp "$top/kmod/pcipass.yaml" "$work/kmod/"

spec=$work/kmod/pcipass.yaml
python3 "$gen" --mode uapi --header --spec "$spec" \
	-o "$work/out/include/uapi/linux/pcipass.h"
python3 "$gen" --mode kernel --header --spec "$spec" \
	-o "$work/out/kmod/pcipass-nl-gen.h"
python3 "$gen" --mode kernel --source --spec "$spec" \
	-o "$work/out/kmod/pcipass-nl-gen.c"

rc=0
for f in include/uapi/linux/pcipass.h kmod/pcipass-nl-gen.h \
	 kmod/pcipass-nl-gen.c; do
	if [ -n "$check" ]; then
		if ! cmp -s "$work/out/$f" "$top/$f"; then
			echo "ynl-regen: $f is stale; run 'make regen'" >&2
			diff -u "$top/$f" "$work/out/$f" >&2 || true
			rc=1
		fi
	else
		cp "$work/out/$f" "$top/$f"
	fi
done
exit $rc
