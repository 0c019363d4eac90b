/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * duet: ioctl interface of /dev/duet.
 *
 * The fast path of duet is a set of ioctls on /dev/duet (and, in later
 * versions, on the VM and vCPU file descriptors it hands out).  Control,
 * statistics and events use the generic netlink family "duet", described in
 * <linux/duet_netlink.h>.
 *
 * Rules for every structure in this file: fields are __u64/__u32 only,
 * padding is explicit, and every flags or reserved field must be zero on
 * input; the kernel rejects anything else with -EINVAL so that the fields
 * can be given a meaning later.
 */
#ifndef _UAPI_LINUX_DUET_H
#define _UAPI_LINUX_DUET_H

#include <linux/const.h>
#include <linux/types.h>
#include <linux/ioctl.h>

/* Bumped on any incompatible change of the interface. */
#define DUET_API_VERSION	1

/* ioctl type of /dev/duet. */
#define DUETIO			0xDE

/**
 * DUET_GET_API_VERSION - return DUET_API_VERSION as the ioctl's result.
 *
 * Takes no argument; the argument must be 0.
 */
#define DUET_GET_API_VERSION	_IO(DUETIO, 0x00)

/**
 * struct duet_check_extension - argument of DUET_CHECK_EXTENSION
 * @cap:      in: one of DUET_CAP_*
 * @flags:    in: must be 0
 * @value:    out: 0 when the capability is absent or unknown to this
 *            module, otherwise its value (1 for a plain feature, a count or
 *            an enum for the others, as documented at each DUET_CAP_*)
 * @reserved: must be 0
 */
struct duet_check_extension {
	__u32 cap;
	__u32 flags;
	__u64 value;
	__u64 reserved[2];
};

#define DUET_CHECK_EXTENSION	_IOWR(DUETIO, 0x01, struct duet_check_extension)

/* Values of DUET_CAP_BACKEND. */
#define DUET_BACKEND_SVM	1
#define DUET_BACKEND_VMX	2

/*
 * Execution modes of a vCPU (netlink vcpu-set, exec-mode attribute):
 * hardware (SVM/VMX), duet's binary translator, or chosen by duet (not
 * accepted yet).  A new vCPU runs in DUET_EXEC_MODE_HW.
 */
#define DUET_EXEC_MODE_HW	0
#define DUET_EXEC_MODE_BT	1
#define DUET_EXEC_MODE_AUTO	2

/*
 * Capability numbers.  Numbers are never reused; a capability that this
 * module does not know reads as 0, like one the hardware lacks.
 */
enum duet_cap {
	DUET_CAP_API_VERSION = 1,	/* DUET_API_VERSION */
	DUET_CAP_BACKEND,		/* DUET_BACKEND_* */
	DUET_CAP_NESTED_PAGING,		/* NPT or EPT present */
	DUET_CAP_PAGING_LEVELS,		/* 4 or 5: levels of nested paging */
	DUET_CAP_NR_ASIDS,		/* usable ASIDs (SVM) or VPIDs (VMX) */
	DUET_CAP_NRIP_SAVE,		/* SVM: next RIP saved on #VMEXIT */
	DUET_CAP_DECODE_ASSISTS,	/* SVM: decode assists */
	DUET_CAP_FLUSH_BY_ASID,		/* SVM: TLB_CONTROL flush by ASID */
	DUET_CAP_VMCB_CLEAN,		/* SVM: VMCB clean bits */
	DUET_CAP_VGIF,			/* SVM: virtual GIF */
	DUET_CAP_UNRESTRICTED_GUEST,	/* VMX: unrestricted guest */
	DUET_CAP_VPID,			/* VMX: VPID */
	DUET_CAP_LARGE_PAGES_2M,	/* 2 MiB nested mappings */
	DUET_CAP_LARGE_PAGES_1G,	/* 1 GiB nested mappings */
	DUET_CAP_ACCESSED_DIRTY,	/* A/D bits in nested page tables */
	DUET_CAP_NR_CPUS,		/* CPUs with virtualization enabled */

