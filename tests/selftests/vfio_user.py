#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# A group a VFIO user holds must not be released: unbinding vfio-pci under
# a running guest blocks until the guest lets go, which is how hosts hang.
# And while such an unbind waits, with the device lock held, a dump (any
# user may ask for one) must still complete.
# Run as root in a lab guest (seed-server) with pcipass loaded; acts like
# QEMU does (container, group, type1 IOMMU) and talks to the module
# through the kernel's own YNL client, independent of libpcipass. TAP.

import ctypes
import fcntl
import json
import os
import struct
import subprocess
import sys
import time

SRC = os.environ.get("LINUX_SRC",
                     os.path.join(os.environ.get("PCIPASS_CACHE", "/var/cache/pcipass"),
                                  "linux-source-6.12"))
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = os.path.join(TOP, "kmod", "pcipass.yaml")
BDF = os.environ.get("PCIPASS_VFIO_BDF", "0000:02:00.0")
PCIPASS = os.path.join(os.environ.get("BUILD", os.path.join(TOP, "build")), "bin", "pcipass")

# include/uapi/linux/vfio.h: _IO(VFIO_TYPE ';', VFIO_BASE 100 + n)
VFIO_SET_IOMMU = 0x3b66
VFIO_GROUP_SET_CONTAINER = 0x3b68
VFIO_GROUP_UNSET_CONTAINER = 0x3b69
VFIO_GROUP_GET_DEVICE_FD = 0x3b6a
VFIO_TYPE1_IOMMU = 1

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap  # noqa: E402

T = Tap()
check = T.ok
skip = T.skip


