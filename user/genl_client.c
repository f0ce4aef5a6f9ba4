// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit_stat generic netlink client, over libnl-genl-3.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/vmexit_stat.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/socket.h>

#include "genl_client.h"

/* Bounded, so that a dump interrupted over and over cannot loop forever. */
#define DUMP_ATTEMPTS 3

/* Room for a burst of notifications; each one is well under 200 bytes. */
#define EVENT_BUF_SIZE 32768

#define LAT_HIST_SIZE (VMEXIT_STAT_LAT_BUCKETS * sizeof(uint64_t))

static const struct nla_policy lat_policy[VMEXIT_STAT_A_LAT_MAX + 1] = {
	[VMEXIT_STAT_A_LAT_COUNT] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_LAT_SUM_NS] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_LAT_MIN_NS] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_LAT_MAX_NS] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_LAT_HIST] = { .type = NLA_UNSPEC,
				     .minlen = LAT_HIST_SIZE,
				     .maxlen = LAT_HIST_SIZE },
};

static const struct nla_policy exit_policy[VMEXIT_STAT_A_EXIT_MAX + 1] = {
	[VMEXIT_STAT_A_EXIT_VM_PID] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_EXIT_VM_ID] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_EXIT_VCPU_ID] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_EXIT_VCPU_TID] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_EXIT_ISA] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_EXIT_CODE] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_EXIT_FLAGS] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_EXIT_COUNT] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_EXIT_LATENCY] = { .type = NLA_NESTED },
	[VMEXIT_STAT_A_EXIT_USER_COUNT] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_EXIT_USER_NS] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_EXIT_BY_VM] = { .type = NLA_FLAG },
};

static const struct nla_policy uexit_policy[VMEXIT_STAT_A_UEXIT_MAX + 1] = {
	[VMEXIT_STAT_A_UEXIT_VM_PID] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_UEXIT_VM_ID] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_UEXIT_VCPU_ID] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_UEXIT_VCPU_TID] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_UEXIT_REASON] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_UEXIT_COUNT] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_UEXIT_ROUND_TRIP] = { .type = NLA_NESTED },
	[VMEXIT_STAT_A_UEXIT_BY_VM] = { .type = NLA_FLAG },
};

static const struct nla_policy detail_policy[VMEXIT_STAT_A_DETAIL_MAX + 1] = {
	[VMEXIT_STAT_A_DETAIL_VM_PID] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_DETAIL_VM_ID] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_DETAIL_KIND] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_DETAIL_KEY] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_DETAIL_COUNT] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_DETAIL_LIMIT] = { .type = NLA_U32 },
};

static const struct nla_policy vm_policy[VMEXIT_STAT_A_VM_MAX + 1] = {
	[VMEXIT_STAT_A_VM_PID] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_VM_ID] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_VM_COMM] = { .type = NLA_STRING },
	[VMEXIT_STAT_A_VM_STATE] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_VM_VCPUS_LIVE] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_VM_VCPUS_SEEN] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_VM_START_NS] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_VM_END_NS] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_VM_EXITS] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_VM_USER_EXITS] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_VM_EXIT_NS] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_VM_DROPPED] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_VM_DETAILS_DROPPED] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_VM_VCPU_ID] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_VM_VCPU_TID] = { .type = NLA_U32 },
};

static const struct nla_policy config_policy[VMEXIT_STAT_A_CONFIG_MAX + 1] = {
	[VMEXIT_STAT_A_CONFIG_LATENCY] = { .type = NLA_U8 },
	[VMEXIT_STAT_A_CONFIG_DETAILS] = { .type = NLA_U8 },
	[VMEXIT_STAT_A_CONFIG_ENDED_VM_TTL_S] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_CONFIG_UNPRIVILEGED_READ] = { .type = NLA_U8 },
	[VMEXIT_STAT_A_CONFIG_SCHED] = { .type = NLA_U8 },
};

static const struct nla_policy info_policy[VMEXIT_STAT_A_INFO_MAX + 1] = {
	[VMEXIT_STAT_A_INFO_VERSION] = { .type = NLA_STRING },
	[VMEXIT_STAT_A_INFO_KERNEL] = { .type = NLA_STRING },
	[VMEXIT_STAT_A_INFO_EXITS_SEEN] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_INFO_EXITS_DROPPED] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_INFO_VCPU_SLOTS] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_INFO_EXIT_PROTO] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_INFO_ISAS] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_INFO_ENTRIES_SEEN] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_INFO_USER_EXITS_SEEN] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_INFO_DROPPED_NO_VCPU_SLOT] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_INFO_DROPPED_NO_REASON_SLOT] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_INFO_DROPPED_UNREADABLE] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_INFO_DETAILS_DROPPED] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_INFO_EVENTS_DROPPED] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_INFO_MEMORY_BYTES] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_INFO_MEMORY_USED_BYTES] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_INFO_VCPU_SLOTS_USED] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_INFO_VMS] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_INFO_LAT_BUCKETS] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_INFO_SCHED_SWITCHES_SEEN] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_INFO_SCHED_MISSED] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_INFO_MARKERS_SEEN] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_INFO_MARKERS_UNMATCHED] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_INFO_PHASES_DROPPED] = { .type = NLA_U64 },
};

/*
 * The scheduling replies are new enough to be exact: an integer of any
 * other size than its own is refused, not read in part.
 */
#define SCHED_U32                                           \
	{                                                   \
		.type = NLA_U32, .maxlen = sizeof(uint32_t) \
	}
#define SCHED_U64                                           \
	{                                                   \
		.type = NLA_U64, .maxlen = sizeof(uint64_t) \
	}

static const struct nla_policy sched_policy[VMEXIT_STAT_A_SCHED_MAX + 1] = {
	[VMEXIT_STAT_A_SCHED_VM_PID] = SCHED_U32,
	[VMEXIT_STAT_A_SCHED_VM_ID] = SCHED_U64,
	[VMEXIT_STAT_A_SCHED_VCPU_ID] = SCHED_U32,
	[VMEXIT_STAT_A_SCHED_VCPU_TID] = SCHED_U32,
	[VMEXIT_STAT_A_SCHED_BY_VM] = { .type = NLA_FLAG },
	[VMEXIT_STAT_A_SCHED_STATE] = SCHED_U32,
	[VMEXIT_STAT_A_SCHED_CPU] = SCHED_U32,
	[VMEXIT_STAT_A_SCHED_RUN_NS] = SCHED_U64,
	[VMEXIT_STAT_A_SCHED_WAIT_NS] = SCHED_U64,
	[VMEXIT_STAT_A_SCHED_IDLE_NS] = SCHED_U64,
	[VMEXIT_STAT_A_SCHED_TIMESLICES] = SCHED_U64,
	[VMEXIT_STAT_A_SCHED_PREEMPTIONS] = SCHED_U64,
	[VMEXIT_STAT_A_SCHED_MIGRATIONS] = SCHED_U64,
	[VMEXIT_STAT_A_SCHED_WAKEUP_LAT] = { .type = NLA_NESTED },
	[VMEXIT_STAT_A_SCHED_PREEMPT_LAT] = { .type = NLA_NESTED },
};

static const struct nla_policy pcpu_policy[VMEXIT_STAT_A_PCPU_MAX + 1] = {
	[VMEXIT_STAT_A_PCPU_CPU] = SCHED_U32,
	[VMEXIT_STAT_A_PCPU_WAIT_NS] = SCHED_U64,
	[VMEXIT_STAT_A_PCPU_VCPU_RUN_NS] = SCHED_U64,
	[VMEXIT_STAT_A_PCPU_UNATTRIBUTED_NS] = SCHED_U64,
	[VMEXIT_STAT_A_PCPU_WAKEUP_LAT] = { .type = NLA_NESTED },
	[VMEXIT_STAT_A_PCPU_PREEMPT_LAT] = { .type = NLA_NESTED },
	[VMEXIT_STAT_A_PCPU_THIEF] = { .type = NLA_NESTED },
};

static const struct nla_policy thief_policy[VMEXIT_STAT_A_THIEF_MAX + 1] = {
	[VMEXIT_STAT_A_THIEF_TID] = SCHED_U32,
	[VMEXIT_STAT_A_THIEF_COMM] = { .type = NLA_STRING },
	[VMEXIT_STAT_A_THIEF_NS] = SCHED_U64,
	[VMEXIT_STAT_A_THIEF_OVER_NS] = SCHED_U64,
	[VMEXIT_STAT_A_THIEF_VM_PID] = SCHED_U32,
	[VMEXIT_STAT_A_THIEF_VCPU_ID] = SCHED_U32,
};

