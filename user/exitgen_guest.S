/* SPDX-License-Identifier: GPL-2.0 */
/*
 * exitgen's guest: real-mode code that makes exactly the exits the
 * parameter block asks for, kind after kind, then stops on one HLT;
 * asked to, it spins busy before them.
 *
 * Entry: CS = DS = 0 with base 0, IF clear, %si = this vCPU's status
 * slot.  Copied to EG_CODE_GPA, so it only uses relative jumps and
 * absolute data addresses.  The loop counter lives in %edi and the
 * status pointer in %si because CPUID clobbers %eax, %ebx, %ecx and
 * %edx, RDMSR %eax and %edx, and the hypercall %eax.
 */
#include "exitgen_guest.h"
#include <vmexit_stat/markers.h>

/*
 * A phase marker of kind \kind (enum exitgen_kind), whose count sits at
 * \count in the parameter block: only when markers are asked for and
 * the kind has exits to make.  Clobbers %eax, %ebx, %ecx and %edx.
 */
.macro	marker kind, count, end
	cmpl	$0, EG_PARAMS_GPA + EG_P_MARKERS
	je	90f
	cmpl	$0, EG_PARAMS_GPA + \count
	je	90f
	movl	EG_PARAMS_GPA + EG_P_MARKERS, %eax
	addl	$\kind, %eax
	andl	$VMEXIT_STAT_MARKER_ID_MASK, %eax
	orl	$(VMEXIT_STAT_MARKER_BASE | (\end * VMEXIT_STAT_MARKER_END)), %eax
	xorl	%ecx, %ecx
	cpuid
90:
.endm

	.section .rodata.exitgen_guest, "a"
	.code16
	.globl	exitgen_guest_start
	.globl	exitgen_guest_end
	.globl	exitgen_guest_trap

exitgen_guest_start:
	/*
	 * Busy: spin with no exit of our own (host interrupts still make
	 * some), so that the vCPU thread stays runnable, until the VMM
	 * stores to our stop word.
	 */
	cmpl	$0, EG_PARAMS_GPA + EG_P_BUSY
	je	0f
	movl	$EG_PHASE_BUSY, EG_S_PHASE(%si)
15:	incl	EG_S_SPINS(%si)
	cmpl	$0, EG_S_STOP(%si)
	je	15b

0:	movl	$EG_PHASE_CPUID, EG_S_PHASE(%si)
	marker	0, EG_P_CPUID, 0
	movl	EG_PARAMS_GPA + EG_P_CPUID, %edi
1:	testl	%edi, %edi
	jz	2f
	movl	EG_PARAMS_GPA + EG_P_CPUID_LEAF, %eax
	movl	EG_PARAMS_GPA + EG_P_CPUID_SUBLEAF, %ecx
	cpuid
	incl	EG_S_PROGRESS(%si)
	decl	%edi
	jmp	1b

	/* OUT and IN alternate, OUT first; the VMM checks the order. */
2:	marker	0, EG_P_CPUID, 1
	movl	$EG_PHASE_PIO, EG_S_PHASE(%si)
	marker	1, EG_P_PIO, 0
	movl	EG_PARAMS_GPA + EG_P_PIO, %edi
	movw	$EG_PORT, %dx
	xorl	%eax, %eax
3:	testl	%edi, %edi
	jz	4f
	outb	%al, %dx
	incl	EG_S_PROGRESS(%si)
	decl	%edi
	jz	4f
	inb	%dx, %al
	incl	EG_S_PROGRESS(%si)
	decl	%edi
	jmp	3b

	/* IF is clear and there is no irqchip: each HLT exits to us. */
4:	marker	1, EG_P_PIO, 1
	movl	$EG_PHASE_HLT, EG_S_PHASE(%si)
	marker	2, EG_P_HLT, 0
	movl	EG_PARAMS_GPA + EG_P_HLT, %edi
