// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for the module's core: exit code decoding, latency
 * histograms, aggregation across threads, vCPUs and CPUs, and the
 * lifecycle of vCPU threads and VMs.
 *
 * The core is compiled into this test module from its source and runs on
 * tables of the test's own, with stand-in tasks, so the collector exports
 * nothing for the tests' sake and no VM is needed.
 */
#include <kunit/test.h>
#include <linux/kvm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <asm/svm.h>
#include <asm/vmx.h>
#include <vmexit_stat/markers.h>

#include "../../module/decode.c"
#include "../../module/vcpu_table.c"
#include "../../module/sched.c"
#include "../../module/phases.c"

#define TEST_PID	4242

/* Stand-ins for struct kvm and struct kvm_vcpu: only compared. */
static const char test_kvm_a, test_kvm_b;
static const char test_vcpu[8];

struct test_ctx {
	struct vxs_core core;
	struct task_struct *tasks[8];
	unsigned int events_queued;
};

static void test_events_queued(struct vxs_core *core)
{
	container_of(core, struct test_ctx, core)->events_queued++;
}

static struct test_ctx *test_ctx_new(struct kunit *test, u32 nr_blocks)
{
	struct test_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_EQ(test, vxs_core_alloc(&ctx->core, nr_blocks), 0);
	ctx->core.events_queued = test_events_queued;
	for (i = 0; i < ARRAY_SIZE(ctx->tasks); i++) {
		struct task_struct *task;

		/* Only pid, comm and group_leader are read. */
		task = kunit_kzalloc(test, sizeof(*task), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, task);
		task->pid = 1000 + i;
		task->group_leader = task;
		strscpy(task->comm, "kunit-vmm", sizeof(task->comm));
		ctx->tasks[i] = task;
	}
	test->priv = ctx;
	return ctx;
}

static void test_ctx_exit(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;

	if (ctx)
		vxs_core_free(&ctx->core);
}

static struct vxs_block *test_claim(struct kunit *test, struct test_ctx *ctx,
				    unsigned int thread, const void *kvm,
				    u32 vcpu_id)
{
	struct vxs_block *block;

	block = vxs_block_get(&ctx->core, ctx->tasks[thread],
			      &test_vcpu[vcpu_id], kvm, TEST_PID, vcpu_id,
			      VMEXIT_STAT_ISA_SVM);
	KUNIT_ASSERT_NOT_NULL(test, block);
	return block;
}

/* One exit of reason, back in the guest lat_ns later. */
static void test_exit(struct test_ctx *ctx, struct vxs_block *block,
		      u32 reason, u64 at, u64 lat_ns)
{
	vxs_block_count_exit(&ctx->core, block, reason, at);
	vxs_block_count_entry(&ctx->core, block, at + lat_ns);
}

static const struct vxs_exit_record *
test_find_exit(const struct vxs_exit_snapshot *snap, u32 vcpu_id, u32 reason)
{
	u32 i;

	for (i = 0; i < snap->nr; i++)
		if (snap->rec[i].vcpu_id == vcpu_id &&
		    snap->rec[i].reason == reason)
			return &snap->rec[i];
	return NULL;
}

/* --- vmexit_stat_decode --------------------------------------------------- */

static void vmexit_stat_decode_vmx_strips_modifiers(struct kunit *test)
{
	u32 failed_entry = EXIT_REASON_INVALID_STATE |
			   VMEXIT_STAT_EXIT_FLAG_VMX_FAILED_ENTRY;

	KUNIT_EXPECT_EQ(test, vxs_exit_code(VMEXIT_STAT_ISA_VMX, failed_entry),
			(u32)EXIT_REASON_INVALID_STATE);
	KUNIT_EXPECT_EQ(test, vxs_exit_flags(VMEXIT_STAT_ISA_VMX, failed_entry),
			VMEXIT_STAT_EXIT_FLAG_VMX_FAILED_ENTRY);
	KUNIT_EXPECT_EQ(test, vxs_exit_code(VMEXIT_STAT_ISA_VMX,
					    EXIT_REASON_CPUID),
			(u32)EXIT_REASON_CPUID);
	KUNIT_EXPECT_EQ(test, vxs_exit_flags(VMEXIT_STAT_ISA_VMX,
					     EXIT_REASON_CPUID), 0U);
}

static void vmexit_stat_decode_svm_keeps_code(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vxs_exit_code(VMEXIT_STAT_ISA_SVM, SVM_EXIT_NPF),
			(u32)SVM_EXIT_NPF);
	KUNIT_EXPECT_EQ(test, vxs_exit_flags(VMEXIT_STAT_ISA_SVM, SVM_EXIT_NPF),
			0U);
	/* SVM_EXIT_ERR is -1: nothing of it is a modifier. */
	KUNIT_EXPECT_EQ(test, vxs_exit_code(VMEXIT_STAT_ISA_SVM, (u32)-1),
			(u32)-1);
}

static void vmexit_stat_decode_unknown_code_kept(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct vxs_block *block = test_claim(test, ctx, 0, &test_kvm_a, 0);
	struct vxs_exit_snapshot *snap;

	test_exit(ctx, block, 0x4ff, 0, 10);
	snap = vxs_core_exits(&ctx->core, NULL);
	KUNIT_ASSERT_NOT_NULL(test, snap);
	KUNIT_ASSERT_EQ(test, snap->nr, 1U);
	KUNIT_EXPECT_EQ(test, snap->rec[0].reason, 0x4ffU);
	KUNIT_EXPECT_EQ(test, snap->rec[0].count, 1ULL);
	kvfree(snap);
}

static struct kunit_case vmexit_stat_decode_cases[] = {
	KUNIT_CASE(vmexit_stat_decode_vmx_strips_modifiers),
	KUNIT_CASE(vmexit_stat_decode_svm_keeps_code),
	KUNIT_CASE(vmexit_stat_decode_unknown_code_kept),
	{}
};

static struct kunit_suite vmexit_stat_decode_suite = {
	.name = "vmexit_stat_decode",
	.exit = test_ctx_exit,
	.test_cases = vmexit_stat_decode_cases,
};

/* --- vmexit_stat_latency -------------------------------------------------- */

static void vmexit_stat_latency_bucket_edges(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vxs_latency_bucket(0), 0U);
	KUNIT_EXPECT_EQ(test, vxs_latency_bucket(1), 0U);
	KUNIT_EXPECT_EQ(test, vxs_latency_bucket(2), 1U);
	KUNIT_EXPECT_EQ(test, vxs_latency_bucket(3), 1U);
	KUNIT_EXPECT_EQ(test, vxs_latency_bucket(4), 2U);
	KUNIT_EXPECT_EQ(test, vxs_latency_bucket(1023), 9U);
	KUNIT_EXPECT_EQ(test, vxs_latency_bucket(1024), 10U);
	KUNIT_EXPECT_EQ(test, vxs_latency_bucket(1ULL << 38), 38U);
	KUNIT_EXPECT_EQ(test, vxs_latency_bucket((1ULL << 39) - 1), 38U);
	KUNIT_EXPECT_EQ(test, vxs_latency_bucket(1ULL << 39),
			VMEXIT_STAT_LAT_BUCKETS - 1U);
	KUNIT_EXPECT_EQ(test, vxs_latency_bucket(U64_MAX),
			VMEXIT_STAT_LAT_BUCKETS - 1U);
}

static void vmexit_stat_latency_add_and_merge(struct kunit *test)
{
	struct vxs_latency a, b;
	u64 total = 0;
	unsigned int i;

	vxs_latency_init(&a);
	vxs_latency_init(&b);
	vxs_latency_add(&a, 100);
	vxs_latency_add(&a, 5000);
	vxs_latency_add(&b, 7);
	vxs_latency_merge(&a, &b);

	KUNIT_EXPECT_EQ(test, a.count, 3ULL);
	KUNIT_EXPECT_EQ(test, a.sum_ns, 5107ULL);
	KUNIT_EXPECT_EQ(test, a.min_ns, 7ULL);
	KUNIT_EXPECT_EQ(test, a.max_ns, 5000ULL);
	KUNIT_EXPECT_EQ(test, a.hist[6], 1ULL);		/* 100 in [64, 128) */
	KUNIT_EXPECT_EQ(test, a.hist[12], 1ULL);	/* 5000: [4096, 8192) */
	KUNIT_EXPECT_EQ(test, a.hist[2], 1ULL);		/* 7 in [4, 8) */
	for (i = 0; i < VMEXIT_STAT_LAT_BUCKETS; i++)
		total += a.hist[i];
	KUNIT_EXPECT_EQ(test, total, a.count);
}

