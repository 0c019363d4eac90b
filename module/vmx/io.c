// SPDX-License-Identifier: GPL-2.0
/*
 * VMX port I/O exits: IN and OUT, and the string forms INS and OUTS with
 * or without REP (SDM "Exit Qualification for I/O Instructions"), with
 * the same exits to userspace as on SVM; strings move in batches as
 * pio.c describes.
 */
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "vmx_vcpu.h"
#include "../x86/decode.h"

/*
 * The VM-exit instruction information of INS/OUTS (SDM "VM-Exit
 * Instruction-Information Field").
 */
#define IO_INFO_ASZ(i)		(((i) >> 7) & 7)	/* 0: 16, 1: 32, 2: 64 bits */
#define IO_INFO_SEG(i)		(((i) >> 15) & 7)	/* OUTS: ES..GS */

/* Access rights: L (64-bit code) and D/B. */
#define VMX_AR_L		BIT(13)
#define VMX_AR_DB		BIT(14)

static_assert(VMX_REG_RCX == 1 && VMX_REG_RSI == 6 && VMX_REG_RDI == 7);
static_assert((int)VMX_SEG_ES == (int)DUET_X86_SEG_ES &&
	      (int)VMX_SEG_GS == (int)DUET_X86_SEG_GS);
/* What vmx_gmem_forward() returns once the guest has its exception. */
static_assert(DUET_PIO_RESUME == 1);

/*
 * What the instruction information @info of an INS/OUTS exit tells of
 * the address size and segment, when the CPU reports it (@valid): both,
 * the segment only for OUTS (INS always writes through ES).  What it
 * leaves open stays unknown (0, -1).
 */
DUET_VISIBLE_IF_KUNIT void vmx_io_info(u32 info, bool valid,
				       struct duet_pio_exit *io)
{
	if (io->in)
		io->seg = DUET_X86_SEG_ES;
	if (!valid)
		return;
	switch (IO_INFO_ASZ(info)) {
	case 0:
		io->ea_mask = 0xffff;
		break;
	case 1:
		io->ea_mask = 0xffffffff;
		break;
	case 2:
		io->ea_mask = ~0ULL;
		break;
	}
	if (!io->in && IO_INFO_SEG(info) <= DUET_X86_SEG_GS)
		io->seg = IO_INFO_SEG(info);
}
EXPORT_SYMBOL_IF_DUET_KUNIT(vmx_io_info);

/*
 * The address size and effective segment: from the instruction
 * information where the CPU reports it, else from the instruction's
 * prefixes, the VM-exit instruction length's bytes at CS:RIP.
 */
static int vmx_io_decode(struct vcpu_vmx *vmx, struct duet_pio_exit *io,
			 u32 cs_ar)
{
	struct duet_pio_insn p;
	u64 rip;
	u32 ar;
	int r;

	vmx_io_info(vmcs_read(VMCS_EXIT_INSN_INFO), vmx_config.io_insn_info,
		    io);
	if (!io->ea_mask || io->seg < 0) {
		rip = vmcs_read(VMCS_GUEST_RIP);
		r = duet_pio_fetch(&vmx->vcpu, io, io->mode64 ? rip :
				   vmcs_read(VMCS_GUEST_CS_BASE) + rip,
				   vmx->insn_len, vmx_gmem_forward, &p);
		if (r)
			return r;
		duet_pio_use_prefixes(io, &p, cs_ar & VMX_AR_DB);
	}
	/* The packed VMCB form; an unusable segment is not present. */
	ar = vmcs_read(VMCS_SEG_AR(io->seg));
	io->s = (struct duet_pio_seg){
		.base = vmcs_read(VMCS_SEG_BASE(io->seg)),
		.limit = vmcs_read(VMCS_SEG_LIMIT(io->seg)),
		.attrib = (ar & 0xff) | ((ar >> 4) & 0xf00),
	};
	if (ar & VMX_AR_UNUSABLE)
		io->s.attrib &= ~0x80;
	return 0;
}

/* INS/OUTS, with or without REP: pio.c moves the elements. */
int vmx_io_string(struct vcpu_vmx *vmx)
{
	u64 q = vmx->exit_qual;
	u32 cs_ar = vmcs_read(VMCS_GUEST_CS_AR);
	struct duet_pio_exit io = {
		.port = IO_QUAL_PORT(q),
		.size = IO_QUAL_SIZE(q),
		.in = q & IO_QUAL_IN,
		.rep = q & IO_QUAL_REP,
	};
	int r;

	vmx_walk_mode(vmx, &io.mode);
	duet_pio_begin(&io, (io.mode.efer & EFER_LMA) && (cs_ar & VMX_AR_L),
		       io.mode.cr0, vmx_get_rflags(vmx), vmx_get_cpl(vmx));
	r = vmx_io_decode(vmx, &io, cs_ar);
	if (!r)
		r = duet_pio_string(&vmx->vcpu, &io, vmx->regs);
	if (!r || r == DUET_PIO_RESUME) {
		if (io.vector >= 0) {
			if (io.vector == X86_TRAP_PF)
				vmx->cr2 = io.cr2;
			vmx_inject_exception(vmx, io.vector, io.error_code,
					     true);
		} else if (io.skip) {
			vmx_skip_insn(vmx);
		}
	}
	return duet_pio_end(&vmx->vcpu, &io, r);
}

int handle_io(struct vcpu_vmx *vmx)
{
	struct duet_run *run = vmx->vcpu.run;
	u64 q = vmx->exit_qual;
	u32 size = IO_QUAL_SIZE(q);
	bool in = q & IO_QUAL_IN;

	vmx->vcpu.stats.io_exits++;
	if (q & IO_QUAL_STRING)
		return vmx_io_string(vmx);

	run->exit_reason = DUET_EXIT_IO;
	run->io.port = IO_QUAL_PORT(q);
	run->io.size = size;
	run->io.count = 1;
	run->io.data_offset = DUET_PIO_DATA_OFFSET;
	if (in) {
		run->io.direction = DUET_EXIT_IO_IN;
		vmx->vcpu.pio_in_size = size;
	} else {
		u64 rax = vmx->regs[VMX_REG_RAX];

		run->io.direction = DUET_EXIT_IO_OUT;
		memcpy(duet_vcpu_pio_data(&vmx->vcpu), &rax, size);
	}
	vmx_skip_insn(vmx);
	return 0;
}
