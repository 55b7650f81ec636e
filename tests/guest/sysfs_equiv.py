#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Run as root inside a lab guest with pcipass loaded: the module (netlink)
# and the read-only sysfs source (-s sysfs) must give the same functions
# and groups, field by field. "source" differs by design; these are what
# only the module knows, absent from sysfs, and are left out:
#   group:  generation
#   dev:    claim-origin, prev-driver (JSON); has-generation and
#           has-claim-origin (lib-dump)
#   SR-IOV VFs: multifunction, and with it acs-isolated and
#           acs-path-isolated. The kernel creates a VF single-function,
#           but a later pci_scan_slot() of the PF's slot (a rescan, a
#           hotplug event) that walks ARI next-function pointers marks the
#           VFs it meets multi-function; sysfs shows neither.
# Everything else, down to ACS registers, ACS (path) isolation, viability
# and the PCIe type, must be equal.
# usage: sysfs_equiv.py [PCIPASS [LIB-DUMP]]; prints TAP.

import json
import re
import os
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PCIPASS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(TOP, "build", "bin", "pcipass")
LIBDUMP = sys.argv[2] if len(sys.argv) > 2 else os.path.join(TOP, "build", "tests", "golden", "lib-dump")

MODULE_ONLY_GROUP = {"generation"}
MODULE_ONLY_DEV = {"claim-origin", "prev-driver"}
MODULE_ONLY_VF = {"multifunction", "acs-isolated", "acs-path-isolated"}
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap  # noqa: E402

T = Tap()
check = T.ok


def pcipass_json(*args):
    p = subprocess.run([PCIPASS, "-j", *args], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("pcipass -j %s: exit %d: %s" %
                           (" ".join(args), p.returncode, p.stderr.strip()))
    return json.loads(p.stdout)


def strip_dev(d, top):
    d = dict(d)
    src = d.pop("source", None) if top else None
    for k in MODULE_ONLY_DEV:
        d.pop(k, None)
    if "physfn" in d:
        for k in MODULE_ONLY_VF:
            d.pop(k, None)
    return d, src


def strip_groups(groups):
    out, sources = [], set()
    for g in groups:
        g = dict(g)
        sources.add(g.pop("source", None))
        for k in MODULE_ONLY_GROUP:
            g.pop(k, None)
        g["devices"] = [strip_dev(d, False)[0] for d in g["devices"]]
        out.append(g)
    return out, sources


def first_diff(a, b):
    for x, y in zip(a, b):
        if x != y:
            keys = sorted(set(x) | set(y))
            return ("%s: " % x.get("bdf", x.get("group")) +
                    "; ".join("%s: %r != %r" % (k, x.get(k), y.get(k))
                              for k in keys if x.get(k) != y.get(k)))[:400]
    return "lengths %d != %d" % (len(a), len(b))


def main():
    try:
        nl_groups = pcipass_json()
        fs_groups = pcipass_json("-s", "sysfs")
        nl_devs = pcipass_json("dev", "show")
        fs_devs = pcipass_json("--source", "sysfs", "dev", "show")
    except (RuntimeError, ValueError) as e:
        check(False, "pcipass -j runs", str(e))
        return T.done()

    a, src_a = strip_groups(nl_groups)
    b, src_b = strip_groups(fs_groups)
    check(src_a == {"netlink"} and src_b == {"sysfs"},
          "group JSON: source netlink by default, sysfs with -s sysfs",
          "%s / %s" % (src_a, src_b))
    check(all("generation" in g for g in nl_groups) and
          not any("generation" in g for g in fs_groups),
          "generation only from the module")
    check(a == b, "pcipass -j: same groups, members and fields through netlink "
          "and sysfs (%d groups)" % len(a), first_diff(
              [d for g in a for d in g["devices"]] + a,
              [d for g in b for d in g["devices"]] + b) if a != b else "")

    da = [strip_dev(d, True) for d in nl_devs]
    db = [strip_dev(d, True) for d in fs_devs]
    check({s for _, s in da} == {"netlink"} and {s for _, s in db} == {"sysfs"},
          "dev JSON: source netlink / sysfs")
    check([d for d, _ in da] == [d for d, _ in db],
          "pcipass -j dev show: same functions and fields through netlink and "
          "sysfs (%d functions)" % len(da),
          first_diff([d for d, _ in da], [d for d, _ in db]))

    # The library, getter by getter.
    def libdump(src):
        p = subprocess.run([LIBDUMP, src], capture_output=True, text=True)
        # module-only: the has-generation / has-claim-origin flags
        lines, block = [], []
        for l in p.stdout.splitlines() + ["dev end"]:
            if l.startswith("source="):
                continue
            if not l.startswith("\t") and block:
                if any(b.startswith("\tphysfn=") for b in block):
                    block = [re.sub(r"(^|\s)(multifunction|acs-isolated|"
                                    r"acs-path-isolated)=\d", "", b)
                             for b in block]
                lines += block
                block = []
            l = re.sub(r" ?has-(generation|claim-origin)=\d", "", l)
            if l.strip():
                block.append(l)
        return p.returncode, [l for l in lines if l.strip()], \
            p.stdout.splitlines()[:1]

    rc_a, la, ha = libdump("netlink")
    rc_b, lb, hb = libdump("sysfs")
    check(rc_a == 0 and rc_b == 0 and la == lb,
          "lib-dump: every getter equal through netlink and sysfs",
          next(("%r != %r" % (x, y) for x, y in zip(la, lb) if x != y),
               "rc %d/%d" % (rc_a, rc_b)))
    check(ha and hb and ha[0].split()[1:] == hb[0].split()[1:] and
          ha[0].startswith("source=netlink") and hb[0].startswith("source=sysfs"),
          "lib-dump: same counts, source netlink / sysfs", "%s / %s" % (ha, hb))

    return T.done()


if __name__ == "__main__":
    sys.exit(main())