/* The time between kvm_exit and the next kvm_entry lands in its reason. */
static void vmexit_stat_latency_exit_to_entry(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct vxs_block *block = test_claim(test, ctx, 0, &test_kvm_a, 0);
	const struct vxs_exit_record *rec;
	struct vxs_exit_snapshot *snap;

	test_exit(ctx, block, SVM_EXIT_CPUID, 1000, 300);
	test_exit(ctx, block, SVM_EXIT_CPUID, 2000, 500);
	/* Still open at the snapshot: counted, not timed. */
	vxs_block_count_exit(&ctx->core, block, SVM_EXIT_HLT, 3000);

	snap = vxs_core_exits(&ctx->core, NULL);
	KUNIT_ASSERT_NOT_NULL(test, snap);
	rec = test_find_exit(snap, 0, SVM_EXIT_CPUID);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	KUNIT_EXPECT_EQ(test, rec->count, 2ULL);
	KUNIT_EXPECT_EQ(test, rec->lat.count, 2ULL);
	KUNIT_EXPECT_EQ(test, rec->lat.sum_ns, 800ULL);
	KUNIT_EXPECT_EQ(test, rec->lat.min_ns, 300ULL);
	KUNIT_EXPECT_EQ(test, rec->lat.max_ns, 500ULL);
	KUNIT_EXPECT_EQ(test, rec->lat.hist[8], 2ULL);	/* [256, 512) */
	rec = test_find_exit(snap, 0, SVM_EXIT_HLT);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	KUNIT_EXPECT_EQ(test, rec->count, 1ULL);
	KUNIT_EXPECT_EQ(test, rec->lat.count, 0ULL);
	kvfree(snap);
}

/* An exit handled by the VMM: round trip and the exit's user share. */
static void vmexit_stat_latency_user_round_trip(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct vxs_block *block = test_claim(test, ctx, 0, &test_kvm_a, 0);
	struct vxs_user_snapshot *users;
	struct vxs_exit_snapshot *exits;
	const struct vxs_exit_record *rec;

	vxs_block_count_exit(&ctx->core, block, SVM_EXIT_IOIO, 1000);
	vxs_block_count_user_exit(&ctx->core, block, KVM_EXIT_IO, 1100);
	/* A signal makes KVM_RUN return again before the guest runs. */
	vxs_block_count_user_exit(&ctx->core, block, KVM_EXIT_INTR, 1200);
	vxs_block_count_entry(&ctx->core, block, 1700);

	exits = vxs_core_exits(&ctx->core, NULL);
	users = vxs_core_user_exits(&ctx->core, NULL);
	KUNIT_ASSERT_NOT_NULL(test, exits);
	KUNIT_ASSERT_NOT_NULL(test, users);
	rec = test_find_exit(exits, 0, SVM_EXIT_IOIO);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	KUNIT_EXPECT_EQ(test, rec->user_count, 1ULL);
	KUNIT_EXPECT_EQ(test, rec->user_ns, 500ULL);
	KUNIT_EXPECT_EQ(test, rec->lat.sum_ns, 700ULL);

	KUNIT_ASSERT_EQ(test, users->nr, 2U);
	/* Sorted by reason: KVM_EXIT_IO (2) before KVM_EXIT_INTR (10). */
	KUNIT_EXPECT_EQ(test, users->rec[0].reason, (u32)KVM_EXIT_IO);
	KUNIT_EXPECT_EQ(test, users->rec[0].count, 1ULL);
	KUNIT_EXPECT_EQ(test, users->rec[0].round_trip.count, 0ULL);
	KUNIT_EXPECT_EQ(test, users->rec[1].reason, (u32)KVM_EXIT_INTR);
	KUNIT_EXPECT_EQ(test, users->rec[1].round_trip.count, 1ULL);
	KUNIT_EXPECT_EQ(test, users->rec[1].round_trip.sum_ns, 500ULL);
	kvfree(exits);
	kvfree(users);
}

/*
 * local_clock() is per CPU: an exit that ends on a CPU whose clock is
 * behind the one it began on is timed 0 ns, not 2^64 - 1.
 */
static void vmexit_stat_latency_clock_behind_is_zero(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct vxs_block *block = test_claim(test, ctx, 0, &test_kvm_a, 0);
	const struct vxs_exit_record *rec;
	struct vxs_exit_snapshot *snap;

	vxs_block_count_exit(&ctx->core, block, SVM_EXIT_IOIO, 5000);
	vxs_block_count_user_exit(&ctx->core, block, KVM_EXIT_IO, 5100);
	vxs_block_count_entry(&ctx->core, block, 4900);

	snap = vxs_core_exits(&ctx->core, NULL);
	KUNIT_ASSERT_NOT_NULL(test, snap);
	rec = test_find_exit(snap, 0, SVM_EXIT_IOIO);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	KUNIT_EXPECT_EQ(test, rec->lat.count, 1ULL);
	KUNIT_EXPECT_EQ(test, rec->lat.sum_ns, 0ULL);
	KUNIT_EXPECT_EQ(test, rec->lat.max_ns, 0ULL);
	KUNIT_EXPECT_EQ(test, rec->lat.hist[0], 1ULL);
	KUNIT_EXPECT_EQ(test, rec->user_ns, 0ULL);
	kvfree(snap);
}

static void vmexit_stat_latency_off_counts_only(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct vxs_block *block = test_claim(test, ctx, 0, &test_kvm_a, 0);
	struct vxs_exit_snapshot *snap;

	WRITE_ONCE(ctx->core.latency, false);
	test_exit(ctx, block, SVM_EXIT_CPUID, 1000, 300);
	snap = vxs_core_exits(&ctx->core, NULL);
	KUNIT_ASSERT_NOT_NULL(test, snap);
	KUNIT_ASSERT_EQ(test, snap->nr, 1U);
	KUNIT_EXPECT_EQ(test, snap->rec[0].count, 1ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[0].lat.count, 0ULL);
	kvfree(snap);
}

static struct kunit_case vmexit_stat_latency_cases[] = {
	KUNIT_CASE(vmexit_stat_latency_bucket_edges),
	KUNIT_CASE(vmexit_stat_latency_add_and_merge),
	KUNIT_CASE(vmexit_stat_latency_exit_to_entry),
	KUNIT_CASE(vmexit_stat_latency_user_round_trip),
	KUNIT_CASE(vmexit_stat_latency_clock_behind_is_zero),
	KUNIT_CASE(vmexit_stat_latency_off_counts_only),
	{}
};

static struct kunit_suite vmexit_stat_latency_suite = {
	.name = "vmexit_stat_latency",
	.exit = test_ctx_exit,
	.test_cases = vmexit_stat_latency_cases,
};

/* --- vmexit_stat_aggregation ---------------------------------------------- */

