#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# libpcipass.so exports exactly what the version script lists, under its
# version node, and carries the right soname.
# usage: tests/unit/test-symbols.sh LIBPCIPASS.SO LIBPCIPASS.SYM
# Prints TAP.

so=${1:?usage: $0 LIBPCIPASS.SO LIBPCIPASS.SYM}
sym=${2:?usage: $0 LIBPCIPASS.SO LIBPCIPASS.SYM}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 13"
echo "1..3"

sed -n 's/^[[:space:]]*\(pcipass_[a-z0-9_]*\);.*/\1/p' "$sym" | sort >"$tmp/want"
nm -D --defined-only "$so" | awk '$2 == "T" { print $3 }' | sort >"$tmp/got"
nm -D --defined-only "$so" | awk '$2 == "T" { print $3 }' |
	sed 's/^\([^@]*\)@@*\(.*\)$/\1 \2/' >"$tmp/got-versions"

sed 's/@.*//' "$tmp/got" | sort >"$tmp/got-names"
if cmp -s "$tmp/want" "$tmp/got-names"; then
	echo "ok 1 - exported functions match the version script"
else
	echo "not ok 1 - exported functions match the version script"
	diff "$tmp/want" "$tmp/got-names" | sed 's/^/# /'
fi

if objdump -T "$so" | awk '$4 == ".text" { print $6 }' | grep -v '^LIBPCIPASS_1$' |
	grep -q .; then
	echo "not ok 2 - every export is in LIBPCIPASS_1"
else
	echo "ok 2 - every export is in LIBPCIPASS_1"
fi

if objdump -p "$so" | grep -q 'SONAME *libpcipass\.so\.1$'; then
	echo "ok 3 - soname is libpcipass.so.1"
else
	echo "not ok 3 - soname is libpcipass.so.1"
fi
