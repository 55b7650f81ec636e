// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ROM image parser and the IOMMU group explanation rules of
 * "pcipass check" and "pcipass why", on synthetic ROMs and topologies.
 * Prints TAP.
 */
#include <stdio.h>
#include <string.h>

#include "isolation.h"
#include "rom.h"

static int n;
static int failed;

static void ok(int cond, const char *what)
{
	n++;
	if (!cond)
		failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", n, what);
}

/* --- ROMs ------------------------------------------------------------------ */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

/* One image of @units * 512 bytes at @img, PCIR at 0x1c. */
static void image(uint8_t *img, unsigned int units, uint8_t code_type,
		  bool last, uint16_t efi_machine)
{
	uint8_t *pcir = img + 0x1c;

	img[0] = 0x55;
	img[1] = 0xaa;
	img[2] = (uint8_t)units;
	if (code_type == ROM_CODE_EFI) {
		put16(img + 0x02, (uint16_t)units);
		put16(img + 0x04, 0x0ef1);
		put16(img + 0x06, 0);
		put16(img + 0x08, 0x0b);	/* boot service driver */
		put16(img + 0x0a, efi_machine);
		put16(img + 0x0c, 1);		/* compressed */
	}
	put16(img + 0x18, 0x1c);
	memcpy(pcir, "PCIR", 4);
	put16(pcir + 0x04, 0x8086);
	put16(pcir + 0x06, 0x100e);
	put16(pcir + 0x0a, 0x1c);
	pcir[0x0d] = 0x00;
	pcir[0x0e] = 0x00;
	pcir[0x0f] = 0x02;
	put16(pcir + 0x10, (uint16_t)units);
	pcir[0x14] = code_type;
	pcir[0x15] = last ? 0x80 : 0;
}

static void test_rom(void)
{
	static uint8_t rom[8192];
	struct rom_info info;

	/* Legacy only, as QEMU's vgabios. */
	memset(rom, 0, sizeof(rom));
	image(rom, 4, ROM_CODE_X86, true, 0);
	ok(rom_parse(rom, sizeof(rom), &info) == 1 && !info.stopped,
	   "rom: one legacy image, last flag ends the walk");
	ok(!rom_has_efi(&info) && info.images[0].length == 2048 &&
	   info.images[0].vendor == 0x8086 && info.images[0].device == 0x100e &&
	   info.images[0].class_code == 0x020000,
	   "rom: legacy image fields (length, ids, class), no EFI");

	/* Legacy + EFI x64, as iPXE's efi-e1000.rom. */
	memset(rom, 0, sizeof(rom));
	image(rom, 4, ROM_CODE_X86, false, 0);
	image(rom + 2048, 8, ROM_CODE_EFI, true, 0x8664);
	ok(rom_parse(rom, sizeof(rom), &info) == 2 && rom_has_efi(&info),
	   "rom: legacy + EFI, EFI found");
	ok(info.images[1].offset == 2048 && info.images[1].efi &&
	   info.images[1].efi_machine == 0x8664 && info.images[1].efi_compressed &&
	   !strcmp(rom_efi_machine_name(info.images[1].efi_machine), "x64") &&
	   info.images[1].last,
	   "rom: EFI header: x64, compressed, last");
	ok(!strcmp(rom_code_type_name(0), "x86") &&
	   !strcmp(rom_code_type_name(3), "efi") && !rom_code_type_name(9),
	   "rom: code type names");

	/* No signature. */
	memset(rom, 0xff, sizeof(rom));
	ok(rom_parse(rom, sizeof(rom), &info) == 0 && info.stopped &&
	   strstr(info.stopped, "55AA"), "rom: no 55AA signature");

	/* Truncated: the second image would run past the end. */
	memset(rom, 0, sizeof(rom));
	image(rom, 4, ROM_CODE_X86, false, 0);
	ok(rom_parse(rom, 2048 + 8, &info) == 1 && info.stopped,
	   "rom: second image header past the end");
	image(rom, 40, ROM_CODE_X86, false, 0);
	ok(rom_parse(rom, sizeof(rom), &info) == 1 && info.stopped,
	   "rom: image longer than the ROM");

	/* PCIR pointer out of bounds, or a bad PCIR signature. */
	memset(rom, 0, sizeof(rom));
	image(rom, 4, ROM_CODE_X86, true, 0);
	put16(rom + 0x18, 0xfff0);
	ok(rom_parse(rom, 4096, &info) == 0 && info.stopped,
	   "rom: PCIR pointer past the end");
	put16(rom + 0x18, 0x1c);
	rom[0x1c] = 'X';
	ok(rom_parse(rom, sizeof(rom), &info) == 0 && info.stopped &&
	   strstr(info.stopped, "PCIR"), "rom: bad PCIR signature");

	/* Zero length without the last flag must not loop. */
	memset(rom, 0, sizeof(rom));
	image(rom, 0, ROM_CODE_X86, false, 0);
	ok(rom_parse(rom, sizeof(rom), &info) == 1 && info.stopped,
	   "rom: zero-length image stops the walk");

	/* Tiny buffers. */
	ok(rom_parse(rom, 0, &info) == 0 && rom_parse(rom, 3, &info) == 0,
	   "rom: empty and tiny ROMs");

	/* Many images, none last: capped. */
	{
		static uint8_t big[512 * (ROM_MAX_IMAGES + 2)];
		size_t i;

		for (i = 0; i < ROM_MAX_IMAGES + 2; i++)
			image(big + 512 * i, 1, ROM_CODE_X86, false, 0);
		ok(rom_parse(big, sizeof(big), &info) == ROM_MAX_IMAGES &&
		   info.stopped, "rom: at most ROM_MAX_IMAGES images");
	}
}

