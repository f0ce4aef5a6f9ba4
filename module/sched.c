// SPDX-License-Identifier: GPL-2.0
/*
 * The scheduling of vCPU threads: how long each ran, waited runnable for
 * a CPU (run delay: what its guest sees as steal) and slept, and, per
 * physical CPU, who ran there while a vCPU waited.
 *
 * The run delay is counted the way the scheduler's own sched_info counts
 * the second field of /proc/PID/task/TID/schedstat: a wait starts when the
 * thread is woken, or leaves a CPU still TASK_RUNNING, and is added when
 * it gets a CPU again.  Sleeping (a vCPU halted in its guest, or a VMM
 * thread waiting for I/O) is idle time, never steal.
 *
 * sched_switch runs for every context switch of the host, so everything
 * here is lock-free: a block's scheduling fields have one writer at a time
 * (see enum vxs_sched_state), a CPU's data only its own sched_switch.
 * The block lookups never take vxs_core.lock, which would nest inside the
 * run queue lock; a lookup that races with an index rebuild is counted as
 * missed instead.
 */
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "compat.h"
#include "vcpu_table.h"

/*
 * local_clock() is monotonic per CPU only, and a wait can start on the
 * waker's CPU: a time from another CPU may be a little ahead of ours.
 */
static u64 vxs_elapsed(u64 now, u64 since)
{
	return now > since ? now - since : 0;
}

void vxs_cpu_sched_clear(struct vxs_cpu_sched *cs)
{
	WRITE_ONCE(cs->wait_ns, 0);
	WRITE_ONCE(cs->vcpu_run_ns, 0);
	WRITE_ONCE(cs->unattributed_ns, 0);
	vxs_latency_init(&cs->wakeup);
	vxs_latency_init(&cs->preempt);
	memset(cs->thieves, 0, sizeof(cs->thieves));
}

void vxs_sched_block_init(struct vxs_core *core, struct vxs_block *block)
{
	/* Claimed on its own exit: the thread runs, here and now. */
	block->sched_state = VXS_SCHED_RUNNING;
	block->sched_cpu = raw_smp_processor_id();
	block->sched_since = local_clock();
	block->sched_epoch = READ_ONCE(core->sched_epoch);
	block->sched_waiting = false;
}

/* vcpus_waiting counts each waiting thread once, whatever is missed. */
static void vxs_wait_begin(struct vxs_core *core, struct vxs_block *block)
{
	if (!block->sched_waiting) {
		block->sched_waiting = true;
		atomic_inc(&core->vcpus_waiting);
	}
}

static void vxs_wait_end(struct vxs_core *core, struct vxs_block *block)
{
	if (block->sched_waiting) {
		block->sched_waiting = false;
		atomic_dec(&core->vcpus_waiting);
	}
}

void vxs_sched_block_end(struct vxs_core *core, struct vxs_block *block)
{
	vxs_wait_end(core, block);
}

/* The block of task if it is a tracked vCPU thread, else NULL. */
static struct vxs_block *vxs_sched_block(struct vxs_core *core,
					 struct task_struct *task)
{
	bool missed = false;
	struct vxs_block *block;

	block = vxs_block_lookup_nolock(core, task, &missed);
	if (unlikely(missed))
		this_cpu_inc(core->cpu->sched_missed);
	if (!block)
		return NULL;
	vxs_block_sync(core, block);
	/* Tracking was off for a while: where the thread was is unknown. */
	if (unlikely(block->sched_epoch != READ_ONCE(core->sched_epoch))) {
		block->sched_epoch = READ_ONCE(core->sched_epoch);
		WRITE_ONCE(block->sched_state, VXS_SCHED_UNKNOWN);
		vxs_wait_end(core, block);
	}
	return block;
}

static struct vxs_cpu_sched *vxs_cpu_sched_get(struct vxs_core *core,
					       unsigned int cpu)
{
	struct vxs_cpu_sched *cs = per_cpu_ptr(core->cpu_sched, cpu);
	unsigned long generation = READ_ONCE(core->generation);

	/* Reset since this CPU last counted: its totals start again. */
	if (unlikely(cs->generation != generation)) {
		WRITE_ONCE(cs->seq, cs->seq + 1);
		/* Readers see the odd count before the totals change. */
		smp_wmb();
		vxs_cpu_sched_clear(cs);
		cs->generation = generation;
		/* The cleared totals are visible before the even count. */
		smp_wmb();
		WRITE_ONCE(cs->seq, cs->seq + 1);
	}
	return cs;
}

