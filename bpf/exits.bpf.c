// SPDX-License-Identifier: GPL-2.0
/*
 * Exit counts from the kvm:kvm_exit tracepoint, per (VM, vCPU, isa, exit
 * reason), into a per-CPU hash map that vmexit-stat reads and sums.
 *
 * The tracepoint's prototype changed in 5.16 (see
 * Documentation/exit-reason.rst), so there are two programs and
 * vmexit-stat loads exactly one (bpf_program__set_autoload()):
 *
 * kvm_exit_reason_vcpu_isa: raw_tp, (exit_reason, vcpu, isa), up to 5.15.
 *	The reason is an argument.  raw_tp rather than tp_btf because these
 *	kernels may have no BTF for kvm.ko (5.10 has no module BTF at all),
 *	and tp_btf needs the tracepoint's BTF to attach.
 *
 * kvm_exit_vcpu_isa: tp_btf, (vcpu, isa), from 5.16.  The tracepoint
 *	only computes the reason for its own ring buffer, so we read it
 *	where the vendor module's get_exit_info() does:
 *	vcpu_svm->vmcb->control.exit_code and vcpu_vmx->exit_reason.full.
 *	These are private types of kvm_amd and kvm_intel; the ___vxs
 *	flavours below match them by name in those modules' BTF (CO-RE),
 *	so no offset is assumed.  A vendor module without BTF (or not
 *	loaded) makes bpf_core_type_exists() false at load time; the
 *	verifier then drops that branch and such exits count as dropped.
 *	tp_btf here: every such kernel has the BTF this needs anyway.
 *
 * An exit that cannot be counted (map full, reason unreadable) is counted
 * in totals.dropped, as the module does, so counts are known to be exact
 * or lower bounds.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include <vmexit_stat/exits.h>

#define KVM_ISA_VMX 1
#define KVM_ISA_SVM 2
#define E2BIG 7
#define EEXIST 17

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, VXS_BPF_MAX_COUNTERS);
	__type(key, struct vxs_exit_key);
	__type(value, struct vxs_exit_value);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vxs_exit_totals);
} totals SEC(".maps");

/* arch/x86/include/asm/svm.h and arch/x86/kvm/svm/svm.h */
struct vmcb_control_area___vxs {
	/* u32 up to 6.18 at least; read with the kernel's own size */
	__u64 exit_code;
} __attribute__((preserve_access_index));

struct vmcb___vxs {
	struct vmcb_control_area___vxs control;
} __attribute__((preserve_access_index));

struct vcpu_svm___vxs {
	struct vmcb___vxs *vmcb;
} __attribute__((preserve_access_index));

/* arch/x86/kvm/vmx/vmx.h: a union since 5.12, read here only from 5.16 */
union vmx_exit_reason___vxs {
	__u32 full;
} __attribute__((preserve_access_index));

struct vcpu_vmx___vxs {
	union vmx_exit_reason___vxs exit_reason;
} __attribute__((preserve_access_index));

static __always_inline struct vxs_exit_totals *this_cpu_totals(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&totals, &zero);
}

static __always_inline int count_exit(struct kvm_vcpu *vcpu, __u32 isa,
				      __u32 reason)
{
	static const struct vxs_exit_value fresh;
	struct vxs_exit_totals *tot = this_cpu_totals();
	struct vxs_exit_value *value;
	struct vxs_exit_key key;
	int err;

	if (!tot)
		return 0;
	tot->seen++;

	__builtin_memset(&key, 0, sizeof(key));
	key.kvm = (__u64)BPF_CORE_READ(vcpu, kvm);
	key.pid = BPF_CORE_READ(vcpu, kvm, userspace_pid);
	key.vcpu_id = BPF_CORE_READ(vcpu, vcpu_id);
	key.isa = isa;
	key.reason = reason;

	value = bpf_map_lookup_elem(&counters, &key);
	if (!value) {
		/*
		 * Another CPU may have made the key meanwhile: EEXIST.  Only
		 * the low 32 bits of the result mean anything: the verifier
		 * turns this helper into a direct call of the map's
		 * int-returning update (seen on 6.1: -E2BIG came back as
		 * 0xfffffff9), so compare it as an int.
		 */
		err = (int)bpf_map_update_elem(&counters, &key, &fresh,
					       BPF_NOEXIST);
		if (err && err != -EEXIST) {
			tot->dropped++;
			if (err == -E2BIG)
				tot->map_full++;
			return 0;
		}
		value = bpf_map_lookup_elem(&counters, &key);
		if (!value) {
			tot->dropped++;
			return 0;
		}
	}
	/* Per-CPU value, and kvm_exit runs with preemption off. */
	value->count++;
	value->tid = (__u32)bpf_get_current_pid_tgid();
	return 0;
}

static __always_inline void count_drop(void)
{
	struct vxs_exit_totals *tot = this_cpu_totals();

	if (tot) {
		tot->seen++;
		tot->dropped++;
	}
}

SEC("raw_tp/kvm_exit")
int BPF_PROG(kvm_exit_reason_vcpu_isa, unsigned int reason,
	     struct kvm_vcpu *vcpu, __u32 isa)
{
	return count_exit(vcpu, isa, reason);
}

static __always_inline bool svm_exit_reason(struct kvm_vcpu *vcpu,
					    __u32 *reason)
{
	struct vcpu_svm___vxs *svm = (void *)vcpu;
	struct vmcb___vxs *vmcb;
	__u64 code = 0;

	/* struct vcpu_svm begins with its struct kvm_vcpu: a cast. */
	vmcb = BPF_CORE_READ(svm, vmcb);
	/* VMCBs are whole pages; anything else is not a VMCB. */
	if (!vmcb || ((unsigned long)vmcb & 0xfff))
		return false;
	if (bpf_core_read(&code, bpf_core_field_size(vmcb->control.exit_code),
			  &vmcb->control.exit_code))
		return false;
	/* The module and the trace event report the low 32 bits. */
	*reason = (__u32)code;
	return true;
}

static __always_inline bool vmx_exit_reason(struct kvm_vcpu *vcpu,
					    __u32 *reason)
{
	struct vcpu_vmx___vxs *vmx = (void *)vcpu;

	/* The full field, modifier bits included; user space splits. */
	return !bpf_core_read(reason, sizeof(*reason), &vmx->exit_reason.full);
}

SEC("tp_btf/kvm_exit")
int BPF_PROG(kvm_exit_vcpu_isa, struct kvm_vcpu *vcpu, __u32 isa)
{
	bool known = false;
	__u32 reason = 0;

	/*
	 * 6.12's verifier types tracepoint pointer arguments as maybe-NULL
	 * and refuses arithmetic on them before a check (6.1's does not).
	 */
	if (!vcpu)
		return 0;
	if (isa == KVM_ISA_SVM) {
		if (bpf_core_type_exists(struct vcpu_svm___vxs))
			known = svm_exit_reason(vcpu, &reason);
	} else if (isa == KVM_ISA_VMX) {
		if (bpf_core_type_exists(struct vcpu_vmx___vxs))
			known = vmx_exit_reason(vcpu, &reason);
	}
	if (!known) {
		count_drop();
		return 0;
	}
	return count_exit(vcpu, isa, reason);
}
