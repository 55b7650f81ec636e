#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/lab/run boots a guest a second time when the kernel panicked before
# the job began, and only once. Real boots of the newest lab kernel on the
# minimal topology; a wrapper in front of QEMU adds "rdinit=/nonexistent"
# to the command line of the boots it is told to break, so that kernel dies
# in early boot ("Kernel panic - not syncing") the way a TCG flake does.
# Prints TAP.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kver=${1:-6.12.107+deb12-amd64}
echo "TAP version 13"
echo "1..5"
. "$top/tests/tap.sh"

if ! command -v qemu-system-x86_64 >/dev/null || [ ! -r "/boot/vmlinuz-$kver" ]; then
	for d in "retry after one early panic" "job ran once" "first console kept" \
		"two early panics fail the run" "no third boot"; do
		skip "$d" "no QEMU or no /boot/vmlinuz-$kver (tests/lab/deps.sh)"
	done
	exit 0
fi

mkdir -p "$top/build"
tmp=$(mktemp -d "$top/build/lab-retry.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
qemu=$(command -v qemu-system-x86_64)
mkdir "$tmp/bin"
# BREAK_BOOTS: how many boots to break; each boot is counted in $tmp/boots.
cat >"$tmp/bin/qemu-system-x86_64" <<WRAP
#!/bin/bash
echo boot >>"$tmp/boots"
if [ "\$(wc -l <"$tmp/boots")" -le "\$BREAK_BOOTS" ]; then
	args=()
	while [ \$# -gt 0 ]; do
		if [ "\$1" = -append ]; then
			args+=("\$1" "\$2 rdinit=/nonexistent init=/nonexistent")
			shift 2
			continue
		fi
		args+=("\$1")
		shift
	done
	set -- "\${args[@]}"
fi
exec "$qemu" "\$@"
WRAP
chmod +x "$tmp/bin/qemu-system-x86_64"

lab() {	# BREAK_BOOTS NAME
	rm -f "$tmp/boots"
	BREAK_BOOTS=$1 PATH="$tmp/bin:$PATH" "$top/tests/lab/run" -k "$kver" \
		-t minimal -T 300 -o "$tmp/$2" -- sh -c 'echo job ran' \
		>"$tmp/$2.out" 2>"$tmp/$2.err"
}

lab 1 once
rc=$?
ok "$([ $rc -eq 0 ] && [ -f "$tmp/once/boot-retry" ]; echo $?)" \
	"retry after one early panic" "exit $rc" "$(cat "$tmp/once.err")"
ok "$([ "$(grep -c 'job ran' "$tmp/once.out")" = 1 ] && [ "$(wc -l <"$tmp/boots")" = 2 ]; echo $?)" \
	"job ran once" "$(cat "$tmp/once.out")" "boots: $(wc -l <"$tmp/boots")"
ok "$(grep -qs 'Kernel panic' "$tmp/once/console.boot1" &&
	! grep -q 'Kernel panic' "$tmp/once/console"; echo $?)" "first console kept"

lab 5 twice
rc=$?
ok "$([ $rc -eq 125 ]; echo $?)" "two early panics fail the run" "exit $rc" \
	"$(cat "$tmp/twice.err")"
ok "$([ "$(wc -l <"$tmp/boots")" = 2 ]; echo $?)" "no third boot" \
	"boots: $(wc -l <"$tmp/boots")"
[ "$failed" -eq 0 ]
