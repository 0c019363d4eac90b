// SPDX-License-Identifier: GPL-2.0
/*
 * MSRs: DUET_GET_MSR_INDEX_LIST (contents, -E2BIG with the count),
 * DUET_GET/SET_MSRS round trips for every emulated MSR, values crossing
 * between the host's ioctls and the guest's RDMSR/WRMSR both ways, values
 * WRMSR refuses (the call stops there, nothing changes; the guest gets
 * #GP), unknown MSRs (the call stops; the guest gets #GP, seen by its
 * exception handler), malformed calls, and DUET_VM_USER_MSR: unknown MSRs
 * exit to userspace, which answers with data or #GP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "exception.h"
#include "guest.h"
#include "vm.h"

#define MSR_IA32_TSC		0x00000010
#define MSR_IA32_APICBASE	0x0000001b
#define MSR_MTRRCAP		0x000000fe
#define MSR_SYSENTER_CS		0x00000174
#define MSR_SYSENTER_ESP	0x00000175
#define MSR_SYSENTER_EIP	0x00000176
#define MSR_IA32_CR_PAT		0x00000277
#define MSR_MTRR_DEF_TYPE		0x000002ff
#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SFMASK		0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
/* MSRs no x86 CPU has, so duet cannot emulate them. */
#define MSR_UNKNOWN		0xc0011fffu
#define MSR_UNKNOWN2		0x40001234u

#define EFER_SCE		BIT(0)
#define EFER_LME		BIT(8)
#define EFER_LMA		BIT(10)
#define EFER_NX			BIT(11)
#define EFER_SVME		BIT(12)
#define X86_CR0_PG		BIT(31)

#define PAT_RESET		0x0007040600070406ull
#define PAT_ALL_WB		0x0606060606060606ull

/* Non-canonical with 4- and with 5-level paging alike. */
#define NONCANON_HIGH		0x8000000000000000ull
#define NONCANON_57		0x0100000000000000ull

/* Every MSR duet emulates, and a new valid value for each. */
static const struct {
	__u32 index;
	const char *name;
	__u64 value;		/* what SET then GET round-trips */
} emulated[] = {
	{ MSR_EFER,		"EFER",		EFER_SCE | EFER_NX },
	{ MSR_IA32_CR_PAT,	"PAT",		PAT_ALL_WB },
	{ MSR_IA32_TSC,		"TSC",		1ull << 40 },
	/* Fixed: only their own value is taken. */
	{ MSR_IA32_APICBASE,	"APIC_BASE",	0xfee00900 },
	{ MSR_MTRRCAP,		"MTRRcap",	0 },
	{ MSR_MTRR_DEF_TYPE,	"MTRRdefType",	0 },
	{ MSR_STAR,		"STAR",		0x0023001000000000ull },
	{ MSR_LSTAR,		"LSTAR",	0xffffffff81000000ull },
	{ MSR_CSTAR,		"CSTAR",	0xffffffff81000100ull },
	{ MSR_SFMASK,		"SFMASK",	0x47700 },
	{ MSR_KERNEL_GS_BASE,	"KERNEL_GS_BASE", 0xffff888000001000ull },
	{ MSR_SYSENTER_CS,	"SYSENTER_CS",	0x10 },
	/* 32-bit values: AMD CPUs keep only 32 bits of these two. */
	{ MSR_SYSENTER_ESP,	"SYSENTER_ESP",	0xc9002000 },
	{ MSR_SYSENTER_EIP,	"SYSENTER_EIP",	0x81000200 },
	{ MSR_FS_BASE,		"FS_BASE",	0x00007f0000003000ull },
	{ MSR_GS_BASE,		"GS_BASE",	0xffff888000004000ull },
};

/* The guest's syscall and segment-base MSRs, passed through to it. */
static const __u32 passthrough[] = {
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, MSR_KERNEL_GS_BASE,
	MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP, MSR_FS_BASE,
	MSR_GS_BASE,
};

#define NR_EMULATED	ARRAY_SIZE(emulated)
#define NR_PASSTHROUGH	ARRAY_SIZE(passthrough)

