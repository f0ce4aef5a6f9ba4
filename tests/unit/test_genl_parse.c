// SPDX-License-Identifier: GPL-2.0
/*
 * The parsers fed with messages built the way the module builds them
 * (module/genl.c), with libnl instead of the kernel.
 */
#include <errno.h>

#include <linux/netlink.h>
#include <linux/vmexit_stat.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "genl_client.h"
#include "unit.h"

#define FAKE_FAMILY_ID 0x1f

enum exit_attrs {
	WITH_PID = 1 << 0,
	WITH_VM_ID = 1 << 1,
	WITH_VCPU = 1 << 2,
	WITH_TID = 1 << 3,
	WITH_ISA = 1 << 4,
	WITH_CODE = 1 << 5,
	WITH_FLAGS = 1 << 6,
	WITH_COUNT = 1 << 7,
	WITH_LATENCY = 1 << 8,
	WITH_USER = 1 << 9,
	WITH_ALL = 0x3ff,
};

/* A latency nest as the module fills it: 3 samples, 2 buckets. */
static void put_latency(struct nl_msg *msg, int attr, uint64_t count)
{
	uint64_t hist[VMEXIT_STAT_LAT_BUCKETS] = {};
	struct nlattr *nest = nla_nest_start(msg, attr);

	hist[9] = 2;
	hist[11] = count - 2;
	CHECK(nest);
	CHECK(!nla_put(msg, VMEXIT_STAT_A_LAT_PAD, 0, NULL));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_LAT_COUNT, count));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_LAT_SUM_NS, 4000));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_LAT_MIN_NS, 600));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_LAT_MAX_NS, 2100));
	CHECK(!nla_put(msg, VMEXIT_STAT_A_LAT_HIST, sizeof(hist), hist));
	nla_nest_end(msg, nest);
}

static struct nl_msg *genl_msg(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	CHECK(msg);
	CHECK(genlmsg_put(msg, 0, 1, FAKE_FAMILY_ID, 0, NLM_F_MULTI, cmd,
			  VMEXIT_STAT_FAMILY_VERSION));
	return msg;
}

static struct nl_msg *exit_msg(unsigned int attrs)
{
	struct nl_msg *msg = genl_msg(VMEXIT_STAT_CMD_GET_EXITS);

	/* The kernel pads u64s with a PAD attribute; it must be ignored. */
	CHECK(!nla_put(msg, VMEXIT_STAT_A_EXIT_PAD, 0, NULL));
	if (attrs & WITH_PID)
		CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_EXIT_VM_PID, 4242));
	if (attrs & WITH_VM_ID)
		CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_EXIT_VM_ID,
				   0x8000000000000001ULL));
	if (attrs & WITH_VCPU)
		CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_EXIT_VCPU_ID, 3));
	if (attrs & WITH_TID)
		CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_EXIT_VCPU_TID, 4250));
	if (attrs & WITH_ISA)
		CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_EXIT_ISA,
				   VMEXIT_STAT_ISA_VMX));
	if (attrs & WITH_CODE)
		CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_EXIT_CODE, 33));
	if (attrs & WITH_FLAGS)
		CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_EXIT_FLAGS,
				   VMEXIT_STAT_EXIT_FLAG_VMX_FAILED_ENTRY));
	if (attrs & WITH_COUNT)
		CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_EXIT_COUNT,
				   5000000000ULL));
	if (attrs & WITH_LATENCY)
		put_latency(msg, VMEXIT_STAT_A_EXIT_LATENCY, 3);
	if (attrs & WITH_USER) {
		CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_EXIT_USER_COUNT, 17));
		CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_EXIT_USER_NS, 99000));
	}
	return msg;
}

static void record_all_attributes(void)
{
	struct nl_msg *msg = exit_msg(WITH_ALL);
	struct vmexit_record rec;

	CHECK(!vmexit_parse_record(msg, &rec));
	CHECK_U64(rec.vm_pid, 4242);
	CHECK_U64(rec.vm_id, 0x8000000000000001ULL);
	CHECK_U64(rec.vcpu_id, 3);
	CHECK_U64(rec.vcpu_tid, 4250);
	CHECK_U64(rec.isa, VMEXIT_STAT_ISA_VMX);
	CHECK_U64(rec.code, 33);
	CHECK_U64(rec.flags, VMEXIT_STAT_EXIT_FLAG_VMX_FAILED_ENTRY);
	CHECK_U64(rec.count, 5000000000ULL);
	CHECK(!rec.per_vm);
	CHECK(rec.has_latency);
	CHECK_U64(rec.user_count, 17);
	CHECK_U64(rec.user_ns, 99000);
	CHECK_U64(rec.latency.count, 3);
	CHECK_U64(rec.latency.sum_ns, 4000);
	CHECK_U64(rec.latency.min_ns, 600);
	CHECK_U64(rec.latency.max_ns, 2100);
	CHECK_U64(rec.latency.hist[9], 2);
	CHECK_U64(rec.latency.hist[11], 1);
	CHECK_U64(rec.latency.hist[10], 0);
	nlmsg_free(msg);
}

