// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat sched without a kernel: the GET_SCHED and GET_CPU_SCHED
 * parsers on messages built as the module builds them, the change over
 * an interval, steal as a percentage, the JSON shape and the text.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <json-c/json.h>
#include <linux/vmexit_stat.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "genl_client.h"
#include "latency.h"
#include "commands.h"
#include "sched_bpf.h"
#include "unit.h"
#include "views.h"

#define FAKE_FAMILY_ID 0x1f

static struct nl_msg *genl_msg(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	CHECK(msg);
	CHECK(genlmsg_put(msg, 0, 1, FAKE_FAMILY_ID, 0, NLM_F_MULTI, cmd,
			  VMEXIT_STAT_FAMILY_VERSION));
	return msg;
}

/* count samples, all in bucket `bucket`, each of 2^bucket ns. */
static void put_latency(struct nl_msg *msg, int attr, uint64_t count,
			int bucket)
{
	uint64_t hist[VMEXIT_STAT_LAT_BUCKETS] = {};
	struct nlattr *nest = nla_nest_start(msg, attr);

	hist[bucket] = count;
	CHECK(nest);
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_LAT_COUNT, count));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_LAT_SUM_NS,
			   count * (1ULL << bucket)));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_LAT_MIN_NS, 1ULL << bucket));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_LAT_MAX_NS, 1ULL << bucket));
	CHECK(!nla_put(msg, VMEXIT_STAT_A_LAT_HIST, sizeof(hist), hist));
	nla_nest_end(msg, nest);
}

enum sched_attrs {
	S_PID = 1 << 0,
	S_VCPU = 1 << 1,
	S_RUN = 1 << 2,
	S_WAIT = 1 << 3,
	S_IDLE = 1 << 4,
	S_ALL = 0x1f,
};

static struct nl_msg *sched_msg(unsigned int attrs)
{
	struct nl_msg *msg = genl_msg(VMEXIT_STAT_CMD_GET_SCHED);

	CHECK(!nla_put(msg, VMEXIT_STAT_A_SCHED_PAD, 0, NULL));
	if (attrs & S_PID)
		CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_SCHED_VM_PID, 4242));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_SCHED_VM_ID, 0xabcULL));
	if (attrs & S_VCPU) {
		CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_SCHED_VCPU_ID, 1));
		CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_SCHED_VCPU_TID, 4250));
	}
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_SCHED_STATE,
			   VMEXIT_STAT_SCHED_RUNNABLE));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_SCHED_CPU, 3));
	if (attrs & S_RUN)
		CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_SCHED_RUN_NS,
				   6000000000ULL));
	if (attrs & S_WAIT)
		CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_SCHED_WAIT_NS,
				   3000000000ULL));
	if (attrs & S_IDLE)
		CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_SCHED_IDLE_NS,
				   1000000000ULL));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_SCHED_TIMESLICES, 900));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_SCHED_PREEMPTIONS, 700));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_SCHED_MIGRATIONS, 5));
	put_latency(msg, VMEXIT_STAT_A_SCHED_WAKEUP_LAT, 200, 20);
	put_latency(msg, VMEXIT_STAT_A_SCHED_PREEMPT_LAT, 700, 22);
	return msg;
}

static void sched_record(void)
{
	struct nl_msg *msg = sched_msg(S_ALL);
	struct vmexit_sched s;

	CHECK(!vmexit_parse_sched(msg, &s));
	CHECK_U64(s.vm_pid, 4242);
	CHECK_U64(s.vm_id, 0xabc);
	CHECK(!s.per_vm);
	CHECK_U64(s.vcpu_id, 1);
	CHECK_U64(s.vcpu_tid, 4250);
	CHECK_U64(s.state, VMEXIT_STAT_SCHED_RUNNABLE);
	CHECK(s.has_cpu);
	CHECK_U64(s.cpu, 3);
	CHECK_U64(s.run_ns, 6000000000ULL);
	CHECK_U64(s.wait_ns, 3000000000ULL);
	CHECK_U64(s.idle_ns, 1000000000ULL);
	CHECK_U64(s.timeslices, 900);
	CHECK_U64(s.preemptions, 700);
	CHECK_U64(s.migrations, 5);
	CHECK_U64(s.wakeup.count, 200);
	CHECK_U64(s.wakeup.hist[20], 200);
	CHECK_U64(s.preempt.count, 700);
	CHECK_U64(s.preempt.hist[22], 700);
	nlmsg_free(msg);
}

static void sched_record_refused(void)
{
	static const unsigned int missing[] = { S_PID, S_RUN, S_WAIT, S_IDLE,
						S_VCPU };
	struct vmexit_sched s;
	struct nl_msg *msg;
	uint64_t wide = 7;
	size_t i;

	for (i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		msg = sched_msg(S_ALL & ~missing[i]);
		if (vmexit_parse_sched(msg, &s) != -EBADMSG)
			unit_fail(__FILE__, __LINE__,
				  "accepted without attribute set %#x",
				  missing[i]);
		nlmsg_free(msg);
	}

	/* A per-VM sum needs no vCPU. */
	msg = sched_msg(S_ALL & ~S_VCPU);
	CHECK(!nla_put_flag(msg, VMEXIT_STAT_A_SCHED_BY_VM));
	CHECK(!vmexit_parse_sched(msg, &s));
	CHECK(s.per_vm);
	CHECK(!s.has_cpu);
	nlmsg_free(msg);

	/* A u32 sent as 8 bytes is refused, not read in part. */
	msg = sched_msg(S_ALL & ~S_PID);
	CHECK(!nla_put(msg, VMEXIT_STAT_A_SCHED_VM_PID, sizeof(wide), &wide));
	CHECK(vmexit_parse_sched(msg, &s) == -EBADMSG);
	nlmsg_free(msg);

	/* So is a u64 sent as 12 bytes. */
	msg = sched_msg(S_ALL & ~S_WAIT);
	CHECK(!nla_put(msg, VMEXIT_STAT_A_SCHED_WAIT_NS, 12,
		       (uint32_t[3]){ 1, 2, 3 }));
	CHECK(vmexit_parse_sched(msg, &s) == -EBADMSG);
	nlmsg_free(msg);

	/* A newer module's attributes are skipped. */
	msg = sched_msg(S_ALL);
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_SCHED_MAX + 1, 9));
	CHECK(!vmexit_parse_sched(msg, &s));
	nlmsg_free(msg);
}

static void put_thief(struct nl_msg *msg, uint32_t tid, const char *comm,
		      uint64_t ns, bool vcpu)
{
	struct nlattr *nest = nla_nest_start(msg, VMEXIT_STAT_A_PCPU_THIEF);

	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_THIEF_TID, tid));
	CHECK(!nla_put_string(msg, VMEXIT_STAT_A_THIEF_COMM, comm));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_THIEF_NS, ns));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_THIEF_OVER_NS, ns / 10));
	if (vcpu) {
		CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_THIEF_VM_PID, 5000));
		CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_THIEF_VCPU_ID, 2));
	}
	nla_nest_end(msg, nest);
}

static struct nl_msg *cpu_msg(void)
{
	struct nl_msg *msg = genl_msg(VMEXIT_STAT_CMD_GET_CPU_SCHED);

	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_PCPU_CPU, 1));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_PCPU_WAIT_NS, 5000000));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_PCPU_VCPU_RUN_NS, 9000000));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_PCPU_UNATTRIBUTED_NS, 1000));
	put_latency(msg, VMEXIT_STAT_A_PCPU_WAKEUP_LAT, 10, 12);
	put_latency(msg, VMEXIT_STAT_A_PCPU_PREEMPT_LAT, 4, 20);
	return msg;
}

