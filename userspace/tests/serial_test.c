// SPDX-License-Identifier: GPL-2.0
/*
 * serial.c: the 16550 registers as a polling driver (and Linux's 8250
 * probe) sees them.
 */
#include <stdlib.h>

#include "check.h"
#include "serial.h"

#define BASE SERIAL_COM1_BASE

struct uart {
	struct serial s;
	FILE *fp;
	char *buf;
	size_t len;
};

static struct serial *uart_start(struct uart *u)
{
	u->buf = NULL;
	u->fp = open_memstream(&u->buf, &u->len);
	serial_init(&u->s, BASE, u->fp);
	return &u->s;
}

/* What the guest transmitted; free() it. */
static char *uart_end(struct uart *u)
{
	serial_destroy(&u->s);
	fclose(u->fp);
	return u->buf;
}

static void test_ports(void)
{
	struct uart u;
	struct serial *s = uart_start(&u);

	CHECK(!serial_owns(s, BASE - 1), "0x3f7 is not the UART's");
	CHECK(serial_owns(s, BASE), "0x3f8 is the UART's");
	CHECK(serial_owns(s, BASE + 7), "0x3ff is the UART's");
	CHECK(!serial_owns(s, BASE + 8), "0x400 is not the UART's");
	CHECK(!serial_owns(s, 0), "port 0 is not the UART's");
	free(uart_end(&u));
}

static void test_transmit(void)
{
	struct uart u;
	struct serial *s = uart_start(&u);
	const char *msg = "hi\n";
	char *out;

	for (; *msg; msg++) {
		CHECK(serial_in(s, BASE + UART_LSR) & UART_LSR_THRE,
		      "THR empty before each byte");
		serial_out(s, BASE + UART_TX, *msg);
	}
	CHECK(s->tx_bytes == 3, "three bytes counted");
	out = uart_end(&u);
	CHECK_STR(out, "hi\n", "THR writes reach the output");
	free(out);
}

static void test_lsr(void)
{
	struct uart u;
	struct serial *s = uart_start(&u);

	CHECK(serial_in(s, BASE + UART_LSR) ==
	      (UART_LSR_THRE | UART_LSR_TEMT), "LSR: THRE|TEMT, no data");
	serial_out(s, BASE + UART_LSR, 0);
	CHECK(serial_in(s, BASE + UART_LSR) ==
	      (UART_LSR_THRE | UART_LSR_TEMT), "LSR ignores writes");
	CHECK(serial_in(s, BASE + UART_RX) == 0, "RBR reads 0 with no data");
	free(uart_end(&u));
}

static void test_dlab(void)
{
	struct uart u;
	struct serial *s = uart_start(&u);
	char *out;

	serial_out(s, BASE + UART_IER, 0x05);
	serial_out(s, BASE + UART_LCR, UART_LCR_DLAB | 0x03);
	serial_out(s, BASE + UART_DLL, 0x01);
	serial_out(s, BASE + UART_DLM, 0x02);
	CHECK(serial_in(s, BASE + UART_DLL) == 0x01, "DLL reads back");
	CHECK(serial_in(s, BASE + UART_DLM) == 0x02, "DLM reads back");
	CHECK(serial_in(s, BASE + UART_LCR) == (UART_LCR_DLAB | 0x03),
	      "LCR reads back");
	serial_out(s, BASE + UART_LCR, 0x03);
	CHECK(serial_in(s, BASE + UART_IER) == 0x05,
	      "DLM writes leave IER alone");
	CHECK(serial_in(s, BASE + UART_DLL) == 0,
	      "DLAB=0: offset 0 is RBR again");
	CHECK(s->tx_bytes == 0, "DLL writes transmit nothing");
	out = uart_end(&u);
	CHECK_STR(out, "", "no output from the divisor latch");
	free(out);
}

static void test_ier(void)
{
	struct uart u;
	struct serial *s = uart_start(&u);

	serial_out(s, BASE + UART_IER, 0xff);
	CHECK(serial_in(s, BASE + UART_IER) == UART_IER_MASK,
	      "IER keeps its low four bits");
	free(uart_end(&u));
}

