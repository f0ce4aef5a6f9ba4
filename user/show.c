// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat show and reset: the module's counters, read and cleared
 * over generic netlink, or the same counters made for a while by the BPF
 * backend (bpf_backend.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bpf_backend.h"
#include "cli.h"
#include "commands.h"
#include "exit_stats.h"
#include "genl_client.h"
#include "views.h"

static void show_usage(FILE *out)
{
	fprintf(out,
		"usage: vmexit-stat show [--json] [--vcpus] [--vm PID|NAME] "
		"[--vm-id ID]\n"
		"                        [--vcpu N] [--backend module|bpf|auto]\n"
		"                        [--interval SEC | -- CMD...]\n"
		"\n"
		"Prints the VM-exit counters of the vmexit_stat module: per "
		"VM (the pid\n"
		"of its VMM process) a table of exit reasons with count, "
		"share, how many\n"
		"went on to user space, and the exit latency (kvm_exit to "
		"the next\n"
		"kvm_entry: average, estimated p50 and p99, maximum); then "
		"the returns to\n"
		"user space by KVM_EXIT_* reason with their round trip.\n"
		"\n"
		"The BPF backend makes the same counters without the module, "
		"but only while\n"
		"it is attached: for SEC seconds, while CMD runs, or until "
		"Ctrl-C.\n"
		"\n"
		"  -j, --json          print JSON instead of tables\n"
		"  -c, --vcpus         add a table per vCPU\n"
		"  -p, --vm PID|NAME   only the VMs of this VMM process, or the VM\n"
		"                      of this name (QEMU -name, Firecracker --id, ...)\n"
		"      --vm-id ID      only the VM with this vm_id (hex, "
		"as shown)\n"
		"      --vcpu N        only vCPU N (of every VM shown)\n");
	cli_source_usage(out);
	fprintf(out, "  -h, --help          show this help\n");
}

static void reset_usage(FILE *out)
{
	fprintf(out,
		"usage: vmexit-stat reset\n"
		"\n"
		"Forgets every counter of the vmexit_stat module, for every "
		"VM, and the\n"
		"VMs that have ended.  Needs CAP_NET_ADMIN.\n"
		"\n"
		"The BPF backend has nothing to reset: its counters live only "
		"while\n"
		"'vmexit-stat show --backend bpf' runs.\n"
		"\n"
		"  -h, --help      show this help\n");
}

/* Groups and prints what either backend read; 0 or 1. */
static int print_records(const struct exit_stats_input *in,
			 const struct vmexit_info *info,
			 const struct vmexit_filter *filter, bool json,
			 bool per_vcpu, bool bpf)
{
	struct exit_stats stats;
	int status;

	if (exit_stats_build(in, &stats)) {
		fprintf(stderr, "vmexit-stat: out of memory\n");
		return 1;
	}
	exit_stats_name_vms(&stats, "/proc");

	if (json) {
		status = cli_print_json(exit_stats_json(
			&stats, info, filter, bpf ? "bpf" : "module"));
	} else {
		exit_stats_print(stdout, &stats, info, per_vcpu);
		status = 0;
	}
	exit_stats_free(&stats);
	return status;
}

struct show_view {
	const struct vmexit_filter *filter;
	bool json;
	bool per_vcpu;
};

static int print_bpf_show(struct bpf_collection *got, void *ctx)
{
	const struct show_view *view = ctx;
	struct exit_stats_input in = {
		.exits = got->exits.rec,
		.nr_exits = got->exits.nr,
		.user_exits = got->user_exits.rec,
		.nr_user_exits = got->user_exits.nr,
		.vms = got->vms.rec,
		.nr_vms = got->vms.nr,
	};

	return print_records(&in, &got->info, view->filter, view->json,
			     view->per_vcpu, true);
}

void module_read_free(struct module_read *read)
{
	vmexit_records_free(&read->exits);
	vmexit_user_records_free(&read->user_exits);
	vmexit_vms_free(&read->vms);
}

int module_read(struct vmexit_client *client,
		const struct vmexit_filter *filter, struct module_read *read)
{
	int err;

	err = vmexit_get_info(client, &read->info);
	if (err) {
		cli_report_read_error(client, "get info", err);
		return 1;
	}
	err = vmexit_dump_exits(client, filter, &read->exits);
	if (err) {
		cli_report_read_error(client, "dump exits", err);
		return 1;
	}
	err = vmexit_dump_user_exits(client, filter, &read->user_exits);
	if (err) {
		cli_report_read_error(client, "dump user-space exits", err);
		return 1;
	}
	/* Last, so that every VM of the dumps above is listed. */
	err = vmexit_dump_vms(client, filter, &read->vms);
	if (err) {
		cli_report_read_error(client, "dump VMs", err);
		return 1;
	}
	return 0;
}

static int show(const struct vmexit_filter *filter, bool json, bool per_vcpu)
{
	struct vmexit_client client;
	struct module_read read = {};
	int status;

	if (vmexit_connect(&client))
		return 1;
	status = module_read(&client, filter, &read);
	if (!status) {
		/*
		 * A VM that made no exit yet is shown too, but not when
		 * asked for one vCPU: the VM list knows no vCPUs.
		 */
		struct exit_stats_input in = {
			.exits = read.exits.rec,
			.nr_exits = read.exits.nr,
			.user_exits = read.user_exits.rec,
			.nr_user_exits = read.user_exits.nr,
			.vms = read.vms.rec,
			.nr_vms = read.vms.nr,
			.add_idle_vms = !filter->by_vcpu,
		};

		status = print_records(&in, &read.info, filter, json, per_vcpu,
				       false);
	}
	module_read_free(&read);
	vmexit_client_close(&client);
	return status;
}

int cmd_show(int argc, char **argv)
{
	enum { OPT_VCPU = 256, OPT_VM_ID };
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "vcpus", no_argument, NULL, 'c' },
		{ "vm", required_argument, NULL, 'p' },
		{ "vm-id", required_argument, NULL, OPT_VM_ID },
		{ "vcpu", required_argument, NULL, OPT_VCPU },
		CLI_SOURCE_LONG_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vmexit_filter filter = {};
	struct cli_source src = {};
	bool json = false, per_vcpu = false;
	int opt, status;

	optind = 0; /* a full getopt reset, for callers that run us twice */
	while ((opt = getopt_long(argc, argv, "jcp:h" CLI_SOURCE_SHORT_OPTIONS,
				  options, NULL)) != -1) {
		status = cli_source_option(&src, opt, optarg, show_usage);
		if (status >= 0) {
			if (status)
				return status;
			continue;
		}
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'c':
			per_vcpu = true;
			break;
		case 'p':
			status = cli_parse_vm(optarg, &filter.pid, show_usage);
			if (status)
				return status;
			filter.by_pid = true;
			break;
		case OPT_VM_ID:
			if (!cli_parse_vm_id(optarg, &filter.vm_id))
				return cli_bad_usage(show_usage,
						     "--vm-id wants a vm_id "
						     "(up to 16 hex digits), "
						     "not '%s'",
						     optarg);
			filter.by_vm_id = true;
			break;
		case OPT_VCPU:
			if (!cli_parse_u32(optarg, &filter.vcpu_id))
				return cli_bad_usage(show_usage,
						     "--vcpu wants a vCPU "
						     "number, not '%s'",
						     optarg);
			filter.by_vcpu = true;
			break;
		case 'h':
			show_usage(stdout);
			return 0;
		default:
			show_usage(stderr);
			return 2;
		}
	}
	status = cli_source_finish(&src, argc, argv, "show", show_usage);
	if (status)
		return status;
	if (src.backend == CLI_BACKEND_BPF)
		return cli_run_bpf(&src, &filter, print_bpf_show,
				   &(struct show_view){ &filter, json,
							per_vcpu });
	status = show(&filter, json, per_vcpu);
	if (status)
		cli_suggest_bpf(&src);
	return status;
}

int cmd_reset(int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' }, {}
	};
	struct vmexit_client client;
	int opt, err;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			reset_usage(stdout);
			return 0;
		default:
			reset_usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		return cli_bad_usage(reset_usage, "reset: unexpected '%s'",
				     argv[optind]);

	if (vmexit_connect(&client))
		return 1;
	err = vmexit_reset(&client);
	if (err)
		cli_report_admin_error(&client, "reset", err);
	vmexit_client_close(&client);
	return err ? 1 : 0;
}
