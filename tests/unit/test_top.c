// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat top without a screen (user/top_model.c): snapshots from
 * dump records, rates between two reads, totals since a reset of the
 * view, sorting, the reason filter, the VM choice, and the keys.
 */
#include <stdlib.h>

#include <linux/vmexit_stat.h>

#include "top_model.h"
#include "unit.h"

#define SVM VMEXIT_STAT_ISA_SVM
#define SVM_CPUID 0x72
#define SVM_HLT 0x78
#define SVM_IOIO 0x7b
#define NS_PER_S 1000000000ULL

static struct vmexit_record rec(uint32_t pid, uint32_t vcpu, uint32_t code,
				uint64_t count)
{
	return (struct vmexit_record){
		.vm_pid = pid,
		.vm_id = pid * 16ULL,
		.vcpu_id = vcpu,
		.isa = SVM,
		.code = code,
		.count = count,
	};
}

/* A record whose every exit took lat_ns (one histogram bucket). */
static struct vmexit_record timed_rec(uint32_t pid, uint32_t code,
				      uint64_t count, uint64_t user,
				      unsigned int bucket, uint64_t lat_ns)
{
	struct vmexit_record r = rec(pid, 0, code, count);

	r.has_latency = true;
	r.user_count = user;
	r.latency.count = count;
	r.latency.sum_ns = count * lat_ns;
	r.latency.min_ns = lat_ns;
	r.latency.max_ns = lat_ns;
	r.latency.hist[bucket] = count;
	return r;
}

static void push(struct top_model *m, const struct vmexit_record *recs,
		 size_t nr, uint64_t time_s)
{
	struct top_input in = {
		.exits = recs,
		.nr_exits = nr,
		.time_ns = time_s * NS_PER_S,
	};
	struct top_snapshot snap;

	CHECK(!top_snapshot_build(&in, &snap));
	top_model_push(m, &snap);
}

static const struct top_row *row_named(const struct top_table *t,
				       const char *name)
{
	size_t i;

	for (i = 0; i < t->nr_rows; i++)
		if (!strcmp(t->rows[i].name, name))
			return &t->rows[i];
	unit_fail(__FILE__, __LINE__, "no row \"%s\"", name);
	return NULL;
}

static void test_snapshot_sums_vcpus(void)
{
	const struct vmexit_record recs[] = {
		rec(100, 0, SVM_CPUID, 10),
		rec(100, 1, SVM_CPUID, 5),
		rec(100, 1, SVM_IOIO, 7),
		rec(200, 0, SVM_CPUID, 1),
	};
	const struct vmexit_vm vms[] = {
		{ .pid = 200,
		  .vm_id = 200 * 16,
		  .comm = "fc",
		  .state = VMEXIT_STAT_VM_ENDED },
		{ .pid = 100, .vm_id = 100 * 16, .comm = "qemu" },
	};
	const struct vmexit_sched sched[] = {
		{ .vm_pid = 100, .vm_id = 1600, .vcpu_id = 0, .wait_ns = 3 },
		{ .vm_pid = 100, .vm_id = 1600, .vcpu_id = 1, .wait_ns = 4 },
	};
	struct top_input in = {
		.exits = recs,
		.nr_exits = 4,
		.vms = vms,
		.nr_vms = 2,
		.sched = sched,
		.nr_sched = 2,
		.time_ns = 1,
	};
	struct top_snapshot snap;

	CHECK(!top_snapshot_build(&in, &snap));
	CHECK_U64(snap.nr_counters, 3);
	CHECK_U64(snap.counters[0].pid, 100);
	CHECK_U64(snap.counters[0].code, SVM_CPUID);
	CHECK_U64(snap.counters[0].count, 15);
	CHECK_U64(snap.counters[1].code, SVM_IOIO);
	CHECK_U64(snap.counters[2].pid, 200);
	CHECK_U64(snap.nr_vms, 2);
	CHECK_U64(snap.vms[0].pid, 100); /* sorted */
	CHECK_STR(snap.vms[0].name, "qemu");
	CHECK(snap.vms[0].has_steal);
	CHECK_U64(snap.vms[0].wait_ns, 7);
	CHECK_U64(snap.vms[0].nr_vcpus, 2);
	CHECK(!snap.vms[1].has_steal);
	CHECK(!snap.vms[0].ended);
	CHECK(snap.vms[1].ended); /* left out of the steal line */
	top_snapshot_free(&snap);
}

