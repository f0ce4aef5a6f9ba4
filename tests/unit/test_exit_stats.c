// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <linux/vmexit_stat.h>

#include "exit_stats.h"
#include "json_out.h"
#include "unit.h"

#define SVM VMEXIT_STAT_ISA_SVM
#define VMX VMEXIT_STAT_ISA_VMX
#define SVM_CPUID 0x72
#define SVM_HLT 0x78
#define SVM_IO 0x7b
#define SVM_NPF 0x400

#define REC(pid_, id_, vcpu_, tid_, isa_, code_, count_)                      \
	{                                                                     \
		.vm_pid = pid_, .vm_id = id_, .vcpu_id = vcpu_,               \
		.vcpu_tid = tid_, .isa = isa_, .code = code_, .count = count_ \
	}

/* Deliberately out of order, as nothing promises the kernel's order. */
static const struct vmexit_record sample[] = {
	REC(300, 9, 0, 301, SVM, SVM_IO, 5),
	REC(100, 7, 1, 111, SVM, SVM_HLT, 40),
	REC(100, 7, 0, 110, SVM, SVM_IO, 20),
	REC(100, 7, 0, 110, SVM, SVM_CPUID, 60),
	REC(100, 7, 1, 111, SVM, SVM_CPUID, 40),
	REC(100, 7, 1, 111, SVM, SVM_NPF, 40),
	REC(100, 7, 0, 110, SVM, 0x4ff, 20),
};

#define NR(a) (sizeof(a) / sizeof((a)[0]))

static void groups_and_sorts(void)
{
	const struct vcpu_stats *vcpu;
	const struct vm_stats *vm;
	struct exit_stats stats;

	CHECK(!exit_stats_build_exits(sample, NR(sample), &stats));
	CHECK_U64(stats.nr_vms, 2);
	CHECK_U64(stats.total, 225);
	if (stats.nr_vms != 2)
		goto out;

	vm = &stats.vms[0];
	CHECK_U64(vm->pid, 100);
	CHECK_U64(vm->vm_id, 7);
	CHECK_U64(vm->total, 220);
	CHECK_U64(vm->nr_vcpus, 2);
	CHECK_U64(stats.vms[1].pid, 300);
	if (vm->nr_vcpus != 2)
		goto out;

	vcpu = &vm->vcpus[0];
	CHECK_U64(vcpu->vcpu_id, 0);
	CHECK_U64(vcpu->tid, 110);
	CHECK_U64(vcpu->total, 100);
	CHECK_U64(vcpu->nr_exits, 3);
	/* By count, then by code on a tie (io 0x7b before 0x4ff). */
	CHECK_U64(vcpu->exits[0].code, SVM_CPUID);
	CHECK_U64(vcpu->exits[1].code, SVM_IO);
	CHECK_U64(vcpu->exits[2].code, 0x4ff);

	vcpu = &vm->vcpus[1];
	CHECK_U64(vcpu->vcpu_id, 1);
	CHECK_U64(vcpu->total, 120);
	CHECK_U64(vcpu->exits[0].code, SVM_CPUID);
	CHECK_U64(vcpu->exits[1].code, SVM_HLT);
	CHECK_U64(vcpu->exits[2].code, SVM_NPF);

	/* The VM's own table sums its vCPUs. */
	CHECK_U64(vm->nr_exits, 5);
	CHECK_U64(vm->exits[0].code, SVM_CPUID);
	CHECK_U64(vm->exits[0].count, 100);
	CHECK_U64(vm->exits[1].code, SVM_HLT); /* 40, ties by code */
	CHECK_U64(vm->exits[2].code, SVM_NPF); /* 40 */
	CHECK_U64(vm->exits[3].code, SVM_IO); /* 20 */
	CHECK_U64(vm->exits[4].code, 0x4ff); /* 20 */
out:
	exit_stats_free(&stats);
}

static void same_pid_two_vms(void)
{
	static const struct vmexit_record recs[] = {
		REC(50, 0xb, 0, 51, SVM, SVM_IO, 1),
		REC(50, 0xa, 0, 51, SVM, SVM_IO, 2),
	};
	struct exit_stats stats;

	CHECK(!exit_stats_build_exits(recs, NR(recs), &stats));
	CHECK_U64(stats.nr_vms, 2);
	if (stats.nr_vms == 2) {
		CHECK_U64(stats.vms[0].vm_id, 0xa);
		CHECK_U64(stats.vms[1].vm_id, 0xb);
	}
	exit_stats_free(&stats);
}

