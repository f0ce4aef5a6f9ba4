// SPDX-License-Identifier: GPL-2.0
/*
 * The kvm_exit hook.
 *
 * Up to 5.15 the kvm_exit tracepoint passes the exit reason as its first
 * argument.  From 5.16 it is (vcpu, isa) and the tracepoint itself asks
 * the vendor module for the reason (kvm_x86_ops.get_exit_info) inside
 * TP_fast_assign.  That callback is not reachable from a module on the
 * kernels we target: kvm_x86_ops lost its export in 6.1 and the static
 * call behind it was never exported.  So this file reads the reason from
 * the same place the vendor module's get_exit_info() does:
 *
 * SVM: the exit code field of the VMCB, through vcpu_svm->vmcb.  Every
 *	kernel from 5.10 to at least 6.18 lays out struct vcpu_svm as
 *	{ struct kvm_vcpu vcpu; struct vmcb *vmcb; ... }, and struct vmcb is
 *	hardware-defined and public in <asm/svm.h>.  The pointer is checked
 *	to be a page-aligned direct-map address before it is followed.
 *
 * VMX: VMREAD of VM_EXIT_REASON from the current VMCS.  The tracepoint
 *	fires in vmx_vcpu_run() right after the exit, with the vCPU's VMCS
 *	loaded and preemption off, which is where KVM itself reads the field.
 *	No private layout is assumed.  A VMREAD failure (no current VMCS, as
 *	with Hyper-V's enlightened VMCS) drops the exit and says so once.
 *
 * Both give exactly what the kernel's own trace output shows, at the cost
 * of one dependent load (SVM) or one VMREAD (VMX) per exit.  The
 * alternatives were worse: resolving unexported symbols by name
 * (kallsyms tricks, refused under lockdown), guessing the offset of
 * vcpu_vmx->exit_reason (differs between kernels), or consuming the
 * trace event's ring buffer (costs what a trace event costs).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/tracepoint.h>
#include <asm/asm.h>
#include <asm/svm.h>
#include <asm/vmx.h>

#include <uapi/linux/vmexit_stat.h>

#include "compat.h"
#include "vmexit_stat.h"

/* Exported by kvm.ko (EXPORT_TRACEPOINT_SYMBOL_GPL(kvm_exit)). */
extern struct tracepoint __tracepoint_kvm_exit;

#if VXS_KVM_EXIT_PASSES_REASON
#define VXS_KVM_EXIT_PROTO VXS_KVM_EXIT_PROTO_REASON_VCPU_ISA
#else
#define VXS_KVM_EXIT_PROTO VXS_KVM_EXIT_PROTO_VCPU_ISA
#endif

static void vxs_count_exit(struct kvm_vcpu *vcpu, u32 isa, u32 reason)
{
	struct vxs_exit_table *table = vxs_this_cpu_table();
	struct vxs_exit_key key = {
		.kvm = (unsigned long)vcpu->kvm,
		.pid = vcpu->kvm->userspace_pid,
		.vcpu_id = vcpu->vcpu_id,
		.reason = reason,
		.isa = isa,
	};

	vxs_exit_table_sync(table, vxs_current_generation());
	vxs_exit_table_count(table, &key, task_pid_nr(current));
}

#if VXS_KVM_EXIT_PROTO == VXS_KVM_EXIT_PROTO_VCPU_ISA

/* The head of arch/x86/kvm/svm/svm.h's struct vcpu_svm; see above. */
struct vxs_vcpu_svm_head {
	struct kvm_vcpu vcpu;
	struct vmcb *vmcb;
};

static bool vxs_svm_exit_reason(struct kvm_vcpu *vcpu, u32 *reason)
{
	struct vxs_vcpu_svm_head *svm =
		container_of(vcpu, struct vxs_vcpu_svm_head, vcpu);
	struct vmcb *vmcb = READ_ONCE(svm->vmcb);

	if (unlikely(!PAGE_ALIGNED(vmcb) || !virt_addr_valid(vmcb)))
		return false;
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
	bool known = false;
	u32 reason;

	if (isa == VMEXIT_STAT_ISA_SVM)
		known = vxs_svm_exit_reason(vcpu, &reason);
	else if (isa == VMEXIT_STAT_ISA_VMX)
		known = vxs_vmx_exit_reason(&reason);

	if (unlikely(!known)) {
		struct vxs_exit_table *table = vxs_this_cpu_table();

		vxs_exit_table_sync(table, vxs_current_generation());
		vxs_exit_table_drop(table);
		pr_warn_once("cannot read the exit reason (isa %u); such exits are counted as dropped\n",
			     isa);
		return;
	}
	vxs_count_exit(vcpu, isa, reason);
}

#else

static void vxs_kvm_exit_probe(void *data, unsigned int exit_reason,
			       struct kvm_vcpu *vcpu, u32 isa)
{
	vxs_count_exit(vcpu, isa, exit_reason);
}

#endif

u32 vxs_exit_probe_proto(void)
{
	return VXS_KVM_EXIT_PROTO;
}

int vxs_exit_probe_register(void)
{
	return tracepoint_probe_register(&__tracepoint_kvm_exit,
					 vxs_kvm_exit_probe, NULL);
}

void vxs_exit_probe_unregister(void)
{
	tracepoint_probe_unregister(&__tracepoint_kvm_exit,
				    vxs_kvm_exit_probe, NULL);
	/* No probe may still be running on another CPU once we return. */
	tracepoint_synchronize_unregister();
}
