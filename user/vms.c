// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat vms: the VMs the module knows, running or ended.
 */
#include <getopt.h>
#include <inttypes.h>
#include <time.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "exit_stats.h"
#include "json_out.h"
#include "latency.h"
#include "views.h"

static void vms_usage(FILE *out)
{
	fprintf(out,
		"usage: vmexit-stat vms [--json] [--vm PID|NAME] [--vm-id ID]\n"
		"                       [--backend module|bpf|auto] "
		"[--interval SEC | -- CMD...]\n"
		"\n"
		"Lists the VMs of the vmexit_stat module: running ones, and "
		"ended ones\n"
		"until a reset or until they are older than the ended-VM age "
		"limit\n"
		"(vmexit-stat config).  Per VM: its vCPU threads, how long it "
		"ran, its\n"
		"exits and returns to user space, and what was not counted.\n"
		"With the BPF backend: the VMs that made exits while it "
		"counted.\n"
		"\n"
		"  -j, --json          print JSON instead of a table\n"
		"  -p, --vm PID|NAME   only the VMs of this VMM process, or the VM\n"
		"                      of this name (QEMU -name, Firecracker --id, ...)\n"
		"      --vm-id ID      only the VM with this vm_id\n");
	cli_source_usage(out);
	fprintf(out,
		"  -h, --help          show this help\n"
		"\n"
		"Examples:\n"
		"  sudo vmexit-stat vms                      # the VMs, running and ended\n"
		"  sudo vmexit-stat vms --vm web01 --json    # one VM, by name, as JSON\n"
		"  sudo vmexit-stat vms --backend bpf -i 5   # no module: VMs exiting in 5 s\n"
		"\n"
		"Exit status: 0 ok; 1 on failure (no module loaded and no BPF, no\n"
		"permission, no such VM); 2 for a bad command line.\n");
}

static struct json_object *vm_json(const struct vmexit_vm *vm,
				   const char *proc_root)
{
	struct json_object *obj = json_object_new_object();
	const char *state = vm_state_name(vm->state);
	char name[VM_NAME_LEN], vm_id[20];
	bool ok = true;

	vm_id_format(vm->vm_id, vm_id, sizeof(vm_id));
	vm_display_name(proc_root, vm, name, sizeof(name));
	ok &= json_add(obj, "pid", json_object_new_int64(vm->pid));
	ok &= json_add(obj, "vm_id", json_object_new_string(vm_id));
	ok &= json_add(obj, "name", json_object_new_string(name));
	ok &= json_add(obj, "comm", json_object_new_string(vm->comm));
	ok &= json_add(obj, "state",
		       json_object_new_string(state ? state : "unknown"));
	ok &= json_add(obj, "vcpus_live",
		       json_object_new_int64(vm->vcpus_live));
	ok &= json_add(obj, "vcpus_seen",
		       json_object_new_int64(vm->vcpus_seen));
	ok &= json_add(obj, "start_ns", json_object_new_uint64(vm->start_ns));
	ok &= json_add(obj, "end_ns", json_object_new_uint64(vm->end_ns));
	ok &= json_add(obj, "exits", json_object_new_uint64(vm->exits));
	ok &= json_add(obj, "user_exits",
		       json_object_new_uint64(vm->user_exits));
	ok &= json_add(obj, "exit_ns", json_object_new_uint64(vm->exit_ns));
	ok &= json_add(obj, "dropped", json_object_new_uint64(vm->dropped));
	ok &= json_add(obj, "details_dropped",
		       json_object_new_uint64(vm->details_dropped));
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

struct json_object *vms_json(const struct vmexit_vms *vms,
			     const char *proc_root)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *list = json_object_new_array();
	bool ok = true;
	size_t i;

	for (i = 0; i < vms->nr; i++)
		ok &= json_append(list, vm_json(&vms->rec[i], proc_root));
	ok &= json_add(doc, "vms", list);
	if (!ok) {
		json_object_put(doc);
		return NULL;
	}
	return doc;
}

static const char *format_duration(uint64_t ns, char *buf, size_t len)
{
	uint64_t s = ns / 1000000000;

	if (s < 60)
		snprintf(buf, len, "%.1fs", ns / 1e9);
	else if (s < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60,
			 s % 60);
	else
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600,
			 s / 60 % 60);
	return buf;
}

