/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_BPF_BACKEND_H
#define VMEXIT_STAT_BPF_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "genl_client.h"

/*
 * The BPF backend: the module's exit counters, latencies and exits to
 * user space, made by BPF programs (bpf/exits.bpf.c) instead.  Those counters exist only while the
 * programs are attached, so a read is a collection: attach, wait (an
 * interval, a command, or until SIGINT/SIGTERM), detach, read the maps.
 * Nothing outlives the call, which is also why there is nothing to reset.
 *
 * The records and info come back in the module's shapes (genl_client.h)
 * so that one code path prints both backends.
 */

/* Size of the counter map unless told; as VXS_BPF_MAX_COUNTERS. */
#define BPF_BACKEND_MAX_COUNTERS 10240

struct bpf_collect {
	char **cmd; /* run this, NULL-terminated, while attached; or NULL */
	unsigned int interval; /* seconds, when there is no cmd; 0: SIGINT */
	uint32_t max_counters; /* size of the counter map; 0: default */
};

/*
 * 0, or 1 after saying on stderr what is missing (BTF, permission, kvm)
 * or what failed.  *cmd_status is the command's exit status (0 without
 * one; 128 + signal when a signal ended it).
 */
int bpf_backend_collect(const struct bpf_collect *how,
			const struct vmexit_filter *filter,
			struct vmexit_records *recs,
			struct vmexit_user_records *users,
			struct vmexit_info *info, int *cmd_status);

#endif /* VMEXIT_STAT_BPF_BACKEND_H */
