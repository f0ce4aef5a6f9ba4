// SPDX-License-Identifier: GPL-2.0
/*
 * BPF phase map entries into GET_PHASES records: see phases_bpf_records.h.
 */
#include <stdlib.h>
#include <string.h>

#include <linux/vmexit_stat.h>

#include "phases_bpf_records.h"

_Static_assert(VXS_BPF_PHASE_SLOTS == VMEXIT_STAT_PHASE_SLOTS,
	       "a BPF thread keeps as many phase ids as a module thread");
_Static_assert(VXS_BPF_LAT_BUCKETS == VMEXIT_STAT_LAT_BUCKETS,
	       "the BPF histograms have the module's buckets");

#define VMX_BASIC_REASON_MASK 0xffffU

void phases_bpf_record(struct vmexit_phase *rec,
		       const struct vxs_phase_key *key,
		       const struct vxs_phase_value *value, uint64_t vm_id,
		       uint64_t now_ns)
{
	memset(rec, 0, sizeof(*rec));
	rec->vm_pid = key->pid;
	rec->vm_id = vm_id;
	rec->vcpu_id = key->vcpu_id;
	rec->vcpu_tid = value->tid;
	rec->phase_id = key->phase_id;
	rec->open = value->open;
	rec->starts = value->starts;
	rec->ends = value->ends;
	rec->active_ns = value->active_ns;
	/* A read racing the start may see a since just after its now. */
	if (value->open && now_ns > value->open_since_ns)
		rec->active_ns += now_ns - value->open_since_ns;
	rec->last_start_ns = value->last_start_ns;
	rec->last_end_ns = value->last_end_ns;
	/* the sum of its codes: phases_bpf_record_exit() */
	rec->exits = 0;
	rec->wait_ns = value->wait_ns;
	rec->has_latency = true;
	rec->latency.count = value->lat.count;
	rec->latency.sum_ns = value->lat.sum_ns;
	/* Meaningless while nothing was timed, as the module leaves it 0. */
	rec->latency.min_ns = value->lat.count ? value->lat.min_ns : 0;
	rec->latency.max_ns = value->lat.max_ns;
	memcpy(rec->latency.hist, value->lat.hist, sizeof(rec->latency.hist));
}

void phases_bpf_record_exit(struct vmexit_phase *rec, uint32_t isa,
			    uint32_t reason, uint64_t count)
{
	struct vmexit_phase_exit exit = {
		.isa = isa,
		.code = reason,
		.count = count,
	};
	struct vmexit_phase_exit *least = NULL;
	size_t i;

	/* A marker's own exit taken out again leaves a code at 0. */
	if (!count)
		return;
	rec->exits += count;
	if (isa == VMEXIT_STAT_ISA_VMX) {
		exit.code = reason & VMX_BASIC_REASON_MASK;
		exit.flags = reason & ~VMX_BASIC_REASON_MASK;
	}
	for (i = 0; i < rec->nr_exits; i++) {
		struct vmexit_phase_exit *have = &rec->exit[i];

		if (have->isa == exit.isa && have->code == exit.code &&
		    have->flags == exit.flags) {
			have->count += exit.count;
			return;
		}
		if (!least || have->count < least->count)
			least = have;
	}
	if (rec->nr_exits < VMEXIT_PHASE_EXITS_MAX)
		rec->exit[rec->nr_exits++] = exit;
	else if (least && least->count < exit.count)
		*least = exit;
}

static int busier(const void *a, const void *b)
{
	const struct vmexit_phase_exit *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->isa != y->isa)
		return x->isa < y->isa ? -1 : 1;
	if (x->code != y->code)
		return x->code < y->code ? -1 : 1;
	return x->flags < y->flags ? -1 : x->flags > y->flags;
}

void phases_bpf_record_sort(struct vmexit_phase *rec)
{
	qsort(rec->exit, rec->nr_exits, sizeof(rec->exit[0]), busier);
}
