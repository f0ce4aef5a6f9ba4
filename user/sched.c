// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat sched: how long vCPU threads waited for a CPU (run delay,
 * the guest's steal), how long they were idle, and which tasks ran on
 * the CPU meanwhile; from the module (GET_SCHED, GET_CPU_SCHED) or from
 * BPF (sched_bpf.c), in one shape.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "csv_out.h"
#include "exit_stats.h"
#include "json_out.h"
#include "latency.h"
#include "sched_bpf.h"
#include "view.h"
#include "views.h"
#include "vm_name.h"

/*
 * Weak: the unit tests link this view without sched_bpf.c and libbpf;
 * in such a build the BPF backend is absent and says so.
 */
#pragma weak sched_bpf_open
#pragma weak sched_bpf_read
#pragma weak sched_bpf_close

#define LAST_BUCKET (VMEXIT_STAT_LAT_BUCKETS - 1)
/* Below 2^10 ns every bucket is under a microsecond: one usecs row. */
#define FIRST_USEC_BUCKET 10

static void sched_usage(FILE *out)
{
	fprintf(out,
		"usage: vmexit-stat sched [--vm PID|NAME] [--vm-id ID] [--vcpu N] "
		"[--cpu N]\n"
		"                         [--json|--ndjson|--csv] [--hist] "
		"[--sort KEY]\n"
		"                         [--top N] [--backend module|bpf|auto]\n"
		"                         [interval [count]]\n"
		"\n"
		"How long each vCPU thread waited runnable for a CPU (run "
		"delay: what the\n"
		"guest sees as steal), split into wake-up latency and "
		"preemption wait; how\n"
		"long it was idle (blocked, e.g. halted: not steal); per "
		"physical CPU the\n"
		"steal that ended there and the tasks that ran while a vCPU "
		"waited.\n"
		"\n"
		"Without an interval: the totals since tracking began (the "
		"module), or\n"
		"since the BPF programs attached, printed at Ctrl-C.  With "
		"one: every\n"
		"interval seconds (0.5 is fine) the change over it, count "
		"times or until\n"
		"Ctrl-C; steal %% is then of the wall time.\n"
		"\n");
	view_format_usage(out);
	fprintf(out,
		"                      (CSV: a row per vCPU, VM and CPU, its "
		"table first;\n"
		"                      times in seconds; who ran meanwhile is "
		"in --json)\n"
		"      --hist          the latency histograms too (text)\n"
		"      --sort KEY      order of the vCPU table: steal "
		"(default), waits, idle,\n"
		"                      run (the most first), vcpu (by VM pid "
		"and vCPU), vm\n"
		"                      (by VM name)\n"
		"      --top N         only the first N vCPUs of that order "
		"(VM totals keep\n"
		"                      all)\n"
		"  -p, --vm PID|NAME   only the vCPUs of this VMM process, or of\n"
		"                      the VM of this name\n"
		"      --vm-id ID      only the VM with this vm_id (hex, "
		"as shown)\n"
		"      --vcpu N        only vCPU N (of every VM shown)\n"
		"      --cpu N         only physical CPU N in the CPU table\n"
		"  -b, --backend B     module, bpf, or auto (default): the "
		"module when it\n"
		"                      is loaded, else BPF when given an "
		"interval\n"
		"  -h, --help          show this help\n"
		"\n"
		"The module follows scheduling while 'vmexit-stat config' "
		"says sched on;\n"
		"'vmexit-stat config --sched on|off' switches it.\n"
		"\n"
		"Exit status: 0 when the reports were printed, 1 when the "
		"counters could\n"
		"not be read (no module or BPF, no permission, no such VM), "
		"2 for a bad\n"
		"command line.\n"
		"\n"
		"Examples:\n"
		"  vmexit-stat sched                    # totals since tracking "
		"began\n"
		"  vmexit-stat sched --top 5 1          # every second, the 5 "
		"most stolen from\n"
		"  vmexit-stat sched --vm labvm --sort waits 2 10\n"
		"                      # one VM's vCPUs, most waits first, "
		"10 times 2 s\n"
		"  vmexit-stat sched --csv 1 60 >steal.csv   # a minute for a "
		"spreadsheet\n");
}

/* Ordering */

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int vcpu_order(const void *a, const void *b)
{
	const struct vmexit_sched *x = a, *y = b;

	if (x->vm_pid != y->vm_pid)
		return cmp_u64(x->vm_pid, y->vm_pid);
	if (x->vm_id != y->vm_id)
		return cmp_u64(x->vm_id, y->vm_id);
	if (x->vcpu_id != y->vcpu_id)
		return cmp_u64(x->vcpu_id, y->vcpu_id);
	return cmp_u64(x->vcpu_tid, y->vcpu_tid);
}

static int cpu_order(const void *a, const void *b)
{
	const struct vmexit_cpu_sched *x = a, *y = b;

	return cmp_u64(x->cpu, y->cpu);
}

static int thief_order(const void *a, const void *b)
{
	const struct vmexit_thief *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns < y->ns ? 1 : -1;
	return cmp_u64(x->tid, y->tid);
}

void sched_sort(struct vmexit_scheds *vcpus, struct vmexit_cpu_scheds *cpus)
{
	size_t i;

	if (vcpus->nr)
		qsort(vcpus->rec, vcpus->nr, sizeof(vcpus->rec[0]), vcpu_order);
	if (cpus->nr)
		qsort(cpus->rec, cpus->nr, sizeof(cpus->rec[0]), cpu_order);
	for (i = 0; i < cpus->nr; i++)
		qsort(cpus->rec[i].thieves, cpus->rec[i].nr_thieves,
		      sizeof(cpus->rec[i].thieves[0]), thief_order);
}

/* The order of the vCPU table: --sort and --top */

static const char *const sort_key_names[] = {
	[SCHED_SORT_STEAL] = "steal", [SCHED_SORT_WAITS] = "waits",
	[SCHED_SORT_IDLE] = "idle",   [SCHED_SORT_RUN] = "run",
	[SCHED_SORT_VCPU] = "vcpu",   [SCHED_SORT_VM] = "vm",
};

/* For messages: the names above. */
static const char sort_key_list[] = "steal, waits, idle, run, vcpu and vm";

bool sched_sort_key_parse(const char *name, enum sched_sort_key *key)
{
	size_t i;

	for (i = 0; i < sizeof(sort_key_names) / sizeof(sort_key_names[0]);
	     i++) {
		if (!strcmp(name, sort_key_names[i])) {
			*key = i;
			return true;
		}
	}
	return false;
}

