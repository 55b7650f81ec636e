// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * PCI expansion ROM images, for "pcipass check": does a GPU's ROM carry an
 * EFI driver (GOP), so that a UEFI guest can show a display before its own
 * driver loads.
 */
#include <string.h>

#include "rom.h"

#define ROM_SIG			0xaa55	/* bytes 55 AA */
#define ROM_PCIR_PTR		0x18
#define ROM_EFI_SIG		0x0ef1
#define ROM_EFI_SIG_OFF		0x04
#define ROM_EFI_SUBSYS_OFF	0x08
#define ROM_EFI_MACHINE_OFF	0x0a
#define ROM_EFI_COMPRESS_OFF	0x0c

#define PCIR_VENDOR		0x04
#define PCIR_DEVICE		0x06
#define PCIR_LENGTH		0x0a
#define PCIR_CLASS		0x0d
#define PCIR_IMAGE_LEN		0x10
#define PCIR_CODE_TYPE		0x14
#define PCIR_INDICATOR		0x15
#define PCIR_MIN_LEN		0x18
#define PCIR_LAST_IMAGE		0x80

#define ROM_UNIT		512

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

size_t rom_parse(const uint8_t *rom, size_t len, struct rom_info *info)
{
	size_t off = 0;

	memset(info, 0, sizeof(*info));
	info->stopped = "no image";

	while (info->n_images < ROM_MAX_IMAGES) {
		struct rom_image *img = &info->images[info->n_images];
		const uint8_t *p = rom + off, *pcir;
		size_t pcir_off;

		if (len - off < ROM_PCIR_PTR + 2) {
			info->stopped = "image header past the end of the ROM";
			return info->n_images;
		}
		if (le16(p) != ROM_SIG) {
			info->stopped = "no 55AA signature";
			return info->n_images;
		}
		pcir_off = le16(p + ROM_PCIR_PTR);
		if (pcir_off > len - off || len - off - pcir_off < PCIR_MIN_LEN) {
			info->stopped = "PCI data structure past the end of the ROM";
			return info->n_images;
		}
		pcir = p + pcir_off;
		if (memcmp(pcir, "PCIR", 4)) {
			info->stopped = "no PCIR signature";
			return info->n_images;
		}

		img->offset = off;
		img->length = (size_t)le16(pcir + PCIR_IMAGE_LEN) * ROM_UNIT;
		img->vendor = le16(pcir + PCIR_VENDOR);
		img->device = le16(pcir + PCIR_DEVICE);
		img->class_code = (uint32_t)pcir[PCIR_CLASS] |
				  (uint32_t)pcir[PCIR_CLASS + 1] << 8 |
				  (uint32_t)pcir[PCIR_CLASS + 2] << 16;
		img->code_type = pcir[PCIR_CODE_TYPE];
		img->last = pcir[PCIR_INDICATOR] & PCIR_LAST_IMAGE;
		if (img->code_type == ROM_CODE_EFI &&
		    le16(p + ROM_EFI_SIG_OFF) == ROM_EFI_SIG) {
			img->efi = true;
			img->efi_subsystem = le16(p + ROM_EFI_SUBSYS_OFF);
			img->efi_machine = le16(p + ROM_EFI_MACHINE_OFF);
			img->efi_compressed = le16(p + ROM_EFI_COMPRESS_OFF) != 0;
		}
		info->n_images++;

		if (img->last) {
			info->stopped = NULL;
			return info->n_images;
		}
		if (!img->length) {
			info->stopped = "image length 0 without the last-image flag";
			return info->n_images;
		}
		if (img->length > len - off) {
			info->stopped = "image runs past the end of the ROM";
			return info->n_images;
		}
		off += img->length;
	}
	info->stopped = "too many images";
	return info->n_images;
}

bool rom_has_efi(const struct rom_info *info)
{
	size_t i;

	for (i = 0; i < info->n_images; i++)
		if (info->images[i].code_type == ROM_CODE_EFI)
			return true;
	return false;
}

const char *rom_code_type_name(uint8_t code_type)
{
	switch (code_type) {
	case ROM_CODE_X86:
		return "x86";
	case ROM_CODE_OPEN_FIRMWARE:
		return "open-firmware";
	case ROM_CODE_PA_RISC:
		return "pa-risc";
	case ROM_CODE_EFI:
		return "efi";
	}
	return NULL;
}

const char *rom_efi_machine_name(uint16_t machine)
{
	switch (machine) {
	case 0x014c:
		return "ia32";
	case 0x0200:
		return "ia64";
	case 0x0ebc:
		return "ebc";
	case 0x8664:
		return "x64";
	case 0x01c2:
		return "arm";
	case 0xaa64:
		return "aarch64";
	case 0x5064:
		return "riscv64";
	case 0x6264:
		return "loongarch64";
	}
	return NULL;
}
