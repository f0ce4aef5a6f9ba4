/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_EXITS_H
#define VMEXIT_STAT_EXITS_H

/*
 * Types shared by bpf/exits.bpf.c and user/bpf_backend.c, in the manner
 * of libbpf-tools' runqlat.h: the BPF side includes it after vmlinux.h,
 * user space after <linux/types.h>, so only __u32/__u64 are used here.
 */

/* Default size of the counter map; vmexit-stat can change it at load. */
#define VXS_BPF_MAX_COUNTERS 10240

/* The two prototypes of kvm:kvm_exit; same numbers as the module's. */
#define VXS_BPF_PROTO_REASON_VCPU_ISA 1 /* up to 5.15 */
#define VXS_BPF_PROTO_VCPU_ISA 2 /* from 5.16 */

/*
 * One counter.  kvm is the struct kvm address: it tells apart two VMs of
 * one process and never leaves vmexit-stat (user space turns it into an
 * opaque vm_id, as the module does).  reason is the raw exit reason,
 * VMX modifier bits included; user space splits them off.
 */
struct vxs_exit_key {
	__u64 kvm;
	__u32 pid; /* kvm->userspace_pid: the VMM */
	__u32 vcpu_id;
	__u32 isa; /* KVM_ISA_VMX 1, KVM_ISA_SVM 2 */
	__u32 reason;
};

/* Per CPU (BPF_MAP_TYPE_PERCPU_HASH): user space sums the CPUs. */
struct vxs_exit_value {
	__u64 count;
	__u32 tid; /* thread of the last exit counted on this CPU */
	__u32 pad;
};

/* The one entry of the per-CPU "totals" array. */
struct vxs_exit_totals {
	__u64 seen; /* every kvm_exit the program ran for */
	__u64 dropped; /* not counted: map full or reason unreadable */
	__u64 map_full; /* the part of dropped due to a full map */
};

#endif /* VMEXIT_STAT_EXITS_H */