/* One vCPU run by two threads in turn is one vCPU; BY_VM sums vCPUs. */
static void vmexit_stat_aggregation_threads_and_vcpus(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 8);
	struct vxs_filter by_vm = { .by_vm = true };
	struct vxs_block *t0, *t1, *t2;
	struct vxs_exit_snapshot *snap;
	const struct vxs_exit_record *rec;
	unsigned int i;

	t0 = test_claim(test, ctx, 0, &test_kvm_a, 0);
	t2 = test_claim(test, ctx, 2, &test_kvm_a, 1);
	for (i = 0; i < 3; i++)
		test_exit(ctx, t0, SVM_EXIT_CPUID, i * 100, 10);
	vxs_block_release(&ctx->core, t0);
	t1 = test_claim(test, ctx, 1, &test_kvm_a, 0);
	for (i = 0; i < 5; i++)
		test_exit(ctx, t1, SVM_EXIT_CPUID, i * 100, 20);
	test_exit(ctx, t2, SVM_EXIT_CPUID, 0, 40);

	snap = vxs_core_exits(&ctx->core, NULL);
	KUNIT_ASSERT_NOT_NULL(test, snap);
	KUNIT_ASSERT_EQ(test, snap->nr, 2U);
	rec = test_find_exit(snap, 0, SVM_EXIT_CPUID);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	KUNIT_EXPECT_EQ(test, rec->count, 8ULL);
	KUNIT_EXPECT_EQ(test, rec->lat.sum_ns, 130ULL);
	KUNIT_EXPECT_EQ(test, rec->lat.min_ns, 10ULL);
	KUNIT_EXPECT_EQ(test, rec->lat.max_ns, 20ULL);
	/* The thread that made most of the exits. */
	KUNIT_EXPECT_EQ(test, rec->tid, (u32)ctx->tasks[1]->pid);
	kvfree(snap);

	snap = vxs_core_exits(&ctx->core, &by_vm);
	KUNIT_ASSERT_NOT_NULL(test, snap);
	KUNIT_ASSERT_EQ(test, snap->nr, 1U);
	KUNIT_EXPECT_EQ(test, snap->rec[0].count, 9ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[0].lat.count, 9ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[0].lat.max_ns, 40ULL);
	kvfree(snap);
}

static void vmexit_stat_aggregation_filters(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 8);
	struct vxs_filter filter = {};
	struct vxs_exit_snapshot *snap;
	struct vxs_vm_snapshot *vms;
	struct vxs_block *a0, *a1, *b0;

	a0 = test_claim(test, ctx, 0, &test_kvm_a, 0);
	a1 = test_claim(test, ctx, 1, &test_kvm_a, 1);
	b0 = test_claim(test, ctx, 2, &test_kvm_b, 0);
	test_exit(ctx, a0, SVM_EXIT_CPUID, 0, 1);
	test_exit(ctx, a1, SVM_EXIT_HLT, 0, 1);
	test_exit(ctx, b0, SVM_EXIT_MSR, 0, 1);
	KUNIT_EXPECT_NE(test, a0->vm->vm_id, b0->vm->vm_id);

	filter.by_vcpu = true;
	filter.vcpu_id = 1;
	snap = vxs_core_exits(&ctx->core, &filter);
	KUNIT_ASSERT_NOT_NULL(test, snap);
	KUNIT_ASSERT_EQ(test, snap->nr, 1U);
	KUNIT_EXPECT_EQ(test, snap->rec[0].reason, (u32)SVM_EXIT_HLT);
	kvfree(snap);

	filter = (struct vxs_filter){ .by_vm_id = true };
	filter.vm_id = b0->vm->vm_id;
	snap = vxs_core_exits(&ctx->core, &filter);
	KUNIT_ASSERT_NOT_NULL(test, snap);
	KUNIT_ASSERT_EQ(test, snap->nr, 1U);
	KUNIT_EXPECT_EQ(test, snap->rec[0].reason, (u32)SVM_EXIT_MSR);
	kvfree(snap);

	filter = (struct vxs_filter){ .by_pid = true, .pid = TEST_PID + 1 };
	snap = vxs_core_exits(&ctx->core, &filter);
	KUNIT_ASSERT_NOT_NULL(test, snap);
	KUNIT_EXPECT_EQ(test, snap->nr, 0U);
	kvfree(snap);

	vms = vxs_core_vms(&ctx->core, NULL);
	KUNIT_ASSERT_NOT_NULL(test, vms);
	KUNIT_ASSERT_EQ(test, vms->nr, 2U);
	KUNIT_EXPECT_EQ(test, vms->rec[0].exits + vms->rec[1].exits, 3ULL);
	kvfree(vms);
}

/* Per-CPU counters are summed over every possible CPU. */
static void vmexit_stat_aggregation_across_cpus(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 2);
	struct vxs_info info;
	unsigned int cpu, nr = 0;

	for_each_possible_cpu(cpu) {
		per_cpu_ptr(ctx->core.cpu, cpu)->exits_seen = cpu + 1;
		per_cpu_ptr(ctx->core.cpu, cpu)->dropped_no_vcpu_slot = 1;
		nr++;
	}
	vxs_core_info(&ctx->core, &info);
	KUNIT_EXPECT_EQ(test, info.exits_seen, (u64)nr * (nr + 1) / 2);
	KUNIT_EXPECT_EQ(test, info.dropped_no_vcpu_slot, (u64)nr);

	/* A reset makes the sums start again from zero. */
	vxs_core_reset(&ctx->core);
	vxs_core_info(&ctx->core, &info);
	KUNIT_EXPECT_EQ(test, info.exits_seen, 0ULL);
	this_cpu_inc(ctx->core.cpu->exits_seen);
	vxs_core_info(&ctx->core, &info);
	KUNIT_EXPECT_EQ(test, info.exits_seen, 1ULL);
}

/* Busiest first, one detail per exit, at most limit per VM and kind. */
static void vmexit_stat_aggregation_details(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct vxs_block *block = test_claim(test, ctx, 0, &test_kvm_a, 0);
	struct vxs_filter filter = { .limit = 2 };
	struct vxs_detail_snapshot *snap;
	unsigned int i;

	for (i = 0; i < 10; i++) {
		u32 port = i < 6 ? 0xe9 : i < 9 ? 0x80 : 0x70;

		vxs_block_count_exit(&ctx->core, block, SVM_EXIT_IOIO, i);
		vxs_block_count_detail(&ctx->core, block,
				       VMEXIT_STAT_DETAIL_PIO_OUT, port);
		/* The completion of the same exit traces it again. */
		vxs_block_count_detail(&ctx->core, block,
				       VMEXIT_STAT_DETAIL_PIO_OUT, port);
		vxs_block_count_entry(&ctx->core, block, i + 1);
	}
	snap = vxs_core_details(&ctx->core, &filter);
	KUNIT_ASSERT_NOT_NULL(test, snap);
	KUNIT_ASSERT_EQ(test, snap->nr, 2U);
	KUNIT_EXPECT_EQ(test, snap->rec[0].key, 0xe9ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[0].count, 6ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[1].key, 0x80ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[1].count, 3ULL);
	kvfree(snap);
}

static void test_detail_exit(struct test_ctx *ctx, struct vxs_block *block,
			     u32 kind, u64 key, u64 now)
{
	vxs_block_count_exit(&ctx->core, block, SVM_EXIT_IOIO, now);
	vxs_block_count_detail(&ctx->core, block, kind, key);
	vxs_block_count_entry(&ctx->core, block, now + 1);
}

/* A full drill-down keeps the busiest keys: those seen once give way. */
static void vmexit_stat_aggregation_details_keep_busiest(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct vxs_block *block = test_claim(test, ctx, 0, &test_kvm_a, 0);
	struct vxs_filter filter = { .limit = VXS_DETAIL_SLOTS };
	struct vxs_detail_snapshot *snap;
	struct vxs_info info;
	u64 port_count = 0, sum = 0;
	unsigned int i;

	/* Twice as many MSRs, each read once, as the table has slots... */
	for (i = 0; i < 2 * VXS_DETAIL_SLOTS; i++)
		test_detail_exit(ctx, block, VMEXIT_STAT_DETAIL_MSR_READ,
				 0x1000 + i, 2 * i);
	/* ...then one port, again and again. */
	for (i = 0; i < 1000; i++)
		test_detail_exit(ctx, block, VMEXIT_STAT_DETAIL_PIO_OUT, 0x3f8,
				 1000 + 2 * i);

	snap = vxs_core_details(&ctx->core, &filter);
	KUNIT_ASSERT_NOT_NULL(test, snap);
	KUNIT_EXPECT_LE(test, snap->nr, (u32)VXS_DETAIL_SLOTS);
	for (i = 0; i < snap->nr; i++) {
		sum += snap->rec[i].count;
		if (snap->rec[i].kind == VMEXIT_STAT_DETAIL_PIO_OUT &&
		    snap->rec[i].key == 0x3f8)
			port_count = snap->rec[i].count;
	}
	kvfree(snap);
	vxs_core_info(&ctx->core, &info);

	/* The port is there, high by at most what counts as dropped. */
	KUNIT_EXPECT_GE(test, port_count, 1000ULL);
	KUNIT_EXPECT_GT(test, info.details_dropped, 0ULL);
	KUNIT_EXPECT_LE(test, port_count - 1000, info.details_dropped);
	/* Every detail is in some slot's count: none was lost. */
	KUNIT_EXPECT_EQ(test, sum, 1000ULL + 2 * VXS_DETAIL_SLOTS);
}

