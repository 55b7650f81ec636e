#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a new machine meets before anything is installed, on the host:
# make must get to run tests/lab/deps.sh before it needs a package, a plain
# "make" without the -dev packages must name them, and deps.sh must say
# which pinned kernel ABI has left Debian's archive and what it has now.
# (CI runs "make demo" in a brand-new Debian 12 root as well: .ci/run.)
#
# usage: tests/fresh-machine.sh
# Prints TAP.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
. "$top/tests/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 13"
echo "1..5"

# A pkg-config that knows no package, as on a machine without the -dev
# packages.
nopkg="PKG_CONFIG=false BUILD=$tmp/build"

# make as a user's shell runs it: under "make check" the inherited
# MAKELEVEL would make it print "Entering directory" first.
user_make() { env -u MAKELEVEL -u MAKEFLAGS -u MFLAGS make "$@"; }

# make -n prints what it would run; its first line must be deps.sh. (It
# also runs the recursive makes, which fail here for want of the kbuild
# tree it did not make: its exit status says nothing.)
for goal in demo check; do
	user_make -n $nopkg "$goal" >"$tmp/$goal.out" 2>&1
	first=$(head -n 1 "$tmp/$goal.out")
	[[ $first == "tests/lab/deps.sh "* ]]
	ok $? "make $goal without the -dev packages runs deps.sh before anything needs them" \
		"first: $first" "$(head -n 5 "$tmp/$goal.out")"
done

user_make $nopkg userspace >"$tmp/make.out" 2>&1
rc=$?
[ $rc != 0 ] && grep -q 'pkg-config cannot find libnl-genl-3.0 libpci .*apt-get install libnl-genl-3-dev libpci-dev' "$tmp/make.out" &&
	[ ! -e "$tmp/build/lib/libpcipass.so.1" ]
ok $? "make without the -dev packages fails, naming the packages to install" \
	"exit $rc" "$(tail -n 3 "$tmp/make.out")"

if [ "$(id -u)" != 0 ] || ! command -v apt-cache >/dev/null; then
	skip "deps.sh names a pinned ABI the archive lost" "needs root and apt"
	skip "deps.sh lists the ABIs the archive has instead" "needs root and apt"
	exit $((failed > 0))
fi
# An ABI long gone from the archive.
printf '6.1.0-1-amd64\n' >"$tmp/kernels"
PCIPASS_LAB_KERNELS=$tmp/kernels PCIPASS_CACHE=$tmp/cache \
	tests/lab/deps.sh demo >"$tmp/deps.out" 2>&1
rc=$?
[ $rc = 1 ] && grep -q 'linux-image-6.1.0-1-amd64-unsigned is not in the archive' "$tmp/deps.out" &&
	grep -q 'linux-headers-6.1.0-1-amd64 is not in the archive' "$tmp/deps.out" &&
	! grep -q '^Unpacking' "$tmp/deps.out"
ok $? "deps.sh names a pinned ABI the archive lost, and installs nothing" \
	"exit $rc" "$(grep 'deps:' "$tmp/deps.out")"
grep -E -q 'linux-image ABIs of 6\.1 the archive has: 6\.1\.0-[0-9]+-amd64' "$tmp/deps.out"
ok $? "deps.sh lists the ABIs the archive has instead" \
	"$(grep 'the archive has' "$tmp/deps.out")"
exit $((failed > 0))
