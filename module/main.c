// SPDX-License-Identifier: GPL-2.0
/*
 * duet: module init/exit, backend selection and per-CPU enabling of
 * hardware virtualization.
 *
 * duet turns virtualization on for every online CPU at load and for every CPU
 * that comes online later (cpuhp), and off when a CPU goes offline, on unload,
 * on a failed init, on shutdown/reboot/kexec (syscore shutdown) and across
 * suspend (syscore suspend/resume of the boot CPU; the others go through
 * cpuhp).  duet refuses to load when another hypervisor already owns the
 * hardware, and otherwise leaves every CPU as it found it.
 */
#define pr_fmt(fmt) "duet: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/syscore_ops.h>
#include <asm/processor.h>

#include "duet.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

struct duet_caps duet_caps __read_mostly;
const struct duet_arch_ops *duet_ops __read_mostly;
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_ops);

static DEFINE_PER_CPU(bool, duet_cpu_enabled);
static atomic_t duet_nr_enabled = ATOMIC_INIT(0);
static enum cpuhp_state duet_cpuhp_state;
/* Set once loaded: later CPU-online failures get their own log line. */
static bool duet_loaded;

static const char * const duet_refusals[] = {
	[DUET_OK]		= "supported",
	[DUET_NO_VENDOR]	= "CPU vendor is neither AMD nor Intel",
	[DUET_NO_SVM]		= "CPU has no SVM (CPUID 8000_0001h ECX.SVM clear)",
	[DUET_SVM_DISABLED]	= "SVM disabled by firmware (VM_CR.SVMDIS set)",
	[DUET_NO_NPT]		= "SVM without nested paging (CPUID 8000_000Ah EDX.NP clear)",
	[DUET_NO_ASIDS]		= "SVM reports fewer than 2 ASIDs",
	[DUET_NO_VMX]		= "CPU has no VMX (CPUID.1:ECX.VMX clear)",
	[DUET_VMX_DISABLED]	= "VMX disabled by firmware (IA32_FEATURE_CONTROL)",
	[DUET_VMX_BAD_BASIC]	= "IA32_VMX_BASIC unusable (VMCS size or memory type)",
	[DUET_NO_EPT]		= "VMX without usable EPT (4-level walk, write-back)",
	[DUET_IN_USE]		= "already in use by another hypervisor (kvm_amd/kvm_intel?)",
};

const char *duet_refusal_str(enum duet_refusal why)
{
	if ((unsigned int)why >= ARRAY_SIZE(duet_refusals) || !duet_refusals[why])
		return "unknown reason";
	return duet_refusals[why];
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_refusal_str);

unsigned int duet_nr_enabled_cpus(void)
{
	return atomic_read(&duet_nr_enabled);
}

/* Enable virtualization on this CPU; called with preemption off. */
static int duet_enable_this_cpu(void)
{
	int cpu = smp_processor_id();
	int r;

	if (__this_cpu_read(duet_cpu_enabled))
		return 0;

	r = duet_ops->cpu_enable();
	trace_duet_cpu_enable(cpu, r);
	if (r)
		return r;

	__this_cpu_write(duet_cpu_enabled, true);
	atomic_inc(&duet_nr_enabled);
	return 0;
}

static void duet_disable_this_cpu(void)
{
	if (!__this_cpu_read(duet_cpu_enabled))
		return;

	duet_ops->cpu_disable();
	__this_cpu_write(duet_cpu_enabled, false);
	atomic_dec(&duet_nr_enabled);
	trace_duet_cpu_disable(smp_processor_id());
}

static int duet_cpu_online(unsigned int cpu)
{
	int r;

	/*
	 * Refuse the CPU rather than let it come online without
	 * virtualization: vCPUs scheduled there could not run.
	 */
	preempt_disable();
	r = duet_enable_this_cpu();
	preempt_enable();
	/* At load, duet_init() reports the refusal once for every CPU. */
	if (r && READ_ONCE(duet_loaded))
		pr_err("CPU %u: cannot enable virtualization (%d)\n", cpu, r);
	return r;
}

static int duet_cpu_offline(unsigned int cpu)
{
	preempt_disable();
	duet_disable_this_cpu();
	preempt_enable();
	return 0;
}

static void duet_disable_cpu_ipi(void *unused)
{
	duet_disable_this_cpu();
}

static void duet_shutdown(void)
{
	/*
	 * VMX blocks INIT and SVM with GIF clear does too: turn
	 * virtualization off everywhere before firmware or the next kernel
	 * (kexec) takes the CPUs back.
	 */
	pr_info("turning virtualization off for shutdown/reboot\n");
	on_each_cpu(duet_disable_cpu_ipi, NULL, 1);
}

static int duet_suspend(void)
{
	/* Only the boot CPU is left; the others went through cpuhp. */
	duet_disable_this_cpu();
	return 0;
}

static void duet_resume(void)
{
	/* Firmware cleared EFER.SVME/CR4.VMXE: enable this CPU again. */
	if (duet_enable_this_cpu())
		pr_err("CPU %d: cannot enable virtualization after resume\n",
		       smp_processor_id());
}

/*
 * syscore's callbacks gained a data pointer within 6.12 stable; Kbuild
 * probes the headers and sets DUET_HAVE_SYSCORE for the new API.
 */
#ifdef DUET_HAVE_SYSCORE
static int duet_syscore_suspend(void *data)
{
	return duet_suspend();
}

static void duet_syscore_resume(void *data)
{
	duet_resume();
}

static void duet_syscore_shutdown(void *data)
{
	duet_shutdown();
}

static const struct syscore_ops duet_syscore_ops = {
	.suspend	= duet_syscore_suspend,
	.resume		= duet_syscore_resume,
	.shutdown	= duet_syscore_shutdown,
};

