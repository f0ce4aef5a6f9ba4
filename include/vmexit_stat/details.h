/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_DETAILS_H
#define VMEXIT_STAT_DETAILS_H

/*
 * What the drill-down tracepoints pass, shared by module/probes.c and
 * bpf/exits.bpf.c so that both backends make the same keys.  Plain C on
 * purpose: the kernel, BPF and user space all include it.
 */

/* arch/x86/kvm/trace.h and include/trace/events/kvm.h, stable since 2.6. */
#define VXS_KVM_PIO_OUT			1
#define VXS_KVM_TRACE_MMIO_WRITE	2

/* kvm_mmio and kvm_fast_mmio: details are counted per 4 KiB page. */
#define VXS_MMIO_PAGE_MASK	(~0xfffULL)

/*
 * Whether CPUID's subleaf (ECX) selects anything in this leaf (the SDM's
 * and APM's leaves with subleaves).  Elsewhere ECX holds whatever the
 * guest left there, which would split one leaf into many keys.
 */
static inline int vxs_cpuid_has_subleaves(unsigned int function)
{
	switch (function) {
	case 0x4: case 0x7: case 0xb: case 0xd: case 0xf: case 0x10:
	case 0x12: case 0x14: case 0x17: case 0x18: case 0x1d: case 0x1e:
	case 0x1f: case 0x20: case 0x23: case 0x24:
	case 0x8000001d: case 0x80000020: case 0x80000026:
		return 1;
	default:
		return 0;
	}
}

/* The drill-down key of a CPUID exit: leaf << 32 | subleaf. */
static inline unsigned long long vxs_cpuid_key(unsigned int function,
					       unsigned int index)
{
	if (!vxs_cpuid_has_subleaves(function))
		index = 0;
	return (unsigned long long)function << 32 | index;
}

#endif /* VMEXIT_STAT_DETAILS_H */