static void cpu_record_three_thieves(void)
{
	struct nl_msg *msg = cpu_msg();
	struct vmexit_cpu_sched cpu;

	put_thief(msg, 11, "stress", 1000, false);
	put_thief(msg, 5003, "CPU 2/KVM", 3000, true);
	put_thief(msg, 0, "swapper/1", 2000, false);
	CHECK(!vmexit_parse_cpu_sched(msg, &cpu));
	CHECK_U64(cpu.cpu, 1);
	CHECK_U64(cpu.wait_ns, 5000000);
	CHECK_U64(cpu.vcpu_run_ns, 9000000);
	CHECK_U64(cpu.unattributed_ns, 1000);
	CHECK_U64(cpu.wakeup.count, 10);
	CHECK_U64(cpu.preempt.hist[20], 4);
	CHECK_U64(cpu.nr_thieves, 3);
	/* busiest first, whatever order they came in */
	CHECK_U64(cpu.thieves[0].tid, 5003);
	CHECK_STR(cpu.thieves[0].comm, "CPU 2/KVM");
	CHECK_U64(cpu.thieves[0].ns, 3000);
	CHECK_U64(cpu.thieves[0].over_ns, 300);
	CHECK(cpu.thieves[0].is_vcpu);
	CHECK_U64(cpu.thieves[0].vm_pid, 5000);
	CHECK_U64(cpu.thieves[0].vcpu_id, 2);
	CHECK_U64(cpu.thieves[1].tid, 0);
	CHECK(!cpu.thieves[1].is_vcpu);
	CHECK_U64(cpu.thieves[2].tid, 11);
	CHECK_U64(cpu.thieves[2].ns, 1000);
	nlmsg_free(msg);
}

static void cpu_record_many_thieves(void)
{
	struct nl_msg *msg = cpu_msg();
	struct vmexit_cpu_sched cpu;
	char comm[16];
	uint32_t i;

	/* 12, the busiest in the middle: the 8 busiest are kept. */
	for (i = 0; i < 12; i++) {
		uint64_t ns = 100 + (i * 7 % 12) * 100;

		snprintf(comm, sizeof(comm), "task%u", i);
		put_thief(msg, 100 + i, comm, ns, false);
	}
	CHECK(!vmexit_parse_cpu_sched(msg, &cpu));
	CHECK_U64(cpu.nr_thieves, VMEXIT_STAT_THIEVES);
	for (i = 0; i < VMEXIT_STAT_THIEVES; i++)
		CHECK_U64(cpu.thieves[i].ns, 1200 - 100 * i);
	nlmsg_free(msg);
}

static void cpu_record_refused(void)
{
	struct vmexit_cpu_sched cpu;
	struct nlattr *nest;
	struct nl_msg *msg;

	/* no CPU */
	msg = genl_msg(VMEXIT_STAT_CMD_GET_CPU_SCHED);
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_PCPU_WAIT_NS, 5));
	CHECK(vmexit_parse_cpu_sched(msg, &cpu) == -EBADMSG);
	nlmsg_free(msg);

	/* no wait */
	msg = genl_msg(VMEXIT_STAT_CMD_GET_CPU_SCHED);
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_PCPU_CPU, 0));
	CHECK(vmexit_parse_cpu_sched(msg, &cpu) == -EBADMSG);
	nlmsg_free(msg);

	/* a thief without its time */
	msg = cpu_msg();
	nest = nla_nest_start(msg, VMEXIT_STAT_A_PCPU_THIEF);
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_THIEF_TID, 3));
	nla_nest_end(msg, nest);
	CHECK(vmexit_parse_cpu_sched(msg, &cpu) == -EBADMSG);
	nlmsg_free(msg);

	/* a vCPU thief that does not say which vCPU */
	msg = cpu_msg();
	nest = nla_nest_start(msg, VMEXIT_STAT_A_PCPU_THIEF);
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_THIEF_TID, 3));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_THIEF_NS, 3));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_THIEF_VM_PID, 3));
	nla_nest_end(msg, nest);
	CHECK(vmexit_parse_cpu_sched(msg, &cpu) == -EBADMSG);
	nlmsg_free(msg);

	/* an oversize tid */
	msg = cpu_msg();
	nest = nla_nest_start(msg, VMEXIT_STAT_A_PCPU_THIEF);
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_THIEF_TID, 3));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_THIEF_NS, 3));
	nla_nest_end(msg, nest);
	CHECK(vmexit_parse_cpu_sched(msg, &cpu) == -EBADMSG);
	nlmsg_free(msg);

	/* a comm that is no string */
	msg = cpu_msg();
	nest = nla_nest_start(msg, VMEXIT_STAT_A_PCPU_THIEF);
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_THIEF_TID, 3));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_THIEF_NS, 3));
	CHECK(!nla_put(msg, VMEXIT_STAT_A_THIEF_COMM, 3, "abc"));
	nla_nest_end(msg, nest);
	CHECK(vmexit_parse_cpu_sched(msg, &cpu) == -EBADMSG);
	nlmsg_free(msg);
}

static void sched_requests(void)
{
	struct vmexit_filter filter = {
		.by_pid = true,
		.pid = 4242,
		.by_vm_id = true,
		.vm_id = 0x77,
		.by_vcpu = true,
		.vcpu_id = 2,
		.by_cpu = true,
		.cpu = 5,
	};
	struct nlattr *tb[32];
	struct nl_msg *msg;

	msg = vmexit_dump_request(FAKE_FAMILY_ID, VMEXIT_STAT_CMD_GET_SCHED,
				  &filter);
	CHECK(!genlmsg_parse(nlmsg_hdr(msg), 0, tb, 31, NULL));
	CHECK(tb[VMEXIT_STAT_A_SCHED_VM_PID] &&
	      nla_get_u32(tb[VMEXIT_STAT_A_SCHED_VM_PID]) == 4242);
	CHECK(tb[VMEXIT_STAT_A_SCHED_VM_ID] &&
	      nla_get_u64(tb[VMEXIT_STAT_A_SCHED_VM_ID]) == 0x77);
	CHECK(tb[VMEXIT_STAT_A_SCHED_VCPU_ID] &&
	      nla_get_u32(tb[VMEXIT_STAT_A_SCHED_VCPU_ID]) == 2);
	CHECK(!tb[VMEXIT_STAT_A_SCHED_BY_VM]);
	/* the CPU filter is not GET_SCHED's: a strict kernel refuses it */
	CHECK_U64(nlmsg_attrlen(nlmsg_hdr(msg), GENL_HDRLEN),
		  nla_total_size(4) + nla_total_size(8) + nla_total_size(4));
	nlmsg_free(msg);

	filter.by_vcpu = false;
	filter.by_vm = true;
	msg = vmexit_dump_request(FAKE_FAMILY_ID, VMEXIT_STAT_CMD_GET_SCHED,
				  &filter);
	CHECK(!genlmsg_parse(nlmsg_hdr(msg), 0, tb, 31, NULL));
	CHECK(tb[VMEXIT_STAT_A_SCHED_BY_VM]);
	CHECK(!tb[VMEXIT_STAT_A_SCHED_VCPU_ID]);
	nlmsg_free(msg);

	msg = vmexit_dump_request(FAKE_FAMILY_ID, VMEXIT_STAT_CMD_GET_CPU_SCHED,
				  &filter);
	CHECK(!genlmsg_parse(nlmsg_hdr(msg), 0, tb, 31, NULL));
	CHECK(tb[VMEXIT_STAT_A_PCPU_CPU] &&
	      nla_get_u32(tb[VMEXIT_STAT_A_PCPU_CPU]) == 5);
	CHECK_U64(nlmsg_attrlen(nlmsg_hdr(msg), GENL_HDRLEN),
		  nla_total_size(4));
	nlmsg_free(msg);

	filter.by_cpu = false;
	msg = vmexit_dump_request(FAKE_FAMILY_ID, VMEXIT_STAT_CMD_GET_CPU_SCHED,
				  &filter);
	CHECK_U64(nlmsg_attrlen(nlmsg_hdr(msg), GENL_HDRLEN), 0);
	nlmsg_free(msg);
}