void vms_print(FILE *out, const struct vmexit_vms *vms, const char *proc_root,
	       uint64_t now_ns)
{
	char name[VM_NAME_LEN], vm_id[20], vcpus[24], ran[24], avg[16];
	size_t i;

	if (!vms->nr) {
		fprintf(out, "no VMs\n");
		return;
	}
	/*
	 * Apart: a dropped exit is missing from the counts by reason, an
	 * exit without a detail only from the drill-down (its table full).
	 */
	fprintf(out, "%8s %-16s %-16s %-8s %9s %9s %14s %12s %9s %9s %10s\n",
		"pid", "vm_id", "name", "state", "vcpus", "ran", "exits",
		"user exits", "avg exit", "dropped", "no detail");
	for (i = 0; i < vms->nr; i++) {
		const struct vmexit_vm *vm = &vms->rec[i];
		const char *state = vm_state_name(vm->state);
		uint64_t end = vm->end_ns ? vm->end_ns : now_ns;

		vm_id_format(vm->vm_id, vm_id, sizeof(vm_id));
		vm_display_name(proc_root, vm, name, sizeof(name));
		/* live/seen: vCPU threads running now, and ever */
		snprintf(vcpus, sizeof(vcpus), "%" PRIu32 "/%" PRIu32,
			 vm->vcpus_live, vm->vcpus_seen);
		format_duration(end > vm->start_ns ? end - vm->start_ns : 0,
				ran, sizeof(ran));
		latency_format_ns(vm->exits ? vm->exit_ns / vm->exits : 0,
				  !vm->exits, avg, sizeof(avg));
		fprintf(out,
			"%8" PRIu32 " %-16s %-16s %-8s %9s %9s %14" PRIu64
			" %12" PRIu64 " %9s %9" PRIu64 " %10" PRIu64 "\n",
			vm->pid, vm_id, name[0] ? name : "?",
			state ? state : "?", vcpus, ran, vm->exits,
			vm->user_exits, avg, vm->dropped, vm->details_dropped);
	}
}

static uint64_t boottime_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int print_vms(const struct vmexit_vms *vms, bool json)
{
	if (json)
		return cli_print_json(vms_json(vms, "/proc"));
	vms_print(stdout, vms, "/proc", boottime_ns());
	return 0;
}

static int print_bpf_vms(struct bpf_collection *got, void *json)
{
	return print_vms(&got->vms, *(bool *)json);
}

int cmd_vms(int argc, char **argv)
{
	enum { OPT_VM_ID = 256 };
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "vm", required_argument, NULL, 'p' },
		{ "vm-id", required_argument, NULL, OPT_VM_ID },
		CLI_SOURCE_LONG_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct vmexit_filter filter = {};
	struct cli_source src = {};
	struct vmexit_client client;
	struct vmexit_vms vms = {};
	bool json = false;
	int opt, err, status = 1;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "jp:h" CLI_SOURCE_SHORT_OPTIONS,
				  options, NULL)) != -1) {
		status = cli_source_option(&src, opt, optarg, vms_usage);
		if (status >= 0) {
			if (status)
				return status;
			continue;
		}
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'p':
			status = cli_parse_vm(optarg, &filter.pid, vms_usage);
			if (status)
				return status;
			filter.by_pid = true;
			break;
		case OPT_VM_ID:
			if (!cli_parse_vm_id(optarg, &filter.vm_id))
				return cli_bad_usage(vms_usage,
						     "--vm-id wants a vm_id "
						     "(up to 16 hex digits), "
						     "not '%s'",
						     optarg);
			filter.by_vm_id = true;
			break;
		case 'h':
			vms_usage(stdout);
			return 0;
		default:
			vms_usage(stderr);
			return 2;
		}
	}
	status = cli_source_finish(&src, argc, argv, "vms", vms_usage);
	if (status)
		return status;
	if (src.backend == CLI_BACKEND_BPF)
		return cli_run_bpf(&src, &filter, print_bpf_vms, &json);

	status = 1;
	if (vmexit_connect(&client)) {
		cli_suggest_bpf(&src);
		return 1;
	}
	err = vmexit_dump_vms(&client, &filter, &vms);
	if (err)
		cli_report_read_error(&client, "dump VMs", err);
	else if (!vms.nr && cli_check_vm(&client, &filter, false))
		status = 1;
	else
		status = print_vms(&vms, json);
	vmexit_vms_free(&vms);
	vmexit_client_close(&client);
	return status;
}
