// SPDX-License-Identifier: GPL-2.0
/*
 * Phases of a guest's workload, as the guest marks them: CPUID of a
 * marker leaf (<vmexit_stat/markers.h>) at the start and at the end of
 * each phase.  kvm_cpuid reports the leaf inside the marker's own exit,
 * after its kvm_exit was counted, so the exit is taken back out of the
 * phase it was counted in: marker exits belong to no phase.
 *
 * A phase is per vCPU thread: the guest says which of its phases the vCPU
 * runs, and everything the thread's exits, their latency and its run
 * delay are then also counted there.  The hot path adds one test of
 * block->phase per exit and per entry (vcpu_table.c), one per wait in
 * sched.c; the rest happens at markers, a few per phase.
 *
 * The owning thread writes its phases, in its own probes with preemption
 * off; the scheduler's probes add run delay to the open phase while the
 * thread runs nowhere (see sched.c).  Readers copy without a lock, as for
 * every other slot of a block.
 */
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/string.h>

#include <vmexit_stat/markers.h>

#include "latency.h"
#include "vcpu_table.h"

static_assert(VMEXIT_STAT_PHASE_ID_MAX == VMEXIT_STAT_MARKER_ID_MASK);

static struct vxs_phase_slot *vxs_phase_slot_get(struct vxs_block *block,
						 u32 id)
{
	struct vxs_phase_slot *free = NULL;
	unsigned int i;

	for (i = 0; i < VMEXIT_STAT_PHASE_SLOTS; i++) {
		struct vxs_phase_slot *slot = &block->phases[i];

		if (slot->used && slot->id == id)
			return slot;
		if (!slot->used && !free)
			free = slot;
	}
	if (free) {
		free->id = id;
		/* A reader that sees used also sees the id. */
		smp_store_release(&free->used, 1);
	}
	return free;
}

/*
 * open_since goes first: a reader, which reads active_ns before
 * open_since, may miss the span just closed for a moment but never
 * counts it twice.
 */
static void vxs_phase_close(struct vxs_phase_slot *phase, u64 now)
{
	u64 since = phase->open_since;

	WRITE_ONCE(phase->open_since, 0);
	/* Pairs with the read barrier of vxs_copy_phases(). */
	smp_wmb();
	WRITE_ONCE(phase->active_ns,
		   phase->active_ns + (now > since ? now - since : 0));
}

/* Takes the exit in progress back out of its phase: it is a marker. */
static void vxs_phase_uncount_exit(struct vxs_block *block)
{
	struct vxs_phase_slot *phase = block->exit_phase;

	if (!phase)
		return;
	block->exit_phase = NULL;
	WRITE_ONCE(phase->exits, phase->exits - 1);
	if (block->last_exit) {
		unsigned int i = block->last_exit - block->exit_slots;

		WRITE_ONCE(phase->exit_counts[i], phase->exit_counts[i] - 1);
	}
}

void vxs_phase_marker(struct vxs_core *core, struct vxs_block *block,
		      u32 leaf, u64 now)
{
	u32 id = VMEXIT_STAT_MARKER_ID(leaf);
	struct vxs_phase_slot *phase;

	this_cpu_inc(core->cpu->markers_seen);
	vxs_block_sync(core, block);
	vxs_phase_uncount_exit(block);

	phase = block->phase;
	if (VMEXIT_STAT_MARKER_IS_END(leaf)) {
		if (!phase || phase->id != id) {
			this_cpu_inc(core->cpu->markers_unmatched);
			return;
		}
		vxs_phase_close(phase, now);
		WRITE_ONCE(phase->ends, phase->ends + 1);
		WRITE_ONCE(phase->last_end_ns, now);
		WRITE_ONCE(block->phase, NULL);
		return;
	}

	/* A start ends the open phase, without counting an end for it. */
	if (phase) {
		vxs_phase_close(phase, now);
		WRITE_ONCE(block->phase, NULL);
	}
	phase = vxs_phase_slot_get(block, id);
	if (!phase) {
		this_cpu_inc(core->cpu->phases_dropped);
		return;
	}
	WRITE_ONCE(phase->starts, phase->starts + 1);
	WRITE_ONCE(phase->last_start_ns, now);
	WRITE_ONCE(phase->open_since, now);
	WRITE_ONCE(block->phase, phase);
}

