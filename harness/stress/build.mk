# harness/stress: programs that race or load the kernel: checkpoints
# against concurrent workers (race-stress) and against timer expiries
# (timer-race), a restart against a thread sharing its table
# (restart-race), vector registers across context switches (fpu-stress).
HARNESS_PROGS += race-stress timer-race restart-race fpu-stress
HARNESS_SRCS_race-stress = harness/stress/race-stress.c $(HARNESS_LIB)
HARNESS_SRCS_timer-race = harness/stress/timer-race.c $(HARNESS_LIB)
HARNESS_SRCS_restart-race = harness/stress/restart-race.c $(HARNESS_LIB)
HARNESS_SRCS_fpu-stress = harness/stress/fpu-stress.c
