// SPDX-License-Identifier: GPL-2.0
/*
 * The vmexit_stat generic netlink family, as specified in
 * Documentation/netlink/specs/vmexit_stat.yaml.
 *
 * Messages are built by small functions that take an skb and a record and
 * need no registered family, so that KUnit (tests/kunit/genl_kunit.c) can
 * check every attribute, messages that do not fit and dumps resumed over
 * many skbs.
 */
#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <generated/utsrelease.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include <uapi/linux/vmexit_stat.h>

#include "compat.h"
#include "vmexit_stat.h"

/* Index of the lifecycle group in vxs_genl_mcgrps. */
#define VXS_MCGRP_LIFECYCLE	0

/* VMEXIT_STAT_A_INFO_ISAS: the module decodes the exits of both. */
#define VXS_ISAS	(BIT(VMEXIT_STAT_ISA_VMX) | BIT(VMEXIT_STAT_ISA_SVM))

#define VXS_DETAIL_LIMIT_MAX	1024

/* Notifications that could not be sent; reported with the core's own. */
static atomic64_t vxs_events_lost = ATOMIC64_INIT(0);

/* get-config then set-config: two admins must not undo each other. */
static DEFINE_MUTEX(vxs_config_lock);

/* --- Message filling: an skb and a record, nothing else ---------------- */

/* What genetlink needs of a message header; the family id is a number. */
struct vxs_msg {
	u32 portid;
	u32 seq;
	u16 family_id;
	u16 flags;
	u8 cmd;
};

/* genlmsg_put() without a struct genl_family. */
static struct nlmsghdr *vxs_msg_start(struct sk_buff *skb,
				      const struct vxs_msg *msg)
{
	struct genlmsghdr *genlh;
	struct nlmsghdr *nlh;

	nlh = nlmsg_put(skb, msg->portid, msg->seq, msg->family_id,
			GENL_HDRLEN, msg->flags);
	if (!nlh)
		return NULL;
	genlh = nlmsg_data(nlh);
	genlh->cmd = msg->cmd;
	genlh->version = VMEXIT_STAT_FAMILY_VERSION;
	genlh->reserved = 0;
	return nlh;
}

/*
 * Every fill function adds the attributes of one record to skb and returns
 * 0, or returns -EMSGSIZE and leaves skb as it found it.
 */
static int vxs_fill_latency(struct sk_buff *skb, int type,
			    const struct vxs_latency *lat)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, VMEXIT_STAT_A_LAT_COUNT, lat->count,
			      VMEXIT_STAT_A_LAT_PAD) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_LAT_SUM_NS, lat->sum_ns,
			      VMEXIT_STAT_A_LAT_PAD) ||
	    /* Without a sample the minimum is a sentinel, not a time. */
	    (lat->count &&
	     nla_put_u64_64bit(skb, VMEXIT_STAT_A_LAT_MIN_NS, lat->min_ns,
			       VMEXIT_STAT_A_LAT_PAD)) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_LAT_MAX_NS, lat->max_ns,
			      VMEXIT_STAT_A_LAT_PAD) ||
	    nla_put(skb, VMEXIT_STAT_A_LAT_HIST, sizeof(lat->hist),
		    lat->hist)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int vxs_fill_exit(struct sk_buff *skb, const void *record, bool by_vm)
{
	const struct vxs_exit_record *rec = record;
	unsigned char *start = skb_tail_pointer(skb);

	if (nla_put_u32(skb, VMEXIT_STAT_A_EXIT_VM_PID, rec->pid) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_EXIT_VM_ID, rec->vm_id,
			      VMEXIT_STAT_A_EXIT_PAD) ||
	    (by_vm && nla_put_flag(skb, VMEXIT_STAT_A_EXIT_BY_VM)) ||
	    (!by_vm &&
	     (nla_put_u32(skb, VMEXIT_STAT_A_EXIT_VCPU_ID, rec->vcpu_id) ||
	      nla_put_u32(skb, VMEXIT_STAT_A_EXIT_VCPU_TID, rec->tid))) ||
	    nla_put_u32(skb, VMEXIT_STAT_A_EXIT_ISA, rec->isa) ||
	    nla_put_u32(skb, VMEXIT_STAT_A_EXIT_CODE,
			vxs_exit_code(rec->isa, rec->reason)) ||
	    nla_put_u32(skb, VMEXIT_STAT_A_EXIT_FLAGS,
			vxs_exit_flags(rec->isa, rec->reason)) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_EXIT_COUNT, rec->count,
			      VMEXIT_STAT_A_EXIT_PAD) ||
	    vxs_fill_latency(skb, VMEXIT_STAT_A_EXIT_LATENCY, &rec->lat) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_EXIT_USER_COUNT,
			      rec->user_count, VMEXIT_STAT_A_EXIT_PAD) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_EXIT_USER_NS, rec->user_ns,
			      VMEXIT_STAT_A_EXIT_PAD)) {
		nlmsg_trim(skb, start);
		return -EMSGSIZE;
	}
	return 0;
}

static int vxs_fill_user_exit(struct sk_buff *skb, const void *record,
			      bool by_vm)
{
	const struct vxs_user_record *rec = record;
	unsigned char *start = skb_tail_pointer(skb);

	if (nla_put_u32(skb, VMEXIT_STAT_A_UEXIT_VM_PID, rec->pid) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_UEXIT_VM_ID, rec->vm_id,
			      VMEXIT_STAT_A_UEXIT_PAD) ||
	    (by_vm && nla_put_flag(skb, VMEXIT_STAT_A_UEXIT_BY_VM)) ||
	    (!by_vm &&
	     (nla_put_u32(skb, VMEXIT_STAT_A_UEXIT_VCPU_ID, rec->vcpu_id) ||
	      nla_put_u32(skb, VMEXIT_STAT_A_UEXIT_VCPU_TID, rec->tid))) ||
	    nla_put_u32(skb, VMEXIT_STAT_A_UEXIT_REASON, rec->reason) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_UEXIT_COUNT, rec->count,
			      VMEXIT_STAT_A_UEXIT_PAD) ||
	    vxs_fill_latency(skb, VMEXIT_STAT_A_UEXIT_ROUND_TRIP,
			     &rec->round_trip)) {
		nlmsg_trim(skb, start);
		return -EMSGSIZE;
	}
	return 0;
}

static int vxs_fill_detail(struct sk_buff *skb, const void *record,
			   bool by_vm)
{
	const struct vxs_detail_record *rec = record;
	unsigned char *start = skb_tail_pointer(skb);

	if (nla_put_u32(skb, VMEXIT_STAT_A_DETAIL_VM_PID, rec->pid) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_DETAIL_VM_ID, rec->vm_id,
			      VMEXIT_STAT_A_DETAIL_PAD) ||
	    nla_put_u32(skb, VMEXIT_STAT_A_DETAIL_KIND, rec->kind) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_DETAIL_KEY, rec->key,
			      VMEXIT_STAT_A_DETAIL_PAD) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_DETAIL_COUNT, rec->count,
			      VMEXIT_STAT_A_DETAIL_PAD)) {
		nlmsg_trim(skb, start);
		return -EMSGSIZE;
	}
	return 0;
}