/* The thread is done: its open phase ends with it, with no end marker. */
void vxs_phases_end(struct vxs_block *block, u64 now)
{
	if (block->phase) {
		vxs_phase_close(block->phase, now);
		WRITE_ONCE(block->phase, NULL);
	}
	block->exit_phase = NULL;
}

/*
 * The block's counters start again (a reset, or a new thread, which has
 * no phase yet): an open phase stays open, counted as started now.
 */
void vxs_phases_clear(struct vxs_block *block, u64 now)
{
	struct vxs_phase_slot *open = block->phase;
	unsigned int i;

	block->exit_phase = NULL;
	for (i = 0; i < VMEXIT_STAT_PHASE_SLOTS; i++) {
		struct vxs_phase_slot *slot = &block->phases[i];
		u32 id = slot->id;

		memset(slot, 0, sizeof(*slot));
		slot->lat.min_ns = U64_MAX;
		if (slot != open)
			continue;
		slot->id = id;
		slot->used = 1;
		slot->starts = 1;
		slot->last_start_ns = now;
		slot->open_since = now;
	}
}

/*
 * A block's phases as records, for a reader in process context; now is
 * the reader's CLOCK_MONOTONIC time, up to which an open phase counts.
 */
u32 vxs_copy_phases(const struct vxs_block *block, u64 vm_id, u32 pid,
		    u32 vcpu_id, u32 tid, u32 isa,
		    const struct vxs_filter *filter,
		    struct vxs_phase_record *rec, u32 room, u64 now)
{
	u32 i, j, n = 0;

	for (i = 0; i < VMEXIT_STAT_PHASE_SLOTS && n < room; i++) {
		const struct vxs_phase_slot *slot = &block->phases[i];
		struct vxs_phase_record *out = &rec[n];
		u64 since;

		/* Pairs with the release in vxs_phase_slot_get(). */
		if (!smp_load_acquire(&slot->used))
			continue;
		if (filter && filter->by_phase && slot->id != filter->phase_id)
			continue;
		memset(out, 0, offsetof(struct vxs_phase_record, exit));
		out->vm_id = vm_id;
		out->pid = pid;
		out->vcpu_id = vcpu_id;
		out->tid = tid;
		out->isa = isa;
		out->id = slot->id;
		out->starts = READ_ONCE(slot->starts);
		out->ends = READ_ONCE(slot->ends);
		out->active_ns = READ_ONCE(slot->active_ns);
		/* Pairs with the barrier of vxs_phase_close(). */
		smp_rmb();
		since = READ_ONCE(slot->open_since);
		if (since) {
			out->open = true;
			if (now > since)
				out->active_ns += now - since;
		}
		out->last_start_ns = READ_ONCE(slot->last_start_ns);
		out->last_end_ns = READ_ONCE(slot->last_end_ns);
		out->exits = READ_ONCE(slot->exits);
		out->wait_ns = READ_ONCE(slot->wait_ns);
		vxs_latency_copy(&out->lat, &slot->lat);
		for (j = 0; j < VXS_EXIT_SLOTS; j++) {
			const struct vxs_exit_slot *code;
			struct vxs_phase_exit_record *e;
			u64 count = READ_ONCE(slot->exit_counts[j]);

			code = &block->exit_slots[j];
			/* Pairs with the release in vxs_exit_slot_get(). */
			if (!count || !smp_load_acquire(&code->used))
				continue;
			e = &out->exit[out->nr_exits++];
			e->reason = READ_ONCE(code->reason);
			e->count = count;
		}
		n++;
	}
	return n;
}
