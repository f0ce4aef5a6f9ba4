// SPDX-License-Identifier: GPL-2.0
/*
 * Per-vCPU-thread statistics blocks, the VMs they belong to, and the
 * snapshots dumps are made from.  See vcpu_table.h for the rules.
 */
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "vcpu_table.h"

#define VXS_DETAIL_MAX_PROBES	16
#define VXS_EVENTS		256

/* Readers retry a block this often before they skip it. */
#define VXS_READ_RETRIES	4

/*
 * A block's identity changes between these two; readers that saw the
 * count odd, or changed, drop what they copied (vxs_block_copy()).
 */
static void vxs_seq_begin(struct vxs_block *block)
{
	WRITE_ONCE(block->seq, block->seq + 1);
	/* The odd count is visible before any change it announces. */
	smp_wmb();
}

static void vxs_seq_end(struct vxs_block *block)
{
	/* The changes are visible before the even count that ends them. */
	smp_wmb();
	WRITE_ONCE(block->seq, block->seq + 1);
}

static void vxs_block_clear_stats(struct vxs_block *block)
{
	unsigned int i;

	block->last_exit = NULL;
	block->open_user = NULL;
	block->exit_timed = false;
	block->exit_went_user = false;
	block->detail_pending = false;
	block->exits = 0;
	block->user_exits = 0;
	block->dropped = 0;
	block->details_dropped = 0;
	memset(block->exit_slots, 0, sizeof(block->exit_slots));
	memset(block->user_slots, 0, sizeof(block->user_slots));
	memset(block->detail_slots, 0, sizeof(block->detail_slots));
	for (i = 0; i < VXS_EXIT_SLOTS; i++)
		block->exit_slots[i].lat.min_ns = U64_MAX;
	for (i = 0; i < VXS_USER_SLOTS; i++)
		block->user_slots[i].round_trip.min_ns = U64_MAX;
	vxs_phases_clear(block, ktime_get_ns());
	/* Its place in the scheduler stays: only the totals start again. */
	memset(&block->sched, 0, sizeof(block->sched));
	block->sched.wakeup.min_ns = U64_MAX;
	block->sched.preempt.min_ns = U64_MAX;
}

int vxs_core_alloc(struct vxs_core *core, u32 nr_blocks)
{
	unsigned int cpu;
	u32 index_size;

	if (WARN_ON_ONCE(!nr_blocks || nr_blocks > (1U << 20)))
		return -EINVAL;

	memset(core, 0, sizeof(*core));
	raw_spin_lock_init(&core->lock);
	core->nr_blocks = nr_blocks;
	core->nr_vms = nr_blocks;
	/* At least half empty, so misses end quickly on a NULL. */
	index_size = roundup_pow_of_two(2 * nr_blocks);
	core->index_bits = ilog2(index_size);
	core->index_mask = index_size - 1;
	core->events_cap = VXS_EVENTS;
	core->generation = 1;
	core->latency = true;
	core->details = true;
	core->sched = true;
	core->sched_epoch = 1;
	get_random_bytes(&core->vm_id_key, sizeof(core->vm_id_key));

	core->blocks = kvcalloc(nr_blocks, sizeof(*core->blocks), GFP_KERNEL);
	core->vms = kvcalloc(core->nr_vms, sizeof(*core->vms), GFP_KERNEL);
	core->index = kvcalloc(index_size, sizeof(*core->index), GFP_KERNEL);
	core->events = kcalloc(core->events_cap, sizeof(*core->events),
			       GFP_KERNEL);
	core->cpu = alloc_percpu(struct vxs_cpu_counters);
	core->cpu_sched = alloc_percpu(struct vxs_cpu_sched);
	if (!core->blocks || !core->vms || !core->index || !core->events ||
	    !core->cpu || !core->cpu_sched) {
		vxs_core_free(core);
		return -ENOMEM;
	}
	for_each_possible_cpu(cpu) {
		struct vxs_cpu_sched *cs = per_cpu_ptr(core->cpu_sched, cpu);

		vxs_cpu_sched_clear(cs);
		cs->generation = core->generation;
	}

	core->memory_bytes = (u64)nr_blocks * sizeof(*core->blocks) +
			     (u64)core->nr_vms * sizeof(*core->vms) +
			     (u64)index_size * sizeof(*core->index) +
			     (u64)core->events_cap * sizeof(*core->events) +
			     (u64)num_possible_cpus() *
				     (sizeof(struct vxs_cpu_counters) +
				      sizeof(struct vxs_cpu_sched));
	return 0;
}

void vxs_core_free(struct vxs_core *core)
{
	free_percpu(core->cpu_sched);
	free_percpu(core->cpu);
	kfree(core->events);
	kvfree(core->index);
	kvfree(core->vms);
	kvfree(core->blocks);
	core->cpu_sched = NULL;
	core->cpu = NULL;
	core->events = NULL;
	core->index = NULL;
	core->vms = NULL;
	core->blocks = NULL;
}

/* --- The thread index ------------------------------------------------- */

struct vxs_block *vxs_block_lookup(struct vxs_core *core,
				   const struct task_struct *task)
{
	struct vxs_block *block;
	bool missed = false;
	unsigned long flags;

	block = vxs_block_lookup_nolock(core, task, &missed);
	if (likely(!missed))
		return block;

	/* The index was rebuilt under us: ask again under the lock. */
	raw_spin_lock_irqsave(&core->lock, flags);
	block = vxs_index_scan(core, task);
	raw_spin_unlock_irqrestore(&core->lock, flags);
	return block;
}

static void vxs_index_put(struct vxs_core *core, struct vxs_block *block)
{
	u32 home = vxs_index_home(core, block->task);
	u32 i;

	lockdep_assert_held(&core->lock);
	for (i = 0; i <= core->index_mask; i++) {
		struct vxs_block **pos;

		pos = &core->index[(home + i) & core->index_mask];
		if (*pos && *pos != VXS_TOMBSTONE)
			continue;
		if (*pos == VXS_TOMBSTONE)
			core->tombstones--;
		/* A reader that finds the block sees its identity. */
		smp_store_release(pos, block);
		return;
	}
	/* Cannot happen: the index has twice as many places as blocks. */
	WARN_ON_ONCE(1);
}

