#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pcipass persist, in a lab guest (seed-server, tests/guest/suite.sh): the
# current claims written into a scratch root and taken out again, leaving
# it byte-identical (a recursive listing with types, modes and checksums);
# idempotency; bad input and failing writes change nothing. Output is TAP.
#
# usage: tests/selftests/persist.sh
#
# Needs pcipass loaded with nothing claimed and native drivers bound (as
# suite.sh leaves it); leaves it so. Exit: 0 all ok, 1 a failure, 4 skipped.
set -u

. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
tmp=$(mktemp -d)

echo "TAP version 13"
if [ "$(id -u)" != 0 ] || [ "${LAB:-}" != 1 ]; then
	echo "1..0 # SKIP needs root in a lab guest (tests/lab/run): it claims functions and mounts"
	exit 4
fi
if [ "${LAB_TOPOLOGY:-}" != seed-server ]; then
	echo "1..0 # SKIP needs the seed-server topology"
	exit 4
fi
if [ ! -d /sys/module/pcipass ] || [ ! -x "$pp" ]; then
	echo "Bail out! pcipass not loaded or no $pp"
	exit 1
fi

# ok, skip, note; $n and $failed.
. "$top/tests/tap.sh"
check() {	# DESCRIPTION COMMAND...: ok when COMMAND succeeds
	local desc=$1
	shift
	if "$@" >"$tmp/check" 2>&1; then
		ok 0 "$desc"
	else
		ok 1 "$desc" "$(cat "$tmp/check")" "$(outs)"
	fi
}

# run ARGS...: the CLI's status in $rc, output in $tmp/out, $tmp/err.
run() {
	"$pp" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if grep -qE 'Sanitizer|runtime error:' "$tmp/err"; then
		rc=99
	fi
}
outs() { printf 'stdout: %s\nstderr: %s\nexit %s' "$(cat "$tmp/out" 2>/dev/null)" "$(cat "$tmp/err" 2>/dev/null)" "${rc:-}"; }

# Everything below DIR: type, mode, owner, size, link target, checksum.
listing() {
	(cd "$1" && find . -printf '%y %m %u:%g %s %p -> %l\n' | LC_ALL=C sort &&
		find . -type f -exec sha256sum {} + | LC_ALL=C sort -k2)
}
same_as() {	# DIR FILE: DIR lists as FILE says
	listing "$1" >"$tmp/now"
	diff -u "$2" "$tmp/now"
}

# A scratch root as a real one looks: modprobe.d and initramfs-tools
# (without hooks/ and scripts/, so persist creates them), dracut with a
# module of its own, unrelated files with odd modes and a symlink.
mkroot() {	# DIR
	mkdir -p "$1"/etc/modprobe.d "$1"/etc/initramfs-tools \
		"$1"/usr/lib/dracut/modules.d/99other "$1"/var/lib
	echo 'options snd_hda_intel power_save=0' >"$1"/etc/modprobe.d/other.conf
	printf 'MODULES=most\n' >"$1"/etc/initramfs-tools/initramfs.conf
	printf '#!/bin/bash\ncheck() { return 255; }\n' \
		>"$1"/usr/lib/dracut/modules.d/99other/module-setup.sh
	chmod 0700 "$1"/usr/lib/dracut/modules.d/99other/module-setup.sh
	echo secret >"$1"/var/lib/private
	chmod 0600 "$1"/var/lib/private
	ln -s ../etc/modprobe.d/other.conf "$1"/var/lib/link
}

gpu="0000:04:00.0 0000:04:00.1 0000:04:00.2"
nvme=0000:01:00.0
R=$tmp/root
mkdir "$R"
mount -t tmpfs -o mode=0755 persist-root "$R" || { echo "Bail out! mount tmpfs"; exit 1; }
mkroot "$R"
listing "$R" >"$tmp/before"

# Start: a runtime claim of the GPU slot (its whole group).
run claim 04:00.0
ok $rc "setup: pcipass claim 04:00.0" "$(outs)"

# --- bad input changes nothing --------------------------------------------
run persist zz:00.0 root "$R"
ok $(( rc != 2 )) "bad FILTER: usage error (exit 2)" "$(outs)"
check "bad FILTER: names it" grep -q '^pcipass: invalid filter "zz:00.0"' "$tmp/err"
run persist 0e:00.0 root "$R"
ok $(( rc != 1 )) "FILTER matching nothing: exit 1" "$(outs)"
check "FILTER matching nothing: names it" grep -q '^pcipass: persist 0e:00.0: no PCI function matches' "$tmp/err"
run persist root "$tmp/nonexistent"
ok $(( rc != 1 )) "missing root: exit 1" "$(outs)"
check "missing root: names it" grep -q "^pcipass: persist: root \"$tmp/nonexistent\": No such file or directory" "$tmp/err"
run persist root "$R/var/lib/private"
ok $(( rc != 1 )) "root that is a file: exit 1" "$(outs)"
check "root that is a file: names it" grep -q 'Not a directory' "$tmp/err"
run persist root
ok $(( rc != 2 )) "root without DIR: usage error" "$(outs)"
run persist remove extra
ok $(( rc != 2 )) "persist remove with a stray argument: usage error" "$(outs)"
check "bad input left the root byte-identical" same_as "$R" "$tmp/before"
ok $(( $(find "$tmp" -maxdepth 1 -name nonexistent | wc -l) != 0 )) "missing root not created"

