#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# pcipass xml, attach, nova and kubevirt in a lab guest (tests/guest/suite.sh),
# against the real consumers: virt-xml-validate, a libvirtd started here,
# nova's own parsers (Debian python3-nova) and python3-yaml. Prints TAP.
#
# usage: tests/selftests/handoff.py PATH-TO-PCIPASS
#
# seed-server: XML of the GPU slot 04:00.* and of one identical NVMe,
#   schema-valid; group expansion, managed, guest addresses; attach to an
#   inactive domain of a libvirtd run here; nova by address for identical
#   NVMe; kubevirt snippet and its warnings; bad input.
# sriov: nova type-PF for the PF and type-VF for a VF, through nova's code.
#
# /usr/bin/python3 on purpose: nova and yaml are Debian's modules.
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import xml.etree.ElementTree as ET

BIN = sys.argv[1] if len(sys.argv) > 1 else sys.exit("usage: handoff.py PATH-TO-PCIPASS")
SYS = "/sys/bus/pci/devices"
TOPO = os.environ.get("LAB_TOPOLOGY", "")
DOMAIN = "pcipass-handoff"
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap  # noqa: E402

T = Tap()
ok = T.ok
skip = T.skip
last = T.last


def run(*args):
    return T.run(BIN, *args)


def sh(*args, **kw):
    p = subprocess.run(list(args), capture_output=True, text=True, **kw)
    last.update(out=p.stdout, err=p.stderr, rc=p.returncode)
    return p.returncode


def driver(bdf):
    try:
        return os.path.basename(os.readlink(f"{SYS}/{bdf}/driver"))
    except OSError:
        return None


def ids(bdf):
    with open(f"{SYS}/{bdf}/vendor") as f:
        v = f.read().strip()[2:]
    with open(f"{SYS}/{bdf}/device") as f:
        d = f.read().strip()[2:]
    return v, d


def hostdevs(text):
    """[(bdf, managed, guest address dict or None)] of <hostdev> elements."""
    root = ET.fromstring(f"<devices>{text}</devices>")
    out = []
    for h in root.iter("hostdev"):
        a = h.find("source/address")
        bdf = "%04x:%02x:%02x.%x" % tuple(int(a.get(k), 16) for k in
                                          ("domain", "bus", "slot", "function"))
        g = h.find("address")
        out.append((bdf, h.get("managed"), dict(g.attrib) if g is not None else None))
    return out


def validate(hostdev_xml, tag):
    """Wrap in a minimal domain and run virt-xml-validate on it."""
    dom = ("<domain type='kvm'><name>pcipass-validate</name>"
           "<memory unit='MiB'>64</memory>"
           "<os><type arch='x86_64' machine='q35'>hvm</type></os>"
           f"<devices>{hostdev_xml}</devices></domain>")
    path = os.path.join(TMP, f"{tag}.xml")
    with open(path, "w") as f:
        f.write(dom)
    return sh("virt-xml-validate", path, "domain")


def bad_input():
    rc = run("xml", "04:zz.0")
    ok(rc == 2 and "04:zz.0" in last["err"] and last["err"].startswith("pcipass: "),
       "xml with a bad filter: exit 2, names the filter")
    rc = run("xml", "0a:00.0")
    ok(rc == 1 and "0a:00.0" in last["err"] and "no PCI function matches" in last["err"],
       "xml for an empty slot: exit 1, no PCI function matches")
    rc = run("xml", "05:00.0")
    ok(rc == 1 and "bridges" in last["err"], "xml for a bridge only: exit 1, says bridge")
    rc = run("xml", "04:00.*", "managed", "maybe")
    ok(rc == 2 and '"maybe"' in last["err"] and "managed" in last["err"],
       "xml managed maybe: exit 2, names the value")
    rc = run("xml", "04:00.*", "guest", "00:40")
    ok(rc == 2 and '"00:40"' in last["err"], "xml guest 00:40: exit 2, names the address")
    rc = run("-j", "xml", "04:00.*")
    ok(rc == 2 and "JSON" in last["err"], "xml -j is refused with exit 2")
    rc = run("nova", "04:00.0", "alias", "a:b")
    ok(rc == 2 and '"a:b"' in last["err"], "nova alias a:b: exit 2, names the alias")
    rc = run("kubevirt", "04:00.0", "resource", "gpu")
    ok(rc == 2 and '"gpu"' in last["err"], "kubevirt resource gpu: exit 2, names it")
    rc = run("attach", DOMAIN)
    ok(rc == 2 and "FILTER" in last["err"], "attach without FILTER: exit 2")


