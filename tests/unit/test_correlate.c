// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat phases and correlate without a kernel: the change between
 * two reads, the sums over vCPUs, durations, the workload's results
 * picked out of a console log, the JSON shapes, the text tables and the
 * command lines.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <json-c/json.h>
#include <linux/vmexit_stat.h>

#include "commands.h"
#include "genl_client.h"
#include "latency.h"
#include "phase_views.h"
#include "unit.h"

#define SVM_IO 0x7b
#define SVM_HLT 0x78
#define SVM_NPF 0x400
#define S 1000000000ULL

static void one_bucket(struct vmexit_latency *lat, uint64_t count, int bucket)
{
	memset(lat, 0, sizeof(*lat));
	lat->count = count;
	lat->sum_ns = count << bucket;
	lat->min_ns = 1ULL << bucket;
	lat->max_ns = 1ULL << bucket;
	lat->hist[bucket] = count;
}

static struct vmexit_phase phase(uint32_t vcpu, uint32_t id)
{
	struct vmexit_phase p = {
		.vm_pid = 4242,
		.vm_id = 0xabc,
		.vcpu_id = vcpu,
		.vcpu_tid = 4250 + vcpu,
		.phase_id = id,
		.has_latency = true,
	};

	return p;
}

static void add_exit(struct vmexit_phase *p, uint32_t code, uint64_t count)
{
	p->exit[p->nr_exits++] = (struct vmexit_phase_exit){
		.isa = VMEXIT_STAT_ISA_SVM, .code = code, .count = count
	};
}

/*
 * The window starts at 15 s.  Before it, vCPU 0 ran phase 1 once
 * (100 io exits) and vCPU 1 ran phase 2.  In it: vCPU 0 ran phase 1
 * again from 20 s to 22 s (600 io, 400 hlt), vCPU 1 ran it from 20.5 s
 * to 22.5 s (300 io, 200 npf), then vCPU 0 entered phase 4 at 23 s and
 * is still in it.
 */
struct two_reads {
	struct vmexit_phases before;
	struct vmexit_phases now;
};

static void two_reads_fill(struct two_reads *r)
{
	struct vmexit_phase p;

	memset(r, 0, sizeof(*r));
	p = phase(0, 1);
	p.starts = 1;
	p.ends = 1;
	p.active_ns = 1 * S;
	p.last_start_ns = 10 * S;
	p.last_end_ns = 11 * S;
	p.exits = 100;
	add_exit(&p, SVM_IO, 100);
	one_bucket(&p.latency, 100, 12);
	CHECK(!vmexit_phases_add(&r->before, &p));

	p = phase(1, 2);
	p.starts = 1;
	p.ends = 1;
	p.active_ns = 2 * S;
	p.last_start_ns = 5 * S;
	p.last_end_ns = 7 * S;
	p.exits = 10;
	add_exit(&p, SVM_HLT, 10);
	CHECK(!vmexit_phases_add(&r->before, &p));
	CHECK(!vmexit_phases_add(&r->now, &p)); /* nothing since */

	p = phase(0, 1);
	p.starts = 2;
	p.ends = 2;
	p.active_ns = 3 * S;
	p.last_start_ns = 20 * S;
	p.last_end_ns = 22 * S;
	p.exits = 1100;
	p.wait_ns = 200000000;
	add_exit(&p, SVM_IO, 700);
	add_exit(&p, SVM_HLT, 400);
	one_bucket(&p.latency, 1100, 14);
	p.latency.hist[12] = 100;
	p.latency.hist[14] = 1000;
	p.latency.min_ns = 4096;
	CHECK(!vmexit_phases_add(&r->now, &p));

	p = phase(1, 1);
	p.starts = 1;
	p.ends = 1;
	p.active_ns = 1500000000;
	p.last_start_ns = 20500000000ULL;
	p.last_end_ns = 22500000000ULL;
	p.exits = 500;
	p.wait_ns = 100000000;
	add_exit(&p, SVM_IO, 300);
	add_exit(&p, SVM_NPF, 200);
	one_bucket(&p.latency, 500, 10);
	CHECK(!vmexit_phases_add(&r->now, &p));

	p = phase(0, 4);
	p.open = true;
	p.starts = 1;
	p.active_ns = 4 * S;
	p.last_start_ns = 23 * S;
	p.exits = 4000;
	p.has_latency = false;
	add_exit(&p, SVM_IO, 4000);
	CHECK(!vmexit_phases_add(&r->now, &p));
	phases_sort(&r->now);
}

