// SPDX-License-Identifier: GPL-2.0
#include <linux/vmexit_stat.h>

#include "selftest.h"
#include "unit.h"

#define PID 4242
#define SVM_CPUID 0x72
#define SVM_HLT 0x78
#define SVM_IO 0x7b
#define SVM_MSR 0x7c
#define SVM_VMMCALL 0x81
#define SVM_NPF 0x400

/* What exitgen reports for the selftest's mix on two SVM vCPUs. */
static void fill_made(struct exitgen_result *made)
{
	static const struct exitgen_made kinds[] = {
		{ .code = SVM_CPUID, .reason = "cpuid", .requested = 1000 },
		{ .code = SVM_IO, .reason = "io", .requested = 500 },
		{ .code = SVM_HLT,
		  .reason = "hlt",
		  .requested = 50,
		  .control = 1 },
		{ .code = SVM_MSR, .reason = "msr", .requested = 200 },
		{ .code = SVM_VMMCALL, .reason = "hypercall", .requested = 100 },
	};
	unsigned int i;

	memset(made, 0, sizeof(*made));
	made->isa = VMEXIT_STAT_ISA_SVM;
	made->pid = PID;
	made->nr_made = sizeof(kinds) / sizeof(kinds[0]);
	for (i = 0; i < made->nr_made; i++)
		made->made[i] = kinds[i];
	made->nr_vcpus = 2;
	made->vcpu[0] = (struct exitgen_vcpu_result){ 0, PID + 1, 1100 };
	made->vcpu[1] = (struct exitgen_vcpu_result){ 1, PID + 2, 1100 };
}

static void add(struct vmexit_records *recs, uint32_t pid, uint32_t vcpu,
		uint32_t code, uint64_t count)
{
	struct vmexit_record rec = {
		.vm_pid = pid,
		.vm_id = 1,
		.vcpu_id = vcpu,
		.vcpu_tid = PID + 1 + vcpu,
		.isa = VMEXIT_STAT_ISA_SVM,
		.code = code,
		.count = count,
	};

	CHECK(!vmexit_records_add(recs, &rec));
}

/* What a correct collector shows after the run, plus some npf. */
static void add_exact(struct vmexit_records *recs, uint32_t vcpu)
{
	add(recs, PID, vcpu, SVM_CPUID, 1000);
	add(recs, PID, vcpu, SVM_IO, 500);
	add(recs, PID, vcpu, SVM_HLT, 51);
	add(recs, PID, vcpu, SVM_MSR, 200);
	add(recs, PID, vcpu, SVM_VMMCALL, 100);
	add(recs, PID, vcpu, SVM_NPF, 3);
}

static void exact_counts_pass(void)
{
	struct vmexit_records before = {}, after = {};
	struct selftest_report report;
	struct exitgen_result made;
	size_t i, informational = 0;

	fill_made(&made);
	add_exact(&after, 0);
	add_exact(&after, 1);
	add(&after, PID + 7, 0, SVM_CPUID, 99); /* another VMM */

	CHECK(!selftest_compare(&made, &before, &after, &report));
	CHECK(report.pass);
	CHECK_U64(report.nr_checks, 10);
	CHECK_U64(report.nr_mismatches, 0);
	CHECK_U64(report.nr_vcpus, 2);
	CHECK(report.vcpus[0].present && report.vcpus[1].present);
	CHECK_U64(report.vcpus[1].counted_tid, PID + 2);
	for (i = 0; i < report.nr_rows; i++) {
		if (report.rows[i].made_by_exitgen)
			continue;
		informational++;
		CHECK_U64(report.rows[i].code, SVM_NPF);
		CHECK_U64(report.rows[i].counted, 3);
	}
	CHECK_U64(informational, 2);

	selftest_report_free(&report);
	vmexit_records_free(&after);
}

static void old_counters_subtracted(void)
{
	struct vmexit_records before = {}, after = {};
	struct selftest_report report;
	struct exitgen_result made;

	/* A dead VM of an earlier process with our pid left counters. */
	fill_made(&made);
	add(&before, PID, 0, SVM_CPUID, 7);
	add(&before, PID, 0, SVM_NPF, 40);
	add_exact(&after, 0);
	add_exact(&after, 1);
	add(&after, PID, 0, SVM_CPUID, 7);
	add(&after, PID, 0, SVM_NPF, 40);

	CHECK(!selftest_compare(&made, &before, &after, &report));
	CHECK(report.pass);
	selftest_report_free(&report);
	vmexit_records_free(&before);
	vmexit_records_free(&after);
}

