# harness/fuzz: the image fuzzer (scripts/image-fuzz, make soak).
HARNESS_PROGS += image-fuzz
# The mutation engine is the KUnit suite's (kunit/fs/checkpoint/tests/
# image_mutate.c), built against harness/fuzz/image-mutate-compat.h.
IMAGE_MUTATE_DIR := kunit/fs/checkpoint/tests
HARNESS_SRCS_image-fuzz = harness/fuzz/image-fuzz.c $(IMAGE_MUTATE_DIR)/image_mutate.c $(HARNESS_LIB)
$(patsubst %.c,build/harness/obj/%.o,harness/fuzz/image-fuzz.c $(IMAGE_MUTATE_DIR)/image_mutate.c): \
	HARNESS_CFLAGS += -Iharness/fuzz -I$(IMAGE_MUTATE_DIR)