static __u64 emulated_value(__u32 index)
{
	unsigned int i;

	for (i = 0; i < NR_EMULATED; i++)
		if (emulated[i].index == index)
			return emulated[i].value;
	TEST_FAIL("MSR %#x is not in the table", index);
}

/* A struct duet_msrs with room for @n entries. */
static struct duet_msrs *msrs_alloc(unsigned int n)
{
	struct duet_msrs *m = calloc(1, sizeof(*m) + n * sizeof(m->entries[0]));

	TEST_ASSERT(m, "calloc");
	m->nmsrs = n;
	return m;
}

static struct duet_msr_list *index_list(int dev_fd, unsigned int cap)
{
	struct duet_msr_list *l = calloc(1, sizeof(*l) + cap * sizeof(__u32));
	int r;

	TEST_ASSERT(l, "calloc");
	l->nmsrs = cap;
	r = _duet_get_msr_index_list(dev_fd, l);
	TEST_ASSERT_RC(r, 0);
	return l;
}

/* The list names each emulated MSR once, and nothing else. */
static void msr_index_list_contents(void)
{
	int fd = duet_open();
	struct duet_msr_list *l = index_list(fd, DUET_MAX_MSR_ENTRIES);
	unsigned int i, j, seen;

	TEST_ASSERT_EQ(l->nmsrs, NR_EMULATED);
	for (i = 0; i < NR_EMULATED; i++) {
		seen = 0;
		for (j = 0; j < l->nmsrs; j++)
			seen += l->indices[j] == emulated[i].index;
		TEST_ASSERT(seen == 1, "%s (%#x) listed %u times",
			    emulated[i].name, emulated[i].index, seen);
	}
	/* An exact fit works too. */
	free(l);
	l = index_list(fd, NR_EMULATED);
	TEST_ASSERT_EQ(l->nmsrs, NR_EMULATED);
	free(l);
	close(fd);
}

static void msr_index_list_e2big(void)
{
	struct duet_msr_list *l = calloc(1, sizeof(*l) + NR_EMULATED * 4);
	int fd = duet_open();

	TEST_ASSERT(l, "calloc");
	/* Capacity 0: -E2BIG with the count needed, nothing written. */
	l->nmsrs = 0;
	l->indices[0] = 0xdeadbeef;
	TEST_ASSERT_RC(_duet_get_msr_index_list(fd, l), -E2BIG);
	TEST_ASSERT_EQ(l->nmsrs, NR_EMULATED);
	TEST_ASSERT_EQ(l->indices[0], 0xdeadbeef);
	/* One short. */
	l->nmsrs = NR_EMULATED - 1;
	TEST_ASSERT_RC(_duet_get_msr_index_list(fd, l), -E2BIG);
	TEST_ASSERT_EQ(l->nmsrs, NR_EMULATED);
	/* Padding must be zero. */
	l->nmsrs = NR_EMULATED;
	l->padding = 1;
	TEST_ASSERT_RC(_duet_get_msr_index_list(fd, l), -EINVAL);
	TEST_ASSERT_RC(_duet_get_msr_index_list(fd, NULL), -EFAULT);
	free(l);
	close(fd);
}