static const struct nla_policy phase_policy[VMEXIT_STAT_A_PHASE_MAX + 1] = {
	[VMEXIT_STAT_A_PHASE_VM_PID] = SCHED_U32,
	[VMEXIT_STAT_A_PHASE_VM_ID] = SCHED_U64,
	[VMEXIT_STAT_A_PHASE_VCPU_ID] = SCHED_U32,
	[VMEXIT_STAT_A_PHASE_VCPU_TID] = SCHED_U32,
	[VMEXIT_STAT_A_PHASE_ID] = SCHED_U32,
	[VMEXIT_STAT_A_PHASE_OPEN] = { .type = NLA_FLAG },
	[VMEXIT_STAT_A_PHASE_STARTS] = SCHED_U64,
	[VMEXIT_STAT_A_PHASE_ENDS] = SCHED_U64,
	[VMEXIT_STAT_A_PHASE_ACTIVE_NS] = SCHED_U64,
	[VMEXIT_STAT_A_PHASE_LAST_START_NS] = SCHED_U64,
	[VMEXIT_STAT_A_PHASE_LAST_END_NS] = SCHED_U64,
	[VMEXIT_STAT_A_PHASE_EXITS] = SCHED_U64,
	[VMEXIT_STAT_A_PHASE_EXIT_LATENCY] = { .type = NLA_NESTED },
	[VMEXIT_STAT_A_PHASE_WAIT_NS] = SCHED_U64,
	[VMEXIT_STAT_A_PHASE_EXIT] = { .type = NLA_NESTED },
};

static const struct nla_policy
	phase_exit_policy[VMEXIT_STAT_A_PHASE_EXIT_MAX + 1] = {
		[VMEXIT_STAT_A_PHASE_EXIT_ISA] = SCHED_U32,
		[VMEXIT_STAT_A_PHASE_EXIT_CODE] = SCHED_U32,
		[VMEXIT_STAT_A_PHASE_EXIT_FLAGS] = SCHED_U32,
		[VMEXIT_STAT_A_PHASE_EXIT_COUNT] = SCHED_U64,
	};

static const struct nla_policy extack_policy[NLMSGERR_ATTR_MAX + 1] = {
	[NLMSGERR_ATTR_MSG] = { .type = NLA_STRING },
};

/*
 * libnl reports its own failures as NLE_* codes; callers get one errno
 * space, and libnl's wording is kept in client->detail.
 */
static int libnl_failure(struct vmexit_client *client, int nlerr)
{
	snprintf(client->detail, sizeof(client->detail), "libnl: %s",
		 nl_geterror(nlerr));

	switch (-nlerr) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_DUMP_INTR:
		return -EINTR;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	default:
		return -EIO;
	}
}

void vmexit_parse_extack(const struct nlmsghdr *nlh, char *buf, size_t len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const char *payload = nlmsg_data(nlh);
	int payload_len = nlmsg_datalen(nlh);
	int offset;

	buf[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;

	/*
	 * The TLVs follow the error code.  An NLMSG_ERROR also carries a
	 * copy of the request: its header only, or all of it when the
	 * socket did not set NETLINK_CAP_ACK (NLM_F_CAPPED says which).
	 */
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *nlerr = (const void *)payload;

		if (payload_len < (int)sizeof(*nlerr))
			return;
		offset = sizeof(*nlerr);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			offset += nlerr->msg.nlmsg_len - NLMSG_HDRLEN;
	} else {
		offset = sizeof(int);
	}
	offset = NLMSG_ALIGN(offset);
	if (offset >= payload_len)
		return;

	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)(payload + offset), payload_len - offset,
		      extack_policy) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		nla_strlcpy(buf, tb[NLMSGERR_ATTR_MSG], len);
}

static uint64_t get_u64_or_0(struct nlattr *attr)
{
	return attr ? nla_get_u64(attr) : 0;
}

static uint32_t get_u32_or_0(struct nlattr *attr)
{
	return attr ? nla_get_u32(attr) : 0;
}

/* A missing nest is no samples; a malformed one spoils the message. */
static int parse_latency(struct nlattr *nest, struct vmexit_latency *lat)
{
	struct nlattr *tb[VMEXIT_STAT_A_LAT_MAX + 1];

	memset(lat, 0, sizeof(*lat));
	if (!nest)
		return 0;
	if (nla_parse_nested(tb, VMEXIT_STAT_A_LAT_MAX, nest, lat_policy) < 0)
		return -EBADMSG;
	if (!tb[VMEXIT_STAT_A_LAT_COUNT])
		return -EBADMSG;

	lat->count = nla_get_u64(tb[VMEXIT_STAT_A_LAT_COUNT]);
	if (!lat->count)
		return 0; /* the kernel's min of nothing is U64_MAX */
	lat->sum_ns = get_u64_or_0(tb[VMEXIT_STAT_A_LAT_SUM_NS]);
	lat->min_ns = get_u64_or_0(tb[VMEXIT_STAT_A_LAT_MIN_NS]);
	lat->max_ns = get_u64_or_0(tb[VMEXIT_STAT_A_LAT_MAX_NS]);
	if (lat->min_ns > lat->max_ns)
		return -EBADMSG;
	if (tb[VMEXIT_STAT_A_LAT_HIST])
		memcpy(lat->hist, nla_data(tb[VMEXIT_STAT_A_LAT_HIST]),
		       sizeof(lat->hist));
	return 0;
}

int vmexit_parse_record(struct nl_msg *msg, struct vmexit_record *rec)
{
	struct nlattr *tb[VMEXIT_STAT_A_EXIT_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, VMEXIT_STAT_A_EXIT_MAX,
			  exit_policy) < 0)
		return -EBADMSG;

	if (!tb[VMEXIT_STAT_A_EXIT_VM_PID] || !tb[VMEXIT_STAT_A_EXIT_ISA] ||
	    !tb[VMEXIT_STAT_A_EXIT_CODE] || !tb[VMEXIT_STAT_A_EXIT_COUNT])
		return -EBADMSG;
	/* Only a per-VM sum may leave out the vCPU. */
	if (!tb[VMEXIT_STAT_A_EXIT_VCPU_ID] && !tb[VMEXIT_STAT_A_EXIT_BY_VM])
		return -EBADMSG;

	memset(rec, 0, sizeof(*rec));
	rec->vm_pid = nla_get_u32(tb[VMEXIT_STAT_A_EXIT_VM_PID]);
	rec->vm_id = get_u64_or_0(tb[VMEXIT_STAT_A_EXIT_VM_ID]);
	rec->per_vm = tb[VMEXIT_STAT_A_EXIT_BY_VM] != NULL;
	if (!rec->per_vm) {
		rec->vcpu_id = nla_get_u32(tb[VMEXIT_STAT_A_EXIT_VCPU_ID]);
		rec->vcpu_tid = get_u32_or_0(tb[VMEXIT_STAT_A_EXIT_VCPU_TID]);
	}
	rec->isa = nla_get_u32(tb[VMEXIT_STAT_A_EXIT_ISA]);
	rec->code = nla_get_u32(tb[VMEXIT_STAT_A_EXIT_CODE]);
	rec->flags = get_u32_or_0(tb[VMEXIT_STAT_A_EXIT_FLAGS]);
	rec->count = nla_get_u64(tb[VMEXIT_STAT_A_EXIT_COUNT]);
	rec->has_latency = true;
	rec->user_count = get_u64_or_0(tb[VMEXIT_STAT_A_EXIT_USER_COUNT]);
	rec->user_ns = get_u64_or_0(tb[VMEXIT_STAT_A_EXIT_USER_NS]);
	return parse_latency(tb[VMEXIT_STAT_A_EXIT_LATENCY], &rec->latency);
}

