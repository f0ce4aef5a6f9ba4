// SPDX-License-Identifier: GPL-2.0
/* Exit reasons as KVM reports them, split into code and modifier bits. */
#include "vmexit_stat.h"

/*
 * Bits 16-31 of the VMX exit reason modify the basic reason (Intel SDM,
 * "Basic VM-Exit Information").
 */
#define VXS_VMX_BASIC_REASON_MASK	0xffffU

u32 vxs_exit_code(u32 isa, u32 reason)
{
	if (isa == VMEXIT_STAT_ISA_VMX)
		return reason & VXS_VMX_BASIC_REASON_MASK;
	return reason;
}

u32 vxs_exit_flags(u32 isa, u32 reason)
{
	if (isa == VMEXIT_STAT_ISA_VMX)
		return reason & ~VXS_VMX_BASIC_REASON_MASK;
	return 0;
}
