// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for the netlink side of the module: the attributes of every
 * message kind as Documentation/netlink/specs/vmexit_stat.yaml lists them,
 * messages that do not fit, dumps resumed over many small skbs, the
 * request policies and the operations table.
 *
 * genl.c is compiled into this file, so its static functions are tested
 * without a registered family.  decode.c (vxs_exit_code/flags) and
 * probes.c (vxs_exit_probe_proto) come from the same KUnit module; the
 * glue that main.c puts between the core and genl.c is replaced below by
 * test doubles, as main.c cannot be linked into a KUnit module.
 */
#include <kunit/test.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <asm/vmx.h>

#include "../../module/genl.c"

/* --- Doubles of main.c's glue ------------------------------------------- */

static struct vxs_config test_config = { .latency = true, .details = true };
static bool test_unprivileged_read;

struct vxs_exit_snapshot *vxs_exits_snapshot(const struct vxs_filter *filter)
{
	return NULL;
}

struct vxs_user_snapshot *vxs_user_snapshot(const struct vxs_filter *filter)
{
	return NULL;
}

struct vxs_detail_snapshot *
vxs_details_snapshot(const struct vxs_filter *filter)
{
	return NULL;
}

struct vxs_vm_snapshot *vxs_vms_snapshot(const struct vxs_filter *filter)
{
	return NULL;
}

struct vxs_sched_snapshot *vxs_sched_snapshot(const struct vxs_filter *filter)
{
	return NULL;
}

struct vxs_cpu_sched_snapshot *
vxs_cpu_sched_snapshot(const struct vxs_filter *filter)
{
	return NULL;
}

struct vxs_phase_snapshot *vxs_phase_snapshot(const struct vxs_filter *filter)
{
	return NULL;
}

void vxs_info_get(struct vxs_info *info)
{
	memset(info, 0, sizeof(*info));
}

void vxs_config_get(struct vxs_config *config)
{
	*config = test_config;
}

void vxs_config_set(const struct vxs_config *config)
{
	test_config = *config;
}

void vxs_reset(void)
{
}

bool vxs_unprivileged_read(void)
{
	return test_unprivileged_read;
}

/* --- Helpers ------------------------------------------------------------ */

#define TEST_FAMILY_ID	0x1234
#define TEST_PORTID	77
#define TEST_SEQ	4242
#define TEST_SKB_SIZE	4096

static int test_skb_init(struct kunit_resource *res, void *context)
{
	res->data = alloc_skb(TEST_SKB_SIZE, GFP_KERNEL);
	return res->data ? 0 : -ENOMEM;
}

static void test_skb_free(struct kunit_resource *res)
{
	kfree_skb(res->data);
}

/*
 * An empty skb with exactly room bytes of tail room, made the way
 * netlink_dump() makes its dump skbs: a large one, mostly reserved.
 */
static struct sk_buff *test_skb(struct kunit *test, unsigned int room)
{
	struct sk_buff *skb;

	skb = kunit_alloc_resource(test, test_skb_init, test_skb_free,
				   GFP_KERNEL, NULL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_GE(test, skb_tailroom(skb), (int)room);
	skb_reserve(skb, skb_tailroom(skb) - room);
	KUNIT_ASSERT_EQ(test, skb_tailroom(skb), (int)room);
	return skb;
}

static struct vxs_msg test_msg(u8 cmd)
{
	const struct vxs_msg msg = {
		.portid = TEST_PORTID,
		.seq = TEST_SEQ,
		.family_id = TEST_FAMILY_ID,
		.flags = NLM_F_MULTI,
		.cmd = cmd,
	};

	return msg;
}

/* Checks the headers of a message vxs_msg_start() wrote for test_msg(). */
static void test_check_header(struct kunit *test,
			      const struct nlmsghdr *nlh, u8 cmd)
{
	const struct genlmsghdr *genlh = nlmsg_data(nlh);

	KUNIT_EXPECT_EQ(test, nlh->nlmsg_type, TEST_FAMILY_ID);
	KUNIT_EXPECT_EQ(test, nlh->nlmsg_flags, NLM_F_MULTI);
	KUNIT_EXPECT_EQ(test, nlh->nlmsg_seq, TEST_SEQ);
	KUNIT_EXPECT_EQ(test, nlh->nlmsg_pid, TEST_PORTID);
	KUNIT_EXPECT_EQ(test, genlh->cmd, cmd);
	KUNIT_EXPECT_EQ(test, genlh->version, VMEXIT_STAT_FAMILY_VERSION);
	KUNIT_EXPECT_EQ(test, genlh->reserved, 0);
}

#define TEST_MAX_ATTR	32

/*
 * Splits a run of attributes into tb[] and checks that exactly the types
 * in want[] are there, each once; padding attributes (type pad) are
 * allowed anywhere.
 */
static void test_attrs(struct kunit *test, const struct nlattr *head,
		       int len, int pad, const int *want, int nr_want,
		       const struct nlattr **tb)
{
	int seen[TEST_MAX_ATTR + 1] = {};
	const struct nlattr *nla;
	int rem, i;

	memset(tb, 0, sizeof(*tb) * (TEST_MAX_ATTR + 1));
	nla_for_each_attr(nla, head, len, rem) {
		int type = nla_type(nla);

		KUNIT_ASSERT_LE(test, type, TEST_MAX_ATTR);
		if (type == pad)
			continue;
		seen[type]++;
		tb[type] = nla;
	}
	KUNIT_EXPECT_EQ(test, rem, 0);
	for (i = 0; i < nr_want; i++) {
		KUNIT_EXPECT_EQ_MSG(test, seen[want[i]], 1, "attribute %d",
				    want[i]);
		seen[want[i]] = 0;
	}
	for (i = 0; i <= TEST_MAX_ATTR; i++)
		KUNIT_EXPECT_EQ_MSG(test, seen[i], 0,
				    "attribute %d is not in the spec's reply",
				    i);
}

/* The attributes of the one message in skb, after its headers. */
static void test_msg_attrs(struct kunit *test, struct sk_buff *skb, u8 cmd,
			   int pad, const int *want, int nr_want,
			   const struct nlattr **tb)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)skb->data;

	KUNIT_ASSERT_GE(test, skb->len, (unsigned int)NLMSG_HDRLEN);
	KUNIT_ASSERT_EQ(test, nlh->nlmsg_len, skb->len);
	test_check_header(test, nlh, cmd);
	test_attrs(test, nlmsg_attrdata(nlh, GENL_HDRLEN),
		   nlmsg_attrlen(nlh, GENL_HDRLEN), pad, want, nr_want, tb);
}

static const int test_lat_attrs[] = {
	VMEXIT_STAT_A_LAT_COUNT, VMEXIT_STAT_A_LAT_SUM_NS,
	VMEXIT_STAT_A_LAT_MAX_NS, VMEXIT_STAT_A_LAT_HIST,
	/* Only with a sample: */
	VMEXIT_STAT_A_LAT_MIN_NS,
};

static void test_fill_lat(struct vxs_latency *lat, u64 seed)
{
	int i;

	lat->count = 0;
	lat->sum_ns = 0;
	for (i = 0; i < VMEXIT_STAT_LAT_BUCKETS; i++) {
		lat->hist[i] = seed * 100 + i;
		lat->count += lat->hist[i];
		lat->sum_ns += lat->hist[i] << i;
	}
	lat->min_ns = 1;
	lat->max_ns = BIT_ULL(VMEXIT_STAT_LAT_BUCKETS);
}

static void test_check_lat(struct kunit *test, const struct nlattr *nest,
			   const struct vxs_latency *lat)
{
	const struct nlattr *tb[TEST_MAX_ATTR + 1];
	int nr = ARRAY_SIZE(test_lat_attrs);

	KUNIT_ASSERT_NOT_NULL(test, nest);
	KUNIT_EXPECT_TRUE(test, nest->nla_type & NLA_F_NESTED);
	/* Without a sample there is no minimum (the spec says absent). */
	if (!lat->count)
		nr--;
	test_attrs(test, nla_data(nest), nla_len(nest), VMEXIT_STAT_A_LAT_PAD,
		   test_lat_attrs, nr, tb);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_LAT_COUNT]),
			lat->count);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_LAT_SUM_NS]),
			lat->sum_ns);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_LAT_MAX_NS]),
			lat->max_ns);
	if (lat->count)
		KUNIT_EXPECT_EQ(test,
				nla_get_u64(tb[VMEXIT_STAT_A_LAT_MIN_NS]),
				lat->min_ns);
	KUNIT_ASSERT_NOT_NULL(test, tb[VMEXIT_STAT_A_LAT_HIST]);
	KUNIT_ASSERT_EQ(test, nla_len(tb[VMEXIT_STAT_A_LAT_HIST]),
			(int)sizeof(lat->hist));
	KUNIT_EXPECT_EQ(test, memcmp(nla_data(tb[VMEXIT_STAT_A_LAT_HIST]),
				     lat->hist, sizeof(lat->hist)), 0);
}

static struct vxs_exit_record test_exit_record(u64 count)
{
	struct vxs_exit_record rec = {
		.vm_id = 0x1122334455667788ULL,
		.pid = 1000,
		.vcpu_id = 3,
		.tid = 1003,
		.isa = VMEXIT_STAT_ISA_VMX,
		/* Failed VM entry: invalid guest state (33). */
		.reason = 0x80000021,
		.count = count,
		.user_count = 7,
		.user_ns = 70000,
	};

	test_fill_lat(&rec.lat, count);
	return rec;
}

/* --- Each record kind fills what the spec says ------------------------- */

