#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# "pcipass check" and "pcipass why" against the kernel of a lab guest
# (tests/lab/run), with the pcipass module loaded. Prints TAP.
#
# usage: tests/selftests/why_check.py PATH-TO-PCIPASS
#
# What is expected follows from how the guest was booted: LAB_IOMMU and the
# kernel command line decide the IOMMU findings (intel_iommu=off, or no
# vIOMMU: the check fails with the fix to apply); LAB_TOPOLOGY=seed-server
# enables the per-function checks and the group explanations. Paths, group
# members and ROM contents are compared with sysfs, read here independently
# of pcipass.
import errno
import json
import os
import re
import subprocess
import sys

BIN = sys.argv[1] if len(sys.argv) > 1 else sys.exit("usage: why_check.py PATH-TO-PCIPASS")
SYS = "/sys/bus/pci/devices"
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap  # noqa: E402

T = Tap()
ok = T.ok
skip = T.skip
last = T.last


def run(*args):
    return T.run(BIN, *args)


def runj(*args):
    rc = run("-j", *args)
    try:
        return rc, json.loads(last["out"])
    except ValueError:
        return rc, None


def finding(j, check, bdf=None):
    m = [f for f in j or [] if f["check"] == check and f["bdf"] == bdf]
    return m[0] if m else None


def safe(fn):
    try:
        return bool(fn())
    except (KeyError, TypeError, IndexError):
        return False


def rom_enable(bdf, on):
    """6.1's pci_write_rom() takes only "0\\n" as off; a lone "0" enables."""
    with open(f"{SYS}/{bdf}/rom", "w") as f:
        f.write("1" if on else "0\n")


def rom_enabled(bdf):
    """A read of a disabled ROM fails with EINVAL."""
    try:
        with open(f"{SYS}/{bdf}/rom", "rb") as f:
            f.read(1)
        return True
    except OSError as e:
        if e.errno == errno.EINVAL:
            return False
        raise


def rom_efi(bdf):
    """Independent reading: does any image of the ROM have code type 3?"""
    path = f"{SYS}/{bdf}/rom"
    rom_enable(bdf, True)
    try:
        with open(path, "rb") as f:
            d = f.read()
    finally:
        rom_enable(bdf, False)
    off, efi = 0, False
    while off + 0x1a <= len(d) and d[off:off + 2] == b"\x55\xaa":
        p = off + int.from_bytes(d[off + 0x18:off + 0x1a], "little")
        if d[p:p + 4] != b"PCIR":
            break
        efi |= d[p + 0x14] == 3
        if d[p + 0x15] & 0x80:
            break
        off += int.from_bytes(d[p + 0x10:p + 0x12], "little") * 512
    return efi


def sysfs_path(bdf):
    """The function and the bridges above it, as sysfs nests them."""
    p = os.path.realpath(f"{SYS}/{bdf}").split("/")
    out = []
    while p and re.fullmatch(r"[0-9a-f]{4,}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]", p[-1]):
        out.append(p.pop())
    return out