/* A vCPU as the table shows it: with its VM's name, to sort by. */
struct vcpu_row {
	const struct vmexit_sched *v;
	char vm_name[VM_NAME_LEN];
};

static uint64_t waits_of(const struct vmexit_sched *v)
{
	return v->wakeup.count + v->preempt.count;
}

static int row_order(const void *a, const void *b, void *arg)
{
	const struct vcpu_row *x = a, *y = b;
	const enum sched_sort_key *key = arg;
	int order = 0;

	/* the larger first for amounts, then as vcpu for the same amount */
	switch (*key) {
	case SCHED_SORT_STEAL:
		order = cmp_u64(y->v->wait_ns, x->v->wait_ns);
		break;
	case SCHED_SORT_WAITS:
		order = cmp_u64(waits_of(y->v), waits_of(x->v));
		break;
	case SCHED_SORT_IDLE:
		order = cmp_u64(y->v->idle_ns, x->v->idle_ns);
		break;
	case SCHED_SORT_RUN:
		order = cmp_u64(y->v->run_ns, x->v->run_ns);
		break;
	case SCHED_SORT_VM:
		order = strcmp(x->vm_name, y->vm_name);
		break;
	case SCHED_SORT_VCPU:
		break;
	}
	return order ? order : vcpu_order(x->v, y->v);
}

/*
 * The rows of report's vCPU table, sorted and cut to --top; *nr of
 * them.  NULL when out of memory (or nothing to show: *nr is then 0).
 */
static struct vcpu_row *vcpu_rows(const struct sched_report *report, size_t *nr)
{
	const struct vmexit_scheds *vcpus = report->vcpus;
	enum sched_sort_key key = report->sort;
	struct vcpu_row *rows;
	size_t i;

	*nr = 0;
	if (!vcpus->nr)
		return NULL;
	rows = calloc(vcpus->nr, sizeof(rows[0]));
	if (!rows)
		return NULL;
	for (i = 0; i < vcpus->nr; i++) {
		const struct vmexit_sched *v = &vcpus->rec[i];

		rows[i].v = v;
		if (!report->vm_name)
			continue;
		/* read in VM order: one look-up per VM */
		if (i && rows[i - 1].v->vm_pid == v->vm_pid)
			memcpy(rows[i].vm_name, rows[i - 1].vm_name,
			       sizeof(rows[i].vm_name));
		else
			report->vm_name(v->vm_pid, rows[i].vm_name,
					sizeof(rows[i].vm_name));
	}
	qsort_r(rows, vcpus->nr, sizeof(rows[0]), row_order, &key);
	*nr = vcpus->nr;
	if (report->top && report->top < *nr)
		*nr = report->top;
	return rows;
}

/* Deltas */

static uint64_t sub_or_0(uint64_t now, uint64_t before)
{
	return now > before ? now - before : 0;
}

void sched_latency_delta(const struct vmexit_latency *before,
			 const struct vmexit_latency *now,
			 struct vmexit_latency *out)
{
	int i, lowest = -1, highest = -1;
	uint64_t min, max;

	memset(out, 0, sizeof(*out));
	if (now->count < before->count) {
		*out = *now;
		return;
	}
	out->count = now->count - before->count;
	if (!out->count)
		return;
	out->sum_ns = sub_or_0(now->sum_ns, before->sum_ns);
	for (i = 0; i < VMEXIT_STAT_LAT_BUCKETS; i++) {
		out->hist[i] = sub_or_0(now->hist[i], before->hist[i]);
		if (!out->hist[i])
			continue;
		if (lowest < 0)
			lowest = i;
		highest = i;
	}
	min = now->min_ns;
	max = now->max_ns;
	if (lowest > 0 && (1ULL << lowest) > min)
		min = 1ULL << lowest;
	if (highest >= 0 && highest < LAST_BUCKET &&
	    (1ULL << (highest + 1)) - 1 < max)
		max = (1ULL << (highest + 1)) - 1;
	out->min_ns = min < max ? min : max;
	out->max_ns = max;
}

static bool same_thread(const struct vmexit_sched *a,
			const struct vmexit_sched *b)
{
	return a->vm_pid == b->vm_pid && a->vm_id == b->vm_id &&
	       a->vcpu_id == b->vcpu_id && a->vcpu_tid == b->vcpu_tid;
}

static void vcpu_delta(const struct vmexit_sched *before,
		       const struct vmexit_sched *now, struct vmexit_sched *out)
{
	*out = *now;
	if (!before || now->run_ns < before->run_ns ||
	    now->wait_ns < before->wait_ns || now->idle_ns < before->idle_ns ||
	    now->timeslices < before->timeslices)
		return;
	out->run_ns = now->run_ns - before->run_ns;
	out->wait_ns = now->wait_ns - before->wait_ns;
	out->idle_ns = now->idle_ns - before->idle_ns;
	out->timeslices = now->timeslices - before->timeslices;
	out->preemptions = sub_or_0(now->preemptions, before->preemptions);
	out->migrations = sub_or_0(now->migrations, before->migrations);
	sched_latency_delta(&before->wakeup, &now->wakeup, &out->wakeup);
	sched_latency_delta(&before->preempt, &now->preempt, &out->preempt);
}

static const struct vmexit_thief *find_thief(const struct vmexit_cpu_sched *cpu,
					     uint32_t tid)
{
	uint32_t i;

	for (i = 0; i < cpu->nr_thieves; i++)
		if (cpu->thieves[i].tid == tid)
			return &cpu->thieves[i];
	return NULL;
}

static void cpu_delta(const struct vmexit_cpu_sched *before,
		      const struct vmexit_cpu_sched *now,
		      struct vmexit_cpu_sched *out)
{
	uint32_t i;

	*out = *now;
	if (!before || now->wait_ns < before->wait_ns ||
	    now->vcpu_run_ns < before->vcpu_run_ns)
		return;
	out->wait_ns = now->wait_ns - before->wait_ns;
	out->vcpu_run_ns = now->vcpu_run_ns - before->vcpu_run_ns;
	out->unattributed_ns =
		sub_or_0(now->unattributed_ns, before->unattributed_ns);
	sched_latency_delta(&before->wakeup, &now->wakeup, &out->wakeup);
	sched_latency_delta(&before->preempt, &now->preempt, &out->preempt);

