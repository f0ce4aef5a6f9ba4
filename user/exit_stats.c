// SPDX-License-Identifier: GPL-2.0
/*
 * Grouping of dump records into VMs and vCPUs, and the two views of them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <linux/vmexit_stat.h>

#include "exit_reasons.h"
#include "exit_stats.h"
#include "json_out.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	uint32_t bit;
	const char *name;
} exit_flag_names[] = {
	{ VMEXIT_STAT_EXIT_FLAG_VMX_ENCLAVE, "enclave" },
	{ VMEXIT_STAT_EXIT_FLAG_VMX_SMM_PENDING, "smm_pending" },
	{ VMEXIT_STAT_EXIT_FLAG_VMX_FROM_ROOT, "from_root" },
	{ VMEXIT_STAT_EXIT_FLAG_VMX_FAILED_ENTRY, "failed_entry" },
};

const char *exit_reason_label(uint32_t isa, uint32_t code, char *buf,
			      size_t len)
{
	const char *name = exit_reason_name(isa, code);

	if (name)
		return name;
	snprintf(buf, len, "0x%" PRIx32, code);
	return buf;
}

const char *exit_isa_label(uint32_t isa, char *buf, size_t len)
{
	const char *name = exit_isa_name(isa);

	if (name)
		return name;
	snprintf(buf, len, "%" PRIu32, isa);
	return buf;
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_record(const void *pa, const void *pb)
{
	const struct vmexit_record *a = pa, *b = pb;
	int diff;

	diff = cmp_u32(a->vm_pid, b->vm_pid);
	if (!diff)
		diff = cmp_u64(a->vm_id, b->vm_id);
	if (!diff)
		diff = cmp_u32(a->vcpu_id, b->vcpu_id);
	if (!diff)
		diff = cmp_u32(a->isa, b->isa);
	if (!diff)
		diff = cmp_u32(a->code, b->code);
	if (!diff)
		diff = cmp_u32(a->flags, b->flags);
	return diff;
}

static int cmp_exit_key(const void *pa, const void *pb)
{
	const struct exit_count *a = pa, *b = pb;
	int diff;

	diff = cmp_u32(a->isa, b->isa);
	if (!diff)
		diff = cmp_u32(a->code, b->code);
	if (!diff)
		diff = cmp_u32(a->flags, b->flags);
	return diff;
}

/* Largest count first; ties in code order, so the output is stable. */
static int cmp_exit_count(const void *pa, const void *pb)
{
	const struct exit_count *a = pa, *b = pb;
	int diff;

	diff = cmp_u64(b->count, a->count);
	if (!diff)
		diff = cmp_u32(a->code, b->code);
	if (!diff)
		diff = cmp_u32(a->isa, b->isa);
	if (!diff)
		diff = cmp_u32(a->flags, b->flags);
	return diff;
}

static bool same_vm(const struct vmexit_record *a,
		    const struct vmexit_record *b)
{
	return a->vm_pid == b->vm_pid && a->vm_id == b->vm_id;
}

/* Sums neighbours with the same key in exits sorted by key. */
static size_t merge_exits(struct exit_count *exits, size_t nr)
{
	size_t in, out = 0;

	for (in = 0; in < nr; in++) {
		if (out && !cmp_exit_key(&exits[out - 1], &exits[in]))
			exits[out - 1].count += exits[in].count;
		else
			exits[out++] = exits[in];
	}
	return out;
}

/* recs: sorted, all of one vCPU. */
static int build_vcpu(struct vcpu_stats *vcpu, const struct vmexit_record *recs,
		      size_t nr)
{
	uint64_t busiest = 0;
	size_t i;

	vcpu->vcpu_id = recs[0].vcpu_id;
	vcpu->exits = calloc(nr, sizeof(*vcpu->exits));
	if (!vcpu->exits)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		vcpu->exits[i] = (struct exit_count){
			.isa = recs[i].isa,
			.code = recs[i].code,
			.flags = recs[i].flags,
			.count = recs[i].count,
		};
		vcpu->total += recs[i].count;
		/*
		 * Each counter names the thread of its last exit.  A vCPU
		 * normally keeps one thread; should it have moved, the
		 * thread behind the largest counter is the best guess.
		 */
		if (recs[i].vcpu_tid &&
		    (!vcpu->tid || recs[i].count > busiest)) {
			vcpu->tid = recs[i].vcpu_tid;
			busiest = recs[i].count;
		}
	}
	vcpu->nr_exits = merge_exits(vcpu->exits, nr);
	qsort(vcpu->exits, vcpu->nr_exits, sizeof(*vcpu->exits),
	      cmp_exit_count);
	return 0;
}

