// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON documents and text views of vms, details, info, config and
 * events, from replies built by hand.
 */
#include <stdio.h>
#include <stdlib.h>

#include <json-c/json.h>
#include <linux/vmexit_stat.h>

#include "exit_stats.h"
#include "json_out.h"
#include "unit.h"
#include "views.h"

/* No process is found there: names come from the kernel's comm. */
#define NO_PROC "/nonexistent-proc"

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

static uint64_t get_u64(struct json_object *obj, const char *key)
{
	struct json_object *val = get(obj, key);

	if (!json_object_is_type(val, json_type_int))
		unit_fail(__FILE__, __LINE__, "\"%s\" is no integer", key);
	return json_object_get_uint64(val);
}

/* Every key of an object, in order, as "a,b,c". */
static char *keys_of(struct json_object *obj)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	bool first = true;

	json_object_object_foreach(obj, key, val)
	{
		(void)val;
		fprintf(out, "%s%s", first ? "" : ",", key);
		first = false;
	}
	fclose(out);
	return text;
}

#define CHECK_KEYS(obj, want)               \
	do {                                \
		char *keys_ = keys_of(obj); \
		CHECK_STR(keys_, want);     \
		free(keys_);                \
	} while (0)

static char *capture(void (*print)(FILE *out, const void *arg), const void *arg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	print(out, arg);
	fclose(out);
	return text;
}

static const struct vmexit_vm sample_vms[] = {
	{ .pid = 4242,
	  .vm_id = 0x1234,
	  .comm = "qemu-system-x86",
	  .state = VMEXIT_STAT_VM_RUNNING,
	  .vcpus_live = 2,
	  .vcpus_seen = 3,
	  .start_ns = 1000000000,
	  .exits = 3000,
	  .user_exits = 100,
	  .exit_ns = 6000000,
	  .dropped = 1,
	  .details_dropped = 2 },
	{ .pid = 77,
	  .vm_id = 0xfedcba9876543210ULL,
	  .comm = "exitgen",
	  .state = VMEXIT_STAT_VM_ENDED,
	  .vcpus_seen = 2,
	  .start_ns = 5000000000ULL,
	  .end_ns = 7500000000ULL,
	  .exits = 10 },
};

static void vms_json_shape(void)
{
	struct vmexit_vms vms = { (struct vmexit_vm *)sample_vms, 2, 2 };
	struct json_object *doc, *vm;

	doc = vms_json(&vms, NO_PROC);
	CHECK(doc);
	CHECK_KEYS(doc, "vms");
	vm = at(get(doc, "vms"), 0);
	CHECK_KEYS(vm, "pid,vm_id,name,comm,state,vcpus_live,vcpus_seen,"
		       "start_ns,end_ns,exits,user_exits,exit_ns,dropped,"
		       "details_dropped");
	CHECK_U64(get_u64(vm, "pid"), 4242);
	CHECK_STR(json_object_get_string(get(vm, "vm_id")), "0000000000001234");
	CHECK_STR(json_object_get_string(get(vm, "name")), "qemu-system-x86");
	CHECK_STR(json_object_get_string(get(vm, "state")), "running");
	CHECK_U64(get_u64(vm, "vcpus_live"), 2);
	CHECK_U64(get_u64(vm, "vcpus_seen"), 3);
	CHECK_U64(get_u64(vm, "exits"), 3000);
	CHECK_U64(get_u64(vm, "user_exits"), 100);
	CHECK_U64(get_u64(vm, "exit_ns"), 6000000);
	CHECK_U64(get_u64(vm, "dropped"), 1);
	CHECK_U64(get_u64(vm, "details_dropped"), 2);
	vm = at(get(doc, "vms"), 1);
	CHECK_STR(json_object_get_string(get(vm, "vm_id")), "fedcba9876543210");
	CHECK_STR(json_object_get_string(get(vm, "state")), "ended");
	CHECK_U64(get_u64(vm, "end_ns"), 7500000000ULL);
	json_object_put(doc);

	vms.nr = 0;
	doc = vms_json(&vms, NO_PROC);
	CHECK_U64(json_object_array_length(get(doc, "vms")), 0);
	json_object_put(doc);
}

static void print_vms(FILE *out, const void *arg)
{
	/* "now" is 11 s after boot */
	vms_print(out, arg, NO_PROC, 11000000000ULL);
}

