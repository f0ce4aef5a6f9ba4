// SPDX-License-Identifier: GPL-2.0
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "record.h"
#include "unit.h"

static struct vmexit_record exit_rec(uint32_t pid, uint32_t vcpu, uint32_t code,
				     uint64_t count)
{
	struct vmexit_record rec = {
		.vm_pid = pid,
		.vm_id = 0xa0 + pid,
		.vcpu_id = vcpu,
		.isa = 1,
		.code = code,
		.count = count,
		.has_latency = true,
		.user_count = count / 2,
		.user_ns = count * 100,
	};

	rec.latency.count = count;
	rec.latency.sum_ns = count * 1000;
	rec.latency.hist[10] = count;
	rec.latency.min_ns = count ? 1024 : 0;
	rec.latency.max_ns = count ? 2047 : 0;
	return rec;
}

static void add(struct vmexit_records *recs, struct vmexit_record rec)
{
	CHECK(!vmexit_records_add(recs, &rec));
}

static const struct vmexit_record *find(const struct vmexit_records *recs,
					uint32_t pid, uint32_t vcpu,
					uint32_t code)
{
	size_t i;

	for (i = 0; i < recs->nr; i++)
		if (recs->rec[i].vm_pid == pid &&
		    recs->rec[i].vcpu_id == vcpu && recs->rec[i].code == code)
			return &recs->rec[i];
	return NULL;
}

static void exits_delta(void)
{
	struct vmexit_records before = {}, after = {}, out = {};
	const struct vmexit_record *r;
	struct vmexit_record flagged;

	add(&before, exit_rec(100, 0, 10, 50)); /* grows by 7 */
	add(&before, exit_rec(100, 1, 10, 5)); /* unchanged: left out */
	add(&before, exit_rec(100, 0, 30, 9)); /* gone after: left out */
	add(&before, exit_rec(200, 0, 10, 40)); /* went down: a reset */
	add(&after, exit_rec(100, 0, 10, 57));
	add(&after, exit_rec(100, 1, 10, 5));
	add(&after, exit_rec(200, 0, 10, 3));
	add(&after, exit_rec(300, 0, 48, 11)); /* new VM during CMD */
	/* Same VM, vCPU and code as a counter of before, other flags. */
	flagged = exit_rec(100, 0, 10, 4);
	flagged.flags = 1;
	add(&after, flagged);

	CHECK(!record_exits_delta(&before, &after, &out));
	CHECK_U64(out.nr, 4);
	r = find(&out, 100, 0, 10);
	CHECK(r);
	if (r) {
		CHECK_U64(r->flags, 0);
		CHECK_U64(r->count, 7);
		CHECK_U64(r->user_count, 57 / 2 - 50 / 2);
		CHECK_U64(r->user_ns, 700);
		CHECK_U64(r->latency.count, 7);
		CHECK_U64(r->latency.sum_ns, 7000);
		CHECK_U64(r->latency.hist[10], 7);
		CHECK(r->vm_id == 0xa0 + 100);
	}
	CHECK(!find(&out, 100, 1, 10));
	CHECK(!find(&out, 100, 0, 30));
	r = find(&out, 200, 0, 10);
	CHECK(r && r->count == 3 && r->latency.count == 3);
	r = find(&out, 300, 0, 48);
	CHECK(r && r->count == 11);
	CHECK(out.rec[3].flags == 1 && out.rec[3].count == 4);

	vmexit_records_free(&before);
	vmexit_records_free(&after);
	vmexit_records_free(&out);
}

/* Many counters, before's in the reverse order of after's. */
static void exits_delta_many(void)
{
	struct vmexit_records before = {}, after = {}, out = {};
	const unsigned int nr = 3000;
	uint64_t sum = 0;
	unsigned int i;
	size_t j;

	for (i = 0; i < nr; i++)
		add(&before, exit_rec(1000 + (nr - 1 - i) / 100,
				      (nr - 1 - i) % 100, 10, 5));
	for (i = 0; i < nr; i++)
		add(&after, exit_rec(1000 + i / 100, i % 100, 10, 5 + i % 3));
	CHECK(!record_exits_delta(&before, &after, &out));
	/* a third did not change */
	CHECK_U64(out.nr, nr - nr / 3);
	for (j = 0; j < out.nr; j++)
		sum += out.rec[j].count;
	CHECK_U64(sum, nr / 3 * (1 + 2));
	vmexit_records_free(&before);
	vmexit_records_free(&after);
	vmexit_records_free(&out);
}