static void test_rates_between_reads(void)
{
	const struct vmexit_record first[] = { rec(100, 0, SVM_CPUID, 1000),
					       rec(100, 0, SVM_IOIO, 10) };
	const struct vmexit_record second[] = { rec(100, 0, SVM_CPUID, 3000),
						rec(100, 0, SVM_IOIO, 10),
						rec(100, 0, SVM_HLT, 4) };
	struct top_model m;
	struct top_table t;

	top_model_init(&m, 10);
	push(&m, first, 2, 5);
	CHECK(!top_table_build(&m, &t));
	CHECK(!t.has_rate); /* one read: no rate yet */
	CHECK_U64(t.total, 1010);
	top_table_free(&t);

	push(&m, second, 3, 7);
	CHECK(!top_table_build(&m, &t));
	CHECK(t.has_rate);
	CHECK(t.interval_s == 2.0);
	CHECK_U64(t.nr_rows, 3);
	CHECK_STR(t.rows[0].name, "cpuid"); /* by rate */
	CHECK(t.rows[0].rate == 1000.0);
	CHECK_U64(t.rows[0].delta, 2000);
	CHECK_U64(t.rows[0].total, 3000);
	CHECK_STR(t.rows[1].name, "hlt"); /* new since the last read */
	CHECK(t.rows[1].rate == 2.0);
	CHECK_STR(t.rows[2].name, "io");
	CHECK(t.rows[2].rate == 0.0);
	CHECK_U64(t.total, 3014);
	CHECK(t.rate == 1002.0);
	CHECK(t.rows[0].share > 0.995 && t.rows[0].share < 0.996);
	top_table_free(&t);
	top_model_free(&m);
}

static void test_reset_view_and_cleared_counters(void)
{
	const struct vmexit_record a[] = { rec(100, 0, SVM_CPUID, 500) };
	const struct vmexit_record b[] = { rec(100, 0, SVM_CPUID, 800) };
	const struct vmexit_record cleared[] = { rec(100, 0, SVM_CPUID, 30) };
	struct top_model m;
	struct top_table t;

	top_model_init(&m, 10);
	push(&m, a, 1, 1);
	CHECK(!top_model_rebase(&m));
	push(&m, b, 1, 2);
	CHECK(!top_table_build(&m, &t));
	CHECK_U64(t.rows[0].total, 300); /* since the reset of the view */
	CHECK_U64(t.rows[0].delta, 300);
	top_table_free(&t);

	/* The module was reset: its counter is smaller than both. */
	push(&m, cleared, 1, 3);
	CHECK(!top_table_build(&m, &t));
	CHECK_U64(t.rows[0].total, 30);
	CHECK_U64(t.rows[0].delta, 30);
	top_table_free(&t);

	top_model_forget(&m);
	push(&m, cleared, 1, 4);
	CHECK(!top_table_build(&m, &t));
	CHECK_U64(t.rows[0].total, 30);
	CHECK(!t.has_rate);
	top_table_free(&t);
	top_model_free(&m);
}

static void test_latency_over_the_interval(void)
{
	/* 100 exits of ~1 us, then 100 more of ~1 ms: the interval's p50 */
	struct vmexit_record a = timed_rec(100, SVM_IOIO, 100, 100, 10, 1500);
	struct vmexit_record b = timed_rec(100, SVM_IOIO, 200, 150, 10, 1500);
	struct top_model m;
	struct top_table t;

	b.latency.hist[10] = 100;
	b.latency.hist[20] = 100;
	b.latency.max_ns = 1500000;
	top_model_init(&m, 10);
	push(&m, &a, 1, 1);
	push(&m, &b, 1, 2);
	CHECK(!top_table_build(&m, &t));
	CHECK(t.rows[0].has_latency);
	CHECK_U64(t.rows[0].latency.count, 100);
	CHECK_U64(t.rows[0].latency.hist[10], 0);
	CHECK(t.rows[0].p50_ns >= (1ULL << 20));
	CHECK(t.rows[0].p99_ns <= 1500000);
	CHECK_U64(t.rows[0].user_total, 150);
	top_table_free(&t);
	top_model_free(&m);
}