def ynl(op, req):
    p = subprocess.run([sys.executable, os.path.join(SRC, "tools/net/ynl/cli.py"),
                        "--spec", SPEC, "--no-schema", "--do", op, "--json", req],
                       capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def bounded(cmd, secs):
    """Run cmd for up to secs: (rc, output, None), or (None, "", the
    process) if it still runs then: it may be waiting on a lock that only
    the end of the test releases."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = p.communicate(timeout=secs)
    except subprocess.TimeoutExpired:
        return None, "", p
    return p.returncode, out, None


def driver(bdf):
    link = "/sys/bus/pci/devices/%s/driver" % bdf
    return os.path.basename(os.readlink(link)) if os.path.exists(link) else None


def vfio_open(group):
    """Hold the group as QEMU does: a container with the type1 IOMMU."""
    container = os.open("/dev/vfio/vfio", os.O_RDWR)
    gfd = os.open("/dev/vfio/" + group, os.O_RDWR)
    fcntl.ioctl(gfd, VFIO_GROUP_SET_CONTAINER, struct.pack("i", container))
    fcntl.ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU)
    return container, gfd


def vfio_device(gfd, bdf):
    """Open the device as QEMU does: while this fd is open, vfio-pci's
    remove waits for it."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.ioctl(gfd, VFIO_GROUP_GET_DEVICE_FD, ctypes.c_char_p(bdf.encode()))
    if fd < 0:
        err = ctypes.get_errno()
        raise OSError(err, "VFIO_GROUP_GET_DEVICE_FD %s: %s" % (bdf, os.strerror(err)))
    return fd


def vfio_close(container, gfd):
    fcntl.ioctl(gfd, VFIO_GROUP_UNSET_CONTAINER)
    os.close(gfd)
    os.close(container)


def main():
    # An NVMe controller: on sriov, 02:00.0 is a switch's upstream port.
    try:
        with open("/sys/bus/pci/devices/%s/class" % BDF) as f:
            nvme = f.read().strip() == "0x010802"
    except OSError:
        nvme = False
    if not nvme:
        print("1..0 # SKIP no NVMe controller at %s in this topology" % BDF)
        return 0
    subprocess.run(["modprobe", "-q", "nvme"], check=False)
    before = driver(BDF)

    # A netlink claim does not load vfio-pci (a modprobe inside the
    # request would hold genl's lock): without it, ENOENT and an extack,
    # nothing moved. A raw client loads it first, as libpcipass does.
    subprocess.run(["modprobe", "-r", "-q", "vfio_pci"], check=False)
    if os.path.exists("/sys/bus/pci/drivers/vfio-pci"):
        skip("a claim without vfio-pci loaded is refused", "vfio-pci cannot be unloaded")
    else:
        rc, out = ynl("claim", '{"bdf": ["%s"]}' % BDF)
        check(rc != 0 and "vfio-pci is not loaded" in out and driver(BDF) == before,
              "a claim without vfio-pci loaded is refused, naming it; %s stays on %s" % (BDF, before),
              out)
    subprocess.run(["modprobe", "-q", "vfio-pci"], check=False)

    rc, out = ynl("claim", '{"bdf": ["%s"]}' % BDF)
    check(rc == 0 and driver(BDF) == "vfio-pci", "claim %s" % BDF, out)
    group = os.path.basename(os.readlink("/sys/bus/pci/devices/%s/iommu_group" % BDF))

    container, gfd = vfio_open(group)

    rc, out = ynl("release", '{"bdf": ["%s"]}' % BDF)
    check(rc != 0 and "Device or resource busy" in out and "VFIO user" in out,
          "release while a VFIO user holds group %s is refused with EBUSY" % group, out)
    check(driver(BDF) == "vfio-pci", "and the function stays on vfio-pci")

    rc, out = ynl("claim", '{"bdf": ["%s"]}' % BDF)
    check(rc == 0, "claiming it again is harmless", out)

    # A driver's remove holds the device lock while it runs: unbinding
    # vfio-pci under its VFIO user waits there until the user lets go,
    # as a host does under a running VM. Any user may dump, and a dump
    # must not wait with it. Where the kernel guards driver_override
    # with that lock (then reading its sysfs file waits too), the dump
    # leaves the override out, flagged; elsewhere it shows it.
    mark = "pcipass-vfio-unbind %d" % os.getpid()
    with open("/dev/kmsg", "w") as f:
        f.write(mark + "\n")
    waiters = []
    dfd = vfio_device(gfd, BDF)
    unbind = subprocess.Popen(["sh", "-c", "echo %s > /sys/bus/pci/drivers/vfio-pci/unbind" % BDF])
    waiters.append(unbind)
    deadline = time.time() + 60
    log = ""
    while time.time() < deadline and "blocked until released by user" not in log:
        time.sleep(1)
        log = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
        log = log[log.rfind(mark):]
    check(unbind.poll() is None and "blocked until released by user" in log,
          "unbinding vfio-pci from %s waits for its VFIO user" % BDF, log[-2000:])
    rc, out, reader = bounded(["cat", "/sys/bus/pci/devices/%s/driver_override" % BDF], 3)
    locked = reader is not None
    if reader:
        waiters.append(reader)
    rc, out, dump = bounded([sys.executable, os.path.join(SRC, "tools/net/ynl/cli.py"),
                             "--spec", SPEC, "--no-schema", "--dump", "dev-get",
                             "--output-json"], 60)
    if dump:
        waiters.append(dump)
    try:
        entry = [d for d in json.loads(out) if d.get("bdf") == BDF] if rc == 0 else []
    except ValueError:
        entry = []
    entry = entry[0] if entry else {}
    if locked:
        check(entry.get("driver-override-unknown") == 1 and "driver-override" not in entry,
              "a dump meanwhile completes, %s's driver_override (under the device lock) flagged unknown" % BDF,
              "dump %s\n%s" % ("still waits after 60 s" if dump else "exit %s" % rc, out[-2000:]))
    else:
        check(entry.get("driver-override") == "vfio-pci" and "driver-override-unknown" not in entry,
              "a dump meanwhile completes, with %s's driver_override (not under the device lock)" % BDF,
              "dump %s\n%s" % ("still waits after 60 s" if dump else "exit %s" % rc, out[-2000:]))
    rc, out, cli = bounded([PCIPASS, "-j", "dev", "show", BDF], 60)
    if cli:
        waiters.append(cli)
    want = '"driver-override-unknown":true' if locked else '"driver-override":"vfio-pci"'
    check(rc == 0 and want in out.replace(" ", ""),
          "pcipass -j dev show %s meanwhile says %s" % (BDF, want),
          "%s\n%s" % ("still waits after 60 s" if cli else "exit %s" % rc, out[-2000:]))
    rc, out, cli = bounded([PCIPASS, "-d", "dev", "show", BDF], 60)
    if cli:
        waiters.append(cli)
    want = "Driver override: " + ("unknown" if locked else "vfio-pci")
    check(rc == 0 and want in out, "pcipass -d dev show %s meanwhile says %s" % (BDF, want),
          "%s\n%s" % ("still waits after 60 s" if cli else "exit %s" % rc, out[-2000:]))

    # Closing the device lets the unbind end, and the group goes with its
    # last device: closing its fd leaves the container.
    os.close(dfd)
    os.close(gfd)
    os.close(container)
    for p in waiters:
        p.wait(timeout=120)
    check(unbind.returncode == 0 and driver(BDF) is None,
          "once the user lets go, the unbind completes", "exit %s" % unbind.returncode)

    rc, out = ynl("release", '{"bdf": ["%s"]}' % BDF)
    check(rc == 0 and driver(BDF) == before,
          "once the user is gone, release returns it to %s" % before, out)

    # The same through claim=: a policy that stops taking a function a
    # VFIO user holds cannot release it, and says so in the kernel log.
    param = "/sys/module/pcipass/parameters/claim"
    with open(param, "w") as f:
        f.write(BDF)
    check(driver(BDF) == "vfio-pci", "claim=%s takes it" % BDF)
    container, gfd = vfio_open(group)
    mark = "pcipass-vfio-user %d" % os.getpid()
    with open("/dev/kmsg", "w") as f:
        f.write(mark + "\n")
    with open(param, "w") as f:
        f.write("\n")
    log = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
    log = log[log.rfind(mark):]
    check(driver(BDF) == "vfio-pci" and
          "claim= no longer takes it, not released" in log and "VFIO user" in log,
          "clearing claim= while a VFIO user holds it: it stays, the log says why",
          log[-2000:])
    vfio_close(container, gfd)
    with open(param, "w") as f:
        f.write("\n")
    check(driver(BDF) == before,
          "once the user is gone, clearing claim= again returns it to %s" % before)

    return T.done()


if __name__ == "__main__":
    sys.exit(main())
