// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat exitgen: the ground truth.  A VMM of its own, one memory
 * slot and one thread per vCPU, whose real-mode guest (exitgen_guest.S)
 * makes an exact number of exits of the kinds that are deterministic:
 * CPUID, port I/O, HLT, RDMSR/WRMSR and the hypercall.
 *
 * No in-kernel irqchip is created, so HLT and every port I/O come back
 * to us from KVM_RUN: those we count and check one by one, and so are
 * the MMIO accesses to the page no memory slot covers.  The others are
 * handled inside KVM; the guest counts them in its status slot and we
 * check the total when it stops.
 *
 * How each kind looks to KVM's own trace events, checked under SVM (the
 * lab: nested, TCG) on 5.10, 6.1 and 6.12 alike, one vCPU started first
 * and one late (--cpuid 3 --pio 5 --hlt 2 --msr 5 --hypercall 2 --mmio 5):
 *  - every exit is one kvm_exit, each but the vCPU's last followed by one
 *    kvm_entry on the same thread (27 exits, 27 entries, the first entry
 *    coming before the first exit); the final HLT never re-enters;
 *  - each KVM_RUN return is one kvm_userspace_exit with run->exit_reason,
 *    exactly our count of returns by reason (io 5, hlt 3, mmio 5);
 *  - CPUID: one exit, one kvm_cpuid "func d idx 1".  On 5.10 alone
 *    KVM_CREATE_VCPU fires kvm_cpuid "func 1 idx 0" too (vCPU reset), in
 *    the creating thread and without any exit;
 *  - OUT: one io exit, one kvm_pio pio_write before the return to user
 *    space.  IN: one io exit and one kvm_pio pio_read, not two, but
 *    fired when the next KVM_RUN completes the IN, after
 *    kvm_userspace_exit and before kvm_entry;
 *  - RDMSR/WRMSR: one msr exit (SVM has one code for both), one kvm_msr;
 *  - MMIO write: one npf exit, one kvm_mmio "write", one KVM_EXIT_MMIO.
 *    MMIO read: one npf exit and one KVM_EXIT_MMIO, but two kvm_mmio:
 *    "unsatisfied-read" at the exit and "read" when the next KVM_RUN
 *    completes it.  Both report the accessed address (0xd0010), not the
 *    page.  The first access of the VM installs the MMIO SPTE, later
 *    ones fault on it: one npf each either way;
 *  - npf also comes from the first touch of each guest RAM page: the
 *    code, status and parameter pages, 3 on the first vCPU and none on
 *    the late one; so npf is never an exact count of MMIO accesses;
 *  - each vCPU makes one "interrupt" exit at its first entry (a host
 *    interrupt under TCG), which is not ours either.
 */
#include <cpuid.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <asm/svm.h>
#include <asm/vmx.h>
#include <json-c/json.h>
#include <linux/kvm.h>
#include <linux/kvm_para.h>
#include <linux/vmexit_stat.h>

#include "commands.h"
#include "exit_reasons.h"
#include "exit_stats.h"
#include "json_out.h"
#include "exitgen.h"
#include "exitgen_guest.h"
#include "views.h"

/*
 * Interrupts a vCPU thread stuck in KVM_RUN.  vCPU threads block every
 * signal, and KVM_SET_SIGNAL_MASK unblocks only this one inside KVM_RUN:
 * it makes KVM_RUN return -EINTR but is never delivered, so no handler
 * is needed and the process's dispositions are left alone.
 */
#define EG_KICK_SIGNAL SIGUSR1

/*
 * A vCPU whose guest made no progress and whose KVM_RUN did not return
 * for this long is stuck (an exit here takes microseconds, even under
 * nested emulation).
 */
#define EG_STALL_SEC 10

/* KVM_EXIT_* reasons counted per vCPU; every one in use is below. */
#define EG_USER_EXIT_CODES 64

/* What MMIO read n returns to the guest; the guest keeps the last. */
#define EG_MMIO_ANSWER 0x4d4d494fU

/*
 * How often the main thread looks whether a busy loop should end, when
 * asked to hurry (a signal does not end pthread_cond_timedwait).
 */
#define EG_HURRY_POLL_NS 100000000L

static volatile sig_atomic_t hurry;

void exitgen_hurry(void)
{
	hurry = 1;
}

struct eg_vm;

struct eg_vcpu {
	struct eg_vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;

	bool late; /* created once the first vCPUs made their exits */
	int cpu; /* pinned to, or -1 */

	/* Written by the vCPU thread, read by the main thread. */
	pid_t tid;
	unsigned long run_returns;
	bool finished; /* out of the guest for good */
	bool kicked; /* set by the main thread */

	/* The vCPU thread's own until it ends. */
	unsigned long io_exits;
	unsigned long hlt_exits;
	unsigned long mmio_exits;
	uint32_t last_mmio_answer;
	unsigned long user_exits[EG_USER_EXIT_CODES]; /* by exit_reason */
	char err[256];

	/* The watchdog's (main thread). */
	unsigned long last_progress;
	time_t last_change;

	/* The main thread's: when the busy loop ends. */
	struct timespec busy_end;
	bool busy_stopped;
};

struct eg_vm {
	int kvm_fd;
	int vm_fd;
	size_t run_size;
	unsigned char *mem;
	uint32_t count[EXITGEN_NR_KINDS];
	unsigned int nr_first; /* vCPUs started at once */
	unsigned int nr_vcpus; /* and the late ones after them */
	struct eg_vcpu *vcpus;
	unsigned long busy_ms;
	unsigned long hlt_wait_ms;
	unsigned int markers;
	bool announce;
	bool nmi;

	pthread_mutex_t lock;
	pthread_cond_t cond; /* a vCPU finished */
	pthread_cond_t release_cond; /* release became true */
	unsigned int nr_started; /* the main thread's */
	unsigned int nr_finished; /* under lock */
	/*
	 * vCPU threads wait for it after their last exit, so that no vCPU
	 * stops before the late ones ran (under lock).
	 */
	bool release;
};

static const char *const phase_names[] = {
	[0] = "start",
	[EG_PHASE_CPUID] = "cpuid",
	[EG_PHASE_PIO] = "pio",
	[EG_PHASE_HLT] = "hlt",
	[EG_PHASE_MSR] = "msr",
	[EG_PHASE_HYPERCALL] = "hypercall",
	[EG_PHASE_MMIO] = "mmio",
	[EG_PHASE_DONE] = "done",
	[EG_PHASE_BUSY] = "busy",
};

static const char *const kind_options[EXITGEN_NR_KINDS] = {
	[EXITGEN_CPUID] = "cpuid",
	[EXITGEN_PIO] = "pio",
	[EXITGEN_HLT] = "hlt",
	[EXITGEN_MSR] = "msr",
	[EXITGEN_HYPERCALL] = "hypercall",
	[EXITGEN_MMIO] = "mmio",
};

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* 0 when the CPU is of a vendor KVM does not support. */
static unsigned int host_isa(void)
{
	unsigned int eax, vendor[3];

	if (!__get_cpuid(0, &eax, &vendor[0], &vendor[2], &vendor[1]))
		return 0;
	if (!memcmp(vendor, "GenuineIntel", 12) ||
	    !memcmp(vendor, "CentaurHauls", 12) ||
	    !memcmp(vendor, "  Shanghai  ", 12))
		return VMEXIT_STAT_ISA_VMX;
	if (!memcmp(vendor, "AuthenticAMD", 12) ||
	    !memcmp(vendor, "HygonGenuine", 12))
		return VMEXIT_STAT_ISA_SVM;
	return 0;
}

/*
 * Which KVM vendor module serves /dev/kvm.  It matters for kvm_pvm (PVM,
 * KVM without VMX or SVM): that one runs a real-mode guest entirely in
 * KVM's instruction emulator, so the guest makes no VM exits at all.
 */