static void two_reads_free(struct two_reads *r)
{
	vmexit_phases_free(&r->before);
	vmexit_phases_free(&r->now);
}

static const struct vmexit_phase *find(const struct vmexit_phases *list,
				       uint32_t vcpu, uint32_t id)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		if (list->rec[i].vcpu_id == vcpu && list->rec[i].phase_id == id)
			return &list->rec[i];
	unit_fail(__FILE__, __LINE__, "no phase %u of vCPU %u", id, vcpu);
	return &list->rec[0];
}

static void phases_deltas(void)
{
	struct two_reads r;
	struct vmexit_phases out = {};
	const struct vmexit_phase *d;

	two_reads_fill(&r);
	CHECK(!phases_delta(&r.before, &r.now, &out));
	CHECK_U64(out.nr, 4);

	d = find(&out, 0, 1);
	CHECK_U64(d->starts, 1);
	CHECK_U64(d->ends, 1);
	CHECK_U64(d->active_ns, 2 * S);
	CHECK_U64(d->exits, 1000);
	CHECK_U64(d->wait_ns, 200000000);
	/* times are now's, not differences */
	CHECK_U64(d->last_start_ns, 20 * S);
	CHECK_U64(d->last_end_ns, 22 * S);
	CHECK_U64(d->nr_exits, 2);
	CHECK_U64(d->exit[0].code, SVM_IO);
	CHECK_U64(d->exit[0].count, 600);
	CHECK_U64(d->exit[1].code, SVM_HLT);
	CHECK_U64(d->exit[1].count, 400);
	CHECK_U64(d->latency.count, 1000);
	CHECK_U64(d->latency.hist[12], 0);
	CHECK_U64(d->latency.hist[14], 1000);

	/* unchanged: all zero, no code left */
	d = find(&out, 1, 2);
	CHECK_U64(d->starts + d->ends + d->active_ns + d->exits, 0);
	CHECK_U64(d->nr_exits, 0);

	/* new since: all of it */
	d = find(&out, 1, 1);
	CHECK_U64(d->exits, 500);
	CHECK_U64(d->nr_exits, 2);
	vmexit_phases_free(&out);

	/* a reset in between: counts from zero */
	CHECK(!phases_delta(&r.now, &r.before, &out));
	d = find(&out, 0, 1);
	CHECK_U64(d->exits, 100);
	CHECK_U64(d->exit[0].count, 100);
	vmexit_phases_free(&out);
	two_reads_free(&r);
}

static void phases_top_and_sum(void)
{
	struct vmexit_phase p = phase(0, 1), sum = phase(0, 1);
	size_t top[3];
	char label[64];
	uint32_t i;

	add_exit(&p, SVM_HLT, 5);
	add_exit(&p, SVM_IO, 50);
	add_exit(&p, SVM_NPF, 7);
	add_exit(&p, 0x72, 7); /* cpuid: ties go by code */
	add_exit(&p, 0x60, 1);
	CHECK_U64(phase_top_exits(&p, top, 3), 3);
	CHECK_U64(p.exit[top[0]].code, SVM_IO);
	CHECK_U64(p.exit[top[1]].code, 0x72);
	CHECK_U64(p.exit[top[2]].code, SVM_NPF);
	CHECK_U64(phase_top_exits(&p, top, 1), 1);
	CHECK_U64(p.exit[top[0]].code, SVM_IO);
	CHECK_STR(phase_exit_label(&p.exit[1], label, sizeof(label)), "io");
	p.exit[1].isa = VMEXIT_STAT_ISA_VMX;
	p.exit[1].code = 48;
	p.exit[1].flags = VMEXIT_STAT_EXIT_FLAG_VMX_FROM_ROOT;
	CHECK_STR(phase_exit_label(&p.exit[1], label, sizeof(label)),
		  "EPT_VIOLATION+from_root");

	/* exits beyond the codes named are "other" */
	p.exits = 100;
	CHECK_U64(phase_other_exits(&p), 100 - 70);

	/* a sum past 64 codes keeps the first, the rest goes to other */
	memset(&p, 0, sizeof(p));
	for (i = 0; i < 40; i++)
		add_exit(&p, i, 1);
	p.exits = 40;
	phase_add(&sum, &p);
	for (i = 0; i < 40; i++)
		p.exit[i].code = 100 + i;
	phase_add(&sum, &p);
	CHECK_U64(sum.nr_exits, VMEXIT_PHASE_EXITS_MAX);
	CHECK_U64(sum.exits, 80);
	CHECK_U64(phase_other_exits(&sum), 80 - 64);
}

