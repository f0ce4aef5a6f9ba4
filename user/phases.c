// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat phases: what each vCPU thread did while its guest said,
 * with phase markers (<vmexit_stat/markers.h>), that it was in a phase:
 * exits by reason, exit latency and run delay (steal); from the module
 * (GET_PHASES) or from BPF (phases_bpf.c), in one shape.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <vmexit_stat/markers.h>

#include "cli.h"
#include "commands.h"
#include "exit_stats.h"
#include "json_out.h"
#include "latency.h"
#include "phase_views.h"
#include "phases_bpf.h"
#include "view.h"
#include "views.h"

/*
 * Weak: the unit tests link this view without phases_bpf.c and libbpf;
 * in such a build the BPF backend is absent and says so.
 */
#pragma weak phases_bpf_open
#pragma weak phases_bpf_read
#pragma weak phases_bpf_close

#define TOP_REASONS 3

static void phases_usage(FILE *out)
{
	fprintf(out,
		"usage: vmexit-stat phases [--vm PID|NAME] [--vm-id ID] [--vcpu N] "
		"[--phase ID]\n"
		"                          [--json] [--backend module|bpf|auto]\n"
		"                          [interval [count]]\n"
		"\n"
		"What each vCPU thread did while its guest was in a phase it "
		"marked with\n"
		"phase markers (CPUID leaf 0x4f58xxxx, as 'vmexit-stat bench "
		"--markers'\n"
		"executes them): starts and ends, time in the phase, exits and "
		"their top\n"
		"reasons, exit latency, and steal (run delay while in the "
		"phase); then the\n"
		"same per VM and phase, its vCPUs summed.\n"
		"\n"
		"Without an interval: the totals since tracking began (the "
		"module), or\n"
		"since the BPF programs attached, printed at Ctrl-C.  With "
		"one: every\n"
		"interval seconds (0.5 is fine) the change over it, count "
		"times or until\n"
		"Ctrl-C.\n"
		"\n"
		"  -j, --json          one JSON object per report\n"
		"  -p, --vm PID|NAME   only the vCPUs of this VMM process, or of\n"
		"                      the VM of this name\n"
		"      --vm-id ID      only the VM with this vm_id (hex, "
		"as shown)\n"
		"      --vcpu N        only vCPU N (of every VM shown)\n"
		"      --phase ID      only phase ID (0 to %d)\n"
		"  -b, --backend B     module, bpf, or auto (default): the "
		"module when it\n"
		"                      is loaded, else BPF when given an "
		"interval\n"
		"  -h, --help          show this help\n"
		"\n"
		"Steal is counted with the scheduling ('vmexit-stat config "
		"--sched on'\n"
		"for the module); exit latency with 'config --latency on'.  "
		"See\n"
		"Documentation/correlate.rst.\n"
		"\n"
		"Examples:\n"
		"  sudo vmexit-stat phases                   # the totals so far, per phase\n"
		"  sudo vmexit-stat phases --vm web01 1 10   # one VM, every second, 10 times\n"
		"  sudo vmexit-stat phases --phase 1 --json 5   # phase 1, every 5 s, as JSON\n"
		"\n"
		"Exit status: 0 ok; 1 on failure (no module loaded and no BPF, no\n"
		"permission, no such VM); 2 for a bad command line.\n",
		VMEXIT_STAT_PHASE_ID_MAX);
}

/* Names and order */

