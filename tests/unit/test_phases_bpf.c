// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF phase maps' entries as GET_PHASES records
 * (user/phases_bpf_records.c): the same fields vmexit_parse_phase()
 * fills, codes split from the VMX modifier bits, the open part of a phase
 * counted up to the read, and the busiest codes kept past the limit.
 */
#include <linux/vmexit_stat.h>

#include "phases_bpf_records.h"
#include "unit.h"

static const struct vxs_phase_key key = {
	.kvm = 0xffff888012345000ULL,
	.pid = 4242,
	.vcpu_id = 3,
	.phase_id = 7,
};

static void closed_phase(void)
{
	struct vxs_phase_value value = {
		.starts = 2,
		.ends = 2,
		.active_ns = 5000,
		.open_since_ns = 90000, /* stale since the close: ignored */
		.last_start_ns = 90000,
		.last_end_ns = 93000,
		.wait_ns = 1234,
		.tid = 4250,
		.lat = { .count = 11,
			 .sum_ns = 2200,
			 .min_ns = 100,
			 .max_ns = 400 },
	};
	struct vmexit_phase rec;

	value.lat.hist[6] = 3;
	value.lat.hist[8] = 8;
	phases_bpf_record(&rec, &key, &value, 0xabcdef, 100000);
	CHECK_U64(rec.vm_pid, 4242);
	CHECK_U64(rec.vm_id, 0xabcdef);
	CHECK_U64(rec.vcpu_id, 3);
	CHECK_U64(rec.vcpu_tid, 4250);
	CHECK_U64(rec.phase_id, 7);
	CHECK(!rec.open);
	CHECK_U64(rec.starts, 2);
	CHECK_U64(rec.ends, 2);
	CHECK_U64(rec.active_ns, 5000);
	CHECK_U64(rec.last_start_ns, 90000);
	CHECK_U64(rec.last_end_ns, 93000);
	CHECK_U64(rec.exits, 0); /* until its codes are added */
	CHECK_U64(rec.wait_ns, 1234);
	CHECK(rec.has_latency);
	CHECK_U64(rec.latency.count, 11);
	CHECK_U64(rec.latency.sum_ns, 2200);
	CHECK_U64(rec.latency.min_ns, 100);
	CHECK_U64(rec.latency.max_ns, 400);
	CHECK_U64(rec.latency.hist[6], 3);
	CHECK_U64(rec.latency.hist[8], 8);
	CHECK_U64(rec.nr_exits, 0);
}

/* Open: the time since its start counts, up to the read. */
static void open_phase(void)
{
	struct vxs_phase_value value = {
		.starts = 3,
		.ends = 2,
		.active_ns = 5000,
		.open_since_ns = 90000,
		.last_start_ns = 90000,
		.open = 1,
		.lat = { .min_ns =
				 12345 }, /* nothing timed: min means nothing */
	};
	struct vmexit_phase rec;

	phases_bpf_record(&rec, &key, &value, 1, 100000);
	CHECK(rec.open);
	CHECK_U64(rec.active_ns, 15000);
	CHECK_U64(rec.last_end_ns, 0);
	CHECK_U64(rec.latency.count, 0);
	CHECK_U64(rec.latency.min_ns, 0);

	/* A read that raced the start: nothing open counted yet. */
	phases_bpf_record(&rec, &key, &value, 1, 89000);
	CHECK_U64(rec.active_ns, 5000);
}