int vmexit_parse_user_record(struct nl_msg *msg, struct vmexit_user_record *rec)
{
	struct nlattr *tb[VMEXIT_STAT_A_UEXIT_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, VMEXIT_STAT_A_UEXIT_MAX,
			  uexit_policy) < 0)
		return -EBADMSG;

	if (!tb[VMEXIT_STAT_A_UEXIT_VM_PID] ||
	    !tb[VMEXIT_STAT_A_UEXIT_REASON] || !tb[VMEXIT_STAT_A_UEXIT_COUNT])
		return -EBADMSG;
	if (!tb[VMEXIT_STAT_A_UEXIT_VCPU_ID] && !tb[VMEXIT_STAT_A_UEXIT_BY_VM])
		return -EBADMSG;

	memset(rec, 0, sizeof(*rec));
	rec->vm_pid = nla_get_u32(tb[VMEXIT_STAT_A_UEXIT_VM_PID]);
	rec->vm_id = get_u64_or_0(tb[VMEXIT_STAT_A_UEXIT_VM_ID]);
	rec->per_vm = tb[VMEXIT_STAT_A_UEXIT_BY_VM] != NULL;
	if (!rec->per_vm) {
		rec->vcpu_id = nla_get_u32(tb[VMEXIT_STAT_A_UEXIT_VCPU_ID]);
		rec->vcpu_tid = get_u32_or_0(tb[VMEXIT_STAT_A_UEXIT_VCPU_TID]);
	}
	rec->reason = nla_get_u32(tb[VMEXIT_STAT_A_UEXIT_REASON]);
	rec->count = nla_get_u64(tb[VMEXIT_STAT_A_UEXIT_COUNT]);
	return parse_latency(tb[VMEXIT_STAT_A_UEXIT_ROUND_TRIP],
			     &rec->round_trip);
}

int vmexit_parse_detail(struct nl_msg *msg, struct vmexit_detail *detail)
{
	struct nlattr *tb[VMEXIT_STAT_A_DETAIL_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, VMEXIT_STAT_A_DETAIL_MAX,
			  detail_policy) < 0)
		return -EBADMSG;
	if (!tb[VMEXIT_STAT_A_DETAIL_VM_PID] ||
	    !tb[VMEXIT_STAT_A_DETAIL_KIND] || !tb[VMEXIT_STAT_A_DETAIL_KEY] ||
	    !tb[VMEXIT_STAT_A_DETAIL_COUNT])
		return -EBADMSG;

	memset(detail, 0, sizeof(*detail));
	detail->vm_pid = nla_get_u32(tb[VMEXIT_STAT_A_DETAIL_VM_PID]);
	detail->vm_id = get_u64_or_0(tb[VMEXIT_STAT_A_DETAIL_VM_ID]);
	detail->kind = nla_get_u32(tb[VMEXIT_STAT_A_DETAIL_KIND]);
	detail->key = nla_get_u64(tb[VMEXIT_STAT_A_DETAIL_KEY]);
	detail->count = nla_get_u64(tb[VMEXIT_STAT_A_DETAIL_COUNT]);
	return 0;
}

int vmexit_parse_vm(struct nl_msg *msg, struct vmexit_vm *vm)
{
	struct nlattr *tb[VMEXIT_STAT_A_VM_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, VMEXIT_STAT_A_VM_MAX,
			  vm_policy) < 0)
		return -EBADMSG;
	if (!tb[VMEXIT_STAT_A_VM_PID] || !tb[VMEXIT_STAT_A_VM_ID] ||
	    !tb[VMEXIT_STAT_A_VM_STATE])
		return -EBADMSG;

	memset(vm, 0, sizeof(*vm));
	vm->pid = nla_get_u32(tb[VMEXIT_STAT_A_VM_PID]);
	vm->vm_id = nla_get_u64(tb[VMEXIT_STAT_A_VM_ID]);
	vm->state = nla_get_u32(tb[VMEXIT_STAT_A_VM_STATE]);
	if (tb[VMEXIT_STAT_A_VM_COMM])
		nla_strlcpy(vm->comm, tb[VMEXIT_STAT_A_VM_COMM],
			    sizeof(vm->comm));
	vm->vcpus_live = get_u32_or_0(tb[VMEXIT_STAT_A_VM_VCPUS_LIVE]);
	vm->vcpus_seen = get_u32_or_0(tb[VMEXIT_STAT_A_VM_VCPUS_SEEN]);
	vm->start_ns = get_u64_or_0(tb[VMEXIT_STAT_A_VM_START_NS]);
	vm->end_ns = get_u64_or_0(tb[VMEXIT_STAT_A_VM_END_NS]);
	vm->exits = get_u64_or_0(tb[VMEXIT_STAT_A_VM_EXITS]);
	vm->user_exits = get_u64_or_0(tb[VMEXIT_STAT_A_VM_USER_EXITS]);
	vm->exit_ns = get_u64_or_0(tb[VMEXIT_STAT_A_VM_EXIT_NS]);
	vm->dropped = get_u64_or_0(tb[VMEXIT_STAT_A_VM_DROPPED]);
	vm->details_dropped =
		get_u64_or_0(tb[VMEXIT_STAT_A_VM_DETAILS_DROPPED]);
	return 0;
}

int vmexit_parse_sched(struct nl_msg *msg, struct vmexit_sched *sched)
{
	struct nlattr *tb[VMEXIT_STAT_A_SCHED_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, VMEXIT_STAT_A_SCHED_MAX,
			  sched_policy) < 0)
		return -EBADMSG;
	if (!tb[VMEXIT_STAT_A_SCHED_VM_PID] ||
	    !tb[VMEXIT_STAT_A_SCHED_RUN_NS] ||
	    !tb[VMEXIT_STAT_A_SCHED_WAIT_NS] ||
	    !tb[VMEXIT_STAT_A_SCHED_IDLE_NS])
		return -EBADMSG;
	/* Only a per-VM sum may leave out the vCPU. */
	if (!tb[VMEXIT_STAT_A_SCHED_VCPU_ID] && !tb[VMEXIT_STAT_A_SCHED_BY_VM])
		return -EBADMSG;

	memset(sched, 0, sizeof(*sched));
	sched->vm_pid = nla_get_u32(tb[VMEXIT_STAT_A_SCHED_VM_PID]);
	sched->vm_id = get_u64_or_0(tb[VMEXIT_STAT_A_SCHED_VM_ID]);
	sched->per_vm = tb[VMEXIT_STAT_A_SCHED_BY_VM] != NULL;
	if (!sched->per_vm) {
		sched->vcpu_id = nla_get_u32(tb[VMEXIT_STAT_A_SCHED_VCPU_ID]);
		sched->vcpu_tid =
			get_u32_or_0(tb[VMEXIT_STAT_A_SCHED_VCPU_TID]);
		sched->state = get_u32_or_0(tb[VMEXIT_STAT_A_SCHED_STATE]);
		sched->has_cpu = tb[VMEXIT_STAT_A_SCHED_CPU] != NULL;
		sched->cpu = get_u32_or_0(tb[VMEXIT_STAT_A_SCHED_CPU]);
	}
	sched->run_ns = nla_get_u64(tb[VMEXIT_STAT_A_SCHED_RUN_NS]);
	sched->wait_ns = nla_get_u64(tb[VMEXIT_STAT_A_SCHED_WAIT_NS]);
	sched->idle_ns = nla_get_u64(tb[VMEXIT_STAT_A_SCHED_IDLE_NS]);
	sched->timeslices = get_u64_or_0(tb[VMEXIT_STAT_A_SCHED_TIMESLICES]);
	sched->preemptions = get_u64_or_0(tb[VMEXIT_STAT_A_SCHED_PREEMPTIONS]);
	sched->migrations = get_u64_or_0(tb[VMEXIT_STAT_A_SCHED_MIGRATIONS]);
	if (parse_latency(tb[VMEXIT_STAT_A_SCHED_WAKEUP_LAT], &sched->wakeup) ||
	    parse_latency(tb[VMEXIT_STAT_A_SCHED_PREEMPT_LAT], &sched->preempt))
		return -EBADMSG;
	return 0;
}

static int parse_thief(struct nlattr *nest, struct vmexit_thief *thief)
{
	struct nlattr *tb[VMEXIT_STAT_A_THIEF_MAX + 1];

	if (nla_parse_nested(tb, VMEXIT_STAT_A_THIEF_MAX, nest, thief_policy) <
	    0)
		return -EBADMSG;
	if (!tb[VMEXIT_STAT_A_THIEF_TID] || !tb[VMEXIT_STAT_A_THIEF_NS])
		return -EBADMSG;
	/* A vCPU thread is named by both, or it is no vCPU. */
	if (!tb[VMEXIT_STAT_A_THIEF_VM_PID] != !tb[VMEXIT_STAT_A_THIEF_VCPU_ID])
		return -EBADMSG;

	memset(thief, 0, sizeof(*thief));
	thief->tid = nla_get_u32(tb[VMEXIT_STAT_A_THIEF_TID]);
	if (tb[VMEXIT_STAT_A_THIEF_COMM])
		nla_strlcpy(thief->comm, tb[VMEXIT_STAT_A_THIEF_COMM],
			    sizeof(thief->comm));
	thief->ns = nla_get_u64(tb[VMEXIT_STAT_A_THIEF_NS]);
	thief->over_ns = get_u64_or_0(tb[VMEXIT_STAT_A_THIEF_OVER_NS]);
	thief->is_vcpu = tb[VMEXIT_STAT_A_THIEF_VM_PID] != NULL;
	thief->vm_pid = get_u32_or_0(tb[VMEXIT_STAT_A_THIEF_VM_PID]);
	thief->vcpu_id = get_u32_or_0(tb[VMEXIT_STAT_A_THIEF_VCPU_ID]);
	return 0;
}

