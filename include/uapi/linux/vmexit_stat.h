/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * vmexit_stat: VM-exit statistics of a KVM host, over generic netlink.
 *
 * This header is the contract between the vmexit_stat kernel module and
 * user space.  Documentation/netlink/specs/vmexit_stat.yaml is the source
 * of truth for it; the two are kept in step by hand and checked by the
 * tests.
 *
 * Protocol
 * --------
 * Resolve the generic netlink family VMEXIT_STAT_FAMILY_NAME, version
 * VMEXIT_STAT_FAMILY_VERSION, with the controller.  Then:
 *
 * VMEXIT_STAT_CMD_GET_INFO (do)
 *	No request attributes.  The reply carries VMEXIT_STAT_A_INFO_*:
 *	the module version, the kernel release it was built for, the
 *	number of exits seen, the number of exits that could not be
 *	counted because a per-CPU table was full, and how many table slots
 *	each CPU has.
 *
 * VMEXIT_STAT_CMD_GET_EXITS (dump)
 *	Optional request filters: VMEXIT_STAT_A_EXIT_VM_PID and
 *	VMEXIT_STAT_A_EXIT_VCPU_ID.  One reply message per counter, that
 *	is per (VM, vCPU, isa, exit code), carrying VMEXIT_STAT_A_EXIT_*.
 *	The counters of all CPUs are summed by the kernel.  The reply set is
 *	a snapshot taken when the dump starts, so a dump spread over many
 *	messages is consistent with itself.
 *
 * VMEXIT_STAT_CMD_RESET (do, needs CAP_NET_ADMIN)
 *	Forgets every counter.  Exits that happen while the reset is
 *	being made may be counted either side of it.
 *
 * Exit codes
 * ----------
 * VMEXIT_STAT_A_EXIT_CODE is the hardware exit code with the VMX
 * modifier bits (bits 16-31 of the VMX basic exit reason field) removed,
 * so it indexes the kernel's VMX_EXIT_REASONS and SVM_EXIT_REASONS tables
 * in <asm/vmx.h> and <asm/svm.h>.  The modifier bits are reported apart
 * in VMEXIT_STAT_A_EXIT_FLAGS; exits with the same code but different
 * modifier bits are separate counters, so separate records.
 *
 * VM identity
 * -----------
 * VMEXIT_STAT_A_EXIT_VM_PID is the pid of the process that created the VM
 * (the VMM).  One process may create several VMs; VMEXIT_STAT_A_EXIT_VM_ID
 * tells them apart.  It is an opaque number, stable while the VM lives,
 * that is not a kernel address.
 */
#ifndef _UAPI_LINUX_VMEXIT_STAT_H
#define _UAPI_LINUX_VMEXIT_STAT_H

#define VMEXIT_STAT_FAMILY_NAME		"vmexit_stat"
#define VMEXIT_STAT_FAMILY_VERSION	1

/* VMEXIT_STAT_A_EXIT_ISA: same numbers as KVM's own KVM_ISA_VMX/SVM. */
enum vmexit_stat_isa {
	VMEXIT_STAT_ISA_VMX = 1,
	VMEXIT_STAT_ISA_SVM = 2,
};

/* VMEXIT_STAT_A_EXIT_FLAGS: modifier bits of the VMX exit reason. */
#define VMEXIT_STAT_EXIT_FLAG_VMX_ENCLAVE	(1U << 27)
#define VMEXIT_STAT_EXIT_FLAG_VMX_SMM_PENDING	(1U << 28)
#define VMEXIT_STAT_EXIT_FLAG_VMX_FROM_ROOT	(1U << 29)
#define VMEXIT_STAT_EXIT_FLAG_VMX_FAILED_ENTRY	(1U << 31)

enum {
	VMEXIT_STAT_A_INFO_UNSPEC,
	VMEXIT_STAT_A_INFO_PAD,
	VMEXIT_STAT_A_INFO_VERSION,		/* string */
	VMEXIT_STAT_A_INFO_KERNEL,		/* string: uname -r built for */
	VMEXIT_STAT_A_INFO_EXITS_SEEN,		/* u64 */
	VMEXIT_STAT_A_INFO_EXITS_DROPPED,	/* u64 */
	VMEXIT_STAT_A_INFO_SLOTS_PER_CPU,	/* u32 */
	VMEXIT_STAT_A_INFO_EXIT_PROTO,		/* u32: 1 = (reason, vcpu, isa),
						 *      2 = (vcpu, isa)
						 */

	__VMEXIT_STAT_A_INFO_MAX,
	VMEXIT_STAT_A_INFO_MAX = __VMEXIT_STAT_A_INFO_MAX - 1
};

enum {
	VMEXIT_STAT_A_EXIT_UNSPEC,
	VMEXIT_STAT_A_EXIT_PAD,
	VMEXIT_STAT_A_EXIT_VM_PID,		/* u32 */
	VMEXIT_STAT_A_EXIT_VM_ID,		/* u64 */
	VMEXIT_STAT_A_EXIT_VCPU_ID,		/* u32 */
	VMEXIT_STAT_A_EXIT_VCPU_TID,		/* u32 */
	VMEXIT_STAT_A_EXIT_ISA,			/* u32: enum vmexit_stat_isa */
	VMEXIT_STAT_A_EXIT_CODE,		/* u32 */
	VMEXIT_STAT_A_EXIT_FLAGS,		/* u32: EXIT_FLAG_* bits */
	VMEXIT_STAT_A_EXIT_COUNT,		/* u64 */

	__VMEXIT_STAT_A_EXIT_MAX,
	VMEXIT_STAT_A_EXIT_MAX = __VMEXIT_STAT_A_EXIT_MAX - 1
};

enum {
	VMEXIT_STAT_CMD_UNSPEC,
	VMEXIT_STAT_CMD_GET_INFO,
	VMEXIT_STAT_CMD_GET_EXITS,
	VMEXIT_STAT_CMD_RESET,

	__VMEXIT_STAT_CMD_MAX,
	VMEXIT_STAT_CMD_MAX = __VMEXIT_STAT_CMD_MAX - 1
};

#endif /* _UAPI_LINUX_VMEXIT_STAT_H */