const char *phase_name(uint32_t phase_id, char *buf, size_t len)
{
	switch (phase_id) {
	case VMEXIT_STAT_PHASE_CPU:
		return "cpu";
	case VMEXIT_STAT_PHASE_MEMORY:
		return "memory";
	case VMEXIT_STAT_PHASE_FILEIO_PREPARE:
		return "fileio-prepare";
	case VMEXIT_STAT_PHASE_FILEIO_RUN:
		return "fileio-run";
	case VMEXIT_STAT_PHASE_FILEIO_CLEANUP:
		return "fileio-cleanup";
	}
	snprintf(buf, len, "phase %" PRIu32, phase_id);
	return buf;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int phase_order(const void *a, const void *b)
{
	const struct vmexit_phase *x = a, *y = b;

	if (x->vm_pid != y->vm_pid)
		return cmp_u64(x->vm_pid, y->vm_pid);
	if (x->vm_id != y->vm_id)
		return cmp_u64(x->vm_id, y->vm_id);
	if (x->vcpu_id != y->vcpu_id)
		return cmp_u64(x->vcpu_id, y->vcpu_id);
	if (x->vcpu_tid != y->vcpu_tid)
		return cmp_u64(x->vcpu_tid, y->vcpu_tid);
	return cmp_u64(x->phase_id, y->phase_id);
}

void phases_sort(struct vmexit_phases *phases)
{
	if (phases->nr)
		qsort(phases->rec, phases->nr, sizeof(phases->rec[0]),
		      phase_order);
}

bool phase_same_key(const struct vmexit_phase *a, const struct vmexit_phase *b)
{
	return a->vm_pid == b->vm_pid && a->vm_id == b->vm_id &&
	       a->vcpu_id == b->vcpu_id && a->vcpu_tid == b->vcpu_tid &&
	       a->phase_id == b->phase_id;
}

static bool same_code(const struct vmexit_phase_exit *a,
		      const struct vmexit_phase_exit *b)
{
	return a->isa == b->isa && a->code == b->code && a->flags == b->flags;
}

/* Deltas and sums */

static uint64_t sub_or_0(uint64_t now, uint64_t before)
{
	return now > before ? now - before : 0;
}

static const struct vmexit_phase_exit *
find_exit(const struct vmexit_phase *p, const struct vmexit_phase_exit *exit)
{
	size_t i;

	for (i = 0; i < p->nr_exits; i++)
		if (same_code(&p->exit[i], exit))
			return &p->exit[i];
	return NULL;
}

static void phase_delta(const struct vmexit_phase *before,
			const struct vmexit_phase *now,
			struct vmexit_phase *out)
{
	size_t i;

	*out = *now;
	if (!before || now->starts < before->starts ||
	    now->ends < before->ends || now->active_ns < before->active_ns ||
	    now->exits < before->exits || now->wait_ns < before->wait_ns)
		return;
	out->starts = now->starts - before->starts;
	out->ends = now->ends - before->ends;
	out->active_ns = now->active_ns - before->active_ns;
	out->exits = now->exits - before->exits;
	out->wait_ns = now->wait_ns - before->wait_ns;
	sched_latency_delta(&before->latency, &now->latency, &out->latency);

	out->nr_exits = 0;
	for (i = 0; i < now->nr_exits; i++) {
		const struct vmexit_phase_exit *was =
			find_exit(before, &now->exit[i]);
		struct vmexit_phase_exit exit = now->exit[i];

		if (was && exit.count >= was->count)
			exit.count -= was->count;
		if (exit.count)
			out->exit[out->nr_exits++] = exit;
	}
}

int phases_delta(const struct vmexit_phases *before,
		 const struct vmexit_phases *now, struct vmexit_phases *out)
{
	size_t i, j;

	for (i = 0; i < now->nr; i++) {
		const struct vmexit_phase *was = NULL;
		struct vmexit_phase delta;

		for (j = 0; j < before->nr && !was; j++)
			if (phase_same_key(&before->rec[j], &now->rec[i]))
				was = &before->rec[j];
		phase_delta(was, &now->rec[i], &delta);
		if (vmexit_phases_add(out, &delta))
			return -ENOMEM;
	}
	return 0;
}

void phases_info_delta(const struct vmexit_info *before,
		       const struct vmexit_info *now, struct vmexit_info *out)
{
	*out = *now;
	out->markers_seen = sub_or_0(now->markers_seen, before->markers_seen);
	out->markers_unmatched =
		sub_or_0(now->markers_unmatched, before->markers_unmatched);
	out->phases_dropped =
		sub_or_0(now->phases_dropped, before->phases_dropped);
}

void phase_add(struct vmexit_phase *sum, const struct vmexit_phase *p)
{
	size_t i;

	sum->open |= p->open;
	sum->starts += p->starts;
	sum->ends += p->ends;
	sum->active_ns += p->active_ns;
	sum->exits += p->exits;
	sum->wait_ns += p->wait_ns;
	if (p->last_start_ns &&
	    (!sum->last_start_ns || p->last_start_ns < sum->last_start_ns))
		sum->last_start_ns = p->last_start_ns;
	if (p->last_end_ns > sum->last_end_ns)
		sum->last_end_ns = p->last_end_ns;
	sum->has_latency |= p->has_latency;
	latency_add(&sum->latency, &p->latency);
	for (i = 0; i < p->nr_exits; i++) {
		struct vmexit_phase_exit *have = NULL;
		size_t j;

		for (j = 0; j < sum->nr_exits && !have; j++)
			if (same_code(&sum->exit[j], &p->exit[i]))
				have = &sum->exit[j];
		if (have)
			have->count += p->exit[i].count;
		else if (sum->nr_exits < VMEXIT_PHASE_EXITS_MAX)
			sum->exit[sum->nr_exits++] = p->exit[i];
	}
}

uint64_t phase_other_exits(const struct vmexit_phase *p)
{
	uint64_t named = 0;
	size_t i;

	for (i = 0; i < p->nr_exits; i++)
		named += p->exit[i].count;
	return sub_or_0(p->exits, named);
}

size_t phase_top_exits(const struct vmexit_phase *p, size_t *top, size_t n)
{
	size_t i, k, nr = 0;

	for (i = 0; i < p->nr_exits; i++) {
		const struct vmexit_phase_exit *e = &p->exit[i];

		if (!e->count)
			continue;
		/* insertion into the n busiest so far; ties by code */
		for (k = nr; k > 0; k--) {
			const struct vmexit_phase_exit *t =
				&p->exit[top[k - 1]];

			if (t->count > e->count ||
			    (t->count == e->count && t->code <= e->code))
				break;
			if (k < n)
				top[k] = top[k - 1];
		}
		if (k < n) {
			top[k] = i;
			if (nr < n)
				nr++;
		}
	}
	return nr;
}

const char *phase_exit_label(const struct vmexit_phase_exit *exit, char *buf,
			     size_t len)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} flag_names[] = {
		{ VMEXIT_STAT_EXIT_FLAG_VMX_ENCLAVE, "enclave" },
		{ VMEXIT_STAT_EXIT_FLAG_VMX_SMM_PENDING, "smm_pending" },
		{ VMEXIT_STAT_EXIT_FLAG_VMX_FROM_ROOT, "from_root" },
		{ VMEXIT_STAT_EXIT_FLAG_VMX_FAILED_ENTRY, "failed_entry" },
	};
	char code_buf[16];
	size_t used, i;

	used = snprintf(buf, len, "%s",
			exit_reason_label(exit->isa, exit->code, code_buf,
					  sizeof(code_buf)));
	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if ((exit->flags & flag_names[i].bit) && used < len)
			used += snprintf(buf + used, len - used, "+%s",
					 flag_names[i].name);
	return buf;
}