static struct kunit_case vmexit_stat_aggregation_cases[] = {
	KUNIT_CASE(vmexit_stat_aggregation_threads_and_vcpus),
	KUNIT_CASE(vmexit_stat_aggregation_filters),
	KUNIT_CASE(vmexit_stat_aggregation_across_cpus),
	KUNIT_CASE(vmexit_stat_aggregation_details),
	KUNIT_CASE(vmexit_stat_aggregation_details_keep_busiest),
	{}
};

static struct kunit_suite vmexit_stat_aggregation_suite = {
	.name = "vmexit_stat_aggregation",
	.exit = test_ctx_exit,
	.test_cases = vmexit_stat_aggregation_cases,
};

/* --- vmexit_stat_lifecycle ------------------------------------------------ */

static void vmexit_stat_lifecycle_vm_starts_and_ends(struct kunit *test)
{
	static const u8 expected[] = {
		VMEXIT_STAT_CMD_VM_START, VMEXIT_STAT_CMD_VCPU_START,
		VMEXIT_STAT_CMD_VCPU_START, VMEXIT_STAT_CMD_VCPU_STOP,
		VMEXIT_STAT_CMD_VCPU_STOP, VMEXIT_STAT_CMD_VM_STOP,
	};
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct vxs_event events[8];
	struct vxs_vm_snapshot *vms;
	struct vxs_block *v0, *v1;
	struct vxs_info info;
	u32 i, n;

	v0 = test_claim(test, ctx, 0, &test_kvm_a, 0);
	v1 = test_claim(test, ctx, 1, &test_kvm_a, 1);
	KUNIT_EXPECT_PTR_EQ(test, v0->vm, v1->vm);
	/* Found again, not claimed again. */
	KUNIT_EXPECT_PTR_EQ(test, test_claim(test, ctx, 0, &test_kvm_a, 0), v0);
	test_exit(ctx, v0, SVM_EXIT_CPUID, 0, 1);

	vms = vxs_core_vms(&ctx->core, NULL);
	KUNIT_ASSERT_NOT_NULL(test, vms);
	KUNIT_ASSERT_EQ(test, vms->nr, 1U);
	KUNIT_EXPECT_EQ(test, vms->rec[0].state, (u32)VMEXIT_STAT_VM_RUNNING);
	KUNIT_EXPECT_EQ(test, vms->rec[0].vcpus_live, 2U);
	KUNIT_EXPECT_STREQ(test, vms->rec[0].comm, "kunit-vmm");
	kvfree(vms);

	vxs_block_release(&ctx->core, v0);
	vxs_block_release(&ctx->core, v1);
	KUNIT_EXPECT_NULL(test, vxs_block_lookup(&ctx->core, ctx->tasks[0]));

	vms = vxs_core_vms(&ctx->core, NULL);
	KUNIT_ASSERT_NOT_NULL(test, vms);
	KUNIT_ASSERT_EQ(test, vms->nr, 1U);
	KUNIT_EXPECT_EQ(test, vms->rec[0].state, (u32)VMEXIT_STAT_VM_ENDED);
	KUNIT_EXPECT_EQ(test, vms->rec[0].vcpus_live, 0U);
	KUNIT_EXPECT_EQ(test, vms->rec[0].vcpus_seen, 2U);
	KUNIT_EXPECT_NE(test, vms->rec[0].end_ns, 0ULL);
	/* The totals of an ended VM stay readable. */
	KUNIT_EXPECT_EQ(test, vms->rec[0].exits, 1ULL);
	kvfree(vms);

	n = vxs_core_take_events(&ctx->core, events, ARRAY_SIZE(events));
	KUNIT_ASSERT_EQ(test, n, (u32)ARRAY_SIZE(expected));
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, events[i].cmd, expected[i]);
		KUNIT_EXPECT_EQ(test, events[i].pid, (u32)TEST_PID);
	}
	KUNIT_EXPECT_GT(test, ctx->events_queued, 0U);

	vxs_core_info(&ctx->core, &info);
	KUNIT_EXPECT_EQ(test, info.vcpu_slots_used, 2U);
	vxs_core_reset(&ctx->core);
	vxs_core_info(&ctx->core, &info);
	KUNIT_EXPECT_EQ(test, info.vcpu_slots_used, 0U);
	KUNIT_EXPECT_EQ(test, info.vms, 0U);
}

/* A full pool drops new threads until an ended VM can be forgotten. */
static void vmexit_stat_lifecycle_bounded(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 2);
	struct vxs_block *a0, *a1, *b0;

	a0 = test_claim(test, ctx, 0, &test_kvm_a, 0);
	a1 = test_claim(test, ctx, 1, &test_kvm_a, 1);
	KUNIT_EXPECT_NULL(test, vxs_block_get(&ctx->core, ctx->tasks[2],
					      &test_vcpu[0], &test_kvm_b,
					      TEST_PID, 0,
					      VMEXIT_STAT_ISA_SVM));
	vxs_block_release(&ctx->core, a0);
	/* The VM still runs (a1): its ended thread is kept. */
	KUNIT_EXPECT_NULL(test, vxs_block_get(&ctx->core, ctx->tasks[2],
					      &test_vcpu[0], &test_kvm_b,
					      TEST_PID, 0,
					      VMEXIT_STAT_ISA_SVM));
	vxs_block_release(&ctx->core, a1);
	b0 = test_claim(test, ctx, 2, &test_kvm_b, 0);
	KUNIT_EXPECT_PTR_NE(test, (void *)b0->vm->kvm, (void *)&test_kvm_a);
}

/* Reset: counts restart, live threads keep their identity. */
static void vmexit_stat_lifecycle_reset(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct vxs_block *block = test_claim(test, ctx, 0, &test_kvm_a, 0);
	struct vxs_exit_snapshot *snap;

	test_exit(ctx, block, SVM_EXIT_CPUID, 0, 5);
	vxs_block_count_exit(&ctx->core, block, SVM_EXIT_IOIO, 10);
	vxs_core_reset(&ctx->core);

	/* Not wiped yet, but no longer reported. */
	snap = vxs_core_exits(&ctx->core, NULL);
	KUNIT_ASSERT_NOT_NULL(test, snap);
	KUNIT_EXPECT_EQ(test, snap->nr, 0U);
	kvfree(snap);

	/* The exit open across the reset gives no latency sample. */
	vxs_block_count_entry(&ctx->core, block, 20);
	test_exit(ctx, block, SVM_EXIT_CPUID, 30, 5);
	snap = vxs_core_exits(&ctx->core, NULL);
	KUNIT_ASSERT_NOT_NULL(test, snap);
	KUNIT_ASSERT_EQ(test, snap->nr, 1U);
	KUNIT_EXPECT_EQ(test, snap->rec[0].count, 1ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[0].lat.count, 1ULL);
	kvfree(snap);
}

static void vmexit_stat_lifecycle_ended_vms_age(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct vxs_block *block = test_claim(test, ctx, 0, &test_kvm_a, 0);
	struct vxs_info info;
	u64 end, next;

	vxs_block_release(&ctx->core, block);
	end = block->vm->end_ns;
	/* No limit: kept. */
	KUNIT_EXPECT_EQ(test, vxs_core_age(&ctx->core, end + NSEC_PER_SEC),
			0ULL);
	WRITE_ONCE(ctx->core.ended_vm_ttl_s, 10);
	next = vxs_core_age(&ctx->core, end + NSEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, next, end + 10 * NSEC_PER_SEC);
	vxs_core_info(&ctx->core, &info);
	KUNIT_EXPECT_EQ(test, info.vms, 1U);
	KUNIT_EXPECT_EQ(test, vxs_core_age(&ctx->core, next), 0ULL);
	vxs_core_info(&ctx->core, &info);
	KUNIT_EXPECT_EQ(test, info.vms, 0U);
	KUNIT_EXPECT_EQ(test, info.vcpu_slots_used, 0U);
}

