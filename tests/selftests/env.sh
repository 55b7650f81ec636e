# SPDX-License-Identifier: GPL-2.0
#
# Where things are, for the shell selftests run in a lab guest. Source it
# (bash) after the usage check:
#
#	. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
#
#   top    the checkout
#   build  $BUILD made absolute (default: $top/build)
#   pp     the CLI ($PCIPASS, default $build/bin/pcipass)
#   nl     the netlink selftest ($PCIPASS_NL, default $build/selftests/pcipass_nl)
#   devs   /sys/bus/pci/devices
#   drv BDF   the driver bound to a function, or "-"
#   drv_r BDF the same in REPLY, without a subshell (a fork a function
#             adds up on sriov's 135)
#   kmsg_mark NAME    write a unique mark into the kernel log, print it
#   kmsg_since MARK   the kernel log after MARK; status 1 when MARK is not
#                     in the log (never clear the log: tests/guest/kernel-log.sh
#                     reads all of it)
#   python3 -S        the inline snippets need only the standard library:
#                     -S skips site's .pth hooks, 6 of the 7 s a python3
#                     start costs on the debug kernel under TCG
#   sleep SECONDS     as the program, without running one: read's timeout
#                     on a pipe nobody writes to (the tests poll in loops,
#                     and an exec costs about a second on the debug kernel)
#   hot_bdf           the virtio-net function (1af4:1041) the tests hot-add
#                     through QMP on the seed-server lab's empty port rp7
#   qmp_add ID [bound]  device_add it as ID, wait up to 60 s until it is
#                     there (with "bound": until a driver is bound to it)
#   qmp_del ID        device_del it, wait up to 60 s until it is gone;
#                     both leave QEMU's replies in $tmp/qmp (the caller's
#                     scratch directory)
#   mon_start FILE    "pcipass -j monitor" in the background, its events in
#                     FILE; returns once it has subscribed
#   mon_stop          stop it (after the last events arrived)
#   jstr JSON KEY     REPLY = the first KEY's value in the CLI's compact JSON
#                     (a string's text, or a number, true, false, null);
#                     "null" when there is none. Flat values only: what
#                     "pcipass -j" prints for a function, a claim, an event.
#   jfield JSON KEY   the same, printed
#   jbdfs JSON        every "bdf" value, space-separated, in order
#   mon_count FILE TYPE [BDF [DRIVER|!DRIVER]]
#                     how many events of the monitor's FILE match
#   These are bash, not python3: a python3 start costs 5 s there.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
pp=${PCIPASS:-$build/bin/pcipass}
nl=${PCIPASS_NL:-$build/selftests/pcipass_nl}
devs=/sys/bus/pci/devices

# A lab guest has /dev/fd as a booted host does (tests/lab/guest-init);
# without it the program runs.
if exec {sleep_fd}<> <(:); then
	sleep() {
		read -rt "$1" -u "$sleep_fd" || :
	}
fi 2>/dev/null

# No program runs: an exec costs about a second on the debug kernel under
# TCG, and the tests poll drivers in loops. The subshell keeps the cd.
drv() {
	(cd -P "$devs/$1/driver" 2>/dev/null && echo "${PWD##*/}") || echo -
}
drv_r() {
	local here=$PWD
	REPLY=-
	if cd -P "$devs/$1/driver" 2>/dev/null; then
		REPLY=${PWD##*/}
		cd "$here" || return 1
	fi
}

# read, not cat, for the same reason: a program per function per poll
# took minutes there.
hot_bdf() {
	local d v id
	for d in "$devs"/*; do
		read -r v <"$d/vendor" && read -r id <"$d/device" &&
			[ "$v:$id" = 0x1af4:0x1041 ] && echo "${d##*/}" && return 0
	done 2>/dev/null
	return 1
}
qmp_add() {	# ID [bound]
	local end=$((SECONDS + 60)) b
	"$top/tests/lab/guest-qmp.sh" "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"virtio-net-pci\", \"id\": \"$1\", \"bus\": \"rp7\"}}" \
		>"$tmp/qmp" 2>&1 || return 1
	while [ $SECONDS -lt $end ]; do
		b=$(hot_bdf) && { [ "${2:-}" != bound ] || [ -e "$devs/$b/driver" ]; } &&
			return 0
		sleep 0.2
	done
	return 1
}
qmp_del() {	# ID
	local end=$((SECONDS + 60))
	"$top/tests/lab/guest-qmp.sh" "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"$1\"}}" \
		>"$tmp/qmp" 2>&1
	while [ $SECONDS -lt $end ]; do
		hot_bdf >/dev/null || return 0
		sleep 0.2
	done
	return 1
}