# --- persist ------------------------------------------------------------------
run persist "$nvme" root "$R"
ok $rc "persist $nvme root DIR (GPU slot claimed)" "$(outs)"
conf=$R/etc/modprobe.d/pcipass.conf
want="options pcipass claim=$nvme,${gpu// /,}"
check "pcipass.conf: claim= is the claimed group plus the FILTER" grep -qx "$want" "$conf"
for m in nvme snd_hda_intel xhci_pci; do
	check "pcipass.conf: softdep $m pre: pcipass" grep -qx "softdep $m pre: pcipass" "$conf"
done
check "pcipass.conf: nothing claims vfio-pci or pcipass as native" \
	bash -c "! grep -E '^softdep (vfio_pci|pcipass|pci_stub) ' '$conf'"
# modprobe itself reads the file as we mean it.
modprobe -c -C "$R/etc/modprobe.d" >"$tmp/mpc" 2>&1
check "modprobe -c reads the options line" grep -qx "$want" "$tmp/mpc"
check "modprobe -c reads the softdep line" grep -qx "softdep nvme pre: pcipass" "$tmp/mpc"
for f in initramfs-tools/hooks/pcipass initramfs-tools/scripts/init-top/pcipass; do
	check "installed etc/$f, as in contrib/" cmp "$top/contrib/$f" "$R/etc/$f"
	check "etc/$f is mode 755" test "$(stat -c %a "$R/etc/$f")" = 755
done
for f in module-setup.sh pcipass-load.sh; do
	check "installed dracut 90pcipass/$f, as in contrib/" \
		cmp "$top/contrib/dracut/90pcipass/$f" "$R/usr/lib/dracut/modules.d/90pcipass/$f"
done
check "pcipass.conf is mode 644" test "$(stat -c %a "$conf")" = 644
check "claimed functions listed" grep -q "^  0000:04:00.2 vfio-pci" "$tmp/out"
check "the FILTER's function is named as not claimed now" \
	grep -q "^  $nvme nvme (not claimed now: pcipass claim $nvme)" "$tmp/out"
check "no temporary files left" bash -c "! find '$R' -name '*.pcipass-*' | grep -q ."
echo 'options snd_hda_intel power_save=0' >"$tmp/other"
check "unrelated files untouched" cmp "$tmp/other" "$R/etc/modprobe.d/other.conf"
# The lab boots with intel_iommu=on: only iommu=pt is missing.
case ${LAB_IOMMU:-} in
intel)
	check "command line advice: add iommu=pt (VT-d)" \
		grep -q '^kernel command line: add iommu=pt (ACPI DMAR table)' "$tmp/out"
	;;
esac
check "says it does not edit the bootloader" grep -q 'does not edit the bootloader' "$tmp/out"
listing "$R" >"$tmp/after"

# --- idempotent -----------------------------------------------------------
run persist "$nvme" root "$R"
ok $rc "second persist: exit 0" "$(outs)"
check "second persist: byte-identical" same_as "$R" "$tmp/after"
check "second persist: every file unchanged" \
	bash -c "! grep -E '^(wrote|kept)' '$tmp/out'"

# "Current claims": claim the NVMe, and persist without FILTER says the same.
run claim "$nvme"
ok $rc "setup: pcipass claim $nvme" "$(outs)"
run persist root "$R"
ok $rc "persist without FILTER after claiming $nvme" "$(outs)"
check "... same policy, byte-identical" same_as "$R" "$tmp/after"
run release "$nvme"
ok $rc "setup: pcipass release $nvme" "$(outs)"

# JSON from the same calls.
run -j persist "$nvme" root "$R"
ok $rc "persist -j: exit 0" "$(outs)"
check "persist -j: JSON with claim, softdep and files" python3 -S -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["claim"] == sys.argv[2], d["claim"]
assert "nvme" in d["softdep"], d["softdep"]
assert all(f["action"] == "unchanged" for f in d["files"]), d["files"]
assert [f["bdf"] for f in d["functions"] if not f["claimed"]] == [sys.argv[3]]
assert d["cmdline"]["iommu"] in ("intel", "amd")
' "$tmp/out" "${want#options pcipass claim=}" "$nvme"

# A different policy rewrites pcipass.conf only.
run persist root "$R"
ok $rc "persist without FILTER: exit 0" "$(outs)"
check "... claim= now the GPU slot alone" grep -qx "options pcipass claim=${gpu// /,}" "$conf"
check "... only pcipass.conf written" \
	bash -c "[ \"\$(grep -c '^wrote' '$tmp/out')\" = 1 ] && grep -q '^wrote.*pcipass.conf' '$tmp/out'"

