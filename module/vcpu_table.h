/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_VCPU_TABLE_H
#define VMEXIT_STAT_VCPU_TABLE_H

#include <linux/hash.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/tracepoint.h>
#include <linux/siphash.h>
#include <linux/types.h>

#include "latency.h"
#include "vmexit_stat.h"

/*
 * Statistics are kept per vCPU thread: one block for every thread that
 * ran KVM_RUN, taken from a pool reserved at load time (the hard memory
 * cap).  Every tracepoint we hook fires in the vCPU thread itself with
 * preemption disabled, so a block has a single writer, its own thread,
 * and counting needs no lock and no atomic, like per-CPU data but without
 * the need to pair a kvm_exit on one CPU with a kvm_entry on another.
 *
 * Finding the block of the current thread is a lockless lookup in an
 * open-addressed index of block pointers, keyed by the task.  Only the
 * rare events take vxs_lock (a raw spinlock, never held for long): the
 * first exit of a thread (claiming a block), the exit of a thread
 * (releasing it), reset and ageing of ended VMs.
 *
 * Readers (netlink dumps) copy blocks while their threads write them:
 * counters are single aligned 64-bit stores, a slot is published with a
 * release store once its key is written, and a block's identity is
 * guarded by a sequence count bumped around every change of it.
 */

/*
 * Exported by kvm.ko for the vendor modules on every kernel we support;
 * using it also keeps kvm.ko loaded while we are.  See probes.c.
 */
extern struct tracepoint __tracepoint_kvm_exit;

#define VXS_EXIT_SLOTS		VXS_PHASE_EXITS	/* exit codes per thread */
#define VXS_USER_SLOTS		16	/* distinct KVM_EXIT_* per thread */
#define VXS_DETAIL_SLOTS	64	/* ports, MSRs, leaves, pages */

struct vxs_exit_slot {
	u32 used;
	u32 reason;
	u64 count;
	u64 user_count;		/* of count, exits that went to the VMM */
	u64 user_ns;
	struct vxs_latency lat;
};

struct vxs_user_slot {
	u32 used;
	u32 reason;
	u64 count;
	struct vxs_latency round_trip;
};

struct vxs_detail_slot {
	u32 used;		/* 0 free, else even; odd while it changes */
	u32 kind;
	u64 key;
	u64 count;
};

/*
 * Scheduling of a vCPU thread (sched.c).  The scheduler serializes its
 * writers: the thread itself when it leaves a CPU, the CPU that switches
 * it in (under that run queue's lock, while it runs nowhere), and the
 * waker (under the target run queue's lock, while it is asleep).
 */
enum vxs_sched_state {
	VXS_SCHED_UNKNOWN,	/* not seen by the scheduler probes yet */
	VXS_SCHED_RUNNING,
	VXS_SCHED_WOKEN,	/* runnable since a wake-up */
	VXS_SCHED_PREEMPTED,	/* runnable since it left a CPU */
	VXS_SCHED_BLOCKED,
};

/*
 * A phase the guest marked (phases.c).  The owning thread writes it, but
 * for wait_ns, which the scheduler's probes add when the thread gets a
 * CPU (it runs nowhere then).  A slot keeps its id until the block is
 * wiped (reset, or a new thread).
 */
struct vxs_phase_slot {
	u32 used;		/* 0 free; 1 once id is written */
	u32 id;
	u64 starts;
	u64 ends;
	u64 active_ns;		/* closed spans; an open one since open_since */
	u64 open_since;		/* 0: not open */
	u64 last_start_ns;
	u64 last_end_ns;
	u64 exits;
	u64 wait_ns;
	struct vxs_latency lat;
	u64 exit_counts[VXS_EXIT_SLOTS];	/* by the block's exit slot */
};

enum vxs_block_state {
	VXS_BLOCK_FREE,
	VXS_BLOCK_LIVE,		/* its thread runs */
	VXS_BLOCK_ENDED,	/* its thread exited; kept for its VM */
};

struct vxs_vm;

struct vxs_block {
	/* Identity: changed under vxs_lock, inside a seq write section. */
	u32 seq;
	u32 state;
	struct task_struct *task;	/* index key; LIVE only */
	const void *kvm_vcpu;		/* compared, never dereferenced */
	struct vxs_vm *vm;
	u32 vcpu_id;
	u32 tid;
	u32 isa;
	unsigned long generation;

	/* The owning thread's exit in progress. */
	struct vxs_exit_slot *last_exit;
	struct vxs_user_slot *open_user;
	u64 exit_ns;
	u64 user_exit_ns;
	bool exit_timed;	/* exit_ns belongs to last_exit */
	bool exit_went_user;
	bool detail_pending;

