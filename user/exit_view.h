/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_EXIT_VIEW_H
#define VMEXIT_STAT_EXIT_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "cli.h"
#include "exit_stats.h"
#include "view.h"

/*
 * What show and latency share: the exit counters of either backend,
 * once (the totals) or every interval (the change), narrowed to some
 * reasons, sorted and cut to the first N rows, then handed to the
 * view's printer in the format asked for.
 */

struct csv_row;
struct json_object;

/* The order of the reasons of each table. */
enum exit_sort {
	EXIT_SORT_COUNT, /* most exits first */
	EXIT_SORT_TIME, /* most time in exits (latency sum) first */
	EXIT_SORT_AVG, /* slowest on average first */
	EXIT_SORT_P99,
	EXIT_SORT_MAX,
	EXIT_SORT_USER, /* most returns to user space first */
	EXIT_SORT_REASON, /* by name */
};

/* --reason takes this many names, in one or several options. */
#define EXIT_VIEW_MAX_REASONS 32

struct exit_reason_filter {
	unsigned int nr;
	struct {
		uint32_t isa;
		uint32_t code;
	} reason[EXIT_VIEW_MAX_REASONS];
};

/*
 * --reason NAME[,NAME...]: names as show prints them (either ISA; a
 * name both know stands for both), or a code in hex ("0x7b", both
 * ISAs).  0, or 2 after refusing an unknown name (usage printed).
 */
int exit_view_parse_reasons(struct exit_reason_filter *reasons, const char *arg,
			    void (*usage)(FILE *out));

/* No reasons listed: every reason matches. */
bool exit_reason_filter_match(const struct exit_reason_filter *reasons,
			      uint32_t isa, uint32_t code);

/* --sort KEY: 0, or 2 after refusing it (the keys listed). */
int exit_view_parse_sort(enum exit_sort *sort, const char *arg,
			 void (*usage)(FILE *out));

/* --top N: N >= 1.  0, or 2 after refusing it. */
int exit_view_parse_top(size_t *top, const char *arg, void (*usage)(FILE *out));

/* Reorders every table of stats: the VMs', the vCPUs'. */
void exit_stats_sort(struct exit_stats *stats, enum exit_sort sort);

/*
 * Keeps the first top reasons of every table (0: all); the totals and
 * shares still count the others.
 */
void exit_stats_keep_top(struct exit_stats *stats, size_t top);

/* One report: the totals, or what changed over an interval. */
struct exit_report {
	const struct exit_stats *stats;
	const struct vmexit_info *info;
	bool bpf;
	uint64_t interval_ns; /* 0: the totals */
	uint64_t time_ns; /* CLOCK_REALTIME of the read */
};

struct exit_view;

/* A view's printer: 0, or 1 after saying why. */
typedef int (*exit_view_print_fn)(struct exit_view *view,
				  const struct exit_report *report);

struct exit_view {
	struct vmexit_filter filter;
	struct exit_reason_filter reasons;
	enum exit_sort sort;
	size_t top; /* 0: every reason */
	enum view_format format;
	bool per_vcpu;
	struct view_schedule when; /* [interval [count]] */
	struct cli_source src;
	exit_view_print_fn print;
	bool needs_latency; /* --counts-only is refused */
	bool csv_header_done; /* the printer's: a CSV header goes out once */
};

/* exit_view_parse() printed the usage for --help: exit 0. */
#define EXIT_VIEW_HELP (-1)

/*
 * The command line of show and latency, into view: formats, filters,
 * --reason, --sort, --top, the source options, then [interval [count]]
 * as exit_view_finish() takes it.  0, EXIT_VIEW_HELP, or the status to
 * exit with after refusing it (usage printed).
 */
int exit_view_parse(struct exit_view *view, int argc, char **argv,
		    const char *name, void (*usage)(FILE *out));

/*
 * The positional [interval [count]] after getopt, unless "--" came
 * first; then the backend, as cli_source_finish() resolves it.  0, or 2
 * after refusing the command line.
 */
int exit_view_finish(struct exit_view *view, int argc, char **argv,
		     const char *name, void (*usage)(FILE *out));

/* Reads, prints, repeats as view asks.  0, or 1 after saying why. */
int exit_view_run(struct exit_view *view);

/*
 * Builds the stats of a report from records as the view narrows, sorts
 * and cuts them; exposed for the unit tests.  0 or -ENOMEM.
 */
int exit_view_build(const struct exit_view *view,
		    const struct exit_stats_input *in,
		    struct exit_stats *stats);

/*
 * The columns every CSV row of show and latency starts with: kind, the
 * report's time (Unix seconds), interval (seconds, empty for totals),
 * backend, vm_pid, vm_name, vm_id, vcpu (empty in a VM's row).
 */
void exit_view_csv_start(struct csv_row *row, const char *kind,
			 const struct exit_report *report,
			 const struct vm_stats *vm,
			 const struct vcpu_stats *vcpu);

/* The JSON keys every report of show and latency has: interval, time. */
bool exit_view_json_when(struct json_object *doc,
			 const struct exit_report *report);

/* show.c: how show prints a report, which record shares. */
struct show_output {
	FILE *out;
	enum view_format format;
	bool per_vcpu;
	bool one_line; /* JSON: one line, not indented */
	bool csv_header; /* CSV: the header before the rows */
	const struct vmexit_filter *filter;
	const struct exit_reason_filter *reasons; /* or NULL */
};

/* One report in show's layouts; 0, or 1 after saying why. */
int show_output_print(const struct show_output *how,
		      const struct exit_report *rep);

#endif /* VMEXIT_STAT_EXIT_VIEW_H */