/* GET then SET of each emulated MSR, one by one and all in one call. */
static void msr_roundtrip_each(void)
{
	struct duet_test_vm *vm = vm_create_barebones();
	struct duet_test_vcpu *vcpu = vm_vcpu_add(vm, 0, NULL);
	struct duet_sregs sregs;
	unsigned int i;
	__u64 got;

	for (i = 0; i < NR_EMULATED; i++) {
		__u32 index = emulated[i].index;
		__u64 want = emulated[i].value;

		vcpu_set_msr(vcpu, index, want);
		got = vcpu_get_msr(vcpu, index);
		test_print("%-15s %#llx", emulated[i].name,
			   (unsigned long long)got);
		if (index == MSR_IA32_TSC)
			/* It runs on: not below, and not far above. */
			TEST_ASSERT(got >= want && got - want < (1ull << 38),
				    "TSC %#llx after setting %#llx",
				    (unsigned long long)got,
				    (unsigned long long)want);
		else
			TEST_ASSERT(got == want, "%s: %#llx, set %#llx",
				    emulated[i].name, (unsigned long long)got,
				    (unsigned long long)want);
		/* What GET returns, SET takes back. */
		vcpu_set_msr(vcpu, index, got);
	}

	/* The segment bases are the ones DUET_GET_SREGS shows. */
	vcpu_sregs_get(vcpu, &sregs);
	TEST_ASSERT_EQ(sregs.fs.base, emulated_value(MSR_FS_BASE));
	TEST_ASSERT_EQ(sregs.gs.base, emulated_value(MSR_GS_BASE));
	TEST_ASSERT_EQ(sregs.efer, emulated_value(MSR_EFER));
	sregs.fs.base = 0x1000;
	vcpu_sregs_set(vcpu, &sregs);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_FS_BASE), 0x1000);

	/* The host restores whole states: LME and LMA as given. */
	vcpu_set_msr(vcpu, MSR_EFER, EFER_LME | EFER_LMA | EFER_SCE);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_EFER),
		       EFER_LME | EFER_LMA | EFER_SCE);
	vm_free(vm);
}

static void msr_roundtrip_one_call(void)
{
	struct duet_test_vm *vm = vm_create_barebones();
	struct duet_test_vcpu *vcpu = vm_vcpu_add(vm, 0, NULL);
	struct duet_msrs *m = msrs_alloc(NR_EMULATED);
	unsigned int i;

	for (i = 0; i < NR_EMULATED; i++) {
		m->entries[i].index = emulated[i].index;
		m->entries[i].data = emulated[i].value;
	}
	TEST_ASSERT_RC(_vcpu_set_msrs(vcpu, m), NR_EMULATED);
	for (i = 0; i < NR_EMULATED; i++)
		m->entries[i].data = 0xbad;
	TEST_ASSERT_RC(_vcpu_get_msrs(vcpu, m), NR_EMULATED);
	for (i = 0; i < NR_EMULATED; i++) {
		if (emulated[i].index == MSR_IA32_TSC)
			continue;
		TEST_ASSERT(m->entries[i].data == emulated[i].value,
			    "%s: %#llx", emulated[i].name,
			    (unsigned long long)m->entries[i].data);
	}
	/* Zero MSRs: nothing to do, no error. */
	m->nmsrs = 0;
	TEST_ASSERT_RC(_vcpu_get_msrs(vcpu, m), 0);
	TEST_ASSERT_RC(_vcpu_set_msrs(vcpu, m), 0);
	free(m);
	vm_free(vm);
}

/*
 * Values WRMSR raises #GP on: the call stops at that MSR, which keeps its
 * value, and the ones after it are not written.
 */
