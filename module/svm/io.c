// SPDX-License-Identifier: GPL-2.0
/*
 * SVM port I/O exits (IOIO): IN and OUT, and the string forms INS and
 * OUTS, with or without REP (APM "IOIO Intercepts" and the INS/OUTS
 * instruction references).  Strings move in batches as pio.c describes;
 * this file decodes the exit for it.
 *
 * The effective segment of OUTS (DS unless overridden) comes from
 * exit_info_1 with decode assists; without them, from the instruction's
 * prefixes, read from guest memory between RIP and the next RIP
 * (exit_info_2).  INS always writes through ES.  The address size comes
 * from exit_info_1, or where an implementation leaves it out (QEMU), from
 * the mode and the prefixes too.
 */
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "svm_vcpu.h"
#include "../x86/decode.h"

static_assert(VCPU_REGS_RCX == 1 && VCPU_REGS_RSI == 6 &&
	      VCPU_REGS_RDI == 7);
static_assert((int)SVM_SEG_ES == (int)DUET_X86_SEG_ES &&
	      (int)SVM_SEG_GS == (int)DUET_X86_SEG_GS);
/* What svm_gmem_forward() returns once the guest has its exception. */
static_assert(DUET_PIO_RESUME == 1);

/*
 * What exit_info_1 @info tells of the address size and segment (APM
 * "IOIO Intercept Information"): the address size unless QEMU's model
 * left its bits clear, the segment with @decode_assists.  INS always
 * writes through ES.  What it leaves open stays unknown (0, -1).
 */
DUET_VISIBLE_IF_KUNIT void svm_io_info(u32 info, bool decode_assists,
				       struct duet_pio_exit *io)
{
	int seg = (info & SVM_IOIO_SEG_MASK) >> SVM_IOIO_SEG_SHIFT;

	if (info & SVM_IOIO_A16)
		io->ea_mask = 0xffff;
	else if (info & SVM_IOIO_A32)
		io->ea_mask = 0xffffffff;
	else if (info & SVM_IOIO_A64)
		io->ea_mask = ~0ULL;
	if (io->in)
		io->seg = SVM_SEG_ES;
	else if (decode_assists && seg <= SVM_SEG_GS)
		io->seg = seg;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(svm_io_info);

/*
 * Move past the I/O instruction: APM "IN and OUT Intercepts" stores its
 * next RIP in EXITINFO2 on every CPU, so svm_skip_insn() cannot fail here;
 * it also ends an interrupt shadow, as executing the instruction does.
 */
static void svm_io_next_insn(struct vcpu_svm *svm)
{
	if (!svm_skip_insn(svm))
		svm->vmcb->save.rip = svm->vmcb->control.exit_info_2;
}

static struct vmcb_seg *svm_io_seg(struct vmcb_save_area *save, int seg)
{
	switch (seg) {
	case SVM_SEG_ES:
		return &save->es;
	case SVM_SEG_CS:
		return &save->cs;
	case SVM_SEG_SS:
		return &save->ss;
	case SVM_SEG_FS:
		return &save->fs;
	case SVM_SEG_GS:
		return &save->gs;
	default:
		return &save->ds;
	}
}

/*
 * The address size and effective segment: from exit_info_1 where it
 * says, else from the instruction's prefixes, read between RIP and the
 * next RIP.
 */
static int svm_io_decode(struct vcpu_svm *svm, struct duet_pio_exit *io,
			 u32 info)
{
	struct vmcb_save_area *save = &svm->vmcb->save;
	bool cs_db = save->cs.attrib & SVM_SEG_ATTR_DB;
	const struct vmcb_seg *s;
	struct duet_pio_insn p;
	u64 rip_mask, len;
	int r;

	svm_io_info(info, duet_caps.decode_assists, io);
	if (!io->ea_mask || io->seg < 0) {
		if (io->mode64)
			rip_mask = ~0ULL;
		else
			rip_mask = cs_db ? 0xffffffffULL : 0xffffULL;
		len = (svm->vmcb->control.exit_info_2 - save->rip) & rip_mask;
		r = duet_pio_fetch(&svm->vcpu, io, io->mode64 ? save->rip :
				   save->cs.base + save->rip, len,
				   svm_gmem_forward, &p);
		if (r)
			return r;
		duet_pio_use_prefixes(io, &p, cs_db);
	}
	s = svm_io_seg(save, io->seg);
	io->s = (struct duet_pio_seg){
		.base = s->base, .limit = s->limit, .attrib = s->attrib,
	};
	return 0;
}

static int svm_io_string(struct vcpu_svm *svm, struct duet_pio_exit *io,
			 u32 info)
{
	struct vmcb_save_area *save = &svm->vmcb->save;
	int r;

	duet_pio_begin(io, (save->efer & EFER_LMA) &&
		       (save->cs.attrib & SVM_SEG_ATTR_L), save->cr0,
		       save->rflags, save->cpl);
	svm_walk_mode(svm, &io->mode);
	r = svm_io_decode(svm, io, info);
	if (r)
		return r;
	r = duet_pio_string(&svm->vcpu, io, svm->regs);
	if (r >= 0 && io->vector >= 0) {
		if (io->vector == X86_TRAP_PF)
			save->cr2 = io->cr2;
		svm_inject_exception(svm, io->vector, io->error_code);
	} else if (r >= 0 && io->skip) {
		svm_io_next_insn(svm);
	}
	return r;
}

int io_interception(struct vcpu_svm *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	struct duet_run *run = svm->vcpu.run;
	u32 info = c->exit_info_1;
	struct duet_pio_exit io = {
		.port = info >> SVM_IOIO_PORT_SHIFT,
		.in = info & SVM_IOIO_TYPE_IN,
		.rep = info & SVM_IOIO_REP,
		.size = (info & SVM_IOIO_SIZE_MASK) >> SVM_IOIO_SIZE_SHIFT,
	};
	int r;

	svm->vcpu.stats.io_exits++;
	if (info & SVM_IOIO_STR) {
		r = svm_io_string(svm, &io, info);
		return duet_pio_end(&svm->vcpu, &io, r);
	}

	run->exit_reason = DUET_EXIT_IO;
	run->io.port = io.port;
	run->io.size = io.size;
	run->io.count = 1;
	run->io.data_offset = DUET_PIO_DATA_OFFSET;
	if (io.in) {
		run->io.direction = DUET_EXIT_IO_IN;
		svm->vcpu.pio_in_size = io.size;
	} else {
		u64 rax = svm->vmcb->save.rax;

		run->io.direction = DUET_EXIT_IO_OUT;
		memcpy(duet_vcpu_pio_data(&svm->vcpu), &rax, io.size);
	}
	svm_io_next_insn(svm);
	return 0;
}
