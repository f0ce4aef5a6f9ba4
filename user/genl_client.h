/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_GENL_CLIENT_H
#define VMEXIT_STAT_GENL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Client side of the vmexit_stat generic netlink family
 * (include/uapi/linux/vmexit_stat.h), over libnl-genl-3.
 *
 * Every function that talks to the kernel returns 0 or a negative errno.
 * When the kernel explained a failure (extended ack), the explanation is
 * kept in the client until the next request, for vmexit_print_error().
 *
 * The message parsers are separate from the socket code so that the unit
 * tests can feed them messages built in user space.
 */

struct nl_msg;
struct nl_sock;
struct nlmsghdr;

/* One counter of a GET_EXITS dump: (VM, vCPU, isa, code, flags) -> count. */
struct vmexit_record {
	uint32_t vm_pid;
	uint64_t vm_id;
	uint32_t vcpu_id;
	uint32_t vcpu_tid; /* 0 when the kernel did not say */
	uint32_t isa; /* enum vmexit_stat_isa */
	uint32_t code; /* modifier bits already removed */
	uint32_t flags; /* VMEXIT_STAT_EXIT_FLAG_* */
	uint64_t count;
};

struct vmexit_records {
	struct vmexit_record *rec;
	size_t nr;
	size_t alloc;
};

struct vmexit_info {
	char version[64];
	char kernel[128];
	uint64_t exits_seen;
	uint64_t exits_dropped;
	uint32_t slots_per_cpu;
	uint32_t exit_proto;
	unsigned int family_version; /* from the controller, not GET_INFO */
};

/* Dump filters; the kernel applies them, and so do we (see the .c). */
struct vmexit_filter {
	bool by_pid;
	bool by_vcpu;
	uint32_t pid;
	uint32_t vcpu_id;
};

struct vmexit_client {
	struct nl_sock *sock;
	int family_id;
	unsigned int family_version;
	char extack[256]; /* kernel's message for the last failure */
	char detail[128]; /* libnl's message when libnl itself failed */
};

/* -ENOENT: the vmexit_stat family is not registered (module not loaded). */
int vmexit_client_open(struct vmexit_client *client);
void vmexit_client_close(struct vmexit_client *client);

/*
 * vmexit_client_open(), saying on stderr why it failed, with how to load
 * the module when it is not loaded.  Warns about a family version other
 * than ours.
 */
int vmexit_connect(struct vmexit_client *client);

int vmexit_get_info(struct vmexit_client *client, struct vmexit_info *info);
int vmexit_dump_exits(struct vmexit_client *client,
		      const struct vmexit_filter *filter,
		      struct vmexit_records *out);
int vmexit_reset(struct vmexit_client *client);

/*
 * Prints "vmexit-stat: <what>: <reason>" on stderr, with the kernel's
 * own message when it sent one, and a hint for the errors users can fix
 * (module not loaded, missing privilege).
 */
void vmexit_print_error(const struct vmexit_client *client, const char *what,
			int err);

/* Parsers, exposed for the unit tests. */
int vmexit_parse_record(struct nl_msg *msg, struct vmexit_record *rec);
int vmexit_parse_info(struct nl_msg *msg, struct vmexit_info *info);
/*
 * Copies the NLMSGERR_ATTR_MSG of an NLMSG_ERROR or NLMSG_DONE message
 * into buf; buf becomes "" when there is none.
 */
void vmexit_parse_extack(const struct nlmsghdr *nlh, char *buf, size_t len);

bool vmexit_filter_match(const struct vmexit_filter *filter,
			 const struct vmexit_record *rec);

int vmexit_records_add(struct vmexit_records *recs,
		       const struct vmexit_record *rec);
void vmexit_records_free(struct vmexit_records *recs);

#endif /* VMEXIT_STAT_GENL_CLIENT_H */