static const char *kvm_module(void)
{
	static const char *const modules[] = {
		"kvm_intel",
		"kvm_amd",
		"kvm_pvm",
	};
	char path[64];
	size_t i;

	for (i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
		snprintf(path, sizeof(path), "/sys/module/%s", modules[i]);
		if (!access(path, F_OK))
			return modules[i];
	}
	return NULL;
}

static bool is_pvm(const char *module)
{
	return module && !strcmp(module, "kvm_pvm");
}

static volatile uint32_t *guest_status(const struct eg_vm *vm,
				       unsigned int vcpu, unsigned int field)
{
	return (volatile uint32_t *)(vm->mem + EG_STATUS_GPA +
				     vcpu * EG_STATUS_SIZE + field);
}

static uint32_t status_read(const struct eg_vm *vm, unsigned int vcpu,
			    unsigned int field)
{
	return __atomic_load_n(guest_status(vm, vcpu, field), __ATOMIC_RELAXED);
}

static const char *phase_name(uint32_t phase)
{
	if (phase < sizeof(phase_names) / sizeof(phase_names[0]))
		return phase_names[phase];
	return "unknown";
}

static unsigned long requested_total(const struct eg_vm *vm)
{
	unsigned long total = 0;
	int k;

	for (k = 0; k < EXITGEN_NR_KINDS; k++)
		total += vm->count[k];
	return total;
}

static int __attribute__((format(printf, 2, 3)))
vcpu_fail(struct eg_vcpu *vcpu, const char *fmt, ...)
{
	struct kvm_regs regs;
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vcpu->err, sizeof(vcpu->err), fmt, ap);
	va_end(ap);

	len = strlen(vcpu->err);
	if (ioctl(vcpu->fd, KVM_GET_REGS, &regs))
		return -1;
	len += snprintf(
		vcpu->err + len, sizeof(vcpu->err) - len,
		" (guest rip 0x%llx, phase %s)", regs.rip,
		phase_name(status_read(vcpu->vm, vcpu->id, EG_S_PHASE)));
	/*
	 * Real-mode code in 64 KiB cannot get there.  Seen under QEMU's
	 * TCG with nested SVM: the RIP was the L1 host's, just past its
	 * VMRUN, so the CPU beneath KVM, not KVM or the guest, lost it.
	 */
	if (regs.rip >= EG_MEM_SIZE && len < sizeof(vcpu->err))
		snprintf(
			vcpu->err + len, sizeof(vcpu->err) - len,
			"; the guest's state was lost beneath KVM: its code never leaves the first 64 KiB");
	return -1;
}

static int handle_io(struct eg_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	bool want_out = vcpu->io_exits % 2 == 0;

	if (run->io.port != EG_PORT || run->io.size != 1 || run->io.count != 1)
		return vcpu_fail(
			vcpu,
			"unexpected I/O exit: %s port 0x%x, size %u, count %u; the guest only uses port 0x%x",
			out ? "OUT to" : "IN from", run->io.port, run->io.size,
			run->io.count, EG_PORT);
	if (out != want_out)
		return vcpu_fail(vcpu, "I/O exit %lu is an %s, expected an %s",
				 vcpu->io_exits + 1, out ? "OUT" : "IN",
				 want_out ? "OUT" : "IN");
	if (++vcpu->io_exits > vcpu->vm->count[EXITGEN_PIO])
		return vcpu_fail(vcpu, "more I/O exits than the %u requested",
				 vcpu->vm->count[EXITGEN_PIO]);
	if (!out)
		*((uint8_t *)run + run->io.data_offset) = 0;
	return 0;
}

static int handle_mmio(struct eg_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint32_t requested = vcpu->vm->count[EXITGEN_MMIO];
	bool want_write = vcpu->mmio_exits % 2 == 0;
	uint32_t value;

	if (run->mmio.phys_addr != EG_MMIO_GPA + EG_MMIO_OFFSET ||
	    run->mmio.len != EG_MMIO_SIZE)
		return vcpu_fail(
			vcpu,
			"unexpected MMIO %s of %u bytes at 0x%llx; the guest only uses %u bytes at 0x%x",
			run->mmio.is_write ? "write" : "read", run->mmio.len,
			(unsigned long long)run->mmio.phys_addr, EG_MMIO_SIZE,
			EG_MMIO_GPA + EG_MMIO_OFFSET);
	if (!!run->mmio.is_write != want_write)
		return vcpu_fail(vcpu, "MMIO exit %lu is a %s, expected a %s",
				 vcpu->mmio_exits + 1,
				 run->mmio.is_write ? "write" : "read",
				 want_write ? "write" : "read");
	if (vcpu->mmio_exits >= requested)
		return vcpu_fail(vcpu, "more MMIO exits than the %u requested",
				 requested);
	if (run->mmio.is_write) {
		/* The guest stores how many accesses it still has to do. */
		memcpy(&value, run->mmio.data, sizeof(value));
		if (value != requested - vcpu->mmio_exits)
			return vcpu_fail(
				vcpu, "MMIO write %lu stored %u, expected %lu",
				vcpu->mmio_exits + 1, value,
				requested - vcpu->mmio_exits);
	} else {
		value = EG_MMIO_ANSWER ^ (uint32_t)vcpu->mmio_exits;
		memcpy(run->mmio.data, &value, sizeof(value));
		vcpu->last_mmio_answer = value;
	}
	vcpu->mmio_exits++;
	return 0;
}

/* The guest stopped on its final HLT: did it do all it was asked to? */
static int check_done(struct eg_vcpu *vcpu)
{
	const struct eg_vm *vm = vcpu->vm;
	uint32_t progress = status_read(vm, vcpu->id, EG_S_PROGRESS);
	uint32_t hcret = status_read(vm, vcpu->id, EG_S_HCRET);

	if (vcpu->io_exits != vm->count[EXITGEN_PIO])
		return vcpu_fail(vcpu, "%lu I/O exits, %u requested",
				 vcpu->io_exits, vm->count[EXITGEN_PIO]);
	if (vcpu->hlt_exits != vm->count[EXITGEN_HLT])
		return vcpu_fail(vcpu, "%lu HLT exits, %u requested",
				 vcpu->hlt_exits, vm->count[EXITGEN_HLT]);
	if (vcpu->mmio_exits != vm->count[EXITGEN_MMIO])
		return vcpu_fail(vcpu, "%lu MMIO exits, %u requested",
				 vcpu->mmio_exits, vm->count[EXITGEN_MMIO]);
	if (vm->count[EXITGEN_MMIO] >= 2 &&
	    status_read(vm, vcpu->id, EG_S_MMIO_READ) != vcpu->last_mmio_answer)
		return vcpu_fail(
			vcpu, "the guest read 0x%x by MMIO, it was given 0x%x",
			status_read(vm, vcpu->id, EG_S_MMIO_READ),
			vcpu->last_mmio_answer);
	/* The guest's counter is 32 bits wide and may have wrapped. */
	if (progress != (uint32_t)requested_total(vm))
		return vcpu_fail(vcpu,
				 "the guest did %u instructions, %lu requested",
				 progress, requested_total(vm));
	if (vm->count[EXITGEN_HYPERCALL] && hcret != (uint32_t)-KVM_ENOSYS)
		return vcpu_fail(
			vcpu,
			"the hypercall returned %d, expected -KVM_ENOSYS (%d)",
			(int32_t)hcret, -KVM_ENOSYS);
	return 0;
}

/*
 * The guest halted in its trap handler.  Interrupts are off and nothing
 * in its code faults, so unless we queued the NMI, KVM or the CPU
 * beneath it delivered an event the guest never raised.
 */