kmsg_mark() {
	local m="pcipass-tests: $1 mark $$.$RANDOM.$SECONDS"
	echo "$m" >/dev/kmsg
	echo "$m"
}

kmsg_since() {
	dmesg | awk -v m="$1" 'seen { print } index($0, m) { seen = 1 }
			       END { exit !seen }'
}

# The monitor's netlink socket has joined a multicast group: the kernel
# delivers events to it from now on. /proc/net/netlink shows only groups
# 1-32; pcipass's group id is dynamic but below 32 on the lab's kernels.
# An ASan build of the CLI takes seconds to start on the debug kernel
# under TCG: wait for the subscription itself, not for a fixed time.
mon_pid=
mon_subscribed() {	# PID
	local ino
	for ino in $(ls -l "/proc/$1/fd" 2>/dev/null |
		     sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p'); do
		# sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
		awk -v ino="$ino" '$2 == 16 && $10 == ino && $4 != "00000000" { f = 1 }
			END { exit !f }' /proc/net/netlink && return 0
	done
	return 1
}
mon_start() {	# FILE
	local end=$((SECONDS + 60))
	"$pp" -j monitor >"$1" 2>"$1.err" &
	mon_pid=$!
	while [ $SECONDS -lt $end ]; do
		kill -0 "$mon_pid" 2>/dev/null || return 1
		mon_subscribed "$mon_pid" && return 0
		sleep 0.1
	done
	echo "monitor $mon_pid: not subscribed after 60 s" >>"$1.err"
	return 1
}
# mon_stop [FILE PATTERN]: with a FILE, first wait (up to 60 s) until a
# line of it matches the grep -E PATTERN: the event the caller expects.
mon_stop() {
	[ -n "$mon_pid" ] || return 0
	if [ $# -eq 2 ]; then
		local end=$((SECONDS + 60))
		while [ $SECONDS -lt $end ] && ! grep -Eq "$2" "$1"; do
			sleep 0.2
		done
	fi
	sleep 0.3	# let the last events arrive
	kill -TERM "$mon_pid" 2>/dev/null
	wait "$mon_pid"
	local st=$?
	mon_pid=
	return $st
}

jstr() {	# JSON KEY
	local re="\"$2\":(\"([^\"]*)\"|([^,}\"]*))"
	if [[ $1 =~ $re ]]; then
		REPLY=${BASH_REMATCH[2]}${BASH_REMATCH[3]}
	else
		REPLY=null
	fi
}
jfield() { jstr "$@"; echo "$REPLY"; }
jbdfs() {	# JSON
	local s=$1 re='"bdf":"([^"]*)"' out=()
	while [[ $s =~ $re ]]; do
		out+=("${BASH_REMATCH[1]}")
		s=${s#*"${BASH_REMATCH[0]}"}
	done
	echo "${out[*]}"
}
mon_count() {	# FILE TYPE [BDF [DRIVER|!DRIVER]]
	local line n=0 want
	while IFS= read -r line; do
		jstr "$line" type
		[ "$REPLY" = "$2" ] || continue
		if [ $# -ge 3 ]; then
			jstr "$line" bdf
			[ "$REPLY" = "$3" ] || continue
		fi
		if [ $# -ge 4 ]; then
			jstr "$line" driver
			want=${4#!}
			if [ "$want" != "$4" ]; then
				[ "$REPLY" != "$want" ] || continue
			else
				[ "$REPLY" = "$want" ] || continue
			fi
		fi
		n=$((n + 1))
	done <"$1"
	echo $n
}