static int sum_vm_exits(struct vm_stats *vm)
{
	size_t i, nr = 0;

	for (i = 0; i < vm->nr_vcpus; i++)
		nr += vm->vcpus[i].nr_exits;
	vm->exits = calloc(nr ? nr : 1, sizeof(*vm->exits));
	if (!vm->exits)
		return -ENOMEM;
	for (i = 0; i < vm->nr_vcpus; i++) {
		memcpy(vm->exits + vm->nr_exits, vm->vcpus[i].exits,
		       vm->vcpus[i].nr_exits * sizeof(*vm->exits));
		vm->nr_exits += vm->vcpus[i].nr_exits;
	}
	qsort(vm->exits, vm->nr_exits, sizeof(*vm->exits), cmp_exit_key);
	vm->nr_exits = merge_exits(vm->exits, vm->nr_exits);
	qsort(vm->exits, vm->nr_exits, sizeof(*vm->exits), cmp_exit_count);
	return 0;
}

/* recs: sorted, all of one VM. */
static int build_vm(struct vm_stats *vm, const struct vmexit_record *recs,
		    size_t nr)
{
	size_t i, start, nr_vcpus = 1;
	int err;

	vm->pid = recs[0].vm_pid;
	vm->vm_id = recs[0].vm_id;
	for (i = 1; i < nr; i++)
		if (recs[i].vcpu_id != recs[i - 1].vcpu_id)
			nr_vcpus++;
	vm->vcpus = calloc(nr_vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -ENOMEM;

	for (start = 0, i = 1; i <= nr; i++) {
		struct vcpu_stats *vcpu;

		if (i < nr && recs[i].vcpu_id == recs[start].vcpu_id)
			continue;
		vcpu = &vm->vcpus[vm->nr_vcpus++];
		err = build_vcpu(vcpu, recs + start, i - start);
		if (err)
			return err;
		vm->total += vcpu->total;
		start = i;
	}
	return sum_vm_exits(vm);
}

int exit_stats_build(const struct vmexit_record *recs, size_t nr,
		     struct exit_stats *stats)
{
	struct vmexit_record *sorted;
	size_t i, start, nr_vms = 1;
	int err = 0;

	memset(stats, 0, sizeof(*stats));
	if (!nr)
		return 0;

	sorted = malloc(nr * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, recs, nr * sizeof(*sorted));
	qsort(sorted, nr, sizeof(*sorted), cmp_record);

	for (i = 1; i < nr; i++)
		if (!same_vm(&sorted[i], &sorted[i - 1]))
			nr_vms++;
	stats->vms = calloc(nr_vms, sizeof(*stats->vms));
	if (!stats->vms) {
		err = -ENOMEM;
		goto out;
	}

	for (start = 0, i = 1; i <= nr; i++) {
		struct vm_stats *vm;

		if (i < nr && same_vm(&sorted[i], &sorted[start]))
			continue;
		vm = &stats->vms[stats->nr_vms++];
		err = build_vm(vm, sorted + start, i - start);
		if (err)
			goto out;
		stats->total += vm->total;
		start = i;
	}
out:
	free(sorted);
	if (err)
		exit_stats_free(stats);
	return err;
}

void exit_stats_free(struct exit_stats *stats)
{
	size_t i, j;

	for (i = 0; i < stats->nr_vms; i++) {
		struct vm_stats *vm = &stats->vms[i];

		for (j = 0; j < vm->nr_vcpus; j++)
			free(vm->vcpus[j].exits);
		free(vm->vcpus);
		free(vm->exits);
	}
	free(stats->vms);
	memset(stats, 0, sizeof(*stats));
}

void exit_stats_name_vms(struct exit_stats *stats, const char *proc_root)
{
	size_t i;

	for (i = 0; i < stats->nr_vms; i++)
		vm_name_lookup(proc_root, stats->vms[i].pid, stats->vms[i].name,
			       sizeof(stats->vms[i].name));
}

static struct json_object *flag_names_json(uint32_t flags)
{
	struct json_object *names = json_object_new_array();
	char buf[16];
	bool ok = true;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(exit_flag_names); i++) {
		if (!(flags & exit_flag_names[i].bit))
			continue;
		ok &= json_append(
			names, json_object_new_string(exit_flag_names[i].name));
		flags &= ~exit_flag_names[i].bit;
	}
	if (flags) {
		snprintf(buf, sizeof(buf), "0x%" PRIx32, flags);
		ok &= json_append(names, json_object_new_string(buf));
	}
	if (!ok) {
		json_object_put(names);
		return NULL;
	}
	return names;
}