static int trapped(struct eg_vcpu *vcpu)
{
	uint32_t word = status_read(vcpu->vm, vcpu->id, EG_S_TRAP_VECTOR);
	unsigned int vector = word & 0xffff;
	unsigned int ip = word >> 16;

	if (vcpu->vm->nmi && vector == EG_NMI_VECTOR)
		return vcpu_fail(
			vcpu,
			"the guest took the NMI --nmi queued (vector %u at 0x%x)",
			vector, ip);
	return vcpu_fail(
		vcpu,
		"the guest took vector %u at 0x%x, " EXITGEN_EVENT_NOT_RAISED
		": interrupts are off and nothing in its code faults",
		vector, ip);
}

static int unexpected_exit(struct eg_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	switch (run->exit_reason) {
	case KVM_EXIT_SHUTDOWN:
		return vcpu_fail(vcpu, "the guest shut down (triple fault)");
	case KVM_EXIT_FAIL_ENTRY:
		return vcpu_fail(
			vcpu, "VM entry failed, hardware reason 0x%llx",
			(unsigned long long)
				run->fail_entry.hardware_entry_failure_reason);
	case KVM_EXIT_INTERNAL_ERROR:
		return vcpu_fail(vcpu, "KVM internal error, suberror %u",
				 run->internal.suberror);
	}
	return vcpu_fail(vcpu, "unexpected exit to user space, reason %u",
			 run->exit_reason);
}

static int vcpu_loop(struct eg_vcpu *vcpu)
{
	const struct eg_vm *vm = vcpu->vm;

	for (;;) {
		int r = ioctl(vcpu->fd, KVM_RUN, 0);
		uint32_t reason = vcpu->run->exit_reason;

		__atomic_add_fetch(&vcpu->run_returns, 1, __ATOMIC_RELAXED);
		/*
		 * Every return, failed ones too: kvm:kvm_userspace_exit
		 * fires for each with run->exit_reason as it stands
		 * (KVM_EXIT_INTR for -EINTR).
		 */
		if (reason < EG_USER_EXIT_CODES)
			vcpu->user_exits[reason]++;
		if (r < 0) {
			if (errno == EINTR &&
			    __atomic_load_n(&vcpu->kicked, __ATOMIC_RELAXED))
				return vcpu_fail(
					vcpu,
					"the guest made no progress for %d s and KVM_RUN did not return",
					EG_STALL_SEC);
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return vcpu_fail(vcpu, "KVM_RUN: %m");
		}

		switch (vcpu->run->exit_reason) {
		case KVM_EXIT_IO:
			if (handle_io(vcpu))
				return -1;
			break;
		case KVM_EXIT_MMIO:
			if (handle_mmio(vcpu))
				return -1;
			break;
		case KVM_EXIT_HLT:
			if (status_read(vm, vcpu->id, EG_S_TRAPPED))
				return trapped(vcpu);
			if (status_read(vm, vcpu->id, EG_S_PHASE) ==
			    EG_PHASE_DONE)
				return check_done(vcpu);
			if (++vcpu->hlt_exits > vm->count[EXITGEN_HLT])
				return vcpu_fail(
					vcpu,
					"more HLT exits than the %u requested",
					vm->count[EXITGEN_HLT]);
			if (vm->hlt_wait_ms && !hurry) {
				struct timespec wait = {
					.tv_sec = vm->hlt_wait_ms / 1000,
					.tv_nsec = vm->hlt_wait_ms % 1000 *
						   1000000L,
				};

				while (nanosleep(&wait, &wait) &&
				       errno == EINTR)
					;
			}
			break;
		default:
			return unexpected_exit(vcpu);
		}
	}
}

static void *vcpu_thread(void *arg)
{
	struct eg_vcpu *vcpu = arg;
	struct eg_vm *vm = vcpu->vm;

	__atomic_store_n(&vcpu->tid, gettid(), __ATOMIC_RELAXED);
	/* For tests that read the thread's /proc entries while it runs. */
	if (vm->announce)
		fprintf(stderr, "exitgen: pid %d vcpu %u tid %d\n", getpid(),
			vcpu->id, vcpu->tid);
	vcpu_loop(vcpu);
	__atomic_store_n(&vcpu->finished, true, __ATOMIC_RELAXED);

	pthread_mutex_lock(&vm->lock);
	vm->nr_finished++;
	pthread_cond_signal(&vm->cond);
	/* The thread's end is the vCPU's end for a collector. */
	while (!vm->release)
		pthread_cond_wait(&vm->release_cond, &vm->lock);
	pthread_mutex_unlock(&vm->lock);
	return NULL;
}

static int open_kvm(struct eg_vm *vm, char *err, size_t errlen)
{
	int api;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
			return fail(
				err, errlen,
				"/dev/kvm is missing: KVM is not available here (load kvm_intel or kvm_amd)");
		if (errno == EACCES || errno == EPERM)
			return fail(
				err, errlen,
				"no permission to open /dev/kvm: run as root or as a member of its group");
		return fail(err, errlen, "cannot open /dev/kvm: %m");
	}
	api = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (api < 0)
		return fail(
			err, errlen,
			"/dev/kvm does not answer KVM_GET_API_VERSION (%m): not a KVM device");
	if (api != KVM_API_VERSION)
		return fail(err, errlen, "/dev/kvm has API version %d, not %d",
			    api, KVM_API_VERSION);
	return 0;
}

/* Every vector to the trap handler, with the vector as its CS. */
static void fill_ivt(unsigned char *ivt)
{
	uint16_t trap =
		EG_CODE_GPA + (exitgen_guest_trap - exitgen_guest_start);
	unsigned int v;

	for (v = 0; v < EG_IVT_VECTORS; v++) {
		uint16_t entry[2] = { trap - 16 * v, v };

		memcpy(ivt + 4 * v, entry, sizeof(entry));
	}
}

static int create_vm(struct eg_vm *vm, unsigned int isa, char *err,
		     size_t errlen)
{
	size_t code_size = exitgen_guest_end - exitgen_guest_start;
	struct kvm_userspace_memory_region region;
	uint32_t *params;
	int size;

	do {
		vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	} while (vm->vm_fd < 0 && errno == EINTR);
	if (vm->vm_fd < 0)
		return fail(err, errlen, "KVM_CREATE_VM: %m");

	size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct kvm_run))
		return fail(err, errlen, "KVM_GET_VCPU_MMAP_SIZE: %m");
	vm->run_size = size;

	vm->mem = mmap(NULL, EG_MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		return fail(err, errlen, "guest memory: %m");
	}
	if (code_size > EG_MEM_SIZE - EG_CODE_GPA)
		return fail(err, errlen, "guest code too large (%zu bytes)",
			    code_size);
	memcpy(vm->mem + EG_CODE_GPA, exitgen_guest_start, code_size);
	fill_ivt(vm->mem + EG_IVT_GPA);

	params = (uint32_t *)(vm->mem + EG_PARAMS_GPA);
	params[EG_P_CPUID / 4] = vm->count[EXITGEN_CPUID];
	params[EG_P_PIO / 4] = vm->count[EXITGEN_PIO];
	params[EG_P_HLT / 4] = vm->count[EXITGEN_HLT];
	params[EG_P_MSR / 4] = vm->count[EXITGEN_MSR];
	params[EG_P_HYPERCALL / 4] = vm->count[EXITGEN_HYPERCALL];
	params[EG_P_VMMCALL / 4] = isa == VMEXIT_STAT_ISA_SVM;
	params[EG_P_MMIO / 4] = vm->count[EXITGEN_MMIO];
	params[EG_P_CPUID_LEAF / 4] = EG_CPUID_LEAF;
	params[EG_P_CPUID_SUBLEAF / 4] = EG_CPUID_SUBLEAF;
	params[EG_P_BUSY / 4] = vm->busy_ms != 0;
	params[EG_P_MARKERS / 4] = vm->markers;

	memset(&region, 0, sizeof(region));
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = EG_MEM_SIZE;
	region.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region))
		return fail(err, errlen, "KVM_SET_USER_MEMORY_REGION: %m");
	return 0;
}

