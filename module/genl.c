// SPDX-License-Identifier: GPL-2.0
/*
 * The vmexit_stat generic netlink family, as specified in
 * Documentation/netlink/specs/vmexit_stat.yaml.
 */
#include <linux/capability.h>
#include <generated/utsrelease.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include <uapi/linux/vmexit_stat.h>

#include "compat.h"
#include "vmexit_stat.h"

static const struct nla_policy vxs_get_exits_policy[] = {
	[VMEXIT_STAT_A_EXIT_VM_PID] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_EXIT_VCPU_ID] = { .type = NLA_U32 },
};

/* Where a dump spread over several messages goes on from. */
struct vxs_dump_ctx {
	struct vxs_exit_snapshot *snap;
	u32 next;
};

static struct genl_family vxs_genl_family;

/*
 * Exit counters show what guests do; like perf data about other users'
 * tasks they are kept from unprivileged users.
 */
static int vxs_check_read_access(struct netlink_ext_ack *extack)
{
	if (perfmon_capable())
		return 0;
	NL_SET_ERR_MSG(extack, "reading VM-exit statistics needs CAP_PERFMON or CAP_SYS_ADMIN");
	return -EPERM;
}

static int vxs_genl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	u64 seen, dropped;
	void *hdr;
	int err;

	err = vxs_check_read_access(info->extack);
	if (err)
		return err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &vxs_genl_family, 0,
				VMEXIT_STAT_CMD_GET_INFO);
	if (!hdr) {
		err = -EMSGSIZE;
		goto free_msg;
	}

	vxs_totals(&seen, &dropped);
	if (nla_put_string(msg, VMEXIT_STAT_A_INFO_VERSION, VXS_VERSION) ||
	    nla_put_string(msg, VMEXIT_STAT_A_INFO_KERNEL, UTS_RELEASE) ||
	    nla_put_u64_64bit(msg, VMEXIT_STAT_A_INFO_EXITS_SEEN, seen,
			      VMEXIT_STAT_A_INFO_PAD) ||
	    nla_put_u64_64bit(msg, VMEXIT_STAT_A_INFO_EXITS_DROPPED, dropped,
			      VMEXIT_STAT_A_INFO_PAD) ||
	    nla_put_u32(msg, VMEXIT_STAT_A_INFO_SLOTS_PER_CPU,
			vxs_slots_per_cpu()) ||
	    nla_put_u32(msg, VMEXIT_STAT_A_INFO_EXIT_PROTO,
			vxs_exit_probe_proto())) {
		err = -EMSGSIZE;
		goto free_msg;
	}

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

free_msg:
	nlmsg_free(msg);
	return err;
}

static struct nlattr **vxs_dump_attrs(struct netlink_callback *cb)
{
#if VXS_GENL_DUMP_HAS_INFO
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

static int vxs_genl_get_exits_start(struct netlink_callback *cb)
{
	struct vxs_dump_ctx *ctx = (struct vxs_dump_ctx *)cb->ctx;
	struct nlattr **attrs = vxs_dump_attrs(cb);
	struct vxs_exit_filter filter = {};
	int err;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));

	err = vxs_check_read_access(cb->extack);
	if (err)
		return err;

	if (attrs[VMEXIT_STAT_A_EXIT_VM_PID]) {
		filter.by_pid = true;
		filter.pid = nla_get_u32(attrs[VMEXIT_STAT_A_EXIT_VM_PID]);
	}
	if (attrs[VMEXIT_STAT_A_EXIT_VCPU_ID]) {
		filter.by_vcpu = true;
		filter.vcpu_id = nla_get_u32(attrs[VMEXIT_STAT_A_EXIT_VCPU_ID]);
	}

	ctx->snap = vxs_snapshot(&filter);
	if (!ctx->snap) {
		NL_SET_ERR_MSG(cb->extack, "no memory for a snapshot of the counters");
		return -ENOMEM;
	}
	ctx->next = 0;
	return 0;
}

static int vxs_genl_get_exits_done(struct netlink_callback *cb)
{
	struct vxs_dump_ctx *ctx = (struct vxs_dump_ctx *)cb->ctx;

	vxs_exit_snapshot_free(ctx->snap);
	ctx->snap = NULL;
	return 0;
}

static int vxs_fill_exit(struct sk_buff *skb, struct netlink_callback *cb,
			 const struct vxs_exit_record *rec)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &vxs_genl_family, NLM_F_MULTI,
			  VMEXIT_STAT_CMD_GET_EXITS);
	if (!hdr)
		return -EMSGSIZE;

	if (nla_put_u32(skb, VMEXIT_STAT_A_EXIT_VM_PID, rec->pid) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_EXIT_VM_ID, rec->vm_id,
			      VMEXIT_STAT_A_EXIT_PAD) ||
	    nla_put_u32(skb, VMEXIT_STAT_A_EXIT_VCPU_ID, rec->vcpu_id) ||
	    nla_put_u32(skb, VMEXIT_STAT_A_EXIT_VCPU_TID, rec->tid) ||
	    nla_put_u32(skb, VMEXIT_STAT_A_EXIT_ISA, rec->isa) ||
	    nla_put_u32(skb, VMEXIT_STAT_A_EXIT_CODE,
			vxs_exit_code(rec->isa, rec->reason)) ||
	    nla_put_u32(skb, VMEXIT_STAT_A_EXIT_FLAGS,
			vxs_exit_flags(rec->isa, rec->reason)) ||
	    nla_put_u64_64bit(skb, VMEXIT_STAT_A_EXIT_COUNT, rec->count,
			      VMEXIT_STAT_A_EXIT_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}

	genlmsg_end(skb, hdr);
	return 0;
}

static int vxs_genl_get_exits_dump(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct vxs_dump_ctx *ctx = (struct vxs_dump_ctx *)cb->ctx;
	const struct vxs_exit_snapshot *snap = ctx->snap;
	int err = 0;

	while (ctx->next < snap->nr_records) {
		err = vxs_fill_exit(skb, cb, &snap->records[ctx->next]);
		if (err)
			break;
		ctx->next++;
	}

	/* A full message is not an error while it carries something. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

static int vxs_genl_reset(struct sk_buff *skb, struct genl_info *info)
{
	vxs_reset();
	return 0;
}

static const struct genl_ops vxs_genl_ops[] = {
	{
		.cmd = VMEXIT_STAT_CMD_GET_INFO,
		.doit = vxs_genl_get_info,
	},
	{
		.cmd = VMEXIT_STAT_CMD_GET_EXITS,
		.start = vxs_genl_get_exits_start,
		.dumpit = vxs_genl_get_exits_dump,
		.done = vxs_genl_get_exits_done,
		.policy = vxs_get_exits_policy,
		.maxattr = ARRAY_SIZE(vxs_get_exits_policy) - 1,
	},
	{
		.cmd = VMEXIT_STAT_CMD_RESET,
		.doit = vxs_genl_reset,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family vxs_genl_family __ro_after_init = {
	.name = VMEXIT_STAT_FAMILY_NAME,
	.version = VMEXIT_STAT_FAMILY_VERSION,
	.module = THIS_MODULE,
	.ops = vxs_genl_ops,
	.n_ops = ARRAY_SIZE(vxs_genl_ops),
#if VXS_GENL_HAS_RESV_START_OP
	.resv_start_op = VMEXIT_STAT_CMD_RESET + 1,
#endif
	.parallel_ops = true,
};

int vxs_genl_register(void)
{
	return genl_register_family(&vxs_genl_family);
}

void vxs_genl_unregister(void)
{
	genl_unregister_family(&vxs_genl_family);
}
