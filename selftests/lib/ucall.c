// SPDX-License-Identifier: GPL-2.0
/*
 * duet selftests: ucalls over port I/O, both sides.
 *
 * The guest half runs inside the VM: it is built like the tests' guest
 * code (-mgeneral-regs-only, no stack protector, no libc calls; see the
 * Makefile) and keeps its struct ucall on the vCPU's own stack, so vCPUs
 * need no shared pool and no atomics.
 */
#include <stdio.h>

#include "guest.h"
#include "ucall.h"
#include "vm.h"

/* Guest side. */

static void ucall_arch_do_ucall(struct ucall *uc)
{
	asm volatile("outb %%al, %w[port]"
		     : : "a"(0), [port] "Nd"((__u16)UCALL_PIO_PORT), "D"(uc)
		     : "memory");
}

void ucall(__u64 cmd, int nargs, ...)
{
	struct ucall uc;
	va_list ap;
	int i;

	if (nargs > UCALL_MAX_ARGS)
		nargs = UCALL_MAX_ARGS;
	uc.cmd = cmd;
	uc.nargs = nargs;
	va_start(ap, nargs);
	for (i = 0; i < UCALL_MAX_ARGS; i++)
		uc.args[i] = i < nargs ? va_arg(ap, __u64) : 0;
	va_end(ap);
	uc.buffer[0] = '\0';
	ucall_arch_do_ucall(&uc);
}

void ucall_fmt(__u64 cmd, const char *fmt, ...)
{
	struct ucall uc;
	va_list ap;
	int i;

	uc.cmd = cmd;
	uc.nargs = 0;
	for (i = 0; i < UCALL_MAX_ARGS; i++)
		uc.args[i] = 0;
	va_start(ap, fmt);
	guest_vsnprintf(uc.buffer, sizeof(uc.buffer), fmt, ap);
	va_end(ap);
	ucall_arch_do_ucall(&uc);
}

void ucall_assert(const char *exp, const char *file, unsigned int line,
		  const char *fmt, ...)
{
	struct ucall uc;
	va_list ap;
	int i;

	uc.cmd = UCALL_ABORT;
	uc.nargs = GUEST_ASSERT_NARGS;
	for (i = 0; i < UCALL_MAX_ARGS; i++)
		uc.args[i] = 0;
	uc.args[GUEST_ERROR_STRING] = (uintptr_t)exp;
	uc.args[GUEST_FILE] = (uintptr_t)file;
	uc.args[GUEST_LINE] = line;
	va_start(ap, fmt);
	guest_vsnprintf(uc.buffer, sizeof(uc.buffer), fmt, ap);
	va_end(ap);
	ucall_arch_do_ucall(&uc);
}

void ucall_guest_returned(void)
{
	ucall_assert("guest code returned", __FILE__, __LINE__,
		     "end guest code with GUEST_DONE()");
	for (;;)
		guest_hlt();
}

/* Output of guest_vsnprintf(): @len counts what did not fit too. */
struct guest_out {
	char *buf;
	size_t size;
	size_t len;
};