/* Real mode at EG_CODE_GPA, flat segments at 0, interrupts off. */
static int setup_vcpu(struct eg_vcpu *vcpu, const void *sigmask, char *err,
		      size_t errlen)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs))
		return fail(err, errlen, "vCPU %u: KVM_GET_SREGS: %m",
			    vcpu->id);
	/* Keep the reset attributes (DPL 0: hypercalls need CPL 0). */
	sregs.cs.selector = 0;
	sregs.cs.base = 0;
	sregs.ds.selector = sregs.es.selector = sregs.ss.selector = 0;
	sregs.ds.base = sregs.es.base = sregs.ss.base = 0;
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs))
		return fail(err, errlen, "vCPU %u: KVM_SET_SREGS: %m",
			    vcpu->id);

	memset(&regs, 0, sizeof(regs));
	regs.rip = EG_CODE_GPA;
	regs.rflags = 0x2; /* bit 1 is always set; IF clear */
	regs.rsi = EG_STATUS_GPA + vcpu->id * EG_STATUS_SIZE;
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs))
		return fail(err, errlen, "vCPU %u: KVM_SET_REGS: %m", vcpu->id);

	if (ioctl(vcpu->fd, KVM_SET_SIGNAL_MASK, sigmask))
		return fail(err, errlen, "vCPU %u: KVM_SET_SIGNAL_MASK: %m",
			    vcpu->id);
	if (vcpu->vm->nmi && ioctl(vcpu->fd, KVM_NMI))
		return fail(err, errlen, "vCPU %u: KVM_NMI: %m", vcpu->id);
	return 0;
}

static int alloc_vcpus(struct eg_vm *vm, const struct exitgen_request *req,
		       char *err, size_t errlen)
{
	unsigned int i;

	vm->vcpus = calloc(vm->nr_vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return fail(err, errlen, "out of memory");
	for (i = 0; i < vm->nr_vcpus; i++) {
		vm->vcpus[i].vm = vm;
		vm->vcpus[i].id = i;
		vm->vcpus[i].fd = -1;
		vm->vcpus[i].late = i >= vm->nr_first;
		vm->vcpus[i].cpu = req->nr_pin ? req->pin[i % req->nr_pin] : -1;
	}
	return 0;
}

/* vCPUs from to to - 1, ready to run. */
static int create_vcpus(struct eg_vm *vm, unsigned int from, unsigned int to,
			char *err, size_t errlen)
{
	struct kvm_signal_mask *kmask;
	unsigned int i;
	sigset_t set;
	int ret = 0;

	/* KVM's sigset is the kernel's: the first 64 bits of glibc's. */
	kmask = calloc(1, sizeof(*kmask) + sizeof(uint64_t));
	if (!kmask)
		return fail(err, errlen, "out of memory");
	sigfillset(&set);
	sigdelset(&set, EG_KICK_SIGNAL);
	kmask->len = sizeof(uint64_t);
	memcpy(kmask->sigset, &set, sizeof(uint64_t));

	for (i = from; i < to && !ret; i++) {
		struct eg_vcpu *vcpu = &vm->vcpus[i];
		void *run;

		vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, i);
		if (vcpu->fd < 0) {
			ret = fail(err, errlen, "KVM_CREATE_VCPU %u: %m", i);
			break;
		}
		run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE,
			   MAP_SHARED, vcpu->fd, 0);
		if (run == MAP_FAILED) {
			ret = fail(err, errlen, "vCPU %u: mmap of kvm_run: %m",
				   i);
			break;
		}
		vcpu->run = run;
		ret = setup_vcpu(vcpu, kmask, err, errlen);
	}
	free(kmask);
	return ret;
}

static unsigned long vcpu_progress(const struct eg_vm *vm, struct eg_vcpu *vcpu)
{
	return status_read(vm, vcpu->id, EG_S_PROGRESS) +
	       status_read(vm, vcpu->id, EG_S_SPINS) +
	       __atomic_load_n(&vcpu->run_returns, __ATOMIC_RELAXED);
}

/* Kicks out of KVM_RUN the vCPUs that stopped making progress. */
static void watchdog(struct eg_vm *vm, time_t now)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct eg_vcpu *vcpu = &vm->vcpus[i];
		unsigned long progress;

		if (!vcpu->started || vcpu->kicked ||
		    __atomic_load_n(&vcpu->finished, __ATOMIC_RELAXED))
			continue;
		progress = vcpu_progress(vm, vcpu);
		if (progress != vcpu->last_progress) {
			vcpu->last_progress = progress;
			vcpu->last_change = now;
		} else if (now - vcpu->last_change >= EG_STALL_SEC) {
			__atomic_store_n(&vcpu->kicked, true, __ATOMIC_RELAXED);
			pthread_kill(vcpu->thread, EG_KICK_SIGNAL);
		}
	}
}

static time_t monotonic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static bool time_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void time_add_ns(struct timespec *ts, long long ns)
{
	ns += ts->tv_nsec;
	ts->tv_sec += ns / 1000000000LL;
	ts->tv_nsec = ns % 1000000000LL;
}

/*
 * Ends the busy loops that are due (or all when hurried); returns in
 * *next when the main thread has to look again, if sooner.
 */
static void stop_busy(struct eg_vm *vm, struct timespec *next)
{
	struct timespec now, poll;
	unsigned int i;

	clock_gettime(CLOCK_MONOTONIC, &now);
	poll = now;
	time_add_ns(&poll, EG_HURRY_POLL_NS);
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct eg_vcpu *vcpu = &vm->vcpus[i];

		if (!vm->busy_ms || !vcpu->started || vcpu->busy_stopped)
			continue;
		if (hurry || !time_before(&now, &vcpu->busy_end)) {
			__atomic_store_n(guest_status(vm, i, EG_S_STOP), 1,
					 __ATOMIC_RELAXED);
			vcpu->busy_stopped = true;
			continue;
		}
		if (time_before(&vcpu->busy_end, next))
			*next = vcpu->busy_end;
		if (time_before(&poll, next))
			*next = poll;
	}
}

/* Starts the threads of vCPUs from to to - 1. */
static int start_vcpus(struct eg_vm *vm, unsigned int from, unsigned int to,
		       char *err, size_t errlen)
{
	sigset_t all, old;
	unsigned int i;
	int ret = 0;

	/* vCPU threads inherit a mask that blocks every signal. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = from; i < to; i++) {
		struct eg_vcpu *vcpu = &vm->vcpus[i];
		pthread_attr_t attr;
		cpu_set_t cpus;
		int r;

		vcpu->last_change = monotonic_now();
		clock_gettime(CLOCK_MONOTONIC, &vcpu->busy_end);
		time_add_ns(&vcpu->busy_end, vm->busy_ms * 1000000LL);
		pthread_attr_init(&attr);
		/* Pinned from its first instruction, whatever the process's. */
		if (vcpu->cpu >= 0) {
			CPU_ZERO(&cpus);
			CPU_SET(vcpu->cpu, &cpus);
			pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
		}
		r = pthread_create(&vcpu->thread, &attr, vcpu_thread, vcpu);
		pthread_attr_destroy(&attr);
		if (r && vcpu->cpu >= 0 && r == EINVAL) {
			ret = fail(
				err, errlen,
				"vCPU %u: cannot run on CPU %d: it is not one this process may use",
				i, vcpu->cpu);
			break;
		}
		if (r) {
			errno = r;
			ret = fail(err, errlen, "vCPU %u: pthread_create: %m",
				   i);
			break;
		}
		vcpu->started = true;
		vm->nr_started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

/* Until every started vCPU is out of the guest for good; true if all ok. */
static bool wait_vcpus(struct eg_vm *vm)
{
	struct timespec deadline;
	bool ok = true;
	unsigned int i;

	pthread_mutex_lock(&vm->lock);
	while (vm->nr_finished < vm->nr_started) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec++;
		stop_busy(vm, &deadline);
		pthread_cond_timedwait(&vm->cond, &vm->lock, &deadline);
		stop_busy(vm, &deadline);
		watchdog(vm, monotonic_now());
	}
	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].started && vm->vcpus[i].err[0])
			ok = false;
	pthread_mutex_unlock(&vm->lock);
	return ok;
}