static void sched_config_and_info(void)
{
	struct vmexit_config_change change = { .set_sched = true,
					       .sched = true };
	struct vmexit_config config;
	struct vmexit_info info;
	struct nlattr *tb[VMEXIT_STAT_A_CONFIG_MAX + 1];
	struct nl_msg *msg;

	msg = vmexit_set_config_request(FAKE_FAMILY_ID, &change);
	CHECK(!genlmsg_parse(nlmsg_hdr(msg), 0, tb, VMEXIT_STAT_A_CONFIG_MAX,
			     NULL));
	CHECK(tb[VMEXIT_STAT_A_CONFIG_SCHED] &&
	      nla_len(tb[VMEXIT_STAT_A_CONFIG_SCHED]) == 1 &&
	      nla_get_u8(tb[VMEXIT_STAT_A_CONFIG_SCHED]) == 1);
	CHECK(!tb[VMEXIT_STAT_A_CONFIG_LATENCY]);
	nlmsg_free(msg);
	change.set_sched = false;
	msg = vmexit_set_config_request(FAKE_FAMILY_ID, &change);
	CHECK(!genlmsg_parse(nlmsg_hdr(msg), 0, tb, VMEXIT_STAT_A_CONFIG_MAX,
			     NULL));
	CHECK(!tb[VMEXIT_STAT_A_CONFIG_SCHED]);
	nlmsg_free(msg);

	msg = genl_msg(VMEXIT_STAT_CMD_GET_CONFIG);
	CHECK(!nla_put_u8(msg, VMEXIT_STAT_A_CONFIG_LATENCY, 0));
	CHECK(!nla_put_u8(msg, VMEXIT_STAT_A_CONFIG_DETAILS, 0));
	CHECK(!nla_put_u32(msg, VMEXIT_STAT_A_CONFIG_ENDED_VM_TTL_S, 0));
	CHECK(!vmexit_parse_config(msg, &config));
	CHECK(!config.sched);
	CHECK(!nla_put_u8(msg, VMEXIT_STAT_A_CONFIG_SCHED, 1));
	CHECK(!vmexit_parse_config(msg, &config));
	CHECK(config.sched);
	nlmsg_free(msg);

	msg = genl_msg(VMEXIT_STAT_CMD_GET_INFO);
	CHECK(!nla_put_string(msg, VMEXIT_STAT_A_INFO_VERSION, "0.3.0"));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_EXITS_SEEN, 1));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_EXITS_DROPPED, 0));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_SCHED_SWITCHES_SEEN,
			   123456789012ULL));
	CHECK(!nla_put_u64(msg, VMEXIT_STAT_A_INFO_SCHED_MISSED, 17));
	CHECK(!vmexit_parse_info(msg, &info));
	CHECK_U64(info.sched_switches_seen, 123456789012ULL);
	CHECK_U64(info.sched_missed, 17);
	nlmsg_free(msg);
}

static void sched_lists(void)
{
	struct vmexit_cpu_scheds cpus = {};
	struct vmexit_scheds scheds = {};
	struct vmexit_cpu_sched cpu = {};
	struct vmexit_sched s = {};
	uint32_t i;

	for (i = 0; i < 300; i++) {
		s.vcpu_tid = i;
		cpu.cpu = i;
		CHECK(!vmexit_scheds_add(&scheds, &s));
		CHECK(!vmexit_cpu_scheds_add(&cpus, &cpu));
	}
	CHECK_U64(scheds.nr, 300);
	CHECK_U64(scheds.rec[299].vcpu_tid, 299);
	CHECK_U64(cpus.rec[150].cpu, 150);
	vmexit_scheds_free(&scheds);
	vmexit_cpu_scheds_free(&cpus);
	CHECK(!scheds.rec && !scheds.nr && !cpus.rec && !cpus.nr);
}

/* Views */

static void one_bucket(struct vmexit_latency *lat, uint64_t count, int bucket)
{
	memset(lat, 0, sizeof(*lat));
	lat->count = count;
	lat->sum_ns = count << bucket;
	lat->min_ns = 1ULL << bucket;
	lat->max_ns = 1ULL << bucket;
	lat->hist[bucket] = count;
}

static void latency_delta(void)
{
	struct vmexit_latency before, now, out;

	one_bucket(&before, 5, 12);
	now = before;
	now.count += 3;
	now.sum_ns += 3ULL << 20;
	now.hist[20] = 3;
	now.max_ns = 1ULL << 20;
	sched_latency_delta(&before, &now, &out);
	CHECK_U64(out.count, 3);
	CHECK_U64(out.sum_ns, 3ULL << 20);
	CHECK_U64(out.hist[12], 0);
	CHECK_U64(out.hist[20], 3);
	/* the interval's min is no lower than its lowest bucket */
	CHECK_U64(out.min_ns, 1ULL << 20);
	CHECK_U64(out.max_ns, 1ULL << 20);
	CHECK_U64(latency_percentile_ns(&out, 50), 1ULL << 20);

	/* nothing new */
	sched_latency_delta(&now, &now, &out);
	CHECK_U64(out.count, 0);
	CHECK_U64(out.min_ns, 0);

	/* reset in between: now counts from zero */
	sched_latency_delta(&now, &before, &out);
	CHECK_U64(out.count, 5);
	CHECK_U64(out.hist[12], 5);
}

static struct vmexit_sched vcpu(uint32_t tid, uint64_t run, uint64_t wait,
				uint64_t idle)
{
	struct vmexit_sched s = {
		.vm_pid = 4242,
		.vm_id = 0xabc,
		.vcpu_id = tid - 4250,
		.vcpu_tid = tid,
		.state = VMEXIT_STAT_SCHED_RUNNING,
		.has_cpu = true,
		.cpu = 1,
		.run_ns = run,
		.wait_ns = wait,
		.idle_ns = idle,
		.timeslices = run / 1000000,
		.preemptions = wait / 2000000,
		.migrations = 1,
	};

	one_bucket(&s.preempt, s.preemptions, 21);
	return s;
}

