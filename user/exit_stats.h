/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_EXIT_STATS_H
#define VMEXIT_STAT_EXIT_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "genl_client.h"
#include "vm_name.h"

/*
 * The counters of a dump, grouped for output: VMs by (pid, vm_id), each
 * with its vCPUs by id, each with its exits and its exits to user space
 * by count, largest first.  Built from the flat dump records alone, so
 * it is tested without a kernel.
 */

struct json_object;

struct exit_count {
	uint32_t isa;
	uint32_t code;
	uint32_t flags;
	uint64_t count;
	bool has_latency; /* false: the BPF backend, which does not time */
	uint64_t user_count;
	uint64_t user_ns;
	struct vmexit_latency latency;
};

/* Returns of KVM_RUN to the VMM with one KVM_EXIT_* reason. */
struct user_exit_count {
	uint32_t code;
	uint64_t count;
	struct vmexit_latency round_trip;
};

struct vcpu_stats {
	uint32_t vcpu_id;
	uint32_t tid;
	uint64_t total;
	struct exit_count *exits;
	size_t nr_exits;
	uint64_t user_total;
	struct user_exit_count *user_exits;
	size_t nr_user_exits;
};

struct vm_stats {
	uint32_t pid;
	uint64_t vm_id;
	char name[VM_NAME_LEN];
	char comm[32]; /* the kernel's word, from GET_VMS; may be "" */
	uint32_t state; /* enum vmexit_stat_vm_state, 0 when unknown */
	uint64_t total;
	uint64_t user_total;
	struct vcpu_stats *vcpus;
	size_t nr_vcpus;
	/* The vCPUs' exits summed by (isa, code, flags), for the VM table. */
	struct exit_count *exits;
	size_t nr_exits;
	struct user_exit_count *user_exits;
	size_t nr_user_exits;
};

struct exit_stats {
	struct vm_stats *vms;
	size_t nr_vms;
	uint64_t total;
};

/*
 * What a show reads; any part may be empty.  vms tells each VM's state;
 * with add_idle_vms, VMs of that list without a single record are shown
 * too (with zero exits).
 */
struct exit_stats_input {
	const struct vmexit_record *exits;
	size_t nr_exits;
	const struct vmexit_user_record *user_exits;
	size_t nr_user_exits;
	const struct vmexit_vm *vms;
	size_t nr_vms;
	bool add_idle_vms;
};

/*
 * 0 or -ENOMEM.  Records of the same counter, if any, are summed.
 * Records the kernel summed per VM (per_vm) are not for this view and
 * are left out.
 */
int exit_stats_build(const struct exit_stats_input *in,
		     struct exit_stats *stats);
/* The same for exit records alone. */
int exit_stats_build_exits(const struct vmexit_record *recs, size_t nr,
			   struct exit_stats *stats);
void exit_stats_free(struct exit_stats *stats);

/*
 * Fills each VM's name from /proc, or from the kernel's comm for a VM
 * that has ended (its pid may belong to another process by now).
 */
void exit_stats_name_vms(struct exit_stats *stats, const char *proc_root);

/* The same rule for one VM of GET_VMS: name has VM_NAME_LEN bytes. */
void vm_display_name(const char *proc_root, const struct vmexit_vm *vm,
		     char *name, size_t size);

/*
 * The kernel's name for an exit code, or the code in hex ("0x4ff") for
 * one the tables do not know.  Returns name or buf.
 */
const char *exit_reason_label(uint32_t isa, uint32_t code, char *buf,
			      size_t len);

/*
 * The name of a KVM_EXIT_* code ("io"), or the code in decimal ("77")
 * for one the table does not know.  Returns name or buf.
 */
const char *user_exit_label(uint32_t code, char *buf, size_t len);

/* "svm", "vmx", or the number for an isa we do not know. */
const char *exit_isa_label(uint32_t isa, char *buf, size_t len);

/* "running", "ended", or NULL for a state we do not know. */
const char *vm_state_name(uint32_t state);

/* "0123456789abcdef": vm_id as JSON and the text views show it. */
void vm_id_format(uint64_t vm_id, char *buf, size_t len);

/*
 * The "info" object of `show --json`, as `info --json` prints it.  The
 * BPF backend's info keeps its own keys (bpf: true).  NULL when out of
 * memory.
 */
struct json_object *info_json(const struct vmexit_info *info, bool bpf);

/*
 * The JSON document of `vmexit-stat show --json`.  info and filter may be
 * NULL.  backend: "module" or "bpf".  NULL when out of memory.
 */
struct json_object *exit_stats_json(const struct exit_stats *stats,
				    const struct vmexit_info *info,
				    const struct vmexit_filter *filter,
				    const char *backend);

/* The text view of `vmexit-stat show`. */
void exit_stats_print(FILE *out, const struct exit_stats *stats,
		      const struct vmexit_info *info, bool per_vcpu);

#endif /* VMEXIT_STAT_EXIT_STATS_H */
