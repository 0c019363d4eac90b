// SPDX-License-Identifier: GPL-2.0
/*
 * SVM port I/O exits (IOIO): IN and OUT, and the string forms INS and
 * OUTS, with or without REP (APM "IOIO Intercepts" and the INS/OUTS
 * instruction references).
 *
 * A string instruction exits to userspace once per batch of elements: as
 * many as are left (RCX with REP, masked to the address size), at most one
 * data area's worth, and never across a 4 KiB page of linear addresses (a
 * single element that straddles two pages goes alone).  OUTS elements are
 * read from guest memory into the data area before the exit; INS elements
 * go from the data area to guest memory on the next DUET_RUN
 * (duet_vcpu_complete_userspace()).  RSI/RDI and RCX advance at the exit;
 * RIP moves past the instruction only once RCX reaches 0 (or without REP),
 * so the rest of a longer string exits again when the instruction
 * re-executes, and interrupts and NMIs get in between batches as they do
 * between iterations on a CPU.  REP with RCX = 0 moves nothing and only
 * skips the instruction.
 *
 * Faults come before any element of a batch moves, as the CPU raises them
 * for the first element it cannot access: #GP(0) (#SS(0) through SS) for a
 * segment type, limit or canonical violation, #PF with CR2 from the
 * guest's page tables.  Memory that is not guest RAM (no memslot, or a
 * read-only one for INS) would be MMIO, which string I/O does not emulate:
 * it ends in an internal error exit (DUET_INTERNAL_STRING_IO).
 *
 * The effective segment of OUTS (DS unless overridden) comes from
 * exit_info_1 with decode assists; without them, from the instruction's
 * prefixes, read from guest memory between RIP and the next RIP
 * (exit_info_2).  INS always writes through ES.  The address size comes
 * from exit_info_1, or where an implementation leaves it out (QEMU), from
 * the mode and the prefixes too.
 */
#include <linux/mm.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "svm_vcpu.h"

/* Longest x86 instruction (APM "Instruction Byte Order"). */
#define SVM_IO_MAX_INSN_LEN	15

/* Step results besides 0 (go on) and -errno: resume the guest as it is. */
#define SVM_IO_RESUME		1
/* What svm_gmem_forward() returns once the guest has its exception. */
static_assert(SVM_IO_RESUME == 1);

/* One string I/O exit being handled. */
struct svm_io_string {
	u32 info;			/* exit_info_1 */
	u16 port;
	bool in, rep, down, mode64;
	u32 size;			/* element size: 1, 2 or 4 */
	u32 access;			/* walk access type */
	u64 ea_mask;			/* address size */
	u64 lin_mask;			/* 32-bit linear addresses outside 64-bit mode */
	int seg;			/* SVM_SEG_* */
	u64 left;			/* elements left: RCX, or 1 */
	u64 ea;				/* first element: effective address */
	u64 la;				/* and linear address */
	u64 room;			/* bytes the segment allows that way */
	struct duet_walk_mode mode;
	struct duet_pio_string mem;	/* this batch in guest memory */
	u64 bad_gpa;			/* what was not RAM (-ENOENT/-EPERM) */
};

/*
 * Decode the prefixes and opcode of INS/OUTS (6Ch-6Fh) from @insn: 0, or
 * -EINVAL when the bytes are not such an instruction.  In 64-bit mode a
 * REX byte counts only right before the opcode; segment overrides are
 * reported even where 64-bit mode ignores their base.  The last of
 * several segment overrides wins.
 */