static void record_optional_attributes(void)
{
	struct nl_msg *msg =
		exit_msg(WITH_ALL & ~(WITH_VM_ID | WITH_TID | WITH_FLAGS |
				      WITH_LATENCY | WITH_USER));
	struct vmexit_record rec;

	CHECK(!vmexit_parse_record(msg, &rec));
	CHECK_U64(rec.vm_id, 0);
	CHECK_U64(rec.vcpu_tid, 0);
	CHECK_U64(rec.flags, 0);
	CHECK_U64(rec.count, 5000000000ULL);
	CHECK_U64(rec.user_count, 0);
	CHECK_U64(rec.latency.count, 0);
	nlmsg_free(msg);
}

/* With BY_VM the kernel sums the vCPUs and leaves out VCPU_ID and TID. */
static void record_per_vm(void)
{
	struct nl_msg *msg = exit_msg(WITH_ALL & ~(WITH_VCPU | WITH_TID));
	struct vmexit_record rec;

	CHECK(vmexit_parse_record(msg, &rec) == -EBADMSG);
	CHECK(!nla_put_flag(msg, VMEXIT_STAT_A_EXIT_BY_VM));
	CHECK(!vmexit_parse_record(msg, &rec));
	CHECK(rec.per_vm);
	CHECK_U64(rec.vm_pid, 4242);
	CHECK_U64(rec.count, 5000000000ULL);
	nlmsg_free(msg);
}

/* A latency nest that is not what the header says spoils the record. */
static void record_bad_latency(void)
{
	uint64_t short_hist[VMEXIT_STAT_LAT_BUCKETS - 1] = {};
	uint64_t long_hist[VMEXIT_STAT_LAT_BUCKETS + 1] = {};
	struct vmexit_record rec;
	struct nlattr *nest;
	struct nl_msg *msg;

	/* wrong histogram sizes */
	msg = exit_msg(WITH_ALL & ~WITH_LATENCY);
	nest = nla_nest_start(msg, VMEXIT_STAT_A_EXIT_LATENCY);
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_LAT_COUNT, 1));
	CHECK(!nla_put(msg, VMEXIT_STAT_A_LAT_HIST, sizeof(short_hist),
		       short_hist));
	nla_nest_end(msg, nest);
	CHECK(vmexit_parse_record(msg, &rec) == -EBADMSG);
	nlmsg_free(msg);

	msg = exit_msg(WITH_ALL & ~WITH_LATENCY);
	nest = nla_nest_start(msg, VMEXIT_STAT_A_EXIT_LATENCY);
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_LAT_COUNT, 1));
	CHECK(!nla_put(msg, VMEXIT_STAT_A_LAT_HIST, sizeof(long_hist),
		       long_hist));
	nla_nest_end(msg, nest);
	CHECK(vmexit_parse_record(msg, &rec) == -EBADMSG);
	nlmsg_free(msg);

	/* no count */
	msg = exit_msg(WITH_ALL & ~WITH_LATENCY);
	nest = nla_nest_start(msg, VMEXIT_STAT_A_EXIT_LATENCY);
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_LAT_SUM_NS, 1));
	nla_nest_end(msg, nest);
	CHECK(vmexit_parse_record(msg, &rec) == -EBADMSG);
	nlmsg_free(msg);

	/* min above max */
	msg = exit_msg(WITH_ALL & ~WITH_LATENCY);
	nest = nla_nest_start(msg, VMEXIT_STAT_A_EXIT_LATENCY);
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_LAT_COUNT, 2));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_LAT_MIN_NS, 9));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_LAT_MAX_NS, 8));
	nla_nest_end(msg, nest);
	CHECK(vmexit_parse_record(msg, &rec) == -EBADMSG);
	nlmsg_free(msg);

	/* a u32 where the nest belongs */
	msg = exit_msg(WITH_ALL & ~WITH_LATENCY);
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_EXIT_LATENCY, 1));
	CHECK(vmexit_parse_record(msg, &rec) == -EBADMSG);
	nlmsg_free(msg);
}

/* The kernel keeps U64_MAX as the min of nothing; that is no sample. */
static void record_latency_without_samples(void)
{
	struct nl_msg *msg = exit_msg(WITH_ALL & ~WITH_LATENCY);
	struct vmexit_record rec;
	struct nlattr *nest;

	nest = nla_nest_start(msg, VMEXIT_STAT_A_EXIT_LATENCY);
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_LAT_COUNT, 0));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_LAT_MIN_NS, UINT64_MAX));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_LAT_MAX_NS, 0));
	nla_nest_end(msg, nest);
	CHECK(!vmexit_parse_record(msg, &rec));
	CHECK_U64(rec.latency.count, 0);
	CHECK_U64(rec.latency.min_ns, 0);
	nlmsg_free(msg);
}

