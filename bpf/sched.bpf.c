// SPDX-License-Identifier: GPL-2.0
/*
 * The scheduling of vCPU threads, as the module measures it (see
 * Documentation/module.rst): how long each ran, waited runnable for a CPU
 * (run delay, the guest's steal: wake-up latency apart from preemption
 * wait) and slept (idle, halted time included, which is not steal), and
 * per physical CPU the wait that ended there and the tasks that ran while
 * it lasted.  vmexit-stat reads the maps while attached.
 *
 * kvm_exit makes a thread a vCPU thread: tracked from its first exit,
 * running on this CPU since then.  Two raw_tp programs for the two
 * prototypes of kvm_exit (vCPU first from 5.16, second before), of which
 * vmexit-stat loads one; raw_tp needs no BTF of kvm.ko.
 *
 * The scheduler's events are tp_btf, whose task pointers are read
 * directly (no helper call), since sched_switch runs for every context
 * switch on the host.  Only their leading arguments are declared: 5.18
 * appended prev_state to sched_switch, so prev's state is read from the
 * task instead, the same on every kernel, and since __schedule() read it
 * for the same decision with prev still on this CPU, it is that value.
 *
 * Every time is the run queue's clock (rq->clock), not bpf_ktime_get_ns():
 * the scheduler counts its own run delay (schedstat's, which the guest
 * sees as steal) with that clock at these same events.  Where the TSC is
 * unstable (a host that is itself a VM, as the lab is) the two clocks
 * differ at that scale: there bpf_ktime_get_ns() made the waits of vCPU
 * threads woken every 2 ms 8 to 14% shorter than schedstat's, rq->clock
 * within 1 to 3%.  And it is the scheduler's reading, not ours: the
 * programs that run before ours at the same event do not delay it.
 *
 * A switch records the run it ended in this CPU's ring (the last
 * VXS_SCHED_RING runs), tracked or not, since a vCPU that waits here may
 * be switched in later; when it is, its wait is charged to the runs that
 * overlap it.  While no vCPU thread waits, a switch of two other tasks
 * needs neither the clock nor the ring: a wait that starts later only
 * looks at runs after its start, and a run recorded with too early a
 * start (the switch that began it was skipped) is cut off by the overlap.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include <uapi/linux/vmexit_stat.h>
#include <vmexit_stat/sched.h>

#include "latency.h"
#include "phase_maps.h"

#define E2BIG 7
#define TASK_RUNNING 0

char LICENSE[] SEC("license") = "GPL";

/* Preallocated: sched_switch looks it up twice per context switch. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXS_BPF_MAX_THREADS);
	__type(key, __u32);
	__type(value, struct vxs_sched_thread);
} sched_threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vxs_sched_cpu);
} sched_cpus SEC(".maps");

/*
 * Set before load by user/phases_bpf.c, which gives this object the exit
 * programs' threads and phases maps; else the verifier drops phase_wait()
 * and those maps are left at one entry each.
 */
const volatile bool follow_phases;

/* Threads tracked and not ended: while 0, no switch needs a lookup. */
__u32 live_threads;
/* Tracked threads woken or preempted and not on a CPU yet. */
__u32 waiting_threads;

static __always_inline void wait_begin(struct vxs_sched_thread *thread)
{
	if (!thread->waiting) {
		thread->waiting = 1;
		__sync_fetch_and_add(&waiting_threads, 1);
	}
}

/* -1 added, not subtracted: clang 14 cannot build the latter for BPF. */
static __always_inline void wait_end(struct vxs_sched_thread *thread)
{
	if (thread->waiting) {
		thread->waiting = 0;
		__sync_fetch_and_add(&waiting_threads, -1);
	}
}

/*
 * The clock of task's run queue, which the scheduler updated just before
 * each event that reads it: __schedule() before sched_switch, the wake-up
 * before sched_wakeup (the wakee's run queue, maybe not this CPU's).
 * Reached through the task (its CFS run queue's rq), not the runqueues
 * variable, which kernels without CONFIG_KALLSYMS_ALL cannot resolve;
 * without CONFIG_FAIR_GROUP_SCHED, CLOCK_MONOTONIC.
 */
