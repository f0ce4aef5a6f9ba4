// SPDX-License-Identifier: GPL-2.0
/*
 * Option values, usage errors and the kernel's refusals, the same way in
 * every subcommand.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "json_out.h"
#include "vm_name.h"

/*
 * Weak: the unit tests link the views without bpf_backend.c and libbpf;
 * in such a build the BPF backend is absent and says so.
 */
#pragma weak bpf_backend_collect

bool cli_parse_u32(const char *arg, uint32_t *value)
{
	unsigned long long parsed;
	char *end;

	if (!isdigit((unsigned char)arg[0]))
		return false;
	errno = 0;
	parsed = strtoull(arg, &end, 10);
	if (errno || *end || parsed > UINT32_MAX)
		return false;
	*value = parsed;
	return true;
}

bool cli_parse_seconds(const char *arg, double max_seconds, uint64_t *ns)
{
	char *end;
	double sec;

	/* a plain number: strtod would take a sign too */
	if (!arg[0] || arg[0] == '-' || arg[0] == '+')
		return false;
	errno = 0;
	sec = strtod(arg, &end);
	if (errno || *end || !(sec >= 0.001) || sec > max_seconds)
		return false;
	*ns = (uint64_t)llround(sec * 1e9);
	return true;
}

bool cli_parse_vm_id(const char *arg, uint64_t *value)
{
	const char *digits = arg;
	size_t i;

	if (!strncasecmp(digits, "0x", 2))
		digits += 2;
	if (!digits[0] || strlen(digits) > 16)
		return false;
	for (i = 0; digits[i]; i++)
		if (!isxdigit((unsigned char)digits[i]))
			return false;
	*value = strtoull(digits, NULL, 16);
	return true;
}

bool cli_parse_on_off(const char *arg, bool *value)
{
	static const char *const on[] = { "on", "1", "yes", "true" };
	static const char *const off[] = { "off", "0", "no", "false" };
	size_t i;

	for (i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
		if (!strcasecmp(arg, on[i])) {
			*value = true;
			return true;
		}
		if (!strcasecmp(arg, off[i])) {
			*value = false;
			return true;
		}
	}
	return false;
}

