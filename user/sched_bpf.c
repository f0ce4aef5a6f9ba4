// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF backend of vmexit-stat sched: bpf/sched.bpf.c (embedded as a
 * skeleton) attached for as long as the handle lives, its maps read while
 * attached into the module's GET_SCHED and GET_CPU_SCHED shapes.
 *
 * The handle is the skeleton itself (struct sched_bpf, named after the
 * object as every skeleton here is); what else a read needs is the
 * process's vm id salt, kept the same across reads so that interval
 * reports can match vCPUs by vm id.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include <linux/vmexit_stat.h>
#include <vmexit_stat/sched.h>

#include "bpf_backend.h"
#include "latency.h"
#include "sched.skel.h"
#include "sched_bpf.h"

_Static_assert(VXS_SCHED_THIEVES == VMEXIT_STAT_THIEVES,
	       "a CPU's BPF thieves table is the module's size");
_Static_assert(VXS_SCHED_COMM_LEN < sizeof(((struct vmexit_thief *)0)->comm),
	       "a thief's name fits, terminated");

static uint64_t vm_id_salt;

/* vCPU exits not tracked, as last said on stderr */
static uint64_t threads_full_reported;

#define NR_ATTACH_POINTS 4

/*
 * The scheduler's programs first, kvm_exit last: a thread is tracked
 * only once every program that follows it is there.
 */
static int attach_points(struct sched_bpf *skel,
			 struct bpf_attach_point points[NR_ATTACH_POINTS])
{
	struct bpf_program *exit = skel->progs.kvm_exit_vcpu_isa;
	struct bpf_link **exit_link = &skel->links.kvm_exit_vcpu_isa;

	if (bpf_program__autoload(skel->progs.kvm_exit_reason_vcpu_isa)) {
		exit = skel->progs.kvm_exit_reason_vcpu_isa;
		exit_link = &skel->links.kvm_exit_reason_vcpu_isa;
	}
	points[0] =
		(struct bpf_attach_point){ "sched:sched_process_exit",
					   skel->progs.sched_process_exit,
					   &skel->links.sched_process_exit };
	points[1] = (struct bpf_attach_point){ "sched:sched_wakeup",
					       skel->progs.sched_wakeup,
					       &skel->links.sched_wakeup };
	points[2] = (struct bpf_attach_point){ "sched:sched_switch",
					       skel->progs.sched_switch,
					       &skel->links.sched_switch };
	points[3] =
		(struct bpf_attach_point){ "kvm:kvm_exit", exit, exit_link };
	return NR_ATTACH_POINTS;
}

int sched_bpf_open(struct sched_bpf **out)
{
	struct bpf_attach_point points[NR_ATTACH_POINTS];
	struct sched_bpf *skel;
	int proto, err;

	*out = NULL;
	proto = bpf_backend_preflight();
	if (!proto)
		return 1;
	skel = sched_bpf__open();
	if (!skel) {
		fprintf(stderr,
			"vmexit-stat: opening the BPF programs failed: %s\n",
			strerror(errno));
		return 1;
	}
	/* Only the vCPU's place among kvm_exit's arguments tells them apart. */
	if (proto == VXS_BPF_PROTO_REASON_VCPU_ISA)
		bpf_program__set_autoload(skel->progs.kvm_exit_vcpu_isa, false);
	else
		bpf_program__set_autoload(skel->progs.kvm_exit_reason_vcpu_isa,
					  false);
	/* Alone, it follows no phases: their maps are one entry each. */
	err = bpf_map__set_max_entries(skel->maps.threads, 1);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.phases, 1);
	if (!err)
		err = sched_bpf__load(skel);
	if (err) {
		bpf_backend_explain_load_error(err);
		goto destroy;
	}
	err = bpf_backend_attach(points, attach_points(skel, points));
	if (err)
		goto destroy;
	if (!vm_id_salt)
		vm_id_salt = bpf_backend_salt();
	*out = skel;
	return 0;

destroy:
	sched_bpf__destroy(skel);
	return 1;
}

void sched_bpf_close(struct sched_bpf *sb)
{
	struct bpf_attach_point points[NR_ATTACH_POINTS];

	if (!sb)
		return;
	bpf_backend_detach(points, attach_points(sb, points));
	sched_bpf__destroy(sb);
}

static void sched_of_thread(struct vmexit_sched *rec,
			    const struct vxs_sched_thread *thread)
{
	memset(rec, 0, sizeof(*rec));
	rec->vm_pid = thread->pid;
	rec->vm_id = bpf_backend_vm_id(thread->kvm, vm_id_salt);
	rec->vcpu_id = thread->vcpu_id;
	rec->state = thread->state;
	rec->has_cpu = true;
	rec->cpu = thread->cpu;
	rec->run_ns = thread->run_ns;
	rec->wait_ns = thread->wait_ns;
	rec->idle_ns = thread->idle_ns;
	rec->timeslices = thread->timeslices;
	rec->preemptions = thread->preemptions;
	rec->migrations = thread->migrations;
	bpf_backend_latency_merge(&rec->wakeup, &thread->wakeup);
	bpf_backend_latency_merge(&rec->preempt, &thread->preempt);
}

/* The VM's record among those this read appended, or NULL. */
static struct vmexit_sched *vm_sched(struct vmexit_scheds *list, size_t from,
				     const struct vmexit_sched *vcpu)
{
	size_t i;

	for (i = from; i < list->nr; i++)
		if (list->rec[i].vm_pid == vcpu->vm_pid &&
		    list->rec[i].vm_id == vcpu->vm_id)
			return &list->rec[i];
	return NULL;
}

