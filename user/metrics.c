// SPDX-License-Identifier: GPL-2.0
/*
 * The metrics `vmexit-stat export` serves, as Prometheus text (0.0.4) or
 * OpenMetrics 1.0.0.  The two differ in three ways that matter here: an
 * OpenMetrics counter's family (HELP, TYPE) is named without its _total,
 * OpenMetrics ends with "# EOF", and the content types.
 *
 * Series are bounded: exits per VM and reason (vCPU too only when asked),
 * exits to user space per VM and KVM_EXIT reason, scheduling per vCPU.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "exit_stats.h"
#include "latency.h"
#include "metrics.h"
#include "vm_name.h"

#define NS_PER_SEC UINT64_C(1000000000)

void metrics_snapshot_free(struct metrics_snapshot *snap)
{
	vmexit_records_free(&snap->exits);
	vmexit_user_records_free(&snap->user_exits);
	vmexit_vms_free(&snap->vms);
	vmexit_scheds_free(&snap->sched);
}

const char *metrics_seconds(uint64_t ns, char *buf, size_t len)
{
	uint64_t frac = ns % NS_PER_SEC;
	size_t end;

	if (!frac) {
		snprintf(buf, len, "%" PRIu64, ns / NS_PER_SEC);
		return buf;
	}
	snprintf(buf, len, "%" PRIu64 ".%09" PRIu64, ns / NS_PER_SEC, frac);
	end = strlen(buf);
	while (buf[end - 1] == '0')
		buf[--end] = '\0';
	return buf;
}

void metrics_write_label_value(FILE *out, const char *value)
{
	for (; *value; value++) {
		switch (*value) {
		case '\\':
			fputs("\\\\", out);
			break;
		case '"':
			fputs("\\\"", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		default:
			fputc(*value, out);
		}
	}
}

const char *metrics_content_type(enum metrics_format format)
{
	if (format == METRICS_OPENMETRICS)
		return "application/openmetrics-text; version=1.0.0; "
		       "charset=utf-8";
	return "text/plain; version=0.0.4; charset=utf-8";
}

/* The q of one media range's parameters ("; q=0.5; ..."); 1 without. */
static double media_range_q(const char *params, const char *end)
{
	const char *p;

	for (p = params; p && p < end; p = memchr(p, ';', end - p)) {
		p++;
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (end - p > 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
			return strtod(p + 2, NULL);
	}
	return 1;
}

static bool media_type_is(const char *type, size_t len, const char *want)
{
	return len == strlen(want) && !strncasecmp(type, want, len);
}

enum metrics_format metrics_negotiate(const char *accept)
{
	double q_open = 0, q_text = 0;
	const char *range = accept;

	while (range && *range) {
		const char *end = strchr(range, ',');
		const char *type_end;
		size_t len;
		double q;

		if (!end)
			end = range + strlen(range);
		while (range < end && isspace((unsigned char)*range))
			range++;
		type_end = memchr(range, ';', end - range);
		if (!type_end)
			type_end = end;
		len = type_end - range;
		while (len && isspace((unsigned char)range[len - 1]))
			len--;
		q = media_range_q(type_end < end ? type_end : NULL, end);
		if (media_type_is(range, len, "application/openmetrics-text")) {
			if (q > q_open)
				q_open = q;
		} else if (media_type_is(range, len, "text/plain") ||
			   media_type_is(range, len, "text/*") ||
			   media_type_is(range, len, "*/*")) {
			if (q > q_text)
				q_text = q;
		}
		range = *end ? end + 1 : end;
	}
	return q_open > 0 && q_open >= q_text ? METRICS_OPENMETRICS :
						METRICS_PROMETHEUS;
}

/* One series' identity: its VM, and for per-vCPU series its vCPU. */
struct series_vm {
	char name[VM_NAME_LEN];
	char pid[16];
	char vm_id[20];
};

struct writer {
	FILE *out;
	const struct metrics_snapshot *snap;
	enum metrics_format format;
	/* snap->vms' names, worked out once a scrape, not once a line */
	char (*names)[VM_NAME_LEN];
};

/*
 * HELP and TYPE.  name is the sample name; an OpenMetrics counter's
 * family is that name without _total.
 */
static void family(const struct writer *w, const char *name, const char *type,
		   const char *help)
{
	size_t len = strlen(name);

	if (w->format == METRICS_OPENMETRICS && !strcmp(type, "counter") &&
	    len > 6 && !strcmp(name + len - 6, "_total"))
		len -= 6;
	fprintf(w->out, "# HELP %.*s %s\n# TYPE %.*s %s\n", (int)len, name,
		help, (int)len, name, type);
}

static void label(FILE *out, bool *first, const char *name, const char *value)
{
	fprintf(out, "%s%s=\"", *first ? "{" : ",", name);
	metrics_write_label_value(out, value);
	fputc('"', out);
	*first = false;
}

static void vm_labels(FILE *out, bool *first, const struct series_vm *vm)
{
	label(out, first, "vm", vm->name);
	label(out, first, "pid", vm->pid);
	label(out, first, "vm_id", vm->vm_id);
}

static void close_labels(FILE *out, bool first)
{
	if (!first)
		fputc('}', out);
}

/* The index of a VM in snap->vms, or -1. */
static long find_vm(const struct metrics_snapshot *snap, uint32_t pid,
		    uint64_t vm_id)
{
	size_t i;

	for (i = 0; i < snap->vms.nr; i++)
		if (snap->vms.rec[i].pid == pid &&
		    snap->vms.rec[i].vm_id == vm_id)
			return (long)i;
	return -1;
}

static void describe_vm(const struct writer *w, uint32_t pid, uint64_t vm_id,
			struct series_vm *out)
{
	long i = find_vm(w->snap, pid, vm_id);

	out->name[0] = '\0';
	if (i >= 0)
		snprintf(out->name, sizeof(out->name), "%s", w->names[i]);
	/* A VM the list does not know (yet) is still told apart by pid. */
	if (!out->name[0])
		snprintf(out->name, sizeof(out->name), "%" PRIu32, pid);
	snprintf(out->pid, sizeof(out->pid), "%" PRIu32, pid);
	vm_id_format(vm_id, out->vm_id, sizeof(out->vm_id));
}

static int name_vms(struct writer *w)
{
	const struct metrics_snapshot *snap = w->snap;
	size_t i;

	w->names = calloc(snap->vms.nr ? snap->vms.nr : 1, sizeof(*w->names));
	if (!w->names)
		return -ENOMEM;
	for (i = 0; i < snap->vms.nr; i++) {
		const struct vmexit_vm *vm = &snap->vms.rec[i];

		if (snap->vm_name)
			snap->vm_name(vm, w->names[i], sizeof(w->names[i]));
		else
			snprintf(w->names[i], sizeof(w->names[i]), "%s",
				 vm->comm);
	}
	return 0;
}

/* Exit counters grouped by the series they belong to. */
struct exit_series {
	uint32_t pid;
	uint64_t vm_id;
	uint32_t vcpu_id; /* 0 unless per vCPU */
	uint32_t isa;
	uint32_t code;
	bool has_latency;
	uint64_t count;
	struct vmexit_latency latency;
};

static int cmp_exit_series(const void *pa, const void *pb)
{
	const struct exit_series *a = pa, *b = pb;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->vm_id != b->vm_id)
		return a->vm_id < b->vm_id ? -1 : 1;
	if (a->vcpu_id != b->vcpu_id)
		return a->vcpu_id < b->vcpu_id ? -1 : 1;
	if (a->isa != b->isa)
		return a->isa < b->isa ? -1 : 1;
	if (a->code != b->code)
		return a->code < b->code ? -1 : 1;
	return 0;
}