static __always_inline __u64 task_rq_clock(struct task_struct *task)
{
	struct cfs_rq *cfs_rq = NULL;

	if (!bpf_core_field_exists(cfs_rq->rq))
		return bpf_ktime_get_ns();
	return BPF_CORE_READ(task, se.cfs_rq, rq, clock);
}

/*
 * Run queues' clocks are monotonic each, not quite equal to each other:
 * since may be a little after now, which counts as 0.  Without a branch,
 * which would multiply the verifier's states in sched_switch.
 */
static __always_inline __u64 elapsed(__u64 now, __u64 since)
{
	__u64 delta = now - since;

	return delta & ~(__u64)((__s64)delta >> 63);
}

static __always_inline struct vxs_sched_cpu *this_cpu_sched(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&sched_cpus, &zero);
}

/* A thread that is tracked and has not ended, or NULL. */
static __always_inline struct vxs_sched_thread *tracked(__u32 tid)
{
	struct vxs_sched_thread *thread;

	/* The idle tasks, pid 0 on every CPU, are never vCPU threads. */
	if (!tid)
		return NULL;
	thread = bpf_map_lookup_elem(&sched_threads, &tid);
	/* state 0: kvm_exit has made the entry but not filled it yet */
	if (!thread || !thread->state ||
	    thread->state == VMEXIT_STAT_SCHED_ENDED)
		return NULL;
	return thread;
}

static __always_inline int track(struct kvm_vcpu *vcpu)
{
	static const struct vxs_sched_thread fresh;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct vxs_sched_thread *thread;
	struct vxs_sched_cpu *cpu;
	int err;

	thread = bpf_map_lookup_elem(&sched_threads, &tid);
	if (thread && thread->state != VMEXIT_STAT_SCHED_ENDED)
		return 0;
	/*
	 * New, or an ended vCPU thread's id given to a new thread: the new
	 * one starts afresh.  The int cast: see counter_of() in exits.bpf.c.
	 */
	err = (int)bpf_map_update_elem(&sched_threads, &tid, &fresh,
				       thread ? BPF_ANY : BPF_NOEXIST);
	if (err) {
		cpu = this_cpu_sched();
		if (cpu && err == -E2BIG)
			cpu->threads_full++;
		return 0;
	}
	thread = bpf_map_lookup_elem(&sched_threads, &tid);
	if (!thread)
		return 0;
	thread->kvm = (__u64)BPF_CORE_READ(vcpu, kvm);
	thread->pid = BPF_CORE_READ(vcpu, kvm, userspace_pid);
	thread->vcpu_id = BPF_CORE_READ(vcpu, vcpu_id);
	thread->cpu = bpf_get_smp_processor_id();
	/* as the scheduler last updated it: a little before now */
	thread->since_ns =
		task_rq_clock((struct task_struct *)bpf_get_current_task());
	/* last: until now the switch programs ignore the entry */
	thread->state = VMEXIT_STAT_SCHED_RUNNING;
	__sync_fetch_and_add(&live_threads, 1);
	return 0;
}

SEC("raw_tp/kvm_exit")
int BPF_PROG(kvm_exit_reason_vcpu_isa, unsigned int reason,
	     struct kvm_vcpu *vcpu)
{
	return track(vcpu);
}

SEC("raw_tp/kvm_exit")
int BPF_PROG(kvm_exit_vcpu_isa, struct kvm_vcpu *vcpu)
{
	return track(vcpu);
}

static __always_inline long task_state(struct task_struct *task)
{
	struct task_struct___o *old = (void *)task;

	if (bpf_core_field_exists(task->__state))
		return BPF_CORE_READ(task, __state);
	return BPF_CORE_READ(old, state);
}

/* Two 8-byte loads rather than a helper call: this runs every switch. */
static __always_inline void copy_comm(char *dst, struct task_struct *task)
{
	const __u64 *src = (const __u64 *)task->comm;

	((__u64 *)dst)[0] = src[0];
	((__u64 *)dst)[1] = src[1];
}

