# harness/bench: the throughput benchmark (make bench); built with the
# others so it cannot rot.
HARNESS_PROGS += bench
HARNESS_SRCS_bench = harness/bench/bench.c harness/bench/layout.c harness/bench/out.c \
	harness/bench/userspace.c harness/bench/floor.c harness/bench/mem.c \
	harness/bench/restorer.c $(HARNESS_LIB)
