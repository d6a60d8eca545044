# harness/fail-nth: the fault-injection sweep of checkpoint and restart.
HARNESS_PROGS += fail-nth-sweep
HARNESS_SRCS_fail-nth-sweep = harness/fail-nth/fail-nth-sweep.c harness/fail-nth/checkpoint.c \
	harness/fail-nth/restart.c harness/fail-nth/tally.c harness/fail-nth/inject.c \
	$(HARNESS_SCN) $(HARNESS_LIB)
