// SPDX-License-Identifier: GPL-2.0
/*
 * The command lines of show, reset and selftest, run in this process
 * with stdout and stderr captured.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "commands.h"
#include "unit.h"

static struct captured run(int (*cmd)(int, char **), const char *a0,
			   const char *a1, const char *a2)
{
	const char *argv[] = { a0, a1, a2, NULL };

	return unit_run_command(cmd, argv);
}

static void help_on_stdout(void)
{
	struct captured cap;

	cap = run(cmd_show, "show", "--help", NULL);
	CHECK_U64(cap.status, 0);
	CHECK_CONTAINS(cap.out, "usage: vmexit-stat show");
	CHECK_STR(cap.err, "");
	release(&cap);

	cap = run(cmd_reset, "reset", "-h", NULL);
	CHECK_U64(cap.status, 0);
	CHECK_CONTAINS(cap.out, "usage: vmexit-stat reset");
	release(&cap);

	cap = run(cmd_selftest, "selftest", "--help", NULL);
	CHECK_U64(cap.status, 0);
	CHECK_CONTAINS(cap.out, "usage: vmexit-stat selftest");
	release(&cap);
}

static void new_commands_help(void)
{
	static const struct {
		int (*cmd)(int, char **);
		const char *name;
		const char *usage;
	} cases[] = {
		{ cmd_vms, "vms", "usage: vmexit-stat vms" },
		{ cmd_details, "details", "usage: vmexit-stat details" },
		{ cmd_info, "info", "usage: vmexit-stat info" },
		{ cmd_config, "config", "usage: vmexit-stat config" },
		{ cmd_events, "events", "usage: vmexit-stat events" },
		{ cmd_sched, "sched", "usage: vmexit-stat sched" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct captured cap =
			run(cases[i].cmd, cases[i].name, "--help", NULL);

		CHECK_U64(cap.status, 0);
		CHECK_CONTAINS(cap.out, cases[i].usage);
		CHECK_CONTAINS(cap.out, "--json");
		CHECK_STR(cap.err, "");
		release(&cap);
	}
}

static void bad_usage_exits_2(void)
{
	/* why: what the message must say, besides the usage */
	static const struct {
		int (*cmd)(int, char **);
		const char *argv[3];
		const char *why;
	} cases[] = {
		{ cmd_show, { "show", "--bogus" }, "unrecognized option" },
		{ cmd_show, { "show", "--vm", "12ab" }, "--vm wants a pid" },
		{ cmd_show, { "show", "--vm", "0" }, "--vm wants a pid" },
		{ cmd_show, { "show", "--vcpu", "-1" }, "--vcpu wants" },
		{ cmd_show, { "show", "--vcpu", "4294967296" }, "--vcpu wants" },
		{ cmd_show, { "show", "--vcpu", "+1" }, "--vcpu wants" },
		{ cmd_show, { "show", "--vm-id", "xyz" }, "--vm-id wants" },
		{ cmd_show, { "show", "--vm-id", "0x" }, "--vm-id wants" },
		{ cmd_show,
		  { "show", "--vm-id", "12345678901234567" },
		  "--vm-id wants" },
		{ cmd_show, { "show", "extra" }, "interval is seconds" },
		{ cmd_show, { "show", "1", "0" }, "count is a number" },
		{ cmd_show, { "show", "--reason", "nosuch" }, "no VMX or SVM" },
		{ cmd_show, { "show", "--reason", "0xzz" }, "no VMX or SVM" },
		{ cmd_show, { "show", "--reason", "," }, "wants a name" },
		{ cmd_show, { "show", "--sort", "size" }, "the keys are" },
		{ cmd_show, { "show", "--top", "0" }, "--top wants" },
		{ cmd_show, { "show", "--json", "--csv" }, "choose one format" },
		{ cmd_show, { "show", "--ndjson", "-j" }, "choose one format" },
		{ cmd_show, { "show", "--interval=2", "1" }, "not both" },
		{ cmd_latency, { "latency", "--bogus" }, "unrecognized option" },
		{ cmd_latency,
		  { "latency", "--counts-only" },
		  "leaves no latency" },
		{ cmd_latency, { "latency", "--sort", "x" }, "the keys are" },
		{ cmd_latency, { "latency", "0.5", "x" }, "count is a number" },
		{ cmd_reset, { "reset", "--json" }, "unrecognized option" },
		{ cmd_reset, { "reset", "extra" }, "unexpected 'extra'" },
		{ cmd_selftest,
		  { "selftest", "--vcpus", "0" },
		  "--vcpus wants" },
		{ cmd_selftest,
		  { "selftest", "--vcpus", "65" },
		  "--vcpus wants" },
		{ cmd_selftest,
		  { "selftest", "--vcpus" },
		  "requires an argument" },
		{ cmd_vms, { "vms", "--bogus" }, "unrecognized option" },
		{ cmd_vms, { "vms", "--vm", "-3" }, "--vm wants a pid" },
		{ cmd_vms, { "vms", "--vm-id", "g" }, "--vm-id wants" },
		{ cmd_vms, { "vms", "extra" }, "unexpected 'extra'" },
		{ cmd_details, { "details", "--limit", "0" }, "--limit wants" },
		{ cmd_details,
		  { "details", "--limit", "1025" },
		  "--limit wants" },
		{ cmd_details, { "details", "--limit", "1x" }, "--limit wants" },
		{ cmd_details, { "details", "--vm", "" }, "--vm wants a pid" },
		{ cmd_details, { "details", "--vm-id", "" }, "--vm-id wants" },
		{ cmd_details, { "details", "--vcpu", "1" }, "unrecognized" },
		{ cmd_details, { "details", "extra" }, "unexpected 'extra'" },
		{ cmd_show,
		  { "show", "--backend=module", "--counts-only" },
		  "--counts-only is for --backend bpf" },
		{ cmd_vms,
		  { "vms", "--backend=module", "--max-counters=4" },
		  "--max-counters is for --backend bpf" },
		{ cmd_vms,
		  { "vms", "--backend=module", "--interval=1" },
		  "are for --backend bpf" },
		{ cmd_details,
		  { "details", "--backend", "nope" },
		  "unknown backend 'nope'" },
		{ cmd_details,
		  { "details", "--max-counters", "0" },
		  "--max-counters wants" },
		{ cmd_info, { "info", "--interval", "0" }, "--interval wants" },
		{ cmd_info, { "info", "--vm", "1" }, "unrecognized option" },
		{ cmd_info, { "info", "extra" }, "unexpected 'extra'" },
		{ cmd_config, { "config", "--latency", "maybe" }, "--latency" },
		{ cmd_config, { "config", "--details", "2" }, "--details" },
		{ cmd_config,
		  { "config", "--latency" },
		  "requires an argument" },
		{ cmd_config,
		  { "config", "--ended-vm-ttl", "-1" },
		  "--ended-vm-ttl wants" },
		{ cmd_config,
		  { "config", "--ended-vm-ttl", "4294967296" },
		  "--ended-vm-ttl wants" },
		{ cmd_config, { "config", "on" }, "unexpected 'on'" },
		{ cmd_events, { "events", "--count", "0" }, "--count wants" },
		{ cmd_events, { "events", "--count", "x" }, "--count wants" },
		{ cmd_events,
		  { "events", "--timeout", "0" },
		  "--timeout wants" },
		{ cmd_events,
		  { "events", "--timeout", "-5" },
		  "--timeout wants" },
		{ cmd_events, { "events", "extra" }, "unexpected 'extra'" },
		{ cmd_sched, { "sched", "--bogus" }, "unrecognized option" },
		{ cmd_sched, { "sched", "--cpu", "x" }, "--cpu wants" },
		{ cmd_sched, { "sched", "--vm", "0" }, "--vm wants a pid" },
		{ cmd_sched, { "sched", "--vcpu", "-1" }, "--vcpu wants" },
		{ cmd_sched, { "sched", "--vm-id", "g" }, "--vm-id wants" },
		{ cmd_sched,
		  { "sched", "--backend", "nope" },
		  "unknown backend 'nope'" },
		{ cmd_sched, { "sched", "0" }, "the interval is seconds" },
		{ cmd_sched, { "sched", "1s" }, "the interval is seconds" },
		{ cmd_sched, { "sched", "nan" }, "the interval is seconds" },
		{ cmd_sched, { "sched", "1", "0" }, "the count is" },
		{ cmd_sched, { "sched", "0.5", "x" }, "the count is" },
		{ cmd_sched, { "sched", "--interval=1" }, "unrecognized" },
		{ cmd_config, { "config", "--sched", "maybe" }, "--sched" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct captured cap = run(cases[i].cmd, cases[i].argv[0],
					  cases[i].argv[1], cases[i].argv[2]);

		if (cap.status != 2)
			unit_fail(__FILE__, __LINE__, "%s %s: status %d",
				  cases[i].argv[0], cases[i].argv[1],
				  cap.status);
		CHECK_CONTAINS(cap.err, cases[i].why);
		CHECK_CONTAINS(cap.err, "usage: vmexit-stat");
		CHECK_STR(cap.out, "");
		release(&cap);
	}
}