static void vxs_genl_fills_exit(struct kunit *test)
{
	static const int want[] = {
		VMEXIT_STAT_A_EXIT_VM_PID, VMEXIT_STAT_A_EXIT_VM_ID,
		VMEXIT_STAT_A_EXIT_VCPU_ID, VMEXIT_STAT_A_EXIT_VCPU_TID,
		VMEXIT_STAT_A_EXIT_ISA, VMEXIT_STAT_A_EXIT_CODE,
		VMEXIT_STAT_A_EXIT_FLAGS, VMEXIT_STAT_A_EXIT_COUNT,
		VMEXIT_STAT_A_EXIT_LATENCY, VMEXIT_STAT_A_EXIT_USER_COUNT,
		VMEXIT_STAT_A_EXIT_USER_NS,
	};
	struct vxs_exit_record rec = test_exit_record(12345);
	const struct vxs_msg msg = test_msg(VMEXIT_STAT_CMD_GET_EXITS);
	struct sk_buff *skb = test_skb(test, NLMSG_GOODSIZE);
	const struct nlattr *tb[TEST_MAX_ATTR + 1];

	KUNIT_ASSERT_EQ(test, vxs_put_record(skb, &msg, vxs_fill_exit, &rec,
					     false), 0);
	test_msg_attrs(test, skb, VMEXIT_STAT_CMD_GET_EXITS,
		       VMEXIT_STAT_A_EXIT_PAD, want, ARRAY_SIZE(want), tb);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_EXIT_VM_PID]), 1000);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_EXIT_VM_ID]),
			rec.vm_id);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_EXIT_VCPU_ID]), 3);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_EXIT_VCPU_TID]),
			1003);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_EXIT_ISA]),
			VMEXIT_STAT_ISA_VMX);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_EXIT_CODE]), 33);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_EXIT_FLAGS]),
			VMEXIT_STAT_EXIT_FLAG_VMX_FAILED_ENTRY);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_EXIT_COUNT]),
			12345);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_EXIT_USER_COUNT]),
			7);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_EXIT_USER_NS]),
			70000);
	test_check_lat(test, tb[VMEXIT_STAT_A_EXIT_LATENCY], &rec.lat);
}

static void vxs_genl_fills_exit_by_vm_without_vcpu(struct kunit *test)
{
	/* Summed: the flag says so, and there is no vCPU or thread. */
	static const int want[] = {
		VMEXIT_STAT_A_EXIT_VM_PID, VMEXIT_STAT_A_EXIT_VM_ID,
		VMEXIT_STAT_A_EXIT_BY_VM, VMEXIT_STAT_A_EXIT_ISA,
		VMEXIT_STAT_A_EXIT_CODE,
		VMEXIT_STAT_A_EXIT_FLAGS, VMEXIT_STAT_A_EXIT_COUNT,
		VMEXIT_STAT_A_EXIT_LATENCY, VMEXIT_STAT_A_EXIT_USER_COUNT,
		VMEXIT_STAT_A_EXIT_USER_NS,
	};
	struct vxs_exit_record rec = test_exit_record(5);
	const struct vxs_msg msg = test_msg(VMEXIT_STAT_CMD_GET_EXITS);
	struct sk_buff *skb = test_skb(test, NLMSG_GOODSIZE);
	const struct nlattr *tb[TEST_MAX_ATTR + 1];

	/* An SVM code has no modifier bits; a latency without a sample. */
	rec.isa = VMEXIT_STAT_ISA_SVM;
	rec.reason = 0x72;
	memset(&rec.lat, 0, sizeof(rec.lat));
	rec.lat.min_ns = U64_MAX;
	KUNIT_ASSERT_EQ(test, vxs_put_record(skb, &msg, vxs_fill_exit, &rec,
					     true), 0);
	test_msg_attrs(test, skb, VMEXIT_STAT_CMD_GET_EXITS,
		       VMEXIT_STAT_A_EXIT_PAD, want, ARRAY_SIZE(want), tb);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_EXIT_CODE]), 0x72);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_EXIT_FLAGS]), 0);
	test_check_lat(test, tb[VMEXIT_STAT_A_EXIT_LATENCY], &rec.lat);
}

static void vxs_genl_fills_user_exit(struct kunit *test)
{
	static const int want[] = {
		VMEXIT_STAT_A_UEXIT_VM_PID, VMEXIT_STAT_A_UEXIT_VM_ID,
		VMEXIT_STAT_A_UEXIT_VCPU_ID, VMEXIT_STAT_A_UEXIT_VCPU_TID,
		VMEXIT_STAT_A_UEXIT_REASON, VMEXIT_STAT_A_UEXIT_COUNT,
		VMEXIT_STAT_A_UEXIT_ROUND_TRIP,
	};
	static const int want_by_vm[] = {
		VMEXIT_STAT_A_UEXIT_VM_PID, VMEXIT_STAT_A_UEXIT_VM_ID,
		VMEXIT_STAT_A_UEXIT_BY_VM, VMEXIT_STAT_A_UEXIT_REASON,
		VMEXIT_STAT_A_UEXIT_COUNT, VMEXIT_STAT_A_UEXIT_ROUND_TRIP,
	};
	struct vxs_user_record rec = {
		.vm_id = 99, .pid = 2000, .vcpu_id = 1, .tid = 2001,
		.reason = 2 /* KVM_EXIT_IO */, .count = 301,
	};
	const struct vxs_msg msg = test_msg(VMEXIT_STAT_CMD_GET_USER_EXITS);
	struct sk_buff *skb = test_skb(test, NLMSG_GOODSIZE);
	const struct nlattr *tb[TEST_MAX_ATTR + 1];

	test_fill_lat(&rec.round_trip, 3);
	KUNIT_ASSERT_EQ(test, vxs_put_record(skb, &msg, vxs_fill_user_exit,
					     &rec, false), 0);
	test_msg_attrs(test, skb, VMEXIT_STAT_CMD_GET_USER_EXITS,
		       VMEXIT_STAT_A_UEXIT_PAD, want, ARRAY_SIZE(want), tb);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_UEXIT_VM_PID]),
			2000);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_UEXIT_VM_ID]), 99);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_UEXIT_VCPU_ID]), 1);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_UEXIT_VCPU_TID]),
			2001);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_UEXIT_REASON]), 2);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_UEXIT_COUNT]), 301);
	test_check_lat(test, tb[VMEXIT_STAT_A_UEXIT_ROUND_TRIP],
		       &rec.round_trip);

	/* by-vm leaves the vCPU out. */
	skb = test_skb(test, NLMSG_GOODSIZE);
	KUNIT_ASSERT_EQ(test, vxs_put_record(skb, &msg, vxs_fill_user_exit,
					     &rec, true), 0);
	test_msg_attrs(test, skb, VMEXIT_STAT_CMD_GET_USER_EXITS,
		       VMEXIT_STAT_A_UEXIT_PAD, want_by_vm,
		       ARRAY_SIZE(want_by_vm), tb);
}

static void vxs_genl_fills_detail(struct kunit *test)
{
	static const int want[] = {
		VMEXIT_STAT_A_DETAIL_VM_PID, VMEXIT_STAT_A_DETAIL_VM_ID,
		VMEXIT_STAT_A_DETAIL_KIND, VMEXIT_STAT_A_DETAIL_KEY,
		VMEXIT_STAT_A_DETAIL_COUNT,
	};
	const struct vxs_detail_record rec = {
		.vm_id = 5, .pid = 3000, .kind = VMEXIT_STAT_DETAIL_CPUID,
		.key = 0x4000000100000000ULL, .count = 64,
	};
	const struct vxs_msg msg = test_msg(VMEXIT_STAT_CMD_GET_DETAILS);
	struct sk_buff *skb = test_skb(test, NLMSG_GOODSIZE);
	const struct nlattr *tb[TEST_MAX_ATTR + 1];

	KUNIT_ASSERT_EQ(test, vxs_put_record(skb, &msg, vxs_fill_detail, &rec,
					     false), 0);
	test_msg_attrs(test, skb, VMEXIT_STAT_CMD_GET_DETAILS,
		       VMEXIT_STAT_A_DETAIL_PAD, want, ARRAY_SIZE(want), tb);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_DETAIL_VM_PID]),
			3000);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_DETAIL_VM_ID]), 5);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_DETAIL_KIND]),
			VMEXIT_STAT_DETAIL_CPUID);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_DETAIL_KEY]),
			rec.key);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_DETAIL_COUNT]), 64);
}

static const int test_vm_attrs[] = {
	VMEXIT_STAT_A_VM_PID, VMEXIT_STAT_A_VM_ID, VMEXIT_STAT_A_VM_COMM,
	VMEXIT_STAT_A_VM_STATE, VMEXIT_STAT_A_VM_VCPUS_LIVE,
	VMEXIT_STAT_A_VM_VCPUS_SEEN, VMEXIT_STAT_A_VM_START_NS,
	VMEXIT_STAT_A_VM_EXITS, VMEXIT_STAT_A_VM_USER_EXITS,
	VMEXIT_STAT_A_VM_EXIT_NS, VMEXIT_STAT_A_VM_DROPPED,
	VMEXIT_STAT_A_VM_DETAILS_DROPPED,
	/* Ended VMs only: */
	VMEXIT_STAT_A_VM_END_NS,
};