	__DUET_CAP_NR,
};

#define DUET_CAP_MAX	(__DUET_CAP_NR - 1)

/*
 * VMs and vCPUs
 * =============
 *
 * DUET_CREATE_VM on /dev/duet returns a VM file descriptor; DUET_CREATE_VCPU
 * on a VM fd returns a vCPU fd.  Closing them, in any order and at any time
 * (even while another thread is inside DUET_RUN), frees everything once
 * the last reference is gone.  Guest memory is the VMM's own memory, named
 * by memory slots.
 */

/**
 * DUET_CREATE_VM - create a VM; the argument is a set of DUET_VM_* flags.
 *
 * Returns a new file descriptor (O_CLOEXEC) for the VM.  Unknown flags give
 * -EINVAL.
 */
#define DUET_CREATE_VM		_IO(DUETIO, 0x02)

/*
 * Guest RDMSR/WRMSR of an MSR that duet does not emulate (one missing from
 * DUET_GET_MSR_INDEX_LIST) exits to userspace as DUET_EXIT_MSR instead of
 * raising #GP in the guest.  A value an emulated MSR refuses still raises
 * #GP without an exit.
 */
#define DUET_VM_USER_MSR	_BITUL(0)
#define DUET_VM_FLAGS		DUET_VM_USER_MSR

/**
 * DUET_GET_VCPU_MMAP_SIZE - size of the run area to mmap() from a vCPU fd;
 * the argument must be 0.
 */
#define DUET_GET_VCPU_MMAP_SIZE	_IO(DUETIO, 0x03)

/* Bounds of a VM. */
#define DUET_MAX_VCPUS		64
#define DUET_MAX_MEMSLOTS	32
/* Guest-physical addresses are below 2^52 (the architectural maximum). */
#define DUET_MAX_GPA		_BITULL(52)

/**
 * struct duet_memslot - argument of DUET_SET_MEMSLOT
 * @slot:            in: slot number, < DUET_MAX_MEMSLOTS
 * @flags:           in: DUET_MEM_*
 * @guest_phys_addr: in: first guest-physical byte, page aligned
 * @memory_size:     in: bytes, page aligned; 0 deletes the slot
 * @userspace_addr:  in: the VMM's mapping backing it, page aligned
 * @reserved:        must be 0
 *
 * Slots may not overlap (-EEXIST); a slot is replaced only by deleting it
 * first.  Misaligned, wrapping or out-of-range values give -EINVAL.  Guest
 * pages are pinned when the guest first touches them and charged to the
 * VMM's RLIMIT_MEMLOCK; they stay pinned until the slot or the VM goes.
 * Writes by the guest to a DUET_MEM_READONLY slot exit to userspace as
 * MMIO.
 */
struct duet_memslot {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 reserved[2];
};

#define DUET_MEM_READONLY	_BITUL(0)

#define DUET_SET_MEMSLOT	_IOW(DUETIO, 0x10, struct duet_memslot)

/**
 * DUET_CREATE_VCPU - create vCPU number @arg (< DUET_MAX_VCPUS) of a VM.
 *
 * Returns a new file descriptor (O_CLOEXEC) for the vCPU.  A number in use
 * gives -EEXIST.  The vCPU starts in the x86 reset state.
 */
#define DUET_CREATE_VCPU	_IO(DUETIO, 0x11)

/* General registers, as KVM_GET_REGS. */
struct duet_regs {
	__u64 rax, rbx, rcx, rdx;
	__u64 rsi, rdi, rsp, rbp;
	__u64 r8, r9, r10, r11;
	__u64 r12, r13, r14, r15;
	__u64 rip, rflags;
};

/*
 * A segment register.  @attrib is the APM's packed VMCB form, also used on
 * VMX: type[3:0] S[4] DPL[6:5] P[7] AVL[8] L[9] D/B[10] G[11].
 */
