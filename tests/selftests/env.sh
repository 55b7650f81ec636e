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