def seed_xml():
    gpu = ["0000:04:00.0", "0000:04:00.1", "0000:04:00.2"]
    rc = run("xml", "04:00.*")
    hd = hostdevs(last["out"]) if rc == 0 else []
    ok(rc == 0 and [h[0] for h in hd] == gpu, "xml 04:00.*: three hostdevs, 04:00.0-2")
    ok(rc == 0 and validate(last["out"], "gpu") == 0,
       "GPU slot XML in a minimal domain passes virt-xml-validate")
    unclaimed = [h[1] for h in hd]
    ok(unclaimed == ["yes"] * 3, "not claimed by pcipass: managed='yes'")

    rc = run("xml", "04:00.2")
    ok(rc == 0 and [h[0] for h in hostdevs(last["out"])] == gpu,
       "xml 04:00.2 brings the whole group (viable set)")
    rc = run("xml", "04:00.2", "function-only")
    ok(rc == 0 and [h[0] for h in hostdevs(last["out"])] == ["0000:04:00.2"],
       "xml 04:00.2 function-only: one hostdev")

    rc = run("xml", "04:00.*", "guest", "0:5")
    hd = hostdevs(last["out"]) if rc == 0 else []
    want = [("0x05", "0x0", "on"), ("0x05", "0x1", None), ("0x05", "0x2", None)]
    got = [(g["slot"], g["function"], g.get("multifunction")) for _, _, g in hd if g]
    ok(got == want and all(g["bus"] == "0x00" for _, _, g in hd),
       "guest 0:5: one guest slot, functions 0-2, multifunction='on' on 0")
    ok(rc == 0 and validate(last["out"], "gpu-guest") == 0,
       "GPU slot XML with guest addresses passes virt-xml-validate")

    nvme = "0000:02:00.0"
    rc = run("xml", "02:00.0")
    hd = hostdevs(last["out"]) if rc == 0 else []
    ok([h[0] for h in hd] == [nvme], "xml 02:00.0: one identical NVMe, one hostdev")
    ok(rc == 0 and validate(last["out"], "nvme") == 0,
       "NVMe XML in a minimal domain passes virt-xml-validate")

    # Claimed by pcipass: managed='no', unless asked otherwise.
    rc = run("claim", "04:00.*")
    ok(rc == 0 and all(driver(b) == "vfio-pci" for b in gpu), "claim 04:00.* for the next checks")
    rc = run("xml", "04:00.*")
    ok(rc == 0 and [h[1] for h in hostdevs(last["out"])] == ["no"] * 3,
       "claimed by pcipass: managed='no'")
    rc = run("xml", "04:00.*", "managed", "yes")
    ok(rc == 0 and [h[1] for h in hostdevs(last["out"])] == ["yes"] * 3,
       "managed yes overrides")
    ok(rc == 0 and validate(last["out"], "gpu-managed") == 0,
       "managed='no' XML passes virt-xml-validate")


class Libvirtd:
    """libvirtd in a private mount namespace with tmpfs state directories:
    the guest's root is the host's, read-only."""

    def __init__(self):
        self.pidfile = "/run/pcipass-test-libvirtd.pid"
        self.log = "/run/pcipass-test-libvirtd.log"
        self.pid = None

    def start(self):
        os.makedirs("/run/libvirt", exist_ok=True)
        etc = os.path.join(TMP, "etc-libvirt")
        shutil.copytree("/etc/libvirt", etc)
        with open(os.path.join(etc, "qemu.conf"), "a") as f:
            # No libvirt-qemu user in a guest whose /etc is read-only.
            f.write('user = "root"\ngroup = "root"\n')
        with open(os.path.join(etc, "libvirtd.conf"), "a") as f:
            f.write(f'log_outputs = "3:file:{self.log}"\n')
        # libvirt resolves its compiled-in user before it reads
        # qemu.conf: give the namespace a passwd and group that have it.
        ids = {}
        for name in ("passwd", "group"):
            with open(f"/etc/{name}") as f:
                text = f.read()
            if not re.search(r"^libvirt-qemu:", text, re.M):
                text += ("libvirt-qemu:x:64055:64055::/var/lib/libvirt:/usr/sbin/nologin\n"
                         if name == "passwd" else "libvirt-qemu:x:64055:\n")
            ids[name] = os.path.join(TMP, name)
            with open(ids[name], "w") as f:
                f.write(text)
        script = f"""set -e
mount --make-rprivate /
mount --bind {ids["passwd"]} /etc/passwd
mount --bind {ids["group"]} /etc/group
mount -t tmpfs tmpfs /etc/libvirt
cp -a {etc}/. /etc/libvirt/
for d in /var/lib /var/cache /var/log; do
	mount -t tmpfs tmpfs $d
	mkdir -p $d/libvirt
done
exec libvirtd -d -p {self.pidfile}
"""
        rc = sh("unshare", "-m", "sh", "-c", script)
        if rc:
            return False
        # Up when the qemu driver answers (its state initializes after the
        # socket is there, and a failure there ends the daemon).
        for _ in range(240):
            if not self.pid and os.path.exists(self.pidfile):
                with open(self.pidfile) as f:
                    self.pid = int(f.read().strip() or 0) or None
            if self.pid and virsh("list", "--all") == 0:
                return True
            time.sleep(0.5)
        try:
            with open(self.log) as f:
                last["err"] = f.read()
        except OSError:
            pass
        return False

    def stop(self):
        if not self.pid:
            return
        try:
            os.kill(self.pid, signal.SIGTERM)
            for _ in range(100):
                os.kill(self.pid, 0)
                time.sleep(0.1)
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.pid = None