static void duplicates_summed_flags_apart(void)
{
	struct vmexit_record recs[] = {
		REC(1, 1, 0, 2, VMX, 33, 3),
		REC(1, 1, 0, 2, VMX, 33, 4),
		REC(1, 1, 0, 2, VMX, 33, 5),
	};
	struct exit_stats stats;

	recs[2].flags = VMEXIT_STAT_EXIT_FLAG_VMX_FAILED_ENTRY;
	CHECK(!exit_stats_build_exits(recs, NR(recs), &stats));
	CHECK_U64(stats.vms[0].vcpus[0].nr_exits, 2);
	CHECK_U64(stats.vms[0].vcpus[0].exits[0].count, 7);
	CHECK_U64(stats.vms[0].vcpus[0].exits[0].flags, 0);
	CHECK_U64(stats.vms[0].vcpus[0].exits[1].count, 5);
	CHECK_U64(stats.vms[0].vcpus[0].exits[1].flags,
		  VMEXIT_STAT_EXIT_FLAG_VMX_FAILED_ENTRY);
	exit_stats_free(&stats);
}

static void busiest_thread_named(void)
{
	static const struct vmexit_record recs[] = {
		REC(1, 1, 0, 0, SVM, SVM_HLT, 50),
		REC(1, 1, 0, 20, SVM, SVM_IO, 3),
		REC(1, 1, 0, 21, SVM, SVM_CPUID, 9),
	};
	struct exit_stats stats;

	CHECK(!exit_stats_build_exits(recs, NR(recs), &stats));
	CHECK_U64(stats.vms[0].vcpus[0].tid, 21);
	exit_stats_free(&stats);
}

static void empty_dump(void)
{
	struct exit_stats stats;
	struct json_object *doc, *vms;

	CHECK(!exit_stats_build_exits(NULL, 0, &stats));
	CHECK_U64(stats.nr_vms, 0);
	doc = exit_stats_json(&stats, NULL, NULL, "module");
	CHECK(doc);
	CHECK(json_object_object_get_ex(doc, "vms", &vms));
	CHECK(json_object_is_type(vms, json_type_array));
	CHECK_U64(json_object_array_length(vms), 0);
	CHECK(!json_object_object_get_ex(doc, "info", NULL));
	json_object_put(doc);
	exit_stats_free(&stats);
}

static void reason_labels(void)
{
	char buf[16];

	CHECK_STR(exit_reason_label(SVM, SVM_CPUID, buf, sizeof(buf)), "cpuid");
	CHECK_STR(exit_reason_label(SVM, SVM_IO, buf, sizeof(buf)), "io");
	CHECK_STR(exit_reason_label(SVM, SVM_NPF, buf, sizeof(buf)), "npf");
	/* The kernel's trace name of VMMCALL, as perf kvm stat prints it. */
	CHECK_STR(exit_reason_label(SVM, 0x81, buf, sizeof(buf)), "hypercall");
	CHECK_STR(exit_reason_label(VMX, 10, buf, sizeof(buf)), "CPUID");
	CHECK_STR(exit_reason_label(VMX, 30, buf, sizeof(buf)),
		  "IO_INSTRUCTION");
	CHECK_STR(exit_reason_label(VMX, 48, buf, sizeof(buf)),
		  "EPT_VIOLATION");
	CHECK_STR(exit_reason_label(SVM, 0x4ff, buf, sizeof(buf)), "0x4ff");
	CHECK_STR(exit_reason_label(VMX, 0xffff, buf, sizeof(buf)), "0xffff");
	CHECK_STR(exit_reason_label(7, 10, buf, sizeof(buf)), "0xa");
	CHECK_STR(exit_isa_label(SVM, buf, sizeof(buf)), "svm");
	CHECK_STR(exit_isa_label(VMX, buf, sizeof(buf)), "vmx");
	CHECK_STR(exit_isa_label(7, buf, sizeof(buf)), "7");
}

