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

struct bpf_reader;

struct bpf_collect {
	char **cmd; /* run this, NULL-terminated, while attached; or NULL */
	/*
	 * Or this, called once while attached instead of waiting (export
	 * reads the maps at every scrape with bpf_backend_read()): its
	 * return is the collection's, 0 or 1.  Ctrl-C is then its own.
	 */
	int (*while_attached)(struct bpf_reader *reader, void *ctx);
	void *ctx;
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

/*
 * While attached (in while_attached): what the programs counted so far,
 * as bpf_backend_collect() fills *out at the end, without drill-down.
 * vm ids stay the same from one read to the next.  0, or -errno; *out
 * is to be freed with bpf_collection_free() either way.
 */
int bpf_backend_read(struct bpf_reader *reader,
		     const struct vmexit_filter *filter,
		     struct bpf_collection *out);

static inline void bpf_collection_free(struct bpf_collection *c)
{
	vmexit_records_free(&c->exits);
	vmexit_user_records_free(&c->user_exits);
	vmexit_details_free(&c->details);
	vmexit_vms_free(&c->vms);
}

/*
 * For the other BPF views (user/sched_bpf.c), so that they check, fail
 * and name VMs as bpf_backend_collect() does.
 */
struct bpf_link;
struct bpf_program;
struct vxs_latency;

/*
 * Sets libbpf's output and checks BTF, the CPUs, permission and kvm:
 * which kvm_exit prototype to load for (VXS_BPF_PROTO_*), or 0 after
 * saying on stderr what is missing.
 */
int bpf_backend_preflight(void);

/* A load's -errno in one line (the verifier's log is libbpf's, above). */
void bpf_backend_explain_load_error(int err);

/*
 * The kvm address is a kernel pointer: vm ids are an opaque bijection of
 * it, salted with bpf_backend_salt() once per collection.
 */
uint64_t bpf_backend_salt(void);
uint64_t bpf_backend_vm_id(uint64_t kvm, uint64_t salt);

/* One CPU's latency into the sum of the CPUs. */
void bpf_backend_latency_merge(struct vmexit_latency *sum,
			       const struct vxs_latency *cpu);

/* Attached in array order, detached in the reverse one. */
struct bpf_attach_point {
	const char *tracepoint;
	struct bpf_program *prog;
	struct bpf_link **link;
};

/* 0, or -errno after saying which tracepoint refused. */
int bpf_backend_attach(struct bpf_attach_point *points, int nr);
void bpf_backend_detach(struct bpf_attach_point *points, int nr);

#endif /* VMEXIT_STAT_BPF_BACKEND_H */
