// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoint hooks.
 *
 * kvm_exit starts an exit; the same thread's next kvm_entry ends it, so
 * the time in between is the exit's latency.  kvm_userspace_exit marks a
 * return of KVM_RUN to the VMM, whose round trip also ends at kvm_entry.
 * kvm_pio, kvm_msr, kvm_cpuid, kvm_mmio and kvm_fast_mmio tell what an
 * exit was about (the drill-down).  sched_process_exit ends a vCPU thread.
 * All of them fire in the vCPU thread itself, with preemption disabled.
 * sched_switch and sched_wakeup, which fire for every task of the host,
 * measure the scheduling of vCPU threads (sched.c).
 *
 * Reading the exit reason from 5.16 on
 * ------------------------------------
 * Up to 5.15 kvm_exit passes the exit reason.  From 5.16 it is (vcpu,
 * isa) and the trace event asks the vendor module for the reason through
 * kvm_x86_ops.get_exit_info, which a module cannot reach (kvm_x86_ops lost
 * its export in 6.1, the static call was never exported).  So the reason
 * is read where the vendor module's get_exit_info() reads it:
 *
 * SVM: the exit code field of the VMCB, through vcpu_svm->vmcb.  Every
 *	kernel from 5.10 to at least 6.18 lays out struct vcpu_svm as
 *	{ struct kvm_vcpu vcpu; struct vmcb *vmcb; ... }, and struct vmcb is
 *	hardware-defined and public in <asm/svm.h>.  The pointer is checked
 *	to be a page-aligned direct-map address before it is followed.
 *
 * VMX: VMREAD of VM_EXIT_REASON from the current VMCS.  The tracepoint
 *	fires in vmx_vcpu_run() right after the exit, with the vCPU's VMCS
 *	loaded and preemption off.  A VMREAD failure (no current VMCS, as
 *	with Hyper-V's enlightened VMCS) drops the exit and says so once.
 *
 * Finding tracepoints that are not exported
 * -----------------------------------------
 * Only kvm_exit is exported on every kernel we support (kvm_entry is not
 * on 5.10, where x86.c still fired it).  The others are found by name, in
 * kvm.ko through the tracepoint module notifier and in the kernel image
 * (KVM built in, sched) with for_each_kernel_tracepoint(), both exported
 * for this.
 *
 * Probe prototypes
 * ----------------
 * Where a tracepoint gained trailing arguments over the kernels we support
 * (kvm_entry: (vcpu) up to 6.1.y's backport of (vcpu, force_immediate_exit);
 * sched_switch: prev_state added in 5.18)
 * or where only the leading ones matter (kvm_cpuid has eight), the probe
 * declares the leading arguments only.  On x86-64 the caller passes every
 * argument in registers or its own stack area, so a callee that ignores
 * the trailing ones is correct; only kernel CFI (kCFI) checks the full
 * type, and such kernels are refused at build time below.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <asm/asm.h>
#include <asm/svm.h>
#include <asm/vmx.h>

#include <vmexit_stat/details.h>
#include <vmexit_stat/markers.h>

#include "compat.h"
#include "vcpu_table.h"

#ifdef CONFIG_CFI_CLANG
#error "CFI_CLANG kernels are not supported: see Probe prototypes above"
#endif

#if VXS_KVM_EXIT_PASSES_REASON
#define VXS_KVM_EXIT_PROTO VXS_KVM_EXIT_PROTO_REASON_VCPU_ISA
#else
#define VXS_KVM_EXIT_PROTO VXS_KVM_EXIT_PROTO_VCPU_ISA
#endif

/*
 * The block of the vCPU thread that last counted on this CPU.  The probes
 * of one exit (kvm_exit, the drill-down, kvm_userspace_exit, kvm_entry)
 * fire in one thread, mostly on one CPU, so they find its block here
 * rather than in the index.  block->task == current proves that it is
 * the thread's live block: only the thread itself sets or clears it (on
 * its first exit, when it runs another vCPU, when it exits).
 */
static DEFINE_PER_CPU(struct vxs_block *, vxs_cpu_block);

static struct vxs_block *vxs_current_block(struct vxs_core *core)
{
	struct vxs_block *block = this_cpu_read(vxs_cpu_block);

	if (likely(block && READ_ONCE(block->task) == current))
		return block;
	block = vxs_block_lookup(core, current);
	if (block)
		this_cpu_write(vxs_cpu_block, block);
	return block;
}

static void vxs_count_exit(struct vxs_core *core, struct kvm_vcpu *vcpu,
			   u32 isa, u32 reason)
{
	struct vxs_block *block = this_cpu_read(vxs_cpu_block);

	if (unlikely(!block || READ_ONCE(block->task) != current ||
		     block->kvm_vcpu != vcpu)) {
		block = vxs_block_get(core, current, vcpu, vcpu->kvm,
				      vcpu->kvm->userspace_pid, vcpu->vcpu_id,
				      isa);
		if (unlikely(!block)) {
			this_cpu_inc(core->cpu->dropped_no_vcpu_slot);
			return;
		}
		this_cpu_write(vxs_cpu_block, block);
	}
	vxs_block_count_exit(core, block, reason,
			     READ_ONCE(core->latency) ? local_clock() : 0);
}

#if VXS_KVM_EXIT_PROTO == VXS_KVM_EXIT_PROTO_VCPU_ISA

/* The head of arch/x86/kvm/svm/svm.h's struct vcpu_svm; see above. */
struct vxs_vcpu_svm_head {
	struct kvm_vcpu vcpu;
	struct vmcb *vmcb;
};

/*
 * The last VMCB each CPU found valid: a vCPU keeps its VMCB (two with
 * nested SVM), so the full check runs about once per vCPU and CPU, not
 * once per exit.
 */
static DEFINE_PER_CPU(struct vmcb *, vxs_vmcb_checked);

static bool vxs_svm_exit_reason(struct kvm_vcpu *vcpu, u32 *reason)
{
	struct vxs_vcpu_svm_head *svm =
		container_of(vcpu, struct vxs_vcpu_svm_head, vcpu);
	struct vmcb *vmcb = READ_ONCE(svm->vmcb);

	if (unlikely(vmcb != this_cpu_read(vxs_vmcb_checked))) {
		if (unlikely(!PAGE_ALIGNED(vmcb) || !virt_addr_valid(vmcb)))
			return false;
		this_cpu_write(vxs_vmcb_checked, vmcb);
	}
	*reason = (u32)READ_ONCE(vmcb->control.exit_code);
	return true;
}

static bool vxs_vmx_exit_reason(u32 *reason)
{
	unsigned long field = VM_EXIT_REASON;
	unsigned long value;
	bool failed;

	/* VMfailInvalid sets CF, VMfailValid sets ZF. */
	asm volatile("vmread %[field], %[value]"
		     CC_SET(be)
		     : [value] "=rm"(value), CC_OUT(be)(failed)
		     : [field] "r"(field));
	if (unlikely(failed))
		return false;
	*reason = value;
	return true;
}

static void vxs_kvm_exit_probe(void *data, struct kvm_vcpu *vcpu, u32 isa)
{
	struct vxs_core *core = data;
	bool known = false;
	u32 reason;

	this_cpu_inc(core->cpu->exits_seen);
	if (isa == VMEXIT_STAT_ISA_SVM)
		known = vxs_svm_exit_reason(vcpu, &reason);
	else if (isa == VMEXIT_STAT_ISA_VMX)
		known = vxs_vmx_exit_reason(&reason);

	if (unlikely(!known)) {
		this_cpu_inc(core->cpu->dropped_unreadable);
		pr_warn_once("cannot read the exit reason (isa %u); such exits are counted as dropped\n",
			     isa);
		return;
	}
	vxs_count_exit(core, vcpu, isa, reason);
}

#else

static void vxs_kvm_exit_probe(void *data, unsigned int exit_reason,
			       struct kvm_vcpu *vcpu, u32 isa)
{
	struct vxs_core *core = data;

	this_cpu_inc(core->cpu->exits_seen);
	vxs_count_exit(core, vcpu, isa, exit_reason);
}

#endif

static void vxs_kvm_entry_probe(void *data, struct kvm_vcpu *vcpu)
{
	struct vxs_core *core = data;
	struct vxs_block *block;

	this_cpu_inc(core->cpu->entries_seen);
	block = vxs_current_block(core);
	if (!block || block->kvm_vcpu != vcpu)
		return;
	/* The clock is read only when something is being timed. */
	vxs_block_count_entry(core, block,
			      block->exit_timed || block->open_user ?
			      local_clock() : 0);
}

static void vxs_kvm_userspace_exit_probe(void *data, u32 reason, int err)
{
	struct vxs_core *core = data;
	struct vxs_block *block;

	this_cpu_inc(core->cpu->user_exits_seen);
	block = vxs_current_block(core);
	if (block)
		vxs_block_count_user_exit(core, block, reason,
					  READ_ONCE(core->latency) ?
					  local_clock() : 0);
}

static void vxs_count_detail(struct vxs_core *core, u32 kind, u64 key)
{
	struct vxs_block *block = vxs_current_block(core);

	/* The exit's first detail only: completions trace it again. */
	if (block && block->detail_pending)
		vxs_block_count_detail(core, block, kind, key);
}

static void vxs_kvm_pio_probe(void *data, unsigned int rw, unsigned int port)
{
	vxs_count_detail(data, rw == VXS_KVM_PIO_OUT ?
				       VMEXIT_STAT_DETAIL_PIO_OUT :
				       VMEXIT_STAT_DETAIL_PIO_IN, port);
}

static void vxs_kvm_msr_probe(void *data, unsigned int write, u32 ecx)
{
	vxs_count_detail(data, write ? VMEXIT_STAT_DETAIL_MSR_WRITE :
				       VMEXIT_STAT_DETAIL_MSR_READ, ecx);
}

/* Also where the guest's phase markers are seen: see phases.c. */
static void vxs_kvm_cpuid_probe(void *data, unsigned int function,
				unsigned int index)
{
	struct vxs_core *core = data;

	if (unlikely(VMEXIT_STAT_IS_MARKER(function))) {
		struct vxs_block *block = vxs_current_block(core);

		if (block)
			vxs_phase_marker(core, block, function,
					 ktime_get_ns());
	}
	vxs_count_detail(core, VMEXIT_STAT_DETAIL_CPUID,
			 vxs_cpuid_key(function, index));
}

static void vxs_kvm_mmio_probe(void *data, int type, int len, u64 gpa)
{
	vxs_count_detail(data, type == VXS_KVM_TRACE_MMIO_WRITE ?
				       VMEXIT_STAT_DETAIL_MMIO_WRITE :
				       VMEXIT_STAT_DETAIL_MMIO_READ,
			 gpa & VXS_MMIO_PAGE_MASK);
}

static void vxs_kvm_fast_mmio_probe(void *data, u64 gpa)
{
	vxs_count_detail(data, VMEXIT_STAT_DETAIL_MMIO_WRITE,
			 gpa & VXS_MMIO_PAGE_MASK);
}

static void vxs_sched_process_exit_probe(void *data, struct task_struct *p)
{
	struct vxs_core *core = data;
	struct vxs_block *block = vxs_block_lookup(core, p);

	if (block)
		vxs_block_release(core, block);
}

struct vxs_probe {
	const char *name;
	void *func;
	struct tracepoint *tp;
	bool optional;		/* the drill-down: missing only warns */
	bool registered;
	void *data;
};

/* Registered in this order, unregistered in the reverse one. */
static struct vxs_probe vxs_probes[] = {
	/* First, so that no vCPU thread can end unseen once it is counted. */
	{ "sched_process_exit", vxs_sched_process_exit_probe },
	{ "sched_wakeup", vxs_sched_wakeup_probe },
	{ "sched_switch", vxs_sched_switch_probe },
	{ "kvm_pio", vxs_kvm_pio_probe, .optional = true },
	{ "kvm_msr", vxs_kvm_msr_probe, .optional = true },
	{ "kvm_cpuid", vxs_kvm_cpuid_probe, .optional = true },
	{ "kvm_mmio", vxs_kvm_mmio_probe, .optional = true },
	{ "kvm_fast_mmio", vxs_kvm_fast_mmio_probe, .optional = true },
	{ "kvm_userspace_exit", vxs_kvm_userspace_exit_probe },
	{ "kvm_entry", vxs_kvm_entry_probe },
	{ "kvm_exit", vxs_kvm_exit_probe, &__tracepoint_kvm_exit },
};

static void vxs_probe_match(struct tracepoint *tp, void *unused)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vxs_probes); i++)
		if (!vxs_probes[i].tp && !strcmp(tp->name, vxs_probes[i].name))
			vxs_probes[i].tp = tp;
}