static void msr_set_invalid_stops(void)
{
	static const struct {
		__u32 index;
		__u64 value;
		const char *why;
	} bad[] = {
		{ MSR_IA32_CR_PAT, 0x0007040600070402ull, "PAT type 2" },
		{ MSR_IA32_CR_PAT, 0x0007040600070403ull, "PAT type 3" },
		{ MSR_IA32_CR_PAT, 0x0807040600070406ull, "PAT reserved bit" },
		{ MSR_LSTAR, NONCANON_HIGH, "non-canonical LSTAR" },
		{ MSR_LSTAR, NONCANON_57, "non-canonical LSTAR (57 bits)" },
		{ MSR_CSTAR, NONCANON_HIGH, "non-canonical CSTAR" },
		{ MSR_KERNEL_GS_BASE, NONCANON_57, "non-canonical KERNEL_GS_BASE" },
		{ MSR_SYSENTER_ESP, NONCANON_HIGH, "non-canonical SYSENTER_ESP" },
		{ MSR_SYSENTER_EIP, NONCANON_57, "non-canonical SYSENTER_EIP" },
		{ MSR_FS_BASE, NONCANON_HIGH, "non-canonical FS_BASE" },
		{ MSR_GS_BASE, NONCANON_57, "non-canonical GS_BASE" },
		{ MSR_EFER, EFER_SCE | EFER_SVME, "EFER.SVME" },
		{ MSR_EFER, BIT(1), "EFER bit 1" },
		{ MSR_EFER, 1ull << 63, "EFER bit 63" },
		{ MSR_IA32_APICBASE, 0xfee00800, "APIC base without BSP" },
		{ MSR_IA32_APICBASE, 0xfec00900, "APIC base moved" },
		{ MSR_MTRRCAP, 0x508, "MTRRcap" },
		{ MSR_MTRR_DEF_TYPE, 0xc06, "MTRRdefType" },
	};
	struct duet_test_vm *vm = vm_create_barebones();
	struct duet_test_vcpu *vcpu = vm_vcpu_add(vm, 0, NULL);
	struct duet_msrs *m = msrs_alloc(3);
	__u64 before, star;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		before = vcpu_get_msr(vcpu, bad[i].index);
		star = vcpu_get_msr(vcpu, MSR_STAR);
		m->nmsrs = 3;
		m->entries[0].index = MSR_SFMASK;
		m->entries[0].data = 0x100 + i;
		m->entries[1].index = bad[i].index;
		m->entries[1].data = bad[i].value;
		m->entries[2].index = MSR_STAR;
		m->entries[2].data = star + 1;
		TEST_ASSERT(_vcpu_set_msrs(vcpu, m) == 1, "%s: not refused",
			    bad[i].why);
		TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_SFMASK), 0x100 + i);
		TEST_ASSERT(vcpu_get_msr(vcpu, bad[i].index) == before,
			    "%s: the value changed", bad[i].why);
		TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_STAR), star);
		/* And on its own: 0 done. */
		TEST_ASSERT_RC(_vcpu_set_msr(vcpu, bad[i].index, bad[i].value),
			       0);
	}
	free(m);
	vm_free(vm);
}

/* MSRs duet does not emulate stop both calls where they are. */
static void msr_unknown_index_stops(void)
{
	static const __u32 unknown[] = {
		0, MSR_UNKNOWN, MSR_UNKNOWN2, 0xffffffff, 0x00000480, /* VMX_BASIC */
		0xc0010114, /* VM_CR */ 0xc0010117, /* VM_HSAVE_PA */
	};
	struct duet_test_vm *vm = vm_create_barebones();
	struct duet_test_vcpu *vcpu = vm_vcpu_add(vm, 0, NULL);
	struct duet_msrs *m = msrs_alloc(3);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(unknown); i++) {
		m->nmsrs = 3;
		m->entries[0].index = MSR_LSTAR;
		m->entries[0].data = 0xffffffff81000000ull + i;
		m->entries[1].index = unknown[i];
		m->entries[1].data = 0;
		m->entries[2].index = MSR_CSTAR;
		m->entries[2].data = 0xffffffff82000000ull;
		TEST_ASSERT(_vcpu_get_msrs(vcpu, m) == 1, "GET of %#x",
			    unknown[i]);
		TEST_ASSERT_EQ(m->entries[2].data, 0xffffffff82000000ull);
		m->entries[0].data = 0xffffffff81000000ull + i;
		TEST_ASSERT(_vcpu_set_msrs(vcpu, m) == 1, "SET of %#x",
			    unknown[i]);
		TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_LSTAR),
			       0xffffffff81000000ull + i);
		TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_CSTAR), 0);
		TEST_ASSERT_RC(_vcpu_get_msr(vcpu, unknown[i], &m->entries[0].data), 0);
	}
	free(m);
	vm_free(vm);
}

/*
 * Malformed calls fail whole, before any MSR is touched: more than
 * DUET_MAX_MSR_ENTRIES gives -E2BIG (as KVM), non-zero padding or a
 * non-zero reserved word in any entry -EINVAL, a bad pointer -EFAULT.
 */
