// SPDX-License-Identifier: GPL-2.0
/*
 * user/metrics.c: what `vmexit-stat export` serves, line by line.
 */
#include <stdio.h>
#include <stdlib.h>

#include "metrics.h"
#include "unit.h"

/* SVM's exit codes, as asm/svm.h numbers them. */
#define SVM_CPUID 0x072
#define SVM_HLT 0x078
#define SVM_IOIO 0x07b

static void test_vm_name(const struct vmexit_vm *vm, char *name, size_t size)
{
	snprintf(name, size, "name-of-%u", vm->pid);
}

static struct vmexit_record exit_record(uint32_t pid, uint32_t vcpu,
					uint32_t code, uint64_t count)
{
	struct vmexit_record rec = {
		.vm_pid = pid,
		.vm_id = 0xabc,
		.vcpu_id = vcpu,
		.isa = VMEXIT_STAT_ISA_SVM,
		.code = code,
		.count = count,
	};

	return rec;
}

static void add_vm(struct metrics_snapshot *snap, uint32_t pid,
		   const char *comm)
{
	struct vmexit_vm vm = { .pid = pid, .vm_id = 0xabc, .vcpus_live = 2 };

	snprintf(vm.comm, sizeof(vm.comm), "%s", comm);
	CHECK(!vmexit_vms_add(&snap->vms, &vm));
}

static char *format(const struct metrics_snapshot *snap,
		    enum metrics_format fmt)
{
	char *text = NULL;
	size_t len = 0;

	CHECK(!metrics_format_text(snap, fmt, &text, &len));
	CHECK(text && strlen(text) == len);
	return text;
}

/* The value of the one line that starts with series + " ", or -1. */
static long long value_of(const char *text, const char *series)
{
	size_t len = strlen(series);
	const char *line;

	for (line = text; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, series, len) && line[len] == ' ')
			return strtoll(line + len + 1, NULL, 10);
	}
	return -1;
}

