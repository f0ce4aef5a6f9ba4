// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat bench without timing anything: the prime count against a
 * sieve, memory's share of events, fileio's request sequences (sequential
 * offsets, random ones within the files, the rndrw mix, periodic fsyncs
 * as events), percentiles against an exact sort, the JSON shape of a
 * real (tiny) run, and the command line's refusals.
 */
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bench.h"
#include "unit.h"

/* The primes in [3, limit), by the sieve of Eratosthenes. */
static uint64_t sieve_count(uint32_t limit)
{
	char *composite = calloc(limit + 1, 1);
	uint64_t count = 0, i, j;

	CHECK(composite);
	for (i = 2; i < limit; i++) {
		if (composite[i])
			continue;
		if (i >= 3)
			count++;
		for (j = i * i; j < limit; j += i)
			composite[j] = 1;
	}
	free(composite);
	return count;
}

static void cpu_primes(void)
{
	static const uint32_t limits[] = { 1, 3, 4, 5, 100, 1000, 7919, 20000 };
	size_t i;

	/* the figure: the primes below 10000 but 2 */
	CHECK_U64(bench_cpu_count_primes(10000), 1228);
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		CHECK_U64(bench_cpu_count_primes(limits[i]),
			  sieve_count(limits[i]));
}

static void memory_ops(void)
{
	struct bench_memory_opts m = { .block_size = 1024,
				       .total_size = 100ULL << 30 };

	CHECK_U64(bench_memory_thread_ops(&m, 1), 100ULL << 20);
	CHECK_U64(bench_memory_thread_ops(&m, 3), (100ULL << 20) / 3);
	m.block_size = 1 << 20;
	m.total_size = 10 << 20;
	CHECK_U64(bench_memory_thread_ops(&m, 4), 2);
	m.total_size = (1 << 20) - 1;
	CHECK_U64(bench_memory_thread_ops(&m, 1), 0);
}

static struct bench_fileio_opts fileio_opts(enum bench_file_mode mode)
{
	struct bench_fileio_opts f = {
		.file_num = 2,
		.total_size = 64 << 10,
		.block_size = 16 << 10,
		.test_mode_set = true,
		.test_mode = mode,
		.rw_ratio = 1.5,
	};

	return f;
}

static void fileio_sequential(void)
{
	struct bench_fileio_opts f = fileio_opts(BENCH_FILE_SEQRD);
	struct bench_fileio_gen gen;
	struct bench_rng rng;
	struct bench_event ev;
	int i;

	bench_rng_seed(&rng, 1);
	bench_fileio_gen_init(&gen, &f);
	CHECK_U64(gen.file_size, 32 << 10);
	/* file 0 block 0, 1, file 1 block 0, 1, then round again */
	for (i = 0; i < 10; i++) {
		bench_fileio_gen_next(&gen, 0, 0, &rng, &ev);
		CHECK(ev.op == BENCH_OP_READ);
		CHECK_U64(ev.file_id, (i / 2) % 2);
		CHECK_U64(ev.pos, (i % 2) * (16 << 10));
		CHECK_U64(ev.size, 16 << 10);
	}

	/* a block that does not divide the file: the last one is short */
	f.block_size = 12 << 10;
	bench_fileio_gen_init(&gen, &f);
	bench_fileio_gen_next(&gen, 0, 0, &rng, &ev);
	bench_fileio_gen_next(&gen, 0, 0, &rng, &ev);
	bench_fileio_gen_next(&gen, 0, 0, &rng, &ev);
	CHECK_U64(ev.file_id, 0);
	CHECK_U64(ev.pos, 24 << 10);
	CHECK_U64(ev.size, 8 << 10);
	bench_fileio_gen_next(&gen, 0, 0, &rng, &ev);
	CHECK_U64(ev.file_id, 1);
	CHECK_U64(ev.pos, 0);
}

