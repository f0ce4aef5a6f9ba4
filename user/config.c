// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat config: what the module measures, and for how long it
 * keeps the totals of VMs that have ended.
 */
#include <getopt.h>
#include <inttypes.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "json_out.h"
#include "views.h"

static void config_usage(FILE *out)
{
	fprintf(out,
		"usage: vmexit-stat config [--latency on|off] "
		"[--details on|off]\n"
		"                          [--sched on|off] "
		"[--ended-vm-ttl SECONDS] [--json]\n"
		"\n"
		"Prints the configuration of the vmexit_stat module, after "
		"applying the\n"
		"changes asked for (those need CAP_NET_ADMIN).\n"
		"\n"
		"      --latency on|off        time every exit (kvm_exit to "
		"the next\n"
		"                              kvm_entry) and user-space "
		"round trip\n"
		"      --details on|off        count ports, MSRs, CPUID "
		"leaves, MMIO pages\n"
		"      --sched on|off          follow the scheduling of "
		"vCPU threads: run\n"
		"                              delay (steal), idle time, who "
		"ran meanwhile\n"
		"                              ('vmexit-stat sched')\n"
		"      --ended-vm-ttl SECONDS  forget ended VMs this long "
		"after they end;\n"
		"                              0 keeps them until a reset\n"
		"  -j, --json                  print JSON\n"
		"  -h, --help                  show this help\n"
		"\n"
		"unprivileged_read, shown too, is a module parameter: it "
		"lets users\n"
		"without CAP_PERFMON read the statistics.\n"
		"\n"
		"Examples:\n"
		"  sudo vmexit-stat config                   # what the module measures\n"
		"  sudo vmexit-stat config --latency off     # stop timing exits: cheaper\n"
		"  sudo vmexit-stat config --sched on --ended-vm-ttl 600\n"
		"                            # follow steal; forget ended VMs after 10 min\n"
		"\n"
		"Exit status: 0 ok; 1 on failure (no module loaded, a change refused\n"
		"without CAP_NET_ADMIN); 2 for a bad command line.\n");
}

struct json_object *config_json(const struct vmexit_config *config)
{
	struct json_object *obj = json_object_new_object();
	bool ok = true;

	ok &= json_add(obj, "latency",
		       json_object_new_boolean(config->latency));
	ok &= json_add(obj, "details",
		       json_object_new_boolean(config->details));
	ok &= json_add(obj, "ended_vm_ttl_s",
		       json_object_new_int64(config->ended_vm_ttl_s));
	ok &= json_add(obj, "unprivileged_read",
		       json_object_new_boolean(config->unprivileged_read));
	ok &= json_add(obj, "sched", json_object_new_boolean(config->sched));
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

void config_print(FILE *out, const struct vmexit_config *config)
{
	fprintf(out, "%-18s %s\n", "latency", config->latency ? "on" : "off");
	fprintf(out, "%-18s %s\n", "details", config->details ? "on" : "off");
	fprintf(out, "%-18s %" PRIu32 "%s\n", "ended_vm_ttl_s",
		config->ended_vm_ttl_s,
		config->ended_vm_ttl_s ? "" : " (kept until a reset)");
	fprintf(out, "%-18s %s\n", "unprivileged_read",
		config->unprivileged_read ? "on" : "off");
	fprintf(out, "%-18s %s\n", "sched", config->sched ? "on" : "off");
}

int cmd_config(int argc, char **argv)
{
	enum { OPT_LATENCY = 256, OPT_DETAILS, OPT_TTL, OPT_SCHED };
	static const struct option options[] = {
		{ "latency", required_argument, NULL, OPT_LATENCY },
		{ "details", required_argument, NULL, OPT_DETAILS },
		{ "ended-vm-ttl", required_argument, NULL, OPT_TTL },
		{ "sched", required_argument, NULL, OPT_SCHED },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct vmexit_config_change change = {};
	struct vmexit_config config;
	struct vmexit_client client;
	bool json = false;
	int opt, err, status = 1;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "jh", options, NULL)) != -1) {
		switch (opt) {
		case OPT_LATENCY:
			if (!cli_parse_on_off(optarg, &change.latency))
				return cli_bad_usage(config_usage,
						     "--latency wants on or "
						     "off, not '%s'",
						     optarg);
			change.set_latency = true;
			break;
		case OPT_DETAILS:
			if (!cli_parse_on_off(optarg, &change.details))
				return cli_bad_usage(config_usage,
						     "--details wants on or "
						     "off, not '%s'",
						     optarg);
			change.set_details = true;
			break;
		case OPT_SCHED:
			if (!cli_parse_on_off(optarg, &change.sched))
				return cli_bad_usage(config_usage,
						     "--sched wants on or "
						     "off, not '%s'",
						     optarg);
			change.set_sched = true;
			break;
		case OPT_TTL:
			if (!cli_parse_u32(optarg, &change.ended_vm_ttl_s))
				return cli_bad_usage(config_usage,
						     "--ended-vm-ttl wants "
						     "seconds (0 to %u), not "
						     "'%s'",
						     UINT32_MAX, optarg);
			change.set_ended_vm_ttl = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			config_usage(stdout);
			return 0;
		default:
			config_usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		return cli_bad_usage(config_usage, "config: unexpected '%s'",
				     argv[optind]);

	if (vmexit_connect(&client))
		return 1;
	if (change.set_latency || change.set_details ||
	    change.set_ended_vm_ttl || change.set_sched) {
		err = vmexit_set_config(&client, &change);
		if (err) {
			cli_report_admin_error(
				&client, "changing the configuration", err);
			goto out;
		}
	}
	err = vmexit_get_config(&client, &config);
	if (err) {
		cli_report_read_error(&client, "get config", err);
	} else if (json) {
		status = cli_print_json(config_json(&config));
	} else {
		config_print(stdout, &config);
		status = 0;
	}
out:
	vmexit_client_close(&client);
	return status;
}
