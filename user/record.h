/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_RECORD_H
#define VMEXIT_STAT_RECORD_H

#include "genl_client.h"

/*
 * vmexit-stat record: the module's counters read before and after a
 * command, and what changed in between, in show's layouts.
 */

/*
 * The exit counters of after less those of before, appended to out:
 * matched by (VM, vCPU, isa, code, flags); those that did not change
 * are left out.  A counter that went down (a reset in between) counts
 * from zero.  0 or -ENOMEM.
 */
int record_exits_delta(const struct vmexit_records *before,
		       const struct vmexit_records *after,
		       struct vmexit_records *out);

/* The same for the returns to user space, by (VM, vCPU, reason). */
int record_user_exits_delta(const struct vmexit_user_records *before,
			    const struct vmexit_user_records *after,
			    struct vmexit_user_records *out);

/* The module's seen and dropped counters the same way; the rest after's. */
void record_info_delta(const struct vmexit_info *before,
		       const struct vmexit_info *after,
		       struct vmexit_info *out);

/*
 * Runs cmd (NULL-terminated, found in PATH) and waits for it; SIGINT and
 * SIGTERM sent to us meanwhile are passed on to it.  Its exit status, or
 * 128 + the signal that killed it (127 when it cannot be run, as a
 * shell does), or -errno when it cannot be started or waited for.
 */
int record_run_command(char **cmd);

#endif /* VMEXIT_STAT_RECORD_H */
