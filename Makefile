# SPDX-License-Identifier: GPL-2.0
#
# pcipass top-level build.
#
#   make            module (against KDIR), libpcipass and the pcipass CLI
#   make demo       boot the seed-server lab, load pcipass, show "pcipass"
#   make check      every test, one summary: both Debian kernels and the CI
#                   debug kernel (KUnit, KASAN, lockdep, kmemleak; built
#                   once per machine by tests/lab/ci-kernel.sh)
#   make check-stock  the same without the CI debug kernel
#   make check-quick  host suites and one stock guest, while working
#   make soak       the full soak counts on the CI debug kernel
#   make bench      benchmarks P1-P4 (tests/bench/), never part of check
#
# "demo" and "check" install what they need with apt (tests/lab/deps.sh).

BUILD		?= build
PCIPASS_CACHE	?= /var/cache/pcipass
LINUX_SRC	?= $(PCIPASS_CACHE)/linux-source-6.12
# The kernels the lab boots and the module must build for, warning-free
# (tests/lab/kernels).
LAB_KVERS	:= $(shell grep -v '^\#' tests/lab/kernels)
KVERS		?= $(LAB_KVERS)
# The CI debug kernel (tests/lab/ci-kernel.sh), once built: its build tree
# and release. "make modules" then builds for it too, with the KUnit module.
CI_KDIR		:= $(shell tests/lab/ci-kernel.sh dir 2>/dev/null)
CI_KVER		:= $(if $(CI_KDIR),$(shell cat $(CI_KDIR)/release))
PYTHON		?= python3

# The running kernel's build tree when it has one, else the newest
# installed Debian headers.
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1))

export BUILD PCIPASS_CACHE LINUX_SRC

# The test tiers build everything first, one job per core.
JOBS		?= $(shell nproc)

.PHONY: all module modules regen regen-check checkpatch demo check \
	check-build check-build-plain check-stock check-quick soak deps \
	deps-demo clean ci-kernel kunit-module

all: module userspace

# lib/lib.mk: libpcipass; tools/tools.mk: the CLI; tests/*: test programs.
include tools/tools.mk
include tests/unit/unit.mk
include tests/selftests/selftests.mk
include tests/bench/bench.mk
include tests/fuzz/fuzz.mk

# Kbuild builds in the tree it is given, so give each kernel its own copy:
# two kernels' objects can then sit side by side.
# $(1): kernel release, $(2): kernel build tree. The '+' marks the
# sub-make (hidden from make by $(call)) so "make -jN" shares its jobs.
define kbuild
	mkdir -p $(BUILD)/kbuild/$(1)
	cp -ru Kbuild kmod include $(BUILD)/kbuild/$(1)/
	+$(MAKE) -C $(2) M=$(abspath $(BUILD)/kbuild/$(1)) W=1 modules \
		>$(BUILD)/kbuild/$(1)/build.log 2>&1 || \
		{ cat $(BUILD)/kbuild/$(1)/build.log; exit 1; }
	@if grep -q 'warning:' $(BUILD)/kbuild/$(1)/build.log; then \
		cat $(BUILD)/kbuild/$(1)/build.log; \
		echo "module: warnings building for $(1)" >&2; exit 1; fi
	install -D -m 644 $(BUILD)/kbuild/$(1)/kmod/pcipass.ko \
		$(BUILD)/modules/$(1)/pcipass.ko
endef

module:
	@test -n "$(KDIR)" || { echo "no kernel build tree: set KDIR" >&2; exit 1; }
	$(call kbuild,default,$(KDIR))

# The module for every lab kernel: build/modules/<release>/pcipass.ko
modules: $(addprefix module-,$(KVERS) $(CI_KVER)) \
	$(if $(CI_KVER),kunit-module)

module-%: FORCE
	$(call kbuild,$*,$(if $(filter $(CI_KVER),$*),$(CI_KDIR),/usr/src/linux-headers-$*))