/* A comm that fills its array has no NUL; the attribute always does. */
static int vxs_put_comm(struct sk_buff *skb, int type, const char *comm,
			size_t size)
{
	size_t len = strnlen(comm, size);
	struct nlattr *nla = nla_reserve(skb, type, len + 1);

	if (!nla)
		return -EMSGSIZE;
	memcpy(nla_data(nla), comm, len);
	((char *)nla_data(nla))[len] = '\0';
	return 0;
}

static int vxs_fill_vm(struct sk_buff *skb, const void *record, bool by_vm)
{
	const struct vxs_vm_record *rec = record;
	unsigned char *start = skb_tail_pointer(skb);

	if (nla_put_u32(skb, VMEXIT_STAT_A_VM_PID, rec->pid) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_VM_ID, rec->vm_id,
			      VMEXIT_STAT_A_VM_PAD) ||
	    vxs_put_comm(skb, VMEXIT_STAT_A_VM_COMM, rec->comm,
			 sizeof(rec->comm)) ||
	    nla_put_u32(skb, VMEXIT_STAT_A_VM_STATE, rec->state) ||
	    nla_put_u32(skb, VMEXIT_STAT_A_VM_VCPUS_LIVE, rec->vcpus_live) ||
	    nla_put_u32(skb, VMEXIT_STAT_A_VM_VCPUS_SEEN, rec->vcpus_seen) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_VM_START_NS, rec->start_ns,
			      VMEXIT_STAT_A_VM_PAD) ||
	    (rec->state == VMEXIT_STAT_VM_ENDED &&
	     nla_put_u64_64bit(skb, VMEXIT_STAT_A_VM_END_NS, rec->end_ns,
			       VMEXIT_STAT_A_VM_PAD)) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_VM_EXITS, rec->exits,
			      VMEXIT_STAT_A_VM_PAD) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_VM_USER_EXITS,
			      rec->user_exits, VMEXIT_STAT_A_VM_PAD) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_VM_EXIT_NS, rec->exit_ns,
			      VMEXIT_STAT_A_VM_PAD) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_VM_DROPPED, rec->dropped,
			      VMEXIT_STAT_A_VM_PAD) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_VM_DETAILS_DROPPED,
			      rec->details_dropped, VMEXIT_STAT_A_VM_PAD)) {
		nlmsg_trim(skb, start);
		return -EMSGSIZE;
	}
	return 0;
}

static int vxs_fill_sched(struct sk_buff *skb, const void *record, bool by_vm)
{
	const struct vxs_sched_record *rec = record;
	const struct vxs_sched_stats *stats = &rec->stats;
	unsigned char *start = skb_tail_pointer(skb);

	if (nla_put_u32(skb, VMEXIT_STAT_A_SCHED_VM_PID, rec->pid) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_SCHED_VM_ID, rec->vm_id,
			      VMEXIT_STAT_A_SCHED_PAD) ||
	    (by_vm && nla_put_flag(skb, VMEXIT_STAT_A_SCHED_BY_VM)) ||
	    (!by_vm &&
	     (nla_put_u32(skb, VMEXIT_STAT_A_SCHED_VCPU_ID, rec->vcpu_id) ||
	      nla_put_u32(skb, VMEXIT_STAT_A_SCHED_VCPU_TID, rec->tid) ||
	      (rec->state &&
	       nla_put_u32(skb, VMEXIT_STAT_A_SCHED_STATE, rec->state)) ||
	      nla_put_u32(skb, VMEXIT_STAT_A_SCHED_CPU, rec->cpu))) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_SCHED_RUN_NS, stats->run_ns,
			      VMEXIT_STAT_A_SCHED_PAD) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_SCHED_WAIT_NS,
			      stats->wakeup.sum_ns + stats->preempt.sum_ns,
			      VMEXIT_STAT_A_SCHED_PAD) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_SCHED_IDLE_NS, stats->idle_ns,
			      VMEXIT_STAT_A_SCHED_PAD) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_SCHED_TIMESLICES,
			      stats->timeslices, VMEXIT_STAT_A_SCHED_PAD) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_SCHED_PREEMPTIONS,
			      stats->preemptions, VMEXIT_STAT_A_SCHED_PAD) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_SCHED_MIGRATIONS,
			      stats->migrations, VMEXIT_STAT_A_SCHED_PAD) ||
	    vxs_fill_latency(skb, VMEXIT_STAT_A_SCHED_WAKEUP_LAT,
			     &stats->wakeup) ||
	    vxs_fill_latency(skb, VMEXIT_STAT_A_SCHED_PREEMPT_LAT,
			     &stats->preempt)) {
		nlmsg_trim(skb, start);
		return -EMSGSIZE;
	}
	return 0;
}

static int vxs_fill_phase_exit(struct sk_buff *skb, u32 isa,
			       const struct vxs_phase_exit_record *exit)
{
	struct nlattr *nest = nla_nest_start(skb, VMEXIT_STAT_A_PHASE_EXIT);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, VMEXIT_STAT_A_PHASE_EXIT_ISA, isa) ||
	    nla_put_u32(skb, VMEXIT_STAT_A_PHASE_EXIT_CODE,
			vxs_exit_code(isa, exit->reason)) ||
	    nla_put_u32(skb, VMEXIT_STAT_A_PHASE_EXIT_FLAGS,
			vxs_exit_flags(isa, exit->reason)) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_PHASE_EXIT_COUNT, exit->count,
			      VMEXIT_STAT_A_PHASE_EXIT_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int vxs_fill_phase(struct sk_buff *skb, const void *record, bool by_vm)
{
	const struct vxs_phase_record *rec = record;
	unsigned char *start = skb_tail_pointer(skb);
	const struct {
		u16 type;
		u64 value;
	} u64s[] = {
		{ VMEXIT_STAT_A_PHASE_STARTS, rec->starts },
		{ VMEXIT_STAT_A_PHASE_ENDS, rec->ends },
		{ VMEXIT_STAT_A_PHASE_ACTIVE_NS, rec->active_ns },
		{ VMEXIT_STAT_A_PHASE_LAST_START_NS, rec->last_start_ns },
		{ VMEXIT_STAT_A_PHASE_LAST_END_NS, rec->last_end_ns },
		{ VMEXIT_STAT_A_PHASE_EXITS, rec->exits },
		{ VMEXIT_STAT_A_PHASE_WAIT_NS, rec->wait_ns },
	};
	size_t i;

	if (nla_put_u32(skb, VMEXIT_STAT_A_PHASE_VM_PID, rec->pid) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_PHASE_VM_ID, rec->vm_id,
			      VMEXIT_STAT_A_PHASE_PAD) ||
	    nla_put_u32(skb, VMEXIT_STAT_A_PHASE_VCPU_ID, rec->vcpu_id) ||
	    nla_put_u32(skb, VMEXIT_STAT_A_PHASE_VCPU_TID, rec->tid) ||
	    nla_put_u32(skb, VMEXIT_STAT_A_PHASE_ID, rec->id) ||
	    (rec->open && nla_put_flag(skb, VMEXIT_STAT_A_PHASE_OPEN)))
		goto cancel;
	for (i = 0; i < ARRAY_SIZE(u64s); i++)
		if (nla_put_u64_64bit(skb, u64s[i].type, u64s[i].value,
				      VMEXIT_STAT_A_PHASE_PAD))
			goto cancel;
	if (vxs_fill_latency(skb, VMEXIT_STAT_A_PHASE_EXIT_LATENCY, &rec->lat))
		goto cancel;
	for (i = 0; i < rec->nr_exits; i++)
		if (vxs_fill_phase_exit(skb, rec->isa, &rec->exit[i]))
			goto cancel;
	return 0;

