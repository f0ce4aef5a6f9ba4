// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF backend of phases: the exit programs (bpf/exits.bpf.c) follow
 * the markers and count each phase's exits and latency, the scheduling
 * programs (bpf/sched.bpf.c) its run delay, in maps the two objects share
 * (bpf/phase_maps.h says why), read while attached.
 *
 * Only what phases need is attached: kvm_exit, kvm_entry and kvm_cpuid of
 * the exit programs (with sched_process_exit, which ends a thread's
 * entry), and the scheduling programs whole.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include <linux/vmexit_stat.h>
#include <vmexit_stat/sched.h>

#include "bpf_backend.h"
#include "exits.skel.h"
#include "phases_bpf.h"
#include "phases_bpf_records.h"
#include "sched.skel.h"

/* Programs the phases need: four of exits.bpf.c, four of sched.bpf.c. */
#define NR_ATTACH_POINTS 8

struct phases_bpf {
	struct exits_bpf *exits;
	struct sched_bpf *sched;
	int proto; /* VXS_BPF_PROTO_* */
	struct bpf_attach_point points[NR_ATTACH_POINTS];
	/* losses as last said on stderr */
	uint64_t phases_full_reported;
	uint64_t threads_full_reported;
};

/* Kept for the process, so that vm ids match from read to read. */
static uint64_t vm_id_salt;

/*
 * As bpf_backend_collect() and sched_bpf_open() order theirs: the
 * programs that end what kvm_exit begins first, kvm_exit last, the
 * scheduling object's before the exit object's so that a thread in a
 * phase is tracked by both from its first exit.
 */
static void attach_points(struct phases_bpf *pb)
{
	struct exits_bpf *e = pb->exits;
	struct sched_bpf *s = pb->sched;
	bool old = pb->proto == VXS_BPF_PROTO_REASON_VCPU_ISA;
	struct bpf_attach_point *p = pb->points;

	p[0] = (struct bpf_attach_point){ "sched:sched_process_exit",
					  e->progs.sched_process_exit,
					  &e->links.sched_process_exit };
	p[1] = (struct bpf_attach_point){ "sched:sched_process_exit",
					  s->progs.sched_process_exit,
					  &s->links.sched_process_exit };
	p[2] = (struct bpf_attach_point){ "sched:sched_wakeup",
					  s->progs.sched_wakeup,
					  &s->links.sched_wakeup };
	p[3] = (struct bpf_attach_point){ "sched:sched_switch",
					  s->progs.sched_switch,
					  &s->links.sched_switch };
	p[4] = (struct bpf_attach_point){
		"kvm:kvm_exit",
		old ? s->progs.kvm_exit_reason_vcpu_isa :
		      s->progs.kvm_exit_vcpu_isa,
		old ? &s->links.kvm_exit_reason_vcpu_isa :
		      &s->links.kvm_exit_vcpu_isa
	};
	p[5] = (struct bpf_attach_point){ "kvm:kvm_entry", e->progs.kvm_entry,
					  &e->links.kvm_entry };
	p[6] = (struct bpf_attach_point){ "kvm:kvm_cpuid", e->progs.kvm_cpuid,
					  &e->links.kvm_cpuid };
	p[7] = (struct bpf_attach_point){
		"kvm:kvm_exit",
		old ? e->progs.kvm_exit_reason_vcpu_isa :
		      e->progs.kvm_exit_vcpu_isa,
		old ? &e->links.kvm_exit_reason_vcpu_isa :
		      &e->links.kvm_exit_vcpu_isa
	};
}

static int load_exits(struct phases_bpf *pb)
{
	struct exits_bpf *skel = exits_bpf__open();
	int err;

	if (!skel) {
		err = -errno;
		fprintf(stderr,
			"vmexit-stat: opening the BPF programs failed: %s\n",
			strerror(-err));
		return err;
	}
	pb->exits = skel;
	if (pb->proto == VXS_BPF_PROTO_REASON_VCPU_ISA)
		bpf_program__set_autoload(skel->progs.kvm_exit_vcpu_isa, false);
	else
		bpf_program__set_autoload(skel->progs.kvm_exit_reason_vcpu_isa,
					  false);
	err = exits_bpf__load(skel);
	if (err)
		bpf_backend_explain_load_error(err);
	return err;
}