struct duet_segment {
	__u64 base;
	__u32 limit;
	__u32 selector;
	__u32 attrib;
	__u32 padding;
};

struct duet_dtable {
	__u64 base;
	__u32 limit;
	__u32 padding;
};

/* Special registers. */
struct duet_sregs {
	struct duet_segment cs, ds, es, fs, gs, ss, tr, ldt;
	struct duet_dtable gdt, idt;
	__u64 cr0, cr2, cr3, cr4, cr8;
	__u64 efer;
	__u64 apic_base;
	__u64 reserved[4];
};

/* One CPUID leaf; @index matters only with DUET_CPUID_FLAG_SIGNIFICANT_INDEX. */
struct duet_cpuid_entry {
	__u32 function;
	__u32 index;
	__u32 flags;
	__u32 eax, ebx, ecx, edx;
	__u32 padding;
};

#define DUET_CPUID_FLAG_SIGNIFICANT_INDEX	_BITUL(0)
#define DUET_MAX_CPUID_ENTRIES			256

/*
 * A CPUID table.  In: @nent is the capacity of @entries (for GET) or the
 * number of entries (for SET), at most DUET_MAX_CPUID_ENTRIES; out (GET):
 * the number filled.  A table too small for GET gives -E2BIG with @nent set
 * to the size needed.
 */
struct duet_cpuid {
	__u32 nent;
	__u32 padding;
	struct duet_cpuid_entry entries[];
};

/*
 * DUET_GET_SUPPORTED_CPUID (on /dev/duet): the host's CPUID as a guest may
 * see it: the host's vendor, family/model and the features duet can
 * virtualize, with the hypervisor bit set.  It is also every new vCPU's
 * table until DUET_SET_CPUID replaces it.  A leaf missing from a vCPU's
 * table reads as zeros.
 */
#define DUET_GET_SUPPORTED_CPUID _IOWR(DUETIO, 0x04, struct duet_cpuid)

#define DUET_RUN		_IO(DUETIO, 0x20)
#define DUET_GET_REGS		_IOR(DUETIO, 0x21, struct duet_regs)
#define DUET_SET_REGS		_IOW(DUETIO, 0x22, struct duet_regs)
#define DUET_GET_SREGS		_IOR(DUETIO, 0x23, struct duet_sregs)
#define DUET_SET_SREGS		_IOW(DUETIO, 0x24, struct duet_sregs)
#define DUET_SET_CPUID		_IOW(DUETIO, 0x25, struct duet_cpuid)

/* Event types of struct duet_event. */
#define DUET_EVENT_EXCEPTION	0	/* vector 0-31, with or without code */
#define DUET_EVENT_INTERRUPT	1	/* external interrupt, vector 32-255 */
#define DUET_EVENT_NMI		2

#define DUET_EVENT_HAS_ERROR_CODE	_BITUL(0)

/**
 * struct duet_event - argument of DUET_INJECT_EVENT
 * @type:       DUET_EVENT_*
 * @vector:     exception or interrupt vector (ignored for NMI)
 * @flags:      DUET_EVENT_HAS_ERROR_CODE (exceptions only)
 * @error_code: pushed by the exception when the flag is set
 * @reserved:   must be 0
 *
 * An exception is delivered at the next entry.  An NMI is too, unless NMIs
 * are blocked: from the delivery of an NMI until its handler's IRET has
 * completed (and for the one instruction of an interrupt shadow); then it
 * waits and goes in right after that IRET.  An interrupt is delivered as
 * soon as the guest can take it (RFLAGS.IF set, no interrupt shadow).
 * One event of each kind may wait; another gives -EBUSY.
 */
struct duet_event {
	__u32 type;
	__u32 vector;
	__u32 flags;
	__u32 error_code;
	__u64 reserved[2];
};

