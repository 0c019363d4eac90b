/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMCB, laid out as in the APM ("VMCB Layout, Control Area" and
 * "VMCB Layout, State Save Area").  duet keeps its own definition so that
 * it builds against kernels whose private svm.h differs.
 */
#ifndef DUET_SVM_VMCB_H
#define DUET_SVM_VMCB_H

#include <linux/build_bug.h>
#include <linux/types.h>

/* Intercept vector 3 (offset 00Ch), bit numbers. */
enum {
	INTERCEPT_INTR = 0,
	INTERCEPT_NMI,
	INTERCEPT_SMI,
	INTERCEPT_INIT,
	INTERCEPT_VINTR,
	INTERCEPT_CR0_SEL_WRITE,
	INTERCEPT_IDTR_READ,
	INTERCEPT_GDTR_READ,
	INTERCEPT_LDTR_READ,
	INTERCEPT_TR_READ,
	INTERCEPT_IDTR_WRITE,
	INTERCEPT_GDTR_WRITE,
	INTERCEPT_LDTR_WRITE,
	INTERCEPT_TR_WRITE,
	INTERCEPT_RDTSC,
	INTERCEPT_RDPMC,
	INTERCEPT_PUSHF,
	INTERCEPT_POPF,
	INTERCEPT_CPUID,
	INTERCEPT_RSM,
	INTERCEPT_IRET,
	INTERCEPT_INTn,
	INTERCEPT_INVD,
	INTERCEPT_PAUSE,
	INTERCEPT_HLT,
	INTERCEPT_INVLPG,
	INTERCEPT_INVLPGA,
	INTERCEPT_IOIO_PROT,
	INTERCEPT_MSR_PROT,
	INTERCEPT_TASK_SWITCH,
	INTERCEPT_FERR_FREEZE,
	INTERCEPT_SHUTDOWN,
};

/* Intercept vector 4 (offset 010h), bit numbers. */
enum {
	INTERCEPT_VMRUN = 0,
	INTERCEPT_VMMCALL,
	INTERCEPT_VMLOAD,
	INTERCEPT_VMSAVE,
	INTERCEPT_STGI,
	INTERCEPT_CLGI,
	INTERCEPT_SKINIT,
	INTERCEPT_RDTSCP,
	INTERCEPT_ICEBP,
	INTERCEPT_WBINVD,
	INTERCEPT_MONITOR,
	INTERCEPT_MWAIT,
	INTERCEPT_MWAIT_COND,
	INTERCEPT_XSETBV,
};

struct vmcb_control_area {
	u32 intercept_cr;		/* 000h: reads [15:0], writes [31:16] */
	u32 intercept_dr;		/* 004h: reads [15:0], writes [31:16] */
	u32 intercept_exceptions;	/* 008h */
	u32 intercept_misc1;		/* 00Ch: vector 3 */
	u32 intercept_misc2;		/* 010h: vector 4 */
	u32 intercept_misc3;		/* 014h: vector 5 */
	u8 reserved_1[0x3c - 0x18];
	u16 pause_filter_thresh;	/* 03Ch */
	u16 pause_filter_count;		/* 03Eh */
	u64 iopm_base_pa;		/* 040h */
	u64 msrpm_base_pa;		/* 048h */
	u64 tsc_offset;			/* 050h */
	u32 asid;			/* 058h */
	u8 tlb_ctl;			/* 05Ch */
	u8 reserved_2[3];
	u32 int_ctl;			/* 060h */
	u32 int_vector;			/* 064h */
	u32 int_state;			/* 068h */
	u8 reserved_3[4];
	u64 exit_code;			/* 070h */
	u64 exit_info_1;		/* 078h */
	u64 exit_info_2;		/* 080h */
	u32 exit_int_info;		/* 088h */
	u32 exit_int_info_err;		/* 08Ch */
	u64 nested_ctl;			/* 090h */
	u64 avic_vapic_bar;		/* 098h */
	u64 ghcb_gpa;			/* 0A0h */
	u32 event_inj;			/* 0A8h */
	u32 event_inj_err;		/* 0ACh */
	u64 nested_cr3;			/* 0B0h */
	u64 virt_ext;			/* 0B8h */
	u32 clean;			/* 0C0h */
	u32 reserved_5;
	u64 next_rip;			/* 0C8h */
	u8 insn_len;			/* 0D0h */
	u8 insn_bytes[15];
	u8 reserved_6[0x400 - 0xe0];
} __packed;

