// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat: entry point; hands the command line to a subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct subcommand subcommands[] = {
	{ "show", cmd_show, "print VM-exit counters per VM, vCPU and reason" },
	{ "latency", cmd_latency,
	  "where exit time goes: time, p50..p99.9 per reason" },
	{ "top", cmd_top, "a live view of the exits per reason, as kvm_stat" },
	{ "vms", cmd_vms, "list the VMs, running and ended, with totals" },
	{ "details", cmd_details,
	  "the busiest I/O ports, MSRs, CPUID leaves, MMIO pages per VM" },
	{ "sched", cmd_sched,
	  "vCPU steal (run delay), idle time, who ran meanwhile" },
	{ "phases", cmd_phases,
	  "exits, latency and steal per guest workload phase (markers)" },
	{ "correlate", cmd_correlate,
	  "one table of a marked guest workload: results, exits, steal" },
	{ "bench", cmd_bench,
	  "sysbench-faithful cpu, memory and fileio workloads" },
	{ "info", cmd_info, "the module: version, counters, drops, memory" },
	{ "config", cmd_config, "show or change what the module measures" },
	{ "events", cmd_events, "print VMs and vCPUs as they start and stop" },
	{ "record", cmd_record,
	  "run a command, print the exits made while it ran (a delta)" },
	{ "export", cmd_export,
	  "serve the counters to Prometheus (OpenMetrics, HTTP)" },
	{ "reset", cmd_reset, "forget every counter (needs CAP_NET_ADMIN)" },
	{ "exitgen", cmd_exitgen,
	  "run a guest that makes an exact number of exits" },
	{ "selftest", cmd_selftest,
	  "check the collector against exitgen, reason by reason" },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: vmexit-stat <command> [options]\n\ncommands:\n");
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(out, "  %-10s %s\n", subcommands[i].name,
			subcommands[i].summary);
	fprintf(out,
		"\n"
		"Examples:\n"
		"  sudo vmexit-stat show                # exits per VM and reason\n"
		"  sudo vmexit-stat top                 # live, as kvm_stat\n"
		"  sudo vmexit-stat show --backend bpf --interval 10   # no module\n"
		"\n"
		"Exit status: 0 ok; 1 on failure; 2 for a bad command line.\n"
		"'vmexit-stat <command> --help' describes a command.\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		/*
		 * getopt_long() begins its messages with argv[0]: make them
		 * "vmexit-stat: show: unrecognized option '--bogus'", as
		 * every other message begins.
		 */
		char name[64];

		if (strcmp(argv[1], subcommands[i].name))
			continue;
		snprintf(name, sizeof(name), "vmexit-stat: %s", argv[1]);
		argv[1] = name;
		return subcommands[i].run(argc - 1, argv + 1);
	}

	fprintf(stderr, "vmexit-stat: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
