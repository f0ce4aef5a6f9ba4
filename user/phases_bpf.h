/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_PHASES_BPF_H
#define VMEXIT_STAT_PHASES_BPF_H

#include "genl_client.h"

/*
 * The guest's phases (phase markers, <vmexit_stat/markers.h>) measured by
 * BPF in the module's shape (GET_PHASES), so that vmexit-stat phases and
 * correlate print both backends with one code path.  The exit programs
 * (bpf/exits.bpf.c) follow the markers, exits and latency; the scheduling
 * programs (bpf/sched.bpf.c) add each run delay to the phase open when it
 * ends.  Counting starts at attach: a vCPU is in a phase from its first
 * start marker after that.  The maps are read while attached, as often as
 * the caller likes; every total is cumulative since the open.
 */
struct phases_bpf;

/*
 * Loads and attaches the programs.  0, or 1 after saying on stderr what
 * is missing (BTF, permission, kvm) or what failed.
 */
int phases_bpf_open(struct phases_bpf **out);

/*
 * One record per (VM, vCPU, phase id) seen since the open, exactly as
 * vmexit_parse_phase() makes them from GET_PHASES: vm_id as the other BPF
 * views make it (the same for a VM across the handle's reads), codes
 * without the VMX modifier bits (those in flags), active_ns including the
 * open part up to now (CLOCK_MONOTONIC), has_latency true.  Filtered as
 * the module filters GET_PHASES (pid, vm_id, vcpu_id, phase_id; filter may
 * be NULL).  Appends to out.  info, unless NULL, is filled as GET_INFO
 * fills it for this backend: markers_seen, markers_unmatched,
 * phases_dropped, exits_seen, exits_dropped, version, kernel.  0 or a
 * negative errno.
 */
int phases_bpf_read(struct phases_bpf *pb, const struct vmexit_filter *filter,
		    struct vmexit_phases *out, struct vmexit_info *info);

/* Detaches and frees; NULL is fine. */
void phases_bpf_close(struct phases_bpf *pb);

#endif /* VMEXIT_STAT_PHASES_BPF_H */
