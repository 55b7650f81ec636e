# SPDX-License-Identifier: GPL-2.0-or-later
#
# Unit tests that need neither the kernel module nor root: GNU make
# fragment, see lib/lib.mk. "check-unit" builds and runs them all (TAP).

ifndef PCIPASS_UNIT_MK
PCIPASS_UNIT_MK := 1

include tools/tools.mk

PCIPASS_UNIT_DIR := $(BUILD)/tests/unit

# The parsers shared with the kernel module, built from the same source.
$(PCIPASS_UNIT_DIR)/test-filter $(PCIPASS_UNIT_DIR)/test-policy: \
		$(PCIPASS_UNIT_DIR)/test-%: tests/unit/test-%.c \
		kmod/pcipass_filter.c kmod/pcipass_filter.h \
		$(PCIPASS_FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(PCIPASS_CPPFLAGS) $(CPPFLAGS) $(CFLAGS) $(PCIPASS_WFLAGS) \
		$(PCIPASS_SANFLAGS) $(LDFLAGS) -o $@ \
		$< kmod/pcipass_filter.c

# Against the shared library, found through the rpath.
$(PCIPASS_UNIT_DIR)/test-lib: tests/unit/test-lib.c \
		lib/include/pcipass/libpcipass.h $(LIBPCIPASS_SO) \
		$(PCIPASS_FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(PCIPASS_CPPFLAGS) $(CPPFLAGS) $(CFLAGS) $(PCIPASS_WFLAGS) \
		$(PCIPASS_SANFLAGS) $(LDFLAGS) -o $@ tests/unit/test-lib.c \
		-L$(BUILD)/lib -lpcipass -Wl,-rpath,'$$ORIGIN/../../lib'

# Every getter of a snapshot, for the golden tests (tests/golden/run.sh).
$(BUILD)/tests/golden/lib-dump: tests/golden/lib-dump.c \
		lib/include/pcipass/libpcipass.h $(LIBPCIPASS_SO) \
		$(PCIPASS_FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(PCIPASS_CPPFLAGS) $(CPPFLAGS) $(CFLAGS) $(PCIPASS_WFLAGS) \
		$(PCIPASS_SANFLAGS) $(LDFLAGS) -o $@ tests/golden/lib-dump.c \
		-L$(BUILD)/lib -lpcipass -Wl,-rpath,'$$ORIGIN/../../lib'

# The ROM parser and the isolation rules of "pcipass check" and "why".
$(PCIPASS_UNIT_DIR)/test-why: tests/unit/test-why.c tools/rom.c tools/rom.h \
		tools/isolation.c tools/isolation.h $(PCIPASS_FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(PCIPASS_CPPFLAGS) -Itools $(CPPFLAGS) $(CFLAGS) \
		$(PCIPASS_WFLAGS) $(PCIPASS_SANFLAGS) $(LDFLAGS) -o $@ \
		tests/unit/test-why.c tools/rom.c tools/isolation.c

PCIPASS_UNIT_TESTS := $(PCIPASS_UNIT_DIR)/test-filter \
		      $(PCIPASS_UNIT_DIR)/test-policy \
		      $(PCIPASS_UNIT_DIR)/test-lib \
		      $(PCIPASS_UNIT_DIR)/test-why \
		      $(BUILD)/tests/golden/lib-dump

# Make sanitizer findings fail the tests (SANITIZE=1).
check-unit: export ASAN_OPTIONS = detect_leaks=1:abort_on_error=0:exitcode=86
check-unit: export UBSAN_OPTIONS = halt_on_error=1:print_stacktrace=1:exitcode=87
check-unit: $(PCIPASS_UNIT_TESTS) $(PCIPASS_BIN)
	@fail=0; \
	for t in $(PCIPASS_UNIT_TESTS) \
		 "tests/unit/test-cli.sh $(PCIPASS_BIN)" \
		 "tests/unit/test-symbols.sh $(LIBPCIPASS_SO) lib/libpcipass.sym" \
		 "tests/golden/run.sh $(PCIPASS_BIN) $(BUILD)/tests/golden/lib-dump"; do \
		echo "# $$t"; \
		$$t || { echo "# FAILED: $$t"; fail=1; }; \
	done; \
	if [ $$fail = 0 ]; then echo "# check-unit: all passed"; \
	else echo "# check-unit: FAILED"; exit 1; fi
.PHONY: check-unit

endif # PCIPASS_UNIT_MK
