// SPDX-License-Identifier: GPL-2.0
/*
 * VMX port I/O exits: IN and OUT (SDM "Exit Qualification for I/O
 * Instructions"), with the same exits to userspace as on SVM.
 */
#include "vmx_vcpu.h"

/* String forms: not yet; an internal error rather than a wrong result. */
int vmx_io_string(struct vcpu_vmx *vmx)
{
	return vmx_internal_error(vmx, DUET_INTERNAL_STRING_IO);
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