/* After load_exits(): its threads and phases maps become this one's. */
static int load_sched(struct phases_bpf *pb)
{
	struct sched_bpf *skel = sched_bpf__open();
	int err;

	if (!skel) {
		err = -errno;
		fprintf(stderr,
			"vmexit-stat: opening the BPF programs failed: %s\n",
			strerror(-err));
		return err;
	}
	pb->sched = skel;
	if (pb->proto == VXS_BPF_PROTO_REASON_VCPU_ISA)
		bpf_program__set_autoload(skel->progs.kvm_exit_vcpu_isa, false);
	else
		bpf_program__set_autoload(skel->progs.kvm_exit_reason_vcpu_isa,
					  false);
	skel->rodata->follow_phases = true;
	err = bpf_map__reuse_fd(skel->maps.threads,
				bpf_map__fd(pb->exits->maps.threads));
	if (!err)
		err = bpf_map__reuse_fd(skel->maps.phases,
					bpf_map__fd(pb->exits->maps.phases));
	if (err) {
		fprintf(stderr,
			"vmexit-stat: sharing the phase maps between the BPF "
			"programs failed: %s\n",
			strerror(-err));
		return err;
	}
	err = sched_bpf__load(skel);
	if (err)
		bpf_backend_explain_load_error(err);
	return err;
}

static void destroy(struct phases_bpf *pb)
{
	sched_bpf__destroy(pb->sched);
	exits_bpf__destroy(pb->exits);
	free(pb);
}

int phases_bpf_open(struct phases_bpf **out)
{
	struct phases_bpf *pb;

	*out = NULL;
	pb = calloc(1, sizeof(*pb));
	if (!pb) {
		fprintf(stderr, "vmexit-stat: %s\n", strerror(ENOMEM));
		return 1;
	}
	pb->proto = bpf_backend_preflight();
	if (!pb->proto || load_exits(pb) || load_sched(pb))
		goto fail;
	attach_points(pb);
	if (bpf_backend_attach(pb->points, NR_ATTACH_POINTS))
		goto fail;
	if (!vm_id_salt)
		vm_id_salt = bpf_backend_salt();
	*out = pb;
	return 0;

fail:
	destroy(pb);
	return 1;
}

void phases_bpf_close(struct phases_bpf *pb)
{
	if (!pb)
		return;
	bpf_backend_detach(pb->points, NR_ATTACH_POINTS);
	destroy(pb);
}

/* An exit counter's phase counts, summed over the CPUs. */
struct phase_codes {
	struct vxs_exit_key key;
	__u64 count[VXS_BPF_PHASE_SLOTS];
};

/*
 * The exit counters with exits in a phase, into *list (free it): a
 * count, or -errno.
 */
static ssize_t read_phase_codes(struct phases_bpf *pb,
				struct phase_codes **list)
{
	int fd = bpf_map__fd(pb->exits->maps.counters);
	struct vxs_exit_key key, next, *prev = NULL;
	struct phase_codes *codes = NULL, *grown;
	struct vxs_exit_value value;
	size_t nr = 0, alloc = 0;
	int slot;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		struct phase_codes one = { .key = next };
		bool any = false;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &value))
			continue;
		for (slot = 0; slot < VXS_BPF_PHASE_SLOTS; slot++) {
			one.count[slot] = value.phase_count[slot];
			any |= one.count[slot] != 0;
		}
		if (!any)
			continue;
		if (nr == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			grown = reallocarray(codes, alloc, sizeof(*codes));
			if (!grown) {
				free(codes);
				return -ENOMEM;
			}
			codes = grown;
		}
		codes[nr++] = one;
	}
	*list = codes;
	return nr;
}