static void msr_bad_calls(void)
{
	struct duet_test_vm *vm = vm_create_barebones();
	struct duet_test_vcpu *vcpu = vm_vcpu_add(vm, 0, NULL);
	struct duet_msrs *m = msrs_alloc(DUET_MAX_MSR_ENTRIES + 1);
	unsigned int i;

	for (i = 0; i <= DUET_MAX_MSR_ENTRIES; i++) {
		m->entries[i].index = MSR_STAR;
		m->entries[i].data = i;
	}
	TEST_ASSERT_RC(_vcpu_set_msrs(vcpu, m), -E2BIG);
	TEST_ASSERT_RC(_vcpu_get_msrs(vcpu, m), -E2BIG);
	m->nmsrs = ~0u;
	TEST_ASSERT_RC(_vcpu_set_msrs(vcpu, m), -E2BIG);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_STAR), 0);
	/* The most allowed. */
	m->nmsrs = DUET_MAX_MSR_ENTRIES;
	TEST_ASSERT_RC(_vcpu_set_msrs(vcpu, m), DUET_MAX_MSR_ENTRIES);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_STAR), DUET_MAX_MSR_ENTRIES - 1);

	m->nmsrs = 2;
	m->entries[0].data = 0x1234;
	m->padding = 1;
	TEST_ASSERT_RC(_vcpu_set_msrs(vcpu, m), -EINVAL);
	TEST_ASSERT_RC(_vcpu_get_msrs(vcpu, m), -EINVAL);
	m->padding = 0;
	m->entries[1].reserved = 1;
	TEST_ASSERT_RC(_vcpu_set_msrs(vcpu, m), -EINVAL);
	TEST_ASSERT_RC(_vcpu_get_msrs(vcpu, m), -EINVAL);
	/* Entry 0 was valid, but the call was not: STAR is unchanged. */
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_STAR), DUET_MAX_MSR_ENTRIES - 1);
	TEST_ASSERT_RC(_vcpu_get_msrs(vcpu, NULL), -EFAULT);
	TEST_ASSERT_RC(_vcpu_set_msrs(vcpu, (void *)8), -EFAULT);
	free(m);
	vm_free(vm);
}

static void guest_read_msrs(void)
{
	unsigned int i;
	__u64 val;

	for (i = 0; i < NR_EMULATED; i++) {
		GUEST_ASSERT_EQ(guest_rdmsr_safe(emulated[i].index, &val),
				GUEST_NO_EXCEPTION);
		GUEST_SYNC2(emulated[i].index, val);
	}
	GUEST_DONE();
}

/* What the host sets, the guest's RDMSR returns. */
static void msr_guest_sees_host_values(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct duet_sregs sregs;
	struct ucall uc;
	unsigned int i;
	__u64 want;

	vm = vm_create_with_one_vcpu(&vcpu, guest_read_msrs);
	vm_init_exceptions(vm);
	vcpu_sregs_get(vcpu, &sregs);
	for (i = 0; i < NR_EMULATED; i++) {
		want = emulated[i].value;
		/* The guest runs in long mode: keep LME/LMA. */
		if (emulated[i].index == MSR_EFER)
			want = sregs.efer & ~EFER_NX;
		vcpu_set_msr(vcpu, emulated[i].index, want);
	}
	for (i = 0; i < NR_EMULATED; i++) {
		TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
		TEST_ASSERT_EQ(uc.args[0], emulated[i].index);
		want = emulated[i].value;
		if (emulated[i].index == MSR_EFER)
			want = sregs.efer & ~EFER_NX;
		test_print("guest %-15s %#llx", emulated[i].name,
			   (unsigned long long)uc.args[1]);
		if (emulated[i].index == MSR_IA32_TSC)
			TEST_ASSERT(uc.args[1] >= want &&
				    uc.args[1] - want < (1ull << 38),
				    "guest TSC %#llx", (unsigned long long)uc.args[1]);
		else
			TEST_ASSERT(uc.args[1] == want, "guest %s %#llx, want %#llx",
				    emulated[i].name,
				    (unsigned long long)uc.args[1],
				    (unsigned long long)want);
	}
	vcpu_expect_done(vcpu);
}

/* A value for each passed-through MSR, as the guest writes it. */
static __u64 guest_value(__u32 index)
{
	return emulated_value(index) ^ (index == MSR_SYSENTER_CS ? 0x8 : 0x5000);
}