static void test_sort_keys(void)
{
	struct vmexit_record before[] = {
		timed_rec(100, SVM_CPUID, 100, 0, 8, 300),
		timed_rec(100, SVM_IOIO, 1000, 0, 14, 20000),
		timed_rec(100, SVM_HLT, 10, 0, 12, 5000),
	};
	struct vmexit_record after[] = {
		/* cpuid: fastest rate; io: largest total; hlt: slowest */
		timed_rec(100, SVM_CPUID, 600, 0, 8, 300),
		timed_rec(100, SVM_IOIO, 1100, 0, 14, 20000),
		timed_rec(100, SVM_HLT, 20, 0, 16, 70000),
	};
	static const char *const want[TOP_SORT_COUNT][3] = {
		[TOP_SORT_RATE] = { "cpuid", "io", "hlt" },
		[TOP_SORT_TOTAL] = { "io", "cpuid", "hlt" },
		[TOP_SORT_NAME] = { "cpuid", "hlt", "io" },
		[TOP_SORT_LATENCY] = { "hlt", "io", "cpuid" },
	};
	struct top_model m;
	struct top_table t;
	int sort, i;

	after[2].latency.hist[12] = 10; /* the first ten, */
	after[2].latency.hist[16] = 10; /* then ten slow ones */
	after[2].latency.min_ns = 5000;
	top_model_init(&m, 10);
	push(&m, before, 3, 1);
	push(&m, after, 3, 2);
	for (sort = 0; sort < TOP_SORT_COUNT; sort++) {
		CHECK(m.view.sort == (enum top_sort)sort);
		CHECK(!top_table_build(&m, &t));
		CHECK_U64(t.nr_rows, 3);
		for (i = 0; i < 3 && i < (int)t.nr_rows; i++)
			CHECK_STR(t.rows[i].name, want[sort][i]);
		top_table_free(&t);
		CHECK(top_handle_key(&m, 's') == TOP_REDRAW);
	}
	CHECK(m.view.sort == TOP_SORT_RATE); /* s wraps around */
	CHECK_STR(top_sort_name(TOP_SORT_LATENCY), "latency");
	top_model_free(&m);
}

static void test_filter_by_prefix(void)
{
	const struct vmexit_record recs[] = { rec(100, 0, SVM_CPUID, 5),
					      rec(100, 0, SVM_IOIO, 7),
					      rec(100, 0, SVM_HLT, 1) };
	const char *keys = "fIo";
	struct top_model m;
	struct top_table t;

	top_model_init(&m, 10);
	push(&m, recs, 3, 1);
	while (*keys)
		CHECK(top_handle_key(&m, *keys++) == TOP_REDRAW);
	CHECK(m.view.editing_filter);
	CHECK_STR(m.view.edit, "Io");
	CHECK_STR(m.view.filter, ""); /* not applied yet, */
	CHECK(!top_table_build(&m, &t)); /* but the table follows it */
	CHECK_U64(t.nr_rows, 1);
	top_table_free(&t);

	CHECK(top_handle_key(&m, TOP_KEY_ENTER) == TOP_REDRAW);
	CHECK(!m.view.editing_filter);
	CHECK_STR(m.view.filter, "Io");
	CHECK(!top_table_build(&m, &t));
	CHECK_U64(t.nr_rows, 1); /* case does not matter */
	CHECK_STR(t.rows[0].name, "io");
	CHECK_U64(t.total, 7);
	CHECK_U64(t.hidden_total, 6);
	top_table_free(&t);

	/* f, Backspace twice, Esc: the filter stays */
	top_handle_key(&m, 'f');
	top_handle_key(&m, TOP_KEY_BACKSPACE);
	top_handle_key(&m, TOP_KEY_BACKSPACE);
	CHECK_STR(m.view.edit, "");
	CHECK(top_handle_key(&m, TOP_KEY_ESCAPE) == TOP_REDRAW);
	CHECK_STR(m.view.filter, "Io");

	/* f, Backspace twice, Enter: every reason again */
	top_handle_key(&m, 'f');
	top_handle_key(&m, TOP_KEY_BACKSPACE);
	top_handle_key(&m, TOP_KEY_BACKSPACE);
	CHECK(top_handle_key(&m, '%') == TOP_NONE); /* not in a name */
	top_handle_key(&m, TOP_KEY_ENTER);
	CHECK(!top_table_build(&m, &t));
	CHECK_U64(t.nr_rows, 3);
	top_table_free(&t);

	/* a prefix no reason has */
	top_handle_key(&m, 'f');
	top_handle_key(&m, 'x');
	top_handle_key(&m, TOP_KEY_ENTER);
	CHECK(!top_table_build(&m, &t));
	CHECK_U64(t.nr_rows, 0);
	top_table_free(&t);
	top_model_free(&m);
}

static void test_vm_cycle(void)
{
	const struct vmexit_record recs[] = { rec(100, 0, SVM_CPUID, 5),
					      rec(200, 0, SVM_CPUID, 7),
					      rec(200, 0, SVM_IOIO, 1) };
	struct top_model m;
	struct top_table t;

	top_model_init(&m, 10);
	push(&m, recs, 3, 1);
	CHECK(!top_table_build(&m, &t));
	CHECK_U64(t.nr_vms, 2);
	CHECK_U64(row_named(&t, "cpuid")->total, 12); /* all VMs summed */
	top_table_free(&t);
	CHECK(!top_model_vm(&m));

	CHECK(top_handle_key(&m, 'v') == TOP_REDRAW);
	CHECK(m.view.one_vm);
	CHECK_U64(m.view.vm_pid, 100);
	CHECK(top_model_vm(&m) && top_model_vm(&m)->pid == 100);
	CHECK(!top_table_build(&m, &t));
	CHECK_U64(t.nr_vms, 1);
	CHECK_U64(t.nr_rows, 1);
	CHECK_U64(row_named(&t, "cpuid")->total, 5);
	top_table_free(&t);

	top_handle_key(&m, 'v');
	CHECK_U64(m.view.vm_pid, 200);
	CHECK(!top_table_build(&m, &t));
	CHECK_U64(t.total, 8);
	top_table_free(&t);

	top_handle_key(&m, 'v'); /* after the last: all again */
	CHECK(!m.view.one_vm);
	top_handle_key(&m, 'v');
	CHECK(m.view.one_vm);
	top_handle_key(&m, 'g');
	CHECK(!m.view.one_vm);
	top_model_free(&m);
}

