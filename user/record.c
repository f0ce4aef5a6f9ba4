// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat record [-o FILE] [--json|--ndjson|--csv] -- CMD: what the VMs
 * did while CMD ran.  The module's counters run since it was loaded, so
 * they are read before and after CMD and the difference is shown; the
 * BPF programs count only while attached, so they are attached for CMD
 * alone.  Either way the output is show's, and our status is CMD's.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bpf_backend.h"
#include "cli.h"
#include "commands.h"
#include "exit_stats.h"
#include "exit_view.h"
#include "json_out.h"
#include "record.h"
#include "views.h"

/* The unit tests link no BPF backend. */
#pragma weak bpf_backend_collect

static void record_usage(FILE *out)
{
	fprintf(out,
		"usage: vmexit-stat record [-o FILE] [--json|--ndjson|--csv] "
		"[--vcpus]\n"
		"                          [--vm PID|NAME] [--vm-id ID]\n"
		"                          [--vcpu N] "
		"[--backend module|bpf|auto]\n"
		"                          -- CMD [ARGS...]\n"
		"\n"
		"Runs CMD and prints the VM exits made while it ran, as "
		"'vmexit-stat show'\n"
		"does: the change of the module's counters from just before "
		"CMD to just\n"
		"after it (exits made before are not counted), or with BPF "
		"what the\n"
		"programs counted, attached for CMD alone.  SIGINT and "
		"SIGTERM are passed\n"
		"on to CMD.  The exit status is CMD's (128 + the signal that "
		"killed it);\n"
		"1 or 2 when vmexit-stat itself fails or is misused before "
		"CMD runs.\n"
		"\n"
		"  -o, --output FILE   write the report to FILE instead of "
		"standard output\n"
		"  -j, --json          print JSON (show --json's layout)\n"
		"      --ndjson        the same JSON on one line\n"
		"      --csv           CSV, as show --csv (interval_s: how "
		"long CMD ran)\n"
		"  -c, --vcpus         add a table per vCPU\n"
		"  -p, --vm PID|NAME   only the VMs of this VMM process, or "
		"the VM of this\n"
		"                      name\n"
		"      --vm-id ID      only the VM with this vm_id\n"
		"      --vcpu N        only vCPU N\n"
		"  -b, --backend B     module, bpf, or auto (default): the "
		"module when it\n"
		"                      is loaded, else BPF\n"
		"  -h, --help          show this help\n"
		"\n"
		"Examples:\n"
		"  sudo vmexit-stat record -o boot.json --json -- "
		"virsh start web01\n"
		"                                    # what starting web01 made, as JSON\n"
		"  sudo vmexit-stat record --vm web01 --vcpus -- ssh web01 make -j4\n"
		"                                    # one VM's exits per vCPU during a build\n"
		"  sudo vmexit-stat record --backend bpf -- sleep 10   # no module: 10 s\n");
}