	out->nr_thieves = 0;
	for (i = 0; i < now->nr_thieves; i++) {
		const struct vmexit_thief *was =
			find_thief(before, now->thieves[i].tid);
		struct vmexit_thief thief = now->thieves[i];

		/* Less than before: it lost its place and came back. */
		if (was && thief.ns >= was->ns) {
			thief.ns -= was->ns;
			thief.over_ns = sub_or_0(thief.over_ns, was->over_ns);
		}
		if (thief.ns)
			out->thieves[out->nr_thieves++] = thief;
	}
	qsort(out->thieves, out->nr_thieves, sizeof(out->thieves[0]),
	      thief_order);
}

int sched_delta(const struct vmexit_scheds *before_vcpus,
		const struct vmexit_cpu_scheds *before_cpus,
		const struct vmexit_scheds *now_vcpus,
		const struct vmexit_cpu_scheds *now_cpus,
		struct vmexit_scheds *out_vcpus,
		struct vmexit_cpu_scheds *out_cpus)
{
	size_t i, j;

	for (i = 0; i < now_vcpus->nr; i++) {
		const struct vmexit_sched *now = &now_vcpus->rec[i];
		const struct vmexit_sched *before = NULL;
		struct vmexit_sched delta;

		for (j = 0; j < before_vcpus->nr && !before; j++)
			if (same_thread(&before_vcpus->rec[j], now))
				before = &before_vcpus->rec[j];
		vcpu_delta(before, now, &delta);
		if (vmexit_scheds_add(out_vcpus, &delta))
			return -ENOMEM;
	}
	for (i = 0; i < now_cpus->nr; i++) {
		const struct vmexit_cpu_sched *now = &now_cpus->rec[i];
		const struct vmexit_cpu_sched *before = NULL;
		struct vmexit_cpu_sched delta;

		for (j = 0; j < before_cpus->nr && !before; j++)
			if (before_cpus->rec[j].cpu == now->cpu)
				before = &before_cpus->rec[j];
		cpu_delta(before, now, &delta);
		if (vmexit_cpu_scheds_add(out_cpus, &delta))
			return -ENOMEM;
	}
	return 0;
}

double sched_steal_pct(uint64_t wait_ns, uint64_t run_ns, uint64_t idle_ns,
		       uint64_t interval_ns, uint32_t vcpus)
{
	double whole;

	if (interval_ns)
		whole = (double)interval_ns * (vcpus ? vcpus : 1);
	else
		whole = (double)run_ns + (double)wait_ns + (double)idle_ns;
	if (!(whole > 0))
		return NAN;
	return 100.0 * (double)wait_ns / whole;
}

const char *sched_state_name(uint32_t state)
{
	switch (state) {
	case VMEXIT_STAT_SCHED_RUNNING:
		return "running";
	case VMEXIT_STAT_SCHED_RUNNABLE:
		return "runnable";
	case VMEXIT_STAT_SCHED_BLOCKED:
		return "blocked";
	case VMEXIT_STAT_SCHED_ENDED:
		return "ended";
	}
	return NULL;
}

/* Per-VM totals */

struct sched_vm {
	struct vmexit_sched sum;
	uint32_t vcpus;
	/* in the report's time: running, or not ended, or counted */
	uint32_t present;
};

struct sched_vms {
	struct sched_vm *rec;
	size_t nr;
};

/* Totals include ended vCPUs: a VM's history stays its own. */
static int sched_vms_build(const struct vmexit_scheds *vcpus,
			   struct sched_vms *vms)
{
	size_t i, j;

	vms->rec = calloc(vcpus->nr ? vcpus->nr : 1, sizeof(vms->rec[0]));
	vms->nr = 0;
	if (!vms->rec)
		return -ENOMEM;
	for (i = 0; i < vcpus->nr; i++) {
		const struct vmexit_sched *v = &vcpus->rec[i];
		struct sched_vm *vm = NULL;

		for (j = 0; j < vms->nr && !vm; j++)
			if (vms->rec[j].sum.vm_pid == v->vm_pid &&
			    vms->rec[j].sum.vm_id == v->vm_id)
				vm = &vms->rec[j];
		if (!vm) {
			vm = &vms->rec[vms->nr++];
			vm->sum.vm_pid = v->vm_pid;
			vm->sum.vm_id = v->vm_id;
			vm->sum.per_vm = true;
		}
		vm->vcpus++;
		if (v->state != VMEXIT_STAT_SCHED_ENDED ||
		    v->run_ns + v->wait_ns + v->idle_ns)
			vm->present++;
		vm->sum.run_ns += v->run_ns;
		vm->sum.wait_ns += v->wait_ns;
		vm->sum.idle_ns += v->idle_ns;
		vm->sum.timeslices += v->timeslices;
		vm->sum.preemptions += v->preemptions;
		vm->sum.migrations += v->migrations;
		latency_add(&vm->sum.wakeup, &v->wakeup);
		latency_add(&vm->sum.preempt, &v->preempt);
	}
	return 0;
}

static double vcpu_steal_pct(const struct sched_report *report,
			     const struct vmexit_sched *v, uint32_t vcpus)
{
	return sched_steal_pct(v->wait_ns, v->run_ns, v->idle_ns,
			       report->interval_ns, vcpus);
}

static double cpu_steal_pct(const struct sched_report *report,
			    const struct vmexit_cpu_sched *cpu)
{
	/* Totals of a CPU have no wall time to be a share of. */
	if (!report->interval_ns)
		return NAN;
	return sched_steal_pct(cpu->wait_ns, 0, 0, report->interval_ns, 1);
}

/* JSON */

/* Two decimals, as printed; NAN is null. */
static bool add_pct(struct json_object *obj, const char *key, double pct,
		    bool zero_if_none)
{
	char text[32];

	if (isnan(pct)) {
		if (!zero_if_none)
			return json_add_null(obj, key);
		pct = 0;
	}
	snprintf(text, sizeof(text), "%.2f", pct);
	return json_add(obj, key, json_object_new_double_s(pct, text));
}

static bool add_vm_id(struct json_object *obj, uint64_t vm_id)
{
	char text[20];

	vm_id_format(vm_id, text, sizeof(text));
	return json_add(obj, "vm_id", json_object_new_string(text));
}

static struct json_object *thief_json(const struct vmexit_thief *thief)
{
	struct json_object *obj = json_object_new_object();
	bool ok = true;