def virsh(*args):
    return sh("virsh", "-c", "qemu:///system", *args)


def seed_attach():
    d = Libvirtd()
    if not d.start():
        ok(False, "libvirtd starts in the guest")
        return
    try:
        ok(True, "libvirtd starts in the guest")
        path = os.path.join(TMP, "dom.xml")
        with open(path, "w") as f:
            f.write(f"<domain type='qemu'><name>{DOMAIN}</name>"
                    "<memory unit='MiB'>64</memory>"
                    "<os><type arch='x86_64' machine='q35'>hvm</type></os>"
                    "</domain>")
        rc = virsh("define", path)
        ok(rc == 0, f"virsh define an inactive domain {DOMAIN}")

        rc = run("attach", "no-such-domain", "04:00.*", "config",
                 "connect", "qemu:///system")
        ok(rc == 1 and "no-such-domain" in last["err"] and
           "Domain not found" in last["err"],
           "attach to an unknown domain: exit 1, libvirt's message passed through")
        rc = run("attach", DOMAIN, "04:00.*", "config", "connect", "qemu:///nowhere")
        ok(rc == 1 and "qemu:///nowhere" in last["err"],
           "attach with a bad connect URI: exit 1, names the URI")

        rc = run("attach", DOMAIN, "0000:04:00.*", "config",
                 "connect", "qemu:///system", "guest", "0:5")
        ok(rc == 0 and last["out"].count("attached ") == 3,
           "attach DOMAIN 0000:04:00.* config")
        virsh("dumpxml", "--inactive", DOMAIN)
        xml = last["out"]
        try:
            devs = ET.fromstring(xml).find("devices")
            hd = hostdevs("".join(ET.tostring(h, encoding="unicode")
                                  for h in devs.iter("hostdev")))
        except ET.ParseError:
            hd = []
        ok([h[0] for h in hd] == ["0000:04:00.0", "0000:04:00.1", "0000:04:00.2"],
           "virsh dumpxml shows all three hostdevs of 04:00.*")
        ok([h[1] for h in hd] == ["no"] * 3, "attached with managed='no' (pcipass holds them)")
        ok(sum(1 for h in hd if h[2] and h[2].get("slot") == "0x05") == 3 and
           any(h[2] and h[2].get("multifunction") == "on" for h in hd),
           "libvirt kept the multifunction guest slot")

        # All or nothing: the second attach of the same functions fails on
        # the first; nothing more is added.
        rc = run("attach", DOMAIN, "04:00.*", "connect", "qemu:///system")
        err = last["err"]
        virsh("dumpxml", "--inactive", DOMAIN)
        ok(rc == 1 and "0000:04:00.0" in err and last["out"].count("<hostdev") == 3,
           "attaching them again fails with libvirt's message and adds nothing")
        rc = run("-j", "attach", DOMAIN, "02:00.0", "connect", "qemu:///system")
        try:
            j = json.loads(last["out"])
        except ValueError:
            j = None
        ok(rc == 0 and j == [{"bdf": "0000:02:00.0", "domain": DOMAIN, "managed": True}],
           "attach -j: one object per function")
        virsh("undefine", DOMAIN)
    finally:
        d.stop()


def nova_lines(text):
    specs = [json.loads(line.split("=", 1)[1]) for line in text.splitlines()
             if line.startswith("device_spec =")]
    aliases = [line.split("=", 1)[1].strip() for line in text.splitlines()
               if line.startswith("alias =")]
    return specs, aliases