static void test_steal_share(void)
{
	const struct vmexit_vm vms[] = { { .pid = 100, .vm_id = 1600 } };
	struct vmexit_sched sched[] = {
		{ .vm_pid = 100, .vm_id = 1600, .vcpu_id = 0 },
		{ .vm_pid = 100, .vm_id = 1600, .vcpu_id = 1 },
	};
	struct top_input in = {
		.vms = vms, .nr_vms = 1, .sched = sched, .nr_sched = 2
	};
	struct top_snapshot snap;
	struct top_model m;
	double share = -1;

	top_model_init(&m, 10);
	in.time_ns = 1 * NS_PER_S;
	CHECK(!top_snapshot_build(&in, &snap));
	top_model_push(&m, &snap);
	CHECK(!top_vm_steal(&m, &m.now.vms[0], &share)); /* one read */

	/* 2 vCPUs, 2 s: 1 s of run delay is a quarter of their time */
	sched[0].wait_ns = NS_PER_S / 2;
	sched[1].wait_ns = NS_PER_S / 2;
	in.time_ns = 3 * NS_PER_S;
	CHECK(!top_snapshot_build(&in, &snap));
	top_model_push(&m, &snap);
	CHECK(top_vm_steal(&m, &m.now.vms[0], &share));
	CHECK(share > 0.2499 && share < 0.2501);
	top_model_free(&m);
}

static void test_keys(void)
{
	struct top_model m;
	int i;

	top_model_init(&m, 10);
	CHECK(top_handle_key(&m, 'q') == TOP_QUIT);
	CHECK(top_handle_key(&m, 'p') == TOP_REDRAW);
	CHECK(m.view.paused);
	CHECK(top_handle_key(&m, 'p') == TOP_REREAD);
	CHECK(!m.view.paused);
	CHECK(top_handle_key(&m, 'r') == TOP_RESET_VIEW);
	CHECK(top_handle_key(&m, 'R') == TOP_RESET_BACKEND);
	CHECK(top_handle_key(&m, 'z') == TOP_NONE);

	CHECK(top_handle_key(&m, '+') == TOP_REDRAW);
	CHECK_U64(m.view.delay_ds, 20);
	top_handle_key(&m, '-');
	top_handle_key(&m, '-');
	CHECK_U64(m.view.delay_ds, 9);
	for (i = 0; i < 20; i++)
		top_handle_key(&m, '-');
	CHECK_U64(m.view.delay_ds, TOP_DELAY_MIN_DS);
	for (i = 0; i < 100; i++)
		top_handle_key(&m, '+');
	CHECK_U64(m.view.delay_ds, TOP_DELAY_MAX_DS);

	CHECK(top_handle_key(&m, '?') == TOP_REDRAW);
	CHECK(m.view.help);
	CHECK(top_handle_key(&m, 's') == TOP_REDRAW); /* closes the help */
	CHECK(!m.view.help);
	CHECK(m.view.sort == TOP_SORT_RATE); /* and does nothing else */
	top_handle_key(&m, 'h');
	CHECK(top_handle_key(&m, 'q') == TOP_QUIT); /* q quits from help */

	/* while typing a filter, q is a letter */
	m.view.help = false;
	top_handle_key(&m, 'f');
	CHECK(top_handle_key(&m, 'q') == TOP_REDRAW);
	CHECK_STR(m.view.edit, "q");
	top_model_free(&m);
}

const struct unit_test top_tests[] = {
	{ "top: snapshots sum the vCPUs", test_snapshot_sums_vcpus },
	{ "top: rates between two reads", test_rates_between_reads },
	{ "top: reset view, cleared counters",
	  test_reset_view_and_cleared_counters },
	{ "top: latency over the interval", test_latency_over_the_interval },
	{ "top: sort keys", test_sort_keys },
	{ "top: filter by reason prefix", test_filter_by_prefix },
	{ "top: all VMs and one at a time", test_vm_cycle },
	{ "top: steal share", test_steal_share },
	{ "top: keys", test_keys },
	{},
};
