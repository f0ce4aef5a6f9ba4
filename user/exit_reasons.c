// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>
#include <string.h>

#include <asm/kvm.h> /* asm/svm.h needs its types */
#include <asm/svm.h>
#include <asm/vmx.h>
#include <linux/kvm.h>
#include <linux/vmexit_stat.h>

#include "exit_reasons.h"

struct exit_reason {
	unsigned int code;
	const char *name;
};

static const struct exit_reason vmx_reasons[] = { VMX_EXIT_REASONS };
static const struct exit_reason svm_reasons[] = { SVM_EXIT_REASONS };

/*
 * The one table of KVM_EXIT_* names: the reasons KVM_RUN gives the VMM
 * (struct kvm_run's exit_reason), numbered by <linux/kvm.h>.  Newer
 * kernels add codes the build host's headers may lack; those are
 * spelled out, since the numbers are ABI and never change.
 */
static const struct exit_reason kvm_exit_reasons[] = {
	{ KVM_EXIT_UNKNOWN, "unknown" },
	{ KVM_EXIT_EXCEPTION, "exception" },
	{ KVM_EXIT_IO, "io" },
	{ KVM_EXIT_HYPERCALL, "hypercall" },
	{ KVM_EXIT_DEBUG, "debug" },
	{ KVM_EXIT_HLT, "hlt" },
	{ KVM_EXIT_MMIO, "mmio" },
	{ KVM_EXIT_IRQ_WINDOW_OPEN, "irq_window_open" },
	{ KVM_EXIT_SHUTDOWN, "shutdown" },
	{ KVM_EXIT_FAIL_ENTRY, "fail_entry" },
	{ KVM_EXIT_INTR, "intr" },
	{ KVM_EXIT_SET_TPR, "set_tpr" },
	{ KVM_EXIT_TPR_ACCESS, "tpr_access" },
	{ KVM_EXIT_S390_SIEIC, "s390_sieic" },
	{ KVM_EXIT_S390_RESET, "s390_reset" },
	{ KVM_EXIT_DCR, "dcr" },
	{ KVM_EXIT_NMI, "nmi" },
	{ KVM_EXIT_INTERNAL_ERROR, "internal_error" },
	{ KVM_EXIT_OSI, "osi" },
	{ KVM_EXIT_PAPR_HCALL, "papr_hcall" },
	{ KVM_EXIT_S390_UCONTROL, "s390_ucontrol" },
	{ KVM_EXIT_WATCHDOG, "watchdog" },
	{ KVM_EXIT_S390_TSCH, "s390_tsch" },
	{ KVM_EXIT_EPR, "epr" },
	{ KVM_EXIT_SYSTEM_EVENT, "system_event" },
	{ KVM_EXIT_S390_STSI, "s390_stsi" },
	{ KVM_EXIT_IOAPIC_EOI, "ioapic_eoi" },
	{ KVM_EXIT_HYPERV, "hyperv" },
	{ KVM_EXIT_ARM_NISV, "arm_nisv" },
	{ KVM_EXIT_X86_RDMSR, "x86_rdmsr" },
	{ KVM_EXIT_X86_WRMSR, "x86_wrmsr" },
	{ KVM_EXIT_DIRTY_RING_FULL, "dirty_ring_full" },
	{ KVM_EXIT_AP_RESET_HOLD, "ap_reset_hold" },
	{ KVM_EXIT_X86_BUS_LOCK, "x86_bus_lock" },
	{ KVM_EXIT_XEN, "xen" },
	{ KVM_EXIT_RISCV_SBI, "riscv_sbi" },
	{ KVM_EXIT_RISCV_CSR, "riscv_csr" },
	{ KVM_EXIT_NOTIFY, "notify" },
	{ 38, "loongarch_iocsr" },
	{ 39, "memory_fault" },
	{ 40, "tdx" },
};

static const struct exit_reason *reason_table(unsigned int isa, size_t *len)
{
	switch (isa) {
	case VMEXIT_STAT_ISA_VMX:
		*len = sizeof(vmx_reasons) / sizeof(vmx_reasons[0]);
		return vmx_reasons;
	case VMEXIT_STAT_ISA_SVM:
		*len = sizeof(svm_reasons) / sizeof(svm_reasons[0]);
		return svm_reasons;
	}
	*len = 0;
	return NULL;
}

const char *exit_reason_name(unsigned int isa, unsigned int code)
{
	const struct exit_reason *table;
	size_t i, len;

	table = reason_table(isa, &len);
	for (i = 0; i < len; i++)
		if (table[i].code == code)
			return table[i].name;
	return NULL;
}

bool exit_reason_code(unsigned int isa, const char *name, unsigned int *code)
{
	const struct exit_reason *table;
	size_t i, len;

	table = reason_table(isa, &len);
	for (i = 0; i < len; i++) {
		if (!strcasecmp(table[i].name, name)) {
			*code = table[i].code;
			return true;
		}
	}
	return false;
}

const char *exit_isa_name(unsigned int isa)
{
	switch (isa) {
	case VMEXIT_STAT_ISA_VMX:
		return "vmx";
	case VMEXIT_STAT_ISA_SVM:
		return "svm";
	}
	return NULL;
}

const char *kvm_exit_name(unsigned int code)
{
	size_t i;

	for (i = 0; i < sizeof(kvm_exit_reasons) / sizeof(kvm_exit_reasons[0]);
	     i++)
		if (kvm_exit_reasons[i].code == code)
			return kvm_exit_reasons[i].name;
	return NULL;
}

bool kvm_exit_code(const char *name, unsigned int *code)
{
	size_t i;

	for (i = 0; i < sizeof(kvm_exit_reasons) / sizeof(kvm_exit_reasons[0]);
	     i++) {
		if (!strcasecmp(kvm_exit_reasons[i].name, name)) {
			*code = kvm_exit_reasons[i].code;
			return true;
		}
	}
	return false;
}
