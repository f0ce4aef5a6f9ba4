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
#define KVM_IO 2 /* KVM_EXIT_IO */
#define KVM_HLT 5 /* KVM_EXIT_HLT */
#define KVM_MMIO 6 /* KVM_EXIT_MMIO */

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
	made->vcpu[0] = (struct exitgen_vcpu_result){ 0, PID + 1, 551 };
	made->vcpu[1] = (struct exitgen_vcpu_result){ 1, PID + 2, 551 };
	/* Each OUT and IN returns to exitgen, and so does each HLT. */
	for (i = 0; i < 2; i++) {
		made->vcpu_run[i].nr_user_exits = 2;
		made->vcpu_run[i].user_exit[0] =
			(struct exitgen_user_exit){ KVM_IO, "io", 500 };
		made->vcpu_run[i].user_exit[1] =
			(struct exitgen_user_exit){ KVM_HLT, "hlt", 51 };
	}
}

static void add_user(struct vmexit_user_records *recs, uint32_t pid,
		     uint32_t vcpu, uint32_t reason, uint64_t count)
{
	struct vmexit_user_record rec = {
		.vm_pid = pid,
		.vm_id = 1,
		.vcpu_id = vcpu,
		.vcpu_tid = PID + 1 + vcpu,
		.reason = reason,
		.count = count,
	};

	CHECK(!vmexit_user_records_add(recs, &rec));
}

static void add_user_exact(struct vmexit_user_records *recs, uint32_t vcpu)
{
	add_user(recs, PID, vcpu, KVM_IO, 500);
	add_user(recs, PID, vcpu, KVM_HLT, 51);
}

/*
 * selftest_compare() with exit records as given and the user exits a
 * correct collector counts, for the checks of the exit counts.
 */
static int compare(const struct exitgen_result *made,
		   const struct vmexit_records *before,
		   const struct vmexit_records *after,
		   struct selftest_report *report)
{
	struct vmexit_user_records after_user = {};
	struct selftest_dumps before_dumps = { before, NULL };
	struct selftest_dumps after_dumps = { after, &after_user };
	int err;

	add_user_exact(&after_user, 0);
	add_user_exact(&after_user, 1);
	err = selftest_compare(made, before ? &before_dumps : NULL,
			       &after_dumps, report);
	vmexit_user_records_free(&after_user);
	return err;
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

	CHECK(!compare(&made, &before, &after, &report));
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
	CHECK_U64(report.nr_user_rows, 4);
	CHECK_U64(report.nr_user_mismatches, 0);

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

	CHECK(!compare(&made, &before, &after, &report));
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

	CHECK(!compare(&made, NULL, &after, &report));
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

	CHECK(!compare(&made, NULL, &after, &report));
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

	CHECK(!compare(&made, NULL, &after, &report));
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

	CHECK(!compare(&made, NULL, &after, &report));
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

	CHECK(!compare(&made, NULL, &after, &report));
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

	CHECK(!compare(&made, &before, &after, &report));
	CHECK(report.counters_went_back);
	CHECK(!report.pass);
	selftest_report_free(&report);
	vmexit_records_free(&before);
	vmexit_records_free(&after);
}

/* The user exits of the exact run, with one change, against before. */
static void user_verdict(const struct vmexit_user_records *before_user,
			 const struct vmexit_user_records *after_user,
			 struct selftest_report *report)
{
	struct vmexit_records after = {};
	struct selftest_dumps before = { NULL, before_user };
	struct selftest_dumps after_dumps = { &after, after_user };
	struct exitgen_result made;

	fill_made(&made);
	add_exact(&after, 0);
	add_exact(&after, 1);
	CHECK(!selftest_compare(&made, &before, &after_dumps, report));
	CHECK_U64(report->nr_mismatches, 0);
	vmexit_records_free(&after);
}