static void interval_delta(void)
{
	struct vmexit_scheds before = {}, now = {}, out = {};
	struct vmexit_cpu_scheds cbefore = {}, cnow = {}, cout = {};
	struct vmexit_cpu_sched cpu = { .cpu = 1, .nr_thieves = 2 };
	struct vmexit_sched s;
	double pct;

	s = vcpu(4250, 1000000000, 400000000, 0);
	CHECK(!vmexit_scheds_add(&before, &s));
	s = vcpu(4251, 2000000000, 0, 500000000);
	CHECK(!vmexit_scheds_add(&before, &s));
	cpu.wait_ns = 400000000;
	cpu.thieves[0] = (struct vmexit_thief){ .tid = 7, .ns = 300 };
	cpu.thieves[1] = (struct vmexit_thief){ .tid = 8, .ns = 100 };
	CHECK(!vmexit_cpu_scheds_add(&cbefore, &cpu));

	/* a second later: 4250 ran 0.5 s, waited 0.5 s; 4251 idled */
	s = vcpu(4250, 1500000000, 900000000, 0);
	CHECK(!vmexit_scheds_add(&now, &s));
	s = vcpu(4251, 2000000000, 0, 1500000000);
	CHECK(!vmexit_scheds_add(&now, &s));
	/* new since: all of it is the interval's */
	s = vcpu(4252, 100000000, 20000000, 0);
	CHECK(!vmexit_scheds_add(&now, &s));
	cpu.wait_ns = 900000000;
	cpu.thieves[0] = (struct vmexit_thief){ .tid = 8, .ns = 600 };
	cpu.thieves[1] = (struct vmexit_thief){ .tid = 7, .ns = 300 };
	CHECK(!vmexit_cpu_scheds_add(&cnow, &cpu));

	CHECK(!sched_delta(&before, &cbefore, &now, &cnow, &out, &cout));
	CHECK_U64(out.nr, 3);
	CHECK_U64(out.rec[0].run_ns, 500000000);
	CHECK_U64(out.rec[0].wait_ns, 500000000);
	CHECK_U64(out.rec[0].preemptions, 450 - 200);
	CHECK_U64(out.rec[0].preempt.count, 250);
	CHECK_U64(out.rec[1].wait_ns, 0);
	CHECK_U64(out.rec[1].idle_ns, 1000000000);
	CHECK_U64(out.rec[2].wait_ns, 20000000);
	CHECK_U64(out.rec[2].run_ns, 100000000);
	/* the state is now's, not a difference */
	CHECK_U64(out.rec[0].state, VMEXIT_STAT_SCHED_RUNNING);

	CHECK_U64(cout.nr, 1);
	CHECK_U64(cout.rec[0].wait_ns, 500000000);
	/* tid 7 took nothing more: left out; tid 8 took 500 */
	CHECK_U64(cout.rec[0].nr_thieves, 1);
	CHECK_U64(cout.rec[0].thieves[0].tid, 8);
	CHECK_U64(cout.rec[0].thieves[0].ns, 500);

	pct = sched_steal_pct(out.rec[0].wait_ns, out.rec[0].run_ns,
			      out.rec[0].idle_ns, 1000000000, 1);
	CHECK(fabs(pct - 50.0) < 1e-9);
	/* a VM of 2 vCPUs over the same second */
	pct = sched_steal_pct(500000000, 0, 0, 1000000000, 2);
	CHECK(fabs(pct - 25.0) < 1e-9);
	/* totals: of the time accounted */
	pct = sched_steal_pct(900000000, 1500000000, 600000000, 0, 1);
	CHECK(fabs(pct - 30.0) < 1e-9);
	CHECK(isnan(sched_steal_pct(0, 0, 0, 0, 1)));

	/* a reset in between: now counts from zero */
	vmexit_scheds_free(&out);
	vmexit_cpu_scheds_free(&cout);
	CHECK(!sched_delta(&now, &cnow, &before, &cbefore, &out, &cout));
	CHECK_U64(out.rec[0].wait_ns, 400000000);
	CHECK_U64(cout.rec[0].wait_ns, 400000000);

	vmexit_scheds_free(&before);
	vmexit_scheds_free(&now);
	vmexit_scheds_free(&out);
	vmexit_cpu_scheds_free(&cbefore);
	vmexit_cpu_scheds_free(&cnow);
	vmexit_cpu_scheds_free(&cout);
}

static struct json_object *get(struct json_object *obj, const char *key)
{
	struct json_object *val = NULL;

	if (!json_object_object_get_ex(obj, key, &val))
		unit_fail(__FILE__, __LINE__, "no key \"%s\"", key);
	return val;
}

static struct json_object *at(struct json_object *array, size_t i)
{
	if (!json_object_is_type(array, json_type_array) ||
	    json_object_array_length(array) <= i) {
		unit_fail(__FILE__, __LINE__, "no element %zu", i);
		return NULL;
	}
	return json_object_array_get_idx(array, i);
}

static char *keys_of(struct json_object *obj)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	bool first = true;

	json_object_object_foreach(obj, key, val)
	{
		(void)val;
		fprintf(out, "%s%s", first ? "" : ",", key);
		first = false;
	}
	fclose(out);
	return text;
}

#define CHECK_KEYS(obj, want)               \
	do {                                \
		char *keys_ = keys_of(obj); \
		CHECK_STR(keys_, want);     \
		free(keys_);                \
	} while (0)

#define LAT_KEYS "count,sum_ns,min_ns,max_ns,avg_ns,p50_ns,p90_ns,p99_ns,hist"

struct sample {
	struct vmexit_scheds vcpus;
	struct vmexit_cpu_scheds cpus;
};

static void sample_fill(struct sample *sm)
{
	struct vmexit_cpu_sched cpu = { .cpu = 0 };
	struct vmexit_sched s;

	memset(sm, 0, sizeof(*sm));
	s = vcpu(4251, 3000000000, 1000000000, 0);
	s.state = VMEXIT_STAT_SCHED_ENDED;
	s.has_cpu = false;
	CHECK(!vmexit_scheds_add(&sm->vcpus, &s));
	s = vcpu(4250, 1000000000, 1000000000, 2000000000);
	CHECK(!vmexit_scheds_add(&sm->vcpus, &s));
	cpu.wait_ns = 2000000000;
	cpu.vcpu_run_ns = 4000000000;
	cpu.unattributed_ns = 5000;
	one_bucket(&cpu.preempt, 3, 21);
	cpu.nr_thieves = 2;
	cpu.thieves[0] =
		(struct vmexit_thief){ .tid = 9, .comm = "stress", .ns = 1000 };
	cpu.thieves[1] = (struct vmexit_thief){ .tid = 5003,
						.comm = "CPU 2/KVM",
						.ns = 1999995000,
						.over_ns = 10,
						.is_vcpu = true,
						.vm_pid = 5000,
						.vcpu_id = 2 };
	CHECK(!vmexit_cpu_scheds_add(&sm->cpus, &cpu));
	sched_sort(&sm->vcpus, &sm->cpus);
}

static void sample_free(struct sample *sm)
{
	vmexit_scheds_free(&sm->vcpus);
	vmexit_cpu_scheds_free(&sm->cpus);
}

