// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for the module's own logic: counting, bounds, merging the
 * per-CPU tables, generations (reset) and exit code decoding.
 *
 * The logic is compiled into this test module from its source, so the
 * collector itself exports nothing for the tests' sake.
 */
#include <kunit/test.h>
#include <linux/random.h>
#include <asm/svm.h>
#include <asm/vmx.h>

#include "../../module/exit_table.c"

#define TEST_SLOTS 64

static const siphash_key_t test_vm_id_key = { { 1, 2 } };

static struct vxs_exit_key test_key(unsigned long kvm, u32 vcpu, u32 reason)
{
	struct vxs_exit_key key = {
		.kvm = kvm,
		.pid = 1000 + (u32)kvm,
		.vcpu_id = vcpu,
		.reason = reason,
		.isa = VMEXIT_STAT_ISA_SVM,
	};

	return key;
}

static struct vxs_exit_table *test_table(struct kunit *test, u32 nr_slots,
					 unsigned long generation)
{
	struct vxs_exit_table *table = vxs_exit_table_alloc(nr_slots,
							     NUMA_NO_NODE);

	KUNIT_ASSERT_NOT_NULL(test, table);
	vxs_exit_table_sync(table, generation);
	return table;
}

static struct vxs_exit_snapshot *test_snapshot(struct kunit *test,
					       struct vxs_exit_table **tables,
					       unsigned int nr,
					       unsigned long generation,
					       const struct vxs_exit_filter *f)
{
	struct vxs_exit_snapshot *snap;

	snap = vxs_exit_snapshot_take(tables, nr, generation, f,
				      &test_vm_id_key);
	KUNIT_ASSERT_NOT_NULL(test, snap);
	return snap;
}

static void vxs_exit_table_counts_each_key_apart(struct kunit *test)
{
	struct vxs_exit_table *table = test_table(test, TEST_SLOTS, 1);
	struct vxs_exit_key cpuid = test_key(1, 0, SVM_EXIT_CPUID);
	struct vxs_exit_key hlt = test_key(1, 0, SVM_EXIT_HLT);
	struct vxs_exit_key other_vcpu = test_key(1, 1, SVM_EXIT_CPUID);
	struct vxs_exit_snapshot *snap;
	int i;

	for (i = 0; i < 5; i++)
		vxs_exit_table_count(table, &cpuid, 77);
	vxs_exit_table_count(table, &hlt, 77);
	for (i = 0; i < 3; i++)
		vxs_exit_table_count(table, &other_vcpu, 78);

	snap = test_snapshot(test, &table, 1, 1, NULL);
	KUNIT_ASSERT_EQ(test, snap->nr_records, 3U);
	/* Sorted by vCPU, then reason. */
	KUNIT_EXPECT_EQ(test, snap->records[0].vcpu_id, 0U);
	KUNIT_EXPECT_EQ(test, snap->records[0].reason, (u32)SVM_EXIT_CPUID);
	KUNIT_EXPECT_EQ(test, snap->records[0].count, 5ULL);
	KUNIT_EXPECT_EQ(test, snap->records[0].tid, 77U);
	KUNIT_EXPECT_EQ(test, snap->records[1].reason, (u32)SVM_EXIT_HLT);
	KUNIT_EXPECT_EQ(test, snap->records[1].count, 1ULL);
	KUNIT_EXPECT_EQ(test, snap->records[2].vcpu_id, 1U);
	KUNIT_EXPECT_EQ(test, snap->records[2].count, 3ULL);
	KUNIT_EXPECT_EQ(test, snap->records[2].tid, 78U);
	KUNIT_EXPECT_EQ(test, table->seen, 9ULL);
	KUNIT_EXPECT_EQ(test, table->dropped, 0ULL);

	vxs_exit_snapshot_free(snap);
	vxs_exit_table_free(table);
}

static void vxs_exit_table_full_drops_and_counts(struct kunit *test)
{
	struct vxs_exit_table *table = test_table(test, TEST_SLOTS, 1);
	struct vxs_exit_snapshot *snap;
	u64 counted = 0;
	u32 reason;

	/* Four times more keys than slots: the rest must be dropped. */
	for (reason = 0; reason < 4 * TEST_SLOTS; reason++) {
		struct vxs_exit_key key = test_key(1, 0, reason);

		vxs_exit_table_count(table, &key, 1);
	}

	snap = test_snapshot(test, &table, 1, 1, NULL);
	for (reason = 0; reason < snap->nr_records; reason++)
		counted += snap->records[reason].count;

	KUNIT_EXPECT_LE(test, snap->nr_records, (u32)TEST_SLOTS);
	KUNIT_EXPECT_GT(test, table->dropped, 0ULL);
	KUNIT_EXPECT_EQ(test, table->seen, 4ULL * TEST_SLOTS);
	KUNIT_EXPECT_EQ(test, counted + table->dropped, table->seen);

	vxs_exit_snapshot_free(snap);
	vxs_exit_table_free(table);
}