static void vms_text(void)
{
	struct vmexit_vms vms = { (struct vmexit_vm *)sample_vms, 2, 2 };
	char *text = capture(print_vms, &vms);

	CHECK_CONTAINS(text, "vm_id");
	/* running 10 s so far; avg exit 6 ms / 3000 = 2us */
	CHECK_CONTAINS(text, "    4242 0000000000001234 qemu-system-x86  "
			     "running        2/3     10.0s           3000 "
			     "         100     2.0us         1          2\n");
	/* ended after 2.5 s */
	CHECK_CONTAINS(text, "exitgen          ended          0/2      2.5s");
	free(text);

	vms.nr = 0;
	text = capture(print_vms, &vms);
	CHECK_STR(text, "no VMs\n");
	free(text);
}

static void detail_labels(void)
{
	char buf[64];

	CHECK_STR(detail_label(VMEXIT_STAT_DETAIL_PIO_IN, 0xe9, buf,
			       sizeof(buf)),
		  "port 0xe9");
	CHECK_STR(detail_label(VMEXIT_STAT_DETAIL_PIO_OUT, 0x3f8, buf,
			       sizeof(buf)),
		  "port 0x3f8");
	CHECK_STR(detail_label(VMEXIT_STAT_DETAIL_MSR_READ, 0x8b, buf,
			       sizeof(buf)),
		  "msr 0x8b");
	CHECK_STR(detail_label(VMEXIT_STAT_DETAIL_MSR_WRITE, 0xc0000080, buf,
			       sizeof(buf)),
		  "msr 0xc0000080");
	CHECK_STR(detail_label(VMEXIT_STAT_DETAIL_CPUID, 0x100000000ULL, buf,
			       sizeof(buf)),
		  "leaf 0x1 subleaf 0x0");
	CHECK_STR(detail_label(VMEXIT_STAT_DETAIL_CPUID, 0x0000000d00000001ULL,
			       buf, sizeof(buf)),
		  "leaf 0xd subleaf 0x1");
	CHECK_STR(detail_label(VMEXIT_STAT_DETAIL_MMIO_READ, 0xfee00000, buf,
			       sizeof(buf)),
		  "gpa 0xfee00000");
	CHECK_STR(detail_label(VMEXIT_STAT_DETAIL_MMIO_WRITE, 0xfee00000, buf,
			       sizeof(buf)),
		  "gpa 0xfee00000");
	CHECK_STR(detail_label(99, 0x10, buf, sizeof(buf)), "key 0x10");
	CHECK_STR(detail_kind_name(VMEXIT_STAT_DETAIL_PIO_IN), "pio_in");
	CHECK_STR(detail_kind_name(VMEXIT_STAT_DETAIL_MMIO_WRITE),
		  "mmio_write");
	CHECK(!detail_kind_name(0));
	CHECK(!detail_kind_name(99));
}

#define DETAIL(pid_, kind_, key_, count_)                             \
	{                                                             \
		.vm_pid = pid_,                                       \
		.vm_id = pid_ == 77 ? 0xfedcba9876543210ULL : 0x1234, \
		.kind = VMEXIT_STAT_DETAIL_##kind_, .key = key_,      \
		.count = count_                                       \
	}

static void fill_details(struct vmexit_details *details)
{
	static const struct vmexit_detail rows[] = {
		DETAIL(4242, MSR_READ, 0x8b, 5),
		DETAIL(4242, PIO_OUT, 0xe9, 250),
		DETAIL(77, CPUID, 0x100000000ULL, 1000),
		DETAIL(4242, PIO_OUT, 0x80, 300),
		DETAIL(4242, PIO_OUT, 0x3f8, 250),
		DETAIL(4242, PIO_IN, 0xe9, 250),
		DETAIL(77, MMIO_WRITE, 0xfee00000, 3),
	};
	size_t i;

	memset(details, 0, sizeof(*details));
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		CHECK(!vmexit_details_add(details, &rows[i]));
}