static void user_exit_short(void)
{
	struct vmexit_user_records after = {};
	struct selftest_report report;
	size_t i, bad = 0;

	add_user_exact(&after, 0);
	add_user(&after, PID, 1, KVM_IO, 499);
	add_user(&after, PID, 1, KVM_HLT, 51);
	user_verdict(NULL, &after, &report);
	CHECK(!report.pass);
	CHECK_U64(report.nr_user_rows, 4);
	CHECK_U64(report.nr_user_mismatches, 1);
	for (i = 0; i < report.nr_user_rows; i++) {
		if (report.user_rows[i].ok)
			continue;
		bad++;
		CHECK_U64(report.user_rows[i].vcpu_id, 1);
		CHECK_U64(report.user_rows[i].code, KVM_IO);
		CHECK_U64(report.user_rows[i].made, 500);
		CHECK_U64(report.user_rows[i].counted, 499);
	}
	CHECK_U64(bad, 1);
	selftest_report_free(&report);
	vmexit_user_records_free(&after);
}

/* exitgen counts every return: a reason it never saw is a mismatch. */
static void user_exit_reason_not_made(void)
{
	struct vmexit_user_records after = {};
	struct selftest_report report;

	add_user_exact(&after, 0);
	add_user_exact(&after, 1);
	add_user(&after, PID, 0, KVM_MMIO, 2);
	user_verdict(NULL, &after, &report);
	CHECK(!report.pass);
	CHECK_U64(report.nr_user_rows, 5);
	CHECK_U64(report.nr_user_mismatches, 1);
	/* rows by vCPU, then code: vCPU 0's mmio after its io and hlt */
	CHECK_U64(report.user_rows[2].code, KVM_MMIO);
	CHECK_U64(report.user_rows[2].made, 0);
	CHECK_U64(report.user_rows[2].counted, 2);
	selftest_report_free(&report);
	vmexit_user_records_free(&after);
}

static void user_exits_of_old_vm_subtracted(void)
{
	struct vmexit_user_records before = {}, after = {};
	struct selftest_report report;

	add_user(&before, PID, 0, KVM_IO, 7);
	add_user(&before, PID, 3, KVM_MMIO, 9);
	add_user(&after, PID, 0, KVM_IO, 507);
	add_user(&after, PID, 0, KVM_HLT, 51);
	add_user_exact(&after, 1);
	add_user(&after, PID, 3, KVM_MMIO, 9);
	add_user(&after, PID + 7, 0, KVM_MMIO, 99); /* another VMM */
	user_verdict(&before, &after, &report);
	CHECK(report.pass);
	CHECK_U64(report.nr_user_mismatches, 0);
	selftest_report_free(&report);
	vmexit_user_records_free(&before);
	vmexit_user_records_free(&after);
}

static void user_exits_on_unknown_vcpu(void)
{
	struct vmexit_user_records after = {};
	struct selftest_report report;

	add_user_exact(&after, 0);
	add_user_exact(&after, 1);
	add_user(&after, PID, 5, KVM_IO, 1);
	user_verdict(NULL, &after, &report);
	CHECK(!report.pass);
	CHECK_U64(report.nr_user_mismatches, 1);
	CHECK_U64(report.user_rows[report.nr_user_rows - 1].vcpu_id, 5);
	selftest_report_free(&report);
	vmexit_user_records_free(&after);
}

/* A collector that does not count user exits at all fails. */
static void no_user_exits_counted(void)
{
	struct selftest_report report;

	user_verdict(NULL, NULL, &report);
	CHECK(!report.pass);
	CHECK_U64(report.nr_user_rows, 4);
	CHECK_U64(report.nr_user_mismatches, 4);
	selftest_report_free(&report);
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
	{ "selftest: one user exit short fails", user_exit_short },
	{ "selftest: a user exit reason exitgen never saw fails",
	  user_exit_reason_not_made },
	{ "selftest: old user exits of our pid subtracted",
	  user_exits_of_old_vm_subtracted },
	{ "selftest: user exits on a vCPU exitgen did not make",
	  user_exits_on_unknown_vcpu },
	{ "selftest: no user exits counted fails", no_user_exits_counted },
	{}
};
