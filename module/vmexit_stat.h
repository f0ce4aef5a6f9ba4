/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_H
#define VMEXIT_STAT_H

#include <linux/types.h>

#include <uapi/linux/vmexit_stat.h>

#define VXS_VERSION "0.2.0"

/* Which kvm_exit prototype this build hooks (VMEXIT_STAT_A_INFO_EXIT_PROTO). */
#define VXS_KVM_EXIT_PROTO_REASON_VCPU_ISA	1
#define VXS_KVM_EXIT_PROTO_VCPU_ISA		2

/*
 * What the core (vcpu_table.c) hands to the netlink side (genl.c).  Every
 * snapshot is a consistent-enough copy taken in process context; the
 * caller frees it with kvfree().
 */

/* Exit codes a thread keeps apart (VXS_EXIT_SLOTS), so a phase too. */
#define VXS_PHASE_EXITS		32

struct vxs_latency {
	u64 count;
	u64 sum_ns;
	u64 min_ns;		/* U64_MAX while count is 0 */
	u64 max_ns;
	u64 hist[VMEXIT_STAT_LAT_BUCKETS];
};

struct vxs_filter {
	bool by_pid;
	bool by_vm_id;
	bool by_vcpu;
	bool by_vm;		/* sum the vCPUs of a VM */
	bool by_cpu;
	u32 pid;
	u64 vm_id;
	u32 vcpu_id;
	u32 cpu;
	u32 limit;		/* details: per VM and kind; 0 = default */
	bool by_phase;
	u32 phase_id;
};

/* GET_EXITS: vcpu_id and tid are meaningless when the filter had by_vm. */
struct vxs_exit_record {
	u64 vm_id;
	u32 pid;
	u32 vcpu_id;
	u32 tid;
	u32 isa;
	u32 reason;		/* as KVM reports it, VMX modifier bits too */
	u64 count;
	u64 user_count;
	u64 user_ns;
	struct vxs_latency lat;
};

/* GET_USER_EXITS */
struct vxs_user_record {
	u64 vm_id;
	u32 pid;
	u32 vcpu_id;
	u32 tid;
	u32 reason;		/* KVM_EXIT_* */
	u64 count;
	struct vxs_latency round_trip;
};

/* GET_DETAILS: sorted by VM, kind, then busiest first. */
struct vxs_detail_record {
	u64 vm_id;
	u32 pid;
	u32 kind;		/* enum vmexit_stat_detail_kind */
	u64 key;
	u64 count;
};

/* GET_VMS and lifecycle notifications. */
struct vxs_vm_record {
	u64 vm_id;
	u32 pid;
	u32 state;		/* enum vmexit_stat_vm_state */
	char comm[16];
	u32 vcpus_live;
	u32 vcpus_seen;
	u64 start_ns;
	u64 end_ns;		/* 0 while running */
	u64 exits;
	u64 user_exits;
	u64 exit_ns;
	u64 dropped;
	u64 details_dropped;
};

/* A vCPU thread's scheduling; its wait (steal) is wakeup + preempt. */
struct vxs_sched_stats {
	u64 run_ns;
	u64 idle_ns;
	u64 timeslices;
	u64 preemptions;
	u64 migrations;
	struct vxs_latency wakeup;
	struct vxs_latency preempt;
};

/* GET_SCHED: vcpu_id, tid, state and cpu are meaningless with by_vm. */
struct vxs_sched_record {
	u64 vm_id;
	u32 pid;
	u32 vcpu_id;
	u32 tid;
	u32 state;		/* enum vmexit_stat_sched_state, 0 unknown */
	u32 cpu;
	struct vxs_sched_stats stats;
};

struct vxs_thief_record {
	u32 tid;
	u32 vm_pid;		/* 0: not a vCPU thread */
	u32 vcpu_id;
	char comm[16];
	u64 ns;
	u64 over_ns;
};

/* GET_CPU_SCHED: thieves busiest first. */
struct vxs_cpu_sched_record {
	u32 cpu;
	u32 nr_thieves;
	u64 wait_ns;
	u64 vcpu_run_ns;
	u64 unattributed_ns;
	struct vxs_latency wakeup;
	struct vxs_latency preempt;
	struct vxs_thief_record thieves[VMEXIT_STAT_THIEVES];
};

