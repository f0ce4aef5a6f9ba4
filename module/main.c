// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit_stat: counts KVM VM exits per VM, vCPU and exit reason, and
 * reports them over the vmexit_stat generic netlink family.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/topology.h>

#include "vmexit_stat.h"

#define VXS_MIN_SLOTS_PER_CPU	64U
#define VXS_MAX_SLOTS_PER_CPU	65536U

static unsigned int slots_per_cpu = 1024;
module_param(slots_per_cpu, uint, 0444);
MODULE_PARM_DESC(slots_per_cpu,
		 "exit counters per CPU, one per (VM, vCPU, reason); rounded up to a power of two, 64..65536 (default 1024)");

/* Indexed by CPU; written at load time only, then read-only. */
static struct vxs_exit_table **vxs_tables;
static unsigned long vxs_generation;
static siphash_key_t vxs_vm_id_key;

struct vxs_exit_table *vxs_this_cpu_table(void)
{
	return vxs_tables[smp_processor_id()];
}

unsigned long vxs_current_generation(void)
{
	return READ_ONCE(vxs_generation);
}

u32 vxs_slots_per_cpu(void)
{
	return slots_per_cpu;
}

struct vxs_exit_snapshot *vxs_snapshot(const struct vxs_exit_filter *filter)
{
	return vxs_exit_snapshot_take(vxs_tables, nr_cpu_ids,
				      vxs_current_generation(), filter,
				      &vxs_vm_id_key);
}

void vxs_totals(u64 *seen, u64 *dropped)
{
	vxs_exit_tables_totals(vxs_tables, nr_cpu_ids,
			       vxs_current_generation(), seen, dropped);
}

void vxs_reset(void)
{
	/*
	 * Each CPU wipes its own table at its next exit; readers skip
	 * tables of older generations until then.  Generation 0 is that
	 * of never-used tables, so never step onto it.
	 */
	unsigned long next = READ_ONCE(vxs_generation) + 1;

	if (!next)
		next = 1;
	WRITE_ONCE(vxs_generation, next);
}

static void vxs_tables_free(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		vxs_exit_table_free(vxs_tables[cpu]);
	kfree(vxs_tables);
	vxs_tables = NULL;
}

static int vxs_tables_alloc(void)
{
	unsigned int cpu;

	vxs_tables = kcalloc(nr_cpu_ids, sizeof(*vxs_tables), GFP_KERNEL);
	if (!vxs_tables)
		return -ENOMEM;

	for_each_possible_cpu(cpu) {
		vxs_tables[cpu] = vxs_exit_table_alloc(slots_per_cpu,
						       cpu_to_node(cpu));
		if (!vxs_tables[cpu]) {
			vxs_tables_free();
			return -ENOMEM;
		}
		vxs_tables[cpu]->generation = vxs_generation;
	}
	return 0;
}

static int __init vxs_init(void)
{
	int err;

	slots_per_cpu = clamp(slots_per_cpu, VXS_MIN_SLOTS_PER_CPU,
			      VXS_MAX_SLOTS_PER_CPU);
	slots_per_cpu = roundup_pow_of_two(slots_per_cpu);
	get_random_bytes(&vxs_vm_id_key, sizeof(vxs_vm_id_key));
	vxs_generation = 1;

	err = vxs_tables_alloc();
	if (err)
		return err;

	err = vxs_exit_probe_register();
	if (err)
		goto free_tables;

	err = vxs_genl_register();
	if (err)
		goto unregister_probe;

	pr_info("version %s loaded, %u counters per CPU\n", VXS_VERSION,
		slots_per_cpu);
	return 0;

unregister_probe:
	vxs_exit_probe_unregister();
free_tables:
	vxs_tables_free();
	return err;
}

static void __exit vxs_exit(void)
{
	/* Dumps hold a module reference, so none runs past this point. */
	vxs_genl_unregister();
	vxs_exit_probe_unregister();
	vxs_tables_free();
}

module_init(vxs_init);
module_exit(vxs_exit);

MODULE_DESCRIPTION("KVM VM-exit statistics over generic netlink");
MODULE_AUTHOR("vmexit-stat developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(VXS_VERSION);