/* The run of prev on this CPU that ends now. */
static __always_inline void record_run(struct vxs_sched_cpu *cpu,
				       struct task_struct *prev, __u32 tid,
				       const struct vxs_sched_thread *thread,
				       __u64 now)
{
	struct vxs_sched_run *run;

	run = &cpu->ring[cpu->ring_next & (VXS_SCHED_RING - 1)];
	run->start_ns = cpu->current_start_ns;
	run->end_ns = now;
	run->tid = tid;
	run->is_vcpu = thread != NULL;
	run->vm_pid = thread ? thread->pid : 0;
	run->vcpu_id = thread ? thread->vcpu_id : 0;
	copy_comm(run->comm, prev);
	cpu->ring_next++;
	cpu->current_start_ns = now;
}

static __always_inline bool same_comm(const char *a, const char *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1];
}

/*
 * Space-Saving: the task adds to its slot; else it takes the least
 * slot (a free one is the least, at 0) and inherits its ns, which it
 * keeps as over_ns, what its ns may be too high by.  A task is its tid
 * and name, as in the module.
 */
static __always_inline void thief_add(struct vxs_sched_cpu *cpu,
				      const struct vxs_sched_run *run, __u64 ns)
{
	__u64 least_ns = ~0ULL;
	struct vxs_sched_thief *slot;
	__u32 i, least = 0;

	for (i = 0; i < VXS_SCHED_THIEVES; i++) {
		slot = &cpu->thieves[i];
		if (slot->ns && slot->tid == run->tid &&
		    same_comm(slot->comm, run->comm)) {
			slot->ns += ns;
			/* it ran before its first exit too: the same thief */
			if (run->is_vcpu && !slot->is_vcpu) {
				slot->vm_pid = run->vm_pid;
				slot->vcpu_id = run->vcpu_id;
				slot->is_vcpu = 1;
			}
			return;
		}
		if (slot->ns < least_ns) {
			least_ns = slot->ns;
			least = i;
		}
	}
	slot = &cpu->thieves[least & (VXS_SCHED_THIEVES - 1)];
	slot->over_ns = slot->ns;
	slot->ns += ns;
	slot->tid = run->tid;
	slot->is_vcpu = run->is_vcpu;
	slot->vm_pid = run->vm_pid;
	slot->vcpu_id = run->vcpu_id;
	__builtin_memcpy(slot->comm, run->comm, sizeof(slot->comm));
}

/* A vCPU's wait [since, now) on this CPU, to the runs that overlap it. */
static __always_inline void charge_wait(struct vxs_sched_cpu *cpu, __u64 since,
					__u64 now)
{
	__u64 covered = 0, from;
	struct vxs_sched_run *run;
	__u32 i;

	/* since_ns from another run queue's clock, after ours: no wait */
	if (since >= now)
		return;
	/* Newest first: runs on one CPU end in the order they were made. */
	for (i = 0; i < VXS_SCHED_RING; i++) {
		run = &cpu->ring[(cpu->ring_next - 1 - i) &
				 (VXS_SCHED_RING - 1)];
		if (run->end_ns <= since)
			break;
		from = run->start_ns > since ? run->start_ns : since;
		if (run->end_ns <= from)
			continue;
		thief_add(cpu, run, run->end_ns - from);
		covered += run->end_ns - from;
	}
	if (covered < now - since)
		cpu->unattributed_ns += now - since - covered;
}

/*
 * Runnable as sched_info_depart() tests it, by the state alone, as the
 * module does: a thread preempted on its way to sleep does not wait for
 * a CPU in schedstat's run delay either.
 */
static __always_inline void switch_out(struct vxs_sched_cpu *cpu,
				       struct vxs_sched_thread *thread,
				       struct task_struct *prev, __u64 now)
{
	__u64 ran = elapsed(now, thread->since_ns);

	thread->run_ns += ran;
	cpu->vcpu_run_ns += ran;
	if (task_state(prev) == TASK_RUNNING) {
		thread->state = VMEXIT_STAT_SCHED_RUNNABLE;
		thread->woken = 0;
		thread->preemptions++;
		wait_begin(thread);
	} else {
		thread->state = VMEXIT_STAT_SCHED_BLOCKED;
	}
	thread->since_ns = now;
}

