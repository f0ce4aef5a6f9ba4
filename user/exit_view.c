// SPDX-License-Identifier: GPL-2.0
/*
 * The reading, narrowing and repeating that show and latency share: the
 * module's counters or the BPF backend's, once or every interval.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "csv_out.h"
#include "exit_reasons.h"
#include "exit_view.h"
#include "json_out.h"
#include "latency.h"
#include "record.h"
#include "views.h"

/* The unit tests and builds without BPF link no backend. */
#pragma weak bpf_backend_collect
#pragma weak bpf_backend_read

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NS_PER_SEC 1000000000ULL

static const struct {
	const char *name;
	enum exit_sort sort;
} sort_keys[] = {
	{ "count", EXIT_SORT_COUNT },	{ "time", EXIT_SORT_TIME },
	{ "avg", EXIT_SORT_AVG },	{ "p99", EXIT_SORT_P99 },
	{ "max", EXIT_SORT_MAX },	{ "user", EXIT_SORT_USER },
	{ "reason", EXIT_SORT_REASON },
};

static bool add_reason(struct exit_reason_filter *reasons, uint32_t isa,
		       uint32_t code)
{
	if (reasons->nr == EXIT_VIEW_MAX_REASONS)
		return false;
	reasons->reason[reasons->nr].isa = isa;
	reasons->reason[reasons->nr].code = code;
	reasons->nr++;
	return true;
}

/* One name or hex code: false when neither ISA knows it. */
static bool parse_one_reason(struct exit_reason_filter *reasons,
			     const char *name, bool *full)
{
	static const uint32_t isas[] = { VMEXIT_STAT_ISA_VMX,
					 VMEXIT_STAT_ISA_SVM };
	unsigned int code;
	bool known = false;
	char *end;
	size_t i;

	if (!strncasecmp(name, "0x", 2) && name[2]) {
		unsigned long value = strtoul(name + 2, &end, 16);

		if (*end || value > UINT32_MAX)
			return false;
		for (i = 0; i < ARRAY_SIZE(isas); i++)
			*full |= !add_reason(reasons, isas[i], value);
		return true;
	}
	for (i = 0; i < ARRAY_SIZE(isas); i++) {
		if (!exit_reason_code(isas[i], name, &code))
			continue;
		known = true;
		*full |= !add_reason(reasons, isas[i], code);
	}
	return known;
}

int exit_view_parse_reasons(struct exit_reason_filter *reasons, const char *arg,
			    void (*usage)(FILE *out))
{
	char *list = strdup(arg), *name, *save = NULL;
	bool full = false;
	int status = 0;

	if (!list) {
		fprintf(stderr, "vmexit-stat: out of memory\n");
		return 1;
	}
	for (name = strtok_r(list, ",", &save); name && !status;
	     name = strtok_r(NULL, ",", &save))
		if (!parse_one_reason(reasons, name, &full))
			status = cli_bad_usage(
				usage,
				"--reason: no VMX or SVM exit reason is named "
				"'%s'; use the names show prints (cpuid, "
				"io, hlt, msr, EPT_VIOLATION, ...) or a code "
				"in hex (0x7b)",
				name);
	if (!status && !reasons->nr)
		status = cli_bad_usage(usage, "--reason wants a name, not '%s'",
				       arg);
	if (!status && full)
		status = cli_bad_usage(usage,
				       "--reason: at most %d reasons "
				       "(a name of both ISAs counts twice)",
				       EXIT_VIEW_MAX_REASONS);
	free(list);
	return status;
}

bool exit_reason_filter_match(const struct exit_reason_filter *reasons,
			      uint32_t isa, uint32_t code)
{
	unsigned int i;

	if (!reasons->nr)
		return true;
	for (i = 0; i < reasons->nr; i++)
		if (reasons->reason[i].isa == isa &&
		    reasons->reason[i].code == code)
			return true;
	return false;
}

