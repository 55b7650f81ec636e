#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The pcipass CLI without the kernel module: exit codes and messages.
# usage: tests/unit/test-cli.sh PATH-TO-PCIPASS
# Prints TAP.

bin=${1:?usage: $0 PATH-TO-PCIPASS}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

# run ARGS...: exit status in $rc, output in $tmp/out and $tmp/err
run() {
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	# A sanitizer build must stay quiet (UBSan does not stop by default).
	if grep -qE 'Sanitizer|runtime error:' "$tmp/err"; then
		rc=99
	fi
}

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
		sed 's/^/# stdout: /' "$tmp/out"
		sed 's/^/# stderr: /' "$tmp/err"
		echo "# exit status: $rc"
	fi
}

skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

# expect_fail DESCRIPTION STATUS STDERR-LINE ARGS...: exit with STATUS,
# nothing on stdout, STDERR-LINE (exact) on stderr.
expect_fail() {
	desc=$1 status=$2 line=$3
	shift 3
	run "$@"
	[ "$rc" -eq "$status" ] && [ ! -s "$tmp/out" ] &&
		grep -qxF -- "$line" "$tmp/err"
	ok $? "$desc"
}

echo "TAP version 13"

if [ -d /sys/module/pcipass ]; then
	for t in "pcipass -s netlink" "pcipass -s netlink group" \
		 "pcipass -s netlink -j -p group show" "pcipass -s netlink dev show" \
		 "pcipass -s netlink dev show 0000:05:00.0" "pcipass (sysfs fallback)" \
		 "pcipass -j (sysfs fallback)" "pcipass policy" "pcipass claim"; do
		skip "$t without the module" "pcipass module loaded"
	done
else
	# The error names the command the user ran, not an internal verb.
	for args in "" "group" "-j -p group show" "dev show" "dev show 05:00.0 -d"; do
		case $args in
		dev*) verb="dev show" ;;
		*) verb="group show" ;;
		esac
		# shellcheck disable=SC2086
		expect_fail "pcipass -s netlink $args: module not loaded, exit 1" 1 \
			"pcipass: $verb: No such file or directory" -s netlink $args
		grep -qxF "Error: pcipass kernel module not loaded" "$tmp/err"
		ok $? "pcipass -s netlink $args: says why"
	done
	expect_fail "-s netlink dev show BDF: module not loaded, exit 1" 1 \
		"pcipass: dev show 0000:05:00.0: No such file or directory" \
		--source=netlink dev show 0000:05:00.0

	# Without -s: the read-only sysfs source, and it says so.
	run
	[ "$rc" -eq 0 ] && ! grep -q '^source:' "$tmp/out" &&
		grep -q '^pcipass: source: sysfs (.*no generation check' "$tmp/err"
	ok $? "pcipass without the module: sysfs, says so on stderr, not in the table"
	run -j
	[ "$rc" -eq 0 ] && ! grep -q '"source":"netlink"' "$tmp/out" &&
		{ [ "$(cat "$tmp/out")" = "[]" ] || grep -q '"source":"sysfs"' "$tmp/out"; }
	ok $? "pcipass -j without the module: \"source\": \"sysfs\""
	run policy
	[ "$rc" -eq 0 ] && grep -q '^no pcipass module loaded' "$tmp/out"
	ok $? "pcipass policy without the module: says no module, exit 0"
	bdf=$(ls /sys/bus/pci/devices 2>/dev/null | head -n 1)
	if [ -n "$bdf" ]; then
		run claim "$bdf"
		[ "$rc" -eq 1 ] && [ ! -s "$tmp/out" ] &&
			grep -q "^pcipass: claim $bdf: the pcipass kernel module is not loaded" "$tmp/err" &&
			grep -q '^Error: load it .*modprobe pcipass claim=' "$tmp/err"
		ok $? "pcipass claim without the module: refused, says how to load it"
	else
		skip "pcipass claim without the module" "no PCI function on this host"
	fi
fi

expect_fail "bad filter character" 2 \
	'pcipass: invalid filter "05:zz": bad character at "zz"' dev show 05:zz
expect_fail "filter out of range" 2 \
	'pcipass: invalid filter "100:00.0": number out of range at "100"' \
	dev show 100:00.0
expect_fail "function out of range" 2 \
	'pcipass: invalid filter "05:00.8": number out of range at "8"' \
	dev show 05:00.8
