// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat show and reset: the module's counters, read and cleared
 * over generic netlink, or the same counters made for a while by the BPF
 * backend (bpf_backend.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bpf_backend.h"
#include "cli.h"
#include "commands.h"
#include "csv_out.h"
#include "exit_stats.h"
#include "exit_view.h"
#include "genl_client.h"
#include "json_out.h"
#include "latency.h"
#include "views.h"

static void show_usage(FILE *out)
{
	fprintf(out,
		"usage: vmexit-stat show [--json|--ndjson|--csv] [--vcpus] "
		"[--vm PID|NAME]\n"
		"                        [--vm-id ID] [--vcpu N] "
		"[--reason NAME[,NAME]]\n"
		"                        [--sort KEY] [--top N] "
		"[--backend module|bpf|auto]\n"
		"                        [interval [count] | --interval SEC | "
		"-- CMD...]\n"
		"\n"
		"Prints the VM-exit counters of the vmexit_stat module: per "
		"VM (the pid\n"
		"of its VMM process) a table of exit reasons with count, "
		"share, how many\n"
		"went on to user space, and the exit latency (kvm_exit to "
		"the next\n"
		"kvm_entry: average, estimated p50 and p99, maximum); then "
		"the returns to\n"
		"user space by KVM_EXIT_* reason with their round trip.\n"
		"\n"
		"With an interval (seconds, 0.5 is fine): every interval the "
		"exits made\n"
		"over it, count times or until Ctrl-C, from either backend.\n"
		"\n"
		"The BPF backend makes the same counters without the module, "
		"but only while\n"
		"it is attached: every interval, for SEC seconds, while CMD "
		"runs, or until\n"
		"Ctrl-C.\n"
		"\n");
	view_format_usage(out);
	fprintf(out,
		"  -c, --vcpus         add a table per vCPU (CSV: rows per "
		"vCPU instead)\n"
		"  -p, --vm PID|NAME   only the VMs of this VMM process, or the VM\n"
		"                      of this name (QEMU -name, Firecracker --id, ...)\n"
		"      --vm-id ID      only the VM with this vm_id (hex, "
		"as shown)\n"
		"      --vcpu N        only vCPU N (of every VM shown)\n"
		"  -r, --reason NAMES  only these exit reasons (comma-separated, "
		"as shown,\n"
		"                      or hex codes); hides the returns to "
		"user space\n"
		"  -s, --sort KEY      order of the reasons: count (default), "
		"time (spent\n"
		"                      in exits), avg, p99, max, user, reason\n"
		"  -t, --top N         only the first N reasons of each table\n");
	cli_source_usage(out);
	fprintf(out,
		"  -h, --help          show this help\n"
		"\n"
		"Exit status: 0 when the counters were printed, 1 when they "
		"could not be\n"
		"read, 2 for a bad command line.\n"
		"\n"
		"Examples:\n"
		"  vmexit-stat show                     # every VM since the "
		"module loaded\n"
		"  vmexit-stat show --vm labvm --vcpus  # one VM, per vCPU too\n"
		"  vmexit-stat show --top 5 --sort time 1 10\n"
		"                      # the 5 costliest reasons, every second, "
		"10 times\n"
		"  vmexit-stat show --ndjson --reason hlt,io 2 >exits.jsonl\n"
		"  vmexit-stat show --backend bpf --csv -- ./benchmark.sh\n");
}

static void reset_usage(FILE *out)
{
	fprintf(out,
		"usage: vmexit-stat reset\n"
		"\n"
		"Forgets every counter of the vmexit_stat module, for every "
		"VM, and the\n"
		"VMs that have ended.  Needs CAP_NET_ADMIN.\n"
		"\n"
		"The BPF backend has nothing to reset: its counters live only "
		"while\n"
		"'vmexit-stat show --backend bpf' runs.\n"
		"\n"
		"  -h, --help      show this help\n"
		"\n"
		"Examples:\n"
		"  sudo vmexit-stat reset   # start a lab exercise from zero\n"
		"  sudo vmexit-stat record -- ./exercise.sh\n"
		"                  # or count one command without a reset\n"
		"\n"
		"Exit status: 0 when the counters were reset; 1 on failure "
		"(no module\n"
		"loaded, no CAP_NET_ADMIN); 2 for a bad command line.\n");
}

static const char *const show_csv_header[] = {
	"kind",
	"time",
	"interval_s",
	"backend",
	"vm_pid",
	"vm_name",
	"vm_id",
	"vcpu",
	"isa",
	"reason",
	"code",
	"flags",
	"count",
	"rate_per_s",
	"share_pct",
	"user_count",
	"latency_count",
	"latency_sum_ns",
	"latency_avg_ns",
	"latency_p50_ns",
	"latency_p99_ns",
	"latency_max_ns",
	NULL,
};

static void csv_latency(struct csv_row *row, const struct vmexit_latency *lat)
{
	csv_u64(row, lat->count);
	csv_u64(row, lat->sum_ns);
	csv_u64(row, latency_avg_ns(lat));
	csv_u64(row, latency_percentile_ns(lat, 50));
	csv_u64(row, latency_percentile_ns(lat, 99));
	csv_u64(row, lat->max_ns);
}

static void csv_rate(struct csv_row *row, uint64_t count,
		     const struct exit_report *rep)
{
	if (rep->interval_ns)
		csv_double(row, count * 1e9 / rep->interval_ns, 3);
	else
		csv_empty(row);
}

static void csv_table(struct csv_row *row, const struct exit_report *rep,
		      const struct vm_stats *vm, const struct vcpu_stats *vcpu,
		      const struct exit_count *exits, size_t nr,
		      const struct user_exit_count *user_exits, size_t nr_user,
		      uint64_t total)
{
	char isa[16], reason[16];
	size_t i;

	for (i = 0; i < nr; i++) {
		const struct exit_count *exit = &exits[i];

		exit_view_csv_start(row, "exit", rep, vm, vcpu);
		csv_str(row, exit_isa_label(exit->isa, isa, sizeof(isa)));
		csv_str(row, exit_reason_label(exit->isa, exit->code, reason,
					       sizeof(reason)));
		csv_u64(row, exit->code);
		csv_u64(row, exit->flags);
		csv_u64(row, exit->count);
		csv_rate(row, exit->count, rep);
		csv_double(row, total ? 100.0 * exit->count / total : 0.0, 2);
		if (exit->has_latency) {
			csv_u64(row, exit->user_count);
			csv_latency(row, &exit->latency);
		}
		csv_end(row);
	}
	for (i = 0; i < nr_user; i++) {
		const struct user_exit_count *exit = &user_exits[i];

		exit_view_csv_start(row, "user_exit", rep, vm, vcpu);
		csv_empty(row);
		csv_str(row,
			user_exit_label(exit->code, reason, sizeof(reason)));
		csv_u64(row, exit->code);
		csv_empty(row);
		csv_u64(row, exit->count);
		csv_rate(row, exit->count, rep);
		csv_empty(row);
		csv_empty(row);
		csv_latency(row, &exit->round_trip);
		csv_end(row);
	}
}

static void show_csv(const struct show_output *how,
		     const struct exit_report *rep)
{
	struct csv_row row = { .out = how->out };
	size_t i, j;

	if (how->csv_header)
		csv_names(how->out, show_csv_header);
	for (i = 0; i < rep->stats->nr_vms; i++) {
		const struct vm_stats *vm = &rep->stats->vms[i];

		if (!how->per_vcpu) {
			csv_table(&row, rep, vm, NULL, vm->exits, vm->nr_exits,
				  vm->user_exits, vm->nr_user_exits, vm->total);
			continue;
		}
		for (j = 0; j < vm->nr_vcpus; j++) {
			const struct vcpu_stats *vcpu = &vm->vcpus[j];

			csv_table(&row, rep, vm, vcpu, vcpu->exits,
				  vcpu->nr_exits, vcpu->user_exits,
				  vcpu->nr_user_exits, vcpu->total);
		}
	}
}

static void print_interval_header(FILE *out, const struct exit_report *rep)
{
	time_t at = rep->time_ns / 1000000000ULL;
	double seconds = rep->interval_ns / 1e9;
	char clock[16];
	struct tm tm;

	strftime(clock, sizeof(clock), "%H:%M:%S", localtime_r(&at, &tm));
	fprintf(out, "%s  over %.3f s: %" PRIu64 " exits, %.1f/s\n", clock,
		seconds, rep->stats->total, rep->stats->total / seconds);
}

static struct json_object *reasons_json(const struct exit_reason_filter *f)
{
	struct json_object *names = json_object_new_array();
	char buf[16];
	bool ok = true;
	unsigned int i;

	for (i = 0; i < f->nr; i++)
		ok &= json_append(names,
				  json_object_new_string(exit_reason_label(
					  f->reason[i].isa, f->reason[i].code,
					  buf, sizeof(buf))));
	if (!ok) {
		json_object_put(names);
		return NULL;
	}
	return names;
}

int show_output_print(const struct show_output *how,
		      const struct exit_report *rep)
{
	struct json_object *doc, *filter;
	bool ok;

	switch (how->format) {
	case VIEW_TEXT:
		if (rep->interval_ns)
			print_interval_header(how->out, rep);
		exit_stats_print(how->out, rep->stats, rep->info,
				 how->per_vcpu);
		return 0;
	case VIEW_CSV:
		show_csv(how, rep);
		return 0;
	case VIEW_JSON:
	case VIEW_NDJSON:
		break;
	}
	doc = exit_stats_json(rep->stats, rep->info, how->filter,
			      rep->bpf ? "bpf" : "module");
	if (doc) {
		ok = exit_view_json_when(doc, rep);
		if (how->reasons && how->reasons->nr &&
		    json_object_object_get_ex(doc, "filter", &filter))
			ok &= json_add(filter, "reasons",
				       reasons_json(how->reasons));
		if (!ok) {
			json_object_put(doc);
			doc = NULL;
		}
	}
	if (!doc) {
		fprintf(stderr, "vmexit-stat: out of memory\n");
		return 1;
	}
	if (how->one_line)
		fprintf(how->out, "%s\n",
			json_object_to_json_string_ext(
				doc, JSON_C_TO_STRING_PLAIN |
					     JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		json_doc_print(how->out, doc);
	json_object_put(doc);
	return 0;
}

/* show's printer for exit_view, on standard output. */
static int show_print(struct exit_view *view, const struct exit_report *rep)
{
	struct show_output how = {
		.out = stdout,
		.format = view->format,
		.per_vcpu = view->per_vcpu,
		.one_line = view_json_one_line(view->format, rep->interval_ns),
		.csv_header = !view->csv_header_done,
		.filter = &view->filter,
		.reasons = &view->reasons,
	};

	view->csv_header_done = true;
	return show_output_print(&how, rep);
}

void module_read_free(struct module_read *read)
{
	vmexit_records_free(&read->exits);
	vmexit_user_records_free(&read->user_exits);
	vmexit_vms_free(&read->vms);
}

int module_read(struct vmexit_client *client,
		const struct vmexit_filter *filter, struct module_read *read)
{
	int err;

	err = vmexit_get_info(client, &read->info);
	if (err) {
		cli_report_read_error(client, "get info", err);
		return 1;
	}
	err = vmexit_dump_exits(client, filter, &read->exits);
	if (err) {
		cli_report_read_error(client, "dump exits", err);
		return 1;
	}
	err = vmexit_dump_user_exits(client, filter, &read->user_exits);
	if (err) {
		cli_report_read_error(client, "dump user-space exits", err);
		return 1;
	}
	/* Last, so that every VM of the dumps above is listed. */
	err = vmexit_dump_vms(client, filter, &read->vms);
	if (err) {
		cli_report_read_error(client, "dump VMs", err);
		return 1;
	}
	return 0;
}

int cmd_show(int argc, char **argv)
{
	struct exit_view view = { .print = show_print };
	int status;

	status = exit_view_parse(&view, argc, argv, "show", show_usage);
	if (status)
		return status == EXIT_VIEW_HELP ? 0 : status;
	return exit_view_run(&view);
}

int cmd_reset(int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' }, {}
	};
	struct vmexit_client client;
	int opt, err;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			reset_usage(stdout);
			return 0;
		default:
			reset_usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		return cli_bad_usage(reset_usage, "reset: unexpected '%s'",
				     argv[optind]);

	if (vmexit_connect(&client))
		return 1;
	err = vmexit_reset(&client);
	if (err)
		cli_report_admin_error(&client, "reset", err);
	vmexit_client_close(&client);
	return err ? 1 : 0;
}
