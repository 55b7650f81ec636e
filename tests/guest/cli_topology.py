#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Acceptance test, run as root inside a lab guest with pcipass loaded: the
# CLI's JSON must show exactly the kernel's own view (sysfs, lspci -k), and
# on the seed-server topology the groups the seed user cares about.
# Prints TAP.

import glob
import json
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PCIPASS = os.environ.get("PCIPASS", os.path.join(TOP, "build", "bin", "pcipass"))
HEX4 = re.compile(r"^[0-9a-f]{4}$")
HEX6 = re.compile(r"^[0-9a-f]{6}$")
BDF = re.compile(r"^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap  # noqa: E402

T = Tap()
check = T.ok
skip = T.skip


def sysfs_view():
    """bdf -> (group or None, driver or None), from sysfs."""
    view = {}
    for path in glob.glob("/sys/bus/pci/devices/*"):
        bdf = os.path.basename(path)
        group = None
        if os.path.exists(path + "/iommu_group"):
            group = int(os.path.basename(os.readlink(path + "/iommu_group")))
        driver = None
        if os.path.exists(path + "/driver"):
            driver = os.path.basename(os.readlink(path + "/driver"))
        view[bdf] = (group, driver)
    return view


def lspci_drivers():
    """bdf -> driver or None, as lspci -Dk prints 'Kernel driver in use'."""
    out = subprocess.run(["lspci", "-Dk"], capture_output=True, text=True,
                         check=True).stdout
    drivers, cur = {}, None
    for line in out.splitlines():
        if line and not line[0].isspace():
            cur = line.split()[0]
            drivers[cur] = None
        elif "Kernel driver in use:" in line and cur:
            drivers[cur] = line.split(":", 1)[1].strip()
    return drivers


def pcipass_json(*args):
    p = subprocess.run([PCIPASS, "-j", *args], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("pcipass -j %s: exit %d: %s" %
                           (" ".join(args), p.returncode, p.stderr.strip()))
    return json.loads(p.stdout)


def main():
    # Give the native drivers their functions, as a booted host would.
    for mod in ("nvme", "e1000", "e1000e", "snd_hda_intel", "xhci_pci"):
        subprocess.run(["modprobe", "-q", mod], check=False)

    sysfs = sysfs_view()
    try:
        groups = pcipass_json()
        devs = pcipass_json("dev", "show")
    except (RuntimeError, ValueError) as e:
        check(False, "pcipass -j runs", str(e))
        return T.done()

    # JSON contract: keys and formats are a stable interface.
    bad = []
    for d in devs:
        for key in ("bdf", "vendor", "device", "class", "driver", "group"):
            if key not in d:
                bad.append("%s lacks %s" % (d.get("bdf"), key))
        if not BDF.match(str(d.get("bdf"))):
            bad.append("bdf %r" % d.get("bdf"))
        for key in ("vendor", "device"):
            if not HEX4.match(str(d.get(key))):
                bad.append("%s %s=%r" % (d.get("bdf"), key, d.get(key)))
        if not HEX6.match(str(d.get("class"))):
            bad.append("%s class=%r" % (d.get("bdf"), d.get("class")))
        if d.get("driver") is not None and not isinstance(d["driver"], str):
            bad.append("%s driver=%r" % (d.get("bdf"), d.get("driver")))
    check(not bad, "dev JSON has bdf/vendor/device/class/driver/group in "
          "their documented formats", "; ".join(bad[:5]))

    for g in groups:
        if not isinstance(g.get("group"), int) or \
           not isinstance(g.get("viable"), bool) or \
           not isinstance(g.get("devices"), list):
            check(False, "group JSON has group/viable/devices", repr(g)[:200])
            break
    else:
        check(True, "group JSON has group/viable/devices")

    # Exactly the kernel's groups and members.
    want = {}
    for path in glob.glob("/sys/kernel/iommu_groups/*"):
        members = {os.path.basename(p) for p in glob.glob(path + "/devices/*")
                   if os.path.exists(p + "/vendor")}
        if members:
            want[int(os.path.basename(path))] = members
    got = {g["group"]: {d["bdf"] for d in g["devices"]} for g in groups
           if g.get("group") is not None}
    check(want and got == want, "pcipass -j lists exactly the groups and members "
          "of /sys/kernel/iommu_groups (%d groups)" % len(want),
          "missing %s extra %s" % (sorted(set(want) - set(got)),
                                   sorted(set(got) - set(want))))

    listed = {d["bdf"] for d in devs}
    check(listed == set(sysfs), "pcipass dev show lists every PCI function "
          "(%d)" % len(sysfs), "diff %s" % sorted(listed ^ set(sysfs)))

    lspci = lspci_drivers()
    wrong = ["%s: pcipass %s, lspci %s" % (d["bdf"], d["driver"],
                                           lspci.get(d["bdf"]))
             for d in devs if lspci.get(d["bdf"], "?") != d["driver"]]
    bound = sum(1 for v in lspci.values() if v)
    check(not wrong and bound > 0, "drivers match lspci -k (%d bound)" % bound,
          "; ".join(wrong[:5]))
    wrong = [b for b, (grp, _) in sysfs.items()
             if {d["bdf"]: d["group"] for d in devs}.get(b) != grp]
    check(not wrong, "each function's group matches its iommu_group link",
          " ".join(wrong[:5]))

    topo = os.environ.get("LAB_TOPOLOGY", "")
    if topo != "seed-server":
        for name in ("three identical NVMe are three groups",
                     "GPU slot's three functions are one group",
                     "bridge group holds the bridge and both NICs",
                     "switch downstream port shares its NIC's group"):
            skip(name, "topology %r is not seed-server" % topo)
    else:
        by_bdf = {d["bdf"]: d for d in devs}
        groups_of = {g["group"]: g for g in groups}

        nvme = [d for d in devs if d["vendor"] == "1b36" and d["device"] == "0010"]
        ngroups = {d["group"] for d in nvme}
        alone = all(len(groups_of[g]["devices"]) == 1 for g in ngroups
                    if g in groups_of)
        check(len(nvme) == 3 and len(ngroups) == 3 and None not in ngroups
              and alone, "three identical NVMe are three groups",
              "nvme %s groups %s" % ([d["bdf"] for d in nvme], ngroups))

        # The GPU, not the host's onboard display: the VGA function of a
        # multi-function slot.
        vga = [d for d in devs if d["class"].startswith("0300") and
               sum(1 for b in by_bdf if b[:-2] == d["bdf"][:-2]) > 1]
        ok, diag = False, "no multi-function VGA slot"
        if vga:
            slot = vga[0]["bdf"][:-2]
            fns = sorted(b for b in by_bdf if b[:-2] == slot)
            grp = {by_bdf[b]["group"] for b in fns}
            members = {d["bdf"] for d in groups_of.get(vga[0]["group"],
                                                       {"devices": []})["devices"]}
            ok = len(fns) == 3 and len(grp) == 1 and set(fns) <= members
            diag = "slot %s fns %s groups %s" % (slot, fns, grp)
        check(ok, "GPU slot's three functions are one group", diag)

        br = [d for d in devs if d["vendor"] == "1b36" and d["device"] == "000e"]
        nics = [d for d in devs if d["vendor"] == "8086" and d["device"] == "100e"]
        ok = len(br) == 1 and len(nics) == 2 and \
            len({br[0]["group"]} | {n["group"] for n in nics}) == 1
        check(ok, "bridge group holds the bridge and both NICs",
              "bridge %s nics %s" % ([(d["bdf"], d["group"]) for d in br],
                                     [(d["bdf"], d["group"]) for d in nics]))

        e1000e = [d for d in devs if d["vendor"] == "8086" and d["device"] == "10d3"]
        ok = len(e1000e) == 1 and e1000e[0].get("upstream") in by_bdf and \
            by_bdf[e1000e[0]["upstream"]]["group"] == e1000e[0]["group"]
        check(ok, "switch downstream port shares its NIC's group",
              repr([(d["bdf"], d.get("upstream"), d["group"]) for d in e1000e]))

    return T.done()


if __name__ == "__main__":
    sys.exit(main())
