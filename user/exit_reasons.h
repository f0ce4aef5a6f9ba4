/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_EXIT_REASONS_H
#define VMEXIT_STAT_EXIT_REASONS_H

#include <stdbool.h>

/*
 * Names of exit codes exactly as the kernel's kvm:kvm_exit trace output
 * prints them (the VMX_EXIT_REASONS and SVM_EXIT_REASONS tables of the
 * uapi headers), so that our output can be compared with perf kvm stat
 * and trace-cmd word for word.
 */

/* Returns NULL for a code the tables do not know; callers print it. */
const char *exit_reason_name(unsigned int isa, unsigned int code);

/* Looks a name up in both directions; false when unknown. */
bool exit_reason_code(unsigned int isa, const char *name, unsigned int *code);

/* "vmx", "svm" or NULL. */
const char *exit_isa_name(unsigned int isa);

/*
 * The lower-case name of a KVM_EXIT_* code without its prefix ("io",
 * "hlt", "mmio", "intr", ...), as <linux/kvm.h> numbers them; NULL for
 * one we do not know.
 */
const char *kvm_exit_name(unsigned int code);

/* Looks a KVM_EXIT_* name up, either case; false when unknown. */
bool kvm_exit_code(const char *name, unsigned int *code);

#endif /* VMEXIT_STAT_EXIT_REASONS_H */