/* --- isolation ------------------------------------------------------------ */

#define DEVFN(d, f) ((d) << 3 | (f))

/* The seed-server lab topology, as the module reports it. */
static const struct iso_fn seed[] = {
	/* ICH9: conventional PCI functions of one multifunction device. */
	{ .bdf = "0000:00:1f.0", .bus = 0, .devfn = DEVFN(0x1f, 0),
	  .pcie_type = ISO_PCIE_NONE, .multifunction = true, .has_group = true,
	  .group = 9 },
	{ .bdf = "0000:00:1f.2", .bus = 0, .devfn = DEVFN(0x1f, 2),
	  .pcie_type = ISO_PCIE_NONE, .multifunction = true, .has_group = true,
	  .group = 9 },
	{ .bdf = "0000:00:1f.3", .bus = 0, .devfn = DEVFN(0x1f, 3),
	  .pcie_type = ISO_PCIE_NONE, .multifunction = true, .has_group = true,
	  .group = 9 },
	/* Root ports with ACS enabled. */
	{ .bdf = "0000:00:02.0", .bus = 0, .devfn = DEVFN(2, 0), .bridge = true,
	  .pcie_type = ISO_PCIE_ROOT_PORT, .has_acs = true, .acs_cap = 0x5f,
	  .acs_ctrl = 0x1d, .acs_isolated = true, .acs_path_isolated = true,
	  .has_group = true, .group = 1 },
	{ .bdf = "0000:00:06.0", .bus = 0, .devfn = DEVFN(6, 0), .bridge = true,
	  .pcie_type = ISO_PCIE_ROOT_PORT, .has_acs = true, .acs_cap = 0x5f,
	  .acs_ctrl = 0x1d, .acs_isolated = true, .acs_path_isolated = true,
	  .has_group = true, .group = 5 },
	{ .bdf = "0000:00:07.0", .bus = 0, .devfn = DEVFN(7, 0), .bridge = true,
	  .pcie_type = ISO_PCIE_ROOT_PORT, .has_acs = true, .acs_cap = 0x5f,
	  .acs_ctrl = 0x1d, .acs_isolated = true, .acs_path_isolated = true,
	  .has_group = true, .group = 6 },
	/* NVMe on its own root port. */
	{ .bdf = "0000:01:00.0", .bus = 1, .pcie_type = ISO_PCIE_ENDPOINT,
	  .acs_isolated = true, .acs_path_isolated = true,
	  .upstream = "0000:00:02.0", .has_group = true, .group = 10 },
	/* PCIe-to-PCI bridge with two conventional NICs. */
	{ .bdf = "0000:05:00.0", .bus = 5, .bridge = true,
	  .pcie_type = ISO_PCIE_PCI_BRIDGE, .upstream = "0000:00:06.0",
	  .has_group = true, .group = 14 },
	{ .bdf = "0000:06:01.0", .bus = 6, .devfn = DEVFN(1, 0),
	  .pcie_type = ISO_PCIE_NONE, .upstream = "0000:05:00.0",
	  .has_group = true, .group = 14 },
	{ .bdf = "0000:06:02.0", .bus = 6, .devfn = DEVFN(2, 0),
	  .pcie_type = ISO_PCIE_NONE, .upstream = "0000:05:00.0",
	  .has_group = true, .group = 14 },
	/* Switch: the downstream port has no ACS. */
	{ .bdf = "0000:07:00.0", .bus = 7, .bridge = true,
	  .pcie_type = ISO_PCIE_UPSTREAM, .acs_isolated = true,
	  .acs_path_isolated = true, .upstream = "0000:00:07.0",
	  .has_group = true, .group = 15 },
	{ .bdf = "0000:08:00.0", .bus = 8, .bridge = true,
	  .pcie_type = ISO_PCIE_DOWNSTREAM, .upstream = "0000:07:00.0",
	  .has_group = true, .group = 16 },
	{ .bdf = "0000:09:00.0", .bus = 9, .pcie_type = ISO_PCIE_ENDPOINT,
	  .acs_isolated = true, .upstream = "0000:08:00.0", .has_group = true,
	  .group = 16 },
};