static void vxs_genl_fills_vm(struct kunit *test)
{
	struct vxs_vm_record rec = {
		.vm_id = 6, .pid = 4000, .state = VMEXIT_STAT_VM_RUNNING,
		.comm = "qemu-system-x86", .vcpus_live = 2, .vcpus_seen = 3,
		.start_ns = 111, .end_ns = 0, .exits = 1000,
		.user_exits = 100, .exit_ns = 99999, .dropped = 4,
		.details_dropped = 5,
	};
	const struct vxs_msg msg = test_msg(VMEXIT_STAT_CMD_GET_VMS);
	struct sk_buff *skb = test_skb(test, NLMSG_GOODSIZE);
	const struct nlattr *tb[TEST_MAX_ATTR + 1];
	int nr = ARRAY_SIZE(test_vm_attrs);

	KUNIT_ASSERT_EQ(test, vxs_put_record(skb, &msg, vxs_fill_vm, &rec,
					     false), 0);
	test_msg_attrs(test, skb, VMEXIT_STAT_CMD_GET_VMS,
		       VMEXIT_STAT_A_VM_PAD, test_vm_attrs, nr - 1, tb);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_VM_PID]), 4000);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_VM_ID]), 6);
	KUNIT_EXPECT_STREQ(test, (char *)nla_data(tb[VMEXIT_STAT_A_VM_COMM]),
			   "qemu-system-x86");
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_VM_STATE]),
			VMEXIT_STAT_VM_RUNNING);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_VM_VCPUS_LIVE]), 2);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_VM_VCPUS_SEEN]), 3);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_VM_START_NS]), 111);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_VM_EXITS]), 1000);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_VM_USER_EXITS]),
			100);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_VM_EXIT_NS]),
			99999);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_VM_DROPPED]), 4);
	KUNIT_EXPECT_EQ(test,
			nla_get_u64(tb[VMEXIT_STAT_A_VM_DETAILS_DROPPED]), 5);

	/* An ended VM has an end; a comm filling its array gets its NUL. */
	rec.state = VMEXIT_STAT_VM_ENDED;
	rec.end_ns = 222;
	memcpy(rec.comm, "0123456789abcdef", sizeof(rec.comm));
	skb = test_skb(test, NLMSG_GOODSIZE);
	KUNIT_ASSERT_EQ(test, vxs_put_record(skb, &msg, vxs_fill_vm, &rec,
					     false), 0);
	test_msg_attrs(test, skb, VMEXIT_STAT_CMD_GET_VMS,
		       VMEXIT_STAT_A_VM_PAD, test_vm_attrs, nr, tb);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_VM_END_NS]), 222);
	KUNIT_EXPECT_EQ(test, nla_len(tb[VMEXIT_STAT_A_VM_COMM]), 17);
	KUNIT_EXPECT_STREQ(test, (char *)nla_data(tb[VMEXIT_STAT_A_VM_COMM]),
			   "0123456789abcdef");
}

static int test_fill_info(struct sk_buff *skb, const void *info, bool by_vm)
{
	return vxs_fill_info(skb, info);
}

static const struct vxs_info test_info = {
	.exits_seen = 1, .entries_seen = 2, .user_exits_seen = 3,
	.dropped_no_vcpu_slot = 4, .dropped_no_reason_slot = 5,
	.dropped_unreadable = 6, .details_dropped = 7, .events_dropped = 8,
	.memory_bytes = 9, .memory_used_bytes = 10, .vcpu_slots = 11,
	.vcpu_slots_used = 12, .vms = 13, .sched_switches_seen = 14,
	.sched_missed = 15, .markers_seen = 16, .markers_unmatched = 17,
	.phases_dropped = 18,
};

static void vxs_genl_fills_info(struct kunit *test)
{
	static const int want[] = {
		VMEXIT_STAT_A_INFO_VERSION, VMEXIT_STAT_A_INFO_KERNEL,
		VMEXIT_STAT_A_INFO_EXITS_SEEN, VMEXIT_STAT_A_INFO_EXITS_DROPPED,
		VMEXIT_STAT_A_INFO_VCPU_SLOTS, VMEXIT_STAT_A_INFO_EXIT_PROTO,
		VMEXIT_STAT_A_INFO_ISAS, VMEXIT_STAT_A_INFO_ENTRIES_SEEN,
		VMEXIT_STAT_A_INFO_USER_EXITS_SEEN,
		VMEXIT_STAT_A_INFO_DROPPED_NO_VCPU_SLOT,
		VMEXIT_STAT_A_INFO_DROPPED_NO_REASON_SLOT,
		VMEXIT_STAT_A_INFO_DROPPED_UNREADABLE,
		VMEXIT_STAT_A_INFO_DETAILS_DROPPED,
		VMEXIT_STAT_A_INFO_EVENTS_DROPPED,
		VMEXIT_STAT_A_INFO_MEMORY_BYTES,
		VMEXIT_STAT_A_INFO_MEMORY_USED_BYTES,
		VMEXIT_STAT_A_INFO_VCPU_SLOTS_USED, VMEXIT_STAT_A_INFO_VMS,
		VMEXIT_STAT_A_INFO_LAT_BUCKETS,
		VMEXIT_STAT_A_INFO_SCHED_SWITCHES_SEEN,
		VMEXIT_STAT_A_INFO_SCHED_MISSED,
		VMEXIT_STAT_A_INFO_MARKERS_SEEN,
		VMEXIT_STAT_A_INFO_MARKERS_UNMATCHED,
		VMEXIT_STAT_A_INFO_PHASES_DROPPED,
	};
	static const struct {
		int type;
		u64 value;
	} u64s[] = {
		{ VMEXIT_STAT_A_INFO_EXITS_SEEN, 1 },
		/* The sum of the three causes. */
		{ VMEXIT_STAT_A_INFO_EXITS_DROPPED, 4 + 5 + 6 },
		{ VMEXIT_STAT_A_INFO_ENTRIES_SEEN, 2 },
		{ VMEXIT_STAT_A_INFO_USER_EXITS_SEEN, 3 },
		{ VMEXIT_STAT_A_INFO_DROPPED_NO_VCPU_SLOT, 4 },
		{ VMEXIT_STAT_A_INFO_DROPPED_NO_REASON_SLOT, 5 },
		{ VMEXIT_STAT_A_INFO_DROPPED_UNREADABLE, 6 },
		{ VMEXIT_STAT_A_INFO_DETAILS_DROPPED, 7 },
		{ VMEXIT_STAT_A_INFO_EVENTS_DROPPED, 8 },
		{ VMEXIT_STAT_A_INFO_MEMORY_BYTES, 9 },
		{ VMEXIT_STAT_A_INFO_MEMORY_USED_BYTES, 10 },
		{ VMEXIT_STAT_A_INFO_SCHED_SWITCHES_SEEN, 14 },
		{ VMEXIT_STAT_A_INFO_SCHED_MISSED, 15 },
		{ VMEXIT_STAT_A_INFO_MARKERS_SEEN, 16 },
		{ VMEXIT_STAT_A_INFO_MARKERS_UNMATCHED, 17 },
		{ VMEXIT_STAT_A_INFO_PHASES_DROPPED, 18 },
	};
	const struct {
		int type;
		u32 value;
	} u32s[] = {
		{ VMEXIT_STAT_A_INFO_VCPU_SLOTS, 11 },
		{ VMEXIT_STAT_A_INFO_EXIT_PROTO, vxs_exit_probe_proto() },
		{ VMEXIT_STAT_A_INFO_ISAS,
		  BIT(VMEXIT_STAT_ISA_VMX) | BIT(VMEXIT_STAT_ISA_SVM) },
		{ VMEXIT_STAT_A_INFO_VCPU_SLOTS_USED, 12 },
		{ VMEXIT_STAT_A_INFO_VMS, 13 },
		{ VMEXIT_STAT_A_INFO_LAT_BUCKETS, VMEXIT_STAT_LAT_BUCKETS },
	};
	const struct vxs_msg msg = test_msg(VMEXIT_STAT_CMD_GET_INFO);
	struct sk_buff *skb = test_skb(test, NLMSG_GOODSIZE);
	const struct nlattr *tb[TEST_MAX_ATTR + 1];
	int i;

	KUNIT_ASSERT_EQ(test, vxs_put_record(skb, &msg, test_fill_info,
					     &test_info, false), 0);
	test_msg_attrs(test, skb, VMEXIT_STAT_CMD_GET_INFO,
		       VMEXIT_STAT_A_INFO_PAD, want, ARRAY_SIZE(want), tb);
	KUNIT_EXPECT_STREQ(test,
			   (char *)nla_data(tb[VMEXIT_STAT_A_INFO_VERSION]),
			   VXS_VERSION);
	KUNIT_EXPECT_STREQ(test,
			   (char *)nla_data(tb[VMEXIT_STAT_A_INFO_KERNEL]),
			   UTS_RELEASE);
	for (i = 0; i < ARRAY_SIZE(u64s); i++)
		KUNIT_EXPECT_EQ_MSG(test, nla_get_u64(tb[u64s[i].type]),
				    u64s[i].value, "type %d", u64s[i].type);
	for (i = 0; i < ARRAY_SIZE(u32s); i++)
		KUNIT_EXPECT_EQ_MSG(test, nla_get_u32(tb[u32s[i].type]),
				    u32s[i].value, "type %d", u32s[i].type);
}

static int test_fill_config(struct sk_buff *skb, const void *config,
			    bool by_vm)
{
	return vxs_fill_config(skb, config, true);
}

static const struct vxs_config test_config_values = {
	.latency = false, .details = true, .ended_vm_ttl_s = 600,
	.sched = true,
};

static void vxs_genl_fills_config(struct kunit *test)
{
	static const int want[] = {
		VMEXIT_STAT_A_CONFIG_LATENCY, VMEXIT_STAT_A_CONFIG_DETAILS,
		VMEXIT_STAT_A_CONFIG_ENDED_VM_TTL_S,
		VMEXIT_STAT_A_CONFIG_UNPRIVILEGED_READ,
		VMEXIT_STAT_A_CONFIG_SCHED,
	};
	const struct vxs_msg msg = test_msg(VMEXIT_STAT_CMD_GET_CONFIG);
	struct sk_buff *skb = test_skb(test, NLMSG_GOODSIZE);
	const struct nlattr *tb[TEST_MAX_ATTR + 1];

	KUNIT_ASSERT_EQ(test, vxs_put_record(skb, &msg, test_fill_config,
					     &test_config_values, false), 0);
	/* The config set has no pad attribute; -1 is no type. */
	test_msg_attrs(test, skb, VMEXIT_STAT_CMD_GET_CONFIG, -1, want,
		       ARRAY_SIZE(want), tb);
	KUNIT_EXPECT_EQ(test, nla_get_u8(tb[VMEXIT_STAT_A_CONFIG_LATENCY]), 0);
	KUNIT_EXPECT_EQ(test, nla_get_u8(tb[VMEXIT_STAT_A_CONFIG_DETAILS]), 1);
	KUNIT_EXPECT_EQ(test,
			nla_get_u32(tb[VMEXIT_STAT_A_CONFIG_ENDED_VM_TTL_S]),
			600);
	KUNIT_EXPECT_EQ(test,
			nla_get_u8(tb[VMEXIT_STAT_A_CONFIG_UNPRIVILEGED_READ]),
			1);
	KUNIT_EXPECT_EQ(test, nla_get_u8(tb[VMEXIT_STAT_A_CONFIG_SCHED]), 1);
}

