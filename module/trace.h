/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM duet

#if !defined(DUET_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define DUET_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(duet_module_load,
	    TP_PROTO(u32 backend, unsigned int nr_cpus),
	    TP_ARGS(backend, nr_cpus),
	    TP_STRUCT__entry(__field(u32, backend)
			     __field(unsigned int, nr_cpus)),
	    TP_fast_assign(__entry->backend = backend;
			   __entry->nr_cpus = nr_cpus;),
	    TP_printk("backend=%s cpus=%u",
		      __print_symbolic(__entry->backend,
				       { DUET_BACKEND_SVM, "svm" },
				       { DUET_BACKEND_VMX, "vmx" }),
		      __entry->nr_cpus)
);

TRACE_EVENT(duet_module_unload,
	    TP_PROTO(u32 backend),
	    TP_ARGS(backend),
	    TP_STRUCT__entry(__field(u32, backend)),
	    TP_fast_assign(__entry->backend = backend;),
	    TP_printk("backend=%s",
		      __print_symbolic(__entry->backend,
				       { DUET_BACKEND_SVM, "svm" },
				       { DUET_BACKEND_VMX, "vmx" }))
);

TRACE_EVENT(duet_cpu_enable,
	    TP_PROTO(int cpu, int ret),
	    TP_ARGS(cpu, ret),
	    TP_STRUCT__entry(__field(int, cpu)
			     __field(int, ret)),
	    TP_fast_assign(__entry->cpu = cpu;
			   __entry->ret = ret;),
	    TP_printk("cpu=%d ret=%d", __entry->cpu, __entry->ret)
);

TRACE_EVENT(duet_cpu_disable,
	    TP_PROTO(int cpu),
	    TP_ARGS(cpu),
	    TP_STRUCT__entry(__field(int, cpu)),
	    TP_fast_assign(__entry->cpu = cpu;),
	    TP_printk("cpu=%d", __entry->cpu)
);

TRACE_EVENT(duet_exit,
	    TP_PROTO(u32 vcpu, u64 exit_code, u64 rip, u64 info1, u64 info2),
	    TP_ARGS(vcpu, exit_code, rip, info1, info2),
	    TP_STRUCT__entry(__field(u32, vcpu)
			     __field(u64, exit_code)
			     __field(u64, rip)
			     __field(u64, info1)
			     __field(u64, info2)),
	    TP_fast_assign(__entry->vcpu = vcpu;
			   __entry->exit_code = exit_code;
			   __entry->rip = rip;
			   __entry->info1 = info1;
			   __entry->info2 = info2;),
	    TP_printk("vcpu=%u exit_code=%#llx rip=%#llx info1=%#llx info2=%#llx",
		      __entry->vcpu, __entry->exit_code, __entry->rip,
		      __entry->info1, __entry->info2)
);

TRACE_EVENT(duet_entry,
	    TP_PROTO(u32 vcpu, u64 rip),
	    TP_ARGS(vcpu, rip),
	    TP_STRUCT__entry(__field(u32, vcpu)
			     __field(u64, rip)),
	    TP_fast_assign(__entry->vcpu = vcpu;
			   __entry->rip = rip;),
	    TP_printk("vcpu=%u rip=%#llx", __entry->vcpu, __entry->rip)
);

/* A consistency check of VM-entry state that failed (vmx/checks.c CC()). */
TRACE_EVENT(duet_entry_check,
	    TP_PROTO(u32 vcpu, const char *check),
	    TP_ARGS(vcpu, check),
	    TP_STRUCT__entry(__field(u32, vcpu)
			     __array(char, check, 48)),
	    TP_fast_assign(__entry->vcpu = vcpu;
			   strscpy(__entry->check, check, sizeof(__entry->check));),
	    TP_printk("vcpu=%u check=%s", __entry->vcpu, __entry->check)
);

