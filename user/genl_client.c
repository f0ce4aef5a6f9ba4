// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit_stat generic netlink client, over libnl-genl-3.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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

static const struct nla_policy exit_policy[VMEXIT_STAT_A_EXIT_MAX + 1] = {
	[VMEXIT_STAT_A_EXIT_VM_PID] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_EXIT_VM_ID] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_EXIT_VCPU_ID] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_EXIT_VCPU_TID] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_EXIT_ISA] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_EXIT_CODE] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_EXIT_FLAGS] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_EXIT_COUNT] = { .type = NLA_U64 },
};

static const struct nla_policy info_policy[VMEXIT_STAT_A_INFO_MAX + 1] = {
	[VMEXIT_STAT_A_INFO_VERSION] = { .type = NLA_STRING },
	[VMEXIT_STAT_A_INFO_KERNEL] = { .type = NLA_STRING },
	[VMEXIT_STAT_A_INFO_EXITS_SEEN] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_INFO_EXITS_DROPPED] = { .type = NLA_U64 },
	[VMEXIT_STAT_A_INFO_SLOTS_PER_CPU] = { .type = NLA_U32 },
	[VMEXIT_STAT_A_INFO_EXIT_PROTO] = { .type = NLA_U32 },
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

int vmexit_parse_record(struct nl_msg *msg, struct vmexit_record *rec)
{
	struct nlattr *tb[VMEXIT_STAT_A_EXIT_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, VMEXIT_STAT_A_EXIT_MAX,
			  exit_policy) < 0)
		return -EBADMSG;

	if (!tb[VMEXIT_STAT_A_EXIT_VM_PID] || !tb[VMEXIT_STAT_A_EXIT_VCPU_ID] ||
	    !tb[VMEXIT_STAT_A_EXIT_ISA] || !tb[VMEXIT_STAT_A_EXIT_CODE] ||
	    !tb[VMEXIT_STAT_A_EXIT_COUNT])
		return -EBADMSG;

	memset(rec, 0, sizeof(*rec));
	rec->vm_pid = nla_get_u32(tb[VMEXIT_STAT_A_EXIT_VM_PID]);
	rec->vcpu_id = nla_get_u32(tb[VMEXIT_STAT_A_EXIT_VCPU_ID]);
	rec->isa = nla_get_u32(tb[VMEXIT_STAT_A_EXIT_ISA]);
	rec->code = nla_get_u32(tb[VMEXIT_STAT_A_EXIT_CODE]);
	rec->count = nla_get_u64(tb[VMEXIT_STAT_A_EXIT_COUNT]);
	if (tb[VMEXIT_STAT_A_EXIT_VM_ID])
		rec->vm_id = nla_get_u64(tb[VMEXIT_STAT_A_EXIT_VM_ID]);
	if (tb[VMEXIT_STAT_A_EXIT_VCPU_TID])
		rec->vcpu_tid = nla_get_u32(tb[VMEXIT_STAT_A_EXIT_VCPU_TID]);
	if (tb[VMEXIT_STAT_A_EXIT_FLAGS])
		rec->flags = nla_get_u32(tb[VMEXIT_STAT_A_EXIT_FLAGS]);
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
	if (tb[VMEXIT_STAT_A_INFO_SLOTS_PER_CPU])
		info->slots_per_cpu =
			nla_get_u32(tb[VMEXIT_STAT_A_INFO_SLOTS_PER_CPU]);
	if (tb[VMEXIT_STAT_A_INFO_EXIT_PROTO])
		info->exit_proto =
			nla_get_u32(tb[VMEXIT_STAT_A_INFO_EXIT_PROTO]);
	return 0;
}

bool vmexit_filter_match(const struct vmexit_filter *filter,
			 const struct vmexit_record *rec)
{
	if (!filter)
		return true;
	if (filter->by_pid && rec->vm_pid != filter->pid)
		return false;
	if (filter->by_vcpu && rec->vcpu_id != filter->vcpu_id)
		return false;
	return true;
}