static void record_required_attributes(void)
{
	static const unsigned int required[] = {
		WITH_PID, WITH_VCPU, WITH_ISA, WITH_CODE, WITH_COUNT,
	};
	struct vmexit_record rec;
	size_t i;

	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		struct nl_msg *msg = exit_msg(WITH_ALL & ~required[i]);

		CHECK(vmexit_parse_record(msg, &rec) == -EBADMSG);
		nlmsg_free(msg);
	}
}

static void record_bad_length_and_future_attributes(void)
{
	struct vmexit_record rec;
	struct nl_msg *msg;
	uint16_t short_value = 1;

	msg = exit_msg(WITH_ALL & ~WITH_CODE);
	CHECK(!nla_put(msg, VMEXIT_STAT_A_EXIT_CODE, sizeof(short_value),
		       &short_value));
	CHECK(vmexit_parse_record(msg, &rec) == -EBADMSG);
	nlmsg_free(msg);

	/* A newer module may add attributes; they are skipped. */
	msg = exit_msg(WITH_ALL);
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_EXIT_MAX + 1, 7));
	CHECK(!vmexit_parse_record(msg, &rec));
	CHECK_U64(rec.code, 33);
	nlmsg_free(msg);
}

static void info_attributes(void)
{
	struct nl_msg *msg = genl_msg(VMEXIT_STAT_CMD_GET_INFO);
	struct vmexit_info info;

	CHECK(!nla_put_string(msg, VMEXIT_STAT_A_INFO_VERSION, "0.1.0"));
	CHECK(!nla_put_string(msg, VMEXIT_STAT_A_INFO_KERNEL,
			      "6.1.0-28-amd64"));
	CHECK(!nla_put(msg, VMEXIT_STAT_A_INFO_PAD, 0, NULL));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_EXITS_SEEN, 123456));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_EXITS_DROPPED, 7));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_INFO_VCPU_SLOTS, 4096));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_INFO_EXIT_PROTO, 2));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_INFO_ISAS,
			   1 << VMEXIT_STAT_ISA_SVM));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_ENTRIES_SEEN, 123400));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_USER_EXITS_SEEN, 5000));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_DROPPED_NO_VCPU_SLOT, 4));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_DROPPED_NO_REASON_SLOT, 2));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_DROPPED_UNREADABLE, 1));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_DETAILS_DROPPED, 11));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_EVENTS_DROPPED, 12));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_MEMORY_BYTES, 1 << 24));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_MEMORY_USED_BYTES, 65536));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_INFO_VCPU_SLOTS_USED, 3));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_INFO_VMS, 2));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_INFO_LAT_BUCKETS,
			   VMEXIT_STAT_LAT_BUCKETS));

	CHECK(!vmexit_parse_info(msg, &info));
	CHECK_STR(info.version, "0.1.0");
	CHECK_STR(info.kernel, "6.1.0-28-amd64");
	CHECK_U64(info.exits_seen, 123456);
	CHECK_U64(info.exits_dropped, 7);
	CHECK_U64(info.vcpu_slots, 4096);
	CHECK_U64(info.exit_proto, 2);
	CHECK_U64(info.isas, 1 << VMEXIT_STAT_ISA_SVM);
	CHECK_U64(info.entries_seen, 123400);
	CHECK_U64(info.user_exits_seen, 5000);
	CHECK_U64(info.dropped_no_vcpu_slot, 4);
	CHECK_U64(info.dropped_no_reason_slot, 2);
	CHECK_U64(info.dropped_unreadable, 1);
	CHECK_U64(info.details_dropped, 11);
	CHECK_U64(info.events_dropped, 12);
	CHECK_U64(info.memory_bytes, 1 << 24);
	CHECK_U64(info.memory_used_bytes, 65536);
	CHECK_U64(info.vcpu_slots_used, 3);
	CHECK_U64(info.vms, 2);
	CHECK_U64(info.lat_buckets, VMEXIT_STAT_LAT_BUCKETS);
	CHECK_U64(info.slots_per_cpu, 0);
	nlmsg_free(msg);
}

static void info_required_and_strings(void)
{
	char long_version[200];
	struct vmexit_info info;
	struct nl_msg *msg;

	msg = genl_msg(VMEXIT_STAT_CMD_GET_INFO);
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_EXITS_SEEN, 1));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_EXITS_DROPPED, 0));
	CHECK(vmexit_parse_info(msg, &info) == -EBADMSG);
	nlmsg_free(msg);

	/* A string without its NUL is refused by the policy. */
	msg = genl_msg(VMEXIT_STAT_CMD_GET_INFO);
	CHECK(!nla_put(msg, VMEXIT_STAT_A_INFO_VERSION, 3, "abc"));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_EXITS_SEEN, 1));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_EXITS_DROPPED, 0));
	CHECK(vmexit_parse_info(msg, &info) == -EBADMSG);
	nlmsg_free(msg);

	/* One too long for our buffer is cut, never overflows. */
	memset(long_version, 'v', sizeof(long_version) - 1);
	long_version[sizeof(long_version) - 1] = '\0';
	msg = genl_msg(VMEXIT_STAT_CMD_GET_INFO);
	CHECK(!nla_put_string(msg, VMEXIT_STAT_A_INFO_VERSION, long_version));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_EXITS_SEEN, 1));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_EXITS_DROPPED, 0));
	CHECK(!vmexit_parse_info(msg, &info));
	CHECK_U64(strlen(info.version), sizeof(info.version) - 1);
	CHECK_STR(info.kernel, "");
	nlmsg_free(msg);
}