/*
 * The records summed per series (VMX modifier flags and, unless per
 * vCPU, vCPUs merged), sorted; *nr of them.  NULL with *nr 0: none or
 * out of memory (then errno is ENOMEM).
 */
static struct exit_series *group_exits(const struct metrics_snapshot *snap,
				       size_t *nr)
{
	struct exit_series *series;
	size_t i, n = 0;

	*nr = 0;
	errno = 0;
	if (!snap->exits.nr)
		return NULL;
	series = calloc(snap->exits.nr, sizeof(*series));
	if (!series) {
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < snap->exits.nr; i++) {
		const struct vmexit_record *rec = &snap->exits.rec[i];

		series[i] = (struct exit_series){
			.pid = rec->vm_pid,
			.vm_id = rec->vm_id,
			.vcpu_id = snap->per_vcpu && !rec->per_vm ?
					   rec->vcpu_id :
					   0,
			.isa = rec->isa,
			.code = rec->code,
			.has_latency = rec->has_latency,
			.count = rec->count,
			.latency = rec->latency,
		};
	}
	qsort(series, snap->exits.nr, sizeof(*series), cmp_exit_series);
	for (i = 0; i < snap->exits.nr; i++) {
		if (n && !cmp_exit_series(&series[n - 1], &series[i])) {
			series[n - 1].count += series[i].count;
			series[n - 1].has_latency |= series[i].has_latency;
			latency_add(&series[n - 1].latency, &series[i].latency);
			continue;
		}
		series[n++] = series[i];
	}
	*nr = n;
	return series;
}