struct vmcb_seg {
	u16 selector;
	u16 attrib;
	u32 limit;
	u64 base;
} __packed;

struct vmcb_save_area {
	struct vmcb_seg es;		/* 400h */
	struct vmcb_seg cs;
	struct vmcb_seg ss;
	struct vmcb_seg ds;
	struct vmcb_seg fs;
	struct vmcb_seg gs;
	struct vmcb_seg gdtr;
	struct vmcb_seg ldtr;
	struct vmcb_seg idtr;
	struct vmcb_seg tr;
	u8 reserved_1[0x4cb - 0x4a0];
	u8 cpl;				/* 4CBh */
	u8 reserved_2[4];
	u64 efer;			/* 4D0h */
	u8 reserved_3[0x548 - 0x4d8];
	u64 cr4;			/* 548h */
	u64 cr3;
	u64 cr0;
	u64 dr7;
	u64 dr6;
	u64 rflags;
	u64 rip;			/* 578h */
	u8 reserved_4[0x5d8 - 0x580];
	u64 rsp;			/* 5D8h */
	u64 s_cet;
	u64 ssp;
	u64 isst_addr;
	u64 rax;			/* 5F8h */
	u64 star;
	u64 lstar;
	u64 cstar;
	u64 sfmask;
	u64 kernel_gs_base;
	u64 sysenter_cs;
	u64 sysenter_esp;
	u64 sysenter_eip;
	u64 cr2;			/* 640h */
	u8 reserved_5[0x668 - 0x648];
	u64 g_pat;			/* 668h */
	u64 dbgctl;
	u64 br_from;
	u64 br_to;
	u64 last_excp_from;
	u64 last_excp_to;
} __packed;

struct vmcb {
	struct vmcb_control_area control;
	struct vmcb_save_area save;
} __packed;

static_assert(offsetof(struct vmcb_control_area, exit_code) == 0x70);
static_assert(offsetof(struct vmcb_control_area, nested_cr3) == 0xb0);
static_assert(offsetof(struct vmcb_control_area, next_rip) == 0xc8);
static_assert(sizeof(struct vmcb_control_area) == 0x400);
static_assert(offsetof(struct vmcb, save.efer) == 0x4d0);
static_assert(offsetof(struct vmcb, save.rip) == 0x578);
static_assert(offsetof(struct vmcb, save.rax) == 0x5f8);
static_assert(offsetof(struct vmcb, save.cr2) == 0x640);
static_assert(offsetof(struct vmcb, save.g_pat) == 0x668);

/* TLB_CONTROL values. */
#define TLB_CONTROL_DO_NOTHING		0
#define TLB_CONTROL_FLUSH_ALL_ASID	1
#define TLB_CONTROL_FLUSH_ASID		3

/* int_ctl */
#define V_IRQ				BIT(8)
#define V_INTR_PRIO_SHIFT		16
#define V_IGN_TPR			BIT(20)
#define V_INTR_MASKING			BIT(24)

/* intercept_dr: MOV from DR0-DR7, MOV to DR0-DR7 (DR8-15 are #UD). */
#define SVM_INTERCEPT_DR_READ_0_7	0x000000ffU
#define SVM_INTERCEPT_DR_WRITE_0_7	0x00ff0000U

/* exit_info_1 of MOV DR intercepts with decode assists: the GPR. */
#define SVM_EXITINFO1_DR_GPR		0xfULL

/* int_state */
#define SVM_INTERRUPT_SHADOW		BIT(0)

/* nested_ctl */
#define NESTED_CTL_NP_ENABLE		BIT_ULL(0)