#define DUET_INJECT_EVENT	_IOW(DUETIO, 0x27, struct duet_event)
#define DUET_GET_CPUID		_IOWR(DUETIO, 0x26, struct duet_cpuid)

/*
 * MSRs
 * ====
 *
 * DUET_GET_MSR_INDEX_LIST on /dev/duet lists the MSRs duet emulates, the
 * same for every vCPU: in, @nmsrs is the capacity of @indices; out, the
 * count; @padding must be 0.  A capacity below the count gives -E2BIG
 * with @nmsrs set to the count and nothing else written.  On SVM: EFER, PAT, TSC, APIC_BASE,
 * MTRRcap, MTRRdefType, STAR, LSTAR, CSTAR, SFMASK, KernelGSBase,
 * SYSENTER_CS/ESP/EIP, FS_BASE and GS_BASE.  The guest reads and writes
 * the syscall, SYSENTER and segment-base MSRs without exits; the ioctls
 * reach the same values.
 *
 * DUET_GET_MSRS/DUET_SET_MSRS read or write the listed MSRs of a vCPU, in
 * order, and return how many were done: processing stops at the first MSR
 * that duet does not emulate or, for SET, whose value is invalid (what
 * WRMSR would #GP on: a reserved PAT type, a non-canonical address in
 * LSTAR, CSTAR, KernelGSBase, SYSENTER_ESP/EIP, FS_BASE or GS_BASE, a
 * reserved EFER bit).  That MSR and the ones after it are left unchanged.
 * The call as a whole fails, with nothing done, for @nmsrs above
 * DUET_MAX_MSR_ENTRIES (-E2BIG), non-zero @padding or a non-zero
 * @reserved in any entry (-EINVAL).
 *
 * Where the host differs from the guest's WRMSR: it may write EFER.LME and
 * LMA as it likes (it restores whole states; an inconsistent one fails
 * the next DUET_RUN's entry instead), while a guest's write of LMA is
 * ignored and a change of LME with paging on raises #GP.  APIC_BASE,
 * MTRRcap (0) and MTRRdefType (0) are fixed: a write of the value they
 * hold is accepted, any other refused; the guest may not write MTRRcap at
 * all.  TSC reads count on from the value written.
 */
#define DUET_MAX_MSR_ENTRIES	256

struct duet_msr_entry {
	__u32 index;
	__u32 reserved;
	__u64 data;
};

struct duet_msrs {
	__u32 nmsrs;
	__u32 padding;
	struct duet_msr_entry entries[];
};

struct duet_msr_list {
	__u32 nmsrs;
	__u32 padding;
	__u32 indices[];
};

#define DUET_GET_MSR_INDEX_LIST	_IOWR(DUETIO, 0x05, struct duet_msr_list)
#define DUET_GET_MSRS		_IOWR(DUETIO, 0x28, struct duet_msrs)
#define DUET_SET_MSRS		_IOW(DUETIO, 0x29, struct duet_msrs)

/*
 * FPU and extended state
 * ======================
 *
 * The guest's x87/SSE/AVX... state as a standard-format (not compacted)
 * XSAVE image covering the host's XCR0 features; its size is
 * CPUID.(EAX=0DH,ECX=0):EBX of the host, the same for every vCPU.  A new
 * vCPU starts in the init state (FCW 037Fh, MXCSR 1F80h, XSTATE_BV 0).
 * In: @size is the capacity of @region (GET) or the image's length (SET),
 * at most DUET_MAX_XSAVE_SIZE; out (GET): the length written.  GET with a
 * smaller @size gives -E2BIG and the size needed in @size; GET writes
 * exactly the image, whatever the capacity.  SET takes an image of
 * exactly that size and checks it as XRSTOR would: XSTATE_BV within the
 * host's XCR0, XCOMP_BV zero, the other 48 header bytes zero, no MXCSR bit
 * outside the CPU's MXCSR_MASK; anything else gives -EINVAL and leaves
 * the vCPU's state unchanged.  @flags and @reserved must be 0 (-EINVAL).
 */