static void guest_write_msrs(void)
{
	unsigned int i;
	__u64 efer;

	for (i = 0; i < NR_PASSTHROUGH; i++)
		GUEST_ASSERT_EQ(guest_wrmsr_safe(passthrough[i],
						 guest_value(passthrough[i])),
				GUEST_NO_EXCEPTION);
	/* The intercepted ones. */
	GUEST_ASSERT_EQ(guest_wrmsr_safe(MSR_IA32_CR_PAT, PAT_ALL_WB),
			GUEST_NO_EXCEPTION);
	GUEST_ASSERT_EQ(guest_wrmsr_safe(MSR_IA32_TSC, 1ull << 42),
			GUEST_NO_EXCEPTION);
	GUEST_ASSERT_EQ(guest_rdmsr_safe(MSR_EFER, &efer), GUEST_NO_EXCEPTION);
	/* A guest's write of LMA is ignored, SCE taken. */
	GUEST_ASSERT_EQ(guest_wrmsr_safe(MSR_EFER, (efer & ~EFER_SCE & ~EFER_LMA)),
			GUEST_NO_EXCEPTION);
	GUEST_SYNC(efer);
	GUEST_DONE();
}

/* What the guest's WRMSR writes, DUET_GET_MSRS returns. */
static void msr_host_sees_guest_values(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct ucall uc;
	unsigned int i;
	__u64 got, efer;

	vm = vm_create_with_one_vcpu(&vcpu, guest_write_msrs);
	vm_init_exceptions(vm);
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	efer = uc.args[0];
	for (i = 0; i < NR_PASSTHROUGH; i++) {
		got = vcpu_get_msr(vcpu, passthrough[i]);
		TEST_ASSERT(got == guest_value(passthrough[i]),
			    "MSR %#x: %#llx, the guest wrote %#llx",
			    passthrough[i], (unsigned long long)got,
			    (unsigned long long)guest_value(passthrough[i]));
	}
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_IA32_CR_PAT), PAT_ALL_WB);
	got = vcpu_get_msr(vcpu, MSR_IA32_TSC);
	TEST_ASSERT(got >= (1ull << 42) && got - (1ull << 42) < (1ull << 38),
		    "TSC %#llx", (unsigned long long)got);
	TEST_ASSERT(efer & EFER_LMA, "guest EFER %#llx", (unsigned long long)efer);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_EFER), efer & ~EFER_SCE);
	vcpu_expect_done(vcpu);
}

static void guest_msr_gp(void)
{
	__u64 val = 0x1234, efer, ec = 0xdead;

	/* Unknown MSRs: #GP(0) for either access. */
	GUEST_ASSERT_EQ(guest_rdmsr_safe(MSR_UNKNOWN, &val), GP_VECTOR);
	GUEST_ASSERT_EQ(val, 0);
	GUEST_ASSERT_EQ(guest_asm_safe_ec("wrmsr", &ec, "c"(MSR_UNKNOWN2),
					  "a"(0), "d"(0)), GP_VECTOR);
	GUEST_ASSERT_EQ(ec, 0);
	/* Values an emulated MSR refuses: #GP, and the value stays. */
	GUEST_ASSERT_EQ(guest_wrmsr_safe(MSR_IA32_CR_PAT, 0x0202020202020202ull),
			GP_VECTOR);
	GUEST_ASSERT_EQ(guest_rdmsr_safe(MSR_IA32_CR_PAT, &val),
			GUEST_NO_EXCEPTION);
	GUEST_ASSERT_EQ(val, PAT_RESET);
	GUEST_ASSERT_EQ(guest_rdmsr_safe(MSR_EFER, &efer), GUEST_NO_EXCEPTION);
	GUEST_ASSERT_EQ(guest_wrmsr_safe(MSR_EFER, efer | EFER_SVME), GP_VECTOR);
	GUEST_ASSERT_EQ(guest_wrmsr_safe(MSR_EFER, efer | BIT(1)), GP_VECTOR);
	/* LME may not change while paging is on. */
	GUEST_ASSERT(guest_read_cr0() & X86_CR0_PG);
	GUEST_ASSERT_EQ(guest_wrmsr_safe(MSR_EFER, efer & ~EFER_LME), GP_VECTOR);
	GUEST_ASSERT_EQ(guest_rdmsr_safe(MSR_EFER, &val), GUEST_NO_EXCEPTION);
	GUEST_ASSERT_EQ(val, efer);
	GUEST_ASSERT_EQ(guest_wrmsr_safe(MSR_IA32_APICBASE, 0xfec00900), GP_VECTOR);
	GUEST_ASSERT_EQ(guest_wrmsr_safe(MSR_IA32_APICBASE, 0xfee00900),
			GUEST_NO_EXCEPTION);
	/* MTRRcap is read-only even with its own value. */
	GUEST_ASSERT_EQ(guest_wrmsr_safe(MSR_MTRRCAP, 0), GP_VECTOR);
	GUEST_ASSERT_EQ(guest_wrmsr_safe(MSR_MTRR_DEF_TYPE, 0xc06), GP_VECTOR);
	GUEST_SYNC(1);
	GUEST_DONE();
}

