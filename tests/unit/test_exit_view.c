// SPDX-License-Identifier: GPL-2.0
/*
 * What show and latency share (user/exit_view.c) and the CSV writer
 * (user/csv_out.c): --reason, --sort, --top on hand-made records, and
 * CSV quoting.
 */
#include <stdio.h>
#include <stdlib.h>

#include <linux/vmexit_stat.h>

#include "csv_out.h"
#include "exit_view.h"
#include "unit.h"

static void no_usage(FILE *out)
{
	(void)out;
}

/* What a writer printed into a memory stream. */
struct captured_csv {
	char *text;
	size_t len;
	FILE *out;
};

static void csv_quotes_what_needs_it(void)
{
	struct captured_csv cap = {};
	struct csv_row row;
	static const char *const names[] = { "a", "b c", NULL };

	cap.out = open_memstream(&cap.text, &cap.len);
	row = (struct csv_row){ .out = cap.out };
	csv_names(cap.out, names);
	csv_str(&row, "plain");
	csv_str(&row, "with,comma");
	csv_str(&row, "say \"hi\"");
	csv_str(&row, "two\nlines");
	csv_u64(&row, 18446744073709551615ULL);
	csv_s64(&row, -5);
	csv_double(&row, 1.23456, 3);
	csv_double(&row, 0.0 / 0.0, 3);
	csv_empty(&row);
	csv_end(&row);
	csv_str(&row, "next");
	csv_end(&row);
	fclose(cap.out);
	CHECK_STR(cap.text, "a,b c\n"
			    "plain,\"with,comma\",\"say \"\"hi\"\"\","
			    "\"two\nlines\",18446744073709551615,-5,1.235,,\n"
			    "next\n");
	free(cap.text);
}

static void reasons_by_name_code_and_both_isas(void)
{
	struct exit_reason_filter f = {};

	/* cpuid: both ISAs; io: SVM only; a hex code: both */
	CHECK(!exit_view_parse_reasons(&f, "cpuid,io", no_usage));
	CHECK_U64(f.nr, 3);
	CHECK(exit_reason_filter_match(&f, VMEXIT_STAT_ISA_SVM, 0x72));
	CHECK(exit_reason_filter_match(&f, VMEXIT_STAT_ISA_VMX, 10));
	CHECK(exit_reason_filter_match(&f, VMEXIT_STAT_ISA_SVM, 0x7b));
	CHECK(!exit_reason_filter_match(&f, VMEXIT_STAT_ISA_VMX, 30));
	CHECK(!exit_reason_filter_match(&f, VMEXIT_STAT_ISA_SVM, 0x78));
	CHECK(!exit_view_parse_reasons(&f, "0x1e,HLT", no_usage));
	CHECK(exit_reason_filter_match(&f, VMEXIT_STAT_ISA_VMX, 30));
	CHECK(exit_reason_filter_match(&f, VMEXIT_STAT_ISA_SVM, 0x78));

	f = (struct exit_reason_filter){};
	CHECK(exit_reason_filter_match(&f, 0, 0)); /* no list: all */
	CHECK_U64(exit_view_parse_reasons(&f, "cpuid,bogus", no_usage), 2);
	CHECK_U64(exit_view_parse_reasons(&f, "0x", no_usage), 2);
	CHECK_U64(exit_view_parse_reasons(&f, "0x1g", no_usage), 2);
	f = (struct exit_reason_filter){};
	CHECK_U64(exit_view_parse_reasons(&f, ",,", no_usage), 2);
}

static void too_many_reasons_refused(void)
{
	struct exit_reason_filter f = {};
	char list[1024] = "";
	int i;

	/* cpuid counts twice (VMX and SVM) */
	for (i = 0; i < EXIT_VIEW_MAX_REASONS / 2 + 1; i++)
		strcat(list, i ? ",cpuid" : "cpuid");
	CHECK_U64(exit_view_parse_reasons(&f, list, no_usage), 2);
}

static void sort_and_top_parsed(void)
{
	enum exit_sort sort = EXIT_SORT_COUNT;
	size_t top = 0;

	CHECK(!exit_view_parse_sort(&sort, "p99", no_usage));
	CHECK_U64(sort, EXIT_SORT_P99);
	CHECK_U64(exit_view_parse_sort(&sort, "P99", no_usage), 2);
	CHECK_U64(exit_view_parse_sort(&sort, "", no_usage), 2);
	CHECK(!exit_view_parse_top(&top, "3", no_usage));
	CHECK_U64(top, 3);
	CHECK_U64(exit_view_parse_top(&top, "0", no_usage), 2);
	CHECK_U64(exit_view_parse_top(&top, "-1", no_usage), 2);
}