/* An NLMSG_ERROR as netlink_ack() writes it, request echoed or capped. */
static struct nl_msg *error_msg(bool capped, bool with_tlvs)
{
	static const char request_payload[8] = "\x02\x01\0\0abc";
	int flags = (capped ? NLM_F_CAPPED : 0) |
		    (with_tlvs ? NLM_F_ACK_TLVS : 0);
	struct nl_msg *msg = nlmsg_alloc_simple(NLMSG_ERROR, flags);
	struct nlmsgerr err = {
		.error = -EPERM,
		.msg = {
			.nlmsg_len = NLMSG_HDRLEN + sizeof(request_payload),
			.nlmsg_type = FAKE_FAMILY_ID,
		},
	};

	CHECK(!nlmsg_append(msg, &err, sizeof(err), NLMSG_ALIGNTO));
	if (!capped)
		CHECK(!nlmsg_append(msg, (void *)request_payload,
				    sizeof(request_payload), NLMSG_ALIGNTO));
	if (with_tlvs) {
		CHECK(!nla_put_string(msg, NLMSGERR_ATTR_MSG,
				      "reading VM-exit statistics needs "
				      "CAP_PERFMON or CAP_SYS_ADMIN"));
		CHECK(!nla_put_u32(msg, NLMSGERR_ATTR_OFFS, 20));
	}
	return msg;
}

static void extack_from_error(void)
{
	static const char want[] = "reading VM-exit statistics needs "
				   "CAP_PERFMON or CAP_SYS_ADMIN";
	char buf[256] = "junk";
	struct nl_msg *msg;

	msg = error_msg(true, true);
	vmexit_parse_extack(nlmsg_hdr(msg), buf, sizeof(buf));
	CHECK_STR(buf, want);
	nlmsg_free(msg);

	msg = error_msg(false, true);
	vmexit_parse_extack(nlmsg_hdr(msg), buf, sizeof(buf));
	CHECK_STR(buf, want);
	nlmsg_free(msg);

	msg = error_msg(false, false);
	vmexit_parse_extack(nlmsg_hdr(msg), buf, sizeof(buf));
	CHECK_STR(buf, "");
	nlmsg_free(msg);

	msg = error_msg(true, true);
	vmexit_parse_extack(nlmsg_hdr(msg), buf, 8);
	CHECK_STR(buf, "reading");
	nlmsg_free(msg);
}

static void extack_from_done(void)
{
	struct nl_msg *msg =
		nlmsg_alloc_simple(NLMSG_DONE, NLM_F_MULTI | NLM_F_ACK_TLVS);
	int done_errno = -ENOMEM;
	char buf[128];

	CHECK(!nlmsg_append(msg, &done_errno, sizeof(done_errno),
			    NLMSG_ALIGNTO));
	CHECK(!nla_put_string(msg, NLMSGERR_ATTR_MSG,
			      "no memory for a snapshot of the counters"));
	vmexit_parse_extack(nlmsg_hdr(msg), buf, sizeof(buf));
	CHECK_STR(buf, "no memory for a snapshot of the counters");
	nlmsg_free(msg);
}

static struct nl_msg *user_exit_msg(bool with_round_trip)
{
	struct nl_msg *msg = genl_msg(VMEXIT_STAT_CMD_GET_USER_EXITS);

	CHECK(!nla_put(msg, VMEXIT_STAT_A_UEXIT_PAD, 0, NULL));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_UEXIT_VM_PID, 4242));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_UEXIT_VM_ID, 77));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_UEXIT_VCPU_ID, 1));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_UEXIT_VCPU_TID, 4244));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_UEXIT_REASON, 2)); /* io */
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_UEXIT_COUNT, 500));
	if (with_round_trip)
		put_latency(msg, VMEXIT_STAT_A_UEXIT_ROUND_TRIP, 499);
	return msg;
}

static void user_exit_record(void)
{
	struct vmexit_user_record rec;
	struct nl_msg *msg = user_exit_msg(true);

	CHECK(!vmexit_parse_user_record(msg, &rec));
	CHECK_U64(rec.vm_pid, 4242);
	CHECK_U64(rec.vm_id, 77);
	CHECK_U64(rec.vcpu_id, 1);
	CHECK_U64(rec.vcpu_tid, 4244);
	CHECK_U64(rec.reason, 2);
	CHECK_U64(rec.count, 500);
	CHECK(!rec.per_vm);
	CHECK_U64(rec.round_trip.count, 499);
	CHECK_U64(rec.round_trip.hist[11], 497);
	nlmsg_free(msg);

	msg = user_exit_msg(false);
	CHECK(!vmexit_parse_user_record(msg, &rec));
	CHECK_U64(rec.round_trip.count, 0);
	nlmsg_free(msg);
}