static void details_sorted_and_limited(void)
{
	struct vmexit_details details;

	fill_details(&details);
	details_sort_and_limit(&details, 0);
	CHECK_U64(details.nr, 7);
	/* by pid, then kind, then count (largest first), then key */
	CHECK_U64(details.rec[0].vm_pid, 77);
	CHECK_U64(details.rec[0].kind, VMEXIT_STAT_DETAIL_CPUID);
	CHECK_U64(details.rec[1].kind, VMEXIT_STAT_DETAIL_MMIO_WRITE);
	CHECK_U64(details.rec[2].kind, VMEXIT_STAT_DETAIL_PIO_IN);
	CHECK_U64(details.rec[3].key, 0x80);
	CHECK_U64(details.rec[4].key, 0xe9);
	CHECK_U64(details.rec[5].key, 0x3f8);
	CHECK_U64(details.rec[6].kind, VMEXIT_STAT_DETAIL_MSR_READ);
	vmexit_details_free(&details);

	fill_details(&details);
	details_sort_and_limit(&details, 1);
	CHECK_U64(details.nr, 5); /* two ports out fewer */
	CHECK_U64(details.rec[3].key, 0x80);
	CHECK_U64(details.rec[4].kind, VMEXIT_STAT_DETAIL_MSR_READ);
	vmexit_details_free(&details);
}

static void details_json_shape(void)
{
	struct vmexit_vms vms = { (struct vmexit_vm *)sample_vms, 2, 2 };
	struct vmexit_details details;
	struct json_object *doc, *vm, *row;

	fill_details(&details);
	details_sort_and_limit(&details, 16);
	doc = details_json(&details, &vms, NO_PROC);
	CHECK(doc);
	CHECK_U64(json_object_array_length(get(doc, "vms")), 2);
	vm = at(get(doc, "vms"), 0);
	CHECK_KEYS(vm, "pid,vm_id,name,details");
	CHECK_U64(get_u64(vm, "pid"), 77);
	CHECK_STR(json_object_get_string(get(vm, "vm_id")), "fedcba9876543210");
	CHECK_STR(json_object_get_string(get(vm, "name")), "exitgen");
	row = at(get(vm, "details"), 0);
	CHECK_KEYS(row, "kind,key,count,label");
	CHECK_STR(json_object_get_string(get(row, "kind")), "cpuid");
	CHECK_U64(get_u64(row, "key"), 0x100000000ULL);
	CHECK_U64(get_u64(row, "count"), 1000);
	CHECK_STR(json_object_get_string(get(row, "label")),
		  "leaf 0x1 subleaf 0x0");
	row = at(get(vm, "details"), 1);
	CHECK_STR(json_object_get_string(get(row, "kind")), "mmio_write");
	CHECK_STR(json_object_get_string(get(row, "label")), "gpa 0xfee00000");

	vm = at(get(doc, "vms"), 1);
	CHECK_U64(json_object_array_length(get(vm, "details")), 5);
	row = at(get(vm, "details"), 1);
	CHECK_STR(json_object_get_string(get(row, "kind")), "pio_out");
	CHECK_STR(json_object_get_string(get(row, "label")), "port 0x80");
	CHECK_U64(get_u64(row, "count"), 300);
	json_object_put(doc);

	/* A VM not in the list is named from /proc (nothing there). */
	vms.nr = 0;
	doc = details_json(&details, &vms, NO_PROC);
	CHECK_STR(json_object_get_string(get(at(get(doc, "vms"), 0), "name")),
		  "");
	json_object_put(doc);
	vmexit_details_free(&details);
}

struct details_print_arg {
	const struct vmexit_details *details;
	const struct vmexit_vms *vms;
};

static void print_details(FILE *out, const void *arg)
{
	const struct details_print_arg *a = arg;

	details_print(out, a->details, a->vms, NO_PROC);
}

static void details_text(void)
{
	struct vmexit_vms vms = { (struct vmexit_vm *)sample_vms, 2, 2 };
	struct details_print_arg arg = { .vms = &vms };
	struct vmexit_details details;
	char *text;

	fill_details(&details);
	details_sort_and_limit(&details, 16);
	arg.details = &details;
	text = capture(print_details, &arg);
	CHECK_CONTAINS(text, "VM pid 77 vm_id fedcba9876543210 (exitgen)\n");
	CHECK_CONTAINS(text, "  cpuid      leaf 0x1 subleaf 0x0");
	CHECK_CONTAINS(text, "\nVM pid 4242 vm_id 0000000000001234 "
			     "(qemu-system-x86)\n");
	CHECK_CONTAINS(text, "  pio_out    port 0x80                   "
			     "                300\n");
	free(text);
	vmexit_details_free(&details);

	details.nr = 0;
	text = capture(print_details, &arg);
	CHECK_STR(text, "no details counted\n");
	free(text);
}