cancel:
	nlmsg_trim(skb, start);
	return -EMSGSIZE;
}

static int vxs_fill_thief(struct sk_buff *skb,
			  const struct vxs_thief_record *thief)
{
	struct nlattr *nest = nla_nest_start(skb, VMEXIT_STAT_A_PCPU_THIEF);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, VMEXIT_STAT_A_THIEF_TID, thief->tid) ||
	    vxs_put_comm(skb, VMEXIT_STAT_A_THIEF_COMM, thief->comm,
			 sizeof(thief->comm)) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_THIEF_NS, thief->ns,
			      VMEXIT_STAT_A_THIEF_PAD) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_THIEF_OVER_NS,
			      thief->over_ns, VMEXIT_STAT_A_THIEF_PAD) ||
	    (thief->vm_pid &&
	     (nla_put_u32(skb, VMEXIT_STAT_A_THIEF_VM_PID, thief->vm_pid) ||
	      nla_put_u32(skb, VMEXIT_STAT_A_THIEF_VCPU_ID, thief->vcpu_id)))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int vxs_fill_cpu_sched(struct sk_buff *skb, const void *record,
			      bool by_vm)
{
	const struct vxs_cpu_sched_record *rec = record;
	unsigned char *start = skb_tail_pointer(skb);
	u32 i;

	if (nla_put_u32(skb, VMEXIT_STAT_A_PCPU_CPU, rec->cpu) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_PCPU_WAIT_NS, rec->wait_ns,
			      VMEXIT_STAT_A_PCPU_PAD) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_PCPU_VCPU_RUN_NS,
			      rec->vcpu_run_ns, VMEXIT_STAT_A_PCPU_PAD) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_PCPU_UNATTRIBUTED_NS,
			      rec->unattributed_ns, VMEXIT_STAT_A_PCPU_PAD) ||
	    vxs_fill_latency(skb, VMEXIT_STAT_A_PCPU_WAKEUP_LAT,
			     &rec->wakeup) ||
	    vxs_fill_latency(skb, VMEXIT_STAT_A_PCPU_PREEMPT_LAT,
			     &rec->preempt))
		goto cancel;
	for (i = 0; i < rec->nr_thieves && i < VMEXIT_STAT_THIEVES; i++)
		if (vxs_fill_thief(skb, &rec->thieves[i]))
			goto cancel;
	return 0;

cancel:
	nlmsg_trim(skb, start);
	return -EMSGSIZE;
}

static int vxs_fill_info(struct sk_buff *skb, const struct vxs_info *info)
{
	const struct {
		u16 type;
		u64 value;
	} u64s[] = {
		{ VMEXIT_STAT_A_INFO_EXITS_SEEN, info->exits_seen },
		/* The sum of the causes below. */
		{ VMEXIT_STAT_A_INFO_EXITS_DROPPED,
		  info->dropped_no_vcpu_slot + info->dropped_no_reason_slot +
		  info->dropped_unreadable },
		{ VMEXIT_STAT_A_INFO_ENTRIES_SEEN, info->entries_seen },
		{ VMEXIT_STAT_A_INFO_USER_EXITS_SEEN, info->user_exits_seen },
		{ VMEXIT_STAT_A_INFO_DROPPED_NO_VCPU_SLOT,
		  info->dropped_no_vcpu_slot },
		{ VMEXIT_STAT_A_INFO_DROPPED_NO_REASON_SLOT,
		  info->dropped_no_reason_slot },
		{ VMEXIT_STAT_A_INFO_DROPPED_UNREADABLE,
		  info->dropped_unreadable },
		{ VMEXIT_STAT_A_INFO_DETAILS_DROPPED, info->details_dropped },
		{ VMEXIT_STAT_A_INFO_EVENTS_DROPPED, info->events_dropped },
		{ VMEXIT_STAT_A_INFO_MEMORY_BYTES, info->memory_bytes },
		{ VMEXIT_STAT_A_INFO_MEMORY_USED_BYTES,
		  info->memory_used_bytes },
		{ VMEXIT_STAT_A_INFO_SCHED_SWITCHES_SEEN,
		  info->sched_switches_seen },
		{ VMEXIT_STAT_A_INFO_SCHED_MISSED, info->sched_missed },
		{ VMEXIT_STAT_A_INFO_MARKERS_SEEN, info->markers_seen },
		{ VMEXIT_STAT_A_INFO_MARKERS_UNMATCHED,
		  info->markers_unmatched },
		{ VMEXIT_STAT_A_INFO_PHASES_DROPPED, info->phases_dropped },
	};
	const struct {
		u16 type;
		u32 value;
	} u32s[] = {
		{ VMEXIT_STAT_A_INFO_VCPU_SLOTS, info->vcpu_slots },
		{ VMEXIT_STAT_A_INFO_EXIT_PROTO, vxs_exit_probe_proto() },
		{ VMEXIT_STAT_A_INFO_ISAS, VXS_ISAS },
		{ VMEXIT_STAT_A_INFO_VCPU_SLOTS_USED, info->vcpu_slots_used },
		{ VMEXIT_STAT_A_INFO_VMS, info->vms },
		{ VMEXIT_STAT_A_INFO_LAT_BUCKETS, VMEXIT_STAT_LAT_BUCKETS },
	};
	unsigned char *start = skb_tail_pointer(skb);
	size_t i;

	if (nla_put_string(skb, VMEXIT_STAT_A_INFO_VERSION, VXS_VERSION) ||
	    nla_put_string(skb, VMEXIT_STAT_A_INFO_KERNEL, UTS_RELEASE))
		goto cancel;
	for (i = 0; i < ARRAY_SIZE(u64s); i++)
		if (nla_put_u64_64bit(skb, u64s[i].type, u64s[i].value,
				      VMEXIT_STAT_A_INFO_PAD))
			goto cancel;
	for (i = 0; i < ARRAY_SIZE(u32s); i++)
		if (nla_put_u32(skb, u32s[i].type, u32s[i].value))
			goto cancel;
	return 0;

cancel:
	nlmsg_trim(skb, start);
	return -EMSGSIZE;
}