static struct syscore duet_syscore = { .ops = &duet_syscore_ops };

static void duet_register_syscore(void)
{
	register_syscore(&duet_syscore);
}

static void duet_unregister_syscore(void)
{
	unregister_syscore(&duet_syscore);
}
#else
static struct syscore_ops duet_syscore_ops = {
	.suspend	= duet_suspend,
	.resume		= duet_resume,
	.shutdown	= duet_shutdown,
};

static void duet_register_syscore(void)
{
	register_syscore_ops(&duet_syscore_ops);
}

static void duet_unregister_syscore(void)
{
	unregister_syscore_ops(&duet_syscore_ops);
}
#endif

static const struct duet_arch_ops *duet_pick_backend(void)
{
	switch (boot_cpu_data.x86_vendor) {
	case X86_VENDOR_AMD:
	case X86_VENDOR_HYGON:
		return &duet_svm_ops;
	case X86_VENDOR_INTEL:
	case X86_VENDOR_CENTAUR:
	case X86_VENDOR_ZHAOXIN:
		return &duet_vmx_ops;
	default:
		return NULL;
	}
}

/* Every operation by name, for duet_check_ops(). */
static const struct {
	const char *name;
	size_t offset;
	bool optional;
} duet_op_list[] = {
#define DUET_ARCH_OP(op) { #op, offsetof(struct duet_arch_ops, op), false },
#define DUET_ARCH_OP_OPTIONAL(op) { #op, offsetof(struct duet_arch_ops, op), true },
#include "arch-ops.h"
};

/* Verify that a backend filled every mandatory operation. */
static bool duet_check_ops(const struct duet_arch_ops *ops)
{
	bool ok = true;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(duet_op_list); i++) {
		const void *fn = *(const void * const *)((const char *)ops +
						 duet_op_list[i].offset);

		if (!fn && !duet_op_list[i].optional) {
			pr_err("backend %s lacks op %s\n", ops->name,
			       duet_op_list[i].name);
			ok = false;
		}
	}
	return ok;
}

static int duet_probe(void)
{
	enum duet_refusal why;
	const struct duet_arch_ops *ops;

	ops = duet_pick_backend();
	if (!ops) {
		pr_err("not loading: %s\n", duet_refusal_str(DUET_NO_VENDOR));
		return -ENODEV;
	}
	if (!duet_check_ops(ops))
		return -ENODEV;

	/* CPUID and the capability MSRs are uniform across CPUs. */
	why = ops->probe(&duet_caps);
	if (why != DUET_OK) {
		pr_err("not loading: %s\n", duet_refusal_str(why));
		return -ENODEV;
	}
	duet_ops = ops;
	return 0;
}

static int __init duet_init(void)
{
	int r;

	r = duet_probe();
	if (r)
		return r;

	r = duet_fpu_setup();
	if (r) {
		pr_err("not loading: CPU without XSAVE enabled\n");
		return r;
	}

	r = duet_cpuid_setup();
	if (r) {
		pr_err("not loading: CPUID table larger than %d leaves\n",
		       DUET_MAX_CPUID_ENTRIES);
		return r;
	}

	r = duet_ops->hardware_setup();
	if (r)
		return r;

	/*
	 * cpuhp_setup_state() runs duet_cpu_online() on every online CPU and
	 * undoes the ones that succeeded if any fails.
	 */
	r = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "duet/cpu:online",
			      duet_cpu_online, duet_cpu_offline);
	if (r < 0) {
		if (r == -EBUSY)
			pr_err("not loading: %s\n", duet_refusal_str(DUET_IN_USE));
		else
			pr_err("not loading: cannot enable virtualization (%d)\n", r);
		r = -ENODEV;
		goto err_hardware_unsetup;
	}
	duet_cpuhp_state = r;
	duet_register_syscore();

	/* Before the family: its introspection ops read through the worker. */
	r = duet_gmem_init();
	if (r)
		goto err_cpuhp_remove;

	/* The family first: a VM announces itself on it (duet_nl_notify_vm()). */
	r = duet_nl_init();
	if (r)
		goto err_gmem_exit;

	r = duet_dev_init();
	if (r)
		goto err_nl_exit;

	WRITE_ONCE(duet_loaded, true);
	trace_duet_module_load(duet_caps.backend, duet_nr_enabled_cpus());
	pr_info("%s backend on %u CPUs, %s paging %u-level, %u %s\n",
		duet_ops->name, duet_nr_enabled_cpus(),
		duet_caps.backend == DUET_BACKEND_SVM ? "NPT" : "EPT",
		duet_caps.paging_levels, duet_caps.nr_asids,
		duet_caps.backend == DUET_BACKEND_SVM ? "ASIDs" : "VPIDs");
	return 0;

err_nl_exit:
	duet_nl_exit();
err_gmem_exit:
	duet_gmem_exit();
err_cpuhp_remove:
	duet_unregister_syscore();
	cpuhp_remove_state(duet_cpuhp_state);
err_hardware_unsetup:
	duet_ops->hardware_unsetup();
	return r;
}

static void __exit duet_exit(void)
{
	duet_dev_exit();
	/*
	 * Waits for running handlers, which may drop the last reference to a
	 * VM: its teardown needs the backend, still set up here.
	 */
	duet_nl_exit();
	/* Reads whose callers gave up may hold the last VM reference too. */
	duet_gmem_exit();
	duet_unregister_syscore();
	cpuhp_remove_state(duet_cpuhp_state);
	duet_ops->hardware_unsetup();
	trace_duet_module_unload(duet_caps.backend);
}

module_init(duet_init);
module_exit(duet_exit);

MODULE_DESCRIPTION("duet: hypervisor with hardware and binary-translated execution");
MODULE_LICENSE("GPL");