/*
 * The first vCPUs make their exits and wait in user space after their
 * final HLT; only then are the late ones created and run, so that they
 * join a VM that is still live.  All threads end together.
 */
static int run_vcpus(struct eg_vm *vm, char *err, size_t errlen)
{
	unsigned int i;
	int ret;

	ret = start_vcpus(vm, 0, vm->nr_first, err, errlen);
	if (wait_vcpus(vm) && !ret && vm->nr_vcpus > vm->nr_first) {
		ret = create_vcpus(vm, vm->nr_first, vm->nr_vcpus, err, errlen);
		if (!ret)
			ret = start_vcpus(vm, vm->nr_first, vm->nr_vcpus, err,
					  errlen);
		wait_vcpus(vm);
	}

	pthread_mutex_lock(&vm->lock);
	vm->release = true;
	pthread_cond_broadcast(&vm->release_cond);
	pthread_mutex_unlock(&vm->lock);

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct eg_vcpu *vcpu = &vm->vcpus[i];

		if (!vcpu->started)
			continue;
		pthread_join(vcpu->thread, NULL);
		vcpu->started = false;
		if (vcpu->err[0] && !ret)
			ret = fail(err, errlen, "vCPU %u: %s", i, vcpu->err);
	}
	return ret;
}

static void destroy_vm(struct eg_vm *vm)
{
	unsigned int i;

	for (i = 0; vm->vcpus && i < vm->nr_vcpus; i++) {
		if (vm->vcpus[i].run)
			munmap(vm->vcpus[i].run, vm->run_size);
		if (vm->vcpus[i].fd >= 0)
			close(vm->vcpus[i].fd);
	}
	free(vm->vcpus);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->mem)
		munmap(vm->mem, EG_MEM_SIZE);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	pthread_cond_destroy(&vm->release_cond);
	pthread_cond_destroy(&vm->cond);
	pthread_mutex_destroy(&vm->lock);
}

static void add_made(struct exitgen_result *res, unsigned int code,
		     unsigned long requested, unsigned long control)
{
	struct exitgen_made *made = &res->made[res->nr_made++];

	made->code = code;
	made->reason = exit_reason_name(res->isa, code);
	made->requested = requested;
	made->control = control;
}

/* The kinds with exits to make: each is a phase with --markers. */
static unsigned int nr_phases(const uint32_t *count)
{
	unsigned int n = 0;
	int k;

	for (k = 0; k < EXITGEN_NR_KINDS; k++)
		n += count[k] != 0;
	return n;
}

/*
 * One row per exit code the guest can make, even when none was asked
 * for: a collector must then count none.  The control exits are the
 * final HLT and the phase markers (two CPUIDs a phase).  VMX tells MSR
 * reads from writes, SVM does not.
 */
static void fill_made(struct exitgen_result *res, const uint32_t *count,
		      bool markers)
{
	unsigned long msr = count[EXITGEN_MSR];
	unsigned long marks = markers ? 2 * nr_phases(count) : 0;

	if (res->isa == VMEXIT_STAT_ISA_VMX) {
		add_made(res, EXIT_REASON_CPUID, count[EXITGEN_CPUID], marks);
		add_made(res, EXIT_REASON_IO_INSTRUCTION, count[EXITGEN_PIO],
			 0);
		add_made(res, EXIT_REASON_HLT, count[EXITGEN_HLT], 1);
		add_made(res, EXIT_REASON_MSR_READ, (msr + 1) / 2, 0);
		add_made(res, EXIT_REASON_MSR_WRITE, msr / 2, 0);
		add_made(res, EXIT_REASON_VMCALL, count[EXITGEN_HYPERCALL], 0);
	} else {
		add_made(res, SVM_EXIT_CPUID, count[EXITGEN_CPUID], marks);
		add_made(res, SVM_EXIT_IOIO, count[EXITGEN_PIO], 0);
		add_made(res, SVM_EXIT_HLT, count[EXITGEN_HLT], 1);
		add_made(res, SVM_EXIT_MSR, msr, 0);
		add_made(res, SVM_EXIT_VMMCALL, count[EXITGEN_HYPERCALL], 0);
	}
}

static void add_detail(struct exitgen_result *res, unsigned int kind,
		       unsigned long long key, unsigned long count)
{
	res->detail[res->nr_details++] = (struct exitgen_detail){
		.kind = kind,
		.key = key,
		.count = count,
	};
}

/* What the VM's vCPUs did, each the same, by port, MSR, leaf and page. */
static void fill_details(struct exitgen_result *res, const uint32_t *count,
			 unsigned int nr_vcpus)
{
	unsigned long pio = count[EXITGEN_PIO], msr = count[EXITGEN_MSR];
	unsigned long mmio = count[EXITGEN_MMIO];

	/* Each alternation starts with OUT, RDMSR and an MMIO write. */
	add_detail(res, VMEXIT_STAT_DETAIL_PIO_OUT, EG_PORT,
		   nr_vcpus * ((pio + 1) / 2));
	add_detail(res, VMEXIT_STAT_DETAIL_PIO_IN, EG_PORT,
		   nr_vcpus * (pio / 2));
	add_detail(res, VMEXIT_STAT_DETAIL_MSR_READ, EG_MSR,
		   nr_vcpus * ((msr + 1) / 2));
	add_detail(res, VMEXIT_STAT_DETAIL_MSR_WRITE, EG_MSR,
		   nr_vcpus * (msr / 2));
	add_detail(res, VMEXIT_STAT_DETAIL_CPUID,
		   (unsigned long long)EG_CPUID_LEAF << 32 | EG_CPUID_SUBLEAF,
		   nr_vcpus * (unsigned long)count[EXITGEN_CPUID]);
	add_detail(res, VMEXIT_STAT_DETAIL_MMIO_WRITE, EG_MMIO_GPA,
		   nr_vcpus * ((mmio + 1) / 2));
	add_detail(res, VMEXIT_STAT_DETAIL_MMIO_READ, EG_MMIO_GPA,
		   nr_vcpus * (mmio / 2));
}

static int fill_vcpu(struct exitgen_vcpu_result *result,
		     struct exitgen_vcpu_run *out, const struct eg_vcpu *vcpu,
		     char *err, size_t errlen)
{
	unsigned int code;

	result->vcpu_id = vcpu->id;
	result->tid = vcpu->tid;
	result->kvm_run_returns = vcpu->run_returns;
	out->late = vcpu->late;
	out->cpu = vcpu->cpu;
	out->busy_spins = status_read(vcpu->vm, vcpu->id, EG_S_SPINS);
	for (code = 0; code < EG_USER_EXIT_CODES; code++) {
		struct exitgen_user_exit *ue;

		if (!vcpu->user_exits[code])
			continue;
		if (out->nr_user_exits == EXITGEN_MAX_USER_EXITS)
			return fail(
				err, errlen,
				"vCPU %u left KVM_RUN for more than %d reasons",
				vcpu->id, EXITGEN_MAX_USER_EXITS);
		ue = &out->user_exit[out->nr_user_exits++];
		ue->code = code;
		ue->reason = kvm_exit_name(code);
		ue->count = vcpu->user_exits[code];
	}
	return 0;
}

