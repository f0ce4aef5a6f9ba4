// SPDX-License-Identifier: GPL-2.0
/*
 * The module's statistics without the module: exit counts from the
 * kvm:kvm_exit tracepoint per (VM, vCPU, isa, exit reason), their
 * latency, returns to user space, the drill-down and the VMs seen, in
 * maps that vmexit-stat reads (and sums over CPUs) once detached.  See
 * Documentation/bpf-backend.rst.
 *
 * The tracepoint's prototype changed in 5.16 (see
 * Documentation/exit-reason.rst), so there are two programs and
 * vmexit-stat loads exactly one (bpf_program__set_autoload()):
 *
 * kvm_exit_reason_vcpu_isa: raw_tp, (exit_reason, vcpu, isa), up to 5.15.
 *	The reason is an argument.  raw_tp rather than tp_btf because these
 *	kernels may have no BTF for kvm.ko (5.10 has no module BTF at all),
 *	and tp_btf needs the tracepoint's BTF to attach.
 *
 * kvm_exit_vcpu_isa: tp_btf, (vcpu, isa), from 5.16.  The tracepoint
 *	only computes the reason for its own ring buffer, so we read it
 *	where the vendor module's get_exit_info() does:
 *	vcpu_svm->vmcb->control.exit_code and vcpu_vmx->exit_reason.full.
 *	These are private types of kvm_amd and kvm_intel; the ___vxs
 *	flavours below match them by name in those modules' BTF (CO-RE),
 *	so no offset is assumed.  A vendor module without BTF (or not
 *	loaded) makes bpf_core_type_exists() false at load time; the
 *	verifier then drops that branch and such exits count as dropped.
 *	tp_btf here: every such kernel has the BTF this needs anyway.
 *
 * Latency and exits to user space follow the module (module/probes.c):
 * kvm_exit leaves the counter it counted in the thread's entry of the
 * threads map; kvm_userspace_exit counts a return of KVM_RUN for that
 * thread's vCPU by KVM_EXIT_* reason; the thread's next kvm_entry ends
 * both, adding the exit's latency and the return's round trip to their
 * counters.  These three fire in the vCPU thread, so the thread id finds
 * the entry; sched_process_exit removes it.  They are raw tracepoints
 * everywhere: the arguments they use have not changed since 5.10 (only
 * kvm_entry gained a trailing one), and raw_tp needs no BTF of kvm.ko.
 *
 * An exit that cannot be counted (map full, reason unreadable) is counted
 * in totals.dropped, as the module does, so counts are known to be exact
 * or lower bounds.
 *
 * The counter maps are preallocated hashes, not per CPU: a counter is
 * keyed by its vCPU, and only that vCPU's thread writes it (kvm_exit,
 * kvm_userspace_exit, kvm_entry, kvm_cpuid), inside KVM_RUN, which
 * vcpu->mutex serializes: never two CPUs at once.  So one value needs no
 * atomics, and memory does not grow with the number of CPUs.  Elements
 * come from the map's own free list, which any context can take from:
 * made on demand instead, a new counter's first exit failed to find
 * memory when the BPF allocator had not yet refilled its cache (seen
 * with three collectors on one host: up to 20 exits in 3000 dropped).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include <uapi/linux/vmexit_stat.h>
#include <vmexit_stat/details.h>
#include <vmexit_stat/exits.h>
#include <vmexit_stat/markers.h>

#include "latency.h"

#define KVM_ISA_VMX 1
#define KVM_ISA_SVM 2
#define E2BIG 7
#define EEXIST 17

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXS_BPF_MAX_COUNTERS);
	__type(key, struct vxs_exit_key);
	__type(value, struct vxs_exit_value);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXS_BPF_MAX_COUNTERS);
	__type(key, struct vxs_user_key);
	__type(value, struct vxs_user_value);
} user_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, VXS_BPF_MAX_DETAILS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vxs_detail_key);
	__type(value, __u64);
} details SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXS_BPF_MAX_VMS);
	__type(key, __u64);
	__type(value, struct vxs_vm_value);
} vms SEC(".maps");

/* threads and phases, which the scheduling programs share */
#include "phase_maps.h"

