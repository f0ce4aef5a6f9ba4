/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * vmexit_stat: VM-exit statistics of a KVM host, over generic netlink.
 *
 * This header is the contract between the vmexit_stat kernel module and
 * user space.  Documentation/netlink/specs/vmexit_stat.yaml specifies the
 * family; tests/ynl-check checks that the two agree.
 *
 * Resolve the generic netlink family VMEXIT_STAT_FAMILY_NAME with the
 * controller.  Every request is validated strictly: unknown attributes and
 * attributes of the wrong type or size are refused with an extended ack
 * message; unknown commands get EOPNOTSUPP from genetlink itself.  (5.10
 * and 6.1 do not pass the extended ack to a dump's start, so a dump
 * refused there carries only the errno.)
 *
 * Reading (GET_*) needs CAP_PERFMON or CAP_SYS_ADMIN unless the module
 * was loaded with unprivileged_read=1; so does joining the lifecycle
 * group (CAP_SYS_ADMIN there).  RESET and SET_CONFIG need CAP_NET_ADMIN
 * (GENL_ADMIN_PERM: a bare EPERM).
 *
 * Commands
 * --------
 * GET_INFO (do): module version, kernel, supported isas, probe counters,
 *	drop counters by cause, and memory reserved and in use.
 * GET_EXITS (dump): one message per (VM, vCPU, isa, exit code, flags):
 *	exit count and exit latency (kvm_exit to the vCPU's next kvm_entry).
 *	Filters: VM_PID, VM_ID, VCPU_ID.  With the BY_VM flag the vCPUs of a
 *	VM are summed and VCPU_ID/VCPU_TID are left out.
 * GET_USER_EXITS (dump): one message per (VM, vCPU, KVM_EXIT_* reason):
 *	how often KVM_RUN returned to the VMM with that reason, and the
 *	round trip from that return to the vCPU's next kvm_entry.  Same
 *	filters and BY_VM flag as GET_EXITS.
 * GET_DETAILS (dump): per VM, the busiest I/O ports, MSRs, CPUID leaves
 *	and MMIO pages, by number of exits; LIMIT (default 16) per VM and
 *	kind.  Filters: VM_PID, VM_ID.  The tables are bounded and keep the
 *	busiest keys (Space-Saving): a count may be high by at most the
 *	VM's DETAILS_DROPPED.
 * GET_VMS (dump): one message per VM: state, vCPUs, start and end time,
 *	totals.  VMs whose vCPU threads have all exited stay listed as ended
 *	until a reset or until they are older than the ended-VM age limit.
 *	Filters: VM_PID, VM_ID.
 * GET_SCHED (dump): one message per vCPU thread: how long it ran, waited
 *	runnable for a CPU (run delay, what the guest sees as steal) split
 *	into wake-up latency and preemption wait, and was blocked (idle:
 *	halted or otherwise asleep, which is not steal); preemptions,
 *	migrations and timeslices.  Filters: VM_PID, VM_ID, VCPU_ID; with
 *	BY_VM the vCPUs of a VM are summed.
 * GET_CPU_SCHED (dump): one message per physical CPU: the vCPU run delay
 *	that ended there, its latency distributions, and the tasks that ran
 *	on that CPU while a vCPU waited for it (THIEF nests, busiest first,
 *	at most VMEXIT_STAT_THIEVES).  Filter: PCPU_CPU.
 * GET_PHASES (dump): one message per (VM, vCPU thread, phase id): the
 *	exits, exit latency and run delay of the vCPU while the guest said,
 *	with phase markers (<vmexit_stat/markers.h>), that it was in that
 *	phase; PHASE_EXIT nests give the exits by code.  Filters: VM_PID,
 *	VM_ID, VCPU_ID, PHASE_ID.
 * GET_CONFIG (do), SET_CONFIG (do, admin): VMEXIT_STAT_A_CONFIG_*.
 * RESET (do, admin): forgets every counter and every ended VM.
 *
 * Multicast group VMEXIT_STAT_MCGRP_LIFECYCLE carries VM_START, VM_STOP,
 * VCPU_START and VCPU_STOP notifications with VMEXIT_STAT_A_VM_* attributes.
 *
 * Exit codes
 * ----------
 * VMEXIT_STAT_A_EXIT_CODE is the hardware exit code with the VMX modifier
 * bits (bits 16-31 of the VMX exit reason) removed, so it indexes the
 * kernel's VMX_EXIT_REASONS and SVM_EXIT_REASONS tables.  The modifier bits
 * are reported apart in VMEXIT_STAT_A_EXIT_FLAGS.
 *
 * Scheduling
 * ----------
 * A vCPU thread is tracked from its first exit on.  Its run delay is
 * counted as /proc/PID/task/TID/schedstat counts its second field: a wait
 * is added when the thread gets a CPU, from when it was woken or
 * preempted while runnable.  Times are in ns of the scheduler's clock.
 * A wait is charged to the CPU the vCPU got, and to the tasks that ran on
 * that CPU during the wait (a thief's time may be high by its OVER_NS:
 * the bounded table gave it the place, and the time, of the least one).
 *
 * Phases
 * ------
 * A marker is a CPUID exit whose leaf is a marker leaf; it belongs to no
 * phase (it is still counted by GET_EXITS).  A start marker closes the
 * thread's open phase, if any, without counting an end, and opens the
 * phase of its id; an end marker closes the open phase if it has its id,
 * else it is counted as unmatched.  An exit belongs to the phase open
 * when it happened; its latency too, and a run delay to the phase open
 * when the wait ended.  A thread keeps at most VMEXIT_STAT_PHASE_SLOTS
 * phase ids: a start of one more is counted in INFO_PHASES_DROPPED and
 * leaves the thread in no phase.  Times are CLOCK_MONOTONIC ns.  RESET
 * zeroes the phases and keeps an open one open, counted as started.
 *
 * Latency
 * -------
 * Nested VMEXIT_STAT_A_LAT_* attributes: count, sum, min and max in ns and
 * a log2 histogram of VMEXIT_STAT_LAT_BUCKETS u64 counters: bucket 0 holds
 * [0, 2) ns, bucket i holds [2^i, 2^(i+1)) ns, the last bucket everything
 * from 2^(VMEXIT_STAT_LAT_BUCKETS - 1) ns up.  An exit whose vCPU has not
 * entered the guest again yet is counted but has no latency yet.
 *
 * VM identity
 * -----------
 * VMEXIT_STAT_A_*_VM_PID is the pid of the process that created the VM.
 * VMEXIT_STAT_A_*_VM_ID is an opaque number that tells apart the VMs of
 * one process and VMs that reuse a pid; it is not a kernel address.
 */
#ifndef _UAPI_LINUX_VMEXIT_STAT_H
#define _UAPI_LINUX_VMEXIT_STAT_H

#define VMEXIT_STAT_FAMILY_NAME		"vmexit_stat"
#define VMEXIT_STAT_FAMILY_VERSION	4
#define VMEXIT_STAT_MCGRP_LIFECYCLE	"lifecycle"

#define VMEXIT_STAT_LAT_BUCKETS		40
#define VMEXIT_STAT_DETAIL_LIMIT_DEFAULT	16
#define VMEXIT_STAT_THIEVES		8
#define VMEXIT_STAT_PHASE_ID_MAX	32767	/* the marker leaf: 15 bits */
#define VMEXIT_STAT_PHASE_SLOTS		8	/* phase ids per vCPU thread */

/* Same numbers as KVM's own KVM_ISA_VMX/SVM. */
enum vmexit_stat_isa {
	VMEXIT_STAT_ISA_VMX = 1,
	VMEXIT_STAT_ISA_SVM = 2,
};

/* VMEXIT_STAT_A_EXIT_FLAGS: modifier bits of the VMX exit reason. */
#define VMEXIT_STAT_EXIT_FLAG_VMX_ENCLAVE	(1U << 27)
#define VMEXIT_STAT_EXIT_FLAG_VMX_SMM_PENDING	(1U << 28)
#define VMEXIT_STAT_EXIT_FLAG_VMX_FROM_ROOT	(1U << 29)
#define VMEXIT_STAT_EXIT_FLAG_VMX_FAILED_ENTRY	(1U << 31)

/* VMEXIT_STAT_A_DETAIL_KIND: what VMEXIT_STAT_A_DETAIL_KEY is. */
enum vmexit_stat_detail_kind {
	VMEXIT_STAT_DETAIL_PIO_IN = 1,		/* key: port */
	VMEXIT_STAT_DETAIL_PIO_OUT,		/* key: port */
	VMEXIT_STAT_DETAIL_MSR_READ,		/* key: MSR index */
	VMEXIT_STAT_DETAIL_MSR_WRITE,		/* key: MSR index */
	VMEXIT_STAT_DETAIL_CPUID,		/* key: leaf << 32 | subleaf */
	VMEXIT_STAT_DETAIL_MMIO_READ,		/* key: guest-physical page */
	VMEXIT_STAT_DETAIL_MMIO_WRITE,		/* key: guest-physical page */
};

enum vmexit_stat_vm_state {
	VMEXIT_STAT_VM_RUNNING = 1,
	VMEXIT_STAT_VM_ENDED = 2,
};

enum {
	VMEXIT_STAT_A_LAT_UNSPEC,
	VMEXIT_STAT_A_LAT_PAD,
	VMEXIT_STAT_A_LAT_COUNT,		/* u64 */
	VMEXIT_STAT_A_LAT_SUM_NS,		/* u64 */
	VMEXIT_STAT_A_LAT_MIN_NS,		/* u64 */
	VMEXIT_STAT_A_LAT_MAX_NS,		/* u64 */
	VMEXIT_STAT_A_LAT_HIST,			/* binary: u64[LAT_BUCKETS] */

	__VMEXIT_STAT_A_LAT_MAX,
	VMEXIT_STAT_A_LAT_MAX = __VMEXIT_STAT_A_LAT_MAX - 1
};

enum {
	VMEXIT_STAT_A_INFO_UNSPEC,
	VMEXIT_STAT_A_INFO_PAD,
	VMEXIT_STAT_A_INFO_VERSION,		/* string */
	VMEXIT_STAT_A_INFO_KERNEL,		/* string: uname -r built for */
	VMEXIT_STAT_A_INFO_EXITS_SEEN,		/* u64 */
	VMEXIT_STAT_A_INFO_EXITS_DROPPED,	/* u64: sum of the causes */
	VMEXIT_STAT_A_INFO_VCPU_SLOTS,		/* u32: vCPU threads that fit */
	VMEXIT_STAT_A_INFO_EXIT_PROTO,		/* u32: 1 = (reason, vcpu, isa),
						 *      2 = (vcpu, isa)
						 */
	VMEXIT_STAT_A_INFO_ISAS,		/* u32: bit 1 << ISA_* */
	VMEXIT_STAT_A_INFO_ENTRIES_SEEN,	/* u64 */
	VMEXIT_STAT_A_INFO_USER_EXITS_SEEN,	/* u64 */
	VMEXIT_STAT_A_INFO_DROPPED_NO_VCPU_SLOT,	/* u64 */
	VMEXIT_STAT_A_INFO_DROPPED_NO_REASON_SLOT,	/* u64 */
	VMEXIT_STAT_A_INFO_DROPPED_UNREADABLE,	/* u64 */
	VMEXIT_STAT_A_INFO_DETAILS_DROPPED,	/* u64 */
	VMEXIT_STAT_A_INFO_EVENTS_DROPPED,	/* u64: lost notifications */
	VMEXIT_STAT_A_INFO_MEMORY_BYTES,	/* u64: reserved: the cap */
	VMEXIT_STAT_A_INFO_MEMORY_USED_BYTES,	/* u64: of that, in use */
	VMEXIT_STAT_A_INFO_VCPU_SLOTS_USED,	/* u32 */
	VMEXIT_STAT_A_INFO_VMS,			/* u32: VMs listed by GET_VMS */
	VMEXIT_STAT_A_INFO_LAT_BUCKETS,		/* u32 */
	VMEXIT_STAT_A_INFO_SCHED_SWITCHES_SEEN,	/* u64: sched_switch events */
	VMEXIT_STAT_A_INFO_SCHED_MISSED,	/* u64: events of vCPU threads
						 * that could not be looked up
						 */
	VMEXIT_STAT_A_INFO_MARKERS_SEEN,	/* u64: phase markers */
	VMEXIT_STAT_A_INFO_MARKERS_UNMATCHED,	/* u64: ends of no open phase */
	VMEXIT_STAT_A_INFO_PHASES_DROPPED,	/* u64: starts with no slot */

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
	VMEXIT_STAT_A_EXIT_LATENCY,		/* nest: VMEXIT_STAT_A_LAT_* */
	VMEXIT_STAT_A_EXIT_USER_COUNT,		/* u64: of COUNT, exits that
						 * went on to the VMM
						 */
	VMEXIT_STAT_A_EXIT_USER_NS,		/* u64: of the latency sum, the
						 * time spent in the VMM
						 */
	VMEXIT_STAT_A_EXIT_BY_VM,		/* flag: sum the vCPUs */

	__VMEXIT_STAT_A_EXIT_MAX,
	VMEXIT_STAT_A_EXIT_MAX = __VMEXIT_STAT_A_EXIT_MAX - 1
};

enum {
	VMEXIT_STAT_A_UEXIT_UNSPEC,
	VMEXIT_STAT_A_UEXIT_PAD,
	VMEXIT_STAT_A_UEXIT_VM_PID,		/* u32 */
	VMEXIT_STAT_A_UEXIT_VM_ID,		/* u64 */
	VMEXIT_STAT_A_UEXIT_VCPU_ID,		/* u32 */
	VMEXIT_STAT_A_UEXIT_VCPU_TID,		/* u32 */
	VMEXIT_STAT_A_UEXIT_REASON,		/* u32: KVM_EXIT_* */
	VMEXIT_STAT_A_UEXIT_COUNT,		/* u64 */
	VMEXIT_STAT_A_UEXIT_ROUND_TRIP,		/* nest: VMEXIT_STAT_A_LAT_* */
	VMEXIT_STAT_A_UEXIT_BY_VM,		/* flag: sum the vCPUs */

	__VMEXIT_STAT_A_UEXIT_MAX,
	VMEXIT_STAT_A_UEXIT_MAX = __VMEXIT_STAT_A_UEXIT_MAX - 1
};

enum {
	VMEXIT_STAT_A_DETAIL_UNSPEC,
	VMEXIT_STAT_A_DETAIL_PAD,
	VMEXIT_STAT_A_DETAIL_VM_PID,		/* u32 */
	VMEXIT_STAT_A_DETAIL_VM_ID,		/* u64 */
	VMEXIT_STAT_A_DETAIL_KIND,		/* u32: enum ..._detail_kind */
	VMEXIT_STAT_A_DETAIL_KEY,		/* u64 */
	VMEXIT_STAT_A_DETAIL_COUNT,		/* u64 */
	VMEXIT_STAT_A_DETAIL_LIMIT,		/* u32, request: per VM, kind */

	__VMEXIT_STAT_A_DETAIL_MAX,
	VMEXIT_STAT_A_DETAIL_MAX = __VMEXIT_STAT_A_DETAIL_MAX - 1
};

enum {
	VMEXIT_STAT_A_VM_UNSPEC,
	VMEXIT_STAT_A_VM_PAD,
	VMEXIT_STAT_A_VM_PID,			/* u32 */
	VMEXIT_STAT_A_VM_ID,			/* u64 */
	VMEXIT_STAT_A_VM_COMM,			/* string: the VMM's comm */
	VMEXIT_STAT_A_VM_STATE,			/* u32: enum ..._vm_state */
	VMEXIT_STAT_A_VM_VCPUS_LIVE,		/* u32: vCPU threads running */
	VMEXIT_STAT_A_VM_VCPUS_SEEN,		/* u32: vCPU threads seen */
	VMEXIT_STAT_A_VM_START_NS,		/* u64: CLOCK_BOOTTIME */
	VMEXIT_STAT_A_VM_END_NS,		/* u64: CLOCK_BOOTTIME */
	VMEXIT_STAT_A_VM_EXITS,			/* u64 */
	VMEXIT_STAT_A_VM_USER_EXITS,		/* u64 */
	VMEXIT_STAT_A_VM_EXIT_NS,		/* u64: sum of exit latencies */
	VMEXIT_STAT_A_VM_DROPPED,		/* u64: exits not counted */
	VMEXIT_STAT_A_VM_DETAILS_DROPPED,	/* u64 */
	VMEXIT_STAT_A_VM_VCPU_ID,		/* u32: VCPU_* notifications */
	VMEXIT_STAT_A_VM_VCPU_TID,		/* u32: VCPU_* notifications */

	__VMEXIT_STAT_A_VM_MAX,
	VMEXIT_STAT_A_VM_MAX = __VMEXIT_STAT_A_VM_MAX - 1
};

/* VMEXIT_STAT_A_SCHED_STATE: where the vCPU thread was when read. */
enum vmexit_stat_sched_state {
	VMEXIT_STAT_SCHED_RUNNING = 1,
	VMEXIT_STAT_SCHED_RUNNABLE,		/* waiting for a CPU */
	VMEXIT_STAT_SCHED_BLOCKED,		/* asleep: idle */
	VMEXIT_STAT_SCHED_ENDED,		/* the thread has exited */
};

enum {
	VMEXIT_STAT_A_SCHED_UNSPEC,
	VMEXIT_STAT_A_SCHED_PAD,
	VMEXIT_STAT_A_SCHED_VM_PID,		/* u32 */
	VMEXIT_STAT_A_SCHED_VM_ID,		/* u64 */
	VMEXIT_STAT_A_SCHED_VCPU_ID,		/* u32 */
	VMEXIT_STAT_A_SCHED_VCPU_TID,		/* u32 */
	VMEXIT_STAT_A_SCHED_BY_VM,		/* flag: sum the vCPUs */
	VMEXIT_STAT_A_SCHED_STATE,		/* u32: enum ..._sched_state */
	VMEXIT_STAT_A_SCHED_CPU,		/* u32: CPU it ran on last */
	VMEXIT_STAT_A_SCHED_RUN_NS,		/* u64: on a CPU */
	VMEXIT_STAT_A_SCHED_WAIT_NS,		/* u64: run delay (steal) */
	VMEXIT_STAT_A_SCHED_IDLE_NS,		/* u64: blocked */
	VMEXIT_STAT_A_SCHED_TIMESLICES,		/* u64: times it got a CPU */
	VMEXIT_STAT_A_SCHED_PREEMPTIONS,	/* u64: left a CPU runnable */
	VMEXIT_STAT_A_SCHED_MIGRATIONS,		/* u64: got another CPU */
	VMEXIT_STAT_A_SCHED_WAKEUP_LAT,		/* nest: woken until run */
	VMEXIT_STAT_A_SCHED_PREEMPT_LAT,	/* nest: preempted until run */

	__VMEXIT_STAT_A_SCHED_MAX,
	VMEXIT_STAT_A_SCHED_MAX = __VMEXIT_STAT_A_SCHED_MAX - 1
};

enum {
	VMEXIT_STAT_A_PCPU_UNSPEC,
	VMEXIT_STAT_A_PCPU_PAD,
	VMEXIT_STAT_A_PCPU_CPU,			/* u32 */
	VMEXIT_STAT_A_PCPU_WAIT_NS,		/* u64: vCPU run delay */
	VMEXIT_STAT_A_PCPU_VCPU_RUN_NS,		/* u64: vCPU threads ran */
	VMEXIT_STAT_A_PCPU_UNATTRIBUTED_NS,	/* u64: of WAIT_NS, no thief
						 * known (waited elsewhere,
						 * or too long ago)
						 */
	VMEXIT_STAT_A_PCPU_WAKEUP_LAT,		/* nest: VMEXIT_STAT_A_LAT_* */
	VMEXIT_STAT_A_PCPU_PREEMPT_LAT,		/* nest: VMEXIT_STAT_A_LAT_* */
	VMEXIT_STAT_A_PCPU_THIEF,		/* nest, repeated */

	__VMEXIT_STAT_A_PCPU_MAX,
	VMEXIT_STAT_A_PCPU_MAX = __VMEXIT_STAT_A_PCPU_MAX - 1
};

enum {
	VMEXIT_STAT_A_THIEF_UNSPEC,
	VMEXIT_STAT_A_THIEF_PAD,
	VMEXIT_STAT_A_THIEF_TID,		/* u32: 0 is the idle task */
	VMEXIT_STAT_A_THIEF_COMM,		/* string */
	VMEXIT_STAT_A_THIEF_NS,			/* u64: vCPU wait it ran in */
	VMEXIT_STAT_A_THIEF_OVER_NS,		/* u64: NS may be this high */
	VMEXIT_STAT_A_THIEF_VM_PID,		/* u32: when it is a vCPU */
	VMEXIT_STAT_A_THIEF_VCPU_ID,		/* u32: when it is a vCPU */

	__VMEXIT_STAT_A_THIEF_MAX,
	VMEXIT_STAT_A_THIEF_MAX = __VMEXIT_STAT_A_THIEF_MAX - 1
};

enum {
	VMEXIT_STAT_A_PHASE_UNSPEC,
	VMEXIT_STAT_A_PHASE_PAD,
	VMEXIT_STAT_A_PHASE_VM_PID,		/* u32 */
	VMEXIT_STAT_A_PHASE_VM_ID,		/* u64 */
	VMEXIT_STAT_A_PHASE_VCPU_ID,		/* u32 */
	VMEXIT_STAT_A_PHASE_VCPU_TID,		/* u32 */
	VMEXIT_STAT_A_PHASE_ID,			/* u32: the guest's id */
	VMEXIT_STAT_A_PHASE_OPEN,		/* flag: the vCPU is in it */
	VMEXIT_STAT_A_PHASE_STARTS,		/* u64: start markers */
	VMEXIT_STAT_A_PHASE_ENDS,		/* u64: end markers */
	VMEXIT_STAT_A_PHASE_ACTIVE_NS,		/* u64: time in the phase, the
						 * open part up to the reply
						 */
	VMEXIT_STAT_A_PHASE_LAST_START_NS,	/* u64: CLOCK_MONOTONIC */
	VMEXIT_STAT_A_PHASE_LAST_END_NS,	/* u64: 0 if it never ended */
	VMEXIT_STAT_A_PHASE_EXITS,		/* u64: exits in the phase */
	VMEXIT_STAT_A_PHASE_EXIT_LATENCY,	/* nest: VMEXIT_STAT_A_LAT_* */
	VMEXIT_STAT_A_PHASE_WAIT_NS,		/* u64: run delay (steal) */
	VMEXIT_STAT_A_PHASE_EXIT,		/* nest, repeated: by code */

	__VMEXIT_STAT_A_PHASE_MAX,
	VMEXIT_STAT_A_PHASE_MAX = __VMEXIT_STAT_A_PHASE_MAX - 1
};

enum {
	VMEXIT_STAT_A_PHASE_EXIT_UNSPEC,
	VMEXIT_STAT_A_PHASE_EXIT_PAD,
	VMEXIT_STAT_A_PHASE_EXIT_ISA,		/* u32: enum vmexit_stat_isa */
	VMEXIT_STAT_A_PHASE_EXIT_CODE,		/* u32: as A_EXIT_CODE */
	VMEXIT_STAT_A_PHASE_EXIT_FLAGS,		/* u32: as A_EXIT_FLAGS */
	VMEXIT_STAT_A_PHASE_EXIT_COUNT,		/* u64 */

	__VMEXIT_STAT_A_PHASE_EXIT_MAX,
	VMEXIT_STAT_A_PHASE_EXIT_MAX = __VMEXIT_STAT_A_PHASE_EXIT_MAX - 1
};

enum {
	VMEXIT_STAT_A_CONFIG_UNSPEC,
	VMEXIT_STAT_A_CONFIG_LATENCY,		/* u8: 0 or 1 */
	VMEXIT_STAT_A_CONFIG_DETAILS,		/* u8: 0 or 1 */
	VMEXIT_STAT_A_CONFIG_ENDED_VM_TTL_S,	/* u32: 0 keeps them */
	VMEXIT_STAT_A_CONFIG_UNPRIVILEGED_READ,	/* u8: read only */
	VMEXIT_STAT_A_CONFIG_SCHED,		/* u8: 0 or 1 */

	__VMEXIT_STAT_A_CONFIG_MAX,
	VMEXIT_STAT_A_CONFIG_MAX = __VMEXIT_STAT_A_CONFIG_MAX - 1
};

enum {
	VMEXIT_STAT_CMD_UNSPEC,
	VMEXIT_STAT_CMD_GET_INFO,
	VMEXIT_STAT_CMD_GET_EXITS,
	VMEXIT_STAT_CMD_RESET,
	VMEXIT_STAT_CMD_GET_USER_EXITS,
	VMEXIT_STAT_CMD_GET_DETAILS,
	VMEXIT_STAT_CMD_GET_VMS,
	VMEXIT_STAT_CMD_GET_CONFIG,
	VMEXIT_STAT_CMD_SET_CONFIG,
	VMEXIT_STAT_CMD_VM_START,		/* notification */
	VMEXIT_STAT_CMD_VM_STOP,		/* notification */
	VMEXIT_STAT_CMD_VCPU_START,		/* notification */
	VMEXIT_STAT_CMD_VCPU_STOP,		/* notification */
	VMEXIT_STAT_CMD_GET_SCHED,
	VMEXIT_STAT_CMD_GET_CPU_SCHED,
	VMEXIT_STAT_CMD_GET_PHASES,

	__VMEXIT_STAT_CMD_MAX,
	VMEXIT_STAT_CMD_MAX = __VMEXIT_STAT_CMD_MAX - 1
};

#endif /* _UAPI_LINUX_VMEXIT_STAT_H */