int exitgen_run(const struct exitgen_request *req, struct exitgen_result *res,
		char *err, size_t errlen)
{
	struct eg_vm vm = { .kvm_fd = -1, .vm_fd = -1 };
	pthread_condattr_t cattr;
	unsigned int isa, i;
	const char *module;
	int k, ret = -1;

	memset(res, 0, sizeof(*res));
	if (req->vcpus < 1 || req->vcpus > EXITGEN_MAX_VCPUS)
		return fail(err, errlen, "%u vCPUs: need 1 to %d", req->vcpus,
			    EXITGEN_MAX_VCPUS);
	if (req->late_vcpus > EXITGEN_MAX_VCPUS - req->vcpus)
		return fail(err, errlen,
			    "%u vCPUs and %u late ones: at most %d in all",
			    req->vcpus, req->late_vcpus, EXITGEN_MAX_VCPUS);
	for (k = 0; k < EXITGEN_NR_KINDS; k++) {
		if (req->count[k] > EXITGEN_MAX_COUNT)
			return fail(err, errlen,
				    "%lu %s exits: at most %lu per vCPU",
				    req->count[k], kind_options[k],
				    EXITGEN_MAX_COUNT);
		vm.count[k] = req->count[k];
	}
	vm.nr_first = req->vcpus;
	vm.nr_vcpus = req->vcpus + req->late_vcpus;
	if (req->busy_ms > EXITGEN_MAX_BUSY_MS)
		return fail(err, errlen, "busy for %lu ms: at most %lu",
			    req->busy_ms, EXITGEN_MAX_BUSY_MS);
	if (req->hlt_wait_ms > EXITGEN_MAX_HLT_WAIT_MS)
		return fail(err, errlen, "HLT waits of %lu ms: at most %lu",
			    req->hlt_wait_ms, EXITGEN_MAX_HLT_WAIT_MS);
	if (req->nr_pin > EXITGEN_MAX_VCPUS)
		return fail(err, errlen, "%u CPUs to pin to: at most %d",
			    req->nr_pin, EXITGEN_MAX_VCPUS);
	for (i = 0; i < req->nr_pin; i++)
		if (req->pin[i] < 0 || req->pin[i] >= CPU_SETSIZE)
			return fail(err, errlen, "no CPU %d", req->pin[i]);
	if (req->markers > EXITGEN_MAX_MARKERS)
		return fail(err, errlen, "phase id %u: at most %u",
			    req->markers, EXITGEN_MAX_MARKERS);
	vm.busy_ms = req->busy_ms;
	vm.hlt_wait_ms = req->hlt_wait_ms;
	vm.markers = req->markers;
	vm.announce = req->announce;
	vm.nmi = req->nmi;

	isa = host_isa();
	if (!isa)
		return fail(err, errlen,
			    "unknown CPU vendor: neither VMX nor SVM");
	module = kvm_module();
	if (is_pvm(module) && vm.count[EXITGEN_HYPERCALL])
		return fail(
			err, errlen,
			"/dev/kvm is kvm_pvm here: its instruction emulator loops on a real-mode VMCALL forever, so no hypercalls can be made");

	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&vm.cond, &cattr);
	pthread_condattr_destroy(&cattr);
	pthread_cond_init(&vm.release_cond, NULL);
	pthread_mutex_init(&vm.lock, NULL);

	if (open_kvm(&vm, err, errlen) || create_vm(&vm, isa, err, errlen) ||
	    alloc_vcpus(&vm, req, err, errlen) ||
	    create_vcpus(&vm, 0, vm.nr_first, err, errlen) ||
	    run_vcpus(&vm, err, errlen))
		goto out;

	res->isa = isa;
	res->pid = getpid();
	res->kvm_module = module;
	fill_made(res, vm.count, vm.markers);
	res->markers = vm.markers;
	for (k = 0; k < EXITGEN_NR_KINDS; k++)
		res->count[k] = vm.count[k];
	fill_details(res, vm.count, vm.nr_vcpus);
	res->mmio_gpa = EG_MMIO_GPA;
	res->nr_vcpus = vm.nr_vcpus;
	for (i = 0; i < vm.nr_vcpus; i++)
		if (fill_vcpu(&res->vcpu[i], &res->vcpu_run[i], &vm.vcpus[i],
			      err, errlen))
			goto out;
	ret = 0;
out:
	destroy_vm(&vm);
	return ret;
}

/* The command line. */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: vmexit-stat exitgen [--cpuid N] [--pio N] [--hlt N] [--msr N]\n"
		"                           [--hypercall N] [--mmio N] [--vcpus K]\n"
		"                           [--late-vcpus K] [--busy-ms N]\n"
		"                           [--hlt-wait-ms N] [--pin CPU[,CPU...]]\n"
		"                           [--markers ID] [--nmi] [--json]\n"
		"\n"
		"Creates a VM through /dev/kvm whose real-mode guest makes exactly the\n"
		"requested VM exits on every vCPU (one thread each), then prints what\n"
		"it made per exit code, named as the kernel's kvm:kvm_exit trace names\n"
		"them, how often each vCPU's KVM_RUN returned by reason, and the ports,\n"
		"MSRs, CPUID leaf and MMIO page it used.\n"
		"\n"
		"  --cpuid N       N CPUID exits, leaf 0x%x subleaf 0x%x\n"
		"  --pio N         N port I/O exits on port 0x%x, OUT and IN alternating\n"
		"  --hlt N         N HLT exits\n"
		"  --msr N         N MSR exits on MSR 0x%x, RDMSR and WRMSR alternating\n"
		"  --hypercall N   N hypercalls (VMCALL on Intel, VMMCALL on AMD)\n"
		"  --mmio N        N MMIO accesses to guest-physical 0x%x (a page without\n"
		"                  memory), write and read alternating\n"
		"  --vcpus K       run K vCPUs, 1 to %d (default 1)\n"
		"  --late-vcpus K  then K more, created once the first ones made all their\n"
		"                  exits but before they stop (default 0)\n"
		"  --busy-ms N     each vCPU's guest first spins N ms (from its thread's\n"
		"                  start, 0 to %lu), making no exit of its own, so that its\n"
		"                  thread stays runnable: a busy guest\n"
		"  --hlt-wait-ms N after each requested HLT exit the vCPU thread sleeps N ms\n"
		"                  (0 to %lu), as a VMM waits for an interrupt: a halted guest\n"
		"  --pin LIST      vCPU i's thread runs only on CPU number i mod n of the\n"
		"                  comma-separated LIST of n CPUs, from its start\n"
		"  --markers ID    each kind with exits to make is a guest phase, id ID +\n"
		"                  its place in the list above (cpuid 0 ... mmio 5), marked\n"
		"                  at its start and end by CPUID of a phase-marker leaf\n"
		"                  (1 to %u); the markers are control exits\n"
		"  --nmi           queue an NMI on every vCPU before it runs: its guest\n"
		"                  takes it and the run fails, naming vector 2 (shows\n"
		"                  that an event the guest never raises is caught)\n"
		"  --json          print JSON instead of a table\n"
		"  --help          print this help\n"
		"\n"
		"Counts are per vCPU, 0 to %lu each (default 0).  Besides them every vCPU\n"
		"makes one control exit of its own, the HLT it stops on (and the\n"
		"markers, with --markers); they are counted in the output.  MMIO\n"
		"accesses leave KVM_RUN as KVM_EXIT_MMIO; the VM\n"
		"exits they cause (nested page faults) are not listed among the exits\n"
		"made, because touching guest memory the first time makes them too.\n"
		"\n"
		"With --busy-ms or --hlt-wait-ms, each vCPU thread's id goes to stderr as\n"
		"it starts (\"exitgen: pid P vcpu I tid T\"), and SIGINT or SIGTERM ends\n"
		"the busy loops and HLT waits early; the exits are all made still.\n"
		"\n"
		"Examples:\n"
		"  vmexit-stat exitgen --cpuid 1000 --pio 500   # exactly these exits\n"
		"  vmexit-stat exitgen --hlt 100 --vcpus 4 --json   # on 4 vCPUs, as JSON\n"
		"  vmexit-stat exitgen --busy-ms 5000 --vcpus 2 --pin 0   # 2 busy vCPUs, 1 CPU\n"
		"\n"
		"Exit status: 0 when every exit was made; 1 on failure (no /dev/kvm, no\n"
		"permission, an exit KVM did not make); 2 for a bad command line.\n",
		EG_CPUID_LEAF, EG_CPUID_SUBLEAF, EG_PORT, EG_MSR,
		EG_MMIO_GPA + EG_MMIO_OFFSET, EXITGEN_MAX_VCPUS,
		EXITGEN_MAX_BUSY_MS, EXITGEN_MAX_HLT_WAIT_MS,
		EXITGEN_MAX_MARKERS, EXITGEN_MAX_COUNT);
}