int vmexit_records_add(struct vmexit_records *recs,
		       const struct vmexit_record *rec)
{
	if (recs->nr == recs->alloc) {
		size_t alloc = recs->alloc ? 2 * recs->alloc : 64;
		struct vmexit_record *grown;

		grown = reallocarray(recs->rec, alloc, sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		recs->rec = grown;
		recs->alloc = alloc;
	}
	recs->rec[recs->nr++] = *rec;
	return 0;
}

void vmexit_records_free(struct vmexit_records *recs)
{
	free(recs->rec);
	memset(recs, 0, sizeof(*recs));
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

static struct nl_msg *request_alloc(struct vmexit_client *client, int flags,
				    uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, client->family_id, 0,
			 flags, cmd, VMEXIT_STAT_FAMILY_VERSION)) {
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
	if (client->family_version != VMEXIT_STAT_FAMILY_VERSION)
		fprintf(stderr,
			"vmexit-stat: warning: the module speaks version %u "
			"of the protocol, this tool version %d\n",
			client->family_version, VMEXIT_STAT_FAMILY_VERSION);
	return 0;
}

static int info_reply(struct nl_msg *msg, void *arg)
{
	return vmexit_parse_info(msg, arg);
}

int vmexit_get_info(struct vmexit_client *client, struct vmexit_info *info)
{
	struct nl_msg *msg;
	int err;

	msg = request_alloc(client, NLM_F_ACK, VMEXIT_STAT_CMD_GET_INFO);
	if (!msg)
		return -ENOMEM;
	err = exchange(client, msg, info_reply, info, NULL);
	if (err)
		return err;
	info->family_version = client->family_version;
	return 0;
}

struct dump_state {
	const struct vmexit_filter *filter;
	struct vmexit_records *out;
};

static int exit_reply(struct nl_msg *msg, void *arg)
{
	struct dump_state *dump = arg;
	struct vmexit_record rec;
	int err;

	err = vmexit_parse_record(msg, &rec);
	if (err)
		return err;
	/*
	 * The kernel filters already; filtering again keeps the output
	 * right with a collector that ignores an attribute it does not
	 * know.
	 */
	if (!vmexit_filter_match(dump->filter, &rec))
		return 0;
	return vmexit_records_add(dump->out, &rec);
}

static int dump_once(struct vmexit_client *client,
		     const struct vmexit_filter *filter,
		     struct vmexit_records *out, bool *interrupted)
{
	struct dump_state dump = { .filter = filter, .out = out };
	struct nl_msg *msg;

	msg = request_alloc(client, NLM_F_DUMP, VMEXIT_STAT_CMD_GET_EXITS);
	if (!msg)
		return -ENOMEM;
	if (filter && filter->by_pid &&
	    nla_put_u32(msg, VMEXIT_STAT_A_EXIT_VM_PID, filter->pid) < 0)
		goto too_big;
	if (filter && filter->by_vcpu &&
	    nla_put_u32(msg, VMEXIT_STAT_A_EXIT_VCPU_ID, filter->vcpu_id) < 0)
		goto too_big;
	return exchange(client, msg, exit_reply, &dump, interrupted);

too_big:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

int vmexit_dump_exits(struct vmexit_client *client,
		      const struct vmexit_filter *filter,
		      struct vmexit_records *out)
{
	bool interrupted = false;
	int attempt, err;

	for (attempt = 0; attempt < DUMP_ATTEMPTS; attempt++) {
		out->nr = 0;
		err = dump_once(client, filter, out, &interrupted);
		if (err || !interrupted)
			return err;
	}
	snprintf(client->detail, sizeof(client->detail),
		 "the dump was interrupted %d times in a row", DUMP_ATTEMPTS);
	return -EAGAIN;
}

int vmexit_reset(struct vmexit_client *client)
{
	struct nl_msg *msg;

	msg = request_alloc(client, NLM_F_ACK, VMEXIT_STAT_CMD_RESET);
	if (!msg)
		return -ENOMEM;
	return exchange(client, msg, NULL, NULL, NULL);
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