static struct vxs_sched_record test_sched_record(void)
{
	struct vxs_sched_record rec = {
		.vm_id = 0x1122334455667788ULL,
		.pid = 1000,
		.vcpu_id = 3,
		.tid = 1003,
		.state = VMEXIT_STAT_SCHED_RUNNABLE,
		.cpu = 1,
		.stats = {
			.run_ns = 11, .idle_ns = 12, .timeslices = 13,
			.preemptions = 14, .migrations = 15,
		},
	};

	test_fill_lat(&rec.stats.wakeup, 2);
	test_fill_lat(&rec.stats.preempt, 3);
	return rec;
}

static void vxs_genl_fills_sched(struct kunit *test)
{
	static const int want[] = {
		VMEXIT_STAT_A_SCHED_VM_PID, VMEXIT_STAT_A_SCHED_VM_ID,
		VMEXIT_STAT_A_SCHED_VCPU_ID, VMEXIT_STAT_A_SCHED_VCPU_TID,
		VMEXIT_STAT_A_SCHED_STATE, VMEXIT_STAT_A_SCHED_CPU,
		VMEXIT_STAT_A_SCHED_RUN_NS, VMEXIT_STAT_A_SCHED_WAIT_NS,
		VMEXIT_STAT_A_SCHED_IDLE_NS, VMEXIT_STAT_A_SCHED_TIMESLICES,
		VMEXIT_STAT_A_SCHED_PREEMPTIONS,
		VMEXIT_STAT_A_SCHED_MIGRATIONS,
		VMEXIT_STAT_A_SCHED_WAKEUP_LAT,
		VMEXIT_STAT_A_SCHED_PREEMPT_LAT,
	};
	/* Summed over a VM: the flag, no vCPU, thread, state or CPU. */
	static const int want_by_vm[] = {
		VMEXIT_STAT_A_SCHED_VM_PID, VMEXIT_STAT_A_SCHED_VM_ID,
		VMEXIT_STAT_A_SCHED_BY_VM, VMEXIT_STAT_A_SCHED_RUN_NS,
		VMEXIT_STAT_A_SCHED_WAIT_NS,
		VMEXIT_STAT_A_SCHED_IDLE_NS, VMEXIT_STAT_A_SCHED_TIMESLICES,
		VMEXIT_STAT_A_SCHED_PREEMPTIONS,
		VMEXIT_STAT_A_SCHED_MIGRATIONS,
		VMEXIT_STAT_A_SCHED_WAKEUP_LAT,
		VMEXIT_STAT_A_SCHED_PREEMPT_LAT,
	};
	struct vxs_sched_record rec = test_sched_record();
	const struct vxs_msg msg = test_msg(VMEXIT_STAT_CMD_GET_SCHED);
	struct sk_buff *skb = test_skb(test, NLMSG_GOODSIZE);
	const struct nlattr *tb[TEST_MAX_ATTR + 1];

	KUNIT_ASSERT_EQ(test, vxs_put_record(skb, &msg, vxs_fill_sched, &rec,
					     false), 0);
	test_msg_attrs(test, skb, VMEXIT_STAT_CMD_GET_SCHED,
		       VMEXIT_STAT_A_SCHED_PAD, want, ARRAY_SIZE(want), tb);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_SCHED_VCPU_TID]),
			1003);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_SCHED_STATE]),
			VMEXIT_STAT_SCHED_RUNNABLE);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_SCHED_CPU]), 1);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_SCHED_RUN_NS]), 11);
	/* The wait is the two latencies' sum, not a counter of its own. */
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_SCHED_WAIT_NS]),
			rec.stats.wakeup.sum_ns + rec.stats.preempt.sum_ns);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_SCHED_IDLE_NS]), 12);
	KUNIT_EXPECT_EQ(test,
			nla_get_u64(tb[VMEXIT_STAT_A_SCHED_TIMESLICES]), 13);
	KUNIT_EXPECT_EQ(test,
			nla_get_u64(tb[VMEXIT_STAT_A_SCHED_PREEMPTIONS]), 14);
	KUNIT_EXPECT_EQ(test,
			nla_get_u64(tb[VMEXIT_STAT_A_SCHED_MIGRATIONS]), 15);
	test_check_lat(test, tb[VMEXIT_STAT_A_SCHED_WAKEUP_LAT],
		       &rec.stats.wakeup);
	test_check_lat(test, tb[VMEXIT_STAT_A_SCHED_PREEMPT_LAT],
		       &rec.stats.preempt);

	skb = test_skb(test, NLMSG_GOODSIZE);
	KUNIT_ASSERT_EQ(test, vxs_put_record(skb, &msg, vxs_fill_sched, &rec,
					     true), 0);
	test_msg_attrs(test, skb, VMEXIT_STAT_CMD_GET_SCHED,
		       VMEXIT_STAT_A_SCHED_PAD, want_by_vm,
		       ARRAY_SIZE(want_by_vm), tb);
}

/* On the heap: with its histograms it is too big for a KASAN stack. */
static struct vxs_cpu_sched_record *
test_cpu_sched_record(struct kunit *test, u32 nr_thieves)
{
	struct vxs_cpu_sched_record *rec;
	u32 i;

	rec = kunit_kzalloc(test, sizeof(*rec), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	rec->cpu = 1;
	rec->wait_ns = 100;
	rec->vcpu_run_ns = 200;
	rec->unattributed_ns = 5;
	rec->nr_thieves = nr_thieves;
	test_fill_lat(&rec->wakeup, 4);
	test_fill_lat(&rec->preempt, 5);
	for (i = 0; i < nr_thieves; i++) {
		struct vxs_thief_record *thief = &rec->thieves[i];

		thief->tid = 2000 + i;
		/* Every other one a vCPU thread. */
		thief->vm_pid = i % 2 ? 1000 : 0;
		thief->vcpu_id = i;
		snprintf(thief->comm, sizeof(thief->comm), "thief-%u", i);
		thief->ns = 1000 - i;
		thief->over_ns = i;
	}
	return rec;
}

static void vxs_genl_fills_cpu_sched_with_thieves(struct kunit *test)
{
	static const int want[] = {
		VMEXIT_STAT_A_PCPU_CPU, VMEXIT_STAT_A_PCPU_WAIT_NS,
		VMEXIT_STAT_A_PCPU_VCPU_RUN_NS,
		VMEXIT_STAT_A_PCPU_UNATTRIBUTED_NS,
		VMEXIT_STAT_A_PCPU_WAKEUP_LAT, VMEXIT_STAT_A_PCPU_PREEMPT_LAT,
	};
	static const int want_thief[] = {
		VMEXIT_STAT_A_THIEF_TID, VMEXIT_STAT_A_THIEF_COMM,
		VMEXIT_STAT_A_THIEF_NS, VMEXIT_STAT_A_THIEF_OVER_NS,
		/* Only for a vCPU thread: */
		VMEXIT_STAT_A_THIEF_VM_PID, VMEXIT_STAT_A_THIEF_VCPU_ID,
	};
	struct vxs_cpu_sched_record *rec =
		test_cpu_sched_record(test, VMEXIT_STAT_THIEVES);
	const struct vxs_msg msg = test_msg(VMEXIT_STAT_CMD_GET_CPU_SCHED);
	struct sk_buff *skb = test_skb(test, NLMSG_GOODSIZE);
	const struct nlattr *tb[TEST_MAX_ATTR + 1];
	struct nlmsghdr *nlh;
	const struct nlattr *nla;
	u32 thieves = 0;
	int rem;

	KUNIT_ASSERT_EQ(test, vxs_put_record(skb, &msg, vxs_fill_cpu_sched,
					     rec, false), 0);
	nlh = (struct nlmsghdr *)skb->data;
	/* The thief nests repeat; check the rest, then each of them. */
	nla_for_each_attr(nla, nlmsg_attrdata(nlh, GENL_HDRLEN),
			  nlmsg_attrlen(nlh, GENL_HDRLEN), rem) {
		const struct vxs_thief_record *thief = &rec->thieves[thieves];
		const struct nlattr *ttb[TEST_MAX_ATTR + 1];
		int nr = ARRAY_SIZE(want_thief);

		if (nla_type(nla) != VMEXIT_STAT_A_PCPU_THIEF)
			continue;
		KUNIT_ASSERT_LT(test, thieves, (u32)VMEXIT_STAT_THIEVES);
		KUNIT_EXPECT_TRUE(test, nla->nla_type & NLA_F_NESTED);
		if (!thief->vm_pid)
			nr -= 2;
		test_attrs(test, nla_data(nla), nla_len(nla),
			   VMEXIT_STAT_A_THIEF_PAD, want_thief, nr, ttb);
		KUNIT_EXPECT_EQ(test, nla_get_u32(ttb[VMEXIT_STAT_A_THIEF_TID]),
				thief->tid);
		KUNIT_EXPECT_STREQ(test,
				   nla_data(ttb[VMEXIT_STAT_A_THIEF_COMM]),
				   thief->comm);
		KUNIT_EXPECT_EQ(test, nla_get_u64(ttb[VMEXIT_STAT_A_THIEF_NS]),
				thief->ns);
		KUNIT_EXPECT_EQ(test,
				nla_get_u64(ttb[VMEXIT_STAT_A_THIEF_OVER_NS]),
				thief->over_ns);
		thieves++;
	}
	KUNIT_EXPECT_EQ(test, thieves, (u32)VMEXIT_STAT_THIEVES);

	/* Without the nests, exactly the spec's other attributes. */
	rec = test_cpu_sched_record(test, 0);
	skb = test_skb(test, NLMSG_GOODSIZE);
	KUNIT_ASSERT_EQ(test, vxs_put_record(skb, &msg, vxs_fill_cpu_sched,
					     rec, false), 0);
	test_msg_attrs(test, skb, VMEXIT_STAT_CMD_GET_CPU_SCHED,
		       VMEXIT_STAT_A_PCPU_PAD, want, ARRAY_SIZE(want), tb);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_PCPU_WAIT_NS]), 100);
	KUNIT_EXPECT_EQ(test,
			nla_get_u64(tb[VMEXIT_STAT_A_PCPU_UNATTRIBUTED_NS]),
			5);
	test_check_lat(test, tb[VMEXIT_STAT_A_PCPU_WAKEUP_LAT], &rec->wakeup);
}

