#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Load and unload pcipass.ko repeatedly, as root, in a lab guest. Each cycle
# checks that the "pcipass" generic netlink family appears after insmod and
# is gone after rmmod; every other cycle keeps dumps running in the
# background across the rmmod, the cycles between keep claim= writes and
# reads running (the parameter file outlives ->exit() until the module's
# sysfs goes: a write then must be refused, not freed twice). At the end the kernel log written during the
# run must hold no WARN, BUG, Oops or "Call Trace". Output is TAP.
#
# usage: tests/selftests/modload.sh PATH/TO/pcipass.ko [CYCLES]
#   CYCLES  default $PCIPASS_MODLOAD_CYCLES, else 20
#
# The family is looked up with build/selftests/pcipass_nl --probe (override
# with PCIPASS_NL=path), else `genl ctrl get`, else python3.
# If the module was loaded on entry, it is loaded again on exit.
# Exit: 0 all ok, 1 a failure, 2 usage, 4 skipped (not root).
set -u

ko=${1:-}
cycles=${2:-${PCIPASS_MODLOAD_CYCLES:-20}}
if [ -z "$ko" ] || [ $# -gt 2 ]; then
	echo "usage: $0 PATH/TO/pcipass.ko [CYCLES]" >&2
	exit 2
fi

. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

echo "TAP version 13"
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 4
fi
if [ ! -f "$ko" ]; then
	echo "Bail out! no module file $ko"
	exit 1
fi

# 0: family registered, 1: not registered, 2: could not tell.
family_state() {
	if [ -x "$nl" ]; then
		"$nl" --probe
		return $?
	fi
	if command -v genl >/dev/null 2>&1; then
		genl ctrl get name pcipass >/dev/null 2>&1 && return 0
		return 1
	fi
	python3 -S - <<'PY'
import errno, socket, struct, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
name = b"pcipass\0"
attr = struct.pack("HH", 4 + len(name), 2) + name        # CTRL_ATTR_FAMILY_NAME
attr += b"\0" * (-len(attr) % 4)
genl = struct.pack("BBH", 3, 1, 0)                        # CTRL_CMD_GETFAMILY
msg = struct.pack("IHHII", 16 + len(genl) + len(attr), 16, 1, 1, 0) + genl + attr
s.send(msg)
data = s.recv(65536)
ln, typ = struct.unpack("IH", data[:6])
if typ == 2:                                              # NLMSG_ERROR
    err = struct.unpack("i", data[16:20])[0]
    sys.exit(1 if err == -errno.ENOENT else 2)
sys.exit(0)
PY
}

wait_family() {	# $1: wanted state (0 present, 1 absent)
	local i st
	for i in $(seq 20); do
		family_state
		st=$?
		[ "$st" = "$1" ] && return 0
		[ "$st" = 2 ] && return 1
		sleep 0.1
	done
	return 1
}

loaded() { [ -d /sys/module/pcipass ]; }

was_loaded=0
if loaded; then
	was_loaded=1
	if ! rmmod pcipass; then
		echo "Bail out! pcipass is loaded and rmmod failed"
		exit 1
	fi
fi

marker="pcipass-modload-$$-$(date +%s)"
echo "$marker: start" >/dev/kmsg

echo "1..$((cycles + 1))"
fail=0
bg=
stop_bg() {
	if [ -n "$bg" ]; then
		kill "$bg" 2>/dev/null
		wait "$bg" 2>/dev/null
		bg=
	fi
}
trap stop_bg EXIT

for i in $(seq "$cycles"); do
	why= inflight=nothing
	if ! out=$(insmod "$ko" 2>&1); then
		why="insmod: $out"
	elif ! wait_family 0; then
		why="family not registered after insmod"
	fi
	if [ -z "$why" ] && [ $((i % 2)) = 0 ] && [ -x "$nl" ]; then
		# dumps in flight while the family goes away
		( while :; do "$nl" --dump >/dev/null 2>&1; done ) &
		bg=$! inflight=dumps
		sleep 0.2
	elif [ -z "$why" ]; then
		# Policies that take nothing: the writes race the unload, not
		# claims. Bash's own echo: no fork between writes.
		( param=/sys/module/pcipass/parameters/claim
		  while :; do
			echo ff:1f.7 >"$param"
			echo >"$param"
			read -r _ <"$param"
		  done 2>/dev/null ) &
		bg=$! inflight="claim= writes"
		sleep 0.2
	fi
	if loaded && ! out=$(rmmod pcipass 2>&1); then
		# A dump in flight holds a module reference: "in use" is
		# fine then. Stop the dumps and retry.
		stop_bg
		for _ in $(seq 10); do
			out=$(rmmod pcipass 2>&1) && break
			sleep 0.2
		done
		loaded && why="${why:+$why; }rmmod: $out"
	fi
	stop_bg
	if [ -z "$why" ]; then
		if loaded; then
			why="/sys/module/pcipass still present after rmmod"
		elif ! wait_family 1; then
			why="family still registered after rmmod"
		fi
	fi
	if [ -z "$why" ]; then
		echo "ok $i - cycle $i: insmod, family present, rmmod with $inflight in flight, family absent"
	else
		echo "not ok $i - cycle $i: $why"
		fail=1
		loaded && rmmod pcipass 2>/dev/null
	fi
done

echo "$marker: end" >/dev/kmsg
log=$(dmesg | sed -n "/$marker: start/,/$marker: end/p")
bad=$(printf '%s\n' "$log" |
	grep -E 'WARNING:|BUG:|Oops|Call Trace|general protection|KASAN|UBSAN|kernel BUG|refcount_t:|list_(add|del) corruption' || true)
n=$((cycles + 1))
if [ -z "$log" ]; then
	echo "not ok $n - dmesg: marker not found in the kernel log"
	fail=1
elif [ -n "$bad" ]; then
	echo "not ok $n - dmesg: kernel warnings during load/unload"
	printf '%s\n' "$bad" | head -n 40 | sed 's/^/# /'
	fail=1
else
	echo "ok $n - dmesg clean during $cycles load/unload cycles"
fi

if [ "$was_loaded" = 1 ] && ! loaded; then
	insmod "$ko" || { echo "# could not reload $ko"; fail=1; }
fi
exit $fail
