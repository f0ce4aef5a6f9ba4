// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat show and reset: the module's counters, read and cleared
 * over generic netlink.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "commands.h"
#include "exit_stats.h"
#include "json_out.h"
#include "genl_client.h"

static void show_usage(FILE *out)
{
	fprintf(out,
		"usage: vmexit-stat show [--json] [--vcpus] [--vm PID] "
		"[--vcpu N]\n"
		"\n"
		"Prints the VM-exit counters of the vmexit_stat module: per "
		"VM (the pid\n"
		"of its VMM process) a table of exit reasons with count and "
		"share.\n"
		"\n"
		"  -j, --json      print JSON instead of tables\n"
		"  -c, --vcpus     add a table per vCPU\n"
		"  -p, --vm PID    only the VMs of this VMM process\n"
		"      --vcpu N    only vCPU N (of every VM shown)\n"
		"  -h, --help      show this help\n");
}

static void reset_usage(FILE *out)
{
	fprintf(out,
		"usage: vmexit-stat reset\n"
		"\n"
		"Forgets every counter of the vmexit_stat module, for every "
		"VM.  Needs\n"
		"CAP_NET_ADMIN.\n"
		"\n"
		"  -h, --help      show this help\n");
}

static bool parse_u32(const char *arg, uint32_t *value)
{
	unsigned long long parsed;
	char *end;

	errno = 0;
	parsed = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || parsed > UINT32_MAX)
		return false;
	*value = parsed;
	return true;
}

static int print_json(const struct exit_stats *stats,
		      const struct vmexit_info *info,
		      const struct vmexit_filter *filter)
{
	struct json_object *doc = exit_stats_json(stats, info, filter);

	if (!doc) {
		fprintf(stderr, "vmexit-stat: out of memory\n");
		return 1;
	}
	json_doc_print(stdout, doc);
	json_object_put(doc);
	return 0;
}

static void report_read_error(const struct vmexit_client *client,
			      const char *what, int err)
{
	vmexit_print_error(client, what, err);
	if (err == -EPERM || err == -EACCES)
		fprintf(stderr,
			"vmexit-stat: reading the counters needs "
			"CAP_PERFMON or CAP_SYS_ADMIN: run it as root\n");
}

static int show(const struct vmexit_filter *filter, bool json, bool per_vcpu)
{
	struct vmexit_records recs = {};
	struct vmexit_client client;
	struct exit_stats stats;
	struct vmexit_info info;
	int err, status = 1;

	if (vmexit_connect(&client))
		return 1;

	err = vmexit_get_info(&client, &info);
	if (err) {
		report_read_error(&client, "get info", err);
		goto close;
	}
	err = vmexit_dump_exits(&client, filter, &recs);
	if (err) {
		report_read_error(&client, "dump exits", err);
		goto free_recs;
	}
	if (exit_stats_build(recs.rec, recs.nr, &stats)) {
		fprintf(stderr, "vmexit-stat: out of memory\n");
		goto free_recs;
	}
	exit_stats_name_vms(&stats, "/proc");

	if (json) {
		status = print_json(&stats, &info, filter);
	} else {
		exit_stats_print(stdout, &stats, &info, per_vcpu);
		status = 0;
	}
	exit_stats_free(&stats);
free_recs:
	vmexit_records_free(&recs);
close:
	vmexit_client_close(&client);
	return status;
}

int cmd_show(int argc, char **argv)
{
	enum { OPT_VCPU = 256 };
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "vcpus", no_argument, NULL, 'c' },
		{ "vm", required_argument, NULL, 'p' },
		{ "vcpu", required_argument, NULL, OPT_VCPU },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vmexit_filter filter = {};
	bool json = false, per_vcpu = false;
	int opt;

	optind = 0; /* a full getopt reset, for callers that run us twice */
	while ((opt = getopt_long(argc, argv, "jcp:h", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'c':
			per_vcpu = true;
			break;
		case 'p':
			if (!parse_u32(optarg, &filter.pid) || !filter.pid) {
				fprintf(stderr,
					"vmexit-stat: --vm wants a pid, not "
					"'%s'\n",
					optarg);
				show_usage(stderr);
				return 2;
			}
			filter.by_pid = true;
			break;
		case OPT_VCPU:
			if (!parse_u32(optarg, &filter.vcpu_id)) {
				fprintf(stderr,
					"vmexit-stat: --vcpu wants a vCPU "
					"number, not '%s'\n",
					optarg);
				show_usage(stderr);
				return 2;
			}
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
	if (optind < argc) {
		fprintf(stderr, "vmexit-stat: show: unexpected '%s'\n",
			argv[optind]);
		show_usage(stderr);
		return 2;
	}
	return show(&filter, json, per_vcpu);
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
	if (optind < argc) {
		fprintf(stderr, "vmexit-stat: reset: unexpected '%s'\n",
			argv[optind]);
		reset_usage(stderr);
		return 2;
	}

	if (vmexit_connect(&client))
		return 1;
	err = vmexit_reset(&client);
	if (err) {
		vmexit_print_error(&client, "reset", err);
		if (err == -EPERM || err == -EACCES)
			fprintf(stderr,
				"vmexit-stat: resetting the counters needs "
				"CAP_NET_ADMIN: run it as root\n");
	}
	vmexit_client_close(&client);
	return err ? 1 : 0;
}