static void vxs_index_rebuild(struct vxs_core *core)
{
	u32 i;

	lockdep_assert_held(&core->lock);
	WRITE_ONCE(core->index_seq, core->index_seq + 1);
	/* Lookups see the odd count before any place is emptied. */
	smp_wmb();
	for (i = 0; i <= core->index_mask; i++)
		WRITE_ONCE(core->index[i], NULL);
	core->tombstones = 0;
	for (i = 0; i < core->nr_blocks; i++)
		if (core->blocks[i].state == VXS_BLOCK_LIVE)
			vxs_index_put(core, &core->blocks[i]);
	/* Pairs with the acquire in vxs_block_lookup(). */
	smp_store_release(&core->index_seq, core->index_seq + 1);
}

static void vxs_index_remove(struct vxs_core *core, struct vxs_block *block)
{
	u32 home = vxs_index_home(core, block->task);
	u32 i;

	lockdep_assert_held(&core->lock);
	for (i = 0; i <= core->index_mask; i++) {
		struct vxs_block **pos;

		pos = &core->index[(home + i) & core->index_mask];
		if (!*pos)
			break;
		if (*pos != block)
			continue;
		WRITE_ONCE(*pos, VXS_TOMBSTONE);
		core->tombstones++;
		if (core->tombstones > (core->index_mask + 1) / 4)
			vxs_index_rebuild(core);
		return;
	}
	WARN_ON_ONCE(1);
}

/* --- Lifecycle, under the lock ---------------------------------------- */

static void vxs_event_queue(struct vxs_core *core, u8 cmd,
			    const struct vxs_vm *vm,
			    const struct vxs_block *block)
{
	struct vxs_event *event;

	lockdep_assert_held(&core->lock);
	if (core->events_len == core->events_cap) {
		core->events_dropped++;
		return;
	}
	event = &core->events[(core->events_head + core->events_len) %
			      core->events_cap];
	core->events_len++;
	memset(event, 0, sizeof(*event));
	event->cmd = cmd;
	event->pid = vm->pid;
	event->vm_id = vm->vm_id;
	if (block) {
		event->vcpu_id = block->vcpu_id;
		event->tid = block->tid;
	}
}

u32 vxs_core_take_events(struct vxs_core *core, struct vxs_event *out,
			 u32 max)
{
	unsigned long flags;
	u32 n = 0;

	raw_spin_lock_irqsave(&core->lock, flags);
	while (n < max && core->events_len) {
		out[n++] = core->events[core->events_head];
		core->events_head = (core->events_head + 1) % core->events_cap;
		core->events_len--;
	}
	raw_spin_unlock_irqrestore(&core->lock, flags);
	return n;
}

static void vxs_block_free_locked(struct vxs_core *core,
				  struct vxs_block *block)
{
	lockdep_assert_held(&core->lock);
	vxs_seq_begin(block);
	WRITE_ONCE(block->state, VXS_BLOCK_FREE);
	block->task = NULL;
	block->kvm_vcpu = NULL;
	block->vm = NULL;
	/* Its counters are cleared when it is claimed again. */
	vxs_seq_end(block);
	core->blocks_used--;
}

static void vxs_vm_free_locked(struct vxs_core *core, struct vxs_vm *vm)
{
	u32 i;

	lockdep_assert_held(&core->lock);
	for (i = 0; i < core->nr_blocks; i++)
		if (core->blocks[i].state != VXS_BLOCK_FREE &&
		    core->blocks[i].vm == vm)
			vxs_block_free_locked(core, &core->blocks[i]);
	WRITE_ONCE(vm->state, VXS_VM_FREE);
}

/* Makes room by forgetting the VM that ended first; false if none did. */
static bool vxs_evict_oldest_ended(struct vxs_core *core)
{
	struct vxs_vm *oldest = NULL;
	u32 i;

	lockdep_assert_held(&core->lock);
	for (i = 0; i < core->nr_vms; i++) {
		struct vxs_vm *vm = &core->vms[i];

		if (vm->state == VXS_VM_ENDED &&
		    (!oldest || vm->end_ns < oldest->end_ns))
			oldest = vm;
	}
	if (!oldest)
		return false;
	vxs_vm_free_locked(core, oldest);
	return true;
}

static struct vxs_vm *vxs_vm_find_locked(struct vxs_core *core,
					 const void *kvm, u32 pid)
{
	u32 i;

	for (i = 0; i < core->nr_vms; i++) {
		struct vxs_vm *vm = &core->vms[i];

		if (vm->state == VXS_VM_RUNNING && vm->kvm == kvm &&
		    vm->pid == pid)
			return vm;
	}
	return NULL;
}

static struct vxs_vm *vxs_vm_new_locked(struct vxs_core *core,
					struct task_struct *task,
					const void *kvm, u32 pid)
{
	struct vxs_vm *vm = NULL;
	u32 i;

	for (i = 0; i < core->nr_vms && !vm; i++)
		if (core->vms[i].state == VXS_VM_FREE)
			vm = &core->vms[i];
	if (!vm && vxs_evict_oldest_ended(core))
		return vxs_vm_new_locked(core, task, kvm, pid);
	if (!vm)
		return NULL;

	memset(vm, 0, sizeof(*vm));
	vm->kvm = kvm;
	vm->pid = pid;
	/* Serials never repeat, nor do the ids of VMs at reused addresses. */
	vm->vm_id = siphash_1u64(++core->next_vm_serial, &core->vm_id_key);
	/* Racy against a rename of the VMM, at worst a torn name. */
	strscpy_pad(vm->comm, task->group_leader->comm, sizeof(vm->comm));
	vm->start_ns = ktime_get_boottime_ns();
	WRITE_ONCE(vm->state, VXS_VM_RUNNING);
	vxs_event_queue(core, VMEXIT_STAT_CMD_VM_START, vm, NULL);
	return vm;
}