static int thief_busier_first(const void *a, const void *b)
{
	const struct vmexit_thief *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns < y->ns ? 1 : -1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/*
 * Keeps the VMEXIT_STAT_THIEVES busiest, whatever the order and number
 * the collector sent, so that a longer list can never overflow ours.
 */
static void keep_thief(struct vmexit_cpu_sched *cpu,
		       const struct vmexit_thief *thief)
{
	uint32_t i, least = 0;

	if (cpu->nr_thieves < VMEXIT_STAT_THIEVES) {
		cpu->thieves[cpu->nr_thieves++] = *thief;
		return;
	}
	for (i = 1; i < cpu->nr_thieves; i++)
		if (cpu->thieves[i].ns < cpu->thieves[least].ns)
			least = i;
	if (thief->ns > cpu->thieves[least].ns)
		cpu->thieves[least] = *thief;
}

int vmexit_parse_cpu_sched(struct nl_msg *msg, struct vmexit_cpu_sched *cpu)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[VMEXIT_STAT_A_PCPU_MAX + 1];
	struct nlattr *attr;
	int rem;

	if (genlmsg_parse(nlh, 0, tb, VMEXIT_STAT_A_PCPU_MAX, pcpu_policy) < 0)
		return -EBADMSG;
	if (!tb[VMEXIT_STAT_A_PCPU_CPU] || !tb[VMEXIT_STAT_A_PCPU_WAIT_NS])
		return -EBADMSG;

	memset(cpu, 0, sizeof(*cpu));
	cpu->cpu = nla_get_u32(tb[VMEXIT_STAT_A_PCPU_CPU]);
	cpu->wait_ns = nla_get_u64(tb[VMEXIT_STAT_A_PCPU_WAIT_NS]);
	cpu->vcpu_run_ns = get_u64_or_0(tb[VMEXIT_STAT_A_PCPU_VCPU_RUN_NS]);
	cpu->unattributed_ns =
		get_u64_or_0(tb[VMEXIT_STAT_A_PCPU_UNATTRIBUTED_NS]);
	if (parse_latency(tb[VMEXIT_STAT_A_PCPU_WAKEUP_LAT], &cpu->wakeup) ||
	    parse_latency(tb[VMEXIT_STAT_A_PCPU_PREEMPT_LAT], &cpu->preempt))
		return -EBADMSG;

	/* The parse above kept only the last THIEF; each one counts. */
	nla_for_each_attr(attr, genlmsg_attrdata(nlmsg_data(nlh), 0),
			  genlmsg_attrlen(nlmsg_data(nlh), 0), rem) {
		struct vmexit_thief thief;

		if (nla_type(attr) != VMEXIT_STAT_A_PCPU_THIEF)
			continue;
		if (parse_thief(attr, &thief))
			return -EBADMSG;
		keep_thief(cpu, &thief);
	}
	qsort(cpu->thieves, cpu->nr_thieves, sizeof(cpu->thieves[0]),
	      thief_busier_first);
	return 0;
}

static int parse_phase_exit(struct nlattr *nest, struct vmexit_phase_exit *exit)
{
	struct nlattr *tb[VMEXIT_STAT_A_PHASE_EXIT_MAX + 1];

	if (nla_parse_nested(tb, VMEXIT_STAT_A_PHASE_EXIT_MAX, nest,
			     phase_exit_policy) < 0)
		return -EBADMSG;
	if (!tb[VMEXIT_STAT_A_PHASE_EXIT_ISA] ||
	    !tb[VMEXIT_STAT_A_PHASE_EXIT_CODE] ||
	    !tb[VMEXIT_STAT_A_PHASE_EXIT_COUNT])
		return -EBADMSG;

	exit->isa = nla_get_u32(tb[VMEXIT_STAT_A_PHASE_EXIT_ISA]);
	exit->code = nla_get_u32(tb[VMEXIT_STAT_A_PHASE_EXIT_CODE]);
	exit->flags = get_u32_or_0(tb[VMEXIT_STAT_A_PHASE_EXIT_FLAGS]);
	exit->count = nla_get_u64(tb[VMEXIT_STAT_A_PHASE_EXIT_COUNT]);
	return 0;
}

/*
 * A code sent twice is one counter; past VMEXIT_PHASE_EXITS_MAX codes
 * the first ones are kept, and what the others counted shows as the
 * phase's exits minus the sum of exit[] (the views say "other").
 */
static void keep_phase_exit(struct vmexit_phase *phase,
			    const struct vmexit_phase_exit *exit)
{
	size_t i;

	for (i = 0; i < phase->nr_exits; i++) {
		struct vmexit_phase_exit *have = &phase->exit[i];

		if (have->isa == exit->isa && have->code == exit->code &&
		    have->flags == exit->flags) {
			have->count += exit->count;
			return;
		}
	}
	if (phase->nr_exits < VMEXIT_PHASE_EXITS_MAX)
		phase->exit[phase->nr_exits++] = *exit;
}

int vmexit_parse_phase(struct nl_msg *msg, struct vmexit_phase *phase)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[VMEXIT_STAT_A_PHASE_MAX + 1];
	struct nlattr *attr;
	int rem;

	if (genlmsg_parse(nlh, 0, tb, VMEXIT_STAT_A_PHASE_MAX, phase_policy) <
	    0)
		return -EBADMSG;
	if (!tb[VMEXIT_STAT_A_PHASE_VM_PID] ||
	    !tb[VMEXIT_STAT_A_PHASE_VCPU_ID] || !tb[VMEXIT_STAT_A_PHASE_ID] ||
	    !tb[VMEXIT_STAT_A_PHASE_STARTS] ||
	    !tb[VMEXIT_STAT_A_PHASE_ACTIVE_NS] ||
	    !tb[VMEXIT_STAT_A_PHASE_EXITS])
		return -EBADMSG;

	memset(phase, 0, sizeof(*phase));
	phase->vm_pid = nla_get_u32(tb[VMEXIT_STAT_A_PHASE_VM_PID]);
	phase->vm_id = get_u64_or_0(tb[VMEXIT_STAT_A_PHASE_VM_ID]);
	phase->vcpu_id = nla_get_u32(tb[VMEXIT_STAT_A_PHASE_VCPU_ID]);
	phase->vcpu_tid = get_u32_or_0(tb[VMEXIT_STAT_A_PHASE_VCPU_TID]);
	phase->phase_id = nla_get_u32(tb[VMEXIT_STAT_A_PHASE_ID]);
	if (phase->phase_id > VMEXIT_STAT_PHASE_ID_MAX)
		return -EBADMSG;
	phase->open = tb[VMEXIT_STAT_A_PHASE_OPEN] != NULL;
	phase->starts = nla_get_u64(tb[VMEXIT_STAT_A_PHASE_STARTS]);
	phase->ends = get_u64_or_0(tb[VMEXIT_STAT_A_PHASE_ENDS]);
	phase->active_ns = nla_get_u64(tb[VMEXIT_STAT_A_PHASE_ACTIVE_NS]);
	phase->last_start_ns =
		get_u64_or_0(tb[VMEXIT_STAT_A_PHASE_LAST_START_NS]);
	phase->last_end_ns = get_u64_or_0(tb[VMEXIT_STAT_A_PHASE_LAST_END_NS]);
	phase->exits = nla_get_u64(tb[VMEXIT_STAT_A_PHASE_EXITS]);
	phase->wait_ns = get_u64_or_0(tb[VMEXIT_STAT_A_PHASE_WAIT_NS]);
	phase->has_latency = tb[VMEXIT_STAT_A_PHASE_EXIT_LATENCY] != NULL;
	if (parse_latency(tb[VMEXIT_STAT_A_PHASE_EXIT_LATENCY],
			  &phase->latency))
		return -EBADMSG;

	/* The parse above kept only the last EXIT; each one counts. */
	nla_for_each_attr(attr, genlmsg_attrdata(nlmsg_data(nlh), 0),
			  genlmsg_attrlen(nlmsg_data(nlh), 0), rem) {
		struct vmexit_phase_exit exit;

		if (nla_type(attr) != VMEXIT_STAT_A_PHASE_EXIT)
			continue;
		if (parse_phase_exit(attr, &exit))
			return -EBADMSG;
		keep_phase_exit(phase, &exit);
	}
	return 0;
}