static void json_shape(void)
{
	struct sample sm;
	struct sched_report rep;
	struct json_object *obj, *cpu, *thief, *v, *vm;

	sample_fill(&sm);
	rep = (struct sched_report){ .backend = "module",
				     .vcpus = &sm.vcpus,
				     .cpus = &sm.cpus };
	obj = sched_json(&rep);
	CHECK(obj);
	CHECK_KEYS(obj, "backend,interval_ns,cpus,vcpus,vms");
	CHECK_STR(json_object_get_string(get(obj, "backend")), "module");
	CHECK(json_object_is_type(get(obj, "interval_ns"), json_type_null));

	cpu = at(get(obj, "cpus"), 0);
	CHECK_KEYS(cpu, "cpu,steal_ns,steal_pct,vcpu_run_ns,unattributed_ns,"
			"wakeup,preempt,thieves");
	CHECK_U64(json_object_get_uint64(get(cpu, "steal_ns")), 2000000000);
	/* totals of a CPU have no wall time to be a share of */
	CHECK(json_object_is_type(get(cpu, "steal_pct"), json_type_null));
	CHECK_KEYS(get(cpu, "preempt"), LAT_KEYS);
	CHECK_U64(json_object_get_uint64(get(get(cpu, "preempt"), "count")), 3);
	/* busiest first */
	thief = at(get(cpu, "thieves"), 0);
	CHECK_KEYS(thief, "tid,comm,ns,over_ns,vm_pid,vcpu_id");
	CHECK_U64(json_object_get_uint64(get(thief, "tid")), 5003);
	CHECK_STR(json_object_get_string(get(thief, "comm")), "CPU 2/KVM");
	CHECK_U64(json_object_get_uint64(get(thief, "vm_pid")), 5000);
	CHECK_U64(json_object_get_uint64(get(thief, "vcpu_id")), 2);
	thief = at(get(cpu, "thieves"), 1);
	CHECK(json_object_is_type(get(thief, "vm_pid"), json_type_null));
	CHECK(json_object_is_type(get(thief, "vcpu_id"), json_type_null));

	/* sorted by vCPU */
	v = at(get(obj, "vcpus"), 0);
	CHECK_KEYS(v, "vm_pid,vm_id,vcpu_id,tid,state,cpu,run_ns,steal_ns,"
		      "idle_ns,steal_pct,timeslices,preemptions,migrations,"
		      "wakeup,preempt");
	CHECK_STR(json_object_get_string(get(v, "vm_id")), "0000000000000abc");
	CHECK_U64(json_object_get_uint64(get(v, "tid")), 4250);
	CHECK_STR(json_object_get_string(get(v, "state")), "running");
	CHECK_U64(json_object_get_uint64(get(v, "cpu")), 1);
	CHECK(json_object_is_type(get(v, "steal_pct"), json_type_double));
	CHECK(fabs(json_object_get_double(get(v, "steal_pct")) - 25.0) < 1e-9);
	v = at(get(obj, "vcpus"), 1);
	CHECK_STR(json_object_get_string(get(v, "state")), "ended");
	CHECK(json_object_is_type(get(v, "cpu"), json_type_null));

	/* the ended vCPU stays in its VM's totals */
	CHECK_U64(json_object_array_length(get(obj, "vms")), 1);
	vm = at(get(obj, "vms"), 0);
	CHECK_KEYS(vm, "vm_pid,vm_id,vcpus,run_ns,steal_ns,idle_ns,steal_pct,"
		       "preemptions,migrations,wakeup,preempt");
	CHECK_U64(json_object_get_uint64(get(vm, "vcpus")), 2);
	CHECK_U64(json_object_get_uint64(get(vm, "run_ns")), 4000000000);
	CHECK_U64(json_object_get_uint64(get(vm, "steal_ns")), 2000000000);
	CHECK(fabs(json_object_get_double(get(vm, "steal_pct")) - 25.0) < 1e-9);
	CHECK_U64(json_object_get_uint64(get(get(vm, "preempt"), "count")),
		  1000);
	json_object_put(obj);

	/* an interval: steal % of the wall time, the CPU's too */
	rep.interval_ns = 4000000000ULL;
	rep.backend = "bpf";
	obj = sched_json(&rep);
	CHECK_STR(json_object_get_string(get(obj, "backend")), "bpf");
	CHECK_U64(json_object_get_uint64(get(obj, "interval_ns")), 4000000000);
	cpu = at(get(obj, "cpus"), 0);
	CHECK(fabs(json_object_get_double(get(cpu, "steal_pct")) - 50.0) <
	      1e-9);
	v = at(get(obj, "vcpus"), 0);
	CHECK(fabs(json_object_get_double(get(v, "steal_pct")) - 25.0) < 1e-9);
	json_object_put(obj);
	sample_free(&sm);
}

static char *capture_report(const struct sched_report *rep, bool hist)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	sched_print(out, rep, hist);
	fclose(out);
	return text;
}

static void text_tables(void)
{
	struct sample sm;
	struct sched_report rep;
	char *text;

	sample_fill(&sm);
	rep = (struct sched_report){ .backend = "module",
				     .vcpus = &sm.vcpus,
				     .cpus = &sm.cpus };
	text = capture_report(&rep, false);
	CHECK_CONTAINS(text, "module: totals since tracking began\n");
	CHECK_CONTAINS(text, "CPU       STEAL  STEAL%  VCPU_RUN  WAKE_P50");
	CHECK_CONTAINS(text, "0         2.00s       -     4.00s         -");
	CHECK_CONTAINS(text, "tid 5003    CPU 2/KVM            2.00s (up to "
			     "10ns too high)  vCPU 2 of PID 5000\n");
	CHECK_CONTAINS(text, "tid 9       stress               1.0us\n");
	CHECK_CONTAINS(text, "ran meanwhile: not known     5.0us\n");
	CHECK_CONTAINS(text, "PID       VCPU TID      STATE     CPU       RUN"
			     "     STEAL  STEAL%      IDLE  PREEMPT   MIGR");
	CHECK_CONTAINS(text,
		       "4242         0 4250     running     1     "
		       "1.00s     1.00s   25.0%     2.00s      500      1");
	CHECK_CONTAINS(text, "4242         1 4251     ended       -");
	CHECK_CONTAINS(text, "4242     0000000000000abc     2     4.00s     "
			     "2.00s   25.0%");
	CHECK(!strstr(text, "usecs"));
	free(text);

	rep.interval_ns = 1000000000;
	text = capture_report(&rep, true);
	CHECK_CONTAINS(text, "module: the last 1.00s\n");
	CHECK_CONTAINS(text, "\nCPU 0: preemption wait\n");
	CHECK_CONTAINS(text, "\nvCPU 0 of PID 4242 (tid 4250): preemption "
			     "wait\n");
	CHECK(!strstr(text, "wake-up latency"));
	free(text);
	sample_free(&sm);
}

static char *capture_hist(const struct vmexit_latency *lat)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	sched_print_log2_hist(out, lat);
	fclose(out);
	return text;
}

static void log2_hist(void)
{
	struct vmexit_latency lat = {};
	char *text;

	text = capture_hist(&lat);
	CHECK_STR(text, "");
	free(text);

	/* 2 under a microsecond, 8 of 2-4 us, 4 of about a ms */
	lat.count = 14;
	lat.hist[3] = 1;
	lat.hist[9] = 1;
	lat.hist[11] = 8;
	lat.hist[20] = 4;
	lat.min_ns = 8;
	lat.max_ns = 1048576;
	text = capture_hist(&lat);
	CHECK_STR(text,
		  "     usecs               : count    distribution\n"
		  "         0 -> 1          : 2        |**********"
		  "                              |\n"
		  "         1 -> 2          : 0        |"
		  "                                        |\n"
		  "         2 -> 4          : 8        |**************"
		  "**************************|\n"
		  "         4 -> 8          : 0        |"
		  "                                        |\n"
		  "         8 -> 16         : 0        |"
		  "                                        |\n"
		  "        16 -> 32         : 0        |"
		  "                                        |\n"
		  "        32 -> 65         : 0        |"
		  "                                        |\n"
		  "        65 -> 131        : 0        |"
		  "                                        |\n"
		  "       131 -> 262        : 0        |"
		  "                                        |\n"
		  "       262 -> 524        : 0        |"
		  "                                        |\n"
		  "       524 -> 1048       : 0        |"
		  "                                        |\n"
		  "      1048 -> 2097       : 4        |********************"
		  "                    |\n");
	free(text);
}

/* --sort, --top and the formats */

/*
 * Three vCPUs of two VMs: thread 4250 of VM "web,1" (a comma, to be
 * quoted) waited 1 s, 4251 of it 3 s and idled most, 5000's vCPU 2
 * (VM db) 2 s with the most waits.
 */