expect_fail "unknown object" 2 \
	'pcipass: unknown object "bogus"; try "pcipass help"' bogus
expect_fail "unknown dev verb" 2 \
	'pcipass: unknown dev command "frob"; try "pcipass dev help"' dev frob
expect_fail "unknown group verb" 2 \
	'pcipass: unknown group command "frob"; try "pcipass group help"' \
	group frob
expect_fail "unknown option" 2 \
	'pcipass: unknown option "-x"; try "pcipass help"' -x
expect_fail "a long option without a value given one: names it as written" 2 \
	'pcipass: option "--json" takes no value ("--json=pretty"); try "pcipass help"' \
	--json=pretty
expect_fail "-V with an unknown option after it: refused, no version" 2 \
	'pcipass: unknown option "-x"; try "pcipass help"' -Vx
expect_fail "unknown long option" 2 \
	'pcipass: unknown option "--frob"; try "pcipass help"' --frob
expect_fail "unknown trailing option" 2 \
	'pcipass: unknown option "-z"; try "pcipass help"' dev show -z
expect_fail "bad group id" 2 \
	'pcipass: invalid group "12x": not a group id' group show 12x
expect_fail "extra argument" 2 \
	'pcipass: unexpected argument "2"; try "pcipass dev help"' \
	dev show 1 2

expect_fail "claim without a filter" 2 \
	'pcipass: claim: no FILTER given; try "pcipass claim help"' claim
expect_fail "release without a filter" 2 \
	'pcipass: release: no FILTER given; try "pcipass release help"' \
	release function-only
expect_fail "claim with a bad filter" 2 \
	'pcipass: invalid filter "zz": bad character at "zz"' claim 01:00.0 zz
expect_fail "force is a keyword of release too, not a filter" 2 \
	'pcipass: release: no FILTER given; try "pcipass release help"' \
	release force
expect_fail "monitor takes no argument" 2 \
	'pcipass: unexpected argument "x"; try "pcipass monitor help"' \
	monitor x

expect_fail "bad source" 2 \
	'pcipass: invalid source "bogus": auto, netlink or sysfs' -s bogus
expect_fail "source without argument" 2 \
	'pcipass: option "-s" needs auto, netlink or sysfs' -s
expect_fail "trailing source without argument" 2 \
	'pcipass: option "--source" needs auto, netlink or sysfs' dev show --source
expect_fail "unknown policy verb" 2 \
	'pcipass: unknown policy command "frob"; try "pcipass policy help"' \
	policy frob
expect_fail "policy show takes no argument" 2 \
	'pcipass: unexpected argument "x"; try "pcipass policy help"' \
	policy show x
# xml, attach, nova, kubevirt: arguments are checked before the kernel is asked.
expect_fail "xml without a filter" 2 \
	'pcipass: xml: no FILTER given; try "pcipass xml help"' xml
expect_fail "xml with a bad filter" 2 \
	'pcipass: invalid filter "04:zz": bad character at "zz"' xml 04:zz
expect_fail "xml with a bad managed value" 2 \
	'pcipass: xml: invalid managed "maybe": use "yes" or "no"' \
	xml 04:00.0 managed maybe
expect_fail "xml managed without a value" 2 \
	'pcipass: xml: managed needs "yes" or "no"' xml 04:00.0 managed
expect_fail "xml with a bad guest address" 2 \
	'pcipass: xml: invalid guest address "0:20": use BUS:SLOT, hexadecimal, bus up to ff and slot up to 1f' \
	xml 04:00.0 guest 0:20
expect_fail "xml -j is refused" 2 \
	'pcipass: xml: no JSON output, the output is libvirt XML; drop -j' \
	-j xml 04:00.0
expect_fail "xml with an unknown keyword" 2 \
	'pcipass: xml: unexpected argument "config"; try "pcipass xml help"' \
	xml 04:00.0 config
expect_fail "attach without a filter" 2 \
	'pcipass: attach: need DOMAIN and FILTER; try "pcipass attach help"' \
	attach vm1
expect_fail "attach with an unknown keyword" 2 \
	'pcipass: attach: unexpected argument "persistent"; try "pcipass attach help"' \
	attach vm1 04:00.0 persistent
expect_fail "attach connect without a URI" 2 \
	'pcipass: attach: connect needs a libvirt URI' attach vm1 04:00.0 connect