int exit_view_parse_sort(enum exit_sort *sort, const char *arg,
			 void (*usage)(FILE *out))
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sort_keys); i++) {
		if (!strcmp(arg, sort_keys[i].name)) {
			*sort = sort_keys[i].sort;
			return 0;
		}
	}
	return cli_bad_usage(usage,
			     "--sort: no key '%s'; the keys are count, time, "
			     "avg, p99, max, user and reason",
			     arg);
}

int exit_view_parse_top(size_t *top, const char *arg, void (*usage)(FILE *out))
{
	uint32_t value;

	if (!cli_parse_u32(arg, &value) || !value)
		return cli_bad_usage(usage,
				     "--top wants a number of rows (1 or "
				     "more), not '%s'",
				     arg);
	*top = value;
	return 0;
}

static uint64_t sort_value(const struct exit_count *exit, enum exit_sort sort)
{
	switch (sort) {
	case EXIT_SORT_TIME:
		return exit->latency.sum_ns;
	case EXIT_SORT_AVG:
		return latency_avg_ns(&exit->latency);
	case EXIT_SORT_P99:
		return latency_percentile_ns(&exit->latency, 99);
	case EXIT_SORT_MAX:
		return exit->latency.max_ns;
	case EXIT_SORT_USER:
		return exit->user_count;
	case EXIT_SORT_COUNT:
	case EXIT_SORT_REASON:
		break;
	}
	return exit->count;
}

static int cmp_by_name(const struct exit_count *a, const struct exit_count *b)
{
	char buf_a[16], buf_b[16];
	int cmp;

	cmp = strcasecmp(
		exit_reason_label(a->isa, a->code, buf_a, sizeof(buf_a)),
		exit_reason_label(b->isa, b->code, buf_b, sizeof(buf_b)));
	if (cmp)
		return cmp;
	if (a->isa != b->isa)
		return a->isa < b->isa ? -1 : 1;
	if (a->flags != b->flags)
		return a->flags < b->flags ? -1 : 1;
	return 0;
}

static int cmp_exits(const void *pa, const void *pb, void *psort)
{
	const struct exit_count *a = pa, *b = pb;
	enum exit_sort sort = *(const enum exit_sort *)psort;
	uint64_t va, vb;

	if (sort == EXIT_SORT_REASON)
		return cmp_by_name(a, b);
	va = sort_value(a, sort);
	vb = sort_value(b, sort);
	if (va != vb)
		return va > vb ? -1 : 1;
	/* ties in a fixed order, so that reports compare line by line */
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return cmp_by_name(a, b);
}

void exit_stats_sort(struct exit_stats *stats, enum exit_sort sort)
{
	size_t i, j;

	for (i = 0; i < stats->nr_vms; i++) {
		struct vm_stats *vm = &stats->vms[i];

		qsort_r(vm->exits, vm->nr_exits, sizeof(*vm->exits), cmp_exits,
			&sort);
		for (j = 0; j < vm->nr_vcpus; j++)
			qsort_r(vm->vcpus[j].exits, vm->vcpus[j].nr_exits,
				sizeof(*vm->vcpus[j].exits), cmp_exits, &sort);
	}
}

void exit_stats_keep_top(struct exit_stats *stats, size_t top)
{
	size_t i, j;

	if (!top)
		return;
	for (i = 0; i < stats->nr_vms; i++) {
		struct vm_stats *vm = &stats->vms[i];

		if (vm->nr_exits > top)
			vm->nr_exits = top;
		if (vm->nr_user_exits > top)
			vm->nr_user_exits = top;
		for (j = 0; j < vm->nr_vcpus; j++) {
			if (vm->vcpus[j].nr_exits > top)
				vm->vcpus[j].nr_exits = top;
			if (vm->vcpus[j].nr_user_exits > top)
				vm->vcpus[j].nr_user_exits = top;
		}
	}
}

