// SPDX-License-Identifier: GPL-2.0
/*
 * Runs every unit test suite and ends with "N passed, M failed".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

static const struct unit_test *const suites[] = {
	vm_name_tests, /* user/vm_name.c */
	exit_stats_tests, /* user/exit_stats.c */
	latency_tests, /* user/latency.c */
	views_tests, /* user/vms.c, details.c, info.c, config.c, events.c */
	genl_parse_tests, /* user/genl_client.c, without a socket */
	sched_tests, /* user/sched.c, its parsers in user/genl_client.c */
	phases_tests, /* user/genl_client.c: GET_PHASES */
	correlate_tests, /* user/phases.c, user/correlate.c */
	phases_bpf_tests, /* user/phases_bpf_records.c */
	selftest_tests, /* user/selftest.c, the verdict */
	cli_tests, /* user/show.c, user/selftest.c, command lines */
	bench_tests, /* user/bench*.c, the workloads without timing */
	top_tests, /* user/top_model.c, the live view without a screen */
	export_tests, /* user/metrics.c, what export serves */
	record_tests, /* user/record.c */
	exit_view_tests, /* user/exit_view.c, user/csv_out.c */
};

/* All of f, from its start, as a string (NULL when out of memory). */
static char *slurp(FILE *f)
{
	char *text;
	long len;

	fflush(f);
	len = ftell(f);
	rewind(f);
	text = calloc(1, len + 1);
	if (text && fread(text, 1, len, f) != (size_t)len)
		text[0] = '\0';
	fclose(f);
	return text;
}

struct captured unit_run_command(int (*cmd)(int, char **),
				 const char *const *argv)
{
	FILE *out = tmpfile(), *err = tmpfile();
	int saved_out = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO);
	struct captured cap;
	char *args[16] = {};
	int argc = 0;

	while (argv[argc] && argc < 15) {
		args[argc] = (char *)argv[argc];
		argc++;
	}
	fflush(stdout);
	fflush(stderr);
	dup2(fileno(out), STDOUT_FILENO);
	dup2(fileno(err), STDERR_FILENO);
	cap.status = cmd(argc, args);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	cap.out = slurp(out);
	cap.err = slurp(err);
	return cap;
}

void release(struct captured *cap)
{
	free(cap->out);
	free(cap->err);
}

static const char *current_test;
static int current_failures;

void unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: %s: ", file, line, current_test);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	current_failures++;
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	int passed = 0, failed = 0;
	size_t i;

	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		const struct unit_test *test;

		for (test = suites[i]; test->name; test++) {
			if (only && !strstr(test->name, only))
				continue;
			current_test = test->name;
			current_failures = 0;
			test->run();
			printf("%s %s\n", current_failures ? "FAIL" : "ok  ",
			       test->name);
			if (current_failures)
				failed++;
			else
				passed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