static int vxs_fill_config(struct sk_buff *skb,
			   const struct vxs_config *config,
			   bool unprivileged_read)
{
	unsigned char *start = skb_tail_pointer(skb);

	if (nla_put_u8(skb, VMEXIT_STAT_A_CONFIG_LATENCY, config->latency) ||
	    nla_put_u8(skb, VMEXIT_STAT_A_CONFIG_DETAILS, config->details) ||
	    nla_put_u32(skb, VMEXIT_STAT_A_CONFIG_ENDED_VM_TTL_S,
			config->ended_vm_ttl_s) ||
	    nla_put_u8(skb, VMEXIT_STAT_A_CONFIG_UNPRIVILEGED_READ,
		       unprivileged_read) ||
	    nla_put_u8(skb, VMEXIT_STAT_A_CONFIG_SCHED, config->sched)) {
		nlmsg_trim(skb, start);
		return -EMSGSIZE;
	}
	return 0;
}

static bool vxs_event_is_vcpu(const struct vxs_event *event)
{
	return event->cmd == VMEXIT_STAT_CMD_VCPU_START ||
	       event->cmd == VMEXIT_STAT_CMD_VCPU_STOP;
}

static int vxs_fill_event(struct sk_buff *skb, const struct vxs_event *event)
{
	unsigned char *start = skb_tail_pointer(skb);

	if (nla_put_u32(skb, VMEXIT_STAT_A_VM_PID, event->pid) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_VM_ID, event->vm_id,
			      VMEXIT_STAT_A_VM_PAD) ||
	    (vxs_event_is_vcpu(event) &&
	     (nla_put_u32(skb, VMEXIT_STAT_A_VM_VCPU_ID, event->vcpu_id) ||
	      nla_put_u32(skb, VMEXIT_STAT_A_VM_VCPU_TID, event->tid)))) {
		nlmsg_trim(skb, start);
		return -EMSGSIZE;
	}
	return 0;
}

/* --- Dumps: a snapshot taken at start, resumed message after message --- */

typedef int (*vxs_fill_record_fn)(struct sk_buff *skb, const void *record,
				  bool by_vm);

struct vxs_dump_kind {
	u8 cmd;
	size_t record_size;
	vxs_fill_record_fn fill;
};

static const struct vxs_dump_kind vxs_dump_exits = {
	.cmd = VMEXIT_STAT_CMD_GET_EXITS,
	.record_size = sizeof(struct vxs_exit_record),
	.fill = vxs_fill_exit,
};

static const struct vxs_dump_kind vxs_dump_user_exits = {
	.cmd = VMEXIT_STAT_CMD_GET_USER_EXITS,
	.record_size = sizeof(struct vxs_user_record),
	.fill = vxs_fill_user_exit,
};

static const struct vxs_dump_kind vxs_dump_details = {
	.cmd = VMEXIT_STAT_CMD_GET_DETAILS,
	.record_size = sizeof(struct vxs_detail_record),
	.fill = vxs_fill_detail,
};

static const struct vxs_dump_kind vxs_dump_vms = {
	.cmd = VMEXIT_STAT_CMD_GET_VMS,
	.record_size = sizeof(struct vxs_vm_record),
	.fill = vxs_fill_vm,
};

static const struct vxs_dump_kind vxs_dump_sched = {
	.cmd = VMEXIT_STAT_CMD_GET_SCHED,
	.record_size = sizeof(struct vxs_sched_record),
	.fill = vxs_fill_sched,
};

static const struct vxs_dump_kind vxs_dump_phases = {
	.cmd = VMEXIT_STAT_CMD_GET_PHASES,
	.record_size = sizeof(struct vxs_phase_record),
	.fill = vxs_fill_phase,
};

static const struct vxs_dump_kind vxs_dump_cpu_sched = {
	.cmd = VMEXIT_STAT_CMD_GET_CPU_SCHED,
	.record_size = sizeof(struct vxs_cpu_sched_record),
	.fill = vxs_fill_cpu_sched,
};

/* Lives in netlink_callback.ctx from .start to .done. */
struct vxs_dump_ctx {
	const struct vxs_dump_kind *kind;
	void *snap;			/* kvfree()d by .done */
	const void *records;		/* in snap */
	u32 nr;
	u32 next;			/* first record not sent yet */
	bool by_vm;
	/* Before 6.5: why ->start() refused, for the first ->dumpit(). */
	int refusal;
	const char *refusal_msg;
};

/* One record as one message; -EMSGSIZE leaves skb as it was. */
static int vxs_put_record(struct sk_buff *skb, const struct vxs_msg *msg,
			  vxs_fill_record_fn fill, const void *record,
			  bool by_vm)
{
	struct nlmsghdr *nlh = vxs_msg_start(skb, msg);

	if (!nlh)
		return -EMSGSIZE;
	if (fill(skb, record, by_vm)) {
		nlmsg_cancel(skb, nlh);
		return -EMSGSIZE;
	}
	nlmsg_end(skb, nlh);
	return 0;
}

/*
 * Adds the records from ctx->next on, as many as fit.  Returns skb->len,
 * so 0 once every record went out in earlier calls (the dump is done), or
 * -EMSGSIZE if not even one record fits in an empty skb.
 */
static int vxs_dump_resume(struct sk_buff *skb, struct vxs_dump_ctx *ctx,
			   const struct vxs_msg *msg)
{
	const char *records = ctx->records;

	while (ctx->next < ctx->nr) {
		const void *record = records +
				     (size_t)ctx->next * ctx->kind->record_size;

		if (vxs_put_record(skb, msg, ctx->kind->fill, record,
				   ctx->by_vm))
			return skb->len ?: -EMSGSIZE;
		ctx->next++;
	}
	return skb->len;
}

/* --- Requests ----------------------------------------------------------- */

static struct genl_family vxs_genl_family;

/*
 * Exit statistics show what guests do; like perf data about other users'
 * tasks they are kept from unprivileged users.  The module parameter is
 * looked at first so that a refused capability is not audited for nothing.
 */
