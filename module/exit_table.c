// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU exit counter tables and the snapshots dumps are made from.
 * See exit_table.h for the concurrency rules.
 */
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include <uapi/linux/vmexit_stat.h>

#include "exit_table.h"

/* Bits 16-31 of the VMX exit reason modify the basic reason (SDM 24.9.1). */
#define VXS_VMX_BASIC_REASON_MASK	0xffffU

struct vxs_exit_table *vxs_exit_table_alloc(u32 nr_slots, int node)
{
	struct vxs_exit_table *table;

	if (WARN_ON_ONCE(!nr_slots || !is_power_of_2(nr_slots)))
		return NULL;

	table = kvzalloc_node(struct_size(table, slots, nr_slots), GFP_KERNEL,
			      node);
	if (!table)
		return NULL;
	table->nr_slots = nr_slots;
	return table;
}

void vxs_exit_table_free(struct vxs_exit_table *table)
{
	kvfree(table);
}

void vxs_exit_table_wipe(struct vxs_exit_table *table,
			 unsigned long generation)
{
	memset(table->slots, 0, table->nr_slots * sizeof(table->slots[0]));
	table->seen = 0;
	table->dropped = 0;
	/* Readers check the generation after copying; publish it last. */
	smp_store_release(&table->generation, generation);
}

static u32 vxs_exit_key_hash(const struct vxs_exit_key *key)
{
	return jhash_3words(key->vcpu_id, key->reason, key->isa,
			    hash_long(key->kvm, 32));
}

static bool vxs_exit_key_equal(const struct vxs_exit_key *a,
			       const struct vxs_exit_key *b)
{
	return a->kvm == b->kvm && a->vcpu_id == b->vcpu_id &&
	       a->reason == b->reason && a->isa == b->isa && a->pid == b->pid;
}

void vxs_exit_table_count(struct vxs_exit_table *table,
			  const struct vxs_exit_key *key, u32 tid)
{
	u32 mask = table->nr_slots - 1;
	u32 hash = vxs_exit_key_hash(key);
	unsigned int probe;

	WRITE_ONCE(table->seen, table->seen + 1);

	for (probe = 0; probe < VXS_EXIT_TABLE_MAX_PROBES; probe++) {
		struct vxs_exit_slot *slot;

		slot = &table->slots[(hash + probe) & mask];

		if (!slot->used) {
			slot->key = *key;
			slot->tid = tid;
			slot->count = 1;
			/* A reader that sees used also sees the key. */
			smp_store_release(&slot->used, 1);
			return;
		}
		if (vxs_exit_key_equal(&slot->key, key)) {
			WRITE_ONCE(slot->count, slot->count + 1);
			WRITE_ONCE(slot->tid, tid);
			return;
		}
	}

	WRITE_ONCE(table->dropped, table->dropped + 1);
}

void vxs_exit_table_drop(struct vxs_exit_table *table)
{
	WRITE_ONCE(table->seen, table->seen + 1);
	WRITE_ONCE(table->dropped, table->dropped + 1);
}

static bool vxs_exit_filter_match(const struct vxs_exit_filter *filter,
				  const struct vxs_exit_key *key)
{
	if (!filter)
		return true;
	if (filter->by_pid && filter->pid != key->pid)
		return false;
	if (filter->by_vcpu && filter->vcpu_id != key->vcpu_id)
		return false;
	return true;
}

static int vxs_exit_record_cmp(const void *lhs, const void *rhs)
{
	const struct vxs_exit_record *a = lhs, *b = rhs;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->kvm != b->kvm)
		return a->kvm < b->kvm ? -1 : 1;
	if (a->vcpu_id != b->vcpu_id)
		return a->vcpu_id < b->vcpu_id ? -1 : 1;
	if (a->isa != b->isa)
		return a->isa < b->isa ? -1 : 1;
	if (a->reason != b->reason)
		return a->reason < b->reason ? -1 : 1;
	return 0;
}

/* Copies the used slots of one table; returns how many were copied. */
static u32 vxs_exit_table_copy(const struct vxs_exit_table *table,
			       unsigned long generation,
			       const struct vxs_exit_filter *filter,
			       struct vxs_exit_record *out)
{
	u32 i, n = 0;