int exit_view_build(const struct exit_view *view,
		    const struct exit_stats_input *in, struct exit_stats *stats)
{
	struct exit_stats_input narrowed = *in;
	struct vmexit_record *exits = NULL;
	size_t i, nr = 0;
	int err;

	if (view->reasons.nr) {
		exits = calloc(in->nr_exits ? in->nr_exits : 1, sizeof(*exits));
		if (!exits)
			return -ENOMEM;
		for (i = 0; i < in->nr_exits; i++)
			if (exit_reason_filter_match(&view->reasons,
						     in->exits[i].isa,
						     in->exits[i].code))
				exits[nr++] = in->exits[i];
		narrowed.exits = exits;
		narrowed.nr_exits = nr;
		/* returns to user space have KVM_EXIT_* reasons, not these */
		narrowed.user_exits = NULL;
		narrowed.nr_user_exits = 0;
	}
	err = exit_stats_build(&narrowed, stats);
	free(exits);
	if (err)
		return err;
	exit_stats_sort(stats, view->sort);
	exit_stats_keep_top(stats, view->top);
	return 0;
}

void exit_view_csv_start(struct csv_row *row, const char *kind,
			 const struct exit_report *report,
			 const struct vm_stats *vm,
			 const struct vcpu_stats *vcpu)
{
	char vm_id[20];

	vm_id_format(vm->vm_id, vm_id, sizeof(vm_id));
	csv_str(row, kind);
	csv_double(row, (double)report->time_ns / NS_PER_SEC, 3);
	if (report->interval_ns)
		csv_double(row, (double)report->interval_ns / NS_PER_SEC, 3);
	else
		csv_empty(row);
	csv_str(row, report->bpf ? "bpf" : "module");
	csv_u64(row, vm->pid);
	csv_str(row, vm->name);
	csv_str(row, vm_id);
	if (vcpu)
		csv_u64(row, vcpu->vcpu_id);
	else
		csv_empty(row);
}

bool exit_view_json_when(struct json_object *doc,
			 const struct exit_report *report)
{
	bool ok = true;

	if (report->interval_ns)
		ok &= json_add(doc, "interval_ns",
			       json_object_new_uint64(report->interval_ns));
	else
		ok &= json_add_null(doc, "interval_ns");
	ok &= json_add(doc, "time_ns", json_object_new_uint64(report->time_ns));
	return ok;
}

static uint64_t realtime_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (uint64_t)now.tv_sec * NS_PER_SEC + now.tv_nsec;
}

/* Builds a report of records and hands it to the view's printer. */
static int report(struct exit_view *view, struct exit_stats_input in,
		  const struct vmexit_info *info, uint64_t interval_ns)
{
	struct exit_stats stats;
	struct exit_report rep = {
		.stats = &stats,
		.info = info,
		.bpf = view->src.backend == CLI_BACKEND_BPF,
		.interval_ns = interval_ns,
		.time_ns = realtime_ns(),
	};
	int status;

	if (exit_view_build(view, &in, &stats)) {
		fprintf(stderr, "vmexit-stat: out of memory\n");
		return 1;
	}
	exit_stats_name_vms(&stats, "/proc");
	status = view->print(view, &rep);
	fflush(stdout);
	exit_stats_free(&stats);
	return status;
}

static struct exit_stats_input read_input(const struct module_read *read,
					  bool add_idle_vms)
{
	return (struct exit_stats_input){
		.exits = read->exits.rec,
		.nr_exits = read->exits.nr,
		.user_exits = read->user_exits.rec,
		.nr_user_exits = read->user_exits.nr,
		.vms = read->vms.rec,
		.nr_vms = read->vms.nr,
		.add_idle_vms = add_idle_vms,
	};
}

/* Reading every interval: the source's state, for view_run(). */
struct exit_follow {
	struct exit_view *view;
	struct vmexit_client *client; /* the module; or */
	struct bpf_reader *reader; /* the BPF programs, attached */
};

