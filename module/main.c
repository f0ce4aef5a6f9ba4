// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit_stat: KVM VM-exit statistics per VM, vCPU and exit reason, with
 * exit latency, exits to user space and a drill-down, reported over the
 * vmexit_stat generic netlink family.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "vcpu_table.h"
#include "vmexit_stat.h"

static unsigned int max_memory_kb = 16384;
module_param(max_memory_kb, uint, 0444);
MODULE_PARM_DESC(max_memory_kb,
		 "hard cap on the memory the statistics use, reserved at load; it sets how many vCPU threads are tracked (default 16384, about 630 threads)");

/* Fixed at load: the lifecycle group's restriction is set at registration. */
static bool unprivileged_read;
module_param(unprivileged_read, bool, 0444);
MODULE_PARM_DESC(unprivileged_read,
		 "let users without CAP_PERFMON or CAP_SYS_ADMIN read the statistics and join the lifecycle group (default no)");

static bool latency = true;
module_param(latency, bool, 0444);
MODULE_PARM_DESC(latency, "time exits at load (default yes); see SET_CONFIG");

static bool details = true;
module_param(details, bool, 0444);
MODULE_PARM_DESC(details,
		 "count ports, MSRs, CPUID leaves and MMIO pages at load (default yes)");

static bool sched = true;
module_param(sched, bool, 0444);
MODULE_PARM_DESC(sched,
		 "measure the scheduling of vCPU threads (steal) at load (default yes)");

static unsigned int ended_vm_ttl_s = 3600;
module_param(ended_vm_ttl_s, uint, 0444);
MODULE_PARM_DESC(ended_vm_ttl_s,
		 "seconds ended VMs stay listed, 0 until reset (default 3600)");

static struct vxs_core vxs_core;

/* Sends lifecycle notifications and forgets VMs that ended long ago. */
static void vxs_housekeeping_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(vxs_housekeeping, vxs_housekeeping_fn);

static void vxs_housekeeping_fn(struct work_struct *work)
{
	struct vxs_event events[16];
	u32 i, n;
	u64 now, next;

	do {
		n = vxs_core_take_events(&vxs_core, events,
					 ARRAY_SIZE(events));
		for (i = 0; i < n; i++)
			vxs_genl_notify(&events[i]);
	} while (n == ARRAY_SIZE(events));

	now = ktime_get_boottime_ns();
	next = vxs_core_age(&vxs_core, now);
	if (next)
		schedule_delayed_work(&vxs_housekeeping,
				      nsecs_to_jiffies(next - now) + 1);
}

/* Probe context: only queue the work. */
static void vxs_events_queued(struct vxs_core *core)
{
	mod_delayed_work(system_wq, &vxs_housekeeping, 0);
}

struct vxs_exit_snapshot *vxs_exits_snapshot(const struct vxs_filter *filter)
{
	return vxs_core_exits(&vxs_core, filter);
}

struct vxs_user_snapshot *vxs_user_snapshot(const struct vxs_filter *filter)
{
	return vxs_core_user_exits(&vxs_core, filter);
}

struct vxs_detail_snapshot *
vxs_details_snapshot(const struct vxs_filter *filter)
{
	return vxs_core_details(&vxs_core, filter);
}

struct vxs_vm_snapshot *vxs_vms_snapshot(const struct vxs_filter *filter)
{
	return vxs_core_vms(&vxs_core, filter);
}

struct vxs_sched_snapshot *vxs_sched_snapshot(const struct vxs_filter *filter)
{
	return vxs_core_sched(&vxs_core, filter);
}

struct vxs_cpu_sched_snapshot *
vxs_cpu_sched_snapshot(const struct vxs_filter *filter)
{
	return vxs_core_cpu_sched(&vxs_core, filter);
}

struct vxs_phase_snapshot *vxs_phase_snapshot(const struct vxs_filter *filter)
{
	return vxs_core_phases(&vxs_core, filter);
}