/* Binary translation (bt/): a block translated, translations dropped. */
TRACE_EVENT(duet_bt_translate,
	    TP_PROTO(u32 vcpu, u64 rip, u64 gpa, unsigned int nr_insns),
	    TP_ARGS(vcpu, rip, gpa, nr_insns),
	    TP_STRUCT__entry(__field(u32, vcpu)
			     __field(u64, rip)
			     __field(u64, gpa)
			     __field(unsigned int, nr_insns)),
	    TP_fast_assign(__entry->vcpu = vcpu;
			   __entry->rip = rip;
			   __entry->gpa = gpa;
			   __entry->nr_insns = nr_insns;),
	    TP_printk("vcpu=%u rip=%#llx gpa=%#llx insns=%u", __entry->vcpu,
		      __entry->rip, __entry->gpa, __entry->nr_insns)
);

TRACE_EVENT(duet_bt_invalidate,
	    TP_PROTO(u32 vm, u64 gfn, unsigned int nr_blocks),
	    TP_ARGS(vm, gfn, nr_blocks),
	    TP_STRUCT__entry(__field(u32, vm)
			     __field(u64, gfn)
			     __field(unsigned int, nr_blocks)),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->gfn = gfn;
			   __entry->nr_blocks = nr_blocks;),
	    TP_printk("vm=%u gfn=%#llx blocks=%u", __entry->vm, __entry->gfn,
		      __entry->nr_blocks)
);

TRACE_EVENT(duet_userspace_exit,
	    TP_PROTO(u32 vcpu, u32 reason, int ret),
	    TP_ARGS(vcpu, reason, ret),
	    TP_STRUCT__entry(__field(u32, vcpu)
			     __field(u32, reason)
			     __field(int, ret)),
	    TP_fast_assign(__entry->vcpu = vcpu;
			   __entry->reason = reason;
			   __entry->ret = ret;),
	    TP_printk("vcpu=%u reason=%s ret=%d", __entry->vcpu,
		      __print_symbolic(__entry->reason,
				       { DUET_EXIT_NONE, "none" },
				       { DUET_EXIT_IO, "io" },
				       { DUET_EXIT_MMIO, "mmio" },
				       { DUET_EXIT_HYPERCALL, "hypercall" },
				       { DUET_EXIT_HLT, "hlt" },
				       { DUET_EXIT_SHUTDOWN, "shutdown" },
				       { DUET_EXIT_INTR, "intr" },
				       { DUET_EXIT_INTERNAL_ERROR, "internal_error" },
				       { DUET_EXIT_IRQ_WINDOW_OPEN, "irq_window_open" },
				       { DUET_EXIT_KICK, "kick" }),
		      __entry->ret)
);

/* bt/stall.c: a stall barrier held; @vcpu -1 for netlink vm-stall. */
TRACE_EVENT(duet_stall_begin,
	    TP_PROTO(u32 vm, int vcpu, unsigned int kicked),
	    TP_ARGS(vm, vcpu, kicked),
	    TP_STRUCT__entry(__field(u32, vm)
			     __field(int, vcpu)
			     __field(unsigned int, kicked)),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->vcpu = vcpu;
			   __entry->kicked = kicked;),
	    TP_printk("vm=%u vcpu=%d kicked=%u", __entry->vm, __entry->vcpu,
		      __entry->kicked)
);

TRACE_EVENT(duet_stall_end,
	    TP_PROTO(u32 vm, int vcpu, u64 ns, bool timeout),
	    TP_ARGS(vm, vcpu, ns, timeout),
	    TP_STRUCT__entry(__field(u32, vm)
			     __field(int, vcpu)
			     __field(u64, ns)
			     __field(bool, timeout)),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->vcpu = vcpu;
			   __entry->ns = ns;
			   __entry->timeout = timeout;),
	    TP_printk("vm=%u vcpu=%d ns=%llu timeout=%d", __entry->vm,
		      __entry->vcpu, __entry->ns, __entry->timeout)
);

#endif /* DUET_TRACE_H */

/* Out of tree: tell define_trace.h where this header lives. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
