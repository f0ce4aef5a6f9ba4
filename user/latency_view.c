// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat latency: where the time of VM exits goes.  The same
 * counters as show (exit_view.c), but per reason the time spent in
 * exits, its share, and the latency percentiles, costliest first.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "csv_out.h"
#include "exit_stats.h"
#include "exit_view.h"
#include "json_out.h"
#include "latency.h"

static void latency_usage(FILE *out)
{
	fprintf(out,
		"usage: vmexit-stat latency [--json|--ndjson|--csv] [--vcpus] "
		"[--vm PID|NAME]\n"
		"                           [--vm-id ID] [--vcpu N] "
		"[--reason NAME[,NAME]]\n"
		"                           [--sort KEY] [--top N] "
		"[--backend module|bpf|auto]\n"
		"                           [interval [count] | --interval SEC "
		"| -- CMD...]\n"
		"\n"
		"Where the time of VM exits goes: per VM and exit reason the "
		"exits timed\n"
		"(kvm_exit to the next kvm_entry), the time spent in them and "
		"its share,\n"
		"the average, the estimated p50, p90, p99 and p99.9, and the "
		"maximum;\n"
		"then the round trips through user space by KVM_EXIT_* "
		"reason.  Costliest\n"
		"first.  With an interval: every interval the exits of that "
		"interval.\n"
		"\n");
	view_format_usage(out);
	fprintf(out,
		"  -c, --vcpus         add a table per vCPU (CSV: rows per "
		"vCPU instead)\n"
		"  -p, --vm PID|NAME   only the VMs of this VMM process, or the "
		"VM of this name\n"
		"      --vm-id ID      only the VM with this vm_id (hex, as "
		"shown)\n"
		"      --vcpu N        only vCPU N (of every VM shown)\n"
		"  -r, --reason NAMES  only these exit reasons (comma-separated, "
		"or hex codes)\n"
		"  -s, --sort KEY      time (default), count, avg, p99, max, "
		"user, reason\n"
		"  -t, --top N         only the first N reasons of each table\n"
		"  -b, --backend B     module, bpf, or auto (default): the "
		"module when it\n"
		"                      is loaded, else BPF when given an "
		"interval or CMD\n"
		"  -i, --interval SEC  BPF: count for SEC seconds\n"
		"      --max-counters N  BPF: size of the counter maps "
		"(default 10240)\n"
		"  -- CMD...           BPF: count while CMD runs\n"
		"  -h, --help          show this help\n"
		"\n"
		"The module times exits while 'vmexit-stat config' says "
		"latency on.\n"
		"\n"
		"Exit status: 0 when the latencies were printed, 1 when they "
		"could not be\n"
		"read, 2 for a bad command line.\n"
		"\n"
		"Examples:\n"
		"  vmexit-stat latency                    # since the module "
		"loaded\n"
		"  vmexit-stat latency --top 3 1 5        # the 3 costliest "
		"reasons, 5 s\n"
		"  vmexit-stat latency --vm labvm --reason EPT_VIOLATION --vcpus\n"
		"  vmexit-stat latency --backend bpf --csv -- fio job.fio "
		">lat.csv\n");
}

#define NS_PER_SEC 1e9

/* The time in exits of a table: the share of each row is of this. */
static uint64_t table_time_ns(const struct exit_count *exits, size_t nr)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < nr; i++)
		sum += exits[i].latency.sum_ns;
	return sum;
}

static uint64_t table_timed(const struct exit_count *exits, size_t nr)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < nr; i++)
		sum += exits[i].latency.count;
	return sum;
}

static uint64_t round_trips_timed(const struct user_exit_count *exits,
				  size_t nr)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < nr; i++)
		sum += exits[i].round_trip.count;
	return sum;
}

static double share(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * part / whole : 0.0;
}

/* Text. */

static void print_ns(FILE *out, uint64_t ns, bool none)
{
	char buf[16];

	fprintf(out, " %8s", latency_format_ns(ns, none, buf, sizeof(buf)));
}

static void print_percentiles(FILE *out, const struct vmexit_latency *lat)
{
	bool none = !lat->count;

	print_ns(out, latency_avg_ns(lat), none);
	print_ns(out, latency_percentile_ns(lat, 50), none);
	print_ns(out, latency_percentile_ns(lat, 90), none);
	print_ns(out, latency_percentile_ns(lat, 99), none);
	print_ns(out, latency_percentile_ns(lat, 99.9), none);
	print_ns(out, lat->max_ns, none);
}