/* Written at start markers only. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXS_BPF_MAX_PHASE_VCPUS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vxs_phase_key);
	__type(value, struct vxs_phase_slots);
} phase_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vxs_exit_totals);
} totals SEC(".maps");

/* arch/x86/include/asm/svm.h and arch/x86/kvm/svm/svm.h */
struct vmcb_control_area___vxs {
	/* u32 up to 6.18 at least; read with the kernel's own size */
	__u64 exit_code;
} __attribute__((preserve_access_index));

struct vmcb___vxs {
	struct vmcb_control_area___vxs control;
} __attribute__((preserve_access_index));

struct vcpu_svm___vxs {
	struct vmcb___vxs *vmcb;
} __attribute__((preserve_access_index));

/* arch/x86/kvm/vmx/vmx.h: a union since 5.12, read here only from 5.16 */
union vmx_exit_reason___vxs {
	__u32 full;
} __attribute__((preserve_access_index));

struct vcpu_vmx___vxs {
	union vmx_exit_reason___vxs exit_reason;
} __attribute__((preserve_access_index));

static __always_inline struct vxs_exit_totals *this_cpu_totals(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&totals, &zero);
}

static __always_inline __u32 current_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

/*
 * The value of key in a counter map, made (zeroed) if missing;
 * NULL if the map is full (*full set) or the value vanished meanwhile.
 */
static __always_inline void *counter_of(void *map, const void *key,
					const void *fresh, bool *full)
{
	void *value = bpf_map_lookup_elem(map, key);
	int err;

	if (value)
		return value;
	/*
	 * Another CPU may have made the key meanwhile: EEXIST.  Only the
	 * low 32 bits of the result mean anything: the verifier turns this
	 * helper into a direct call of the map's int-returning update (seen
	 * on 6.1: -E2BIG came back as 0xfffffff9), so compare it as an int.
	 */
	err = (int)bpf_map_update_elem(map, key, fresh, BPF_NOEXIST);
	if (err && err != -EEXIST) {
		*full = err == -E2BIG;
		return NULL;
	}
	return bpf_map_lookup_elem(map, key);
}

/*
 * A vCPU thread's first exit: its VM goes into the VM list, with the
 * name of its VMM (the thread group leader's comm, since vCPU threads
 * have names of their own, "CPU 0/KVM").  A full list only loses names.
 */
static __always_inline void vm_seen(__u64 kvm, __u32 pid)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct task_struct *leader;
	struct vxs_vm_value vm;

	if (bpf_map_lookup_elem(&vms, &kvm))
		return;
	__builtin_memset(&vm, 0, sizeof(vm));
	vm.pid = pid;
	vm.start_ns = bpf_ktime_get_boot_ns();
	leader = BPF_CORE_READ(task, group_leader);
	bpf_core_read_str(vm.comm, sizeof(vm.comm), &leader->comm);
	bpf_map_update_elem(&vms, &kvm, &vm, BPF_NOEXIST);
}

/* The thread's entry, made if missing; NULL if the map is full. */
static __always_inline struct vxs_thread *thread_of(__u32 tid,
						    const struct vxs_exit_key *key)
{
	static const struct vxs_thread fresh;
	struct vxs_thread *thread = bpf_map_lookup_elem(&threads, &tid);

	if (thread)
		return thread;
	vm_seen(key->kvm, key->pid);
	bpf_map_update_elem(&threads, &tid, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&threads, &tid);
}

