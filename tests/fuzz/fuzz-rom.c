// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the PCI expansion ROM parser of "pcipass check"
 * (tools/rom.c), the whole of its API, on any bytes. Besides what ASan and
 * UBSan catch, the images it returns must describe the input: inside it,
 * one after the other, and the name helpers must agree with the codes.
 *
 * Seeds: QEMU's option ROMs (tests/fuzz/run.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rom.h"


/* Keeps the name lookups from being optimised away. */
static volatile size_t sink;

static void check_image(const struct rom_image *img, size_t size)
{
	const char *type = rom_code_type_name(img->code_type);
	const char *machine = rom_efi_machine_name(img->efi_machine);

	/* The header and its 16-bit PCIR pointer are inside the input. */
	CHECK(img->offset < size && size - img->offset >= 0x1a);
	CHECK(img->length % 512 == 0);
	CHECK(!img->efi || img->code_type == ROM_CODE_EFI);
	CHECK(img->efi || (!img->efi_subsystem && !img->efi_machine &&
			   !img->efi_compressed));
	CHECK(!type == (img->code_type > ROM_CODE_EFI));
	if (type)
		sink += strlen(type);
	if (machine)
		sink += strlen(machine);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rom_info info;
	bool efi = false;
	size_t n, i;

	n = rom_parse(data, size, &info);
	CHECK(n == info.n_images && n <= ROM_MAX_IMAGES);
	/* Finished (stopped NULL) exactly when the last image has the flag. */
	CHECK(!info.stopped == (n && info.images[n - 1].last));
	if (info.stopped)
		sink += strlen(info.stopped);

	for (i = 0; i < n; i++) {
		const struct rom_image *img = &info.images[i];

		check_image(img, size);
		efi |= img->code_type == ROM_CODE_EFI;
		if (i) {
			const struct rom_image *prev = &info.images[i - 1];

			CHECK(!prev->last && prev->length);
			CHECK(img->offset == prev->offset + prev->length);
		}
	}
	CHECK(rom_has_efi(&info) == efi);
	return 0;
}