static void user_exit_bad(void)
{
	struct vmexit_user_record rec;
	struct nl_msg *msg;

	/* no reason */
	msg = genl_msg(VMEXIT_STAT_CMD_GET_USER_EXITS);
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_UEXIT_VM_PID, 1));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_UEXIT_VCPU_ID, 0));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_UEXIT_COUNT, 1));
	CHECK(vmexit_parse_user_record(msg, &rec) == -EBADMSG);
	/* now complete; then a vCPU-less one is only good per VM */
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_UEXIT_REASON, 5));
	CHECK(!vmexit_parse_user_record(msg, &rec));
	nlmsg_free(msg);

	msg = genl_msg(VMEXIT_STAT_CMD_GET_USER_EXITS);
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_UEXIT_VM_PID, 1));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_UEXIT_REASON, 5));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_UEXIT_COUNT, 1));
	CHECK(vmexit_parse_user_record(msg, &rec) == -EBADMSG);
	CHECK(!nla_put_flag(msg, VMEXIT_STAT_A_UEXIT_BY_VM));
	CHECK(!vmexit_parse_user_record(msg, &rec));
	CHECK(rec.per_vm);
	nlmsg_free(msg);

	/* a count of the wrong size */
	msg = user_exit_msg(false);
	CHECK(!nla_put(msg, VMEXIT_STAT_A_UEXIT_COUNT, 2, "ab"));
	CHECK(vmexit_parse_user_record(msg, &rec) == -EBADMSG);
	nlmsg_free(msg);
}

static void detail_record(void)
{
	struct nl_msg *msg = genl_msg(VMEXIT_STAT_CMD_GET_DETAILS);
	struct vmexit_detail detail;

	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_DETAIL_VM_PID, 9));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_DETAIL_VM_ID, 10));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_DETAIL_KIND,
			   VMEXIT_STAT_DETAIL_CPUID));
	CHECK(vmexit_parse_detail(msg, &detail) == -EBADMSG); /* no key */
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_DETAIL_KEY, 0x100000000ULL));
	CHECK(vmexit_parse_detail(msg, &detail) == -EBADMSG); /* no count */
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_DETAIL_COUNT, 1000));
	CHECK(!vmexit_parse_detail(msg, &detail));
	CHECK_U64(detail.vm_pid, 9);
	CHECK_U64(detail.vm_id, 10);
	CHECK_U64(detail.kind, VMEXIT_STAT_DETAIL_CPUID);
	CHECK_U64(detail.key, 0x100000000ULL);
	CHECK_U64(detail.count, 1000);
	nlmsg_free(msg);
}

static void vm_record(void)
{
	struct nl_msg *msg = genl_msg(VMEXIT_STAT_CMD_GET_VMS);
	char long_comm[40];
	struct vmexit_vm vm;

	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_VM_PID, 9));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_VM_ID, 10));
	CHECK(vmexit_parse_vm(msg, &vm) == -EBADMSG); /* no state */
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_VM_STATE, VMEXIT_STAT_VM_ENDED));
	CHECK(!nla_put_string(msg, VMEXIT_STAT_A_VM_COMM, "qemu-system-x86"));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_VM_VCPUS_LIVE, 0));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_VM_VCPUS_SEEN, 4));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_VM_START_NS, 1000));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_VM_END_NS, 5000));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_VM_EXITS, 300));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_VM_USER_EXITS, 30));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_VM_EXIT_NS, 600000));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_VM_DROPPED, 3));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_VM_DETAILS_DROPPED, 4));
	CHECK(!vmexit_parse_vm(msg, &vm));
	CHECK_U64(vm.pid, 9);
	CHECK_U64(vm.vm_id, 10);
	CHECK_U64(vm.state, VMEXIT_STAT_VM_ENDED);
	CHECK_STR(vm.comm, "qemu-system-x86");
	CHECK_U64(vm.vcpus_live, 0);
	CHECK_U64(vm.vcpus_seen, 4);
	CHECK_U64(vm.start_ns, 1000);
	CHECK_U64(vm.end_ns, 5000);
	CHECK_U64(vm.exits, 300);
	CHECK_U64(vm.user_exits, 30);
	CHECK_U64(vm.exit_ns, 600000);
	CHECK_U64(vm.dropped, 3);
	CHECK_U64(vm.details_dropped, 4);
	nlmsg_free(msg);

	/* A comm longer than ours is cut, never overflows. */
	memset(long_comm, 'c', sizeof(long_comm) - 1);
	long_comm[sizeof(long_comm) - 1] = '\0';
	msg = genl_msg(VMEXIT_STAT_CMD_GET_VMS);
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_VM_PID, 9));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_VM_ID, 10));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_VM_STATE, 1));
	CHECK(!nla_put_string(msg, VMEXIT_STAT_A_VM_COMM, long_comm));
	CHECK(!vmexit_parse_vm(msg, &vm));
	CHECK_U64(strlen(vm.comm), sizeof(vm.comm) - 1);
	nlmsg_free(msg);
}