/* Only where the module is not loaded, as on a build machine. */
static void without_module(void)
{
	static const char hint[] =
		"vmexit_stat module not loaded: load it with 'insmod "
		"module/vmexit_stat.ko' (kvm must be loaded first) or "
		"'modprobe vmexit_stat'";
	int (*const cmds[])(int,
			    char **) = { cmd_show,   cmd_reset,	  cmd_selftest,
					 cmd_vms,    cmd_details, cmd_info,
					 cmd_config, cmd_events,  cmd_sched };
	static const struct {
		int (*cmd)(int, char **);
		const char *args[2];
	} options[] = {
		{ cmd_show, { "--vcpus", "--sort=time" } },
		{ cmd_show, { "--reason=cpuid,io", "--top=2" } },
		{ cmd_show, { "--csv", "--vm-id=1" } },
		{ cmd_show, { "--ndjson", "--vcpu=0" } },
		{ cmd_show, { "-j", "-c" } },
		{ cmd_latency, { "--vcpus", "--sort=count" } },
		{ cmd_latency, { "--csv", "--top=1" } },
		{ cmd_latency, { "--ndjson", "--reason=hlt" } },
	};
	size_t i;

	if (!access("/sys/module/vmexit_stat", F_OK)) {
		printf("     (module loaded: not-loaded path skipped)\n");
		return;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct captured cap = run(cmds[i], "cmd", NULL, NULL);

		CHECK(cap.status != 0);
		CHECK_CONTAINS(cap.err, hint);
		CHECK_STR(cap.out, "");
		release(&cap);
	}
	/* every option taken, on to the module's error: none ends early */
	for (i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		struct captured cap = run(options[i].cmd, "cmd",
					  options[i].args[0],
					  options[i].args[1]);

		if (cap.status != 1)
			unit_fail(__FILE__, __LINE__, "%s %s: status %d",
				  options[i].args[0], options[i].args[1],
				  cap.status);
		CHECK_CONTAINS(cap.err, hint);
		release(&cap);
	}
}

const struct unit_test cli_tests[] = {
	{ "cli: --help on stdout, status 0", help_on_stdout },
	{ "cli: --help of vms, details, info, config, events",
	  new_commands_help },
	{ "cli: bad usage, status 2", bad_usage_exits_2 },
	{ "cli: without the module", without_module },
	{}
};
