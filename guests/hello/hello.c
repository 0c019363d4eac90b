// SPDX-License-Identifier: GPL-2.0
/*
 * Hello world of duet: every vCPU prints one line on the serial console,
 * and vCPU 0 also what CPUID tells it, then all halt with interrupts off.
 *
 *	duet vm run guests/hello/hello.elf vcpus 2
 */
#include "guest.h"

static void print_vendor(void)
{
	u32 a, b, c, d, vendor[4];

	cpuid(0, &a, &vendor[0], &vendor[2], &vendor[1]);
	vendor[3] = 0;
	cpuid(1, &a, &b, &c, &d);
	console_puts("CPU vendor ");
	console_puts((const char *)vendor);
	/* CPUID.1:ECX[31]: the hypervisor duet says is there. */
	console_puts(c & (1U << 31) ? ", hypervisor bit set\n" :
		     ", no hypervisor bit\n");
}

void guest_main(u64 vcpu, u64 nr_vcpus)
{
	(void)nr_vcpus;

	console_lock();
	console_puts("Hello from a duet guest on vCPU ");
	console_putu(vcpu);
	console_putc('\n');
	if (vcpu == 0)
		print_vendor();
	console_unlock();
}
