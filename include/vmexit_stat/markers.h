/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
#ifndef VMEXIT_STAT_MARKERS_H
#define VMEXIT_STAT_MARKERS_H

/*
 * Phase markers: how a workload in a guest tells the host where its
 * phases begin and end.  The guest executes CPUID with EAX set to a
 * marker leaf.  CPUID is unprivileged and, under KVM (VMX and SVM), always
 * exits to the hypervisor, where kvm:kvm_cpuid reports the leaf as the
 * guest asked for it on every kernel from 5.10 on (later kernels also
 * pass the subleaf, 5.10 does not, so everything is in the leaf).
 *
 * Leaves 0x40000000-0x4fffffff are left to hypervisors by Intel and AMD:
 * no processor defines them, so on bare metal and under other hypervisors
 * the instruction only returns zeros (or the highest basic leaf).  KVM
 * uses the first few leaves of that range; the markers use the block
 * 0x4f58xxxx ("X"), which no hypervisor we know of defines.
 *
 * Bits 0-14 of the leaf are the phase id, chosen by the guest; bit 15
 * says start (0) or end (1).
 *
 * Shared by the module, the BPF programs, the workloads and exitgen's
 * guest (assembler), so only plain constants and macros, and C inside
 * the guard.
 */

#define VMEXIT_STAT_MARKER_BASE 0x4f580000
#define VMEXIT_STAT_MARKER_MASK 0xffff0000
#define VMEXIT_STAT_MARKER_END 0x00008000
#define VMEXIT_STAT_MARKER_ID_MASK 0x00007fff

#define VMEXIT_STAT_MARKER_LEAF(id, end)                                  \
	(VMEXIT_STAT_MARKER_BASE | ((end) ? VMEXIT_STAT_MARKER_END : 0) | \
	 (VMEXIT_STAT_MARKER_ID_MASK & (id)))

#define VMEXIT_STAT_IS_MARKER(leaf) \
	((VMEXIT_STAT_MARKER_MASK & (leaf)) == VMEXIT_STAT_MARKER_BASE)
#define VMEXIT_STAT_MARKER_IS_END(leaf) ((VMEXIT_STAT_MARKER_END & (leaf)) != 0)
#define VMEXIT_STAT_MARKER_ID(leaf) (VMEXIT_STAT_MARKER_ID_MASK & (leaf))

#ifndef __ASSEMBLER__
/*
 * The phase ids `vmexit-stat bench --markers` uses unless told otherwise
 * (--phase-id); `vmexit-stat correlate` names these.
 */
enum vmexit_stat_bench_phase {
	VMEXIT_STAT_PHASE_CPU = 1,
	VMEXIT_STAT_PHASE_MEMORY = 2,
	VMEXIT_STAT_PHASE_FILEIO_PREPARE = 3,
	VMEXIT_STAT_PHASE_FILEIO_RUN = 4,
	VMEXIT_STAT_PHASE_FILEIO_CLEANUP = 5,
};
#endif

#endif /* VMEXIT_STAT_MARKERS_H */
