/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_VIEW_H
#define VMEXIT_STAT_VIEW_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "cli.h"

/*
 * What the views that follow the counters over time share (sched,
 * phases, correlate): Ctrl-C ends the following, not the process, so
 * that what was counted is still printed and nothing is left behind;
 * deadlines that do not drift with the time a read takes; and, for
 * sched and phases, the command line's [interval [count]] and the loop
 * that prints the totals once or the change every interval.
 */

struct json_object;

/* The handlers view_catch_stop() replaced. */
struct view_stop {
	struct sigaction old_int, old_term;
};

/* From now on SIGINT and SIGTERM ask to stop instead of killing. */
void view_catch_stop(struct view_stop *saved);
/* The handlers as they were before view_catch_stop(). */
void view_release_stop(const struct view_stop *saved);

/* Sleeps until deadline (CLOCK_MONOTONIC); false when told to stop first. */
bool view_sleep_until(const struct timespec *deadline);
/* Until told to stop. */
void view_wait_for_stop(void);

void view_timespec_add_ns(struct timespec *ts, uint64_t ns);

/* From a to b; at least 1, so that rates never divide by 0. */
uint64_t view_ns_between(const struct timespec *a, const struct timespec *b);

/* The view's [interval [count]] positional arguments. */
struct view_schedule {
	uint64_t interval_ns; /* 0: one report of the totals */
	uint32_t count; /* 0: until Ctrl-C */
};

/*
 * After getopt: [interval [count]] and nothing else; the messages name
 * the view.  0, or 2 after refusing the command line.
 */
int view_parse_schedule(int argc, char **argv, const char *view,
			void (*usage)(FILE *out), struct view_schedule *when);

/*
 * The backend chosen: what --backend auto means for such a view is the
 * module when it is loaded.  Without it BPF, when there is an interval
 * to count over; else the module's own error (how to load it), as in
 * the other views, then view_suggest_bpf() (choice->suggest_bpf set).
 */
enum cli_backend view_choose_backend(struct cli_source *choice,
				     uint64_t interval_ns);

/*
 * After the module failed to open for auto: the way without it, when
 * this build has a BPF backend (have_bpf) and the module is not loaded.
 * what: what BPF would follow ("it", "them").
 */
void view_suggest_bpf(const struct cli_source *choice, bool have_bpf,
		      const char *what);

/* How a view prints its reports. */
enum view_format {
	VIEW_TEXT,
	/*
	 * One document for the totals; with an interval, one object a
	 * line, as --ndjson (a reader takes them as they come).
	 */
	VIEW_JSON,
	VIEW_NDJSON, /* one object a line, the totals too */
	VIEW_CSV, /* a header, then rows; with an interval, rows of each */
};

#define VIEW_OPT_NDJSON 530
#define VIEW_OPT_CSV 531

/* The format options of every view that follows counters; one a line. */
/* clang-format off */
#define VIEW_FORMAT_LONG_OPTIONS				\
	{ "json", no_argument, NULL, 'j' },			\
	{ "ndjson", no_argument, NULL, VIEW_OPT_NDJSON },	\
	{ "csv", no_argument, NULL, VIEW_OPT_CSV }
/* clang-format on */

/* Their lines of a usage text. */
void view_format_usage(FILE *out);

/*
 * One of VIEW_FORMAT_LONG_OPTIONS ('j' for -j): 0 when taken, 2 after
 * refusing a second, different format (usage printed), -1 when opt is
 * none of them.
 */
int view_format_option(enum view_format *format, int opt,
		       void (*usage)(FILE *out));

/* Whether reports in format are printed one a line (JSON Lines). */
static inline bool view_json_one_line(enum view_format format,
				      uint64_t interval_ns)
{
	return format == VIEW_NDJSON || (format == VIEW_JSON && interval_ns);
}

/*
 * Prints and frees a report: as JSON Lines (one line a report, for a
 * reader to take as they come) when one_line, else as one document;
 * flushed.  0, or 1 when doc is NULL (out of memory).
 */
int view_print_json(struct json_object *doc, bool one_line);

/*
 * What a view reads and prints, for view_run().  A snapshot is the
 * view's own structure; view_run() keeps two and swaps them.
 */
struct view_ops {
	/*
	 * Reads the source into snap; 0, or 1 after saying why (snap then
	 * holds nothing to free).
	 */
	int (*read)(void *ctx, void *snap);
	/* Prints the totals of snap; 0, or 1 after saying why. */
	int (*report_totals)(void *ctx, const void *snap);
	/* Prints what changed from before to now over interval_ns. */
	int (*report_change)(void *ctx, const void *before, const void *now,
			     uint64_t interval_ns);
	void (*snapshot_free)(void *snap);
};

struct view_run {
	const struct view_ops *ops;
	void *ctx;
	struct view_schedule when;
	/* only text has a blank line between reports */
	enum view_format format;
	/*
	 * BPF counts only while it runs: its totals wait for Ctrl-C,
	 * saying so first with this line.  NULL: the totals at once.
	 */
	const char *wait_message;
	void *snap[2]; /* room for two snapshots */
};

/*
 * With an interval, reads now and every interval after, printing the
 * change, count times or until Ctrl-C; else prints the totals once.
 * Ctrl-C is caught meanwhile.  0, or 1 after saying why.
 */
int view_run(const struct view_run *run);

#endif /* VMEXIT_STAT_VIEW_H */
