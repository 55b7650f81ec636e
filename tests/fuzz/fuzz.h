/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every libFuzzer target of tests/fuzz/ shares.
 */
#ifndef PCIPASS_FUZZ_H
#define PCIPASS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant is a finding: abort, and libFuzzer keeps the input. */
#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: %s\n", __FILE__,	\
				__LINE__, #cond);			\
			abort();					\
		}							\
	} while (0)

#endif /* PCIPASS_FUZZ_H */
