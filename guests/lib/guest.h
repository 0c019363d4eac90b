/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What duet guests share: port I/O, a spinlock, and a console on the
 * 16550 UART at COM1 that `duet vm run` emulates.  Freestanding: no libc.
 */
#ifndef DUET_GUEST_H
#define DUET_GUEST_H

#include <stdbool.h>
#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#define COM1		0x3f8

/* Called by start.S on every vCPU with its own stack; halts on return. */
void guest_main(u64 vcpu, u64 nr_vcpus);

static inline void outb(u16 port, u8 val)
{
	asm volatile("out %0, %1" : : "a"(val), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 val;

	asm volatile("in %1, %0" : "=a"(val) : "Nd"(port));
	return val;
}

static inline void cpu_relax(void)
{
	asm volatile("pause" : : : "memory");
}

static inline void cpuid(u32 leaf, u32 *a, u32 *b,
			 u32 *c, u32 *d)
{
	asm volatile("cpuid"
		     : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
		     : "a"(leaf), "c"(0));
}

/* A test-and-set lock: lock xchg, then spin on reads until it is free. */
struct spinlock {
	u32 locked;
};

static inline void spin_lock(struct spinlock *lock)
{
	u32 old;

	for (;;) {
		old = 1;
		/* A full barrier: pairs with the release in spin_unlock(). */
		asm volatile("lock xchgl %0, %1"
			     : "+r"(old), "+m"(lock->locked) : : "memory");
		if (!old)
			return;
		while (__atomic_load_n(&lock->locked, __ATOMIC_RELAXED))
			cpu_relax();
	}
}

static inline void spin_unlock(struct spinlock *lock)
{
	/* Pairs with the lock xchg in spin_lock(). */
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
}

/*
 * The console.  The first use programs the UART (115200 8N1, FIFOs on, no
 * interrupts); console_lock() keeps a vCPU's line whole.
 */
void console_lock(void);
void console_unlock(void);
void console_putc(char c);
void console_puts(const char *s);
void console_putu(u64 val);

#endif /* DUET_GUEST_H */
