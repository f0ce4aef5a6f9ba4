// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>
#include <string.h>

#include <asm/kvm.h> /* asm/svm.h needs its types */
#include <asm/svm.h>
#include <asm/vmx.h>
#include <linux/vmexit_stat.h>

#include "exit_reasons.h"

struct exit_reason {
	unsigned int code;
	const char *name;
};

static const struct exit_reason vmx_reasons[] = { VMX_EXIT_REASONS };
static const struct exit_reason svm_reasons[] = { SVM_EXIT_REASONS };

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