static int follow_read(void *ctx, void *snap)
{
	struct exit_follow *follow = ctx;
	struct module_read *read = snap;
	struct bpf_collection got = {};
	int err;

	memset(read, 0, sizeof(*read));
	if (follow->client)
		return module_read(follow->client, &follow->view->filter, read);
	err = bpf_backend_read(follow->reader, &follow->view->filter, &got);
	if (err) {
		fprintf(stderr, "vmexit-stat: reading the BPF maps: %s\n",
			strerror(-err));
		bpf_collection_free(&got);
		return 1;
	}
	read->info = got.info;
	read->exits = got.exits;
	read->user_exits = got.user_exits;
	read->vms = got.vms;
	vmexit_details_free(&got.details);
	return 0;
}

/* view_run() asks for totals only without an interval: not here. */
static int follow_totals(void *ctx, const void *snap)
{
	const struct module_read *read = snap;
	struct exit_follow *follow = ctx;

	return report(follow->view,
		      read_input(read, !follow->view->filter.by_vcpu),
		      &read->info, 0);
}

static int follow_change(void *ctx, const void *before_snap,
			 const void *now_snap, uint64_t interval_ns)
{
	const struct module_read *before = before_snap, *now = now_snap;
	struct exit_follow *follow = ctx;
	struct module_read delta = { .vms = now->vms };
	int status = 1;

	if (record_exits_delta(&before->exits, &now->exits, &delta.exits) ||
	    record_user_exits_delta(&before->user_exits, &now->user_exits,
				    &delta.user_exits)) {
		fprintf(stderr, "vmexit-stat: out of memory\n");
		goto free_delta;
	}
	record_info_delta(&before->info, &now->info, &delta.info);
	/* what happened in the interval: no VM without a change */
	status = report(follow->view, read_input(&delta, false), &delta.info,
			interval_ns);
free_delta:
	vmexit_records_free(&delta.exits);
	vmexit_user_records_free(&delta.user_exits);
	return status;
}

static void follow_free(void *snap)
{
	module_read_free(snap);
}

static const struct view_ops follow_ops = {
	.read = follow_read,
	.report_totals = follow_totals,
	.report_change = follow_change,
	.snapshot_free = follow_free,
};

static int follow(struct exit_follow *follow)
{
	struct module_read snaps[2];
	struct view_run run = {
		.ops = &follow_ops,
		.ctx = follow,
		.when = follow->view->when,
		.format = follow->view->format,
		.snap = { &snaps[0], &snaps[1] },
	};

	return view_run(&run);
}

static int follow_while_attached(struct bpf_reader *reader, void *ctx)
{
	struct exit_follow *state = ctx;

	state->reader = reader;
	return follow(state);
}

/* The BPF backend's one collection (for --interval, CMD or Ctrl-C). */
static int print_collection(struct bpf_collection *got, void *ctx)
{
	struct module_read read = {
		.info = got->info,
		.exits = got->exits,
		.user_exits = got->user_exits,
		.vms = got->vms,
	};

	return report(ctx, read_input(&read, false), &got->info, 0);
}

static int run_module_once(struct exit_view *view)
{
	struct vmexit_client client;
	struct module_read read = {};
	int status;

	if (vmexit_connect(&client))
		return 1;
	if (cli_check_vm(&client, &view->filter, false)) {
		vmexit_client_close(&client);
		return 1;
	}
	status = module_read(&client, &view->filter, &read);
	/*
	 * A VM that made no exit yet is shown too, but not when asked for
	 * one vCPU or some reasons: the VM list knows neither.
	 */
	if (!status)
		status = report(view,
				read_input(&read, !view->filter.by_vcpu &&
							  !view->reasons.nr),
				&read.info, 0);
	module_read_free(&read);
	vmexit_client_close(&client);
	return status;
}