	/* Scheduling: see enum vxs_sched_state for who writes it. */
	u32 sched_state;
	u32 sched_cpu;
	u64 sched_since;	/* local_clock() of the last change */
	unsigned long sched_epoch;
	bool sched_waiting;	/* counted in vxs_core.vcpus_waiting */
	struct vxs_sched_stats sched;

	/* Phases: the open one, and the one of the exit in progress. */
	struct vxs_phase_slot *phase;
	struct vxs_phase_slot *exit_phase;
	struct vxs_phase_slot phases[VMEXIT_STAT_PHASE_SLOTS];

	/* Counters, read by snapshots. */
	u64 exits;
	u64 user_exits;
	u64 dropped;		/* exits without a free exit slot */
	u64 details_dropped;
	struct vxs_exit_slot exit_slots[VXS_EXIT_SLOTS];
	struct vxs_user_slot user_slots[VXS_USER_SLOTS];
	struct vxs_detail_slot detail_slots[VXS_DETAIL_SLOTS];
};

enum vxs_vm_state {
	VXS_VM_FREE,
	VXS_VM_RUNNING = VMEXIT_STAT_VM_RUNNING,
	VXS_VM_ENDED = VMEXIT_STAT_VM_ENDED,
};

struct vxs_vm {
	u32 state;
	const void *kvm;		/* compared, never dereferenced */
	u64 vm_id;
	u32 pid;
	char comm[TASK_COMM_LEN];
	u32 vcpus_live;
	u32 vcpus_seen;
	u64 start_ns;
	u64 end_ns;
};

/* Counters of events that have no block to go to; per CPU. */
struct vxs_cpu_counters {
	u64 exits_seen;
	u64 entries_seen;
	u64 user_exits_seen;
	u64 dropped_no_vcpu_slot;
	u64 dropped_unreadable;
	u64 sched_switches_seen;
	u64 sched_missed;
	u64 markers_seen;
	u64 markers_unmatched;
	u64 phases_dropped;
};

/* The tasks that ran last on a CPU, to know who ran while a vCPU waited. */
#define VXS_SCHED_HISTORY	16

struct vxs_ran {
	u64 start_ns;
	u64 end_ns;		/* 0: an unused entry */
	u32 tid;
	u32 vm_pid;		/* a vCPU thread's VMM, else 0 */
	u32 vcpu_id;
	char comm[TASK_COMM_LEN];
};

struct vxs_thief_slot {
	u32 used;
	u32 tid;
	u32 vm_pid;
	u32 vcpu_id;
	char comm[TASK_COMM_LEN];
	u64 ns;
	u64 over_ns;
};

/* Per physical CPU, written only by that CPU's sched_switch probe. */
struct vxs_cpu_sched {
	u32 seq;		/* odd while a thief slot changes hands */
	unsigned long generation;
	u64 curr_since;		/* when the running task got this CPU */
	u32 history_next;
	struct vxs_ran history[VXS_SCHED_HISTORY];
	u64 wait_ns;
	u64 vcpu_run_ns;
	u64 unattributed_ns;
	struct vxs_latency wakeup;
	struct vxs_latency preempt;
	struct vxs_thief_slot thieves[VMEXIT_STAT_THIEVES];
};

/*
 * The whole state, allocated at load.  Passed explicitly so that KUnit can
 * run the same code on tables of its own.
 */
struct vxs_core {
	raw_spinlock_t lock;
	u32 index_seq;		/* odd while the index is rebuilt */
	u32 nr_blocks;
	u32 nr_vms;
	u32 index_bits;
	u32 index_mask;
	struct vxs_block *blocks;
	struct vxs_vm *vms;
	struct vxs_block **index;
	struct vxs_cpu_counters __percpu *cpu;
	struct vxs_cpu_sched __percpu *cpu_sched;
	unsigned long generation;
	/* Bumped when sched tracking is switched on: old states are stale. */
	unsigned long sched_epoch;
	/* vCPU threads woken or preempted and not on a CPU yet. */
	atomic_t vcpus_waiting;
	u64 next_vm_serial;
	siphash_key_t vm_id_key;
	u32 blocks_used;
	u32 tombstones;
	bool latency;
	bool details;
	bool sched;
	u32 ended_vm_ttl_s;
	u64 memory_bytes;
	/* Lifecycle events for the multicast group, drained by a work item. */
	struct vxs_event *events;
	u32 events_head;
	u32 events_len;
	u32 events_cap;
	u64 events_dropped;
	/* Called, unlocked, after events were queued; may be NULL. */
	void (*events_queued)(struct vxs_core *core);
	/* Per-CPU counters as they were at the last reset. */
	struct vxs_cpu_counters base;
};