static void sample3_fill(struct sample *sm)
{
	struct vmexit_cpu_sched cpu = { .cpu = 1 };
	struct vmexit_sched s;

	memset(sm, 0, sizeof(*sm));
	s = vcpu(4250, 2000000000, 1000000000, 1000000000);
	CHECK(!vmexit_scheds_add(&sm->vcpus, &s));
	s = vcpu(4251, 1000000000, 3000000000, 4000000000);
	one_bucket(&s.wakeup, 4, 20);
	CHECK(!vmexit_scheds_add(&sm->vcpus, &s));
	s = vcpu(5002, 500000000, 2000000000, 0);
	s.vm_pid = 5000;
	s.vm_id = 0xdb;
	one_bucket(&s.wakeup, 3000, 18);
	CHECK(!vmexit_scheds_add(&sm->vcpus, &s));
	cpu.wait_ns = 6000000000;
	cpu.vcpu_run_ns = 3500000000;
	cpu.unattributed_ns = 250;
	one_bucket(&cpu.wakeup, 3004, 18);
	CHECK(!vmexit_cpu_scheds_add(&sm->cpus, &cpu));
	sched_sort(&sm->vcpus, &sm->cpus);
}

static void fake_vm_name(uint32_t pid, char *name, size_t size)
{
	snprintf(name, size, "%s", pid == 4242 ? "web,1" : "db");
}

/* The tids of the JSON's vCPU table, in order: "4251,5002,4250". */
static char *json_tids(const struct sched_report *rep)
{
	struct json_object *obj = sched_json(rep), *vcpus;
	char *text = NULL;
	size_t len = 0, i;
	FILE *out = open_memstream(&text, &len);

	CHECK(obj);
	vcpus = get(obj, "vcpus");
	for (i = 0; vcpus && i < json_object_array_length(vcpus); i++)
		fprintf(out, "%s%" PRIu64, i ? "," : "",
			json_object_get_uint64(get(at(vcpus, i), "tid")));
	fclose(out);
	json_object_put(obj);
	return text;
}

static void sort_and_top(void)
{
	static const struct {
		const char *key;
		const char *tids;
	} cases[] = {
		{ "steal", "4251,5002,4250" }, { "waits", "5002,4251,4250" },
		{ "idle", "4251,4250,5002" },  { "run", "4250,4251,5002" },
		{ "vcpu", "4250,4251,5002" },  { "vm", "5002,4250,4251" },
	};
	struct sched_report rep;
	struct json_object *obj;
	struct sample sm;
	char *text;
	size_t i;

	sample3_fill(&sm);
	rep = (struct sched_report){ .backend = "module",
				     .vcpus = &sm.vcpus,
				     .cpus = &sm.cpus,
				     .vm_name = fake_vm_name };
	/* the default, zero: steal */
	text = json_tids(&rep);
	CHECK_STR(text, "4251,5002,4250");
	free(text);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(sched_sort_key_parse(cases[i].key, &rep.sort));
		text = json_tids(&rep);
		if (strcmp(text, cases[i].tids))
			unit_fail(__FILE__, __LINE__, "--sort %s: %s, want %s",
				  cases[i].key, text, cases[i].tids);
		free(text);
	}
	CHECK(!sched_sort_key_parse("STEAL", &rep.sort));
	CHECK(!sched_sort_key_parse("", &rep.sort));
	CHECK(!sched_sort_key_parse("steal_pct", &rep.sort));

	/* --top: the first of the order; the VMs' totals keep everyone */
	rep.sort = SCHED_SORT_WAITS;
	rep.top = 2;
	text = json_tids(&rep);
	CHECK_STR(text, "5002,4251");
	free(text);
	rep.sort = SCHED_SORT_STEAL;
	rep.top = 1;
	text = json_tids(&rep);
	CHECK_STR(text, "4251");
	free(text);
	obj = sched_json(&rep);
	CHECK_U64(json_object_array_length(get(obj, "vms")), 2);
	CHECK_U64(json_object_get_uint64(get(at(get(obj, "vms"), 0), "vcpus")),
		  2);
	json_object_put(obj);
	rep.top = 7;
	text = json_tids(&rep);
	CHECK_STR(text, "4251,5002,4250");
	free(text);

	/* the text table too, and its histograms */
	rep.top = 1;
	text = capture_report(&rep, true);
	CHECK_CONTAINS(text, "\n4242         1 4251     running");
	CHECK(!strstr(text, " 4250     running"));
	CHECK(!strstr(text, " 5002     running"));
	CHECK_CONTAINS(text, "vCPU 1 of PID 4242 (tid 4251): wake-up latency");
	CHECK(!strstr(text, "(tid 5002)"));
	/* the VM table still has both VMs */
	CHECK_CONTAINS(text, "4242     0000000000000abc     2 ");
	CHECK_CONTAINS(text, "5000     00000000000000db     1 ");
	free(text);
	sample_free(&sm);
}

#define CSV_MAX_FIELDS 40

struct csv_table {
	/* rows of fields, each malloc'ed; row 0 the header */
	char *field[64][CSV_MAX_FIELDS];
	size_t nr_fields[64];
	size_t nr_rows;
};

/*
 * RFC 4180 as Python's csv module reads it: quoted fields with doubled
 * quotes.  false when the text is not such CSV or has too many rows.
 */
static bool csv_parse(const char *text, struct csv_table *t)
{
	const char *c = text;
	char buf[512];
	size_t len;

	memset(t, 0, sizeof(*t));
	while (*c) {
		size_t row = t->nr_rows++;

		if (row >= 64)
			return false;
		for (;;) {
			len = 0;
			if (*c == '"') {
				for (c++;; c++) {
					if (!*c)
						return false;
					if (*c == '"' && c[1] != '"')
						break;
					if (*c == '"')
						c++;
					if (len + 1 < sizeof(buf))
						buf[len++] = *c;
				}
				c++;
			} else {
				while (*c && *c != ',' && *c != '\n') {
					if (*c == '"' || *c == '\r')
						return false;
					if (len + 1 < sizeof(buf))
						buf[len++] = *c;
					c++;
				}
			}
			buf[len] = '\0';
			if (t->nr_fields[row] >= CSV_MAX_FIELDS)
				return false;
			t->field[row][t->nr_fields[row]++] = strdup(buf);
			if (*c == ',') {
				c++;
				continue;
			}
			if (*c != '\n')
				return false;
			c++;
			break;
		}
	}
	return true;
}

static void csv_table_free(struct csv_table *t)
{
	size_t r, f;

	for (r = 0; r < t->nr_rows; r++)
		for (f = 0; f < t->nr_fields[r]; f++)
			free(t->field[r][f]);
}

/* The field of row under the header's column name. */
static const char *csv_at(const struct csv_table *t, size_t row,
			  const char *column)
{
	size_t f;

	for (f = 0; f < t->nr_fields[0]; f++)
		if (!strcmp(t->field[0][f], column))
			return f < t->nr_fields[row] ? t->field[row][f] : NULL;
	unit_fail(__FILE__, __LINE__, "no column %s", column);
	return NULL;
}

static char *capture_csv(const struct sched_report *rep)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	sched_csv_header(out);
	CHECK(!sched_csv(out, rep));
	fclose(out);
	return text;
}

