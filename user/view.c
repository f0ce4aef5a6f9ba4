// SPDX-License-Identifier: GPL-2.0
/*
 * Following the counters over time, the same way in sched, phases and
 * correlate: catching Ctrl-C, sleeping to deadlines, the interval loop.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "view.h"

#define NS_PER_SEC 1000000000ULL

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

void view_catch_stop(struct view_stop *saved)
{
	struct sigaction sa = { .sa_handler = on_stop };

	stop_requested = 0;
	sigaction(SIGINT, &sa, &saved->old_int);
	sigaction(SIGTERM, &sa, &saved->old_term);
}

void view_release_stop(const struct view_stop *saved)
{
	sigaction(SIGINT, &saved->old_int, NULL);
	sigaction(SIGTERM, &saved->old_term, NULL);
}

bool view_sleep_until(const struct timespec *deadline)
{
	while (!stop_requested) {
		int err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
					  deadline, NULL);

		if (!err)
			return !stop_requested;
		if (err != EINTR)
			return false;
	}
	return false;
}

void view_wait_for_stop(void)
{
	sigset_t block, old;

	/* blocked until sigsuspend, so that no signal slips in between */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	while (!stop_requested)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

void view_timespec_add_ns(struct timespec *ts, uint64_t ns)
{
	ts->tv_sec += ns / NS_PER_SEC;
	ts->tv_nsec += ns % NS_PER_SEC;
	if (ts->tv_nsec >= (long)NS_PER_SEC) {
		ts->tv_sec++;
		ts->tv_nsec -= NS_PER_SEC;
	}
}

uint64_t view_ns_between(const struct timespec *a, const struct timespec *b)
{
	int64_t ns = (int64_t)(b->tv_sec - a->tv_sec) * (int64_t)NS_PER_SEC +
		     (b->tv_nsec - a->tv_nsec);

	return ns > 0 ? (uint64_t)ns : 1;
}

int view_parse_schedule(int argc, char **argv, const char *view,
			void (*usage)(FILE *out), struct view_schedule *when)
{
	if (optind < argc) {
		if (!cli_parse_seconds(argv[optind], 86400, &when->interval_ns))
			return cli_bad_usage(usage,
					     "%s: the interval is seconds "
					     "(0.001 to 86400), not '%s'",
					     view, argv[optind]);
		optind++;
	}
	if (optind < argc) {
		if (!cli_parse_u32(argv[optind], &when->count) || !when->count)
			return cli_bad_usage(usage,
					     "%s: the count is a number of "
					     "reports, not '%s'",
					     view, argv[optind]);
		optind++;
	}
	if (optind < argc)
		return cli_bad_usage(usage, "%s: unexpected '%s'", view,
				     argv[optind]);
	return 0;
}

enum cli_backend view_choose_backend(struct cli_source *choice,
				     uint64_t interval_ns)
{
	if (choice->backend != CLI_BACKEND_AUTO)
		return choice->backend;
	choice->suggest_bpf = !interval_ns;
	if (!access("/sys/module/vmexit_stat", F_OK) || !interval_ns)
		return CLI_BACKEND_MODULE;
	return CLI_BACKEND_BPF;
}

void view_suggest_bpf(const struct cli_source *choice, bool have_bpf,
		      const char *what)
{
	if (choice->suggest_bpf && have_bpf &&
	    access("/sys/module/vmexit_stat", F_OK))
		fprintf(stderr,
			"vmexit-stat: or follow %s with BPF: --backend bpf, "
			"or give an interval\n",
			what);
}

void view_format_usage(FILE *out)
{
	fprintf(out,
		"  -j, --json          JSON: one document, or with an interval "
		"one object\n"
		"                      a line (JSON Lines)\n"
		"      --ndjson        one JSON object a line, the totals too\n"
		"      --csv           CSV: a header, then a row per counter "
		"(per interval)\n");
}

int view_format_option(enum view_format *format, int opt,
		       void (*usage)(FILE *out))
{
	static const char *const names[] = {
		[VIEW_JSON] = "--json",
		[VIEW_NDJSON] = "--ndjson",
		[VIEW_CSV] = "--csv",
	};
	enum view_format chosen;

	switch (opt) {
	case 'j':
		chosen = VIEW_JSON;
		break;
	case VIEW_OPT_NDJSON:
		chosen = VIEW_NDJSON;
		break;
	case VIEW_OPT_CSV:
		chosen = VIEW_CSV;
		break;
	default:
		return -1;
	}
	if (*format != VIEW_TEXT && *format != chosen)
		return cli_bad_usage(usage, "%s and %s: choose one format",
				     names[*format], names[chosen]);
	*format = chosen;
	return 0;
}

int view_print_json(struct json_object *doc, bool one_line)
{
	int status;

	if (!one_line) {
		status = cli_print_json(doc);
	} else if (!doc) {
		fprintf(stderr, "vmexit-stat: out of memory\n");
		status = 1;
	} else {
		printf("%s\n",
		       json_object_to_json_string_ext(
			       doc, JSON_C_TO_STRING_PLAIN |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(doc);
		status = 0;
	}
	fflush(stdout);
	return status;
}

static int run_intervals(const struct view_run *run)
{
	const struct view_ops *ops = run->ops;
	void *before = run->snap[0], *now = run->snap[1], *swap;
	struct timespec before_at, now_at, deadline;
	uint32_t done = 0;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &before_at);
	status = ops->read(run->ctx, before);
	if (status)
		return status;
	deadline = before_at;
	while (!run->when.count || done < run->when.count) {
		/* from the first read on, however long the reads take */
		view_timespec_add_ns(&deadline, run->when.interval_ns);
		if (!view_sleep_until(&deadline))
			break;
		clock_gettime(CLOCK_MONOTONIC, &now_at);
		status = ops->read(run->ctx, now);
		if (status)
			break;
		status = ops->report_change(run->ctx, before, now,
					    view_ns_between(&before_at,
							    &now_at));
		ops->snapshot_free(before);
		swap = before;
		before = now;
		now = swap;
		before_at = now_at;
		if (status)
			break;
		done++;
		if (run->format == VIEW_TEXT &&
		    (!run->when.count || done < run->when.count))
			fputc('\n', stdout);
	}
	ops->snapshot_free(before);
	return status;
}

static int run_totals(const struct view_run *run)
{
	void *snap = run->snap[0];
	int status;

	if (run->wait_message) {
		fprintf(stderr, "vmexit-stat: %s; Ctrl-C to stop\n",
			run->wait_message);
		view_wait_for_stop();
	}
	status = run->ops->read(run->ctx, snap);
	if (!status) {
		status = run->ops->report_totals(run->ctx, snap);
		run->ops->snapshot_free(snap);
	}
	return status;
}

int view_run(const struct view_run *run)
{
	struct view_stop saved;
	int status;

	view_catch_stop(&saved);
	if (run->when.interval_ns)
		status = run_intervals(run);
	else
		status = run_totals(run);
	view_release_stop(&saved);
	return status;
}
