/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_UNIT_H
#define VMEXIT_STAT_UNIT_H

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

/*
 * A small test harness: a suite is an array of named functions ended by
 * an entry without a name; CHECK* record a failure and let the test go
 * on, so one run reports every broken expectation.
 */

struct unit_test {
	const char *name;
	void (*run)(void);
};

void unit_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define CHECK(cond)                                                 \
	do {                                                        \
		if (!(cond))                                        \
			unit_fail(__FILE__, __LINE__, "%s", #cond); \
	} while (0)

#define CHECK_U64(got, want)                                                \
	do {                                                                \
		uint64_t got_ = (got), want_ = (want);                      \
		if (got_ != want_)                                          \
			unit_fail(__FILE__, __LINE__,                       \
				  "%s is %" PRIu64 ", want %" PRIu64, #got, \
				  got_, want_);                             \
	} while (0)

#define CHECK_STR(got, want)                                         \
	do {                                                         \
		const char *got_ = (got), *want_ = (want);           \
		if (!got_ || strcmp(got_, want_))                    \
			unit_fail(__FILE__, __LINE__,                \
				  "%s is \"%s\", want \"%s\"", #got, \
				  got_ ? got_ : "(null)", want_);    \
	} while (0)

#define CHECK_CONTAINS(text, part)                                            \
	do {                                                                  \
		const char *text_ = (text), *part_ = (part);                  \
		if (!text_ || !strstr(text_, part_))                          \
			unit_fail(__FILE__, __LINE__, "%s lacks \"%s\":\n%s", \
				  #text, part_, text_ ? text_ : "(null)");    \
	} while (0)

/* What a command printed and returned. */
struct captured {
	int status;
	char *out, *err;
};

/*
 * cmd with argv (NULL-terminated, at most 15 words; on a copy, which
 * getopt may reorder), its stdout and stderr caught.
 */
struct captured unit_run_command(int (*cmd)(int, char **),
				 const char *const *argv);
void release(struct captured *cap);

extern const struct unit_test vm_name_tests[];
extern const struct unit_test exit_stats_tests[];
extern const struct unit_test genl_parse_tests[];
extern const struct unit_test selftest_tests[];
extern const struct unit_test cli_tests[];
extern const struct unit_test exit_view_tests[];
extern const struct unit_test latency_tests[];
extern const struct unit_test views_tests[];
extern const struct unit_test sched_tests[];
extern const struct unit_test bench_tests[];
extern const struct unit_test phases_tests[];
extern const struct unit_test correlate_tests[];
extern const struct unit_test phases_bpf_tests[];
extern const struct unit_test top_tests[];
extern const struct unit_test export_tests[];
extern const struct unit_test record_tests[];

#endif /* VMEXIT_STAT_UNIT_H */
