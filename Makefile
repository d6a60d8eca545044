# Entry points for the epoll checkpoint/restart project.  See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

HARNESS_CFLAGS := -std=c11 -O2 -Wall -Wextra -Werror -static -Ikernel/include/uapi
HARNESS_PROGS := uml-init fpu-stress exit-status cr-test epoll-cr-test scenario-run unpriv-test \
	image-fuzz provoke fail-nth-sweep race-stress restart-race
# Extra sources a harness program links, by program name.
HARNESS_LDLIBS_cr-test := harness/cr-util.c
HARNESS_LDLIBS_epoll-cr-test := harness/cr-util.c harness/cr-trace.c
HARNESS_LDLIBS_scenario-run := harness/cr-util.c harness/scn-parse.c harness/scn-exec.c harness/scn-dot.c
HARNESS_LDLIBS_unpriv-test := harness/cr-util.c
HARNESS_LDLIBS_image-fuzz := harness/cr-util.c harness/image-mutate.c
HARNESS_LDLIBS_race-stress := harness/cr-util.c
HARNESS_LDLIBS_restart-race := harness/cr-util.c
HARNESS_LDLIBS_fail-nth-sweep := harness/cr-util.c harness/fd-snap.c harness/scn-parse.c \
	harness/scn-exec.c harness/fail-nth.c harness/fail-nth-checkpoint.c harness/fail-nth-restart.c
# The benchmark (make bench); built with the others so it cannot rot.
HARNESS_PROGS += bench
HARNESS_LDLIBS_bench := harness/cr-util.c harness/bench-layout.c harness/bench-out.c \
	harness/bench-userspace.c harness/bench-floor.c harness/bench-mem.c harness/bench-restorer.c

.PHONY: help deps kernel kunit check smp-check coverage clean distclean harness scenarios shrink soak sweep bench

help:
	@sed -n 's/^## \([a-z-]*: \)/  \1/p' $(MAKEFILE_LIST)

## deps: install missing Debian packages (needs root; otherwise prints the apt-get line)
deps:
	@scripts/deps

## kernel: build the default UML kernel (build/kernel/linux); FLAVOUR=name for others
kernel: deps
	@scripts/kernel-build $(or $(FLAVOUR),default)

harness: $(addprefix build/harness/,$(HARNESS_PROGS))

build/harness/%: harness/%.c $(wildcard harness/*.h) | build/harness/
	$(CC) $(HARNESS_CFLAGS) -o $@ $< $(HARNESS_LDLIBS_$*)

# Programs that link shared helper sources also depend on them.
build/harness/cr-test: harness/cr-util.c
build/harness/epoll-cr-test: harness/cr-util.c harness/cr-trace.c
build/harness/scenario-run: $(HARNESS_LDLIBS_scenario-run)
build/harness/unpriv-test: harness/cr-util.c
build/harness/image-fuzz: harness/cr-util.c harness/image-mutate.c
build/harness/race-stress: harness/cr-util.c
build/harness/restart-race: harness/cr-util.c
build/harness/fail-nth-sweep: $(HARNESS_LDLIBS_fail-nth-sweep)
build/harness/bench: $(HARNESS_LDLIBS_bench)

build/harness/:
	@mkdir -p $@

# harness/qemu-run packs its initramfs with the kernel tree's own tool.
build/harness/gen_init_cpio: | build/harness/
	@test -f build/src/linux/usr/gen_init_cpio.c || { echo "no kernel source; fix: make kernel" >&2; exit 1; }
	$(CC) -O2 -o $@ build/src/linux/usr/gen_init_cpio.c

## kunit: run our KUnit suites in UML through kunit.py (JSON in build/kunit/)
kunit: kernel
	@scripts/run-kunit

## check: build everything needed and run the whole correctness suite
check: deps
	@scripts/check

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
	@python3 scenarios/shrink.py $(if $(EVERY_STEP),--every-step) $(FILE)

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
	rm -rf build/kernel* build/harness build/kunit* build/logs build/check build/smp-check build/bench \
		build/scenarios build/coverage

## distclean: remove build/ entirely, extracted source included
distclean:
	rm -rf build
