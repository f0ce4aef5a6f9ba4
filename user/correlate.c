// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat correlate: while a workload marked with phase markers runs
 * in a guest, follows its phases on the host and prints one table of
 * what changed since it began: per VM and phase the duration, the
 * workload's own result (from `vmexit-stat bench --json` lines), exits
 * per second by top reasons, exit latency percentiles and steal.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "exit_stats.h"
#include "json_out.h"
#include "latency.h"
#include "phase_views.h"
#include "phases_bpf.h"
#include "view.h"

/* See phases.c: a build without the BPF backend says so. */
#pragma weak phases_bpf_open
#pragma weak phases_bpf_read
#pragma weak phases_bpf_close

#define NS_PER_SEC 1000000000ULL
#define POLL_NS 200000000ULL
#define TOP_REASONS 3

static void correlate_usage(FILE *out)
{
	fprintf(out,
		"usage: vmexit-stat correlate [--vm PID|NAME | --vm-id ID] [-o FILE] "
		"[--json]\n"
		"                             [--results FILE] [--time S]\n"
		"                             [--backend module|bpf|auto]\n"
		"\n"
		"Follows the phases a guest marks (vmexit-stat bench "
		"--markers in the\n"
		"guest) from now until Ctrl-C, --time S seconds, or the end "
		"of the VMs it\n"
		"follows, then prints one row per VM and phase seen meanwhile: "
		"its\n"
		"duration, the workload's result, exits per second and their "
		"top reasons,\n"
		"exit latency percentiles and steal (run delay while in the "
		"phase).\n"
		"\n"
		"  -p, --vm PID|NAME   only the VM of this VMM process, or of\n"
		"                      the VM of this name\n"
		"      --vm-id ID      only the VM with this vm_id (hex, "
		"as shown)\n"
		"  -o, --output FILE   write the table to FILE (replaced "
		"whole) instead\n"
		"      --results FILE  the workload's results: lines of "
		"'vmexit-stat bench\n"
		"                      --json' output, among any other "
		"text (a console log)\n"
		"  -j, --json          one JSON object\n"
		"  -t, --time S        stop after S seconds (fractions "
		"allowed)\n"
		"  -b, --backend B     module, bpf, or auto (default): the "
		"module when it\n"
		"                      is loaded, else BPF\n"
		"  -h, --help          show this help\n"
		"\n"
		"See Documentation/correlate.rst for what each column "
		"means.\n"
		"\n"
		"Examples:\n"
		"  sudo vmexit-stat correlate --vm web01     # its phases, until Ctrl-C\n"
		"  sudo vmexit-stat correlate --vm web01 --time 60 -o phases.txt   # a minute\n"
		"  sudo vmexit-stat correlate --vm web01 --results console.log --json\n"
		"                                   # with the workload's results, as JSON\n"
		"\n"
		"Exit status: 0 ok; 1 on failure (no module loaded and no BPF, no\n"
		"permission, no such VM, an unreadable --results); 2 for a bad\n"
		"command line.\n");
}

/* Results */

static bool copy_string(struct json_object *obj, const char *key, char *buf,
			size_t len)
{
	struct json_object *val;

	buf[0] = '\0';
	if (!json_object_object_get_ex(obj, key, &val) ||
	    !json_object_is_type(val, json_type_string))
		return false;
	snprintf(buf, len, "%s", json_object_get_string(val));
	return true;
}

/* The line's object, or NULL: all of it from its first '{' on. */
static struct json_object *line_object(const char *line)
{
	const char *start = strchr(line, '{');
	struct json_tokener *tok;
	struct json_object *obj;
	size_t len, end;