static struct json_object *get(struct json_object *obj, const char *key)
{
	struct json_object *val = NULL;

	if (!json_object_object_get_ex(obj, key, &val))
		unit_fail(__FILE__, __LINE__, "no key \"%s\" in %s", key,
			  json_object_to_json_string(obj));
	return val;
}

static struct json_object *at(struct json_object *array, size_t i)
{
	if (!json_object_is_type(array, json_type_array) ||
	    json_object_array_length(array) <= i) {
		unit_fail(__FILE__, __LINE__, "no element %zu", i);
		return NULL;
	}
	return json_object_array_get_idx(array, i);
}

static char *print_json_to_string(struct json_object *doc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	json_doc_print(out, doc);
	fclose(out);
	return text;
}

static const struct vmexit_info sample_info = {
	.version = "0.1.0",
	.kernel = "6.1.0-test",
	.exits_seen = 230,
	.exits_dropped = 5,
	.slots_per_cpu = 4096,
	.exit_proto = 2,
	.family_version = 1,
};

static void json_shape(void)
{
	struct vmexit_filter filter = { .by_pid = true, .pid = 100 };
	struct json_object *doc, *parsed, *info, *vm, *vcpu, *exit;
	struct exit_stats stats;
	char *text;

	CHECK(!exit_stats_build_exits(sample, NR(sample), &stats));
	snprintf(stats.vms[0].name, sizeof(stats.vms[0].name), "web01");
	doc = exit_stats_json(&stats, &sample_info, &filter, "module");
	CHECK(doc);
	if (!doc)
		goto out;

	/* Check what a consumer reads: the printed document. */
	text = print_json_to_string(doc);
	CHECK_CONTAINS(text, "\"backend\": \"module\"");
	parsed = json_tokener_parse(text);
	free(text);
	CHECK(parsed);
	if (!parsed)
		goto put_doc;

	CHECK_STR(json_object_get_string(get(parsed, "backend")), "module");
	CHECK_U64(json_object_get_uint64(get(parsed, "total")), 225);
	CHECK_U64(json_object_get_int64(get(get(parsed, "filter"), "pid")),
		  100);
	CHECK(!json_object_object_get_ex(get(parsed, "filter"), "vcpu", NULL));

	info = get(parsed, "info");
	CHECK_STR(json_object_get_string(get(info, "version")), "0.1.0");
	CHECK_STR(json_object_get_string(get(info, "kernel")), "6.1.0-test");
	CHECK_U64(json_object_get_uint64(get(info, "exits_seen")), 230);
	CHECK_U64(json_object_get_uint64(get(info, "exits_dropped")), 5);

	vm = at(get(parsed, "vms"), 0);
	CHECK_U64(json_object_get_int64(get(vm, "pid")), 100);
	CHECK_STR(json_object_get_string(get(vm, "name")), "web01");
	CHECK_STR(json_object_get_string(get(vm, "vm_id")), "0000000000000007");
	CHECK_U64(json_object_get_uint64(get(vm, "total")), 220);
	CHECK_STR(
		json_object_get_string(get(at(get(parsed, "vms"), 1), "name")),
		"");

	vcpu = at(get(vm, "vcpus"), 1);
	CHECK_U64(json_object_get_int64(get(vcpu, "vcpu")), 1);
	CHECK_U64(json_object_get_int64(get(vcpu, "tid")), 111);
	CHECK_U64(json_object_get_uint64(get(vcpu, "total")), 120);

	exit = at(get(vcpu, "exits"), 0);
	CHECK_STR(json_object_get_string(get(exit, "isa")), "svm");
	CHECK_U64(json_object_get_int64(get(exit, "code")), SVM_CPUID);
	CHECK_STR(json_object_get_string(get(exit, "reason")), "cpuid");
	CHECK_U64(json_object_get_uint64(get(exit, "count")), 40);
	CHECK(!json_object_object_get_ex(exit, "flags", NULL));
	/* Records without latency (the BPF backend's) say nothing of it. */
	CHECK(!json_object_object_get_ex(exit, "latency", NULL));
	CHECK(!json_object_object_get_ex(exit, "user_count", NULL));

	exit = at(get(at(get(vm, "vcpus"), 0), "exits"), 2);
	CHECK_STR(json_object_get_string(get(exit, "reason")), "0x4ff");
	CHECK_U64(json_object_get_int64(get(exit, "code")), 0x4ff);

	json_object_put(parsed);
put_doc:
	json_object_put(doc);
out:
	exit_stats_free(&stats);
}

