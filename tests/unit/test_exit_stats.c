// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>

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

	CHECK(!exit_stats_build(sample, NR(sample), &stats));
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

	CHECK(!exit_stats_build(recs, NR(recs), &stats));
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
	CHECK(!exit_stats_build(recs, NR(recs), &stats));
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

	CHECK(!exit_stats_build(recs, NR(recs), &stats));
	CHECK_U64(stats.vms[0].vcpus[0].tid, 21);
	exit_stats_free(&stats);
}

static void empty_dump(void)
{
	struct exit_stats stats;
	struct json_object *doc, *vms;

	CHECK(!exit_stats_build(NULL, 0, &stats));
	CHECK_U64(stats.nr_vms, 0);
	doc = exit_stats_json(&stats, NULL, NULL);
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

	CHECK(!exit_stats_build(sample, NR(sample), &stats));
	snprintf(stats.vms[0].name, sizeof(stats.vms[0].name), "web01");
	doc = exit_stats_json(&stats, &sample_info, &filter);
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
	CHECK(!exit_stats_build(&rec, 1, &stats));
	doc = exit_stats_json(&stats, NULL, NULL);
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

	CHECK(!exit_stats_build(sample, NR(sample), &stats));
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

	CHECK(!exit_stats_build(NULL, 0, &stats));
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

	CHECK(!exit_stats_build(recs, NR(recs), &stats));
	text = print_to_string(&stats, NULL, false);
	CHECK_CONTAINS(text, "VM pid 50 vm_id 000000000000000a (?)");
	CHECK_CONTAINS(text, "VM pid 50 vm_id 000000000000000b (?)");
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
	{}
};
