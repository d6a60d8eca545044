# harness/lib: the helpers the harness programs share (no programs of its
# own).  HARNESS_LIB is what a program lists to link them: the kselftests'
# cr_util.c, where the helpers the selftests share with the harness are
# defined (the Makefile's HARNESS_CFLAGS puts its folder on the include
# path), and what the harness adds to them.
HARNESS_LIB = kernel/tools/testing/selftests/checkpoint/cr_util.c \
	harness/lib/cr-util.c harness/lib/fd-table.c