static void config_reply(void)
{
	struct nl_msg *msg = genl_msg(VMEXIT_STAT_CMD_GET_CONFIG);
	struct vmexit_config config;

	CHECK(!nla_put_u8(msg, VMEXIT_STAT_A_CONFIG_LATENCY, 1));
	CHECK(!nla_put_u8(msg, VMEXIT_STAT_A_CONFIG_DETAILS, 0));
	CHECK(vmexit_parse_config(msg, &config) == -EBADMSG); /* no ttl */
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_CONFIG_ENDED_VM_TTL_S, 600));
	CHECK(!vmexit_parse_config(msg, &config));
	CHECK(config.latency);
	CHECK(!config.details);
	CHECK_U64(config.ended_vm_ttl_s, 600);
	CHECK(!config.unprivileged_read);
	CHECK(!nla_put_u8(msg, VMEXIT_STAT_A_CONFIG_UNPRIVILEGED_READ, 1));
	CHECK(!vmexit_parse_config(msg, &config));
	CHECK(config.unprivileged_read);
	nlmsg_free(msg);
}

static struct nl_msg *event_msg(uint8_t cmd, bool with_vcpu)
{
	struct nl_msg *msg = nlmsg_alloc();

	CHECK(genlmsg_put(msg, 0, 0, FAKE_FAMILY_ID, 0, 0, cmd,
			  VMEXIT_STAT_FAMILY_VERSION));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_VM_PID, 300));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_VM_ID, 0xabcdef));
	if (with_vcpu) {
		CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_VM_VCPU_ID, 2));
		CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_VM_VCPU_TID, 303));
	}
	return msg;
}

static void events(void)
{
	struct vmexit_event event;
	struct nl_msg *msg;

	msg = event_msg(VMEXIT_STAT_CMD_VM_START, false);
	CHECK(!vmexit_parse_event(nlmsg_hdr(msg), &event));
	CHECK_U64(event.cmd, VMEXIT_STAT_CMD_VM_START);
	CHECK_U64(event.pid, 300);
	CHECK_U64(event.vm_id, 0xabcdef);
	CHECK(!event.has_vcpu);
	nlmsg_free(msg);

	msg = event_msg(VMEXIT_STAT_CMD_VCPU_STOP, true);
	CHECK(!vmexit_parse_event(nlmsg_hdr(msg), &event));
	CHECK_U64(event.cmd, VMEXIT_STAT_CMD_VCPU_STOP);
	CHECK(event.has_vcpu);
	CHECK_U64(event.vcpu_id, 2);
	CHECK_U64(event.tid, 303);
	nlmsg_free(msg);

	/* A vCPU notification must say which vCPU. */
	msg = event_msg(VMEXIT_STAT_CMD_VCPU_START, false);
	CHECK(vmexit_parse_event(nlmsg_hdr(msg), &event) == -EBADMSG);
	nlmsg_free(msg);

	/* Replies to requests are no notifications. */
	msg = event_msg(VMEXIT_STAT_CMD_GET_VMS, false);
	CHECK(vmexit_parse_event(nlmsg_hdr(msg), &event) == -EBADMSG);
	nlmsg_free(msg);
	msg = event_msg(VMEXIT_STAT_CMD_MAX + 1, false);
	CHECK(vmexit_parse_event(nlmsg_hdr(msg), &event) == -EBADMSG);
	nlmsg_free(msg);

	/* A message too short for a genl header. */
	msg = nlmsg_alloc_simple(FAKE_FAMILY_ID, 0);
	CHECK(vmexit_parse_event(nlmsg_hdr(msg), &event) == -EBADMSG);
	nlmsg_free(msg);
}

/* The attributes of a request, parsed back with the given policy size. */
static struct nlattr **request_attrs(struct nl_msg *msg, int max,
				     struct nlattr **tb, uint8_t cmd, int flags)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *genl = nlmsg_data(nlh);

	CHECK_U64(nlh->nlmsg_type, FAKE_FAMILY_ID);
	CHECK_U64(nlh->nlmsg_flags & flags, flags);
	CHECK_U64(genl->cmd, cmd);
	CHECK_U64(genl->version, VMEXIT_STAT_FAMILY_VERSION);
	CHECK(!genlmsg_parse(nlh, 0, tb, max, NULL));
	return tb;
}