def nova_parse(aliases):
    """nova's own alias parser: {name: (numa_policy, [specs])}."""
    import nova.conf
    from nova.pci import request
    nova.conf.CONF.set_override("alias", aliases, group="pci")
    return request._get_alias_from_config()


def nova_dev(bdf):
    v, d = ids(bdf)
    parent = None
    if os.path.exists(f"{SYS}/{bdf}/physfn"):
        parent = os.path.basename(os.readlink(f"{SYS}/{bdf}/physfn"))
    return {"vendor_id": v, "product_id": d, "address": bdf, "parent_addr": parent}


def nova_spec_matches(specs, bdf):
    from nova.pci import devspec
    return any(devspec.PciDeviceSpec(dict(s)).match(nova_dev(bdf)) for s in specs)


def seed_nova():
    try:
        import nova.pci.devspec  # noqa: F401
    except ImportError as e:
        skip("nova checks", f"python3-nova not importable: {e}")
        return
    rc = run("nova", "02:00.0", "alias", "nvme")
    specs, aliases = nova_lines(last["out"])
    ok(rc == 0 and specs == [{"address": "0000:02:00.0"}],
       "identical NVMe: device_spec by address")
    ok(re.search(r"^# 1b36:0010 also matches.*0000:01:00.0.*0000:03:00.0", last["out"], re.M),
       "a comment names the identical functions")
    ok(nova_spec_matches(specs, "0000:02:00.0") and
       not nova_spec_matches(specs, "0000:01:00.0") and
       not nova_spec_matches(specs, "0000:03:00.0"),
       "nova's PciDeviceSpec matches 02:00.0 and not 01:00.0 or 03:00.0")
    try:
        a = nova_parse(aliases)
    except Exception as e:  # nova's PciInvalidAlias and friends
        a = {"error": str(e)}
    ok(a.get("nvme", (None, [{}]))[1][0] == {"vendor_id": "1b36", "product_id": "0010",
                                            "dev_type": "type-PCI"},
       f"nova's alias parser: nvme is type-PCI 1b36:0010 ({a})")

    rc = run("nova", "04:00.1", "alias", "gpu")
    specs, aliases = nova_lines(last["out"])
    try:
        a = nova_parse(aliases)
    except Exception as e:
        a = {"error": str(e)}
    ok(rc == 0 and sorted(a) == ["gpu-0", "gpu-1", "gpu-2"] and
       all(v[1][0]["dev_type"] == "type-PCI" for v in a.values()),
       "GPU slot: three type-PCI aliases gpu-0..2, parsed by nova")
    ok('pci_passthrough:alias="gpu-0:1,gpu-1:1,gpu-2:1"' in last["out"],
       "the flavor extra spec asks for all three")
    # The VGA's 1234:1111 is also the onboard display's: by address.
    ok({"address": "0000:04:00.0"} in specs and
       {"vendor_id": "8086", "product_id": "2668"} in specs and
       all(nova_spec_matches(specs, b) for b in ("0000:04:00.0", "0000:04:00.1", "0000:04:00.2"))
       and not nova_spec_matches(specs, "0000:00:08.0"),
       "GPU slot device_spec: VGA by address (onboard twin), audio by ids; nova agrees")
    rc = run("-j", "nova", "04:00.1", "alias", "gpu")
    try:
        j = json.loads(last["out"])
    except ValueError:
        j = {}
    ok(rc == 0 and len(j.get("alias", [])) == 3 and len(j.get("device_spec", [])) == 3 and
       j.get("pci_passthrough:alias") == "gpu-0:1,gpu-1:1,gpu-2:1",
       "nova -j: the same entries as objects")


def kubevirt():
    import yaml
    rc = run("kubevirt", "02:00.0", "resource", "example.com/nvme")
    try:
        y = yaml.safe_load(last["out"])
        e = y["permittedHostDevices"]["pciHostDevices"]
    except Exception:
        y, e = None, None
    ok(rc == 0 and e == [{"pciVendorSelector": "1B36:0010", "resourceName": "example.com/nvme"}],
       "kubevirt: YAML parses, permittedHostDevices.pciHostDevices shape")
    ok(re.search(r"1B36:0010 also selects 0000:01:00.0, 0000:03:00.0, not claimed",
                 last["err"]),
       "kubevirt warns about the identical NVMe it would also take")
    rc = run("-j", "kubevirt", "04:00.*", "resource", "example.com/gpu", "external")
    try:
        e = json.loads(last["out"])["permittedHostDevices"]["pciHostDevices"]
    except (ValueError, KeyError, TypeError):
        e = None
    ok(rc == 0 and e is not None and len(e) == 3 and
       {x["pciVendorSelector"] for x in e} == {"1234:1111", "8086:2668", "1B36:000D"} and
       all(x["externalResourceProvider"] is True for x in e) and
       [x["resourceName"] for x in e] == [f"example.com/gpu-{i}" for i in range(3)],
       "kubevirt -j external: three entries, externalResourceProvider true")
    ok("0000:00:08.0" in last["err"], "kubevirt warns that 1234:1111 also selects the onboard VGA")


