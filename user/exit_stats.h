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
 * with its vCPUs by id, each with its exits by count, largest first.
 * Built from the flat dump records alone, so it is tested without a
 * kernel.
 */

struct json_object;

struct exit_count {
	uint32_t isa;
	uint32_t code;
	uint32_t flags;
	uint64_t count;
};

struct vcpu_stats {
	uint32_t vcpu_id;
	uint32_t tid;
	uint64_t total;
	struct exit_count *exits;
	size_t nr_exits;
};

struct vm_stats {
	uint32_t pid;
	uint64_t vm_id;
	char name[VM_NAME_LEN];
	uint64_t total;
	struct vcpu_stats *vcpus;
	size_t nr_vcpus;
	/* The vCPUs' exits summed by (isa, code, flags), for the VM table. */
	struct exit_count *exits;
	size_t nr_exits;
};

struct exit_stats {
	struct vm_stats *vms;
	size_t nr_vms;
	uint64_t total;
};

/* 0 or -ENOMEM.  Records of the same counter, if any, are summed. */
int exit_stats_build(const struct vmexit_record *recs, size_t nr,
		     struct exit_stats *stats);
void exit_stats_free(struct exit_stats *stats);

/* Fills each VM's name from /proc. */
void exit_stats_name_vms(struct exit_stats *stats, const char *proc_root);

/*
 * The kernel's name for an exit code, or the code in hex ("0x4ff") for
 * one the tables do not know.  Returns name or buf.
 */
const char *exit_reason_label(uint32_t isa, uint32_t code, char *buf,
			      size_t len);

/* "svm", "vmx", or the number for an isa we do not know. */
const char *exit_isa_label(uint32_t isa, char *buf, size_t len);

/*
 * The JSON document of `vmexit-stat show --json`.  info and filter may be
 * NULL.  NULL when out of memory.
 */
struct json_object *exit_stats_json(const struct exit_stats *stats,
				    const struct vmexit_info *info,
				    const struct vmexit_filter *filter);

/* The text view of `vmexit-stat show`. */
void exit_stats_print(FILE *out, const struct exit_stats *stats,
		      const struct vmexit_info *info, bool per_vcpu);

#endif /* VMEXIT_STAT_EXIT_STATS_H */
