/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_COMPAT_H
#define VMEXIT_STAT_COMPAT_H

#include <linux/version.h>

/*
 * Kernel interfaces that changed within the range the module supports
 * (5.10 to 6.12 and later).  An out-of-tree module has to test the
 * version; every such test is here, named for what it tells.
 */

/* 5.16 dropped the exit reason from kvm_exit's arguments. */
#define VXS_KVM_EXIT_PASSES_REASON \
	(LINUX_VERSION_CODE < KERNEL_VERSION(5, 16, 0))

/* 5.14 renamed task_struct.state to __state. */
#define VXS_TASK_STATE_IS_DUNDER \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(5, 14, 0))

/* 6.1 added genl_family.resv_start_op. */
#define VXS_GENL_HAS_RESV_START_OP \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0))

/* 6.5 gave a dump's ->start() the request's extack (cb->extack). */
#define VXS_GENL_START_HAS_EXTACK \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0))

/* 6.2 moved a dump's parsed attributes into a struct genl_info. */
#define VXS_GENL_DUMP_HAS_INFO \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0))

#endif /* VMEXIT_STAT_COMPAT_H */
