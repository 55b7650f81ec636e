#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The libFuzzer targets of tests/fuzz/, side by side, each for a bounded
# time: fuzz-rom (the ROM parser of "pcipass check", tools/rom.c) and
# fuzz-sysfs (libpcipass's sysfs reader, lib/sysfs.c). "make check-build" builds them
# into $BUILD/tests/fuzz (tests/fuzz/fuzz.mk); this script builds nothing.
# Each starts from seeds made here, in a temporary corpus: the option ROMs
# QEMU's firmware packages install (ipxe-qemu, seabios), and one input per
# function of the captured trees of tests/data/sysfs/.
#
# Prints TAP, one result per target: ok when libFuzzer ends without a
# finding, not ok with the first lines of the report (the input is kept in
# FUZZ-DIR/findings/ to replay: FUZZ-DIR/TARGET FILE), a skip when the
# build found no clang with libFuzzer.
#
# usage: tests/fuzz/run.sh [FUZZ-DIR]
#   FUZZ-DIR  where the fuzzers are (default: $BUILD/tests/fuzz, BUILD=build)
# env:   PCIPASS_FUZZ_SECONDS  seconds per target (default 30)
set -uo pipefail

dir=${1:+$(realpath -m "$1")}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. "$top/tests/tap.sh"
dir=${dir:-${BUILD:-build}/tests/fuzz}
secs=${PCIPASS_FUZZ_SECONDS:-30}
targets=(fuzz-rom fuzz-sysfs)

echo "TAP version 13"
echo "1..${#targets[@]}"
if ! [[ $secs =~ ^[1-9][0-9]*$ ]]; then
	for t in "${targets[@]}"; do
		ok 1 "$t: not run" \
			"PCIPASS_FUZZ_SECONDS='$secs' is not a positive number"
	done
	exit 1
fi