static int test_fill_event(struct sk_buff *skb, const void *event,
			   bool by_vm)
{
	return vxs_fill_event(skb, event);
}

static const struct vxs_event test_vm_event = {
	.cmd = VMEXIT_STAT_CMD_VM_STOP, .pid = 5000, .vm_id = 8,
};

static const struct vxs_event test_vcpu_event = {
	.cmd = VMEXIT_STAT_CMD_VCPU_START, .pid = 5000, .vm_id = 8,
	.vcpu_id = 2, .tid = 5002,
};

static void vxs_genl_fills_events(struct kunit *test)
{
	static const int want[] = {
		VMEXIT_STAT_A_VM_PID, VMEXIT_STAT_A_VM_ID,
		VMEXIT_STAT_A_VM_VCPU_ID, VMEXIT_STAT_A_VM_VCPU_TID,
	};
	struct vxs_msg msg = test_msg(VMEXIT_STAT_CMD_VM_STOP);
	struct sk_buff *skb = test_skb(test, NLMSG_GOODSIZE);
	const struct nlattr *tb[TEST_MAX_ATTR + 1];

	KUNIT_ASSERT_EQ(test, vxs_put_record(skb, &msg, test_fill_event,
					     &test_vm_event, false), 0);
	test_msg_attrs(test, skb, VMEXIT_STAT_CMD_VM_STOP,
		       VMEXIT_STAT_A_VM_PAD, want, 2, tb);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_VM_PID]), 5000);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_VM_ID]), 8);

	msg.cmd = VMEXIT_STAT_CMD_VCPU_START;
	skb = test_skb(test, NLMSG_GOODSIZE);
	KUNIT_ASSERT_EQ(test, vxs_put_record(skb, &msg, test_fill_event,
					     &test_vcpu_event, false), 0);
	test_msg_attrs(test, skb, VMEXIT_STAT_CMD_VCPU_START,
		       VMEXIT_STAT_A_VM_PAD, want, ARRAY_SIZE(want), tb);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_VM_VCPU_ID]), 2);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_VM_VCPU_TID]),
			5002);
	/* The size notifications are allocated with holds the largest. */
	KUNIT_EXPECT_LE(test, nlmsg_len((struct nlmsghdr *)skb->data),
			(int)VXS_EVENT_SIZE);
}

/* --- A message that does not fit ---------------------------------------- */

struct test_kind {
	const char *name;
	u8 cmd;
	vxs_fill_record_fn fill;
	const void *record;
	bool by_vm;
};

static struct vxs_phase_record *test_phase_record(struct kunit *test)
{
	struct vxs_phase_record *rec = kunit_kzalloc(test, sizeof(*rec),
						     GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, rec);
	rec->vm_id = 1;
	rec->pid = 2;
	rec->vcpu_id = 3;
	rec->tid = 4;
	rec->isa = VMEXIT_STAT_ISA_VMX;
	rec->id = 7;
	rec->open = true;
	rec->starts = 5;
	rec->ends = 4;
	rec->active_ns = 6;
	rec->last_start_ns = 7;
	rec->last_end_ns = 8;
	rec->exits = 9;
	rec->wait_ns = 10;
	test_fill_lat(&rec->lat, 3);
	/* Every code a thread can hold, one with a modifier bit. */
	rec->nr_exits = VXS_PHASE_EXITS;
	for (i = 0; i < VXS_PHASE_EXITS; i++) {
		rec->exit[i].reason = i;
		rec->exit[i].count = 100 + i;
	}
	rec->exit[1].reason = EXIT_REASON_INVALID_STATE |
			      VMEXIT_STAT_EXIT_FLAG_VMX_FAILED_ENTRY;
	return rec;
}

static void vxs_genl_fills_phase(struct kunit *test)
{
	static const int want[] = {
		VMEXIT_STAT_A_PHASE_VM_PID, VMEXIT_STAT_A_PHASE_VM_ID,
		VMEXIT_STAT_A_PHASE_VCPU_ID, VMEXIT_STAT_A_PHASE_VCPU_TID,
		VMEXIT_STAT_A_PHASE_ID, VMEXIT_STAT_A_PHASE_OPEN,
		VMEXIT_STAT_A_PHASE_STARTS, VMEXIT_STAT_A_PHASE_ENDS,
		VMEXIT_STAT_A_PHASE_ACTIVE_NS,
		VMEXIT_STAT_A_PHASE_LAST_START_NS,
		VMEXIT_STAT_A_PHASE_LAST_END_NS, VMEXIT_STAT_A_PHASE_EXITS,
		VMEXIT_STAT_A_PHASE_EXIT_LATENCY, VMEXIT_STAT_A_PHASE_WAIT_NS,
	};
	struct vxs_phase_record *rec = test_phase_record(test);
	const struct vxs_msg msg = test_msg(VMEXIT_STAT_CMD_GET_PHASES);
	struct sk_buff *skb = test_skb(test, 2 * NLMSG_GOODSIZE);
	const struct nlattr *tb[TEST_MAX_ATTR + 1];
	const struct nlattr *attr;
	unsigned int nests = 0;
	u32 nr_exits = rec->nr_exits;
	int rem;

	/* Without the nests, which repeat, exactly the spec's attributes. */
	rec->nr_exits = 0;
	KUNIT_ASSERT_EQ(test, vxs_put_record(skb, &msg, vxs_fill_phase, rec,
					     false), 0);
	test_msg_attrs(test, skb, VMEXIT_STAT_CMD_GET_PHASES,
		       VMEXIT_STAT_A_PHASE_PAD, want, ARRAY_SIZE(want), tb);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VMEXIT_STAT_A_PHASE_ID]), 7U);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_PHASE_STARTS]),
			5ULL);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[VMEXIT_STAT_A_PHASE_WAIT_NS]),
			10ULL);
	test_check_lat(test, tb[VMEXIT_STAT_A_PHASE_EXIT_LATENCY], &rec->lat);

	/* Then every code a thread can hold, in one message. */
	rec->nr_exits = nr_exits;
	skb = test_skb(test, 2 * NLMSG_GOODSIZE);
	KUNIT_ASSERT_EQ(test, vxs_put_record(skb, &msg, vxs_fill_phase, rec,
					     false), 0);
	nla_for_each_attr(attr, nlmsg_attrdata(nlmsg_hdr(skb), GENL_HDRLEN),
			  nlmsg_attrlen(nlmsg_hdr(skb), GENL_HDRLEN), rem) {
		struct nlattr *e[VMEXIT_STAT_A_PHASE_EXIT_MAX + 1];

		if (nla_type(attr) != VMEXIT_STAT_A_PHASE_EXIT)
			continue;
		KUNIT_ASSERT_EQ(test,
				nla_parse_nested(e,
						 VMEXIT_STAT_A_PHASE_EXIT_MAX,
						 attr, NULL, NULL),
				0);
		KUNIT_EXPECT_EQ(test,
				nla_get_u32(e[VMEXIT_STAT_A_PHASE_EXIT_ISA]),
				(u32)VMEXIT_STAT_ISA_VMX);
		KUNIT_EXPECT_EQ(test,
				nla_get_u64(e[VMEXIT_STAT_A_PHASE_EXIT_COUNT]),
				100ULL + nests);
		/* The code without its modifier bits, which go apart. */
		KUNIT_EXPECT_EQ(test,
				nla_get_u32(e[VMEXIT_STAT_A_PHASE_EXIT_CODE]),
				nests == 1 ? (u32)EXIT_REASON_INVALID_STATE :
					     nests);
		KUNIT_EXPECT_EQ(test,
				nla_get_u32(e[VMEXIT_STAT_A_PHASE_EXIT_FLAGS]),
				nests == 1 ?
					VMEXIT_STAT_EXIT_FLAG_VMX_FAILED_ENTRY :
					0U);
		nests++;
	}
	KUNIT_EXPECT_EQ(test, nests, (unsigned int)VXS_PHASE_EXITS);
}

static const struct vxs_exit_record test_exit_rec = {
	.vm_id = 1, .pid = 2, .vcpu_id = 3, .tid = 4,
	.isa = VMEXIT_STAT_ISA_SVM, .reason = 0x7b, .count = 5,
	.lat = { .count = 1, .min_ns = 9, .max_ns = 9, .sum_ns = 9 },
};

static const struct vxs_user_record test_user_rec = {
	.vm_id = 1, .pid = 2, .vcpu_id = 3, .tid = 4, .reason = 2, .count = 5,
};

