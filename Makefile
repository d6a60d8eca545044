# Entry points for the epoll checkpoint/restart project.  See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

HARNESS_CFLAGS := -std=c11 -O2 -Wall -Wextra -Werror -static -Ikernel/include/uapi
HARNESS_PROGS := uml-init fpu-stress exit-status cr-test epoll-cr-test
# Extra sources a harness program links, by program name.
HARNESS_LDLIBS_cr-test := harness/cr-util.c
HARNESS_LDLIBS_epoll-cr-test := harness/cr-util.c harness/cr-trace.c

.PHONY: help deps kernel kunit check clean distclean harness

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

build/harness/:
	@mkdir -p $@

## kunit: run our KUnit suites in UML through kunit.py (JSON in build/kunit/)
kunit: kernel
	@scripts/run-kunit

## check: build everything needed and run the whole correctness suite
check: deps
	@scripts/check

## clean: remove build products, keep the extracted source
clean:
	rm -rf build/kernel* build/harness build/kunit build/logs build/check

## distclean: remove build/ entirely, extracted source included
distclean:
	rm -rf build
