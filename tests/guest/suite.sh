#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of "make check": runs inside a lab guest (tests/lab/run) as
# root:
#
#   tests/lab/run -k KVER -t TOPOLOGY -- tests/guest/suite.sh
#
# Binds the native drivers as a booted host would (no udev runs in the
# guest), loads the module built for the running kernel, creates the VFs on
# the sriov topology (after the module, so it sees them arrive), then runs
# every suite, each writing its TAP to $LAB_OUT/<suite>.tap and its exit
# status to $LAB_OUT/<suite>.rc for tests/tap-summary.sh on the host.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${LAB_OUT:?run me through tests/lab/run}
ko=$top/build/modules/$(uname -r)/pcipass.ko
build=${BUILD:-$top/build}

# suite NAME COMMAND...: run one TAP-speaking suite.
suite() {
	local name=$1
	shift
	echo "=== $name"
	timeout 900 "$@" >"$out/$name.tap" 2>"$out/$name.err"
	echo $? >"$out/$name.rc"
	cat "$out/$name.tap"
	sed 's/^/# stderr: /' "$out/$name.err"
}

for mod in nvme e1000 e1000e snd_hda_intel xhci_pci; do
	modprobe -q "$mod" || true
done

if ! insmod "$ko"; then
	printf 'TAP version 13\n1..1\nnot ok 1 insmod %s\n' "$ko" >"$out/insmod.tap"
	echo 1 >"$out/insmod.rc"
	exit 1
fi

case ${LAB_TOPOLOGY:-} in
sriov)
	"$top/tests/lab/guest-sriov-up.sh" || echo "sriov setup failed" >&2
	;;
esac

suite "cli-topology" "$top/tests/guest/cli_topology.py"
suite "pcipass-nl" "$build/selftests/pcipass_nl"
suite "vfio-user" "$top/tests/selftests/vfio_user.py"
suite "why-check" "$top/tests/selftests/why_check.py" "$build/bin/pcipass"
suite "claim" "$top/tests/selftests/claim.sh" "$ko"
suite "hotplug-qmp" "$top/tests/selftests/hotplug_qmp.sh" "$build/bin/pcipass"
suite "handoff" "$top/tests/selftests/handoff.py" "$build/bin/pcipass"
# Last: it unloads and reloads the module twenty times.
suite "modload" "$top/tests/selftests/modload.sh" "$ko"

dmesg >"$out/dmesg-suite"
if grep -E 'WARNING:|BUG:|Call Trace|KASAN|general protection' "$out/dmesg-suite"; then
	printf 'TAP version 13\n1..1\nnot ok 1 kernel log is clean\n' >"$out/kernel-log.tap"
else
	printf 'TAP version 13\n1..1\nok 1 kernel log is clean\n' >"$out/kernel-log.tap"
fi
echo 0 >"$out/kernel-log.rc"
exit 0