/* JSON */

struct json_object *phase_exit_json(const struct vmexit_phase_exit *exit)
{
	struct json_object *obj = json_object_new_object();
	char isa_buf[16], reason_buf[16];
	bool ok = true;

	ok &= json_add(obj, "isa",
		       json_object_new_string(exit_isa_label(exit->isa, isa_buf,
							     sizeof(isa_buf))));
	ok &= json_add_u64(obj, "code", exit->code);
	ok &= json_add_u64(obj, "flags", exit->flags);
	ok &= json_add(obj, "reason",
		       json_object_new_string(exit_reason_label(
			       exit->isa, exit->code, reason_buf,
			       sizeof(reason_buf))));
	ok &= json_add_u64(obj, "count", exit->count);
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

/* Busiest first, so that a reader's first entries are the top ones. */
static struct json_object *exits_json(const struct vmexit_phase *p)
{
	struct json_object *arr = json_object_new_array();
	size_t order[VMEXIT_PHASE_EXITS_MAX];
	size_t i, nr = phase_top_exits(p, order, VMEXIT_PHASE_EXITS_MAX);
	bool ok = true;

	for (i = 0; i < nr; i++)
		ok &= json_append(arr, phase_exit_json(&p->exit[order[i]]));
	if (!ok) {
		json_object_put(arr);
		return NULL;
	}
	return arr;
}

static struct json_object *phase_json(const struct vmexit_phase *p)
{
	struct json_object *obj = json_object_new_object();
	char vm_id[20];
	bool ok = true;