# The KUnit suites (tests/kunit/) with their own copy of kmod/, for the CI
# kernel only: build/modules/<ci release>/pcipass_kunit.ko
KUNIT_TREE = $(BUILD)/kbuild/$(CI_KVER)-kunit
kunit-module:
	@test -n "$(CI_KVER)" || { echo "no CI kernel: run make ci-kernel" >&2; exit 1; }
	mkdir -p $(KUNIT_TREE)/kunit
	@# Copy a file only when its content differs, whatever the times say:
	@# kbuild sees an unchanged file as unchanged, a changed one is always
	@# copied (a checkout can leave a changed file older than its copy).
	set -e; for f in $$(find include -type f); do \
		mkdir -p $(KUNIT_TREE)/$$(dirname $$f); \
		cmp -s $$f $(KUNIT_TREE)/$$f || cp $$f $(KUNIT_TREE)/$$f; \
	done; \
	for f in kmod/*.c kmod/*.h kmod/compat.mk tests/kunit/*.c \
		tests/kunit/Kbuild; do \
		[ $$f != kmod/pcipass_main.c ] || continue; \
		cmp -s $$f $(KUNIT_TREE)/kunit/$$(basename $$f) || \
			cp $$f $(KUNIT_TREE)/kunit/; \
	done
	rm -f $(KUNIT_TREE)/kunit/pcipass_main.c
	echo 'obj-m += kunit/' >$(KUNIT_TREE)/Kbuild
	$(MAKE) -C $(CI_KDIR) M=$(abspath $(KUNIT_TREE)) W=1 modules \
		>$(KUNIT_TREE)/build.log 2>&1 || \
		{ cat $(KUNIT_TREE)/build.log; exit 1; }
	@if grep -q 'warning:' $(KUNIT_TREE)/build.log; then \
		cat $(KUNIT_TREE)/build.log; \
		echo "kunit-module: warnings building for $(CI_KVER)" >&2; exit 1; fi
	install -D -m 644 $(KUNIT_TREE)/kunit/pcipass_kunit.ko \
		$(BUILD)/modules/$(CI_KVER)/pcipass_kunit.ko

# Build (once per machine and config) the CI debug kernel.
ci-kernel: deps
	tests/lab/ci-kernel.sh >/dev/null

regen:
	kmod/ynl-regen.sh $(LINUX_SRC)

regen-check:
	kmod/ynl-regen.sh --check $(LINUX_SRC)

checkpatch:
	perl $(LINUX_SRC)/scripts/checkpatch.pl --strict --no-tree --terse \
		--ignore FILE_PATH_CHANGES -f kmod/*.c kmod/*.h tests/kunit/*.c

# Every package the tests need; "demo" needs fewer (tests/lab/deps.sh).
deps:
	tests/lab/deps.sh all

deps-demo:
	tests/lab/deps.sh demo

# The demo boots the lab's default kernel, the newest pinned one.
DEMO_KVER := $(lastword $(LAB_KVERS))
demo: deps-demo
	$(MAKE) module-$(DEMO_KVER) userspace
	tests/lab/run -k $(DEMO_KVER) -t seed-server -- tests/guest/demo.sh

# Everything the tests run, userspace with ASan and UBSan; the fuzzers
# (tests/fuzz/) with clang's libFuzzer too.
check-build: modules userspace $(PCIPASS_UNIT_TESTS) selftests fuzzers

# The programs the CI debug kernel's guest runs, without sanitizers, in
# $(BUILD)/plain (tests/guest/suite.sh): there an ASan program spends
# about 10 s starting and 5 s checking leaks on every run (KASAN, lockdep
# and kmemleak under TCG fault each page in slowly). The host suites and
# the stock kernels' guests run the ASan build.
check-build-plain:
	$(MAKE) userspace selftests $(BUILD)/plain/tests/golden/lib-dump \
		BUILD=$(BUILD)/plain SANITIZE=

# The CI debug kernel's guest runs KUnit and the guest suite on seed-server
# under KASAN, lockdep and kmemleak; CI_TOPOLOGIES="seed-server sriov" adds
# sriov with 16 VFs (tests/run-all.sh).
check: deps ci-kernel
	$(MAKE) -j$(JOBS) check-build SANITIZE=1
	$(MAKE) -j$(JOBS) check-build-plain
	tests/run-all.sh

# As check, on the stock kernels only: no kernel build on a new machine.
check-stock: deps
	$(MAKE) -j$(JOBS) check-build SANITIZE=1
	CI_TOPOLOGIES= tests/run-all.sh

# While working: the host suites and one stock seed-server guest.
check-quick: deps
	$(MAKE) -j$(JOBS) check-build SANITIZE=1
	tests/run-all.sh quick

# The full soak counts (100 load cycles, 1200 concurrent operations, 100
# hotplug cycles, 12,000 fuzzed messages) on the CI debug kernel, where
# KASAN, lockdep and kmemleak turn them into findings. Before a release.
soak: deps ci-kernel
	$(MAKE) -j$(JOBS) check-build SANITIZE=1
	$(MAKE) -j$(JOBS) check-build-plain
	tests/run-all.sh soak

clean: clean-userspace
	rm -rf $(BUILD)
