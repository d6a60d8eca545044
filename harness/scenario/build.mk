# harness/scenario: the scenario runner; parse.c, exec.c and
# image-compare.c are also fail-nth-sweep's.
HARNESS_PROGS += scenario-run
HARNESS_SCN = harness/scenario/parse.c harness/scenario/exec.c \
	harness/scenario/image-compare.c
HARNESS_SRCS_scenario-run = harness/scenario/scenario-run.c harness/scenario/dot.c \
	$(HARNESS_SCN) $(HARNESS_LIB)

# scn.h includes scn-ops.h, generated from scenarios/ops.table (the ops'
# syntax, which the Python parser reads too).  Every object whose source
# includes scn.h needs it before it compiles (later, -MMD's dependencies
# rebuild them when it changes) and its directory on the include path:
# the programs' own sources (fail-nth's build.mk, read before this one).
SCN_OPS_H := build/harness/gen/scn-ops.h
SCN_USERS := $(sort $(patsubst %.c,build/harness/obj/%.o,$(filter-out $(HARNESS_LIB), \
	$(HARNESS_SRCS_scenario-run) $(HARNESS_SRCS_fail-nth-sweep))))
$(SCN_USERS): | $(SCN_OPS_H)
$(SCN_USERS): HARNESS_CFLAGS += -I$(dir $(SCN_OPS_H))
$(SCN_OPS_H): scenarios/ops.table python/epollcr/scenarios/ops.py
	@mkdir -p $(@D)
	PYTHONPATH=python python3 -m epollcr.scenarios.ops --c-header $< > $@.tmp && mv $@.tmp $@