	ok &= json_add_u64(obj, "tid", thief->tid);
	ok &= json_add(obj, "comm", json_object_new_string(thief->comm));
	ok &= json_add_u64(obj, "ns", thief->ns);
	ok &= json_add_u64(obj, "over_ns", thief->over_ns);
	if (thief->is_vcpu) {
		ok &= json_add_u64(obj, "vm_pid", thief->vm_pid);
		ok &= json_add_u64(obj, "vcpu_id", thief->vcpu_id);
	} else {
		ok &= json_add_null(obj, "vm_pid");
		ok &= json_add_null(obj, "vcpu_id");
	}
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *cpu_json(const struct sched_report *report,
				    const struct vmexit_cpu_sched *cpu)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *thieves = json_object_new_array();
	bool ok = true;
	uint32_t i;

	for (i = 0; i < cpu->nr_thieves; i++)
		ok &= json_append(thieves, thief_json(&cpu->thieves[i]));
	ok &= json_add_u64(obj, "cpu", cpu->cpu);
	ok &= json_add_u64(obj, "steal_ns", cpu->wait_ns);
	ok &= add_pct(obj, "steal_pct", cpu_steal_pct(report, cpu), false);
	ok &= json_add_u64(obj, "vcpu_run_ns", cpu->vcpu_run_ns);
	ok &= json_add_u64(obj, "unattributed_ns", cpu->unattributed_ns);
	ok &= json_add(obj, "wakeup", latency_json(&cpu->wakeup));
	ok &= json_add(obj, "preempt", latency_json(&cpu->preempt));
	ok &= json_add(obj, "thieves", thieves);
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *vcpu_json(const struct sched_report *report,
				     const struct vmexit_sched *v)
{
	struct json_object *obj = json_object_new_object();
	const char *state = sched_state_name(v->state);
	bool ok = true;

	ok &= json_add_u64(obj, "vm_pid", v->vm_pid);
	ok &= add_vm_id(obj, v->vm_id);
	ok &= json_add_u64(obj, "vcpu_id", v->vcpu_id);
	ok &= json_add_u64(obj, "tid", v->vcpu_tid);
	if (state)
		ok &= json_add(obj, "state", json_object_new_string(state));
	else
		ok &= json_add_null(obj, "state");
	if (v->has_cpu)
		ok &= json_add_u64(obj, "cpu", v->cpu);
	else
		ok &= json_add_null(obj, "cpu");
	ok &= json_add_u64(obj, "run_ns", v->run_ns);
	ok &= json_add_u64(obj, "steal_ns", v->wait_ns);
	ok &= json_add_u64(obj, "idle_ns", v->idle_ns);
	ok &= add_pct(obj, "steal_pct", vcpu_steal_pct(report, v, 1), true);
	ok &= json_add_u64(obj, "timeslices", v->timeslices);
	ok &= json_add_u64(obj, "preemptions", v->preemptions);
	ok &= json_add_u64(obj, "migrations", v->migrations);
	ok &= json_add(obj, "wakeup", latency_json(&v->wakeup));
	ok &= json_add(obj, "preempt", latency_json(&v->preempt));
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *vm_json(const struct sched_report *report,
				   const struct sched_vm *vm)
{
	struct json_object *obj = json_object_new_object();
	const struct vmexit_sched *sum = &vm->sum;
	bool ok = true;

	ok &= json_add_u64(obj, "vm_pid", sum->vm_pid);
	ok &= add_vm_id(obj, sum->vm_id);
	ok &= json_add_u64(obj, "vcpus", vm->vcpus);
	ok &= json_add_u64(obj, "run_ns", sum->run_ns);
	ok &= json_add_u64(obj, "steal_ns", sum->wait_ns);
	ok &= json_add_u64(obj, "idle_ns", sum->idle_ns);
	ok &= add_pct(obj, "steal_pct",
		      vcpu_steal_pct(report, sum, vm->present), true);
	ok &= json_add_u64(obj, "preemptions", sum->preemptions);
	ok &= json_add_u64(obj, "migrations", sum->migrations);
	ok &= json_add(obj, "wakeup", latency_json(&sum->wakeup));
	ok &= json_add(obj, "preempt", latency_json(&sum->preempt));
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

struct json_object *sched_json(const struct sched_report *report)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *cpus = json_object_new_array();
	struct json_object *vcpus = json_object_new_array();
	struct json_object *vms_arr = json_object_new_array();
	struct sched_vms vms;
	bool ok = !sched_vms_build(report->vcpus, &vms);
	size_t i, nr_rows;
	struct vcpu_row *rows = vcpu_rows(report, &nr_rows);

	if (!rows && report->vcpus->nr)
		ok = false;
	for (i = 0; ok && i < report->cpus->nr; i++)
		ok &= json_append(cpus,
				  cpu_json(report, &report->cpus->rec[i]));
	for (i = 0; ok && i < nr_rows; i++)
		ok &= json_append(vcpus, vcpu_json(report, rows[i].v));
	for (i = 0; ok && i < vms.nr; i++)
		ok &= json_append(vms_arr, vm_json(report, &vms.rec[i]));
	free(vms.rec);
	free(rows);

	ok &= json_add(obj, "backend", json_object_new_string(report->backend));
	if (report->interval_ns)
		ok &= json_add_u64(obj, "interval_ns", report->interval_ns);
	else
		ok &= json_add_null(obj, "interval_ns");
	ok &= json_add(obj, "cpus", cpus);
	ok &= json_add(obj, "vcpus", vcpus);
	ok &= json_add(obj, "vms", vms_arr);
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

/* Text */

static const char *fmt_ns(uint64_t ns, char *buf, size_t len)
{
	return latency_format_ns(ns, false, buf, len);
}

static const char *fmt_pct(double pct, char *buf, size_t len)
{
	if (isnan(pct))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%%", pct);
	return buf;
}

static void print_percentiles(FILE *out, const struct vmexit_latency *lat)
{
	static const double pcts[] = { 50, 90, 99 };
	char buf[24];
	size_t i;

	for (i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
		fprintf(out, " %9s",
			latency_format_ns(latency_percentile_ns(lat, pcts[i]),
					  !lat->count, buf, sizeof(buf)));
}

/* The headers of print_percentiles(): " %9s" each. */
#define PCT_HEADER \
	"  WAKE_P50  WAKE_P90  WAKE_P99   PRE_P50   PRE_P90   PRE_P99"

static void print_cpus(FILE *out, const struct sched_report *report)
{
	char steal[24], pct[16], ns[24];
	bool header = false;
	size_t i;
	uint32_t t;

	for (i = 0; i < report->cpus->nr; i++) {
		const struct vmexit_cpu_sched *cpu = &report->cpus->rec[i];

		/* A CPU no vCPU ran or waited on says nothing here. */
		if (!cpu->wait_ns && !cpu->vcpu_run_ns && !cpu->nr_thieves)
			continue;
		if (!header) {
			fprintf(out, "%-5s %9s %7s %9s%s\n", "CPU", "STEAL",
				"STEAL%", "VCPU_RUN", PCT_HEADER);
			header = true;
		}
		fprintf(out, "%-5" PRIu32 " %9s %7s %9s", cpu->cpu,
			fmt_ns(cpu->wait_ns, steal, sizeof(steal)),
			fmt_pct(cpu_steal_pct(report, cpu), pct, sizeof(pct)),
			fmt_ns(cpu->vcpu_run_ns, ns, sizeof(ns)));
		print_percentiles(out, &cpu->wakeup);
		print_percentiles(out, &cpu->preempt);
		fputc('\n', out);
		for (t = 0; t < cpu->nr_thieves; t++) {
			const struct vmexit_thief *thief = &cpu->thieves[t];

			fprintf(out,
				"      ran meanwhile: tid %-7" PRIu32
				" %-16s %9s",
				thief->tid, thief->comm,
				fmt_ns(thief->ns, ns, sizeof(ns)));
			if (thief->over_ns)
				fprintf(out, " (up to %s too high)",
					fmt_ns(thief->over_ns, steal,
					       sizeof(steal)));
			if (thief->is_vcpu)
				fprintf(out,
					"  vCPU %" PRIu32 " of PID %" PRIu32,
					thief->vcpu_id, thief->vm_pid);
			fputc('\n', out);
		}
		if (cpu->unattributed_ns)
			fprintf(out, "      ran meanwhile: not known %9s\n",
				fmt_ns(cpu->unattributed_ns, ns, sizeof(ns)));
	}
	if (!header)
		fprintf(out, "no vCPU waited for a CPU\n");
}

static void print_times(FILE *out, const struct vmexit_sched *v, double pct)
{
	char run[24], steal[24], idle[24], pct_buf[16];

	fprintf(out, " %9s %9s %7s %9s %8" PRIu64 " %6" PRIu64,
		fmt_ns(v->run_ns, run, sizeof(run)),
		fmt_ns(v->wait_ns, steal, sizeof(steal)),
		fmt_pct(isnan(pct) ? 0 : pct, pct_buf, sizeof(pct_buf)),
		fmt_ns(v->idle_ns, idle, sizeof(idle)), v->preemptions,
		v->migrations);
	print_percentiles(out, &v->wakeup);
	print_percentiles(out, &v->preempt);
	fputc('\n', out);
}

static void print_vcpus(FILE *out, const struct sched_report *report,
			const struct vcpu_row *rows, size_t nr_rows)
{
	char cpu[16];
	size_t i;

	if (!report->vcpus->nr) {
		fprintf(out, "no vCPU thread tracked\n");
		return;
	}
	if (!rows) {
		fprintf(out, "vCPU table: out of memory\n");
		return;
	}
	fprintf(out, "%-8s %5s %-8s %-8s %4s %9s %9s %7s %9s %8s %6s%s\n",
		"PID", "VCPU", "TID", "STATE", "CPU", "RUN", "STEAL", "STEAL%",
		"IDLE", "PREEMPT", "MIGR", PCT_HEADER);
	for (i = 0; i < nr_rows; i++) {
		const struct vmexit_sched *v = rows[i].v;
		const char *state = sched_state_name(v->state);

		if (v->has_cpu)
			snprintf(cpu, sizeof(cpu), "%" PRIu32, v->cpu);
		else
			snprintf(cpu, sizeof(cpu), "-");
		fprintf(out,
			"%-8" PRIu32 " %5" PRIu32 " %-8" PRIu32 " %-8s %4s",
			v->vm_pid, v->vcpu_id, v->vcpu_tid, state ? state : "-",
			cpu);
		print_times(out, v, vcpu_steal_pct(report, v, 1));
	}
}

static void print_vms(FILE *out, const struct sched_report *report,
		      const struct sched_vms *vms)
{
	char vm_id[20];
	size_t i;

	if (!vms->nr)
		return;
	fprintf(out, "%-8s %-16s %5s %9s %9s %7s %9s %8s %6s%s\n", "PID",
		"VM_ID", "VCPUS", "RUN", "STEAL", "STEAL%", "IDLE", "PREEMPT",
		"MIGR", PCT_HEADER);
	for (i = 0; i < vms->nr; i++) {
		const struct sched_vm *vm = &vms->rec[i];

		vm_id_format(vm->sum.vm_id, vm_id, sizeof(vm_id));
		fprintf(out, "%-8" PRIu32 " %-16s %5" PRIu32, vm->sum.vm_pid,
			vm_id, vm->vcpus);
		print_times(out, &vm->sum,
			    vcpu_steal_pct(report, &vm->sum, vm->present));
	}
}

static void print_stars(FILE *out, uint64_t val, uint64_t val_max, int width)
{
	int stars = val_max ? (int)(val * width / val_max) : 0;
	int i;

	for (i = 0; i < stars; i++)
		fputc('*', out);
	for (; i < width; i++)
		fputc(' ', out);
}

/*
 * The layout of libbpf-tools' print_log2_hist(), in usecs as runqlat
 * prints by default.  Our buckets are powers of 2 in ns, so a row's
 * usecs are its bucket's ends divided by 1000 (rounded down) and every
 * bucket under 1024 ns is the one row "0 -> 1".
 */
void sched_print_log2_hist(FILE *out, const struct vmexit_latency *lat)
{
	uint64_t rows[VMEXIT_STAT_LAT_BUCKETS - FIRST_USEC_BUCKET + 1] = {};
	uint64_t val_max = 0;
	int i, row, last_row = -1;

	for (i = 0; i < VMEXIT_STAT_LAT_BUCKETS; i++) {
		row = i < FIRST_USEC_BUCKET ? 0 : i - FIRST_USEC_BUCKET + 1;
		rows[row] += lat->hist[i];
	}
	for (row = 0; row < (int)(sizeof(rows) / sizeof(rows[0])); row++) {
		if (rows[row])
			last_row = row;
		if (rows[row] > val_max)
			val_max = rows[row];
	}
	if (last_row < 0)
		return;

	fprintf(out, "%*s%-*s : count    distribution\n", 5, "", 19, "usecs");
	for (row = 0; row <= last_row; row++) {
		uint64_t low = 0, high = 1;

		if (row) {
			i = row - 1 + FIRST_USEC_BUCKET;
			low = (1ULL << i) / 1000;
			high = ((1ULL << (i + 1)) - 1) / 1000;
		}
		fprintf(out, "%*" PRIu64 " -> %-*" PRIu64 " : %-8" PRIu64 " |",
			10, low, 10, high, rows[row]);
		print_stars(out, rows[row], val_max, 40);
		fprintf(out, "|\n");
	}
}

static void print_hist_pair(FILE *out, const char *who,
			    const struct vmexit_latency *wakeup,
			    const struct vmexit_latency *preempt)
{
	if (wakeup->count) {
		fprintf(out, "\n%s: wake-up latency\n", who);
		sched_print_log2_hist(out, wakeup);
	}
	if (preempt->count) {
		fprintf(out, "\n%s: preemption wait\n", who);
		sched_print_log2_hist(out, preempt);
	}
}

static void print_hists(FILE *out, const struct sched_report *report,
			const struct vcpu_row *rows, size_t nr_rows)
{
	char who[96];
	size_t i;

	for (i = 0; i < report->cpus->nr; i++) {
		const struct vmexit_cpu_sched *cpu = &report->cpus->rec[i];

		snprintf(who, sizeof(who), "CPU %" PRIu32, cpu->cpu);
		print_hist_pair(out, who, &cpu->wakeup, &cpu->preempt);
	}
	for (i = 0; i < nr_rows; i++) {
		const struct vmexit_sched *v = rows[i].v;

		snprintf(who, sizeof(who),
			 "vCPU %" PRIu32 " of PID %" PRIu32 " (tid %" PRIu32
			 ")",
			 v->vcpu_id, v->vm_pid, v->vcpu_tid);
		print_hist_pair(out, who, &v->wakeup, &v->preempt);
	}
}

void sched_print(FILE *out, const struct sched_report *report, bool hist)
{
	struct sched_vms vms;
	char interval[24];
	size_t nr_rows;
	struct vcpu_row *rows = vcpu_rows(report, &nr_rows);

	if (report->interval_ns)
		fprintf(out, "%s: the last %s\n", report->backend,
			fmt_ns(report->interval_ns, interval,
			       sizeof(interval)));
	else
		fprintf(out, "%s: totals since tracking began\n",
			report->backend);
	fputc('\n', out);
	print_cpus(out, report);
	fputc('\n', out);
	print_vcpus(out, report, rows, nr_rows);
	if (!sched_vms_build(report->vcpus, &vms)) {
		if (vms.nr)
			fputc('\n', out);
		print_vms(out, report, &vms);
		free(vms.rec);
	}
	if (hist)
		print_hists(out, report, rows, nr_rows);
	free(rows);
}

/* CSV */

/*
 * One stream of three tables, told apart by the first column, so that
 * a spreadsheet filters on it: the columns are those of every table,
 * empty where a table has no such figure.  Times are seconds.
 */
static const char *const csv_columns[] = {
	"table",
	"time",
	"interval_s",
	"backend",
	"vm_pid",
	"vm_name",
	"vm_id",
	"vcpu",
	"tid",
	"state",
	"cpu",
	"vcpus",
	"run_s",
	"steal_s",
	"steal_pct",
	"idle_s",
	"timeslices",
	"preemptions",
	"migrations",
	"waits",
	"wakeups",
	"wakeup_s",
	"wakeup_p50_s",
	"wakeup_p90_s",
	"wakeup_p99_s",
	"preempt_waits",
	"preempt_s",
	"preempt_p50_s",
	"preempt_p90_s",
	"preempt_p99_s",
	"vcpu_run_s",
	"unattributed_s",
	NULL,
};

#define CSV_NS_DECIMALS 9

void sched_csv_header(FILE *out)
{
	csv_names(out, csv_columns);
}

static void csv_seconds(struct csv_row *row, uint64_t ns)
{
	csv_double(row, (double)ns / 1e9, CSV_NS_DECIMALS);
}

/* table, time, interval_s, backend */
static void csv_start(struct csv_row *row, const struct sched_report *report,
		      const char *table)
{
	csv_str(row, table);
	csv_double(row,
		   (double)report->read_at.tv_sec +
			   (double)report->read_at.tv_nsec / 1e9,
		   6);
	if (report->interval_ns)
		csv_seconds(row, report->interval_ns);
	else
		csv_empty(row);
	csv_str(row, report->backend);
}

static void csv_vm(struct csv_row *row, uint32_t pid, const char *name,
		   uint64_t vm_id)
{
	char text[20];

	vm_id_format(vm_id, text, sizeof(text));
	csv_u64(row, pid);
	csv_str(row, name);
	csv_str(row, text);
}

static void csv_empties(struct csv_row *row, int n)
{
	while (n-- > 0)
		csv_empty(row);
}

/* waits to preempt_p99_s */
static void csv_latencies(struct csv_row *row,
			  const struct vmexit_latency *wakeup,
			  const struct vmexit_latency *preempt)
{
	const struct vmexit_latency *lat[] = { wakeup, preempt };
	static const double pcts[] = { 50, 90, 99 };
	size_t i, p;

	csv_u64(row, wakeup->count + preempt->count);
	for (i = 0; i < 2; i++) {
		csv_u64(row, lat[i]->count);
		csv_seconds(row, lat[i]->sum_ns);
		for (p = 0; p < sizeof(pcts) / sizeof(pcts[0]); p++) {
			if (lat[i]->count)
				csv_seconds(row, latency_percentile_ns(
							 lat[i], pcts[p]));
			else
				csv_empty(row);
		}
	}
}

/* run_s to migrations */
static void csv_times(struct csv_row *row, const struct vmexit_sched *v,
		      double pct)
{
	csv_seconds(row, v->run_ns);
	csv_seconds(row, v->wait_ns);
	csv_double(row, isnan(pct) ? 0 : pct, 2);
	csv_seconds(row, v->idle_ns);
	csv_u64(row, v->timeslices);
	csv_u64(row, v->preemptions);
	csv_u64(row, v->migrations);
}

static void csv_vcpu(FILE *out, const struct sched_report *report,
		     const struct vcpu_row *vrow)
{
	const struct vmexit_sched *v = vrow->v;
	const char *state = sched_state_name(v->state);
	struct csv_row row = { .out = out };

	csv_start(&row, report, "vcpu");
	csv_vm(&row, v->vm_pid, vrow->vm_name, v->vm_id);
	csv_u64(&row, v->vcpu_id);
	csv_u64(&row, v->vcpu_tid);
	csv_str(&row, state ? state : "");
	if (v->has_cpu)
		csv_u64(&row, v->cpu);
	else
		csv_empty(&row);
	csv_empty(&row); /* vcpus */
	csv_times(&row, v, vcpu_steal_pct(report, v, 1));
	csv_latencies(&row, &v->wakeup, &v->preempt);
	csv_empties(&row, 2); /* vcpu_run_s, unattributed_s */
	csv_end(&row);
}

static void csv_vm_row(FILE *out, const struct sched_report *report,
		       const struct sched_vm *vm, const char *name)
{
	struct csv_row row = { .out = out };

	csv_start(&row, report, "vm");
	csv_vm(&row, vm->sum.vm_pid, name, vm->sum.vm_id);
	csv_empties(&row, 4); /* vcpu, tid, state, cpu */
	csv_u64(&row, vm->vcpus);
	csv_times(&row, &vm->sum,
		  vcpu_steal_pct(report, &vm->sum, vm->present));
	csv_latencies(&row, &vm->sum.wakeup, &vm->sum.preempt);
	csv_empties(&row, 2);
	csv_end(&row);
}

static void csv_cpu(FILE *out, const struct sched_report *report,
		    const struct vmexit_cpu_sched *cpu)
{
	struct csv_row row = { .out = out };

	csv_start(&row, report, "cpu");
	csv_empties(&row, 6); /* vm_pid to state */
	csv_u64(&row, cpu->cpu);
	csv_empties(&row, 2); /* vcpus, run_s */
	csv_seconds(&row, cpu->wait_ns);
	csv_double(&row, cpu_steal_pct(report, cpu), 2);
	csv_empties(&row, 4); /* idle_s to migrations */
	csv_latencies(&row, &cpu->wakeup, &cpu->preempt);
	csv_seconds(&row, cpu->vcpu_run_ns);
	csv_seconds(&row, cpu->unattributed_ns);
	csv_end(&row);
}

int sched_csv(FILE *out, const struct sched_report *report)
{
	char name[VM_NAME_LEN];
	struct sched_vms vms;
	size_t i, nr_rows;
	struct vcpu_row *rows = vcpu_rows(report, &nr_rows);

	if (!rows && report->vcpus->nr)
		return -ENOMEM;
	if (sched_vms_build(report->vcpus, &vms)) {
		free(rows);
		return -ENOMEM;
	}
	for (i = 0; i < nr_rows; i++)
		csv_vcpu(out, report, &rows[i]);
	for (i = 0; i < vms.nr; i++) {
		name[0] = '\0';
		if (report->vm_name)
			report->vm_name(vms.rec[i].sum.vm_pid, name,
					sizeof(name));
		csv_vm_row(out, report, &vms.rec[i], name);
	}
	for (i = 0; i < report->cpus->nr; i++)
		csv_cpu(out, report, &report->cpus->rec[i]);
	free(vms.rec);
	free(rows);
	return 0;
}

/* The command */

struct sched_source {
	enum cli_backend backend;
	struct vmexit_client client;
	struct sched_bpf *bpf;
};

/* What view_run() hands back to the callbacks below. */
struct sched_view {
	struct sched_source *src;
	struct vmexit_filter filter;
	enum view_format format;
	bool hist;
	enum sched_sort_key sort;
	uint32_t top;
	bool csv_header_done; /* once for the whole stream */
	const char *backend;
};

struct sched_snapshot {
	struct vmexit_scheds vcpus;
	struct vmexit_cpu_scheds cpus;
	struct timespec read_at; /* CLOCK_REALTIME */
};

static void name_vm(uint32_t pid, char *name, size_t size)
{
	vm_name_for_pid(pid, name, size);
}

static void snapshot_free(void *snapshot)
{
	struct sched_snapshot *snap = snapshot;

	vmexit_scheds_free(&snap->vcpus);
	vmexit_cpu_scheds_free(&snap->cpus);
}

/* 0, or 1 after saying why. */
static int source_open(struct sched_source *src)
{
	struct vmexit_config config;

	if (src->backend == CLI_BACKEND_BPF) {
		if (!sched_bpf_open) {
			fprintf(stderr,
				"vmexit-stat: this build has no BPF backend\n");
			return 1;
		}
		return sched_bpf_open(&src->bpf) ? 1 : 0;
	}
	if (vmexit_connect(&src->client))
		return 1;
	/* Empty tables would not say why: say it once, up front. */
	if (!vmexit_get_config(&src->client, &config) && !config.sched)
		fprintf(stderr,
			"vmexit-stat: the module does not follow scheduling "
			"now (sched off): 'vmexit-stat config --sched on'\n");
	return 0;
}

static void source_close(struct sched_source *src)
{
	if (src->backend == CLI_BACKEND_BPF) {
		if (src->bpf)
			sched_bpf_close(src->bpf);
	} else {
		vmexit_client_close(&src->client);
	}
}

/* 0, or 1 after saying why (nothing read kept). */
static int source_read(void *ctx, void *snapshot)
{
	const struct sched_view *view = ctx;
	const struct vmexit_filter *filter = &view->filter;
	struct sched_source *src = view->src;
	struct sched_snapshot *snap = snapshot;
	int err;

	memset(snap, 0, sizeof(*snap));
	clock_gettime(CLOCK_REALTIME, &snap->read_at);
	if (src->backend == CLI_BACKEND_BPF) {
		err = sched_bpf_read(src->bpf, filter, &snap->vcpus,
				     &snap->cpus);
		if (err) {
			fprintf(stderr,
				"vmexit-stat: reading the BPF maps: %s\n",
				strerror(-err));
			goto fail;
		}
	} else {
		err = vmexit_dump_cpu_sched(&src->client, filter, &snap->cpus);
		if (err) {
			cli_report_read_error(&src->client, "dump CPU sched",
					      err);
			goto fail;
		}
		err = vmexit_dump_sched(&src->client, filter, &snap->vcpus);
		if (err) {
			cli_report_read_error(&src->client, "dump sched", err);
			goto fail;
		}
	}
	sched_sort(&snap->vcpus, &snap->cpus);
	return 0;
fail:
	snapshot_free(snap);
	return 1;
}

static int report(struct sched_view *view, uint64_t interval_ns,
		  const struct vmexit_scheds *vcpus,
		  const struct vmexit_cpu_scheds *cpus,
		  const struct timespec *read_at)
{
	struct sched_report rep = {
		.backend = view->backend,
		.interval_ns = interval_ns,
		.vcpus = vcpus,
		.cpus = cpus,
		.sort = view->sort,
		.top = view->top,
		.read_at = *read_at,
		/* /proc is read only where the names are used */
		.vm_name = view->format == VIEW_CSV ||
					   view->sort == SCHED_SORT_VM ?
				   name_vm :
				   NULL,
	};
	int status = 0;

	switch (view->format) {
	case VIEW_JSON:
	case VIEW_NDJSON:
		return view_print_json(sched_json(&rep),
				       view_json_one_line(view->format,
							  interval_ns));
	case VIEW_CSV:
		if (!view->csv_header_done) {
			sched_csv_header(stdout);
			view->csv_header_done = true;
		}
		if (sched_csv(stdout, &rep)) {
			fprintf(stderr, "vmexit-stat: out of memory\n");
			status = 1;
		}
		break;
	case VIEW_TEXT:
		sched_print(stdout, &rep, view->hist);
		break;
	}
	fflush(stdout);
	return status;
}

static int report_totals(void *ctx, const void *snapshot)
{
	const struct sched_snapshot *snap = snapshot;

	return report(ctx, 0, &snap->vcpus, &snap->cpus, &snap->read_at);
}

static int report_change(void *ctx, const void *before_snapshot,
			 const void *now_snapshot, uint64_t interval_ns)
{
	const struct sched_snapshot *before = before_snapshot;
	const struct sched_snapshot *now = now_snapshot;
	struct vmexit_scheds vcpus = {};
	struct vmexit_cpu_scheds cpus = {};
	int status;

	if (sched_delta(&before->vcpus, &before->cpus, &now->vcpus, &now->cpus,
			&vcpus, &cpus)) {
		fprintf(stderr, "vmexit-stat: out of memory\n");
		status = 1;
	} else {
		status = report(ctx, interval_ns, &vcpus, &cpus, &now->read_at);
	}
	vmexit_scheds_free(&vcpus);
	vmexit_cpu_scheds_free(&cpus);
	return status;
}

static const struct view_ops sched_view_ops = {
	.read = source_read,
	.report_totals = report_totals,
	.report_change = report_change,
	.snapshot_free = snapshot_free,
};

int cmd_sched(int argc, char **argv)
{
	enum { OPT_CPU = 256, OPT_HIST, OPT_SORT, OPT_TOP };
	static const struct option options[] = {
		VIEW_FORMAT_LONG_OPTIONS,
		{ "hist", no_argument, NULL, OPT_HIST },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "vm", required_argument, NULL, 'p' },
		{ "vm-id", required_argument, NULL, CLI_OPT_VM_ID },
		{ "vcpu", required_argument, NULL, CLI_OPT_VCPU },
		{ "cpu", required_argument, NULL, OPT_CPU },
		/*
		 * Of the shared source options only --backend fits: the
		 * interval is positional and taken by the module too.
		 */
		{ "backend", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sched_snapshot snaps[2];
	struct cli_source choice = {};
	struct sched_source src = {};
	struct sched_view view = { .src = &src };
	struct vmexit_filter *filter = &view.filter;
	struct view_run run = {
		.ops = &sched_view_ops,
		.ctx = &view,
		.snap = { &snaps[0], &snaps[1] },
	};
	int o, status;

	optind = 0;
	while ((o = getopt_long(argc, argv, "jp:b:h", options, NULL)) != -1) {
		status = view_format_option(&view.format, o, sched_usage);
		if (status > 0)
			return status;
		if (!status)
			continue;
		switch (o) {
		case 'b':
			status = cli_source_option(&choice, o, optarg,
						   sched_usage);
			if (status)
				return status;
			break;
		case OPT_HIST:
			view.hist = true;
			break;
		case OPT_SORT:
			if (!sched_sort_key_parse(optarg, &view.sort))
				return cli_bad_usage(sched_usage,
						     "--sort: no key '%s'; "
						     "the keys are %s",
						     optarg, sort_key_list);
			break;
		case OPT_TOP:
			if (!cli_parse_u32(optarg, &view.top) || !view.top)
				return cli_bad_usage(sched_usage,
						     "--top wants a number "
						     "of vCPUs (1 or more), "
						     "not '%s'",
						     optarg);
			break;
		case 'p':
		case CLI_OPT_VM_ID:
		case CLI_OPT_VCPU:
			status = cli_filter_option(filter, o, optarg,
						   sched_usage);
			if (status)
				return status;
			break;
		case OPT_CPU:
			if (!cli_parse_u32(optarg, &filter->cpu))
				return cli_bad_usage(sched_usage,
						     "--cpu wants a CPU "
						     "number, not '%s'",
						     optarg);
			filter->by_cpu = true;
			break;
		case 'h':
			sched_usage(stdout);
			return 0;
		default:
			sched_usage(stderr);
			return 2;
		}
	}
	status = view_parse_schedule(argc, argv, "sched", sched_usage,
				     &run.when);
	if (status)
		return status;
	if (view.hist && view.format == VIEW_CSV)
		return cli_bad_usage(sched_usage,
				     "--hist is for the text: CSV has the "
				     "percentiles, --json the histograms");

	src.backend = view_choose_backend(&choice, run.when.interval_ns);
	if (source_open(&src)) {
		view_suggest_bpf(&choice, sched_bpf_open, "it");
		return 1;
	}
	/* With an interval, a VMM's VM may be made meanwhile. */
	if (cli_check_vm(src.backend == CLI_BACKEND_BPF ? NULL : &src.client,
			 filter, run.when.interval_ns != 0)) {
		source_close(&src);
		return 1;
	}
	view.backend = src.backend == CLI_BACKEND_BPF ? "bpf" : "module";
	run.format = view.format;
	if (src.backend == CLI_BACKEND_BPF)
		run.wait_message = "following the scheduling of vCPU threads";
	status = view_run(&run);
	source_close(&src);
	return status;
}