static __always_inline int count_exit(struct kvm_vcpu *vcpu, __u32 isa,
				      __u32 reason)
{
	static const struct vxs_exit_value fresh;
	struct vxs_exit_totals *tot = this_cpu_totals();
	__u32 tid = current_tid();
	struct vxs_exit_value *value;
	struct vxs_thread *thread;
	struct vxs_exit_key key;
	bool full = false;

	if (!tot)
		return 0;
	tot->seen++;

	/*
	 * The thread's last exit was on this vCPU: its VM and vCPU id are
	 * known, which saves three of the five kernel reads of an exit.
	 */
	thread = bpf_map_lookup_elem(&threads, &tid);
	if (thread && thread->known && thread->vcpu == (__u64)vcpu) {
		key = thread->exit;
	} else {
		__builtin_memset(&key, 0, sizeof(key));
		key.kvm = (__u64)BPF_CORE_READ(vcpu, kvm);
		key.pid = BPF_CORE_READ(vcpu, kvm, userspace_pid);
		key.vcpu_id = BPF_CORE_READ(vcpu, vcpu_id);
	}
	key.isa = isa;
	key.reason = reason;

	value = counter_of(&counters, &key, &fresh, &full);
	if (value) {
		/* only this vCPU's thread writes it: see the top */
		value->count++;
		value->tid = tid;
		/*
		 * Out of every phase, this branch is all that phases cost an
		 * exit; in one, it is counted there by reason, here too (the
		 * phase's vCPU's counter: a thread never changes vCPU in
		 * practice, and would leave its phase's counts if it did).
		 */
		if (thread && thread->phase.in_phase &&
		    thread->vcpu == (__u64)vcpu) {
			value->phase_count[thread->phase.slot &
					   (VXS_BPF_PHASE_SLOTS - 1)]++;
			thread->phase.exit_counted = 1;
		}
	} else {
		tot->dropped++;
		if (full)
			tot->map_full++;
	}

	if (!thread)
		thread = thread_of(tid, &key);
	if (!thread) {
		tot->threads_full++;
		return 0;
	}
	/* A new entry is in no phase; an exit not counted is in none. */
	if (!value)
		thread->phase.exit_counted = 0;
	thread->vcpu = (__u64)vcpu;
	thread->exit = key;
	thread->known = 1;
	/* An exit not counted is not timed either, as in the module. */
	thread->open_exit = value != NULL;
	thread->detail_pending = value != NULL;
	thread->open_user = 0;
	thread->went_user = 0;
	thread->exit_ns = bpf_ktime_get_ns();
	return 0;
}

static __always_inline void count_drop(void)
{
	struct vxs_exit_totals *tot = this_cpu_totals();

	if (tot) {
		tot->seen++;
		tot->dropped++;
	}
}

SEC("raw_tp/kvm_exit")
int BPF_PROG(kvm_exit_reason_vcpu_isa, unsigned int reason,
	     struct kvm_vcpu *vcpu, __u32 isa)
{
	return count_exit(vcpu, isa, reason);
}

static __always_inline bool svm_exit_reason(struct kvm_vcpu *vcpu,
					    __u32 *reason)
{
	struct vcpu_svm___vxs *svm = (void *)vcpu;
	struct vmcb___vxs *vmcb;
	__u64 code = 0;

	/* struct vcpu_svm begins with its struct kvm_vcpu: a cast. */
	vmcb = BPF_CORE_READ(svm, vmcb);
	/* VMCBs are whole pages; anything else is not a VMCB. */
	if (!vmcb || ((unsigned long)vmcb & 0xfff))
		return false;
	if (bpf_core_read(&code, bpf_core_field_size(vmcb->control.exit_code),
			  &vmcb->control.exit_code))
		return false;
	/* The module and the trace event report the low 32 bits. */
	*reason = (__u32)code;
	return true;
}

static __always_inline bool vmx_exit_reason(struct kvm_vcpu *vcpu,
					    __u32 *reason)
{
	struct vcpu_vmx___vxs *vmx = (void *)vcpu;

	/* The full field, modifier bits included; user space splits. */
	return !bpf_core_read(reason, sizeof(*reason), &vmx->exit_reason.full);
}

SEC("tp_btf/kvm_exit")
int BPF_PROG(kvm_exit_vcpu_isa, struct kvm_vcpu *vcpu, __u32 isa)
{
	bool known = false;
	__u32 reason = 0;

	/*
	 * 6.12's verifier types tracepoint pointer arguments as maybe-NULL
	 * and refuses arithmetic on them before a check (6.1's does not).
	 */
	if (!vcpu)
		return 0;
	if (isa == KVM_ISA_SVM) {
		if (bpf_core_type_exists(struct vcpu_svm___vxs))
			known = svm_exit_reason(vcpu, &reason);
	} else if (isa == KVM_ISA_VMX) {
		if (bpf_core_type_exists(struct vcpu_vmx___vxs))
			known = vmx_exit_reason(vcpu, &reason);
	}
	if (!known) {
		count_drop();
		return 0;
	}
	return count_exit(vcpu, isa, reason);
}