int vxs_core_alloc(struct vxs_core *core, u32 nr_blocks);
void vxs_core_free(struct vxs_core *core);

/*
 * The block of task (the calling thread), for the vCPU it runs; claims one
 * on the first exit of a thread.  NULL when the pool is exhausted (the
 * exit is counted as dropped).  Preemption disabled.
 */
struct vxs_block *vxs_block_get(struct vxs_core *core,
				struct task_struct *task, const void *kvm_vcpu,
				const void *kvm, u32 pid, u32 vcpu_id,
				u32 isa);

/* The block of task, or NULL; never claims. */
struct vxs_block *vxs_block_lookup(struct vxs_core *core,
				   const struct task_struct *task);

/* --- The thread index, inline for the scheduler's probes --------------- */

/* An index place whose block was removed: lookups go on past it. */
#define VXS_TOMBSTONE		((struct vxs_block *)1UL)

static inline u32 vxs_index_home(const struct vxs_core *core,
				 const void *task)
{
	return hash_ptr(task, core->index_bits);
}

static inline struct vxs_block *
vxs_index_scan(const struct vxs_core *core, const struct task_struct *task)
{
	u32 home = vxs_index_home(core, task);
	u32 i;

	for (i = 0; i <= core->index_mask; i++) {
		struct vxs_block *block;

		block = READ_ONCE(core->index[(home + i) & core->index_mask]);
		if (!block)
			return NULL;
		if (block != VXS_TOMBSTONE && READ_ONCE(block->task) == task)
			return block;
	}
	return NULL;
}

/*
 * vxs_block_lookup() without ever taking the lock, for the scheduler's
 * probes that run under a run queue lock, on every context switch of the
 * host: NULL too while the index is rebuilt, and then *missed is set.
 */
static inline struct vxs_block *
vxs_block_lookup_nolock(struct vxs_core *core, const struct task_struct *task,
			bool *missed)
{
	struct vxs_block *block;
	u32 seq;

	/* Pairs with the release in vxs_index_rebuild(). */
	seq = smp_load_acquire(&core->index_seq);
	if (likely(!(seq & 1))) {
		block = vxs_index_scan(core, task);
		/* The scan happens before the check that no rebuild ran. */
		smp_rmb();
		if (likely(READ_ONCE(core->index_seq) == seq))
			return block;
	}
	*missed = true;
	return NULL;
}

void vxs_block_restart(struct vxs_core *core, struct vxs_block *block,
		       unsigned long generation);

/* Wipes a block's counters if a reset happened since it last counted. */
static inline void vxs_block_sync(struct vxs_core *core,
				  struct vxs_block *block)
{
	unsigned long generation = READ_ONCE(core->generation);

	if (unlikely(block->generation != generation))
		vxs_block_restart(core, block, generation);
}

/*
 * The hot path's clock.  local_clock() is what ftrace and perf stamp
 * events with: it costs half of ktime_get_ns() (no seqcount, no
 * clocksource call), but is monotonic per CPU only, and an exit may end
 * on another CPU than it began: a time from there may be a little behind.
 */
static inline u64 vxs_clock_elapsed(u64 now, u64 since)
{
	return now > since ? now - since : 0;
}

/* Called when a vCPU thread exits. */
void vxs_block_release(struct vxs_core *core, struct vxs_block *block);

/* The hot path: always the calling thread on its own block. */
static inline struct vxs_exit_slot *
vxs_exit_slot_get(struct vxs_block *block, u32 reason)
{
	u32 home = hash_32(reason, ilog2(VXS_EXIT_SLOTS));
	u32 i;

	for (i = 0; i < VXS_EXIT_SLOTS; i++) {
		struct vxs_exit_slot *slot;

		slot = &block->exit_slots[(home + i) % VXS_EXIT_SLOTS];
		if (slot->used && slot->reason == reason)
			return slot;
		if (!slot->used) {
			slot->reason = reason;
			/* A reader that sees used also sees the reason. */
			smp_store_release(&slot->used, 1);
			return slot;
		}
	}
	return NULL;
}