/* prev leaves this CPU: remember it among the tasks that ran here. */
static void vxs_history_add(struct vxs_cpu_sched *cs, struct task_struct *prev,
			    const struct vxs_block *block, u64 now)
{
	struct vxs_ran *ran = &cs->history[cs->history_next];

	cs->history_next = (cs->history_next + 1) % VXS_SCHED_HISTORY;
	ran->start_ns = cs->curr_since;
	ran->end_ns = now;
	ran->tid = task_pid_nr(prev);
	ran->vm_pid = block ? READ_ONCE(block->vm->pid) : 0;
	ran->vcpu_id = block ? block->vcpu_id : 0;
	memcpy(ran->comm, prev->comm, sizeof(ran->comm));
	cs->curr_since = now;
}

/* A vCPU thread ran before its first exit too: the same thief. */
static bool vxs_thief_is(const struct vxs_thief_slot *slot,
			 const struct vxs_ran *ran)
{
	return slot->used && slot->tid == ran->tid &&
	       !memcmp(slot->comm, ran->comm, sizeof(slot->comm));
}

/*
 * Space-Saving: a full table gives the place of its least task to the
 * new one, which inherits that time and says so in over_ns.
 */
static void vxs_thief_charge(struct vxs_cpu_sched *cs,
			     const struct vxs_ran *ran, u64 ns)
{
	struct vxs_thief_slot *slot, *least = NULL;
	u64 inherited = 0;
	unsigned int i;

	for (i = 0; i < VMEXIT_STAT_THIEVES; i++) {
		slot = &cs->thieves[i];
		if (vxs_thief_is(slot, ran)) {
			if (unlikely(ran->vm_pid && !slot->vm_pid)) {
				WRITE_ONCE(slot->vcpu_id, ran->vcpu_id);
				WRITE_ONCE(slot->vm_pid, ran->vm_pid);
			}
			WRITE_ONCE(slot->ns, slot->ns + ns);
			return;
		}
		if (!slot->used) {
			least = slot;
			break;
		}
		if (!least || slot->ns < least->ns)
			least = slot;
	}
	if (least->used)
		inherited = least->ns;

	WRITE_ONCE(cs->seq, cs->seq + 1);
	/* Readers see the odd count before the slot changes hands. */
	smp_wmb();
	least->used = 1;
	least->tid = ran->tid;
	least->vm_pid = ran->vm_pid;
	least->vcpu_id = ran->vcpu_id;
	memcpy(least->comm, ran->comm, sizeof(least->comm));
	least->over_ns = inherited;
	least->ns = inherited + ns;
	/* The new owner is visible before the even count. */
	smp_wmb();
	WRITE_ONCE(cs->seq, cs->seq + 1);
}

/*
 * A vCPU waited here during [since, now]: charge the tasks that ran in
 * that time, newest first, and what none covers to unattributed.
 */
static void vxs_charge_wait(struct vxs_cpu_sched *cs, u64 since, u64 now)
{
	u64 covered = 0;
	unsigned int i;

	for (i = 1; i <= VXS_SCHED_HISTORY; i++) {
		const struct vxs_ran *ran;
		u64 start, end;

		ran = &cs->history[(cs->history_next + VXS_SCHED_HISTORY - i) %
				   VXS_SCHED_HISTORY];
		if (!ran->end_ns || ran->end_ns <= since)
			break;
		start = max(ran->start_ns, since);
		end = min(ran->end_ns, now);
		if (end <= start)
			continue;
		vxs_thief_charge(cs, ran, end - start);
		covered += end - start;
	}
	if (vxs_elapsed(now, since) > covered)
		WRITE_ONCE(cs->unattributed_ns,
			   cs->unattributed_ns +
			   (vxs_elapsed(now, since) - covered));
}

static void vxs_sched_out(struct vxs_core *core, struct vxs_cpu_sched *cs,
			  struct vxs_block *block, bool runnable, u64 now)
{
	struct vxs_sched_stats *stats = &block->sched;
	u64 ran = vxs_elapsed(now, block->sched_since);

	if (block->sched_state == VXS_SCHED_RUNNING) {
		WRITE_ONCE(stats->run_ns, stats->run_ns + ran);
		WRITE_ONCE(cs->vcpu_run_ns, cs->vcpu_run_ns + ran);
	}
	if (runnable) {
		WRITE_ONCE(stats->preemptions, stats->preemptions + 1);
		WRITE_ONCE(block->sched_state, VXS_SCHED_PREEMPTED);
		vxs_wait_begin(core, block);
	} else {
		WRITE_ONCE(block->sched_state, VXS_SCHED_BLOCKED);
	}
	block->sched_since = now;
}