static struct json_object *exit_json(const struct exit_count *exit)
{
	struct json_object *obj = json_object_new_object();
	char isa_buf[16], reason_buf[16];
	bool ok = true;

	ok &= json_add(obj, "isa",
		       json_object_new_string(exit_isa_label(exit->isa, isa_buf,
							     sizeof(isa_buf))));
	ok &= json_add(obj, "code", json_object_new_int64(exit->code));
	ok &= json_add(obj, "reason",
		       json_object_new_string(exit_reason_label(
			       exit->isa, exit->code, reason_buf,
			       sizeof(reason_buf))));
	if (exit->flags) {
		ok &= json_add(obj, "flags",
			       json_object_new_int64(exit->flags));
		ok &= json_add(obj, "flag_names", flag_names_json(exit->flags));
	}
	ok &= json_add(obj, "count", json_object_new_uint64(exit->count));
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *vcpu_json(const struct vcpu_stats *vcpu)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *exits = json_object_new_array();
	bool ok = true;
	size_t i;

	for (i = 0; i < vcpu->nr_exits; i++)
		ok &= json_append(exits, exit_json(&vcpu->exits[i]));
	ok &= json_add(obj, "vcpu", json_object_new_int64(vcpu->vcpu_id));
	ok &= json_add(obj, "tid", json_object_new_int64(vcpu->tid));
	ok &= json_add(obj, "total", json_object_new_uint64(vcpu->total));
	ok &= json_add(obj, "exits", exits);
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *vm_json(const struct vm_stats *vm)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *vcpus = json_object_new_array();
	char vm_id[20];
	bool ok = true;
	size_t i;

