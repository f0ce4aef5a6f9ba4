// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat events: the module's lifecycle notifications (VMs and vCPU
 * threads that start and stop), one line each, as they come.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <time.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "exit_stats.h"
#include "json_out.h"
#include "views.h"

static void events_usage(FILE *out)
{
	fprintf(out,
		"usage: vmexit-stat events [--count N] [--timeout SEC] "
		"[--json]\n"
		"\n"
		"Joins the vmexit_stat module's \"%s\" multicast group and "
		"prints one\n"
		"line per notification: vm_start, vm_stop, vcpu_start, "
		"vcpu_stop.  Says\n"
		"\"listening\" on stderr once joined.  Exit status 0 after N "
		"events, 1 when\n"
		"SEC seconds pass first.  Joining needs CAP_SYS_ADMIN unless "
		"the module\n"
		"was loaded with unprivileged_read=1.\n"
		"\n"
		"  -n, --count N      stop after N events (default: never)\n"
		"  -t, --timeout SEC  give up after SEC seconds (default: "
		"never)\n"
		"  -j, --json         one JSON object per line\n"
		"  -h, --help         show this help\n"
		"\n"
		"Examples:\n"
		"  sudo vmexit-stat events                   # until Ctrl-C\n"
		"  sudo vmexit-stat events --json --count 1  # wait for the next one\n"
		"  sudo vmexit-stat events --timeout 60      # status 1 when none in a minute\n"
		"\n"
		"Exit status: 0 after N events; 1 when SEC seconds pass first or on\n"
		"failure (no module loaded, no permission); 2 for a bad command line.\n",
		VMEXIT_STAT_MCGRP_LIFECYCLE);
}

const char *event_name(uint8_t cmd)
{
	switch (cmd) {
	case VMEXIT_STAT_CMD_VM_START:
		return "vm_start";
	case VMEXIT_STAT_CMD_VM_STOP:
		return "vm_stop";
	case VMEXIT_STAT_CMD_VCPU_START:
		return "vcpu_start";
	case VMEXIT_STAT_CMD_VCPU_STOP:
		return "vcpu_stop";
	}
	return NULL;
}

struct json_object *event_json(const struct vmexit_event *event)
{
	struct json_object *obj = json_object_new_object();
	const char *name = event_name(event->cmd);
	char vm_id[20];
	bool ok = name != NULL;

	vm_id_format(event->vm_id, vm_id, sizeof(vm_id));
	ok &= json_add(obj, "event", json_object_new_string(name ? name : ""));
	ok &= json_add(obj, "pid", json_object_new_int64(event->pid));
	ok &= json_add(obj, "vm_id", json_object_new_string(vm_id));
	if (event->has_vcpu) {
		ok &= json_add(obj, "vcpu",
			       json_object_new_int64(event->vcpu_id));
		ok &= json_add(obj, "tid", json_object_new_int64(event->tid));
	}
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

void event_print(FILE *out, const struct vmexit_event *event)
{
	const char *name = event_name(event->cmd);
	char vm_id[20];

	vm_id_format(event->vm_id, vm_id, sizeof(vm_id));
	fprintf(out, "%-10s pid %" PRIu32 " vm_id %s", name ? name : "?",
		event->pid, vm_id);
	if (event->has_vcpu)
		fprintf(out, " vcpu %" PRIu32 " tid %" PRIu32, event->vcpu_id,
			event->tid);
	fputc('\n', out);
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One line per event; a line at once, for whoever reads a pipe. */
static int print_event(const struct vmexit_event *event, bool json)
{
	if (json) {
		struct json_object *obj = event_json(event);

		if (!obj) {
			fprintf(stderr, "vmexit-stat: out of memory\n");
			return 1;
		}
		printf("%s\n",
		       json_object_to_json_string_ext(
			       obj, JSON_C_TO_STRING_SPACED |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(obj);
	} else {
		event_print(stdout, event);
	}
	fflush(stdout);
	return 0;
}

static int listen_events(struct vmexit_client *client, uint32_t count,
			 uint32_t timeout_s, bool json)
{
	int64_t deadline = monotonic_ms() + (int64_t)timeout_s * 1000;
	uint64_t lost = 0, lost_said = 0;
	struct vmexit_event event;
	uint32_t seen = 0;
	int err;

	while (!count || seen < count) {
		int wait_ms = -1;

		if (timeout_s) {
			int64_t left = deadline - monotonic_ms();

			if (left <= 0)
				goto timed_out;
			wait_ms = left > INT32_MAX ? INT32_MAX : (int)left;
		}
		err = vmexit_next_event(client, &event, wait_ms, &lost);
		if (lost != lost_said) {
			fprintf(stderr,
				"vmexit-stat: events: the kernel dropped "
				"notifications for us (receive buffer "
				"full)\n");
			lost_said = lost;
		}
		if (err < 0) {
			vmexit_print_error(client, "events", err);
			return 1;
		}
		if (!err)
			continue; /* the deadline, checked above */
		if (print_event(&event, json))
			return 1;
		seen++;
	}
	return 0;

timed_out:
	fprintf(stderr, "vmexit-stat: events: timed out after %" PRIu32 "s",
		timeout_s);
	if (count)
		fprintf(stderr, " with %" PRIu32 " of %" PRIu32 " events", seen,
			count);
	fputc('\n', stderr);
	return 1;
}

int cmd_events(int argc, char **argv)
{
	static const struct option options[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct vmexit_client client;
	uint32_t count = 0, timeout_s = 0;
	bool json = false;
	int opt, err, status;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "n:t:jh", options, NULL)) != -1) {
		switch (opt) {
		case 'n':
			if (!cli_parse_u32(optarg, &count) || !count)
				return cli_bad_usage(events_usage,
						     "--count wants a number "
						     "of events, not '%s'",
						     optarg);
			break;
		case 't':
			if (!cli_parse_u32(optarg, &timeout_s) || !timeout_s)
				return cli_bad_usage(events_usage,
						     "--timeout wants "
						     "seconds, not '%s'",
						     optarg);
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			events_usage(stdout);
			return 0;
		default:
			events_usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		return cli_bad_usage(events_usage, "events: unexpected '%s'",
				     argv[optind]);

	if (vmexit_connect(&client))
		return 1;
	err = vmexit_subscribe_lifecycle(&client);
	if (err) {
		vmexit_print_error(&client, "joining the lifecycle group", err);
		/* the kernel checks group joins by capability, no extack */
		if (err == -EPERM || err == -EACCES)
			fprintf(stderr,
				"vmexit-stat: the lifecycle notifications "
				"need CAP_SYS_ADMIN: run it as root, or load "
				"the module with unprivileged_read=1\n");
		vmexit_client_close(&client);
		return 1;
	}
	fprintf(stderr, "listening\n");
	status = listen_events(&client, count, timeout_s, json);
	vmexit_client_close(&client);
	return status;
}