static void dump_requests(void)
{
	struct vmexit_filter filter = {
		.by_pid = true,
		.pid = 4242,
		.by_vm_id = true,
		.vm_id = 0x8000000000000001ULL,
		.by_vcpu = true,
		.vcpu_id = 3,
		.by_vm = true,
		.limit = 5,
	};
	struct nlattr *tb[32];
	struct nl_msg *msg;

	msg = vmexit_dump_request(FAKE_FAMILY_ID, VMEXIT_STAT_CMD_GET_EXITS,
				  &filter);
	request_attrs(msg, VMEXIT_STAT_A_EXIT_MAX, tb,
		      VMEXIT_STAT_CMD_GET_EXITS, NLM_F_DUMP);
	CHECK(tb[VMEXIT_STAT_A_EXIT_VM_PID] &&
	      nla_get_u32(tb[VMEXIT_STAT_A_EXIT_VM_PID]) == 4242);
	CHECK(tb[VMEXIT_STAT_A_EXIT_VM_ID] &&
	      nla_get_u64(tb[VMEXIT_STAT_A_EXIT_VM_ID]) == filter.vm_id);
	CHECK(tb[VMEXIT_STAT_A_EXIT_VCPU_ID] &&
	      nla_get_u32(tb[VMEXIT_STAT_A_EXIT_VCPU_ID]) == 3);
	CHECK(tb[VMEXIT_STAT_A_EXIT_BY_VM] &&
	      nla_len(tb[VMEXIT_STAT_A_EXIT_BY_VM]) == 0);
	nlmsg_free(msg);

	msg = vmexit_dump_request(FAKE_FAMILY_ID,
				  VMEXIT_STAT_CMD_GET_USER_EXITS, &filter);
	request_attrs(msg, VMEXIT_STAT_A_UEXIT_MAX, tb,
		      VMEXIT_STAT_CMD_GET_USER_EXITS, NLM_F_DUMP);
	CHECK(tb[VMEXIT_STAT_A_UEXIT_VM_PID] &&
	      nla_get_u32(tb[VMEXIT_STAT_A_UEXIT_VM_PID]) == 4242);
	CHECK(tb[VMEXIT_STAT_A_UEXIT_VM_ID]);
	CHECK(tb[VMEXIT_STAT_A_UEXIT_VCPU_ID]);
	CHECK(tb[VMEXIT_STAT_A_UEXIT_BY_VM]);
	nlmsg_free(msg);

	/* Details know no vCPU and no BY_VM; the strict policy would say so */
	msg = vmexit_dump_request(FAKE_FAMILY_ID, VMEXIT_STAT_CMD_GET_DETAILS,
				  &filter);
	request_attrs(msg, 31, tb, VMEXIT_STAT_CMD_GET_DETAILS, NLM_F_DUMP);
	CHECK(tb[VMEXIT_STAT_A_DETAIL_VM_PID] &&
	      nla_get_u32(tb[VMEXIT_STAT_A_DETAIL_VM_PID]) == 4242);
	CHECK(tb[VMEXIT_STAT_A_DETAIL_VM_ID]);
	CHECK(tb[VMEXIT_STAT_A_DETAIL_LIMIT] &&
	      nla_get_u32(tb[VMEXIT_STAT_A_DETAIL_LIMIT]) == 5);
	CHECK(!tb[VMEXIT_STAT_A_DETAIL_KIND] && !tb[VMEXIT_STAT_A_DETAIL_KEY] &&
	      !tb[VMEXIT_STAT_A_DETAIL_COUNT]);
	CHECK_U64(nlmsg_attrlen(nlmsg_hdr(msg), GENL_HDRLEN),
		  nla_total_size(4) + nla_total_size(8) + nla_total_size(4));
	nlmsg_free(msg);

	/* No filter: no attributes at all. */
	msg = vmexit_dump_request(FAKE_FAMILY_ID, VMEXIT_STAT_CMD_GET_EXITS,
				  &(struct vmexit_filter){});
	CHECK_U64(nlmsg_attrlen(nlmsg_hdr(msg), GENL_HDRLEN), 0);
	nlmsg_free(msg);
	msg = vmexit_dump_request(FAKE_FAMILY_ID, VMEXIT_STAT_CMD_GET_VMS,
				  NULL);
	request_attrs(msg, 31, tb, VMEXIT_STAT_CMD_GET_VMS, NLM_F_DUMP);
	CHECK_U64(nlmsg_attrlen(nlmsg_hdr(msg), GENL_HDRLEN), 0);
	nlmsg_free(msg);

	/* VMs: pid and id only */
	msg = vmexit_dump_request(FAKE_FAMILY_ID, VMEXIT_STAT_CMD_GET_VMS,
				  &filter);
	request_attrs(msg, 31, tb, VMEXIT_STAT_CMD_GET_VMS, NLM_F_DUMP);
	CHECK(tb[VMEXIT_STAT_A_VM_PID] &&
	      nla_get_u32(tb[VMEXIT_STAT_A_VM_PID]) == 4242);
	CHECK(tb[VMEXIT_STAT_A_VM_ID] &&
	      nla_get_u64(tb[VMEXIT_STAT_A_VM_ID]) == filter.vm_id);
	CHECK_U64(nlmsg_attrlen(nlmsg_hdr(msg), GENL_HDRLEN),
		  nla_total_size(4) + nla_total_size(8));
	nlmsg_free(msg);
}

