// SPDX-License-Identifier: GPL-2.0
/*
 * fpu-stress: vector registers must survive context switches inside UML.
 *
 * Two processes each fill every SSE/AVX (and, where the CPU has it,
 * AVX-512) register with their own pattern, yield to the other inside the
 * same asm block, and read the registers back.  Between rounds they do
 * vector arithmetic and check it against scalar arithmetic.  A UML that
 * saves or restores a truncated XSAVE image fails here; one that cannot
 * restore the image at all kills the process before it starts.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 2000
#define WORKERS 2

struct regs_image {
	uint8_t zmm[32][64];
};

static int cpu_has_avx(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE) || !(c & bit_AVX))
		return 0;
	return 1;
}

static int cpu_has_avx512f(void)
{
	unsigned int a, b, c, d, lo, hi;

	if (!cpu_has_avx() || !__get_cpuid_count(7, 0, &a, &b, &c, &d) ||
	    !(b & bit_AVX512F))
		return 0;
	/* XCR0 bits 5-7: the OS saves opmask and ZMM state. */
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 0xe0) == 0xe0;
}

static void fill(struct regs_image *img, unsigned int worker, unsigned int round)
{
	for (int r = 0; r < 32; r++)
		for (int i = 0; i < 64; i++)
			img->zmm[r][i] = (uint8_t)(worker * 131 + round * 7 + r * 17 + i);
}

#define YIELD "mov %[nr], %%eax\n\tsyscall\n\t"

static void roundtrip_avx(const struct regs_image *in, struct regs_image *out)
{
	__asm__ volatile(
#define LD(n) "vmovdqu " #n "*64(%[in]), %%ymm" #n "\n\t"
		LD(0) LD(1) LD(2) LD(3) LD(4) LD(5) LD(6) LD(7)
		LD(8) LD(9) LD(10) LD(11) LD(12) LD(13) LD(14) LD(15)
		YIELD
#define ST(n) "vmovdqu %%ymm" #n ", " #n "*64(%[out])\n\t"
		ST(0) ST(1) ST(2) ST(3) ST(4) ST(5) ST(6) ST(7)
		ST(8) ST(9) ST(10) ST(11) ST(12) ST(13) ST(14) ST(15)
		:
		: [in] "r"(in), [out] "r"(out), [nr] "i"(SYS_sched_yield)
		: "rax", "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3",
		  "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
		  "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
#undef LD
#undef ST
}

static void roundtrip_avx512(const struct regs_image *in, struct regs_image *out)
{
	__asm__ volatile(
#define LD(n) "vmovdqu64 " #n "*64(%[in]), %%zmm" #n "\n\t"
		LD(0) LD(1) LD(2) LD(3) LD(4) LD(5) LD(6) LD(7)
		LD(8) LD(9) LD(10) LD(11) LD(12) LD(13) LD(14) LD(15)
		LD(16) LD(17) LD(18) LD(19) LD(20) LD(21) LD(22) LD(23)
		LD(24) LD(25) LD(26) LD(27) LD(28) LD(29) LD(30) LD(31)
		YIELD
#define ST(n) "vmovdqu64 %%zmm" #n ", " #n "*64(%[out])\n\t"
		ST(0) ST(1) ST(2) ST(3) ST(4) ST(5) ST(6) ST(7)
		ST(8) ST(9) ST(10) ST(11) ST(12) ST(13) ST(14) ST(15)
		ST(16) ST(17) ST(18) ST(19) ST(20) ST(21) ST(22) ST(23)
		ST(24) ST(25) ST(26) ST(27) ST(28) ST(29) ST(30) ST(31)
		:
		: [in] "r"(in), [out] "r"(out), [nr] "i"(SYS_sched_yield)
		: "rax", "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3",
		  "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
		  "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
#undef LD
#undef ST
}

/* Vector arithmetic the compiler emits as SSE; checked against scalar. */
static int arithmetic_ok(unsigned int worker, unsigned int round)
{
	typedef double v2df __attribute__((vector_size(16)));
	v2df acc = { worker + 0.5, round + 0.25 };
	double s0 = worker + 0.5, s1 = round + 0.25;

	for (int i = 1; i <= 64; i++) {
		v2df k = { i * 1.5, i * 0.75 };

		acc = acc * (v2df){ 1.0009765625, 0.9990234375 } + k;
		s0 = s0 * 1.0009765625 + i * 1.5;
		s1 = s1 * 0.9990234375 + i * 0.75;
		if (i % 16 == 0)
			syscall(SYS_sched_yield);
	}
	return acc[0] == s0 && acc[1] == s1;
}

static int worker_main(unsigned int worker, int wide)
{
	static struct regs_image in, out;
	unsigned int regs = wide ? 32 : 16, bytes = wide ? 64 : 32;

	for (unsigned int round = 0; round < ROUNDS; round++) {
		fill(&in, worker, round);
		memset(&out, 0, sizeof(out));
		if (wide)
			roundtrip_avx512(&in, &out);
		else
			roundtrip_avx(&in, &out);
		for (unsigned int r = 0; r < regs; r++) {
			if (memcmp(in.zmm[r], out.zmm[r], bytes)) {
				printf("not ok: worker %u round %u: %s%u changed across a context switch\n",
				       worker, round, wide ? "zmm" : "ymm", r);
				return 1;
			}
		}
		if (!arithmetic_ok(worker, round)) {
			printf("not ok: worker %u round %u: SSE result differs from scalar\n",
			       worker, round);
			return 1;
		}
	}
	return 0;
}

int main(void)
{
	int wide = cpu_has_avx512f();
	pid_t pids[WORKERS];
	int failed = 0;

	if (!cpu_has_avx()) {
		printf("fpu-stress: CPU has no AVX; nothing to check\n");
		return 0;
	}
	for (unsigned int w = 0; w < WORKERS; w++) {
		pids[w] = fork();
		if (pids[w] < 0) {
			perror("fork");
			return 1;
		}
		if (pids[w] == 0) {
			fflush(stdout);
			_exit(worker_main(w, wide));
		}
	}
	for (unsigned int w = 0; w < WORKERS; w++) {
		int st;

		if (waitpid(pids[w], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
			printf("not ok: worker %u did not finish cleanly (wait status %#x)\n", w, st);
			failed = 1;
		}
	}
	printf("fpu-stress: %d workers x %d rounds, %s registers: %s\n", WORKERS,
	       ROUNDS, wide ? "32 zmm" : "16 ymm", failed ? "FAILED" : "intact");
	return failed;
}
