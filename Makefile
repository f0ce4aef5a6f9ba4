# SPDX-License-Identifier: GPL-2.0
#
# make            build module/vmexit_stat.ko (against KDIR) and user/vmexit-stat
# make check      set up the lab and run every test
# make demo       set up the lab, show the exits of a real guest and the
#                 phases of its workloads (vmexit-stat correlate)
# make style      checkpatch and clang-format
# make install    the command, its man page, the docs, and the module's
#                 sources registered with DKMS (PREFIX, DESTDIR);
#                 make uninstall removes them (Documentation/install.rst)

KDIR ?= /lib/modules/$(shell uname -r)/build

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.PHONY: all module user clean check demo style setup install uninstall

# Install locations.  The command goes to sbin: it is an administrator's
# tool (reading needs CAP_PERFMON, changing CAP_NET_ADMIN) and its man
# page is in section 8.  DKMS finds sources only under /usr/src, whatever
# PREFIX is; DKMS_SRCDIR and DKMS (dkms with --dkmstree and the like) let
# tests/integration/test_install.py keep all of it in a tree of its own.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/vmexit-stat
VERSION := $(shell sed -n 's/^\#define VXS_VERSION "\(.*\)"$$/\1/p' module/vmexit_stat.h)
DKMS_SRCDIR ?= /usr/src/vmexit-stat-$(VERSION)
DKMS ?= dkms
DOC_FILES := README.md $(wildcard Documentation/*.rst)
MODULE_SOURCES := module/Kbuild $(wildcard module/*.[ch]) \
		  $(shell find include -name '*.h' | sort)

all: module user

module:
	@if [ ! -d "$(KDIR)" ]; then \
		echo "error: no kernel build tree at $(KDIR)" >&2; \
		echo "  install the headers of the running kernel" \
		     "(apt-get install linux-headers-$$(uname -r))," >&2; \
		echo "  or name a tree: make KDIR=/path/to/linux-headers" >&2; \
		exit 1; \
	fi
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

user:
	$(MAKE) -C user

setup:
	tests/lab/setup-host

check:
	tests/run-checks

demo:
	tests/lab/demo

style:
	tests/style-check

install: user
	@[ -n "$(VERSION)" ] || { echo "error: no VXS_VERSION in module/vmexit_stat.h" >&2; exit 1; }
	install -D -m 755 user/vmexit-stat $(DESTDIR)$(SBINDIR)/vmexit-stat
	install -D -m 644 Documentation/vmexit-stat.8 $(DESTDIR)$(MANDIR)/man8/vmexit-stat.8
	install -d $(DESTDIR)$(DOCDIR)
	install -m 644 $(DOC_FILES) $(DESTDIR)$(DOCDIR)/
	rm -rf $(DESTDIR)$(DKMS_SRCDIR)
	for f in $(MODULE_SOURCES); do \
		install -D -m 644 $$f $(DESTDIR)$(DKMS_SRCDIR)/$$f || exit 1; \
	done
	install -m 644 dkms/Kbuild $(DESTDIR)$(DKMS_SRCDIR)/Kbuild
	sed 's/@VERSION@/$(VERSION)/g' dkms/dkms.conf.in >$(DESTDIR)$(DKMS_SRCDIR)/dkms.conf
	@if [ -n "$(DESTDIR)" ]; then \
		echo "DESTDIR is set (a package build): not registering with DKMS;" \
		     "the package's postinst runs: dkms add -m vmexit-stat -v $(VERSION)"; \
	elif ! command -v $(DKMS) >/dev/null 2>&1; then \
		echo "dkms not found: the module's sources are in $(DKMS_SRCDIR) but not" \
		     "registered (apt-get install dkms; dkms add -m vmexit-stat -v $(VERSION))"; \
	else \
		if $(DKMS) status -m vmexit-stat -v $(VERSION) | grep -q "^vmexit-stat/"; then \
			$(DKMS) remove -m vmexit-stat -v $(VERSION) --all || exit 1; \
		fi; \
		$(DKMS) add -m vmexit-stat -v $(VERSION) || exit 1; \
		echo "registered with DKMS; to build and install it for the running" \
		     "kernel now: dkms install -m vmexit-stat -v $(VERSION)"; \
	fi

uninstall:
	@if [ -z "$(DESTDIR)" ] && command -v $(DKMS) >/dev/null 2>&1 && \
	    $(DKMS) status -m vmexit-stat -v $(VERSION) | grep -q "^vmexit-stat/"; then \
		echo "$(DKMS) remove -m vmexit-stat -v $(VERSION) --all"; \
		$(DKMS) remove -m vmexit-stat -v $(VERSION) --all || exit 1; \
	fi
	rm -f $(DESTDIR)$(SBINDIR)/vmexit-stat $(DESTDIR)$(MANDIR)/man8/vmexit-stat.8
	rm -rf $(DESTDIR)$(DOCDIR) $(DESTDIR)$(DKMS_SRCDIR)

clean:
	$(MAKE) -C user clean
	@if [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