static struct vxs_block *vxs_block_new_locked(struct vxs_core *core)
{
	u32 i;

	lockdep_assert_held(&core->lock);
	for (i = 0; i < core->nr_blocks; i++)
		if (core->blocks[i].state == VXS_BLOCK_FREE)
			return &core->blocks[i];
	return NULL;
}

static void vxs_block_end_locked(struct vxs_core *core,
				 struct vxs_block *block)
{
	struct vxs_vm *vm = block->vm;

	lockdep_assert_held(&core->lock);
	vxs_index_remove(core, block);
	vxs_sched_block_end(core, block);
	vxs_phases_end(block, ktime_get_ns());
	vxs_seq_begin(block);
	WRITE_ONCE(block->state, VXS_BLOCK_ENDED);
	block->task = NULL;
	vxs_seq_end(block);

	vxs_event_queue(core, VMEXIT_STAT_CMD_VCPU_STOP, vm, block);
	if (!WARN_ON_ONCE(!vm->vcpus_live) && !--vm->vcpus_live) {
		vm->end_ns = ktime_get_boottime_ns();
		WRITE_ONCE(vm->state, VXS_VM_ENDED);
		vxs_event_queue(core, VMEXIT_STAT_CMD_VM_STOP, vm, NULL);
	}
}

static void vxs_events_kick(struct vxs_core *core, u32 events_before)
{
	if (core->events_queued &&
	    READ_ONCE(core->events_len) != events_before)
		core->events_queued(core);
}

static noinline struct vxs_block *
vxs_block_claim(struct vxs_core *core, struct task_struct *task,
		const void *kvm_vcpu, const void *kvm, u32 pid, u32 vcpu_id,
		u32 isa)
{
	struct vxs_block *block;
	struct vxs_vm *vm;
	unsigned long flags;
	u32 events_before;

	raw_spin_lock_irqsave(&core->lock, flags);
	events_before = core->events_len;
	block = vxs_index_scan(core, task);
	if (block && block->kvm_vcpu == kvm_vcpu)
		goto unlock;
	/* The thread now runs another vCPU: its old one is done. */
	if (block)
		vxs_block_end_locked(core, block);

	block = vxs_block_new_locked(core);
	if (!block && vxs_evict_oldest_ended(core))
		block = vxs_block_new_locked(core);
	if (!block)
		goto unlock;

	vm = vxs_vm_find_locked(core, kvm, pid);
	if (!vm)
		vm = vxs_vm_new_locked(core, task, kvm, pid);
	if (!vm) {
		block = NULL;
		goto unlock;
	}

	vxs_seq_begin(block);
	block->task = task;
	block->kvm_vcpu = kvm_vcpu;
	block->vm = vm;
	block->vcpu_id = vcpu_id;
	block->tid = task_pid_nr(task);
	block->isa = isa;
	block->generation = core->generation;
	block->phase = NULL;
	vxs_block_clear_stats(block);
	vxs_sched_block_init(core, block);
	WRITE_ONCE(block->state, VXS_BLOCK_LIVE);
	vxs_seq_end(block);
	core->blocks_used++;
	vxs_index_put(core, block);

	vm->vcpus_live++;
	vm->vcpus_seen++;
	vxs_event_queue(core, VMEXIT_STAT_CMD_VCPU_START, vm, block);
unlock:
	raw_spin_unlock_irqrestore(&core->lock, flags);
	vxs_events_kick(core, events_before);
	return block;
}

struct vxs_block *vxs_block_get(struct vxs_core *core,
				struct task_struct *task, const void *kvm_vcpu,
				const void *kvm, u32 pid, u32 vcpu_id,
				u32 isa)
{
	struct vxs_block *block = vxs_block_lookup(core, task);

	if (likely(block && block->kvm_vcpu == kvm_vcpu))
		return block;
	return vxs_block_claim(core, task, kvm_vcpu, kvm, pid, vcpu_id, isa);
}

void vxs_block_release(struct vxs_core *core, struct vxs_block *block)
{
	unsigned long flags;
	u32 events_before;

	raw_spin_lock_irqsave(&core->lock, flags);
	events_before = core->events_len;
	if (block->state == VXS_BLOCK_LIVE)
		vxs_block_end_locked(core, block);
	raw_spin_unlock_irqrestore(&core->lock, flags);
	vxs_events_kick(core, events_before);
}

/* --- The hot path: the owning thread on its own block ----------------- */

void vxs_block_restart(struct vxs_core *core, struct vxs_block *block,
		       unsigned long generation)
{
	/* Reset since this thread last counted: start from zero. */
	vxs_seq_begin(block);
	vxs_block_clear_stats(block);
	block->generation = generation;
	vxs_seq_end(block);
}

