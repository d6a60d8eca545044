# harness/fuzz: the image fuzzer (scripts/image-fuzz, make soak).
HARNESS_PROGS += image-fuzz
HARNESS_SRCS_image-fuzz = harness/fuzz/image-fuzz.c harness/fuzz/mutate.c $(HARNESS_LIB)