static void exit_labels(const struct writer *w, const struct exit_series *s,
			bool *first)
{
	struct series_vm vm;
	char isa[16], reason[16], vcpu[16];

	describe_vm(w, s->pid, s->vm_id, &vm);
	vm_labels(w->out, first, &vm);
	if (w->snap->per_vcpu) {
		snprintf(vcpu, sizeof(vcpu), "%" PRIu32, s->vcpu_id);
		label(w->out, first, "vcpu", vcpu);
	}
	label(w->out, first, "isa", exit_isa_label(s->isa, isa, sizeof(isa)));
	label(w->out, first, "reason",
	      exit_reason_label(s->isa, s->code, reason, sizeof(reason)));
}

static void write_exits(const struct writer *w,
			const struct exit_series *series, size_t nr)
{
	size_t i;

	family(w, "vmexit_stat_exits_total", "counter",
	       "VM exits handled, per VM and exit reason.");
	for (i = 0; i < nr; i++) {
		bool first = true;

		fputs("vmexit_stat_exits_total", w->out);
		exit_labels(w, &series[i], &first);
		close_labels(w->out, first);
		fprintf(w->out, " %" PRIu64 "\n", series[i].count);
	}
}

/* Prometheus's le: the bound, in seconds, or +Inf. */
static void bucket_line(const struct writer *w, const struct exit_series *s,
			const char *le, uint64_t cumulative)
{
	bool first = true;

	fputs("vmexit_stat_exit_latency_seconds_bucket", w->out);
	exit_labels(w, s, &first);
	label(w->out, &first, "le", le);
	close_labels(w->out, first);
	fprintf(w->out, " %" PRIu64 "\n", cumulative);
}

static void write_latency(const struct writer *w,
			  const struct exit_series *series, size_t nr)
{
	char le[METRICS_SECONDS_LEN];
	size_t i;

	family(w, "vmexit_stat_exit_latency_seconds", "histogram",
	       "Time from a VM exit to the next entry into the guest, per "
	       "VM and exit reason.");
	for (i = 0; i < nr; i++) {
		const struct exit_series *s = &series[i];
		uint64_t cumulative = 0;
		unsigned int bucket = 0, log2;
		bool first = true;

		if (!s->has_latency)
			continue;
		for (log2 = METRICS_LE_FIRST_LOG2; log2 <= METRICS_LE_LAST_LOG2;
		     log2++) {
			/* le = 2^log2 ns covers buckets 0 .. log2 - 1 */
			for (;
			     bucket < log2 && bucket < VMEXIT_STAT_LAT_BUCKETS;
			     bucket++)
				cumulative += s->latency.hist[bucket];
			bucket_line(w, s,
				    metrics_seconds(1ULL << log2, le,
						    sizeof(le)),
				    cumulative);
		}
		bucket_line(w, s, "+Inf", s->latency.count);
		fputs("vmexit_stat_exit_latency_seconds_sum", w->out);
		exit_labels(w, s, &first);
		close_labels(w->out, first);
		fprintf(w->out, " %s\n",
			metrics_seconds(s->latency.sum_ns, le, sizeof(le)));
		first = true;
		fputs("vmexit_stat_exit_latency_seconds_count", w->out);
		exit_labels(w, s, &first);
		close_labels(w->out, first);
		fprintf(w->out, " %" PRIu64 "\n", s->latency.count);
	}
}

