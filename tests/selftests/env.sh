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
#   kmsg_mark NAME    write a unique mark into the kernel log, print it
#   kmsg_since MARK   the kernel log after MARK; status 1 when MARK is not
#                     in the log (never clear the log: tests/guest/kernel-log.sh
#                     reads all of it)

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
pp=${PCIPASS:-$build/bin/pcipass}
nl=${PCIPASS_NL:-$build/selftests/pcipass_nl}
devs=/sys/bus/pci/devices

drv() {
	local l
	l=$(readlink "$devs/$1/driver" 2>/dev/null) || { echo -; return; }
	echo "${l##*/}"
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