def main():
    iommu = os.environ.get("LAB_IOMMU", "")
    topo = os.environ.get("LAB_TOPOLOGY", "")
    cmdline = open("/proc/cmdline").read().split()
    groups = len(os.listdir("/sys/kernel/iommu_groups"))

    # --- preflight: host ---------------------------------------------------
    rc, j = runj("check")
    ok(isinstance(j, list) and all({"result", "bdf", "check", "why", "fix"} <= set(f) for f in j),
       "check -j: every finding has result, bdf, check, why, fix")
    results = [f["result"] for f in j or []]
    worst = 1 if "fail" in results else 3 if "warn" in results else 0
    ok(rc == worst, f"check exit status {rc} reflects the worst finding ({worst})")
    io = finding(j, "iommu") or {}
    if "intel_iommu=off" in cmdline:
        ok(safe(lambda: io["result"] == "fail" and "intel_iommu=off" in io["why"]
                and "intel_iommu=on" in io["fix"]),
           "intel_iommu=off: the iommu check fails, the fix is intel_iommu=on")
        ok(rc == 1, "intel_iommu=off: check exits 1")
    elif iommu == "none":
        ok(safe(lambda: io["result"] == "fail" and "DMAR" in io["why"] and "firmware" in io["fix"]),
           "no IOMMU in the firmware: the iommu check fails, the fix is the firmware setting")
        ok(rc == 1, "no IOMMU: check exits 1")
    else:
        ok(safe(lambda: io["result"] == "pass" and f"{groups} IOMMU groups" in io["why"]),
           f"IOMMU on: the iommu check passes and counts {groups} groups")
        if iommu == "amd":
            ok(safe(lambda: "AMD-Vi" in io["why"]), "amd: the IOMMU is named AMD-Vi")
        elif iommu == "intel-default":
            ok(safe(lambda: "intel_iommu=on" in io["fix"] and "by default" in io["fix"]),
               "VT-d on by this kernel's default: advice to add intel_iommu=on")
        else:
            ok(safe(lambda: "Intel VT-d" in io["why"] and io["fix"] is None),
               "intel_iommu=on: VT-d named, nothing to fix")

    ir = finding(j, "interrupt-remapping")
    if iommu == "none":
        ok(ir is None, "no IOMMU: no interrupt-remapping finding")
    else:
        want = "pass" if "IR-" in open("/proc/interrupts").read() else "fail"
        ok(safe(lambda: ir["result"] == want), f"interrupt-remapping: {want}, as /proc/interrupts says")
    ok(safe(lambda: finding(j, "vfio")["result"] == "pass"), "vfio-pci is available")

    if not groups:
        _, j = runj("why", "0000:01:00.0")
        ok(safe(lambda: j[0]["cause"] == "no-group" and j[0]["group"] is None),
           "no IOMMU: why says there is no group")
    if topo != "seed-server":
        skip("per-function checks and group explanations", f"topology {topo or '?'} is not seed-server")
        return

    # --- per function --------------------------------------------------------
    for bdf, expect in (("0000:06:01.0", True), ("0000:04:00.0", False)):
        have = rom_efi(bdf)
        ok(have == expect, f"{bdf}: the ROM in sysfs has an EFI image: {have}")
        # A function a driver uses: its ROM is read only on request.
        drv = os.path.exists(f"{SYS}/{bdf}/driver") and \
            os.path.basename(os.readlink(f"{SYS}/{bdf}/driver"))
        args = ("check", bdf)
        if drv and drv not in ("vfio-pci", "pci-stub"):
            _, j = runj(*args)
            ok(safe(lambda: finding(j, "rom", bdf)["result"] == "skip" and
                    f"{drv} drives the function" in finding(j, "rom", bdf)["why"]),
               f"{bdf}: check does not read the ROM of a function {drv} drives")
            ok(not rom_enabled(bdf), f"{bdf}: ... and does not enable it")
            args = ("check", bdf, "rom")
        _, j = runj(*args)
        ok(safe(lambda: finding(j, "rom", bdf)["efi"] is have),
           f"{' '.join(args)}: reports EFI image {have}")
        # A preflight changes nothing: the ROM is as check found it.
        ok(not rom_enabled(bdf), f"{bdf}: check leaves a disabled ROM disabled")
        rom_enable(bdf, True)
        runj(*args)
        ok(rom_enabled(bdf), f"{bdf}: check leaves an enabled ROM enabled")
        rom_enable(bdf, False)
    rom = finding(j, "rom", "0000:04:00.0")
    ok(safe(lambda: rom["result"] == "warn" and [i["code-type-name"] for i in rom["images"]] == ["x86"]),
       "QEMU VGA: legacy x86 image only, a warning for a display")
    grp = finding(j, "group", "0000:04:00.0")
    viable = os.path.exists(f"{SYS}/0000:04:00.1/driver") or os.path.exists(f"{SYS}/0000:04:00.2/driver")
    ok(safe(lambda: grp["result"] == ("warn" if viable else "pass")),
       "GPU slot: the group check follows the siblings' drivers")
    _, j = runj("check", "0000:01:00.0")
    ok(safe(lambda: finding(j, "group", "0000:01:00.0")["result"] == "pass"
            and "flr" in finding(j, "reset", "0000:01:00.0")["why"]),
       "NVMe: own group, FLR reset")
    for d in sorted(os.listdir(SYS)):
        try:
            bv = open(f"{SYS}/{d}/boot_vga").read().strip()
        except OSError:
            continue
        _, j = runj("check", d)
        ok(safe(lambda: finding(j, "boot-vga", d)["result"] == ("warn" if bv == "1" else "pass")),
           f"{d} (boot_vga={bv}): boot-vga {'warns' if bv == '1' else 'passes'}")

    # --- why --------------------------------------------------------------------
    if not groups:
        return

    for bdf in ("0000:00:1f.2", "0000:06:01.0", "0000:09:00.0", "0000:01:00.0", "0000:04:00.2"):
        rc, j = runj("why", bdf)
        want = sysfs_path(bdf)
        ok(safe(lambda: rc == 0 and [h["bdf"] for h in j[0]["path"]] == want),
           f"why {bdf}: the path is the sysfs chain {' '.join(want)}")
        members = sorted(os.listdir(f"{SYS}/{bdf}/iommu_group/devices"))
        ok(safe(lambda: j[0]["members"] == members), f"why {bdf}: members are the kernel's group")

    _, j = runj("why", "0000:00:1f.2")
    ok(safe(lambda: j[0]["cause"] == "multifunction" and not j[0]["isolated"]
            and "multifunction device without ACS" in j[0]["text"]),
       "ICH9: multifunction device without ACS")
    _, j = runj("why", "0000:06:01.0")
    ok(safe(lambda: j[0]["cause"] == "pci-bridge" and j[0]["break"] == "0000:05:00.0"
            and j[0]["break-pcie-type"] == "pci-bridge" and "PCIe-to-PCI bridge" in j[0]["text"]
            and "requester ID" in j[0]["text"]),
       "e1000 behind the pcie-pci-bridge: conventional PCI bridge, requester-ID aliasing")
    _, j = runj("why", "0000:09:00.0")
    ok(safe(lambda: j[0]["cause"] == "bridge-acs" and j[0]["break"] == "0000:08:00.0"
            and j[0]["break-pcie-type"] == "downstream"
            and j[0]["missing-acs"] == ["SV", "RR", "CR", "UF"]),
       "switch: downstream port without ACS, missing SV RR CR UF")
    alts = [a["bdf"] for a in (j[0].get("alternatives") or [])] if j else []
    ok(alts and "0000:00:07.0" not in alts and all(
        a["pcie-type"] in ("root-port", "downstream") for a in j[0]["alternatives"]),
       "switch: isolating ports are offered, not the card's own")
    _, devs = runj("dev", "show")
    iso = {d["bdf"]: d["acs-path-isolated"] for d in devs or []}
    ok(all(iso.get(a) is True for a in alts), "every port offered has acs-path-isolated from the module")
    ok(safe(lambda: "pcie_acs_override" in j[0]["acs-override"]), "switch: says why pcie_acs_override is no fix")
    run("why", "0000:09:00.0")
    ok("breaks isolation" in last["out"] and "pcie_acs_override" in last["out"],
       "text: marks the hop that breaks isolation and explains pcie_acs_override")

    _, j = runj("why", "0000:01:00.0")
    ok(safe(lambda: j[0]["isolated"] is True and j[0]["cause"] == "isolated"
            and j[0]["members"] == ["0000:01:00.0"] and j[0]["acs-override"] is None),
       "NVMe on its own root port: isolated")

    _, j = runj("why", "0000:06:01.0", "0000:06:02.0")
    ok(safe(lambda: j[0]["same-group"] is True and j[0]["kind"] == "pci-bridge" and len(j[0]["devices"]) == 2),
       "two e1000 behind one bridge: same group, because of the bridge")
    _, j = runj("why", "0000:04:00.0", "0000:04:00.1")
    ok(safe(lambda: j[0]["same-group"] is True and j[0]["kind"] == "multifunction"),
       "GPU functions: same group, multifunction")
    _, j = runj("why", "0000:01:00.0", "0000:02:00.0")
    ok(safe(lambda: j[0]["same-group"] is False and j[0]["kind"] == "root-bus"),
       "two NVMe: different groups, separate root ports")
    _, j = runj("why", "0000:09:00.0", "0000:08:00.0")
    ok(safe(lambda: j[0]["same-group"] is True and j[0]["kind"] == "bridge-acs"),
       "e1000e and its downstream port: same group, the port lacks ACS")

    rc = run("why", "0000:ff:1f.7")
    ok(rc == 1 and "no PCI function matches" in last["err"],
       "why on a missing function fails: no PCI function matches")
    rc = run("why", "*")
    ok(rc == 2, "why on a wildcard is a usage error")

    viable_rule()


