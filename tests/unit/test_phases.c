// SPDX-License-Identifier: GPL-2.0
/*
 * Phases without a kernel: the GET_PHASES parser on messages built as
 * the module builds them, the request's filters, the marker counters
 * of GET_INFO.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <linux/vmexit_stat.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "genl_client.h"
#include "unit.h"

#define FAKE_FAMILY_ID 0x1f

static struct nl_msg *genl_msg(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	CHECK(msg);
	CHECK(genlmsg_put(msg, 0, 1, FAKE_FAMILY_ID, 0, NLM_F_MULTI, cmd,
			  VMEXIT_STAT_FAMILY_VERSION));
	return msg;
}

static void put_phase_exit(struct nl_msg *msg, uint32_t isa, uint32_t code,
			   uint32_t flags, uint64_t count)
{
	struct nlattr *nest = nla_nest_start(msg, VMEXIT_STAT_A_PHASE_EXIT);

	CHECK(nest);
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_PHASE_EXIT_ISA, isa));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_PHASE_EXIT_CODE, code));
	if (flags)
		CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_PHASE_EXIT_FLAGS, flags));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_PHASE_EXIT_COUNT, count));
	nla_nest_end(msg, nest);
}

enum phase_attrs {
	P_PID = 1 << 0,
	P_VCPU = 1 << 1,
	P_ID = 1 << 2,
	P_STARTS = 1 << 3,
	P_ACTIVE = 1 << 4,
	P_EXITS = 1 << 5,
	P_ALL = 0x3f,
};

/* 120 exits: 100 io, 15 npf, 5 hlt, each of 2^12 ns. */
static struct nl_msg *phase_msg(unsigned int attrs)
{
	struct nl_msg *msg = genl_msg(VMEXIT_STAT_CMD_GET_PHASES);
	uint64_t hist[VMEXIT_STAT_LAT_BUCKETS] = { [12] = 120 };
	struct nlattr *lat;

	CHECK(!nla_put(msg, VMEXIT_STAT_A_PHASE_PAD, 0, NULL));
	if (attrs & P_PID)
		CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_PHASE_VM_PID, 4242));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_PHASE_VM_ID, 0xabcULL));
	if (attrs & P_VCPU)
		CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_PHASE_VCPU_ID, 1));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_PHASE_VCPU_TID, 4251));
	if (attrs & P_ID)
		CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_PHASE_ID, 4));
	CHECK(!nla_put_flag(msg, VMEXIT_STAT_A_PHASE_OPEN));
	if (attrs & P_STARTS)
		CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_PHASE_STARTS, 3));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_PHASE_ENDS, 2));
	if (attrs & P_ACTIVE)
		CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_PHASE_ACTIVE_NS,
				   2500000000ULL));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_PHASE_LAST_START_NS,
			   7000000000ULL));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_PHASE_LAST_END_NS,
			   6000000000ULL));
	if (attrs & P_EXITS)
		CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_PHASE_EXITS, 120));
	lat = nla_nest_start(msg, VMEXIT_STAT_A_PHASE_EXIT_LATENCY);
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_LAT_COUNT, 120));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_LAT_SUM_NS, 120 * 4096));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_LAT_MIN_NS, 4096));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_LAT_MAX_NS, 4096));
	CHECK(!nla_put(msg, VMEXIT_STAT_A_LAT_HIST, sizeof(hist), hist));
	nla_nest_end(msg, lat);
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_PHASE_WAIT_NS, 500000000ULL));
	put_phase_exit(msg, VMEXIT_STAT_ISA_SVM, 0x7b, 0, 100);
	put_phase_exit(msg, VMEXIT_STAT_ISA_SVM, 0x400, 0, 15);
	put_phase_exit(msg, VMEXIT_STAT_ISA_SVM, 0x78, 0, 5);
	return msg;
}

