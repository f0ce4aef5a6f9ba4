/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_PHASES_BPF_RECORDS_H
#define VMEXIT_STAT_PHASES_BPF_RECORDS_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/types.h>
#include <vmexit_stat/exits.h>

#include "genl_client.h"

/*
 * The BPF phase maps' entries (include/vmexit_stat/phases.h) as the
 * records vmexit_parse_phase() makes from GET_PHASES; apart from
 * user/phases_bpf.c so that it is tested without a kernel or libbpf.
 */

/*
 * The record of a phases map entry, without its exits (0 until
 * phases_bpf_record_exit() adds them).  vm_id is the
 * caller's (bpf_backend_vm_id() of key->kvm); now_ns (CLOCK_MONOTONIC)
 * closes the open part of an open phase for active_ns.
 */
void phases_bpf_record(struct vmexit_phase *rec,
		       const struct vxs_phase_key *key,
		       const struct vxs_phase_value *value, uint64_t vm_id,
		       uint64_t now_ns);

/*
 * The exits of one reason in the record's phase (an exit counter's
 * phase_count of the phase's slot, summed over the CPUs), added to its
 * exits: reason is the raw one, VMX modifier bits included, split here as
 * for the exit counters.  Past VMEXIT_PHASE_EXITS_MAX codes the busiest
 * are kept (the rest shows as the phase's exits minus the sum of exit[],
 * as from the module).
 */
void phases_bpf_record_exit(struct vmexit_phase *rec, uint32_t isa,
			    uint32_t reason, uint64_t count);

/* exit[] busiest first, as the views list them. */
void phases_bpf_record_sort(struct vmexit_phase *rec);

/* Whether an exit counter's key is of the phase's vCPU. */
static inline bool phases_bpf_same_vcpu(const struct vxs_phase_key *phase,
					const struct vxs_exit_key *exit)
{
	return phase->kvm == exit->kvm && phase->pid == exit->pid &&
	       phase->vcpu_id == exit->vcpu_id;
}

#endif /* VMEXIT_STAT_PHASES_BPF_RECORDS_H */