/* A run delay that ends now, to the phase the thread's guest is in. */
static __always_inline void phase_wait(__u32 tid, __u64 wait)
{
	struct vxs_phase_value *phase;
	struct vxs_thread *thread;

	if (!follow_phases)
		return;
	thread = bpf_map_lookup_elem(&threads, &tid);
	if (!thread || !thread->phase.in_phase)
		return;
	/* Its own events, which write the phase too, wait for this switch. */
	phase = bpf_map_lookup_elem(&phases, &thread->phase.key);
	if (phase)
		phase->wait_ns += wait;
}

static __always_inline void switch_in(struct vxs_sched_cpu *cpu,
				      struct vxs_sched_thread *thread,
				      __u32 tid, __u64 now)
{
	__u32 this_cpu = bpf_get_smp_processor_id();
	__u64 wait = elapsed(now, thread->since_ns);

	if (thread->state == VMEXIT_STAT_SCHED_RUNNABLE) {
		thread->wait_ns += wait;
		phase_wait(tid, wait);
		cpu->wait_ns += wait;
		if (thread->woken) {
			lat_add(&thread->wakeup, wait);
			lat_add(&cpu->wakeup, wait);
		} else {
			lat_add(&thread->preempt, wait);
			lat_add(&cpu->preempt, wait);
		}
		charge_wait(cpu, thread->since_ns, now);
	} else if (thread->state == VMEXIT_STAT_SCHED_BLOCKED) {
		/* its wake-up was not seen */
		thread->idle_ns += wait;
	}
	thread->timeslices++;
	if (thread->cpu != this_cpu) {
		thread->migrations++;
		thread->cpu = this_cpu;
	}
	thread->state = VMEXIT_STAT_SCHED_RUNNING;
	thread->since_ns = now;
	wait_end(thread);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	struct vxs_sched_thread *out = NULL, *in = NULL;
	struct vxs_sched_cpu *cpu = this_cpu_sched();
	__u32 prev_tid, next_tid;
	__u64 now;

	/* 6.12 types tracepoint pointers as maybe NULL: checked first */
	if (!cpu || !prev || !next)
		return 0;
	/* Which CPUs were online since the attach. */
	cpu->switches++;
	if (!live_threads)
		return 0;
	prev_tid = prev->pid;
	next_tid = next->pid;
	out = tracked(prev_tid);
	in = tracked(next_tid);
	if (!out && !in && !waiting_threads)
		return 0;
	now = task_rq_clock(prev);
	record_run(cpu, prev, prev_tid, out, now);
	if (out)
		switch_out(cpu, out, prev, now);
	if (in)
		switch_in(cpu, in, next_tid, now);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup, struct task_struct *task)
{
	struct vxs_sched_thread *thread;
	__u64 now;

	if (!live_threads || !task)
		return 0;
	thread = tracked(task->pid);
	/* Woken while running or already runnable: nothing changes. */
	if (!thread || thread->state != VMEXIT_STAT_SCHED_BLOCKED)
		return 0;
	now = task_rq_clock(task);
	thread->idle_ns += elapsed(now, thread->since_ns);
	thread->state = VMEXIT_STAT_SCHED_RUNNABLE;
	thread->woken = 1;
	thread->since_ns = now;
	wait_begin(thread);
	return 0;
}

/* Fires in the exiting thread itself; its totals stay. */
SEC("raw_tp/sched_process_exit")
int BPF_PROG(sched_process_exit)
{
	struct vxs_sched_thread *thread;

	if (!live_threads)
		return 0;
	thread = tracked((__u32)bpf_get_current_pid_tgid());
	if (!thread)
		return 0;
	thread->state = VMEXIT_STAT_SCHED_ENDED;
	thread->since_ns =
		task_rq_clock((struct task_struct *)bpf_get_current_task());
	wait_end(thread);
	__sync_fetch_and_add(&live_threads, -1);
	return 0;
}
