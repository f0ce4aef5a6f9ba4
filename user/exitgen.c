// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat exitgen: the ground truth.  A VMM of its own, one memory
 * slot and one thread per vCPU, whose real-mode guest (exitgen_guest.S)
 * makes an exact number of exits of the kinds that are deterministic:
 * CPUID, port I/O, HLT, RDMSR/WRMSR and the hypercall.
 *
 * No in-kernel irqchip is created, so HLT and every port I/O come back
 * to us from KVM_RUN: those we count and check one by one.  The others
 * are handled inside KVM; the guest counts them in its status slot and
 * we check the total when it stops.
 */
#include <cpuid.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
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

struct eg_vm;

struct eg_vcpu {
	struct eg_vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;

	/* Written by the vCPU thread, read by the main thread. */
	pid_t tid;
	unsigned long run_returns;
	bool finished;
	bool kicked; /* set by the main thread */

	/* The vCPU thread's own. */
	unsigned long io_exits;
	unsigned long hlt_exits;
	char err[256];

	/* The watchdog's (main thread). */
	unsigned long last_progress;
	time_t last_change;
};

struct eg_vm {
	int kvm_fd;
	int vm_fd;
	size_t run_size;
	unsigned char *mem;
	uint32_t count[EXITGEN_NR_KINDS];
	unsigned int nr_vcpus;
	struct eg_vcpu *vcpus;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int nr_started;
	unsigned int nr_finished; /* under lock */
};

static const char *const phase_names[] = {
	[0] = "start",
	[EG_PHASE_CPUID] = "cpuid",
	[EG_PHASE_PIO] = "pio",
	[EG_PHASE_HLT] = "hlt",
	[EG_PHASE_MSR] = "msr",
	[EG_PHASE_HYPERCALL] = "hypercall",
	[EG_PHASE_DONE] = "done",
};

static const char *const kind_options[EXITGEN_NR_KINDS] = {
	[EXITGEN_CPUID] = "cpuid",
	[EXITGEN_PIO] = "pio",
	[EXITGEN_HLT] = "hlt",
	[EXITGEN_MSR] = "msr",
	[EXITGEN_HYPERCALL] = "hypercall",
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
	if (!ioctl(vcpu->fd, KVM_GET_REGS, &regs))
		snprintf(vcpu->err + len, sizeof(vcpu->err) - len,
			 " (guest rip 0x%llx, phase %s)", regs.rip,
			 phase_name(
				 status_read(vcpu->vm, vcpu->id, EG_S_PHASE)));
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
	case KVM_EXIT_MMIO:
		return vcpu_fail(
			vcpu,
			"unexpected MMIO %s at 0x%llx: the guest touched memory outside its slot",
			run->mmio.is_write ? "write" : "read",
			(unsigned long long)run->mmio.phys_addr);
	}
	return vcpu_fail(vcpu, "unexpected exit to user space, reason %u",
			 run->exit_reason);
}

