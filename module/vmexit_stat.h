/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_H
#define VMEXIT_STAT_H

#include <linux/types.h>

#include "exit_table.h"

#define VXS_VERSION "0.1.0"

/* Which kvm_exit prototype this build hooks (VMEXIT_STAT_A_INFO_EXIT_PROTO). */
#define VXS_KVM_EXIT_PROTO_REASON_VCPU_ISA	1
#define VXS_KVM_EXIT_PROTO_VCPU_ISA		2

/* main.c: the counters of all CPUs. */
struct vxs_exit_table *vxs_this_cpu_table(void);
unsigned long vxs_current_generation(void);
struct vxs_exit_snapshot *vxs_snapshot(const struct vxs_exit_filter *filter);
void vxs_totals(u64 *seen, u64 *dropped);
u32 vxs_slots_per_cpu(void);
void vxs_reset(void);

/* exit_probe.c: the kvm_exit hook. */
int vxs_exit_probe_register(void);
void vxs_exit_probe_unregister(void);
u32 vxs_exit_probe_proto(void);

/* genl.c: the vmexit_stat generic netlink family. */
int vxs_genl_register(void);
void vxs_genl_unregister(void);

#endif /* VMEXIT_STAT_H */