static void json_flags(void)
{
	struct vmexit_record rec = REC(1, 1, 0, 2, VMX, 33, 1);
	struct json_object *doc, *exit, *names;
	struct exit_stats stats;

	rec.flags = VMEXIT_STAT_EXIT_FLAG_VMX_FAILED_ENTRY | (1U << 20);
	CHECK(!exit_stats_build_exits(&rec, 1, &stats));
	doc = exit_stats_json(&stats, NULL, NULL, "module");
	exit = at(get(at(get(at(get(doc, "vms"), 0), "vcpus"), 0), "exits"), 0);
	CHECK_STR(json_object_get_string(get(exit, "reason")), "INVALID_STATE");
	CHECK_U64(json_object_get_int64(get(exit, "flags")), rec.flags);
	names = get(exit, "flag_names");
	CHECK_STR(json_object_get_string(at(names, 0)), "failed_entry");
	CHECK_STR(json_object_get_string(at(names, 1)), "0x100000");
	json_object_put(doc);
	exit_stats_free(&stats);
}

static char *print_to_string(const struct exit_stats *stats,
			     const struct vmexit_info *info, bool per_vcpu)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	exit_stats_print(out, stats, info, per_vcpu);
	fclose(out);
	return text;
}

static void text_view(void)
{
	struct vmexit_info no_drops = sample_info;
	struct exit_stats stats;
	char *text;

	CHECK(!exit_stats_build_exits(sample, NR(sample), &stats));
	snprintf(stats.vms[0].name, sizeof(stats.vms[0].name), "web01");

	text = print_to_string(&stats, &sample_info, false);
	CHECK_CONTAINS(text, "VM pid 100 (web01): 220 exits\n");
	CHECK_CONTAINS(text, "VM pid 300 (?): 5 exits\n");
	CHECK_CONTAINS(text, "cpuid");
	CHECK_CONTAINS(text, "  45.45\n"); /* 100 of 220 */
	CHECK_CONTAINS(text, "0x4ff");
	CHECK_CONTAINS(text, "5 of 230 exits were dropped");
	CHECK(!strstr(text, "vCPU"));
	CHECK(!strstr(text, "vm_id"));
	free(text);

	no_drops.exits_dropped = 0;
	text = print_to_string(&stats, &no_drops, true);
	CHECK_CONTAINS(text, "  vCPU 0 (tid 110): 100 exits\n");
	CHECK_CONTAINS(text, "  vCPU 1 (tid 111): 120 exits\n");
	CHECK(!strstr(text, "dropped"));
	free(text);
	exit_stats_free(&stats);

	CHECK(!exit_stats_build_exits(NULL, 0, &stats));
	text = print_to_string(&stats, NULL, false);
	CHECK_STR(text, "no VM exits counted\n");
	free(text);
}

static void text_view_two_vms_one_pid(void)
{
	static const struct vmexit_record recs[] = {
		REC(50, 0xb, 0, 51, SVM, SVM_IO, 1),
		REC(50, 0xa, 0, 51, SVM, SVM_IO, 2),
	};
	struct exit_stats stats;
	char *text;

	CHECK(!exit_stats_build_exits(recs, NR(recs), &stats));
	text = print_to_string(&stats, NULL, false);
	CHECK_CONTAINS(text, "VM pid 50 vm_id 000000000000000a (?)");
	CHECK_CONTAINS(text, "VM pid 50 vm_id 000000000000000b (?)");
	free(text);
	exit_stats_free(&stats);
}

#define KVM_IO 2
#define KVM_HLT 5
#define KVM_MMIO 6

static struct vmexit_latency lat(uint64_t count, uint64_t sum, uint64_t min,
				 uint64_t max, unsigned int bucket_a,
				 uint64_t in_a, unsigned int bucket_b)
{
	struct vmexit_latency l = {
		.count = count,
		.sum_ns = sum,
		.min_ns = min,
		.max_ns = max,
	};

	l.hist[bucket_a] += in_a;
	l.hist[bucket_b] += count - in_a;
	return l;
}