static void codes_split_and_merged(void)
{
	struct vmexit_phase rec = {};

	/* VMX: EXTERNAL_INTERRUPT, and a failed entry (bit 31) apart */
	phases_bpf_record_exit(&rec, VMEXIT_STAT_ISA_VMX, 1, 5);
	phases_bpf_record_exit(&rec, VMEXIT_STAT_ISA_VMX, 0x80000021, 2);
	phases_bpf_record_exit(&rec, VMEXIT_STAT_ISA_VMX, 1, 4);
	/* SVM codes are whole: 0x400 is NPF, not a flag */
	phases_bpf_record_exit(&rec, VMEXIT_STAT_ISA_SVM, 0x400, 7);
	/* a marker's exit taken out again */
	phases_bpf_record_exit(&rec, VMEXIT_STAT_ISA_VMX, 10, 0);
	phases_bpf_record_sort(&rec);

	CHECK_U64(rec.nr_exits, 3);
	CHECK_U64(rec.exits, 18);
	CHECK_U64(rec.exit[0].isa, VMEXIT_STAT_ISA_VMX);
	CHECK_U64(rec.exit[0].code, 1);
	CHECK_U64(rec.exit[0].flags, 0);
	CHECK_U64(rec.exit[0].count, 9);
	CHECK_U64(rec.exit[1].isa, VMEXIT_STAT_ISA_SVM);
	CHECK_U64(rec.exit[1].code, 0x400);
	CHECK_U64(rec.exit[1].flags, 0);
	CHECK_U64(rec.exit[1].count, 7);
	CHECK_U64(rec.exit[2].code, 0x21);
	CHECK_U64(rec.exit[2].flags, VMEXIT_STAT_EXIT_FLAG_VMX_FAILED_ENTRY);
	CHECK_U64(rec.exit[2].count, 2);
}

/* Past the limit the least code makes room for a busier one. */
static void busiest_codes_kept(void)
{
	static struct vmexit_phase rec;
	uint32_t code;
	size_t i;
	bool has_big = false, has_one = false;

	for (code = 0; code < VMEXIT_PHASE_EXITS_MAX; code++)
		phases_bpf_record_exit(&rec, VMEXIT_STAT_ISA_SVM, code,
				       code + 10);
	phases_bpf_record_exit(&rec, VMEXIT_STAT_ISA_SVM, 0x1000, 1);
	phases_bpf_record_exit(&rec, VMEXIT_STAT_ISA_SVM, 0x2000, 1000);
	CHECK_U64(rec.nr_exits, VMEXIT_PHASE_EXITS_MAX);
	/* every exit counts in exits, the ones whose code went too */
	CHECK_U64(rec.exits, 64 * 10 + 63 * 64 / 2 + 1 + 1000);
	for (i = 0; i < rec.nr_exits; i++) {
		has_big |= rec.exit[i].code == 0x2000;
		has_one |= rec.exit[i].code == 0x1000;
		CHECK(rec.exit[i].code != 0); /* the least, 10, went */
	}
	CHECK(has_big);
	CHECK(!has_one);
	phases_bpf_record_sort(&rec);
	CHECK_U64(rec.exit[0].code, 0x2000);
	CHECK_U64(rec.exit[rec.nr_exits - 1].count, 11);
}

static void same_vcpu(void)
{
	struct vxs_exit_key exit = {
		.kvm = key.kvm,
		.pid = key.pid,
		.vcpu_id = key.vcpu_id,
		.isa = VMEXIT_STAT_ISA_SVM,
		.reason = 0x72,
	};

	CHECK(phases_bpf_same_vcpu(&key, &exit));
	exit.vcpu_id = 4;
	CHECK(!phases_bpf_same_vcpu(&key, &exit));
	exit.vcpu_id = key.vcpu_id;
	exit.kvm ^= 0x1000;
	CHECK(!phases_bpf_same_vcpu(&key, &exit));
	exit.kvm = key.kvm;
	exit.pid++;
	CHECK(!phases_bpf_same_vcpu(&key, &exit));
}

const struct unit_test phases_bpf_tests[] = {
	{ "phases_bpf_closed_phase", closed_phase },
	{ "phases_bpf_open_phase", open_phase },
	{ "phases_bpf_codes_split_and_merged", codes_split_and_merged },
	{ "phases_bpf_busiest_codes_kept", busiest_codes_kept },
	{ "phases_bpf_same_vcpu", same_vcpu },
	{},
};
