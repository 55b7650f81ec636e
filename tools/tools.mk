# SPDX-License-Identifier: GPL-2.0-or-later
#
# The pcipass CLI: GNU make fragment, see lib/lib.mk for how to use it.
# The CLI links libpcipass statically, so $(BUILD)/bin/pcipass runs from
# the build tree without installation.

ifndef PCIPASS_TOOLS_MK
PCIPASS_TOOLS_MK := 1

include lib/lib.mk

PCIPASS_TOOLS_PKGS := json-c libxml-2.0 libvirt
$(call pcipass_pkg,$(PCIPASS_TOOLS_PKGS))
PCIPASS_TOOLS_PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PCIPASS_TOOLS_PKGS))
PCIPASS_TOOLS_PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PCIPASS_TOOLS_PKGS))

PCIPASS_TOOLS_CFLAGS = $(PCIPASS_CPPFLAGS) $(PCIPASS_TOOLS_PKG_CFLAGS) \
		       $(CPPFLAGS) $(CFLAGS) $(PCIPASS_WFLAGS) \
		       $(PCIPASS_SANFLAGS) -DPCIPASS_VERSION=$(PCIPASS_VERSION)

PCIPASS_TOOLS_SRCS := tools/pcipass.c tools/dev.c tools/group.c \
		      tools/output.c tools/check.c tools/why.c \
		      tools/isolation.c tools/rom.c tools/claim.c tools/monitor.c \
		      tools/handoff.c tools/xml.c tools/attach.c tools/nova.c \
		      tools/kubevirt.c
PCIPASS_TOOLS_OBJS := $(patsubst tools/%.c,$(BUILD)/tools/%.o,\
			$(PCIPASS_TOOLS_SRCS))
PCIPASS_BIN := $(BUILD)/bin/pcipass

$(BUILD)/tools/%.o: tools/%.c $(PCIPASS_FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(PCIPASS_TOOLS_CFLAGS) $(PCIPASS_DEPFLAGS) -c -o $@ $<

$(PCIPASS_BIN): $(PCIPASS_TOOLS_OBJS) $(LIBPCIPASS_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PCIPASS_SANFLAGS) $(LDFLAGS) -o $@ \
		$(PCIPASS_TOOLS_OBJS) $(LIBPCIPASS_A) \
		$(LIBPCIPASS_PKG_LIBS) $(PCIPASS_TOOLS_PKG_LIBS)

pcipass-cli: $(PCIPASS_BIN)
userspace: pcipass-cli
.PHONY: pcipass-cli

-include $(PCIPASS_TOOLS_OBJS:.o=.d)

endif # PCIPASS_TOOLS_MK