static struct vmexit_record timed(uint32_t pid, uint64_t vm_id, uint32_t vcpu,
				  uint32_t tid, uint32_t code, uint64_t count,
				  uint64_t user_count,
				  struct vmexit_latency latency)
{
	return (struct vmexit_record){
		.vm_pid = pid,
		.vm_id = vm_id,
		.vcpu_id = vcpu,
		.vcpu_tid = tid,
		.isa = SVM,
		.code = code,
		.count = count,
		.has_latency = true,
		.user_count = user_count,
		.user_ns = user_count * 100,
		.latency = latency,
	};
}

static struct vmexit_user_record user(uint32_t pid, uint64_t vm_id,
				      uint32_t vcpu, uint32_t tid,
				      uint32_t reason, uint64_t count,
				      struct vmexit_latency round_trip)
{
	return (struct vmexit_user_record){
		.vm_pid = pid,
		.vm_id = vm_id,
		.vcpu_id = vcpu,
		.vcpu_tid = tid,
		.reason = reason,
		.count = count,
		.round_trip = round_trip,
	};
}

/* A module dump: two vCPUs of VM 100, one user exit of VM 200. */
struct module_sample {
	struct vmexit_record exits[5];
	struct vmexit_user_record users[6];
	struct vmexit_vm vms[3];
	struct exit_stats_input in;
};

static void module_sample(struct module_sample *m)
{
	struct vmexit_latency none = {};

	m->exits[0] = timed(100, 7, 0, 110, SVM_IO, 20, 20,
			    lat(20, 40000, 1000, 3000, 10, 10, 11));
	m->exits[1] = timed(100, 7, 0, 110, SVM_CPUID, 60, 0,
			    lat(60, 60000, 1000, 1000, 9, 60, 9));
	/* vCPU 1's last exit is still open: one sample short */
	m->exits[2] = timed(100, 7, 1, 111, SVM_IO, 10, 10,
			    lat(9, 27000, 2000, 4000, 10, 4, 11));
	/* a per-VM sum is no vCPU's and not for this view */
	m->exits[3] = timed(100, 7, 0, 0, SVM_IO, 999, 0, none);
	m->exits[3].per_vm = true;
	m->exits[4] = timed(100, 7, 1, 111, SVM_HLT, 1, 1, none);

	m->users[0] = user(100, 7, 0, 110, KVM_IO, 20,
			   lat(20, 200000, 5000, 20000, 12, 15, 14));
	m->users[1] = user(100, 7, 0, 110, KVM_HLT, 1, none);
	m->users[2] = user(100, 7, 1, 111, KVM_IO, 10,
			   lat(9, 90000, 6000, 16000, 12, 5, 13));
	m->users[3] = user(100, 7, 1, 111, KVM_HLT, 1, none);
	m->users[4] = user(200, 8, 0, 201, KVM_MMIO, 3,
			   lat(3, 3000, 1000, 1000, 9, 3, 9));
	m->users[5] = user(200, 8, 0, 201, 77, 1, none);

	m->vms[0] = (struct vmexit_vm){ .pid = 100,
					.vm_id = 7,
					.comm = "qemu-system-x86",
					.state = VMEXIT_STAT_VM_RUNNING };
	m->vms[1] = (struct vmexit_vm){ .pid = 200,
					.vm_id = 8,
					.comm = "exitgen",
					.state = VMEXIT_STAT_VM_ENDED };
	m->vms[2] = (struct vmexit_vm){ .pid = 300,
					.vm_id = 9,
					.comm = "idle",
					.state = VMEXIT_STAT_VM_ENDED };
	m->in = (struct exit_stats_input){
		.exits = m->exits,
		.nr_exits = NR(m->exits),
		.user_exits = m->users,
		.nr_user_exits = NR(m->users),
		.vms = m->vms,
		.nr_vms = NR(m->vms),
		.add_idle_vms = true,
	};
}