static void out_char(struct guest_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_pad(struct guest_out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

struct guest_spec {
	bool alt;		/* '#' */
	bool zero;		/* '0' */
	bool left;		/* '-' */
	int width;
	int precision;		/* -1: none */
};

/* Print @s of @len chars, padded to the width. */
static void out_str(struct guest_out *o, const struct guest_spec *sp,
		    const char *s, int len)
{
	int i;

	if (!sp->left)
		out_pad(o, ' ', sp->width - len);
	for (i = 0; i < len; i++)
		out_char(o, s[i]);
	if (sp->left)
		out_pad(o, ' ', sp->width - len);
}

static void out_num(struct guest_out *o, const struct guest_spec *sp,
		    unsigned long long v, bool neg, unsigned int base,
		    bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	const char *prefix = "";
	int n = 0, plen, zeros = 0, len;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);

	if (neg)
		prefix = "-";
	else if (sp->alt && base == 16 && !(n == 1 && tmp[0] == '0'))
		prefix = upper ? "0X" : "0x";
	plen = neg || prefix[0] == '0' ? (neg ? 1 : 2) : 0;

	if (sp->precision > n)
		zeros = sp->precision - n;
	else if (sp->zero && !sp->left && sp->precision < 0 &&
		 sp->width > n + plen)
		zeros = sp->width - n - plen;
	len = plen + zeros + n;

	if (!sp->left)
		out_pad(o, ' ', sp->width - len);
	while (*prefix)
		out_char(o, *prefix++);
	out_pad(o, '0', zeros);
	while (n)
		out_char(o, tmp[--n]);
	if (sp->left)
		out_pad(o, ' ', sp->width - len);
}

static int guest_strnlen(const char *s, int max)
{
	int n = 0;

	while ((max < 0 || n < max) && s[n])
		n++;
	return n;
}

int guest_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct guest_out o = { .buf = buf, .size = size };
	struct guest_spec sp;
	unsigned long long u;
	long long s;
	const char *str;
	int lng;
	char c;

	while ((c = *fmt++)) {
		if (c != '%') {
			out_char(&o, c);
			continue;
		}
		sp = (struct guest_spec){ .precision = -1 };
		for (;; fmt++) {
			if (*fmt == '#')
				sp.alt = true;
			else if (*fmt == '0')
				sp.zero = true;
			else if (*fmt == '-')
				sp.left = true;
			else
				break;
		}
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			sp.width = sp.width * 10 + *fmt++ - '0';
		if (*fmt == '.') {
			fmt++;
			sp.precision = 0;
			if (*fmt == '*') {
				sp.precision = va_arg(ap, int);
				fmt++;
			}
			while (*fmt >= '0' && *fmt <= '9')
				sp.precision = sp.precision * 10 + *fmt++ - '0';
		}
		/* 0: int, 1: long, 2: long long; -1: short, -2: char. */
		lng = 0;
		for (;; fmt++) {
			if (*fmt == 'l' || *fmt == 'z')
				lng++;
			else if (*fmt == 'h')
				lng--;
			else
				break;
		}

		switch ((c = *fmt++)) {
		case 'd':
		case 'i':
			if (lng > 0)
				s = lng > 1 ? va_arg(ap, long long) : va_arg(ap, long);
			else
				s = va_arg(ap, int);
			if (lng == -1)
				s = (short)s;
			else if (lng < -1)
				s = (signed char)s;
			u = s < 0 ? -(unsigned long long)s : (unsigned long long)s;
			out_num(&o, &sp, u, s < 0, 10, false);
			break;
		case 'u':
		case 'o':
		case 'x':
		case 'X':
			if (lng > 0)
				u = lng > 1 ? va_arg(ap, unsigned long long) :
					      va_arg(ap, unsigned long);
			else
				u = va_arg(ap, unsigned int);
			if (lng == -1)
				u = (unsigned short)u;
			else if (lng < -1)
				u = (unsigned char)u;
			out_num(&o, &sp, u, false,
				c == 'u' ? 10 : c == 'o' ? 8 : 16, c == 'X');
			break;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			if (!u) {
				out_str(&o, &sp, "(nil)", 5);
				break;
			}
			sp.alt = true;
			out_num(&o, &sp, u, false, 16, false);
			break;
		case 's':
			str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			out_str(&o, &sp, str, guest_strnlen(str, sp.precision));
			break;
		case 'c':
			c = (char)va_arg(ap, int);
			out_str(&o, &sp, &c, 1);
			break;
		case '%':
			out_char(&o, '%');
			break;
		default:
			/* Unknown: print it as it stands. */
			out_char(&o, '%');
			if (!c)
				goto out;
			out_char(&o, c);
			break;
		}
	}
out:
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}

int guest_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = guest_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* Host side. */

const char *ucall_cmd_str(__u64 cmd)
{
	switch (cmd) {
	case UCALL_NONE:	return "NONE";
	case UCALL_SYNC:	return "SYNC";
	case UCALL_ABORT:	return "ABORT";
	case UCALL_PRINTF:	return "PRINTF";
	case UCALL_DONE:	return "DONE";
	default:		return "unknown";
	}
}