static void user_exits_delta(void)
{
	struct vmexit_user_records before = {}, after = {}, out = {};
	struct vmexit_user_record rec = {
		.vm_pid = 7, .vm_id = 1, .vcpu_id = 0, .reason = 2, .count = 10
	};

	rec.round_trip.count = 10;
	rec.round_trip.hist[3] = 10;
	CHECK(!vmexit_user_records_add(&before, &rec));
	rec.count = rec.round_trip.count = rec.round_trip.hist[3] = 16;
	CHECK(!vmexit_user_records_add(&after, &rec));
	rec.reason = 3; /* io before, mmio only after */
	rec.count = rec.round_trip.count = rec.round_trip.hist[3] = 2;
	CHECK(!vmexit_user_records_add(&after, &rec));
	rec.reason = 4; /* the same before and after */
	CHECK(!vmexit_user_records_add(&before, &rec));
	CHECK(!vmexit_user_records_add(&after, &rec));

	CHECK(!record_user_exits_delta(&before, &after, &out));
	CHECK_U64(out.nr, 2);
	if (out.nr == 2) {
		CHECK_U64(out.rec[0].reason, 2);
		CHECK_U64(out.rec[0].count, 6);
		CHECK_U64(out.rec[0].round_trip.count, 6);
		CHECK_U64(out.rec[0].round_trip.hist[3], 6);
		CHECK_U64(out.rec[1].reason, 3);
		CHECK_U64(out.rec[1].count, 2);
	}
	vmexit_user_records_free(&before);
	vmexit_user_records_free(&after);
	vmexit_user_records_free(&out);
}

static void info_delta(void)
{
	struct vmexit_info before = { .exits_seen = 100,
				      .exits_dropped = 2,
				      .vms = 1 };
	struct vmexit_info after = { .exits_seen = 130,
				     .exits_dropped = 2,
				     .vms = 3,
				     .dropped_unreadable = 1 };
	struct vmexit_info out;

	record_info_delta(&before, &after, &out);
	CHECK_U64(out.exits_seen, 30);
	CHECK_U64(out.exits_dropped, 0);
	CHECK_U64(out.dropped_unreadable, 1);
	CHECK_U64(out.vms, 3); /* a state, not a counter: after's */
	/* A reset in between: from zero, never below. */
	before.exits_seen = 500;
	record_info_delta(&before, &after, &out);
	CHECK_U64(out.exits_seen, 0);
}

static void command_status(void)
{
	char *ok[] = { "true", NULL };
	char *three[] = { "sh", "-c", "exit 3", NULL };
	char *killed[] = { "sh", "-c", "kill -KILL $$", NULL };
	char *missing[] = { "/nonexistent/vmexit-stat-no-such-command", NULL };

	CHECK_U64(record_run_command(ok), 0);
	CHECK_U64(record_run_command(three), 3);
	CHECK_U64(record_run_command(killed), 128 + SIGKILL);
	CHECK_U64(record_run_command(missing), 127);
}

static void signals_passed_on(void)
{
	char *wait_long[] = { "sleep", "20", NULL };
	struct timespec t0, t1;
	pid_t me = getpid(), sender;
	int status;

	sender = fork();
	CHECK(sender >= 0);
	if (!sender) {
		usleep(300 * 1000);
		kill(me, SIGTERM);
		_exit(0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* We live on: the handler forwards SIGTERM to sleep, which dies. */
	CHECK_U64(record_run_command(wait_long), 128 + SIGTERM);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(t1.tv_sec - t0.tv_sec < 10);
	CHECK(waitpid(sender, &status, 0) == sender);
	/* Our own handling is back as it was. */
	CHECK(signal(SIGTERM, SIG_DFL) == SIG_DFL);
}

static int run_record(const char **args, int nr)
{
	char *argv[8];
	int i;

	for (i = 0; i < nr; i++)
		argv[i] = (char *)args[i];
	argv[nr] = NULL;
	return cmd_record(nr, argv);
}

static void command_line(void)
{
	const char *no_cmd[] = { "record", "--json" };
	const char *no_dashes[] = { "record", "true" };
	const char *bad_backend[] = { "record", "--backend", "x", "--",
				      "true" };
	const char *bad_vm[] = { "record", "--vm", "0", "--", "true" };
	const char *no_such_vm[] = { "record", "--vm", "no-such-vm", "--",
				     "true" };
	const char *help[] = { "record", "--help" };
	const char *bad_output[] = { "record", "-o",	"/nonexistent/dir/out",
				     "--",     "touch", "/tmp/vmexit-unit-ran" };
	FILE *saved_out = stdout, *saved_err = stderr;
	FILE *sink = fopen("/dev/null", "w");

	CHECK(sink);
	if (!sink)
		return;
	stdout = stderr = sink;
	unlink("/tmp/vmexit-unit-ran");
	CHECK_U64(run_record(no_cmd, 2), 2);
	CHECK_U64(run_record(no_dashes, 2), 2);
	CHECK_U64(run_record(bad_backend, 5), 2);
	CHECK_U64(run_record(bad_vm, 5), 2);
	CHECK_U64(run_record(no_such_vm, 5), 1);
	CHECK_U64(run_record(help, 2), 0);
	/* A report it could not write: refused before CMD runs. */
	CHECK_U64(run_record(bad_output, 6), 1);
	CHECK(access("/tmp/vmexit-unit-ran", F_OK) != 0);
	stdout = saved_out;
	stderr = saved_err;
	fclose(sink);
}

const struct unit_test record_tests[] = {
	{ "record: exits delta", exits_delta },
	{ "record: exits delta of 3000 counters", exits_delta_many },
	{ "record: user-space exits delta", user_exits_delta },
	{ "record: info delta", info_delta },
	{ "record: CMD's status passed on", command_status },
	{ "record: SIGTERM passed on to CMD", signals_passed_on },
	{ "record: command lines", command_line },
	{}
};
