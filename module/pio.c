// SPDX-License-Identifier: GPL-2.0
/*
 * String port I/O, INS and OUTS with or without REP, for both backends
 * (SDM "INS/INSB/INSW/INSD" and "OUTS/OUTSB/OUTSW/OUTSD", APM "IOIO
 * Intercepts").  The backend decodes its exit into a struct duet_pio_exit
 * (port, size, direction, REP, address size, effective segment); the rest
 * is the same on SVM and VMX and lives here.
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
 */
#include <linux/mm.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "duet.h"
#include "x86/decode.h"

/* Longest x86 instruction (SDM "Instruction Format"). */
#define PIO_MAX_INSN_LEN	15

/*
 * Both backends keep the guest's GPRs in regs[] in the order of their
 * register numbers (SDM "Register Encodings").
 */
#define PIO_REG_RCX		1
#define PIO_REG_RSI		6
#define PIO_REG_RDI		7

/* Segment attribute bits in the packed VMCB form (struct duet_segment). */
#define PIO_ATTR_TYPE_ACCESS	BIT(1)	/* data: writable, code: readable */
#define PIO_ATTR_TYPE_EXPAND_DOWN BIT(2)
#define PIO_ATTR_TYPE_CODE	BIT(3)
#define PIO_ATTR_S		BIT(4)	/* code or data, not system */
#define PIO_ATTR_P		BIT(7)
#define PIO_ATTR_DB		BIT(10)

/* 32-bit linear addresses outside 64-bit mode. */
static u64 pio_lin_mask(const struct duet_pio_exit *io)
{
	return io->mode64 ? ~0ULL : 0xffffffffULL;
}

/*
 * Decode the prefixes and opcode of INS/OUTS (6Ch-6Fh) from @insn: 0, or
 * -EINVAL when the bytes are not such an instruction.  In 64-bit mode a
 * REX byte counts only right before the opcode; segment overrides are
 * reported even where 64-bit mode ignores their base.  The last of
 * several segment overrides wins.
 */
