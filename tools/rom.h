/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI expansion ROM images: the 0x55AA header, the PCI data structure
 * ("PCIR") and, for EFI images, the EFI header fields (PCI Firmware
 * Specification 3.x, UEFI 2.x "PCI Option ROMs").
 */
#ifndef PCIPASS_ROM_H
#define PCIPASS_ROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROM_MAX_IMAGES 16

enum rom_code_type {
	ROM_CODE_X86 = 0,	/* Intel x86, PC-AT compatible ("legacy") */
	ROM_CODE_OPEN_FIRMWARE = 1,
	ROM_CODE_PA_RISC = 2,
	ROM_CODE_EFI = 3,
};

struct rom_image {
	size_t offset;		/* of the image in the ROM */
	size_t length;		/* from PCIR, in bytes */
	uint16_t vendor;	/* from PCIR */
	uint16_t device;
	uint32_t class_code;
	uint8_t code_type;	/* enum rom_code_type, or another value */
	bool last;		/* PCIR indicator bit 7 */
	/* EFI images only (code type 3 with the 0x0EF1 signature): */
	bool efi;
	uint16_t efi_subsystem;	/* 10 boot service driver, 11 runtime */
	uint16_t efi_machine;	/* 0x8664 x64, 0x014c IA-32, 0xaa64 AArch64 */
	bool efi_compressed;
};

struct rom_info {
	size_t n_images;
	struct rom_image images[ROM_MAX_IMAGES];
	/* Why parsing stopped early, or NULL when the last image was found. */
	const char *stopped;
};

/*
 * Parse the images of a ROM, from offset 0 to the image flagged last.
 * Returns the number of images (0 if the ROM does not start with a valid
 * image; then info->stopped says why).
 */
size_t rom_parse(const uint8_t *rom, size_t len, struct rom_info *info);

/* True if any image is an EFI image (code type 3). */
bool rom_has_efi(const struct rom_info *info);

/* "x86", "open-firmware", "pa-risc", "efi", or NULL for another value. */
const char *rom_code_type_name(uint8_t code_type);

/* "x64", "ia32", "aarch64", ... or NULL if unknown. */
const char *rom_efi_machine_name(uint16_t machine);

#endif /* PCIPASS_ROM_H */
