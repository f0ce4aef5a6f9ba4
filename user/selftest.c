// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat selftest: the loaded collector against exitgen's ground
 * truth, vCPU by vCPU and reason by reason.
 *
 * The counters are compared as the difference of two dumps of our own
 * pid, one before exitgen runs and one after, rather than after a reset.
 * The exits to user space are compared the same way, reason by reason,
 * with exitgen's own count of the returns of KVM_RUN.
 * A reset would wipe the counters every other user of the host relies
 * on, and it does not guard against what the difference does: the module
 * keeps the counters of VMs that have ended, pids are reused, and a new
 * VM may get the vm_id of a dead one (the id derives from the struct kvm
 * address), so the counters of "our" VM need not start at zero.  The
 * difference also does not depend on how a reset races with counting.
 * --reset is still offered, for the one case it helps: the module's
 * memory full of the totals of ended VMs, which shows as exits dropped
 * during the test.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "exit_stats.h"
#include "json_out.h"
#include "exitgen.h"
#include "genl_client.h"
#include "selftest.h"

/* The mix the guest makes on every vCPU; every kind is deterministic. */
static void selftest_request(struct exitgen_request *req, unsigned int vcpus)
{
	memset(req, 0, sizeof(*req));
	req->count[EXITGEN_CPUID] = 1000;
	req->count[EXITGEN_PIO] = 500;
	req->count[EXITGEN_HLT] = 50;
	req->count[EXITGEN_MSR] = 200;
	req->count[EXITGEN_HYPERCALL] = 100;
	req->vcpus = vcpus;
}

#define SELFTEST_DEFAULT_VCPUS 2

/* The counters of one (vCPU, isa, code), after minus before. */
struct delta {
	uint32_t vcpu_id;
	uint32_t isa;
	uint32_t code;
	int64_t count;
	uint32_t tid; /* of the largest "after" record */
	uint64_t tid_count;
};

static int cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_delta(const void *pa, const void *pb)
{
	const struct delta *a = pa, *b = pb;
	int diff;

	diff = cmp_u32(a->vcpu_id, b->vcpu_id);
	if (!diff)
		diff = cmp_u32(a->isa, b->isa);
	if (!diff)
		diff = cmp_u32(a->code, b->code);
	return diff;
}

static void add_records(struct delta *deltas, size_t *nr,
			const struct vmexit_records *recs, uint32_t pid,
			int sign)
{
	size_t i;

	for (i = 0; recs && i < recs->nr; i++) {
		const struct vmexit_record *rec = &recs->rec[i];

		if (rec->vm_pid != pid)
			continue;
		deltas[(*nr)++] = (struct delta){
			.vcpu_id = rec->vcpu_id,
			.isa = rec->isa,
			.code = rec->code,
			.count = sign * (int64_t)rec->count,
			.tid = sign > 0 ? rec->vcpu_tid : 0,
			.tid_count = sign > 0 ? rec->count : 0,
		};
	}
}

/*
 * Flags are summed away: exitgen's exits carry none, and one that did
 * would still be an exit of that reason.
 */
static size_t merge_deltas(struct delta *deltas, size_t nr)
{
	size_t in, out = 0;

	qsort(deltas, nr, sizeof(*deltas), cmp_delta);
	for (in = 0; in < nr; in++) {
		struct delta *last = out ? &deltas[out - 1] : NULL;

		if (!last || cmp_delta(last, &deltas[in])) {
			deltas[out++] = deltas[in];
			continue;
		}
		last->count += deltas[in].count;
		if (deltas[in].tid && deltas[in].tid_count >= last->tid_count) {
			last->tid = deltas[in].tid;
			last->tid_count = deltas[in].tid_count;
		}
	}
	return out;
}

static const struct delta *find_delta(const struct delta *deltas, size_t nr,
				      uint32_t vcpu_id, uint32_t isa,
				      uint32_t code)
{
	struct delta key = { .vcpu_id = vcpu_id, .isa = isa, .code = code };

	return bsearch(&key, deltas, nr, sizeof(*deltas), cmp_delta);
}

