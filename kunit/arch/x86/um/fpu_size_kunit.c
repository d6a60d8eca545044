// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for UML's boot-time probe of the host's XSAVE size.
 *
 * Every userspace process in UML depends on the probed size being exactly
 * the host's NT_X86_XSTATE regset size, so these cases compare it with
 * what the CPU itself reports and check the bounds the probe enforces.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <sysdep/ptrace.h>

/* Legacy FXSAVE area plus the XSAVE header: the smallest XSAVE image. */
#define XSAVE_LEGACY_AND_HEADER_BYTES (512 + 64)

static void cpuid_count(u32 leaf, u32 subleaf, u32 *eax, u32 *ebx, u32 *ecx,
			u32 *edx)
{
	asm volatile("cpuid"
		     : "=a"(*eax), "=b"(*ebx), "=c"(*ecx), "=d"(*edx)
		     : "a"(leaf), "c"(subleaf));
}

static bool host_has_xsave(void)
{
	u32 eax, ebx, ecx, edx;

	cpuid_count(1, 0, &eax, &ebx, &ecx, &edx);
	return ecx & BIT(26);
}

static void fpu_size_probe_found_xstate(struct kunit *test)
{
	if (!host_has_xsave())
		kunit_skip(test, "host CPU has no XSAVE");
	KUNIT_EXPECT_GT_MSG(test, um_host_fp_size(), 0UL,
			    "XSAVE host, but the boot probe recorded no size");
}

static void fpu_size_probe_holds_at_least_legacy_area(struct kunit *test)
{
	if (!um_host_fp_size())
		kunit_skip(test, "no XSAVE state on this host");
	KUNIT_EXPECT_GE(test, um_host_fp_size(),
			(unsigned long)XSAVE_LEGACY_AND_HEADER_BYTES);
}

static void fpu_size_probe_fits_buffer(struct kunit *test)
{
	KUNIT_EXPECT_LE_MSG(test, um_host_fp_size(), um_fp_buffer_size(),
			    "probed size must fit the per-thread buffer");
}

/*
 * CPUID leaf 0xD, subleaf 0, EBX: bytes needed by the features enabled in
 * XCR0.  The host's ptrace regset is the standard (non-compacted) image of
 * the same features, so the two must agree.
 */
static void fpu_size_probe_matches_cpuid(struct kunit *test)
{
	u32 eax, ebx, ecx, edx;

	if (!um_host_fp_size())
		kunit_skip(test, "no XSAVE state on this host");
	cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx);
	KUNIT_EXPECT_EQ_MSG(test, um_host_fp_size(), (unsigned long)ebx,
			    "ptrace regset size differs from CPUID.(0xD,0).EBX");
}

static void fpu_size_check_accepts_exact_fit(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, um_check_fp_size(16384, 16384), 0);
}

static void fpu_size_check_accepts_smaller_host(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, um_check_fp_size(2696, 16384), 0);
}

static void fpu_size_check_rejects_one_byte_more(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, um_check_fp_size(16385, 16384), -E2BIG);
}

static void fpu_size_buffer_is_16k(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, um_fp_buffer_size(), 16384UL);
}

static struct kunit_case fpu_size_test_cases[] = {
	KUNIT_CASE(fpu_size_probe_found_xstate),
	KUNIT_CASE(fpu_size_probe_holds_at_least_legacy_area),
	KUNIT_CASE(fpu_size_probe_fits_buffer),
	KUNIT_CASE(fpu_size_probe_matches_cpuid),
	KUNIT_CASE(fpu_size_check_accepts_exact_fit),
	KUNIT_CASE(fpu_size_check_accepts_smaller_host),
	KUNIT_CASE(fpu_size_check_rejects_one_byte_more),
	KUNIT_CASE(fpu_size_buffer_is_16k),
	{}
};

static struct kunit_suite fpu_size_test_suite = {
	.name = "um_fpu_size",
	.test_cases = fpu_size_test_cases,
};

kunit_test_suite(fpu_size_test_suite);

MODULE_DESCRIPTION("KUnit cases for UML's host XSAVE size probe");
MODULE_LICENSE("GPL");
