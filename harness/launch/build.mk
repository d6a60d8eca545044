# harness/launch: the launchers (uml-run, qemu-run, run-lib.sh), the init
# they boot, and the programs their tests (tests/) boot.
HARNESS_PROGS += uml-init exit-status provoke
HARNESS_SRCS_uml-init = harness/launch/uml-init.c
HARNESS_SRCS_exit-status = harness/launch/exit-status.c
HARNESS_SRCS_provoke = harness/launch/provoke.c
