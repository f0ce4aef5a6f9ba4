/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_CLI_H
#define VMEXIT_STAT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bpf_backend.h"
#include "genl_client.h"

/*
 * What every subcommand does the same way: reading option values,
 * refusing bad ones (a message, the usage, status 2), explaining the
 * kernel's refusals, printing JSON.
 */

struct json_object;

/* A decimal number, no sign, no garbage, within uint32_t. */
bool cli_parse_u32(const char *arg, uint32_t *value);

/*
 * Seconds, fractions allowed, from a millisecond to max_seconds, into
 * nanoseconds.
 */
bool cli_parse_seconds(const char *arg, double max_seconds, uint64_t *ns);

/* A vm_id as vmexit-stat prints it: 1 to 16 hex digits, "0x" optional. */
bool cli_parse_vm_id(const char *arg, uint64_t *value);

/* "on" or "off" (also 1/0, yes/no, true/false). */
bool cli_parse_on_off(const char *arg, bool *value);

/*
 * Prints "vmexit-stat: <message>" and usage on stderr; returns 2, the
 * status of every bad command line.
 */
int cli_bad_usage(void (*usage)(FILE *out), const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The kernel refused or failed a read: its message, and for a missing
 * privilege the way to get it.
 */
void cli_report_read_error(const struct vmexit_client *client, const char *what,
			   int err);

/* The same for a change (reset, config): those need CAP_NET_ADMIN. */
void cli_report_admin_error(const struct vmexit_client *client,
			    const char *what, int err);

/* Prints and frees doc; 0, or 1 when doc is NULL (out of memory). */
int cli_print_json(struct json_object *doc);

/*
 * The value of --vm: a pid, or the name of a running VM (vm_name.h says
 * where names come from) resolved to its VMM's pid by a scan of /proc.
 * An argument that starts with a digit is a pid.  0 with *pid set; 2
 * after refusing the argument (usage printed); 1 after saying that no
 * VM, or more than one (their pids listed), has that name.
 */
int cli_parse_vm(const char *arg, uint32_t *pid, void (*usage)(FILE *out));

/*
 * Which VMs and vCPUs a view shows, in the same words in every view:
 * -p, --vm PID|NAME; --vm-id ID; --vcpu N (each view lists those it
 * takes).
 */
#define CLI_OPT_VM_ID 514
#define CLI_OPT_VCPU 515

/*
 * One of them: 0 when taken, 2 after refusing its value (usage
 * printed), 1 when no VM or several have --vm's name, -1 when opt is
 * none of them.
 */
int cli_filter_option(struct vmexit_filter *filter, int opt, const char *arg,
		      void (*usage)(FILE *out));

/*
 * Where a view's numbers come from: the module, or the BPF backend
 * counting for an interval or while a command runs.  Every view that
 * reads counters (show, vms, details) takes the same options.
 */
enum cli_backend { CLI_BACKEND_AUTO, CLI_BACKEND_MODULE, CLI_BACKEND_BPF };

struct cli_source {
	enum cli_backend backend;
	struct bpf_collect how;
	bool timed; /* --interval or -- CMD */
	/* the view reports every interval: both backends can */
	bool periodic;
	/* auto found no module and no time to count for: say how to */
	bool suggest_bpf;
};

#define CLI_OPT_MAX_COUNTERS 512
#define CLI_OPT_COUNTS_ONLY 513

#define CLI_SOURCE_SHORT_OPTIONS "b:i:"
/* One option a line. */
/* clang-format off */
#define CLI_SOURCE_LONG_OPTIONS						\
	{ "backend", required_argument, NULL, 'b' },			\
	{ "interval", required_argument, NULL, 'i' },			\
	{ "max-counters", required_argument, NULL, CLI_OPT_MAX_COUNTERS }, \
	{ "counts-only", no_argument, NULL, CLI_OPT_COUNTS_ONLY }
/* clang-format on */

/* The options' lines of a usage text. */
void cli_source_usage(FILE *out);

/*
 * One of CLI_SOURCE_LONG_OPTIONS: 0 when taken, 2 after refusing its
 * value (usage printed), -1 when opt is none of them.
 */
int cli_source_option(struct cli_source *src, int opt, const char *arg,
		      void (*usage)(FILE *out));

/*
 * After getopt: what follows "--" is the command to count while it
 * runs; anything else left is refused.  Resolves auto: the module when
 * it is loaded, since its counters cover all the time since it was
 * loaded or reset; otherwise BPF, when told for how long to count.
 * 0, or 2 after refusing the command line.
 */
int cli_source_finish(struct cli_source *src, int argc, char **argv,
		      const char *view, void (*usage)(FILE *out));

/*
 * Runs the BPF collection src asks for and hands what it counted to
 * print (a view's printer, given ctx; it returns 0 or 1).  0, or 1 after
 * saying why: the collection failed, the printer did, or the counted
 * command did (what it counted is printed first).
 */
int cli_run_bpf(const struct cli_source *src,
		const struct vmexit_filter *filter,
		int (*print)(struct bpf_collection *got, void *ctx), void *ctx);

/*
 * Refuses a --vm PID or --vm-id that names no VM, so that a mistyped pid
 * does not pass for an idle VM.  With the module (client), it must know
 * the VM, running or ended; with BPF (client NULL), which knows no VM
 * before it counts, a pid must be a live process.  With wait_for_pid a
 * live process is enough for the module too: its VMM may make its VM
 * later (top, export).  0, or 1 after saying what is not there.
 */
int cli_check_vm(struct vmexit_client *client,
		 const struct vmexit_filter *filter, bool wait_for_pid);

/* After a module read failed with suggest_bpf set: the alternative. */
void cli_suggest_bpf(const struct cli_source *src);

#endif /* VMEXIT_STAT_CLI_H */
