/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_EXITGEN_GUEST_H
#define VMEXIT_STAT_EXITGEN_GUEST_H

/*
 * The contract between exitgen.c (the VMM) and exitgen_guest.S (the
 * real-mode guest): where things sit in guest memory, and the layout of
 * the two blocks they share.  Included by both C and the assembler.
 *
 * The guest reads its work from the parameter block and writes what it
 * did to its own status slot, because plain memory accesses make no
 * exits of the kinds we count (only a first touch can fault a page in,
 * as an EPT violation or NPF).
 */

/* One memory slot from guest physical 0; everything below 64 KiB. */
#define EG_MEM_SIZE 0x10000
/*
 * The real-mode IVT, which the VMM fills: vector N is CS = N, IP =
 * trap - 16 * N, so that every vector lands on the guest's one trap
 * handler (exitgen_guest_trap) and the handler learns N from %cs.
 */
#define EG_IVT_GPA 0
#define EG_IVT_VECTORS 256
#define EG_NMI_VECTOR 2
#define EG_PARAMS_GPA 0x1000
#define EG_STATUS_GPA 0x2000
#define EG_STATUS_SIZE 32 /* per vCPU, indexed by vCPU id */
#define EG_CODE_GPA 0x3000

/*
 * The MMIO page: no memory slot covers it, so every access leaves
 * KVM_RUN as KVM_EXIT_MMIO.  Below 1 MiB, so that real mode reaches it
 * through %es; the accesses sit inside the page (EG_MMIO_OFFSET) so that
 * a collector that reports the page rather than the address shows it.
 */
#define EG_MMIO_GPA 0xd0000
#define EG_MMIO_OFFSET 0x10
#define EG_MMIO_SIZE 4 /* movl */

/* Parameter block: one 32-bit word each, shared by every vCPU. */
#define EG_P_CPUID 0
#define EG_P_PIO 4
#define EG_P_HLT 8
#define EG_P_MSR 12
#define EG_P_HYPERCALL 16
#define EG_P_VMMCALL 20 /* nonzero: VMMCALL (AMD), else VMCALL */
#define EG_P_MMIO 24
#define EG_P_CPUID_LEAF 28 /* %eax of every CPUID */
#define EG_P_CPUID_SUBLEAF 32 /* %ecx of every CPUID */
#define EG_P_BUSY 36 /* nonzero: spin first, until EG_S_STOP is set */
/*
 * Nonzero: the phase id of the CPUID kind; each kind with exits to make
 * is a phase of its own, id EG_P_MARKERS + its enum exitgen_kind, marked
 * by CPUID of a marker leaf before and after its loop.
 */
#define EG_P_MARKERS 40
#define EG_P_SIZE 44

/* Status slot of one vCPU; the guest's %si points at it. */
#define EG_S_PHASE 0 /* EG_PHASE_*, 0 before the guest ran */
#define EG_S_PROGRESS 4 /* instructions done, all kinds */
#define EG_S_HCRET 8 /* %eax after the last hypercall */
#define EG_S_MMIO_READ 12 /* the value the last MMIO read returned */
#define EG_S_SPINS 16 /* turns of the busy loop */
/*
 * Written by the VMM: the busy loop ends.  A plain store the guest polls,
 * so that ending it takes no exit and no signal.
 */
#define EG_S_STOP 20
/*
 * Written by the trap handler: the vector (16 bits) and the IP it came
 * from (16 bits), then EG_S_TRAPPED = 1.  The guest enables no interrupt
 * and nothing in it faults, so only an event it never raised, or one
 * the VMM queued, gets there.
 */
#define EG_S_TRAP_VECTOR 24
#define EG_S_TRAP_IP 26
#define EG_S_TRAPPED 28

#define EG_PHASE_CPUID 1
#define EG_PHASE_PIO 2
#define EG_PHASE_HLT 3
#define EG_PHASE_MSR 4
#define EG_PHASE_HYPERCALL 5
#define EG_PHASE_MMIO 6
#define EG_PHASE_DONE 7 /* set just before the final HLT */
#define EG_PHASE_BUSY 8 /* before CPUID, with EG_P_BUSY only */

/*
 * Port 0xe9 (the Bochs/QEMU debug console, always a user space device):
 * without KVM_CREATE_IRQCHIP and KVM_CREATE_PIT2 nothing is on KVM's
 * PIO bus (the PIC at 0x20, 0xa0 and 0x4d0 and the PIT at 0x40-0x43 and
 * 0x61 are the only in-kernel ports, 5.10 to 6.12), so every IN and OUT
 * to it leaves KVM_RUN as KVM_EXIT_IO.
 */
#define EG_PORT 0xe9

/*
 * MSR_IA32_UCODE_REV: intercepted on VMX and SVM (in neither's list of
 * pass-through MSRs); kvm_get_msr_common() returns the vCPU's microcode
 * version and kvm_set_msr_common() ignores guest writes, with no #GP and
 * no side effect, in 5.10, 6.1 and 6.12 alike.
 */
#define EG_MSR 0x8b

/*
 * A hypercall number KVM does not know ("EXIT"): kvm_emulate_hypercall()
 * returns -KVM_ENOSYS in %eax and skips the instruction.
 */
#define EG_HC_NR 0x54495845

/*
 * CPUID leaf 0xd (XSAVE) subleaf 1: a leaf whose subleaf matters, and
 * neither number 0, so a collector that drops or swaps either shows it.
 * Without KVM_SET_CPUID2 KVM answers zeros; the exit is the same.
 */
#define EG_CPUID_LEAF 0xd
#define EG_CPUID_SUBLEAF 0x1

#ifndef __ASSEMBLER__
/* The guest's code, position independent; see exitgen_guest.S. */
extern const unsigned char exitgen_guest_start[];
extern const unsigned char exitgen_guest_end[];
extern const unsigned char exitgen_guest_trap[];
#endif

#endif /* VMEXIT_STAT_EXITGEN_GUEST_H */