static void vxs_sched_in(struct vxs_core *core, struct vxs_cpu_sched *cs,
			 struct vxs_block *block, unsigned int cpu, u64 now)
{
	struct vxs_sched_stats *stats = &block->sched;
	u64 waited = vxs_elapsed(now, block->sched_since);

	switch (block->sched_state) {
	case VXS_SCHED_WOKEN:
		vxs_latency_add(&stats->wakeup, waited);
		vxs_latency_add(&cs->wakeup, waited);
		break;
	case VXS_SCHED_PREEMPTED:
		vxs_latency_add(&stats->preempt, waited);
		vxs_latency_add(&cs->preempt, waited);
		break;
	case VXS_SCHED_BLOCKED:
		/* Woken where we could not see it: asleep until now. */
		WRITE_ONCE(stats->idle_ns, stats->idle_ns + waited);
		break;
	}
	if (block->sched_state == VXS_SCHED_WOKEN ||
	    block->sched_state == VXS_SCHED_PREEMPTED) {
		struct vxs_phase_slot *phase = READ_ONCE(block->phase);

		WRITE_ONCE(cs->wait_ns, cs->wait_ns + waited);
		vxs_charge_wait(cs, block->sched_since, now);
		/* The thread runs nowhere: its phase cannot change now. */
		if (phase)
			WRITE_ONCE(phase->wait_ns, phase->wait_ns + waited);
	}
	if (block->sched_state != VXS_SCHED_UNKNOWN && block->sched_cpu != cpu)
		WRITE_ONCE(stats->migrations, stats->migrations + 1);
	WRITE_ONCE(stats->timeslices, stats->timeslices + 1);
	WRITE_ONCE(block->sched_cpu, cpu);
	block->sched_since = now;
	WRITE_ONCE(block->sched_state, VXS_SCHED_RUNNING);
	vxs_wait_end(core, block);
}

/*
 * Most switches of a host involve no vCPU thread while none waits: they
 * need neither the clock nor a place in the history.  A wait that starts
 * later only looks at tasks that ran after it started, and the entry of
 * a task that got its CPU unrecorded starts too early, which the overlap
 * with the wait cuts off.
 */
static bool vxs_sched_switch_ignored(struct vxs_core *core,
				     const struct vxs_block *prev_block,
				     const struct vxs_block *next_block)
{
	return !prev_block && !next_block &&
	       !atomic_read(&core->vcpus_waiting);
}

/* cpu is the calling CPU; KUnit passes its own CPUs and times. */
static void vxs_sched_switch_blocks(struct vxs_core *core, unsigned int cpu,
				    struct task_struct *prev,
				    struct vxs_block *prev_block,
				    struct vxs_block *next_block,
				    bool prev_runnable, u64 now)
{
	struct vxs_cpu_sched *cs = vxs_cpu_sched_get(core, cpu);

	if (prev_block)
		vxs_sched_out(core, cs, prev_block, prev_runnable, now);
	vxs_history_add(cs, prev, prev_block, now);
	if (next_block)
		vxs_sched_in(core, cs, next_block, cpu, now);
}

/*
 * TASK_RUNNING as sched_info_depart() tests it, not the preempt flag: a
 * thread preempted while it was going to sleep does not wait for a CPU
 * in the scheduler's own run delay either.  prev_state (5.18 on) would be
 * the state before a pending signal made the thread runnable again.
 */
static bool vxs_task_running(const struct task_struct *task)
{
#if VXS_TASK_STATE_IS_DUNDER
	return READ_ONCE(task->__state) == TASK_RUNNING;
#else
	return READ_ONCE(task->state) == TASK_RUNNING;
#endif
}

void vxs_sched_switch_probe(void *data, bool preempt, struct task_struct *prev,
			    struct task_struct *next)
{
	struct vxs_block *prev_block, *next_block;
	struct vxs_core *core = data;
	bool prev_runnable;

	/* Nothing to follow until a vCPU thread exits for the first time. */
	if (!READ_ONCE(core->sched) || !READ_ONCE(core->blocks_used))
		return;
	this_cpu_inc(core->cpu->sched_switches_seen);
	prev_block = vxs_sched_block(core, prev);
	next_block = vxs_sched_block(core, next);
	if (vxs_sched_switch_ignored(core, prev_block, next_block))
		return;
	prev_runnable = prev_block && vxs_task_running(prev);
	vxs_sched_switch_blocks(core, smp_processor_id(), prev, prev_block,
				next_block, prev_runnable, local_clock());
}

/* The block of p when a wake-up of p is ours to count. */
static struct vxs_block *vxs_sched_sleeper(struct vxs_core *core,
					   struct task_struct *p)
{
	struct vxs_block *block;
	bool missed = false;