static const struct vxs_detail_record test_detail_rec = {
	.vm_id = 1, .pid = 2, .kind = VMEXIT_STAT_DETAIL_PIO_OUT,
	.key = 0x3f8, .count = 5,
};

static const struct vxs_vm_record test_vm_rec = {
	.vm_id = 1, .pid = 2, .state = VMEXIT_STAT_VM_ENDED, .comm = "vmm",
	.end_ns = 3,
};

static const struct vxs_sched_record test_sched_rec = {
	.vm_id = 1, .pid = 2, .vcpu_id = 3, .tid = 4,
	.state = VMEXIT_STAT_SCHED_BLOCKED, .stats = { .run_ns = 5 },
};

static const struct vxs_cpu_sched_record test_cpu_sched_rec = {
	.cpu = 1, .wait_ns = 2, .nr_thieves = 2,
	.thieves = {
		{ .tid = 7, .comm = "kworker/1:1", .ns = 2 },
		{ .tid = 8, .vm_pid = 2, .vcpu_id = 1, .comm = "vmm", .ns = 1 },
	},
};

static const struct vxs_phase_record test_phase_rec = {
	.vm_id = 1, .pid = 2, .vcpu_id = 3, .tid = 4, .isa = 2, .id = 5,
	.nr_exits = 2,
	.exit = {
		{ .reason = 0x72, .count = 1 },
		{ .reason = 0x7b, .count = 2 },
	},
};

static const struct test_kind test_kinds[] = {
	{ "exit", VMEXIT_STAT_CMD_GET_EXITS, vxs_fill_exit, &test_exit_rec },
	{ "exit-by-vm", VMEXIT_STAT_CMD_GET_EXITS, vxs_fill_exit,
	  &test_exit_rec, true },
	{ "user-exit", VMEXIT_STAT_CMD_GET_USER_EXITS, vxs_fill_user_exit,
	  &test_user_rec },
	{ "detail", VMEXIT_STAT_CMD_GET_DETAILS, vxs_fill_detail,
	  &test_detail_rec },
	{ "vm", VMEXIT_STAT_CMD_GET_VMS, vxs_fill_vm, &test_vm_rec },
	{ "sched", VMEXIT_STAT_CMD_GET_SCHED, vxs_fill_sched,
	  &test_sched_rec },
	{ "sched-by-vm", VMEXIT_STAT_CMD_GET_SCHED, vxs_fill_sched,
	  &test_sched_rec, true },
	{ "cpu-sched", VMEXIT_STAT_CMD_GET_CPU_SCHED, vxs_fill_cpu_sched,
	  &test_cpu_sched_rec },
	{ "phase", VMEXIT_STAT_CMD_GET_PHASES, vxs_fill_phase,
	  &test_phase_rec },
	{ "info", VMEXIT_STAT_CMD_GET_INFO, test_fill_info, &test_info },
	{ "config", VMEXIT_STAT_CMD_GET_CONFIG, test_fill_config,
	  &test_config_values },
	{ "vm-event", VMEXIT_STAT_CMD_VM_STOP, test_fill_event,
	  &test_vm_event },
	{ "vcpu-event", VMEXIT_STAT_CMD_VCPU_START, test_fill_event,
	  &test_vcpu_event },
};

static void test_kind_desc(const struct test_kind *kind, char *desc)
{
	strscpy(desc, kind->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(test_kinds, test_kinds, test_kind_desc);

/*
 * For every tail room short of what the record needs, both the fill
 * function alone and the whole message must fail with -EMSGSIZE and leave
 * the skb, with a message already in it, exactly as it was.
 */
static void vxs_genl_message_that_does_not_fit(struct kunit *test)
{
	const struct test_kind *kind = test->param_value;
	const struct vxs_msg msg = test_msg(kind->cmd);
	struct sk_buff *skb = test_skb(test, NLMSG_GOODSIZE);
	unsigned int first, attrs_len, msg_len, room;
	u8 *before;

	/* Sizes with ample room: the message and its attributes alone. */
	KUNIT_ASSERT_EQ(test, vxs_put_record(skb, &msg, kind->fill,
					     kind->record, kind->by_vm), 0);
	msg_len = skb->len;
	attrs_len = msg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	KUNIT_ASSERT_GT(test, attrs_len, 0U);

	before = kunit_kzalloc(test, 2 * msg_len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, before);
	for (room = 0; room < msg_len; room++) {
		skb = test_skb(test, msg_len + room);
		KUNIT_ASSERT_EQ(test, vxs_put_record(skb, &msg, kind->fill,
						     kind->record,
						     kind->by_vm), 0);
		first = skb->len;
		memcpy(before, skb->data, first);

		KUNIT_EXPECT_EQ(test, vxs_put_record(skb, &msg, kind->fill,
						     kind->record,
						     kind->by_vm), -EMSGSIZE);
		KUNIT_EXPECT_EQ(test, skb->len, first);
		KUNIT_EXPECT_EQ(test, memcmp(before, skb->data, first), 0);

		if (room < attrs_len) {
			KUNIT_EXPECT_EQ(test, kind->fill(skb, kind->record,
							 kind->by_vm),
					-EMSGSIZE);
			KUNIT_EXPECT_EQ(test, skb->len, first);
			KUNIT_EXPECT_EQ(test, memcmp(before, skb->data, first),
					0);
		}
	}

	/* And exactly the room it needs is enough. */
	skb = test_skb(test, msg_len);
	KUNIT_EXPECT_EQ(test, vxs_put_record(skb, &msg, kind->fill,
					     kind->record, kind->by_vm), 0);
	KUNIT_EXPECT_EQ(test, skb->len, msg_len);
}

/* --- Dumps resumed many times ------------------------------------------ */

#define TEST_DUMP_RECORDS	300

/* Room for 1 to about 3 messages, varying from call to call. */
static unsigned int test_dump_room(unsigned int call, unsigned int one)
{
	return one + (call * 37) % (2 * one + 1);
}

static void test_dump_all(struct kunit *test, struct vxs_dump_ctx *ctx,
			  unsigned int one, u32 *calls)
{
	const struct vxs_msg msg = test_msg(ctx->kind->cmd);
	const struct vxs_exit_record *recs = ctx->records;
	u32 expected = 0;
	int ret;

	*calls = 0;
	do {
		struct sk_buff *skb = test_skb(test,
					       test_dump_room(*calls, one));
		struct nlmsghdr *nlh;
		int rem;

		ret = vxs_dump_resume(skb, ctx, &msg);
		(*calls)++;
		KUNIT_ASSERT_GE(test, ret, 0);
		KUNIT_ASSERT_EQ(test, ret, (int)skb->len);
		KUNIT_ASSERT_LE(test, *calls, 2U * TEST_DUMP_RECORDS + 2);

		nlmsg_for_each_msg(nlh, (struct nlmsghdr *)skb->data, skb->len,
				   rem) {
			struct nlattr *nla;

			test_check_header(test, nlh, ctx->kind->cmd);
			nla = nlmsg_find_attr(nlh, GENL_HDRLEN,
					      VMEXIT_STAT_A_EXIT_COUNT);
			KUNIT_ASSERT_NOT_NULL(test, nla);
			KUNIT_ASSERT_LT(test, expected, (u32)TEST_DUMP_RECORDS);
			/* Every record once, in order. */
			KUNIT_EXPECT_EQ(test, nla_get_u64(nla),
					recs[expected].count);
			expected++;
		}
		KUNIT_EXPECT_EQ(test, rem, 0);
		KUNIT_EXPECT_EQ(test, ctx->next, expected);
	} while (ret > 0);

	KUNIT_EXPECT_EQ(test, expected, (u32)TEST_DUMP_RECORDS);
	KUNIT_EXPECT_EQ(test, ctx->next, ctx->nr);
}

static void vxs_genl_dump_resumed_many_times(struct kunit *test)
{
	const struct vxs_msg msg = test_msg(VMEXIT_STAT_CMD_GET_EXITS);
	struct vxs_exit_record *recs;
	struct vxs_dump_ctx ctx = {
		.kind = &vxs_dump_exits,
		.nr = TEST_DUMP_RECORDS,
	};
	struct sk_buff *skb;
	unsigned int one;
	u32 i, calls;

	recs = kunit_kcalloc(test, TEST_DUMP_RECORDS, sizeof(*recs),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, recs);
	for (i = 0; i < TEST_DUMP_RECORDS; i++) {
		recs[i] = test_exit_record(1000 + i);
		recs[i].vcpu_id = i % 7;
	}
	ctx.records = recs;

	skb = test_skb(test, NLMSG_GOODSIZE);
	KUNIT_ASSERT_EQ(test, vxs_put_record(skb, &msg, vxs_fill_exit, recs,
					     false), 0);
	one = skb->len;

	/* Too small for one record: an error, and nothing is skipped. */
	skb = test_skb(test, one - 1);
	KUNIT_EXPECT_EQ(test, vxs_dump_resume(skb, &ctx, &msg), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, skb->len, 0U);
	KUNIT_EXPECT_EQ(test, ctx.next, 0U);

	test_dump_all(test, &ctx, one, &calls);
	/* Many calls really happened: at most three records a message. */
	KUNIT_EXPECT_GE(test, calls, (u32)TEST_DUMP_RECORDS / 3);

	/* By VM the messages are smaller: the same, with more each call. */
	ctx.next = 0;
	ctx.by_vm = true;
	test_dump_all(test, &ctx, one, &calls);
}

static void vxs_genl_dump_of_nothing_ends_at_once(struct kunit *test)
{
	const struct vxs_msg msg = test_msg(VMEXIT_STAT_CMD_GET_VMS);
	struct vxs_dump_ctx ctx = { .kind = &vxs_dump_vms, .nr = 0 };
	struct sk_buff *skb = test_skb(test, NLMSG_GOODSIZE);

	KUNIT_EXPECT_EQ(test, vxs_dump_resume(skb, &ctx, &msg), 0);
	KUNIT_EXPECT_EQ(test, skb->len, 0U);
}

/* --- Requests: policies, filters, the operations ------------------------ */

static const struct genl_ops *test_op(struct kunit *test, u8 cmd)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(vxs_genl_ops); i++)
		if (vxs_genl_ops[i].cmd == cmd)
			return &vxs_genl_ops[i];
	KUNIT_FAIL(test, "no operation for command %u", cmd);
	return NULL;
}

