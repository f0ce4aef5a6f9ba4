/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_VIEWS_H
#define VMEXIT_STAT_VIEWS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "genl_client.h"

/*
 * The JSON documents and text views of vms, details, info, config and
 * events, built from parsed replies alone so that the unit tests check
 * them without a kernel.  The JSON builders return NULL when out of
 * memory.  proc_root is "/proc" but for tests.
 */

struct json_object;

/*
 * show.c: what show and record read of the module: info, exits, exits
 * to user space and the VMs, with the same filter.
 */
struct module_read {
	struct vmexit_info info;
	struct vmexit_records exits;
	struct vmexit_user_records user_exits;
	struct vmexit_vms vms;
};

/* 0, or 1 after saying why; free what it read with module_read_free(). */
int module_read(struct vmexit_client *client,
		const struct vmexit_filter *filter, struct module_read *read);
void module_read_free(struct module_read *read);

/* vms.c */
struct json_object *vms_json(const struct vmexit_vms *vms,
			     const char *proc_root);
/* now_ns: CLOCK_BOOTTIME, for how long a running VM has run. */
void vms_print(FILE *out, const struct vmexit_vms *vms, const char *proc_root,
	       uint64_t now_ns);

/* details.c */
/* "pio_in", ..., or NULL for a kind we do not know. */
const char *detail_kind_name(uint32_t kind);
/* "port 0xe9", "msr 0x8b", "leaf 0x1 subleaf 0x0", "gpa 0xfee00000". */
const char *detail_label(uint32_t kind, uint64_t key, char *buf, size_t len);
/*
 * Sorts the details by VM, kind and count (largest first) and keeps at
 * most limit per VM and kind (0: no limit).
 */
void details_sort_and_limit(struct vmexit_details *details, uint32_t limit);
/* details: as details_sort_and_limit() left them. */
struct json_object *details_json(const struct vmexit_details *details,
				 const struct vmexit_vms *vms,
				 const char *proc_root);
void details_print(FILE *out, const struct vmexit_details *details,
		   const struct vmexit_vms *vms, const char *proc_root);

/* info.c; the JSON is exit_stats.h's info_json(). */
void info_print(FILE *out, const struct vmexit_info *info);

/* config.c */
struct json_object *config_json(const struct vmexit_config *config);
void config_print(FILE *out, const struct vmexit_config *config);

/* sched.c */
/*
 * One report of vmexit-stat sched: the vCPUs and CPUs as read (totals
 * since tracking began, interval_ns 0) or as changed over interval_ns.
 */
/* The order of sched's vCPU table: --sort KEY. */
enum sched_sort_key {
	SCHED_SORT_STEAL, /* most steal first: the default */
	SCHED_SORT_WAITS, /* most waits (wake-ups and preemptions) first */
	SCHED_SORT_IDLE, /* most idle first */
	SCHED_SORT_RUN, /* most run time first */
	SCHED_SORT_VCPU, /* by VMM pid, vm_id, vCPU, thread */
	SCHED_SORT_VM, /* by VM name, then as vcpu */
};

/* The key named name (as --sort takes it); false when there is none. */
bool sched_sort_key_parse(const char *name, enum sched_sort_key *key);

struct sched_report {
	const char *backend; /* "module" or "bpf" */
	uint64_t interval_ns;
	const struct vmexit_scheds *vcpus;
	const struct vmexit_cpu_scheds *cpus;
	enum sched_sort_key sort;
	/* Only the first top vCPUs after sorting (VM totals keep all); 0: all. */
	uint32_t top;
	/* Names the VM of a VMM pid; NULL: no names (empty in CSV). */
	void (*vm_name)(uint32_t pid, char *name, size_t size);
	/* When the report's counters were read (CLOCK_REALTIME), for CSV. */
	struct timespec read_at;
};

/* By VM, vCPU and thread; CPUs by number; in place. */
void sched_sort(struct vmexit_scheds *vcpus, struct vmexit_cpu_scheds *cpus);
/*
 * What changed from before to now, appended to out: every vCPU and CPU
 * of now, matched by thread and CPU; thieves matched by tid, those that
 * took nothing left out.  A counter that went down (a reset in between)
 * counts from zero.  0 or -ENOMEM.
 */
int sched_delta(const struct vmexit_scheds *before_vcpus,
		const struct vmexit_cpu_scheds *before_cpus,
		const struct vmexit_scheds *now_vcpus,
		const struct vmexit_cpu_scheds *now_cpus,
		struct vmexit_scheds *out_vcpus,
		struct vmexit_cpu_scheds *out_cpus);
/*
 * The samples of now that before lacks.  Min and max of the interval
 * are not known: they are estimated from the buckets left, within now's.
 */
void sched_latency_delta(const struct vmexit_latency *before,
			 const struct vmexit_latency *now,
			 struct vmexit_latency *out);
/*
 * Steal as a percentage: of wall time (interval_ns times the number of
 * vCPUs, 1 for one) when interval_ns is set, else of the time accounted
 * (run + wait + idle); NAN when that is 0 (nothing to compare with).
 */
double sched_steal_pct(uint64_t wait_ns, uint64_t run_ns, uint64_t idle_ns,
		       uint64_t interval_ns, uint32_t vcpus);
/* "running", "runnable", "blocked", "ended"; NULL when not said. */
const char *sched_state_name(uint32_t state);
struct json_object *sched_json(const struct sched_report *report);
/*
 * The report as CSV rows of sched_csv_header()'s columns: one per vCPU
 * ("vcpu"), per VM ("vm") and per CPU ("cpu"), in the first column.
 * 0, or -ENOMEM.
 */
int sched_csv(FILE *out, const struct sched_report *report);
void sched_csv_header(FILE *out);
/* hist: add the latency histograms, as runqlat prints them. */
void sched_print(FILE *out, const struct sched_report *report, bool hist);
/* One histogram in usecs, libbpf-tools' print_log2_hist() layout. */
void sched_print_log2_hist(FILE *out, const struct vmexit_latency *lat);

/* events.c */
/* "vm_start", ..., or NULL for a command that is no notification. */
const char *event_name(uint8_t cmd);
struct json_object *event_json(const struct vmexit_event *event);
/* One line, the same facts as the JSON. */
void event_print(FILE *out, const struct vmexit_event *event);

#endif /* VMEXIT_STAT_VIEWS_H */
