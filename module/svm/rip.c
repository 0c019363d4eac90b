// SPDX-License-Identifier: GPL-2.0
/*
 * Where RIP goes after an intercepted instruction that duet completes
 * (kunit/svm/rip_test.c).
 *
 * APM: instruction intercepts are checked before the instruction runs, so
 * the VMCB's RIP points at it.  With the NRIP_SAVE feature the CPU also
 * stores the next instruction's RIP in the VMCB (next_rip) on those
 * exits.  IOIO exits give it in EXITINFO2 on every SVM CPU.  Without
 * NRIP_SAVE (QEMU TCG has none), only instructions of one fixed encoding
 * have a known length; for anything else duet would have to decode guest
 * memory, so it reports an internal error rather than guess.
 *
 * The fixed lengths assume no prefix.  A redundant prefix (say 66h before
 * CPUID) makes the guest resume inside the instruction on CPUs without
 * NRIP_SAVE; compilers and assemblers do not emit one.
 */
#include "svm_vcpu.h"

/**
 * duet_svm_insn_len - length of the fixed-form instruction behind an exit
 * @exit_code: SVM_EXIT_*
 *
 * Return: its length in bytes, or 0 when @exit_code is not the intercept
 * of one instruction of a single encoding.
 */
unsigned int duet_svm_insn_len(u64 exit_code)
{
	switch (exit_code) {
	case SVM_EXIT_HLT:		/* F4 */
	case SVM_EXIT_ICEBP:		/* F1 */
		return 1;
	case SVM_EXIT_RDTSC:		/* 0F 31 */
	case SVM_EXIT_RDPMC:		/* 0F 33 */
	case SVM_EXIT_CPUID:		/* 0F A2 */
	case SVM_EXIT_INVD:		/* 0F 08 */
	case SVM_EXIT_PAUSE:		/* F3 90 */
	case SVM_EXIT_MSR:		/* 0F 32 RDMSR, 0F 30 WRMSR */
	case SVM_EXIT_WBINVD:		/* 0F 09 */
		return 2;
	case SVM_EXIT_INVLPGA:		/* 0F 01 DF */
	case SVM_EXIT_VMRUN:		/* 0F 01 D8 */
	case SVM_EXIT_VMMCALL:		/* 0F 01 D9 */
	case SVM_EXIT_VMLOAD:		/* 0F 01 DA */
	case SVM_EXIT_VMSAVE:		/* 0F 01 DB */
	case SVM_EXIT_STGI:		/* 0F 01 DC */
	case SVM_EXIT_CLGI:		/* 0F 01 DD */
	case SVM_EXIT_SKINIT:		/* 0F 01 DE */
	case SVM_EXIT_RDTSCP:		/* 0F 01 F9 */
	case SVM_EXIT_MONITOR:		/* 0F 01 C8 */
	case SVM_EXIT_MWAIT:		/* 0F 01 C9 */
	case SVM_EXIT_MWAIT_COND:	/* 0F 01 C9 */
	case SVM_EXIT_XSETBV:		/* 0F 01 D1 */
	case SVM_EXIT_RDPRU:		/* 0F 01 FD */
		return 3;
	default:
		return 0;
	}
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_svm_insn_len);

/**
 * duet_svm_next_rip - RIP after the instruction that caused an exit
 * @exit_code:   SVM_EXIT_*
 * @rip:         the VMCB's RIP: the instruction's own
 * @next_rip:    the VMCB's next_rip
 * @exit_info_2: the VMCB's EXITINFO2
 * @nrip_save:   the CPU has NRIP_SAVE
 * @new_rip:     out: where the guest goes on
 *
 * Return: 0, or -EINVAL when the next RIP is unknown: no NRIP_SAVE (or a
 * next_rip of 0, which no instruction intercept stores) and not an
 * instruction of a fixed length.
 */
int duet_svm_next_rip(u64 exit_code, u64 rip, u64 next_rip, u64 exit_info_2,
		      bool nrip_save, u64 *new_rip)
{
	unsigned int len;

	/* APM "IN and OUT Intercepts": EXITINFO2 is the next RIP. */
	if (exit_code == SVM_EXIT_IOIO) {
		*new_rip = exit_info_2;
		return 0;
	}
	/* APM "Next sequential instruction pointer": stored with NRIP_SAVE. */
	if (nrip_save && next_rip) {
		*new_rip = next_rip;
		return 0;
	}
	len = duet_svm_insn_len(exit_code);
	if (!len)
		return -EINVAL;
	*new_rip = rip + len;
	return 0;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_svm_next_rip);

/**
 * duet_svm_next_rip_decoded - RIP after an intercepted instruction duet decoded
 * @rip:       the VMCB's RIP: the instruction's own
 * @next_rip:  the VMCB's next_rip
 * @nrip_save: the CPU has NRIP_SAVE
 * @len:       the instruction's length, from duet's decoder
 * @mode64:    the guest is in 64-bit mode
 *
 * For instructions of several encodings (MOV to or from DRn: prefixes,
 * REX) whose bytes duet fetched and decoded anyway.  The CPU's next_rip
 * wins when there is one; otherwise @rip + @len, within the 32-bit
 * instruction pointer outside 64-bit mode (SDM, APM: EIP wraps).
 *
 * Return: the RIP the guest goes on at.
 */
u64 duet_svm_next_rip_decoded(u64 rip, u64 next_rip, bool nrip_save,
			      unsigned int len, bool mode64)
{
	if (nrip_save && next_rip)
		return next_rip;
	rip += len;
	return mode64 ? rip : (u32)rip;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_svm_next_rip_decoded);