/*
 * Parses the attributes in skb as genetlink parses a request to cmd
 * (the op's policy, strictly); returns the error and fills tb.
 */
static int test_parse(struct kunit *test, u8 cmd, struct sk_buff *skb,
		      struct nlattr **tb, struct netlink_ext_ack *extack)
{
	const struct genl_ops *op = test_op(test, cmd);

	KUNIT_ASSERT_NOT_NULL(test, op);
	KUNIT_ASSERT_LE(test, op->maxattr, (unsigned int)TEST_MAX_ATTR);
	memset(extack, 0, sizeof(*extack));
	return nla_parse(tb, op->maxattr, (struct nlattr *)skb->data,
			 skb->len, op->policy, extack);
}

struct test_request {
	const char *name;
	u8 cmd;
	u16 type;
	u8 len;		/* 1, 2, 4, 8 or 0 for a flag */
	u64 value;
	bool valid;
};

static const struct test_request test_requests[] = {
	{ "exits-pid", VMEXIT_STAT_CMD_GET_EXITS, VMEXIT_STAT_A_EXIT_VM_PID,
	  4, 1, true },
	{ "exits-pid-as-u64", VMEXIT_STAT_CMD_GET_EXITS,
	  VMEXIT_STAT_A_EXIT_VM_PID, 8, 1, false },
	{ "exits-vm-id", VMEXIT_STAT_CMD_GET_EXITS, VMEXIT_STAT_A_EXIT_VM_ID,
	  8, 1, true },
	{ "exits-by-vm", VMEXIT_STAT_CMD_GET_EXITS, VMEXIT_STAT_A_EXIT_BY_VM,
	  0, 0, true },
	{ "exits-reply-attr", VMEXIT_STAT_CMD_GET_EXITS,
	  VMEXIT_STAT_A_EXIT_COUNT, 8, 1, false },
	{ "exits-unknown-attr", VMEXIT_STAT_CMD_GET_EXITS,
	  VMEXIT_STAT_A_EXIT_MAX + 1, 4, 1, false },
	{ "user-exits-vcpu", VMEXIT_STAT_CMD_GET_USER_EXITS,
	  VMEXIT_STAT_A_UEXIT_VCPU_ID, 4, 1, true },
	{ "user-exits-reason", VMEXIT_STAT_CMD_GET_USER_EXITS,
	  VMEXIT_STAT_A_UEXIT_REASON, 4, 1, false },
	{ "details-limit-0", VMEXIT_STAT_CMD_GET_DETAILS,
	  VMEXIT_STAT_A_DETAIL_LIMIT, 4, 0, false },
	{ "details-limit-1", VMEXIT_STAT_CMD_GET_DETAILS,
	  VMEXIT_STAT_A_DETAIL_LIMIT, 4, 1, true },
	{ "details-limit-1024", VMEXIT_STAT_CMD_GET_DETAILS,
	  VMEXIT_STAT_A_DETAIL_LIMIT, 4, 1024, true },
	{ "details-limit-1025", VMEXIT_STAT_CMD_GET_DETAILS,
	  VMEXIT_STAT_A_DETAIL_LIMIT, 4, 1025, false },
	{ "details-kind", VMEXIT_STAT_CMD_GET_DETAILS,
	  VMEXIT_STAT_A_DETAIL_KIND, 4, 1, false },
	{ "vms-pid", VMEXIT_STAT_CMD_GET_VMS, VMEXIT_STAT_A_VM_PID, 4, 1,
	  true },
	{ "vms-comm", VMEXIT_STAT_CMD_GET_VMS, VMEXIT_STAT_A_VM_COMM, 4, 1,
	  false },
	{ "info-any", VMEXIT_STAT_CMD_GET_INFO, VMEXIT_STAT_A_INFO_PAD, 4, 1,
	  false },
	{ "info-version", VMEXIT_STAT_CMD_GET_INFO,
	  VMEXIT_STAT_A_INFO_VERSION, 4, 1, false },
	{ "reset-any", VMEXIT_STAT_CMD_RESET, 1, 4, 1, false },
	{ "get-config-any", VMEXIT_STAT_CMD_GET_CONFIG,
	  VMEXIT_STAT_A_CONFIG_LATENCY, 1, 1, false },
	{ "set-config-latency-0", VMEXIT_STAT_CMD_SET_CONFIG,
	  VMEXIT_STAT_A_CONFIG_LATENCY, 1, 0, true },
	{ "set-config-latency-1", VMEXIT_STAT_CMD_SET_CONFIG,
	  VMEXIT_STAT_A_CONFIG_LATENCY, 1, 1, true },
	{ "set-config-latency-2", VMEXIT_STAT_CMD_SET_CONFIG,
	  VMEXIT_STAT_A_CONFIG_LATENCY, 1, 2, false },
	{ "set-config-details-255", VMEXIT_STAT_CMD_SET_CONFIG,
	  VMEXIT_STAT_A_CONFIG_DETAILS, 1, 255, false },
	{ "set-config-ttl", VMEXIT_STAT_CMD_SET_CONFIG,
	  VMEXIT_STAT_A_CONFIG_ENDED_VM_TTL_S, 4, 86400, true },
	{ "set-config-ttl-as-u8", VMEXIT_STAT_CMD_SET_CONFIG,
	  VMEXIT_STAT_A_CONFIG_ENDED_VM_TTL_S, 1, 1, false },
	{ "set-config-unprivileged-read", VMEXIT_STAT_CMD_SET_CONFIG,
	  VMEXIT_STAT_A_CONFIG_UNPRIVILEGED_READ, 1, 1, false },
	{ "set-config-sched-0", VMEXIT_STAT_CMD_SET_CONFIG,
	  VMEXIT_STAT_A_CONFIG_SCHED, 1, 0, true },
	{ "set-config-sched-2", VMEXIT_STAT_CMD_SET_CONFIG,
	  VMEXIT_STAT_A_CONFIG_SCHED, 1, 2, false },
	{ "sched-vcpu", VMEXIT_STAT_CMD_GET_SCHED, VMEXIT_STAT_A_SCHED_VCPU_ID,
	  4, 1, true },
	{ "sched-by-vm", VMEXIT_STAT_CMD_GET_SCHED, VMEXIT_STAT_A_SCHED_BY_VM,
	  0, 0, true },
	{ "sched-vm-id-as-u32", VMEXIT_STAT_CMD_GET_SCHED,
	  VMEXIT_STAT_A_SCHED_VM_ID, 4, 1, false },
	{ "sched-reply-attr", VMEXIT_STAT_CMD_GET_SCHED,
	  VMEXIT_STAT_A_SCHED_WAIT_NS, 8, 1, false },
	{ "cpu-sched-cpu", VMEXIT_STAT_CMD_GET_CPU_SCHED,
	  VMEXIT_STAT_A_PCPU_CPU, 4, 1, true },
	{ "cpu-sched-cpu-as-u8", VMEXIT_STAT_CMD_GET_CPU_SCHED,
	  VMEXIT_STAT_A_PCPU_CPU, 1, 1, false },
	{ "cpu-sched-thief", VMEXIT_STAT_CMD_GET_CPU_SCHED,
	  VMEXIT_STAT_A_PCPU_THIEF, 4, 1, false },
	{ "phases-id", VMEXIT_STAT_CMD_GET_PHASES, VMEXIT_STAT_A_PHASE_ID, 4,
	  VMEXIT_STAT_PHASE_ID_MAX, true },
	{ "phases-id-too-big", VMEXIT_STAT_CMD_GET_PHASES,
	  VMEXIT_STAT_A_PHASE_ID, 4, VMEXIT_STAT_PHASE_ID_MAX + 1, false },
	{ "phases-vcpu", VMEXIT_STAT_CMD_GET_PHASES,
	  VMEXIT_STAT_A_PHASE_VCPU_ID, 4, 1, true },
	{ "phases-id-as-u64", VMEXIT_STAT_CMD_GET_PHASES,
	  VMEXIT_STAT_A_PHASE_ID, 8, 1, false },
	{ "phases-reply-attr", VMEXIT_STAT_CMD_GET_PHASES,
	  VMEXIT_STAT_A_PHASE_EXITS, 8, 1, false },
	{ "phases-open", VMEXIT_STAT_CMD_GET_PHASES, VMEXIT_STAT_A_PHASE_OPEN,
	  0, 0, false },
};