static uint64_t sub_or_0(uint64_t now, uint64_t before)
{
	return now > before ? now - before : 0;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/* The order of an exit counter's key: (VM, vCPU, isa, code, flags). */
static int cmp_exit(const void *pa, const void *pb)
{
	const struct vmexit_record *a =
		*(const struct vmexit_record *const *)pa;
	const struct vmexit_record *b =
		*(const struct vmexit_record *const *)pb;

	return cmp_u64(a->vm_pid, b->vm_pid)	       ?:
		       cmp_u64(a->vm_id, b->vm_id)     ?:
		       cmp_u64(a->per_vm, b->per_vm)   ?:
		       cmp_u64(a->vcpu_id, b->vcpu_id) ?:
		       cmp_u64(a->isa, b->isa)	       ?:
		       cmp_u64(a->code, b->code)       ?:
		       cmp_u64(a->flags, b->flags);
}

static int cmp_user_exit(const void *pa, const void *pb)
{
	const struct vmexit_user_record *a =
		*(const struct vmexit_user_record *const *)pa;
	const struct vmexit_user_record *b =
		*(const struct vmexit_user_record *const *)pb;

	return cmp_u64(a->vm_pid, b->vm_pid)	       ?:
		       cmp_u64(a->vm_id, b->vm_id)     ?:
		       cmp_u64(a->per_vm, b->per_vm)   ?:
		       cmp_u64(a->vcpu_id, b->vcpu_id) ?:
		       cmp_u64(a->reason, b->reason);
}

/*
 * The records of before sorted by key, to find each of after's in
 * O(log n): a view that follows 10240 counters every interval would
 * otherwise compare 10^8 pairs each time.  NULL when out of memory.
 */
static const void **sorted_index(const void *recs, size_t nr, size_t size,
				 int (*cmp)(const void *, const void *))
{
	const void **index = calloc(nr ? nr : 1, sizeof(*index));
	size_t i;

	if (!index)
		return NULL;
	for (i = 0; i < nr; i++)
		index[i] = (const char *)recs + i * size;
	qsort(index, nr, sizeof(*index), cmp);
	return index;
}

int record_exits_delta(const struct vmexit_records *before,
		       const struct vmexit_records *after,
		       struct vmexit_records *out)
{
	const void **index = sorted_index(before->rec, before->nr,
					  sizeof(*before->rec), cmp_exit);
	int err = 0;
	size_t i;

	if (!index)
		return -ENOMEM;
	for (i = 0; i < after->nr && !err; i++) {
		const struct vmexit_record *now = &after->rec[i];
		const struct vmexit_record *const *found;
		struct vmexit_record diff = *now;

		found = bsearch(&now, index, before->nr, sizeof(*index),
				cmp_exit);
		if (found && now->count >= (*found)->count) {
			const struct vmexit_record *old = *found;

			diff.count = now->count - old->count;
			diff.user_count =
				sub_or_0(now->user_count, old->user_count);
			diff.user_ns = sub_or_0(now->user_ns, old->user_ns);
			sched_latency_delta(&old->latency, &now->latency,
					    &diff.latency);
		}
		if (diff.count || diff.user_count)
			err = vmexit_records_add(out, &diff) ? -ENOMEM : 0;
	}
	free(index);
	return err;
}

int record_user_exits_delta(const struct vmexit_user_records *before,
			    const struct vmexit_user_records *after,
			    struct vmexit_user_records *out)
{
	const void **index = sorted_index(before->rec, before->nr,
					  sizeof(*before->rec), cmp_user_exit);
	int err = 0;
	size_t i;

	if (!index)
		return -ENOMEM;
	for (i = 0; i < after->nr && !err; i++) {
		const struct vmexit_user_record *now = &after->rec[i];
		const struct vmexit_user_record *const *found;
		struct vmexit_user_record diff = *now;

		found = bsearch(&now, index, before->nr, sizeof(*index),
				cmp_user_exit);
		if (found && now->count >= (*found)->count) {
			diff.count = now->count - (*found)->count;
			sched_latency_delta(&(*found)->round_trip,
					    &now->round_trip, &diff.round_trip);
		}
		if (diff.count)
			err = vmexit_user_records_add(out, &diff) ? -ENOMEM : 0;
	}
	free(index);
	return err;
}

void record_info_delta(const struct vmexit_info *before,
		       const struct vmexit_info *after, struct vmexit_info *out)
{
	*out = *after;
#define DELTA(field) (out->field = sub_or_0(after->field, before->field))
	DELTA(exits_seen);
	DELTA(entries_seen);
	DELTA(user_exits_seen);
	DELTA(exits_dropped);
	DELTA(dropped_no_vcpu_slot);
	DELTA(dropped_no_reason_slot);
	DELTA(dropped_unreadable);
	DELTA(details_dropped);
	DELTA(events_dropped);
	DELTA(sched_switches_seen);
	DELTA(sched_missed);
	DELTA(markers_seen);
	DELTA(markers_unmatched);
	DELTA(phases_dropped);
#undef DELTA
}

static volatile sig_atomic_t command_pid;

static void forward_signal(int sig)
{
	if (command_pid > 0)
		kill(command_pid, sig);
}

int record_run_command(char **cmd)
{
	struct sigaction sa = { .sa_handler = forward_signal };
	struct sigaction old_int, old_term;
	int status, err = 0;
	pid_t child;

	/* Handlers first: a signal right after fork() must reach CMD. */
	sigemptyset(&sa.sa_mask);
	command_pid = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	fflush(NULL);
	child = fork();
	if (child < 0) {
		err = -errno;
		goto restore;
	}
	if (!child) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		execvp(cmd[0], cmd);
		fprintf(stderr, "vmexit-stat: cannot run '%s': %s\n", cmd[0],
			strerror(errno));
		_exit(127);
	}
	command_pid = child;
	while (waitpid(child, &status, 0) < 0) {
		if (errno != EINTR) {
			err = -errno;
			goto restore;
		}
	}
	if (WIFEXITED(status))
		err = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		err = 128 + WTERMSIG(status);
restore:
	command_pid = 0;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return err;
}