static struct json_object *get(struct json_object *obj, const char *key)
{
	struct json_object *val = NULL;

	if (!json_object_object_get_ex(obj, key, &val))
		unit_fail(__FILE__, __LINE__, "no key \"%s\"", key);
	return val;
}

static struct json_object *at(struct json_object *array, size_t i)
{
	if (!json_object_is_type(array, json_type_array) ||
	    json_object_array_length(array) <= i) {
		unit_fail(__FILE__, __LINE__, "no element %zu", i);
		return NULL;
	}
	return json_object_array_get_idx(array, i);
}

static uint64_t get_u64(struct json_object *obj, const char *key)
{
	return json_object_get_uint64(get(obj, key));
}

static char *keys_of(struct json_object *obj)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	bool first = true;

	json_object_object_foreach(obj, key, val)
	{
		(void)val;
		fprintf(out, "%s%s", first ? "" : ",", key);
		first = false;
	}
	fclose(out);
	return text;
}

#define CHECK_KEYS(obj, want)               \
	do {                                \
		char *keys_ = keys_of(obj); \
		CHECK_STR(keys_, want);     \
		free(keys_);                \
	} while (0)

static void phases_json_shape(void)
{
	struct vmexit_info info = { .markers_seen = 9,
				    .markers_unmatched = 1,
				    .phases_dropped = 2 };
	struct phases_report rep;
	struct json_object *obj, *p, *e;
	struct two_reads r;

	two_reads_fill(&r);
	rep = (struct phases_report){ "module", 0, &info, &r.now };
	obj = phases_json(&rep);
	CHECK(obj);
	CHECK_KEYS(obj, "backend,interval_ns,markers_seen,markers_unmatched,"
			"phases_dropped,phases");
	CHECK_STR(json_object_get_string(get(obj, "backend")), "module");
	CHECK(json_object_is_type(get(obj, "interval_ns"), json_type_null));
	CHECK_U64(get_u64(obj, "markers_seen"), 9);
	CHECK_U64(get_u64(obj, "markers_unmatched"), 1);
	CHECK_U64(get_u64(obj, "phases_dropped"), 2);
	CHECK_U64(json_object_array_length(get(obj, "phases")), 4);

	/* sorted: vCPU 0 phase 1, vCPU 0 phase 4, vCPU 1 phase 1, 2 */
	p = at(get(obj, "phases"), 0);
	CHECK_KEYS(p, "vm_pid,vm_id,vcpu_id,tid,phase_id,open,starts,ends,"
		      "active_ns,last_start_ns,last_end_ns,exits,wait_ns,"
		      "latency,exits_by_reason");
	CHECK_U64(get_u64(p, "vm_pid"), 4242);
	CHECK_STR(json_object_get_string(get(p, "vm_id")), "0000000000000abc");
	CHECK_U64(get_u64(p, "tid"), 4250);
	CHECK_U64(get_u64(p, "phase_id"), 1);
	CHECK(json_object_is_type(get(p, "open"), json_type_boolean));
	CHECK(!json_object_get_boolean(get(p, "open")));
	CHECK_U64(get_u64(p, "active_ns"), 3 * S);
	CHECK_U64(get_u64(p, "last_end_ns"), 22 * S);
	CHECK_U64(get_u64(p, "wait_ns"), 200000000);
	CHECK_KEYS(get(p, "latency"), "count,sum_ns,min_ns,max_ns,avg_ns,"
				      "p50_ns,p90_ns,p99_ns,hist");
	CHECK_U64(get_u64(get(p, "latency"), "count"), 1100);
	/* busiest first */
	e = at(get(p, "exits_by_reason"), 0);
	CHECK_KEYS(e, "isa,code,flags,reason,count");
	CHECK_STR(json_object_get_string(get(e, "isa")), "svm");
	CHECK_U64(get_u64(e, "code"), SVM_IO);
	CHECK_U64(get_u64(e, "flags"), 0);
	CHECK_STR(json_object_get_string(get(e, "reason")), "io");
	CHECK_U64(get_u64(e, "count"), 700);
	e = at(get(p, "exits_by_reason"), 1);
	CHECK_STR(json_object_get_string(get(e, "reason")), "hlt");

	p = at(get(obj, "phases"), 1);
	CHECK_U64(get_u64(p, "phase_id"), 4);
	CHECK(json_object_get_boolean(get(p, "open")));
	CHECK(json_object_is_type(get(p, "latency"), json_type_null));
	CHECK_U64(get_u64(p, "last_end_ns"), 0);
	json_object_put(obj);

	rep.interval_ns = 2 * S;
	rep.backend = "bpf";
	rep.info = NULL;
	obj = phases_json(&rep);
	CHECK_STR(json_object_get_string(get(obj, "backend")), "bpf");
	CHECK_U64(get_u64(obj, "interval_ns"), 2 * S);
	CHECK_U64(get_u64(obj, "markers_seen"), 0);
	json_object_put(obj);
	two_reads_free(&r);
}