int vmexit_parse_config(struct nl_msg *msg, struct vmexit_config *config)
{
	struct nlattr *tb[VMEXIT_STAT_A_CONFIG_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, VMEXIT_STAT_A_CONFIG_MAX,
			  config_policy) < 0)
		return -EBADMSG;
	if (!tb[VMEXIT_STAT_A_CONFIG_LATENCY] ||
	    !tb[VMEXIT_STAT_A_CONFIG_DETAILS] ||
	    !tb[VMEXIT_STAT_A_CONFIG_ENDED_VM_TTL_S])
		return -EBADMSG;

	memset(config, 0, sizeof(*config));
	config->latency = nla_get_u8(tb[VMEXIT_STAT_A_CONFIG_LATENCY]);
	config->details = nla_get_u8(tb[VMEXIT_STAT_A_CONFIG_DETAILS]);
	config->ended_vm_ttl_s =
		nla_get_u32(tb[VMEXIT_STAT_A_CONFIG_ENDED_VM_TTL_S]);
	if (tb[VMEXIT_STAT_A_CONFIG_UNPRIVILEGED_READ])
		config->unprivileged_read =
			nla_get_u8(tb[VMEXIT_STAT_A_CONFIG_UNPRIVILEGED_READ]);
	if (tb[VMEXIT_STAT_A_CONFIG_SCHED])
		config->sched = nla_get_u8(tb[VMEXIT_STAT_A_CONFIG_SCHED]);
	return 0;
}

int vmexit_parse_info(struct nl_msg *msg, struct vmexit_info *info)
{
	struct nlattr *tb[VMEXIT_STAT_A_INFO_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, VMEXIT_STAT_A_INFO_MAX,
			  info_policy) < 0)
		return -EBADMSG;

	if (!tb[VMEXIT_STAT_A_INFO_VERSION] ||
	    !tb[VMEXIT_STAT_A_INFO_EXITS_SEEN] ||
	    !tb[VMEXIT_STAT_A_INFO_EXITS_DROPPED])
		return -EBADMSG;

	memset(info, 0, sizeof(*info));
	nla_strlcpy(info->version, tb[VMEXIT_STAT_A_INFO_VERSION],
		    sizeof(info->version));
	if (tb[VMEXIT_STAT_A_INFO_KERNEL])
		nla_strlcpy(info->kernel, tb[VMEXIT_STAT_A_INFO_KERNEL],
			    sizeof(info->kernel));
	info->exits_seen = nla_get_u64(tb[VMEXIT_STAT_A_INFO_EXITS_SEEN]);
	info->exits_dropped = nla_get_u64(tb[VMEXIT_STAT_A_INFO_EXITS_DROPPED]);
	info->entries_seen = get_u64_or_0(tb[VMEXIT_STAT_A_INFO_ENTRIES_SEEN]);
	info->user_exits_seen =
		get_u64_or_0(tb[VMEXIT_STAT_A_INFO_USER_EXITS_SEEN]);
	info->dropped_no_vcpu_slot =
		get_u64_or_0(tb[VMEXIT_STAT_A_INFO_DROPPED_NO_VCPU_SLOT]);
	info->dropped_no_reason_slot =
		get_u64_or_0(tb[VMEXIT_STAT_A_INFO_DROPPED_NO_REASON_SLOT]);
	info->dropped_unreadable =
		get_u64_or_0(tb[VMEXIT_STAT_A_INFO_DROPPED_UNREADABLE]);
	info->details_dropped =
		get_u64_or_0(tb[VMEXIT_STAT_A_INFO_DETAILS_DROPPED]);
	info->events_dropped =
		get_u64_or_0(tb[VMEXIT_STAT_A_INFO_EVENTS_DROPPED]);
	info->memory_bytes = get_u64_or_0(tb[VMEXIT_STAT_A_INFO_MEMORY_BYTES]);
	info->memory_used_bytes =
		get_u64_or_0(tb[VMEXIT_STAT_A_INFO_MEMORY_USED_BYTES]);
	info->vcpu_slots = get_u32_or_0(tb[VMEXIT_STAT_A_INFO_VCPU_SLOTS]);
	info->vcpu_slots_used =
		get_u32_or_0(tb[VMEXIT_STAT_A_INFO_VCPU_SLOTS_USED]);
	info->vms = get_u32_or_0(tb[VMEXIT_STAT_A_INFO_VMS]);
	info->lat_buckets = get_u32_or_0(tb[VMEXIT_STAT_A_INFO_LAT_BUCKETS]);
	info->exit_proto = get_u32_or_0(tb[VMEXIT_STAT_A_INFO_EXIT_PROTO]);
	info->isas = get_u32_or_0(tb[VMEXIT_STAT_A_INFO_ISAS]);
	info->sched_switches_seen =
		get_u64_or_0(tb[VMEXIT_STAT_A_INFO_SCHED_SWITCHES_SEEN]);
	info->sched_missed = get_u64_or_0(tb[VMEXIT_STAT_A_INFO_SCHED_MISSED]);
	info->markers_seen = get_u64_or_0(tb[VMEXIT_STAT_A_INFO_MARKERS_SEEN]);
	info->markers_unmatched =
		get_u64_or_0(tb[VMEXIT_STAT_A_INFO_MARKERS_UNMATCHED]);
	info->phases_dropped =
		get_u64_or_0(tb[VMEXIT_STAT_A_INFO_PHASES_DROPPED]);
	return 0;
}

int vmexit_parse_event(struct nlmsghdr *nlh, struct vmexit_event *event)
{
	struct nlattr *tb[VMEXIT_STAT_A_VM_MAX + 1];
	const struct genlmsghdr *genl;

	if (!genlmsg_valid_hdr(nlh, 0))
		return -EBADMSG;
	genl = nlmsg_data(nlh);
	if (genl->cmd < VMEXIT_STAT_CMD_VM_START ||
	    genl->cmd > VMEXIT_STAT_CMD_VCPU_STOP)
		return -EBADMSG;
	if (genlmsg_parse(nlh, 0, tb, VMEXIT_STAT_A_VM_MAX, vm_policy) < 0)
		return -EBADMSG;
	if (!tb[VMEXIT_STAT_A_VM_PID] || !tb[VMEXIT_STAT_A_VM_ID])
		return -EBADMSG;

	memset(event, 0, sizeof(*event));
	event->cmd = genl->cmd;
	event->pid = nla_get_u32(tb[VMEXIT_STAT_A_VM_PID]);
	event->vm_id = nla_get_u64(tb[VMEXIT_STAT_A_VM_ID]);
	if (genl->cmd == VMEXIT_STAT_CMD_VCPU_START ||
	    genl->cmd == VMEXIT_STAT_CMD_VCPU_STOP) {
		if (!tb[VMEXIT_STAT_A_VM_VCPU_ID])
			return -EBADMSG;
		event->has_vcpu = true;
		event->vcpu_id = nla_get_u32(tb[VMEXIT_STAT_A_VM_VCPU_ID]);
		event->tid = get_u32_or_0(tb[VMEXIT_STAT_A_VM_VCPU_TID]);
	}
	return 0;
}

bool vmexit_filter_match_ids(const struct vmexit_filter *filter, uint32_t pid,
			     uint64_t vm_id, bool has_vcpu, uint32_t vcpu_id)
{
	if (!filter)
		return true;
	if (filter->by_pid && pid != filter->pid)
		return false;
	if (filter->by_vm_id && vm_id != filter->vm_id)
		return false;
	if (filter->by_vcpu && has_vcpu && vcpu_id != filter->vcpu_id)
		return false;
	return true;
}

bool vmexit_filter_match(const struct vmexit_filter *filter,
			 const struct vmexit_record *rec)
{
	return vmexit_filter_match_ids(filter, rec->vm_pid, rec->vm_id,
				       !rec->per_vm, rec->vcpu_id);
}

/* Makes room for one more item of size in *items. */
static int list_reserve(void **items, size_t *alloc, size_t nr, size_t size)
{
	size_t grown_alloc;
	void *grown;

	if (nr < *alloc)
		return 0;
	grown_alloc = *alloc ? 2 * *alloc : 64;
	grown = reallocarray(*items, grown_alloc, size);
	if (!grown)
		return -ENOMEM;
	*items = grown;
	*alloc = grown_alloc;
	return 0;
}