struct record_opts {
	struct vmexit_filter filter;
	enum cli_backend backend;
	const char *output;
	FILE *out;
	enum view_format format;
	bool per_vcpu;
	char **cmd;
	uint64_t cmd_ns; /* how long CMD ran */
};

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Runs CMD as record_run_command() does, timing it into opts. */
static int run_timed(struct record_opts *opts)
{
	uint64_t start = monotonic_ns();
	int status = record_run_command(opts->cmd);

	opts->cmd_ns = monotonic_ns() - start;
	return status;
}

/*
 * Where the report goes, opened before CMD runs so that a FILE we cannot
 * write fails at once, not after CMD did its work; NULL after saying why.
 */
static FILE *open_output(const char *path)
{
	FILE *out;

	if (!path)
		return stdout;
	out = fopen(path, "w");
	if (!out)
		fprintf(stderr, "vmexit-stat: cannot write %s: %s\n", path,
			strerror(errno));
	return out;
}

/* 0, or 1 after saying why. */
static int close_output(const char *path, FILE *out)
{
	bool failed = ferror(out);

	if (out == stdout)
		failed |= fflush(out) != 0;
	else
		failed |= fclose(out) != 0;
	if (failed) {
		fprintf(stderr, "vmexit-stat: writing %s failed\n",
			path ? path : "the report");
		return 1;
	}
	return 0;
}

/* Prints what was counted during CMD as show does; 0 or 1. */
static int print_report(const struct record_opts *opts,
			const struct exit_stats_input *in,
			const struct vmexit_info *info, bool bpf)
{
	struct exit_stats stats;
	FILE *out = opts->out;
	int status;

	if (exit_stats_build(in, &stats)) {
		fprintf(stderr, "vmexit-stat: out of memory\n");
		return 1;
	}
	exit_stats_name_vms(&stats, "/proc");
	status = show_output_print(
		&(struct show_output){
			.out = out,
			.format = opts->format,
			.per_vcpu = opts->per_vcpu,
			.one_line = opts->format == VIEW_NDJSON,
			.csv_header = true,
			.filter = &opts->filter,
		},
		&(struct exit_report){
			.stats = &stats,
			.info = info,
			.bpf = bpf,
			.interval_ns = opts->cmd_ns ? opts->cmd_ns : 1,
			.time_ns = realtime_ns(),
		});
	exit_stats_free(&stats);
	return status;
}

/* CMD's status once it ran; 1 when we failed before or after it. */
static int record_module(struct record_opts *opts)
{
	struct module_read before = {}, after = {};
	struct vmexit_records exits = {};
	struct vmexit_user_records user_exits = {};
	struct vmexit_info info;
	struct vmexit_client client;
	int cmd_status, status = 1;

	if (vmexit_connect(&client))
		return 1;
	/* A live VMM's VM may be made while CMD runs. */
	if (cli_check_vm(&client, &opts->filter, true))
		goto out;
	if (module_read(&client, &opts->filter, &before))
		goto out;
	cmd_status = run_timed(opts);
	if (cmd_status < 0) {
		fprintf(stderr, "vmexit-stat: running '%s' failed: %s\n",
			opts->cmd[0], strerror(-cmd_status));
		goto out;
	}
	if (module_read(&client, &opts->filter, &after))
		goto out;
	if (record_exits_delta(&before.exits, &after.exits, &exits) ||
	    record_user_exits_delta(&before.user_exits, &after.user_exits,
				    &user_exits)) {
		fprintf(stderr, "vmexit-stat: out of memory\n");
		goto out;
	}
	record_info_delta(&before.info, &after.info, &info);
	status = print_report(opts,
			      &(struct exit_stats_input){
				      .exits = exits.rec,
				      .nr_exits = exits.nr,
				      .user_exits = user_exits.rec,
				      .nr_user_exits = user_exits.nr,
				      .vms = after.vms.rec,
				      .nr_vms = after.vms.nr,
			      },
			      &info, false);
	if (!status)
		status = cmd_status;
out:
	vmexit_records_free(&exits);
	vmexit_user_records_free(&user_exits);
	module_read_free(&before);
	module_read_free(&after);
	vmexit_client_close(&client);
	return status;
}