static int vxs_may_read(struct netlink_ext_ack *extack)
{
	if (vxs_unprivileged_read() || perfmon_capable())
		return 0;
	NL_SET_ERR_MSG(extack,
		       "reading VM-exit statistics needs CAP_PERFMON or CAP_SYS_ADMIN (or the module parameter unprivileged_read=1)");
	return -EPERM;
}

/* Where each command keeps the filter attributes; 0: not a filter of it. */
struct vxs_filter_attrs {
	u16 pid;
	u16 vm_id;
	u16 vcpu_id;
	u16 by_vm;
	u16 limit;
	u16 cpu;
	u16 phase;
};

static int vxs_parse_filter(struct nlattr **attrs,
			    const struct vxs_filter_attrs *where,
			    struct vxs_filter *filter,
			    struct netlink_ext_ack *extack)
{
	memset(filter, 0, sizeof(*filter));
	if (attrs[where->pid]) {
		filter->by_pid = true;
		filter->pid = nla_get_u32(attrs[where->pid]);
	}
	if (attrs[where->vm_id]) {
		filter->by_vm_id = true;
		filter->vm_id = nla_get_u64(attrs[where->vm_id]);
	}
	if (where->vcpu_id && attrs[where->vcpu_id]) {
		filter->by_vcpu = true;
		filter->vcpu_id = nla_get_u32(attrs[where->vcpu_id]);
	}
	if (where->by_vm && attrs[where->by_vm])
		filter->by_vm = true;
	if (filter->by_vm && filter->by_vcpu) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[where->by_vm],
				    "by-vm sums the vCPUs of a VM; it cannot be combined with a vcpu-id filter");
		return -EINVAL;
	}
	if (where->cpu && attrs[where->cpu]) {
		filter->by_cpu = true;
		filter->cpu = nla_get_u32(attrs[where->cpu]);
	}
	if (where->phase && attrs[where->phase]) {
		filter->by_phase = true;
		filter->phase_id = nla_get_u32(attrs[where->phase]);
	}
	filter->limit = VMEXIT_STAT_DETAIL_LIMIT_DEFAULT;
	if (where->limit && attrs[where->limit])
		filter->limit = nla_get_u32(attrs[where->limit]);
	return 0;
}

static struct nlattr **vxs_dump_attrs(struct netlink_callback *cb)
{
#if VXS_GENL_DUMP_HAS_INFO
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

static const struct vxs_filter_attrs vxs_exit_filter_attrs = {
	.pid = VMEXIT_STAT_A_EXIT_VM_PID,
	.vm_id = VMEXIT_STAT_A_EXIT_VM_ID,
	.vcpu_id = VMEXIT_STAT_A_EXIT_VCPU_ID,
	.by_vm = VMEXIT_STAT_A_EXIT_BY_VM,
};

static const struct vxs_filter_attrs vxs_user_filter_attrs = {
	.pid = VMEXIT_STAT_A_UEXIT_VM_PID,
	.vm_id = VMEXIT_STAT_A_UEXIT_VM_ID,
	.vcpu_id = VMEXIT_STAT_A_UEXIT_VCPU_ID,
	.by_vm = VMEXIT_STAT_A_UEXIT_BY_VM,
};

static const struct vxs_filter_attrs vxs_detail_filter_attrs = {
	.pid = VMEXIT_STAT_A_DETAIL_VM_PID,
	.vm_id = VMEXIT_STAT_A_DETAIL_VM_ID,
	.limit = VMEXIT_STAT_A_DETAIL_LIMIT,
};

static const struct vxs_filter_attrs vxs_vm_filter_attrs = {
	.pid = VMEXIT_STAT_A_VM_PID,
	.vm_id = VMEXIT_STAT_A_VM_ID,
};

static const struct vxs_filter_attrs vxs_sched_filter_attrs = {
	.pid = VMEXIT_STAT_A_SCHED_VM_PID,
	.vm_id = VMEXIT_STAT_A_SCHED_VM_ID,
	.vcpu_id = VMEXIT_STAT_A_SCHED_VCPU_ID,
	.by_vm = VMEXIT_STAT_A_SCHED_BY_VM,
};

static const struct vxs_filter_attrs vxs_phase_filter_attrs = {
	.pid = VMEXIT_STAT_A_PHASE_VM_PID,
	.vm_id = VMEXIT_STAT_A_PHASE_VM_ID,
	.vcpu_id = VMEXIT_STAT_A_PHASE_VCPU_ID,
	.phase = VMEXIT_STAT_A_PHASE_ID,
};

static const struct vxs_filter_attrs vxs_cpu_sched_filter_attrs = {
	.cpu = VMEXIT_STAT_A_PCPU_CPU,
};

/* Permission and filter of a dump; the snapshot is the caller's. */
static int vxs_dump_prepare(struct netlink_callback *cb,
			    const struct vxs_filter_attrs *where,
			    struct vxs_filter *filter,
			    struct netlink_ext_ack *extack)
{
	int err;

	err = vxs_may_read(extack);
	if (err)
		return err;
	return vxs_parse_filter(vxs_dump_attrs(cb), where, filter, extack);
}

static int vxs_dump_begin(struct netlink_callback *cb,
			  const struct vxs_dump_kind *kind, void *snap,
			  const void *records, u32 nr, bool by_vm,
			  struct netlink_ext_ack *extack)
{
	struct vxs_dump_ctx *ctx = (struct vxs_dump_ctx *)cb->ctx;

	if (!snap) {
		NL_SET_ERR_MSG(extack,
			       "no memory for a snapshot of the statistics");
		return -ENOMEM;
	}
	ctx->kind = kind;
	ctx->snap = snap;
	ctx->records = records;
	ctx->nr = nr;
	ctx->next = 0;
	ctx->by_vm = by_vm;
	return 0;
}

/*
 * Before 6.5 a dump's ->start() runs without an extack (cb->extack is
 * NULL there), so a refusal from it would reach the user as a bare errno.
 * There the refusal is kept in the dump's context and the first
 * ->dumpit() returns it: the dump then ends in NLMSG_DONE with the errno
 * and the message.
 */
typedef int (*vxs_dump_begin_fn)(struct netlink_callback *cb,
				 struct netlink_ext_ack *extack);

static int vxs_dump_start(struct netlink_callback *cb, vxs_dump_begin_fn begin)
{
	struct vxs_dump_ctx *ctx = (struct vxs_dump_ctx *)cb->ctx;
	struct netlink_ext_ack extack = {};
	int err;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));

	if (VXS_GENL_START_HAS_EXTACK)
		return begin(cb, cb->extack);
	err = begin(cb, &extack);
	if (err) {
		ctx->refusal = err;
		ctx->refusal_msg = extack._msg;
	}
	return 0;
}

static int vxs_get_exits_begin(struct netlink_callback *cb,
			       struct netlink_ext_ack *extack)
{
	struct vxs_exit_snapshot *snap;
	struct vxs_filter filter;
	int err;

