/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_EXIT_TABLE_H
#define VMEXIT_STAT_EXIT_TABLE_H

#include <linux/siphash.h>
#include <linux/types.h>

/*
 * Exit counters live in one fixed-size, open-addressed table per CPU.
 * Only the CPU that owns a table writes it, from the kvm_exit probe with
 * preemption disabled, so counting takes no lock and no atomic.  Readers
 * (netlink dumps, on any CPU) copy the tables without stopping writers:
 * a slot is published with a release store once its key is written, and
 * counts are single aligned 64-bit stores.
 *
 * Reset does not touch other CPUs' memory: it bumps a global generation,
 * and each CPU wipes its own table when it next counts an exit.  Readers
 * ignore tables whose generation is not the current one.
 */

struct vxs_exit_key {
	unsigned long kvm;	/* struct kvm address, never exported */
	u32 pid;		/* VMM process, kvm->userspace_pid */
	u32 vcpu_id;
	u32 reason;		/* as KVM reports it, VMX modifiers too */
	u32 isa;		/* KVM_ISA_VMX or KVM_ISA_SVM */
};

struct vxs_exit_slot {
	struct vxs_exit_key key;
	u32 tid;		/* vCPU thread that made the last exit */
	u32 used;
	u64 count;
};

struct vxs_exit_table {
	unsigned long generation;
	u64 seen;
	u64 dropped;
	u32 nr_slots;		/* a power of two */
	struct vxs_exit_slot slots[];
};

/* One merged counter, as a dump reports it. */
struct vxs_exit_record {
	u64 vm_id;
	unsigned long kvm;
	u32 pid;
	u32 vcpu_id;
	u32 tid;
	u32 isa;
	u32 reason;
	u64 count;
};

struct vxs_exit_filter {
	bool by_pid;
	bool by_vcpu;
	u32 pid;
	u32 vcpu_id;
};

struct vxs_exit_snapshot {
	u32 nr_records;
	struct vxs_exit_record records[];
};

/* How many slots a miss probes before the exit is dropped. */
#define VXS_EXIT_TABLE_MAX_PROBES	16

struct vxs_exit_table *vxs_exit_table_alloc(u32 nr_slots, int node);
void vxs_exit_table_free(struct vxs_exit_table *table);

void vxs_exit_table_count(struct vxs_exit_table *table,
			  const struct vxs_exit_key *key, u32 tid);

/* Records an exit that was seen but cannot be counted. */
void vxs_exit_table_drop(struct vxs_exit_table *table);

/*
 * Merges the tables of @generation into one record per key, in key order,
 * keeping the records that pass @filter.  May sleep.
 */
struct vxs_exit_snapshot *
vxs_exit_snapshot_take(struct vxs_exit_table *const *tables,
		       unsigned int nr_tables, unsigned long generation,
		       const struct vxs_exit_filter *filter,
		       const siphash_key_t *vm_id_key);

void vxs_exit_snapshot_free(struct vxs_exit_snapshot *snap);

/* Sums seen and dropped over the tables of @generation. */
void vxs_exit_tables_totals(struct vxs_exit_table *const *tables,
			    unsigned int nr_tables, unsigned long generation,
			    u64 *seen, u64 *dropped);

void vxs_exit_table_wipe(struct vxs_exit_table *table,
			 unsigned long generation);

/* Wipes the table if it belongs to another generation than @generation. */
static inline void vxs_exit_table_sync(struct vxs_exit_table *table,
				       unsigned long generation)
{
	if (unlikely(table->generation != generation))
		vxs_exit_table_wipe(table, generation);
}

/* Exit code as the kernel's tables index it, and the bits that modify it. */
u32 vxs_exit_code(u32 isa, u32 reason);
u32 vxs_exit_flags(u32 isa, u32 reason);

#endif /* VMEXIT_STAT_EXIT_TABLE_H */
