// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat info: what the loaded module is, what it has seen, what it
 * could not count, and the memory it holds.
 */
#include <getopt.h>
#include <inttypes.h>

#include "cli.h"
#include "commands.h"
#include "exit_stats.h"
#include "views.h"

static void info_usage(FILE *out)
{
	fprintf(out,
		"usage: vmexit-stat info [--json] [--backend module|bpf|auto]\n"
		"                        [--interval SEC | -- CMD...]\n"
		"\n"
		"Prints what the loaded vmexit_stat module says about itself: "
		"its version,\n"
		"the kernel it was built for, the hardware it hooks, how many "
		"exits,\n"
		"entries and returns to user space it has seen, what it "
		"dropped and why,\n"
		"and the memory it reserved (the hard cap) and uses.\n"
		"\n"
		"With --backend bpf: whether the BPF programs load and attach "
		"on this\n"
		"kernel, which kvm_exit prototype they read, and what they see "
		"and drop\n"
		"over SEC seconds or while CMD runs (nothing: attach, then "
		"detach).\n"
		"\n"
		"  -j, --json          print JSON\n");
	cli_source_usage(out);
	fprintf(out,
		"  -h, --help          show this help\n"
		"\n"
		"Examples:\n"
		"  sudo vmexit-stat info                     # the module: version, drops\n"
		"  sudo vmexit-stat info --json              # the same, for programs\n"
		"  sudo vmexit-stat info --backend bpf       # do the BPF programs load here?\n"
		"\n"
		"Exit status: 0 ok; 1 on failure (no module loaded, BPF refused, no\n"
		"permission); 2 for a bad command line.\n");
}

void info_print(FILE *out, const struct vmexit_info *info)
{
	char isa_buf[16];
	unsigned int isa;
	bool any = false;

	fprintf(out, "%-20s %s\n", "module version", info->version);
	fprintf(out, "%-20s %s\n", "built for kernel", info->kernel);
	fprintf(out, "%-20s %u (kvm_exit prototype %" PRIu32 ")\n",
		"protocol version", info->family_version, info->exit_proto);
	fprintf(out, "%-20s", "isas");
	for (isa = 0; isa < 32; isa++) {
		if (!(info->isas & (1U << isa)))
			continue;
		fprintf(out, " %s",
			exit_isa_label(isa, isa_buf, sizeof(isa_buf)));
		any = true;
	}
	fprintf(out, "%s\n", any ? "" : " none");
	fprintf(out, "%-20s %" PRIu64 "\n", "exits seen", info->exits_seen);
	fprintf(out, "%-20s %" PRIu64 "\n", "entries seen", info->entries_seen);
	fprintf(out, "%-20s %" PRIu64 "\n", "user exits seen",
		info->user_exits_seen);
	fprintf(out,
		"%-20s %" PRIu64 " (no vCPU slot %" PRIu64
		", no reason slot %" PRIu64 ", unreadable %" PRIu64 ")\n",
		"exits dropped", info->exits_dropped,
		info->dropped_no_vcpu_slot, info->dropped_no_reason_slot,
		info->dropped_unreadable);
	fprintf(out, "%-20s %" PRIu64 "\n", "details dropped",
		info->details_dropped);
	fprintf(out, "%-20s %" PRIu64 "\n", "events dropped",
		info->events_dropped);
	fprintf(out, "%-20s %" PRIu64 " of %" PRIu64 " bytes in use\n",
		"memory", info->memory_used_bytes, info->memory_bytes);
	fprintf(out, "%-20s %" PRIu32 " of %" PRIu32 " in use\n",
		"vCPU thread slots", info->vcpu_slots_used, info->vcpu_slots);
	fprintf(out, "%-20s %" PRIu32 "\n", "VMs", info->vms);
	fprintf(out, "%-20s %" PRIu32 "\n", "latency buckets",
		info->lat_buckets);
	fprintf(out, "%-20s %" PRIu64 "\n", "sched switches seen",
		info->sched_switches_seen);
	fprintf(out, "%-20s %" PRIu64 "\n", "sched events missed",
		info->sched_missed);
	fprintf(out, "%-20s %" PRIu64 " (unmatched ends %" PRIu64 ")\n",
		"phase markers seen", info->markers_seen,
		info->markers_unmatched);
	fprintf(out, "%-20s %" PRIu64 "\n", "phases dropped",
		info->phases_dropped);
}

static void bpf_info_print(FILE *out, const struct vmexit_info *info)
{
	fprintf(out, "%-20s %s\n", "backend", info->version);
	fprintf(out, "%-20s %s\n", "kernel", info->kernel);
	fprintf(out, "%-20s %" PRIu32 " (%s)\n", "kvm_exit prototype",
		info->exit_proto,
		info->exit_proto == 1 ? "reason, vcpu, isa: up to 5.15" :
					"vcpu, isa: from 5.16");
	fprintf(out, "%-20s %" PRIu64 "\n", "exits seen", info->exits_seen);
	fprintf(out, "%-20s %" PRIu64 "\n", "entries seen", info->entries_seen);
	fprintf(out, "%-20s %" PRIu64 "\n", "user exits seen",
		info->user_exits_seen);
	fprintf(out, "%-20s %" PRIu64 "\n", "exits dropped",
		info->exits_dropped);
	fprintf(out, "%-20s %" PRIu64 "\n", "details dropped",
		info->details_dropped);
	fprintf(out, "%-20s %" PRIu32 "\n", "counter map size",
		info->slots_per_cpu);
	fprintf(out, "%-20s %" PRIu32 "\n", "latency buckets",
		info->lat_buckets);
}

static int print_bpf_info(struct bpf_collection *got, void *json)
{
	if (*(bool *)json)
		return cli_print_json(info_json(&got->info, true));
	bpf_info_print(stdout, &got->info);
	return 0;
}

int cmd_info(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		CLI_SOURCE_LONG_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct cli_source src = {};
	struct vmexit_client client;
	struct vmexit_info info;
	bool json = false;
	int opt, err, status = 1;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "jh" CLI_SOURCE_SHORT_OPTIONS,
				  options, NULL)) != -1) {
		status = cli_source_option(&src, opt, optarg, info_usage);
		if (status >= 0) {
			if (status)
				return status;
			continue;
		}
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			info_usage(stdout);
			return 0;
		default:
			info_usage(stderr);
			return 2;
		}
	}
	status = cli_source_finish(&src, argc, argv, "info", info_usage);
	if (status)
		return status;
	if (src.backend == CLI_BACKEND_BPF) {
		/* Untimed: attach, then detach, to show that they load. */
		src.how.attach_only = !src.timed;
		return cli_run_bpf(&src, NULL, print_bpf_info, &json);
	}

	status = 1;
	if (vmexit_connect(&client)) {
		cli_suggest_bpf(&src);
		return 1;
	}
	err = vmexit_get_info(&client, &info);
	if (err) {
		cli_report_read_error(&client, "get info", err);
	} else if (json) {
		status = cli_print_json(info_json(&info, false));
	} else {
		info_print(stdout, &info);
		status = 0;
	}
	vmexit_client_close(&client);
	return status;
}
