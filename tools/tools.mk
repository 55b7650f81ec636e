# SPDX-License-Identifier: GPL-2.0-or-later
#
# The pcipass CLI: GNU make fragment, see lib/lib.mk for how to use it.
# The CLI links libpcipass statically, so $(BUILD)/bin/pcipass runs from
# the build tree without installation.

ifndef PCIPASS_TOOLS_MK
PCIPASS_TOOLS_MK := 1

include lib/lib.mk

# libvirt: headers only. "pcipass attach" loads libvirt.so.0 with dlopen()
# (tools/attach.c), so the other commands do not load its 60 libraries.
PCIPASS_TOOLS_LINK_PKGS := json-c libkmod libxml-2.0
PCIPASS_TOOLS_PKGS := $(PCIPASS_TOOLS_LINK_PKGS) libvirt
PCIPASS_PKG_MISSING += $(call pcipass_pkg_missing,$(filter-out $(LIBPCIPASS_PKGS),$(PCIPASS_TOOLS_PKGS)))
PCIPASS_TOOLS_PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PCIPASS_TOOLS_PKGS) 2>/dev/null)
PCIPASS_TOOLS_PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PCIPASS_TOOLS_LINK_PKGS) 2>/dev/null)
# ASan intercepts the XDR functions libvirt's RPC calls, and an
# interceptor looks the real function up when the program starts: with
# libvirt loaded later, attach over libvirtd's socket jumped to address 0
# in virNetMessageEncodeHeader(). In sanitizer builds libtirpc, which has
# them, is loaded at start (it is libvirt0's dependency, no -dev needed).
ifeq ($(SANITIZE),1)
PCIPASS_TOOLS_PKG_LIBS += -Wl,--push-state,--no-as-needed -l:libtirpc.so.3 \
			  -Wl,--pop-state
endif

PCIPASS_TOOLS_CFLAGS = $(PCIPASS_CPPFLAGS) $(PCIPASS_TOOLS_PKG_CFLAGS) \
		       $(CPPFLAGS) $(CFLAGS) $(PCIPASS_WFLAGS) \
		       $(PCIPASS_SANFLAGS) -DPCIPASS_VERSION=$(PCIPASS_VERSION)

PCIPASS_TOOLS_SRCS := tools/pcipass.c tools/dev.c tools/group.c \
		      tools/output.c tools/check.c tools/why.c \
		      tools/isolation.c tools/rom.c tools/claim.c tools/monitor.c \
		      tools/policy.c tools/persist.c tools/handoff.c tools/xml.c \
		      tools/attach.c tools/nova.c tools/kubevirt.c
PCIPASS_TOOLS_OBJS := $(patsubst tools/%.c,$(BUILD)/tools/%.o,\
			$(PCIPASS_TOOLS_SRCS))
PCIPASS_BIN := $(BUILD)/bin/pcipass

$(BUILD)/tools/%.o: tools/%.c $(PCIPASS_FLAGS_STAMP) | pcipass-pkgs
	@mkdir -p $(@D)
	$(CC) $(PCIPASS_TOOLS_CFLAGS) $(PCIPASS_DEPFLAGS) -c -o $@ $<

# persist installs the initramfs hooks of contrib/, built in.
PCIPASS_PERSIST_EMBED := \
	persist_initramfs_hook=contrib/initramfs-tools/hooks/pcipass \
	persist_initramfs_init_top=contrib/initramfs-tools/scripts/init-top/pcipass \
	persist_dracut_module_setup=contrib/dracut/90pcipass/module-setup.sh \
	persist_dracut_load=contrib/dracut/90pcipass/pcipass-load.sh

PCIPASS_PERSIST_FILES := $(foreach e,$(PCIPASS_PERSIST_EMBED),$(lastword $(subst =, ,$(e))))
# Sources, not targets: keep pattern rules (module-%) away from them.
$(PCIPASS_PERSIST_FILES): ;

$(BUILD)/tools/persist-files.h: tools/embed.sh $(PCIPASS_PERSIST_FILES)
	@mkdir -p $(@D)
	tools/embed.sh $(PCIPASS_PERSIST_EMBED) >$@.tmp && mv $@.tmp $@

$(BUILD)/tools/persist.o: $(BUILD)/tools/persist-files.h
$(BUILD)/tools/persist.o: PCIPASS_TOOLS_CFLAGS += -I$(BUILD)/tools

$(PCIPASS_BIN): $(PCIPASS_TOOLS_OBJS) $(LIBPCIPASS_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PCIPASS_SANFLAGS) $(LDFLAGS) -o $@ \
		$(PCIPASS_TOOLS_OBJS) $(LIBPCIPASS_A) \
		$(LIBPCIPASS_PKG_LIBS) $(PCIPASS_TOOLS_PKG_LIBS)

pcipass-cli: $(PCIPASS_BIN)
userspace: pcipass-cli
.PHONY: pcipass-cli

BINDIR ?= $(PREFIX)/sbin
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

install-pcipass-cli: $(PCIPASS_BIN)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(BASHCOMPDIR)
	$(INSTALL) -m 755 $(PCIPASS_BIN) $(DESTDIR)$(BINDIR)/pcipass
	$(INSTALL) -m 644 tools/pcipass.8 $(DESTDIR)$(MANDIR)/man8/pcipass.8
	$(INSTALL) -m 644 tools/pcipass.bash-completion \
		$(DESTDIR)$(BASHCOMPDIR)/pcipass

uninstall-pcipass-cli:
	rm -f $(DESTDIR)$(BINDIR)/pcipass $(DESTDIR)$(MANDIR)/man8/pcipass.8 \
		$(DESTDIR)$(BASHCOMPDIR)/pcipass

# make install [PREFIX=/usr/local] [DESTDIR=] [LIBDIR= INCLUDEDIR= BINDIR=
# MANDIR= PKGCONFIGDIR= BASHCOMPDIR=]
install: install-libpcipass install-pcipass-cli
uninstall: uninstall-libpcipass uninstall-pcipass-cli
.PHONY: install uninstall install-pcipass-cli uninstall-pcipass-cli

-include $(PCIPASS_TOOLS_OBJS:.o=.d)

endif # PCIPASS_TOOLS_MK