void vxs_info_get(struct vxs_info *info)
{
	vxs_core_info(&vxs_core, info);
}

void vxs_config_get(struct vxs_config *config)
{
	config->latency = READ_ONCE(vxs_core.latency);
	config->details = READ_ONCE(vxs_core.details);
	config->sched = READ_ONCE(vxs_core.sched);
	config->ended_vm_ttl_s = READ_ONCE(vxs_core.ended_vm_ttl_s);
}

void vxs_config_set(const struct vxs_config *config)
{
	WRITE_ONCE(vxs_core.latency, config->latency);
	WRITE_ONCE(vxs_core.details, config->details);
	if (config->sched && !READ_ONCE(vxs_core.sched)) {
		/* Where each thread is was not followed while it was off. */
		WRITE_ONCE(vxs_core.sched_epoch, vxs_core.sched_epoch + 1);
		/* Probes see the new epoch before they run again. */
		smp_wmb();
	}
	WRITE_ONCE(vxs_core.sched, config->sched);
	WRITE_ONCE(vxs_core.ended_vm_ttl_s, config->ended_vm_ttl_s);
	/* A new age limit may free ended VMs now. */
	mod_delayed_work(system_wq, &vxs_housekeeping, 0);
}

void vxs_reset(void)
{
	vxs_core_reset(&vxs_core);
}

bool vxs_unprivileged_read(void)
{
	return READ_ONCE(unprivileged_read);
}

/* How many vCPU threads fit in max_memory_kb, or 0 if not one does. */
static u32 vxs_blocks_for(u64 bytes)
{
	/* A block, the VM it may need, two index places: see core alloc. */
	u64 per_block = sizeof(struct vxs_block) + sizeof(struct vxs_vm) +
			4 * sizeof(struct vxs_block *);
	u64 fixed = 4096 + num_possible_cpus() *
			   (sizeof(struct vxs_cpu_counters) +
			    sizeof(struct vxs_cpu_sched));

	if (bytes <= fixed)
		return 0;
	return min_t(u64, (bytes - fixed) / per_block, 65536);
}

static int __init vxs_init(void)
{
	u32 nr_blocks = vxs_blocks_for((u64)max_memory_kb * 1024);
	int err;

	if (!nr_blocks) {
		pr_err("max_memory_kb=%u is too small for one vCPU thread (%zu bytes)\n",
		       max_memory_kb, sizeof(struct vxs_block));
		return -EINVAL;
	}

	err = vxs_core_alloc(&vxs_core, nr_blocks);
	if (err)
		return err;
	vxs_core.latency = latency;
	vxs_core.details = details;
	vxs_core.sched = sched;
	vxs_core.ended_vm_ttl_s = ended_vm_ttl_s;
	vxs_core.events_queued = vxs_events_queued;

	err = vxs_genl_register();
	if (err)
		goto free_core;

	err = vxs_probes_register(&vxs_core);
	if (err)
		goto unregister_genl;

	pr_info("version %s loaded: %u vCPU threads in %llu KiB\n",
		VXS_VERSION, nr_blocks, vxs_core.memory_bytes >> 10);
	return 0;

unregister_genl:
	vxs_genl_unregister();
free_core:
	vxs_core_free(&vxs_core);
	return err;
}

static void __exit vxs_exit(void)
{
	/*
	 * Probes first: once they are gone nothing queues the work, and the
	 * work may still notify through the family.  Dumps hold a module
	 * reference, so none runs past this point.
	 */
	vxs_probes_unregister();
	cancel_delayed_work_sync(&vxs_housekeeping);
	vxs_genl_unregister();
	vxs_core_free(&vxs_core);
}

module_init(vxs_init);
module_exit(vxs_exit);

MODULE_DESCRIPTION("KVM VM-exit statistics over generic netlink");
MODULE_AUTHOR("vmexit-stat developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(VXS_VERSION);