static const struct vmexit_info module_info = {
	.version = "0.2.0",
	.kernel = "6.1.0-test",
	.exits_seen = 1000,
	.entries_seen = 990,
	.user_exits_seen = 40,
	.exits_dropped = 7,
	.dropped_no_vcpu_slot = 4,
	.dropped_no_reason_slot = 2,
	.dropped_unreadable = 1,
	.details_dropped = 3,
	.events_dropped = 0,
	.memory_bytes = 16777216,
	.memory_used_bytes = 65536,
	.vcpu_slots = 1024,
	.vcpu_slots_used = 2,
	.vms = 1,
	.lat_buckets = VMEXIT_STAT_LAT_BUCKETS,
	.exit_proto = 2,
	.isas = (1 << VMEXIT_STAT_ISA_VMX) | (1 << VMEXIT_STAT_ISA_SVM),
	.sched_switches_seen = 5555,
	.sched_missed = 6,
	.markers_seen = 20,
	.markers_unmatched = 1,
	.phases_dropped = 2,
	.family_version = 2,
};

static void info_json_shape(void)
{
	struct json_object *obj = info_json(&module_info, false);

	CHECK(obj);
	CHECK_KEYS(obj, "version,kernel,family_version,exit_proto,isas,"
			"exits_seen,entries_seen,user_exits_seen,"
			"exits_dropped,dropped,details_dropped,"
			"events_dropped,memory_bytes,memory_used_bytes,"
			"vcpu_slots,vcpu_slots_used,vms,lat_buckets,"
			"sched_switches_seen,sched_missed,markers_seen,"
			"markers_unmatched,phases_dropped");
	CHECK_KEYS(get(obj, "dropped"), "no_vcpu_slot,no_reason_slot,"
					"unreadable");
	CHECK_STR(json_object_get_string(get(obj, "version")), "0.2.0");
	CHECK_U64(get_u64(obj, "family_version"), 2);
	CHECK_STR(json_object_get_string(at(get(obj, "isas"), 0)), "vmx");
	CHECK_STR(json_object_get_string(at(get(obj, "isas"), 1)), "svm");
	CHECK_U64(json_object_array_length(get(obj, "isas")), 2);
	CHECK_U64(get_u64(obj, "entries_seen"), 990);
	CHECK_U64(get_u64(obj, "user_exits_seen"), 40);
	CHECK_U64(get_u64(get(obj, "dropped"), "no_reason_slot"), 2);
	CHECK_U64(get_u64(obj, "memory_bytes"), 16777216);
	CHECK_U64(get_u64(obj, "vcpu_slots_used"), 2);
	CHECK_U64(get_u64(obj, "lat_buckets"), VMEXIT_STAT_LAT_BUCKETS);
	CHECK_U64(get_u64(obj, "sched_switches_seen"), 5555);
	CHECK_U64(get_u64(obj, "sched_missed"), 6);
	CHECK_U64(get_u64(obj, "markers_seen"), 20);
	CHECK_U64(get_u64(obj, "markers_unmatched"), 1);
	CHECK_U64(get_u64(obj, "phases_dropped"), 2);
	json_object_put(obj);
}

static void print_info(FILE *out, const void *arg)
{
	info_print(out, arg);
}

static void info_text(void)
{
	char *text = capture(print_info, &module_info);

	CHECK_CONTAINS(text, "module version       0.2.0\n");
	CHECK_CONTAINS(text, "isas                 vmx svm\n");
	CHECK_CONTAINS(text, "exits dropped        7 (no vCPU slot 4, no "
			     "reason slot 2, unreadable 1)\n");
	CHECK_CONTAINS(text, "memory               65536 of 16777216 bytes "
			     "in use\n");
	CHECK_CONTAINS(text, "vCPU thread slots    2 of 1024 in use\n");
	CHECK_CONTAINS(text, "sched switches seen  5555\n");
	CHECK_CONTAINS(text, "sched events missed  6\n");
	CHECK_CONTAINS(text, "phase markers seen   20 (unmatched ends 1)\n");
	CHECK_CONTAINS(text, "phases dropped       2\n");
	free(text);
}