static char *capture_phases(const struct phases_report *rep)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	phases_print(out, rep);
	fclose(out);
	return text;
}

static void phases_text(void)
{
	struct vmexit_info info = { .markers_seen = 9 };
	struct vmexit_phases none = {};
	struct phases_report rep;
	struct two_reads r;
	char *text;

	two_reads_fill(&r);
	rep = (struct phases_report){ "module", 0, &info, &r.now };
	text = capture_phases(&rep);
	CHECK_CONTAINS(text, "module: totals since tracking began\n"
			     "phase markers seen 9, unmatched ends 0, phases "
			     "dropped 0\n");
	CHECK_CONTAINS(text, "PID       VCPU TID      PHASE OPEN  STARTS    "
			     "ENDS   ACTIVE_S     EXITS    EXITS/S  LAT_P50  "
			     "LAT_P99  STEAL%  TOP_REASONS\n");
	/* 1100 exits in 3 s; 0.2 s of 3 s waited */
	CHECK_CONTAINS(text, "4242         0 4250         1 no         2    "
			     "   2      3.000      1100      366.7   16.4us   "
			     "16.4us    6.7%  io 700, hlt 400\n");
	CHECK_CONTAINS(text, "4242         0 4250         4 yes        1    "
			     "   0      4.000      4000     1000.0        -   "
			     "     -    0.0%  io 4000\n");
	/* the VM: phase 1 of both vCPUs, 1600 exits in 4.5 s */
	CHECK_CONTAINS(text, "PID      VM_ID            PHASE VCPUS OPEN");
	CHECK_CONTAINS(text, "4242     0000000000000abc     1     2 no   "
			     "      3       3      4.500      1600      "
			     "355.6");
	CHECK_CONTAINS(text, "io 1000, hlt 400, npf 200\n");
	free(text);

	rep.phases = &none;
	rep.backend = "bpf";
	text = capture_phases(&rep);
	CHECK_CONTAINS(text, "bpf: totals since the programs attached\n");
	free(text);
	rep.backend = "module";
	rep.interval_ns = S;
	info.markers_seen = 0;
	text = capture_phases(&rep);
	CHECK_CONTAINS(text, "module: the last 1.00s\n");
	CHECK_CONTAINS(text, "no phase marked (no marker seen: run the "
			     "workload with --markers)\n");
	free(text);
	two_reads_free(&r);
}

/* A guest's console: boot noise, bench's lines, a broken one. */
static const char console_log[] =
	"[    3.001] Booting the kernel\n"
	"{\"workload\":\"cpu\",\"mode\":null,\"phase_id\":1,\"threads\":2,"
	"\"result\":{\"value\":1234.5,\"unit\":\"events/s\"}}\n"
	"guest# {\"workload\":\"fileio\",\"mode\":\"run\",\"phase_id\":4,"
	"\"result\":{\"value\":250.2512345678,\"unit\":\"IOPS\"}}\r\n"
	"{\"workload\":\"memory\",\"phase_id\":null,\"result\":{\"value\":1,"
	"\"unit\":\"MiB/s\"}}\n"
	"{\"workload\":\"memory\",\"phase_id\":2,\"result\":{\"value\":\n"
	"{\"workload\":\"memory\",\"phase_id\":2} trailing words\n"
	"[1, 2, 3]\n"
	"{\"workload\":\"fileio\",\"mode\":\"prepare\",\"phase_id\":3,"
	"\"result\":null}\n"
	"{\"workload\":\"cpu\",\"phase_id\":1,\"result\":{\"value\":2000,"
	"\"unit\":\"events/s\"}}\n"
	"{\"phase_id\":40000}\n"
	"no newline at the end {\"phase_id\":7,\"result\":{\"value\":1.5,"
	"\"unit\":\"MiB/s\"}}";