/* Slots per thread are bounded; what does not fit is counted as dropped. */
static void vmexit_stat_lifecycle_slots_full(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct vxs_block *block = test_claim(test, ctx, 0, &test_kvm_a, 0);
	struct vxs_vm_snapshot *vms;
	struct vxs_info info;
	u32 reason;

	for (reason = 0; reason < VXS_EXIT_SLOTS + 3; reason++)
		test_exit(ctx, block, reason, reason, 1);
	vxs_core_info(&ctx->core, &info);
	KUNIT_EXPECT_EQ(test, info.dropped_no_reason_slot, 3ULL);
	vms = vxs_core_vms(&ctx->core, NULL);
	KUNIT_ASSERT_NOT_NULL(test, vms);
	KUNIT_EXPECT_EQ(test, vms->rec[0].exits, VXS_EXIT_SLOTS + 3ULL);
	KUNIT_EXPECT_EQ(test, vms->rec[0].dropped, 3ULL);
	kvfree(vms);
}

/* Many threads come and go: the index stays correct through rebuilds. */
static void vmexit_stat_lifecycle_index_churn(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct vxs_block *keep = test_claim(test, ctx, 0, &test_kvm_a, 0);
	unsigned int round, rebuilds_before = ctx->core.index_seq;

	for (round = 0; round < 200; round++) {
		unsigned int thread = 1 + round % 7;
		struct vxs_block *block;

		block = vxs_block_get(&ctx->core, ctx->tasks[thread],
				      &test_vcpu[1], &test_kvm_b, TEST_PID, 1,
				      VMEXIT_STAT_ISA_SVM);
		KUNIT_ASSERT_NOT_NULL(test, block);
		vxs_block_release(&ctx->core, block);
		KUNIT_ASSERT_PTR_EQ(test,
				    vxs_block_lookup(&ctx->core,
						     ctx->tasks[0]), keep);
		vxs_core_reset(&ctx->core);
	}
	KUNIT_EXPECT_NE(test, ctx->core.index_seq, rebuilds_before);
	KUNIT_EXPECT_EQ(test, ctx->core.index_seq % 2, 0U);
}

static struct kunit_case vmexit_stat_lifecycle_cases[] = {
	KUNIT_CASE(vmexit_stat_lifecycle_vm_starts_and_ends),
	KUNIT_CASE(vmexit_stat_lifecycle_bounded),
	KUNIT_CASE(vmexit_stat_lifecycle_reset),
	KUNIT_CASE(vmexit_stat_lifecycle_ended_vms_age),
	KUNIT_CASE(vmexit_stat_lifecycle_slots_full),
	KUNIT_CASE(vmexit_stat_lifecycle_index_churn),
	{}
};

static struct kunit_suite vmexit_stat_lifecycle_suite = {
	.name = "vmexit_stat_lifecycle",
	.exit = test_ctx_exit,
	.test_cases = vmexit_stat_lifecycle_cases,
};

/* --- vmexit_stat_sched --------------------------------------------------- */

/* The probes with the test's CPUs and times instead of the real ones. */
static void test_sched_switch(struct vxs_core *core, unsigned int cpu,
			      struct task_struct *prev,
			      struct task_struct *next, bool prev_runnable,
			      u64 now)
{
	struct vxs_block *prev_block = vxs_sched_block(core, prev);
	struct vxs_block *next_block = vxs_sched_block(core, next);

	if (!vxs_sched_switch_ignored(core, prev_block, next_block))
		vxs_sched_switch_blocks(core, cpu, prev, prev_block,
					next_block, prev_runnable, now);
}

static void test_sched_wakeup(struct vxs_core *core, struct task_struct *p,
			      u64 now)
{
	struct vxs_block *block = vxs_sched_sleeper(core, p);

	if (block)
		vxs_sched_woken(core, block, now);
}

/*
 * A vCPU thread claimed on CPU 0 at time 0: claiming reads the real clock
 * and CPU, which the tests replace with their own.
 */
static struct vxs_block *test_sched_claim(struct kunit *test,
					  struct test_ctx *ctx,
					  unsigned int thread, u32 vcpu_id)
{
	struct vxs_block *block = test_claim(test, ctx, thread, &test_kvm_a,
					     vcpu_id);

	block->sched_since = 0;
	block->sched_cpu = 0;
	return block;
}

static struct vxs_sched_snapshot *test_sched_snap(struct kunit *test,
						  struct test_ctx *ctx,
						  const struct vxs_filter *f)
{
	struct vxs_sched_snapshot *snap = vxs_core_sched(&ctx->core, f);

	KUNIT_ASSERT_NOT_NULL(test, snap);
	return snap;
}

