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


def ynl(op, req):
    p = subprocess.run([sys.executable, os.path.join(SRC, "tools/net/ynl/cli.py"),
                        "--spec", SPEC, "--no-schema", "--do", op, "--json", req],
                       capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def driver(bdf):
    link = "/sys/bus/pci/devices/%s/driver" % bdf
    return os.path.basename(os.readlink(link)) if os.path.exists(link) else None


def main():
    if not os.path.exists("/sys/bus/pci/devices/" + BDF):
        print("1..0 # SKIP no %s in this topology" % BDF)
        return 0
    subprocess.run(["modprobe", "-q", "nvme"], check=False)
    before = driver(BDF)

    rc, out = ynl("claim", '{"bdf": ["%s"]}' % BDF)
    check(rc == 0 and driver(BDF) == "vfio-pci", "claim %s" % BDF, out)
    group = os.path.basename(os.readlink("/sys/bus/pci/devices/%s/iommu_group" % BDF))

    container = os.open("/dev/vfio/vfio", os.O_RDWR)
    gfd = os.open("/dev/vfio/" + group, os.O_RDWR)
    fcntl.ioctl(gfd, VFIO_GROUP_SET_CONTAINER, struct.pack("i", container))
    fcntl.ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU)

    rc, out = ynl("release", '{"bdf": ["%s"]}' % BDF)
    check(rc != 0 and "Device or resource busy" in out and "VFIO user" in out,
          "release while a VFIO user holds group %s is refused with EBUSY" % group, out)
    check(driver(BDF) == "vfio-pci", "and the function stays on vfio-pci")

    rc, out = ynl("claim", '{"bdf": ["%s"]}' % BDF)
    check(rc == 0, "claiming it again is harmless", out)

    fcntl.ioctl(gfd, VFIO_GROUP_UNSET_CONTAINER)
    os.close(gfd)
    os.close(container)

    rc, out = ynl("release", '{"bdf": ["%s"]}' % BDF)
    check(rc == 0 and driver(BDF) == before,
          "once the user is gone, release returns it to %s" % before, out)

    return T.done()


if __name__ == "__main__":
    sys.exit(main())