/*
 * Without DUET_VM_USER_MSR the guest gets #GP for unknown MSRs, and in
 * either mode for values WRMSR refuses; its handler sees them.
 */
static void msr_guest_gp(void)
{
	unsigned long flags[] = { 0, DUET_VM_USER_MSR };
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct ucall uc;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		vm = vm_create_flags(flags[i]);
		vcpu = vm_vcpu_add(vm, 0, guest_msr_gp);
		vm_init_exceptions(vm);
		if (!flags[i]) {
			vcpu_expect_sync(vcpu, 1);
			vcpu_expect_done(vcpu);
			vm_free(vm);
			continue;
		}
		/* The unknown ones exit; answer #GP like the kernel would. */
		vcpu_run(vcpu);
		TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_MSR);
		TEST_ASSERT_EQ(vcpu->run->msr.index, MSR_UNKNOWN);
		vcpu->run->msr.error = 1;
		vcpu_run(vcpu);
		TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_MSR);
		TEST_ASSERT_EQ(vcpu->run->msr.index, MSR_UNKNOWN2);
		vcpu->run->msr.error = 1;
		/* No other exit before the sync: the rest #GP in the kernel. */
		TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
		vcpu_expect_done(vcpu);
		vm_free(vm);
	}
}

/* RIP of @vcpu points at the two bytes of RDMSR (0f 32) or WRMSR (0f 30). */
static void assert_at_msr_insn(struct duet_test_vcpu *vcpu, bool write)
{
	struct duet_regs regs;
	const __u8 *insn;

	vcpu_regs_get(vcpu, &regs);
	insn = vm_gva2hva(vcpu->vm, regs.rip, 2);
	TEST_ASSERT(insn[0] == 0x0f && insn[1] == (write ? 0x30 : 0x32),
		    "RIP %#llx: %02x %02x", (unsigned long long)regs.rip,
		    insn[0], insn[1]);
}

#define USER_RDMSR_DATA		0x1122334455667788ull
#define USER_WRMSR_DATA		0xdeadbeef00c0ffeeull

static void guest_user_msr(void)
{
	__u64 val = 0;

	/* Answered by the host. */
	GUEST_ASSERT_EQ(guest_rdmsr_safe(MSR_UNKNOWN, &val), GUEST_NO_EXCEPTION);
	GUEST_SYNC(val);
	GUEST_ASSERT_EQ(guest_wrmsr_safe(MSR_UNKNOWN2, USER_WRMSR_DATA),
			GUEST_NO_EXCEPTION);
	/* Emulated ones never exit. */
	GUEST_ASSERT_EQ(guest_rdmsr_safe(MSR_IA32_CR_PAT, &val),
			GUEST_NO_EXCEPTION);
	GUEST_ASSERT_EQ(val, PAT_RESET);
	GUEST_SYNC(2);
	/* Refused by the host: #GP. */
	GUEST_ASSERT_EQ(guest_rdmsr_safe(MSR_UNKNOWN, &val), GP_VECTOR);
	GUEST_ASSERT_EQ(guest_wrmsr_safe(MSR_UNKNOWN2, 5), GP_VECTOR);
	GUEST_SYNC(3);
	/* A bad answer first, then a good one. */
	GUEST_ASSERT_EQ(guest_rdmsr_safe(MSR_UNKNOWN, &val), GUEST_NO_EXCEPTION);
	GUEST_SYNC(val);
	GUEST_DONE();
}