static bool made_code(const struct exitgen_result *made, uint32_t isa,
		      uint32_t code)
{
	unsigned int i;

	if (isa != made->isa)
		return false;
	for (i = 0; i < made->nr_made; i++)
		if (made->made[i].code == code)
			return true;
	return false;
}

static bool made_vcpu(const struct exitgen_result *made, uint32_t vcpu_id)
{
	unsigned int i;

	for (i = 0; i < made->nr_vcpus; i++)
		if (made->vcpu[i].vcpu_id == vcpu_id)
			return true;
	return false;
}

static void check_vcpu(struct selftest_report *report,
		       const struct exitgen_result *made,
		       const struct exitgen_vcpu_result *vcpu_made,
		       const struct delta *deltas, size_t nr_deltas)
{
	struct selftest_vcpu *vcpu = &report->vcpus[report->nr_vcpus++];
	int64_t busiest = 0;
	unsigned int k;
	size_t i;

	vcpu->vcpu_id = vcpu_made->vcpu_id;
	vcpu->tid = vcpu_made->tid;

	for (k = 0; k < made->nr_made; k++) {
		const struct exitgen_made *kind = &made->made[k];
		struct selftest_row *row = &report->rows[report->nr_rows++];
		const struct delta *delta;

		delta = find_delta(deltas, nr_deltas, vcpu->vcpu_id, made->isa,
				   kind->code);
		row->vcpu_id = vcpu->vcpu_id;
		row->isa = made->isa;
		row->code = kind->code;
		row->made_by_exitgen = true;
		row->made = kind->requested + kind->control;
		row->counted = delta ? delta->count : 0;
		row->ok = row->counted >= 0 &&
			  (uint64_t)row->counted == row->made;
		report->nr_checks++;
		if (!row->ok)
			report->nr_mismatches++;
	}

	for (i = 0; i < nr_deltas; i++) {
		const struct delta *delta = &deltas[i];
		struct selftest_row *row;

		if (delta->vcpu_id != vcpu->vcpu_id || delta->count <= 0)
			continue;
		vcpu->present = true;
		if (delta->tid && delta->count > busiest) {
			vcpu->counted_tid = delta->tid;
			busiest = delta->count;
		}
		if (made_code(made, delta->isa, delta->code))
			continue;
		row = &report->rows[report->nr_rows++];
		*row = (struct selftest_row){
			.vcpu_id = vcpu->vcpu_id,
			.isa = delta->isa,
			.code = delta->code,
			.counted = delta->count,
		};
	}

	/* A collector that names no thread is not wrong, only terse. */
	vcpu->tid_ok = !vcpu->counted_tid ||
		       vcpu->counted_tid == (uint32_t)vcpu->tid;
	if (!vcpu->present)
		report->nr_missing_vcpus++;
	else if (!vcpu->tid_ok)
		report->nr_tid_mismatches++;
}

/* The counters of one (vCPU, KVM_EXIT_* reason), after minus before. */
struct user_delta {
	uint32_t vcpu_id;
	uint32_t code;
	int64_t count;
};

static int cmp_user_delta(const void *pa, const void *pb)
{
	const struct user_delta *a = pa, *b = pb;
	int diff = cmp_u32(a->vcpu_id, b->vcpu_id);

	return diff ? diff : cmp_u32(a->code, b->code);
}

static int cmp_user_row(const void *pa, const void *pb)
{
	const struct selftest_user_row *a = pa, *b = pb;
	int diff = cmp_u32(a->vcpu_id, b->vcpu_id);

	return diff ? diff : cmp_u32(a->code, b->code);
}

static void add_user_records(struct user_delta *deltas, size_t *nr,
			     const struct vmexit_user_records *recs,
			     uint32_t pid, int sign)
{
	size_t i;

	for (i = 0; recs && i < recs->nr; i++) {
		const struct vmexit_user_record *rec = &recs->rec[i];

		if (rec->vm_pid != pid || rec->per_vm)
			continue;
		deltas[(*nr)++] = (struct user_delta){
			.vcpu_id = rec->vcpu_id,
			.code = rec->reason,
			.count = sign * (int64_t)rec->count,
		};
	}
}