/* seqwr with --file-fsync-freq=3: 3 writes, then each file fsynced. */
static void fileio_periodic_fsync(void)
{
	static const struct {
		enum bench_file_op op;
		uint32_t file;
		uint64_t pos;
	} want[] = {
		{ BENCH_OP_WRITE, 0, 0 }, { BENCH_OP_WRITE, 0, 16384 },
		{ BENCH_OP_WRITE, 1, 0 }, { BENCH_OP_FSYNC, 0, 0 },
		{ BENCH_OP_FSYNC, 1, 0 }, { BENCH_OP_WRITE, 1, 16384 },
		{ BENCH_OP_WRITE, 0, 0 }, { BENCH_OP_WRITE, 0, 16384 },
		{ BENCH_OP_FSYNC, 0, 0 }, { BENCH_OP_FSYNC, 1, 0 },
	};
	struct bench_fileio_opts f = fileio_opts(BENCH_FILE_SEQWR);
	struct bench_fileio_gen gen;
	uint64_t writes = 0, fsyncs = 0;
	struct bench_rng rng;
	struct bench_event ev;
	size_t i;

	f.fsync_freq = 3;
	bench_rng_seed(&rng, 2);
	bench_fileio_gen_init(&gen, &f);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		bench_fileio_gen_next(&gen, 0, 0, &rng, &ev);
		CHECK(ev.op == want[i].op);
		CHECK_U64(ev.file_id, want[i].file);
		CHECK_U64(ev.pos, want[i].pos);
	}

	/* rndwr, 2 files, fsync every 10: 110 events are 92 + 18 */
	f = fileio_opts(BENCH_FILE_RNDWR);
	f.fsync_freq = 10;
	bench_fileio_gen_init(&gen, &f);
	for (i = 0; i < 110; i++) {
		bench_fileio_gen_next(&gen, 0, writes, &rng, &ev);
		if (ev.op == BENCH_OP_WRITE)
			writes++;
		else if (ev.op == BENCH_OP_FSYNC)
			fsyncs++;
	}
	CHECK_U64(writes, 92);
	CHECK_U64(fsyncs, 18);

	/* reads alone are never followed by fsyncs */
	f = fileio_opts(BENCH_FILE_RNDRD);
	f.fsync_freq = 1;
	bench_fileio_gen_init(&gen, &f);
	for (i = 0, fsyncs = 0; i < 50; i++) {
		bench_fileio_gen_next(&gen, 0, 0, &rng, &ev);
		fsyncs += ev.op == BENCH_OP_FSYNC;
	}
	CHECK_U64(fsyncs, 0);
}

static void fileio_random_bounds(void)
{
	struct bench_fileio_opts f = fileio_opts(BENCH_FILE_RNDRD);
	uint64_t seen_files[3] = {}, i;
	struct bench_fileio_gen gen;
	struct bench_rng rng;
	struct bench_event ev;

	/* 3 files of 100000 bytes: the total is no multiple of anything */
	f.file_num = 3;
	f.total_size = 300001;
	f.block_size = 4096;
	bench_rng_seed(&rng, 3);
	bench_fileio_gen_init(&gen, &f);
	for (i = 0; i < 20000; i++) {
		bench_fileio_gen_next(&gen, 0, 0, &rng, &ev);
		CHECK(ev.op == BENCH_OP_READ);
		CHECK(ev.file_id < 3);
		CHECK(ev.size > 0 && ev.size <= 4096);
		CHECK(ev.pos + ev.size <= gen.file_size);
		CHECK_U64(((uint64_t)ev.file_id * gen.file_size + ev.pos) %
				  4096,
			  0);
		if (ev.file_id < 3)
			seen_files[ev.file_id]++;
	}
	for (i = 0; i < 3; i++)
		CHECK(seen_files[i] > 20000 / 4);
}