static void phase_record(void)
{
	struct nl_msg *msg = phase_msg(P_ALL);
	struct vmexit_phase p;

	CHECK(!vmexit_parse_phase(msg, &p));
	CHECK_U64(p.vm_pid, 4242);
	CHECK_U64(p.vm_id, 0xabc);
	CHECK_U64(p.vcpu_id, 1);
	CHECK_U64(p.vcpu_tid, 4251);
	CHECK_U64(p.phase_id, 4);
	CHECK(p.open);
	CHECK_U64(p.starts, 3);
	CHECK_U64(p.ends, 2);
	CHECK_U64(p.active_ns, 2500000000ULL);
	CHECK_U64(p.last_start_ns, 7000000000ULL);
	CHECK_U64(p.last_end_ns, 6000000000ULL);
	CHECK_U64(p.exits, 120);
	CHECK_U64(p.wait_ns, 500000000ULL);
	CHECK(p.has_latency);
	CHECK_U64(p.latency.count, 120);
	CHECK_U64(p.latency.hist[12], 120);
	CHECK_U64(p.nr_exits, 3);
	CHECK_U64(p.exit[0].isa, VMEXIT_STAT_ISA_SVM);
	CHECK_U64(p.exit[0].code, 0x7b);
	CHECK_U64(p.exit[0].count, 100);
	CHECK_U64(p.exit[1].code, 0x400);
	CHECK_U64(p.exit[1].count, 15);
	CHECK_U64(p.exit[2].code, 0x78);
	CHECK_U64(p.exit[2].flags, 0);
	CHECK_U64(p.exit[2].count, 5);
	nlmsg_free(msg);
}

static void phase_record_minimal(void)
{
	struct nl_msg *msg = genl_msg(VMEXIT_STAT_CMD_GET_PHASES);
	struct vmexit_phase p;

	/* a phase started and nothing else yet: no latency, no exits */
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_PHASE_VM_PID, 7));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_PHASE_VCPU_ID, 0));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_PHASE_ID, 0));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_PHASE_STARTS, 1));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_PHASE_ACTIVE_NS, 10));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_PHASE_EXITS, 0));
	CHECK(!vmexit_parse_phase(msg, &p));
	CHECK(!p.open);
	CHECK(!p.has_latency);
	CHECK_U64(p.latency.count, 0);
	CHECK_U64(p.nr_exits, 0);
	CHECK_U64(p.last_end_ns, 0);
	CHECK_U64(p.vcpu_tid, 0);
	nlmsg_free(msg);
}

static void phase_record_refused(void)
{
	static const unsigned int missing[] = { P_PID,	  P_VCPU,   P_ID,
						P_STARTS, P_ACTIVE, P_EXITS };
	struct vmexit_phase p;
	struct nlattr *nest;
	struct nl_msg *msg;
	uint64_t wide = 7;
	size_t i;

	for (i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		msg = phase_msg(P_ALL & ~missing[i]);
		if (vmexit_parse_phase(msg, &p) != -EBADMSG)
			unit_fail(__FILE__, __LINE__,
				  "accepted without attribute set %#x",
				  missing[i]);
		nlmsg_free(msg);
	}

	/* A u32 sent as 8 bytes is refused, not read in part. */
	msg = phase_msg(P_ALL & ~P_ID);
	CHECK(!nla_put(msg, VMEXIT_STAT_A_PHASE_ID, sizeof(wide), &wide));
	CHECK(vmexit_parse_phase(msg, &p) == -EBADMSG);
	nlmsg_free(msg);

	/* So is a u64 sent as 4 bytes. */
	msg = phase_msg(P_ALL & ~P_EXITS);
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_PHASE_EXITS, 120));
	CHECK(vmexit_parse_phase(msg, &p) == -EBADMSG);
	nlmsg_free(msg);

	/* A phase id no marker can carry. */
	msg = phase_msg(P_ALL & ~P_ID);
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_PHASE_ID,
			   VMEXIT_STAT_PHASE_ID_MAX + 1));
	CHECK(vmexit_parse_phase(msg, &p) == -EBADMSG);
	nlmsg_free(msg);

	/* An exit nest without its count. */
	msg = phase_msg(P_ALL);
	nest = nla_nest_start(msg, VMEXIT_STAT_A_PHASE_EXIT);
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_PHASE_EXIT_ISA, 1));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_PHASE_EXIT_CODE, 10));
	nla_nest_end(msg, nest);
	CHECK(vmexit_parse_phase(msg, &p) == -EBADMSG);
	nlmsg_free(msg);

	/* An exit count of 4 bytes. */
	msg = phase_msg(P_ALL);
	nest = nla_nest_start(msg, VMEXIT_STAT_A_PHASE_EXIT);
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_PHASE_EXIT_ISA, 1));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_PHASE_EXIT_CODE, 10));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_PHASE_EXIT_COUNT, 1));
	nla_nest_end(msg, nest);
	CHECK(vmexit_parse_phase(msg, &p) == -EBADMSG);
	nlmsg_free(msg);

	/* A latency nest without its count spoils the message. */
	msg = phase_msg(P_ALL & ~P_EXITS);
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_PHASE_EXITS, 120));
	nest = nla_nest_start(msg, VMEXIT_STAT_A_PHASE_EXIT_LATENCY);
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_LAT_SUM_NS, 5));
	nla_nest_end(msg, nest);
	CHECK(vmexit_parse_phase(msg, &p) == -EBADMSG);
	nlmsg_free(msg);

	/* A newer module's attributes are skipped. */
	msg = phase_msg(P_ALL);
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_PHASE_MAX + 1, 9));
	CHECK(!vmexit_parse_phase(msg, &p));
	nlmsg_free(msg);
}

