/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_BPF_BACKEND_H
#define VMEXIT_STAT_BPF_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "genl_client.h"

/*
 * The BPF backend: the module's exit counters, latencies, exits to user
 * space and drill-down, made by BPF programs (bpf/exits.bpf.c) instead.  Those counters exist only while the
 * programs are attached, so a read is a collection: attach, wait (an
 * interval, a command, or until SIGINT/SIGTERM), detach, read the maps.
 * Nothing outlives the call, which is also why there is nothing to reset.
 *
 * The records and info come back in the module's shapes (genl_client.h)
 * so that one code path prints both backends.
 */

/* Size of the counter map unless told; as VXS_BPF_MAX_COUNTERS. */
#define BPF_BACKEND_MAX_COUNTERS 10240

struct bpf_collect {
	char **cmd; /* run this, NULL-terminated, while attached; or NULL */
	unsigned int interval; /* seconds, when there is no cmd; 0: SIGINT */
	uint32_t max_counters; /* size of the counter map; 0: default */
	bool attach_only; /* detach at once: do the programs load here? */
	/*
	 * kvm_exit alone: counts by reason, no latency, returns to user
	 * space or drill-down, for a third of the cost per exit.
	 */
	bool counts_only;
};

/* What one collection counted, in the module's shapes. */
struct bpf_collection {
	struct vmexit_records exits;
	struct vmexit_user_records user_exits;
	struct vmexit_details details;
	struct vmexit_vms vms; /* every VM with an exit counted */
	struct vmexit_info info;
	/* the command's exit status (0 without one; 128 + signal) */
	int cmd_status;
};

/*
 * 0, or 1 after saying on stderr what is missing (BTF, permission, kvm)
 * or what failed.  *out is filled on 0; free it with
 * bpf_collection_free() either way.
 */
int bpf_backend_collect(const struct bpf_collect *how,
			const struct vmexit_filter *filter,
			struct bpf_collection *out);

static inline void bpf_collection_free(struct bpf_collection *c)
{
	vmexit_records_free(&c->exits);
	vmexit_user_records_free(&c->user_exits);
	vmexit_details_free(&c->details);
	vmexit_vms_free(&c->vms);
}

#endif /* VMEXIT_STAT_BPF_BACKEND_H */