static bool phase_wanted(const struct vmexit_filter *filter,
			 const struct vmexit_phase *rec)
{
	if (!vmexit_filter_match_ids(filter, rec->vm_pid, rec->vm_id, true,
				     rec->vcpu_id))
		return false;
	return !filter || !filter->by_phase ||
	       rec->phase_id == filter->phase_id;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int read_phases(struct phases_bpf *pb,
		       const struct vmexit_filter *filter,
		       struct vmexit_phases *out)
{
	int fd = bpf_map__fd(pb->exits->maps.phases);
	struct vxs_phase_key key, next, *prev = NULL;
	struct phase_codes *codes = NULL;
	struct vxs_phase_value value;
	ssize_t nr_codes, i;
	int err = 0;

	nr_codes = read_phase_codes(pb, &codes);
	if (nr_codes < 0)
		return nr_codes;
	while (!err && !bpf_map_get_next_key(fd, prev, &next)) {
		struct vmexit_phase rec;
		__u32 slot;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &value))
			continue;
		phases_bpf_record(&rec, &key, &value,
				  bpf_backend_vm_id(key.kvm, vm_id_salt),
				  monotonic_ns());
		if (!phase_wanted(filter, &rec))
			continue;
		slot = value.slot % VXS_BPF_PHASE_SLOTS;
		for (i = 0; i < nr_codes; i++)
			if (phases_bpf_same_vcpu(&key, &codes[i].key))
				phases_bpf_record_exit(&rec, codes[i].key.isa,
						       codes[i].key.reason,
						       codes[i].count[slot]);
		phases_bpf_record_sort(&rec);
		err = vmexit_phases_add(out, &rec);
	}
	free(codes);
	return err;
}

static int read_totals(struct phases_bpf *pb, struct vxs_exit_totals *sum)
{
	int nr_cpus = libbpf_num_possible_cpus();
	struct vxs_exit_totals *per_cpu;
	__u32 zero = 0;
	int cpu, err;

	memset(sum, 0, sizeof(*sum));
	if (nr_cpus <= 0)
		return nr_cpus ? nr_cpus : -ENODEV;
	per_cpu = calloc(nr_cpus, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;
	err = bpf_map_lookup_elem(bpf_map__fd(pb->exits->maps.totals), &zero,
				  per_cpu);
	if (err)
		err = -errno;
	for (cpu = 0; !err && cpu < nr_cpus; cpu++) {
		const struct vxs_exit_totals *one = &per_cpu[cpu];

		sum->seen += one->seen;
		sum->dropped += one->dropped;
		sum->entries_seen += one->entries_seen;
		sum->threads_full += one->threads_full;
		sum->markers_seen += one->markers_seen;
		sum->markers_unmatched += one->markers_unmatched;
		sum->phases_dropped += one->phases_dropped;
		sum->phases_full += one->phases_full;
	}
	free(per_cpu);
	return err;
}

static void fill_info(struct vmexit_info *info, int proto,
		      const struct vxs_exit_totals *totals)
{
	struct utsname uts;

	memset(info, 0, sizeof(*info));
	snprintf(info->version, sizeof(info->version), "bpf (libbpf %u.%u)",
		 libbpf_major_version(), libbpf_minor_version());
	if (!uname(&uts))
		snprintf(info->kernel, sizeof(info->kernel), "%s", uts.release);
	info->exits_seen = totals->seen;
	info->entries_seen = totals->entries_seen;
	info->exits_dropped = totals->dropped;
	info->lat_buckets = VXS_BPF_LAT_BUCKETS;
	info->exit_proto = proto;
	info->markers_seen = totals->markers_seen;
	info->markers_unmatched = totals->markers_unmatched;
	info->phases_dropped = totals->phases_dropped;
}

/* Once per growth, so that a view reading every second does not repeat. */
static void report_losses(struct phases_bpf *pb,
			  const struct vxs_exit_totals *totals)
{
	if (totals->phases_full > pb->phases_full_reported)
		fprintf(stderr,
			"vmexit-stat: the BPF phase maps (%u phases, %u "
			"vCPUs) were full: %llu phase starts were not "
			"counted\n",
			VXS_BPF_MAX_PHASES, VXS_BPF_MAX_PHASE_VCPUS,
			(unsigned long long)totals->phases_full);
	if (totals->threads_full > pb->threads_full_reported)
		fprintf(stderr,
			"vmexit-stat: more than %u vCPU threads at once: %llu "
			"exits of threads whose phases cannot be followed\n",
			VXS_BPF_MAX_THREADS,
			(unsigned long long)totals->threads_full);
	pb->phases_full_reported = totals->phases_full;
	pb->threads_full_reported = totals->threads_full;
}

int phases_bpf_read(struct phases_bpf *pb, const struct vmexit_filter *filter,
		    struct vmexit_phases *out, struct vmexit_info *info)
{
	struct vxs_exit_totals totals;
	int err;

	err = read_phases(pb, filter, out);
	if (!err)
		err = read_totals(pb, &totals);
	if (err)
		return err;
	if (info)
		fill_info(info, pb->proto, &totals);
	report_losses(pb, &totals);
	return 0;
}