static inline void vxs_block_count_exit(struct vxs_core *core,
					struct vxs_block *block, u32 reason,
					u64 now)
{
	struct vxs_phase_slot *phase;
	struct vxs_exit_slot *slot;

	vxs_block_sync(core, block);
	WRITE_ONCE(block->exits, block->exits + 1);
	block->open_user = NULL;
	block->exit_went_user = false;

	slot = vxs_exit_slot_get(block, reason);
	block->last_exit = slot;
	phase = block->phase;
	block->exit_phase = phase;
	if (unlikely(phase)) {
		WRITE_ONCE(phase->exits, phase->exits + 1);
		if (slot) {
			unsigned int i = slot - block->exit_slots;

			WRITE_ONCE(phase->exit_counts[i],
				   phase->exit_counts[i] + 1);
		}
	}
	if (unlikely(!slot)) {
		WRITE_ONCE(block->dropped, block->dropped + 1);
		block->exit_timed = false;
		block->detail_pending = false;
		return;
	}
	WRITE_ONCE(slot->count, slot->count + 1);
	block->exit_ns = now;
	block->exit_timed = READ_ONCE(core->latency);
	block->detail_pending = READ_ONCE(core->details);
}

static inline void vxs_block_count_entry(struct vxs_core *core,
					 struct vxs_block *block, u64 now)
{
	struct vxs_exit_slot *exit;
	struct vxs_user_slot *user;

	vxs_block_sync(core, block);
	exit = block->exit_timed ? block->last_exit : NULL;
	user = block->open_user;

	if (user) {
		u64 round_trip = vxs_clock_elapsed(now, block->user_exit_ns);

		vxs_latency_add(&user->round_trip, round_trip);
		if (exit)
			WRITE_ONCE(exit->user_ns, exit->user_ns + round_trip);
	}
	if (exit)
		vxs_latency_add(&exit->lat,
				vxs_clock_elapsed(now, block->exit_ns));
	if (unlikely(block->exit_phase)) {
		if (exit)
			vxs_latency_add(&block->exit_phase->lat,
					vxs_clock_elapsed(now, block->exit_ns));
		block->exit_phase = NULL;
	}

	block->last_exit = NULL;
	block->open_user = NULL;
	block->exit_timed = false;
	block->detail_pending = false;
}

void vxs_block_count_user_exit(struct vxs_core *core, struct vxs_block *block,
			       u32 reason, u64 now);
void vxs_block_count_detail(struct vxs_core *core, struct vxs_block *block,
			    u32 kind, u64 key);

/* sched.c: the scheduler's probes, preemption and interrupts disabled. */
void vxs_sched_switch_probe(void *data, bool preempt, struct task_struct *prev,
			    struct task_struct *next);
void vxs_sched_wakeup_probe(void *data, struct task_struct *p);
/* A block just claimed by its running thread, and one that ends. */
void vxs_sched_block_init(struct vxs_core *core, struct vxs_block *block);
void vxs_sched_block_end(struct vxs_core *core, struct vxs_block *block);
void vxs_cpu_sched_clear(struct vxs_cpu_sched *cs);

/* phases.c: what the guest's phase markers say. */
void vxs_phase_marker(struct vxs_core *core, struct vxs_block *block,
		      u32 leaf, u64 now);
void vxs_phases_clear(struct vxs_block *block, u64 now);
void vxs_phases_end(struct vxs_block *block, u64 now);
u32 vxs_copy_phases(const struct vxs_block *block, u64 vm_id, u32 pid,
		    u32 vcpu_id, u32 tid, u32 isa,
		    const struct vxs_filter *filter,
		    struct vxs_phase_record *rec, u32 room, u64 now);

/* Snapshots and control, in process context. */
struct vxs_exit_snapshot *vxs_core_exits(struct vxs_core *core,
					 const struct vxs_filter *filter);
struct vxs_user_snapshot *vxs_core_user_exits(struct vxs_core *core,
					      const struct vxs_filter *filter);
struct vxs_detail_snapshot *vxs_core_details(struct vxs_core *core,
					     const struct vxs_filter *filter);
struct vxs_vm_snapshot *vxs_core_vms(struct vxs_core *core,
				     const struct vxs_filter *filter);
struct vxs_sched_snapshot *vxs_core_sched(struct vxs_core *core,
					  const struct vxs_filter *filter);
struct vxs_cpu_sched_snapshot *
vxs_core_cpu_sched(struct vxs_core *core, const struct vxs_filter *filter);
struct vxs_phase_snapshot *vxs_core_phases(struct vxs_core *core,
					   const struct vxs_filter *filter);
void vxs_core_info(struct vxs_core *core, struct vxs_info *info);
void vxs_core_reset(struct vxs_core *core);

/*
 * Frees ended VMs older than the age limit; returns when the next one is
 * due, in ns of CLOCK_BOOTTIME, or 0 if none is.
 */
u64 vxs_core_age(struct vxs_core *core, u64 now);

/* Moves up to max pending lifecycle events into out; returns how many. */
u32 vxs_core_take_events(struct vxs_core *core, struct vxs_event *out,
			 u32 max);

#endif /* VMEXIT_STAT_VCPU_TABLE_H */