static struct vxs_user_slot *vxs_user_slot_get(struct vxs_block *block,
					       u32 reason)
{
	u32 home = hash_32(reason, ilog2(VXS_USER_SLOTS));
	u32 i;

	for (i = 0; i < VXS_USER_SLOTS; i++) {
		struct vxs_user_slot *slot;

		slot = &block->user_slots[(home + i) % VXS_USER_SLOTS];
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

/*
 * The drill-down keeps the busiest keys, not the first ones.  A key that
 * finds neither itself nor a free slot among those it may probe takes the
 * place of the least used of them and inherits its count (Space-Saving,
 * Metwally et al., 2005): a key that keeps coming, such as the serial port
 * of a booting guest, displaces those seen a few times (CPUID leaves and
 * MSRs read at boot), and every key busier than a slot's share stays.  A
 * count is then high by at most what it inherited, which is counted as
 * details dropped.  The slot's used field counts its changes, so that a
 * reader never pairs one key with another's count (vxs_copy_details()).
 */
static struct vxs_detail_slot *vxs_detail_slot_get(struct vxs_block *block,
						   u32 kind, u64 key)
{
	u32 home = hash_64(key ^ ((u64)kind << 56), ilog2(VXS_DETAIL_SLOTS));
	struct vxs_detail_slot *least = NULL;
	u32 i;

	for (i = 0; i < VXS_DETAIL_MAX_PROBES; i++) {
		struct vxs_detail_slot *slot;

		slot = &block->detail_slots[(home + i) % VXS_DETAIL_SLOTS];
		if (slot->used && slot->kind == kind && slot->key == key)
			return slot;
		if (!slot->used) {
			slot->kind = kind;
			slot->key = key;
			/* A reader that sees used also sees kind and key. */
			smp_store_release(&slot->used, 2);
			return slot;
		}
		if (!least || slot->count < least->count)
			least = slot;
	}

	WRITE_ONCE(block->details_dropped,
		   block->details_dropped + least->count);
	/* used is the slot's sequence count: odd while its key changes. */
	WRITE_ONCE(least->used, least->used + 1);
	/* Readers see the odd count before the new key; see the copy. */
	smp_wmb();
	WRITE_ONCE(least->kind, kind);
	WRITE_ONCE(least->key, key);
	/* Even again, after the new key, for the copy's second look. */
	smp_store_release(&least->used, least->used + 1);
	return least;
}

void vxs_block_count_user_exit(struct vxs_core *core, struct vxs_block *block,
			       u32 reason, u64 now)
{
	struct vxs_exit_slot *exit;
	struct vxs_user_slot *slot;

	vxs_block_sync(core, block);
	WRITE_ONCE(block->user_exits, block->user_exits + 1);

	exit = block->last_exit;
	if (exit && !block->exit_went_user) {
		WRITE_ONCE(exit->user_count, exit->user_count + 1);
		block->exit_went_user = true;
	}

	slot = vxs_user_slot_get(block, reason);
	if (unlikely(!slot)) {
		WRITE_ONCE(block->dropped, block->dropped + 1);
		block->open_user = NULL;
		return;
	}
	WRITE_ONCE(slot->count, slot->count + 1);
	block->open_user = READ_ONCE(core->latency) ? slot : NULL;
	block->user_exit_ns = now;
}

void vxs_block_count_detail(struct vxs_core *core, struct vxs_block *block,
			    u32 kind, u64 key)
{
	struct vxs_detail_slot *slot;

	/* One detail per exit: completions of an exit trace it again. */
	if (!block->detail_pending)
		return;
	block->detail_pending = false;
	vxs_block_sync(core, block);

	slot = vxs_detail_slot_get(block, kind, key);
	WRITE_ONCE(slot->count, slot->count + 1);
}

/* --- Snapshots ---------------------------------------------------------- */

/* What a reader needs of a block's identity, read inside its seq section. */
struct vxs_block_id {
	u64 vm_id;
	u32 pid;
	u32 vcpu_id;
	u32 tid;
	u32 isa;
};

static bool vxs_block_id_read(const struct vxs_core *core,
			      const struct vxs_block *block,
			      const struct vxs_filter *filter,
			      struct vxs_block_id *id)
{
	const struct vxs_vm *vm;

	if (READ_ONCE(block->state) == VXS_BLOCK_FREE)
		return false;
	/* Not wiped since the last reset yet: it counts nothing. */
	if (READ_ONCE(block->generation) != READ_ONCE(core->generation))
		return false;
	vm = READ_ONCE(block->vm);
	if (!vm)
		return false;
	id->vm_id = READ_ONCE(vm->vm_id);
	id->pid = READ_ONCE(vm->pid);
	id->vcpu_id = READ_ONCE(block->vcpu_id);
	id->tid = READ_ONCE(block->tid);
	id->isa = READ_ONCE(block->isa);

	if (!filter)
		return true;
	if (filter->by_pid && filter->pid != id->pid)
		return false;
	if (filter->by_vm_id && filter->vm_id != id->vm_id)
		return false;
	if (filter->by_vcpu && filter->vcpu_id != id->vcpu_id)
		return false;
	return true;
}

/*
 * Copies the records of one block with copy(), retrying while its
 * identity changes under us.  Returns how many records were added.
 */
typedef u32 (*vxs_copy_fn)(const struct vxs_block *block,
			   const struct vxs_block_id *id,
			   const struct vxs_filter *filter, void *out,
			   u32 room);

static u32 vxs_block_copy(const struct vxs_core *core,
			  const struct vxs_block *block,
			  const struct vxs_filter *filter, vxs_copy_fn copy,
			  void *out, u32 room)
{
	unsigned int attempt;

	for (attempt = 0; attempt < VXS_READ_RETRIES; attempt++) {
		struct vxs_block_id id;
		u32 seq, n;

		/* Pairs with the barriers of vxs_seq_begin/end(). */
		seq = smp_load_acquire(&block->seq);
		if (seq & 1)
			continue;
		if (!vxs_block_id_read(core, block, filter, &id))
			n = 0;
		else
			n = copy(block, &id, filter, out, room);
		/* The copy happens before the check of the count. */
		smp_rmb();
		if (READ_ONCE(block->seq) == seq)
			return n;
	}
	return 0;
}

static u32 vxs_copy_exits(const struct vxs_block *block,
			  const struct vxs_block_id *id,
			  const struct vxs_filter *filter, void *out, u32 room)
{
	struct vxs_exit_record *rec = out;
	u32 i, n = 0;

	for (i = 0; i < VXS_EXIT_SLOTS && n < room; i++) {
		const struct vxs_exit_slot *slot = &block->exit_slots[i];

		/* Pairs with the release in vxs_exit_slot_get(). */
		if (!smp_load_acquire(&slot->used))
			continue;
		rec[n].vm_id = id->vm_id;
		rec[n].pid = id->pid;
		rec[n].vcpu_id = filter && filter->by_vm ? 0 : id->vcpu_id;
		rec[n].tid = filter && filter->by_vm ? 0 : id->tid;
		rec[n].isa = id->isa;
		rec[n].reason = READ_ONCE(slot->reason);
		rec[n].count = READ_ONCE(slot->count);
		rec[n].user_count = READ_ONCE(slot->user_count);
		rec[n].user_ns = READ_ONCE(slot->user_ns);
		vxs_latency_copy(&rec[n].lat, &slot->lat);
		n++;
	}
	return n;
}

static u32 vxs_copy_user_exits(const struct vxs_block *block,
			       const struct vxs_block_id *id,
			       const struct vxs_filter *filter, void *out,
			       u32 room)
{
	struct vxs_user_record *rec = out;
	u32 i, n = 0;

	for (i = 0; i < VXS_USER_SLOTS && n < room; i++) {
		const struct vxs_user_slot *slot = &block->user_slots[i];

		/* Pairs with the release in vxs_user_slot_get(). */
		if (!smp_load_acquire(&slot->used))
			continue;
		rec[n].vm_id = id->vm_id;
		rec[n].pid = id->pid;
		rec[n].vcpu_id = filter && filter->by_vm ? 0 : id->vcpu_id;
		rec[n].tid = filter && filter->by_vm ? 0 : id->tid;
		rec[n].reason = READ_ONCE(slot->reason);
		rec[n].count = READ_ONCE(slot->count);
		vxs_latency_copy(&rec[n].round_trip, &slot->round_trip);
		n++;
	}
	return n;
}

static u32 vxs_copy_details(const struct vxs_block *block,
			    const struct vxs_block_id *id,
			    const struct vxs_filter *filter, void *out,
			    u32 room)
{
	struct vxs_detail_record *rec = out;
	u32 i, n = 0;

	for (i = 0; i < VXS_DETAIL_SLOTS && n < room; i++) {
		const struct vxs_detail_slot *slot = &block->detail_slots[i];
		u32 seq;

		/* Pairs with the releases in vxs_detail_slot_get(). */
		seq = smp_load_acquire(&slot->used);
		if (!seq || (seq & 1))
			continue;
		rec[n].vm_id = id->vm_id;
		rec[n].pid = id->pid;
		rec[n].kind = READ_ONCE(slot->kind);
		rec[n].key = READ_ONCE(slot->key);
		rec[n].count = READ_ONCE(slot->count);
		/*
		 * The copy happens before the second look at the count: a
		 * slot that changed keys meanwhile is skipped this time.
		 */
		smp_rmb();
		if (READ_ONCE(slot->used) != seq)
			continue;
		n++;
	}
	return n;
}

static u32 vxs_sched_state_of(const struct vxs_block *block)
{
	if (READ_ONCE(block->state) == VXS_BLOCK_ENDED)
		return VMEXIT_STAT_SCHED_ENDED;
	switch (READ_ONCE(block->sched_state)) {
	case VXS_SCHED_RUNNING:
		return VMEXIT_STAT_SCHED_RUNNING;
	case VXS_SCHED_WOKEN:
	case VXS_SCHED_PREEMPTED:
		return VMEXIT_STAT_SCHED_RUNNABLE;
	case VXS_SCHED_BLOCKED:
		return VMEXIT_STAT_SCHED_BLOCKED;
	}
	return 0;
}

static u32 vxs_copy_sched(const struct vxs_block *block,
			  const struct vxs_block_id *id,
			  const struct vxs_filter *filter, void *out, u32 room)
{
	const struct vxs_sched_stats *stats = &block->sched;
	struct vxs_sched_record *rec = out;

	if (!room)
		return 0;
	rec->vm_id = id->vm_id;
	rec->pid = id->pid;
	rec->vcpu_id = filter && filter->by_vm ? 0 : id->vcpu_id;
	rec->tid = filter && filter->by_vm ? 0 : id->tid;
	rec->state = vxs_sched_state_of(block);
	rec->cpu = READ_ONCE(block->sched_cpu);
	rec->stats.run_ns = READ_ONCE(stats->run_ns);
	rec->stats.idle_ns = READ_ONCE(stats->idle_ns);
	rec->stats.timeslices = READ_ONCE(stats->timeslices);
	rec->stats.preemptions = READ_ONCE(stats->preemptions);
	rec->stats.migrations = READ_ONCE(stats->migrations);
	vxs_latency_copy(&rec->stats.wakeup, &stats->wakeup);
	vxs_latency_copy(&rec->stats.preempt, &stats->preempt);
	return 1;
}

static u32 vxs_copy_phase_records(const struct vxs_block *block,
				  const struct vxs_block_id *id,
				  const struct vxs_filter *filter, void *out,
				  u32 room)
{
	return vxs_copy_phases(block, id->vm_id, id->pid, id->vcpu_id,
			       id->tid, id->isa, filter, out, room,
			       ktime_get_ns());
}

/* Copies every block's records into one array of nr_blocks * per_block. */
static void *vxs_collect(struct vxs_core *core,
			 const struct vxs_filter *filter, vxs_copy_fn copy,
			 size_t rec_size, u32 per_block, u32 *nr)
{
	size_t bytes;
	void *recs;
	u32 i, n = 0, cap;

	cap = core->nr_blocks * per_block;
	if (check_mul_overflow((size_t)cap, rec_size, &bytes))
		return NULL;
	recs = kvmalloc(bytes ?: 1, GFP_KERNEL);
	if (!recs)
		return NULL;
	for (i = 0; i < core->nr_blocks; i++)
		n += vxs_block_copy(core, &core->blocks[i], filter, copy,
				    recs + (size_t)n * rec_size, cap - n);
	*nr = n;
	return recs;
}

static int vxs_cmp(u64 a, u64 b)
{
	return a < b ? -1 : a > b ? 1 : 0;
}

static int vxs_exit_record_cmp(const void *lhs, const void *rhs)
{
	const struct vxs_exit_record *a = lhs, *b = rhs;

	return vxs_cmp(a->pid, b->pid) ?: vxs_cmp(a->vm_id, b->vm_id) ?:
	       vxs_cmp(a->vcpu_id, b->vcpu_id) ?: vxs_cmp(a->isa, b->isa) ?:
	       vxs_cmp(a->reason, b->reason);
}

static int vxs_user_record_cmp(const void *lhs, const void *rhs)
{
	const struct vxs_user_record *a = lhs, *b = rhs;

	return vxs_cmp(a->pid, b->pid) ?: vxs_cmp(a->vm_id, b->vm_id) ?:
	       vxs_cmp(a->vcpu_id, b->vcpu_id) ?:
	       vxs_cmp(a->reason, b->reason);
}

static int vxs_detail_key_cmp(const void *lhs, const void *rhs)
{
	const struct vxs_detail_record *a = lhs, *b = rhs;

	return vxs_cmp(a->pid, b->pid) ?: vxs_cmp(a->vm_id, b->vm_id) ?:
	       vxs_cmp(a->kind, b->kind) ?: vxs_cmp(a->key, b->key);
}

/* Per VM and kind, busiest first. */
static int vxs_detail_rank_cmp(const void *lhs, const void *rhs)
{
	const struct vxs_detail_record *a = lhs, *b = rhs;

	return vxs_cmp(a->pid, b->pid) ?: vxs_cmp(a->vm_id, b->vm_id) ?:
	       vxs_cmp(a->kind, b->kind) ?: vxs_cmp(b->count, a->count) ?:
	       vxs_cmp(a->key, b->key);
}

/* Per thread, not per vCPU: a thread is what the scheduler runs. */
static int vxs_sched_record_cmp(const void *lhs, const void *rhs)
{
	const struct vxs_sched_record *a = lhs, *b = rhs;

	return vxs_cmp(a->pid, b->pid) ?: vxs_cmp(a->vm_id, b->vm_id) ?:
	       vxs_cmp(a->vcpu_id, b->vcpu_id) ?: vxs_cmp(a->tid, b->tid);
}

/* With by_vm, tid and vcpu_id are 0: the records of a VM become one. */
static u32 vxs_sched_records_merge(struct vxs_sched_record *recs, u32 n)
{
	u32 i, out = 0;

	for (i = 0; i < n; i++) {
		struct vxs_sched_record *last = out ? &recs[out - 1] : NULL;

		if (last && !vxs_sched_record_cmp(last, &recs[i])) {
			struct vxs_sched_stats *sum = &last->stats;
			const struct vxs_sched_stats *add = &recs[i].stats;

			sum->run_ns += add->run_ns;
			sum->idle_ns += add->idle_ns;
			sum->timeslices += add->timeslices;
			sum->preemptions += add->preemptions;
			sum->migrations += add->migrations;
			vxs_latency_merge(&sum->wakeup, &add->wakeup);
			vxs_latency_merge(&sum->preempt, &add->preempt);
			last->state = 0;
			continue;
		}
		if (out != i)
			recs[out] = recs[i];
		out++;
	}
	return out;
}

/*
 * Sums records with equal keys, which sort next to each other: the same
 * vCPU run by several threads in turn, or all vCPUs of a VM (by_vm).  The
 * thread reported is the one that made most of the exits.
 */
static u32 vxs_exit_records_merge(struct vxs_exit_record *recs, u32 n)
{
	u32 i, out = 0;

	for (i = 0; i < n; i++) {
		struct vxs_exit_record *last = out ? &recs[out - 1] : NULL;

		if (last && !vxs_exit_record_cmp(last, &recs[i])) {
			if (recs[i].count > last->count)
				last->tid = recs[i].tid;
			last->count += recs[i].count;
			last->user_count += recs[i].user_count;
			last->user_ns += recs[i].user_ns;
			vxs_latency_merge(&last->lat, &recs[i].lat);
			continue;
		}
		if (out != i)
			recs[out] = recs[i];
		out++;
	}
	return out;
}

static u32 vxs_user_records_merge(struct vxs_user_record *recs, u32 n)
{
	u32 i, out = 0;

	for (i = 0; i < n; i++) {
		struct vxs_user_record *last = out ? &recs[out - 1] : NULL;

		if (last && !vxs_user_record_cmp(last, &recs[i])) {
			if (recs[i].count > last->count)
				last->tid = recs[i].tid;
			last->count += recs[i].count;
			vxs_latency_merge(&last->round_trip,
					  &recs[i].round_trip);
			continue;
		}
		if (out != i)
			recs[out] = recs[i];
		out++;
	}
	return out;
}

static u32 vxs_detail_records_merge(struct vxs_detail_record *recs, u32 n)
{
	u32 i, out = 0;

	for (i = 0; i < n; i++) {
		struct vxs_detail_record *last = out ? &recs[out - 1] : NULL;

		if (last && !vxs_detail_key_cmp(last, &recs[i])) {
			last->count += recs[i].count;
			continue;
		}
		if (out != i)
			recs[out] = recs[i];
		out++;
	}
	return out;
}

/* Keeps the first limit records of every (VM, kind) run. */
static u32 vxs_detail_records_limit(struct vxs_detail_record *recs, u32 n,
				    u32 limit)
{
	u32 i, out = 0, run = 0;

	for (i = 0; i < n; i++) {
		if (i && (recs[i].pid != recs[i - 1].pid ||
			  recs[i].vm_id != recs[i - 1].vm_id ||
			  recs[i].kind != recs[i - 1].kind))
			run = 0;
		if (run++ >= limit)
			continue;
		if (out != i)
			recs[out] = recs[i];
		out++;
	}
	return out;
}

/*
 * The snapshots below share one layout: a u32 count, then the records.
 * The records are collected into a separate array and moved behind the
 * count once merged, which keeps vxs_collect() generic.
 */
static void *vxs_snapshot_pack(const void *recs, u32 nr, size_t rec_size,
			       size_t header)
{
	void *snap = kvmalloc(header + (size_t)nr * rec_size, GFP_KERNEL);

	if (!snap)
		return NULL;
	*(u32 *)snap = nr;
	memcpy(snap + header, recs, (size_t)nr * rec_size);
	return snap;
}

struct vxs_exit_snapshot *vxs_core_exits(struct vxs_core *core,
					 const struct vxs_filter *filter)
{
	struct vxs_exit_record *recs;
	struct vxs_exit_snapshot *snap;
	u32 n;

	recs = vxs_collect(core, filter, vxs_copy_exits, sizeof(*recs),
			   VXS_EXIT_SLOTS, &n);
	if (!recs)
		return NULL;
	sort(recs, n, sizeof(*recs), vxs_exit_record_cmp, NULL);
	n = vxs_exit_records_merge(recs, n);
	snap = vxs_snapshot_pack(recs, n, sizeof(*recs),
				 offsetof(struct vxs_exit_snapshot, rec));
	kvfree(recs);
	return snap;
}

struct vxs_user_snapshot *vxs_core_user_exits(struct vxs_core *core,
					      const struct vxs_filter *filter)
{
	struct vxs_user_record *recs;
	struct vxs_user_snapshot *snap;
	u32 n;

	recs = vxs_collect(core, filter, vxs_copy_user_exits, sizeof(*recs),
			   VXS_USER_SLOTS, &n);
	if (!recs)
		return NULL;
	sort(recs, n, sizeof(*recs), vxs_user_record_cmp, NULL);
	n = vxs_user_records_merge(recs, n);
	snap = vxs_snapshot_pack(recs, n, sizeof(*recs),
				 offsetof(struct vxs_user_snapshot, rec));
	kvfree(recs);
	return snap;
}

struct vxs_detail_snapshot *vxs_core_details(struct vxs_core *core,
					     const struct vxs_filter *filter)
{
	struct vxs_detail_record *recs;
	struct vxs_detail_snapshot *snap;
	u32 n, limit;

	limit = filter && filter->limit ? filter->limit :
					  VMEXIT_STAT_DETAIL_LIMIT_DEFAULT;
	recs = vxs_collect(core, filter, vxs_copy_details, sizeof(*recs),
			   VXS_DETAIL_SLOTS, &n);
	if (!recs)
		return NULL;
	sort(recs, n, sizeof(*recs), vxs_detail_key_cmp, NULL);
	n = vxs_detail_records_merge(recs, n);
	sort(recs, n, sizeof(*recs), vxs_detail_rank_cmp, NULL);
	n = vxs_detail_records_limit(recs, n, limit);
	snap = vxs_snapshot_pack(recs, n, sizeof(*recs),
				 offsetof(struct vxs_detail_snapshot, rec));
	kvfree(recs);
	return snap;
}

struct vxs_sched_snapshot *vxs_core_sched(struct vxs_core *core,
					  const struct vxs_filter *filter)
{
	struct vxs_sched_record *recs;
	struct vxs_sched_snapshot *snap;
	u32 n;

	recs = vxs_collect(core, filter, vxs_copy_sched, sizeof(*recs), 1, &n);
	if (!recs)
		return NULL;
	sort(recs, n, sizeof(*recs), vxs_sched_record_cmp, NULL);
	if (filter && filter->by_vm)
		n = vxs_sched_records_merge(recs, n);
	snap = vxs_snapshot_pack(recs, n, sizeof(*recs),
				 offsetof(struct vxs_sched_snapshot, rec));
	kvfree(recs);
	return snap;
}

static int vxs_phase_record_cmp(const void *lhs, const void *rhs)
{
	const struct vxs_phase_record *a = lhs, *b = rhs;

	return vxs_cmp(a->pid, b->pid) ?: vxs_cmp(a->vm_id, b->vm_id) ?:
	       vxs_cmp(a->vcpu_id, b->vcpu_id) ?: vxs_cmp(a->tid, b->tid) ?:
	       vxs_cmp(a->id, b->id);
}

struct vxs_phase_snapshot *vxs_core_phases(struct vxs_core *core,
					   const struct vxs_filter *filter)
{
	struct vxs_phase_record *recs;
	struct vxs_phase_snapshot *snap;
	u32 n;

	recs = vxs_collect(core, filter, vxs_copy_phase_records, sizeof(*recs),
			   VMEXIT_STAT_PHASE_SLOTS, &n);
	if (!recs)
		return NULL;
	sort(recs, n, sizeof(*recs), vxs_phase_record_cmp, NULL);
	snap = vxs_snapshot_pack(recs, n, sizeof(*recs),
				 offsetof(struct vxs_phase_snapshot, rec));
	kvfree(recs);
	return snap;
}

/* Adds what a block counted to the totals of its VM's record. */
static void vxs_vm_add_block(struct vxs_vm_record *rec,
			     const struct vxs_block *block)
{
	u32 i;

	rec->exits += READ_ONCE(block->exits);
	rec->user_exits += READ_ONCE(block->user_exits);
	rec->dropped += READ_ONCE(block->dropped);
	rec->details_dropped += READ_ONCE(block->details_dropped);
	for (i = 0; i < VXS_EXIT_SLOTS; i++)
		rec->exit_ns += READ_ONCE(block->exit_slots[i].lat.sum_ns);
}

struct vxs_vm_snapshot *vxs_core_vms(struct vxs_core *core,
				     const struct vxs_filter *filter)
{
	struct vxs_vm_snapshot *snap;
	unsigned long flags;
	u32 i, n = 0;

	/* One record per VM place, compacted at the end. */
	snap = kvzalloc(struct_size(snap, rec, core->nr_vms), GFP_KERNEL);
	if (!snap)
		return NULL;

	/*
	 * The lock keeps VMs and blocks from being freed or reused while
	 * their totals are summed (one pass over each); the counters
	 * themselves move on.
	 */
	raw_spin_lock_irqsave(&core->lock, flags);
	for (i = 0; i < core->nr_vms; i++) {
		const struct vxs_vm *vm = &core->vms[i];
		struct vxs_vm_record *rec = &snap->rec[i];

		if (vm->state == VXS_VM_FREE)
			continue;
		if (filter && filter->by_pid && filter->pid != vm->pid)
			continue;
		if (filter && filter->by_vm_id && filter->vm_id != vm->vm_id)
			continue;
		rec->vm_id = vm->vm_id;
		rec->pid = vm->pid;
		rec->state = vm->state;
		memcpy(rec->comm, vm->comm, sizeof(rec->comm));
		rec->vcpus_live = vm->vcpus_live;
		rec->vcpus_seen = vm->vcpus_seen;
		rec->start_ns = vm->start_ns;
		rec->end_ns = vm->end_ns;
	}
	for (i = 0; i < core->nr_blocks; i++) {
		const struct vxs_block *block = &core->blocks[i];
		struct vxs_vm_record *rec;

		if (block->state == VXS_BLOCK_FREE ||
		    READ_ONCE(block->generation) != core->generation)
			continue;
		rec = &snap->rec[block->vm - core->vms];
		if (rec->state)
			vxs_vm_add_block(rec, block);
	}
	raw_spin_unlock_irqrestore(&core->lock, flags);

	for (i = 0; i < core->nr_vms; i++)
		if (snap->rec[i].state)
			snap->rec[n++] = snap->rec[i];
	snap->nr = n;
	return snap;
}

static void vxs_cpu_counters_sum(struct vxs_core *core,
				 struct vxs_cpu_counters *sum)
{
	unsigned int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct vxs_cpu_counters *c = per_cpu_ptr(core->cpu, cpu);

		sum->exits_seen += READ_ONCE(c->exits_seen);
		sum->entries_seen += READ_ONCE(c->entries_seen);
		sum->user_exits_seen += READ_ONCE(c->user_exits_seen);
		sum->dropped_no_vcpu_slot += READ_ONCE(c->dropped_no_vcpu_slot);
		sum->dropped_unreadable += READ_ONCE(c->dropped_unreadable);
		sum->sched_switches_seen += READ_ONCE(c->sched_switches_seen);
		sum->sched_missed += READ_ONCE(c->sched_missed);
		sum->markers_seen += READ_ONCE(c->markers_seen);
		sum->markers_unmatched += READ_ONCE(c->markers_unmatched);
		sum->phases_dropped += READ_ONCE(c->phases_dropped);
	}
}

void vxs_core_info(struct vxs_core *core, struct vxs_info *info)
{
	struct vxs_cpu_counters sum;
	unsigned long flags;
	u32 i;

	memset(info, 0, sizeof(*info));
	vxs_cpu_counters_sum(core, &sum);

	raw_spin_lock_irqsave(&core->lock, flags);
	info->exits_seen = sum.exits_seen - core->base.exits_seen;
	info->entries_seen = sum.entries_seen - core->base.entries_seen;
	info->user_exits_seen = sum.user_exits_seen -
				core->base.user_exits_seen;
	info->dropped_no_vcpu_slot = sum.dropped_no_vcpu_slot -
				     core->base.dropped_no_vcpu_slot;
	info->dropped_unreadable = sum.dropped_unreadable -
				   core->base.dropped_unreadable;
	info->sched_switches_seen = sum.sched_switches_seen -
				    core->base.sched_switches_seen;
	info->sched_missed = sum.sched_missed - core->base.sched_missed;
	info->markers_seen = sum.markers_seen - core->base.markers_seen;
	info->markers_unmatched = sum.markers_unmatched -
				  core->base.markers_unmatched;
	info->phases_dropped = sum.phases_dropped - core->base.phases_dropped;
	for (i = 0; i < core->nr_blocks; i++) {
		const struct vxs_block *block = &core->blocks[i];

		if (block->state == VXS_BLOCK_FREE ||
		    READ_ONCE(block->generation) != core->generation)
			continue;
		info->dropped_no_reason_slot += READ_ONCE(block->dropped);
		info->details_dropped += READ_ONCE(block->details_dropped);
	}
	for (i = 0; i < core->nr_vms; i++)
		if (core->vms[i].state != VXS_VM_FREE)
			info->vms++;
	info->events_dropped = core->events_dropped;
	info->vcpu_slots = core->nr_blocks;
	info->vcpu_slots_used = core->blocks_used;
	info->memory_bytes = core->memory_bytes;
	info->memory_used_bytes = core->memory_bytes -
				  (u64)(core->nr_blocks - core->blocks_used) *
					  sizeof(struct vxs_block);
	raw_spin_unlock_irqrestore(&core->lock, flags);
}

void vxs_core_reset(struct vxs_core *core)
{
	struct vxs_cpu_counters sum;
	unsigned long flags;
	unsigned long next;
	u32 i;

	vxs_cpu_counters_sum(core, &sum);

	raw_spin_lock_irqsave(&core->lock, flags);
	/*
	 * Live blocks are wiped by their own threads when they next count;
	 * readers skip them until then.  Generation 0 is never used, so a
	 * zeroed block never passes for a current one.
	 */
	next = core->generation + 1 ?: 1;
	WRITE_ONCE(core->generation, next);
	/*
	 * Ended threads have nothing left to count, in running VMs too.  One
	 * pass over the blocks, not one per VM: the lock is held.
	 */
	for (i = 0; i < core->nr_blocks; i++)
		if (core->blocks[i].state == VXS_BLOCK_ENDED)
			vxs_block_free_locked(core, &core->blocks[i]);
	for (i = 0; i < core->nr_vms; i++)
		if (core->vms[i].state == VXS_VM_ENDED)
			WRITE_ONCE(core->vms[i].state, VXS_VM_FREE);
	core->base = sum;
	core->events_dropped = 0;
	raw_spin_unlock_irqrestore(&core->lock, flags);
}

u64 vxs_core_age(struct vxs_core *core, u64 now)
{
	u64 ttl_ns = (u64)READ_ONCE(core->ended_vm_ttl_s) * NSEC_PER_SEC;
	unsigned long flags;
	u64 next = 0;
	u32 i;

	if (!ttl_ns)
		return 0;

	raw_spin_lock_irqsave(&core->lock, flags);
	for (i = 0; i < core->nr_vms; i++) {
		struct vxs_vm *vm = &core->vms[i];
		u64 due;

		if (vm->state != VXS_VM_ENDED)
			continue;
		due = vm->end_ns + ttl_ns;
		if (due <= now)
			vxs_vm_free_locked(core, vm);
		else if (!next || due < next)
			next = due;
	}
	raw_spin_unlock_irqrestore(&core->lock, flags);
	return next;
}