static int vxs_tp_module_notify(struct notifier_block *nb, unsigned long val,
				void *data)
{
	struct tp_module *tp_mod = data;
	struct module *mod = tp_mod->mod;
	unsigned int i;

	/* Called for every loaded module when registered, GOING on removal. */
	if (val != MODULE_STATE_COMING || strcmp(mod->name, "kvm"))
		return NOTIFY_OK;
	for (i = 0; i < mod->num_tracepoints; i++)
		vxs_probe_match(tracepoint_ptr_deref(&mod->tracepoints_ptrs[i]),
				NULL);
	return NOTIFY_OK;
}

static struct notifier_block vxs_tp_module_nb = {
	.notifier_call = vxs_tp_module_notify,
};

/*
 * kvm.ko stays loaded while we are (we use its exported tracepoints), so
 * the tracepoints found in it stay valid without keeping the notifier.
 */
static int vxs_probes_find(void)
{
	int err;

	for_each_kernel_tracepoint(vxs_probe_match, NULL);
	err = register_tracepoint_module_notifier(&vxs_tp_module_nb);
	if (err)
		return err;
	unregister_tracepoint_module_notifier(&vxs_tp_module_nb);
	return 0;
}

u32 vxs_exit_probe_proto(void)
{
	return VXS_KVM_EXIT_PROTO;
}