int exit_view_parse(struct exit_view *view, int argc, char **argv,
		    const char *name, void (*usage)(FILE *out))
{
	static const struct option options[] = {
		VIEW_FORMAT_LONG_OPTIONS,
		{ "vcpus", no_argument, NULL, 'c' },
		{ "vm", required_argument, NULL, 'p' },
		{ "vm-id", required_argument, NULL, CLI_OPT_VM_ID },
		{ "vcpu", required_argument, NULL, CLI_OPT_VCPU },
		{ "reason", required_argument, NULL, 'r' },
		{ "sort", required_argument, NULL, 's' },
		{ "top", required_argument, NULL, 't' },
		CLI_SOURCE_LONG_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, status;

	optind = 0; /* a full getopt reset, for callers that run us twice */
	while ((opt = getopt_long(argc, argv,
				  "jcp:r:s:t:h" CLI_SOURCE_SHORT_OPTIONS,
				  options, NULL)) != -1) {
		status = cli_source_option(&view->src, opt, optarg, usage);
		if (status < 0)
			status = view_format_option(&view->format, opt, usage);
		if (status < 0)
			status = cli_filter_option(&view->filter, opt, optarg,
						   usage);
		if (status >= 0) {
			if (status)
				return status;
			continue;
		}
		status = 0;
		switch (opt) {
		case 'c':
			view->per_vcpu = true;
			break;
		case 'r':
			status = exit_view_parse_reasons(&view->reasons, optarg,
							 usage);
			break;
		case 's':
			status = exit_view_parse_sort(&view->sort, optarg,
						      usage);
			break;
		case 't':
			status = exit_view_parse_top(&view->top, optarg, usage);
			break;
		case 'h':
			usage(stdout);
			return EXIT_VIEW_HELP;
		default:
			usage(stderr);
			return 2;
		}
		if (status)
			return status;
	}
	if (view->needs_latency && view->src.how.counts_only)
		return cli_bad_usage(usage,
				     "%s: --counts-only leaves no latency to "
				     "show",
				     name);
	return exit_view_finish(view, argc, argv, name, usage);
}

int exit_view_finish(struct exit_view *view, int argc, char **argv,
		     const char *name, void (*usage)(FILE *out))
{
	int status;

	if (optind < argc && strcmp(argv[optind - 1], "--")) {
		status = view_parse_schedule(argc, argv, name, usage,
					     &view->when);
		if (status)
			return status;
		view->src.periodic = true;
	}
	return cli_source_finish(&view->src, argc, argv, name, usage);
}

int exit_view_run(struct exit_view *view)
{
	struct exit_follow state = { .view = view };
	struct vmexit_client client;
	int status;

	if (view->src.backend == CLI_BACKEND_BPF && !view->when.interval_ns)
		return cli_run_bpf(&view->src, &view->filter, print_collection,
				   view);
	if (view->src.backend == CLI_BACKEND_BPF) {
		struct bpf_collect how = view->src.how;
		struct bpf_collection got = {};

		if (!bpf_backend_collect) {
			fprintf(stderr,
				"vmexit-stat: this build has no BPF backend\n");
			return 1;
		}
		if (cli_check_vm(NULL, &view->filter, true))
			return 1;
		how.while_attached = follow_while_attached;
		how.ctx = &state;
		status = bpf_backend_collect(&how, &view->filter, &got);
		bpf_collection_free(&got);
		return status;
	}
	if (!view->when.interval_ns) {
		status = run_module_once(view);
		if (status)
			cli_suggest_bpf(&view->src);
		return status;
	}
	if (vmexit_connect(&client))
		return 1;
	/* a live view: a VMM may make its VM later */
	if (cli_check_vm(&client, &view->filter, true)) {
		vmexit_client_close(&client);
		return 1;
	}
	state.client = &client;
	status = follow(&state);
	vmexit_client_close(&client);
	return status;
}