/*
 * DUET_VM_USER_MSR: an unknown MSR exits with its index (and the data of a
 * WRMSR), RIP still at the instruction; the host's data completes a RDMSR,
 * error 1 makes it #GP, any other error fails DUET_RUN with -EINVAL and
 * leaves the exit open.
 */
static void msr_user_exit(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct duet_run *run;
	struct duet_regs regs, after;

	vm = vm_create_flags(DUET_VM_USER_MSR);
	vcpu = vm_vcpu_add(vm, 0, guest_user_msr);
	vm_init_exceptions(vm);
	run = vcpu->run;

	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_MSR);
	test_print("%s", vcpu_exit_str(vcpu));
	TEST_ASSERT_HW_EXIT(vcpu, TEST_HW_EXIT_MSR_READ);
	TEST_ASSERT_EQ(run->msr.index, MSR_UNKNOWN);
	TEST_ASSERT_EQ(run->msr.is_write, 0);
	TEST_ASSERT_EQ(run->msr.error, 0);
	assert_at_msr_insn(vcpu, false);
	run->msr.data = USER_RDMSR_DATA;
	vcpu_expect_sync(vcpu, USER_RDMSR_DATA);

	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_MSR);
	test_print("%s", vcpu_exit_str(vcpu));
	TEST_ASSERT_HW_EXIT(vcpu, TEST_HW_EXIT_MSR_WRITE);
	TEST_ASSERT_EQ(run->msr.index, MSR_UNKNOWN2);
	TEST_ASSERT_EQ(run->msr.is_write, 1);
	TEST_ASSERT_EQ(run->msr.data, USER_WRMSR_DATA);
	TEST_ASSERT_EQ(run->msr.error, 0);
	assert_at_msr_insn(vcpu, true);
	vcpu_expect_sync(vcpu, 2);

	/* error = 1: #GP, for a RDMSR and for a WRMSR. */
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_MSR);
	run->msr.data = USER_RDMSR_DATA;
	run->msr.error = 1;
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_MSR);
	TEST_ASSERT_EQ(run->msr.data, 5);
	run->msr.error = 1;
	vcpu_expect_sync(vcpu, 3);

	/* error = 7: -EINVAL, nothing moves, the exit stays open. */
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_MSR);
	vcpu_regs_get(vcpu, &regs);
	run->msr.data = 0x42;
	run->msr.error = 7;
	TEST_ASSERT_RC(_vcpu_run(vcpu), -EINVAL);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_MSR);
	vcpu_regs_get(vcpu, &after);
	TEST_ASSERT(!memcmp(&regs, &after, sizeof(regs)), "registers changed");
	run->msr.error = ~0u;
	TEST_ASSERT_RC(_vcpu_run(vcpu), -EINVAL);
	run->msr.error = 0;
	vcpu_expect_sync(vcpu, 0x42);
	vcpu_expect_done(vcpu);
}

static const struct test_case cases[] = {
	TEST_CASE(msr_index_list_contents),
	TEST_CASE(msr_index_list_e2big),
	TEST_CASE(msr_roundtrip_each),
	TEST_CASE(msr_roundtrip_one_call),
	TEST_CASE(msr_set_invalid_stops),
	TEST_CASE(msr_unknown_index_stops),
	TEST_CASE(msr_bad_calls),
	TEST_CASE(msr_guest_sees_host_values),
	TEST_CASE(msr_host_sees_guest_values),
	TEST_CASE(msr_guest_gp),
	TEST_CASE(msr_user_exit),
};

int main(void)
{
	TEST_REQUIRE_VM();
	return test_run(cases, ARRAY_SIZE(cases));
}
