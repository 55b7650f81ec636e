# SPDX-License-Identifier: GPL-2.0
#
# pcipass kernel selftests: a GNU make fragment for the top-level Makefile.
#
#   include tests/selftests/selftests.mk
#   make selftests                      # build/selftests/pcipass_nl
#   make selftests SANITIZE=1           # with ASan and UBSan
#   make selftests LINUX_SRC=/path/to/linux-source-6.12
#
# The kselftest harness is used from an extracted linux source tree
# (tools/testing/selftests/kselftest_harness.h); it is not copied here.
# Run the result inside a lab guest: tests/guest/suite.sh.

SELFTESTS_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
SELFTESTS_TOP := $(patsubst %/,%,$(dir $(patsubst %/,%,$(dir $(SELFTESTS_DIR)))))

PCIPASS_CACHE ?= /var/cache/pcipass
LINUX_SRC ?= $(firstword $(wildcard $(PCIPASS_CACHE)/linux-source-6.12 \
				      /usr/src/linux-source-6.12) \
			 $(PCIPASS_CACHE)/linux-source-6.12)
BUILD ?= build

SELFTEST_PROGS := pcipass_nl pcipass_fuzz
SELFTEST_BINS := $(addprefix $(BUILD)/selftests/,$(SELFTEST_PROGS))

SELFTEST_CFLAGS := -O2 -g -std=gnu11 -Wall -Wextra -Werror \
	-I$(SELFTESTS_TOP)/include/uapi \
	-isystem $(LINUX_SRC)/tools/testing/selftests
SELFTEST_LDFLAGS :=
ifeq ($(SANITIZE),1)
SELFTEST_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer
SELFTEST_LDFLAGS += -fsanitize=address,undefined
endif

.PHONY: selftests selftests-clean selftests-flags-force
selftests: $(SELFTEST_BINS)

# Rebuild when the flags change (SANITIZE=1 and back).
SELFTEST_FLAGS_STAMP := $(BUILD)/selftests/.flags
SELFTEST_FLAGS_LINE = $(CC) $(SELFTEST_CFLAGS) $(CFLAGS) $(SELFTEST_LDFLAGS) $(LDFLAGS)
$(SELFTEST_FLAGS_STAMP): selftests-flags-force
	@mkdir -p $(@D)
	@echo '$(SELFTEST_FLAGS_LINE)' | cmp -s - $@ || echo '$(SELFTEST_FLAGS_LINE)' >$@

# nl_util.c: the raw netlink plumbing every program shares.
$(BUILD)/selftests/%: $(SELFTESTS_DIR)/%.c $(SELFTESTS_DIR)/nl_util.c \
		$(SELFTESTS_DIR)/nl_util.h \
		$(SELFTESTS_TOP)/include/uapi/linux/pcipass.h \
		$(SELFTESTS_DIR)/selftests.mk $(SELFTEST_FLAGS_STAMP)
	@test -f $(LINUX_SRC)/tools/testing/selftests/kselftest_harness.h || \
		{ echo "kselftest_harness.h not found under LINUX_SRC=$(LINUX_SRC)" >&2; exit 1; }
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) $(CFLAGS) -o $@ $< $(SELFTESTS_DIR)/nl_util.c \
		$(SELFTEST_LDFLAGS) $(LDFLAGS)

selftests-clean:
	rm -f $(SELFTEST_BINS) $(SELFTEST_FLAGS_STAMP)