	err = vxs_dump_prepare(cb, &vxs_exit_filter_attrs, &filter, extack);
	if (err)
		return err;
	snap = vxs_exits_snapshot(&filter);
	return vxs_dump_begin(cb, &vxs_dump_exits, snap,
			      snap ? snap->rec : NULL, snap ? snap->nr : 0,
			      filter.by_vm, extack);
}

static int vxs_genl_get_exits_start(struct netlink_callback *cb)
{
	return vxs_dump_start(cb, vxs_get_exits_begin);
}

static int vxs_get_user_exits_begin(struct netlink_callback *cb,
				    struct netlink_ext_ack *extack)
{
	struct vxs_user_snapshot *snap;
	struct vxs_filter filter;
	int err;

	err = vxs_dump_prepare(cb, &vxs_user_filter_attrs, &filter, extack);
	if (err)
		return err;
	snap = vxs_user_snapshot(&filter);
	return vxs_dump_begin(cb, &vxs_dump_user_exits, snap,
			      snap ? snap->rec : NULL, snap ? snap->nr : 0,
			      filter.by_vm, extack);
}

static int vxs_genl_get_user_exits_start(struct netlink_callback *cb)
{
	return vxs_dump_start(cb, vxs_get_user_exits_begin);
}

static int vxs_get_details_begin(struct netlink_callback *cb,
				 struct netlink_ext_ack *extack)
{
	struct vxs_detail_snapshot *snap;
	struct vxs_filter filter;
	int err;

	err = vxs_dump_prepare(cb, &vxs_detail_filter_attrs, &filter, extack);
	if (err)
		return err;
	snap = vxs_details_snapshot(&filter);
	return vxs_dump_begin(cb, &vxs_dump_details, snap,
			      snap ? snap->rec : NULL, snap ? snap->nr : 0,
			      false, extack);
}

static int vxs_genl_get_details_start(struct netlink_callback *cb)
{
	return vxs_dump_start(cb, vxs_get_details_begin);
}

static int vxs_get_vms_begin(struct netlink_callback *cb,
			     struct netlink_ext_ack *extack)
{
	struct vxs_vm_snapshot *snap;
	struct vxs_filter filter;
	int err;

	err = vxs_dump_prepare(cb, &vxs_vm_filter_attrs, &filter, extack);
	if (err)
		return err;
	snap = vxs_vms_snapshot(&filter);
	return vxs_dump_begin(cb, &vxs_dump_vms, snap,
			      snap ? snap->rec : NULL, snap ? snap->nr : 0,
			      false, extack);
}

static int vxs_genl_get_vms_start(struct netlink_callback *cb)
{
	return vxs_dump_start(cb, vxs_get_vms_begin);
}

static int vxs_get_sched_begin(struct netlink_callback *cb,
			       struct netlink_ext_ack *extack)
{
	struct vxs_sched_snapshot *snap;
	struct vxs_filter filter;
	int err;

	err = vxs_dump_prepare(cb, &vxs_sched_filter_attrs, &filter, extack);
	if (err)
		return err;
	snap = vxs_sched_snapshot(&filter);
	return vxs_dump_begin(cb, &vxs_dump_sched, snap,
			      snap ? snap->rec : NULL, snap ? snap->nr : 0,
			      filter.by_vm, extack);
}

static int vxs_genl_get_sched_start(struct netlink_callback *cb)
{
	return vxs_dump_start(cb, vxs_get_sched_begin);
}

static int vxs_get_cpu_sched_begin(struct netlink_callback *cb,
				   struct netlink_ext_ack *extack)
{
	struct vxs_cpu_sched_snapshot *snap;
	struct vxs_filter filter;
	int err;

	err = vxs_dump_prepare(cb, &vxs_cpu_sched_filter_attrs, &filter,
			       extack);
	if (err)
		return err;
	if (filter.by_cpu && (filter.cpu >= nr_cpu_ids ||
			      !cpu_possible(filter.cpu))) {
		NL_SET_ERR_MSG_ATTR(extack,
				    vxs_dump_attrs(cb)[VMEXIT_STAT_A_PCPU_CPU],
				    "no such CPU");
		return -EINVAL;
	}
	snap = vxs_cpu_sched_snapshot(&filter);
	return vxs_dump_begin(cb, &vxs_dump_cpu_sched, snap,
			      snap ? snap->rec : NULL, snap ? snap->nr : 0,
			      false, extack);
}

static int vxs_genl_get_cpu_sched_start(struct netlink_callback *cb)
{
	return vxs_dump_start(cb, vxs_get_cpu_sched_begin);
}

static int vxs_get_phases_begin(struct netlink_callback *cb,
				struct netlink_ext_ack *extack)
{
	struct vxs_phase_snapshot *snap;
	struct vxs_filter filter;
	int err;

	err = vxs_dump_prepare(cb, &vxs_phase_filter_attrs, &filter, extack);
	if (err)
		return err;
	snap = vxs_phase_snapshot(&filter);
	return vxs_dump_begin(cb, &vxs_dump_phases, snap,
			      snap ? snap->rec : NULL, snap ? snap->nr : 0,
			      false, extack);
}

static int vxs_genl_get_phases_start(struct netlink_callback *cb)
{
	return vxs_dump_start(cb, vxs_get_phases_begin);
}

static int vxs_genl_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vxs_dump_ctx *ctx = (struct vxs_dump_ctx *)cb->ctx;
	struct vxs_msg msg = {
		.portid = NETLINK_CB(cb->skb).portid,
		.seq = cb->nlh->nlmsg_seq,
		.family_id = vxs_genl_family.id,
		.flags = NLM_F_MULTI,
	};
	int ret;

	if (unlikely(ctx->refusal)) {
		/* Set by NL_SET_ERR_MSG() in ->start(): a static string. */
		if (cb->extack)
			cb->extack->_msg = ctx->refusal_msg;
		return ctx->refusal;
	}
	msg.cmd = ctx->kind->cmd;
	ret = vxs_dump_resume(skb, ctx, &msg);

	if (ret < 0)
		NL_SET_ERR_MSG(cb->extack,
			       "a record does not fit in an empty dump message");
	return ret;
}

static int vxs_genl_dump_done(struct netlink_callback *cb)
{
	struct vxs_dump_ctx *ctx = (struct vxs_dump_ctx *)cb->ctx;

	kvfree(ctx->snap);
	ctx->snap = NULL;
	return 0;
}