/* bpf_collect's while_attached: CMD's status becomes cmd_status. */
static int run_while_attached(struct bpf_reader *reader, void *ctx)
{
	struct record_opts *opts = ctx;
	int status;

	(void)reader;
	status = run_timed(opts);
	if (status < 0) {
		fprintf(stderr, "vmexit-stat: running '%s' failed: %s\n",
			opts->cmd[0], strerror(-status));
		return -1;
	}
	return status;
}

static int record_bpf(struct record_opts *opts)
{
	struct bpf_collect how = {
		.while_attached = run_while_attached,
		.ctx = opts,
	};
	struct bpf_collection got = {};
	int status;

	if (!bpf_backend_collect) {
		fprintf(stderr, "vmexit-stat: this build has no BPF backend\n");
		return 1;
	}
	if (cli_check_vm(NULL, &opts->filter, true))
		return 1;
	status = bpf_backend_collect(&how, &opts->filter, &got);
	if (!status && got.cmd_status < 0)
		status = 1;
	if (!status)
		status =
			print_report(opts,
				     &(struct exit_stats_input){
					     .exits = got.exits.rec,
					     .nr_exits = got.exits.nr,
					     .user_exits = got.user_exits.rec,
					     .nr_user_exits = got.user_exits.nr,
					     .vms = got.vms.rec,
					     .nr_vms = got.vms.nr,
				     },
				     &got.info, true);
	if (!status)
		status = got.cmd_status;
	bpf_collection_free(&got);
	return status;
}

int cmd_record(int argc, char **argv)
{
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		VIEW_FORMAT_LONG_OPTIONS,
		{ "vcpus", no_argument, NULL, 'c' },
		{ "vm", required_argument, NULL, 'p' },
		{ "vm-id", required_argument, NULL, CLI_OPT_VM_ID },
		{ "vcpu", required_argument, NULL, CLI_OPT_VCPU },
		{ "backend", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct record_opts opts = { .backend = CLI_BACKEND_AUTO };
	int opt, status;

	optind = 0;
	/* "+": stop at CMD, whose options are its own. */
	while ((opt = getopt_long(argc, argv, "+o:jcp:b:h", options, NULL)) !=
	       -1) {
		switch (opt) {
		case 'o':
			if (!optarg[0])
				return cli_bad_usage(record_usage,
						     "-o wants a file name");
			opts.output = optarg;
			break;
		case 'c':
			opts.per_vcpu = true;
			break;
		case 'b':
			if (!strcmp(optarg, "module"))
				opts.backend = CLI_BACKEND_MODULE;
			else if (!strcmp(optarg, "bpf"))
				opts.backend = CLI_BACKEND_BPF;
			else if (!strcmp(optarg, "auto"))
				opts.backend = CLI_BACKEND_AUTO;
			else
				return cli_bad_usage(record_usage,
						     "--backend wants module, "
						     "bpf or auto, not '%s'",
						     optarg);
			break;
		case 'h':
			record_usage(stdout);
			return 0;
		default:
			status = view_format_option(&opts.format, opt,
						    record_usage);
			if (status < 0)
				status = cli_filter_option(&opts.filter, opt,
							   optarg,
							   record_usage);
			if (status >= 0) {
				if (status)
					return status;
				break;
			}
			record_usage(stderr);
			return 2;
		}
	}
	if (optind >= argc)
		return cli_bad_usage(record_usage,
				     "record: which command? -- CMD [ARGS...]");
	/* getopt took the "--" that must come before CMD. */
	if (strcmp(argv[optind - 1], "--"))
		return cli_bad_usage(record_usage,
				     "record: '--' before the command, "
				     "not '%s'",
				     argv[optind]);
	opts.cmd = argv + optind;

	if (opts.backend == CLI_BACKEND_AUTO)
		opts.backend = access("/sys/module/vmexit_stat", F_OK) ?
				       CLI_BACKEND_BPF :
				       CLI_BACKEND_MODULE;
	opts.out = open_output(opts.output);
	if (!opts.out)
		return 1;
	if (opts.backend == CLI_BACKEND_BPF)
		status = record_bpf(&opts);
	else
		status = record_module(&opts);
	if (close_output(opts.output, opts.out) && !status)
		status = 1;
	return status;
}