static size_t merge_user_deltas(struct user_delta *deltas, size_t nr)
{
	size_t in, out = 0;

	qsort(deltas, nr, sizeof(*deltas), cmp_user_delta);
	for (in = 0; in < nr; in++) {
		if (out && !cmp_user_delta(&deltas[out - 1], &deltas[in]))
			deltas[out - 1].count += deltas[in].count;
		else
			deltas[out++] = deltas[in];
	}
	return out;
}

static const struct exitgen_user_exit *
made_user_exit(const struct exitgen_result *made, uint32_t vcpu_id,
	       uint32_t code)
{
	unsigned int i, k;

	for (i = 0; i < made->nr_vcpus && i < EXITGEN_MAX_VCPUS; i++) {
		const struct exitgen_vcpu_run *run = &made->vcpu_run[i];

		if (made->vcpu[i].vcpu_id != vcpu_id)
			continue;
		for (k = 0; k < run->nr_user_exits; k++)
			if (run->user_exit[k].code == code)
				return &run->user_exit[k];
	}
	return NULL;
}

static void add_user_row(struct selftest_report *report, uint32_t vcpu_id,
			 uint32_t code, uint64_t made, int64_t counted)
{
	struct selftest_user_row *row =
		&report->user_rows[report->nr_user_rows++];

	*row = (struct selftest_user_row){
		.vcpu_id = vcpu_id,
		.code = code,
		.made = made,
		.counted = counted,
		.ok = counted >= 0 && (uint64_t)counted == made,
	};
	if (!row->ok)
		report->nr_user_mismatches++;
}

/*
 * Every return exitgen saw must be counted, and nothing else: a reason
 * or a vCPU exitgen did not see is a row with made 0.
 */
static int compare_user_exits(const struct exitgen_result *made,
			      const struct vmexit_user_records *before,
			      const struct vmexit_user_records *after,
			      struct selftest_report *report)
{
	size_t nr_deltas = 0, max_rows, i;
	struct user_delta *deltas;
	unsigned int k;

	deltas = calloc((before ? before->nr : 0) + (after ? after->nr : 0) + 1,
			sizeof(*deltas));
	if (!deltas)
		return -ENOMEM;
	add_user_records(deltas, &nr_deltas, after, made->pid, 1);
	add_user_records(deltas, &nr_deltas, before, made->pid, -1);
	nr_deltas = merge_user_deltas(deltas, nr_deltas);

	max_rows = nr_deltas + 1;
	for (i = 0; i < made->nr_vcpus && i < EXITGEN_MAX_VCPUS; i++)
		max_rows += made->vcpu_run[i].nr_user_exits;
	report->user_rows = calloc(max_rows, sizeof(*report->user_rows));
	if (!report->user_rows) {
		free(deltas);
		return -ENOMEM;
	}

	for (i = 0; i < made->nr_vcpus && i < EXITGEN_MAX_VCPUS; i++) {
		const struct exitgen_vcpu_run *run = &made->vcpu_run[i];
		uint32_t vcpu_id = made->vcpu[i].vcpu_id;

		for (k = 0; k < run->nr_user_exits; k++) {
			struct user_delta key = {
				.vcpu_id = vcpu_id,
				.code = run->user_exit[k].code,
			};
			const struct user_delta *delta;

			delta = bsearch(&key, deltas, nr_deltas,
					sizeof(*deltas), cmp_user_delta);
			add_user_row(report, vcpu_id, key.code,
				     run->user_exit[k].count,
				     delta ? delta->count : 0);
		}
	}
	for (i = 0; i < nr_deltas; i++) {
		if (deltas[i].count < 0)
			report->counters_went_back = true;
		if (!deltas[i].count ||
		    made_user_exit(made, deltas[i].vcpu_id, deltas[i].code))
			continue;
		add_user_row(report, deltas[i].vcpu_id, deltas[i].code, 0,
			     deltas[i].count);
	}
	qsort(report->user_rows, report->nr_user_rows,
	      sizeof(*report->user_rows), cmp_user_row);
	free(deltas);
	return 0;
}

