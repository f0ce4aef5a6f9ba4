/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_PHASE_VIEWS_H
#define VMEXIT_STAT_PHASE_VIEWS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "genl_client.h"

/*
 * The views of the guest's phases (phase markers): `vmexit-stat phases`
 * (phases.c), one row per vCPU thread and phase, and `vmexit-stat
 * correlate` (correlate.c), one row per VM and phase over a window,
 * joined with the workload's own results.  Built from parsed records
 * alone, so that the unit tests check them without a kernel.  The JSON
 * builders return NULL when out of memory.
 */

struct json_object;

/* phases.c */

/* What the phases view prints: totals (interval_ns 0) or a change. */
struct phases_report {
	const char *backend; /* "module" or "bpf" */
	uint64_t interval_ns;
	/* the counters over the same time; NULL: not known (all 0) */
	const struct vmexit_info *info;
	const struct vmexit_phases *phases;
};

/* "cpu", "memory", "fileio-prepare", ... for bench's ids, else "phase N". */
const char *phase_name(uint32_t phase_id, char *buf, size_t len);

/* By VM, vCPU, thread and phase id; in place. */
void phases_sort(struct vmexit_phases *phases);

/* The same (VM, vCPU thread, phase id). */
bool phase_same_key(const struct vmexit_phase *a, const struct vmexit_phase *b);

/*
 * What changed from before to now, appended to out: every phase of now,
 * matched by (VM, vCPU thread, phase id); open, last_start_ns and
 * last_end_ns are now's.  A phase whose counters went down (a reset in
 * between) counts from zero.  0 or -ENOMEM.
 */
int phases_delta(const struct vmexit_phases *before,
		 const struct vmexit_phases *now, struct vmexit_phases *out);

/*
 * The marker counters of now less those of before (0 when one went
 * down), into out; the other fields are now's.
 */
void phases_info_delta(const struct vmexit_info *before,
		       const struct vmexit_info *now, struct vmexit_info *out);

/*
 * sum += p: counts, times, latency and exits by code (codes past
 * VMEXIT_PHASE_EXITS_MAX are left to "other"); open if either is,
 * last_start_ns the earliest, last_end_ns the latest.
 */
void phase_add(struct vmexit_phase *sum, const struct vmexit_phase *p);

/* The exits that exit[] does not name (more codes than it holds). */
uint64_t phase_other_exits(const struct vmexit_phase *p);

/*
 * Indices of the at most n busiest codes of p, busiest first, into top;
 * how many.
 */
size_t phase_top_exits(const struct vmexit_phase *p, size_t *top, size_t n);

/* "io", "npf", "EPT_VIOLATION+from_root", or the code in hex. */
const char *phase_exit_label(const struct vmexit_phase_exit *exit, char *buf,
			     size_t len);

/*
 * The marker counters into obj: markers_seen, markers_unmatched,
 * phases_dropped; info NULL (not known): all 0.
 */
bool phase_markers_json(struct json_object *obj,
			const struct vmexit_info *info);

/* One exits_by_reason entry: {"isa","code","flags","reason","count"}. */
struct json_object *phase_exit_json(const struct vmexit_phase_exit *exit);

struct json_object *phases_json(const struct phases_report *report);
void phases_print(FILE *out, const struct phases_report *report);

/* correlate.c */

/* One line of `vmexit-stat bench --json` with a phase id. */
struct correlate_result {
	uint32_t phase_id;
	char workload[16]; /* "cpu", "memory", "fileio"; "" if not said */
	char mode[16]; /* fileio's "prepare", "run", "cleanup"; or "" */
	bool has_value; /* result was not null */
	double value;
	char unit[16]; /* "events/s", "MiB/s", "IOPS" */
};

struct correlate_results {
	struct correlate_result *rec;
	size_t nr;
};

/*
 * Takes every line of in that is a JSON object with an integer
 * phase_id (also after a prefix such as a console's timestamp: from the
 * line's first '{'); other lines are skipped.  A later line of the same
 * phase id replaces an earlier one.  0, -ENOMEM or -EIO (read error).
 */
int correlate_results_read(FILE *in, struct correlate_results *out);
void correlate_results_free(struct correlate_results *results);

/* One row: a VM's vCPUs summed for one phase id over the window. */
struct correlate_row {
	struct vmexit_phase sum; /* vcpu_id, vcpu_tid: 0 */
	uint32_t vcpus; /* vCPU threads active in the phase */
	/*
	 * The wall span of the phase (span true): from the earliest start
	 * to the latest end of its vCPUs in the window; or, while a vCPU
	 * is still in it or none ended it, the mean active time per vCPU.
	 */
	bool span;
	uint64_t duration_ns;
	const struct correlate_result *result; /* NULL: not known */
};

struct correlate_table {
	struct correlate_row *rec;
	size_t nr;
};

/*
 * The table of the window from before (read at window_start_ns,
 * CLOCK_MONOTONIC) to now: one row per (VM, phase id) with anything in
 * the window, by VM and phase id, results joined by phase id (results
 * may be NULL).  0 or -ENOMEM.
 */
int correlate_build(const struct vmexit_phases *before,
		    const struct vmexit_phases *now, uint64_t window_start_ns,
		    const struct correlate_results *results,
		    struct correlate_table *out);
void correlate_table_free(struct correlate_table *table);

/* Exits of the row per second of its duration; 0 with no duration. */
double correlate_per_s(const struct correlate_row *row, uint64_t count);
/* wait_ns / active_ns in percent; NAN when nothing was active. */
double correlate_steal_pct(const struct correlate_row *row);

struct correlate_report {
	const char *backend;
	uint64_t window_ns;
	const struct vmexit_info *info; /* marker counters of the window */
	const struct correlate_table *table;
	bool results_given; /* --results: "-" means not in the file */
};

struct json_object *correlate_json(const struct correlate_report *report);
void correlate_print(FILE *out, const struct correlate_report *report);

#endif /* VMEXIT_STAT_PHASE_VIEWS_H */
