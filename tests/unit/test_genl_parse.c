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
	WITH_ALL = 0xff,
};

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
	nlmsg_free(msg);
}

static void record_optional_attributes(void)
{
	struct nl_msg *msg =
		exit_msg(WITH_ALL & ~(WITH_VM_ID | WITH_TID | WITH_FLAGS));
	struct vmexit_record rec;

	CHECK(!vmexit_parse_record(msg, &rec));
	CHECK_U64(rec.vm_id, 0);
	CHECK_U64(rec.vcpu_tid, 0);
	CHECK_U64(rec.flags, 0);
	CHECK_U64(rec.count, 5000000000ULL);
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
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_INFO_SLOTS_PER_CPU, 4096));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_INFO_EXIT_PROTO, 2));

	CHECK(!vmexit_parse_info(msg, &info));
	CHECK_STR(info.version, "0.1.0");
	CHECK_STR(info.kernel, "6.1.0-28-amd64");
	CHECK_U64(info.exits_seen, 123456);
	CHECK_U64(info.exits_dropped, 7);
	CHECK_U64(info.slots_per_cpu, 4096);
	CHECK_U64(info.exit_proto, 2);
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
	{ "genl: info", info_attributes },
	{ "genl: info, required attributes, strings",
	  info_required_and_strings },
	{ "genl: extack of an NLMSG_ERROR", extack_from_error },
	{ "genl: extack of an NLMSG_DONE", extack_from_done },
	{ "genl: dump filter", filter_matching },
	{ "genl: record list grows", records_grow },
	{}
};