__u64 get_ucall(struct duet_test_vcpu *vcpu, struct ucall *uc)
{
	struct duet_run *run = vcpu->run;
	struct ucall tmp;
	struct duet_regs regs;
	const void *src;
	int r;

	if (!uc)
		uc = &tmp;
	memset(uc, 0, sizeof(*uc));
	/* A ucall is one OUT of AL: string I/O to the port is not one. */
	if (run->exit_reason != DUET_EXIT_IO ||
	    run->io.port != UCALL_PIO_PORT ||
	    run->io.direction != DUET_EXIT_IO_OUT ||
	    run->io.size != 1 || run->io.count != 1)
		return UCALL_NONE;

	r = _vcpu_regs_get(vcpu, &regs);
	if (r)
		TEST_FAIL("DUET_GET_REGS: %s", strerror(-r));
	src = _vm_gpa2hva(vcpu->vm, regs.rdi, sizeof(*uc));
	if (!src)
		TEST_FAIL("vCPU %u: ucall with RDI %#llx outside guest memory",
			  vcpu->id, (unsigned long long)regs.rdi);
	memcpy(uc, src, sizeof(*uc));
	uc->buffer[sizeof(uc->buffer) - 1] = '\0';
	return uc->cmd;
}

__u64 __vcpu_run_ucall(const char *file, int line,
		       struct duet_test_vcpu *vcpu, struct ucall *uc)
{
	struct ucall tmp;
	__u64 cmd;
	int r;

	if (!uc)
		uc = &tmp;
	for (;;) {
		r = _vcpu_run(vcpu);
		if (r)
			__test_fail(file, line, "DUET_RUN: %s; %s",
				    strerror(-r), vcpu_exit_str(vcpu));
		cmd = get_ucall(vcpu, uc);
		if (cmd == UCALL_NONE)
			__test_fail(file, line, "not a ucall: %s",
				    vcpu_exit_str(vcpu));
		if (cmd == UCALL_ABORT)
			__report_guest_assert(vcpu, uc);
		if (cmd != UCALL_PRINTF)
			return cmd;
		test_print("guest vCPU %u: %s", vcpu->id, uc->buffer);
	}
}

void __vcpu_expect_ucall(const char *file, int line,
			 struct duet_test_vcpu *vcpu, __u64 cmd,
			 bool check_arg, __u64 arg0)
{
	struct ucall uc;
	__u64 got = __vcpu_run_ucall(file, line, vcpu, &uc);

	if (got != cmd)
		__test_fail(file, line, "vCPU %u: ucall %s, want %s", vcpu->id,
			    ucall_cmd_str(got), ucall_cmd_str(cmd));
	if (check_arg && uc.args[0] != arg0)
		__test_fail(file, line, "vCPU %u: sync %#llx, want %#llx",
			    vcpu->id, (unsigned long long)uc.args[0],
			    (unsigned long long)arg0);
}

/* A NUL-terminated guest string at @gva, or "?" when it leaves memory. */
static const char *read_guest_string(struct duet_test_vcpu *vcpu, __u64 gva,
				     char *buf, size_t size)
{
	size_t i;

	for (i = 0; i + 1 < size; i++) {
		const char *p = _vm_gpa2hva(vcpu->vm, gva + i, 1);

		if (!p)
			return "?";
		buf[i] = *p;
		if (!*p)
			return buf;
	}
	buf[i] = '\0';
	return buf;
}

void __report_guest_assert(struct duet_test_vcpu *vcpu, const struct ucall *uc)
{
	char file[256], exp[256];

	__test_fail(read_guest_string(vcpu, uc->args[GUEST_FILE], file,
				      sizeof(file)),
		    uc->args[GUEST_LINE], "guest vCPU %u: %s: %s", vcpu->id,
		    read_guest_string(vcpu, uc->args[GUEST_ERROR_STRING], exp,
				      sizeof(exp)),
		    uc->buffer);
}
