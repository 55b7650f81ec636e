#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# A group a VFIO user holds must not be released: unbinding vfio-pci under
# a running guest blocks until the guest lets go, which is how hosts hang.
# Run as root in a lab guest (seed-server) with pcipass loaded; acts like
# QEMU does (container, group, type1 IOMMU) and talks to the module
# through the kernel's own YNL client, independent of libpcipass. TAP.

import fcntl
import os
import struct
import subprocess
import sys

SRC = os.environ.get("LINUX_SRC",
                     os.path.join(os.environ.get("PCIPASS_CACHE", "/var/cache/pcipass"),
                                  "linux-source-6.12"))
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = os.path.join(TOP, "kmod", "pcipass.yaml")
BDF = os.environ.get("PCIPASS_VFIO_BDF", "0000:02:00.0")

# include/uapi/linux/vfio.h: _IO(VFIO_TYPE ';', VFIO_BASE 100 + n)
VFIO_SET_IOMMU = 0x3b66
VFIO_GROUP_SET_CONTAINER = 0x3b68
VFIO_GROUP_UNSET_CONTAINER = 0x3b69
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


def vfio_close(container, gfd):
    fcntl.ioctl(gfd, VFIO_GROUP_UNSET_CONTAINER)
    os.close(gfd)
    os.close(container)


def main():
    if not os.path.exists("/sys/bus/pci/devices/" + BDF):
        print("1..0 # SKIP no %s in this topology" % BDF)
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

    vfio_close(container, gfd)

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