static void phase_record_many_exits(void)
{
	struct nl_msg *msg = genl_msg(VMEXIT_STAT_CMD_GET_PHASES);
	struct vmexit_phase p;
	uint64_t kept = 0;
	uint32_t i;

	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_PHASE_VM_PID, 7));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_PHASE_VCPU_ID, 0));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_PHASE_ID, 1));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_PHASE_STARTS, 1));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_PHASE_ACTIVE_NS, 10));
	/* 70 codes of i + 1 exits each, and code 0 once more: 5 */
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_PHASE_EXITS, 70 * 71 / 2 + 5));
	for (i = 0; i < 70; i++)
		put_phase_exit(msg, VMEXIT_STAT_ISA_VMX, i, 0, i + 1);
	put_phase_exit(msg, VMEXIT_STAT_ISA_VMX, 0, 0, 5);
	/* the same code with a flag is another counter */
	put_phase_exit(msg, VMEXIT_STAT_ISA_VMX, 1, 1U << 31, 1);
	CHECK(!vmexit_parse_phase(msg, &p));
	CHECK_U64(p.nr_exits, VMEXIT_PHASE_EXITS_MAX);
	for (i = 0; i < p.nr_exits; i++)
		kept += p.exit[i].count;
	/* the first 64 codes; code 0 summed; the rest left to "other" */
	CHECK_U64(p.exit[0].count, 6);
	CHECK_U64(p.exit[63].code, 63);
	CHECK_U64(kept, 64 * 65 / 2 + 5);
	CHECK_U64(p.exits, 70 * 71 / 2 + 5);
	nlmsg_free(msg);
}