static void test_iir(void)
{
	struct uart u;
	struct serial *s = uart_start(&u);

	CHECK(serial_in(s, BASE + UART_IIR) == UART_IIR_NO_INT,
	      "IIR at reset: no interrupt, no FIFO");
	serial_out(s, BASE + UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR);
	CHECK(serial_in(s, BASE + UART_IIR) ==
	      (UART_IIR_FIFO | UART_IIR_NO_INT), "FIFOs on: a 16550A");

	/* The THR-empty interrupt: raised on enable, acked by an IIR read. */
	serial_out(s, BASE + UART_IER, UART_IER_THRI);
	CHECK(serial_in(s, BASE + UART_IIR) == (UART_IIR_FIFO | UART_IIR_THRI),
	      "enabling THRI with THR empty raises it");
	CHECK(serial_in(s, BASE + UART_IIR) ==
	      (UART_IIR_FIFO | UART_IIR_NO_INT), "reading IIR acks THRI");
	serial_out(s, BASE + UART_TX, 'x');
	CHECK(serial_in(s, BASE + UART_IIR) == (UART_IIR_FIFO | UART_IIR_THRI),
	      "a sent byte raises THRI again");
	serial_out(s, BASE + UART_FCR, 0);
	CHECK(serial_in(s, BASE + UART_IIR) == UART_IIR_NO_INT,
	      "FIFOs off");
	free(uart_end(&u));
}

static void test_mcr_msr(void)
{
	struct uart u;
	struct serial *s = uart_start(&u);

	CHECK(serial_in(s, BASE + UART_MSR) ==
	      (UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS),
	      "MSR: carrier, DSR, CTS");
	serial_out(s, BASE + UART_MCR, 0xff);
	CHECK(serial_in(s, BASE + UART_MCR) == UART_MCR_MASK,
	      "MCR keeps its low five bits");
	/* Linux's 8250 probe: loopback with OUT2|RTS must read DCD|CTS. */
	serial_out(s, BASE + UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 |
		   UART_MCR_RTS);
	CHECK((serial_in(s, BASE + UART_MSR) & 0xf0) ==
	      (UART_MSR_DCD | UART_MSR_CTS), "loopback: OUT2->DCD, RTS->CTS");
	serial_out(s, BASE + UART_MCR, UART_MCR_LOOP | UART_MCR_OUT1 |
		   UART_MCR_DTR);
	CHECK((serial_in(s, BASE + UART_MSR) & 0xf0) ==
	      (UART_MSR_RI | UART_MSR_DSR), "loopback: OUT1->RI, DTR->DSR");
	free(uart_end(&u));
}

static void test_loopback(void)
{
	struct uart u;
	struct serial *s = uart_start(&u);
	char *out;

	serial_out(s, BASE + UART_MCR, UART_MCR_LOOP);
	serial_out(s, BASE + UART_TX, 'a');
	CHECK(serial_in(s, BASE + UART_LSR) & UART_LSR_DR,
	      "loopback: the byte is received");
	serial_out(s, BASE + UART_IER, UART_IER_RDI);
	CHECK(serial_in(s, BASE + UART_IIR) == UART_IIR_RDI,
	      "loopback: received data interrupt");
	CHECK(serial_in(s, BASE + UART_RX) == 'a', "loopback: RBR");
	CHECK(!(serial_in(s, BASE + UART_LSR) & UART_LSR_DR),
	      "reading RBR empties it");
	CHECK(serial_in(s, BASE + UART_IIR) == UART_IIR_NO_INT,
	      "no interrupt once read");
	serial_out(s, BASE + UART_TX, 'b');
	serial_out(s, BASE + UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR);
	CHECK(!(serial_in(s, BASE + UART_LSR) & UART_LSR_DR),
	      "FCR clears the receiver");
	serial_out(s, BASE + UART_MCR, 0);
	serial_out(s, BASE + UART_TX, 'c');
	out = uart_end(&u);
	CHECK_STR(out, "c", "loopback bytes never reach the output");
	free(out);
}

static void test_scratch(void)
{
	struct uart u;
	struct serial *s = uart_start(&u);

	serial_out(s, BASE + UART_SCR, 0x5a);
	CHECK(serial_in(s, BASE + UART_SCR) == 0x5a, "SCR reads back 0x5a");
	serial_out(s, BASE + UART_SCR, 0xa5);
	CHECK(serial_in(s, BASE + UART_SCR) == 0xa5, "SCR reads back 0xa5");
	free(uart_end(&u));
}

int main(void)
{
	test_ports();
	test_transmit();
	test_lsr();
	test_dlab();
	test_ier();
	test_iir();
	test_mcr_msr();
	test_loopback();
	test_scratch();
	return check_done("serial_test");
}
