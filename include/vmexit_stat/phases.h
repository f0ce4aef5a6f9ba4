/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_PHASES_H
#define VMEXIT_STAT_PHASES_H

/*
 * Types of the guest's phases (phase markers, <vmexit_stat/markers.h>)
 * shared by bpf/exits.bpf.c, bpf/sched.bpf.c and user/phases_bpf.c.
 * exits.h includes this where struct vxs_latency is known, since the
 * thread entry of its threads map holds the thread's phase state: include
 * exits.h (after vmlinux.h or <linux/types.h>), not this.
 */

/* As VMEXIT_STAT_PHASE_SLOTS: phase ids a vCPU keeps. */
#define VXS_BPF_PHASE_SLOTS 8

/* Phases of all vCPUs together, and the vCPUs that started one. */
#define VXS_BPF_MAX_PHASES 8192
#define VXS_BPF_MAX_PHASE_VCPUS 4096

/*
 * One phase of one vCPU: kvm and pid as in struct vxs_exit_key.  With
 * phase_id 0 (not a phase: ids start at 1), the key of a vCPU in the map
 * of phase slots.
 */
struct vxs_phase_key {
	__u64 kvm;
	__u32 pid;
	__u32 vcpu_id;
	__u32 phase_id;
	__u32 pad;
};

/*
 * A phase's totals (BPF_MAP_TYPE_HASH, not per CPU): only the thread's
 * own events write them (kvm_cpuid, kvm_entry) and its switch in
 * (wait_ns), which never runs at the same time as those.  Its exits are
 * counted by reason in the exit counters (phase_count[slot] of struct
 * vxs_exit_value), whose value kvm_exit has at hand: no lookup more.
 */
struct vxs_phase_value {
	__u64 starts;
	__u64 ends;
	__u64 active_ns; /* closed time only: the open part is now - since */
	__u64 open_since_ns;
	__u64 last_start_ns;
	__u64 last_end_ns;
	__u64 wait_ns; /* run delay that ended while the phase was open */
	__u32 tid; /* the vCPU thread of the last start */
	__u32 open;
	__u32 slot; /* its index in the exit counters' phase_count */
	__u32 pad;
	struct vxs_latency lat;
};

/*
 * The phase ids of one vCPU, in slot order: the slots of phase_count.
 * Per vCPU, not per thread, because the exit counters are per vCPU: a
 * vCPU whose thread is replaced keeps its slots.
 */
struct vxs_phase_slots {
	__u16 ids[VXS_BPF_PHASE_SLOTS];
	__u32 nr;
	__u32 pad;
};

/* The phase part of a vCPU thread's entry in the exits threads map. */
struct vxs_thread_phase {
	struct vxs_phase_key key; /* the open phase, while in_phase */
	__u8 slot; /* the open phase's */
	__u8 in_phase;
	__u8 exit_counted; /* the last exit is in the open phase's counts */
	__u8 pad[5];
};

#endif /* VMEXIT_STAT_PHASES_H */
