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

#include "commands.h"
#include "exit_stats.h"
#include "json_out.h"
#include "genl_client.h"
#include "bpf_backend.h"

/*
 * Weak: the unit tests link show.c without bpf_backend.c and libbpf; in
 * such a build the BPF backend is absent and says so.
 */
#pragma weak bpf_backend_collect

enum backend { BACKEND_AUTO, BACKEND_MODULE, BACKEND_BPF };

static void show_usage(FILE *out)
{
	fprintf(out,
		"usage: vmexit-stat show [--json] [--vcpus] [--vm PID] "
		"[--vcpu N]\n"
		"                        [--backend module|bpf|auto] "
		"[--interval SEC | -- CMD...]\n"
		"\n"
		"Prints the VM-exit counters of the vmexit_stat module: per "
		"VM (the pid\n"
		"of its VMM process) a table of exit reasons with count and "
		"share.\n"
		"\n"
		"The BPF backend makes the same counters without the module, "
		"but only while\n"
		"it is attached: for SEC seconds, while CMD runs, or until "
		"Ctrl-C.\n"
		"\n"
		"  -j, --json          print JSON instead of tables\n"
		"  -c, --vcpus         add a table per vCPU\n"
		"  -p, --vm PID        only the VMs of this VMM process\n"
		"      --vcpu N        only vCPU N (of every VM shown)\n"
		"  -b, --backend B     module, bpf, or auto (default): the "
		"module when it\n"
		"                      is loaded, else BPF when given "
		"--interval or CMD\n"
		"  -i, --interval SEC  BPF: count for SEC seconds\n"
		"      --max-counters N  BPF: size of the counter map "
		"(default %u)\n"
		"  -- CMD...           BPF: count while CMD runs\n"
		"  -h, --help          show this help\n",
		BPF_BACKEND_MAX_COUNTERS);
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
		"The BPF backend has nothing to reset: its counters live only "
		"while\n"
		"'vmexit-stat show --backend bpf' runs.\n"
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
		      const struct vmexit_filter *filter, bool bpf)
{
	struct json_object *doc = exit_stats_json(stats, info, filter);

	/* The same document, but it must say which backend counted. */
	if (doc && bpf &&
	    json_object_object_add(doc, "backend",
				   json_object_new_string("bpf"))) {
		json_object_put(doc);
		doc = NULL;
	}
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

/* Groups and prints the records of either backend; 0 or 1. */
static int print_records(const struct vmexit_records *recs,
			 const struct vmexit_info *info,
			 const struct vmexit_filter *filter, bool json,
			 bool per_vcpu, bool bpf)
{
	struct exit_stats stats;
	int status;

	if (exit_stats_build(recs->rec, recs->nr, &stats)) {
		fprintf(stderr, "vmexit-stat: out of memory\n");
		return 1;
	}
	exit_stats_name_vms(&stats, "/proc");

	if (json) {
		status = print_json(&stats, info, filter, bpf);
	} else {
		exit_stats_print(stdout, &stats, info, per_vcpu);
		status = 0;
	}
	exit_stats_free(&stats);
	return status;
}

static int show_bpf(const struct bpf_collect *how,
		    const struct vmexit_filter *filter, bool json,
		    bool per_vcpu)
{
	struct vmexit_records recs = {};
	struct vmexit_info info;
	int status, cmd_status;

	if (!bpf_backend_collect) {
		fprintf(stderr, "vmexit-stat: this build has no BPF backend\n");
		return 1;
	}
	status = bpf_backend_collect(how, filter, &recs, &info, &cmd_status);
	if (!status)
		status = print_records(&recs, &info, filter, json, per_vcpu,
				       true);
	vmexit_records_free(&recs);
	if (!status && cmd_status) {
		fprintf(stderr, "vmexit-stat: '%s' exited with status %d\n",
			how->cmd[0], cmd_status);
		status = 1;
	}
	return status;
}

static int show(const struct vmexit_filter *filter, bool json, bool per_vcpu)
{
	struct vmexit_records recs = {};
	struct vmexit_client client;
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
	status = print_records(&recs, &info, filter, json, per_vcpu, false);
free_recs:
	vmexit_records_free(&recs);
close:
	vmexit_client_close(&client);
	return status;
}

/* auto without the module and without a time to count for. */
static int show_without_module(const struct vmexit_filter *filter, bool json,
			       bool per_vcpu)
{
	int status = show(filter, json, per_vcpu);

	if (status && bpf_backend_collect)
		fprintf(stderr,
			"vmexit-stat: or count without the module, with BPF: "
			"'vmexit-stat show --interval SEC' or "
			"'vmexit-stat show -- CMD'\n");
	return status;
}

static bool parse_backend(const char *arg, enum backend *backend)
{
	if (!strcmp(arg, "module"))
		*backend = BACKEND_MODULE;
	else if (!strcmp(arg, "bpf"))
		*backend = BACKEND_BPF;
	else if (!strcmp(arg, "auto"))
		*backend = BACKEND_AUTO;
	else
		return false;
	return true;
}

int cmd_show(int argc, char **argv)
{
	enum { OPT_VCPU = 256, OPT_MAX_COUNTERS };
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "vcpus", no_argument, NULL, 'c' },
		{ "vm", required_argument, NULL, 'p' },
		{ "vcpu", required_argument, NULL, OPT_VCPU },
		{ "backend", required_argument, NULL, 'b' },
		{ "interval", required_argument, NULL, 'i' },
		{ "max-counters", required_argument, NULL, OPT_MAX_COUNTERS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vmexit_filter filter = {};
	enum backend backend = BACKEND_AUTO;
	struct bpf_collect how = {};
	bool json = false, per_vcpu = false, timed = false;
	int opt;

	optind = 0; /* a full getopt reset, for callers that run us twice */
	while ((opt = getopt_long(argc, argv, "jcp:b:i:h", options, NULL)) !=
	       -1) {
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
		case 'b':
			if (!parse_backend(optarg, &backend)) {
				fprintf(stderr,
					"vmexit-stat: unknown backend '%s': "
					"module, bpf or auto\n",
					optarg);
				show_usage(stderr);
				return 2;
			}
			break;
		case 'i':
			if (!parse_u32(optarg, &how.interval) ||
			    !how.interval) {
				fprintf(stderr,
					"vmexit-stat: --interval wants "
					"seconds, not '%s'\n",
					optarg);
				show_usage(stderr);
				return 2;
			}
			timed = true;
			break;
		case OPT_MAX_COUNTERS:
			if (!parse_u32(optarg, &how.max_counters) ||
			    !how.max_counters) {
				fprintf(stderr,
					"vmexit-stat: --max-counters wants a "
					"number, not '%s'\n",
					optarg);
				show_usage(stderr);
				return 2;
			}
			break;
		case 'h':
			show_usage(stdout);
			return 0;
		default:
			show_usage(stderr);
			return 2;
		}
	}
	/* getopt stops at "--": what follows is the command to run. */
	if (optind < argc && optind > 0 && !strcmp(argv[optind - 1], "--")) {
		how.cmd = argv + optind;
		timed = true;
	}
	if (optind < argc && !how.cmd) {
		fprintf(stderr, "vmexit-stat: show: unexpected '%s'\n",
			argv[optind]);
		show_usage(stderr);
		return 2;
	}
	if (how.cmd && how.interval) {
		fprintf(stderr,
			"vmexit-stat: show: --interval or -- CMD, not both\n");
		show_usage(stderr);
		return 2;
	}

	/*
	 * auto: the module when it is loaded, since its counters cover all
	 * the time since it was loaded or reset.  Otherwise BPF, when told
	 * for how long to count; a bare 'show' keeps the module's answer
	 * (how to load it), plus a word on the alternative.
	 */
	if (backend == BACKEND_AUTO) {
		if (!access("/sys/module/vmexit_stat", F_OK))
			backend = BACKEND_MODULE;
		else if (timed)
			backend = BACKEND_BPF;
		else
			return show_without_module(&filter, json, per_vcpu);
	}
	if (backend == BACKEND_BPF)
		return show_bpf(&how, &filter, json, per_vcpu);
	if (timed) {
		fprintf(stderr,
			"vmexit-stat: show: --interval and -- CMD are for "
			"--backend bpf; the module's counters run since it "
			"was loaded or reset\n");
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