static void flags_summed(void)
{
	struct vmexit_records after = {};
	struct selftest_report report;
	struct exitgen_result made;

	fill_made(&made);
	add_exact(&after, 0);
	add_exact(&after, 1);
	after.rec[0].count = 990;
	add(&after, PID, 0, SVM_CPUID, 10);
	after.rec[after.nr - 1].flags = VMEXIT_STAT_EXIT_FLAG_VMX_FROM_ROOT;

	CHECK(!selftest_compare(&made, NULL, &after, &report));
	CHECK(report.pass);
	selftest_report_free(&report);
	vmexit_records_free(&after);
}

static void one_exit_short(void)
{
	struct vmexit_records after = {};
	struct selftest_report report;
	struct exitgen_result made;
	size_t i;

	fill_made(&made);
	add_exact(&after, 0);
	add_exact(&after, 1);
	after.rec[2].count = 50; /* vCPU 0 hlt: the final HLT lost */

	CHECK(!selftest_compare(&made, NULL, &after, &report));
	CHECK(!report.pass);
	CHECK_U64(report.nr_mismatches, 1);
	for (i = 0; i < report.nr_rows; i++)
		if (report.rows[i].made_by_exitgen && !report.rows[i].ok) {
			CHECK_U64(report.rows[i].vcpu_id, 0);
			CHECK_U64(report.rows[i].code, SVM_HLT);
			CHECK_U64(report.rows[i].made, 51);
			CHECK_U64(report.rows[i].counted, 50);
		}
	selftest_report_free(&report);
	vmexit_records_free(&after);
}

static void missing_vcpu(void)
{
	struct vmexit_records after = {};
	struct selftest_report report;
	struct exitgen_result made;

	fill_made(&made);
	add_exact(&after, 0);

	CHECK(!selftest_compare(&made, NULL, &after, &report));
	CHECK(!report.pass);
	CHECK_U64(report.nr_missing_vcpus, 1);
	CHECK(!report.vcpus[1].present);
	CHECK_U64(report.nr_mismatches, 5);
	selftest_report_free(&report);
	vmexit_records_free(&after);
}

static void wrong_thread(void)
{
	struct vmexit_records after = {};
	struct selftest_report report;
	struct exitgen_result made;
	size_t i;

	fill_made(&made);
	add_exact(&after, 0);
	add_exact(&after, 1);
	for (i = 0; i < after.nr; i++)
		if (after.rec[i].vcpu_id == 1)
			after.rec[i].vcpu_tid = 99;

	CHECK(!selftest_compare(&made, NULL, &after, &report));
	CHECK(!report.pass);
	CHECK_U64(report.nr_tid_mismatches, 1);
	CHECK(!report.vcpus[1].tid_ok);
	selftest_report_free(&report);
	vmexit_records_free(&after);
}

static void exits_on_unknown_vcpu(void)
{
	struct vmexit_records after = {};
	struct selftest_report report;
	struct exitgen_result made;

	fill_made(&made);
	add_exact(&after, 0);
	add_exact(&after, 1);
	add(&after, PID, 5, SVM_CPUID, 1);
	add(&after, PID, 5, SVM_IO, 1);

	CHECK(!selftest_compare(&made, NULL, &after, &report));
	CHECK(!report.pass);
	CHECK_U64(report.nr_foreign_vcpus, 1);
	selftest_report_free(&report);
	vmexit_records_free(&after);
}

static void counters_reset_meanwhile(void)
{
	struct vmexit_records before = {}, after = {};
	struct selftest_report report;
	struct exitgen_result made;

	fill_made(&made);
	add(&before, PID, 0, SVM_NPF, 40);
	add_exact(&after, 0);
	add_exact(&after, 1);

	CHECK(!selftest_compare(&made, &before, &after, &report));
	CHECK(report.counters_went_back);
	CHECK(!report.pass);
	selftest_report_free(&report);
	vmexit_records_free(&before);
	vmexit_records_free(&after);
}

const struct unit_test selftest_tests[] = {
	{ "selftest: exact counts pass", exact_counts_pass },
	{ "selftest: old counters of our pid subtracted",
	  old_counters_subtracted },
	{ "selftest: flags summed into the code", flags_summed },
	{ "selftest: one exit short fails", one_exit_short },
	{ "selftest: a missing vCPU fails", missing_vcpu },
	{ "selftest: a wrong thread fails", wrong_thread },
	{ "selftest: exits on a vCPU exitgen did not make",
	  exits_on_unknown_vcpu },
	{ "selftest: counters going back fail", counters_reset_meanwhile },
	{}
};
