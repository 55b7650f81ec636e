#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms.conf works: "dkms add" and "dkms build" of this tree for every lab
# kernel, and "dkms autoinstall", which a kernel package runs after it is
# installed, builds and installs the module for that kernel. Everything
# happens in a scratch DKMS tree, so the host's DKMS state is untouched.
# Prints TAP.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kvers=${KVERS:-$(grep -v '^#' "$top/tests/lab/kernels" | xargs)}
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")

echo "TAP version 13"
set -- $kvers
echo "1..$((1 + 2 * $#))"
if ! command -v dkms >/dev/null; then
	for i in $(seq 1 $((1 + 2 * $#))); do
		echo "ok $i dkms # SKIP dkms is not installed"
	done
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$tmp/src/pcipass-$ver
mkdir -p "$src" "$tmp/tree" "$tmp/install"
cp -r "$top/Kbuild" "$top/kmod" "$top/include" "$top/dkms.conf" "$src/"
trees=(--dkmstree "$tmp/tree" --sourcetree "$tmp/src" --installtree "$tmp/install")

n=0
failed=0
result() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		sed 's/^/# /' "$tmp/log"
		failed=1
	fi
}

dkms add "${trees[@]}" -m pcipass -v "$ver" >"$tmp/log" 2>&1
result $? "dkms add pcipass/$ver"

for k in "$@"; do
	dkms build "${trees[@]}" -m pcipass -v "$ver" -k "$k" >"$tmp/log" 2>&1 &&
		ls "$tmp/tree/pcipass/$ver/$k/x86_64/module/pcipass.ko"* >/dev/null
	result $? "dkms build for $k"
done

# What a new kernel's postinst hook runs: build what is missing for it,
# and install it.
for k in "$@"; do
	mkdir -p "$tmp/install/$k"
	dkms unbuild "${trees[@]}" -m pcipass -v "$ver" -k "$k" >"$tmp/log" 2>&1 &&
		dkms autoinstall "${trees[@]}" -k "$k" >>"$tmp/log" 2>&1 &&
		grep -q '^Building module' "$tmp/log" &&
		find "$tmp/install/$k" -name 'pcipass.ko*' | grep -q .
	result $? "dkms autoinstall rebuilds and installs the module for $k"
done
exit $failed
