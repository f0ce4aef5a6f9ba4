/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_EXITGEN_H
#define VMEXIT_STAT_EXITGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <linux/vmexit_stat.h>

/*
 * exitgen: a tiny VMM whose guest makes an exact, known number of VM
 * exits of the deterministic kinds, the ground truth the collectors are
 * checked against.  Every vCPU makes the full requested mix.
 */

enum exitgen_kind {
	EXITGEN_CPUID,
	EXITGEN_PIO, /* OUT and IN, alternating */
	EXITGEN_HLT,
	EXITGEN_MSR, /* RDMSR and WRMSR, alternating */
	EXITGEN_HYPERCALL, /* VMMCALL on AMD, VMCALL on Intel */
	EXITGEN_MMIO, /* write and read, alternating, to a page with no slot */
	EXITGEN_NR_KINDS,
};

#define EXITGEN_MAX_VCPUS 64
#define EXITGEN_MAX_MADE 8
#define EXITGEN_MAX_COUNT 0xffffffffUL /* per kind and vCPU */
#define EXITGEN_MAX_USER_EXITS 8 /* distinct KVM_EXIT_* reasons per vCPU */
#define EXITGEN_NR_DETAILS 7

struct exitgen_request {
	unsigned long count[EXITGEN_NR_KINDS];
	unsigned int vcpus;
	/*
	 * vCPUs created and started once the first ones made all their
	 * exits, while those still live; they make the same mix.
	 */
	unsigned int late_vcpus;
	/*
	 * Each vCPU's guest first spins this long (from its thread's
	 * start), making no exit of its own, then makes its exits.
	 */
	unsigned long busy_ms;
	/*
	 * After each requested HLT exit the vCPU thread sleeps this long,
	 * as a VMM without an in-kernel irqchip waits for an interrupt.
	 */
	unsigned long hlt_wait_ms;
	/* vCPU i's thread runs on CPU pin[i % nr_pin] only; none if 0. */
	unsigned int nr_pin;
	int pin[EXITGEN_MAX_VCPUS];
	bool announce; /* each vCPU's thread id on stderr as it starts */
	/*
	 * Nonzero: each kind with exits to make is a phase, id markers +
	 * its enum exitgen_kind, between two phase markers (CPUID exits of
	 * <vmexit_stat/markers.h>, counted as control exits).
	 */
	unsigned int markers;
	/*
	 * Queue an NMI on every vCPU before its first KVM_RUN: the guest
	 * takes it through its trap handler and the vCPU fails, naming
	 * vector 2.  Shows that the VMM catches an event the guest did not
	 * raise, which would otherwise run whatever guest memory holds.
	 */
	bool nmi;
};

/*
 * In the error of a vCPU that took an interrupt or exception it did not
 * raise; the tests boot the lab again on it, as on lost guest state.
 */
#define EXITGEN_EVENT_NOT_RAISED "an event the guest never raises"

#define EXITGEN_MAX_BUSY_MS 86400000UL
#define EXITGEN_MAX_MARKERS (VMEXIT_STAT_PHASE_ID_MAX - EXITGEN_NR_KINDS + 1)
/* Below the stall limit, so that a sleeping vCPU never looks stuck. */
#define EXITGEN_MAX_HLT_WAIT_MS 1000UL

/* One exit code the guest made, the same on every vCPU. */
struct exitgen_made {
	unsigned int code; /* exit code as kvm:kvm_exit reports it */
	const char *reason; /* its name in the kernel's trace output */
	unsigned long requested;
	unsigned long control; /* exits exitgen adds itself (final HLT) */
};

/* How often KVM_RUN returned with one run->exit_reason. */
struct exitgen_user_exit {
	unsigned int code; /* KVM_EXIT_* */
	const char *reason; /* lower-case KVM_EXIT_* name without prefix */
	unsigned long count;
};

struct exitgen_vcpu_result {
	unsigned int vcpu_id;
	pid_t tid;
	unsigned long kvm_run_returns; /* KVM_RUN ioctls that returned */
};

/*
 * How the vCPU of the same index in vcpu[] ran: apart from
 * exitgen_vcpu_result, whose users initialize it field by field.
 */
struct exitgen_vcpu_run {
	bool late; /* one of the request's late_vcpus */
	int cpu; /* the one CPU its thread was pinned to, or -1 */
	unsigned long busy_spins; /* turns of the busy loop (--busy-ms) */
	unsigned int nr_user_exits; /* by code, ascending; sum: returns */
	struct exitgen_user_exit user_exit[EXITGEN_MAX_USER_EXITS];
};

/*
 * The drill-down the guest made, summed over the VM's vCPUs: one row
 * per I/O direction, MSR access, CPUID and MMIO direction, in the
 * numbering of enum vmexit_stat_detail_kind, even when it is zero.
 */
struct exitgen_detail {
	unsigned int kind; /* VMEXIT_STAT_DETAIL_* */
	unsigned long long key; /* as VMEXIT_STAT_A_DETAIL_KEY */
	unsigned long count;
};

struct exitgen_result {
	unsigned int isa; /* VMEXIT_STAT_ISA_VMX or _SVM */
	pid_t pid;
	unsigned int nr_made;
	struct exitgen_made made[EXITGEN_MAX_MADE];
	unsigned int nr_vcpus;
	struct exitgen_vcpu_result vcpu[EXITGEN_MAX_VCPUS];
	struct exitgen_vcpu_run vcpu_run[EXITGEN_MAX_VCPUS];
	/*
	 * The KVM vendor module of /dev/kvm ("kvm_intel", "kvm_amd",
	 * "kvm_pvm"), NULL if unknown.  Under kvm_pvm the guest runs in
	 * KVM's instruction emulator and makes no VM exits at all.
	 */
	const char *kvm_module;
	unsigned int nr_details;
	struct exitgen_detail detail[EXITGEN_NR_DETAILS];
	unsigned long long mmio_gpa; /* the page the MMIO accesses hit */
	unsigned int markers; /* as requested; 0: no phases */
	unsigned long count[EXITGEN_NR_KINDS]; /* requested, per vCPU */
};

/*
 * Runs the guest to completion in the calling process (one thread per
 * vCPU) and destroys the VM.  Returns 0, or -1 with a message in err.
 * After exitgen_hurry() the busy loops and HLT waits end early; the
 * exits are all made still.
 */
int exitgen_run(const struct exitgen_request *req, struct exitgen_result *res,
		char *err, size_t errlen);

/* Async-signal-safe. */
void exitgen_hurry(void);

#endif /* VMEXIT_STAT_EXITGEN_H */