/* A VM's vCPUs summed, as the module answers GET_SCHED with BY_VM. */
static int add_to_vm(struct vmexit_scheds *list, size_t from,
		     const struct vmexit_sched *vcpu)
{
	struct vmexit_sched *vm = vm_sched(list, from, vcpu);

	if (!vm) {
		struct vmexit_sched fresh = {
			.vm_pid = vcpu->vm_pid,
			.vm_id = vcpu->vm_id,
			.per_vm = true,
		};
		int err = vmexit_scheds_add(list, &fresh);

		if (err)
			return err;
		vm = &list->rec[list->nr - 1];
	}
	vm->run_ns += vcpu->run_ns;
	vm->wait_ns += vcpu->wait_ns;
	vm->idle_ns += vcpu->idle_ns;
	vm->timeslices += vcpu->timeslices;
	vm->preemptions += vcpu->preemptions;
	vm->migrations += vcpu->migrations;
	latency_add(&vm->wakeup, &vcpu->wakeup);
	latency_add(&vm->preempt, &vcpu->preempt);
	return 0;
}

static int read_threads(struct sched_bpf *sb,
			const struct vmexit_filter *filter,
			struct vmexit_scheds *list)
{
	int fd = bpf_map__fd(sb->maps.sched_threads);
	__u32 tid, next, *prev = NULL;
	struct vxs_sched_thread thread;
	size_t from = list->nr;
	int err = 0;

	while (!err && !bpf_map_get_next_key(fd, prev, &next)) {
		struct vmexit_sched rec;

		tid = next;
		prev = &tid;
		/* state 0: being made by its first exit right now */
		if (bpf_map_lookup_elem(fd, &tid, &thread) || !thread.state)
			continue;
		sched_of_thread(&rec, &thread);
		rec.vcpu_tid = tid;
		if (!vmexit_filter_match_ids(filter, rec.vm_pid, rec.vm_id,
					     true, rec.vcpu_id))
			continue;
		if (filter && filter->by_vm)
			err = add_to_vm(list, from, &rec);
		else
			err = vmexit_scheds_add(list, &rec);
	}
	return err;
}

static int thief_busier(const void *a, const void *b)
{
	const struct vmexit_thief *x = a, *y = b;

	return x->ns < y->ns ? 1 : x->ns > y->ns ? -1 : 0;
}

static void cpu_sched_of(struct vmexit_cpu_sched *rec, uint32_t cpu,
			 const struct vxs_sched_cpu *value)
{
	unsigned int i;

	memset(rec, 0, sizeof(*rec));
	rec->cpu = cpu;
	rec->wait_ns = value->wait_ns;
	rec->vcpu_run_ns = value->vcpu_run_ns;
	rec->unattributed_ns = value->unattributed_ns;
	bpf_backend_latency_merge(&rec->wakeup, &value->wakeup);
	bpf_backend_latency_merge(&rec->preempt, &value->preempt);
	for (i = 0; i < VXS_SCHED_THIEVES; i++) {
		const struct vxs_sched_thief *slot = &value->thieves[i];
		struct vmexit_thief *thief = &rec->thieves[rec->nr_thieves];

		if (!slot->ns)
			continue;
		thief->tid = slot->tid;
		memcpy(thief->comm, slot->comm, VXS_SCHED_COMM_LEN);
		thief->comm[VXS_SCHED_COMM_LEN] = 0;
		thief->ns = slot->ns;
		thief->over_ns = slot->over_ns;
		thief->is_vcpu = slot->is_vcpu;
		thief->vm_pid = slot->vm_pid;
		thief->vcpu_id = slot->vcpu_id;
		rec->nr_thieves++;
	}
	qsort(rec->thieves, rec->nr_thieves, sizeof(rec->thieves[0]),
	      thief_busier);
}

static void report_threads_full(uint64_t threads_full)
{
	if (threads_full <= threads_full_reported)
		return;
	fprintf(stderr,
		"vmexit-stat: more than %u vCPU threads: %llu exits of "
		"threads that could not be tracked\n",
		VXS_BPF_MAX_THREADS, (unsigned long long)threads_full);
	threads_full_reported = threads_full;
}

static int read_cpus(struct sched_bpf *sb, const struct vmexit_filter *filter,
		     struct vmexit_cpu_scheds *list)
{
	int nr_cpus = libbpf_num_possible_cpus();
	struct vxs_sched_cpu *per_cpu;
	uint64_t threads_full = 0;
	__u32 zero = 0;
	int cpu, err;

	if (nr_cpus <= 0)
		return nr_cpus ? nr_cpus : -ENODEV;
	per_cpu = calloc(nr_cpus, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;
	err = bpf_map_lookup_elem(bpf_map__fd(sb->maps.sched_cpus), &zero,
				  per_cpu);
	if (err)
		err = -errno;
	for (cpu = 0; !err && cpu < nr_cpus; cpu++) {
		struct vmexit_cpu_sched rec;

		threads_full += per_cpu[cpu].threads_full;
		/* possible but never online since the attach */
		if (!per_cpu[cpu].switches)
			continue;
		if (filter && filter->by_cpu && (uint32_t)cpu != filter->cpu)
			continue;
		cpu_sched_of(&rec, cpu, &per_cpu[cpu]);
		err = vmexit_cpu_scheds_add(list, &rec);
	}
	free(per_cpu);
	if (!err)
		report_threads_full(threads_full);
	return err;
}

int sched_bpf_read(struct sched_bpf *sb, const struct vmexit_filter *filter,
		   struct vmexit_scheds *vcpus, struct vmexit_cpu_scheds *cpus)
{
	int err = 0;

	if (vcpus)
		err = read_threads(sb, filter, vcpus);
	if (!err && cpus)
		err = read_cpus(sb, filter, cpus);
	return err;
}