	vm_id_format(p->vm_id, vm_id, sizeof(vm_id));
	ok &= json_add_u64(obj, "vm_pid", p->vm_pid);
	ok &= json_add(obj, "vm_id", json_object_new_string(vm_id));
	ok &= json_add_u64(obj, "vcpu_id", p->vcpu_id);
	ok &= json_add_u64(obj, "tid", p->vcpu_tid);
	ok &= json_add_u64(obj, "phase_id", p->phase_id);
	ok &= json_add(obj, "open", json_object_new_boolean(p->open));
	ok &= json_add_u64(obj, "starts", p->starts);
	ok &= json_add_u64(obj, "ends", p->ends);
	ok &= json_add_u64(obj, "active_ns", p->active_ns);
	ok &= json_add_u64(obj, "last_start_ns", p->last_start_ns);
	ok &= json_add_u64(obj, "last_end_ns", p->last_end_ns);
	ok &= json_add_u64(obj, "exits", p->exits);
	ok &= json_add_u64(obj, "wait_ns", p->wait_ns);
	if (p->has_latency)
		ok &= json_add(obj, "latency", latency_json(&p->latency));
	else
		ok &= json_add_null(obj, "latency");
	ok &= json_add(obj, "exits_by_reason", exits_json(p));
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

bool phase_markers_json(struct json_object *obj, const struct vmexit_info *info)
{
	static const struct vmexit_info none;
	bool ok = true;

	if (!info)
		info = &none;
	ok &= json_add_u64(obj, "markers_seen", info->markers_seen);
	ok &= json_add_u64(obj, "markers_unmatched", info->markers_unmatched);
	ok &= json_add_u64(obj, "phases_dropped", info->phases_dropped);
	return ok;
}

struct json_object *phases_json(const struct phases_report *report)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	bool ok = true;
	size_t i;