static const struct iso_topo seed_topo = {
	.fns = seed, .n = sizeof(seed) / sizeof(seed[0]),
};

static void test_verdict(void)
{
	struct iso_fn f = { .bdf = "x", .pcie_type = ISO_PCIE_ROOT_PORT };
	uint16_t missing;
	char buf[64];

	ok(iso_verdict(&f, &missing) == ISO_V_NO_ACS && missing == ISO_ACS_REQ,
	   "verdict: root port without ACS capability lacks SV RR CR UF");
	f.has_acs = true;
	f.acs_cap = 0x5f;
	f.acs_ctrl = 0x1d;
	ok(iso_verdict(&f, &missing) == ISO_V_ACS_OK && !missing,
	   "verdict: QEMU root port (cap 005f, ctrl 001d) isolates");
	f.acs_ctrl = ISO_ACS_SV | ISO_ACS_UF;
	ok(iso_verdict(&f, &missing) == ISO_V_ACS_MISSING &&
	   missing == (ISO_ACS_RR | ISO_ACS_CR),
	   "verdict: RR and CR off are missing");
	iso_acs_flags_str(missing, buf, sizeof(buf));
	ok(!strcmp(buf, "RR CR"), "acs flags string: \"RR CR\"");
	f.acs_cap = ISO_ACS_SV | ISO_ACS_UF;	/* RR, CR not implemented */
	ok(iso_verdict(&f, &missing) == ISO_V_ACS_OK,
	   "verdict: a feature the capability lacks counts as enabled");
	f.pcie_type = ISO_PCIE_ENDPOINT;
	f.has_acs = false;
	ok(iso_verdict(&f, &missing) == ISO_V_SINGLE && !missing,
	   "verdict: single-function endpoint needs no ACS");
	f.multifunction = true;
	ok(iso_verdict(&f, &missing) == ISO_V_NO_ACS,
	   "verdict: multifunction endpoint without ACS does not isolate");
	f.pcie_type = ISO_PCIE_PCI_BRIDGE;
	ok(iso_verdict(&f, &missing) == ISO_V_PCI_BRIDGE &&
	   !iso_verdict_isolates(ISO_V_PCI_BRIDGE),
	   "verdict: PCIe-to-PCI bridge never isolates");
	f.pcie_type = ISO_PCIE_NONE;
	ok(iso_verdict(&f, &missing) == ISO_V_CONVENTIONAL,
	   "verdict: conventional PCI never isolates");
	buf[0] = 'x';
	iso_acs_flags_str(0, buf, sizeof(buf));
	ok(!buf[0], "acs flags string: empty for 0");
}

