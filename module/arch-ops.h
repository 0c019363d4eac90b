/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The backend operations of struct duet_arch_ops, listed once by name.
 * Include this file only after defining DUET_ARCH_OP(op) and
 * DUET_ARCH_OP_OPTIONAL(op); it is meant to be expanded more than once, so
 * it has no include guard.  A new op goes here and into the struct.
 */
DUET_ARCH_OP(probe)
DUET_ARCH_OP(hardware_setup)
DUET_ARCH_OP(hardware_unsetup)
DUET_ARCH_OP(cpu_enable)
DUET_ARCH_OP(cpu_disable)
/* Guest execution; a backend without it refuses DUET_CREATE_VM. */
DUET_ARCH_OP_OPTIONAL(vm_init)
DUET_ARCH_OP_OPTIONAL(vm_destroy)
DUET_ARCH_OP_OPTIONAL(vm_unmap_range)
DUET_ARCH_OP_OPTIONAL(vcpu_create)
DUET_ARCH_OP_OPTIONAL(vcpu_free)
DUET_ARCH_OP_OPTIONAL(vcpu_run)
DUET_ARCH_OP_OPTIONAL(get_regs)
DUET_ARCH_OP_OPTIONAL(set_regs)
DUET_ARCH_OP_OPTIONAL(get_sregs)
DUET_ARCH_OP_OPTIONAL(set_sregs)
DUET_ARCH_OP_OPTIONAL(inject_event)
/* MSRs; without them no MSR is emulated and DUET_GET/SET_MSRS refuse. */
DUET_ARCH_OP_OPTIONAL(msr_index_list)
DUET_ARCH_OP_OPTIONAL(get_msr)
DUET_ARCH_OP_OPTIONAL(set_msr)
DUET_ARCH_OP_OPTIONAL(complete_msr)
/* MMIO emulation; a backend without it never sets mmio_pending. */
DUET_ARCH_OP_OPTIONAL(complete_mmio)
/* Binary translation; without them DUET_EXEC_MODE_BT is refused. */
DUET_ARCH_OP_OPTIONAL(bt_get_state)
DUET_ARCH_OP_OPTIONAL(bt_set_state)
DUET_ARCH_OP_OPTIONAL(bt_inject)

#undef DUET_ARCH_OP
#undef DUET_ARCH_OP_OPTIONAL