static void csv_rows(void)
{
	static const char header[] =
		"table,time,interval_s,backend,vm_pid,vm_name,vm_id,vcpu,tid,"
		"state,cpu,vcpus,run_s,steal_s,steal_pct,idle_s,timeslices,"
		"preemptions,migrations,waits,wakeups,wakeup_s,wakeup_p50_s,"
		"wakeup_p90_s,wakeup_p99_s,preempt_waits,preempt_s,"
		"preempt_p50_s,preempt_p90_s,preempt_p99_s,vcpu_run_s,"
		"unattributed_s\n";
	struct sched_report rep;
	struct csv_table t;
	struct sample sm;
	char *text;
	size_t r;

	sample3_fill(&sm);
	rep = (struct sched_report){ .backend = "bpf",
				     .interval_ns = 4000000000ULL,
				     .vcpus = &sm.vcpus,
				     .cpus = &sm.cpus,
				     .vm_name = fake_vm_name,
				     .read_at = { 1764626400, 250000000 } };
	text = capture_csv(&rep);
	CHECK(!strncmp(text, header, strlen(header)));
	CHECK(csv_parse(text, &t));
	/* the header, 3 vCPUs, 2 VMs, 1 CPU; every row as wide */
	CHECK_U64(t.nr_rows, 7);
	for (r = 0; r < t.nr_rows; r++) {
		CHECK_U64(t.nr_fields[r], 32);
		if (r) {
			CHECK_STR(csv_at(&t, r, "time"), "1764626400.250000");
			CHECK_STR(csv_at(&t, r, "interval_s"), "4.000000000");
			CHECK_STR(csv_at(&t, r, "backend"), "bpf");
		}
	}
	/* vCPUs by steal, the most first */
	CHECK_STR(csv_at(&t, 1, "table"), "vcpu");
	CHECK_STR(csv_at(&t, 1, "tid"), "4251");
	CHECK_STR(csv_at(&t, 1, "vm_pid"), "4242");
	CHECK_STR(csv_at(&t, 1, "vm_name"), "web,1");
	CHECK_CONTAINS(text, ",\"web,1\",");
	CHECK_STR(csv_at(&t, 1, "vm_id"), "0000000000000abc");
	CHECK_STR(csv_at(&t, 1, "vcpu"), "1");
	CHECK_STR(csv_at(&t, 1, "state"), "running");
	CHECK_STR(csv_at(&t, 1, "cpu"), "1");
	CHECK_STR(csv_at(&t, 1, "vcpus"), "");
	CHECK_STR(csv_at(&t, 1, "run_s"), "1.000000000");
	CHECK_STR(csv_at(&t, 1, "steal_s"), "3.000000000");
	/* of the wall time: 3 s of 4 */
	CHECK_STR(csv_at(&t, 1, "steal_pct"), "75.00");
	CHECK_STR(csv_at(&t, 1, "idle_s"), "4.000000000");
	CHECK_STR(csv_at(&t, 1, "preemptions"), "1500");
	CHECK_STR(csv_at(&t, 1, "migrations"), "1");
	CHECK_STR(csv_at(&t, 1, "waits"), "1504");
	CHECK_STR(csv_at(&t, 1, "wakeups"), "4");
	CHECK_STR(csv_at(&t, 1, "wakeup_s"), "0.004194304");
	CHECK_STR(csv_at(&t, 1, "preempt_waits"), "1500");
	CHECK_STR(csv_at(&t, 1, "preempt_s"), "3.145728000");
	CHECK(strtod(csv_at(&t, 1, "preempt_p50_s"), NULL) >= 0.002097152);
	CHECK(strtod(csv_at(&t, 1, "preempt_p99_s"), NULL) <= 0.004194304);
	CHECK_STR(csv_at(&t, 1, "vcpu_run_s"), "");
	CHECK_STR(csv_at(&t, 2, "tid"), "5002");
	CHECK_STR(csv_at(&t, 2, "vm_name"), "db");
	CHECK_STR(csv_at(&t, 2, "waits"), "4000");
	CHECK_STR(csv_at(&t, 3, "tid"), "4250");
	/* no wake-ups: no percentile */
	CHECK_STR(csv_at(&t, 3, "wakeups"), "0");
	CHECK_STR(csv_at(&t, 3, "wakeup_p50_s"), "");
	/* the VMs, as vms in the JSON */
	CHECK_STR(csv_at(&t, 4, "table"), "vm");
	CHECK_STR(csv_at(&t, 4, "vm_pid"), "4242");
	CHECK_STR(csv_at(&t, 4, "vm_name"), "web,1");
	CHECK_STR(csv_at(&t, 4, "vcpus"), "2");
	CHECK_STR(csv_at(&t, 4, "tid"), "");
	CHECK_STR(csv_at(&t, 4, "steal_s"), "4.000000000");
	/* 4 s of 2 vCPUs times 4 s */
	CHECK_STR(csv_at(&t, 4, "steal_pct"), "50.00");
	CHECK_STR(csv_at(&t, 5, "vm_name"), "db");
	CHECK_STR(csv_at(&t, 5, "vcpus"), "1");
	/* the CPU */
	CHECK_STR(csv_at(&t, 6, "table"), "cpu");
	CHECK_STR(csv_at(&t, 6, "cpu"), "1");
	CHECK_STR(csv_at(&t, 6, "vm_pid"), "");
	CHECK_STR(csv_at(&t, 6, "run_s"), "");
	CHECK_STR(csv_at(&t, 6, "steal_s"), "6.000000000");
	CHECK_STR(csv_at(&t, 6, "steal_pct"), "150.00");
	CHECK_STR(csv_at(&t, 6, "wakeups"), "3004");
	CHECK_STR(csv_at(&t, 6, "vcpu_run_s"), "3.500000000");
	CHECK_STR(csv_at(&t, 6, "unattributed_s"), "0.000000250");
	csv_table_free(&t);
	free(text);

	/* totals: no interval, a CPU's steal no share; --top cuts vCPUs */
	rep.interval_ns = 0;
	rep.top = 1;
	rep.vm_name = NULL;
	text = capture_csv(&rep);
	CHECK(csv_parse(text, &t));
	CHECK_U64(t.nr_rows, 5);
	CHECK_STR(csv_at(&t, 1, "tid"), "4251");
	CHECK_STR(csv_at(&t, 1, "interval_s"), "");
	CHECK_STR(csv_at(&t, 1, "vm_name"), "");
	/* of the time accounted: 3 s of 8 */
	CHECK_STR(csv_at(&t, 1, "steal_pct"), "37.50");
	CHECK_STR(csv_at(&t, 2, "table"), "vm");
	CHECK_STR(csv_at(&t, 4, "table"), "cpu");
	CHECK_STR(csv_at(&t, 4, "steal_pct"), "");
	csv_table_free(&t);
	free(text);
	sample_free(&sm);
}

/*
 * The BPF backend of these tests: the weak symbols of sched.c bound to
 * counters that grow by read, thread 7002 three times as fast as 7001,
 * so that cmd_sched runs through view_run() without a kernel.
 */
static unsigned int fake_reads;
static char fake_handle;

int sched_bpf_open(struct sched_bpf **out)
{
	fake_reads = 0;
	*out = (struct sched_bpf *)&fake_handle;
	return 0;
}

int sched_bpf_read(struct sched_bpf *sb, const struct vmexit_filter *filter,
		   struct vmexit_scheds *vcpus, struct vmexit_cpu_scheds *cpus)
{
	struct vmexit_cpu_sched cpu = { .cpu = 0 };
	uint32_t tid;
	int err = 0;

	(void)filter;
	CHECK(sb == (struct sched_bpf *)&fake_handle);
	fake_reads++;
	for (tid = 7001; tid <= 7002 && !err; tid++) {
		struct vmexit_sched s =
			vcpu(tid, 1000000ULL * fake_reads,
			     (tid - 7000) * 1000000ULL * fake_reads, 0);

		s.vm_pid = 7000;
		s.vcpu_id = tid - 7001;
		err = vmexit_scheds_add(vcpus, &s);
	}
	cpu.wait_ns = 4000000ULL * fake_reads;
	return err ? err : vmexit_cpu_scheds_add(cpus, &cpu);
}

void sched_bpf_close(struct sched_bpf *sb)
{
	CHECK(sb == (struct sched_bpf *)&fake_handle);
}

static struct captured run_sched(const char *const *argv)
{
	return unit_run_command(cmd_sched, argv);
}

