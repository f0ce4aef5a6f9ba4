# SPDX-License-Identifier: GPL-2.0
#
# make            build module/vmexit_stat.ko (against KDIR) and user/vmexit-stat
# make check      set up the lab and run every test
# make demo       set up the lab, show the exits of a real guest and the
#                 phases of its workloads (vmexit-stat correlate)
# make style      checkpatch and clang-format

KDIR ?= /lib/modules/$(shell uname -r)/build

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.PHONY: all module user clean check demo style setup

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

clean:
	$(MAKE) -C user clean
	@if [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