static struct vxs_cpu_sched_record *test_cpu_rec(struct kunit *test,
						 struct test_ctx *ctx,
						 unsigned int cpu)
{
	const struct vxs_filter filter = { .by_cpu = true, .cpu = cpu };
	struct vxs_cpu_sched_snapshot *snap;
	struct vxs_cpu_sched_record *rec;

	snap = vxs_core_cpu_sched(&ctx->core, &filter);
	KUNIT_ASSERT_NOT_NULL(test, snap);
	KUNIT_ASSERT_EQ(test, snap->nr, 1U);
	rec = kunit_kmalloc(test, sizeof(*rec), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	*rec = snap->rec[0];
	kvfree(snap);
	return rec;
}

static void vmexit_stat_sched_waits_split_by_cause(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct task_struct *vcpu = ctx->tasks[0], *other = ctx->tasks[5];
	const struct vxs_sched_record *rec;
	struct vxs_sched_snapshot *snap;

	test_sched_claim(test, ctx, 0, 0);
	/* Runs 100, sleeps 50, waits 30 after its wake-up. */
	test_sched_switch(&ctx->core, 0, vcpu, other, false, 100);
	test_sched_wakeup(&ctx->core, vcpu, 150);
	test_sched_switch(&ctx->core, 0, other, vcpu, false, 180);
	/* Runs 120, preempted, waits 50 and gets CPU 1. */
	test_sched_switch(&ctx->core, 0, vcpu, other, true, 300);
	test_sched_switch(&ctx->core, 1, other, vcpu, false, 350);

	snap = test_sched_snap(test, ctx, NULL);
	KUNIT_ASSERT_EQ(test, snap->nr, 1U);
	rec = &snap->rec[0];
	KUNIT_EXPECT_EQ(test, rec->state, (u32)VMEXIT_STAT_SCHED_RUNNING);
	KUNIT_EXPECT_EQ(test, rec->cpu, 1U);
	KUNIT_EXPECT_EQ(test, rec->stats.run_ns, 220ULL);
	KUNIT_EXPECT_EQ(test, rec->stats.idle_ns, 50ULL);
	KUNIT_EXPECT_EQ(test, rec->stats.wakeup.count, 1ULL);
	KUNIT_EXPECT_EQ(test, rec->stats.wakeup.sum_ns, 30ULL);
	KUNIT_EXPECT_EQ(test, rec->stats.preempt.count, 1ULL);
	KUNIT_EXPECT_EQ(test, rec->stats.preempt.sum_ns, 50ULL);
	KUNIT_EXPECT_EQ(test, rec->stats.preemptions, 1ULL);
	KUNIT_EXPECT_EQ(test, rec->stats.migrations, 1ULL);
	KUNIT_EXPECT_EQ(test, rec->stats.timeslices, 2ULL);
	kvfree(snap);

	/* Each wait is charged to the CPU the vCPU then got. */
	KUNIT_EXPECT_EQ(test, test_cpu_rec(test, ctx, 0)->wait_ns, 30ULL);
	KUNIT_EXPECT_EQ(test, test_cpu_rec(test, ctx, 0)->vcpu_run_ns, 220ULL);
	KUNIT_EXPECT_EQ(test, test_cpu_rec(test, ctx, 1)->wait_ns, 50ULL);
	KUNIT_EXPECT_EQ(test, test_cpu_rec(test, ctx, 1)->preempt.count, 1ULL);
}

/* A wake-up of a thread on a CPU or already runnable changes nothing. */
static void vmexit_stat_sched_wakeup_of_runnable_ignored(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct task_struct *vcpu = ctx->tasks[0], *other = ctx->tasks[5];
	struct vxs_sched_snapshot *snap;

	test_sched_claim(test, ctx, 0, 0);
	test_sched_wakeup(&ctx->core, vcpu, 50);
	test_sched_switch(&ctx->core, 0, vcpu, other, true, 100);
	test_sched_wakeup(&ctx->core, vcpu, 120);
	test_sched_switch(&ctx->core, 0, other, vcpu, false, 150);

	snap = test_sched_snap(test, ctx, NULL);
	KUNIT_ASSERT_EQ(test, snap->nr, 1U);
	KUNIT_EXPECT_EQ(test, snap->rec[0].stats.wakeup.count, 0ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[0].stats.preempt.sum_ns, 50ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[0].stats.run_ns, 100ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[0].stats.idle_ns, 0ULL);
	kvfree(snap);
}

/* Who ran on the CPU while the vCPU waited for it, and for how long. */
static void vmexit_stat_sched_thieves_named(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct task_struct *a = ctx->tasks[0], *b = ctx->tasks[1];
	struct task_struct *x = ctx->tasks[5];
	const struct vxs_cpu_sched_record *cpu;

	strscpy(x->comm, "hog", sizeof(x->comm));
	test_sched_claim(test, ctx, 0, 0);
	test_sched_claim(test, ctx, 1, 1);
	/* b sleeps from 0; a runs to 100, x to 160, b to 200; a waited. */
	test_sched_switch(&ctx->core, 0, b, a, false, 0);
	test_sched_switch(&ctx->core, 0, a, x, true, 100);
	test_sched_wakeup(&ctx->core, b, 110);
	test_sched_switch(&ctx->core, 0, x, b, true, 160);
	test_sched_switch(&ctx->core, 0, b, a, true, 200);

	cpu = test_cpu_rec(test, ctx, 0);
	/* a waited 100 (x 60, b 40); b waited 50, all of it x's. */
	KUNIT_EXPECT_EQ(test, cpu->wait_ns, 150ULL);
	KUNIT_EXPECT_EQ(test, cpu->unattributed_ns, 0ULL);
	KUNIT_ASSERT_EQ(test, cpu->nr_thieves, 2U);
	KUNIT_EXPECT_EQ(test, cpu->thieves[0].tid, (u32)x->pid);
	KUNIT_EXPECT_STREQ(test, cpu->thieves[0].comm, "hog");
	KUNIT_EXPECT_EQ(test, cpu->thieves[0].ns, 110ULL);
	KUNIT_EXPECT_EQ(test, cpu->thieves[0].vm_pid, 0U);
	KUNIT_EXPECT_EQ(test, cpu->thieves[1].tid, (u32)b->pid);
	KUNIT_EXPECT_EQ(test, cpu->thieves[1].ns, 40ULL);
	/* The competing vCPU thread is named as one. */
	KUNIT_EXPECT_EQ(test, cpu->thieves[1].vm_pid, (u32)TEST_PID);
	KUNIT_EXPECT_EQ(test, cpu->thieves[1].vcpu_id, 1U);
	KUNIT_EXPECT_EQ(test, cpu->thieves[1].over_ns, 0ULL);
}

/* More thieves than places: the least one's place and time are taken. */
static void vmexit_stat_sched_thieves_bounded(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct task_struct *vcpu = ctx->tasks[0];
	struct task_struct *thieves[VMEXIT_STAT_THIEVES + 1];
	const struct vxs_cpu_sched_record *cpu;
	struct task_struct *prev = vcpu;
	u64 now = 100, ns = 0;
	unsigned int i;

	test_sched_claim(test, ctx, 0, 0);
	for (i = 0; i < ARRAY_SIZE(thieves); i++) {
		thieves[i] = kunit_kzalloc(test, sizeof(*thieves[i]),
					   GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, thieves[i]);
		thieves[i]->pid = 3000 + i;
	}
	/* Thief i runs 10 * (i + 1) while the vCPU waits, one wait each. */
	for (i = 0; i < ARRAY_SIZE(thieves); i++) {
		test_sched_switch(&ctx->core, 0, prev, thieves[i], true, now);
		now += 10 * (i + 1);
		ns += 10 * (i + 1);
		test_sched_switch(&ctx->core, 0, thieves[i], vcpu, true, now);
		prev = vcpu;
	}
	cpu = test_cpu_rec(test, ctx, 0);
	KUNIT_EXPECT_EQ(test, cpu->wait_ns, ns);
	KUNIT_ASSERT_EQ(test, cpu->nr_thieves, (u32)VMEXIT_STAT_THIEVES);
	/* The last took the first one's place (10) and added its 90. */
	KUNIT_EXPECT_EQ(test, cpu->thieves[0].tid, 3000U + VMEXIT_STAT_THIEVES);
	KUNIT_EXPECT_EQ(test, cpu->thieves[0].ns, 100ULL);
	KUNIT_EXPECT_EQ(test, cpu->thieves[0].over_ns, 10ULL);
	for (i = 1; i < VMEXIT_STAT_THIEVES; i++)
		KUNIT_EXPECT_GE(test, cpu->thieves[i - 1].ns,
				cpu->thieves[i].ns);
}

/* Reset: totals start again, where each thread is stays known. */
static void vmexit_stat_sched_reset_keeps_state(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct task_struct *vcpu = ctx->tasks[0], *other = ctx->tasks[5];
	struct vxs_sched_snapshot *snap;

	test_sched_claim(test, ctx, 0, 0);
	test_sched_switch(&ctx->core, 0, vcpu, other, true, 100);
	test_sched_switch(&ctx->core, 0, other, vcpu, false, 150);
	test_sched_switch(&ctx->core, 0, vcpu, other, true, 200);
	vxs_core_reset(&ctx->core);
	KUNIT_EXPECT_EQ(test, test_cpu_rec(test, ctx, 0)->wait_ns, 0ULL);
	test_sched_switch(&ctx->core, 0, other, vcpu, false, 230);

	snap = test_sched_snap(test, ctx, NULL);
	KUNIT_ASSERT_EQ(test, snap->nr, 1U);
	KUNIT_EXPECT_EQ(test, snap->rec[0].stats.preempt.count, 1ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[0].stats.preempt.sum_ns, 30ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[0].stats.run_ns, 0ULL);
	kvfree(snap);
	KUNIT_EXPECT_EQ(test, test_cpu_rec(test, ctx, 0)->wait_ns, 30ULL);
}

/* Switched off and on: a wait that began unseen is not made up. */
static void vmexit_stat_sched_off_and_on(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct task_struct *vcpu = ctx->tasks[0], *other = ctx->tasks[5];
	struct vxs_sched_snapshot *snap;

	test_sched_claim(test, ctx, 0, 0);
	test_sched_switch(&ctx->core, 0, vcpu, other, false, 100);
	/* Off: the wake-up at 150 is missed; on again at 200. */
	ctx->core.sched_epoch++;
	test_sched_switch(&ctx->core, 0, other, vcpu, false, 300);
	test_sched_switch(&ctx->core, 0, vcpu, other, true, 400);
	test_sched_switch(&ctx->core, 0, other, vcpu, false, 420);

	snap = test_sched_snap(test, ctx, NULL);
	KUNIT_ASSERT_EQ(test, snap->nr, 1U);
	KUNIT_EXPECT_EQ(test, snap->rec[0].stats.idle_ns, 0ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[0].stats.wakeup.count, 0ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[0].stats.preempt.sum_ns, 20ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[0].stats.run_ns, 200ULL);
	kvfree(snap);
}

/* Per VM: the vCPUs summed, ended threads included. */
static void vmexit_stat_sched_by_vm(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct task_struct *a = ctx->tasks[0], *b = ctx->tasks[1];
	struct task_struct *other = ctx->tasks[5];
	const struct vxs_filter by_vm = { .by_vm = true };
	struct vxs_sched_snapshot *snap;
	struct vxs_block *block_b;

	test_sched_claim(test, ctx, 0, 0);
	block_b = test_sched_claim(test, ctx, 1, 1);
	test_sched_switch(&ctx->core, 0, a, other, true, 100);
	test_sched_switch(&ctx->core, 0, other, a, false, 110);
	test_sched_switch(&ctx->core, 1, b, other, true, 200);
	test_sched_switch(&ctx->core, 1, other, b, false, 230);
	vxs_block_release(&ctx->core, block_b);

	snap = test_sched_snap(test, ctx, NULL);
	KUNIT_ASSERT_EQ(test, snap->nr, 2U);
	KUNIT_EXPECT_EQ(test, snap->rec[1].state, (u32)VMEXIT_STAT_SCHED_ENDED);
	kvfree(snap);
	snap = test_sched_snap(test, ctx, &by_vm);
	KUNIT_ASSERT_EQ(test, snap->nr, 1U);
	KUNIT_EXPECT_EQ(test, snap->rec[0].stats.preempt.sum_ns, 40ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[0].stats.preemptions, 2ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[0].stats.run_ns, 300ULL);
	kvfree(snap);
}

/*
 * Switches of other tasks while no vCPU waits are not recorded; a wait
 * that starts later is still charged to the task that ran during it.
 */
static void vmexit_stat_sched_quiet_switches_skipped(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct task_struct *vcpu = ctx->tasks[0];
	struct task_struct *x = ctx->tasks[5], *y = ctx->tasks[6];
	const struct vxs_cpu_sched_record *cpu;

	test_sched_claim(test, ctx, 0, 0);
	test_sched_switch(&ctx->core, 0, vcpu, x, false, 10);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->core.vcpus_waiting), 0);
	test_sched_switch(&ctx->core, 0, x, y, false, 50);
	/* Unrecorded: the CPU's running task still dates from 10. */
	KUNIT_EXPECT_EQ(test, per_cpu_ptr(ctx->core.cpu_sched, 0)->curr_since,
			10ULL);
	test_sched_wakeup(&ctx->core, vcpu, 100);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->core.vcpus_waiting), 1);
	test_sched_switch(&ctx->core, 0, y, vcpu, false, 130);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->core.vcpus_waiting), 0);

	cpu = test_cpu_rec(test, ctx, 0);
	KUNIT_EXPECT_EQ(test, cpu->wait_ns, 30ULL);
	KUNIT_EXPECT_EQ(test, cpu->unattributed_ns, 0ULL);
	KUNIT_ASSERT_EQ(test, cpu->nr_thieves, 1U);
	KUNIT_EXPECT_EQ(test, cpu->thieves[0].tid, (u32)y->pid);
	KUNIT_EXPECT_EQ(test, cpu->thieves[0].ns, 30ULL);
}