	for (i = 0; ok && i < report->phases->nr; i++)
		ok &= json_append(arr, phase_json(&report->phases->rec[i]));
	ok &= json_add(obj, "backend", json_object_new_string(report->backend));
	if (report->interval_ns)
		ok &= json_add_u64(obj, "interval_ns", report->interval_ns);
	else
		ok &= json_add_null(obj, "interval_ns");
	ok &= phase_markers_json(obj, report->info);
	ok &= json_add(obj, "phases", arr);
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

/* Text */

static const char *fmt_ns(uint64_t ns, bool none, char *buf, size_t len)
{
	return latency_format_ns(ns, none, buf, len);
}

static void print_top_reasons(FILE *out, const struct vmexit_phase *p)
{
	size_t top[TOP_REASONS];
	size_t i, nr = phase_top_exits(p, top, TOP_REASONS);
	uint64_t other = phase_other_exits(p);
	char label[64];

	for (i = 0; i < nr; i++)
		fprintf(out, "%s%s %" PRIu64, i ? ", " : "  ",
			phase_exit_label(&p->exit[top[i]], label,
					 sizeof(label)),
			p->exit[top[i]].count);
	/* More codes than a record holds: say how many went unnamed. */
	if (other)
		fprintf(out, "%sother %" PRIu64, nr ? ", " : "  ", other);
}

/* From ACTIVE_S on: the columns both tables share. */
static void print_measures(FILE *out, const struct vmexit_phase *p)
{
	char rate[24], p50[24], p99[24], steal[16];
	double active_s = (double)p->active_ns / 1e9;
	bool none = !p->has_latency || !p->latency.count;

	if (p->active_ns)
		snprintf(rate, sizeof(rate), "%.1f",
			 (double)p->exits / active_s);
	else
		snprintf(rate, sizeof(rate), "-");
	if (p->active_ns)
		snprintf(steal, sizeof(steal), "%.1f%%",
			 100.0 * (double)p->wait_ns / (double)p->active_ns);
	else
		snprintf(steal, sizeof(steal), "-");
	fprintf(out, " %10.3f %9" PRIu64 " %10s %8s %8s %7s", active_s,
		p->exits, rate,
		fmt_ns(latency_percentile_ns(&p->latency, 50), none, p50,
		       sizeof(p50)),
		fmt_ns(latency_percentile_ns(&p->latency, 99), none, p99,
		       sizeof(p99)),
		steal);
	print_top_reasons(out, p);
	fputc('\n', out);
}

#define MEASURES_HEADER                                                    \
	"   ACTIVE_S     EXITS    EXITS/S  LAT_P50  LAT_P99  STEAL%  TOP_" \
	"REASONS"

static void print_vcpu_rows(FILE *out, const struct vmexit_phases *phases)
{
	size_t i;

	fprintf(out, "%-8s %5s %-8s %5s %-4s %7s %7s%s\n", "PID", "VCPU", "TID",
		"PHASE", "OPEN", "STARTS", "ENDS", MEASURES_HEADER);
	for (i = 0; i < phases->nr; i++) {
		const struct vmexit_phase *p = &phases->rec[i];

		fprintf(out,
			"%-8" PRIu32 " %5" PRIu32 " %-8" PRIu32 " %5" PRIu32
			" %-4s %7" PRIu64 " %7" PRIu64,
			p->vm_pid, p->vcpu_id, p->vcpu_tid, p->phase_id,
			p->open ? "yes" : "no", p->starts, p->ends);
		print_measures(out, p);
	}
}

static bool same_vm_phase(const struct vmexit_phase *a,
			  const struct vmexit_phase *b)
{
	return a->vm_pid == b->vm_pid && a->vm_id == b->vm_id &&
	       a->phase_id == b->phase_id;
}

/* A VM's vCPU threads summed for one phase id. */
struct vm_phase {
	struct vmexit_phase sum;
	uint32_t vcpus;
};

static int vm_phase_order(const void *a, const void *b)
{
	const struct vm_phase *x = a, *y = b;

	return phase_order(&x->sum, &y->sum);
}

/* By VM and phase id; NULL when out of memory. */
static struct vm_phase *vm_phases_build(const struct vmexit_phases *phases,
					size_t *nr)
{
	struct vm_phase *vms =
		calloc(phases->nr ? phases->nr : 1, sizeof(*vms));
	size_t i, j;

	*nr = 0;
	if (!vms)
		return NULL;
	for (i = 0; i < phases->nr; i++) {
		const struct vmexit_phase *p = &phases->rec[i];

		for (j = 0; j < *nr; j++)
			if (same_vm_phase(&vms[j].sum, p))
				break;
		if (j == *nr) {
			vms[j].sum.vm_pid = p->vm_pid;
			vms[j].sum.vm_id = p->vm_id;
			vms[j].sum.phase_id = p->phase_id;
			(*nr)++;
		}
		vms[j].vcpus++;
		phase_add(&vms[j].sum, p);
	}
	qsort(vms, *nr, sizeof(*vms), vm_phase_order);
	return vms;
}

static void print_vm_rows(FILE *out, const struct vmexit_phases *phases)
{
	struct vm_phase *vms;
	char vm_id[20];
	size_t i, nr;

	vms = vm_phases_build(phases, &nr);
	if (!vms) {
		fprintf(stderr, "vmexit-stat: out of memory\n");
		return;
	}
	fprintf(out, "%-8s %-16s %5s %5s %-4s %7s %7s%s\n", "PID", "VM_ID",
		"PHASE", "VCPUS", "OPEN", "STARTS", "ENDS", MEASURES_HEADER);
	for (i = 0; i < nr; i++) {
		const struct vmexit_phase *p = &vms[i].sum;

		vm_id_format(p->vm_id, vm_id, sizeof(vm_id));
		fprintf(out,
			"%-8" PRIu32 " %-16s %5" PRIu32 " %5" PRIu32
			" %-4s %7" PRIu64 " %7" PRIu64,
			p->vm_pid, vm_id, p->phase_id, vms[i].vcpus,
			p->open ? "yes" : "no", p->starts, p->ends);
		print_measures(out, p);
	}
	free(vms);
}

void phases_print(FILE *out, const struct phases_report *report)
{
	static const struct vmexit_info none;
	const struct vmexit_info *info = report->info ? report->info : &none;
	char interval[24];

	if (report->interval_ns)
		fprintf(out, "%s: the last %s\n", report->backend,
			fmt_ns(report->interval_ns, false, interval,
			       sizeof(interval)));
	else if (!strcmp(report->backend, "bpf"))
		fprintf(out, "bpf: totals since the programs attached\n");
	else
		fprintf(out, "%s: totals since tracking began\n",
			report->backend);
	fprintf(out,
		"phase markers seen %" PRIu64 ", unmatched ends %" PRIu64
		", phases dropped %" PRIu64 "\n\n",
		info->markers_seen, info->markers_unmatched,
		info->phases_dropped);
	if (!report->phases->nr) {
		fprintf(out, "no phase marked%s\n",
			info->markers_seen ? "" :
					     " (no marker seen: run the "
					     "workload with --markers)");
		return;
	}
	print_vcpu_rows(out, report->phases);
	fputc('\n', out);
	print_vm_rows(out, report->phases);
}

/* The command */

struct phases_source {
	enum cli_backend backend;
	struct vmexit_client client;
	struct phases_bpf *bpf;
};

/* What view_run() hands back to the callbacks below. */
struct phases_view {
	struct phases_source *src;
	struct vmexit_filter filter;
	bool json;
	const char *backend;
};

struct phases_snapshot {
	struct vmexit_phases phases;
	struct vmexit_info info;
};

static void snapshot_free(void *snapshot)
{
	struct phases_snapshot *snap = snapshot;

	vmexit_phases_free(&snap->phases);
}

/* 0, or 1 after saying why. */
static int source_open(struct phases_source *src)
{
	if (src->backend == CLI_BACKEND_BPF) {
		if (!phases_bpf_open) {
			fprintf(stderr,
				"vmexit-stat: this build has no BPF backend\n");
			return 1;
		}
		return phases_bpf_open(&src->bpf) ? 1 : 0;
	}
	return vmexit_connect(&src->client) ? 1 : 0;
}

static void source_close(struct phases_source *src)
{
	if (src->backend == CLI_BACKEND_BPF)
		phases_bpf_close(src->bpf);
	else
		vmexit_client_close(&src->client);
}

/* 0, or 1 after saying why (nothing read kept). */
static int source_read(void *ctx, void *snapshot)
{
	const struct phases_view *view = ctx;
	struct phases_source *src = view->src;
	struct phases_snapshot *snap = snapshot;
	int err;

	memset(snap, 0, sizeof(*snap));
	if (src->backend == CLI_BACKEND_BPF) {
		err = phases_bpf_read(src->bpf, &view->filter, &snap->phases,
				      &snap->info);
		if (err) {
			fprintf(stderr,
				"vmexit-stat: reading the BPF maps: %s\n",
				strerror(-err));
			goto fail;
		}
	} else {
		err = vmexit_get_info(&src->client, &snap->info);
		if (err) {
			cli_report_read_error(&src->client, "get info", err);
			goto fail;
		}
		err = vmexit_dump_phases(&src->client, &view->filter,
					 &snap->phases);
		if (err) {
			cli_report_read_error(&src->client, "dump phases", err);
			goto fail;
		}
	}
	phases_sort(&snap->phases);
	return 0;
fail:
	snapshot_free(snap);
	return 1;
}

static int report(const struct phases_view *view, uint64_t interval_ns,
		  const struct vmexit_info *info,
		  const struct vmexit_phases *phases)
{
	struct phases_report rep = {
		.backend = view->backend,
		.interval_ns = interval_ns,
		.info = info,
		.phases = phases,
	};

	if (view->json)
		return view_print_json(phases_json(&rep), interval_ns);
	phases_print(stdout, &rep);
	fflush(stdout);
	return 0;
}

static int report_totals(void *ctx, const void *snapshot)
{
	const struct phases_snapshot *snap = snapshot;

	return report(ctx, 0, &snap->info, &snap->phases);
}

static int report_change(void *ctx, const void *before_snapshot,
			 const void *now_snapshot, uint64_t interval_ns)
{
	const struct phases_snapshot *before = before_snapshot;
	const struct phases_snapshot *now = now_snapshot;
	struct vmexit_phases delta = {};
	struct vmexit_info info;
	int status;

	phases_info_delta(&before->info, &now->info, &info);
	if (phases_delta(&before->phases, &now->phases, &delta)) {
		fprintf(stderr, "vmexit-stat: out of memory\n");
		status = 1;
	} else {
		status = report(ctx, interval_ns, &info, &delta);
	}
	vmexit_phases_free(&delta);
	return status;
}

static const struct view_ops phases_view_ops = {
	.read = source_read,
	.report_totals = report_totals,
	.report_change = report_change,
	.snapshot_free = snapshot_free,
};

int cmd_phases(int argc, char **argv)
{
	enum { OPT_PHASE = 256 };
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "vm", required_argument, NULL, 'p' },
		{ "vm-id", required_argument, NULL, CLI_OPT_VM_ID },
		{ "vcpu", required_argument, NULL, CLI_OPT_VCPU },
		{ "phase", required_argument, NULL, OPT_PHASE },
		{ "backend", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct phases_snapshot snaps[2];
	struct cli_source choice = {};
	struct phases_source src = {};
	struct phases_view view = { .src = &src };
	struct vmexit_filter *filter = &view.filter;
	struct view_run run = {
		.ops = &phases_view_ops,
		.ctx = &view,
		.snap = { &snaps[0], &snaps[1] },
	};
	int o, status;

	optind = 0;
	while ((o = getopt_long(argc, argv, "jp:b:h", options, NULL)) != -1) {
		switch (o) {
		case 'b':
			status = cli_source_option(&choice, o, optarg,
						   phases_usage);
			if (status)
				return status;
			break;
		case 'j':
			view.json = true;
			break;
		case 'p':
		case CLI_OPT_VM_ID:
		case CLI_OPT_VCPU:
			status = cli_filter_option(filter, o, optarg,
						   phases_usage);
			if (status)
				return status;
			break;
		case OPT_PHASE:
			if (!cli_parse_u32(optarg, &filter->phase_id) ||
			    filter->phase_id > VMEXIT_STAT_PHASE_ID_MAX)
				return cli_bad_usage(phases_usage,
						     "--phase wants a phase id "
						     "(0 to %d), not '%s'",
						     VMEXIT_STAT_PHASE_ID_MAX,
						     optarg);
			filter->by_phase = true;
			break;
		case 'h':
			phases_usage(stdout);
			return 0;
		default:
			phases_usage(stderr);
			return 2;
		}
	}
	status = view_parse_schedule(argc, argv, "phases", phases_usage,
				     &run.when);
	if (status)
		return status;

	src.backend = view_choose_backend(&choice, run.when.interval_ns);
	if (source_open(&src)) {
		view_suggest_bpf(&choice, phases_bpf_open, "them");
		return 1;
	}
	/* With an interval, a VMM's VM may be made meanwhile. */
	if (cli_check_vm(src.backend == CLI_BACKEND_BPF ? NULL : &src.client,
			 &view.filter, run.when.interval_ns != 0)) {
		source_close(&src);
		return 1;
	}
	view.backend = src.backend == CLI_BACKEND_BPF ? "bpf" : "module";
	run.format = view.json ? VIEW_JSON : VIEW_TEXT;
	if (src.backend == CLI_BACKEND_BPF)
		run.wait_message = "following the guests' phases";
	status = view_run(&run);
	source_close(&src);
	return status;
}