static int vcpu_loop(struct eg_vcpu *vcpu)
{
	const struct eg_vm *vm = vcpu->vm;

	for (;;) {
		int r = ioctl(vcpu->fd, KVM_RUN, 0);

		__atomic_add_fetch(&vcpu->run_returns, 1, __ATOMIC_RELAXED);
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
		case KVM_EXIT_HLT:
			if (status_read(vm, vcpu->id, EG_S_PHASE) ==
			    EG_PHASE_DONE)
				return check_done(vcpu);
			if (++vcpu->hlt_exits > vm->count[EXITGEN_HLT])
				return vcpu_fail(
					vcpu,
					"more HLT exits than the %u requested",
					vm->count[EXITGEN_HLT]);
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
	vcpu_loop(vcpu);
	__atomic_store_n(&vcpu->finished, true, __ATOMIC_RELAXED);

	pthread_mutex_lock(&vm->lock);
	vm->nr_finished++;
	pthread_cond_signal(&vm->cond);
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

	params = (uint32_t *)(vm->mem + EG_PARAMS_GPA);
	params[EG_P_CPUID / 4] = vm->count[EXITGEN_CPUID];
	params[EG_P_PIO / 4] = vm->count[EXITGEN_PIO];
	params[EG_P_HLT / 4] = vm->count[EXITGEN_HLT];
	params[EG_P_MSR / 4] = vm->count[EXITGEN_MSR];
	params[EG_P_HYPERCALL / 4] = vm->count[EXITGEN_HYPERCALL];
	params[EG_P_VMMCALL / 4] = isa == VMEXIT_STAT_ISA_SVM;

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
	return 0;
}

static int create_vcpus(struct eg_vm *vm, char *err, size_t errlen)
{
	struct kvm_signal_mask *kmask;
	unsigned int i;
	sigset_t set;
	int ret = 0;

	vm->vcpus = calloc(vm->nr_vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return fail(err, errlen, "out of memory");
	for (i = 0; i < vm->nr_vcpus; i++) {
		vm->vcpus[i].vm = vm;
		vm->vcpus[i].id = i;
		vm->vcpus[i].fd = -1;
	}

	/* KVM's sigset is the kernel's: the first 64 bits of glibc's. */
	kmask = calloc(1, sizeof(*kmask) + sizeof(uint64_t));
	if (!kmask)
		return fail(err, errlen, "out of memory");
	sigfillset(&set);
	sigdelset(&set, EG_KICK_SIGNAL);
	kmask->len = sizeof(uint64_t);
	memcpy(kmask->sigset, &set, sizeof(uint64_t));

	for (i = 0; i < vm->nr_vcpus && !ret; i++) {
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

static int run_vcpus(struct eg_vm *vm, char *err, size_t errlen)
{
	sigset_t all, old;
	struct timespec deadline;
	unsigned int i;
	int ret = 0;

	/* vCPU threads inherit a mask that blocks every signal. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct eg_vcpu *vcpu = &vm->vcpus[i];
		int r;

		vcpu->last_change = monotonic_now();
		r = pthread_create(&vcpu->thread, NULL, vcpu_thread, vcpu);
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

	pthread_mutex_lock(&vm->lock);
	while (vm->nr_finished < vm->nr_started) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec++;
		pthread_cond_timedwait(&vm->cond, &vm->lock, &deadline);
		watchdog(vm, monotonic_now());
	}
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

/*
 * One row per exit code the guest can make, even when none was asked
 * for: a collector must then count none.  The only control exit is the
 * final HLT.  VMX tells MSR reads from writes, SVM does not.
 */
static void fill_made(struct exitgen_result *res, const uint32_t *count)
{
	unsigned long msr = count[EXITGEN_MSR];

	if (res->isa == VMEXIT_STAT_ISA_VMX) {
		add_made(res, EXIT_REASON_CPUID, count[EXITGEN_CPUID], 0);
		add_made(res, EXIT_REASON_IO_INSTRUCTION, count[EXITGEN_PIO],
			 0);
		add_made(res, EXIT_REASON_HLT, count[EXITGEN_HLT], 1);
		add_made(res, EXIT_REASON_MSR_READ, (msr + 1) / 2, 0);
		add_made(res, EXIT_REASON_MSR_WRITE, msr / 2, 0);
		add_made(res, EXIT_REASON_VMCALL, count[EXITGEN_HYPERCALL], 0);
	} else {
		add_made(res, SVM_EXIT_CPUID, count[EXITGEN_CPUID], 0);
		add_made(res, SVM_EXIT_IOIO, count[EXITGEN_PIO], 0);
		add_made(res, SVM_EXIT_HLT, count[EXITGEN_HLT], 1);
		add_made(res, SVM_EXIT_MSR, msr, 0);
		add_made(res, SVM_EXIT_VMMCALL, count[EXITGEN_HYPERCALL], 0);
	}
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
	for (k = 0; k < EXITGEN_NR_KINDS; k++) {
		if (req->count[k] > EXITGEN_MAX_COUNT)
			return fail(err, errlen,
				    "%lu %s exits: at most %lu per vCPU",
				    req->count[k], kind_options[k],
				    EXITGEN_MAX_COUNT);
		vm.count[k] = req->count[k];
	}
	vm.nr_vcpus = req->vcpus;

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
	pthread_mutex_init(&vm.lock, NULL);

	if (open_kvm(&vm, err, errlen) || create_vm(&vm, isa, err, errlen) ||
	    create_vcpus(&vm, err, errlen) || run_vcpus(&vm, err, errlen))
		goto out;

	res->isa = isa;
	res->pid = getpid();
	res->kvm_module = module;
	fill_made(res, vm.count);
	res->nr_vcpus = vm.nr_vcpus;
	for (i = 0; i < vm.nr_vcpus; i++) {
		res->vcpu[i].vcpu_id = vm.vcpus[i].id;
		res->vcpu[i].tid = vm.vcpus[i].tid;
		res->vcpu[i].kvm_run_returns = vm.vcpus[i].run_returns;
	}
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
		"                           [--hypercall N] [--vcpus K] [--json]\n"
		"\n"
		"Creates a VM through /dev/kvm whose real-mode guest makes exactly the\n"
		"requested VM exits on every vCPU (one thread each), then prints what\n"
		"it made per exit code, named as the kernel's kvm:kvm_exit trace names\n"
		"them.\n"
		"\n"
		"  --cpuid N      N CPUID exits\n"
		"  --pio N        N port I/O exits on port 0x%x, OUT and IN alternating\n"
		"  --hlt N        N HLT exits\n"
		"  --msr N        N MSR exits on MSR 0x%x, RDMSR and WRMSR alternating\n"
		"  --hypercall N  N hypercalls (VMCALL on Intel, VMMCALL on AMD)\n"
		"  --vcpus K      run K vCPUs, 1 to %d (default 1)\n"
		"  --json         print JSON instead of a table\n"
		"  --help         print this help\n"
		"\n"
		"Counts are per vCPU, 0 to %lu each (default 0).  Besides them every vCPU\n"
		"makes one control exit of its own, the HLT it stops on; it is counted\n"
		"in the output.\n",
		EG_PORT, EG_MSR, EXITGEN_MAX_VCPUS, EXITGEN_MAX_COUNT);
}

static int parse_number(const char *opt, const char *arg, unsigned long min,
			unsigned long max, unsigned long *out)
{
	unsigned long value;
	char *end;

	/* strtoul would take "-1" and " 1" and wrap or skip them. */
	if (!isdigit((unsigned char)arg[0])) {
		fprintf(stderr,
			"vmexit-stat exitgen: --%s: '%s' is not a number\n",
			opt, arg);
		return -1;
	}
	errno = 0;
	value = strtoul(arg, &end, 10);
	if (*end) {
		fprintf(stderr,
			"vmexit-stat exitgen: --%s: '%s' is not a number\n",
			opt, arg);
		return -1;
	}
	if (errno == ERANGE || value < min || value > max) {
		fprintf(stderr,
			"vmexit-stat exitgen: --%s: %s is out of range (%lu to %lu)\n",
			opt, arg, min, max);
		return -1;
	}
	*out = value;
	return 0;
}

static unsigned long made_count(const struct exitgen_made *made)
{
	return made->requested + made->control;
}

static const char *reason_or_unknown(const struct exitgen_made *made)
{
	return made->reason ? made->reason : "unknown";
}

static int print_json(const struct exitgen_result *res)
{
	struct json_object *root, *vcpus, *made;
	unsigned int i;

	root = json_object_new_object();
	vcpus = json_object_new_array();
	made = json_object_new_array();
	if (!root || !vcpus || !made)
		goto oom;

	json_object_object_add(root, "isa",
			       json_object_new_string(exit_isa_name(res->isa)));
	json_object_object_add(root, "pid", json_object_new_int(res->pid));
	json_object_object_add(root, "kvm_module",
			       res->kvm_module ?
				       json_object_new_string(res->kvm_module) :
				       NULL);
	for (i = 0; i < res->nr_vcpus; i++) {
		const struct exitgen_vcpu_result *v = &res->vcpu[i];
		struct json_object *o = json_object_new_object();

		if (!o)
			goto oom;
		json_object_object_add(o, "vcpu",
				       json_object_new_int64(v->vcpu_id));
		json_object_object_add(o, "tid", json_object_new_int(v->tid));
		json_object_object_add(
			o, "kvm_run_returns",
			json_object_new_int64(v->kvm_run_returns));
		json_object_array_add(vcpus, o);
	}
	json_object_object_add(root, "vcpus", vcpus);
	vcpus = NULL;
	for (i = 0; i < res->nr_made; i++) {
		const struct exitgen_made *m = &res->made[i];
		struct json_object *o = json_object_new_object();

		if (!o)
			goto oom;
		json_object_object_add(o, "code",
				       json_object_new_int64(m->code));
		json_object_object_add(
			o, "reason",
			json_object_new_string(reason_or_unknown(m)));
		json_object_object_add(o, "requested",
				       json_object_new_int64(m->requested));
		json_object_object_add(o, "control",
				       json_object_new_int64(m->control));
		json_object_object_add(o, "count",
				       json_object_new_int64(made_count(m)));
		json_object_array_add(made, o);
	}
	json_object_object_add(root, "made", made);

	json_doc_print(stdout, root);
	json_object_put(root);
	return 0;
oom:
	json_object_put(vcpus);
	json_object_put(made);
	json_object_put(root);
	fprintf(stderr, "vmexit-stat exitgen: out of memory\n");
	return -1;
}

static void print_table(const struct exitgen_result *res)
{
	bool vmx = res->isa == VMEXIT_STAT_ISA_VMX;
	unsigned int i;

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
	printf("\n  %6s  %10s  %15s\n", "vcpu", "tid", "kvm_run_returns");
	for (i = 0; i < res->nr_vcpus; i++)
		printf("  %6u  %10d  %15lu\n", res->vcpu[i].vcpu_id,
		       res->vcpu[i].tid, res->vcpu[i].kvm_run_returns);
}

int cmd_exitgen(int argc, char **argv)
{
	static const struct option options[] = {
		{ "cpuid", required_argument, NULL, 'c' },
		{ "pio", required_argument, NULL, 'p' },
		{ "hlt", required_argument, NULL, 'H' },
		{ "msr", required_argument, NULL, 'm' },
		{ "hypercall", required_argument, NULL, 'y' },
		{ "vcpus", required_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct exitgen_request req = { .vcpus = 1 };
	struct exitgen_result *res;
	unsigned long vcpus = 1;
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
			kind = opt == 'c' ? EXITGEN_CPUID :
			       opt == 'p' ? EXITGEN_PIO :
			       opt == 'H' ? EXITGEN_HLT :
			       opt == 'm' ? EXITGEN_MSR :
					    EXITGEN_HYPERCALL;
			if (parse_number(kind_options[kind], optarg, 0,
					 EXITGEN_MAX_COUNT, &req.count[kind]))
				return 2;
			break;
		case 'v':
			if (parse_number("vcpus", optarg, 1, EXITGEN_MAX_VCPUS,
					 &vcpus))
				return 2;
			req.vcpus = vcpus;
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
			"vmexit-stat exitgen: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return 2;
	}

	/* Large (64 vCPUs); keep it off the stack. */
	res = calloc(1, sizeof(*res));
	if (!res) {
		fprintf(stderr, "vmexit-stat exitgen: out of memory\n");
		return 1;
	}
	if (exitgen_run(&req, res, err, sizeof(err))) {
		fprintf(stderr, "vmexit-stat exitgen: %s\n", err);
		free(res);
		return 1;
	}
	if (is_pvm(res->kvm_module))
		fprintf(stderr,
			"vmexit-stat exitgen: note: kvm_pvm runs this real-mode guest in KVM's instruction emulator: the counts are the instructions KVM handled, but none of them was a VM exit and kvm:kvm_exit does not see them\n");
	status = json ? print_json(res) : (print_table(res), 0);
	free(res);
	return status ? 1 : 0;
}