expect_fail "attach with a bad managed value" 2 \
	'pcipass: attach: invalid managed "0": use "yes" or "no"' \
	attach vm1 04:00.0 managed 0

# Only attach loads libvirt, with dlopen(): linked, it would bring its 60
# libraries (glib, TLS, Kerberos) into every run.
if command -v ldd >/dev/null; then
	ldd "$bin" >"$tmp/ldd" 2>"$tmp/err"
	rc=$?
	grep -E 'libvirt|libgnutls' "$tmp/ldd" >"$tmp/out"
	[ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ]
	ok $? "the CLI links neither libvirt nor libgnutls"
else
	skip "the CLI links neither libvirt nor libgnutls" "no ldd"
fi
# An empty libvirt.so.0 first in the library path: dlopen() fails. The
# arguments are valid, so the message is the loader's; test:///default is
# libvirt's in-process test driver, should libvirt load all the same.
mkdir "$tmp/nolibvirt" && : >"$tmp/nolibvirt/libvirt.so.0"
(
	LD_LIBRARY_PATH=$tmp/nolibvirt${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	export LD_LIBRARY_PATH
	run attach vm1 04:00.0 connect test:///default
	exit "$rc"
)
rc=$?
[ "$rc" -eq 1 ] && [ ! -s "$tmp/out" ] &&
	grep -q "^pcipass: attach: cannot load libvirt\.so\.0 (install libvirt0): $tmp/nolibvirt/libvirt\.so\.0: ." "$tmp/err"
ok $? "attach without a loadable libvirt.so.0: says so, exit 1"
# With libvirt, through its test driver: nothing on the host changes.
bdf=
for d in /sys/bus/pci/devices/*; do
	[ -e "$d" ] || continue
	d=${d##*/}
	run xml "$d" function-only
	if [ "$rc" -eq 0 ]; then
		bdf=$d
		break
	fi
done
if [ -n "$bdf" ]; then
	run attach pcipass-no-such-vm "$bdf" function-only connect test:///default
	[ "$rc" -eq 1 ] && [ ! -s "$tmp/out" ] &&
		grep -q '^pcipass: attach pcipass-no-such-vm: Domain not found' "$tmp/err"
	ok $? "attach loads libvirt: its message for an unknown domain, exit 1"
else
	skip "attach loads libvirt" "no PCI function \"pcipass xml\" takes"
fi

expect_fail "nova without an alias" 2 \
	'pcipass: nova: no alias NAME given; try "pcipass nova help"' nova 04:00.0
expect_fail "nova with a bad alias name" 2 \
	'pcipass: nova: invalid alias name "gpu:1": use 1 to 240 characters, none of : , " \ or blanks (a flavor asks for NAME:COUNT,...)' \
	nova 04:00.0 alias gpu:1