int cli_bad_usage(void (*usage)(FILE *out), const char *fmt, ...)
{
	va_list ap;

	fputs("vmexit-stat: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr);
	return 2;
}

void cli_report_read_error(const struct vmexit_client *client, const char *what,
			   int err)
{
	vmexit_print_error(client, what, err);
	if (err == -EPERM || err == -EACCES)
		fprintf(stderr,
			"vmexit-stat: reading the statistics needs "
			"CAP_PERFMON or CAP_SYS_ADMIN: run it as root, or "
			"load the module with unprivileged_read=1\n");
}

void cli_report_admin_error(const struct vmexit_client *client,
			    const char *what, int err)
{
	vmexit_print_error(client, what, err);
	if (err == -EPERM || err == -EACCES)
		fprintf(stderr,
			"vmexit-stat: %s needs CAP_NET_ADMIN: run it "
			"as root\n",
			what);
}

int cli_print_json(struct json_object *doc)
{
	if (!doc) {
		fprintf(stderr, "vmexit-stat: out of memory\n");
		return 1;
	}
	json_doc_print(stdout, doc);
	json_object_put(doc);
	return 0;
}

/* Enough to list every VMM a name matches when it is not one. */
#define CLI_VM_NAME_MATCHES_SHOWN 16

int cli_parse_vm(const char *arg, uint32_t *pid, void (*usage)(FILE *out))
{
	pid_t matches[CLI_VM_NAME_MATCHES_SHOWN];
	int found, i;

	/* No VMM's name starts so, and a negative pid is a mistake. */
	if ((arg[0] >= '0' && arg[0] <= '9') || arg[0] == '-') {
		if (!cli_parse_u32(arg, pid) || !*pid)
			return cli_bad_usage(usage,
					     "--vm wants a pid or a VM's "
					     "name, not '%s'",
					     arg);
		return 0;
	}
	if (!arg[0])
		return cli_bad_usage(usage,
				     "--vm wants a pid or a VM's name, not ''");

	found = vm_name_find("/proc", arg, matches, CLI_VM_NAME_MATCHES_SHOWN);
	if (found < 0) {
		fprintf(stderr, "vmexit-stat: cannot list /proc: %s\n",
			strerror(-found));
		return 1;
	}
	if (!found) {
		fprintf(stderr,
			"vmexit-stat: no VM named %s is running: 'vmexit-stat "
			"vms' lists the VMs and their names\n",
			arg);
		return 1;
	}
	if (found > 1) {
		fprintf(stderr, "vmexit-stat: %d VMs are named %s: pid", found,
			arg);
		for (i = 0; i < found && i < CLI_VM_NAME_MATCHES_SHOWN; i++)
			fprintf(stderr, "%s %d", i ? "," : "", (int)matches[i]);
		fprintf(stderr, "%s; choose one with --vm PID\n",
			found > CLI_VM_NAME_MATCHES_SHOWN ? ", ..." : "");
		return 1;
	}
	*pid = matches[0];
	return 0;
}

int cli_filter_option(struct vmexit_filter *filter, int opt, const char *arg,
		      void (*usage)(FILE *out))
{
	switch (opt) {
	case 'p': {
		int status = cli_parse_vm(arg, &filter->pid, usage);

		if (status)
			return status;
		filter->by_pid = true;
		return 0;
	}
	case CLI_OPT_VM_ID:
		if (!cli_parse_vm_id(arg, &filter->vm_id))
			return cli_bad_usage(usage,
					     "--vm-id wants a vm_id (up to 16 "
					     "hex digits), not '%s'",
					     arg);
		filter->by_vm_id = true;
		return 0;
	case CLI_OPT_VCPU:
		if (!cli_parse_u32(arg, &filter->vcpu_id))
			return cli_bad_usage(usage,
					     "--vcpu wants a vCPU number, not "
					     "'%s'",
					     arg);
		filter->by_vcpu = true;
		return 0;
	}
	return -1;
}

void cli_source_usage(FILE *out)
{
	fprintf(out,
		"  -b, --backend B     module, bpf, or auto (default): the "
		"module when it\n"
		"                      is loaded, else BPF when given "
		"--interval or CMD\n"
		"  -i, --interval SEC  BPF: count for SEC seconds\n"
		"      --max-counters N  BPF: size of the counter maps "
		"(default %u)\n"
		"      --counts-only   BPF: exit counts alone (no latency, "
		"user-space exits\n"
		"                      or drill-down), for a third of the "
		"cost per exit\n"
		"  -- CMD...           BPF: count while CMD runs\n",
		BPF_BACKEND_MAX_COUNTERS);
}

int cli_source_option(struct cli_source *src, int opt, const char *arg,
		      void (*usage)(FILE *out))
{
	switch (opt) {
	case 'b':
		if (!strcmp(arg, "module"))
			src->backend = CLI_BACKEND_MODULE;
		else if (!strcmp(arg, "bpf"))
			src->backend = CLI_BACKEND_BPF;
		else if (!strcmp(arg, "auto"))
			src->backend = CLI_BACKEND_AUTO;
		else
			return cli_bad_usage(usage,
					     "unknown backend '%s': module, "
					     "bpf or auto",
					     arg);
		return 0;
	case 'i':
		if (!cli_parse_u32(arg, &src->how.interval) ||
		    !src->how.interval)
			return cli_bad_usage(usage,
					     "--interval wants seconds, not "
					     "'%s'",
					     arg);
		src->timed = true;
		return 0;
	case CLI_OPT_COUNTS_ONLY:
		src->how.counts_only = true;
		return 0;
	case CLI_OPT_MAX_COUNTERS:
		if (!cli_parse_u32(arg, &src->how.max_counters) ||
		    !src->how.max_counters)
			return cli_bad_usage(usage,
					     "--max-counters wants a number, "
					     "not '%s'",
					     arg);
		return 0;
	}
	return -1;
}

int cli_source_finish(struct cli_source *src, int argc, char **argv,
		      const char *view, void (*usage)(FILE *out))
{
	/* getopt stops at "--": what follows is the command to run. */
	if (optind < argc && optind > 0 && !strcmp(argv[optind - 1], "--")) {
		src->how.cmd = argv + optind;
		src->timed = true;
	}
	if (optind < argc && !src->how.cmd)
		return cli_bad_usage(usage, "%s: unexpected '%s'", view,
				     argv[optind]);
	if (src->how.cmd && src->how.interval)
		return cli_bad_usage(
			usage, "%s: --interval or -- CMD, not both", view);
	if (src->periodic && src->timed)
		return cli_bad_usage(usage,
				     "%s: an interval to report every, or "
				     "--interval / -- CMD to count for, not "
				     "both",
				     view);

	if (src->backend == CLI_BACKEND_AUTO) {
		if (!access("/sys/module/vmexit_stat", F_OK)) {
			src->backend = CLI_BACKEND_MODULE;
		} else if (src->timed || src->periodic) {
			src->backend = CLI_BACKEND_BPF;
		} else {
			/* keep the module's answer: how to load it */
			src->backend = CLI_BACKEND_MODULE;
			src->suggest_bpf = true;
		}
	}
	if (src->backend == CLI_BACKEND_MODULE && src->how.counts_only)
		return cli_bad_usage(
			usage,
			"%s: --counts-only is for --backend bpf; "
			"the module's own switches are 'vmexit-stat "
			"config --latency off --details off'",
			view);
	if (src->backend == CLI_BACKEND_MODULE && src->how.max_counters)
		return cli_bad_usage(usage,
				     "%s: --max-counters is for --backend bpf; "
				     "the module's memory is its max_memory_kb "
				     "parameter",
				     view);
	if (src->backend == CLI_BACKEND_MODULE && src->timed)
		return cli_bad_usage(usage,
				     "%s: --interval and -- CMD are for "
				     "--backend bpf; the module's counters "
				     "run since it was loaded or reset",
				     view);
	return 0;
}

int cli_run_bpf(const struct cli_source *src,
		const struct vmexit_filter *filter,
		int (*print)(struct bpf_collection *got, void *ctx), void *ctx)
{
	struct bpf_collection got = {};
	int status;

	if (!bpf_backend_collect) {
		fprintf(stderr, "vmexit-stat: this build has no BPF backend\n");
		return 1;
	}
	if (filter && cli_check_vm(NULL, filter, true))
		return 1;
	status = bpf_backend_collect(&src->how, filter, &got);
	if (!status)
		status = print(&got, ctx);
	if (!status && got.cmd_status) {
		fprintf(stderr, "vmexit-stat: '%s' exited with status %d\n",
			src->how.cmd[0], got.cmd_status);
		status = 1;
	}
	bpf_collection_free(&got);
	return status;
}

static bool process_exists(uint32_t pid)
{
	return !kill((pid_t)pid, 0) || errno == EPERM;
}

int cli_check_vm(struct vmexit_client *client,
		 const struct vmexit_filter *filter, bool wait_for_pid)
{
	struct vmexit_filter vm_only = {};
	struct vmexit_vms vms = {};
	bool alive, known;
	int err;

	if (!filter || (!filter->by_pid && !filter->by_vm_id))
		return 0;
	alive = filter->by_pid && process_exists(filter->pid);
	if (filter->by_pid && !alive && !client) {
		fprintf(stderr,
			"vmexit-stat: no process has pid %" PRIu32
			", so it runs no VM: give --vm the pid of a VMM "
			"(QEMU, ...) or a VM's name\n",
			filter->pid);
		return 1;
	}
	/* BPF's vm_ids are its own: none is known before it counts. */
	if (!client || (alive && wait_for_pid))
		return 0;

	vm_only.by_pid = filter->by_pid;
	vm_only.pid = filter->pid;
	vm_only.by_vm_id = filter->by_vm_id;
	vm_only.vm_id = filter->vm_id;
	err = vmexit_dump_vms(client, &vm_only, &vms);
	if (err) {
		cli_report_read_error(client, "dump VMs", err);
		return 1;
	}
	known = vms.nr > 0;
	vmexit_vms_free(&vms);
	if (known)
		return 0;
	if (filter->by_vm_id)
		fprintf(stderr,
			"vmexit-stat: the module knows no VM with vm_id "
			"%016" PRIx64 "%s: 'vmexit-stat vms' lists them\n",
			filter->vm_id, filter->by_pid ? " of that pid" : "");
	else if (alive)
		fprintf(stderr,
			"vmexit-stat: process %" PRIu32
			" has no VM the module knows of, running or ended: "
			"'vmexit-stat vms' lists them\n",
			filter->pid);
	else
		fprintf(stderr,
			"vmexit-stat: no process has pid %" PRIu32
			", and the module knows no VM of it that ended: "
			"'vmexit-stat vms' lists the VMs\n",
			filter->pid);
	return 1;
}

void cli_suggest_bpf(const struct cli_source *src)
{
	if (src->suggest_bpf && bpf_backend_collect)
		fprintf(stderr,
			"vmexit-stat: or count without the module, with BPF: "
			"add --interval SEC or -- CMD\n");
}
