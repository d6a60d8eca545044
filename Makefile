# Entry points for the epoll checkpoint/restart project.  See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The patched tree's installed uapi headers (scripts/kernel-headers), the
# kselftests' KHDR_INCLUDES: <linux/checkpoint.h> and __NR_checkpoint.
KHDR_DIR := build/headers/usr/include
KHDR_STAMP := $(KHDR_DIR)/linux/checkpoint.h
# -I: harness/lib, and the kselftests' folder for the helpers they share
# with the harness (cr_util.h; harness/lib/build.mk).
HARNESS_CFLAGS := -std=c11 -O2 -Wall -Wextra -Werror -static -isystem $(KHDR_DIR) -Iharness/lib \
	-Ikernel/tools/testing/selftests/checkpoint
# The harness programs: each harness/*/build.mk adds its own to
# HARNESS_PROGS and lists each one's sources once, as
# HARNESS_SRCS_<program>; the program is built as build/harness/<program>.
HARNESS_PROGS :=
include $(sort $(wildcard harness/*/build.mk))

.PHONY: help deps kernel kunit check series-check smp-check coverage clean distclean harness kselftest scenarios shrink soak sweep bench

help:
	@sed -n 's/^## \([a-z-]*: \)/  \1/p' $(MAKEFILE_LIST)

## deps: install missing Debian packages (needs root; otherwise prints the apt-get line)
deps:
	@scripts/deps

## kernel: build the default UML kernel (build/kernel/linux); FLAVOUR=name for others
kernel: deps
	@scripts/kernel-build $(or $(FLAVOUR),default)

harness: $(addprefix build/harness/,$(HARNESS_PROGS)) kselftest

# The syscall tests: the kselftests of tools/testing/selftests/checkpoint/
# (kernel/tools/testing/selftests/checkpoint/), built in the patched tree
# by its lib.mk against the installed uapi headers, into build/kselftest/.
KSELFTEST_OUT := build/kselftest/checkpoint
## kselftest: build the checkpoint kselftests into build/kselftest/checkpoint/ (make harness does too)
kselftest: $(KHDR_STAMP)
	@rsync -a --delete kernel/tools/testing/selftests/checkpoint/ build/src/linux/tools/testing/selftests/checkpoint/
	@mkdir -p $(KSELFTEST_OUT)
	@$(MAKE) -s -C build/src/linux/tools/testing/selftests/checkpoint OUTPUT=$(abspath $(KSELFTEST_OUT)) \
		KHDR_INCLUDES="-isystem $(abspath $(KHDR_DIR))"

# One object per source (build/harness/obj/<source>.o), with the headers
# it includes as dependencies (-MMD); the installed uapi headers, which
# -MMD leaves out as system headers, are a dependency of every object.
harness_objs = $(patsubst %.c,build/harness/obj/%.o,$(HARNESS_SRCS_$1))
HARNESS_OBJS := $(sort $(foreach p,$(HARNESS_PROGS),$(call harness_objs,$p)))
build/harness/obj/%.o: %.c $(KHDR_STAMP)
	@mkdir -p $(@D)
	$(CC) $(HARNESS_CFLAGS) -MMD -MP -c -o $@ $<
-include $(HARNESS_OBJS:.o=.d)

# Each program links its objects.
$(foreach p,$(HARNESS_PROGS),$(eval build/harness/$p: $(call harness_objs,$p)))
$(addprefix build/harness/,$(HARNESS_PROGS)): | build/harness/
	$(CC) $(HARNESS_CFLAGS) -o $@ $^

build/harness/:
	@mkdir -p $@

$(KHDR_STAMP): kernel/include/uapi/linux/checkpoint.h kernel/patches/series $(wildcard kernel/patches/*.patch)
	@scripts/kernel-headers

# harness/launch/qemu-run packs its initramfs with the kernel tree's own tool.
build/harness/gen_init_cpio: | build/harness/
	@test -f build/src/linux/usr/gen_init_cpio.c || { echo "no kernel source; fix: make kernel" >&2; exit 1; }
	$(CC) -O2 -o $@ build/src/linux/usr/gen_init_cpio.c

## kunit: run our KUnit suites in UML through kunit.py (JSON in build/kunit/)
kunit: kernel
	@scripts/run-kunit

## check: build everything needed and run the whole correctness suite
check: deps
	@scripts/check

## series-check: every prefix of kernel/patches/series applies and builds (default UML flavour, build/series/; about 25 minutes)
series-check: deps
	@scripts/series-check

## smp-check: the SMP proving ground: x86_64 kernel, 4 CPUs under QEMU, KCSAN and lockdep (build/smp-check/)
smp-check: deps
	@scripts/smp-check

## coverage: gcov kernel, KUnit + scenarios + programs, lcov report and the coverage/thresholds gate (build/coverage/)
coverage: deps
	@scripts/coverage

## bench: throughput benchmark in the bench kernel and natively (build/bench/); QUICK=1 for a smoke run
bench: deps
	@QUICK=$(QUICK) scripts/bench

SEED ?= 1
COUNT ?= 100
CATEGORY ?= all

## scenarios: generate and run scenarios in UML (SEED=n COUNT=m CATEGORY=nested|fd-recycling|concurrent|large|mixed|all)
scenarios: build/harness/scenario-run
	@scripts/scenarios run $(SEED) $(COUNT) $(CATEGORY) $(if $(EVERY_STEP),--every-step)

## shrink: reduce a failing scenario to a minimal one that fails the same way (FILE=path)
shrink: build/harness/scenario-run
	@test -n "$(FILE)" || { echo "make shrink: FILE=path/to/failing.scn is required" >&2; exit 2; }
	@PYTHONPATH=$(CURDIR)/python python3 -m epollcr.scenarios.shrink $(if $(EVERY_STEP),--every-step) $(FILE)

## soak: 1,000,000 image-fuzz mutations (sanitize kernel), 100,000 generated scenarios (SEED=n; COUNT=m), then the interleaving sweep of 300 (SWEEP=m)
soak: deps build/harness/scenario-run build/harness/image-fuzz
	@scripts/kernel-build sanitize
	@scripts/kernel-build preempt
	@rc=0; FUZZ_SEED=$(SEED) scripts/image-fuzz 1000000 || rc=1; \
	SEED=$(SEED) scripts/scenarios soak $(if $(filter command line,$(origin COUNT)),$(COUNT),100000) || rc=1; \
	scripts/scenarios sweep $(SEED) $(or $(SWEEP),300) || rc=1; \
	exit $$rc

## sweep: every interleaving point of the concurrent corpus and COUNT generated concurrent scenarios (preempt kernel; SEED=n)
sweep: deps build/harness/scenario-run
	@scripts/kernel-build preempt
	@scripts/scenarios sweep $(SEED) $(if $(filter command line,$(origin COUNT)),$(COUNT),12)

## clean: remove build products, keep the extracted source
clean:
	rm -rf build/kernel* build/harness build/kunit* build/logs build/check build/smp-check build/bench build/series \
		build/scenarios build/coverage build/kselftest

## distclean: remove build/ entirely, extracted source included
distclean:
	rm -rf build