static void print_header(FILE *out, const char *indent, const char *what)
{
	fprintf(out, "%s%-20s %10s %8s %6s %8s %8s %8s %8s %8s %8s\n", indent,
		what, "count", "time", "%time", "avg", "p50", "p90", "p99",
		"p99.9", "max");
}

static void print_table(FILE *out, const char *indent,
			const struct exit_count *exits, size_t nr,
			const struct user_exit_count *user_exits,
			size_t nr_user)
{
	uint64_t time_ns = table_time_ns(exits, nr);
	char reason[16], when[16];
	size_t i;

	/* a row without a timed sample would be dashes: JSON and CSV keep it */
	if (table_timed(exits, nr))
		print_header(out, indent, "exit reason");
	for (i = 0; i < nr; i++) {
		const struct vmexit_latency *lat = &exits[i].latency;

		if (!lat->count)
			continue;
		fprintf(out, "%s%-20s %10" PRIu64 " %8s %6.2f", indent,
			exit_reason_label(exits[i].isa, exits[i].code, reason,
					  sizeof(reason)),
			lat->count,
			latency_format_ns(lat->sum_ns, !lat->count, when,
					  sizeof(when)),
			share(lat->sum_ns, time_ns));
		print_percentiles(out, lat);
		fputc('\n', out);
	}
	if (round_trips_timed(user_exits, nr_user)) {
		fputc('\n', out);
		print_header(out, indent, "round trip via user");
	}
	for (i = 0; i < nr_user; i++) {
		const struct vmexit_latency *lat = &user_exits[i].round_trip;

		if (!lat->count)
			continue;

		fprintf(out, "%s%-20s %10" PRIu64 " %8s %6s", indent,
			user_exit_label(user_exits[i].code, reason,
					sizeof(reason)),
			lat->count,
			latency_format_ns(lat->sum_ns, !lat->count, when,
					  sizeof(when)),
			"");
		print_percentiles(out, lat);
		fputc('\n', out);
	}
}

static void print_text(const struct exit_view *view,
		       const struct exit_report *rep)
{
	const struct exit_stats *stats = rep->stats;
	uint64_t timed = 0;
	char when[16];
	size_t i, j;

	if (rep->interval_ns) {
		time_t at = rep->time_ns / 1000000000ULL;
		struct tm tm;

		strftime(when, sizeof(when), "%H:%M:%S", localtime_r(&at, &tm));
		printf("%s  over %.3f s\n", when,
		       rep->interval_ns / NS_PER_SEC);
	}
	if (!stats->nr_vms)
		printf("no VM exits counted\n");
	for (i = 0; i < stats->nr_vms; i++) {
		const struct vm_stats *vm = &stats->vms[i];
		uint64_t vm_timed = table_timed(vm->exits, vm->nr_exits);

		timed += vm_timed;
		if (i)
			putchar('\n');
		printf("VM pid %" PRIu32 " (%s): %" PRIu64
		       " exits timed, %s in "
		       "exits\n",
		       vm->pid, vm->name[0] ? vm->name : "?", vm_timed,
		       latency_format_ns(table_time_ns(vm->exits, vm->nr_exits),
					 false, when, sizeof(when)));
		print_table(stdout, "  ", vm->exits, vm->nr_exits,
			    vm->user_exits, vm->nr_user_exits);
		for (j = 0; view->per_vcpu && j < vm->nr_vcpus; j++) {
			const struct vcpu_stats *vcpu = &vm->vcpus[j];

			printf("\n  vCPU %" PRIu32 " (tid %" PRIu32 ")\n",
			       vcpu->vcpu_id, vcpu->tid);
			print_table(stdout, "    ", vcpu->exits, vcpu->nr_exits,
				    vcpu->user_exits, vcpu->nr_user_exits);
		}
	}
	if (stats->total && !timed)
		printf("\nno exit was timed: the module times them while "
		       "'vmexit-stat config --latency on'\n");
}

/* JSON: the latencies alone, with p99.9 too. */

static struct json_object *lat_json(const struct vmexit_latency *lat)
{
	struct json_object *obj = latency_json(lat);