def bind(bdf, drv):
    """driver_override, unbind, drivers_probe: what the sysfs user does."""
    with open(f"{SYS}/{bdf}/driver_override", "w") as f:
        f.write(drv or "\n")
    if os.path.exists(f"{SYS}/{bdf}/driver"):
        with open(f"{SYS}/{bdf}/driver/unbind", "w") as f:
            f.write(bdf)
    with open("/sys/bus/pci/drivers_probe", "w") as f:
        f.write(bdf)


def viable_rule():
    """vfio's rule: a driver with driver_managed_dma (pci-stub, pcieport)
    keeps its group viable, bridges included; a DMA API driver does not.
    The module reads the flag; the sysfs fallback goes by the names."""
    bdf, port = "0000:09:00.0", "0000:08:00.0"
    subprocess.run(["modprobe", "-q", "pci-stub"], check=False)
    if not os.path.isdir("/sys/bus/pci/drivers/pci-stub"):
        skip("group viability with pci-stub", "no pci-stub driver")
        return
    grp = os.path.basename(os.readlink(f"{SYS}/{bdf}/iommu_group"))

    def viable(src):
        _, j = runj("-s", src, "group", "show", grp)
        return safe(lambda: j[0]["viable"]) if j else None

    for src in ("netlink", "sysfs"):
        ok(viable(src) is False, f"group {grp} (e1000e and its port): not viable from {src}")
    try:
        bind(bdf, "pci-stub")
        drv = os.path.basename(os.readlink(f"{SYS}/{bdf}/driver"))
        ok(drv == "pci-stub", f"{bdf} bound to pci-stub")
        for src in ("netlink", "sysfs"):
            ok(viable(src) is True,
               f"group {grp}: viable from {src}, e1000e on pci-stub and {port} on pcieport (driver_managed_dma)")
    finally:
        bind(bdf, None)
    ok(os.path.basename(os.readlink(f"{SYS}/{bdf}/driver")) == "e1000e", f"{bdf} back on e1000e")


main()
sys.exit(T.done())
