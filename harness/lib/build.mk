# harness/lib: the helpers the harness programs share (no programs of its
# own).  HARNESS_LIB is what a program lists to link them.
HARNESS_LIB = harness/lib/cr-util.c harness/lib/fd-table.c harness/lib/image.c