static size_t count_lines(const char *text)
{
	size_t n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

static void formats_over_intervals(void)
{
	struct captured cap;
	struct json_object *obj;
	struct csv_table t;
	char *line, *save = NULL;
	size_t n = 0, r;

	/* --ndjson: as many lines as intervals, each one JSON object */
	cap = run_sched((const char *[]){ "sched", "--backend", "bpf",
					  "--ndjson", "0.01", "3", NULL });
	CHECK_U64(cap.status, 0);
	CHECK_U64(count_lines(cap.out), 3);
	for (line = strtok_r(cap.out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		n++;
		obj = json_tokener_parse(line);
		CHECK(obj);
		if (!obj)
			continue;
		CHECK_STR(json_object_get_string(get(obj, "backend")), "bpf");
		/* a late read shortens the next interval */
		CHECK(json_object_get_uint64(get(obj, "interval_ns")) >=
		      5000000);
		/* one read more than before: 1 ms and 2 ms of steal */
		CHECK_U64(json_object_get_uint64(
				  get(at(get(obj, "vcpus"), 0), "steal_ns")),
			  2000000);
		CHECK_U64(json_object_get_uint64(
				  get(at(get(obj, "vcpus"), 0), "tid")),
			  7002);
		json_object_put(obj);
	}
	CHECK_U64(n, 3);
	release(&cap);

	/* --json with an interval, as before: one object a line */
	cap = run_sched((const char *[]){ "sched", "-b", "bpf", "--json",
					  "0.01", "2", NULL });
	CHECK_U64(cap.status, 0);
	CHECK_U64(count_lines(cap.out), 2);
	CHECK(cap.out[0] == '{' && !strstr(cap.out, "\n "));
	release(&cap);

	/* --csv: the header once, then the rows of each interval */
	cap = run_sched((const char *[]){ "sched", "--backend", "bpf", "--csv",
					  "0.01", "2", NULL });
	CHECK_U64(cap.status, 0);
	CHECK(csv_parse(cap.out, &t));
	/* 2 vCPUs, a VM, a CPU: 4 rows an interval */
	CHECK_U64(t.nr_rows, 1 + 2 * 4);
	CHECK_STR(t.field[0][0], "table");
	for (r = 1; r < t.nr_rows; r++) {
		CHECK_U64(t.nr_fields[r], 32);
		CHECK(strcmp(t.field[r][0], "table"));
		CHECK(strtod(csv_at(&t, r, "interval_s"), NULL) >= 0.005);
		CHECK(strtod(csv_at(&t, r, "time"), NULL) > 1.7e9);
	}
	CHECK_STR(csv_at(&t, 1, "tid"), "7002");
	CHECK_STR(csv_at(&t, 4, "table"), "cpu");
	CHECK_STR(csv_at(&t, 4, "steal_s"), "0.004000000");
	CHECK_STR(csv_at(&t, 5, "table"), "vcpu");
	/* the second interval ends later */
	CHECK(strtod(csv_at(&t, 5, "time"), NULL) >
	      strtod(csv_at(&t, 1, "time"), NULL));
	csv_table_free(&t);
	release(&cap);

	/* --sort and --top 1: the vCPU with the most steal alone */
	cap = run_sched((const char *[]){ "sched", "-b", "bpf", "--sort",
					  "steal", "--top", "1", "--ndjson",
					  "0.01", "1", NULL });
	CHECK_U64(cap.status, 0);
	obj = json_tokener_parse(cap.out);
	CHECK(obj);
	if (obj) {
		CHECK_U64(json_object_array_length(get(obj, "vcpus")), 1);
		CHECK_U64(json_object_get_uint64(
				  get(at(get(obj, "vcpus"), 0), "tid")),
			  7002);
		json_object_put(obj);
	}
	release(&cap);

	/* text: the vCPU table cut, --sort vcpu in thread order */
	cap = run_sched((const char *[]){ "sched", "-b", "bpf", "--sort",
					  "vcpu", "--top", "1", "0.01", "1",
					  NULL });
	CHECK_U64(cap.status, 0);
	CHECK_CONTAINS(cap.out, "\n7000         0 7001 ");
	CHECK(!strstr(cap.out, " 7002 "));
	release(&cap);
}

static void refused_options(void)
{
	static const struct {
		const char *argv[6];
		const char *why;
	} cases[] = {
		{ { "sched", "--sort", "bogus" },
		  "--sort: no key 'bogus'; the keys are steal, waits, idle, "
		  "run, vcpu and vm" },
		{ { "sched", "--sort", "" }, "--sort: no key ''" },
		{ { "sched", "--sort" }, "requires an argument" },
		{ { "sched", "--top", "0" }, "--top wants a number of vCPUs" },
		{ { "sched", "--top", "-1" }, "--top wants" },
		{ { "sched", "--top", "x" }, "--top wants" },
		{ { "sched", "--top", "4294967296" }, "--top wants" },
		{ { "sched", "--json", "--csv" },
		  "--json and --csv: choose one format" },
		{ { "sched", "--csv", "--ndjson" },
		  "--csv and --ndjson: choose one format" },
		{ { "sched", "-j", "--ndjson", "1" },
		  "--json and --ndjson: choose one format" },
		{ { "sched", "--csv", "--hist", "1" },
		  "--hist is for the text" },
		{ { "sched", "--csv", "1", "0" }, "the count is" },
	};
	struct captured cap;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cap = run_sched(cases[i].argv);
		if (cap.status != 2)
			unit_fail(__FILE__, __LINE__, "%s %s: status %d",
				  cases[i].argv[1], cases[i].argv[2],
				  cap.status);
		CHECK_CONTAINS(cap.err, cases[i].why);
		CHECK_CONTAINS(cap.err, "usage: vmexit-stat sched");
		CHECK_STR(cap.out, "");
		release(&cap);
	}

	/* the same format twice is one format */
	cap = run_sched((const char *[]){ "sched", "-b", "bpf", "-j", "--json",
					  "0.01", "1", NULL });
	CHECK_U64(cap.status, 0);
	CHECK_U64(count_lines(cap.out), 1);
	release(&cap);

	cap = run_sched((const char *[]){ "sched", "--help", NULL });
	CHECK_U64(cap.status, 0);
	CHECK_CONTAINS(cap.out, "--ndjson");
	CHECK_CONTAINS(cap.out, "--csv");
	CHECK_CONTAINS(cap.out, "--sort KEY");
	CHECK_CONTAINS(cap.out, "--top N");
	CHECK_CONTAINS(cap.out, "\nExamples:\n");
	CHECK_CONTAINS(cap.out, "2 for a bad\ncommand line");
	CHECK_STR(cap.err, "");
	release(&cap);
}

const struct unit_test sched_tests[] = {
	{ "sched: GET_SCHED record", sched_record },
	{ "sched: GET_SCHED missing and oversize attributes",
	  sched_record_refused },
	{ "sched: GET_CPU_SCHED with 3 thieves", cpu_record_three_thieves },
	{ "sched: GET_CPU_SCHED with 12 thieves keeps 8",
	  cpu_record_many_thieves },
	{ "sched: GET_CPU_SCHED refused", cpu_record_refused },
	{ "sched: dump requests carry their filters", sched_requests },
	{ "sched: config and info", sched_config_and_info },
	{ "sched: lists grow", sched_lists },
	{ "sched: latency over an interval", latency_delta },
	{ "sched: interval deltas and steal %", interval_delta },
	{ "sched: JSON shape", json_shape },
	{ "sched: text tables", text_tables },
	{ "sched: log2 histogram as runqlat", log2_hist },
	{ "sched: --sort keys and --top", sort_and_top },
	{ "sched: CSV rows of every table", csv_rows },
	{ "sched: --ndjson, --json and --csv over intervals",
	  formats_over_intervals },
	{ "sched: refused --sort, --top and formats", refused_options },
	{}
};