	/* Pairs with the release in vxs_exit_table_wipe(). */
	if (smp_load_acquire(&table->generation) != generation)
		return 0;

	for (i = 0; i < table->nr_slots; i++) {
		const struct vxs_exit_slot *slot = &table->slots[i];
		struct vxs_exit_record *rec;

		/* Pairs with the release in vxs_exit_table_count(). */
		if (!smp_load_acquire(&slot->used))
			continue;
		if (!vxs_exit_filter_match(filter, &slot->key))
			continue;

		rec = &out[n++];
		rec->kvm = slot->key.kvm;
		rec->pid = slot->key.pid;
		rec->vcpu_id = slot->key.vcpu_id;
		rec->isa = slot->key.isa;
		rec->reason = slot->key.reason;
		rec->tid = READ_ONCE(slot->tid);
		rec->count = READ_ONCE(slot->count);
	}

	/*
	 * Wiped while we copied: what we read belongs to no generation.  The
	 * barrier orders the slot reads above before this generation read.
	 */
	smp_rmb();
	if (READ_ONCE(table->generation) != generation)
		return 0;
	return n;
}

/*
 * Sums records with equal keys, which sort next to each other.  The
 * thread reported for a vCPU is the one of the CPU that counted most of
 * its exits, the thread that runs it in the common case.
 */
static u32 vxs_exit_records_merge(struct vxs_exit_record *recs, u32 n)
{
	u64 best_count = 0;
	u32 i, out = 0;

	for (i = 0; i < n; i++) {
		struct vxs_exit_record *last = out ? &recs[out - 1] : NULL;

		if (last && !vxs_exit_record_cmp(last, &recs[i])) {
			if (recs[i].count > best_count) {
				best_count = recs[i].count;
				last->tid = recs[i].tid;
			}
			last->count += recs[i].count;
			continue;
		}
		best_count = recs[i].count;
		recs[out++] = recs[i];
	}
	return out;
}

struct vxs_exit_snapshot *
vxs_exit_snapshot_take(struct vxs_exit_table *const *tables,
		       unsigned int nr_tables, unsigned long generation,
		       const struct vxs_exit_filter *filter,
		       const siphash_key_t *vm_id_key)
{
	struct vxs_exit_snapshot *snap;
	size_t capacity = 0;
	unsigned int i;
	u32 n = 0;

	for (i = 0; i < nr_tables; i++)
		if (tables[i])
			capacity += tables[i]->nr_slots;

	snap = kvmalloc(struct_size(snap, records, capacity), GFP_KERNEL);
	if (!snap)
		return NULL;

	for (i = 0; i < nr_tables; i++)
		if (tables[i])
			n += vxs_exit_table_copy(tables[i], generation, filter,
						 &snap->records[n]);

	sort(snap->records, n, sizeof(snap->records[0]), vxs_exit_record_cmp,
	     NULL);
	n = vxs_exit_records_merge(snap->records, n);

	for (i = 0; i < n; i++)
		snap->records[i].vm_id = siphash_1u64(snap->records[i].kvm,
						      vm_id_key);
	snap->nr_records = n;
	return snap;
}

void vxs_exit_snapshot_free(struct vxs_exit_snapshot *snap)
{
	kvfree(snap);
}

void vxs_exit_tables_totals(struct vxs_exit_table *const *tables,
			    unsigned int nr_tables, unsigned long generation,
			    u64 *seen, u64 *dropped)
{
	unsigned int i;

	*seen = 0;
	*dropped = 0;
	for (i = 0; i < nr_tables; i++) {
		if (!tables[i])
			continue;
		/* Pairs with the release in vxs_exit_table_wipe(). */
		if (smp_load_acquire(&tables[i]->generation) != generation)
			continue;
		*seen += READ_ONCE(tables[i]->seen);
		*dropped += READ_ONCE(tables[i]->dropped);
	}
}

u32 vxs_exit_code(u32 isa, u32 reason)
{
	if (isa == VMEXIT_STAT_ISA_VMX)
		return reason & VXS_VMX_BASIC_REASON_MASK;
	return reason;
}

u32 vxs_exit_flags(u32 isa, u32 reason)
{
	if (isa == VMEXIT_STAT_ISA_VMX)
		return reason & ~VXS_VMX_BASIC_REASON_MASK;
	return 0;
}