static void config_views(void)
{
	struct vmexit_config config = {
		.latency = true,
		.ended_vm_ttl_s = 600,
	};
	struct json_object *obj = config_json(&config);
	char *text;

	CHECK_KEYS(obj,
		   "latency,details,ended_vm_ttl_s,unprivileged_read,sched");
	CHECK(json_object_is_type(get(obj, "latency"), json_type_boolean));
	CHECK(json_object_get_boolean(get(obj, "latency")));
	CHECK(!json_object_get_boolean(get(obj, "details")));
	CHECK_U64(get_u64(obj, "ended_vm_ttl_s"), 600);
	CHECK(!json_object_get_boolean(get(obj, "unprivileged_read")));
	CHECK(!json_object_get_boolean(get(obj, "sched")));
	json_object_put(obj);

	text = capture((void (*)(FILE *, const void *))config_print, &config);
	CHECK_CONTAINS(text, "latency            on\n");
	CHECK_CONTAINS(text, "details            off\n");
	CHECK_CONTAINS(text, "ended_vm_ttl_s     600\n");
	CHECK_CONTAINS(text, "sched              off\n");
	free(text);
	config.ended_vm_ttl_s = 0;
	text = capture((void (*)(FILE *, const void *))config_print, &config);
	CHECK_CONTAINS(text, "ended_vm_ttl_s     0 (kept until a reset)\n");
	free(text);
}

static void event_views(void)
{
	struct vmexit_event vm_start = {
		.cmd = VMEXIT_STAT_CMD_VM_START,
		.pid = 300,
		.vm_id = 0xabc,
	};
	struct vmexit_event vcpu_stop = {
		.cmd = VMEXIT_STAT_CMD_VCPU_STOP,
		.pid = 300,
		.vm_id = 0xabc,
		.has_vcpu = true,
		.vcpu_id = 1,
		.tid = 302,
	};
	struct json_object *obj;
	char *text;

	CHECK_STR(event_name(VMEXIT_STAT_CMD_VM_START), "vm_start");
	CHECK_STR(event_name(VMEXIT_STAT_CMD_VM_STOP), "vm_stop");
	CHECK_STR(event_name(VMEXIT_STAT_CMD_VCPU_START), "vcpu_start");
	CHECK_STR(event_name(VMEXIT_STAT_CMD_VCPU_STOP), "vcpu_stop");
	CHECK(!event_name(VMEXIT_STAT_CMD_GET_INFO));

	obj = event_json(&vm_start);
	CHECK_KEYS(obj, "event,pid,vm_id");
	CHECK_STR(json_object_get_string(get(obj, "event")), "vm_start");
	CHECK_STR(json_object_get_string(get(obj, "vm_id")),
		  "0000000000000abc");
	json_object_put(obj);

	obj = event_json(&vcpu_stop);
	CHECK_KEYS(obj, "event,pid,vm_id,vcpu,tid");
	CHECK_STR(json_object_get_string(get(obj, "event")), "vcpu_stop");
	CHECK_U64(get_u64(obj, "vcpu"), 1);
	CHECK_U64(get_u64(obj, "tid"), 302);
	json_object_put(obj);

	/* Not a notification: no JSON to print. */
	vm_start.cmd = VMEXIT_STAT_CMD_GET_VMS;
	CHECK(!event_json(&vm_start));

	text = capture((void (*)(FILE *, const void *))event_print, &vcpu_stop);
	CHECK_STR(text, "vcpu_stop  pid 300 vm_id 0000000000000abc vcpu 1 "
			"tid 302\n");
	free(text);
}

const struct unit_test views_tests[] = {
	{ "views: vms JSON", vms_json_shape },
	{ "views: vms text", vms_text },
	{ "views: detail labels", detail_labels },
	{ "views: details sorted and limited", details_sorted_and_limited },
	{ "views: details JSON", details_json_shape },
	{ "views: details text", details_text },
	{ "views: info JSON", info_json_shape },
	{ "views: info text", info_text },
	{ "views: config", config_views },
	{ "views: events", event_views },
	{}
};