static void latency_and_user_exits_grouped(void)
{
	const struct vm_stats *vm;
	struct module_sample m;
	struct exit_stats stats;

	module_sample(&m);
	CHECK(!exit_stats_build(&m.in, &stats));
	CHECK_U64(stats.nr_vms, 3);
	if (stats.nr_vms != 3)
		goto out;

	vm = &stats.vms[0];
	CHECK_U64(vm->pid, 100);
	CHECK_U64(vm->state, VMEXIT_STAT_VM_RUNNING);
	CHECK_STR(vm->comm, "qemu-system-x86");
	CHECK_U64(vm->total, 91); /* the per-VM 999 left out */
	CHECK_U64(vm->user_total, 32);
	CHECK_U64(vm->nr_vcpus, 2);
	CHECK_U64(vm->nr_exits, 3);
	/* cpuid 60, then io 30: latencies of both vCPUs added */
	CHECK_U64(vm->exits[0].code, SVM_CPUID);
	CHECK_U64(vm->exits[1].code, SVM_IO);
	CHECK_U64(vm->exits[1].count, 30);
	CHECK_U64(vm->exits[1].user_count, 30);
	CHECK_U64(vm->exits[1].user_ns, 3000);
	CHECK_U64(vm->exits[1].latency.count, 29);
	CHECK_U64(vm->exits[1].latency.sum_ns, 67000);
	CHECK_U64(vm->exits[1].latency.min_ns, 1000);
	CHECK_U64(vm->exits[1].latency.max_ns, 4000);
	CHECK_U64(vm->exits[1].latency.hist[10], 14);
	CHECK_U64(vm->exits[1].latency.hist[11], 15);
	CHECK(vm->exits[1].has_latency);

	CHECK_U64(vm->nr_user_exits, 2);
	CHECK_U64(vm->user_exits[0].code, KVM_IO);
	CHECK_U64(vm->user_exits[0].count, 30);
	CHECK_U64(vm->user_exits[0].round_trip.count, 29);
	CHECK_U64(vm->user_exits[0].round_trip.min_ns, 5000);
	CHECK_U64(vm->user_exits[0].round_trip.max_ns, 20000);
	CHECK_U64(vm->user_exits[1].code, KVM_HLT);
	CHECK_U64(vm->user_exits[1].count, 2);

	CHECK_U64(vm->vcpus[0].user_total, 21);
	CHECK_U64(vm->vcpus[1].user_total, 11);
	CHECK_U64(vm->vcpus[1].total, 11);
	CHECK_U64(vm->vcpus[1].tid, 111);

	/* A VM seen only through its user exits. */
	vm = &stats.vms[1];
	CHECK_U64(vm->pid, 200);
	CHECK_U64(vm->state, VMEXIT_STAT_VM_ENDED);
	CHECK_U64(vm->total, 0);
	CHECK_U64(vm->user_total, 4);
	CHECK_U64(vm->nr_vcpus, 1);
	CHECK_U64(vm->vcpus[0].tid, 201);
	CHECK_U64(vm->nr_exits, 0);

	/* An idle VM of the list. */
	vm = &stats.vms[2];
	CHECK_U64(vm->pid, 300);
	CHECK_U64(vm->nr_vcpus, 0);
	CHECK_U64(vm->total, 0);
	CHECK_STR(vm->comm, "idle");
	CHECK_U64(stats.total, 91);
out:
	exit_stats_free(&stats);

	/* Without add_idle_vms the list only tells states. */
	m.in.add_idle_vms = false;
	CHECK(!exit_stats_build(&m.in, &stats));
	CHECK_U64(stats.nr_vms, 2);
	exit_stats_free(&stats);

	/* VMs listed, not a record (record around a command): nothing. */
	m.in.nr_exits = 0;
	m.in.nr_user_exits = 0;
	CHECK(!exit_stats_build(&m.in, &stats));
	CHECK_U64(stats.nr_vms, 0);
	exit_stats_free(&stats);
}

