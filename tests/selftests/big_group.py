#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# One IOMMU group bigger than a dump message: on the big-group topology
# (tests/lab/topologies.sh) 208 conventional PCI functions and their
# PCIe-to-PCI bridge share a group. A dump message's size follows its
# reader's receive buffer, and that group's member list does not fit one
# of a reader with a 4 KiB buffer: the module splits it over consecutive
# messages (the spec's members-total), and every reader sees all of it,
# and every group after it. Run as root in a lab guest with pcipass
# loaded. TAP.
#
# usage: tests/selftests/big_group.py PATH/TO/pcipass

import json
import os
import re
import subprocess
import sys

SRC = os.environ.get("LINUX_SRC",
                     os.path.join(os.environ.get("PCIPASS_CACHE", "/var/cache/pcipass"),
                                  "linux-source-6.12"))
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = os.path.join(TOP, "kmod", "pcipass.yaml")
BRIDGE = "0000:01:00.0"
FIRST = "0000:02:01.0"
SIZE = 209
PCI = "/sys/bus/pci/devices"
BDF = re.compile(r"^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap  # noqa: E402

T = Tap()
check = T.ok


def group_of(bdf):
    return int(os.path.basename(os.readlink(os.path.join(PCI, bdf, "iommu_group"))))


def sysfs_groups():
    """{id: sorted PCI members} from /sys/kernel/iommu_groups."""
    groups = {}
    base = "/sys/kernel/iommu_groups"
    for g in os.listdir(base):
        members = sorted(d for d in os.listdir(os.path.join(base, g, "devices")) if BDF.match(d))
        if members:
            groups[int(g)] = members
    return groups


def driver(bdf):
    link = os.path.join(PCI, bdf, "driver")
    return os.path.basename(os.readlink(link)) if os.path.exists(link) else None


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def json_list(rc, out):
    """A program's JSON array, or [] when it failed or printed none."""
    try:
        js = json.loads(out) if rc == 0 else []
    except ValueError:
        return []
    return js if isinstance(js, list) else []


def ynl_dump(op, small):
    cmd = [sys.executable, os.path.join(SRC, "tools/net/ynl/cli.py"), "--spec", SPEC,
           "--no-schema", "--dump", op, "--output-json"]
    if small:
        cmd.append("--dbg-small-recv")
    return run(cmd)


def main():
    if len(sys.argv) != 2:
        print("usage: %s PATH/TO/pcipass" % sys.argv[0], file=sys.stderr)
        return 2
    pcipass = sys.argv[1]
    if not os.path.exists(os.path.join(PCI, FIRST)):
        print("1..0 # SKIP no %s: not the big-group topology" % FIRST)
        return 0

    groups = sysfs_groups()
    big = group_of(BRIDGE)
    want = groups.get(big, [])
    check(len(want) == SIZE and group_of(FIRST) == big,
          "the bridge's group %d has %d functions in sysfs" % (big, SIZE),
          "%d: %s" % (len(want), " ".join(want[:8])))

    # A raw reader with a 4 KiB buffer, as a program of its own would
    # read: the kernel's YNL client with its small-buffer option.
    rc, out, err = ynl_dump("group-get", True)
    msgs = json_list(rc, out)
    parts = [m for m in msgs if m.get("id") == big]
    joined = [b for m in parts for b in m.get("member", [])]
    seen = {m.get("id") for m in msgs}
    check(rc == 0 and len(parts) >= 2 and joined == want and
          all(m.get("members-total") == SIZE for m in parts),
          "a 4 KiB reader's dump holds group %d in %d messages, joined in order to its %d members"
          % (big, len(parts), SIZE),
          "exit %d, %d messages of the group, %d members joined\n%s" % (rc, len(parts), len(joined),
                                                                        err[-1500:]))
    check(rc == 0 and seen == set(groups),
          "and every group of sysfs after it (%d)" % len(groups),
          "missing: %s, extra: %s" % (sorted(set(groups) - seen), sorted(seen - set(groups))))

    rc, out, err = ynl_dump("group-get", False)
    msgs = json_list(rc, out)
    parts = [m for m in msgs if m.get("id") == big]
    check(rc == 0 and len(parts) == 1 and parts[0].get("member") == want,
          "a reader with a big buffer gets the group whole, in one message",
          "exit %d, %d messages\n%s" % (rc, len(parts), err[-1500:]))

    rc, out, err = run([pcipass, "-j", "group", "show"])
    js = [g for g in json_list(rc, out) if g.get("group") == big]
    got = [d.get("bdf") for d in js[0].get("devices", [])] if js else []
    check(rc == 0 and got == want, "pcipass -j group show: group %d with its %d functions" % (big, SIZE),
          "exit %d, %d functions\n%s" % (rc, len(got), err[-1500:]))

    rc, out, err = run([pcipass])
    check(rc == 0 and all(b in out for b in want),
          "pcipass lists every function of the group",
          "exit %d\n%s" % (rc, (err or out)[-1500:]))

    rc, out, err = run([pcipass, "-j", "dev", "show"])
    devs = {d.get("bdf"): d for d in json_list(rc, out)}
    check(rc == 0 and all(devs.get(b, {}).get("group") == big for b in want),
          "pcipass -j dev show puts all %d in group %d" % (SIZE, big),
          "exit %d\n%s" % (rc, err[-1500:]))

    # The whole group to vfio-pci in one request, and back.
    endpoints = [b for b in want if b != BRIDGE]
    rc, out, err = run([pcipass, "claim", FIRST])
    on = [b for b in endpoints if driver(b) == "vfio-pci"]
    check(rc == 0 and len(on) == len(endpoints) and driver(BRIDGE) is None,
          "claim %s takes its group's %d endpoints to vfio-pci" % (FIRST, len(endpoints)),
          "exit %d, %d on vfio-pci\n%s" % (rc, len(on), (err or out)[-1500:]))
    rc, out, err = run([pcipass, "release", FIRST])
    left = [b for b in endpoints if driver(b)]
    check(rc == 0 and not left, "release gives them back (no driver, as before)",
          "exit %d, still bound: %s\n%s" % (rc, " ".join(left[:8]), (err or out)[-1500:]))
    return T.done()


if __name__ == "__main__":
    sys.exit(main())