#define LIST_ADD(list, item)                                                 \
	({                                                                   \
		void *items_ = (list)->rec;                                  \
		int err_ = list_reserve(&items_, &(list)->alloc, (list)->nr, \
					sizeof(*(list)->rec));               \
		(list)->rec = items_;                                        \
		if (!err_)                                                   \
			(list)->rec[(list)->nr++] = *(item);                 \
		err_;                                                        \
	})

#define LIST_FREE(list)                             \
	do {                                        \
		free((list)->rec);                  \
		memset((list), 0, sizeof(*(list))); \
	} while (0)

int vmexit_records_add(struct vmexit_records *recs,
		       const struct vmexit_record *rec)
{
	return LIST_ADD(recs, rec);
}

void vmexit_records_free(struct vmexit_records *recs)
{
	LIST_FREE(recs);
}

int vmexit_user_records_add(struct vmexit_user_records *recs,
			    const struct vmexit_user_record *rec)
{
	return LIST_ADD(recs, rec);
}

void vmexit_user_records_free(struct vmexit_user_records *recs)
{
	LIST_FREE(recs);
}

int vmexit_details_add(struct vmexit_details *list,
		       const struct vmexit_detail *detail)
{
	return LIST_ADD(list, detail);
}

void vmexit_details_free(struct vmexit_details *list)
{
	LIST_FREE(list);
}

int vmexit_vms_add(struct vmexit_vms *list, const struct vmexit_vm *vm)
{
	return LIST_ADD(list, vm);
}

void vmexit_vms_free(struct vmexit_vms *list)
{
	LIST_FREE(list);
}

int vmexit_scheds_add(struct vmexit_scheds *list,
		      const struct vmexit_sched *sched)
{
	return LIST_ADD(list, sched);
}

void vmexit_scheds_free(struct vmexit_scheds *list)
{
	LIST_FREE(list);
}

int vmexit_cpu_scheds_add(struct vmexit_cpu_scheds *list,
			  const struct vmexit_cpu_sched *cpu)
{
	return LIST_ADD(list, cpu);
}

void vmexit_cpu_scheds_free(struct vmexit_cpu_scheds *list)
{
	LIST_FREE(list);
}

int vmexit_phases_add(struct vmexit_phases *list,
		      const struct vmexit_phase *phase)
{
	return LIST_ADD(list, phase);
}

void vmexit_phases_free(struct vmexit_phases *list)
{
	LIST_FREE(list);
}

/* What one request/answer exchange has learnt so far. */
struct exchange_state {
	struct vmexit_client *client;
	int (*on_reply)(struct nl_msg *msg, void *arg);
	void *arg;
	int err; /* first failure: the kernel's or a parser's */
	bool done; /* ACK, error or end of dump seen */
	bool interrupted; /* NLM_F_DUMP_INTR: the dump is inconsistent */
};

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct exchange_state *ex = arg;
	int err;

	if (nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP_INTR)
		ex->interrupted = true;
	/* After a bad message, keep reading so the socket ends clean. */
	if (ex->err || !ex->on_reply)
		return NL_SKIP;
	err = ex->on_reply(msg, ex->arg);
	if (err)
		ex->err = err;
	return NL_OK;
}

static int on_error(struct sockaddr_nl *peer, struct nlmsgerr *nlerr, void *arg)
{
	const struct nlmsghdr *nlh =
		(const void *)((char *)nlerr - NLMSG_HDRLEN);
	struct exchange_state *ex = arg;

	(void)peer;
	vmexit_parse_extack(nlh, ex->client->extack,
			    sizeof(ex->client->extack));
	if (!ex->err)
		ex->err = nlerr->error < 0 ? nlerr->error : -EPROTO;
	ex->done = true;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct exchange_state *ex = arg;

	(void)msg;
	ex->done = true;
	return NL_STOP;
}

/* A dump that fails after it started ends in NLMSG_DONE with an errno. */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct exchange_state *ex = arg;
	int done_errno;

	if (nlmsg_datalen(nlh) >= (int)sizeof(done_errno)) {
		memcpy(&done_errno, nlmsg_data(nlh), sizeof(done_errno));
		if (done_errno < 0) {
			vmexit_parse_extack(nlh, ex->client->extack,
					    sizeof(ex->client->extack));
			if (!ex->err)
				ex->err = done_errno;
		}
	}
	ex->done = true;
	return NL_STOP;
}

/*
 * Sends msg (consumed) and reads until the kernel's ACK, error or end of
 * dump, handing each reply to on_reply.
 */
static int exchange(struct vmexit_client *client, struct nl_msg *msg,
		    int (*on_reply)(struct nl_msg *msg, void *arg), void *arg,
		    bool *interrupted)
{
	struct exchange_state ex = {
		.client = client,
		.on_reply = on_reply,
		.arg = arg,
	};
	struct nl_cb *cb;
	int err;

	client->extack[0] = '\0';
	client->detail[0] = '\0';
	if (!msg)
		return -ENOMEM;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &ex);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &ex);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &ex);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &ex);

	err = nl_send_auto(client->sock, msg);
	nlmsg_free(msg);
	if (err < 0) {
		err = libnl_failure(client, err);
		goto out;
	}

	while (!ex.done) {
		err = nl_recvmsgs(client->sock, cb);
		/* libnl's -NLE_DUMP_INTR is seen by on_valid already. */
		if (err < 0 && !ex.done && err != -NLE_DUMP_INTR) {
			err = libnl_failure(client, err);
			goto out;
		}
	}
	err = ex.err;
	if (interrupted)
		*interrupted = ex.interrupted;
out:
	nl_cb_put(cb);
	return err;
}

