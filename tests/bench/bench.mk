# SPDX-License-Identifier: GPL-2.0
#
# "make bench": P1-P4 of the performance comparison, never part of
# "make check". Builds an optimized userspace without sanitizers into
# $(BUILD)/bench (the tests' SANITIZE=1 build stays as it is), boots one
# lab guest (topology "bench") for P1-P3 and measures P4 on the host.
#
#   make bench                      # 6.12, 20 iterations per median
#   make bench BENCH_ITER=50 BENCH_KVER=6.1

BENCH_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
BENCH_BUILD := $(BUILD)/bench
BENCH_ITER ?= 20
BENCH_KVER ?= $(lastword $(LAB_KVERS))

.PHONY: bench bench-build
bench-build:
	$(MAKE) BUILD=$(BENCH_BUILD) SANITIZE= modules userspace
	$(MAKE) BUILD=$(BENCH_BUILD) SANITIZE= $(BENCH_BUILD)/bench/snapshot-bench

$(BUILD)/bench/snapshot-bench: $(BENCH_DIR)/snapshot-bench.c $(LIBPCIPASS_A)
	@mkdir -p $(@D)
	$(CC) $(PCIPASS_CPPFLAGS) $(LIBPCIPASS_PKG_CFLAGS) -O2 -g $(PCIPASS_WFLAGS) \
		$(CFLAGS) -o $@ $< $(LIBPCIPASS_A) $(LIBPCIPASS_PKG_LIBS) $(LDFLAGS)

bench: deps bench-build
	$(BENCH_DIR)/bench.sh -b $(BENCH_BUILD) -k $(BENCH_KVER) -i $(BENCH_ITER)