# On tmpfs where there is one: fuzz-sysfs writes a small tree per input,
# and ran about ten times as many inputs a second there as on ext4.
tmp=
[ -w /dev/shm ] && tmp=$(mktemp -d -p /dev/shm pcipass-fuzz.XXXXXX)
[ -n "$tmp" ] || tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# Option ROMs: Debian's packages first, then where an upstream QEMU build
# keeps them. Each also cut down: every image to the 512-byte units its
# headers need, and the first such image chained 17 times, one more than
# the parser takes (ROM_MAX_IMAGES): mutations then land on the headers
# rather than on code, and the parser's every exit is near.
rom_seeds() {
	local f roms=()
	mkdir -p "$tmp/fuzz-rom"
	for f in /usr/lib/ipxe/qemu/efi-e1000e.rom /usr/lib/ipxe/qemu/pxe-virtio.rom \
		/usr/share/seabios/vgabios-stdvga.bin \
		/usr/share/seabios/vgabios-virtio.bin \
		/usr/share/qemu/efi-e1000e.rom /usr/share/qemu/vgabios-stdvga.bin; do
		[ -f "$f" ] && roms+=("$f")
	done
	[ ${#roms[@]} -gt 0 ] || return 0
	cp "${roms[@]}" "$tmp/fuzz-rom/"
	command -v python3 >/dev/null || return 0
	python3 - "$tmp/fuzz-rom" "${roms[@]}" <<'PY'
import os, struct, sys

out = sys.argv[1]
for path in sys.argv[2:]:
    rom = open(path, "rb").read()
    images, off = [], 0
    while off + 0x1a <= len(rom) and rom[off:off + 2] == b"\x55\xaa":
        pcir = struct.unpack_from("<H", rom, off + 0x18)[0]
        if rom[off + pcir:off + pcir + 4] != b"PCIR":
            break
        units = struct.unpack_from("<H", rom, off + pcir + 0x10)[0]
        keep = max(1, min(units, (pcir + 0x18 + 511) // 512))
        img = bytearray(rom[off:off + keep * 512])
        if len(img) < pcir + 0x18:
            break
        struct.pack_into("<H", img, pcir + 0x10, keep)
        images.append((img, pcir))
        if rom[off + pcir + 0x15] & 0x80 or not units:
            break
        off += units * 512
    if not images:
        continue
    name = os.path.basename(path)
    with open(os.path.join(out, "cut-" + name), "wb") as f:
        f.write(b"".join(img for img, _ in images))
    img, pcir = images[0]
    if len(img) > 512:
        continue
    with open(os.path.join(out, "chain-" + name), "wb") as f:
        for n in range(17):
            img[pcir + 0x15] = 0x80 if n == 16 else 0
            f.write(img)
PY
}

# line FILE: its first line, or an empty one when it is missing.
line() {
	local l=
	[ -f "$1" ] && IFS= read -r l <"$1"
	printf '%s\n' "$l"
}

# One input per function, in the layout of fuzz-sysfs.c: its name, its
# parent directory's, its files and link targets one a line, then its
# config space.
sysfs_seeds() {
	local tarball tree d real parent f l name
	mkdir -p "$tmp/fuzz-sysfs"
	for tarball in tests/data/sysfs/*.tar.xz; do
		name=$(basename "$tarball" .tar.xz)
		tree=$tmp/trees/$name
		mkdir -p "$tree"
		tar -C "$tree" -xJf "$tarball" || continue
		for d in "$tree"/sys/bus/pci/devices/*; do
			real=$(cd "$d" && pwd -P) || continue
			parent=${real%/*}
			{
				printf '%s\n' "${d##*/}" "${parent##*/}"
				for f in vendor device subsystem_vendor \
					subsystem_device class revision; do
					line "$real/$f"
				done
				for l in iommu_group driver physfn; do
					printf '%s\n' "$(readlink "$real/$l")"
				done
				for f in driver_override sriov_totalvfs \
					sriov_numvfs numa_node; do
					line "$real/$f"
				done
				line "$tree/sys/module/pcipass/parameters/claim"
				cat "$real/config"
			} >"$tmp/fuzz-sysfs/$name-${d##*/}"
		done
	done
	rm -rf "$tmp/trees"
}

# start TARGET: run it on $tmp/TARGET, which holds its seeds, in the
# background; its status goes to $tmp/TARGET.rc. The targets run side by
# side: each is one process on one core, and a run is bounded by time,
# not by inputs, so two cores fuzz twice as much in the same minute.
start() {
	local t=$1 bin=$dir/$1
	[ -x "$bin" ] || return 0
	mkdir -p "$dir/findings"
	note "$t: $(find "$tmp/$t" -type f | wc -l) seeds, $secs s"
	# A hang of 10 s on one input is a finding too. fuzz-sysfs writes
	# its tree below TMPDIR.
	(
		TMPDIR=$tmp "$bin" -max_total_time="$secs" -timeout=10 \
			-artifact_prefix="$dir/findings/$t-" "$tmp/$t" \
			>"$tmp/$t.log" 2>&1
		echo $? >"$tmp/$t.rc"
	) &
}

# report TARGET: its result, once start's run has ended.
report() {
	local t=$1 bin=$dir/$1 rc stats
	if [ ! -x "$bin" ]; then
		if [ -f "$bin.skip" ]; then
			skip "$t" "$(head -n 1 "$bin.skip")"
		elif ! command -v clang >/dev/null; then
			skip "$t" "clang is not installed (tests/lab/deps.sh installs it)"
		else
			ok 1 "$t: built" "no $bin: make fuzzers (make check-build builds it)"
		fi
		return
	fi
	rc=$(cat "$tmp/$t.rc" 2>/dev/null) || rc=none
	if [ "$rc" = 0 ]; then
		ok 0 "$t: $secs s without a finding"
		# "#RUNS DONE cov: N ft: N corp: ... exec/s: N rss: ..."
		stats=$(grep -E '^#[0-9]+[[:space:]]+DONE ' "$tmp/$t.log" |
			tail -n 1 | sed -E 's/^#([0-9]+)[[:space:]]+DONE +(cov: [0-9]+ ft: [0-9]+).* exec\/s: ([0-9]+).*/\1 runs, \3 exec\/s, \2/')
		note "$t: ${stats:-no final stats}"
		return
	fi
	# The report without libFuzzer's progress lines, to its summary.
	ok 1 "$t: $secs s without a finding (exit $rc)" \
		"$(grep -vE '^(#[0-9]+[[:space:]]|INFO: |MS: |base unit: |=+$|$)' \
			"$tmp/$t.log" | sed '/^SUMMARY: /q' | head -n 25)" \
		"input: $(sed -n 's/.*Test unit written to //p' "$tmp/$t.log" | head -n 1)"
}

rom_seeds
sysfs_seeds
for t in "${targets[@]}"; do
	start "$t"
done
wait
for t in "${targets[@]}"; do
	report "$t"
done
exit $((failed > 0))