/* A do request's reply: one message filled by fill(skb, arg). */
static int vxs_reply(struct genl_info *info, u8 cmd,
		     int (*fill)(struct sk_buff *skb, const void *arg),
		     const void *arg)
{
	const struct vxs_msg msg = {
		.portid = info->snd_portid,
		.seq = info->snd_seq,
		.family_id = vxs_genl_family.id,
		.cmd = cmd,
	};
	struct nlmsghdr *nlh;
	struct sk_buff *skb;

	skb = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!skb) {
		GENL_SET_ERR_MSG(info, "no memory for the reply");
		return -ENOMEM;
	}
	nlh = vxs_msg_start(skb, &msg);
	if (!nlh || fill(skb, arg)) {
		nlmsg_free(skb);
		GENL_SET_ERR_MSG(info, "the reply does not fit in a message");
		return -EMSGSIZE;
	}
	nlmsg_end(skb, nlh);
	return genlmsg_reply(skb, info);
}

static int vxs_fill_info_reply(struct sk_buff *skb, const void *arg)
{
	return vxs_fill_info(skb, arg);
}

static int vxs_genl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct vxs_info stats;
	int err;

	err = vxs_may_read(info->extack);
	if (err)
		return err;
	vxs_info_get(&stats);
	stats.events_dropped += atomic64_read(&vxs_events_lost);
	return vxs_reply(info, VMEXIT_STAT_CMD_GET_INFO, vxs_fill_info_reply,
			 &stats);
}

static int vxs_fill_config_reply(struct sk_buff *skb, const void *arg)
{
	return vxs_fill_config(skb, arg, vxs_unprivileged_read());
}

static int vxs_genl_get_config(struct sk_buff *skb, struct genl_info *info)
{
	struct vxs_config config;
	int err;

	err = vxs_may_read(info->extack);
	if (err)
		return err;
	vxs_config_get(&config);
	return vxs_reply(info, VMEXIT_STAT_CMD_GET_CONFIG,
			 vxs_fill_config_reply, &config);
}

static int vxs_genl_set_config(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct vxs_config config;
	struct nlattr *nla;

	if (!attrs[VMEXIT_STAT_A_CONFIG_LATENCY] &&
	    !attrs[VMEXIT_STAT_A_CONFIG_DETAILS] &&
	    !attrs[VMEXIT_STAT_A_CONFIG_ENDED_VM_TTL_S] &&
	    !attrs[VMEXIT_STAT_A_CONFIG_SCHED]) {
		GENL_SET_ERR_MSG(info,
				 "set-config needs latency, details, ended-vm-ttl-s or sched");
		return -EINVAL;
	}

	mutex_lock(&vxs_config_lock);
	vxs_config_get(&config);
	nla = attrs[VMEXIT_STAT_A_CONFIG_LATENCY];
	if (nla)
		config.latency = nla_get_u8(nla);
	nla = attrs[VMEXIT_STAT_A_CONFIG_DETAILS];
	if (nla)
		config.details = nla_get_u8(nla);
	nla = attrs[VMEXIT_STAT_A_CONFIG_ENDED_VM_TTL_S];
	if (nla)
		config.ended_vm_ttl_s = nla_get_u32(nla);
	nla = attrs[VMEXIT_STAT_A_CONFIG_SCHED];
	if (nla)
		config.sched = nla_get_u8(nla);
	vxs_config_set(&config);
	mutex_unlock(&vxs_config_lock);
	return 0;
}

static int vxs_genl_reset(struct sk_buff *skb, struct genl_info *info)
{
	vxs_reset();
	atomic64_set(&vxs_events_lost, 0);
	return 0;
}

/* --- Policies: one per command, validated strictly ---------------------- */

/*
 * Commands without request attributes: with a policy every attribute is
 * parsed, and strict validation refuses type 1 as unsupported (NLA_UNSPEC)
 * and every higher type as unknown.  Without one, 5.10 would not look at
 * the attributes at all.
 */
static const struct nla_policy vxs_no_attrs_policy[2] = {};

static const struct nla_policy vxs_get_exits_policy[] = {
	[VMEXIT_STAT_A_EXIT_VM_PID] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_EXIT_VM_ID] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_EXIT_VCPU_ID] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_EXIT_BY_VM] = { .type = NLA_FLAG },
};

static const struct nla_policy vxs_get_user_exits_policy[] = {
	[VMEXIT_STAT_A_UEXIT_VM_PID] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_UEXIT_VM_ID] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_UEXIT_VCPU_ID] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_UEXIT_BY_VM] = { .type = NLA_FLAG },
};

static const struct nla_policy vxs_get_details_policy[] = {
	[VMEXIT_STAT_A_DETAIL_VM_PID] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_DETAIL_VM_ID] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_DETAIL_LIMIT] =
		NLA_POLICY_RANGE(NLA_U32, 1, VXS_DETAIL_LIMIT_MAX),
};

static const struct nla_policy vxs_get_vms_policy[] = {
	[VMEXIT_STAT_A_VM_PID] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_VM_ID] = { .type = NLA_U64 },
};

static const struct nla_policy vxs_set_config_policy[] = {
	[VMEXIT_STAT_A_CONFIG_LATENCY] = NLA_POLICY_MAX(NLA_U8, 1),
	[VMEXIT_STAT_A_CONFIG_DETAILS] = NLA_POLICY_MAX(NLA_U8, 1),
	[VMEXIT_STAT_A_CONFIG_ENDED_VM_TTL_S] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_CONFIG_UNPRIVILEGED_READ] = {
		.type = NLA_REJECT,
		.reject_message = "unprivileged_read is a module parameter (/sys/module/vmexit_stat/parameters/unprivileged_read)",
	},
	[VMEXIT_STAT_A_CONFIG_SCHED] = NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct nla_policy vxs_get_sched_policy[] = {
	[VMEXIT_STAT_A_SCHED_VM_PID] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_SCHED_VM_ID] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_SCHED_VCPU_ID] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_SCHED_BY_VM] = { .type = NLA_FLAG },
};

static const struct nla_policy vxs_get_cpu_sched_policy[] = {
	[VMEXIT_STAT_A_PCPU_CPU] = { .type = NLA_U32 },
};

static const struct nla_policy vxs_get_phases_policy[] = {
	[VMEXIT_STAT_A_PHASE_VM_PID] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_PHASE_VM_ID] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_PHASE_VCPU_ID] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_PHASE_ID] =
		NLA_POLICY_MAX(NLA_U32, VMEXIT_STAT_PHASE_ID_MAX),
};

/*
 * .validate stays 0 on every command: strict parsing of do and dump
 * requests is what genetlink does without GENL_DONT_VALIDATE_* flags, on
 * 5.10 as on 6.x (where commands from resv_start_op on must not set any).
 */