static void test_links(void)
{
	const struct iso_fn *hops[8], *slots[8];
	struct iso_link l;
	char text[512];
	size_t i, ns;

	iso_link(&seed_topo, iso_find(&seed_topo, "0000:00:1f.2"), &l);
	ok(l.kind == ISO_LINK_MULTIFUNCTION &&
	   !strcmp(l.brk->bdf, "0000:00:1f.2") && l.missing == ISO_ACS_REQ,
	   "ICH9: multifunction without ACS");
	iso_link_text(&seed_topo, l.brk, &l, text, sizeof(text));
	ok(strstr(text, "multifunction device without ACS") &&
	   strstr(text, "0000:00:1f.0") && strstr(text, "0000:00:1f.3"),
	   "ICH9: text names the sibling functions");

	iso_link(&seed_topo, iso_find(&seed_topo, "0000:06:02.0"), &l);
	ok(l.kind == ISO_LINK_ALIAS && !strcmp(l.via->bdf, "0000:05:00.0"),
	   "e1000 behind pcie-pci-bridge: requester-ID alias to the bridge");
	iso_link_text(&seed_topo, iso_find(&seed_topo, "0000:06:02.0"), &l,
		      text, sizeof(text));
	ok(strstr(text, "PCIe-to-PCI bridge 0000:05:00.0") &&
	   strstr(text, "requester ID"), "bridge: text explains the alias");
	iso_link(&seed_topo, iso_find(&seed_topo, "0000:05:00.0"), &l);
	ok(l.kind == ISO_LINK_NONE, "the bridge itself starts its group");

	iso_link(&seed_topo, iso_find(&seed_topo, "0000:09:00.0"), &l);
	ok(l.kind == ISO_LINK_UPSTREAM && !strcmp(l.brk->bdf, "0000:08:00.0") &&
	   l.missing == ISO_ACS_REQ,
	   "switch: breaks at the downstream port, missing SV RR CR UF");
	iso_link_text(&seed_topo, iso_find(&seed_topo, "0000:09:00.0"), &l,
		      text, sizeof(text));
	ok(strstr(text, "switch downstream port 0000:08:00.0") &&
	   strstr(text, "no ACS capability"), "switch: text names port and cause");

	iso_link(&seed_topo, iso_find(&seed_topo, "0000:01:00.0"), &l);
	ok(l.kind == ISO_LINK_NONE, "NVMe on its root port: isolated");

	ok(iso_path(&seed_topo, iso_find(&seed_topo, "0000:09:00.0"), hops, 8) == 4 &&
	   !strcmp(hops[1]->bdf, "0000:08:00.0") &&
	   !strcmp(hops[3]->bdf, "0000:00:07.0"),
	   "path: endpoint, downstream, upstream, root port");

	ns = iso_isolated_slots(&seed_topo, iso_find(&seed_topo, "0000:09:00.0"),
				slots, 8);
	for (i = 0; i < ns; i++)
		if (!strcmp(slots[i]->bdf, "0000:00:07.0"))
			break;
	ok(ns == 2 && i == ns, "alternatives: the other isolating root ports");
}

/* A switch whose downstream port has ACS but RR and CR off, deeper hop. */
static void test_deeper_break(void)
{
	static const struct iso_fn t[] = {
		{ .bdf = "0000:00:01.0", .bridge = true,
		  .pcie_type = ISO_PCIE_ROOT_PORT, .has_acs = false },
		{ .bdf = "0000:01:00.0", .bus = 1, .bridge = true,
		  .pcie_type = ISO_PCIE_UPSTREAM, .acs_isolated = true,
		  .upstream = "0000:00:01.0" },
		{ .bdf = "0000:02:00.0", .bus = 2, .bridge = true,
		  .pcie_type = ISO_PCIE_DOWNSTREAM, .has_acs = true,
		  .acs_cap = 0x1f, .acs_ctrl = 0x11, .upstream = "0000:01:00.0" },
		{ .bdf = "0000:03:00.0", .bus = 3,
		  .pcie_type = ISO_PCIE_ENDPOINT, .acs_isolated = true,
		  .upstream = "0000:02:00.0" },
	};
	static const struct iso_topo topo = { .fns = t, .n = 4 };
	struct iso_link l;
	char text[512];

	iso_link(&topo, &t[3], &l);
	ok(l.kind == ISO_LINK_UPSTREAM && l.brk == &t[2] &&
	   l.missing == (ISO_ACS_RR | ISO_ACS_CR),
	   "downstream port with RR CR off: missing RR CR");
	iso_break_text(l.brk, text, sizeof(text));
	ok(strstr(text, "does not enable ACS RR CR") && strstr(text, "ACSCap 001f"),
	   "break text shows the missing flags and the registers");
	iso_link(&topo, &t[2], &l);
	ok(l.kind == ISO_LINK_UPSTREAM && l.brk == &t[0],
	   "the port's own path breaks at the root port without ACS");
}

int main(void)
{
	printf("TAP version 13\n");
	test_rom();
	test_verdict();
	test_links();
	test_deeper_break();
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
