// SPDX-License-Identifier: GPL-2.0
/*
 * Console of duet guests on the COM1 16550, driven by polling the way
 * Linux's 8250 early console does it.
 */
#include "guest.h"

#define UART_TX		0
#define UART_DLL	0
#define UART_IER	1
#define UART_DLM	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5

#define UART_LCR_8N1	0x03
#define UART_LCR_DLAB	0x80
#define UART_FCR_FIFO	0x07	/* enable, clear both FIFOs */
#define UART_MCR_DTR_RTS 0x03
#define UART_LSR_THRE	0x20

/* 115200 baud from the 1.8432 MHz clock. */
#define UART_DIVISOR	1

static struct spinlock console_spinlock;
static bool console_ready;

static void uart_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, UART_LCR_DLAB);
	outb(COM1 + UART_DLL, UART_DIVISOR & 0xff);
	outb(COM1 + UART_DLM, UART_DIVISOR >> 8);
	outb(COM1 + UART_LCR, UART_LCR_8N1);
	outb(COM1 + UART_FCR, UART_FCR_FIFO);
	outb(COM1 + UART_MCR, UART_MCR_DTR_RTS);
}

void console_lock(void)
{
	spin_lock(&console_spinlock);
	/* Under the lock: one vCPU programs the UART, before any output. */
	if (!console_ready) {
		uart_init();
		console_ready = true;
	}
}

void console_unlock(void)
{
	spin_unlock(&console_spinlock);
}

void console_putc(char c)
{
	while (!(inb(COM1 + UART_LSR) & UART_LSR_THRE))
		cpu_relax();
	outb(COM1 + UART_TX, c);
}

void console_puts(const char *s)
{
	while (*s)
		console_putc(*s++);
}

void console_putu(u64 val)
{
	char buf[21];
	int i = sizeof(buf);

	buf[--i] = '\0';
	do {
		buf[--i] = '0' + val % 10;
		val /= 10;
	} while (val);
	console_puts(&buf[i]);
}