static void json_latency_and_user_exits(void)
{
	struct json_object *doc, *vm, *exit, *latency, *ue, *vcpu;
	struct module_sample m;
	struct exit_stats stats;
	struct vmexit_info info = sample_info;

	module_sample(&m);
	info.isas = 1 << SVM;
	info.dropped_no_vcpu_slot = 5;
	CHECK(!exit_stats_build(&m.in, &stats));
	doc = exit_stats_json(&stats, &info, NULL, "module");
	CHECK(doc);
	if (!doc)
		goto out;
	/* no filter: an empty one, so that readers need not test for it */
	CHECK_U64(json_object_object_length(get(doc, "filter")), 0);

	vm = at(get(doc, "vms"), 0);
	CHECK_STR(json_object_get_string(get(vm, "state")), "running");
	CHECK_U64(json_object_get_uint64(get(vm, "total")), 91);
	exit = at(get(vm, "exits"), 1);
	CHECK_STR(json_object_get_string(get(exit, "reason")), "io");
	CHECK_U64(json_object_get_uint64(get(exit, "count")), 30);
	CHECK_U64(json_object_get_uint64(get(exit, "user_count")), 30);
	CHECK_U64(json_object_get_uint64(get(exit, "user_ns")), 3000);
	latency = get(exit, "latency");
	CHECK_U64(json_object_get_uint64(get(latency, "count")), 29);
	CHECK_U64(json_object_get_uint64(get(latency, "avg_ns")), 2310);
	CHECK_U64(json_object_array_length(get(latency, "hist")),
		  VMEXIT_STAT_LAT_BUCKETS);
	/* rank 14.5: 0.5 of 15 into [2048, 4096): 2^(11 + 1/30) */
	CHECK_U64(json_object_get_uint64(get(latency, "p50_ns")), 2096);

	ue = at(get(vm, "user_exits"), 0);
	CHECK_U64(json_object_get_int64(get(ue, "code")), KVM_IO);
	CHECK_STR(json_object_get_string(get(ue, "reason")), "io");
	CHECK_U64(json_object_get_uint64(get(ue, "count")), 30);
	CHECK_U64(json_object_get_uint64(get(get(ue, "round_trip"), "count")),
		  29);
	ue = at(get(vm, "user_exits"), 1);
	CHECK_STR(json_object_get_string(get(ue, "reason")), "hlt");
	CHECK_U64(json_object_get_uint64(get(get(ue, "round_trip"), "min_ns")),
		  0);

	vcpu = at(get(vm, "vcpus"), 1);
	CHECK_U64(json_object_get_int64(get(vcpu, "vcpu")), 1);
	CHECK_U64(json_object_get_int64(get(vcpu, "tid")), 111);
	CHECK_U64(json_object_array_length(get(vcpu, "user_exits")), 2);
	CHECK_U64(
		json_object_get_uint64(get(at(get(vcpu, "exits"), 0), "count")),
		10);

	/* An unknown KVM_EXIT_* code is its number, as a string. */
	vm = at(get(doc, "vms"), 1);
	CHECK_STR(json_object_get_string(get(vm, "state")), "ended");
	ue = at(get(vm, "user_exits"), 1);
	CHECK_STR(json_object_get_string(get(ue, "reason")), "77");
	CHECK_STR(json_object_get_string(
			  get(at(get(vm, "user_exits"), 0), "reason")),
		  "mmio");

	CHECK_U64(json_object_get_uint64(get(get(get(doc, "info"), "dropped"),
					     "no_vcpu_slot")),
		  5);
	CHECK_STR(json_object_get_string(at(get(get(doc, "info"), "isas"), 0)),
		  "svm");
	json_object_put(doc);
out:
	exit_stats_free(&stats);
}

static void bpf_info_keeps_its_keys(void)
{
	struct vmexit_info info = sample_info;
	struct json_object *obj;

	info.slots_per_cpu = 1;
	obj = info_json(&info, true);
	CHECK_U64(json_object_get_int64(get(obj, "slots_per_cpu")), 1);
	CHECK_U64(json_object_get_int64(get(obj, "exit_proto")), 2);
	CHECK(!json_object_object_get_ex(obj, "dropped", NULL));
	json_object_put(obj);

	obj = info_json(&info, false);
	CHECK(!json_object_object_get_ex(obj, "slots_per_cpu", NULL));
	CHECK_U64(json_object_get_int64(get(obj, "vcpu_slots")), 0);
	CHECK(json_object_object_get_ex(obj, "memory_used_bytes", NULL));
	json_object_put(obj);
}

