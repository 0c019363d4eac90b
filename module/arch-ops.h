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

#undef DUET_ARCH_OP
#undef DUET_ARCH_OP_OPTIONAL
