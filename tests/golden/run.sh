#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Golden-output tests of the CLI and of libpcipass in sysfs mode: every
# sysfs tree captured from a lab guest (tests/data/sysfs/*.tar.xz, made by
# tests/golden/capture.sh) is read through PCIPASS_SYSFS_ROOT, and each
# command's output must equal tests/golden/expected/<tree>/<case> byte for
# byte. A case's file is its stdout, followed by "--- stderr" and stderr
# and "--- exit N" when it wrote to stderr or did not exit 0.
#
#   tests/golden/run.sh [PCIPASS [LIB-DUMP]]     compare, print TAP
#   tests/golden/run.sh -u [PCIPASS [LIB-DUMP]]  rewrite the expected files
#
# Review the diff of a rewrite: it is the new truth.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
update=0
if [ "${1:-}" = -u ]; then
	update=1
	shift
fi
build=${BUILD:-build}
pcipass=${1:-$build/bin/pcipass}
libdump=${2:-$build/tests/golden/lib-dump}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# NAME|ARGS: the CLI cases; "lib" runs lib-dump instead.
cases=(
	"group.txt|"
	"group-details.txt|-d"
	"group.json|-j -p"
	"group-one.txt|group show 12"
	"dev.txt|dev show"
	"dev-details.txt|-d dev show"
	"dev.json|-j -p dev show"
	"dev-filter.json|-j dev show 01:*"
	"dev-one-details.txt|dev show 0000:01:00.0 -d"
	"dev-one.json|-j dev show 1:0.0"
	"policy.txt|policy"
	"policy.json|-j policy"
	"claim-no-module.txt|claim 01:00.0"
	"release-no-module.txt|release 01:00.0"
	"no-such-dev.txt|dev show 0000:7f:00.0"
	"no-match-dev.txt|-j dev show 7f:00.0"
	"no-match-check.txt|check 7f:00.0"
	"no-match-why.txt|why 7f:00.0"
	"no-match-xml.txt|xml 7f:00.0"
	"no-match-nova.txt|nova 7f:00.0 alias gpu"
	"no-match-kubevirt.txt|kubevirt 7f:00.0 resource example.com/gpu"
	"no-match-claim.txt|claim 7f:00.0"
	"no-such-group.txt|group show 999"
	"why-one.txt|why 0000:06:02.0"
	"why-pair.json|-j -p why 06:01.0 06:02.0"
	"lib.txt|lib"
)

# run_case OUT ROOT ARGS: run one case into OUT.
run_case() {
	local out=$1 root=$2 args=$3 rc
	if [ "$args" = lib ]; then
		PCIPASS_SYSFS_ROOT=$root "$libdump" >"$out" 2>"$tmp/err"
	else
		# shellcheck disable=SC2086
		PCIPASS_SYSFS_ROOT=$root "$pcipass" $args >"$out" 2>"$tmp/err"
	fi
	rc=$?
	if [ -s "$tmp/err" ] || [ $rc -ne 0 ]; then
		{
			if [ -s "$tmp/err" ]; then
				echo "--- stderr"
				cat "$tmp/err"
			fi
			echo "--- exit $rc"
		} >>"$out"
	fi
}