/* The exits of one code in a phase. */
struct vxs_phase_exit_record {
	u32 reason;		/* as KVM reports it, VMX modifier bits too */
	u64 count;
};

/* GET_PHASES: one vCPU thread in one phase; times CLOCK_MONOTONIC. */
struct vxs_phase_record {
	u64 vm_id;
	u32 pid;
	u32 vcpu_id;
	u32 tid;
	u32 isa;
	u32 id;
	bool open;
	u32 nr_exits;
	u64 starts;
	u64 ends;
	u64 active_ns;		/* the open part up to the copy */
	u64 last_start_ns;
	u64 last_end_ns;
	u64 exits;
	u64 wait_ns;
	struct vxs_latency lat;
	struct vxs_phase_exit_record exit[VXS_PHASE_EXITS];
};

struct vxs_phase_snapshot {
	u32 nr;
	struct vxs_phase_record rec[];
};

struct vxs_sched_snapshot {
	u32 nr;
	struct vxs_sched_record rec[];
};

struct vxs_cpu_sched_snapshot {
	u32 nr;
	struct vxs_cpu_sched_record rec[];
};

struct vxs_exit_snapshot {
	u32 nr;
	struct vxs_exit_record rec[];
};

struct vxs_user_snapshot {
	u32 nr;
	struct vxs_user_record rec[];
};

struct vxs_detail_snapshot {
	u32 nr;
	struct vxs_detail_record rec[];
};

struct vxs_vm_snapshot {
	u32 nr;
	struct vxs_vm_record rec[];
};

struct vxs_info {
	u64 exits_seen;
	u64 entries_seen;
	u64 user_exits_seen;
	u64 dropped_no_vcpu_slot;
	u64 dropped_no_reason_slot;
	u64 dropped_unreadable;
	u64 details_dropped;
	u64 events_dropped;
	u64 memory_bytes;
	u64 memory_used_bytes;
	u64 sched_switches_seen;
	u64 sched_missed;
	u64 markers_seen;
	u64 markers_unmatched;
	u64 phases_dropped;
	u32 vcpu_slots;
	u32 vcpu_slots_used;
	u32 vms;
};

struct vxs_config {
	bool latency;
	bool details;
	bool sched;
	u32 ended_vm_ttl_s;
};

/* A lifecycle notification for the multicast group. */
struct vxs_event {
	u8 cmd;			/* VMEXIT_STAT_CMD_VM_* / VCPU_* */
	u32 pid;
	u64 vm_id;
	u32 vcpu_id;		/* VCPU_* only */
	u32 tid;		/* VCPU_* only */
};

/* vcpu_table.c: the core. */
int vxs_core_init(void);
void vxs_core_exit(void);
struct vxs_exit_snapshot *vxs_exits_snapshot(const struct vxs_filter *filter);
struct vxs_user_snapshot *vxs_user_snapshot(const struct vxs_filter *filter);
struct vxs_detail_snapshot *
vxs_details_snapshot(const struct vxs_filter *filter);
struct vxs_vm_snapshot *vxs_vms_snapshot(const struct vxs_filter *filter);
struct vxs_sched_snapshot *vxs_sched_snapshot(const struct vxs_filter *filter);
struct vxs_cpu_sched_snapshot *
vxs_cpu_sched_snapshot(const struct vxs_filter *filter);
struct vxs_phase_snapshot *vxs_phase_snapshot(const struct vxs_filter *filter);
void vxs_info_get(struct vxs_info *info);
void vxs_config_get(struct vxs_config *config);
void vxs_config_set(const struct vxs_config *config);
void vxs_reset(void);
bool vxs_unprivileged_read(void);

/* Exit code as the kernel's tables index it, and the bits that modify it. */
u32 vxs_exit_code(u32 isa, u32 reason);
u32 vxs_exit_flags(u32 isa, u32 reason);

/* probes.c: the tracepoint hooks. */
struct vxs_core;
int vxs_probes_register(struct vxs_core *core);
void vxs_probes_unregister(void);
u32 vxs_exit_probe_proto(void);

/* genl.c: the vmexit_stat generic netlink family. */
int vxs_genl_register(void);
void vxs_genl_unregister(void);
/* Process context; sends only when someone listens. */
void vxs_genl_notify(const struct vxs_event *event);

#endif /* VMEXIT_STAT_H */