static void phase_requests(void)
{
	struct vmexit_filter filter = {
		.by_pid = true,
		.pid = 4242,
		.by_vm_id = true,
		.vm_id = 0x77,
		.by_vcpu = true,
		.vcpu_id = 2,
		.by_phase = true,
		.phase_id = 4,
		.by_cpu = true,
		.cpu = 5,
		.by_vm = true,
	};
	struct nlattr *tb[32];
	struct nl_msg *msg;

	msg = vmexit_dump_request(FAKE_FAMILY_ID, VMEXIT_STAT_CMD_GET_PHASES,
				  &filter);
	CHECK(msg);
	CHECK(!genlmsg_parse(nlmsg_hdr(msg), 0, tb, 31, NULL));
	CHECK(tb[VMEXIT_STAT_A_PHASE_VM_PID] &&
	      nla_get_u32(tb[VMEXIT_STAT_A_PHASE_VM_PID]) == 4242);
	CHECK(tb[VMEXIT_STAT_A_PHASE_VM_ID] &&
	      nla_get_u64(tb[VMEXIT_STAT_A_PHASE_VM_ID]) == 0x77);
	CHECK(tb[VMEXIT_STAT_A_PHASE_VCPU_ID] &&
	      nla_get_u32(tb[VMEXIT_STAT_A_PHASE_VCPU_ID]) == 2);
	CHECK(tb[VMEXIT_STAT_A_PHASE_ID] &&
	      nla_len(tb[VMEXIT_STAT_A_PHASE_ID]) == 4 &&
	      nla_get_u32(tb[VMEXIT_STAT_A_PHASE_ID]) == 4);
	/* nothing else: a strict kernel refuses what is not its own */
	CHECK_U64(nlmsg_attrlen(nlmsg_hdr(msg), GENL_HDRLEN),
		  nla_total_size(4) + nla_total_size(8) + nla_total_size(4) +
			  nla_total_size(4));
	nlmsg_free(msg);

	msg = vmexit_dump_request(FAKE_FAMILY_ID, VMEXIT_STAT_CMD_GET_PHASES,
				  &(struct vmexit_filter){ .by_phase = true });
	CHECK(!genlmsg_parse(nlmsg_hdr(msg), 0, tb, 31, NULL));
	/* phase 0 is a phase id like any other */
	CHECK(tb[VMEXIT_STAT_A_PHASE_ID] &&
	      nla_get_u32(tb[VMEXIT_STAT_A_PHASE_ID]) == 0);
	nlmsg_free(msg);

	msg = vmexit_dump_request(FAKE_FAMILY_ID, VMEXIT_STAT_CMD_GET_PHASES,
				  &(struct vmexit_filter){});
	CHECK_U64(nlmsg_attrlen(nlmsg_hdr(msg), GENL_HDRLEN), 0);
	nlmsg_free(msg);

	/* the phase filter is GET_PHASES' alone */
	filter.by_vm = false;
	msg = vmexit_dump_request(FAKE_FAMILY_ID, VMEXIT_STAT_CMD_GET_SCHED,
				  &filter);
	CHECK(!genlmsg_parse(nlmsg_hdr(msg), 0, tb, 31, NULL));
	CHECK_U64(nlmsg_attrlen(nlmsg_hdr(msg), GENL_HDRLEN),
		  nla_total_size(4) + nla_total_size(8) + nla_total_size(4));
	nlmsg_free(msg);
}

static void phase_info(void)
{
	struct nl_msg *msg = genl_msg(VMEXIT_STAT_CMD_GET_INFO);
	struct vmexit_info info;

	CHECK(!nla_put_string(msg, VMEXIT_STAT_A_INFO_VERSION, "0.4.0"));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_EXITS_SEEN, 1));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_EXITS_DROPPED, 0));
	CHECK(!vmexit_parse_info(msg, &info));
	CHECK_U64(info.markers_seen, 0);
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_MARKERS_SEEN,
			   123456789012ULL));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_MARKERS_UNMATCHED, 3));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_PHASES_DROPPED, 9));
	CHECK(!vmexit_parse_info(msg, &info));
	CHECK_U64(info.markers_seen, 123456789012ULL);
	CHECK_U64(info.markers_unmatched, 3);
	CHECK_U64(info.phases_dropped, 9);
	nlmsg_free(msg);
}

static void phase_lists(void)
{
	struct vmexit_phases list = {};
	struct vmexit_phase p = {};
	uint32_t i;

	for (i = 0; i < 300; i++) {
		p.phase_id = i;
		CHECK(!vmexit_phases_add(&list, &p));
	}
	CHECK_U64(list.nr, 300);
	CHECK_U64(list.rec[299].phase_id, 299);
	vmexit_phases_free(&list);
	CHECK(!list.rec && !list.nr && !list.alloc);
}

const struct unit_test phases_tests[] = {
	{ "phases: GET_PHASES record", phase_record },
	{ "phases: GET_PHASES record, the least", phase_record_minimal },
	{ "phases: GET_PHASES missing and oversize attributes",
	  phase_record_refused },
	{ "phases: GET_PHASES past 64 codes keeps the first",
	  phase_record_many_exits },
	{ "phases: dump request carries its filters", phase_requests },
	{ "phases: info's marker counters", phase_info },
	{ "phases: lists grow", phase_lists },
	{}
};
