/* SPDX-License-Identifier: GPL-2.0 */
/*
 * duet selftests: binary translation and the stall barrier from a test,
 * through the netlink family (vcpu-set, vm-set, bt-segment-add, vm-get,
 * vcpu-get).  x() asserts, _x() returns 0 / -errno.
 *
 * DUET_TEST_EXEC_MODE=bt in the environment starts every vCPU the
 * library creates in BT mode: the whole suite then runs its guests in
 * the translator (selftests/run-all-bt), to compare with hardware.
 */
#ifndef DUET_SELFTEST_BT_H
#define DUET_SELFTEST_BT_H

#include <linux/duet.h>
#include <linux/duet_netlink.h>

#include "vm.h"

/* The registry id (netlink) of @vm, found once by the creator's pid. */
__u32 vm_nl_id(struct duet_test_vm *vm);
int _vcpu_set_exec_mode(struct duet_test_vcpu *vcpu, __u32 mode);
void vcpu_set_exec_mode(struct duet_test_vcpu *vcpu, __u32 mode);
void vm_set_bt_detect(struct duet_test_vm *vm, bool on);
void vm_set_max_stall_us(struct duet_test_vm *vm, __u32 us);
__u32 vm_bt_segment_add(struct duet_test_vm *vm, __u64 start, __u64 len);
/* A counter of vm-get's stats (DUET_A_VM_STATS_*). */
__u64 vm_nl_stat(struct duet_test_vm *vm, unsigned int attr);
/* A counter of vcpu-get's stats (DUET_A_VCPU_STATS_*). */
__u64 vcpu_nl_stat(struct duet_test_vcpu *vcpu, unsigned int attr);
/* The hits of segment @id (bt-segment-get). */
__u64 vm_bt_segment_hits(struct duet_test_vm *vm, __u32 id);
/* Apply DUET_TEST_EXEC_MODE to a new vCPU (lib/vm.c calls it). */
void vcpu_apply_test_exec_mode(struct duet_test_vcpu *vcpu);

#endif /* DUET_SELFTEST_BT_H */
