# SPDX-License-Identifier: GPL-2.0-or-later
#
# The libFuzzer targets of tests/fuzz/, which tests/fuzz/run.sh runs: GNU
# make fragment, see lib/lib.mk. "fuzzers" builds them with clang and
# -fsanitize=fuzzer,address,undefined, whatever SANITIZE says, into
# $(BUILD)/tests/fuzz. Where clang cannot link libFuzzer the build does
# not fail: it leaves TARGET.skip saying why, and run.sh reports a skip.

ifndef PCIPASS_FUZZ_MK
PCIPASS_FUZZ_MK := 1

include tools/tools.mk

PCIPASS_FUZZ_CC ?= clang
PCIPASS_FUZZ_DIR := $(BUILD)/tests/fuzz
# The sanitizers check what _FORTIFY_SOURCE would (lib/lib.mk).
PCIPASS_FUZZ_CFLAGS = $(filter-out -D_FORTIFY_SOURCE%,$(PCIPASS_CPPFLAGS)) \
		      $(CPPFLAGS) -O1 -g $(PCIPASS_WFLAGS) \
		      -fsanitize=fuzzer,address,undefined \
		      -fno-sanitize-recover=all -fno-omit-frame-pointer

# Empty when $(PCIPASS_FUZZ_CC) links a libFuzzer target, else why not.
# Asked once, and only when a fuzzer is built, not when make reads this.
pcipass_fuzz_probe = $(shell \
	if ! command -v $(PCIPASS_FUZZ_CC) >/dev/null 2>&1; then \
		echo "no $(PCIPASS_FUZZ_CC): apt-get install clang libclang-rt-14-dev"; \
	elif ! echo 'int LLVMFuzzerTestOneInput(void) { return 0; }' | \
		$(PCIPASS_FUZZ_CC) $(PCIPASS_FUZZ_CFLAGS) -x c -o /dev/null - \
		>/dev/null 2>&1; then \
		echo "$(PCIPASS_FUZZ_CC) cannot link libFuzzer (clang needs libclang-rt-14-dev)"; \
	fi)
PCIPASS_FUZZ_MISSING = $(eval PCIPASS_FUZZ_MISSING := \
	$(pcipass_fuzz_probe))$(PCIPASS_FUZZ_MISSING)

# $(1): flags, $(2): the sources after the target's own, $(3): libraries.
define pcipass_fuzz_link
	@mkdir -p $(@D)
	@rm -f $@ $@.skip
	$(if $(PCIPASS_FUZZ_MISSING),@echo '$(@F) not built: $(PCIPASS_FUZZ_MISSING)' >&2; \
		echo '$(PCIPASS_FUZZ_MISSING)' >$@.skip,\
		$(PCIPASS_FUZZ_CC) $(PCIPASS_FUZZ_CFLAGS) $(1) -o $@ $< $(2) $(3))
endef

# The ROM parser, as tests/unit/test-why builds it.
$(PCIPASS_FUZZ_DIR)/fuzz-rom: tests/fuzz/fuzz-rom.c tests/fuzz/fuzz.h tools/rom.c tools/rom.h \
		tests/fuzz/fuzz.mk
	$(call pcipass_fuzz_link,-Itools,tools/rom.c)

# The target includes lib/sysfs.c, to call its static parsers; the rest of
# the library is built in for what sysfs.c calls and the snapshot around it.
PCIPASS_FUZZ_LIB_SRCS := $(filter-out lib/sysfs.c,$(LIBPCIPASS_SRCS))
$(PCIPASS_FUZZ_DIR)/fuzz-sysfs: tests/fuzz/fuzz-sysfs.c tests/fuzz/fuzz.h $(LIBPCIPASS_SRCS) \
		$(wildcard lib/*.h lib/include/pcipass/*.h include/uapi/linux/*.h \
			   kmod/*.h) tests/fuzz/fuzz.mk | pcipass-pkgs
	$(call pcipass_fuzz_link,$(LIBPCIPASS_PKG_CFLAGS),\
		$(PCIPASS_FUZZ_LIB_SRCS),$(LIBPCIPASS_PKG_LIBS))

PCIPASS_FUZZERS := $(PCIPASS_FUZZ_DIR)/fuzz-rom $(PCIPASS_FUZZ_DIR)/fuzz-sysfs

fuzzers: $(PCIPASS_FUZZERS)
.PHONY: fuzzers

endif # PCIPASS_FUZZ_MK
