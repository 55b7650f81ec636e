#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# libpcipass.so exports exactly what the version script lists, under its
# version node, and carries the right soname. A tool that fails, or finds
# nothing to check, fails the test. PLAIN, a build without sanitizers
# (make check-build-plain), must call glibc's checked functions
# (_FORTIFY_SOURCE, lib/lib.mk).
# usage: tests/unit/test-symbols.sh LIBPCIPASS.SO LIBPCIPASS.SYM [PLAIN...]
# Prints TAP; exits 1 if a test failed.

so=${1:?usage: $0 LIBPCIPASS.SO LIBPCIPASS.SYM [PLAIN...]}
sym=${2:?usage: $0 LIBPCIPASS.SO LIBPCIPASS.SYM [PLAIN...]}
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

echo "TAP version 13"
echo "1..$((3 + $#))"

# not_ok N DESCRIPTION [FILE...]: "not ok N - DESCRIPTION", then each FILE
# as diagnostics.
not_ok() {
	echo "not ok $1 - $2"
	shift 2
	for f in "$@"; do sed 's/^/# /' "$f"; done
	failed=1
}

sed -n 's/^[[:space:]]*\(pcipass_[a-z0-9_]*\);.*/\1/p' "$sym" | sort >"$tmp/want"
if ! nm -D --defined-only "$so" >"$tmp/nm" 2>"$tmp/err"; then
	echo "nm -D $so failed" >>"$tmp/err"
	not_ok 1 "exported functions match the version script" "$tmp/err"
elif [ ! -s "$tmp/want" ]; then
	not_ok 1 "exported functions match the version script"
	echo "# no pcipass_ function in $sym"
else
	awk '$2 == "T" { print $3 }' "$tmp/nm" | sed 's/@.*//' | sort >"$tmp/got-names"
	if cmp -s "$tmp/want" "$tmp/got-names"; then
		echo "ok 1 - exported functions match the version script"
	else
		diff "$tmp/want" "$tmp/got-names" >"$tmp/diff"
		not_ok 1 "exported functions match the version script" "$tmp/diff"
	fi
fi

# objdump -T: each exported function (.text) and its version node.
if ! objdump -T "$so" >"$tmp/dynsym" 2>"$tmp/err"; then
	echo "objdump -T $so failed" >>"$tmp/err"
	not_ok 2 "every export is in LIBPCIPASS_1" "$tmp/err"
else
	awk '$4 == ".text" { print $7, "in", $6 }' "$tmp/dynsym" >"$tmp/text"
	if [ ! -s "$tmp/text" ]; then
		not_ok 2 "every export is in LIBPCIPASS_1"
		echo "# objdump -T $so lists no exported function"
	elif grep -v ' in LIBPCIPASS_1$' "$tmp/text" >"$tmp/other"; then
		not_ok 2 "every export is in LIBPCIPASS_1" "$tmp/other"
	else
		echo "ok 2 - every export is in LIBPCIPASS_1"
	fi
fi

if ! objdump -p "$so" >"$tmp/headers" 2>"$tmp/err"; then
	echo "objdump -p $so failed" >>"$tmp/err"
	not_ok 3 "soname is libpcipass.so.1" "$tmp/err"
elif grep -q 'SONAME *libpcipass\.so\.1$' "$tmp/headers"; then
	echo "ok 3 - soname is libpcipass.so.1"
else
	grep SONAME "$tmp/headers" >"$tmp/soname" ||
		echo "objdump -p $so shows no SONAME" >"$tmp/soname"
	not_ok 3 "soname is libpcipass.so.1" "$tmp/soname"
fi

n=3
for plain; do
	n=$((n + 1))
	if [ ! -e "$plain" ]; then
		echo "ok $n - $plain calls glibc's checked functions # SKIP not built (make check-build-plain)"
	elif nm -D --undefined-only "$plain" 2>&1 | grep -q ' U __[a-z]*_chk@'; then
		echo "ok $n - $plain calls glibc's checked functions (_FORTIFY_SOURCE)"
	else
		nm -D --undefined-only "$plain" >"$tmp/undef" 2>&1
		not_ok $n "$plain calls glibc's checked functions (_FORTIFY_SOURCE)" \
			"$tmp/undef"
	fi
done
exit $failed