static struct kunit_case vmexit_stat_sched_cases[] = {
	KUNIT_CASE(vmexit_stat_sched_quiet_switches_skipped),
	KUNIT_CASE(vmexit_stat_sched_waits_split_by_cause),
	KUNIT_CASE(vmexit_stat_sched_wakeup_of_runnable_ignored),
	KUNIT_CASE(vmexit_stat_sched_thieves_named),
	KUNIT_CASE(vmexit_stat_sched_thieves_bounded),
	KUNIT_CASE(vmexit_stat_sched_reset_keeps_state),
	KUNIT_CASE(vmexit_stat_sched_off_and_on),
	KUNIT_CASE(vmexit_stat_sched_by_vm),
	{}
};

static struct kunit_suite vmexit_stat_sched_suite = {
	.name = "vmexit_stat_sched",
	.exit = test_ctx_exit,
	.test_cases = vmexit_stat_sched_cases,
};

/* --- vmexit_stat_phases -------------------------------------------------- */

#define TEST_MARK_START(id)	VMEXIT_STAT_MARKER_LEAF(id, 0)
#define TEST_MARK_END(id)	VMEXIT_STAT_MARKER_LEAF(id, 1)

/* A marker as the probes see it: a CPUID exit whose kvm_cpuid is one. */
static void test_marker(struct test_ctx *ctx, struct vxs_block *block,
			u32 leaf, u64 at)
{
	vxs_block_count_exit(&ctx->core, block, SVM_EXIT_CPUID, at);
	vxs_phase_marker(&ctx->core, block, leaf, at);
	vxs_block_count_entry(&ctx->core, block, at + 1);
}

static struct vxs_phase_snapshot *test_phase_snap(struct kunit *test,
						  struct test_ctx *ctx,
						  const struct vxs_filter *f)
{
	struct vxs_phase_snapshot *snap = vxs_core_phases(&ctx->core, f);

	KUNIT_ASSERT_NOT_NULL(test, snap);
	return snap;
}

static u64 test_phase_exits(const struct vxs_phase_record *rec, u32 reason)
{
	u32 i;

	for (i = 0; i < rec->nr_exits; i++)
		if (rec->exit[i].reason == reason)
			return rec->exit[i].count;
	return 0;
}

/* Exits between the markers, and only those, belong to the phase. */
static void vmexit_stat_phases_exits_attributed(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct vxs_block *block = test_claim(test, ctx, 0, &test_kvm_a, 1);
	const struct vxs_phase_record *rec;
	struct vxs_phase_snapshot *snap;
	struct vxs_info info;
	unsigned int i;

	ctx->core.latency = true;
	test_exit(ctx, block, SVM_EXIT_CPUID, 100, 5);
	test_marker(ctx, block, TEST_MARK_START(7), 1000);
	for (i = 0; i < 3; i++)
		test_exit(ctx, block, SVM_EXIT_IOIO, 1100 + 100 * i, 10);
	test_exit(ctx, block, SVM_EXIT_CPUID, 1500, 20);
	test_marker(ctx, block, TEST_MARK_END(7), 5000);
	test_exit(ctx, block, SVM_EXIT_HLT, 6000, 5);

	snap = test_phase_snap(test, ctx, NULL);
	KUNIT_ASSERT_EQ(test, snap->nr, 1U);
	rec = &snap->rec[0];
	KUNIT_EXPECT_EQ(test, rec->id, 7U);
	KUNIT_EXPECT_EQ(test, rec->vcpu_id, 1U);
	KUNIT_EXPECT_EQ(test, rec->pid, (u32)TEST_PID);
	KUNIT_EXPECT_FALSE(test, rec->open);
	KUNIT_EXPECT_EQ(test, rec->starts, 1ULL);
	KUNIT_EXPECT_EQ(test, rec->ends, 1ULL);
	KUNIT_EXPECT_EQ(test, rec->active_ns, 4000ULL);
	KUNIT_EXPECT_EQ(test, rec->last_start_ns, 1000ULL);
	KUNIT_EXPECT_EQ(test, rec->last_end_ns, 5000ULL);
	KUNIT_EXPECT_EQ(test, rec->exits, 4ULL);
	KUNIT_EXPECT_EQ(test, test_phase_exits(rec, SVM_EXIT_IOIO), 3ULL);
	/* The CPUID in the phase, not the markers nor the one before. */
	KUNIT_EXPECT_EQ(test, test_phase_exits(rec, SVM_EXIT_CPUID), 1ULL);
	KUNIT_EXPECT_EQ(test, test_phase_exits(rec, SVM_EXIT_HLT), 0ULL);
	KUNIT_EXPECT_EQ(test, rec->nr_exits, 2U);
	KUNIT_EXPECT_EQ(test, rec->lat.count, 4ULL);
	KUNIT_EXPECT_EQ(test, rec->lat.sum_ns, 50ULL);
	KUNIT_EXPECT_EQ(test, rec->lat.max_ns, 20ULL);
	kvfree(snap);

	vxs_core_info(&ctx->core, &info);
	KUNIT_EXPECT_EQ(test, info.markers_seen, 2ULL);
	KUNIT_EXPECT_EQ(test, info.markers_unmatched, 0ULL);
	KUNIT_EXPECT_EQ(test, info.phases_dropped, 0ULL);
}