static unsigned int count_lines(const char *text, const char *prefix)
{
	size_t len = strlen(prefix);
	unsigned int n = 0;
	const char *line = text;

	while (line && *line) {
		if (!strncmp(line, prefix, len))
			n++;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return n;
}

static void seconds_exact(void)
{
	char buf[METRICS_SECONDS_LEN];

	CHECK_STR(metrics_seconds(0, buf, sizeof(buf)), "0");
	CHECK_STR(metrics_seconds(1500000000, buf, sizeof(buf)), "1.5");
	CHECK_STR(metrics_seconds(256, buf, sizeof(buf)), "0.000000256");
	CHECK_STR(metrics_seconds(3000000000ULL, buf, sizeof(buf)), "3");
	CHECK_STR(metrics_seconds(1, buf, sizeof(buf)), "0.000000001");
	CHECK_STR(metrics_seconds(UINT64_MAX, buf, sizeof(buf)),
		  "18446744073.709551615");
}

static void label_values_escaped(void)
{
	struct metrics_snapshot snap = { .backend = "module" };
	struct vmexit_record rec = exit_record(7, 0, SVM_HLT, 3);
	char *text;

	add_vm(&snap, 7, "a\"b\\c\nd");
	CHECK(!vmexit_records_add(&snap.exits, &rec));
	text = format(&snap, METRICS_PROMETHEUS);
	CHECK_CONTAINS(text, "vmexit_stat_exits_total{vm=\"a\\\"b\\\\c\\nd\","
			     "pid=\"7\",vm_id=\"0000000000000abc\",isa=\"svm\","
			     "reason=\"hlt\"} 3\n");
	free(text);
	metrics_snapshot_free(&snap);
}

static void names_and_types(void)
{
	struct metrics_snapshot snap = {
		.backend = "module",
		.has_sched = true,
		.vm_name = test_vm_name,
	};
	struct vmexit_record cpuid = exit_record(42, 0, SVM_CPUID, 10);
	struct vmexit_user_record user = {
		.vm_pid = 42,
		.vm_id = 0xabc,
		.reason = 2 /* KVM_EXIT_IO */,
		.count = 5,
	};
	struct vmexit_sched sched = {
		.vm_pid = 42,
		.vm_id = 0xabc,
		.vcpu_id = 1,
		.wait_ns = 2500000000ULL,
		.run_ns = 1,
		.idle_ns = 0,
	};
	char *prom, *open;

	add_vm(&snap, 42, "qemu");
	snap.info.dropped_no_vcpu_slot = 4;
	snap.info.exits_dropped = 4;
	snap.info.family_version = 4;
	snprintf(snap.info.version, sizeof(snap.info.version), "0.2.0");
	CHECK(!vmexit_records_add(&snap.exits, &cpuid));
	CHECK(!vmexit_user_records_add(&snap.user_exits, &user));
	CHECK(!vmexit_scheds_add(&snap.sched, &sched));
	prom = format(&snap, METRICS_PROMETHEUS);
	open = format(&snap, METRICS_OPENMETRICS);

	/* The Prometheus format names a counter's family with _total ... */
	CHECK_CONTAINS(prom, "# TYPE vmexit_stat_exits_total counter\n");
	CHECK_CONTAINS(prom, "# HELP vmexit_stat_exits_total ");
	/* ... OpenMetrics without, and ends with # EOF. */
	CHECK_CONTAINS(open, "# TYPE vmexit_stat_exits counter\n");
	CHECK_CONTAINS(open, "# HELP vmexit_stat_exits ");
	CHECK(strstr(open, "# EOF\n") &&
	      !strcmp(strstr(open, "# EOF\n"), "# EOF\n"));
	CHECK(!strstr(prom, "# EOF"));
	CHECK_CONTAINS(
		prom, "vmexit_stat_exits_total{vm=\"name-of-42\",pid=\"42\","
		      "vm_id=\"0000000000000abc\",isa=\"svm\",reason=\"cpuid\"}"
		      " 10\n");
	CHECK_CONTAINS(prom, "vmexit_stat_user_exits_total{vm=\"name-of-42\","
			     "pid=\"42\",vm_id=\"0000000000000abc\","
			     "reason=\"io\"} 5\n");
	CHECK_CONTAINS(prom, "vmexit_stat_vcpu_steal_seconds_total{vm=\"name-"
			     "of-42\",pid=\"42\",vm_id=\"0000000000000abc\","
			     "vcpu=\"1\"} 2.5\n");
	CHECK_CONTAINS(prom, "vmexit_stat_vcpu_run_seconds_total{");
	CHECK_CONTAINS(prom,
		       "vmexit_stat_vm_vcpus{vm=\"name-of-42\",pid=\"42\","
		       "vm_id=\"0000000000000abc\"} 2\n");
	CHECK_CONTAINS(prom, "vmexit_stat_exits_dropped_total{cause=\"no_vcpu_"
			     "slot\"} 4\n");
	CHECK_CONTAINS(prom, "vmexit_stat_exits_dropped_total{cause=\"other\"} "
			     "0\n");
	CHECK_CONTAINS(prom,
		       "vmexit_stat_build_info{backend=\"module\","
		       "collector=\"0.2.0\",kernel=\"\",protocol=\"4\"} 1\n");
	/* Every family has HELP and TYPE, once. */
	CHECK(count_lines(prom, "# HELP ") == count_lines(prom, "# TYPE "));
	CHECK(count_lines(open, "# HELP ") == count_lines(prom, "# HELP "));
	CHECK(count_lines(prom, "# TYPE ") == 10);
	free(prom);
	free(open);
	metrics_snapshot_free(&snap);
}

static void histogram_cumulative(void)
{
	struct metrics_snapshot snap = { .backend = "bpf" };
	struct vmexit_record a = exit_record(9, 0, SVM_IOIO, 6);
	struct vmexit_record b = exit_record(9, 1, SVM_IOIO, 4);
	const char *labels = "{vm=\"9\",pid=\"9\",vm_id=\"0000000000000abc\","
			     "isa=\"svm\",reason=\"io\"";
	char series[256], *text;

	/* vCPU 0: 2 exits of [2, 4) ns, 3 of [512, 1024), 1 of 2^39 up */
	a.has_latency = true;
	a.latency.count = 6;
	a.latency.sum_ns = 1500000000;
	a.latency.hist[1] = 2;
	a.latency.hist[9] = 3;
	a.latency.hist[39] = 1;
	/* vCPU 1: 4 of [1024, 2048) ns */
	b.has_latency = true;
	b.latency.count = 4;
	b.latency.sum_ns = 6000;
	b.latency.hist[10] = 4;
	CHECK(!vmexit_records_add(&snap.exits, &a));
	CHECK(!vmexit_records_add(&snap.exits, &b));
	text = format(&snap, METRICS_PROMETHEUS);

	/* per VM: the two vCPUs are one series */
	snprintf(series, sizeof(series), "vmexit_stat_exits_total%s}", labels);
	CHECK(value_of(text, series) == 10);
	/* le 256 ns holds buckets 0 to 7: the two of [2, 4) ns */
	snprintf(
		series, sizeof(series),
		"vmexit_stat_exit_latency_seconds_bucket%s,le=\"0.000000256\"}",
		labels);
	CHECK(value_of(text, series) == 2);
	snprintf(
		series, sizeof(series),
		"vmexit_stat_exit_latency_seconds_bucket%s,le=\"0.000000512\"}",
		labels);
	CHECK(value_of(text, series) == 2);
	snprintf(
		series, sizeof(series),
		"vmexit_stat_exit_latency_seconds_bucket%s,le=\"0.000001024\"}",
		labels);
	CHECK(value_of(text, series) == 5);
	snprintf(
		series, sizeof(series),
		"vmexit_stat_exit_latency_seconds_bucket%s,le=\"0.000002048\"}",
		labels);
	CHECK(value_of(text, series) == 9);
	/* 2^36 ns, the last bound: the exit of 2^39 ns up is past it */
	snprintf(
		series, sizeof(series),
		"vmexit_stat_exit_latency_seconds_bucket%s,le=\"68.719476736\"}",
		labels);
	CHECK(value_of(text, series) == 9);
	snprintf(series, sizeof(series),
		 "vmexit_stat_exit_latency_seconds_bucket%s,le=\"+Inf\"}",
		 labels);
	CHECK(value_of(text, series) == 10);
	snprintf(series, sizeof(series),
		 "vmexit_stat_exit_latency_seconds_count%s}", labels);
	CHECK(value_of(text, series) == 10);
	snprintf(series, sizeof(series),
		 "vmexit_stat_exit_latency_seconds_sum%s} 1.500006", labels);
	CHECK_CONTAINS(text, series);
	CHECK(count_lines(text, "vmexit_stat_exit_latency_seconds_bucket") ==
	      METRICS_LE_LAST_LOG2 - METRICS_LE_FIRST_LOG2 + 2);
	free(text);

	/* --per-vcpu: a series each, the vcpu label before isa */
	snap.per_vcpu = true;
	text = format(&snap, METRICS_OPENMETRICS);
	CHECK(value_of(text,
		       "vmexit_stat_exits_total{vm=\"9\",pid=\"9\","
		       "vm_id=\"0000000000000abc\",vcpu=\"1\",isa=\"svm\","
		       "reason=\"io\"}") == 4);
	CHECK(value_of(text, "vmexit_stat_exit_latency_seconds_bucket{vm=\"9\","
			     "pid=\"9\",vm_id=\"0000000000000abc\",vcpu=\"0\","
			     "isa=\"svm\",reason=\"io\",le=\"+Inf\"}") == 6);
	free(text);
	metrics_snapshot_free(&snap);
}

static void empty_input(void)
{
	struct metrics_snapshot snap = { .backend = "bpf" };
	char *prom = format(&snap, METRICS_PROMETHEUS);
	char *open = format(&snap, METRICS_OPENMETRICS);

	/* every family's metadata, no sample but the build's and totals */
	CHECK_CONTAINS(prom, "# TYPE vmexit_stat_exits_total counter\n");
	CHECK_CONTAINS(prom, "# TYPE vmexit_stat_exit_latency_seconds "
			     "histogram\n");
	CHECK(!strstr(prom, "vmexit_stat_exits_total{"));
	CHECK(!strstr(prom, "_bucket"));
	/* no sched family without a backend that reads it */
	CHECK(!strstr(prom, "steal"));
	CHECK_CONTAINS(prom, "vmexit_stat_build_info{backend=\"bpf\","
			     "collector=\"\",kernel=\"\"} 1\n");
	CHECK_CONTAINS(prom, "vmexit_stat_exits_seen_total 0\n");
	CHECK_CONTAINS(open, "# EOF\n");
	free(prom);
	free(open);
}

static void negotiation(void)
{
	/* Prometheus 2.42's scrape */
	CHECK(metrics_negotiate("application/openmetrics-text;version=1.0.0,"
				"application/openmetrics-text;version=0.0.1;"
				"q=0.75,text/plain;version=0.0.4;q=0.5,*/*;"
				"q=0.1") == METRICS_OPENMETRICS);
	CHECK(metrics_negotiate(NULL) == METRICS_PROMETHEUS);
	CHECK(metrics_negotiate("*/*") == METRICS_PROMETHEUS);
	CHECK(metrics_negotiate("text/plain;version=0.0.4") ==
	      METRICS_PROMETHEUS);
	CHECK(metrics_negotiate("text/plain;q=1, application/openmetrics-text;"
				"q=0.5") == METRICS_PROMETHEUS);
	CHECK(metrics_negotiate("Application/OpenMetrics-Text; q=0.9, "
				"text/plain; q=0.2") == METRICS_OPENMETRICS);
	CHECK(metrics_negotiate("application/openmetrics-text;q=0") ==
	      METRICS_PROMETHEUS);
	CHECK(metrics_negotiate("application/json") == METRICS_PROMETHEUS);
	CHECK_CONTAINS(metrics_content_type(METRICS_OPENMETRICS),
		       "application/openmetrics-text; version=1.0.0");
	CHECK_CONTAINS(metrics_content_type(METRICS_PROMETHEUS),
		       "text/plain; version=0.0.4");
}

const struct unit_test export_tests[] = {
	{ "export_seconds_exact", seconds_exact },
	{ "export_label_values_escaped", label_values_escaped },
	{ "export_names_and_types", names_and_types },
	{ "export_histogram_cumulative", histogram_cumulative },
	{ "export_empty_input", empty_input },
	{ "export_negotiation", negotiation },
	{ NULL, NULL },
};