static void read_console(struct correlate_results *results)
{
	FILE *in = fmemopen((void *)console_log, strlen(console_log), "r");

	memset(results, 0, sizeof(*results));
	CHECK(in);
	CHECK(!correlate_results_read(in, results));
	fclose(in);
}

static const struct correlate_result *
result_of(const struct correlate_results *results, uint32_t id)
{
	size_t i;

	for (i = 0; i < results->nr; i++)
		if (results->rec[i].phase_id == id)
			return &results->rec[i];
	return NULL;
}

static void results_from_console(void)
{
	struct correlate_results results;
	const struct correlate_result *res;

	read_console(&results);
	/* 1 (the later line), 4, 3, 7; not the broken, null or too big */
	CHECK_U64(results.nr, 4);
	res = result_of(&results, 1);
	CHECK(res && res->has_value);
	if (res) {
		CHECK(fabs(res->value - 2000.0) < 1e-9);
		CHECK_STR(res->unit, "events/s");
		CHECK_STR(res->workload, "cpu");
		CHECK_STR(res->mode, "");
	}
	res = result_of(&results, 4);
	CHECK(res && res->has_value &&
	      fabs(res->value - 250.2512345678) < 1e-9);
	if (res) {
		CHECK_STR(res->unit, "IOPS");
		CHECK_STR(res->mode, "run");
	}
	res = result_of(&results, 3);
	CHECK(res && !res->has_value);
	CHECK(!result_of(&results, 2));
	res = result_of(&results, 7);
	CHECK(res && res->has_value && fabs(res->value - 1.5) < 1e-9);
	correlate_results_free(&results);
	CHECK(!results.rec && !results.nr);
}

static void correlate_rows(void)
{
	struct correlate_results results;
	struct correlate_table table;
	const struct correlate_row *row;
	struct two_reads r;

	two_reads_fill(&r);
	read_console(&results);
	CHECK(!correlate_build(&r.before, &r.now, 15 * S, &results, &table));
	/* phase 2 did nothing in the window: no row */
	CHECK_U64(table.nr, 2);

	row = &table.rec[0];
	CHECK_U64(row->sum.phase_id, 1);
	CHECK_U64(row->vcpus, 2);
	CHECK(!row->sum.open);
	CHECK_U64(row->sum.starts, 2);
	CHECK_U64(row->sum.ends, 2);
	CHECK_U64(row->sum.active_ns, 3500000000ULL);
	CHECK_U64(row->sum.exits, 1500);
	CHECK_U64(row->sum.wait_ns, 300000000);
	/* from vCPU 0's start at 20 s to vCPU 1's end at 22.5 s */
	CHECK(row->span);
	CHECK_U64(row->duration_ns, 2500000000ULL);
	CHECK(fabs(correlate_per_s(row, row->sum.exits) - 600.0) < 1e-9);
	CHECK(fabs(correlate_steal_pct(row) - 100.0 * 3 / 35) < 1e-9);
	CHECK_U64(row->sum.latency.count, 1500);
	CHECK_U64(row->sum.latency.hist[10], 500);
	CHECK_U64(row->sum.latency.hist[14], 1000);
	CHECK(row->result && fabs(row->result->value - 2000.0) < 1e-9);

	/* still open: the mean time in it per vCPU */
	row = &table.rec[1];
	CHECK_U64(row->sum.phase_id, 4);
	CHECK_U64(row->vcpus, 1);
	CHECK(row->sum.open);
	CHECK(!row->span);
	CHECK_U64(row->duration_ns, 4 * S);
	CHECK(fabs(correlate_per_s(row, row->sum.exits) - 1000.0) < 1e-9);
	CHECK(row->result && row->result->has_value);
	correlate_table_free(&table);

	/* No results: none joined.  A window after everything: no row. */
	CHECK(!correlate_build(&r.before, &r.now, 15 * S, NULL, &table));
	CHECK(!table.rec[0].result);
	correlate_table_free(&table);
	CHECK(!correlate_build(&r.now, &r.now, 30 * S, NULL, &table));
	CHECK_U64(table.nr, 0);
	correlate_table_free(&table);

	correlate_results_free(&results);
	two_reads_free(&r);
}