static void make_vmm(const char *root, const char *pid, const char *cmdline,
		     size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, pid);
	CHECK(!mkdir(path, 0700));
	snprintf(path, sizeof(path), "%s/%s/cmdline", root, pid);
	f = fopen(path, "w");
	CHECK(f);
	if (f) {
		CHECK(fwrite(cmdline, 1, len, f) == len);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/%s/fd", root, pid);
	CHECK(!mkdir(path, 0700));
	snprintf(path, sizeof(path), "%s/%s/fd/9", root, pid);
	CHECK(!symlink("anon_inode:kvm-vm", path));
}

/*
 * A running VM is named from /proc; an ended one from the kernel's
 * comm, since its pid may belong to another VMM by now.
 */
static void names_of_running_and_ended_vms(void)
{
	static const char web[] = "qemu\0-name\0guest=web01\0";
	static const char reused[] = "qemu\0-name\0guest=reused\0";
	struct module_sample m;
	struct exit_stats stats;
	char root[64], cmd[128];

	snprintf(root, sizeof(root), "/tmp/vmexit-unit-XXXXXX");
	CHECK(mkdtemp(root));
	make_vmm(root, "100", web, sizeof(web) - 1);
	make_vmm(root, "200", reused, sizeof(reused) - 1);

	module_sample(&m);
	CHECK(!exit_stats_build(&m.in, &stats));
	exit_stats_name_vms(&stats, root);
	CHECK_STR(stats.vms[0].name, "web01");
	CHECK_STR(stats.vms[1].name, "exitgen");
	CHECK_STR(stats.vms[2].name, "idle");
	exit_stats_free(&stats);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CHECK(system(cmd) == 0);
}

static void text_view_with_latency(void)
{
	struct module_sample m;
	struct exit_stats stats;
	char *text;

	module_sample(&m);
	CHECK(!exit_stats_build(&m.in, &stats));
	snprintf(stats.vms[0].name, sizeof(stats.vms[0].name), "web01");
	text = print_to_string(&stats, NULL, true);
	CHECK_CONTAINS(text, "VM pid 100 (web01), running: 91 exits, 32 to "
			     "user space\n");
	CHECK_CONTAINS(text, "avg");
	CHECK_CONTAINS(text, "p99");
	/* io: 30 exits, 32.97 %, 30 to user, avg 2.3us, max 4.0us */
	CHECK_CONTAINS(text, "30   32.97           30     2.3us");
	CHECK_CONTAINS(text, "4.0us\n");
	CHECK_CONTAINS(text, "exit to user space");
	CHECK_CONTAINS(text,
		       "  vCPU 1 (tid 111): 11 exits, 11 to user space\n");
	CHECK_CONTAINS(text, "VM pid 300 (?), ended: 0 exits\n");
	/* hlt never entered the guest again: no round trip to show */
	CHECK_CONTAINS(text, "hlt");
	free(text);
	exit_stats_free(&stats);
}

const struct unit_test exit_stats_tests[] = {
	{ "exit_stats: group VMs, vCPUs; sort by count", groups_and_sorts },
	{ "exit_stats: one pid, two VMs", same_pid_two_vms },
	{ "exit_stats: duplicates summed, flags apart",
	  duplicates_summed_flags_apart },
	{ "exit_stats: the busiest thread names a vCPU", busiest_thread_named },
	{ "exit_stats: empty dump", empty_dump },
	{ "exit_stats: reason names, unknown codes", reason_labels },
	{ "exit_stats: JSON shape", json_shape },
	{ "exit_stats: JSON flags", json_flags },
	{ "exit_stats: text view", text_view },
	{ "exit_stats: text view, one pid two VMs", text_view_two_vms_one_pid },
	{ "exit_stats: latency and user exits grouped",
	  latency_and_user_exits_grouped },
	{ "exit_stats: JSON latency and user exits",
	  json_latency_and_user_exits },
	{ "exit_stats: BPF info keeps its keys", bpf_info_keeps_its_keys },
	{ "exit_stats: names of running and ended VMs",
	  names_of_running_and_ended_vms },
	{ "exit_stats: text view with latency", text_view_with_latency },
	{}
};
