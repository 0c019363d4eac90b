# SPDX-License-Identifier: GPL-2.0
#
# duet: top-level build.  `make help` lists the targets.

SHELL := /bin/bash
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

KVER ?= $(shell uname -r)
HOST_KDIR := /lib/modules/$(KVER)/build

# Without an explicit KDIR, build against the running kernel's headers, or,
# where it has none (as in the emulated-machine workflow), the test kernel.
ifeq ($(origin KDIR),undefined)
ifneq ($(wildcard $(HOST_KDIR)/Makefile),)
KDIR := $(HOST_KDIR)
else
KDIR = $(shell $(TOP)/selftests/kernel-build --print-kdir --quiet)
endif
endif

# duet_kunit.ko needs a kernel with KUnit built in, and duet.ko with its
# test exports.
KUNIT_OK = $(shell grep -qs '^CONFIG_KUNIT=y' $(KDIR)/include/config/auto.conf && echo 1)

.PHONY: all module cli guests selftests kernel check demo bench clean help

all: module cli guests selftests

module:
	$(MAKE) -C $(KDIR) M=$(TOP) DUET_KUNIT=$(KUNIT_OK) modules

cli:
	$(MAKE) -C $(TOP)/userspace

guests:
	$(MAKE) -C $(TOP)/guests

selftests:
	$(MAKE) -C $(TOP)/selftests

kernel:
	$(TOP)/selftests/kernel-build --print-dir

check:
	$(TOP)/selftests/check

demo:
	$(TOP)/selftests/demo --backend $(or $(BACKEND),svm)

bench:
	$(TOP)/bench/run $(or $(BENCH),all) --backend $(or $(BACKEND),svm) \
		--kernel $(or $(KERNEL),test)

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean
	$(MAKE) -C $(TOP)/userspace clean
	$(MAKE) -C $(TOP)/guests clean
	$(MAKE) -C $(TOP)/selftests clean

help:
	@echo "make [KDIR=DIR]   build duet.ko (+ duet_kunit.ko on a KUnit kernel), the CLI, the guests and the selftests"
	@echo "make kernel       build (or reuse) the cached test kernel; prints its directory"
	@echo "make check        every test: static checks, builds, KUnit and selftests under QEMU (SVM) and Bochs (VMX)"
	@echo "make demo [BACKEND=svm|vmx]  boot the test machine, load duet and run the CLI"
	@echo "make bench [BENCH=NAME] [BACKEND=svm|vmx] [KERNEL=test|stock]  run benchmarks in the emulated machine"