static void set_config_requests(void)
{
	struct vmexit_config_change change = {
		.set_details = true,
		.details = false,
		.set_ended_vm_ttl = true,
		.ended_vm_ttl_s = 30,
	};
	struct nlattr *tb[VMEXIT_STAT_A_CONFIG_MAX + 1];
	struct nl_msg *msg;

	msg = vmexit_set_config_request(FAKE_FAMILY_ID, &change);
	request_attrs(msg, VMEXIT_STAT_A_CONFIG_MAX, tb,
		      VMEXIT_STAT_CMD_SET_CONFIG, NLM_F_ACK);
	CHECK(!tb[VMEXIT_STAT_A_CONFIG_LATENCY]); /* not asked to change */
	CHECK(tb[VMEXIT_STAT_A_CONFIG_DETAILS] &&
	      nla_len(tb[VMEXIT_STAT_A_CONFIG_DETAILS]) == 1 &&
	      nla_get_u8(tb[VMEXIT_STAT_A_CONFIG_DETAILS]) == 0);
	CHECK(tb[VMEXIT_STAT_A_CONFIG_ENDED_VM_TTL_S] &&
	      nla_get_u32(tb[VMEXIT_STAT_A_CONFIG_ENDED_VM_TTL_S]) == 30);
	CHECK(!tb[VMEXIT_STAT_A_CONFIG_UNPRIVILEGED_READ]);
	nlmsg_free(msg);

	change = (struct vmexit_config_change){ .set_latency = true,
						.latency = true };
	msg = vmexit_set_config_request(FAKE_FAMILY_ID, &change);
	request_attrs(msg, VMEXIT_STAT_A_CONFIG_MAX, tb,
		      VMEXIT_STAT_CMD_SET_CONFIG, NLM_F_ACK);
	CHECK(tb[VMEXIT_STAT_A_CONFIG_LATENCY] &&
	      nla_get_u8(tb[VMEXIT_STAT_A_CONFIG_LATENCY]) == 1);
	CHECK(!tb[VMEXIT_STAT_A_CONFIG_DETAILS]);
	CHECK(!tb[VMEXIT_STAT_A_CONFIG_ENDED_VM_TTL_S]);
	nlmsg_free(msg);
}

static void filter_matching(void)
{
	struct vmexit_record rec = { .vm_pid = 10, .vcpu_id = 2 };
	struct vmexit_filter filter = {};

	CHECK(vmexit_filter_match(NULL, &rec));
	CHECK(vmexit_filter_match(&filter, &rec));
	filter = (struct vmexit_filter){ .by_pid = true, .pid = 10 };
	CHECK(vmexit_filter_match(&filter, &rec));
	filter.pid = 11;
	CHECK(!vmexit_filter_match(&filter, &rec));
	filter = (struct vmexit_filter){ .by_vcpu = true, .vcpu_id = 2 };
	CHECK(vmexit_filter_match(&filter, &rec));
	filter.vcpu_id = 0;
	CHECK(!vmexit_filter_match(&filter, &rec));
	/* A per-VM sum has no vCPU to refuse. */
	rec.per_vm = true;
	CHECK(vmexit_filter_match(&filter, &rec));

	filter = (struct vmexit_filter){ .by_vm_id = true, .vm_id = 5 };
	CHECK(vmexit_filter_match_ids(&filter, 10, 5, true, 0));
	CHECK(!vmexit_filter_match_ids(&filter, 10, 6, true, 0));
	filter.by_pid = true;
	filter.pid = 11;
	CHECK(!vmexit_filter_match_ids(&filter, 10, 5, true, 0));
}

static void records_grow(void)
{
	struct vmexit_records recs = {};
	struct vmexit_record rec = {};
	uint32_t i;

	for (i = 0; i < 1000; i++) {
		rec.code = i;
		CHECK(!vmexit_records_add(&recs, &rec));
	}
	CHECK_U64(recs.nr, 1000);
	CHECK_U64(recs.rec[999].code, 999);
	vmexit_records_free(&recs);
	CHECK(!recs.rec && !recs.nr);
}

const struct unit_test genl_parse_tests[] = {
	{ "genl: exit record, every attribute", record_all_attributes },
	{ "genl: exit record, optional attributes",
	  record_optional_attributes },
	{ "genl: exit record, required attributes",
	  record_required_attributes },
	{ "genl: exit record, bad and future attributes",
	  record_bad_length_and_future_attributes },
	{ "genl: exit record summed per VM", record_per_vm },
	{ "genl: exit record, bad latency nests", record_bad_latency },
	{ "genl: exit record, latency without samples",
	  record_latency_without_samples },
	{ "genl: user exit record", user_exit_record },
	{ "genl: user exit record, bad ones", user_exit_bad },
	{ "genl: detail record", detail_record },
	{ "genl: VM record", vm_record },
	{ "genl: config", config_reply },
	{ "genl: lifecycle notifications", events },
	{ "genl: dump requests carry the filter", dump_requests },
	{ "genl: set-config requests", set_config_requests },
	{ "genl: info", info_attributes },
	{ "genl: info, required attributes, strings",
	  info_required_and_strings },
	{ "genl: extack of an NLMSG_ERROR", extack_from_error },
	{ "genl: extack of an NLMSG_DONE", extack_from_done },
	{ "genl: dump filter", filter_matching },
	{ "genl: record list grows", records_grow },
	{}
};