static const struct genl_ops vxs_genl_ops[] = {
	{
		.cmd = VMEXIT_STAT_CMD_GET_INFO,
		.doit = vxs_genl_get_info,
		.policy = vxs_no_attrs_policy,
		.maxattr = ARRAY_SIZE(vxs_no_attrs_policy) - 1,
	},
	{
		.cmd = VMEXIT_STAT_CMD_GET_EXITS,
		.start = vxs_genl_get_exits_start,
		.dumpit = vxs_genl_dumpit,
		.done = vxs_genl_dump_done,
		.policy = vxs_get_exits_policy,
		.maxattr = ARRAY_SIZE(vxs_get_exits_policy) - 1,
	},
	{
		.cmd = VMEXIT_STAT_CMD_RESET,
		.doit = vxs_genl_reset,
		.flags = GENL_ADMIN_PERM,
		.policy = vxs_no_attrs_policy,
		.maxattr = ARRAY_SIZE(vxs_no_attrs_policy) - 1,
	},
	{
		.cmd = VMEXIT_STAT_CMD_GET_USER_EXITS,
		.start = vxs_genl_get_user_exits_start,
		.dumpit = vxs_genl_dumpit,
		.done = vxs_genl_dump_done,
		.policy = vxs_get_user_exits_policy,
		.maxattr = ARRAY_SIZE(vxs_get_user_exits_policy) - 1,
	},
	{
		.cmd = VMEXIT_STAT_CMD_GET_DETAILS,
		.start = vxs_genl_get_details_start,
		.dumpit = vxs_genl_dumpit,
		.done = vxs_genl_dump_done,
		.policy = vxs_get_details_policy,
		.maxattr = ARRAY_SIZE(vxs_get_details_policy) - 1,
	},
	{
		.cmd = VMEXIT_STAT_CMD_GET_VMS,
		.start = vxs_genl_get_vms_start,
		.dumpit = vxs_genl_dumpit,
		.done = vxs_genl_dump_done,
		.policy = vxs_get_vms_policy,
		.maxattr = ARRAY_SIZE(vxs_get_vms_policy) - 1,
	},
	{
		.cmd = VMEXIT_STAT_CMD_GET_CONFIG,
		.doit = vxs_genl_get_config,
		.policy = vxs_no_attrs_policy,
		.maxattr = ARRAY_SIZE(vxs_no_attrs_policy) - 1,
	},
	{
		.cmd = VMEXIT_STAT_CMD_SET_CONFIG,
		.doit = vxs_genl_set_config,
		.flags = GENL_ADMIN_PERM,
		.policy = vxs_set_config_policy,
		.maxattr = ARRAY_SIZE(vxs_set_config_policy) - 1,
	},
	{
		.cmd = VMEXIT_STAT_CMD_GET_SCHED,
		.start = vxs_genl_get_sched_start,
		.dumpit = vxs_genl_dumpit,
		.done = vxs_genl_dump_done,
		.policy = vxs_get_sched_policy,
		.maxattr = ARRAY_SIZE(vxs_get_sched_policy) - 1,
	},
	{
		.cmd = VMEXIT_STAT_CMD_GET_CPU_SCHED,
		.start = vxs_genl_get_cpu_sched_start,
		.dumpit = vxs_genl_dumpit,
		.done = vxs_genl_dump_done,
		.policy = vxs_get_cpu_sched_policy,
		.maxattr = ARRAY_SIZE(vxs_get_cpu_sched_policy) - 1,
	},
	{
		.cmd = VMEXIT_STAT_CMD_GET_PHASES,
		.start = vxs_genl_get_phases_start,
		.dumpit = vxs_genl_dumpit,
		.done = vxs_genl_dump_done,
		.policy = vxs_get_phases_policy,
		.maxattr = ARRAY_SIZE(vxs_get_phases_policy) - 1,
	},
};

static struct genl_multicast_group vxs_genl_mcgrps[] __ro_after_init = {
	[VXS_MCGRP_LIFECYCLE] = { .name = VMEXIT_STAT_MCGRP_LIFECYCLE },
};

static struct genl_family vxs_genl_family __ro_after_init = {
	.name = VMEXIT_STAT_FAMILY_NAME,
	.version = VMEXIT_STAT_FAMILY_VERSION,
	.module = THIS_MODULE,
	.ops = vxs_genl_ops,
	.n_ops = ARRAY_SIZE(vxs_genl_ops),
	.mcgrps = vxs_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(vxs_genl_mcgrps),
#if VXS_GENL_HAS_RESV_START_OP
	/* Version 2 is a new ABI: check every command's header and flags. */
	.resv_start_op = VMEXIT_STAT_CMD_GET_INFO,
#endif
	.parallel_ops = true,
};

/*
 * The lifecycle group tells which processes run VMs; it follows the read
 * permission as the module parameter stands at load.  Joining a group can
 * only require CAP_SYS_ADMIN (or CAP_NET_ADMIN), not CAP_PERFMON.  Newer
 * kernels and stable updates have a flag for it, older ones a bit field:
 * the flag itself is tested because stable kernels got it.
 */
static void vxs_genl_restrict_lifecycle(void)
{
#ifdef GENL_MCAST_CAP_SYS_ADMIN
	vxs_genl_mcgrps[VXS_MCGRP_LIFECYCLE].flags = GENL_MCAST_CAP_SYS_ADMIN;
#else
	vxs_genl_mcgrps[VXS_MCGRP_LIFECYCLE].cap_sys_admin = 1;
#endif
}

int vxs_genl_register(void)
{
	if (!vxs_unprivileged_read())
		vxs_genl_restrict_lifecycle();
	return genl_register_family(&vxs_genl_family);
}

void vxs_genl_unregister(void)
{
	genl_unregister_family(&vxs_genl_family);
}

/* The largest event: pid, vm id (maybe padded), vCPU id and tid. */
#define VXS_EVENT_SIZE \
	(GENL_HDRLEN + 3 * nla_total_size(sizeof(u32)) + \
	 nla_total_size_64bit(sizeof(u64)))

void vxs_genl_notify(const struct vxs_event *event)
{
	const struct vxs_msg msg = {
		.family_id = vxs_genl_family.id,
		.cmd = event->cmd,
	};
	struct nlmsghdr *nlh;
	struct sk_buff *skb;
	int err;

	might_sleep();
	if (!genl_has_listeners(&vxs_genl_family, &init_net,
				VXS_MCGRP_LIFECYCLE))
		return;

	skb = nlmsg_new(VXS_EVENT_SIZE, GFP_KERNEL);
	if (!skb)
		goto lost;
	nlh = vxs_msg_start(skb, &msg);
	if (!nlh || vxs_fill_event(skb, event)) {
		nlmsg_free(skb);
		goto lost;
	}
	nlmsg_end(skb, nlh);
	err = genlmsg_multicast(&vxs_genl_family, skb, 0, VXS_MCGRP_LIFECYCLE,
				GFP_KERNEL);
	/* -ESRCH: the last listener left meanwhile; nothing was lost. */
	if (err && err != -ESRCH)
		goto lost;
	return;

lost:
	atomic64_inc(&vxs_events_lost);
}