DUET_VISIBLE_IF_KUNIT int duet_pio_scan(const u8 *insn, unsigned int len,
					bool mode64, struct duet_pio_insn *p)
{
	unsigned int i;
	u8 rex = 0;

	memset(p, 0, sizeof(*p));
	p->seg = -1;
	for (i = 0; i < len && i < PIO_MAX_INSN_LEN; i++) {
		u8 b = insn[i];

		if (mode64 && (b & 0xf0) == 0x40) {
			rex = b;
			continue;
		}
		switch (b) {
		case 0x26:
			p->seg = DUET_X86_SEG_ES;
			break;
		case 0x2e:
			p->seg = DUET_X86_SEG_CS;
			break;
		case 0x36:
			p->seg = DUET_X86_SEG_SS;
			break;
		case 0x3e:
			p->seg = DUET_X86_SEG_DS;
			break;
		case 0x64:
			p->seg = DUET_X86_SEG_FS;
			break;
		case 0x65:
			p->seg = DUET_X86_SEG_GS;
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
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_pio_scan);

/*
 * How many elements one exit moves: all that are @left, at most a data
 * area's worth and what the segment's @room (bytes from the first element
 * on, in the string's direction) holds, without leaving the 4 KiB page of
 * linear addresses that the first element starts in at @page_off or
 * wrapping the effective address @ea around @ea_mask.  A first element
 * that straddles two pages goes alone.  0 only when nothing is left.
 */
DUET_VISIBLE_IF_KUNIT u32 duet_pio_batch(u64 left, u64 ea, u64 ea_mask,
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
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_pio_batch);

/*
 * Bytes segment @s allows from the element of @size bytes at offset @ea
 * on, in the string's direction (up to the limit, or down to the lowest
 * valid offset), or 0 when that first element is already out of bounds or
 * the segment cannot be used (SDM "Limit Checking", "Type Checking").
 * Only @checked (protected mode) looks at presence and type: INS (@write)
 * needs a writable data segment, OUTS a data or readable code segment.
 */
DUET_VISIBLE_IF_KUNIT u64 duet_pio_seg_room(const struct duet_pio_seg *s,
					    u64 ea, u32 size, bool down,
					    bool write, bool checked)
{
	bool data = !(s->attrib & PIO_ATTR_TYPE_CODE);
	bool access = s->attrib & PIO_ATTR_TYPE_ACCESS;
	u64 lo = 0, hi = s->limit;

	if (checked) {
		if (!(s->attrib & PIO_ATTR_P) || !(s->attrib & PIO_ATTR_S))
			return 0;
		if (write ? !data || !access : !data && !access)
			return 0;
	}
	/* Expand-down: the valid offsets are above the limit. */
	if (data && (s->attrib & PIO_ATTR_TYPE_EXPAND_DOWN)) {
		lo = (u64)s->limit + 1;
		hi = s->attrib & PIO_ATTR_DB ? 0xffffffffULL : 0xffffULL;
	}
	if (ea < lo || ea + size - 1 > hi)
		return 0;
	return down ? ea + size - lo : hi - ea + 1;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_pio_seg_room);

/*
 * Fill in what the exit left unknown (io->ea_mask 0, io->seg -1) from the
 * prefixes @p, as the CPU decides them: a 67h prefix flips the address
 * size of the mode (64 to 32 bits, or CS.D's 32/16 bits); OUTS reads
 * through DS unless overridden, INS always writes through ES.
 */
void duet_pio_use_prefixes(struct duet_pio_exit *io,
			   const struct duet_pio_insn *p, bool cs_db)
{
	if (!io->ea_mask) {
		if (io->mode64)
			io->ea_mask = p->addr_size ? 0xffffffff : ~0ULL;
		else
			io->ea_mask = cs_db != p->addr_size ? 0xffffffff : 0xffff;
	}
	if (io->seg < 0) {
		if (io->in)
			io->seg = DUET_X86_SEG_ES;
		else
			io->seg = p->seg >= 0 ? p->seg : DUET_X86_SEG_DS;
	}
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_pio_use_prefixes);

/*
 * The mode-dependent part of a string exit: @mode64, the string's
 * direction and the page-walk access from @rflags and @cpl, whether
 * protected-mode segment checks apply (@cr0.PE outside virtual-8086
 * mode).  Nothing is known yet of the address size and segment.
 */
void duet_pio_begin(struct duet_pio_exit *io, bool mode64, u64 cr0,
		    u64 rflags, u8 cpl)
{
	io->mode64 = mode64;
	io->down = rflags & X86_EFLAGS_DF;
	io->checked = (cr0 & X86_CR0_PE) && !(rflags & X86_EFLAGS_VM);
	io->access = (io->in ? DUET_PFERR_WRITE : 0) |
		     (cpl == 3 ? DUET_PFERR_USER : 0) |
		     (rflags & X86_EFLAGS_AC ? DUET_WALK_AC : 0);
	io->ea_mask = 0;
	io->seg = -1;
	io->vector = -1;
	io->skip = false;
}

/*
 * Read the instruction that exited, @len bytes at linear address @la
 * (CS:RIP), and decode its prefixes into @p.  Faults of the read go to
 * @forward (the backend's DUET_GMEM_FORWARD handler, given the vCPU),
 * which injects #PF/#GP: then DUET_PIO_RESUME.  Memory that is not RAM
 * ends in io->bad_gpa (-ENOENT/-EPERM).  Bytes that are not the INS/OUTS
 * that exited (changed meanwhile) resume the guest to run it again.
 */
int duet_pio_fetch(struct duet_vcpu *vcpu, struct duet_pio_exit *io, u64 la,
		   u64 len, int (*forward)(void *opaque,
					   const struct duet_gmem_fault *f),
		   struct duet_pio_insn *p)
{
	/* The CPU fetched these bytes: accessed bits are already set. */
	u32 access = DUET_PFERR_FETCH | DUET_WALK_NO_AD |
		     (io->access & DUET_PFERR_USER);
	struct duet_gmem_ctx ctx = {
		.policy = DUET_GMEM_FORWARD,
		.forward = forward,
		.opaque = vcpu,
	};
	u64 lin_mask = pio_lin_mask(io);
	u8 insn[PIO_MAX_INSN_LEN];
	unsigned int done;
	u64 a, n, got;
	bool is_ins;
	int r;

	/* Cannot be, as the CPU reports it: run the instruction again. */
	if (!len || len > sizeof(insn))
		return DUET_PIO_RESUME;

	/* In two parts where 32-bit linear addresses wrap around. */
	for (done = 0; done < len; done += n) {
		a = (la + done) & lin_mask;
		n = min_t(u64, len - done, lin_mask - a + 1);
		r = duet_gmem_read_gva(vcpu->vm, &io->mode, a, access,
				       insn + done, n, &ctx, &got);
		if (r < 0)
			io->bad_gpa = ctx.fault.gpa;
		if (r)
			return r;
	}
	if (duet_pio_scan(insn, len, io->mode64, p) || p->len != len)
		return DUET_PIO_RESUME;
	/* 6Ch/6Dh are INS, 6Eh/6Fh OUTS. */
	is_ins = p->opcode == 0x6c || p->opcode == 0x6d;
	if (is_ins != io->in)
		return DUET_PIO_RESUME;
	return 0;
}

/* Raise @vector with @error_code (the backend injects it); nothing moves. */
static int pio_fault(struct duet_pio_exit *io, unsigned int vector,
		     u32 error_code)
{
	io->vector = vector;
	io->error_code = error_code;
	return DUET_PIO_RESUME;
}

/* #GP(0), or #SS(0) for a reference through SS. */
static int pio_seg_fault(struct duet_pio_exit *io)
{
	return pio_fault(io, io->seg == DUET_X86_SEG_SS ? X86_TRAP_SS :
			 X86_TRAP_GP, 0);
}

/* Translate linear @la; #PF (with CR2) when the guest would take one. */
static int pio_translate(struct duet_vcpu *vcpu, struct duet_pio_exit *io,
			 u64 la, u64 *gpa)
{
	struct duet_walk_result res;
	int r;

	r = duet_walk(vcpu->vm, &io->mode, la, io->access, &res);
	if (r) {
		/* A paging-structure entry outside guest RAM. */
		io->bad_gpa = res.pte_gpa;
		return r;
	}
	if (res.fault) {
		io->cr2 = la;
		return pio_fault(io, X86_TRAP_PF, res.error_code);
	}
	*gpa = res.gpa;
	return 0;
}

/*
 * The first element's effective and linear address, and the room the
 * segment leaves: 64-bit mode uses only FS and GS bases and has no
 * limits; elsewhere the segment's limit, and in protected mode its type,
 * apply.
 */
static int pio_linear(struct duet_pio_exit *io, const unsigned long *regs)
{
	io->ea = regs[io->in ? PIO_REG_RDI : PIO_REG_RSI] & io->ea_mask;
	if (io->mode64) {
		io->la = io->ea;
		if (io->seg == DUET_X86_SEG_FS || io->seg == DUET_X86_SEG_GS)
			io->la += io->s.base;
		io->room = U64_MAX;
		return 0;
	}
	io->room = duet_pio_seg_room(&io->s, io->ea, io->size, io->down,
				     io->in, io->checked);
	if (!io->room)
		return pio_seg_fault(io);
	io->la = (io->s.base + io->ea) & pio_lin_mask(io);
	return 0;
}

/*
 * Find this batch in guest memory: its linear range must be canonical
 * and translate for the access; then check that it is RAM.
 */
static int pio_locate(struct duet_vcpu *vcpu, struct duet_pio_exit *io,
		      u32 count)
{
	struct duet_pio_string *mem = &io->mem;
	u64 bytes = (u64)count * io->size, lin_mask = pio_lin_mask(io);
	u64 lo, gpa;
	int r;

	lo = io->down ? (io->la - bytes + io->size) & lin_mask : io->la;
	if (io->mode64 && (!duet_walk_canonical(&io->mode, lo) ||
			   !duet_walk_canonical(&io->mode, lo + bytes - 1)))
		return pio_seg_fault(io);

	*mem = (struct duet_pio_string){
		.split = min_t(u64, bytes, PAGE_SIZE - offset_in_page(lo)),
		.size = io->size,
		.count = count,
		.port = io->port,
		.down = io->down,
	};
	/* The first element accessed faults first, at its own address. */
	r = pio_translate(vcpu, io, io->la, &gpa);
	if (r)
		return r;
	mem->gpa[0] = gpa - (io->la - lo);
	if (mem->split < bytes) {
		r = pio_translate(vcpu, io, (lo + mem->split) & lin_mask,
				  &mem->gpa[1]);
		if (r)
			return r;
	}

	r = duet_gpa_probe(vcpu->vm, mem->gpa[0], mem->split, io->in);
	if (r) {
		io->bad_gpa = mem->gpa[0];
		return r;
	}
	if (mem->split < bytes) {
		r = duet_gpa_probe(vcpu->vm, mem->gpa[1], bytes - mem->split,
				   io->in);
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
static void pio_set_reg(unsigned long *reg, u64 val, u64 ea_mask)
{
	if (ea_mask == 0xffff)
		*reg = (*reg & ~0xffffUL) | (val & 0xffff);
	else
		*reg = val & ea_mask;
}

/*
 * Move one batch of the string decoded in @io, with the guest's GPRs in
 * @regs (RSI/RDI and RCX are updated there) and io->s the effective
 * segment.  0 with the run area filled for the exit to userspace,
 * DUET_PIO_RESUME to resume the guest, or -errno (-ENOENT/-EPERM: not
 * RAM, at io->bad_gpa; -EAGAIN: a guest PTE changed under the walk).
 * Then the backend raises io->vector if it is set, or else moves RIP past
 * the instruction if io->skip says so; duet_pio_end() sorts the result.
 */
int duet_pio_string(struct duet_vcpu *vcpu, struct duet_pio_exit *io,
		    unsigned long *regs)
{
	struct duet_run *run = vcpu->run;
	u64 left, bytes;
	u32 count;
	int r;

	left = io->rep ? regs[PIO_REG_RCX] & io->ea_mask : 1;
	if (!left) {
		/* REP with a zero count: no element, no exception. */
		io->skip = true;
		return DUET_PIO_RESUME;
	}
	r = pio_linear(io, regs);
	if (r)
		return r;
	count = duet_pio_batch(left, io->ea, io->ea_mask,
			       offset_in_page(io->la), io->size, io->down,
			       io->room);
	r = pio_locate(vcpu, io, count);
	if (r)
		return r;

	if (io->in) {
		/* The data arrive with the next DUET_RUN. */
		vcpu->pio_string_in = io->mem;
	} else {
		r = duet_pio_string_copy(vcpu, &io->mem, false, &io->bad_gpa);
		if (r)
			return r;
	}

	bytes = (u64)count * io->size;
	pio_set_reg(&regs[io->in ? PIO_REG_RDI : PIO_REG_RSI],
		    io->down ? io->ea - bytes : io->ea + bytes, io->ea_mask);
	if (io->rep)
		pio_set_reg(&regs[PIO_REG_RCX], left - count, io->ea_mask);
	io->skip = !io->rep || left == count;

	run->exit_reason = DUET_EXIT_IO;
	run->io.direction = io->in ? DUET_EXIT_IO_IN : DUET_EXIT_IO_OUT;
	run->io.size = io->size;
	run->io.port = io->port;
	run->io.count = count;
	run->io.data_offset = DUET_PIO_DATA_OFFSET;
	return 0;
}

/*
 * What the exit handler returns for result @r of a string exit: 1 to
 * resume the guest, 0 to exit to userspace (memory that is not RAM: an
 * internal error exit), or -errno.
 */
int duet_pio_end(struct duet_vcpu *vcpu, const struct duet_pio_exit *io,
		 int r)
{
	switch (r) {
	case DUET_PIO_RESUME:
	case -EAGAIN:
		/* -EAGAIN: a guest PTE changed under the walk; retry. */
		return 1;
	case -ENOENT:
	case -EPERM:
		duet_vcpu_string_io_error(vcpu, io->bad_gpa, io->port,
					  io->in ? DUET_EXIT_IO_IN :
					  DUET_EXIT_IO_OUT);
		return 0;
	}
	return r;
}
