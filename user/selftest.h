/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_SELFTEST_H
#define VMEXIT_STAT_SELFTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exitgen.h"
#include "genl_client.h"

/*
 * The verdict of `vmexit-stat selftest`, worked out from exitgen's
 * result and two dumps of our own pid (exits and exits to user space),
 * before and after exitgen ran, so that it is tested without a kernel.
 */

/* One (vCPU, isa, code): what exitgen made and what the collector saw. */
struct selftest_row {
	uint32_t vcpu_id;
	uint32_t isa;
	uint32_t code;
	bool made_by_exitgen; /* false: informational only */
	uint64_t made;
	int64_t counted; /* after - before, summed over flags */
	bool ok;
};

/*
 * One (vCPU, KVM_EXIT_* reason): how often KVM_RUN returned to exitgen
 * with it, and how many returns the collector counted.  exitgen counts
 * every return, so a reason it did not see must not be counted either.
 */
struct selftest_user_row {
	uint32_t vcpu_id;
	uint32_t code;
	uint64_t made;
	int64_t counted;
	bool ok;
};

struct selftest_vcpu {
	uint32_t vcpu_id;
	uint32_t tid; /* the thread exitgen ran the vCPU on */
	uint32_t counted_tid; /* the thread the collector names, or 0 */
	bool present; /* the dump has exits of this vCPU */
	bool tid_ok;
};

struct selftest_report {
	uint32_t isa;
	uint32_t pid;
	size_t nr_vcpus;
	struct selftest_vcpu vcpus[EXITGEN_MAX_VCPUS];
	struct selftest_row *rows; /* by vCPU, made ones first */
	size_t nr_rows;
	size_t nr_checks; /* rows made by exitgen */
	size_t nr_mismatches; /* of those rows */
	size_t nr_missing_vcpus;
	size_t nr_tid_mismatches;
	size_t nr_foreign_vcpus; /* vCPUs exitgen did not make */
	struct selftest_user_row *user_rows; /* by vCPU, then code */
	size_t nr_user_rows;
	size_t nr_user_mismatches;
	bool counters_went_back; /* a reset happened during the test */
	bool pass;
};

/* The dumps of one moment; either list may be NULL (nothing counted). */
struct selftest_dumps {
	const struct vmexit_records *exits;
	const struct vmexit_user_records *user_exits;
};

/* 0 or -ENOMEM. */
int selftest_compare(const struct exitgen_result *made,
		     const struct selftest_dumps *before,
		     const struct selftest_dumps *after,
		     struct selftest_report *report);
void selftest_report_free(struct selftest_report *report);

#endif /* VMEXIT_STAT_SELFTEST_H */
