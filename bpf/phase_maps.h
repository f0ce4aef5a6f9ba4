/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_BPF_PHASE_MAPS_H
#define VMEXIT_STAT_BPF_PHASE_MAPS_H

/*
 * The maps exits.bpf.c writes and sched.bpf.c reads to give a run delay
 * to the phase open when it ends (include after vmexit_stat/exits.h).
 *
 * A thread's phase state sits in its entry of the threads map, which
 * kvm_exit looks up anyway: out of every phase an exit costs one branch
 * on it.  The scheduling programs need that state only where a wait of a
 * vCPU thread ends, so they share these two maps (user/phases_bpf.c hands
 * the exit object's to the scheduling one with bpf_map__reuse_fd()) rather
 * than the exit programs keeping a second, smaller map in step on every
 * marker.  One definition for both objects, so that reuse never meets two
 * shapes.
 */

/* Shared by all CPUs: a thread may move between its exit and entry. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXS_BPF_MAX_THREADS);
	__type(key, __u32);
	__type(value, struct vxs_thread);
} threads SEC(".maps");

/* Not preallocated: most hosts never see a marker. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXS_BPF_MAX_PHASES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vxs_phase_key);
	__type(value, struct vxs_phase_value);
} phases SEC(".maps");

#endif /* VMEXIT_STAT_BPF_PHASE_MAPS_H */