/* One SVM vCPU: cpuid 50 exits of 10 ns, io 30 of 1000, hlt 40 of 100. */
static const struct vmexit_record records[] = {
	{ .vm_pid = 7,
	  .vm_id = 1,
	  .vcpu_id = 0,
	  .vcpu_tid = 8,
	  .isa = VMEXIT_STAT_ISA_SVM,
	  .code = 0x72,
	  .count = 50,
	  .has_latency = true,
	  .latency = { .count = 50,
		       .sum_ns = 500,
		       .min_ns = 10,
		       .max_ns = 10 } },
	{ .vm_pid = 7,
	  .vm_id = 1,
	  .vcpu_id = 0,
	  .vcpu_tid = 8,
	  .isa = VMEXIT_STAT_ISA_SVM,
	  .code = 0x7b,
	  .count = 30,
	  .has_latency = true,
	  .user_count = 30,
	  .latency = { .count = 30,
		       .sum_ns = 30000,
		       .min_ns = 1000,
		       .max_ns = 1000 } },
	{ .vm_pid = 7,
	  .vm_id = 1,
	  .vcpu_id = 0,
	  .vcpu_tid = 8,
	  .isa = VMEXIT_STAT_ISA_SVM,
	  .code = 0x78,
	  .count = 40,
	  .has_latency = true,
	  .latency = { .count = 40,
		       .sum_ns = 4000,
		       .min_ns = 100,
		       .max_ns = 100 } },
};

static const struct vmexit_user_record user_records[] = {
	{ .vm_pid = 7, .vm_id = 1, .vcpu_id = 0, .reason = 2, .count = 30 },
};

static void build(struct exit_view *view, struct exit_stats *stats)
{
	struct exit_stats_input in = {
		.exits = records,
		.nr_exits = 3,
		.user_exits = user_records,
		.nr_user_exits = 1,
	};

	CHECK(!exit_view_build(view, &in, stats));
}

static void sorted_by_each_key(void)
{
	static const struct {
		enum exit_sort sort;
		uint32_t order[3];
	} cases[] = {
		{ EXIT_SORT_COUNT, { 0x72, 0x78, 0x7b } },
		{ EXIT_SORT_TIME, { 0x7b, 0x78, 0x72 } },
		{ EXIT_SORT_AVG, { 0x7b, 0x78, 0x72 } },
		{ EXIT_SORT_MAX, { 0x7b, 0x78, 0x72 } },
		/* ties (0) in count order */
		{ EXIT_SORT_USER, { 0x7b, 0x72, 0x78 } },
		{ EXIT_SORT_REASON, { 0x72, 0x78, 0x7b } }, /* cpuid hlt io */
	};
	size_t i, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct exit_view view = { .sort = cases[i].sort };
		struct exit_stats stats;

		build(&view, &stats);
		CHECK_U64(stats.nr_vms, 1);
		CHECK_U64(stats.vms[0].nr_exits, 3);
		for (j = 0; j < 3 && stats.vms[0].nr_exits == 3; j++) {
			CHECK_U64(stats.vms[0].exits[j].code,
				  cases[i].order[j]);
			CHECK_U64(stats.vms[0].vcpus[0].exits[j].code,
				  cases[i].order[j]);
		}
		exit_stats_free(&stats);
	}
}

static void top_keeps_the_first_and_the_totals(void)
{
	struct exit_view view = { .sort = EXIT_SORT_TIME, .top = 1 };
	struct exit_stats stats;

	build(&view, &stats);
	CHECK_U64(stats.vms[0].nr_exits, 1);
	CHECK_U64(stats.vms[0].exits[0].code, 0x7b);
	CHECK_U64(stats.vms[0].vcpus[0].nr_exits, 1);
	CHECK_U64(stats.vms[0].total, 120);
	CHECK_U64(stats.total, 120);
	CHECK_U64(stats.vms[0].nr_user_exits, 1);
	exit_stats_free(&stats);
}

static void reason_filter_narrows_and_drops_user_exits(void)
{
	struct exit_view view = {};
	struct exit_stats stats;

	CHECK(!exit_view_parse_reasons(&view.reasons, "hlt,cpuid", no_usage));
	build(&view, &stats);
	CHECK_U64(stats.vms[0].nr_exits, 2);
	CHECK_U64(stats.vms[0].exits[0].code, 0x72);
	CHECK_U64(stats.vms[0].exits[1].code, 0x78);
	CHECK_U64(stats.vms[0].total, 90);
	CHECK_U64(stats.vms[0].nr_user_exits, 0);
	exit_stats_free(&stats);

	/* a reason this VM never made: no VM at all */
	view = (struct exit_view){};
	CHECK(!exit_view_parse_reasons(&view.reasons, "npf", no_usage));
	build(&view, &stats);
	CHECK_U64(stats.nr_vms, 0);
	exit_stats_free(&stats);
}

const struct unit_test exit_view_tests[] = {
	{ "csv: quoting, numbers, empty fields", csv_quotes_what_needs_it },
	{ "exit view: --reason names, codes, both ISAs",
	  reasons_by_name_code_and_both_isas },
	{ "exit view: --reason beyond its room", too_many_reasons_refused },
	{ "exit view: --sort and --top values", sort_and_top_parsed },
	{ "exit view: every sort key", sorted_by_each_key },
	{ "exit view: --top", top_keeps_the_first_and_the_totals },
	{ "exit view: --reason narrows",
	  reason_filter_narrows_and_drops_user_exits },
	{}
};
