/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_SCHED_H
#define VMEXIT_STAT_SCHED_H

/*
 * Types shared by bpf/sched.bpf.c and user/sched_bpf.c, as exits.h is:
 * the BPF side includes it after vmlinux.h, user space after
 * <linux/types.h>.  Thread states are enum vmexit_stat_sched_state, so
 * both backends say the same.
 */
#include <vmexit_stat/exits.h>

/* Tasks remembered per CPU to charge a vCPU's wait to: a power of 2. */
#define VXS_SCHED_RING 16

/* As VMEXIT_STAT_THIEVES, which user space checks at compile time. */
#define VXS_SCHED_THIEVES 8

#define VXS_SCHED_COMM_LEN 16

/*
 * One tracked vCPU thread, keyed by thread id (BPF_MAP_TYPE_HASH, at most
 * VXS_BPF_MAX_THREADS).  Written by whatever event the thread is in, and
 * the scheduler orders those: its switch out on one CPU ends before its
 * wake-up or its switch in on another.
 */
struct vxs_sched_thread {
	__u64 kvm; /* struct kvm address: user space makes the vm_id */
	__u32 pid; /* kvm->userspace_pid: the VMM */
	__u32 vcpu_id;
	__u32 state; /* enum vmexit_stat_sched_state */
	__u32 cpu; /* it ran on last */
	__u64 since_ns; /* rq->clock of the last change of state */
	__u32 woken; /* RUNNABLE since a wake-up, not a preemption */
	__u32 waiting; /* counted in waiting_threads */
	__u64 run_ns;
	__u64 wait_ns; /* run delay: wakeup.sum_ns + preempt.sum_ns */
	__u64 idle_ns;
	__u64 timeslices;
	__u64 preemptions;
	__u64 migrations;
	struct vxs_latency wakeup;
	struct vxs_latency preempt;
};

/* A task's run on a CPU, [start_ns, end_ns); start 0: before tracking. */
struct vxs_sched_run {
	__u64 start_ns;
	__u64 end_ns;
	__u32 tid; /* 0: the idle task */
	__u32 is_vcpu; /* a tracked vCPU thread: then vm_pid and vcpu_id */
	__u32 vm_pid;
	__u32 vcpu_id;
	char comm[VXS_SCHED_COMM_LEN];
};

/* One slot of a CPU's Space-Saving table; free while ns is 0. */
struct vxs_sched_thief {
	__u64 ns;
	__u64 over_ns; /* ns inherited from the task it replaced */
	__u32 tid;
	__u32 is_vcpu;
	__u32 vm_pid;
	__u32 vcpu_id;
	char comm[VXS_SCHED_COMM_LEN];
};

/*
 * One physical CPU (BPF_MAP_TYPE_PERCPU_ARRAY of one entry), written by
 * that CPU's programs alone, which run with preemption off.
 */
struct vxs_sched_cpu {
	__u64 switches; /* every sched_switch */
	__u64 threads_full; /* vCPU exits not tracked: thread map full */
	__u64 wait_ns; /* vCPU run delay that ended here */
	__u64 vcpu_run_ns;
	__u64 unattributed_ns; /* of wait_ns, no run in the ring covers */
	__u64 current_start_ns; /* the current task's run began: 0 unknown */
	__u32 ring_next; /* ring[ring_next % VXS_SCHED_RING] is written next */
	__u32 pad;
	struct vxs_latency wakeup;
	struct vxs_latency preempt;
	struct vxs_sched_run ring[VXS_SCHED_RING];
	struct vxs_sched_thief thieves[VXS_SCHED_THIEVES];
};

#endif /* VMEXIT_STAT_SCHED_H */