#define DUET_MAX_XSAVE_SIZE	65536

struct duet_xsave {
	__u32 size;
	__u32 flags;		/* must be 0 */
	__u64 reserved;		/* must be 0 */
	__u8 region[];		/* 64-byte aligned in the kernel's copy only */
};

#define DUET_GET_XSAVE		_IOWR(DUETIO, 0x2a, struct duet_xsave)
#define DUET_SET_XSAVE		_IOW(DUETIO, 0x2b, struct duet_xsave)

/*
 * DUET_KICK - make the vCPU leave guest mode and return from DUET_RUN with
 * DUET_EXIT_KICK (DUET_RUN returns 0), from any thread, without waiting
 * for its ioctl lock.  A kick of a vCPU outside DUET_RUN ends the next
 * DUET_RUN before it enters the guest (after completing the last exit's
 * IN or hypercall result).  A kick is never lost: when DUET_RUN returns
 * for another reason first (an exit to userspace, -EINTR), the kick ends
 * the next DUET_RUN.  Kicks do not add up: several before the vCPU
 * notices end one DUET_RUN.  The argument must be 0 (-EINVAL otherwise).
 */
#define DUET_KICK		_IO(DUETIO, 0x2c)

/* Exit reasons in struct duet_run. */
enum duet_exit_reason {
	DUET_EXIT_NONE = 0,
	DUET_EXIT_IO,		/* port I/O; data in the run area */
	DUET_EXIT_MMIO,		/* access outside guest memory */
	DUET_EXIT_HYPERCALL,	/* VMMCALL/VMCALL */
	DUET_EXIT_HLT,		/* HLT */
	DUET_EXIT_SHUTDOWN,	/* triple fault: the VM is dead */
	DUET_EXIT_INTR,		/* a signal is pending (DUET_RUN: -EINTR) */
	DUET_EXIT_INTERNAL_ERROR, /* duet cannot go on; see internal */
	DUET_EXIT_IRQ_WINDOW_OPEN, /* the guest can take an interrupt now */
	DUET_EXIT_MSR,		/* RDMSR/WRMSR under DUET_VM_USER_MSR */
	DUET_EXIT_KICK,		/* DUET_KICK from another thread */
};

/*
 * Hypercalls (VMMCALL/VMCALL, number in RAX, result in RAX).  duet answers
 * DUET_HC_NOP itself (RAX = 0) without leaving the kernel; every other
 * number exits to userspace as DUET_EXIT_HYPERCALL.
 */
#define DUET_HC_NOP		0

#define DUET_EXIT_IO_IN		0
#define DUET_EXIT_IO_OUT	1

/* Values of internal.suberror. */
#define DUET_INTERNAL_UNKNOWN_EXIT	1	/* data[0] = hardware exit code */
#define DUET_INTERNAL_ENTRY_FAILED	2	/* data[0] = hardware exit code */
/*
 * String port I/O (INS/OUTS) to or from guest-physical memory that is not
 * RAM: no memslot, or a DUET_MEM_READONLY one for INS (MMIO, which string
 * I/O does not emulate; this also covers guest page tables outside RAM).
 * data[0] = that guest-physical address, data[1] = the port, data[2] =
 * DUET_EXIT_IO_IN/OUT.  Reported instead of the I/O exit, it leaves the
 * registers as they were: a DUET_RUN runs the instruction again.  Reported
 * by the DUET_RUN that completes an INS (the slot went away in between),
 * the registers have already advanced and the batch is lost.
 */