/* Exit codes (APM "SVM Intercept Exit Codes"). */
#define SVM_EXIT_READ_DR0		0x020	/* ... DR15: 0x02f */
#define SVM_EXIT_READ_DR7		0x027
#define SVM_EXIT_WRITE_DR0		0x030	/* ... DR15: 0x03f */
#define SVM_EXIT_WRITE_DR7		0x037
#define SVM_EXIT_EXCP_BASE		0x040
#define SVM_EXIT_INTR			0x060
#define SVM_EXIT_NMI			0x061
#define SVM_EXIT_SMI			0x062
#define SVM_EXIT_INIT			0x063
#define SVM_EXIT_VINTR			0x064
#define SVM_EXIT_RDTSC			0x06e
#define SVM_EXIT_RDPMC			0x06f
#define SVM_EXIT_CPUID			0x072
#define SVM_EXIT_IRET			0x074
#define SVM_EXIT_INVD			0x076
#define SVM_EXIT_PAUSE			0x077
#define SVM_EXIT_HLT			0x078
#define SVM_EXIT_INVLPGA		0x07a
#define SVM_EXIT_IOIO			0x07b
#define SVM_EXIT_MSR			0x07c
#define SVM_EXIT_SHUTDOWN		0x07f
#define SVM_EXIT_VMRUN			0x080
#define SVM_EXIT_VMMCALL		0x081
#define SVM_EXIT_VMLOAD			0x082
#define SVM_EXIT_VMSAVE			0x083
#define SVM_EXIT_STGI			0x084
#define SVM_EXIT_CLGI			0x085
#define SVM_EXIT_SKINIT			0x086
#define SVM_EXIT_RDTSCP			0x087
#define SVM_EXIT_ICEBP			0x088
#define SVM_EXIT_WBINVD			0x089
#define SVM_EXIT_MONITOR		0x08a
#define SVM_EXIT_MWAIT			0x08b
#define SVM_EXIT_MWAIT_COND		0x08c
#define SVM_EXIT_XSETBV			0x08d
#define SVM_EXIT_RDPRU			0x08e
#define SVM_EXIT_NPF			0x400
#define SVM_EXIT_INVALID		((u64)-1)

/* IOIO exit_info_1 (APM "IN/OUT Intercept Information"). */
#define SVM_IOIO_TYPE_IN		BIT(0)
#define SVM_IOIO_STR			BIT(2)
#define SVM_IOIO_REP			BIT(3)
#define SVM_IOIO_SIZE_SHIFT		4
#define SVM_IOIO_SIZE_MASK		(7 << SVM_IOIO_SIZE_SHIFT)
#define SVM_IOIO_A16			BIT(7)
#define SVM_IOIO_A32			BIT(8)
#define SVM_IOIO_A64			BIT(9)
/* The effective segment; valid only with decode assists. */
#define SVM_IOIO_SEG_SHIFT		10
#define SVM_IOIO_SEG_MASK		(7 << SVM_IOIO_SEG_SHIFT)
#define SVM_IOIO_PORT_SHIFT		16

/*
 * Segment numbers of the IOIO SEG field, which are also the order of the
 * segment registers in the state save area.
 */
enum {
	SVM_SEG_ES,
	SVM_SEG_CS,
	SVM_SEG_SS,
	SVM_SEG_DS,
	SVM_SEG_FS,
	SVM_SEG_GS,
};

/* EVENTINJ (APM "Event Injection") */
#define SVM_EVTINJ_VEC_MASK		0xff
#define SVM_EVTINJ_TYPE_INTR		(0 << 8)
#define SVM_EVTINJ_TYPE_NMI		(2 << 8)
#define SVM_EVTINJ_TYPE_EXEPT		(3 << 8)
#define SVM_EVTINJ_VALID_ERR		BIT(11)
#define SVM_EVTINJ_VALID		BIT(31)

/* Segment attribute bits in the packed VMCB form. */
#define SVM_SEG_ATTR_TYPE_ACCESS	BIT(1)	/* data: writable, code: readable */
#define SVM_SEG_ATTR_TYPE_EXPAND_DOWN	BIT(2)	/* data */
#define SVM_SEG_ATTR_TYPE_CODE		BIT(3)
#define SVM_SEG_ATTR_S			BIT(4)	/* code or data, not system */
#define SVM_SEG_ATTR_P			BIT(7)
#define SVM_SEG_ATTR_L			BIT(9)
#define SVM_SEG_ATTR_DB			BIT(10)

/* Segment attributes in the packed VMCB form. */
#define SVM_SEG_CODE_RX_ACCESSED	0x9b
#define SVM_SEG_DATA_RW_ACCESSED	0x93
#define SVM_SEG_LDT			0x82
#define SVM_SEG_TSS_BUSY		0x8b

#endif /* DUET_SVM_VMCB_H */