/* A start closes the open phase; an end of another phase changes nothing. */
static void vmexit_stat_phases_unbalanced_markers(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct vxs_block *block = test_claim(test, ctx, 0, &test_kvm_a, 0);
	struct vxs_phase_snapshot *snap;
	struct vxs_info info;

	test_marker(ctx, block, TEST_MARK_START(1), 100);
	test_exit(ctx, block, SVM_EXIT_IOIO, 150, 1);
	test_marker(ctx, block, TEST_MARK_START(2), 300);
	test_exit(ctx, block, SVM_EXIT_IOIO, 350, 1);
	test_exit(ctx, block, SVM_EXIT_IOIO, 360, 1);
	test_marker(ctx, block, TEST_MARK_END(1), 400);
	test_exit(ctx, block, SVM_EXIT_IOIO, 450, 1);
	test_marker(ctx, block, TEST_MARK_END(2), 700);
	/* Not in a phase any more: unmatched too. */
	test_marker(ctx, block, TEST_MARK_END(2), 800);

	snap = test_phase_snap(test, ctx, NULL);
	KUNIT_ASSERT_EQ(test, snap->nr, 2U);
	KUNIT_EXPECT_EQ(test, snap->rec[0].id, 1U);
	KUNIT_EXPECT_EQ(test, snap->rec[0].starts, 1ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[0].ends, 0ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[0].active_ns, 200ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[0].exits, 1ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[0].last_end_ns, 0ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[1].id, 2U);
	KUNIT_EXPECT_EQ(test, snap->rec[1].ends, 1ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[1].active_ns, 400ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[1].exits, 3ULL);
	kvfree(snap);

	vxs_core_info(&ctx->core, &info);
	KUNIT_EXPECT_EQ(test, info.markers_seen, 5ULL);
	KUNIT_EXPECT_EQ(test, info.markers_unmatched, 2ULL);
}

/* At most VMEXIT_STAT_PHASE_SLOTS ids a thread; one more is dropped. */
static void vmexit_stat_phases_bounded(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct vxs_block *block = test_claim(test, ctx, 0, &test_kvm_a, 0);
	const struct vxs_filter only_last = {
		.by_phase = true,
		.phase_id = 100 + VMEXIT_STAT_PHASE_SLOTS - 1,
	};
	struct vxs_phase_snapshot *snap;
	struct vxs_info info;
	unsigned int i;

	for (i = 0; i <= VMEXIT_STAT_PHASE_SLOTS; i++) {
		test_marker(ctx, block, TEST_MARK_START(100 + i), 1000 * i);
		test_exit(ctx, block, SVM_EXIT_IOIO, 1000 * i + 10, 1);
		test_marker(ctx, block, TEST_MARK_END(100 + i), 1000 * i + 500);
	}
	snap = test_phase_snap(test, ctx, NULL);
	KUNIT_EXPECT_EQ(test, snap->nr, (u32)VMEXIT_STAT_PHASE_SLOTS);
	kvfree(snap);
	snap = test_phase_snap(test, ctx, &only_last);
	KUNIT_ASSERT_EQ(test, snap->nr, 1U);
	KUNIT_EXPECT_EQ(test, snap->rec[0].exits, 1ULL);
	kvfree(snap);

	vxs_core_info(&ctx->core, &info);
	KUNIT_EXPECT_EQ(test, info.phases_dropped, 1ULL);
	/* The end of the phase that found no slot matches nothing. */
	KUNIT_EXPECT_EQ(test, info.markers_unmatched, 1ULL);
}

/* Run delay that ends in a phase is the phase's steal. */
static void vmexit_stat_phases_steal(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct task_struct *vcpu = ctx->tasks[0], *other = ctx->tasks[5];
	struct vxs_block *block = test_sched_claim(test, ctx, 0, 0);
	struct vxs_phase_snapshot *snap;

	test_marker(ctx, block, TEST_MARK_START(3), 10);
	test_sched_switch(&ctx->core, 0, vcpu, other, true, 100);
	test_sched_switch(&ctx->core, 0, other, vcpu, false, 150);
	test_marker(ctx, block, TEST_MARK_END(3), 200);
	/* Out of the phase: not its steal. */
	test_sched_switch(&ctx->core, 0, vcpu, other, true, 300);
	test_sched_switch(&ctx->core, 0, other, vcpu, false, 370);

	snap = test_phase_snap(test, ctx, NULL);
	KUNIT_ASSERT_EQ(test, snap->nr, 1U);
	KUNIT_EXPECT_EQ(test, snap->rec[0].wait_ns, 50ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[0].active_ns, 190ULL);
	kvfree(snap);
}

/* A reset zeroes the phases; the open one stays open, counted as started. */
static void vmexit_stat_phases_reset_keeps_open(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct vxs_block *block = test_claim(test, ctx, 0, &test_kvm_a, 0);
	struct vxs_phase_snapshot *snap;

	test_marker(ctx, block, TEST_MARK_START(1), 10);
	test_marker(ctx, block, TEST_MARK_END(1), 20);
	test_marker(ctx, block, TEST_MARK_START(2), 30);
	test_exit(ctx, block, SVM_EXIT_IOIO, 40, 1);
	vxs_core_reset(&ctx->core);
	test_exit(ctx, block, SVM_EXIT_IOIO, 50, 1);

	snap = test_phase_snap(test, ctx, NULL);
	KUNIT_ASSERT_EQ(test, snap->nr, 1U);
	KUNIT_EXPECT_EQ(test, snap->rec[0].id, 2U);
	KUNIT_EXPECT_TRUE(test, snap->rec[0].open);
	KUNIT_EXPECT_EQ(test, snap->rec[0].starts, 1ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[0].exits, 1ULL);
	kvfree(snap);
	test_marker(ctx, block, TEST_MARK_END(2), ktime_get_ns());
	snap = test_phase_snap(test, ctx, NULL);
	KUNIT_ASSERT_EQ(test, snap->nr, 1U);
	KUNIT_EXPECT_FALSE(test, snap->rec[0].open);
	KUNIT_EXPECT_EQ(test, snap->rec[0].ends, 1ULL);
	kvfree(snap);
}

/* A thread that ends closes its phase; its totals stay readable. */
static void vmexit_stat_phases_thread_end(struct kunit *test)
{
	struct test_ctx *ctx = test_ctx_new(test, 4);
	struct vxs_block *block = test_claim(test, ctx, 0, &test_kvm_a, 0);
	struct vxs_phase_snapshot *snap;
	u64 now = ktime_get_ns();

	test_marker(ctx, block, TEST_MARK_START(5), now - 1000);
	test_exit(ctx, block, SVM_EXIT_IOIO, now - 900, 1);
	vxs_block_release(&ctx->core, block);

	snap = test_phase_snap(test, ctx, NULL);
	KUNIT_ASSERT_EQ(test, snap->nr, 1U);
	KUNIT_EXPECT_FALSE(test, snap->rec[0].open);
	KUNIT_EXPECT_EQ(test, snap->rec[0].ends, 0ULL);
	KUNIT_EXPECT_EQ(test, snap->rec[0].exits, 1ULL);
	KUNIT_EXPECT_GE(test, snap->rec[0].active_ns, 1000ULL);
	now = snap->rec[0].active_ns;
	kvfree(snap);
	snap = test_phase_snap(test, ctx, NULL);
	KUNIT_ASSERT_EQ(test, snap->nr, 1U);
	KUNIT_EXPECT_EQ(test, snap->rec[0].active_ns, now);
	kvfree(snap);
}

static struct kunit_case vmexit_stat_phases_cases[] = {
	KUNIT_CASE(vmexit_stat_phases_exits_attributed),
	KUNIT_CASE(vmexit_stat_phases_unbalanced_markers),
	KUNIT_CASE(vmexit_stat_phases_bounded),
	KUNIT_CASE(vmexit_stat_phases_steal),
	KUNIT_CASE(vmexit_stat_phases_reset_keeps_open),
	KUNIT_CASE(vmexit_stat_phases_thread_end),
	{}
};

static struct kunit_suite vmexit_stat_phases_suite = {
	.name = "vmexit_stat_phases",
	.exit = test_ctx_exit,
	.test_cases = vmexit_stat_phases_cases,
};

kunit_test_suites(&vmexit_stat_decode_suite, &vmexit_stat_latency_suite,
		  &vmexit_stat_aggregation_suite, &vmexit_stat_lifecycle_suite,
		  &vmexit_stat_sched_suite, &vmexit_stat_phases_suite);

MODULE_DESCRIPTION("KUnit tests of the vmexit_stat core");
MODULE_LICENSE("GPL");