DUET_VISIBLE_IF_KUNIT int svm_io_scan(const u8 *insn, unsigned int len,
				      bool mode64, struct svm_io_insn *p)
{
	unsigned int i;
	u8 rex = 0;

	memset(p, 0, sizeof(*p));
	p->seg = -1;
	for (i = 0; i < len && i < SVM_IO_MAX_INSN_LEN; i++) {
		u8 b = insn[i];

		if (mode64 && (b & 0xf0) == 0x40) {
			rex = b;
			continue;
		}
		switch (b) {
		case 0x26:
			p->seg = SVM_SEG_ES;
			break;
		case 0x2e:
			p->seg = SVM_SEG_CS;
			break;
		case 0x36:
			p->seg = SVM_SEG_SS;
			break;
		case 0x3e:
			p->seg = SVM_SEG_DS;
			break;
		case 0x64:
			p->seg = SVM_SEG_FS;
			break;
		case 0x65:
			p->seg = SVM_SEG_GS;
			break;
		case 0x66:
			p->op_size = true;
			break;
		case 0x67:
			p->addr_size = true;
			break;
		case 0xf2:
		case 0xf3:
			p->rep = true;
			break;
		case 0xf0:	/* LOCK: #UD with INS/OUTS, never an exit */
			break;
		case 0x6c ... 0x6f:
			p->opcode = b;
			p->rex = rex;
			p->len = i + 1;
			return 0;
		default:
			return -EINVAL;
		}
		/* A legacy prefix after a REX makes the REX void. */
		rex = 0;
	}
	return -EINVAL;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(svm_io_scan);

/*
 * How many elements one exit moves: all that are @left, at most a data
 * area's worth and what the segment's @room (bytes from the first element
 * on, in the string's direction) holds, without leaving the 4 KiB page of
 * linear addresses that the first element starts in at @page_off or
 * wrapping the effective address @ea around @ea_mask.  A first element
 * that straddles two pages goes alone.  0 only when nothing is left.
 */
DUET_VISIBLE_IF_KUNIT u32 svm_io_batch(u64 left, u64 ea, u64 ea_mask,
				       unsigned int page_off, u32 size,
				       bool down, u64 room)
{
	u64 n, span, more;

	if (!left)
		return 0;
	if (page_off + size > PAGE_SIZE)
		return 1;
	n = min_t(u64, left, DUET_PIO_DATA_SIZE / size);
	n = min(n, room / size);
	if (!down) {
		n = min_t(u64, n, (PAGE_SIZE - page_off) / size);
		/* Elements after the first that end at or below @ea_mask. */
		span = ea_mask - ea;
		more = span >= size - 1 ? (span - (size - 1)) / size : 0;
	} else {
		n = min_t(u64, n, page_off / size + 1);
		more = ea / size;
	}
	if (n > 1 && more < n - 1)
		n = more + 1;
	return max_t(u64, n, 1);
}
EXPORT_SYMBOL_IF_DUET_KUNIT(svm_io_batch);

/*
 * Bytes segment @s allows from the element of @size bytes at offset @ea
 * on, in the string's direction (up to the limit, or down to the lowest
 * valid offset), or 0 when that first element is already out of bounds or
 * the segment cannot be used (APM "Segment-Protection Overview").  Only
 * @checked (protected mode) looks at presence and type: INS (@write)
 * needs a writable data segment, OUTS a data or readable code segment.
 */
DUET_VISIBLE_IF_KUNIT u64 svm_io_seg_room(const struct vmcb_seg *s, u64 ea,
					  u32 size, bool down, bool write,
					  bool checked)
{
	bool data = !(s->attrib & SVM_SEG_ATTR_TYPE_CODE);
	bool access = s->attrib & SVM_SEG_ATTR_TYPE_ACCESS;
	u64 lo = 0, hi = s->limit;

	if (checked) {
		if (!(s->attrib & SVM_SEG_ATTR_P) || !(s->attrib & SVM_SEG_ATTR_S))
			return 0;
		if (write ? !data || !access : !data && !access)
			return 0;
	}
	/* Expand-down: the valid offsets are above the limit. */
	if (data && (s->attrib & SVM_SEG_ATTR_TYPE_EXPAND_DOWN)) {
		lo = (u64)s->limit + 1;
		hi = s->attrib & SVM_SEG_ATTR_DB ? 0xffffffffULL : 0xffffULL;
	}
	if (ea < lo || ea + size - 1 > hi)
		return 0;
	return down ? ea + size - lo : hi - ea + 1;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(svm_io_seg_room);

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

/* Queue exception @vector with @error_code; the instruction stays put. */
static int svm_io_inject(struct vcpu_svm *svm, unsigned int vector,
			 u32 error_code)
{
	svm_inject_exception(svm, vector, error_code);
	return SVM_IO_RESUME;
}

/* #GP(0), or #SS(0) for a reference through SS. */
static int svm_io_seg_fault(struct vcpu_svm *svm, int seg)
{
	return svm_io_inject(svm, seg == SVM_SEG_SS ? X86_TRAP_SS : X86_TRAP_GP,
			     0);
}

/* Translate linear @la for @access; #PF (with CR2) when the guest would. */
static int svm_io_translate(struct vcpu_svm *svm, struct svm_io_string *io,
			    u64 la, u32 access, u64 *gpa)
{
	struct duet_walk_result res;
	int r;

	r = duet_walk(svm->vcpu.vm, &io->mode, la, access, &res);
	if (r) {
		/* A paging-structure entry outside guest RAM. */
		io->bad_gpa = res.pte_gpa;
		return r;
	}
	if (res.fault) {
		svm->vmcb->save.cr2 = la;
		return svm_io_inject(svm, X86_TRAP_PF, res.error_code);
	}
	*gpa = res.gpa;
	return 0;
}

/*
 * Read the instruction that exited (RIP up to the next RIP) from guest
 * memory and decode its prefixes.  The read forwards its faults
 * (svm_gmem_forward()): #PF with CR2 from the guest's page tables goes to
 * the guest; memory that is not RAM ends in io->bad_gpa.
 */
static int svm_io_fetch(struct vcpu_svm *svm, struct svm_io_string *io,
			struct svm_io_insn *p)
{
	struct vmcb_save_area *save = &svm->vmcb->save;
	/* The CPU fetched these bytes: accessed bits are already set. */
	u32 access = DUET_PFERR_FETCH | DUET_WALK_NO_AD |
		     (io->access & DUET_PFERR_USER);
	struct duet_gmem_ctx ctx = {
		.policy = DUET_GMEM_FORWARD,
		.forward = svm_gmem_forward,
		.opaque = &svm->vcpu,
	};
	u8 insn[SVM_IO_MAX_INSN_LEN];
	u64 rip_mask, len, la, a, n, got;
	unsigned int done;
	bool is_ins;
	int r;

	if (io->mode64)
		rip_mask = ~0ULL;
	else
		rip_mask = save->cs.attrib & SVM_SEG_ATTR_DB ? 0xffffffffULL : 0xffffULL;
	len = (svm->vmcb->control.exit_info_2 - save->rip) & rip_mask;
	/* Cannot be, as the CPU reports it: run the instruction again. */
	if (!len || len > sizeof(insn))
		return SVM_IO_RESUME;
	la = io->mode64 ? save->rip : save->cs.base + save->rip;

	/* In two parts where 32-bit linear addresses wrap around. */
	for (done = 0; done < len; done += n) {
		a = (la + done) & io->lin_mask;
		n = min_t(u64, len - done, io->lin_mask - a + 1);
		r = duet_gmem_read_gva(svm->vcpu.vm, &io->mode, a, access,
				       insn + done, n, &ctx, &got);
		if (r < 0)
			io->bad_gpa = ctx.fault.gpa;
		if (r)
			return r;
	}
	/* Other bytes than those that exited (changed meanwhile): retry. */
	if (svm_io_scan(insn, len, io->mode64, p) || p->len != len)
		return SVM_IO_RESUME;
	/* 6Ch/6Dh are INS, 6Eh/6Fh OUTS. */
	is_ins = p->opcode == 0x6c || p->opcode == 0x6d;
	if (is_ins != io->in)
		return SVM_IO_RESUME;
	return 0;
}

/*
 * The address size and the effective segment.  exit_info_1 reports the
 * address size (APM "IOIO Intercept Information") and, with decode
 * assists, the segment; without them the segment of OUTS comes from the
 * instruction's prefixes.  QEMU's SVM model leaves the address-size bits
 * clear: then the mode and a 67h prefix decide, as they do for the CPU.
 */
static int svm_io_decode(struct vcpu_svm *svm, struct svm_io_string *io)
{
	u32 asz = io->info & (SVM_IOIO_A16 | SVM_IOIO_A32 | SVM_IOIO_A64);
	int seg = (io->info & SVM_IOIO_SEG_MASK) >> SVM_IOIO_SEG_SHIFT;
	bool seg_known = io->in || (duet_caps.decode_assists && seg <= SVM_SEG_GS);
	struct svm_io_insn p = { .seg = -1 };
	bool wide;
	int r;

	if (!asz || !seg_known) {
		r = svm_io_fetch(svm, io, &p);
		if (r)
			return r;
	}

	if (asz & SVM_IOIO_A16) {
		io->ea_mask = 0xffff;
	} else if (asz & SVM_IOIO_A32) {
		io->ea_mask = 0xffffffff;
	} else if (asz & SVM_IOIO_A64) {
		io->ea_mask = ~0ULL;
	} else if (io->mode64) {
		io->ea_mask = p.addr_size ? 0xffffffff : ~0ULL;
	} else {
		wide = !!(svm->vmcb->save.cs.attrib & SVM_SEG_ATTR_DB) != p.addr_size;
		io->ea_mask = wide ? 0xffffffff : 0xffff;
	}

	if (io->in)
		io->seg = SVM_SEG_ES;
	else if (seg_known)
		io->seg = seg;
	else
		io->seg = p.seg >= 0 ? p.seg : SVM_SEG_DS;
	return 0;
}

/*
 * The first element's effective and linear address, and the room the
 * segment leaves: 64-bit mode uses only FS and GS bases and has no
 * limits; elsewhere the segment's limit, and in protected mode its type,
 * apply.
 */
static int svm_io_linear(struct vcpu_svm *svm, struct svm_io_string *io)
{
	struct vmcb_save_area *save = &svm->vmcb->save;
	const struct vmcb_seg *s = svm_io_seg(save, io->seg);
	bool checked;

	io->ea = svm->regs[io->in ? VCPU_REGS_RDI : VCPU_REGS_RSI] & io->ea_mask;
	if (io->mode64) {
		io->la = io->ea;
		if (io->seg == SVM_SEG_FS || io->seg == SVM_SEG_GS)
			io->la += s->base;
		io->room = U64_MAX;
		return 0;
	}
	checked = (save->cr0 & X86_CR0_PE) && !(save->rflags & X86_EFLAGS_VM);
	io->room = svm_io_seg_room(s, io->ea, io->size, io->down, io->in,
				   checked);
	if (!io->room)
		return svm_io_seg_fault(svm, io->seg);
	io->la = (s->base + io->ea) & io->lin_mask;
	return 0;
}

/*
 * Find this batch in guest memory: its linear range must be canonical
 * and translate for the access; then check that it is RAM.
 */
static int svm_io_locate(struct vcpu_svm *svm, struct svm_io_string *io,
			 u32 count)
{
	struct duet_pio_string *mem = &io->mem;
	u64 bytes = (u64)count * io->size, lo, gpa;
	int r;

	lo = io->down ? (io->la - bytes + io->size) & io->lin_mask : io->la;
	if (io->mode64 && (!duet_walk_canonical(&io->mode, lo) ||
			   !duet_walk_canonical(&io->mode, lo + bytes - 1)))
		return svm_io_seg_fault(svm, io->seg);

	*mem = (struct duet_pio_string){
		.split = min_t(u64, bytes, PAGE_SIZE - offset_in_page(lo)),
		.size = io->size,
		.count = count,
		.port = io->port,
		.down = io->down,
	};
	/* The first element accessed faults first, at its own address. */
	r = svm_io_translate(svm, io, io->la, io->access, &gpa);
	if (r)
		return r;
	mem->gpa[0] = gpa - (io->la - lo);
	if (mem->split < bytes) {
		r = svm_io_translate(svm, io, (lo + mem->split) & io->lin_mask,
				     io->access, &mem->gpa[1]);
		if (r)
			return r;
	}

	r = duet_gpa_probe(svm->vcpu.vm, mem->gpa[0], mem->split, io->in);
	if (r) {
		io->bad_gpa = mem->gpa[0];
		return r;
	}
	if (mem->split < bytes) {
		r = duet_gpa_probe(svm->vcpu.vm, mem->gpa[1],
				   bytes - mem->split, io->in);
		if (r) {
			io->bad_gpa = mem->gpa[1];
			return r;
		}
	}
	return 0;
}

/*
 * Write an address-size register: a 16-bit address size changes only its
 * low word; a 32-bit one zero-extends, as every 32-bit register write does
 * in 64-bit mode.
 */
static void svm_io_set_reg(unsigned long *reg, u64 val, u64 ea_mask)
{
	if (ea_mask == 0xffff)
		*reg = (*reg & ~0xffffUL) | (val & 0xffff);
	else
		*reg = val & ea_mask;
}

static int svm_io_string(struct vcpu_svm *svm, struct svm_io_string *io)
{
	struct vmcb_save_area *save = &svm->vmcb->save;
	struct duet_run *run = svm->vcpu.run;
	unsigned long *regs = svm->regs;
	u64 bytes;
	u32 count;
	int r;

	io->mode64 = (save->efer & EFER_LMA) && (save->cs.attrib & SVM_SEG_ATTR_L);
	io->lin_mask = io->mode64 ? ~0ULL : 0xffffffffULL;
	io->down = save->rflags & X86_EFLAGS_DF;
	io->access = (io->in ? DUET_PFERR_WRITE : 0) |
		     (save->cpl == 3 ? DUET_PFERR_USER : 0) |
		     (save->rflags & X86_EFLAGS_AC ? DUET_WALK_AC : 0);
	svm_walk_mode(svm, &io->mode);

	r = svm_io_decode(svm, io);
	if (r)
		return r;
	io->left = io->rep ? regs[VCPU_REGS_RCX] & io->ea_mask : 1;
	if (!io->left) {
		/* REP with a zero count: no element, no exception. */
		svm_io_next_insn(svm);
		return SVM_IO_RESUME;
	}
	r = svm_io_linear(svm, io);
	if (r)
		return r;
	count = svm_io_batch(io->left, io->ea, io->ea_mask,
			     offset_in_page(io->la), io->size, io->down,
			     io->room);
	r = svm_io_locate(svm, io, count);
	if (r)
		return r;

	if (io->in) {
		/* The data arrive with the next DUET_RUN. */
		svm->vcpu.pio_string_in = io->mem;
	} else {
		r = duet_pio_string_copy(&svm->vcpu, &io->mem, false,
					 &io->bad_gpa);
		if (r)
			return r;
	}

	bytes = (u64)count * io->size;
	svm_io_set_reg(&regs[io->in ? VCPU_REGS_RDI : VCPU_REGS_RSI],
		       io->down ? io->ea - bytes : io->ea + bytes, io->ea_mask);
	if (io->rep)
		svm_io_set_reg(&regs[VCPU_REGS_RCX], io->left - count,
			       io->ea_mask);
	if (!io->rep || io->left == count)
		svm_io_next_insn(svm);

	run->exit_reason = DUET_EXIT_IO;
	run->io.direction = io->in ? DUET_EXIT_IO_IN : DUET_EXIT_IO_OUT;
	run->io.size = io->size;
	run->io.port = io->port;
	run->io.count = count;
	run->io.data_offset = DUET_PIO_DATA_OFFSET;
	return 0;
}

int io_interception(struct vcpu_svm *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	struct duet_run *run = svm->vcpu.run;
	u32 info = c->exit_info_1;
	struct svm_io_string io = {
		.info = info,
		.port = info >> SVM_IOIO_PORT_SHIFT,
		.in = info & SVM_IOIO_TYPE_IN,
		.rep = info & SVM_IOIO_REP,
		.size = (info & SVM_IOIO_SIZE_MASK) >> SVM_IOIO_SIZE_SHIFT,
	};
	int r;

	svm->vcpu.stats.io_exits++;
	if (info & SVM_IOIO_STR) {
		r = svm_io_string(svm, &io);
		/* A guest PTE changed under the walk: let the CPU retry. */
		if (r == -EAGAIN)
			return 1;
		if (r == -ENOENT || r == -EPERM) {
			duet_vcpu_string_io_error(&svm->vcpu, io.bad_gpa,
						  io.port, io.in ?
						  DUET_EXIT_IO_IN :
						  DUET_EXIT_IO_OUT);
			return 0;
		}
		return r;
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
