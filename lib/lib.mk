# SPDX-License-Identifier: LGPL-2.1-or-later
#
# libpcipass: GNU make fragment, included from the top-level Makefile
# (which also builds the kernel module) and run from the top of the tree:
#
#	include lib/lib.mk
#	include tools/tools.mk		# includes lib/lib.mk itself
#	include tests/unit/unit.mk
#
# or stand-alone, from the top of the tree:
#
#	make -f tools/tools.mk -f tests/unit/unit.mk [SANITIZE=1] check-unit
#
# Everything goes into $(BUILD): $(BUILD)/lib/libpcipass.so.1 (soname),
# $(BUILD)/lib/libpcipass.a, $(BUILD)/bin/pcipass.
#
# Goals: userspace (default: library and CLI), libpcipass, pcipass-cli,
# check-unit, clean-userspace.

ifndef PCIPASS_LIB_MK
PCIPASS_LIB_MK := 1

# The first goal of the first fragment is the default.
userspace:
.PHONY: userspace

BUILD ?= build
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config
PCIPASS_VERSION ?= 0.1

# Mandatory flags, whatever CFLAGS says. Our uapi header comes first, so it
# wins over any copy installed on the system.
PCIPASS_CPPFLAGS := -Iinclude/uapi -Iinclude -Ilib/include -Ikmod \
		    -D_GNU_SOURCE
PCIPASS_WFLAGS := -Wall -Wextra -Werror -std=gnu11
ifeq ($(SANITIZE),1)
PCIPASS_SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer
endif
# glibc's checked string and memory functions, where the build optimises
# (they need it) and no sanitizer checks already; a _FORTIFY_SOURCE the
# builder's flags give (a distribution's) is theirs to choose.
ifeq ($(SANITIZE)$(findstring _FORTIFY_SOURCE,$(CPPFLAGS) $(CFLAGS)),)
ifneq ($(filter -O -O1 -O2 -O3 -Os -Og -Ofast,$(CFLAGS)),)
PCIPASS_CPPFLAGS += -D_FORTIFY_SOURCE=2
endif
endif
PCIPASS_DEPFLAGS = -MMD -MP -MF $(@:.o=.d)

# pkg-config modules and the Debian packages that ship them. A missing one
# is reported by the rules that compile (pcipass-pkgs below), not while make
# reads this file: "make demo" and "make check" must get to run
# tests/lab/deps.sh, which installs them, before anything needs them.
PCIPASS_PKG_DEBS := libnl-genl-3.0=libnl-genl-3-dev libpci=libpci-dev \
		    json-c=libjson-c-dev libkmod=libkmod-dev \
		    libxml-2.0=libxml2-dev libvirt=libvirt-dev
pcipass_pkg_missing = $(foreach p,$(1),\
	$(if $(shell $(PKG_CONFIG) --exists $(p) 2>/dev/null && echo y),,$(p)))
pcipass_pkg_deb = $(patsubst $(1)=%,%,$(filter $(1)=%,$(PCIPASS_PKG_DEBS)))

LIBPCIPASS_PKGS := libnl-genl-3.0 libpci libkmod
PCIPASS_PKG_MISSING := $(strip $(call pcipass_pkg_missing,$(LIBPCIPASS_PKGS)))
LIBPCIPASS_PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(LIBPCIPASS_PKGS) 2>/dev/null)
LIBPCIPASS_PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(LIBPCIPASS_PKGS) 2>/dev/null)

# Order-only prerequisite of every userspace object.
pcipass-pkgs:
	@if ! command -v $(PKG_CONFIG) >/dev/null; then \
		echo "$(PKG_CONFIG) is not installed: apt-get install pkg-config" \
			"(tests/lab/deps.sh installs every package the project needs)" >&2; \
		exit 1; \
	fi
	@if [ -n '$(strip $(PCIPASS_PKG_MISSING))' ]; then \
		echo "pkg-config cannot find $(strip $(PCIPASS_PKG_MISSING)):" \
			"apt-get install $(strip $(foreach p,$(PCIPASS_PKG_MISSING),$(call pcipass_pkg_deb,$(p))))" \
			"(tests/lab/deps.sh installs every package the project needs)" >&2; \
		exit 1; \
	fi
.PHONY: pcipass-pkgs

LIBPCIPASS_CFLAGS = $(PCIPASS_CPPFLAGS) -Ilib $(LIBPCIPASS_PKG_CFLAGS) \
		    $(CPPFLAGS) $(CFLAGS) $(PCIPASS_WFLAGS) \
		    $(PCIPASS_SANFLAGS) -fPIC -fvisibility=hidden

LIBPCIPASS_SRCS := lib/libpcipass.c lib/netlink.c lib/snapshot.c \
		   lib/names.c lib/claim.c lib/monitor.c lib/sysfs.c lib/runtime.c \
		   kmod/pcipass_filter.c
LIBPCIPASS_OBJS := $(patsubst %.c,$(BUILD)/lib/%.o,$(notdir $(LIBPCIPASS_SRCS)))
LIBPCIPASS_SO := $(BUILD)/lib/libpcipass.so.1
LIBPCIPASS_A := $(BUILD)/lib/libpcipass.a