# A carriage return or newline would end the INI comment the name goes in.
for c in 'CR:\r' 'LF:\n' 'ESC:\033'; do
	run nova 04:00.0 alias "$(printf "gpu${c#*:}x")"
	[ "$rc" -eq 2 ] && [ ! -s "$tmp/out" ] &&
		grep -q '^pcipass: nova: invalid alias name ' "$tmp/err"
	ok $? "nova with a control character (${c%%:*}) in the alias name: usage error"
done
expect_fail "kubevirt without a resource" 2 \
	'pcipass: kubevirt: no resource NAME given; try "pcipass kubevirt help"' \
	kubevirt 04:00.0
expect_fail "kubevirt with an unqualified resource name" 2 \
	"pcipass: kubevirt: invalid resource name \"gpu\": use DOMAIN/NAME, as example.com/gpu (a lower-case domain, then letters, digits, '.', '-', '_')" \
	kubevirt 04:00.0 resource gpu

# A verb that changes the host is not taken from one or two letters.
expect_fail "\"r\" is not release" 2 \
	'pcipass: "r" is too short for release, which changes the host: write at least "rel"' \
	r 01:00.0
expect_fail "\"cl\" is not claim" 2 \
	'pcipass: "cl" is too short for claim, which changes the host: write at least "cla"' \
	cl 01:00.0
run rel help
[ "$rc" -eq 0 ] && grep -q "^Usage: pcipass .*release FILTER" "$tmp/out"
ok $? "\"rel\" is release"

# A mistyped keyword is named as one, with the nearest suggested; it is
# not taken for a filter.
expect_fail "claim with a mistyped keyword: says so, suggests force" 2 \
	'pcipass: claim: unknown keyword "forc"; did you mean "force"?' \
	claim 00:02.0 forc
expect_fail "release with a keyword's beginning: suggests function-only" 2 \
	'pcipass: release: unknown keyword "func"; did you mean "function-only"?' \
	release 01:00.0 func
expect_fail "claim with an unknown word: unknown keyword, see help" 2 \
	'pcipass: claim: unknown keyword "xyzzy"; try "pcipass claim help"' \
	claim 01:00.0 xyzzy
expect_fail "persist with a mistyped keyword: suggests root" 2 \
	'pcipass: persist: unknown keyword "rot"; did you mean "root"?' \
	persist 01:00.0 rot /mnt
expect_fail "claim with a bad filter is still a bad filter" 2 \
	'pcipass: invalid filter "zz:00.0": bad character at "zz:00.0"' \
	claim zz:00.0

# persist remove unlinks what pcipass.conf records, as root, in a root that
# may be an image from elsewhere: a record that names anything persist
# never writes (a path out of the root, an overlong one) stops it before
# it changes anything.
rec_root=$tmp/persist-root
mkdir -p "$rec_root/etc/modprobe.d"
echo keep >"$tmp/victim"
for rec in "file: ../victim" "dir: ../../.." "file: etc/passwd" \
	   "file: $(printf 'a/%.0s' $(seq 2100))x"; do
	{
		echo '# Written by "pcipass persist"; "pcipass persist remove" takes it out'
		echo 'options pcipass claim=0000:01:00.0'
		echo "# pcipass-persist-$rec"
	} >"$rec_root/etc/modprobe.d/pcipass.conf"
	run persist remove root "$rec_root"
	[ "$rc" -eq 1 ] && [ -e "$tmp/victim" ] &&
		[ -e "$rec_root/etc/modprobe.d/pcipass.conf" ] &&
		grep -q "^pcipass: persist: .*/etc/modprobe.d/pcipass.conf records \".*\", which persist never writes; nothing changed$" "$tmp/err"
	ok $? "persist remove refuses a record \"$(echo "$rec" | cut -c1-40)\", removes nothing"
done

run -V
[ "$rc" -eq 0 ] && grep -qE '^pcipass [0-9]' "$tmp/out"
ok $? "-V prints the version"
run --version
[ "$rc" -eq 0 ] && grep -qE '^pcipass [0-9]' "$tmp/out"
ok $? "--version prints the version"
for args in "help" "-h" "dev help" "group help" "d h" "g he" \
	    "claim help" "release help" "monitor help" "policy help" "persist help" \
	    "xml help" "attach help" "nova help" "kubevirt help"; do
	# shellcheck disable=SC2086
	run $args
	[ "$rc" -eq 0 ] && grep -q '^Usage: pcipass' "$tmp/out" &&
		[ ! -s "$tmp/err" ]
	ok $? "pcipass $args: usage on stdout, exit 0"
done
# Per-object help, however it is asked for: -h or --help after the object
# (even after a filter: it claims nothing) and "help OBJECT" print the
# object's own usage, the same as "OBJECT help".
for pair in "dev show --help|dev help" "dev --help|dev help" "help dev|dev help" \
	    "claim 01:00.0 -h|claim help" "help claim|claim help" \
	    "release --help|release help" "why -h|why help" \
	    "check --help|check help" "help persist|persist help" \
	    "monitor --help|monitor help" "-j help xml|xml help"; do
	# shellcheck disable=SC2086
	run ${pair%%|*}
	cp "$tmp/out" "$tmp/asked"
	asked_rc=$rc
	# shellcheck disable=SC2086
	run ${pair#*|}
	[ "$asked_rc" -eq 0 ] && [ "$rc" -eq 0 ] && [ -s "$tmp/out" ] &&
		cmp -s "$tmp/asked" "$tmp/out"
	ok $? "pcipass ${pair%%|*}: the same usage as \"pcipass ${pair#*|}\", exit 0"
done
expect_fail "help for an unknown object: usage error" 2 \
	'pcipass: unknown object "nosuch"; try "pcipass help"' help nosuch
run --help
grep -q 'release FILTER\.\.\. \[function-only\] \[force\]' "$tmp/out"
ok $? "--help lists force for release"

echo "1..$n"
[ "$failed" -eq 0 ]