/* rndrw: read while (reads + 1) / (writes + 1) < ratio, as sysbench. */
static void fileio_rw_ratio(void)
{
	static const double ratios[] = { 1.5, 1, 4, 0 };
	struct bench_fileio_gen gen;
	struct bench_rng rng;
	struct bench_event ev;
	size_t r;

	bench_rng_seed(&rng, 4);
	for (r = 0; r < sizeof(ratios) / sizeof(ratios[0]); r++) {
		struct bench_fileio_opts f = fileio_opts(BENCH_FILE_RNDRW);
		uint64_t reads = 0, writes = 0, i;

		f.rw_ratio = ratios[r];
		bench_fileio_gen_init(&gen, &f);
		for (i = 0; i < 1000; i++) {
			bool read = (reads + 1.0) / (writes + 1.0) < ratios[r];

			bench_fileio_gen_next(&gen, reads, writes, &rng, &ev);
			CHECK(ev.op == (read ? BENCH_OP_READ : BENCH_OP_WRITE));
			if (ev.op == BENCH_OP_READ)
				reads++;
			else
				writes++;
		}
		if (ratios[r] > 0)
			CHECK(fabs((double)reads / writes - ratios[r]) <
			      0.01 * ratios[r]);
		else
			CHECK_U64(reads, 0);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void percentiles_vs_sort(void)
{
	static struct bench_hist hist;
	const size_t n = 100003;
	uint64_t *samples = malloc(n * sizeof(*samples));
	struct bench_rng rng;
	size_t i, p;

	CHECK(samples);
	if (!samples)
		return;
	bench_rng_seed(&rng, 5);
	bench_hist_init(&hist);
	/* log-uniform over 50 ns to 50 ms, as latencies spread */
	for (i = 0; i < n; i++) {
		samples[i] = (uint64_t)(50 * pow(1e6, bench_rng_double(&rng)));
		bench_hist_add(&hist, samples[i]);
	}
	qsort(samples, n, sizeof(*samples), cmp_u64);
	CHECK_U64(hist.count, n);
	CHECK_U64(hist.min_ns, samples[0]);
	CHECK_U64(hist.max_ns, samples[n - 1]);
	for (p = 0; p < BENCH_PERCENTILES; p++) {
		double pct = bench_percentiles[p];
		size_t rank = (size_t)ceil(n * pct / 100.0 - 1e-9);
		double exact = samples[rank - 1];
		double got = bench_hist_percentile_ns(&hist, pct);

		if (fabs(got - exact) / exact >= 0.01)
			unit_fail(__FILE__, __LINE__, "p%g: %g, exact %g", pct,
				  got, exact);
	}
	free(samples);

	/* every bucket from 128 ns on is at most 1/128 of its value wide */
	for (i = BENCH_HIST_SUB; i < BENCH_HIST_BUCKETS; i++) {
		CHECK(bench_hist_bucket_width(i) * BENCH_HIST_SUB <=
		      bench_hist_bucket_low(i));
		CHECK_U64(bench_hist_index(bench_hist_bucket_low(i)), i);
		CHECK_U64(bench_hist_index(bench_hist_bucket_low(i) +
					   bench_hist_bucket_width(i) - 1),
			  i);
	}
	CHECK_U64(bench_hist_index(UINT64_MAX), BENCH_HIST_BUCKETS - 1);

	/* a single value is itself at every percentile */
	bench_hist_init(&hist);
	bench_hist_add(&hist, 123457);
	CHECK(bench_hist_percentile_ns(&hist, 50) == 123457);
	CHECK(bench_hist_percentile_ns(&hist, 99.9) == 123457);
	bench_hist_init(&hist);
	CHECK(bench_hist_percentile_ns(&hist, 50) == 0);
}

/* Parses the words of line; the exit status, err's text in msg. */
static int parse_line(const char *line, struct bench_options *opts, char *msg,
		      size_t len)
{
	char *copy = strdup(line), *argv[32], *save = NULL, *word;
	FILE *err = fmemopen(msg, len, "w");
	FILE *out = fopen("/dev/null", "w");
	int argc = 0, ret;

	CHECK(copy && err && out);
	for (word = strtok_r(copy, " ", &save); word && argc < 31;
	     word = strtok_r(NULL, " ", &save))
		argv[argc++] = word;
	argv[argc] = NULL;
	memset(msg, 0, len);
	ret = bench_parse_args(argc, argv, opts, out, err);
	fclose(err);
	fclose(out);
	free(copy);
	return ret;
}

static void options_good(void)
{
	struct bench_options o;
	char msg[8192];

	CHECK_U64(parse_line("bench cpu", &o, msg, sizeof(msg)), 0);
	CHECK(o.workload == BENCH_CPU);
	CHECK_U64(o.threads, 1);
	CHECK_U64(o.time_s, 10);
	CHECK_U64(o.events, 0);
	CHECK_U64(o.percentile, 95);
	CHECK_U64(o.cpu.max_prime, 10000);
	CHECK(!o.json && !o.markers);

	CHECK_U64(
		parse_line(
			"bench --threads=4 cpu run --cpu-max-prime 20000 --json --markers --phase-id=77",
			&o, msg, sizeof(msg)),
		0);
	CHECK_U64(o.threads, 4);
	CHECK_U64(o.cpu.max_prime, 20000);
	CHECK(o.json && o.markers);
	CHECK_U64(bench_phase_id(&o, 1), 77);

	CHECK_U64(parse_line("bench memory", &o, msg, sizeof(msg)), 0);
	CHECK_U64(o.memory.block_size, 1024);
	CHECK_U64(o.memory.total_size, 100ULL << 30);
	CHECK(o.memory.scope == BENCH_MEM_GLOBAL);
	CHECK(o.memory.oper == BENCH_MEM_WRITE && !o.memory.rnd);
	CHECK_U64(
		parse_line(
			"bench memory --memory-block-size=1M --memory-total-size=10G --memory-scope=local --memory-oper=read --memory-access-mode=rnd",
			&o, msg, sizeof(msg)),
		0);
	CHECK_U64(o.memory.block_size, 1 << 20);
	CHECK_U64(o.memory.total_size, 10ULL << 30);
	CHECK(o.memory.scope == BENCH_MEM_LOCAL);
	CHECK(o.memory.oper == BENCH_MEM_READ && o.memory.rnd);

	CHECK_U64(parse_line("bench fileio prepare", &o, msg, sizeof(msg)), 0);
	CHECK(o.fileio_cmd == BENCH_FILEIO_PREPARE);
	CHECK_U64(o.fileio.file_num, 128);
	CHECK_U64(o.fileio.total_size, 2ULL << 30);
	CHECK_U64(o.fileio.block_size, 16384);
	CHECK_U64(o.fileio.fsync_freq, 100);
	CHECK(o.fileio.fsync_end && !o.fileio.fsync_all);
	CHECK(o.fileio.rw_ratio == 1.5);
	CHECK_U64(
		parse_line(
			"bench fileio run --file-test-mode=rndrw --file-extra-flags=direct,dsync --file-fsync-all --file-fsync-end=off --file-fsync-mode=fdatasync --file-rw-ratio=2.5 --file-num=4 --file-total-size=1G",
			&o, msg, sizeof(msg)),
		0);
	CHECK(o.fileio_cmd == BENCH_FILEIO_RUN);
	CHECK(o.fileio.test_mode == BENCH_FILE_RNDRW);
	CHECK_U64(o.fileio.extra_flags,
		  BENCH_FILE_FLAG_DIRECT | BENCH_FILE_FLAG_DSYNC);
	CHECK(o.fileio.fsync_all && !o.fileio.fsync_end && o.fileio.fdatasync);
	CHECK(o.fileio.rw_ratio == 2.5);
	CHECK_U64(parse_line("bench --help", &o, msg, sizeof(msg)), 1);

	CHECK(!bench_parse_size("", &o.events));
	CHECK(!bench_parse_size("1KB", &o.events));
	CHECK(!bench_parse_size("-1", &o.events));
	CHECK(!bench_parse_size("99999999999T", &o.events));
	CHECK(bench_parse_size("3t", &o.events) && o.events == 3ULL << 40);
}

static void options_bad(void)
{
	static const struct {
		const char *line;
		const char *says;
	} bad[] = {
		{ "bench", "which workload" },
		{ "bench disk", "unknown workload 'disk'" },
		{ "bench cpu walk", "unknown mode 'walk'" },
		{ "bench cpu run extra", "unexpected argument 'extra'" },
		{ "bench cpu --threads=0", "--threads" },
		{ "bench cpu --threads=x", "--threads" },
		{ "bench cpu --time=-1", "--time" },
		{ "bench cpu --time=0", "never end" },
		{ "bench cpu --cpu-max-prime=0", "--cpu-max-prime" },
		{ "bench cpu --percentile=101", "--percentile" },
		{ "bench cpu --bogus", "unknown option --bogus" },
		{ "bench cpu --threads", "needs a value" },
		{ "bench cpu --memory-oper=read",
		  "not an option of bench cpu" },
		{ "bench memory --file-num=3",
		  "not an option of bench memory" },
		{ "bench cpu --phase-id=3", "--phase-id needs --markers" },
		{ "bench cpu --markers --phase-id=32768", "--phase-id" },
		{ "bench memory --memory-block-size=1000",
		  "--memory-block-size" },
		{ "bench memory --memory-block-size=4", "--memory-block-size" },
		{ "bench memory --memory-scope=world", "--memory-scope" },
		{ "bench memory --memory-oper=copy", "--memory-oper" },
		{ "bench memory --memory-access-mode=zig",
		  "--memory-access-mode" },
		{ "bench fileio", "prepare, run or cleanup" },
		{ "bench fileio go", "unknown fileio mode 'go'" },
		{ "bench fileio run", "--file-test-mode" },
		{ "bench fileio run --file-test-mode=rndx",
		  "--file-test-mode" },
		{ "bench fileio run --file-test-mode=seqwr --file-async-backlog=0",
		  "--file-async-backlog" },
		{ "bench fileio run --file-test-mode=seqwr --file-io-mode=x",
		  "--file-io-mode" },
		{ "bench fileio run --file-test-mode=seqwr --file-extra-flags=fast",
		  "--file-extra-flags" },
		{ "bench fileio run --file-test-mode=seqwr --file-merged-requests=2",
		  "not supported" },
		{ "bench fileio run --file-test-mode=seqwr --file-fsync-all=maybe",
		  "--file-fsync-all" },
		{ "bench fileio run --file-test-mode=seqwr --file-fsync-mode=x",
		  "--file-fsync-mode" },
		{ "bench fileio run --file-test-mode=rndrw --file-rw-ratio=-1",
		  "--file-rw-ratio" },
		{ "bench fileio prepare --file-num=0", "--file-num" },
		{ "bench fileio prepare --file-total-size=1M --file-num=128",
		  "larger than a file" },
		{ "bench fileio prepare --file-block-size=0",
		  "--file-block-size" },
	};
	struct bench_options o;
	char msg[8192];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = parse_line(bad[i].line, &o, msg, sizeof(msg));

		if (ret != 2)
			unit_fail(__FILE__, __LINE__, "'%s' gave %d, want 2",
				  bad[i].line, ret);
		CHECK_CONTAINS(msg, bad[i].says);
		CHECK_CONTAINS(msg, "usage: vmexit-stat bench");
	}
}

/* Runs a workload with stdout into a string; its exit status. */
static int run_captured(int (*run)(const struct bench_options *),
			const struct bench_options *opts, char *buf, size_t len)
{
	char path[] = "/tmp/vmexit-bench-XXXXXX";
	int fd = mkstemp(path), saved, ret;
	ssize_t got;

	CHECK(fd >= 0);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	ret = run(opts);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	got = pread(fd, buf, len - 1, 0);
	buf[got > 0 ? got : 0] = '\0';
	close(fd);
	unlink(path);
	return ret;
}

/* The member at path ("a/b"); NULL for a JSON null or a missing one. */
static struct json_object *get(struct json_object *obj, const char *path)
{
	char *copy = strdup(path), *save = NULL, *key;
	bool found = true;

	for (key = strtok_r(copy, "/", &save); key && found;
	     key = strtok_r(NULL, "/", &save))
		found = obj && json_object_object_get_ex(obj, key, &obj);
	free(copy);
	if (!found)
		unit_fail(__FILE__, __LINE__, "no %s", path);
	return found ? obj : NULL;
}

static void memory_run_json(void)
{
	static const char *const keys[] = {
		"workload",
		"mode",
		"phase_id",
		"threads",
		"time_s",
		"events",
		"events_per_s",
		"latency_ms/min",
		"latency_ms/avg",
		"latency_ms/max",
		"latency_ms/sum",
		"latency_ms/p50",
		"latency_ms/p90",
		"latency_ms/p95",
		"latency_ms/p99",
		"latency_ms/p99.9",
		"fairness/events_avg",
		"fairness/events_stddev",
		"fairness/exec_time_avg_s",
		"fairness/exec_time_stddev_s",
		"result/value",
		"result/unit",
		"memory/block_size",
		"memory/total_size",
		"memory/scope",
		"memory/oper",
		"memory/access_mode",
		"memory/ops",
		"memory/ops_per_s",
		"memory/mib",
		"memory/mib_per_s",
	};
	struct bench_options o;
	struct json_object *doc;
	static char out[65536];
	char msg[8192];
	size_t i;

	/* 2 threads, 64 blocks: 32 events each, however fast */
	CHECK_U64(
		parse_line(
			"bench memory --threads=2 --time=0 --json --memory-block-size=1K --memory-total-size=64K --memory-scope=local",
			&o, msg, sizeof(msg)),
		0);
	CHECK_U64(run_captured(bench_memory_main, &o, out, sizeof(out)), 0);
	CHECK(strchr(out, '\n') == out + strlen(out) - 1); /* one line */
	doc = json_tokener_parse(out);
	CHECK(doc);
	if (!doc)
		return;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		get(doc, keys[i]);
	CHECK_STR(json_object_get_string(get(doc, "workload")), "memory");
	CHECK(!get(doc, "mode"));
	CHECK(!get(doc, "phase_id"));
	CHECK_U64(json_object_get_int64(get(doc, "events")), 64);
	CHECK_U64(json_object_get_int64(get(doc, "memory/ops")), 64);
	CHECK(json_object_get_double(get(doc, "fairness/events_avg")) == 32);
	CHECK(json_object_get_double(get(doc, "fairness/events_stddev")) == 0);
	CHECK(json_object_get_double(get(doc, "memory/mib")) == 64 / 1024.0);
	CHECK_STR(json_object_get_string(get(doc, "result/unit")), "MiB/s");
	CHECK_STR(json_object_get_string(get(doc, "memory/scope")), "local");
	json_object_put(doc);
}

/* prepare, a run of 110 events with fsyncs every 10, cleanup. */
static void fileio_run_json(void)
{
	char dir[] = "/tmp/vmexit-bench-dir-XXXXXX", cwd[4096], msg[8192];
	static char out[65536];
	struct json_object *doc;
	struct bench_options o;
	double time_s;

	CHECK(getcwd(cwd, sizeof(cwd)));
	CHECK(mkdtemp(dir));
	CHECK(!chdir(dir));
	CHECK_U64(
		parse_line(
			"bench fileio prepare --json --file-num=2 --file-total-size=128K",
			&o, msg, sizeof(msg)),
		0);
	CHECK_U64(run_captured(bench_fileio_main, &o, out, sizeof(out)), 0);
	doc = json_tokener_parse(out);
	CHECK(doc);
	if (doc) {
		CHECK_STR(json_object_get_string(get(doc, "mode")), "prepare");
		CHECK_U64(json_object_get_int64(get(doc, "events")), 8);
		CHECK_STR(json_object_get_string(get(doc, "result/unit")),
			  "MiB/s");
		json_object_put(doc);
	}
	CHECK(access("test_file.1", F_OK) == 0);

	CHECK_U64(
		parse_line(
			"bench fileio run --json --file-num=2 --file-total-size=128K --file-test-mode=rndwr --file-fsync-freq=10 --file-fsync-end=off --events=110 --time=0",
			&o, msg, sizeof(msg)),
		0);
	CHECK_U64(run_captured(bench_fileio_main, &o, out, sizeof(out)), 0);
	doc = json_tokener_parse(out);
	CHECK(doc);
	if (doc) {
		time_s = json_object_get_double(get(doc, "time_s"));
		CHECK_U64(json_object_get_int64(get(doc, "events")), 110);
		CHECK(fabs(json_object_get_double(
				   get(doc, "fileio/writes_per_s")) *
				   time_s -
			   92) < 0.01);
		CHECK(fabs(json_object_get_double(
				   get(doc, "fileio/fsyncs_per_s")) *
				   time_s -
			   18) < 0.01);
		CHECK_STR(json_object_get_string(get(doc, "result/unit")),
			  "IOPS");
		CHECK_STR(json_object_get_string(get(doc, "fileio/test_mode")),
			  "rndwr");
		get(doc, "fileio/fits_page_cache");
		json_object_put(doc);
	}

	/* async: every request submitted has completed when the run ends */
	CHECK_U64(
		parse_line(
			"bench fileio run --json --file-num=2 --file-total-size=128K --file-test-mode=rndrw --file-io-mode=async --file-async-backlog=4 --file-fsync-freq=0 --events=50 --time=0",
			&o, msg, sizeof(msg)),
		0);
	CHECK_U64(run_captured(bench_fileio_main, &o, out, sizeof(out)), 0);
	doc = json_tokener_parse(out);
	CHECK(doc);
	if (doc) {
		double done;

		time_s = json_object_get_double(get(doc, "time_s"));
		done = json_object_get_double(get(doc, "fileio/reads_per_s")) +
		       json_object_get_double(get(doc, "fileio/writes_per_s"));
		CHECK(fabs(done * time_s - 50) < 0.01);
		CHECK_STR(json_object_get_string(get(doc, "fileio/io_mode")),
			  "async");
		json_object_put(doc);
	}

	CHECK_U64(
		parse_line(
			"bench fileio cleanup --json --file-num=2 --file-total-size=128K",
			&o, msg, sizeof(msg)),
		0);
	CHECK_U64(run_captured(bench_fileio_main, &o, out, sizeof(out)), 0);
	doc = json_tokener_parse(out);
	CHECK(doc);
	if (doc) {
		CHECK(!get(doc, "result"));
		json_object_put(doc);
	}
	CHECK(access("test_file.0", F_OK) != 0);
	CHECK(!chdir(cwd));
	CHECK(!rmdir(dir));
}

/* Markers seen by the recorder: leaf, thread and CPU of each. */
#define MAX_MARKS 64
static struct {
	uint32_t leaf;
	pthread_t thread;
	int cpu;
	int allowed; /* CPUs the thread may run on: 1 when pinned */
} marks[MAX_MARKS];
static unsigned int nmarks;
static pthread_mutex_t marks_lock = PTHREAD_MUTEX_INITIALIZER;

static void record_mark(uint32_t leaf)
{
	cpu_set_t set;

	CHECK(!sched_getaffinity(0, sizeof(set), &set));
	pthread_mutex_lock(&marks_lock);
	if (nmarks < MAX_MARKS) {
		marks[nmarks].leaf = leaf;
		marks[nmarks].thread = pthread_self();
		marks[nmarks].cpu = sched_getcpu();
		marks[nmarks].allowed = CPU_COUNT(&set);
		nmarks++;
	}
	pthread_mutex_unlock(&marks_lock);
}

/* Each thread: one start and one end marker of id, on one CPU. */
static void check_marks(uint32_t id, unsigned int threads)
{
	unsigned int i, j, starts = 0, ends = 0;

	for (i = 0; i < nmarks; i++) {
		if (marks[i].leaf != VMEXIT_STAT_MARKER_LEAF(id, 0))
			continue;
		starts++;
		for (j = i + 1; j < nmarks; j++)
			if (pthread_equal(marks[j].thread, marks[i].thread))
				break;
		CHECK(j < nmarks);
		if (j == nmarks)
			continue;
		CHECK_U64(marks[j].leaf, VMEXIT_STAT_MARKER_LEAF(id, 1));
		CHECK_U64(marks[j].cpu, marks[i].cpu);
	}
	for (i = 0; i < nmarks; i++) {
		ends += marks[i].leaf == VMEXIT_STAT_MARKER_LEAF(id, 1);
		CHECK_U64(marks[i].allowed, 1);
	}
	CHECK_U64(starts, threads);
	CHECK_U64(ends, threads);
	CHECK_U64(nmarks, 2 * threads);
}

static void markers(void)
{
	char dir[] = "/tmp/vmexit-bench-mark-XXXXXX", cwd[4096], msg[8192];
	void (*saved)(uint32_t) = bench_mark;
	static char out[65536];
	struct bench_options o;
	cpu_set_t before, after;

	CHECK(!sched_getaffinity(0, sizeof(before), &before));
	bench_mark = record_mark;

	nmarks = 0;
	CHECK_U64(
		parse_line("bench cpu --markers --threads=3 --events=6 --json",
			   &o, msg, sizeof(msg)),
		0);
	CHECK_U64(run_captured(bench_cpu_main, &o, out, sizeof(out)), 0);
	check_marks(VMEXIT_STAT_PHASE_CPU, 3);
	CHECK_CONTAINS(out, "\"phase_id\":1,");

	nmarks = 0;
	CHECK_U64(
		parse_line(
			"bench memory --markers --phase-id=321 --threads=2 --memory-total-size=8K --json",
			&o, msg, sizeof(msg)),
		0);
	CHECK_U64(run_captured(bench_memory_main, &o, out, sizeof(out)), 0);
	check_marks(321, 2);
	CHECK_CONTAINS(out, "\"phase_id\":321,");

	/* without --markers: none, and phase_id null */
	nmarks = 0;
	CHECK_U64(parse_line("bench cpu --threads=2 --events=2 --json", &o, msg,
			     sizeof(msg)),
		  0);
	CHECK_U64(run_captured(bench_cpu_main, &o, out, sizeof(out)), 0);
	CHECK_U64(nmarks, 0);
	CHECK_CONTAINS(out, "\"phase_id\":null,");

	CHECK(getcwd(cwd, sizeof(cwd)));
	CHECK(mkdtemp(dir));
	CHECK(!chdir(dir));
	nmarks = 0;
	CHECK_U64(
		parse_line(
			"bench fileio prepare --markers --json --file-num=1 --file-total-size=16K",
			&o, msg, sizeof(msg)),
		0);
	CHECK_U64(run_captured(bench_fileio_main, &o, out, sizeof(out)), 0);
	check_marks(VMEXIT_STAT_PHASE_FILEIO_PREPARE, 1);
	nmarks = 0;
	CHECK_U64(
		parse_line(
			"bench fileio run --markers --json --file-num=1 --file-total-size=16K --file-test-mode=seqrd --events=4 --threads=2",
			&o, msg, sizeof(msg)),
		0);
	CHECK_U64(run_captured(bench_fileio_main, &o, out, sizeof(out)), 0);
	check_marks(VMEXIT_STAT_PHASE_FILEIO_RUN, 2);
	nmarks = 0;
	CHECK_U64(
		parse_line(
			"bench fileio cleanup --markers --json --file-num=1 --file-total-size=16K",
			&o, msg, sizeof(msg)),
		0);
	CHECK_U64(run_captured(bench_fileio_main, &o, out, sizeof(out)), 0);
	check_marks(VMEXIT_STAT_PHASE_FILEIO_CLEANUP, 1);
	CHECK(!chdir(cwd));
	CHECK(!rmdir(dir));

	bench_mark = saved;
	/* prepare and cleanup pin this thread while marked, no longer */
	CHECK(!sched_getaffinity(0, sizeof(after), &after));
	CHECK(CPU_EQUAL(&before, &after));
}

const struct unit_test bench_tests[] = {
	{ "bench: cpu primes against a sieve", cpu_primes },
	{ "bench: memory events per thread", memory_ops },
	{ "bench: fileio sequential requests", fileio_sequential },
	{ "bench: fileio periodic fsyncs are events", fileio_periodic_fsync },
	{ "bench: fileio random requests within the files",
	  fileio_random_bounds },
	{ "bench: fileio rndrw mix", fileio_rw_ratio },
	{ "bench: percentiles within 1% of an exact sort",
	  percentiles_vs_sort },
	{ "bench: options and sysbench's defaults", options_good },
	{ "bench: bad options exit 2", options_bad },
	{ "bench: memory run, its JSON", memory_run_json },
	{ "bench: fileio prepare, run, cleanup, their JSON", fileio_run_json },
	{ "bench: markers per thread, one CPU each, phase ids", markers },
	{}
};