#define DUET_INTERNAL_STRING_IO		3
/*
 * An access outside guest RAM by an instruction that duet does not
 * emulate (see DUET_EXIT_MMIO), or whose bytes do not decode; also an
 * intercepted MOV to or from DRn, without decode assists, whose bytes are
 * not that instruction or are outside RAM (bits 15:8 of data[3]: 1 or 3,
 * as the fetch's reason).  data[0] =
 * its RIP, data[1] and data[2] = its first 16 bytes (little-endian, as
 * fetched; zero beyond what was fetched), data[3] bits 7:0 = bytes
 * fetched and bits 15:8 = why (1 decode, 2 not emulated, 4 an access
 * outside RAM across two pages).  Nothing moved: RIP and the registers
 * are as they were, and a DUET_RUN faults the same way again.
 */
#define DUET_INTERNAL_EMULATION_FAILED	4
/*
 * An intercepted instruction to complete whose end duet cannot tell
 * (no nrip_save and no known length); data[0] = the hardware exit code.
 */
#define DUET_INTERNAL_NO_NEXT_RIP	5

/*
 * The run area: mmap() DUET_GET_VCPU_MMAP_SIZE bytes of a vCPU fd at offset
 * 0.  The kernel fills it before DUET_RUN returns; userspace completes an
 * IN or MMIO read by writing the data before the next DUET_RUN.
 *
 * Port I/O (DUET_EXIT_IO) carries @io.count elements of @io.size bytes,
 * packed in order at @io.data_offset from the start of the run area; an
 * element of 2 or 4 bytes is little-endian.  IN/OUT have one element.
 * The string forms INS/OUTS (also with REP) exit with a batch of 1 or
 * more elements, never more than fit in one page (4096 bytes) of data:
 *
 *  - OUTS: the elements, read from guest memory in the order the
 *    instruction accesses them (downwards with RFLAGS.DF set), are in the
 *    data area when DUET_RUN returns; send them to the port in turn.
 *  - INS: write the elements, in the order the port gives them, to the
 *    data area; the next DUET_RUN stores them to guest memory (the first
 *    at ES:rDI, then upwards, or downwards with DF).
 *
 * At the exit rSI/rDI and, with REP, rCX have already advanced over the
 * batch; RIP points past the instruction only when the string is done.
 * Otherwise it still points at the instruction, which runs again on the
 * next DUET_RUN and exits with the next batch (a batch never crosses a
 * 4 KiB page of the guest's linear addresses).  REP with rCX = 0 does not
 * exit.  A string access that faults (#GP, #SS or #PF from the guest's
 * own page tables) is delivered to the guest before any element moves;
 * one that reaches memory that is not RAM ends in DUET_EXIT_INTERNAL_ERROR
 * with DUET_INTERNAL_STRING_IO.
 */
/*
 * MMIO
 * ----
 * A guest access to guest-physical memory that no slot backs, or a write
 * to a DUET_MEM_READONLY slot, is emulated by duet: it decodes the
 * instruction and exits with DUET_EXIT_MMIO once per access outside RAM,
 * with @mmio.phys_addr (the exact address of the access), @mmio.len (1,
 * 2, 4 or 8) and @mmio.is_write; @mmio.fault_info is the backend's
 * nested-fault code (SVM: the NPF's EXITINFO1).  Userspace only moves
 * data, never RIP or registers:
 *
 *  - a write (@is_write 1) carries the value in @mmio.data (little-endian
 *    in its low @len bytes); the instruction is complete at the exit
 *    (registers, RFLAGS and RIP updated), so the next DUET_RUN just
 *    resumes the guest;
 *  - a read (@is_write 0): write the value to @mmio.data before the next
 *    DUET_RUN (its low @len bytes count); that DUET_RUN completes the
 *    instruction with it, which for a read-modify-write (ADD, OR, AND,
 *    XOR, SUB, ADC, SBB, INC, DEC, NOT, NEG, BTS/BTR/BTC, XCHG) ends at
 *    once in the write exit of the result, without entering the guest.
 *    CMP, TEST and BT only read.
 *
 * Emulated: MOV in every register, immediate and moffs form (A0-A3),
 * MOVZX, MOVSX, MOVSXD, STOS and MOVS (REP too; MOVS with RAM on one side
 * or MMIO on both), the ALU forms with a memory operand (00-3B, 80-83),
 * TEST (84/85, F6/F7 /0), INC/DEC/NOT/NEG, XCHG (86/87), BT/BTS/BTR/BTC
 * with a register or imm8 offset.  LOCK is emulated without atomicity.
 * REP STOS/MOVS exit once per element outside RAM, with rCX, rSI and rDI
 * already advanced by that element and RIP left on the instruction until
 * rCX reaches 0; the CPU moves the elements in RAM itself.
 *
 * Faults the guest's own page tables or segments raise for the
 * instruction or its operands (#PF with CR2, #GP, #SS) are delivered to
 * the guest with no exit.  Any other instruction, or an access outside
 * RAM that straddles two pages, ends in DUET_EXIT_INTERNAL_ERROR with
 * DUET_INTERNAL_EMULATION_FAILED.  A fault of the CPU's own access (its
 * page walk reaching memory outside RAM, an instruction fetch from it, or
 * event delivery) is not an instruction's access: it exits with @len 0
 * and RIP unchanged, and a DUET_RUN meets it again.
 */