int selftest_compare(const struct exitgen_result *made,
		     const struct selftest_dumps *before_dumps,
		     const struct selftest_dumps *after_dumps,
		     struct selftest_report *report)
{
	const struct vmexit_records *before =
		before_dumps ? before_dumps->exits : NULL;
	const struct vmexit_records *after = after_dumps ? after_dumps->exits :
							   NULL;
	size_t nr_deltas = 0, max_rows, i;
	struct delta *deltas;
	uint32_t last_foreign = 0;
	bool seen_foreign = false;

	memset(report, 0, sizeof(*report));
	report->isa = made->isa;
	report->pid = made->pid;

	deltas = calloc((before ? before->nr : 0) + (after ? after->nr : 0) + 1,
			sizeof(*deltas));
	if (!deltas)
		return -ENOMEM;
	add_records(deltas, &nr_deltas, after, made->pid, 1);
	add_records(deltas, &nr_deltas, before, made->pid, -1);
	nr_deltas = merge_deltas(deltas, nr_deltas);

	max_rows = (size_t)made->nr_vcpus * made->nr_made + nr_deltas + 1;
	report->rows = calloc(max_rows, sizeof(*report->rows));
	if (!report->rows) {
		free(deltas);
		return -ENOMEM;
	}

	for (i = 0; i < made->nr_vcpus && i < EXITGEN_MAX_VCPUS; i++)
		check_vcpu(report, made, &made->vcpu[i], deltas, nr_deltas);

	for (i = 0; i < nr_deltas; i++) {
		const struct delta *delta = &deltas[i];

		if (delta->count < 0)
			report->counters_went_back = true;
		if (delta->count <= 0 || made_vcpu(made, delta->vcpu_id))
			continue;
		/* Exits on a vCPU exitgen never made: misattributed. */
		report->rows[report->nr_rows++] = (struct selftest_row){
			.vcpu_id = delta->vcpu_id,
			.isa = delta->isa,
			.code = delta->code,
			.counted = delta->count,
		};
		if (!seen_foreign || delta->vcpu_id != last_foreign)
			report->nr_foreign_vcpus++;
		seen_foreign = true;
		last_foreign = delta->vcpu_id;
	}
	free(deltas);

	if (compare_user_exits(
		    made, before_dumps ? before_dumps->user_exits : NULL,
		    after_dumps ? after_dumps->user_exits : NULL, report)) {
		selftest_report_free(report);
		return -ENOMEM;
	}

	report->pass = report->nr_checks && !report->nr_mismatches &&
		       report->nr_user_rows && !report->nr_user_mismatches &&
		       !report->nr_missing_vcpus &&
		       !report->nr_tid_mismatches &&
		       !report->nr_foreign_vcpus && !report->counters_went_back;
	return 0;
}

void selftest_report_free(struct selftest_report *report)
{
	free(report->rows);
	report->rows = NULL;
	report->nr_rows = 0;
	free(report->user_rows);
	report->user_rows = NULL;
	report->nr_user_rows = 0;
}

static void print_row(const struct selftest_row *row)
{
	char reason_buf[16];
	const char *reason;

	reason = exit_reason_label(row->isa, row->code, reason_buf,
				   sizeof(reason_buf));
	if (row->made_by_exitgen)
		printf("  %4" PRIu32 "  %-28s %10" PRIu64 " %10" PRId64
		       "  %s\n",
		       row->vcpu_id, reason, row->made, row->counted,
		       row->ok ? "OK" : "MISMATCH");
	else
		printf("  %4" PRIu32 "  %-28s %10s %10" PRId64
		       "  info (not made by exitgen)\n",
		       row->vcpu_id, reason, "-", row->counted);
}

static void print_user_row(const struct selftest_user_row *row)
{
	char reason_buf[16], label[40];

	snprintf(label, sizeof(label), "to user space: %s",
		 user_exit_label(row->code, reason_buf, sizeof(reason_buf)));
	printf("  %4" PRIu32 "  %-28s %10" PRIu64 " %10" PRId64 "  %s\n",
	       row->vcpu_id, label, row->made, row->counted,
	       row->ok ? "OK" : "MISMATCH");
}