	if (obj &&
	    !json_add_u64(obj, "p999_ns", latency_percentile_ns(lat, 99.9))) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static bool add_tables(struct json_object *obj, const struct exit_count *exits,
		       size_t nr, const struct user_exit_count *user_exits,
		       size_t nr_user)
{
	struct json_object *rows = json_object_new_array();
	struct json_object *user_rows = json_object_new_array();
	uint64_t time_ns = table_time_ns(exits, nr);
	char isa[16], reason[16];
	bool ok = true;
	size_t i;

	for (i = 0; i < nr; i++) {
		struct json_object *row = json_object_new_object();

		ok &= json_add(row, "isa",
			       json_object_new_string(exit_isa_label(
				       exits[i].isa, isa, sizeof(isa))));
		ok &= json_add(row, "reason",
			       json_object_new_string(exit_reason_label(
				       exits[i].isa, exits[i].code, reason,
				       sizeof(reason))));
		ok &= json_add(row, "code",
			       json_object_new_int64(exits[i].code));
		ok &= json_add(row, "flags",
			       json_object_new_int64(exits[i].flags));
		ok &= json_add_u64(row, "count", exits[i].count);
		ok &= json_add(row, "time_share_pct",
			       json_object_new_double(share(
				       exits[i].latency.sum_ns, time_ns)));
		ok &= json_add(row, "latency", lat_json(&exits[i].latency));
		ok &= json_append(rows, row);
	}
	for (i = 0; i < nr_user; i++) {
		struct json_object *row = json_object_new_object();

		ok &= json_add(
			row, "reason",
			json_object_new_string(user_exit_label(
				user_exits[i].code, reason, sizeof(reason))));
		ok &= json_add(row, "code",
			       json_object_new_int64(user_exits[i].code));
		ok &= json_add_u64(row, "count", user_exits[i].count);
		ok &= json_add(row, "round_trip",
			       lat_json(&user_exits[i].round_trip));
		ok &= json_append(user_rows, row);
	}
	ok &= json_add_u64(obj, "time_ns", time_ns);
	ok &= json_add(obj, "exits", rows);
	ok &= json_add(obj, "user_exits", user_rows);
	return ok;
}

static struct json_object *vm_json(const struct vm_stats *vm)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *vcpus = json_object_new_array();
	char vm_id[20];
	bool ok = true;
	size_t i;

	vm_id_format(vm->vm_id, vm_id, sizeof(vm_id));
	ok &= json_add(obj, "pid", json_object_new_int64(vm->pid));
	ok &= json_add(obj, "vm_id", json_object_new_string(vm_id));
	ok &= json_add(obj, "name", json_object_new_string(vm->name));
	ok &= json_add_u64(obj, "total", vm->total);
	ok &= add_tables(obj, vm->exits, vm->nr_exits, vm->user_exits,
			 vm->nr_user_exits);
	for (i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu_stats *vcpu = &vm->vcpus[i];
		struct json_object *v = json_object_new_object();

		ok &= json_add(v, "vcpu", json_object_new_int64(vcpu->vcpu_id));
		ok &= json_add(v, "tid", json_object_new_int64(vcpu->tid));
		ok &= json_add_u64(v, "total", vcpu->total);
		ok &= add_tables(v, vcpu->exits, vcpu->nr_exits,
				 vcpu->user_exits, vcpu->nr_user_exits);
		ok &= json_append(vcpus, v);
	}
	ok &= json_add(obj, "vcpus", vcpus);
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *report_json(const struct exit_report *rep)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *vms = json_object_new_array();
	bool ok = true;
	size_t i;

	for (i = 0; i < rep->stats->nr_vms; i++)
		ok &= json_append(vms, vm_json(&rep->stats->vms[i]));
	ok &= json_add(doc, "backend",
		       json_object_new_string(rep->bpf ? "bpf" : "module"));
	ok &= exit_view_json_when(doc, rep);
	ok &= json_add(doc, "vms", vms);
	if (!ok) {
		json_object_put(doc);
		return NULL;
	}
	return doc;
}

/* CSV: a row per reason and table. */