static void vxs_exit_snapshot_merges_cpus(struct kunit *test)
{
	struct vxs_exit_table *tables[3];
	struct vxs_exit_key key = test_key(7, 2, SVM_EXIT_IOIO);
	struct vxs_exit_snapshot *snap;
	u64 seen, dropped;
	int cpu, i;

	for (cpu = 0; cpu < 3; cpu++)
		tables[cpu] = test_table(test, TEST_SLOTS, 4);

	/* The vCPU migrated: 10 exits on CPU 0, 25 on CPU 1, 1 on CPU 2. */
	for (i = 0; i < 10; i++)
		vxs_exit_table_count(tables[0], &key, 500);
	for (i = 0; i < 25; i++)
		vxs_exit_table_count(tables[1], &key, 501);
	vxs_exit_table_count(tables[2], &key, 502);

	snap = test_snapshot(test, tables, 3, 4, NULL);
	KUNIT_ASSERT_EQ(test, snap->nr_records, 1U);
	KUNIT_EXPECT_EQ(test, snap->records[0].count, 36ULL);
	/* The thread of the CPU that counted most. */
	KUNIT_EXPECT_EQ(test, snap->records[0].tid, 501U);
	KUNIT_EXPECT_EQ(test, snap->records[0].pid, 1007U);

	vxs_exit_tables_totals(tables, 3, 4, &seen, &dropped);
	KUNIT_EXPECT_EQ(test, seen, 36ULL);
	KUNIT_EXPECT_EQ(test, dropped, 0ULL);

	vxs_exit_snapshot_free(snap);
	for (cpu = 0; cpu < 3; cpu++)
		vxs_exit_table_free(tables[cpu]);
}

static void vxs_exit_snapshot_filters(struct kunit *test)
{
	struct vxs_exit_table *table = test_table(test, TEST_SLOTS, 1);
	struct vxs_exit_filter by_pid = { .by_pid = true, .pid = 1002 };
	struct vxs_exit_filter by_vcpu = { .by_vcpu = true, .vcpu_id = 1 };
	struct vxs_exit_snapshot *snap;
	unsigned long kvm;
	u32 vcpu;

	for (kvm = 1; kvm <= 3; kvm++) {
		for (vcpu = 0; vcpu < 2; vcpu++) {
			struct vxs_exit_key key = test_key(kvm, vcpu,
							   SVM_EXIT_HLT);

			vxs_exit_table_count(table, &key, 1);
		}
	}

	snap = test_snapshot(test, &table, 1, 1, &by_pid);
	KUNIT_ASSERT_EQ(test, snap->nr_records, 2U);
	KUNIT_EXPECT_EQ(test, snap->records[0].pid, 1002U);
	KUNIT_EXPECT_EQ(test, snap->records[1].pid, 1002U);
	vxs_exit_snapshot_free(snap);

	snap = test_snapshot(test, &table, 1, 1, &by_vcpu);
	KUNIT_ASSERT_EQ(test, snap->nr_records, 3U);
	KUNIT_EXPECT_EQ(test, snap->records[0].vcpu_id, 1U);
	KUNIT_EXPECT_EQ(test, snap->records[2].vcpu_id, 1U);
	vxs_exit_snapshot_free(snap);

	vxs_exit_table_free(table);
}

static void vxs_exit_generation_resets(struct kunit *test)
{
	struct vxs_exit_table *table = test_table(test, TEST_SLOTS, 1);
	struct vxs_exit_key key = test_key(1, 0, SVM_EXIT_MSR);
	struct vxs_exit_snapshot *snap;

	vxs_exit_table_count(table, &key, 1);
	vxs_exit_table_count(table, &key, 1);

	/* After a reset, readers see nothing until the CPU counts again. */
	snap = test_snapshot(test, &table, 1, 2, NULL);
	KUNIT_EXPECT_EQ(test, snap->nr_records, 0U);
	vxs_exit_snapshot_free(snap);

	vxs_exit_table_sync(table, 2);
	KUNIT_EXPECT_EQ(test, table->seen, 0ULL);
	vxs_exit_table_count(table, &key, 1);

	snap = test_snapshot(test, &table, 1, 2, NULL);
	KUNIT_ASSERT_EQ(test, snap->nr_records, 1U);
	KUNIT_EXPECT_EQ(test, snap->records[0].count, 1ULL);
	vxs_exit_snapshot_free(snap);

	vxs_exit_table_free(table);
}