static void print_vcpu(const struct selftest_report *report,
		       const struct selftest_vcpu *vcpu)
{
	size_t i;

	if (!vcpu->present) {
		printf("  %4" PRIu32 "  MISSING: no exits of this vCPU in the "
		       "dump\n",
		       vcpu->vcpu_id);
	} else if (vcpu->counted_tid) {
		printf("  %4" PRIu32 "  thread %" PRIu32
		       ", collector says %" PRIu32 ": %s\n",
		       vcpu->vcpu_id, vcpu->tid, vcpu->counted_tid,
		       vcpu->tid_ok ? "OK" : "MISMATCH");
	}
	for (i = 0; i < report->nr_rows; i++)
		if (report->rows[i].vcpu_id == vcpu->vcpu_id)
			print_row(&report->rows[i]);
	for (i = 0; i < report->nr_user_rows; i++)
		if (report->user_rows[i].vcpu_id == vcpu->vcpu_id)
			print_user_row(&report->user_rows[i]);
}

static bool report_has_vcpu(const struct selftest_report *report,
			    uint32_t vcpu_id)
{
	size_t i;

	for (i = 0; i < report->nr_vcpus; i++)
		if (report->vcpus[i].vcpu_id == vcpu_id)
			return true;
	return false;
}

static void print_report(const struct selftest_report *report, uint64_t dropped,
			 bool reset)
{
	char isa_buf[16], reason_buf[16];
	size_t i;

	printf("selftest: pid %" PRIu32 ", %s, vCPUs: %zu; counted = change "
	       "of this pid's counters%s\n\n",
	       report->pid,
	       exit_isa_label(report->isa, isa_buf, sizeof(isa_buf)),
	       report->nr_vcpus, reset ? ", after a reset" : "");
	printf("  vCPU  %-28s %10s %10s  result\n", "exit reason", "made",
	       "counted");
	for (i = 0; i < report->nr_vcpus; i++)
		print_vcpu(report, &report->vcpus[i]);
	for (i = 0; i < report->nr_rows; i++) {
		const struct selftest_row *row = &report->rows[i];

		if (report_has_vcpu(report, row->vcpu_id))
			continue;
		printf("  %4" PRIu32 "  %-28s %10s %10" PRId64
		       "  MISMATCH (exitgen made no such vCPU)\n",
		       row->vcpu_id,
		       exit_reason_label(row->isa, row->code, reason_buf,
					 sizeof(reason_buf)),
		       "-", row->counted);
	}
	for (i = 0; i < report->nr_user_rows; i++)
		if (!report_has_vcpu(report, report->user_rows[i].vcpu_id))
			print_user_row(&report->user_rows[i]);
	putchar('\n');

	if (dropped)
		printf("selftest: %" PRIu64 " exits were dropped during the "
		       "test (the module's memory was full); --reset frees "
		       "what ended VMs hold\n",
		       dropped);
	if (report->counters_went_back)
		printf("selftest: counters went down during the test (a reset "
		       "by someone else?); run it again\n");
	if (report->pass) {
		printf("selftest: PASS (%zu checks of exits, %zu of exits to "
		       "user space, vCPUs: %zu)\n",
		       report->nr_checks, report->nr_user_rows,
		       report->nr_vcpus);
		return;
	}
	printf("selftest: FAIL (%zu of %zu checks of exits mismatch, %zu of "
	       "%zu of exits to user space, %zu vCPUs missing, %zu thread "
	       "mismatches, %zu vCPUs not made by exitgen)\n",
	       report->nr_mismatches, report->nr_checks,
	       report->nr_user_mismatches, report->nr_user_rows,
	       report->nr_missing_vcpus, report->nr_tid_mismatches,
	       report->nr_foreign_vcpus);
}

static struct json_object *row_json(const struct selftest_row *row)
{
	struct json_object *obj = json_object_new_object();
	char reason_buf[16];
	bool ok = true;