echo "TAP version 13"
n=0
trees=(tests/data/sysfs/*.tar.xz)
for t in "${trees[@]}"; do
	name=$(basename "$t" .tar.xz)
	root=$tmp/$name
	mkdir -p "$root"
	if ! tar -C "$root" -xJf "$t"; then
		n=$((n + 1))
		echo "not ok $n - $name: unpack $t"
		continue
	fi
	exp=tests/golden/expected/$name
	[ $update = 1 ] && mkdir -p "$exp"
	for c in "${cases[@]}"; do
		file=${c%%|*} args=${c#*|}
		n=$((n + 1))
		run_case "$tmp/out" "$root" "$args"
		if [ $update = 1 ]; then
			cp "$tmp/out" "$exp/$file"
			echo "ok $n - $name: pcipass ${args:-(no arguments)} # SKIP rewrote $exp/$file"
		elif cmp -s "$tmp/out" "$exp/$file"; then
			echo "ok $n - $name: pcipass ${args:-(no arguments)} matches $file"
		else
			echo "not ok $n - $name: pcipass ${args:-(no arguments)} matches $file"
			diff -u "$exp/$file" "$tmp/out" 2>&1 | head -n 40 | sed 's/^/# /'
		fi
	done
done
if [ $n = 0 ]; then
	echo "1..0 # SKIP no captured trees in tests/data/sysfs"
	exit 0
fi

# Trees no kernel writes, made from a captured one: a replayed or foreign
# tree (PCIPASS_SYSFS_ROOT, pcipass_set_sysfs_root()) must not reach past
# a buffer or read bytes it does not have.
# hostile NAME STATUS DETAIL: one result; sanitizer reports fail it.
hostile() {
	n=$((n + 1))
	if [ "$2" = 0 ] && ! grep -qE 'Sanitizer|runtime error' "$tmp/err"; then
		echo "ok $n - hostile tree: $1"
	else
		echo "not ok $n - hostile tree: $1"
		{ echo "$3"; head -n 20 "$tmp/err"; } | sed 's/^/# /'
	fi
}
src=$tmp/seed-server-6.12.107+deb12-amd64
if [ $update = 0 ] && [ -d "$src/sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0" ]; then
	h=$tmp/hostile
	cp -a "$src" "$h"
	# 1: the NVMe's parent directory parses as a PCI address, with 20
	# more leading zeros than pci_name() writes.
	long=000000000000000000000000:00:02.0
	mkdir "$h/sys/devices/pci0000:00/$long"
	mv "$h/sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0" \
		"$h/sys/devices/pci0000:00/$long/"
	ln -sfn "../../../devices/pci0000:00/$long/0000:01:00.0" \
		"$h/sys/bus/pci/devices/0000:01:00.0"
	ln -sfn "../../../../devices/pci0000:00/$long/0000:01:00.0" \
		"$h/sys/kernel/iommu_groups/12/devices/0000:01:00.0"
	for args in "dev show 0000:01:00.0" "-j dev show 0000:01:00.0"; do
		out=$(PCIPASS_SYSFS_ROOT=$h "$pcipass" $args 2>"$tmp/err")
		rc=$?
		[ $rc = 0 ] && [[ $out != *"$long"* ]] && [[ $out == *0000:01:00.0* ]]
		hostile "pcipass $args under a parent named $long" $? \
			"exit $rc; stdout: $out"
	done
	PCIPASS_SYSFS_ROOT=$h "$libdump" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = 0 ] && ! grep -q "$long" "$tmp/out"
	hostile "lib-dump under a parent named $long" $? "exit $rc"
	# 2: a config space that ends 2 bytes into the extended space, where
	# those 2 bytes name the ACS capability: there is no header to read.
	h=$tmp/hostile2
	cp -a "$src" "$h"
	cfg=$h/sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0/config
	head -c 256 "$src/sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0/config" >"$cfg"
	printf '\015\000' >>"$cfg"
	out=$(PCIPASS_SYSFS_ROOT=$h "$pcipass" -j dev show 0000:01:00.0 2>"$tmp/err")
	rc=$?
	[ $rc = 0 ] && [[ $out != *acs-cap* ]]
	hostile "config space of 258 bytes: no ACS capability read past its end" $? \
		"exit $rc; stdout: $out"
	# 3: a driver whose name holds a newline and a modprobe directive:
	# persist writes driver names into modprobe.d, where "install" runs
	# a command as root at boot.
	h=$tmp/hostile3
	cp -a "$src" "$h"
	evil=$'nvme\ninstall nvme true'
	mkdir -p "$h/sys/bus/pci/drivers/$evil" "$tmp/persist-root"
	ln -sfn "../../../../bus/pci/drivers/$evil" \
		"$h/sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0/driver"
	PCIPASS_SYSFS_ROOT=$h "$pcipass" persist 01:00.0 root "$tmp/persist-root" \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	conf=$tmp/persist-root/etc/modprobe.d/pcipass.conf
	bad=$(grep -vE '^(#|options pcipass claim=[0-9a-f:.,]+$|softdep [A-Za-z0-9_.-]+ pre: pcipass$)' \
		"$conf" 2>&1)
	[ $rc = 0 ] && [ -s "$conf" ] && [ -z "$bad" ] &&
		grep -q '0000:01:00.0: a driver or module name' "$tmp/err"
	hostile "persist writes no directive a driver's name holds" $? \
		"exit $rc; lines that are not pcipass's: $bad"
	# 4-9: persist's root may be an image from elsewhere, and persist
	# runs as root: no link below the root is followed, no file but a
	# regular one opened, and remove takes only what persist wrote.
	# listing DIR: every path, type, mode and checksum below DIR.
	listing() {
		(cd "$1" && find . -printf '%p %y %m %l\n' | sort &&
			find . -type f -exec sha256sum {} + | sort)
	}
	# persist_in ROOT ARGS...: pcipass persist on the captured tree.
	persist_in() {
		local r=$1
		shift
		PCIPASS_SYSFS_ROOT=$src timeout 60 "$pcipass" persist "$@" \
			root "$r" >"$tmp/out" 2>"$tmp/err"
	}
	out=$tmp/outside
	mkdir -p "$out/modprobe.d" "$out/initramfs-tools/hooks"
	echo 'options snd index=1' >"$out/modprobe.d/sound.conf"
	listing "$out" >"$tmp/outside.before"
	r=$tmp/root4
	mkdir -p "$r"
	ln -s "$out" "$r/etc"
	persist_in "$r" 01:00.0
	rc=$?
	listing "$out" >"$tmp/outside.after"
	[ $rc = 1 ] && cmp -s "$tmp/outside.before" "$tmp/outside.after" &&
		[ "$(ls -A "$r")" = etc ] &&
		grep -qx "pcipass: persist: $r/etc: a symbolic link; persist follows none below its root" "$tmp/err"
	hostile "persist root R with R/etc a link out of R: names the link, writes nothing" $? \
		"exit $rc; $(diff "$tmp/outside.before" "$tmp/outside.after")"
	# 5: pcipass.conf a FIFO (would block) and a link (to a device).
	r=$tmp/root5
	mkdir -p "$r/etc/modprobe.d"
	mkfifo "$r/etc/modprobe.d/pcipass.conf"
	persist_in "$r" 01:00.0
	rc=$?
	[ $rc = 1 ] && [ -p "$r/etc/modprobe.d/pcipass.conf" ] &&
		grep -qx "pcipass: persist: $r/etc/modprobe.d/pcipass.conf: not a regular file; persist opens no other kind" "$tmp/err"
	hostile "persist with pcipass.conf a FIFO: does not open it, says so" $? "exit $rc"
	rm "$r/etc/modprobe.d/pcipass.conf"
	ln -s /dev/null "$r/etc/modprobe.d/pcipass.conf"
	persist_in "$r" 01:00.0
	rc=$?
	[ $rc = 1 ] && [ -L "$r/etc/modprobe.d/pcipass.conf" ] &&
		grep -qx "pcipass: persist: $r/etc/modprobe.d/pcipass.conf: a symbolic link; persist follows none below its root" "$tmp/err"
	hostile "persist with pcipass.conf a link to a device: does not follow it" $? "exit $rc"
	# 6: under umask 077, what persist creates is still readable at boot.
	r=$tmp/root6
	mkdir -p "$r/usr/share/initramfs-tools"
	(umask 077 && persist_in "$r" 01:00.0)
	rc=$?
	modes=$(cd "$r" && stat -c '%a %n' etc etc/modprobe.d \
		etc/modprobe.d/pcipass.conf etc/initramfs-tools/hooks \
		etc/initramfs-tools/hooks/pcipass 2>&1 | tr '\n' ' ')
	[ $rc = 0 ] && [ "$modes" = "755 etc 755 etc/modprobe.d 644 etc/modprobe.d/pcipass.conf 755 etc/initramfs-tools/hooks 755 etc/initramfs-tools/hooks/pcipass " ]
	hostile "persist under umask 077: directories 755, files 755 and 644" $? \
		"exit $rc; modes: $modes"
	# 7: remove leaves a recorded file that was edited since, names it,
	# and takes the rest.
	listing "$r" >/dev/null
	echo '# local change' >>"$r/etc/initramfs-tools/hooks/pcipass"
	cp "$r/etc/initramfs-tools/hooks/pcipass" "$tmp/edited"
	PCIPASS_SYSFS_ROOT=$src "$pcipass" persist remove root "$r" \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = 0 ] && cmp -s "$tmp/edited" "$r/etc/initramfs-tools/hooks/pcipass" &&
		[ ! -e "$r/etc/modprobe.d/pcipass.conf" ] &&
		[ ! -e "$r/etc/initramfs-tools/scripts/init-top/pcipass" ] &&
		grep -qx "kept      $r/etc/initramfs-tools/hooks/pcipass (changed since pcipass persist wrote it, left in place)" "$tmp/out"
	hostile "persist remove keeps a recorded file edited since, and names it" $? \
		"exit $rc; $(cat "$tmp/out")"
	# 8: remove through a root whose etc links out of it, to a tree
	# with pcipass's record in it: nothing outside changes.
	r=$tmp/root8
	mkdir -p "$r/usr/share/initramfs-tools"
	persist_in "$r" 01:00.0 && mv "$r/etc" "$tmp/outside8" &&
		ln -s "$tmp/outside8" "$r/etc"
	listing "$tmp/outside8" >"$tmp/outside.before"
	PCIPASS_SYSFS_ROOT=$src "$pcipass" persist remove root "$r" \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	listing "$tmp/outside8" >"$tmp/outside.after"
	[ $rc = 1 ] && cmp -s "$tmp/outside.before" "$tmp/outside.after" &&
		grep -qx "pcipass: persist: $r/etc: a symbolic link; persist follows none below its root" "$tmp/err"
	hostile "persist remove with R/etc a link out of R: removes nothing there" $? \
		"exit $rc; $(diff "$tmp/outside.before" "$tmp/outside.after")"
	# 9b: a rename that fails after others were done (pcipass.conf is a
	# mount point: EBUSY) undoes them all, and says so.
	r=$tmp/root9
	mkdir -p "$r/usr/share/initramfs-tools"
	persist_in "$r" 02:00.0 && rm -r "$r/etc/initramfs-tools" &&
		listing "$r" >"$tmp/root.before"
	if unshare -m --propagation private true 2>/dev/null; then
		unshare -m --propagation private sh -c '
			mount --bind "$1" "$1" && shift && exec "$@"' _ \
			"$r/etc/modprobe.d/pcipass.conf" \
			env PCIPASS_SYSFS_ROOT="$src" "$pcipass" persist 01:00.0 \
			root "$r" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		listing "$r" >"$tmp/root.after"
		[ $rc = 1 ] && cmp -s "$tmp/root.before" "$tmp/root.after" &&
			grep -qx "pcipass: persist: $r/etc/modprobe.d/pcipass.conf: Device or resource busy" "$tmp/err" &&
			grep -qx "pcipass: persist: nothing changed" "$tmp/err"
		hostile "persist whose last rename fails: the hooks renamed before are undone, says nothing changed" $? \
			"exit $rc; $(diff "$tmp/root.before" "$tmp/root.after" | head -n 5)"
	else
		n=$((n + 1))
		echo "ok $n - hostile tree: persist whose last rename fails # SKIP no private mount namespace here (root, unshare)"
	fi
	# 9c: another writer creates pcipass.conf just before persist renames
	# its own into place (tests/golden/rename-race.c): theirs stays, and
	# what persist cannot undo (the directories, no longer empty) it
	# names.
	r=$tmp/root9c
	mkdir -p "$r"
	if ${CC:-cc} -shared -fPIC -Wall -Wextra -Werror -o "$tmp/race.so" \
		tests/golden/rename-race.c -ldl 2>"$tmp/err"; then
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
			LD_PRELOAD=$tmp/race.so PCIPASS_SYSFS_ROOT=$src \
			"$pcipass" persist 01:00.0 root "$r" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		[ $rc = 1 ] &&
			[ "$(cat "$r/etc/modprobe.d/pcipass.conf")" = "# someone else's" ] &&
			grep -qx "pcipass: persist: $r/etc/modprobe.d/pcipass.conf: File exists" "$tmp/err" &&
			grep -qx "pcipass: persist: undoing mkdir $r/etc/modprobe.d: Directory not empty" "$tmp/err" &&
			grep -qx "pcipass: persist: the undo above failed: $r is not as it was" "$tmp/err"
		hostile "persist when pcipass.conf appears before its rename: keeps theirs, names what it cannot undo" $? \
			"exit $rc; pcipass.conf: $(head -c 80 "$r/etc/modprobe.d/pcipass.conf" 2>&1)"
	else
		n=$((n + 1))
		echo "ok $n - hostile tree: persist racing another writer # SKIP cannot build the LD_PRELOAD shim: $(head -n 1 "$tmp/err")"
	fi
	# 10-11: a sysfs root is a tree to read: runtime claims and releases
	# write nothing in it (its links may point at the running system).
	h=$tmp/hostile10
	cp -a "$src" "$h"
	listing "$h" >"$tmp/tree.before"
	for op in claim release; do
		PCIPASS_SYSFS_ROOT=$h "$pcipass" $op 01:00.0 runtime \
			>"$tmp/out" 2>"$tmp/err"
		rc=$?
		listing "$h" >"$tmp/tree.after"
		[ $rc = 1 ] && cmp -s "$tmp/tree.before" "$tmp/tree.after" &&
			grep -qx "Error: sysfs root \"$h\" is only read: runtime claims change the running kernel's sysfs" "$tmp/err"
		hostile "$op runtime under a sysfs root: refused, the tree unchanged" $? \
			"exit $rc; $(diff "$tmp/tree.before" "$tmp/tree.after" | head -n 5)"
	done
	# 12-13: check reads the ROM of a function no driver uses, or on
	# request: enabling a ROM can disturb the driver using the function.
	d=$h/sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0
	printf 'not a ROM' >"$d/rom"
	PCIPASS_SYSFS_ROOT=$h PCIPASS_SYSROOT=$h "$pcipass" -j check 01:00.0 \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	python3 -S -c '
import json, sys
rom = [f for f in json.load(open(sys.argv[1])) if f["check"] == "rom"]
sys.exit(not (len(rom) == 1 and rom[0]["result"] == "skip" and
              "nvme drives the function" in rom[0]["why"]))' "$tmp/out"
	hostile "check skips the ROM of a function nvme drives" $? \
		"exit $rc; $(head -c 600 "$tmp/out")"
	PCIPASS_SYSFS_ROOT=$h PCIPASS_SYSROOT=$h "$pcipass" -j check 01:00.0 rom \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	python3 -S -c '
import json, sys
rom = [f for f in json.load(open(sys.argv[1])) if f["check"] == "rom"]
sys.exit(not (len(rom) == 1 and "holds no valid image" in rom[0]["why"]))' "$tmp/out"
	hostile "check 01:00.0 rom reads it on request" $? \
		"exit $rc; $(head -c 600 "$tmp/out")"
	# 14: a reset but no reset_method (kernels before 5.15): the NVMe's
	# config space offers FLR, which the kernel tries first. (Since 5.15
	# no reset and no reset_method means no reset at all.)
	: >"$d/reset"
	PCIPASS_SYSFS_ROOT=$h "$pcipass" -j check 01:00.0 >"$tmp/out" 2>"$tmp/err"
	python3 -S -c '
import json, sys
r = [f for f in json.load(open(sys.argv[1])) if f["check"] == "reset"]
sys.exit(not (len(r) == 1 and r[0]["result"] == "pass" and r[0]["why"].startswith("FLR")))' "$tmp/out"
	hostile "check without reset_method: FLR from config space" $? \
		"$(grep -o '"check":"reset"[^}]*' "$tmp/out")"
	# 15: "viable" is group show's word for a group a VFIO user can open
	# now; check's group finding is about the function's mates and says
	# so in other words.
	PCIPASS_SYSFS_ROOT=$h "$pcipass" -j check 04:00.1 >"$tmp/out" 2>"$tmp/err"
	PCIPASS_SYSFS_ROOT=$h "$pcipass" -j check 00:1f.2 >"$tmp/out2" 2>"$tmp/err"
	python3 -S -c '
import json, re, sys
g = [f for a in sys.argv[1:] for f in json.load(open(a)) if f["check"] == "group"]
sys.exit(not (len(g) == 2 and
              re.fullmatch(r"group \d+ has functions the host uses: 0000:04:00.2 on xhci_hcd", g[0]["why"]) and
              re.match(r"group \d+ can be assigned whole: 3 functions", g[1]["why"]) and
              "viable" not in g[0]["why"] + g[1]["why"]))' "$tmp/out" "$tmp/out2"
	hostile "check's group finding does not say viable, which group show means otherwise" $? \
		"$(cat "$tmp/out" "$tmp/out2" | grep -o '"check":"group"[^}]*')"
fi
echo "1..$n"