# Rebuild everything when the compiler or its flags change (SANITIZE=1).
PCIPASS_FLAGS_STAMP := $(BUILD)/.pcipass-flags
PCIPASS_FLAGS_SIG = $(CC) $(LIBPCIPASS_CFLAGS) $(PCIPASS_TOOLS_CFLAGS) \
		    $(LDFLAGS) $(PCIPASS_VERSION)
$(PCIPASS_FLAGS_STAMP): FORCE
	@mkdir -p $(@D)
	@if [ "$$(cat $@ 2>/dev/null)" != '$(strip $(PCIPASS_FLAGS_SIG))' ]; then \
		echo '$(strip $(PCIPASS_FLAGS_SIG))' >$@; fi
FORCE:
.PHONY: FORCE

$(BUILD)/lib/%.o: lib/%.c $(PCIPASS_FLAGS_STAMP) | pcipass-pkgs
	@mkdir -p $(@D)
	$(CC) $(LIBPCIPASS_CFLAGS) $(PCIPASS_DEPFLAGS) -c -o $@ $<

$(BUILD)/lib/pcipass_filter.o: kmod/pcipass_filter.c $(PCIPASS_FLAGS_STAMP) | pcipass-pkgs
	@mkdir -p $(@D)
	$(CC) $(LIBPCIPASS_CFLAGS) $(PCIPASS_DEPFLAGS) -c -o $@ $<

$(LIBPCIPASS_SO): $(LIBPCIPASS_OBJS) lib/libpcipass.sym
	$(CC) -shared $(CFLAGS) $(PCIPASS_SANFLAGS) $(LDFLAGS) \
		-Wl,-soname,libpcipass.so.1 \
		-Wl,--version-script=lib/libpcipass.sym -Wl,--no-undefined \
		-o $@ $(LIBPCIPASS_OBJS) $(LIBPCIPASS_PKG_LIBS)
	ln -sf libpcipass.so.1 $(BUILD)/lib/libpcipass.so

$(LIBPCIPASS_A): $(LIBPCIPASS_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

libpcipass: $(LIBPCIPASS_SO) $(LIBPCIPASS_A)
userspace: libpcipass
.PHONY: libpcipass

# Installation. The uapi header goes below pcipass/ (libpcipass.pc adds
# that directory), so it never shadows a system <linux/...> header.
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
MANDIR ?= $(PREFIX)/share/man
INSTALL ?= install

$(BUILD)/lib/libpcipass.pc: lib/libpcipass.pc.in $(PCIPASS_FLAGS_STAMP)
	@mkdir -p $(@D)
	sed -e '/^# SPDX/d' -e 's|@prefix@|$(PREFIX)|' -e 's|@libdir@|$(LIBDIR)|' \
	    -e 's|@includedir@|$(INCLUDEDIR)|' \
	    -e 's|@version@|$(PCIPASS_VERSION)|' $< >$@

install-libpcipass: $(LIBPCIPASS_SO) $(LIBPCIPASS_A) $(BUILD)/lib/libpcipass.pc
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(INCLUDEDIR)/pcipass/linux $(DESTDIR)$(MANDIR)/man3
	$(INSTALL) -m 755 $(LIBPCIPASS_SO) $(DESTDIR)$(LIBDIR)/libpcipass.so.1.0.0
	ln -sf libpcipass.so.1.0.0 $(DESTDIR)$(LIBDIR)/libpcipass.so.1
	ln -sf libpcipass.so.1 $(DESTDIR)$(LIBDIR)/libpcipass.so
	$(INSTALL) -m 644 $(LIBPCIPASS_A) $(DESTDIR)$(LIBDIR)/libpcipass.a
	$(INSTALL) -m 644 lib/include/pcipass/libpcipass.h \
		$(DESTDIR)$(INCLUDEDIR)/pcipass/libpcipass.h
	$(INSTALL) -m 644 include/uapi/linux/pcipass.h \
		$(DESTDIR)$(INCLUDEDIR)/pcipass/linux/pcipass.h
	$(INSTALL) -m 644 $(BUILD)/lib/libpcipass.pc \
		$(DESTDIR)$(PKGCONFIGDIR)/libpcipass.pc
	$(INSTALL) -m 644 lib/libpcipass.3 $(DESTDIR)$(MANDIR)/man3/libpcipass.3

uninstall-libpcipass:
	rm -f $(DESTDIR)$(LIBDIR)/libpcipass.so.1.0.0 \
		$(DESTDIR)$(LIBDIR)/libpcipass.so.1 \
		$(DESTDIR)$(LIBDIR)/libpcipass.so $(DESTDIR)$(LIBDIR)/libpcipass.a \
		$(DESTDIR)$(INCLUDEDIR)/pcipass/libpcipass.h \
		$(DESTDIR)$(INCLUDEDIR)/pcipass/linux/pcipass.h \
		$(DESTDIR)$(PKGCONFIGDIR)/libpcipass.pc \
		$(DESTDIR)$(MANDIR)/man3/libpcipass.3
	-rmdir $(DESTDIR)$(INCLUDEDIR)/pcipass/linux $(DESTDIR)$(INCLUDEDIR)/pcipass
.PHONY: install-libpcipass uninstall-libpcipass

clean-userspace:
	rm -rf $(BUILD)/lib $(BUILD)/tools $(BUILD)/bin $(BUILD)/tests/unit \
		$(PCIPASS_FLAGS_STAMP)
.PHONY: clean-userspace

-include $(LIBPCIPASS_OBJS:.o=.d)

endif # PCIPASS_LIB_MK