struct user_series {
	uint32_t pid;
	uint64_t vm_id;
	uint32_t vcpu_id;
	uint32_t reason;
	uint64_t count;
};

static int cmp_user_series(const void *pa, const void *pb)
{
	const struct user_series *a = pa, *b = pb;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->vm_id != b->vm_id)
		return a->vm_id < b->vm_id ? -1 : 1;
	if (a->vcpu_id != b->vcpu_id)
		return a->vcpu_id < b->vcpu_id ? -1 : 1;
	if (a->reason != b->reason)
		return a->reason < b->reason ? -1 : 1;
	return 0;
}

static int write_user_exits(const struct writer *w)
{
	const struct vmexit_user_records *recs = &w->snap->user_exits;
	struct user_series *series = NULL;
	size_t i, n = 0;

	if (recs->nr) {
		series = calloc(recs->nr, sizeof(*series));
		if (!series)
			return -ENOMEM;
	}
	for (i = 0; i < recs->nr; i++)
		series[i] = (struct user_series){
			.pid = recs->rec[i].vm_pid,
			.vm_id = recs->rec[i].vm_id,
			.vcpu_id = w->snap->per_vcpu && !recs->rec[i].per_vm ?
					   recs->rec[i].vcpu_id :
					   0,
			.reason = recs->rec[i].reason,
			.count = recs->rec[i].count,
		};
	if (recs->nr)
		qsort(series, recs->nr, sizeof(*series), cmp_user_series);
	for (i = 0; i < recs->nr; i++) {
		if (n && !cmp_user_series(&series[n - 1], &series[i]))
			series[n - 1].count += series[i].count;
		else
			series[n++] = series[i];
	}

	family(w, "vmexit_stat_user_exits_total", "counter",
	       "Exits to user space (the VMM), per VM and KVM_EXIT reason.");
	for (i = 0; i < n; i++) {
		char reason[16], vcpu[16];
		struct series_vm vm;
		bool first = true;

		describe_vm(w, series[i].pid, series[i].vm_id, &vm);
		fputs("vmexit_stat_user_exits_total", w->out);
		vm_labels(w->out, &first, &vm);
		if (w->snap->per_vcpu) {
			snprintf(vcpu, sizeof(vcpu), "%" PRIu32,
				 series[i].vcpu_id);
			label(w->out, &first, "vcpu", vcpu);
		}
		label(w->out, &first, "reason",
		      user_exit_label(series[i].reason, reason,
				      sizeof(reason)));
		close_labels(w->out, first);
		fprintf(w->out, " %" PRIu64 "\n", series[i].count);
	}
	free(series);
	return 0;
}

/* One per-vCPU time of GET_SCHED, in seconds. */
static void write_sched_family(const struct writer *w, const char *name,
			       const char *help, size_t offset)
{
	char value[METRICS_SECONDS_LEN], vcpu[16];
	size_t i;

	family(w, name, "counter", help);
	for (i = 0; i < w->snap->sched.nr; i++) {
		const struct vmexit_sched *s = &w->snap->sched.rec[i];
		uint64_t ns;
		struct series_vm vm;
		bool first = true;

		if (s->per_vm)
			continue;
		memcpy(&ns, (const char *)s + offset, sizeof(ns));
		describe_vm(w, s->vm_pid, s->vm_id, &vm);
		fputs(name, w->out);
		vm_labels(w->out, &first, &vm);
		snprintf(vcpu, sizeof(vcpu), "%" PRIu32, s->vcpu_id);
		label(w->out, &first, "vcpu", vcpu);
		close_labels(w->out, first);
		fprintf(w->out, " %s\n",
			metrics_seconds(ns, value, sizeof(value)));
	}
}

static void write_sched(const struct writer *w)
{
	write_sched_family(w, "vmexit_stat_vcpu_steal_seconds_total",
			   "Time a vCPU thread was runnable but waited for a "
			   "CPU (run delay, steal).",
			   offsetof(struct vmexit_sched, wait_ns));
	write_sched_family(w, "vmexit_stat_vcpu_run_seconds_total",
			   "Time a vCPU thread ran on a CPU.",
			   offsetof(struct vmexit_sched, run_ns));
	write_sched_family(w, "vmexit_stat_vcpu_idle_seconds_total",
			   "Time a vCPU thread was blocked (the guest idle).",
			   offsetof(struct vmexit_sched, idle_ns));
}