static void correlate_durations(void)
{
	struct vmexit_phases before = {}, now = {};
	struct correlate_table table;
	struct vmexit_phase p;

	/* started before the window, ended in it: from the window's start */
	p = phase(0, 3);
	p.starts = 1;
	p.active_ns = S;
	p.last_start_ns = 5 * S;
	CHECK(!vmexit_phases_add(&before, &p));
	p.ends = 1;
	p.active_ns = 4 * S;
	p.last_end_ns = 8 * S;
	CHECK(!vmexit_phases_add(&now, &p));
	/* ... while another vCPU ran it from 7 s to 9 s: 6 s to 9 s */
	p = phase(3, 3);
	p.starts = 1;
	p.ends = 1;
	p.active_ns = 2 * S;
	p.last_start_ns = 7 * S;
	p.last_end_ns = 9 * S;
	CHECK(!vmexit_phases_add(&now, &p));
	/* closed by another start, never ended: the mean active time */
	p = phase(1, 5);
	p.starts = 1;
	p.active_ns = 3 * S;
	p.last_start_ns = 6 * S;
	CHECK(!vmexit_phases_add(&now, &p));
	p = phase(2, 5);
	p.starts = 1;
	p.active_ns = S;
	p.last_start_ns = 6 * S;
	CHECK(!vmexit_phases_add(&now, &p));

	CHECK(!correlate_build(&before, &now, 6 * S, NULL, &table));
	CHECK_U64(table.nr, 2);
	CHECK(table.rec[0].span);
	CHECK_U64(table.rec[0].vcpus, 2);
	CHECK_U64(table.rec[0].duration_ns, 3 * S);
	CHECK(!table.rec[1].span);
	CHECK_U64(table.rec[1].vcpus, 2);
	CHECK_U64(table.rec[1].duration_ns, 2 * S);
	correlate_table_free(&table);
	vmexit_phases_free(&before);
	vmexit_phases_free(&now);
}

static void correlate_json_shape(void)
{
	struct vmexit_info info = { .markers_seen = 6 };
	struct correlate_results results;
	struct correlate_table table;
	struct correlate_report rep;
	struct json_object *obj, *row, *top, *res;
	struct two_reads r;

	two_reads_fill(&r);
	read_console(&results);
	CHECK(!correlate_build(&r.before, &r.now, 15 * S, &results, &table));
	rep = (struct correlate_report){ "module", 10 * S, &info, &table,
					 true };
	obj = correlate_json(&rep);
	CHECK(obj);
	CHECK_KEYS(obj, "backend,window_ns,markers_seen,markers_unmatched,"
			"phases_dropped,phases");
	CHECK_U64(get_u64(obj, "window_ns"), 10 * S);
	CHECK_U64(get_u64(obj, "markers_seen"), 6);
	CHECK_U64(json_object_array_length(get(obj, "phases")), 2);

	row = at(get(obj, "phases"), 0);
	CHECK_KEYS(row, "vm_pid,vm_id,phase_id,phase,vcpus,open,starts,ends,"
			"duration_ns,duration_kind,active_ns,exits,"
			"exits_per_s,top_reasons,other_exits,latency,wait_ns,"
			"steal_pct,result");
	CHECK_STR(json_object_get_string(get(row, "phase")), "cpu");
	CHECK_STR(json_object_get_string(get(row, "vm_id")),
		  "0000000000000abc");
	CHECK_U64(get_u64(row, "duration_ns"), 2500000000ULL);
	CHECK_STR(json_object_get_string(get(row, "duration_kind")), "span");
	CHECK(fabs(json_object_get_double(get(row, "exits_per_s")) - 600.0) <
	      1e-9);
	CHECK_U64(json_object_array_length(get(row, "top_reasons")), 3);
	top = at(get(row, "top_reasons"), 0);
	CHECK_KEYS(top, "isa,code,flags,reason,count,per_s");
	CHECK_STR(json_object_get_string(get(top, "reason")), "io");
	CHECK_U64(get_u64(top, "count"), 900);
	CHECK(fabs(json_object_get_double(get(top, "per_s")) - 360.0) < 1e-9);
	top = at(get(row, "top_reasons"), 2);
	CHECK_STR(json_object_get_string(get(top, "reason")), "npf");
	CHECK(fabs(json_object_get_double(get(top, "per_s")) - 80.0) < 1e-9);
	CHECK_KEYS(get(row, "latency"), "count,p50_ns,p90_ns,p99_ns");
	CHECK_U64(get_u64(get(row, "latency"), "count"), 1500);
	/* two thirds of the samples at 2^14 ns: p90 is there */
	CHECK_U64(get_u64(get(row, "latency"), "p90_ns"), 16384);
	CHECK(fabs(json_object_get_double(get(row, "steal_pct")) - 8.57) <
	      1e-9);
	res = get(row, "result");
	CHECK_KEYS(res, "workload,mode,value,unit");
	CHECK(fabs(json_object_get_double(get(res, "value")) - 2000.0) < 1e-9);
	CHECK_STR(json_object_get_string(get(res, "unit")), "events/s");
	CHECK(json_object_is_type(get(res, "mode"), json_type_null));

	row = at(get(obj, "phases"), 1);
	CHECK_STR(json_object_get_string(get(row, "phase")), "fileio-run");
	CHECK_STR(json_object_get_string(get(row, "duration_kind")),
		  "mean_active");
	CHECK(json_object_get_boolean(get(row, "open")));
	CHECK(json_object_is_type(get(row, "latency"), json_type_null));
	CHECK_STR(json_object_get_string(get(get(row, "result"), "mode")),
		  "run");
	/* as bench prints it, not in json-c's 17 digits */
	CHECK_STR(json_object_to_json_string(get(get(row, "result"), "value")),
		  "250.2512346");
	json_object_put(obj);

	correlate_table_free(&table);
	correlate_results_free(&results);
	two_reads_free(&r);
}