	ok &= json_add(obj, "code", json_object_new_int64(row->code));
	ok &= json_add(
		obj, "reason",
		json_object_new_string(exit_reason_label(
			row->isa, row->code, reason_buf, sizeof(reason_buf))));
	if (row->made_by_exitgen)
		ok &= json_add(obj, "made", json_object_new_uint64(row->made));
	ok &= json_add(obj, "counted", json_object_new_int64(row->counted));
	if (row->made_by_exitgen)
		ok &= json_add(obj, "ok", json_object_new_boolean(row->ok));
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *user_row_json(const struct selftest_user_row *row)
{
	struct json_object *obj = json_object_new_object();
	char reason_buf[16];
	bool ok = true;

	ok &= json_add(obj, "code", json_object_new_int64(row->code));
	ok &= json_add(obj, "reason",
		       json_object_new_string(user_exit_label(
			       row->code, reason_buf, sizeof(reason_buf))));
	ok &= json_add(obj, "made", json_object_new_uint64(row->made));
	ok &= json_add(obj, "counted", json_object_new_int64(row->counted));
	ok &= json_add(obj, "ok", json_object_new_boolean(row->ok));
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *vcpu_json(const struct selftest_report *report,
				     const struct selftest_vcpu *vcpu)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *checks = json_object_new_array();
	struct json_object *info = json_object_new_array();
	struct json_object *user = json_object_new_array();
	bool ok = true;
	size_t i;

	for (i = 0; i < report->nr_rows; i++) {
		const struct selftest_row *row = &report->rows[i];

		if (row->vcpu_id != vcpu->vcpu_id)
			continue;
		ok &= json_append(row->made_by_exitgen ? checks : info,
				  row_json(row));
	}
	for (i = 0; i < report->nr_user_rows; i++)
		if (report->user_rows[i].vcpu_id == vcpu->vcpu_id)
			ok &= json_append(user,
					  user_row_json(&report->user_rows[i]));
	ok &= json_add(obj, "vcpu", json_object_new_int64(vcpu->vcpu_id));
	ok &= json_add(obj, "tid", json_object_new_int64(vcpu->tid));
	ok &= json_add(obj, "counted_tid",
		       json_object_new_int64(vcpu->counted_tid));
	ok &= json_add(obj, "present", json_object_new_boolean(vcpu->present));
	ok &= json_add(obj, "tid_ok", json_object_new_boolean(vcpu->tid_ok));
	ok &= json_add(obj, "checks", checks);
	ok &= json_add(obj, "informational", info);
	ok &= json_add(obj, "user_exits", user);
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *report_json(const struct selftest_report *report,
				       uint64_t dropped, bool reset)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *vcpus = json_object_new_array();
	struct json_object *foreign = json_object_new_array();
	char isa_buf[16];
	bool ok = true;
	size_t i;

	for (i = 0; i < report->nr_vcpus; i++)
		ok &= json_append(vcpus, vcpu_json(report, &report->vcpus[i]));
	for (i = 0; i < report->nr_rows; i++) {
		struct json_object *row;

		if (report_has_vcpu(report, report->rows[i].vcpu_id))
			continue;
		row = row_json(&report->rows[i]);
		ok &= json_add(row, "vcpu",
			       json_object_new_int64(report->rows[i].vcpu_id));
		ok &= json_append(foreign, row);
	}
	for (i = 0; i < report->nr_user_rows; i++) {
		struct json_object *row;

		if (report_has_vcpu(report, report->user_rows[i].vcpu_id))
			continue;
		row = user_row_json(&report->user_rows[i]);
		ok &= json_add(
			row, "vcpu",
			json_object_new_int64(report->user_rows[i].vcpu_id));
		ok &= json_append(foreign, row);
	}
	ok &= json_add(doc, "backend", json_object_new_string("module"));
	ok &= json_add(doc, "pid", json_object_new_int64(report->pid));
	ok &= json_add(doc, "isa",
		       json_object_new_string(exit_isa_label(
			       report->isa, isa_buf, sizeof(isa_buf))));
	ok &= json_add(doc, "method",
		       json_object_new_string(reset ? "reset+delta" : "delta"));
	ok &= json_add(doc, "vcpus", vcpus);
	ok &= json_add(doc, "foreign_vcpu_exits", foreign);
	ok &= json_add(doc, "exits_dropped", json_object_new_uint64(dropped));
	ok &= json_add(doc, "counters_went_back",
		       json_object_new_boolean(report->counters_went_back));
	ok &= json_add(doc, "checks",
		       json_object_new_uint64(report->nr_checks));
	ok &= json_add(doc, "mismatches",
		       json_object_new_uint64(report->nr_mismatches));
	ok &= json_add(doc, "user_checks",
		       json_object_new_uint64(report->nr_user_rows));
	ok &= json_add(doc, "user_mismatches",
		       json_object_new_uint64(report->nr_user_mismatches));
	ok &= json_add(doc, "pass", json_object_new_boolean(report->pass));
	if (!ok) {
		json_object_put(doc);
		return NULL;
	}
	return doc;
}

static void usage(FILE *out)
{
	struct exitgen_request mix;

	selftest_request(&mix, SELFTEST_DEFAULT_VCPUS);
	fprintf(out,
		"usage: vmexit-stat selftest [--vcpus K] [--reset] [--json]\n"
		"\n"
		"Runs exitgen in this process on K vCPUs (default %d), each "
		"making\n"
		"cpuid %lu, pio %lu, hlt %lu, msr %lu and hypercall %lu exits, "
		"then checks\n"
		"that the loaded collector counted exactly that, per vCPU and "
		"reason,\n"
		"and exactly the returns of KVM_RUN to exitgen, per vCPU and "
		"KVM_EXIT_*\n"
		"reason.\n"
		"Counted means the change of this pid's counters over the "
		"run; other\n"
		"VMs' counters are left alone.  Exit status 0 only when every "
		"check\n"
		"matches.\n"
		"\n"
		"  -c, --vcpus K  number of vCPUs, 1 to %d\n"
		"  -r, --reset    reset every counter first (needs "
		"CAP_NET_ADMIN);\n"
		"                 frees the memory ended VMs hold\n"
		"  -j, --json     print the report as JSON\n"
		"  -h, --help     show this help\n"
		"\n"
		"Examples:\n"
		"  sudo vmexit-stat selftest                 # 2 vCPUs, reason by reason\n"
		"  sudo vmexit-stat selftest --vcpus 8 --json   # 8 vCPUs, the report as JSON\n"
		"  sudo vmexit-stat selftest --reset         # from zero (needs CAP_NET_ADMIN)\n"
		"\n"
		"Exit status: 0 when every check matches; 1 when one does not, or on\n"
		"failure (no module loaded, no /dev/kvm, no permission); 2 for a bad\n"
		"command line.\n",
		mix.vcpus, mix.count[EXITGEN_CPUID], mix.count[EXITGEN_PIO],
		mix.count[EXITGEN_HLT], mix.count[EXITGEN_MSR],
		mix.count[EXITGEN_HYPERCALL], EXITGEN_MAX_VCPUS);
}

struct selftest_run {
	struct vmexit_client client;
	struct vmexit_filter filter;
	struct vmexit_records before;
	struct vmexit_records after;
	struct vmexit_user_records before_user;
	struct vmexit_user_records after_user;
	struct vmexit_info info_before;
	struct vmexit_info info_after;
	struct exitgen_result made;
};

/* Returns 0, or 1 after saying why on stderr. */
static int collect(struct selftest_run *run, unsigned int vcpus, bool reset)
{
	struct exitgen_request req;
	char why[256] = "";
	int err;

	selftest_request(&req, vcpus);
	run->filter.by_pid = true;
	run->filter.pid = getpid();

	if (reset) {
		err = vmexit_reset(&run->client);
		if (err) {
			vmexit_print_error(&run->client, "reset", err);
			if (err == -EPERM || err == -EACCES)
				fprintf(stderr, "vmexit-stat: --reset needs "
						"CAP_NET_ADMIN; without it "
						"selftest works on the "
						"change of the counters\n");
			return 1;
		}
	}

	err = vmexit_get_info(&run->client, &run->info_before);
	if (!err)
		err = vmexit_dump_exits(&run->client, &run->filter,
					&run->before);
	if (!err)
		err = vmexit_dump_user_exits(&run->client, &run->filter,
					     &run->before_user);
	if (err) {
		cli_report_read_error(&run->client, "reading the counters",
				      err);
		return 1;
	}

	if (exitgen_run(&req, &run->made, why, sizeof(why))) {
		fprintf(stderr, "vmexit-stat: exitgen: %s\n",
			why[0] ? why : "failed");
		return 1;
	}
	if (run->made.pid != (pid_t)run->filter.pid) {
		fprintf(stderr,
			"vmexit-stat: exitgen ran in pid %d, not in "
			"this process (%d)\n",
			(int)run->made.pid, (int)run->filter.pid);
		return 1;
	}

	err = vmexit_dump_exits(&run->client, &run->filter, &run->after);
	if (!err)
		err = vmexit_dump_user_exits(&run->client, &run->filter,
					     &run->after_user);
	if (!err)
		err = vmexit_get_info(&run->client, &run->info_after);
	if (err) {
		cli_report_read_error(&run->client, "reading the counters",
				      err);
		return 1;
	}
	return 0;
}

static int print_result(const struct selftest_run *run, bool json, bool reset)
{
	struct selftest_dumps before = { &run->before, &run->before_user };
	struct selftest_dumps after = { &run->after, &run->after_user };
	struct selftest_report report;
	uint64_t dropped;
	int status;

	if (selftest_compare(&run->made, &before, &after, &report)) {
		fprintf(stderr, "vmexit-stat: out of memory\n");
		return 1;
	}
	/* Should the totals have been reset meanwhile, all drops are new. */
	dropped = run->info_after.exits_dropped;
	if (dropped >= run->info_before.exits_dropped)
		dropped -= run->info_before.exits_dropped;
	status = report.pass ? 0 : 1;

	if (json) {
		struct json_object *doc = report_json(&report, dropped, reset);

		if (!doc) {
			fprintf(stderr, "vmexit-stat: out of memory\n");
			status = 1;
		} else {
			json_doc_print(stdout, doc);
			json_object_put(doc);
		}
	} else {
		print_report(&report, dropped, reset);
	}
	selftest_report_free(&report);
	return status;
}

static bool parse_vcpus(const char *arg, unsigned int *vcpus)
{
	unsigned long value;
	char *end;

	errno = 0;
	value = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || value < 1 ||
	    value > EXITGEN_MAX_VCPUS)
		return false;
	*vcpus = value;
	return true;
}