SEC("raw_tp/kvm_userspace_exit")
int BPF_PROG(kvm_userspace_exit, __u32 reason, int err)
{
	static const struct vxs_user_value fresh;
	struct vxs_exit_totals *tot = this_cpu_totals();
	__u32 tid = current_tid();
	struct vxs_user_value *value;
	struct vxs_thread *thread;
	struct vxs_user_key key;
	bool full = false;

	if (!tot)
		return 0;
	tot->user_seen++;
	/* A thread that made no exit yet has no vCPU to count this for. */
	thread = bpf_map_lookup_elem(&threads, &tid);
	if (!thread || !thread->known)
		return 0;

	if (thread->open_exit && !thread->went_user) {
		struct vxs_exit_value *exit;

		exit = bpf_map_lookup_elem(&counters, &thread->exit);
		if (exit)
			exit->user_count++;
		thread->went_user = 1;
	}

	__builtin_memset(&key, 0, sizeof(key));
	key.kvm = thread->exit.kvm;
	key.pid = thread->exit.pid;
	key.vcpu_id = thread->exit.vcpu_id;
	key.reason = reason;
	value = counter_of(&user_counters, &key, &fresh, &full);
	if (!value) {
		tot->user_dropped++;
		thread->open_user = 0;
		return 0;
	}
	value->count++;
	value->tid = tid;
	thread->open_user = 1;
	thread->user_reason = reason;
	thread->user_exit_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("raw_tp/kvm_entry")
int BPF_PROG(kvm_entry, struct kvm_vcpu *vcpu)
{
	struct vxs_exit_totals *tot = this_cpu_totals();
	struct vxs_exit_value *exit = NULL;
	__u32 tid = current_tid();
	struct vxs_thread *thread;
	__u64 now;

	if (!tot)
		return 0;
	tot->entries_seen++;
	thread = bpf_map_lookup_elem(&threads, &tid);
	/* Another vCPU than the exit's: its next exit starts afresh. */
	if (!thread || thread->vcpu != (__u64)vcpu)
		return 0;
	/* Nothing open: an exit not counted, or no exit since the last. */
	if (!thread->open_exit && !thread->open_user &&
	    !thread->phase.exit_counted)
		return 0;

	now = bpf_ktime_get_ns();
	if (thread->open_exit)
		exit = bpf_map_lookup_elem(&counters, &thread->exit);
	if (thread->open_user) {
		struct vxs_user_value *user;
		struct vxs_user_key key;
		__u64 round_trip = now - thread->user_exit_ns;

		__builtin_memset(&key, 0, sizeof(key));
		key.kvm = thread->exit.kvm;
		key.pid = thread->exit.pid;
		key.vcpu_id = thread->exit.vcpu_id;
		key.reason = thread->user_reason;
		user = bpf_map_lookup_elem(&user_counters, &key);
		if (user)
			lat_add(&user->round_trip, round_trip);
		if (exit)
			exit->user_ns += round_trip;
	}
	if (exit)
		lat_add(&exit->lat, now - thread->exit_ns);
	if (thread->phase.exit_counted) {
		struct vxs_phase_value *phase;

		phase = bpf_map_lookup_elem(&phases, &thread->phase.key);
		if (phase)
			lat_add(&phase->lat, now - thread->exit_ns);
		thread->phase.exit_counted = 0;
	}
	thread->open_exit = 0;
	thread->open_user = 0;
	thread->went_user = 0;
	thread->detail_pending = 0;
	return 0;
}

/*
 * The drill-down: what the thread's open exit was about, counted once
 * per exit (the completion of an I/O or MMIO exit traces it again), per
 * VM, as the module does.
 */
static __always_inline int count_detail(__u32 kind, __u64 key)
{
	static const __u64 fresh;
	__u32 tid = current_tid();
	struct vxs_exit_totals *tot;
	struct vxs_detail_key dkey;
	struct vxs_thread *thread;
	bool full = false;
	__u64 *count;

	/* Completions of an exit trace again: most calls end here. */
	thread = bpf_map_lookup_elem(&threads, &tid);
	if (!thread || !thread->detail_pending)
		return 0;
	thread->detail_pending = 0;
	tot = this_cpu_totals();
	if (!tot)
		return 0;

	__builtin_memset(&dkey, 0, sizeof(dkey));
	dkey.kvm = thread->exit.kvm;
	dkey.pid = thread->exit.pid;
	dkey.kind = kind;
	dkey.key = key;
	count = counter_of(&details, &dkey, &fresh, &full);
	if (!count) {
		tot->details_dropped++;
		return 0;
	}
	(*count)++;
	return 0;
}

SEC("raw_tp/kvm_pio")
int BPF_PROG(kvm_pio, unsigned int rw, unsigned int port)
{
	return count_detail(rw == VXS_KVM_PIO_OUT ? VMEXIT_STAT_DETAIL_PIO_OUT :
						    VMEXIT_STAT_DETAIL_PIO_IN,
			    port);
}

SEC("raw_tp/kvm_msr")
int BPF_PROG(kvm_msr, unsigned int write, __u32 ecx)
{
	return count_detail(write ? VMEXIT_STAT_DETAIL_MSR_WRITE :
				    VMEXIT_STAT_DETAIL_MSR_READ,
			    ecx);
}

/*
 * Phase markers (Documentation/bpf-backend.rst, "Phases"): the guest's
 * CPUID of a marker leaf, seen here inside its CPUID exit, after that
 * exit's kvm_exit and before the thread's next kvm_entry.
 */

/* The marker's own exit belongs to no phase: out of the one it is in. */
static __always_inline void phase_uncount_exit(struct vxs_thread *thread)
{
	struct vxs_exit_value *exit;

	if (!thread->phase.exit_counted)
		return;
	thread->phase.exit_counted = 0;
	exit = bpf_map_lookup_elem(&counters, &thread->exit);
	if (exit)
		exit->phase_count[thread->phase.slot &
				  (VXS_BPF_PHASE_SLOTS - 1)]--;
}

/* The thread leaves its open phase; the caller says whether it ended. */
static __always_inline struct vxs_phase_value *
phase_close(struct vxs_thread *thread, __u64 now)
{
	struct vxs_phase_value *phase;

	thread->phase.in_phase = 0;
	phase = bpf_map_lookup_elem(&phases, &thread->phase.key);
	if (phase) {
		phase->active_ns += now - phase->open_since_ns;
		phase->open = 0;
	}
	return phase;
}

/*
 * The vCPU's slot of phase id, given one if new; -1 when the vCPU has
 * all its slots or the slot map is full (*full).
 */
static __always_inline int phase_slot(const struct vxs_phase_key *vcpu,
				      __u32 id, bool *full)
{
	static const struct vxs_phase_slots fresh;
	struct vxs_phase_slots *slots;
	__u32 i;

	slots = counter_of(&phase_slots, vcpu, &fresh, full);
	if (!slots) {
		*full = true;
		return -1;
	}
	for (i = 0; i < VXS_BPF_PHASE_SLOTS && i < slots->nr; i++)
		if (slots->ids[i] == id)
			return i;
	if (slots->nr >= VXS_BPF_PHASE_SLOTS)
		return -1;
	/* Only the vCPU's own thread comes here. */
	i = slots->nr & (VXS_BPF_PHASE_SLOTS - 1);
	slots->ids[i] = id;
	slots->nr++;
	return i;
}

static __always_inline void phase_start(struct vxs_thread *thread, __u32 tid,
					__u32 id, __u64 now,
					struct vxs_exit_totals *tot)
{
	static const struct vxs_phase_value fresh;
	struct vxs_thread_phase *state = &thread->phase;
	struct vxs_phase_value *phase;
	struct vxs_phase_key key;
	bool full = false;
	int slot;

	if (state->in_phase)
		phase_close(thread, now);
	__builtin_memset(&key, 0, sizeof(key));
	key.kvm = thread->exit.kvm;
	key.pid = thread->exit.pid;
	key.vcpu_id = thread->exit.vcpu_id;
	slot = phase_slot(&key, id, &full);
	if (slot < 0) {
		if (full)
			tot->phases_full++;
		else
			tot->phases_dropped++;
		return;
	}
	key.phase_id = id;
	phase = counter_of(&phases, &key, &fresh, &full);
	if (!phase) {
		tot->phases_full++;
		return;
	}
	phase->starts++;
	phase->last_start_ns = now;
	phase->open_since_ns = now;
	phase->open = 1;
	phase->tid = tid;
	phase->slot = slot;
	state->key = key;
	state->slot = slot;
	state->in_phase = 1;
}

static __always_inline void phase_end(struct vxs_thread *thread, __u32 id,
				      __u64 now, struct vxs_exit_totals *tot)
{
	struct vxs_phase_value *phase;

	if (!thread->phase.in_phase || thread->phase.key.phase_id != id) {
		tot->markers_unmatched++;
		return;
	}
	phase = phase_close(thread, now);
	if (phase) {
		phase->ends++;
		phase->last_end_ns = now;
	}
}

static __always_inline void phase_marker(__u32 leaf)
{
	struct vxs_exit_totals *tot = this_cpu_totals();
	__u32 id = VMEXIT_STAT_MARKER_ID(leaf);
	__u32 tid = current_tid();
	struct vxs_thread *thread;
	__u64 now;

	if (!tot)
		return;
	tot->markers_seen++;
	/* No entry (the thread map was full): no phase to be in or end. */
	thread = bpf_map_lookup_elem(&threads, &tid);
	if (!thread || !thread->known) {
		if (VMEXIT_STAT_MARKER_IS_END(leaf))
			tot->markers_unmatched++;
		else
			tot->phases_dropped++;
		return;
	}
	now = bpf_ktime_get_ns();
	phase_uncount_exit(thread);
	if (VMEXIT_STAT_MARKER_IS_END(leaf))
		phase_end(thread, id, now, tot);
	else
		phase_start(thread, tid, id, now, tot);
}

/* The leaf is the first argument on every kernel (5.10 has no index). */
SEC("raw_tp/kvm_cpuid")
int BPF_PROG(kvm_cpuid, unsigned int function, unsigned int index)
{
	if (VMEXIT_STAT_IS_MARKER(function))
		phase_marker(function);
	return count_detail(VMEXIT_STAT_DETAIL_CPUID,
			    vxs_cpuid_key(function, index));
}

SEC("raw_tp/kvm_mmio")
int BPF_PROG(kvm_mmio, int type, int len, __u64 gpa)
{
	return count_detail(type == VXS_KVM_TRACE_MMIO_WRITE ?
				    VMEXIT_STAT_DETAIL_MMIO_WRITE :
				    VMEXIT_STAT_DETAIL_MMIO_READ,
			    gpa & VXS_MMIO_PAGE_MASK);
}

SEC("raw_tp/kvm_fast_mmio")
int BPF_PROG(kvm_fast_mmio, __u64 gpa)
{
	return count_detail(VMEXIT_STAT_DETAIL_MMIO_WRITE,
			    gpa & VXS_MMIO_PAGE_MASK);
}

/*
 * Fires in the exiting task itself (do_exit()).  The VM's end is when
 * its last vCPU thread went; user space tells which was last.
 */
SEC("raw_tp/sched_process_exit")
int BPF_PROG(sched_process_exit)
{
	__u32 tid = current_tid();
	struct vxs_thread *thread;
	struct vxs_vm_value *vm;

	thread = bpf_map_lookup_elem(&threads, &tid);
	if (!thread)
		return 0;
	vm = bpf_map_lookup_elem(&vms, &thread->exit.kvm);
	if (vm)
		vm->end_ns = bpf_ktime_get_boot_ns();
	/* Its open phase stops counting time, with no end marker seen. */
	if (thread->phase.in_phase)
		phase_close(thread, bpf_ktime_get_ns());
	bpf_map_delete_elem(&threads, &tid);
	return 0;
}