static void vxs_exit_vm_id_hides_address(struct kunit *test)
{
	struct vxs_exit_table *table = test_table(test, TEST_SLOTS, 1);
	struct vxs_exit_key a = test_key(0x1000, 0, SVM_EXIT_HLT);
	struct vxs_exit_key b = test_key(0x2000, 0, SVM_EXIT_HLT);
	struct vxs_exit_snapshot *snap;

	/* Two VMs of one process must stay apart. */
	b.pid = a.pid;
	vxs_exit_table_count(table, &a, 1);
	vxs_exit_table_count(table, &b, 1);

	snap = test_snapshot(test, &table, 1, 1, NULL);
	KUNIT_ASSERT_EQ(test, snap->nr_records, 2U);
	KUNIT_EXPECT_NE(test, snap->records[0].vm_id, snap->records[1].vm_id);
	KUNIT_EXPECT_NE(test, snap->records[0].vm_id, 0x1000ULL);
	KUNIT_EXPECT_NE(test, snap->records[1].vm_id, 0x2000ULL);
	vxs_exit_snapshot_free(snap);
	vxs_exit_table_free(table);
}

static void vxs_exit_code_strips_vmx_modifiers(struct kunit *test)
{
	u32 failed_entry = VMEXIT_STAT_EXIT_FLAG_VMX_FAILED_ENTRY |
			   EXIT_REASON_INVALID_STATE;

	KUNIT_EXPECT_EQ(test, vxs_exit_code(VMEXIT_STAT_ISA_VMX, failed_entry),
			(u32)EXIT_REASON_INVALID_STATE);
	KUNIT_EXPECT_EQ(test, vxs_exit_flags(VMEXIT_STAT_ISA_VMX, failed_entry),
			(u32)VMEXIT_STAT_EXIT_FLAG_VMX_FAILED_ENTRY);
	KUNIT_EXPECT_EQ(test, vxs_exit_code(VMEXIT_STAT_ISA_VMX,
					    EXIT_REASON_CPUID),
			(u32)EXIT_REASON_CPUID);
	KUNIT_EXPECT_EQ(test, vxs_exit_flags(VMEXIT_STAT_ISA_VMX,
					     EXIT_REASON_CPUID), 0U);
	/* SVM codes are whole 32-bit values, SVM_EXIT_ERR included. */
	KUNIT_EXPECT_EQ(test, vxs_exit_code(VMEXIT_STAT_ISA_SVM,
					    (u32)SVM_EXIT_ERR),
			(u32)SVM_EXIT_ERR);
	KUNIT_EXPECT_EQ(test, vxs_exit_flags(VMEXIT_STAT_ISA_SVM,
					     (u32)SVM_EXIT_ERR), 0U);
	KUNIT_EXPECT_EQ(test, vxs_exit_code(VMEXIT_STAT_ISA_SVM,
					    SVM_EXIT_NPF),
			(u32)SVM_EXIT_NPF);
}

static struct kunit_case vxs_exit_table_cases[] = {
	KUNIT_CASE(vxs_exit_table_counts_each_key_apart),
	KUNIT_CASE(vxs_exit_table_full_drops_and_counts),
	KUNIT_CASE(vxs_exit_snapshot_merges_cpus),
	KUNIT_CASE(vxs_exit_snapshot_filters),
	KUNIT_CASE(vxs_exit_generation_resets),
	KUNIT_CASE(vxs_exit_vm_id_hides_address),
	KUNIT_CASE(vxs_exit_code_strips_vmx_modifiers),
	{}
};

static struct kunit_suite vxs_exit_table_suite = {
	.name = "vmexit_stat_exit_table",
	.test_cases = vxs_exit_table_cases,
};

kunit_test_suite(vxs_exit_table_suite);

MODULE_DESCRIPTION("KUnit tests for vmexit_stat");
MODULE_LICENSE("GPL");