# --- remove -----------------------------------------------------------------
run persist remove root "$R"
ok $rc "persist remove: exit 0" "$(outs)"
check "persist remove: root byte-identical to before" same_as "$R" "$tmp/before"
run persist remove root "$R"
ok $rc "persist remove again: exit 0" "$(outs)"
check "persist remove again: nothing to remove" grep -q '^nothing to remove' "$tmp/out"
check "persist remove again: byte-identical" same_as "$R" "$tmp/before"

# --- someone else's pcipass.conf is never touched -----------------------------
echo "options pcipass claim=01:00.0" >"$conf"
listing "$R" >"$tmp/foreign"
run persist root "$R"
ok $(( rc != 1 )) "foreign pcipass.conf: persist refuses (exit 1)" "$(outs)"
check "foreign pcipass.conf: says so" grep -q 'was not written by pcipass persist' "$tmp/err"
run persist remove root "$R"
ok $(( rc != 1 )) "foreign pcipass.conf: remove refuses (exit 1)" "$(outs)"
check "foreign pcipass.conf: nothing changed" same_as "$R" "$tmp/foreign"
rm "$conf"

# --- a write that fails half way is rolled back -------------------------------
# The dracut module directory has room for one more inode: the directory
# 90pcipass and the first file fit, the second file does not (ENOSPC),
# after the initramfs-tools files and their directories were written.
mods=$R/usr/lib/dracut/modules.d
mount -t tmpfs -o nr_inodes=3,mode=0755 persist-full "$mods"
listing "$R" >"$tmp/full"
run persist root "$R"
ok $(( rc != 1 )) "persist into a root where a write fails: exit 1" "$(outs)"
check "... names the file" grep -q "^pcipass: persist: $mods/90pcipass/pcipass-load.sh: No space left on device" "$tmp/err"
check "... rolled back: byte-identical" same_as "$R" "$tmp/full"
umount "$mods"

# A read-only root: persist and remove fail and change nothing.
run persist root "$R"
ok $rc "setup: persist" "$(outs)"
listing "$R" >"$tmp/ro"
mount -o remount,ro "$R"
run persist "$nvme" root "$R"
ok $(( rc != 1 )) "read-only root: persist exit 1" "$(outs)"
check "read-only root: says why" grep -q 'Read-only file system' "$tmp/err"
run persist remove root "$R"
ok $(( rc != 1 )) "read-only root: remove exit 1" "$(outs)"
check "read-only root: byte-identical" same_as "$R" "$tmp/ro"
mount -o remount,rw "$R"
run persist remove root "$R"
ok $rc "persist remove after all that" "$(outs)"
check "root byte-identical to the very start" same_as "$R" "$tmp/before"

# --- nothing claimed, nothing given ---------------------------------------------
run release 04:00.0
ok $rc "setup: pcipass release 04:00.0" "$(outs)"
run persist root "$R"
ok $(( rc != 1 )) "nothing claimed and no FILTER: exit 1" "$(outs)"
check "... says so" grep -q 'nothing to persist' "$tmp/err"
check "... byte-identical" same_as "$R" "$tmp/before"
check "GPU slot back on its drivers" \
	test "$(drv 0000:04:00.1)/$(drv 0000:04:00.2)" = "snd_hda_intel/xhci_hcd"

# --- a function a built-in driver binds ----------------------------------------
# 00:11.0 is the lab's output share on virtio-pci: persist only writes a
# file, nothing is claimed. virtio_pci is built into 6.12, a module in 6.1.
R2=$tmp/root2
mkdir -p "$R2"
run persist 00:11.0 root "$R2"
ok $rc "persist 00:11.0 (virtio-pci) into an empty root" "$(outs)"
check "... claim= names it" grep -qx "options pcipass claim=0000:00:11.0" "$R2/etc/modprobe.d/pcipass.conf"
check "... still on virtio-pci (persist claims nothing)" test "$(drv 0000:00:11.0)" = virtio-pci
if [ -e /sys/module/virtio_pci/initstate ]; then
	check "... virtio_pci is a module here: softdep virtio_pci" \
		grep -qx "softdep virtio_pci pre: pcipass" "$R2/etc/modprobe.d/pcipass.conf"
else
	check "... virtio_pci is built in: no softdep for it" \
		bash -c "! grep -q '^softdep virtio_pci' '$R2/etc/modprobe.d/pcipass.conf'"
	check "... and a note that pcipass moves it at load" \
		grep -q "^note: 0000:00:11.0: built-in driver virtio_pci binds before any module loads" "$tmp/out"
fi
check "... no generator below the root: says so" grep -q "^note: no initramfs-tools or dracut below" "$tmp/out"
run persist remove root "$R2"
ok $rc "... persist remove" "$(outs)"
check "... the empty root is empty again" test -z "$(ls -A "$R2")"

umount "$R"
rm -rf "$tmp"
echo "1..$n"
[ "$failed" = 0 ]