	if (!start)
		return NULL;
	len = strlen(start);
	tok = json_tokener_new();
	if (!tok)
		return NULL;
	obj = json_tokener_parse_ex(tok, start, (int)len);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!obj)
		return NULL;
	while (end < len && strchr(" \t\r\n", start[end]))
		end++;
	if (end != len || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

/* 1 when obj is a result with a phase id, 0 when it is none. */
static int result_from(struct json_object *obj, struct correlate_result *res)
{
	struct json_object *id, *result, *value;
	int64_t phase_id;

	memset(res, 0, sizeof(*res));
	if (!json_object_object_get_ex(obj, "phase_id", &id) ||
	    !json_object_is_type(id, json_type_int))
		return 0;
	phase_id = json_object_get_int64(id);
	if (phase_id < 0 || phase_id > VMEXIT_STAT_PHASE_ID_MAX)
		return 0;
	res->phase_id = (uint32_t)phase_id;
	copy_string(obj, "workload", res->workload, sizeof(res->workload));
	copy_string(obj, "mode", res->mode, sizeof(res->mode));
	if (json_object_object_get_ex(obj, "result", &result) &&
	    json_object_is_type(result, json_type_object) &&
	    json_object_object_get_ex(result, "value", &value) &&
	    (json_object_is_type(value, json_type_double) ||
	     json_object_is_type(value, json_type_int)) &&
	    copy_string(result, "unit", res->unit, sizeof(res->unit))) {
		res->has_value = true;
		res->value = json_object_get_double(value);
	}
	return 1;
}

static int results_add(struct correlate_results *results,
		       const struct correlate_result *res)
{
	struct correlate_result *grown;
	size_t i;

	for (i = 0; i < results->nr; i++) {
		if (results->rec[i].phase_id == res->phase_id) {
			results->rec[i] = *res;
			return 0;
		}
	}
	grown = reallocarray(results->rec, results->nr + 1, sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	results->rec = grown;
	results->rec[results->nr++] = *res;
	return 0;
}

int correlate_results_read(FILE *in, struct correlate_results *out)
{
	char *line = NULL;
	size_t cap = 0;
	int err = 0;

	while (!err && getline(&line, &cap, in) >= 0) {
		struct json_object *obj = line_object(line);
		struct correlate_result res;

		if (!obj)
			continue;
		if (result_from(obj, &res))
			err = results_add(out, &res);
		json_object_put(obj);
	}
	if (!err && ferror(in))
		err = -EIO;
	free(line);
	return err;
}

void correlate_results_free(struct correlate_results *results)
{
	free(results->rec);
	memset(results, 0, sizeof(*results));
}

static const struct correlate_result *
find_result(const struct correlate_results *results, uint32_t phase_id)
{
	size_t i;

	for (i = 0; results && i < results->nr; i++)
		if (results->rec[i].phase_id == phase_id)
			return &results->rec[i];
	return NULL;
}

/* The table */

static bool active_in_window(const struct vmexit_phase *d)
{
	return d->starts || d->ends || d->active_ns || d->exits || d->wait_ns;
}

/* Per row while building: what the duration is made of. */
struct row_times {
	uint64_t first_start_ns; /* 0: no vCPU started in the window */
	uint64_t last_end_ns; /* 0: none ended in the window */
	uint32_t active_vcpus;
	bool started_before; /* a vCPU was in it when the window began */
};

static void finish_duration(struct correlate_row *row,
			    const struct row_times *t, uint64_t window_start_ns)
{
	uint64_t start = t->first_start_ns && !t->started_before ?
				 t->first_start_ns :
				 window_start_ns;

	row->sum.last_start_ns = t->first_start_ns;
	row->sum.last_end_ns = t->last_end_ns;
	if (!row->sum.open && t->last_end_ns && t->last_end_ns > start) {
		row->span = true;
		row->duration_ns = t->last_end_ns - start;
		return;
	}
	row->span = false;
	row->duration_ns =
		t->active_vcpus ? row->sum.active_ns / t->active_vcpus : 0;
}

static int row_order(const void *a, const void *b)
{
	const struct correlate_row *x = a, *y = b;

	if (x->sum.vm_pid != y->sum.vm_pid)
		return x->sum.vm_pid < y->sum.vm_pid ? -1 : 1;
	if (x->sum.vm_id != y->sum.vm_id)
		return x->sum.vm_id < y->sum.vm_id ? -1 : 1;
	return x->sum.phase_id < y->sum.phase_id ?
		       -1 :
		       x->sum.phase_id > y->sum.phase_id;
}

int correlate_build(const struct vmexit_phases *before,
		    const struct vmexit_phases *now, uint64_t window_start_ns,
		    const struct correlate_results *results,
		    struct correlate_table *out)
{
	struct vmexit_phases delta = {};
	struct row_times *times = NULL;
	size_t i, j;
	int err;

	memset(out, 0, sizeof(*out));
	err = phases_delta(before, now, &delta);
	if (!err && delta.nr) {
		out->rec = calloc(delta.nr, sizeof(*out->rec));
		times = calloc(delta.nr, sizeof(*times));
		if (!out->rec || !times)
			err = -ENOMEM;
	}
	for (i = 0; !err && i < delta.nr; i++) {
		const struct vmexit_phase *d = &delta.rec[i];
		struct correlate_row *row;
		struct row_times *t;

		if (!active_in_window(d))
			continue;
		for (j = 0; j < out->nr; j++) {
			const struct vmexit_phase *s = &out->rec[j].sum;

			if (s->vm_pid == d->vm_pid && s->vm_id == d->vm_id &&
			    s->phase_id == d->phase_id)
				break;
		}
		row = &out->rec[j];
		t = &times[j];
		if (j == out->nr) {
			row->sum.vm_pid = d->vm_pid;
			row->sum.vm_id = d->vm_id;
			row->sum.phase_id = d->phase_id;
			out->nr++;
		}
		row->vcpus++;
		phase_add(&row->sum, d);
		if (d->active_ns)
			t->active_vcpus++;
		if (d->starts && d->last_start_ns &&
		    (!t->first_start_ns ||
		     d->last_start_ns < t->first_start_ns))
			t->first_start_ns = d->last_start_ns;
		if (d->ends && d->last_end_ns > t->last_end_ns)
			t->last_end_ns = d->last_end_ns;
		if (!d->starts)
			t->started_before = true;
	}
	for (i = 0; !err && i < out->nr; i++) {
		finish_duration(&out->rec[i], &times[i], window_start_ns);
		out->rec[i].result =
			find_result(results, out->rec[i].sum.phase_id);
	}
	/* times[] is in the rows' first order: sorted only now */
	if (!err && out->nr)
		qsort(out->rec, out->nr, sizeof(out->rec[0]), row_order);
	free(times);
	vmexit_phases_free(&delta);
	if (err)
		correlate_table_free(out);
	return err;
}

void correlate_table_free(struct correlate_table *table)
{
	free(table->rec);
	memset(table, 0, sizeof(*table));
}

double correlate_per_s(const struct correlate_row *row, uint64_t count)
{
	if (!row->duration_ns)
		return 0;
	return (double)count * 1e9 / (double)row->duration_ns;
}

double correlate_steal_pct(const struct correlate_row *row)
{
	if (!row->sum.active_ns)
		return NAN;
	return 100.0 * (double)row->sum.wait_ns / (double)row->sum.active_ns;
}

/* JSON */

/* As printed: decimals fixed, so that the JSON says what the text says. */
static bool add_fixed(struct json_object *obj, const char *key, double value,
		      int decimals)
{
	char text[48];

	if (isnan(value))
		return json_add_null(obj, key);
	snprintf(text, sizeof(text), "%.*f", decimals, value);
	return json_add(obj, key,
			json_object_new_double_s(strtod(text, NULL), text));
}

static struct json_object *top_json(const struct correlate_row *row)
{
	struct json_object *arr = json_object_new_array();
	size_t top[TOP_REASONS];
	size_t i, nr = phase_top_exits(&row->sum, top, TOP_REASONS);
	bool ok = true;

	for (i = 0; i < nr; i++) {
		const struct vmexit_phase_exit *e = &row->sum.exit[top[i]];
		struct json_object *obj = phase_exit_json(e);

		ok &= add_fixed(obj, "per_s", correlate_per_s(row, e->count),
				1);
		ok &= json_append(arr, obj);
	}
	if (!ok) {
		json_object_put(arr);
		return NULL;
	}
	return arr;
}

static struct json_object *row_latency_json(const struct vmexit_latency *lat)
{
	struct json_object *obj = json_object_new_object();
	bool ok = true;

	ok &= json_add_u64(obj, "count", lat->count);
	ok &= json_add_u64(obj, "p50_ns", latency_percentile_ns(lat, 50));
	ok &= json_add_u64(obj, "p90_ns", latency_percentile_ns(lat, 90));
	ok &= json_add_u64(obj, "p99_ns", latency_percentile_ns(lat, 99));
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *result_json(const struct correlate_result *res)
{
	struct json_object *obj = json_object_new_object();
	char value[32];
	bool ok = true;

	if (res->workload[0])
		ok &= json_add(obj, "workload",
			       json_object_new_string(res->workload));
	else
		ok &= json_add_null(obj, "workload");
	if (res->mode[0])
		ok &= json_add(obj, "mode", json_object_new_string(res->mode));
	else
		ok &= json_add_null(obj, "mode");
	if (res->has_value) {
		/* as bench prints it: 10 digits, not json-c's 17 */
		snprintf(value, sizeof(value), "%.10g", res->value);
		ok &= json_add(obj, "value",
			       json_object_new_double_s(res->value, value));
		ok &= json_add(obj, "unit", json_object_new_string(res->unit));
	} else {
		ok &= json_add_null(obj, "value");
		ok &= json_add_null(obj, "unit");
	}
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *row_json(const struct correlate_row *row)
{
	struct json_object *obj = json_object_new_object();
	const struct vmexit_phase *s = &row->sum;
	char vm_id[20], name_buf[24];
	bool ok = true;

	vm_id_format(s->vm_id, vm_id, sizeof(vm_id));
	ok &= json_add_u64(obj, "vm_pid", s->vm_pid);
	ok &= json_add(obj, "vm_id", json_object_new_string(vm_id));
	ok &= json_add_u64(obj, "phase_id", s->phase_id);
	ok &= json_add(obj, "phase",
		       json_object_new_string(phase_name(s->phase_id, name_buf,
							 sizeof(name_buf))));
	ok &= json_add_u64(obj, "vcpus", row->vcpus);
	ok &= json_add(obj, "open", json_object_new_boolean(s->open));
	ok &= json_add_u64(obj, "starts", s->starts);
	ok &= json_add_u64(obj, "ends", s->ends);
	ok &= json_add_u64(obj, "duration_ns", row->duration_ns);
	ok &= json_add(obj, "duration_kind",
		       json_object_new_string(row->span ? "span" :
							  "mean_active"));
	ok &= json_add_u64(obj, "active_ns", s->active_ns);
	ok &= json_add_u64(obj, "exits", s->exits);
	ok &= add_fixed(obj, "exits_per_s", correlate_per_s(row, s->exits), 1);
	ok &= json_add(obj, "top_reasons", top_json(row));
	ok &= json_add_u64(obj, "other_exits", phase_other_exits(s));
	if (s->has_latency)
		ok &= json_add(obj, "latency", row_latency_json(&s->latency));
	else
		ok &= json_add_null(obj, "latency");
	ok &= json_add_u64(obj, "wait_ns", s->wait_ns);
	ok &= add_fixed(obj, "steal_pct", correlate_steal_pct(row), 2);
	if (row->result)
		ok &= json_add(obj, "result", result_json(row->result));
	else
		ok &= json_add_null(obj, "result");
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

struct json_object *correlate_json(const struct correlate_report *report)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	bool ok = true;
	size_t i;

	for (i = 0; ok && i < report->table->nr; i++)
		ok &= json_append(arr, row_json(&report->table->rec[i]));
	ok &= json_add(obj, "backend", json_object_new_string(report->backend));
	ok &= json_add_u64(obj, "window_ns", report->window_ns);
	ok &= phase_markers_json(obj, report->info);
	ok &= json_add(obj, "phases", arr);
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

/* Text */

static const char *fmt_result(const struct correlate_result *res, char *buf,
			      size_t len)
{
	if (!res || !res->has_value)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.2f %s", res->value, res->unit);
	return buf;
}

static void print_row(FILE *out, const struct correlate_row *row)
{
	const struct vmexit_phase *s = &row->sum;
	const struct vmexit_latency *lat = &s->latency;
	char name_buf[24], duration[24], result[48], steal[16], label[64];
	char p50[24], p90[24], p99[24];
	bool none = !s->has_latency || !lat->count;
	double pct = correlate_steal_pct(row);
	size_t top[TOP_REASONS];
	size_t i, nr = phase_top_exits(s, top, TOP_REASONS);

	latency_format_ns(row->duration_ns, false, duration + 1,
			  sizeof(duration) - 1);
	duration[0] = row->span ? ' ' : '*';
	if (isnan(pct))
		snprintf(steal, sizeof(steal), "-");
	else
		snprintf(steal, sizeof(steal), "%.1f%%", pct);
	fprintf(out, "%-8" PRIu32 " %-16s %9s %-20s %10.1f %8s %8s %8s %7s",
		s->vm_pid, phase_name(s->phase_id, name_buf, sizeof(name_buf)),
		duration, fmt_result(row->result, result, sizeof(result)),
		correlate_per_s(row, s->exits),
		latency_format_ns(latency_percentile_ns(lat, 50), none, p50,
				  sizeof(p50)),
		latency_format_ns(latency_percentile_ns(lat, 90), none, p90,
				  sizeof(p90)),
		latency_format_ns(latency_percentile_ns(lat, 99), none, p99,
				  sizeof(p99)),
		steal);
	for (i = 0; i < nr; i++)
		fprintf(out, "%s%s %.1f", i ? ", " : "  ",
			phase_exit_label(&s->exit[top[i]], label,
					 sizeof(label)),
			correlate_per_s(row, s->exit[top[i]].count));
	fputc('\n', out);
}

void correlate_print(FILE *out, const struct correlate_report *report)
{
	static const struct vmexit_info none;
	const struct vmexit_info *info = report->info ? report->info : &none;
	bool any_mean = false;
	char window[24];
	size_t i;

	fprintf(out,
		"%s: phases over %s; phase markers seen %" PRIu64
		", unmatched ends %" PRIu64 ", phases dropped %" PRIu64 "\n\n",
		report->backend,
		latency_format_ns(report->window_ns, false, window,
				  sizeof(window)),
		info->markers_seen, info->markers_unmatched,
		info->phases_dropped);
	if (!report->table->nr) {
		fprintf(out, "no phase in this time%s\n",
			info->markers_seen ? "" :
					     " (no marker seen: run the "
					     "workload with --markers)");
		return;
	}
	fprintf(out, "%-8s %-16s %9s %-20s %10s %8s %8s %8s %7s  %s\n", "PID",
		"PHASE", "DURATION", "RESULT", "EXITS/S", "LAT_P50", "LAT_P90",
		"LAT_P99", "STEAL%", "TOP_REASONS (exits/s)");
	for (i = 0; i < report->table->nr; i++) {
		print_row(out, &report->table->rec[i]);
		any_mean |= !report->table->rec[i].span;
	}
	if (any_mean)
		fprintf(out, "\n* mean time in the phase per vCPU: the phase "
			     "is still open, or no end of it was seen\n");
}

/* The command */

struct correlate_options {
	struct vmexit_filter filter;
	bool json;
	const char *output;
	const char *results;
	uint64_t time_ns; /* 0: no limit */
};

struct followed_vm {
	uint32_t pid;
	uint64_t vm_id;
	bool ended;
	/*
	 * --vm PID before its VM is known (the module has not seen its
	 * vCPUs yet, or BPF no phase of it): ended when the process is.
	 */
	bool by_pid_only;
};

struct correlate_source {
	enum cli_backend backend;
	struct vmexit_client client;
	struct phases_bpf *bpf;
	/* VMs that ran while followed (the module: GET_VMS) */
	struct followed_vm *vms;
	size_t nr_vms;
	/*
	 * Set after the VMs at the start were looked at: a VM already
	 * ended then is not followed, one first seen ended later ran in
	 * the window (between two reads) and is.
	 */
	bool started;
};

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* 0, or 1 after saying why. */
static int source_read(struct correlate_source *src,
		       const struct vmexit_filter *filter,
		       struct vmexit_phases *phases, struct vmexit_info *info)
{
	int err;

	memset(info, 0, sizeof(*info));
	if (src->backend == CLI_BACKEND_BPF) {
		err = phases_bpf_read(src->bpf, filter, phases, info);
		if (err) {
			fprintf(stderr,
				"vmexit-stat: reading the BPF maps: %s\n",
				strerror(-err));
			return 1;
		}
		return 0;
	}
	err = vmexit_get_info(&src->client, info);
	if (!err)
		err = vmexit_dump_phases(&src->client, filter, phases);
	if (err) {
		cli_report_read_error(&src->client, "dump phases", err);
		return 1;
	}
	return 0;
}

/*
 * now holds every phase read so far: a fresh read replaces what it
 * has, and what it lacks (a VM the module forgot) stays.
 */
static int merge_read(struct vmexit_phases *now,
		      const struct vmexit_phases *fresh)
{
	size_t i, j;

	for (i = 0; i < fresh->nr; i++) {
		for (j = 0; j < now->nr; j++)
			if (phase_same_key(&now->rec[j], &fresh->rec[i]))
				break;
		if (j < now->nr)
			now->rec[j] = fresh->rec[i];
		else if (vmexit_phases_add(now, &fresh->rec[i]))
			return -ENOMEM;
	}
	return 0;
}

/*
 * Whether the process, or its thread tid, is alive: signal 0 checks
 * without sending (EPERM: it is there, someone else's).
 */
static bool proc_exists(uint32_t pid, uint32_t tid)
{
	long err;

	if (tid)
		err = syscall(SYS_tgkill, (pid_t)pid, (pid_t)tid, 0);
	else
		err = kill((pid_t)pid, 0);
	return !err || errno == EPERM;
}

static struct followed_vm *find_vm(struct correlate_source *src, uint32_t pid,
				   uint64_t vm_id, bool by_pid_only)
{
	size_t i;

	for (i = 0; i < src->nr_vms; i++)
		if (src->vms[i].pid == pid &&
		    src->vms[i].by_pid_only == by_pid_only &&
		    (by_pid_only || src->vms[i].vm_id == vm_id))
			return &src->vms[i];
	return NULL;
}

static int follow_vm(struct correlate_source *src, uint32_t pid, uint64_t vm_id,
		     bool ended, bool by_pid_only)
{
	struct followed_vm *vm = find_vm(src, pid, vm_id, by_pid_only);
	struct followed_vm *grown;

	if (vm) {
		vm->ended = ended;
		return 0;
	}
	if (ended && !src->started)
		return 0;
	grown = reallocarray(src->vms, src->nr_vms + 1, sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	src->vms = grown;
	src->vms[src->nr_vms++] =
		(struct followed_vm){ pid, vm_id, ended, by_pid_only };
	return 0;
}

/* Whether VMs of the process are known by their own ids now. */
static bool pid_has_vm(const struct correlate_source *src, uint32_t pid)
{
	size_t i;

	for (i = 0; i < src->nr_vms; i++)
		if (src->vms[i].pid == pid && !src->vms[i].by_pid_only)
			return true;
	return false;
}

/*
 * Whether every VM followed has ended: the module says so in GET_VMS
 * (its vCPU threads have all exited); for BPF, none of the VM's vCPU
 * threads seen in the phases is alive, or its process is gone.
 * A --vm PID whose VM is not known yet ends with its process.  Returns
 * 1 ended, 0 not (or none followed yet), -1 after saying why.
 */
static int vms_ended(struct correlate_source *src,
		     const struct vmexit_filter *filter,
		     const struct vmexit_phases *now)
{
	size_t i, j;
	int err = 0;

	if (src->backend == CLI_BACKEND_MODULE) {
		struct vmexit_vms vms = {};

		err = vmexit_dump_vms(&src->client, filter, &vms);
		if (err) {
			cli_report_read_error(&src->client, "dump vms", err);
			return -1;
		}
		for (i = 0; i < src->nr_vms; i++)
			if (!src->vms[i].by_pid_only)
				src->vms[i].ended = true; /* forgotten */
		for (i = 0; !err && i < vms.nr; i++)
			err = follow_vm(src, vms.rec[i].pid, vms.rec[i].vm_id,
					vms.rec[i].state ==
						VMEXIT_STAT_VM_ENDED,
					false);
		vmexit_vms_free(&vms);
	} else {
		for (i = 0; !err && i < now->nr; i++)
			err = follow_vm(src, now->rec[i].vm_pid,
					now->rec[i].vm_id, false, false);
		for (i = 0; i < src->nr_vms; i++) {
			struct followed_vm *vm = &src->vms[i];
			bool alive = false;

			if (vm->by_pid_only)
				continue;
			for (j = 0; j < now->nr && !alive; j++)
				if (now->rec[j].vm_pid == vm->pid &&
				    now->rec[j].vm_id == vm->vm_id)
					alive = proc_exists(
						vm->pid, now->rec[j].vcpu_tid);
			vm->ended = !alive;
		}
	}
	if (err) {
		fprintf(stderr, "vmexit-stat: out of memory\n");
		return -1;
	}
	for (i = 0; i < src->nr_vms; i++) {
		struct followed_vm *vm = &src->vms[i];

		if (vm->by_pid_only) {
			/* its VM, once known, decides */
			if (pid_has_vm(src, vm->pid))
				continue;
			vm->ended = !proc_exists(vm->pid, 0);
		}
		if (!vm->ended)
			return 0;
	}
	return src->nr_vms ? 1 : 0;
}

/*
 * Refuses up front a VM that is not there or no more.  A --vm PID that
 * names a live process is followed even before its VM is known: the VMM
 * may not have run a vCPU yet.  0, or 1.
 */
static int check_vm(struct correlate_source *src,
		    const struct vmexit_filter *filter)
{
	struct vmexit_vms vms = {};
	bool running = false, found;
	size_t i;
	int err;

	if (!filter->by_pid && !filter->by_vm_id)
		return 0;
	if (filter->by_pid && !proc_exists(filter->pid, 0)) {
		fprintf(stderr,
			"vmexit-stat: no process %" PRIu32
			": which VM? 'vmexit-stat vms' lists them\n",
			filter->pid);
		return 1;
	}
	/* BPF's vm ids are its own, known once a phase is seen. */
	if (src->backend == CLI_BACKEND_BPF)
		return filter->by_pid && follow_vm(src, filter->pid, 0, false,
						   true) ?
			       1 :
			       0;

	err = vmexit_dump_vms(&src->client, filter, &vms);
	if (err) {
		cli_report_read_error(&src->client, "dump vms", err);
		return 1;
	}
	for (i = 0; i < vms.nr; i++)
		running |= vms.rec[i].state != VMEXIT_STAT_VM_ENDED;
	found = vms.nr > 0;
	vmexit_vms_free(&vms);
	if (found && !running) {
		if (filter->by_pid)
			fprintf(stderr,
				"vmexit-stat: the VM of pid %" PRIu32
				" has ended: nothing to follow\n",
				filter->pid);
		else
			fprintf(stderr,
				"vmexit-stat: the VM with vm_id %016" PRIx64
				" has ended: nothing to follow\n",
				filter->vm_id);
		return 1;
	}
	if (!found && filter->by_vm_id) {
		fprintf(stderr,
			"vmexit-stat: no VM with vm_id %016" PRIx64
			": 'vmexit-stat vms' lists them\n",
			filter->vm_id);
		return 1;
	}
	if (!found)
		fprintf(stderr,
			"vmexit-stat: no VM of pid %" PRIu32
			" known yet: waiting for its vCPUs\n",
			filter->pid);
	if (filter->by_pid && follow_vm(src, filter->pid, 0, false, true))
		return 1;
	return 0;
}

/* 0, or 1 after saying why (what was read is kept in now). */
static int follow(struct correlate_source *src,
		  const struct correlate_options *opt, uint64_t start_ns,
		  struct vmexit_phases *now, struct vmexit_info *info)
{
	struct timespec deadline = { .tv_sec = start_ns / NS_PER_SEC,
				     .tv_nsec = start_ns % NS_PER_SEC };

	for (;;) {
		struct vmexit_phases fresh = {};
		struct vmexit_info fresh_info;
		int ended, status;

		view_timespec_add_ns(&deadline, POLL_NS);
		if (opt->time_ns &&
		    (uint64_t)deadline.tv_sec * NS_PER_SEC + deadline.tv_nsec >
			    start_ns + opt->time_ns) {
			uint64_t end = start_ns + opt->time_ns;

			deadline.tv_sec = end / NS_PER_SEC;
			deadline.tv_nsec = end % NS_PER_SEC;
		}
		if (!view_sleep_until(&deadline))
			return 0;
		status = source_read(src, &opt->filter, &fresh, &fresh_info);
		if (!status) {
			*info = fresh_info;
			if (merge_read(now, &fresh)) {
				fprintf(stderr, "vmexit-stat: out of memory\n");
				status = 1;
			}
		}
		vmexit_phases_free(&fresh);
		if (status)
			return status;
		if (opt->time_ns && monotonic_ns() >= start_ns + opt->time_ns)
			return 0;
		ended = vms_ended(src, &opt->filter, now);
		if (ended < 0)
			return 1;
		if (ended) {
			size_t i, vms = 0;

			for (i = 0; i < src->nr_vms; i++)
				vms += !src->vms[i].by_pid_only;
			fprintf(stderr,
				"vmexit-stat: the VM%s followed %s ended\n",
				vms > 1 ? "s" : "", vms > 1 ? "have" : "has");
			return 0;
		}
	}
}

/* The report as one string; NULL when out of memory. */
static char *render(const struct correlate_options *opt,
		    const struct correlate_report *rep)
{
	struct json_object *doc;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	if (opt->json) {
		doc = correlate_json(rep);
		if (!doc)
			return NULL;
		if (asprintf(&text, "%s\n",
			     json_object_to_json_string_ext(
				     doc,
				     JSON_C_TO_STRING_PRETTY |
					     JSON_C_TO_STRING_SPACED |
					     JSON_C_TO_STRING_NOSLASHESCAPE)) <
		    0)
			text = NULL;
		json_object_put(doc);
		return text;
	}
	out = open_memstream(&text, &len);
	if (!out)
		return NULL;
	correlate_print(out, rep);
	if (fclose(out)) {
		free(text);
		return NULL;
	}
	return text;
}

/*
 * The output file is made in its own directory up front (so that a
 * path that cannot be written fails before the wait, not after), then
 * renamed over FILE whole.  fd and tmp_path as made; 0 or 1.
 */
static int output_open(const char *path, char *tmp_path, size_t len, int *fd)
{
	char dir_buf[PATH_MAX];
	const char *dir;

	snprintf(dir_buf, sizeof(dir_buf), "%s", path);
	dir = dirname(dir_buf);
	if (snprintf(tmp_path, len, "%s/.vmexit-stat-correlate.XXXXXX", dir) >=
	    (int)len) {
		fprintf(stderr, "vmexit-stat: -o %s: name too long\n", path);
		return 1;
	}
	*fd = mkstemp(tmp_path);
	if (*fd < 0) {
		fprintf(stderr, "vmexit-stat: -o %s: cannot write in %s: %s\n",
			path, dir, strerror(errno));
		return 1;
	}
	fchmod(*fd, 0644);
	return 0;
}

static int output_write(int fd, const char *tmp_path, const char *path,
			const char *text)
{
	size_t left = strlen(text);
	const char *p = text;

	while (left) {
		ssize_t done = write(fd, p, left);

		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0)
			goto fail;
		p += done;
		left -= done;
	}
	if (fsync(fd) || close(fd)) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp_path, path)) {
		fprintf(stderr, "vmexit-stat: -o %s: %s\n", path,
			strerror(errno));
		unlink(tmp_path);
		return 1;
	}
	return 0;
fail:
	fprintf(stderr, "vmexit-stat: -o %s: writing: %s\n", path,
		strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp_path);
	return 1;
}

static int read_results(const char *path, struct correlate_results *results)
{
	FILE *in = fopen(path, "r");
	int err;

	if (!in) {
		fprintf(stderr, "vmexit-stat: --results %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	err = correlate_results_read(in, results);
	fclose(in);
	if (err) {
		fprintf(stderr, "vmexit-stat: --results %s: %s\n", path,
			strerror(-err));
		return 1;
	}
	return 0;
}

static int parse_options(int argc, char **argv, struct correlate_options *opt,
			 struct cli_source *choice)
{
	enum { OPT_RESULTS = 256 };
	static const struct option options[] = {
		{ "vm", required_argument, NULL, 'p' },
		{ "vm-id", required_argument, NULL, CLI_OPT_VM_ID },
		{ "output", required_argument, NULL, 'o' },
		{ "results", required_argument, NULL, OPT_RESULTS },
		{ "json", no_argument, NULL, 'j' },
		{ "time", required_argument, NULL, 't' },
		{ "backend", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int o, status;

	optind = 0;
	while ((o = getopt_long(argc, argv, "p:o:jt:b:h", options, NULL)) !=
	       -1) {
		switch (o) {
		case 'b':
			status = cli_source_option(choice, o, optarg,
						   correlate_usage);
			if (status)
				return status;
			break;
		case 'j':
			opt->json = true;
			break;
		case 'p':
		case CLI_OPT_VM_ID:
			status = cli_filter_option(&opt->filter, o, optarg,
						   correlate_usage);
			if (status)
				return status;
			break;
		case 'o':
			if (!optarg[0])
				return cli_bad_usage(correlate_usage,
						     "-o wants a file name");
			opt->output = optarg;
			break;
		case OPT_RESULTS:
			if (!optarg[0])
				return cli_bad_usage(correlate_usage,
						     "--results wants a file "
						     "name");
			opt->results = optarg;
			break;
		case 't':
			/* a week at most */
			if (!cli_parse_seconds(optarg, 604800, &opt->time_ns))
				return cli_bad_usage(correlate_usage,
						     "--time wants seconds "
						     "(0.001 to 604800), not "
						     "'%s'",
						     optarg);
			break;
		case 'h':
			correlate_usage(stdout);
			return -1;
		default:
			correlate_usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		return cli_bad_usage(correlate_usage,
				     "correlate: unexpected '%s'",
				     argv[optind]);
	if (opt->filter.by_pid && opt->filter.by_vm_id)
		return cli_bad_usage(correlate_usage,
				     "correlate: --vm or --vm-id, not both");
	return 0;
}

/* 0, or 1 after saying why. */
static int source_open(struct correlate_source *src, enum cli_backend want)
{
	bool module_loaded = !access("/sys/module/vmexit_stat", F_OK);

	src->backend = want;
	if (want == CLI_BACKEND_AUTO) {
		if (!module_loaded && !phases_bpf_open) {
			fprintf(stderr,
				"vmexit-stat: the vmexit_stat module is not "
				"loaded and this build has no BPF backend: "
				"load it with 'insmod module/vmexit_stat.ko'\n");
			return 1;
		}
		src->backend = module_loaded ? CLI_BACKEND_MODULE :
					       CLI_BACKEND_BPF;
	}
	if (src->backend == CLI_BACKEND_BPF) {
		if (!phases_bpf_open) {
			fprintf(stderr,
				"vmexit-stat: this build has no BPF backend\n");
			return 1;
		}
		if (phases_bpf_open(&src->bpf)) {
			if (want == CLI_BACKEND_AUTO)
				fprintf(stderr,
					"vmexit-stat: no module loaded and BPF "
					"cannot follow the phases: nothing to "
					"correlate with\n");
			return 1;
		}
		return 0;
	}
	return vmexit_connect(&src->client) ? 1 : 0;
}

static void source_close(struct correlate_source *src)
{
	if (src->backend == CLI_BACKEND_BPF)
		phases_bpf_close(src->bpf);
	else
		vmexit_client_close(&src->client);
	free(src->vms);
}

int cmd_correlate(int argc, char **argv)
{
	struct vmexit_phases before = {}, now = {};
	struct vmexit_info info_before, info_now, info;
	struct correlate_results results = {};
	struct correlate_options opt = {};
	struct correlate_table table = {};
	struct correlate_source src = {};
	struct cli_source choice = {};
	struct correlate_report rep;
	struct view_stop saved;
	char tmp_path[PATH_MAX + 64];
	uint64_t start_ns, end_ns;
	int status, out_fd = -1;
	char *text;

	status = parse_options(argc, argv, &opt, &choice);
	if (status)
		return status < 0 ? 0 : status;
	/* Refused now rather than after the wait. */
	if (opt.results && access(opt.results, R_OK)) {
		fprintf(stderr, "vmexit-stat: --results %s: %s\n", opt.results,
			strerror(errno));
		return 1;
	}
	/*
	 * From here on Ctrl-C stops the following, never the process: the
	 * temporary output file is removed, or renamed complete.
	 */
	view_catch_stop(&saved);
	if (opt.output &&
	    output_open(opt.output, tmp_path, sizeof(tmp_path), &out_fd)) {
		status = 1;
		goto out_unlink;
	}
	if (source_open(&src, choice.backend)) {
		status = 1;
		goto out_unlink;
	}
	status = check_vm(&src, &opt.filter);
	if (status)
		goto out_close;

	start_ns = monotonic_ns();
	status = source_read(&src, &opt.filter, &before, &info_before);
	if (!status) {
		info_now = info_before;
		fprintf(stderr,
			"vmexit-stat: following the phases (%s); Ctrl-C to "
			"stop\n",
			src.backend == CLI_BACKEND_BPF ? "bpf" : "module");
		/* a failure later still prints what was followed */
		if (merge_read(&now, &before)) {
			fprintf(stderr, "vmexit-stat: out of memory\n");
			status = 1;
		} else if (vms_ended(&src, &opt.filter, &now) < 0) {
			status = 1;
		} else {
			src.started = true;
			status = follow(&src, &opt, start_ns, &now, &info_now);
		}
	}
	end_ns = monotonic_ns();
	if (!before.nr && !now.nr && status)
		goto out_free;

	if (opt.results && read_results(opt.results, &results))
		status = 1;
	if (correlate_build(&before, &now, start_ns, &results, &table)) {
		fprintf(stderr, "vmexit-stat: out of memory\n");
		status = 1;
		goto out_free;
	}
	phases_info_delta(&info_before, &info_now, &info);
	rep = (struct correlate_report){
		.backend = src.backend == CLI_BACKEND_BPF ? "bpf" : "module",
		.window_ns = end_ns - start_ns,
		.info = &info,
		.table = &table,
		.results_given = opt.results != NULL,
	};
	text = render(&opt, &rep);
	if (!text) {
		fprintf(stderr, "vmexit-stat: out of memory\n");
		status = 1;
	} else if (opt.output) {
		if (output_write(out_fd, tmp_path, opt.output, text))
			status = 1;
		out_fd = -1;
	} else {
		fputs(text, stdout);
		fflush(stdout);
	}
	free(text);

out_free:
	correlate_table_free(&table);
	correlate_results_free(&results);
	vmexit_phases_free(&before);
	vmexit_phases_free(&now);
out_close:
	source_close(&src);
out_unlink:
	if (out_fd >= 0) {
		close(out_fd);
		unlink(tmp_path);
	}
	view_release_stop(&saved);
	return status;
}