static void test_request_desc(const struct test_request *req, char *desc)
{
	strscpy(desc, req->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(test_requests, test_requests, test_request_desc);

static void vxs_genl_policy_of_each_request(struct kunit *test)
{
	const struct test_request *req = test->param_value;
	struct sk_buff *skb = test_skb(test, NLMSG_GOODSIZE);
	struct nlattr *tb[TEST_MAX_ATTR + 1];
	struct netlink_ext_ack extack;
	int err;

	switch (req->len) {
	case 0:
		KUNIT_ASSERT_EQ(test, nla_put_flag(skb, req->type), 0);
		break;
	case 1:
		KUNIT_ASSERT_EQ(test, nla_put_u8(skb, req->type, req->value),
				0);
		break;
	case 4:
		KUNIT_ASSERT_EQ(test, nla_put_u32(skb, req->type, req->value),
				0);
		break;
	default:
		KUNIT_ASSERT_EQ(test, nla_put_u64_64bit(skb, req->type,
							req->value, 1), 0);
		break;
	}
	err = test_parse(test, req->cmd, skb, tb, &extack);
	if (req->valid) {
		KUNIT_EXPECT_EQ(test, err, 0);
		KUNIT_EXPECT_NOT_NULL(test, tb[req->type]);
	} else {
		KUNIT_EXPECT_LT(test, err, 0);
		/* Every refusal says why. */
		KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	}
}

static void vxs_genl_set_unprivileged_read_refused(struct kunit *test)
{
	struct sk_buff *skb = test_skb(test, NLMSG_GOODSIZE);
	struct nlattr *tb[TEST_MAX_ATTR + 1];
	struct netlink_ext_ack extack;

	KUNIT_ASSERT_EQ(test, nla_put_u8(skb, VMEXIT_STAT_A_CONFIG_LATENCY, 1),
			0);
	KUNIT_ASSERT_EQ(test,
			nla_put_u8(skb, VMEXIT_STAT_A_CONFIG_UNPRIVILEGED_READ,
				   1), 0);
	KUNIT_EXPECT_EQ(test, test_parse(test, VMEXIT_STAT_CMD_SET_CONFIG, skb,
					 tb, &extack), -EINVAL);
	KUNIT_ASSERT_NOT_NULL(test, extack._msg);
	KUNIT_EXPECT_NOT_NULL(test, strstr(extack._msg, "module parameter"));
	KUNIT_EXPECT_NOT_NULL(test, extack.bad_attr);
	if (extack.bad_attr)
		KUNIT_EXPECT_EQ(test, nla_type(extack.bad_attr),
				VMEXIT_STAT_A_CONFIG_UNPRIVILEGED_READ);
}

static void vxs_genl_filters_from_requests(struct kunit *test)
{
	struct sk_buff *skb = test_skb(test, NLMSG_GOODSIZE);
	struct nlattr *tb[TEST_MAX_ATTR + 1];
	struct netlink_ext_ack extack;
	struct vxs_filter filter;

	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, VMEXIT_STAT_A_EXIT_VM_PID, 42),
			0);
	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, VMEXIT_STAT_A_EXIT_VCPU_ID, 3),
			0);
	KUNIT_ASSERT_EQ(test, test_parse(test, VMEXIT_STAT_CMD_GET_EXITS, skb,
					 tb, &extack), 0);
	KUNIT_ASSERT_EQ(test, vxs_parse_filter(tb, &vxs_exit_filter_attrs,
					       &filter, &extack), 0);
	KUNIT_EXPECT_TRUE(test, filter.by_pid);
	KUNIT_EXPECT_EQ(test, filter.pid, 42U);
	KUNIT_EXPECT_FALSE(test, filter.by_vm_id);
	KUNIT_EXPECT_TRUE(test, filter.by_vcpu);
	KUNIT_EXPECT_EQ(test, filter.vcpu_id, 3U);
	KUNIT_EXPECT_FALSE(test, filter.by_vm);

	/* Summing the vCPUs of a VM and picking one vCPU contradict. */
	KUNIT_ASSERT_EQ(test, nla_put_flag(skb, VMEXIT_STAT_A_EXIT_BY_VM), 0);
	KUNIT_ASSERT_EQ(test, test_parse(test, VMEXIT_STAT_CMD_GET_EXITS, skb,
					 tb, &extack), 0);
	KUNIT_EXPECT_EQ(test, vxs_parse_filter(tb, &vxs_exit_filter_attrs,
					       &filter, &extack), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	KUNIT_EXPECT_PTR_EQ(test, (void *)extack.bad_attr,
			    (void *)tb[VMEXIT_STAT_A_EXIT_BY_VM]);

	/* Details: the default limit, and a given one. */
	skb = test_skb(test, NLMSG_GOODSIZE);
	KUNIT_ASSERT_EQ(test, test_parse(test, VMEXIT_STAT_CMD_GET_DETAILS,
					 skb, tb, &extack), 0);
	KUNIT_ASSERT_EQ(test, vxs_parse_filter(tb, &vxs_detail_filter_attrs,
					       &filter, &extack), 0);
	KUNIT_EXPECT_EQ(test, filter.limit,
			(u32)VMEXIT_STAT_DETAIL_LIMIT_DEFAULT);
	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, VMEXIT_STAT_A_DETAIL_LIMIT, 3),
			0);
	KUNIT_ASSERT_EQ(test, test_parse(test, VMEXIT_STAT_CMD_GET_DETAILS,
					 skb, tb, &extack), 0);
	KUNIT_ASSERT_EQ(test, vxs_parse_filter(tb, &vxs_detail_filter_attrs,
					       &filter, &extack), 0);
	KUNIT_EXPECT_EQ(test, filter.limit, 3U);
	KUNIT_EXPECT_FALSE(test, filter.by_vcpu);

	/* Phases: by phase id too. */
	skb = test_skb(test, NLMSG_GOODSIZE);
	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, VMEXIT_STAT_A_PHASE_ID, 4), 0);
	KUNIT_ASSERT_EQ(test, test_parse(test, VMEXIT_STAT_CMD_GET_PHASES, skb,
					 tb, &extack), 0);
	KUNIT_ASSERT_EQ(test, vxs_parse_filter(tb, &vxs_phase_filter_attrs,
					       &filter, &extack), 0);
	KUNIT_EXPECT_TRUE(test, filter.by_phase);
	KUNIT_EXPECT_EQ(test, filter.phase_id, 4U);
	KUNIT_EXPECT_FALSE(test, filter.by_pid);
}

/* The operations the spec lists, with its do/dump and admin flags. */
static void vxs_genl_operations_match_the_spec(struct kunit *test)
{
	static const struct {
		u8 cmd;
		bool dump;
		bool admin;
	} spec[] = {
		{ VMEXIT_STAT_CMD_GET_INFO, false, false },
		{ VMEXIT_STAT_CMD_GET_EXITS, true, false },
		{ VMEXIT_STAT_CMD_RESET, false, true },
		{ VMEXIT_STAT_CMD_GET_USER_EXITS, true, false },
		{ VMEXIT_STAT_CMD_GET_DETAILS, true, false },
		{ VMEXIT_STAT_CMD_GET_VMS, true, false },
		{ VMEXIT_STAT_CMD_GET_CONFIG, false, false },
		{ VMEXIT_STAT_CMD_SET_CONFIG, false, true },
		{ VMEXIT_STAT_CMD_GET_SCHED, true, false },
		{ VMEXIT_STAT_CMD_GET_CPU_SCHED, true, false },
		{ VMEXIT_STAT_CMD_GET_PHASES, true, false },
	};
	int i;

	KUNIT_EXPECT_EQ(test, ARRAY_SIZE(vxs_genl_ops), ARRAY_SIZE(spec));
	for (i = 0; i < ARRAY_SIZE(spec); i++) {
		const struct genl_ops *op = test_op(test, spec[i].cmd);

		if (!op)
			continue;
		KUNIT_EXPECT_EQ(test, !!op->dumpit, spec[i].dump);
		KUNIT_EXPECT_EQ(test, !!op->start, spec[i].dump);
		KUNIT_EXPECT_EQ(test, !!op->done, spec[i].dump);
		KUNIT_EXPECT_EQ(test, !op->doit, spec[i].dump);
		KUNIT_EXPECT_EQ(test, !!(op->flags & GENL_ADMIN_PERM),
				spec[i].admin);
		/* Strict: a policy on every op, no relaxing flags. */
		KUNIT_EXPECT_NOT_NULL(test, op->policy);
		KUNIT_EXPECT_GT(test, op->maxattr, 0U);
		KUNIT_EXPECT_EQ(test, op->validate, 0);
	}
	KUNIT_EXPECT_EQ(test, vxs_genl_family.n_mcgrps, 1);
	KUNIT_EXPECT_STREQ(test, vxs_genl_mcgrps[VXS_MCGRP_LIFECYCLE].name,
			   VMEXIT_STAT_MCGRP_LIFECYCLE);
	KUNIT_EXPECT_EQ(test, vxs_genl_family.version,
			VMEXIT_STAT_FAMILY_VERSION);
}

static struct kunit_case vxs_genl_test_cases[] = {
	KUNIT_CASE(vxs_genl_fills_exit),
	KUNIT_CASE(vxs_genl_fills_exit_by_vm_without_vcpu),
	KUNIT_CASE(vxs_genl_fills_user_exit),
	KUNIT_CASE(vxs_genl_fills_detail),
	KUNIT_CASE(vxs_genl_fills_vm),
	KUNIT_CASE(vxs_genl_fills_info),
	KUNIT_CASE(vxs_genl_fills_config),
	KUNIT_CASE(vxs_genl_fills_events),
	KUNIT_CASE(vxs_genl_fills_sched),
	KUNIT_CASE(vxs_genl_fills_cpu_sched_with_thieves),
	KUNIT_CASE(vxs_genl_fills_phase),
	KUNIT_CASE_PARAM(vxs_genl_message_that_does_not_fit,
			 test_kinds_gen_params),
	KUNIT_CASE(vxs_genl_dump_resumed_many_times),
	KUNIT_CASE(vxs_genl_dump_of_nothing_ends_at_once),
	KUNIT_CASE_PARAM(vxs_genl_policy_of_each_request,
			 test_requests_gen_params),
	KUNIT_CASE(vxs_genl_set_unprivileged_read_refused),
	KUNIT_CASE(vxs_genl_filters_from_requests),
	KUNIT_CASE(vxs_genl_operations_match_the_spec),
	{}
};

static struct kunit_suite vxs_genl_test_suite = {
	.name = "vmexit_stat_genl",
	.test_cases = vxs_genl_test_cases,
};

kunit_test_suites(&vxs_genl_test_suite);