static void write_vcpus(const struct writer *w)
{
	size_t i;

	family(w, "vmexit_stat_vm_vcpus", "gauge",
	       "vCPUs of a VM that are running now.");
	for (i = 0; i < w->snap->vms.nr; i++) {
		const struct vmexit_vm *vm = &w->snap->vms.rec[i];
		struct series_vm labels;
		bool first = true;

		describe_vm(w, vm->pid, vm->vm_id, &labels);
		fputs("vmexit_stat_vm_vcpus", w->out);
		vm_labels(w->out, &first, &labels);
		close_labels(w->out, first);
		fprintf(w->out, " %" PRIu32 "\n", vm->vcpus_live);
	}
}

static void drop_line(const struct writer *w, const char *cause, uint64_t count)
{
	bool first = true;

	fputs("vmexit_stat_exits_dropped_total", w->out);
	label(w->out, &first, "cause", cause);
	close_labels(w->out, first);
	fprintf(w->out, " %" PRIu64 "\n", count);
}

static void write_drops(const struct writer *w)
{
	const struct vmexit_info *info = &w->snap->info;
	uint64_t known = info->dropped_no_vcpu_slot +
			 info->dropped_no_reason_slot +
			 info->dropped_unreadable;

	family(w, "vmexit_stat_exits_dropped_total", "counter",
	       "VM exits seen but not counted, by cause.");
	drop_line(w, "no_vcpu_slot", info->dropped_no_vcpu_slot);
	drop_line(w, "no_reason_slot", info->dropped_no_reason_slot);
	drop_line(w, "unreadable", info->dropped_unreadable);
	/* The BPF backend counts its drops without a cause. */
	drop_line(w, "other",
		  info->exits_dropped > known ? info->exits_dropped - known :
						0);
	family(w, "vmexit_stat_exits_seen_total", "counter",
	       "VM exits the collector saw, counted or dropped.");
	fprintf(w->out, "vmexit_stat_exits_seen_total %" PRIu64 "\n",
		info->exits_seen);
}

static void write_build_info(const struct writer *w)
{
	const struct vmexit_info *info = &w->snap->info;
	char protocol[16];
	bool first = true;

	family(w, "vmexit_stat_build_info", "gauge",
	       "Always 1: what collects the numbers, in its labels.");
	fputs("vmexit_stat_build_info", w->out);
	label(w->out, &first, "backend", w->snap->backend);
	label(w->out, &first, "collector", info->version);
	label(w->out, &first, "kernel", info->kernel);
	/* the module's netlink protocol; BPF speaks none */
	if (info->family_version) {
		snprintf(protocol, sizeof(protocol), "%u",
			 info->family_version);
		label(w->out, &first, "protocol", protocol);
	}
	close_labels(w->out, first);
	fputs(" 1\n", w->out);
}

int metrics_write(FILE *out, const struct metrics_snapshot *snap,
		  enum metrics_format format)
{
	struct writer w = { .out = out, .snap = snap, .format = format };
	struct exit_series *exits;
	size_t nr_exits;
	int err;

	if (name_vms(&w))
		return -ENOMEM;
	exits = group_exits(snap, &nr_exits);
	if (!exits && errno == ENOMEM) {
		free(w.names);
		return -ENOMEM;
	}
	write_build_info(&w);
	write_exits(&w, exits, nr_exits);
	write_latency(&w, exits, nr_exits);
	free(exits);
	err = write_user_exits(&w);
	if (err) {
		free(w.names);
		return err;
	}
	if (snap->has_sched)
		write_sched(&w);
	write_vcpus(&w);
	write_drops(&w);
	free(w.names);
	if (format == METRICS_OPENMETRICS)
		fputs("# EOF\n", out);
	return ferror(out) ? -EIO : 0;
}

int metrics_format_text(const struct metrics_snapshot *snap,
			enum metrics_format format, char **text, size_t *len)
{
	FILE *out = open_memstream(text, len);
	int err;

	if (!out)
		return -errno;
	err = metrics_write(out, snap, format);
	if (fclose(out) && !err)
		err = -ENOMEM;
	if (err) {
		free(*text);
		*text = NULL;
	}
	return err;
}
