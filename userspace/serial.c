// SPDX-License-Identifier: GPL-2.0
/*
 * 16550A UART emulation; see serial.h for what is modelled.
 *
 * Every vCPU thread calls in here, so one mutex covers each register
 * access: a byte the guest transmits is written whole, and the bytes of
 * two vCPUs never mix inside one.  Keeping lines apart is the guest's job.
 */
#include "serial.h"

void serial_init(struct serial *s, __u16 base, FILE *out)
{
	*s = (struct serial){ .out = out, .base = base };
	pthread_mutex_init(&s->lock, NULL);
	/* Reset leaves the divisor undefined: pretend firmware chose 9600. */
	s->dll = 12;
}

void serial_destroy(struct serial *s)
{
	pthread_mutex_destroy(&s->lock);
}

static __u8 serial_iir(struct serial *s)
{
	__u8 fifo = s->fcr & UART_FCR_ENABLE ? UART_IIR_FIFO : 0;

	/* Received data outranks an empty transmitter. */
	if ((s->ier & UART_IER_RDI) && s->rx_full)
		return fifo | UART_IIR_RDI;
	if ((s->ier & UART_IER_THRI) && s->thri_pending) {
		/* Reading IIR acknowledges the THR-empty interrupt. */
		s->thri_pending = false;
		return fifo | UART_IIR_THRI;
	}
	return fifo | UART_IIR_NO_INT;
}

static __u8 serial_msr(const struct serial *s)
{
	__u8 msr = 0;

	if (!(s->mcr & UART_MCR_LOOP))
		/* A terminal is attached and ready. */
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;

	/* Loopback wires the modem outputs back to the inputs. */
	if (s->mcr & UART_MCR_RTS)
		msr |= UART_MSR_CTS;
	if (s->mcr & UART_MCR_DTR)
		msr |= UART_MSR_DSR;
	if (s->mcr & UART_MCR_OUT1)
		msr |= UART_MSR_RI;
	if (s->mcr & UART_MCR_OUT2)
		msr |= UART_MSR_DCD;
	return msr;
}

static __u8 __serial_in(struct serial *s, unsigned int reg)
{
	bool dlab = s->lcr & UART_LCR_DLAB;
	__u8 val;

	switch (reg) {
	case UART_RX:
		if (dlab)
			return s->dll;
		val = s->rx_full ? s->rx : 0;
		s->rx_full = false;
		return val;
	case UART_IER:
		return dlab ? s->dlm : s->ier;
	case UART_IIR:
		return serial_iir(s);
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		/* The transmitter sends at once: always empty. */
		return UART_LSR_THRE | UART_LSR_TEMT |
		       (s->rx_full ? UART_LSR_DR : 0);
	case UART_MSR:
		return serial_msr(s);
	default:
		return s->scr;
	}
}

static void serial_transmit(struct serial *s, __u8 val)
{
	if (s->mcr & UART_MCR_LOOP) {
		s->rx = val;
		s->rx_full = true;
	} else {
		fputc(val, s->out);
		/* Line by line, so that output interleaves with the host's. */
		if (val == '\n')
			fflush(s->out);
		s->tx_bytes++;
	}
	s->thri_pending = true;
}

static void __serial_out(struct serial *s, unsigned int reg, __u8 val)
{
	bool dlab = s->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_TX:
		if (dlab)
			s->dll = val;
		else
			serial_transmit(s, val);
		break;
	case UART_IER:
		if (dlab) {
			s->dlm = val;
			break;
		}
		/* Enabling it with THR empty raises the THR interrupt. */
		if ((val & UART_IER_THRI) && !(s->ier & UART_IER_THRI))
			s->thri_pending = true;
		s->ier = val & UART_IER_MASK;
		break;
	case UART_FCR:
		/* Toggling the FIFOs, or asking to, empties them. */
		if ((val & UART_FCR_CLEAR) ||
		    ((val ^ s->fcr) & UART_FCR_ENABLE))
			s->rx_full = false;
		s->fcr = val & ~UART_FCR_CLEAR;
		break;
	case UART_LCR:
		s->lcr = val;
		break;
	case UART_MCR:
		s->mcr = val & UART_MCR_MASK;
		break;
	case UART_SCR:
		s->scr = val;
		break;
	default:
		/* LSR and MSR are read-only (their factory tests aside). */
		break;
	}
}

__u8 serial_in(struct serial *s, __u32 port)
{
	__u8 val;

	pthread_mutex_lock(&s->lock);
	val = __serial_in(s, port - s->base);
	pthread_mutex_unlock(&s->lock);
	return val;
}

void serial_out(struct serial *s, __u32 port, __u8 val)
{
	pthread_mutex_lock(&s->lock);
	__serial_out(s, port - s->base, val);
	pthread_mutex_unlock(&s->lock);
}