def sriov():
    pf = None
    for b in sorted(os.listdir(SYS)):
        if os.path.exists(f"{SYS}/{b}/sriov_totalvfs"):
            pf = b
            break
    if not pf:
        ok(False, "sriov topology has an SR-IOV PF")
        return
    vfs = sorted(os.path.basename(os.readlink(f"{SYS}/{pf}/{v}"))
                 for v in os.listdir(f"{SYS}/{pf}") if v.startswith("virtfn"))
    import nova.conf  # noqa: F401
    rc = run("nova", pf, "alias", "nvmepf")
    specs, aliases = nova_lines(last["out"])
    try:
        a = nova_parse(aliases)
    except Exception as e:
        a = {"error": str(e)}
    ok(rc == 0 and a.get("nvmepf", (None, [{}]))[1][0].get("dev_type") == "type-PF",
       f"SR-IOV PF {pf}: nova's alias parser gives type-PF ({a})")
    ok(specs == [{"address": pf}] and nova_spec_matches(specs, pf),
       "PF device_spec by address (its VFs are identical), nova matches the PF")
    ok("SR-IOV capable" in last["out"] and "type-PF" in last["out"],
       "a comment explains the type-PF")
    if not vfs:
        skip("VF is type-VF", "no VFs enabled")
        return
    vf = vfs[0]
    rc = run("nova", vf, "alias", "nvmevf")
    specs, aliases = nova_lines(last["out"])
    try:
        a = nova_parse(aliases)
    except Exception as e:
        a = {"error": str(e)}
    ok(rc == 0 and a.get("nvmevf", (None, [{}]))[1][0].get("dev_type") == "type-VF" and
       specs == [{"address": vf}] and nova_spec_matches(specs, vf) and
       not nova_spec_matches(specs, vfs[1] if len(vfs) > 1 else pf),
       f"VF {vf}: type-VF by address, nova matches it and no other")
    rc = run("kubevirt", pf, "resource", "example.com/nvme")
    ok(rc == 0 and "also selects" in last["err"] and vf in last["err"],
       "kubevirt on the PF warns that its VFs share 1B36:0010")


def section(fn):
    """Run one group of checks; an exception is a failed check, not a crash.
    PCIPASS_HANDOFF_ONLY=name,... runs only those (for debugging)."""
    only = os.environ.get("PCIPASS_HANDOFF_ONLY")
    if only and fn.__name__ not in only.split(","):
        ok(True, f"{fn.__name__} # SKIP not in PCIPASS_HANDOFF_ONLY={only}")
        return
    try:
        fn()
    except Exception:
        ok(False, f"{fn.__name__} ran to the end")
        for line in traceback.format_exc().splitlines()[-12:]:
            print(f"# {line}")


def uts_hostname():
    """nova.conf's [DEFAULT] host defaults to the host name, and a guest
    without one ("(none)") makes importing nova fail: give this process
    tree a host name of its own, in a new UTS namespace."""
    if socket.gethostname() not in ("(none)", "") or os.environ.get("PCIPASS_HANDOFF_UTS"):
        return
    os.environ["PCIPASS_HANDOFF_UTS"] = "1"
    os.execvp("unshare", ["unshare", "-u", "sh", "-c",
                          'hostname pcipass-lab && exec "$0" "$@"',
                          sys.argv[0], *sys.argv[1:]])


def main():
    global TMP
    if os.geteuid() == 0 and os.environ.get("LAB") == "1":
        uts_hostname()
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root")
        return 4
    if os.environ.get("LAB") != "1":
        print("1..0 # SKIP needs a lab guest (tests/lab/run): it claims devices")
        return 4
    if TOPO not in ("seed-server", "sriov"):
        print(f"1..0 # SKIP no handoff checks for topology {TOPO or 'unknown'}")
        return 4
    TMP = tempfile.mkdtemp(prefix="pcipass-handoff.")
    try:
        if TOPO == "seed-server":
            section(bad_input)
            section(seed_xml)
            section(seed_nova)
            section(kubevirt)
            section(seed_attach)
            run("release", "04:00.*")
        else:
            section(sriov)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    return T.done()


if __name__ == "__main__":
    sys.exit(main())