static struct nl_msg *request_alloc(int family_id, int flags, uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family_id, 0, flags,
			 cmd, VMEXIT_STAT_FAMILY_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/*
 * The requests carry only the attributes each command's policy knows:
 * the kernel validates strictly and would refuse any other.
 */
static int put_exit_filter(struct nl_msg *msg, const struct vmexit_filter *f)
{
	if (f->by_pid && nla_put_u32(msg, VMEXIT_STAT_A_EXIT_VM_PID, f->pid))
		return -EMSGSIZE;
	if (f->by_vm_id && nla_put_u64(msg, VMEXIT_STAT_A_EXIT_VM_ID, f->vm_id))
		return -EMSGSIZE;
	if (f->by_vcpu &&
	    nla_put_u32(msg, VMEXIT_STAT_A_EXIT_VCPU_ID, f->vcpu_id))
		return -EMSGSIZE;
	if (f->by_vm && nla_put_flag(msg, VMEXIT_STAT_A_EXIT_BY_VM))
		return -EMSGSIZE;
	return 0;
}

static int put_uexit_filter(struct nl_msg *msg, const struct vmexit_filter *f)
{
	if (f->by_pid && nla_put_u32(msg, VMEXIT_STAT_A_UEXIT_VM_PID, f->pid))
		return -EMSGSIZE;
	if (f->by_vm_id &&
	    nla_put_u64(msg, VMEXIT_STAT_A_UEXIT_VM_ID, f->vm_id))
		return -EMSGSIZE;
	if (f->by_vcpu &&
	    nla_put_u32(msg, VMEXIT_STAT_A_UEXIT_VCPU_ID, f->vcpu_id))
		return -EMSGSIZE;
	if (f->by_vm && nla_put_flag(msg, VMEXIT_STAT_A_UEXIT_BY_VM))
		return -EMSGSIZE;
	return 0;
}

static int put_detail_filter(struct nl_msg *msg, const struct vmexit_filter *f)
{
	if (f->by_pid && nla_put_u32(msg, VMEXIT_STAT_A_DETAIL_VM_PID, f->pid))
		return -EMSGSIZE;
	if (f->by_vm_id &&
	    nla_put_u64(msg, VMEXIT_STAT_A_DETAIL_VM_ID, f->vm_id))
		return -EMSGSIZE;
	if (f->limit && nla_put_u32(msg, VMEXIT_STAT_A_DETAIL_LIMIT, f->limit))
		return -EMSGSIZE;
	return 0;
}

static int put_vm_filter(struct nl_msg *msg, const struct vmexit_filter *f)
{
	if (f->by_pid && nla_put_u32(msg, VMEXIT_STAT_A_VM_PID, f->pid))
		return -EMSGSIZE;
	if (f->by_vm_id && nla_put_u64(msg, VMEXIT_STAT_A_VM_ID, f->vm_id))
		return -EMSGSIZE;
	return 0;
}

static int put_sched_filter(struct nl_msg *msg, const struct vmexit_filter *f)
{
	if (f->by_pid && nla_put_u32(msg, VMEXIT_STAT_A_SCHED_VM_PID, f->pid))
		return -EMSGSIZE;
	if (f->by_vm_id &&
	    nla_put_u64(msg, VMEXIT_STAT_A_SCHED_VM_ID, f->vm_id))
		return -EMSGSIZE;
	if (f->by_vcpu &&
	    nla_put_u32(msg, VMEXIT_STAT_A_SCHED_VCPU_ID, f->vcpu_id))
		return -EMSGSIZE;
	if (f->by_vm && nla_put_flag(msg, VMEXIT_STAT_A_SCHED_BY_VM))
		return -EMSGSIZE;
	return 0;
}

static int put_cpu_sched_filter(struct nl_msg *msg,
				const struct vmexit_filter *f)
{
	if (f->by_cpu && nla_put_u32(msg, VMEXIT_STAT_A_PCPU_CPU, f->cpu))
		return -EMSGSIZE;
	return 0;
}

static int put_phase_filter(struct nl_msg *msg, const struct vmexit_filter *f)
{
	if (f->by_pid && nla_put_u32(msg, VMEXIT_STAT_A_PHASE_VM_PID, f->pid))
		return -EMSGSIZE;
	if (f->by_vm_id &&
	    nla_put_u64(msg, VMEXIT_STAT_A_PHASE_VM_ID, f->vm_id))
		return -EMSGSIZE;
	if (f->by_vcpu &&
	    nla_put_u32(msg, VMEXIT_STAT_A_PHASE_VCPU_ID, f->vcpu_id))
		return -EMSGSIZE;
	if (f->by_phase &&
	    nla_put_u32(msg, VMEXIT_STAT_A_PHASE_ID, f->phase_id))
		return -EMSGSIZE;
	return 0;
}

struct nl_msg *vmexit_dump_request(int family_id, uint8_t cmd,
				   const struct vmexit_filter *filter)
{
	struct nl_msg *msg = request_alloc(family_id, NLM_F_DUMP, cmd);
	int err = 0;

	if (!msg || !filter)
		return msg;
	switch (cmd) {
	case VMEXIT_STAT_CMD_GET_EXITS:
		err = put_exit_filter(msg, filter);
		break;
	case VMEXIT_STAT_CMD_GET_USER_EXITS:
		err = put_uexit_filter(msg, filter);
		break;
	case VMEXIT_STAT_CMD_GET_DETAILS:
		err = put_detail_filter(msg, filter);
		break;
	case VMEXIT_STAT_CMD_GET_VMS:
		err = put_vm_filter(msg, filter);
		break;
	case VMEXIT_STAT_CMD_GET_SCHED:
		err = put_sched_filter(msg, filter);
		break;
	case VMEXIT_STAT_CMD_GET_CPU_SCHED:
		err = put_cpu_sched_filter(msg, filter);
		break;
	case VMEXIT_STAT_CMD_GET_PHASES:
		err = put_phase_filter(msg, filter);
		break;
	}
	if (err) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct nl_msg *vmexit_set_config_request(int family_id,
					 const struct vmexit_config_change *c)
{
	struct nl_msg *msg =
		request_alloc(family_id, NLM_F_ACK, VMEXIT_STAT_CMD_SET_CONFIG);

	if (!msg)
		return NULL;
	if ((c->set_latency &&
	     nla_put_u8(msg, VMEXIT_STAT_A_CONFIG_LATENCY, c->latency)) ||
	    (c->set_details &&
	     nla_put_u8(msg, VMEXIT_STAT_A_CONFIG_DETAILS, c->details)) ||
	    (c->set_ended_vm_ttl &&
	     nla_put_u32(msg, VMEXIT_STAT_A_CONFIG_ENDED_VM_TTL_S,
			 c->ended_vm_ttl_s)) ||
	    (c->set_sched &&
	     nla_put_u8(msg, VMEXIT_STAT_A_CONFIG_SCHED, c->sched))) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int vmexit_client_open(struct vmexit_client *client)
{
	struct genl_family *family;
	struct nl_cache *families;
	int one = 1;
	int err;

	memset(client, 0, sizeof(*client));
	client->sock = nl_socket_alloc();
	if (!client->sock)
		return -ENOMEM;

	err = genl_connect(client->sock);
	if (err < 0) {
		err = libnl_failure(client, err);
		goto free_sock;
	}

	/*
	 * Extended acks carry the kernel's reason for a failure.  Capped
	 * acks spare echoing our request.  Older kernels refuse both
	 * options, which only costs the explanation.
	 */
	setsockopt(nl_socket_get_fd(client->sock), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(client->sock), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));

	/* The cache, unlike genl_ctrl_resolve(), also tells the version. */
	err = genl_ctrl_alloc_cache(client->sock, &families);
	if (err < 0) {
		err = libnl_failure(client, err);
		goto free_sock;
	}
	family = genl_ctrl_search_by_name(families, VMEXIT_STAT_FAMILY_NAME);
	if (!family) {
		err = -ENOENT;
		goto free_cache;
	}
	client->family_id = genl_family_get_id(family);
	client->family_version = genl_family_get_version(family);
	genl_family_put(family);
	nl_cache_free(families);
	return 0;

free_cache:
	nl_cache_free(families);
free_sock:
	nl_socket_free(client->sock);
	client->sock = NULL;
	return err;
}

void vmexit_client_close(struct vmexit_client *client)
{
	nl_socket_free(client->sock);
	client->sock = NULL;
	free(client->event_buf);
	client->event_buf = NULL;
}

int vmexit_connect(struct vmexit_client *client)
{
	int err = vmexit_client_open(client);

	if (err == -ENOENT) {
		fprintf(stderr,
			"vmexit-stat: %s module not loaded: load it with "
			"'insmod module/vmexit_stat.ko' (kvm must be loaded "
			"first) or 'modprobe vmexit_stat'\n",
			VMEXIT_STAT_FAMILY_NAME);
		return err;
	}
	if (err) {
		vmexit_print_error(client, "generic netlink", err);
		return err;
	}
	/*
	 * Attribute numbers and meanings changed between versions: reading
	 * another version's messages would print wrong numbers, not fail.
	 */
	if (client->family_version != VMEXIT_STAT_FAMILY_VERSION) {
		fprintf(stderr,
			"vmexit-stat: the loaded %s module speaks version %u "
			"of the netlink protocol, this vmexit-stat only "
			"version %d: use the vmexit-stat built with the "
			"module, or load the module built with this "
			"vmexit-stat\n",
			VMEXIT_STAT_FAMILY_NAME, client->family_version,
			VMEXIT_STAT_FAMILY_VERSION);
		vmexit_client_close(client);
		return -EPROTONOSUPPORT;
	}
	return 0;
}

static int info_reply(struct nl_msg *msg, void *arg)
{
	return vmexit_parse_info(msg, arg);
}

int vmexit_get_info(struct vmexit_client *client, struct vmexit_info *info)
{
	int err;

	err = exchange(client,
		       request_alloc(client->family_id, NLM_F_ACK,
				     VMEXIT_STAT_CMD_GET_INFO),
		       info_reply, info, NULL);
	if (err)
		return err;
	info->family_version = client->family_version;
	return 0;
}

static int config_reply(struct nl_msg *msg, void *arg)
{
	return vmexit_parse_config(msg, arg);
}

int vmexit_get_config(struct vmexit_client *client,
		      struct vmexit_config *config)
{
	return exchange(client,
			request_alloc(client->family_id, NLM_F_ACK,
				      VMEXIT_STAT_CMD_GET_CONFIG),
			config_reply, config, NULL);
}

int vmexit_set_config(struct vmexit_client *client,
		      const struct vmexit_config_change *change)
{
	return exchange(client,
			vmexit_set_config_request(client->family_id, change),
			NULL, NULL, NULL);
}

int vmexit_reset(struct vmexit_client *client)
{
	return exchange(client,
			request_alloc(client->family_id, NLM_F_ACK,
				      VMEXIT_STAT_CMD_RESET),
			NULL, NULL, NULL);
}

struct dump_state {
	const struct vmexit_filter *filter;
	void *out;
};

/*
 * The kernel filters already; filtering again keeps the output right
 * with a collector that ignores an attribute it does not know.
 */
static int exit_reply(struct nl_msg *msg, void *arg)
{
	struct dump_state *dump = arg;
	struct vmexit_record rec;
	int err;

	err = vmexit_parse_record(msg, &rec);
	if (err)
		return err;
	if (!vmexit_filter_match(dump->filter, &rec))
		return 0;
	return vmexit_records_add(dump->out, &rec);
}

static int user_exit_reply(struct nl_msg *msg, void *arg)
{
	struct dump_state *dump = arg;
	struct vmexit_user_record rec;
	int err;

	err = vmexit_parse_user_record(msg, &rec);
	if (err)
		return err;
	if (!vmexit_filter_match_ids(dump->filter, rec.vm_pid, rec.vm_id,
				     !rec.per_vm, rec.vcpu_id))
		return 0;
	return vmexit_user_records_add(dump->out, &rec);
}

static int detail_reply(struct nl_msg *msg, void *arg)
{
	struct dump_state *dump = arg;
	struct vmexit_detail detail;
	int err;

	err = vmexit_parse_detail(msg, &detail);
	if (err)
		return err;
	if (!vmexit_filter_match_ids(dump->filter, detail.vm_pid, detail.vm_id,
				     false, 0))
		return 0;
	return vmexit_details_add(dump->out, &detail);
}

static int vm_reply(struct nl_msg *msg, void *arg)
{
	struct dump_state *dump = arg;
	struct vmexit_vm vm;
	int err;

	err = vmexit_parse_vm(msg, &vm);
	if (err)
		return err;
	if (!vmexit_filter_match_ids(dump->filter, vm.pid, vm.vm_id, false, 0))
		return 0;
	return vmexit_vms_add(dump->out, &vm);
}

static int sched_reply(struct nl_msg *msg, void *arg)
{
	struct dump_state *dump = arg;
	struct vmexit_sched sched;
	int err;

	err = vmexit_parse_sched(msg, &sched);
	if (err)
		return err;
	if (!vmexit_filter_match_ids(dump->filter, sched.vm_pid, sched.vm_id,
				     !sched.per_vm, sched.vcpu_id))
		return 0;
	return vmexit_scheds_add(dump->out, &sched);
}

static int cpu_sched_reply(struct nl_msg *msg, void *arg)
{
	struct dump_state *dump = arg;
	struct vmexit_cpu_sched cpu;
	int err;

	err = vmexit_parse_cpu_sched(msg, &cpu);
	if (err)
		return err;
	if (dump->filter && dump->filter->by_cpu &&
	    cpu.cpu != dump->filter->cpu)
		return 0;
	return vmexit_cpu_scheds_add(dump->out, &cpu);
}

static int phase_reply(struct nl_msg *msg, void *arg)
{
	struct dump_state *dump = arg;
	struct vmexit_phase phase;
	int err;

	err = vmexit_parse_phase(msg, &phase);
	if (err)
		return err;
	if (!vmexit_filter_match_ids(dump->filter, phase.vm_pid, phase.vm_id,
				     true, phase.vcpu_id))
		return 0;
	if (dump->filter && dump->filter->by_phase &&
	    phase.phase_id != dump->filter->phase_id)
		return 0;
	return vmexit_phases_add(dump->out, &phase);
}

/*
 * A dump the kernel marks interrupted is inconsistent (the set changed
 * while it was sent), so it is thrown away and asked for again.
 */
static int dump(struct vmexit_client *client, uint8_t cmd,
		const struct vmexit_filter *filter,
		int (*on_reply)(struct nl_msg *msg, void *arg), void *out,
		size_t *out_nr)
{
	struct dump_state state = { .filter = filter, .out = out };
	bool interrupted = false;
	int attempt, err;

	for (attempt = 0; attempt < DUMP_ATTEMPTS; attempt++) {
		*out_nr = 0;
		err = exchange(client,
			       vmexit_dump_request(client->family_id, cmd,
						   filter),
			       on_reply, &state, &interrupted);
		if (err || !interrupted)
			return err;
	}
	snprintf(client->detail, sizeof(client->detail),
		 "the dump was interrupted %d times in a row", DUMP_ATTEMPTS);
	return -EAGAIN;
}

int vmexit_dump_exits(struct vmexit_client *client,
		      const struct vmexit_filter *filter,
		      struct vmexit_records *out)
{
	return dump(client, VMEXIT_STAT_CMD_GET_EXITS, filter, exit_reply, out,
		    &out->nr);
}

int vmexit_dump_user_exits(struct vmexit_client *client,
			   const struct vmexit_filter *filter,
			   struct vmexit_user_records *out)
{
	return dump(client, VMEXIT_STAT_CMD_GET_USER_EXITS, filter,
		    user_exit_reply, out, &out->nr);
}

int vmexit_dump_details(struct vmexit_client *client,
			const struct vmexit_filter *filter,
			struct vmexit_details *out)
{
	return dump(client, VMEXIT_STAT_CMD_GET_DETAILS, filter, detail_reply,
		    out, &out->nr);
}

int vmexit_dump_vms(struct vmexit_client *client,
		    const struct vmexit_filter *filter, struct vmexit_vms *out)
{
	return dump(client, VMEXIT_STAT_CMD_GET_VMS, filter, vm_reply, out,
		    &out->nr);
}

int vmexit_dump_sched(struct vmexit_client *client,
		      const struct vmexit_filter *filter,
		      struct vmexit_scheds *out)
{
	return dump(client, VMEXIT_STAT_CMD_GET_SCHED, filter, sched_reply, out,
		    &out->nr);
}

int vmexit_dump_cpu_sched(struct vmexit_client *client,
			  const struct vmexit_filter *filter,
			  struct vmexit_cpu_scheds *out)
{
	return dump(client, VMEXIT_STAT_CMD_GET_CPU_SCHED, filter,
		    cpu_sched_reply, out, &out->nr);
}

int vmexit_dump_phases(struct vmexit_client *client,
		       const struct vmexit_filter *filter,
		       struct vmexit_phases *out)
{
	return dump(client, VMEXIT_STAT_CMD_GET_PHASES, filter, phase_reply,
		    out, &out->nr);
}

int vmexit_subscribe_lifecycle(struct vmexit_client *client)
{
	int group, err;

	client->extack[0] = '\0';
	client->detail[0] = '\0';
	group = genl_ctrl_resolve_grp(client->sock, VMEXIT_STAT_FAMILY_NAME,
				      VMEXIT_STAT_MCGRP_LIFECYCLE);
	if (group < 0) {
		err = libnl_failure(client, group);
		if (err == -ENOENT)
			snprintf(client->detail, sizeof(client->detail),
				 "the module has no multicast group '%s'",
				 VMEXIT_STAT_MCGRP_LIFECYCLE);
		return err;
	}
	client->event_buf = malloc(EVENT_BUF_SIZE);
	if (!client->event_buf)
		return -ENOMEM;
	client->event_len = 0;
	client->event_off = 0;
	err = nl_socket_add_membership(client->sock, group);
	if (err < 0)
		return libnl_failure(client, err);
	return 0;
}

/* The next notification of the family in the buffer, if any. */
static bool next_buffered_event(struct vmexit_client *client,
				struct vmexit_event *event)
{
	while (client->event_off < client->event_len) {
		struct nlmsghdr *nlh =
			(void *)(client->event_buf + client->event_off);
		int left = client->event_len - client->event_off;

		if (!nlmsg_ok(nlh, left)) {
			client->event_off = client->event_len;
			break;
		}
		client->event_off += NLMSG_ALIGN(nlh->nlmsg_len);
		if (nlh->nlmsg_type != client->family_id)
			continue;
		if (!vmexit_parse_event(nlh, event))
			return true;
	}
	return false;
}

int vmexit_next_event(struct vmexit_client *client, struct vmexit_event *event,
		      int timeout_ms, uint64_t *lost)
{
	struct pollfd pfd = { .fd = nl_socket_get_fd(client->sock),
			      .events = POLLIN };
	ssize_t len;
	int ready;

	if (!client->event_buf)
		return -EINVAL;
	for (;;) {
		if (next_buffered_event(client, event))
			return 1;
		ready = poll(&pfd, 1, timeout_ms);
		if (ready < 0)
			return -errno;
		if (!ready)
			return 0;
		len = recv(pfd.fd, client->event_buf, EVENT_BUF_SIZE,
			   MSG_DONTWAIT);
		if (len < 0) {
			/* The kernel dropped some for us: say so, go on. */
			if (errno == ENOBUFS) {
				if (lost)
					(*lost)++;
				continue;
			}
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		client->event_len = len;
		client->event_off = 0;
	}
}

void vmexit_print_error(const struct vmexit_client *client, const char *what,
			int err)
{
	fprintf(stderr, "vmexit-stat: %s: %s", what, strerror(-err));
	if (client && client->extack[0])
		fprintf(stderr, " (kernel: %s)", client->extack);
	if (client && client->detail[0])
		fprintf(stderr, " (%s)", client->detail);
	fputc('\n', stderr);
}