static char *capture_table(const struct correlate_report *rep)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	correlate_print(out, rep);
	fclose(out);
	return text;
}

static void correlate_text(void)
{
	struct vmexit_info info = { .markers_seen = 6, .markers_unmatched = 1 };
	struct correlate_results results;
	struct correlate_table table, empty = {};
	struct correlate_report rep;
	struct two_reads r;
	char name[24];
	char *text;

	CHECK_STR(phase_name(1, name, sizeof(name)), "cpu");
	CHECK_STR(phase_name(2, name, sizeof(name)), "memory");
	CHECK_STR(phase_name(3, name, sizeof(name)), "fileio-prepare");
	CHECK_STR(phase_name(4, name, sizeof(name)), "fileio-run");
	CHECK_STR(phase_name(5, name, sizeof(name)), "fileio-cleanup");
	CHECK_STR(phase_name(0, name, sizeof(name)), "phase 0");
	CHECK_STR(phase_name(32767, name, sizeof(name)), "phase 32767");

	two_reads_fill(&r);
	read_console(&results);
	CHECK(!correlate_build(&r.before, &r.now, 15 * S, &results, &table));
	rep = (struct correlate_report){ "module", 10 * S, &info, &table,
					 true };
	text = capture_table(&rep);
	CHECK_CONTAINS(text, "module: phases over 10.00s; phase markers seen "
			     "6, unmatched ends 1, phases dropped 0\n\n");
	CHECK_CONTAINS(text, "PID      PHASE             DURATION RESULT      "
			     "            EXITS/S  LAT_P50  LAT_P90  LAT_P99  "
			     "STEAL%  TOP_REASONS (exits/s)\n");
	CHECK_CONTAINS(text, "4242     cpu                  2.50s 2000.00 "
			     "events/s          600.0   16.4us   16.4us   "
			     "16.4us    8.6%  io 360.0, hlt 160.0, npf 80.0\n");
	CHECK_CONTAINS(text, "4242     fileio-run          *4.00s 250.25 IOPS"
			     "              1000.0        -        -        - "
			     "   0.0%  io 1000.0\n");
	CHECK_CONTAINS(text, "\n* mean time in the phase per vCPU");
	free(text);

	rep.table = &empty;
	info.markers_seen = 0;
	text = capture_table(&rep);
	CHECK_CONTAINS(text, "no phase in this time (no marker seen");
	free(text);
	correlate_table_free(&table);
	correlate_results_free(&results);
	two_reads_free(&r);
}

/* Command lines */

static struct captured run(int (*cmd)(int, char **), const char *const *argv)
{
	return unit_run_command(cmd, argv);
}

