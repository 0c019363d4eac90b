/* SPDX-License-Identifier: GPL-2.0 */
/*
 * duet selftests: a deterministic trace of what guests did, for comparing
 * one run in hardware with one in binary translation (bt_mode_test.sh).
 *
 * With DUET_TEST_TRACE=FILE in the environment the library appends text
 * lines to FILE, each prefixed "CASE vmN vcpuI" (CASE: the test case, N:
 * the VM's index in creation order within the case):
 *
 *	... #SEQ exit REASON PAYLOAD | GPRS rip rflags
 *		every exit DUET_RUN returns to the test, in the vCPU's order;
 *	... final GPRS rip rflags | cr0 cr2 cr3 cr4 efer selectors
 *		the vCPU's state when it is freed (or when the case ends);
 *	CASE vmN slotS [gpa, +size) fnv1a DIGEST, and one line per 2 MiB
 *		chunk that is not all zero: guest memory when the VM is freed.
 *
 * A vCPU's exits are buffered and written when it is freed, vCPU by vCPU
 * in id order, so that threads running several vCPUs at once give the
 * same file whatever their interleaving.  Exits that come from a signal
 * or a kick (DUET_EXIT_INTR, DUET_EXIT_KICK, -EINTR) land wherever the
 * guest happened to be: their records carry the reason only.
 *
 * DUET_TEST_TRACE_PERTURB=1 flips bit 0 of RAX in the first exit record
 * of each vCPU: a trace that must differ, to show that the comparison can
 * fail.
 */
#ifndef DUET_SELFTEST_TRACE_H
#define DUET_SELFTEST_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/duet.h>

/* A growing text buffer: records not written yet. */
struct trace_buf {
	char *s;
	size_t len, cap;
};

struct duet_test_vm;
struct duet_test_vcpu;

/* Whether DUET_TEST_TRACE is set. */
bool trace_enabled(void);

/* Hooks of vm.c. */
void trace_vm_created(struct duet_test_vm *vm);
void trace_memslot(struct duet_test_vm *vm, const struct duet_memslot *m);
void trace_exit(struct duet_test_vcpu *vcpu, int rc);
void trace_vcpu_free(struct duet_test_vcpu *vcpu);
void trace_vm_free(struct duet_test_vm *vm);

/*
 * The case ends without freeing its VMs (test.c calls this before the
 * child exits after a pass): write what they have.
 */
void trace_case_end(void);

#endif /* DUET_SELFTEST_TRACE_H */