static const char *const csv_header[] = {
	"kind",	  "time",   "interval_s", "backend",	    "vm_pid", "vm_name",
	"vm_id",  "vcpu",   "isa",	  "reason",	    "code",   "flags",
	"count",  "timed",  "time_ns",	  "time_share_pct", "avg_ns", "p50_ns",
	"p90_ns", "p99_ns", "p999_ns",	  "min_ns",	    "max_ns", NULL,
};

static void csv_lat(struct csv_row *row, const struct vmexit_latency *lat)
{
	csv_u64(row, latency_avg_ns(lat));
	csv_u64(row, latency_percentile_ns(lat, 50));
	csv_u64(row, latency_percentile_ns(lat, 90));
	csv_u64(row, latency_percentile_ns(lat, 99));
	csv_u64(row, latency_percentile_ns(lat, 99.9));
	csv_u64(row, lat->min_ns);
	csv_u64(row, lat->max_ns);
}

static void csv_tables(struct csv_row *row, const struct exit_report *rep,
		       const struct vm_stats *vm, const struct vcpu_stats *vcpu,
		       const struct exit_count *exits, size_t nr,
		       const struct user_exit_count *user_exits, size_t nr_user)
{
	uint64_t time_ns = table_time_ns(exits, nr);
	char isa[16], reason[16];
	size_t i;

	for (i = 0; i < nr; i++) {
		const struct vmexit_latency *lat = &exits[i].latency;

		exit_view_csv_start(row, "exit", rep, vm, vcpu);
		csv_str(row, exit_isa_label(exits[i].isa, isa, sizeof(isa)));
		csv_str(row, exit_reason_label(exits[i].isa, exits[i].code,
					       reason, sizeof(reason)));
		csv_u64(row, exits[i].code);
		csv_u64(row, exits[i].flags);
		csv_u64(row, exits[i].count);
		csv_u64(row, lat->count);
		csv_u64(row, lat->sum_ns);
		csv_double(row, share(lat->sum_ns, time_ns), 2);
		csv_lat(row, lat);
		csv_end(row);
	}
	for (i = 0; i < nr_user; i++) {
		const struct vmexit_latency *lat = &user_exits[i].round_trip;

		exit_view_csv_start(row, "user_exit", rep, vm, vcpu);
		csv_empty(row);
		csv_str(row, user_exit_label(user_exits[i].code, reason,
					     sizeof(reason)));
		csv_u64(row, user_exits[i].code);
		csv_empty(row);
		csv_u64(row, user_exits[i].count);
		csv_u64(row, lat->count);
		csv_u64(row, lat->sum_ns);
		csv_empty(row);
		csv_lat(row, lat);
		csv_end(row);
	}
}

static void print_csv(struct exit_view *view, const struct exit_report *rep)
{
	struct csv_row row = { .out = stdout };
	size_t i, j;

	if (!view->csv_header_done) {
		csv_names(stdout, csv_header);
		view->csv_header_done = true;
	}
	for (i = 0; i < rep->stats->nr_vms; i++) {
		const struct vm_stats *vm = &rep->stats->vms[i];

		if (!view->per_vcpu) {
			csv_tables(&row, rep, vm, NULL, vm->exits, vm->nr_exits,
				   vm->user_exits, vm->nr_user_exits);
			continue;
		}
		for (j = 0; j < vm->nr_vcpus; j++)
			csv_tables(&row, rep, vm, &vm->vcpus[j],
				   vm->vcpus[j].exits, vm->vcpus[j].nr_exits,
				   vm->vcpus[j].user_exits,
				   vm->vcpus[j].nr_user_exits);
	}
}

static int latency_print(struct exit_view *view, const struct exit_report *rep)
{
	switch (view->format) {
	case VIEW_TEXT:
		print_text(view, rep);
		return 0;
	case VIEW_CSV:
		print_csv(view, rep);
		return 0;
	case VIEW_JSON:
	case VIEW_NDJSON:
		break;
	}
	return view_print_json(report_json(rep),
			       view_json_one_line(view->format,
						  rep->interval_ns));
}

int cmd_latency(int argc, char **argv)
{
	struct exit_view view = {
		.print = latency_print,
		.sort = EXIT_SORT_TIME,
		.needs_latency = true,
	};
	int status;

	status = exit_view_parse(&view, argc, argv, "latency", latency_usage);
	if (status)
		return status == EXIT_VIEW_HELP ? 0 : status;
	return exit_view_run(&view);
}