static void command_lines(void)
{
	static const struct {
		int (*cmd)(int, char **);
		const char *argv[8];
		int status;
		const char *err;
	} cases[] = {
		{ cmd_correlate,
		  { "correlate", "--vm", "12ab" },
		  2,
		  "--vm wants a pid or a VM's name, not '12ab'" },
		{ cmd_correlate,
		  { "correlate", "--vm", "no-such-vm" },
		  1,
		  "no VM named no-such-vm" },
		{ cmd_correlate,
		  { "correlate", "--vm", "0" },
		  2,
		  "--vm wants a pid" },
		{ cmd_correlate,
		  { "correlate", "--vm-id", "xyz" },
		  2,
		  "--vm-id wants a vm_id" },
		{ cmd_correlate,
		  { "correlate", "--vm", "1", "--vm-id", "2" },
		  2,
		  "--vm or --vm-id, not both" },
		{ cmd_correlate,
		  { "correlate", "--time", "0" },
		  2,
		  "--time wants seconds" },
		{ cmd_correlate,
		  { "correlate", "--time", "-1" },
		  2,
		  "--time wants seconds" },
		{ cmd_correlate,
		  { "correlate", "--backend", "kvm" },
		  2,
		  "unknown backend 'kvm'" },
		{ cmd_correlate,
		  { "correlate", "5" },
		  2,
		  "correlate: unexpected '5'" },
		{ cmd_correlate,
		  { "correlate", "-o", "" },
		  2,
		  "-o wants a file name" },
		{ cmd_correlate, { "correlate", "--bogus" }, 2, "usage:" },
		{ cmd_correlate,
		  { "correlate", "--results", "/nonexistent/results" },
		  1,
		  "--results /nonexistent/results: No such file" },
		{ cmd_correlate,
		  { "correlate", "-o", "/nonexistent/dir/out" },
		  1,
		  "-o /nonexistent/dir/out: cannot write in /nonexistent/dir" },
		{ cmd_correlate,
		  { "correlate", "--backend", "bpf" },
		  1,
		  "this build has no BPF backend" },
		{ cmd_phases,
		  { "phases", "--phase", "32768" },
		  2,
		  "--phase wants a phase id (0 to 32767), not '32768'" },
		{ cmd_phases,
		  { "phases", "--vcpu", "x" },
		  2,
		  "--vcpu wants a vCPU number" },
		{ cmd_phases, { "phases", "0" }, 2, "the interval is seconds" },
		{ cmd_phases,
		  { "phases", "1", "0" },
		  2,
		  "the count is a number of reports" },
		{ cmd_phases,
		  { "phases", "1", "2", "3" },
		  2,
		  "phases: unexpected '3'" },
		{ cmd_phases,
		  { "phases", "--backend", "bpf", "1" },
		  1,
		  "this build has no BPF backend" },
	};
	struct captured cap;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cap = run(cases[i].cmd, cases[i].argv);
		if (cap.status != cases[i].status)
			unit_fail(__FILE__, __LINE__,
				  "%s %s: status %d, want %d", cases[i].argv[0],
				  cases[i].argv[1], cap.status,
				  cases[i].status);
		CHECK_CONTAINS(cap.err, cases[i].err);
		CHECK_STR(cap.out, "");
		free(cap.out);
		free(cap.err);
	}

	cap = run(cmd_correlate, (const char *[]){ "correlate", "-h", NULL });
	CHECK_U64(cap.status, 0);
	CHECK_CONTAINS(cap.out, "usage: vmexit-stat correlate [--vm PID|NAME | "
				"--vm-id ID] [-o FILE]");
	free(cap.out);
	free(cap.err);
	cap = run(cmd_phases, (const char *[]){ "phases", "--help", NULL });
	CHECK_U64(cap.status, 0);
	CHECK_CONTAINS(cap.out, "usage: vmexit-stat phases [--vm PID|NAME]");
	free(cap.out);
	free(cap.err);
}

/* A failure after -o made its file leaves nothing behind. */
static void output_left_clean(void)
{
	char dir[] = "/tmp/vmexit-stat-unit-XXXXXX";
	char path[64], cmd[96];
	struct captured cap;

	CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/table.txt", dir);
	cap = run(cmd_correlate, (const char *[]){ "correlate", "--backend",
						   "bpf", "-o", path, NULL });
	CHECK_U64(cap.status, 1);
	CHECK_CONTAINS(cap.err, "no BPF backend");
	free(cap.out);
	free(cap.err);
	/* rmdir fails on a directory with a file left in it */
	CHECK(!rmdir(dir));
	if (access(dir, F_OK) == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		CHECK(!system(cmd));
	}
}

const struct unit_test correlate_tests[] = {
	{ "phases: the change between two reads", phases_deltas },
	{ "phases: top reasons, sums, other", phases_top_and_sum },
	{ "phases: JSON shape", phases_json_shape },
	{ "phases: text tables", phases_text },
	{ "correlate: results out of a console log", results_from_console },
	{ "correlate: rows summed over vCPUs, results joined", correlate_rows },
	{ "correlate: durations", correlate_durations },
	{ "correlate: JSON shape", correlate_json_shape },
	{ "correlate: text table", correlate_text },
	{ "correlate, phases: command lines", command_lines },
	{ "correlate: -o leaves nothing on failure", output_left_clean },
	{}
};
