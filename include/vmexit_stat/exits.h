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

/* Size of the map of vCPU threads between an exit and their next entry. */
#define VXS_BPF_MAX_THREADS 4096

/* As VMEXIT_STAT_LAT_BUCKETS, which the BPF side cannot include. */
#define VXS_BPF_LAT_BUCKETS 40

/*
 * A latency in the module's shape: bucket 0 holds [0, 2) ns, bucket i
 * [2^i, 2^(i+1)), the last the rest.  min_ns means something only
 * where count is not 0.
 */
struct vxs_latency {
	__u64 count;
	__u64 sum_ns;
	__u64 min_ns;
	__u64 max_ns;
	__u64 hist[VXS_BPF_LAT_BUCKETS];
};

/* The phase maps' types and a thread's phase state: they need the above. */
#include <vmexit_stat/phases.h>

/*
 * One per (VM, vCPU, isa, reason) in a BPF_MAP_TYPE_HASH, not per CPU:
 * only the vCPU's own thread writes it (bpf/exits.bpf.c says why that
 * is safe).
 */
struct vxs_exit_value {
	__u64 count;
	__u32 tid; /* thread of the last exit counted */
	__u32 pad;
	__u64 user_count; /* exits that went on to user space */
	__u64 user_ns; /* the part of their latency spent there */
	struct vxs_latency lat; /* kvm_exit to the thread's next kvm_entry */
	/*
	 * Of count, the exits in each phase slot of the vCPU (struct
	 * vxs_phase_slots), a marker's own exit taken out again.
	 */
	__u64 phase_count[VXS_BPF_PHASE_SLOTS];
};

/* One counter of exits to user space: KVM_EXIT_* reason per vCPU. */
struct vxs_user_key {
	__u64 kvm;
	__u32 pid;
	__u32 vcpu_id;
	__u32 reason; /* KVM_EXIT_* */
	__u32 pad;
};

struct vxs_user_value {
	__u64 count;
	__u32 tid;
	__u32 pad;
	struct vxs_latency round_trip; /* return of KVM_RUN to kvm_entry */
};

/*
 * What a vCPU thread's exit left for its next events (kvm_userspace_exit,
 * kvm_entry), keyed by thread id: the module keeps the same in the
 * thread's block.  Only the thread itself writes its entry.
 */
struct vxs_thread {
	__u64 vcpu; /* the struct kvm_vcpu address, compared, never shown */
	struct vxs_exit_key exit; /* the last exit's counter */
	__u64 exit_ns;
	__u64 user_exit_ns;
	__u32 user_reason;
	__u8 open_exit; /* an exit counted, no kvm_entry since */
	__u8 open_user; /* a return to user space, no kvm_entry since */
	__u8 went_user; /* the open exit's user_count has been counted */
	__u8 known; /* exit holds this thread's vCPU */
	__u8 detail_pending; /* the open exit's drill-down is still due */
	__u8 pad[7];
	struct vxs_thread_phase phase; /* what its phase markers said */
};

/* Size of the map of VMs seen. */
#define VXS_BPF_MAX_VMS 1024

/* One VM, keyed by its struct kvm address: what the VM list shows. */
struct vxs_vm_value {
	__u32 pid;
	__u32 pad;
	__u64 start_ns; /* CLOCK_BOOTTIME: its first exit seen */
	__u64 end_ns; /* its last vCPU thread seen ending, 0 while none */
	char comm[16]; /* of the VMM's main thread */
};

/* Size of the drill-down map, all VMs together. */
#define VXS_BPF_MAX_DETAILS 10240

/* One drill-down counter, per VM: kind is enum vmexit_stat_detail_kind. */
struct vxs_detail_key {
	__u64 kvm;
	__u32 pid;
	__u32 kind;
	__u64 key;
};

/* The one entry of the per-CPU "totals" array. */
struct vxs_exit_totals {
	__u64 seen; /* every kvm_exit the program ran for */
	__u64 dropped; /* not counted: map full or reason unreadable */
	__u64 map_full; /* the part of dropped due to a full map */
	__u64 entries_seen; /* every kvm_entry */
	__u64 user_seen; /* every kvm_userspace_exit */
	__u64 user_dropped; /* not counted: the user map was full */
	__u64 threads_full; /* exits untimed: the thread map was full */
	__u64 details_dropped; /* drill-down not counted: its map was full */
	__u64 markers_seen; /* kvm_cpuid of a phase-marker leaf */
	__u64 markers_unmatched; /* ends of no open phase of their id */
	__u64 phases_dropped; /* starts of a thread out of phase slots */
	__u64 phases_full; /* starts not counted: a phase map was full */
};

#endif /* VMEXIT_STAT_EXITS_H */