5:	testl	%edi, %edi
	jz	6f
	hlt
	incl	EG_S_PROGRESS(%si)
	decl	%edi
	jmp	5b

	/* Read, then write back what was read, so nothing changes. */
6:	marker	2, EG_P_HLT, 1
	movl	$EG_PHASE_MSR, EG_S_PHASE(%si)
	marker	3, EG_P_MSR, 0
	movl	EG_PARAMS_GPA + EG_P_MSR, %edi
7:	testl	%edi, %edi
	jz	8f
	movl	$EG_MSR, %ecx
	rdmsr
	incl	EG_S_PROGRESS(%si)
	decl	%edi
	jz	8f
	wrmsr
	incl	EG_S_PROGRESS(%si)
	decl	%edi
	jmp	7b

	/*
	 * The vendor's own instruction only: KVM's emulator would rewrite
	 * the other one in our code (KVM_X86_QUIRK_FIX_HYPERCALL_INSN).
	 */
8:	marker	3, EG_P_MSR, 1
	movl	$EG_PHASE_HYPERCALL, EG_S_PHASE(%si)
	marker	4, EG_P_HYPERCALL, 0
	movl	EG_PARAMS_GPA + EG_P_HYPERCALL, %edi
	cmpl	$0, EG_PARAMS_GPA + EG_P_VMMCALL
	jne	10f
9:	testl	%edi, %edi
	jz	11f
	movl	$EG_HC_NR, %eax
	vmcall
	movl	%eax, EG_S_HCRET(%si)
	incl	EG_S_PROGRESS(%si)
	decl	%edi
	jmp	9b
10:	testl	%edi, %edi
	jz	11f
	movl	$EG_HC_NR, %eax
	vmmcall
	movl	%eax, EG_S_HCRET(%si)
	incl	EG_S_PROGRESS(%si)
	decl	%edi
	jmp	10b

	/*
	 * Write, then read, alternating, through %es to the page no slot
	 * covers.  A write stores the count still to do, which the VMM
	 * checks; a read keeps what the VMM answered, for it to check.
	 */
11:	marker	4, EG_P_HYPERCALL, 1
	movl	$EG_PHASE_MMIO, EG_S_PHASE(%si)
	marker	5, EG_P_MMIO, 0
	movl	EG_PARAMS_GPA + EG_P_MMIO, %edi
	movw	$(EG_MMIO_GPA >> 4), %ax
	movw	%ax, %es
12:	testl	%edi, %edi
	jz	13f
	movl	%edi, %es:EG_MMIO_OFFSET
	incl	EG_S_PROGRESS(%si)
	decl	%edi
	jz	13f
	movl	%es:EG_MMIO_OFFSET, %eax
	movl	%eax, EG_S_MMIO_READ(%si)
	incl	EG_S_PROGRESS(%si)
	decl	%edi
	jmp	12b

	/* The one control exit; the VMM never resumes us after it. */
13:	marker	5, EG_P_MMIO, 1
	movl	$EG_PHASE_DONE, EG_S_PHASE(%si)
14:	hlt
	jmp	14b

	/*
	 * Every vector of the IVT: CS is the vector.  Without this handler
	 * an event the guest never raised went through an empty IVT to
	 * 0:0 and ran whatever memory held, up to this code and through it
	 * again: the likeliest account of a guest seen done with 65535
	 * instructions of none asked for.  Now it stops here and the VMM
	 * says which vector it was.  Only %si, the status pointer, is
	 * trusted.
	 */
exitgen_guest_trap:
	movw	%cs, EG_S_TRAP_VECTOR(%si)
	movw	%sp, %bp
	movw	0(%bp), %ax
	movw	%ax, EG_S_TRAP_IP(%si)
	movl	$1, EG_S_TRAPPED(%si)
16:	hlt
	jmp	16b
exitgen_guest_end:

	.section .note.GNU-stack, "", @progbits