void vxs_probes_unregister(void)
{
	int i;

	for (i = ARRAY_SIZE(vxs_probes) - 1; i >= 0; i--) {
		struct vxs_probe *probe = &vxs_probes[i];

		if (!probe->registered)
			continue;
		WARN_ON_ONCE(tracepoint_probe_unregister(probe->tp, probe->func,
							 probe->data));
		probe->registered = false;
	}
	/* No probe may still be running on another CPU once we return. */
	tracepoint_synchronize_unregister();
}

int vxs_probes_register(struct vxs_core *core)
{
	unsigned int i;
	int err;

	err = vxs_probes_find();
	if (err)
		return err;

	for (i = 0; i < ARRAY_SIZE(vxs_probes); i++) {
		struct vxs_probe *probe = &vxs_probes[i];

		if (!probe->tp) {
			if (probe->optional) {
				pr_warn("tracepoint %s not found; its drill-down is not collected\n",
					probe->name);
				continue;
			}
			pr_err("tracepoint %s not found\n", probe->name);
			err = -ENOENT;
			goto unregister_probes;
		}
		probe->data = core;
		err = tracepoint_probe_register(probe->tp, probe->func, core);
		if (err) {
			pr_err("cannot hook tracepoint %s: %d\n", probe->name,
			       err);
			goto unregister_probes;
		}
		probe->registered = true;
	}
	return 0;

unregister_probes:
	vxs_probes_unregister();
	return err;
}
