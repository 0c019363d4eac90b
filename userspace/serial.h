/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A 16550A UART on port I/O, enough for a polling driver such as Linux's
 * 8250 console: the transmitter is always ready and sends at once, nothing
 * is ever received but in loopback mode, and no interrupt is delivered
 * (IIR still reports the ones IER enables, so a probe sees a 16550A).
 */
#ifndef DUET_SERIAL_H
#define DUET_SERIAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#define SERIAL_COM1_BASE	0x3f8
#define SERIAL_NR_PORTS		8U

/* Register offsets from the base port. */
#define UART_RX		0	/* in:  receive buffer (DLAB=0) */
#define UART_TX		0	/* out: transmit holding (DLAB=0) */
#define UART_DLL	0	/* divisor latch low (DLAB=1) */
#define UART_IER	1	/* interrupt enable (DLAB=0) */
#define UART_DLM	1	/* divisor latch high (DLAB=1) */
#define UART_IIR	2	/* in:  interrupt identification */
#define UART_FCR	2	/* out: FIFO control */
#define UART_LCR	3	/* line control */
#define UART_MCR	4	/* modem control */
#define UART_LSR	5	/* line status */
#define UART_MSR	6	/* modem status */
#define UART_SCR	7	/* scratch */

#define UART_IER_RDI	0x01	/* received data available */
#define UART_IER_THRI	0x02	/* transmit holding register empty */
#define UART_IER_MASK	0x0f

#define UART_IIR_NO_INT	0x01
#define UART_IIR_THRI	0x02
#define UART_IIR_RDI	0x04
#define UART_IIR_FIFO	0xc0	/* FIFOs enabled (16550A) */

#define UART_FCR_ENABLE	0x01
#define UART_FCR_CLEAR	0x06	/* clear receive/transmit FIFO, self-clearing */

#define UART_LCR_DLAB	0x80

#define UART_MCR_DTR	0x01
#define UART_MCR_RTS	0x02
#define UART_MCR_OUT1	0x04
#define UART_MCR_OUT2	0x08
#define UART_MCR_LOOP	0x10
#define UART_MCR_MASK	0x1f

#define UART_LSR_DR	0x01	/* data ready */
#define UART_LSR_THRE	0x20	/* transmit holding register empty */
#define UART_LSR_TEMT	0x40	/* transmitter empty */

#define UART_MSR_CTS	0x10
#define UART_MSR_DSR	0x20
#define UART_MSR_RI	0x40
#define UART_MSR_DCD	0x80

struct serial {
	pthread_mutex_t lock;		/* every register access */
	FILE *out;			/* what the guest transmits */
	__u16 base;			/* first port */
	__u8 ier, fcr, lcr, mcr, scr, dll, dlm;
	bool thri_pending;		/* THR-empty interrupt not yet seen */
	bool rx_full;			/* loopback byte in rx */
	__u8 rx;
	__u64 tx_bytes;		/* bytes sent to out */
};

/* The reset state; bytes the guest sends go to @out. */
void serial_init(struct serial *s, __u16 base, FILE *out);
void serial_destroy(struct serial *s);

/* Whether @port is one of the UART's. */
static inline bool serial_owns(const struct serial *s, __u32 port)
{
	return port >= s->base && port - s->base < SERIAL_NR_PORTS;
}

/* One byte of port I/O at @port (serial_owns() is true). */
__u8 serial_in(struct serial *s, __u32 port);
void serial_out(struct serial *s, __u32 port, __u8 val);

#endif /* DUET_SERIAL_H */
