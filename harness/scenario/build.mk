# harness/scenario: the scenario runner; parse.c and exec.c are also
# fail-nth-sweep's.
HARNESS_PROGS += scenario-run
HARNESS_SCN = harness/scenario/parse.c harness/scenario/exec.c
HARNESS_SRCS_scenario-run = harness/scenario/scenario-run.c harness/scenario/dot.c \
	$(HARNESS_SCN) $(HARNESS_LIB)