struct duet_run {
	__u32 exit_reason;	/* out: DUET_EXIT_* */
	/* in: exit with DUET_EXIT_IRQ_WINDOW_OPEN once interrupts can go in */
	__u32 request_interrupt_window;
	__u64 hw_exit_code;	/* out: the backend's raw exit code */
	/* out: RFLAGS.IF, and whether DUET_INJECT_EVENT of an interrupt
	 * would be delivered at once (IF set, no interrupt shadow, nothing
	 * pending)
	 */
	__u32 if_flag;
	__u32 ready_for_interrupt;
	union {
		/*
		 * DUET_EXIT_IO: @count items of @size bytes at @data_offset
		 * (see above; at most 4096 bytes for a string instruction)
		 */
		struct {
			__u32 direction;	/* DUET_EXIT_IO_IN/OUT */
			__u32 size;		/* 1, 2 or 4 */
			__u32 port;
			__u32 count;
			__u64 data_offset;	/* from the start of the run area */
		} io;
		/*
		 * DUET_EXIT_MMIO: one access of @len (1, 2, 4 or 8) bytes at
		 * guest-physical @phys_addr; see "MMIO" above.
		 */
		struct {
			__u64 phys_addr;
			__u64 fault_info;	/* the backend's fault code */
			__u64 data;
			__u32 len;
			__u32 is_write;
		} mmio;
		/* DUET_EXIT_HYPERCALL: guest RAX, RBX, RCX, RDX, RSI; @ret to RAX */
		struct {
			__u64 nr;
			__u64 args[4];
			__u64 ret;
		} hypercall;
		/*
		 * DUET_EXIT_MSR (DUET_VM_USER_MSR): RDMSR (is_write 0) of
		 * @index, or WRMSR (is_write 1) of @data; RIP still points
		 * at the instruction and @error is 0.  The next DUET_RUN
		 * completes it: with @error 0, a RDMSR loads EDX:EAX from
		 * @data, and RIP moves past the instruction; with @error 1,
		 * the instruction raises #GP(0) instead (replacing an
		 * exception queued meanwhile with DUET_INJECT_EVENT).  Any
		 * other @error fails DUET_RUN with -EINVAL and leaves the
		 * exit open.  Change RIP only after completing it.
		 */
		struct {
			__u32 index;
			__u32 is_write;
			__u64 data;
			__u32 error;
			__u32 padding;
		} msr;
		/* DUET_EXIT_INTERNAL_ERROR */
		struct {
			__u32 suberror;
			__u32 ndata;
			__u64 data[4];
		} internal;
		__u64 pad[32];
	};
};

#endif /* _UAPI_LINUX_DUET_H */