static int parse_number(const char *opt, const char *arg, unsigned long min,
			unsigned long max, unsigned long *out)
{
	unsigned long value;
	char *end;

	/* strtoul would take "-1" and " 1" and wrap or skip them. */
	if (!isdigit((unsigned char)arg[0])) {
		fprintf(stderr,
			"vmexit-stat: exitgen: --%s: '%s' is not a number\n",
			opt, arg);
		return -1;
	}
	errno = 0;
	value = strtoul(arg, &end, 10);
	if (*end) {
		fprintf(stderr,
			"vmexit-stat: exitgen: --%s: '%s' is not a number\n",
			opt, arg);
		return -1;
	}
	if (errno == ERANGE || value < min || value > max) {
		fprintf(stderr,
			"vmexit-stat: exitgen: --%s: %s is out of range (%lu to %lu)\n",
			opt, arg, min, max);
		return -1;
	}
	*out = value;
	return 0;
}

/* "0,1,1": CPU numbers for --pin; -1 with a message on bad input. */
static int parse_cpu_list(const char *arg, struct exitgen_request *req)
{
	const char *p = arg;

	req->nr_pin = 0;
	for (;;) {
		unsigned long cpu;
		char *end;

		if (!isdigit((unsigned char)*p))
			break;
		errno = 0;
		cpu = strtoul(p, &end, 10);
		if (errno == ERANGE || cpu >= CPU_SETSIZE) {
			fprintf(stderr,
				"vmexit-stat: exitgen: --pin: CPU %.*s is out of range (0 to %d)\n",
				(int)(end - p), p, CPU_SETSIZE - 1);
			return -1;
		}
		if (req->nr_pin == EXITGEN_MAX_VCPUS) {
			fprintf(stderr,
				"vmexit-stat: exitgen: --pin: more than %d CPUs\n",
				EXITGEN_MAX_VCPUS);
			return -1;
		}
		req->pin[req->nr_pin++] = cpu;
		p = end;
		if (!*p)
			return 0;
		if (*p++ != ',')
			break;
	}
	fprintf(stderr,
		"vmexit-stat: exitgen: --pin: '%s' is not a list of CPU numbers like 0,1\n",
		arg);
	return -1;
}

static void on_hurry_signal(int sig)
{
	(void)sig;
	exitgen_hurry();
}

static unsigned long made_count(const struct exitgen_made *made)
{
	return made->requested + made->control;
}

static const char *reason_or_unknown(const struct exitgen_made *made)
{
	return made->reason ? made->reason : "unknown";
}

static void user_exit_reason(const struct exitgen_user_exit *ue, char *buf,
			     size_t len)
{
	if (ue->reason)
		snprintf(buf, len, "%s", ue->reason);
	else
		snprintf(buf, len, "%u", ue->code);
}

/* Adds key: value to obj; false when out of memory. */
static bool add_int(struct json_object *obj, const char *key, int64_t value)
{
	struct json_object *v = json_object_new_int64(value);

	return v && !json_object_object_add(obj, key, v);
}

static bool add_string(struct json_object *obj, const char *key,
		       const char *value)
{
	struct json_object *v = json_object_new_string(value);

	return v && !json_object_object_add(obj, key, v);
}

