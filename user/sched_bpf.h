/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_SCHED_BPF_H
#define VMEXIT_STAT_SCHED_BPF_H

#include "genl_client.h"

/*
 * The scheduling of vCPU threads measured by BPF (bpf/sched.bpf.c) in the
 * module's shapes (GET_SCHED, GET_CPU_SCHED), so that vmexit-stat sched
 * prints both backends with one code path.  Counting starts at attach:
 * a vCPU thread is tracked from its first exit after that.
 */
struct sched_bpf;

/*
 * Loads and attaches the programs.  0, or 1 after saying on stderr what
 * is missing (BTF, permission, kvm) or what failed.
 */
int sched_bpf_open(struct sched_bpf **out);

/*
 * What was counted since the attach, filtered as the module filters
 * (pid, vm_id, vcpu_id, by_vm for vcpus; by_cpu for cpus).  Appends to
 * the lists; 0 or a negative errno.
 */
int sched_bpf_read(struct sched_bpf *sb, const struct vmexit_filter *filter,
		   struct vmexit_scheds *vcpus, struct vmexit_cpu_scheds *cpus);

void sched_bpf_close(struct sched_bpf *sb);

#endif /* VMEXIT_STAT_SCHED_BPF_H */