	/*
	 * vm_id is an opaque 64-bit value: as a JSON number it would lose
	 * bits in every parser that reads numbers as doubles (jq, JS).
	 */
	snprintf(vm_id, sizeof(vm_id), "%016" PRIx64, vm->vm_id);
	for (i = 0; i < vm->nr_vcpus; i++)
		ok &= json_append(vcpus, vcpu_json(&vm->vcpus[i]));
	ok &= json_add(obj, "pid", json_object_new_int64(vm->pid));
	ok &= json_add(obj, "vm_id", json_object_new_string(vm_id));
	ok &= json_add(obj, "name", json_object_new_string(vm->name));
	ok &= json_add(obj, "total", json_object_new_uint64(vm->total));
	ok &= json_add(obj, "vcpus", vcpus);
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *info_json(const struct vmexit_info *info)
{
	struct json_object *obj = json_object_new_object();
	bool ok = true;

	ok &= json_add(obj, "version", json_object_new_string(info->version));
	ok &= json_add(obj, "kernel", json_object_new_string(info->kernel));
	ok &= json_add(obj, "family_version",
		       json_object_new_int64(info->family_version));
	ok &= json_add(obj, "exits_seen",
		       json_object_new_uint64(info->exits_seen));
	ok &= json_add(obj, "exits_dropped",
		       json_object_new_uint64(info->exits_dropped));
	ok &= json_add(obj, "slots_per_cpu",
		       json_object_new_int64(info->slots_per_cpu));
	ok &= json_add(obj, "exit_proto",
		       json_object_new_int64(info->exit_proto));
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *filter_json(const struct vmexit_filter *filter)
{
	struct json_object *obj = json_object_new_object();
	bool ok = true;

	if (filter->by_pid)
		ok &= json_add(obj, "pid", json_object_new_int64(filter->pid));
	if (filter->by_vcpu)
		ok &= json_add(obj, "vcpu",
			       json_object_new_int64(filter->vcpu_id));
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

struct json_object *exit_stats_json(const struct exit_stats *stats,
				    const struct vmexit_info *info,
				    const struct vmexit_filter *filter)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *vms = json_object_new_array();
	bool ok = true;
	size_t i;

	for (i = 0; i < stats->nr_vms; i++)
		ok &= json_append(vms, vm_json(&stats->vms[i]));
	ok &= json_add(doc, "backend", json_object_new_string("module"));
	if (info)
		ok &= json_add(doc, "info", info_json(info));
	if (filter && (filter->by_pid || filter->by_vcpu))
		ok &= json_add(doc, "filter", filter_json(filter));
	ok &= json_add(doc, "total", json_object_new_uint64(stats->total));
	ok &= json_add(doc, "vms", vms);
	if (!ok) {
		json_object_put(doc);
		return NULL;
	}
	return doc;
}

/* Text view. */

static const char *exit_label(const struct exit_count *exit, char *buf,
			      size_t len)
{
	char code_buf[16];
	const char *reason;
	size_t used, i;

	reason = exit_reason_label(exit->isa, exit->code, code_buf,
				   sizeof(code_buf));
	used = snprintf(buf, len, "%s", reason);
	for (i = 0; i < ARRAY_SIZE(exit_flag_names) && used < len; i++)
		if (exit->flags & exit_flag_names[i].bit)
			used += snprintf(buf + used, len - used, "+%s",
					 exit_flag_names[i].name);
	return buf;
}

static void print_table(FILE *out, const char *indent,
			const struct exit_count *exits, size_t nr,
			uint64_t total)
{
	char label[96];
	size_t i;

	fprintf(out, "%s%-40s %14s %7s\n", indent, "exit reason", "count", "%");
	for (i = 0; i < nr; i++)
		fprintf(out, "%s%-40s %14" PRIu64 " %7.2f\n", indent,
			exit_label(&exits[i], label, sizeof(label)),
			exits[i].count,
			total ? 100.0 * exits[i].count / total : 0.0);
}

/* The opaque vm_id only helps a reader when one process runs two VMs. */
static bool pid_has_other_vm(const struct exit_stats *stats, size_t index)
{
	const struct vm_stats *vm = &stats->vms[index];

	return (index > 0 && stats->vms[index - 1].pid == vm->pid) ||
	       (index + 1 < stats->nr_vms &&
		stats->vms[index + 1].pid == vm->pid);
}

void exit_stats_print(FILE *out, const struct exit_stats *stats,
		      const struct vmexit_info *info, bool per_vcpu)
{
	size_t i, j;

	if (!stats->nr_vms)
		fprintf(out, "no VM exits counted\n");

	for (i = 0; i < stats->nr_vms; i++) {
		const struct vm_stats *vm = &stats->vms[i];

		if (i)
			fputc('\n', out);
		fprintf(out, "VM pid %" PRIu32, vm->pid);
		if (pid_has_other_vm(stats, i))
			fprintf(out, " vm_id %016" PRIx64, vm->vm_id);
		fprintf(out, " (%s): %" PRIu64 " exits\n",
			vm->name[0] ? vm->name : "?", vm->total);
		print_table(out, "  ", vm->exits, vm->nr_exits, vm->total);

		for (j = 0; per_vcpu && j < vm->nr_vcpus; j++) {
			const struct vcpu_stats *vcpu = &vm->vcpus[j];

			fprintf(out, "\n  vCPU %" PRIu32, vcpu->vcpu_id);
			if (vcpu->tid)
				fprintf(out, " (tid %" PRIu32 ")", vcpu->tid);
			fprintf(out, ": %" PRIu64 " exits\n", vcpu->total);
			print_table(out, "    ", vcpu->exits, vcpu->nr_exits,
				    vcpu->total);
		}
	}

	if (info && info->exits_dropped)
		fprintf(out,
			"\n%" PRIu64 " of %" PRIu64 " exits were dropped "
			"(a per-CPU table was full): counts are lower bounds\n",
			info->exits_dropped, info->exits_seen);
}