static struct json_object *vcpu_json(const struct exitgen_vcpu_result *v,
				     const struct exitgen_vcpu_run *run)
{
	struct json_object *o = json_object_new_object();
	struct json_object *user_exits = json_object_new_array();
	bool ok = o && user_exits;
	unsigned int i;

	for (i = 0; ok && i < run->nr_user_exits; i++) {
		const struct exitgen_user_exit *ue = &run->user_exit[i];
		struct json_object *u = json_object_new_object();
		char reason[16];

		user_exit_reason(ue, reason, sizeof(reason));
		ok = u && add_int(u, "code", ue->code) &&
		     add_string(u, "reason", reason) &&
		     add_int(u, "count", ue->count) &&
		     !json_object_array_add(user_exits, u);
		if (!ok)
			json_object_put(u);
	}
	ok = ok && add_int(o, "vcpu", v->vcpu_id) && add_int(o, "tid", v->tid);
	/* null when not pinned */
	ok = ok &&
	     !json_object_object_add(
		     o, "cpu",
		     run->cpu >= 0 ? json_object_new_int(run->cpu) : NULL);
	ok = ok && add_int(o, "busy_spins", run->busy_spins);
	if (ok) {
		struct json_object *late = json_object_new_boolean(run->late);

		ok = late && !json_object_object_add(o, "late", late);
	}
	ok = ok && add_int(o, "kvm_run_returns", v->kvm_run_returns) &&
	     !json_object_object_add(o, "user_exits", user_exits);
	if (!ok) {
		json_object_put(user_exits);
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* "phases": each kind's phase with --markers; none (an empty list) else. */
static bool add_phases(struct json_object *root,
		       const struct exitgen_result *res)
{
	struct json_object *phases = json_object_new_array();
	int k;

	if (!phases || json_object_object_add(root, "phases", phases)) {
		json_object_put(phases);
		return false;
	}
	for (k = 0; res->markers && k < EXITGEN_NR_KINDS; k++) {
		struct json_object *o;

		if (!res->count[k])
			continue;
		o = json_object_new_object();
		if (!o || !add_int(o, "phase_id", res->markers + k) ||
		    !add_string(o, "kind", kind_options[k]) ||
		    !add_int(o, "requested", res->count[k]) ||
		    json_object_array_add(phases, o)) {
			json_object_put(o);
			return false;
		}
	}
	return true;
}

static struct json_object *result_json(const struct exitgen_result *res)
{
	struct json_object *root = json_object_new_object();
	struct json_object *vcpus = json_object_new_array();
	struct json_object *made = json_object_new_array();
	struct json_object *details = json_object_new_array();
	bool ok = root && vcpus && made && details;
	unsigned int i;

	for (i = 0; ok && i < res->nr_vcpus; i++) {
		struct json_object *o =
			vcpu_json(&res->vcpu[i], &res->vcpu_run[i]);

		ok = o && !json_object_array_add(vcpus, o);
		if (!ok)
			json_object_put(o);
	}
	for (i = 0; ok && i < res->nr_made; i++) {
		const struct exitgen_made *m = &res->made[i];
		struct json_object *o = json_object_new_object();

		ok = o && add_int(o, "code", m->code) &&
		     add_string(o, "reason", reason_or_unknown(m)) &&
		     add_int(o, "requested", m->requested) &&
		     add_int(o, "control", m->control) &&
		     add_int(o, "count", made_count(m)) &&
		     !json_object_array_add(made, o);
		if (!ok)
			json_object_put(o);
	}
	for (i = 0; ok && i < res->nr_details; i++) {
		const struct exitgen_detail *d = &res->detail[i];
		struct json_object *o = json_object_new_object();
		char label[64];

		detail_label(d->kind, d->key, label, sizeof(label));
		ok = o && add_string(o, "kind", detail_kind_name(d->kind)) &&
		     add_int(o, "key", d->key) &&
		     add_int(o, "count", d->count) &&
		     add_string(o, "label", label) &&
		     !json_object_array_add(details, o);
		if (!ok)
			json_object_put(o);
	}

	ok = ok && add_string(root, "isa", exit_isa_name(res->isa)) &&
	     add_int(root, "pid", res->pid);
	/* null when unknown */
	ok = ok &&
	     !json_object_object_add(
		     root, "kvm_module",
		     res->kvm_module ? json_object_new_string(res->kvm_module) :
				       NULL);
	ok = ok && add_int(root, "mmio_gpa", res->mmio_gpa) &&
	     add_phases(root, res);
	if (ok && !json_object_object_add(root, "vcpus", vcpus)) {
		vcpus = NULL;
		if (!json_object_object_add(root, "made", made)) {
			made = NULL;
			if (!json_object_object_add(root, "details", details))
				return root;
		}
	}
	json_object_put(vcpus);
	json_object_put(made);
	json_object_put(details);
	json_object_put(root);
	return NULL;
}

static int print_json(const struct exitgen_result *res)
{
	struct json_object *root = result_json(res);

	if (!root) {
		fprintf(stderr, "vmexit-stat: exitgen: out of memory\n");
		return -1;
	}
	json_doc_print(stdout, root);
	json_object_put(root);
	return 0;
}

static void print_table(const struct exitgen_result *res)
{
	bool vmx = res->isa == VMEXIT_STAT_ISA_VMX;
	unsigned int i, j;

	printf("exitgen: pid %d, isa %s, /dev/kvm from %s, %u vCPU%s\n",
	       res->pid, exit_isa_name(res->isa),
	       res->kvm_module ? res->kvm_module : "an unknown module",
	       res->nr_vcpus, res->nr_vcpus == 1 ? "" : "s");
	printf("\nmade on every vCPU:\n");
	printf("  %6s  %-16s %10s %8s %10s\n", "code", "reason", "requested",
	       "control", "count");
	for (i = 0; i < res->nr_made; i++) {
		const struct exitgen_made *m = &res->made[i];
		char code[16];

		/* As the kernel's tables write them. */
		snprintf(code, sizeof(code), vmx ? "%u" : "0x%03x", m->code);
		printf("  %6s  %-16s %10lu %8lu %10lu\n", code,
		       reason_or_unknown(m), m->requested, m->control,
		       made_count(m));
	}

	printf("\nKVM_RUN returns by vCPU:\n");
	printf("  %6s  %10s  %4s  %15s  %s\n", "vcpu", "tid", "late",
	       "kvm_run_returns", "by reason");
	for (i = 0; i < res->nr_vcpus; i++) {
		const struct exitgen_vcpu_result *v = &res->vcpu[i];
		const struct exitgen_vcpu_run *run = &res->vcpu_run[i];

		printf("  %6u  %10d  %4s  %15lu ", v->vcpu_id, v->tid,
		       run->late ? "yes" : "no", v->kvm_run_returns);
		for (j = 0; j < run->nr_user_exits; j++) {
			char reason[16];

			user_exit_reason(&run->user_exit[j], reason,
					 sizeof(reason));
			printf(" %s %lu", reason, run->user_exit[j].count);
		}
		printf("\n");
	}

	if (res->markers) {
		printf("\nphases on every vCPU (marked by two CPUIDs each):\n");
		printf("  %8s  %-10s %10s\n", "phase_id", "kind", "requested");
		for (i = 0; i < EXITGEN_NR_KINDS; i++)
			if (res->count[i])
				printf("  %8u  %-10s %10lu\n", res->markers + i,
				       kind_options[i], res->count[i]);
	}

	printf("\ndrill-down, all vCPUs:\n");
	printf("  %-10s  %-24s %10s\n", "kind", "what", "count");
	for (i = 0; i < res->nr_details; i++) {
		const struct exitgen_detail *d = &res->detail[i];
		char label[64];

		printf("  %-10s  %-24s %10lu\n", detail_kind_name(d->kind),
		       detail_label(d->kind, d->key, label, sizeof(label)),
		       d->count);
	}
}

int cmd_exitgen(int argc, char **argv)
{
	static const struct option options[] = {
		{ "cpuid", required_argument, NULL, 'c' },
		{ "pio", required_argument, NULL, 'p' },
		{ "hlt", required_argument, NULL, 'H' },
		{ "msr", required_argument, NULL, 'm' },
		{ "hypercall", required_argument, NULL, 'y' },
		{ "mmio", required_argument, NULL, 'M' },
		{ "vcpus", required_argument, NULL, 'v' },
		{ "late-vcpus", required_argument, NULL, 'l' },
		{ "busy-ms", required_argument, NULL, 'b' },
		{ "hlt-wait-ms", required_argument, NULL, 'w' },
		{ "pin", required_argument, NULL, 'P' },
		{ "markers", required_argument, NULL, 'K' },
		{ "nmi", no_argument, NULL, 'N' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct exitgen_request req = { .vcpus = 1 };
	struct exitgen_result *res;
	unsigned long number;
	bool json = false;
	char err[512];
	int opt, kind, status;

	optind = 0; /* a fresh scan, whoever used getopt before */
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
		case 'p':
		case 'H':
		case 'm':
		case 'y':
		case 'M':
			kind = opt == 'c' ? EXITGEN_CPUID :
			       opt == 'p' ? EXITGEN_PIO :
			       opt == 'H' ? EXITGEN_HLT :
			       opt == 'm' ? EXITGEN_MSR :
			       opt == 'y' ? EXITGEN_HYPERCALL :
					    EXITGEN_MMIO;
			if (parse_number(kind_options[kind], optarg, 0,
					 EXITGEN_MAX_COUNT, &req.count[kind]))
				return 2;
			break;
		case 'v':
			if (parse_number("vcpus", optarg, 1, EXITGEN_MAX_VCPUS,
					 &number))
				return 2;
			req.vcpus = number;
			break;
		case 'l':
			if (parse_number("late-vcpus", optarg, 0,
					 EXITGEN_MAX_VCPUS - 1, &number))
				return 2;
			req.late_vcpus = number;
			break;
		case 'b':
			if (parse_number("busy-ms", optarg, 0,
					 EXITGEN_MAX_BUSY_MS, &req.busy_ms))
				return 2;
			break;
		case 'w':
			if (parse_number("hlt-wait-ms", optarg, 0,
					 EXITGEN_MAX_HLT_WAIT_MS,
					 &req.hlt_wait_ms))
				return 2;
			break;
		case 'P':
			if (parse_cpu_list(optarg, &req))
				return 2;
			break;
		case 'K':
			if (parse_number("markers", optarg, 1,
					 EXITGEN_MAX_MARKERS, &number))
				return 2;
			req.markers = number;
			break;
		case 'N':
			req.nmi = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
			"vmexit-stat: exitgen: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return 2;
	}
	if (req.vcpus + req.late_vcpus > EXITGEN_MAX_VCPUS) {
		fprintf(stderr,
			"vmexit-stat: exitgen: --vcpus %u and --late-vcpus %u make more than %d vCPUs\n",
			req.vcpus, req.late_vcpus, EXITGEN_MAX_VCPUS);
		return 2;
	}

	req.announce = req.busy_ms || req.hlt_wait_ms;
	if (req.announce) {
		struct sigaction sa = { .sa_handler = on_hurry_signal };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}

	/* Large (64 vCPUs); keep it off the stack. */
	res = calloc(1, sizeof(*res));
	if (!res) {
		fprintf(stderr, "vmexit-stat: exitgen: out of memory\n");
		return 1;
	}
	if (exitgen_run(&req, res, err, sizeof(err))) {
		fprintf(stderr, "vmexit-stat: exitgen: %s\n", err);
		free(res);
		return 1;
	}
	if (is_pvm(res->kvm_module))
		fprintf(stderr,
			"vmexit-stat: exitgen: note: kvm_pvm runs this real-mode guest in KVM's instruction emulator: the counts are the instructions KVM handled, but none of them was a VM exit and kvm:kvm_exit does not see them\n");
	status = json ? print_json(res) : (print_table(res), 0);
	free(res);
	return status ? 1 : 0;
}