int cmd_selftest(int argc, char **argv)
{
	static const struct option options[] = {
		{ "vcpus", required_argument, NULL, 'c' },
		{ "reset", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	unsigned int vcpus = SELFTEST_DEFAULT_VCPUS;
	bool json = false, reset = false;
	struct selftest_run *run;
	int opt, status;

	optind = 0; /* a full getopt reset, for callers that run us twice */
	while ((opt = getopt_long(argc, argv, "c:rjh", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (!parse_vcpus(optarg, &vcpus)) {
				fprintf(stderr,
					"vmexit-stat: --vcpus wants 1 to %d, "
					"not '%s'\n",
					EXITGEN_MAX_VCPUS, optarg);
				usage(stderr);
				return 2;
			}
			break;
		case 'r':
			reset = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vmexit-stat: selftest: unexpected '%s'\n",
			argv[optind]);
		usage(stderr);
		return 2;
	}

	/* exitgen_result is large; keep it off the stack. */
	run = calloc(1, sizeof(*run));
	if (!run) {
		fprintf(stderr, "vmexit-stat: out of memory\n");
		return 1;
	}
	if (vmexit_connect(&run->client)) {
		free(run);
		return 1;
	}
	status = collect(run, vcpus, reset);
	if (!status)
		status = print_result(run, json, reset);

	vmexit_records_free(&run->before);
	vmexit_records_free(&run->after);
	vmexit_user_records_free(&run->before_user);
	vmexit_user_records_free(&run->after_user);
	vmexit_client_close(&run->client);
	free(run);
	return status;
}