	block = vxs_block_lookup_nolock(core, p, &missed);
	if (unlikely(missed))
		this_cpu_inc(core->cpu->sched_missed);
	/*
	 * Only a sleeper is ours to change: the wake-up of a thread that
	 * is still on a CPU, or already runnable, races with nothing here.
	 */
	if (!block || READ_ONCE(block->sched_state) != VXS_SCHED_BLOCKED ||
	    block->sched_epoch != READ_ONCE(core->sched_epoch))
		return NULL;
	return block;
}

static void vxs_sched_woken(struct vxs_core *core, struct vxs_block *block,
			    u64 now)
{
	vxs_block_sync(core, block);
	WRITE_ONCE(block->sched.idle_ns,
		   block->sched.idle_ns + vxs_elapsed(now, block->sched_since));
	block->sched_since = now;
	WRITE_ONCE(block->sched_state, VXS_SCHED_WOKEN);
	vxs_wait_begin(core, block);
}

void vxs_sched_wakeup_probe(void *data, struct task_struct *p)
{
	struct vxs_core *core = data;
	struct vxs_block *block;

	if (!READ_ONCE(core->sched) || !READ_ONCE(core->blocks_used))
		return;
	block = vxs_sched_sleeper(core, p);
	if (block)
		vxs_sched_woken(core, block, local_clock());
}

/* --- The per-CPU snapshot, in process context ------------------------- */

static int vxs_thief_cmp(const void *lhs, const void *rhs)
{
	const struct vxs_thief_record *a = lhs, *b = rhs;

	/* Busiest first. */
	return a->ns < b->ns ? 1 : a->ns > b->ns ? -1 : 0;
}

static bool vxs_cpu_sched_copy(const struct vxs_cpu_sched *cs,
			       struct vxs_cpu_sched_record *rec)
{
	u32 seq, i;

	/* Pairs with the barriers of vxs_thief_charge(). */
	seq = smp_load_acquire(&cs->seq);
	if (seq & 1)
		return false;
	rec->wait_ns = READ_ONCE(cs->wait_ns);
	rec->vcpu_run_ns = READ_ONCE(cs->vcpu_run_ns);
	rec->unattributed_ns = READ_ONCE(cs->unattributed_ns);
	vxs_latency_copy(&rec->wakeup, &cs->wakeup);
	vxs_latency_copy(&rec->preempt, &cs->preempt);
	rec->nr_thieves = 0;
	for (i = 0; i < VMEXIT_STAT_THIEVES; i++) {
		const struct vxs_thief_slot *slot = &cs->thieves[i];
		struct vxs_thief_record *thief = &rec->thieves[rec->nr_thieves];

		if (!READ_ONCE(slot->used))
			continue;
		thief->tid = READ_ONCE(slot->tid);
		thief->vm_pid = READ_ONCE(slot->vm_pid);
		thief->vcpu_id = READ_ONCE(slot->vcpu_id);
		memcpy(thief->comm, slot->comm, sizeof(thief->comm));
		thief->comm[sizeof(thief->comm) - 1] = '\0';
		thief->ns = READ_ONCE(slot->ns);
		thief->over_ns = READ_ONCE(slot->over_ns);
		rec->nr_thieves++;
	}
	/* The copy happens before the second look at the count. */
	smp_rmb();
	return READ_ONCE(cs->seq) == seq;
}

struct vxs_cpu_sched_snapshot *
vxs_core_cpu_sched(struct vxs_core *core, const struct vxs_filter *filter)
{
	unsigned long generation = READ_ONCE(core->generation);
	struct vxs_cpu_sched_snapshot *snap;
	unsigned int cpu, attempt;
	u32 n = 0;

	snap = kvzalloc(struct_size(snap, rec, nr_cpu_ids), GFP_KERNEL);
	if (!snap)
		return NULL;
	for_each_possible_cpu(cpu) {
		const struct vxs_cpu_sched *cs = per_cpu_ptr(core->cpu_sched,
							     cpu);
		struct vxs_cpu_sched_record *rec = &snap->rec[n];

		if (filter && filter->by_cpu && filter->cpu != cpu)
			continue;
		rec->cpu = cpu;
		/* Not wiped since the last reset: it has counted nothing. */
		if (READ_ONCE(cs->generation) != generation) {
			vxs_latency_init(&rec->wakeup);
			vxs_latency_init(&rec->preempt);
			n++;
			continue;
		}
		for (attempt = 0; attempt < 4; attempt++)
			if (vxs_cpu_sched_copy(cs, rec))
				break;
		sort(rec->thieves, rec->nr_thieves, sizeof(rec->thieves[0]),
		     vxs_thief_cmp, NULL);
		n++;
	}
	snap->nr = n;
	return snap;
}
