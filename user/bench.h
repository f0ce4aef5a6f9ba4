/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_BENCH_H
#define VMEXIT_STAT_BENCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <vmexit_stat/markers.h>

/*
 * vmexit-stat bench: sysbench 1.0.20's cpu, memory and fileio workloads,
 * with its engine, options and report, so that results compare with
 * sysbench's directly; and what sysbench lacks: a cpu result that cannot
 * be optimised away, latency percentiles within 1%, JSON, direct I/O,
 * and phase markers for `vmexit-stat correlate` on the host.
 *
 * Nothing here needs a library beyond libc and libpthread: the same
 * sources build the static vmexit-stat-guest for guests that have none.
 */

/* Latency histogram: log-linear, so every bucket is under 1% wide. */

/*
 * Values (ns) below 2^BENCH_HIST_SUB_BITS have a bucket each; above, each
 * power of two is split into 2^BENCH_HIST_SUB_BITS buckets, so a bucket
 * is at most 1/128 of its lower bound wide and its middle is within
 * 0.4% of any value in it.
 */
#define BENCH_HIST_SUB_BITS 7
#define BENCH_HIST_SUB (1U << BENCH_HIST_SUB_BITS)
#define BENCH_HIST_BUCKETS ((64 - BENCH_HIST_SUB_BITS + 1) * BENCH_HIST_SUB)

struct bench_hist {
	uint64_t count;
	uint64_t sum_ns;
	uint64_t min_ns;
	uint64_t max_ns;
	uint64_t buckets[BENCH_HIST_BUCKETS];
};

void bench_hist_init(struct bench_hist *hist);

static inline unsigned int bench_hist_index(uint64_t ns)
{
	unsigned int shift;

	if (ns < BENCH_HIST_SUB)
		return ns;
	shift = 63 - __builtin_clzll(ns) - BENCH_HIST_SUB_BITS;
	return (shift + 1) * BENCH_HIST_SUB + (ns >> shift) - BENCH_HIST_SUB;
}

static inline void bench_hist_add(struct bench_hist *hist, uint64_t ns)
{
	hist->count++;
	hist->sum_ns += ns;
	if (ns < hist->min_ns)
		hist->min_ns = ns;
	if (ns > hist->max_ns)
		hist->max_ns = ns;
	hist->buckets[bench_hist_index(ns)]++;
}

/* The first value of a bucket, and how many values it holds. */
uint64_t bench_hist_bucket_low(unsigned int index);
uint64_t bench_hist_bucket_width(unsigned int index);

void bench_hist_merge(struct bench_hist *into, const struct bench_hist *from);

/*
 * The nearest-rank percentile (pct in (0, 100]): the middle of the
 * bucket that holds the ceil(pct/100 * count)-th smallest value, kept
 * within [min, max].  0 when the histogram is empty.
 */
double bench_hist_percentile_ns(const struct bench_hist *hist, double pct);

/* The percentiles every report prints, and their JSON names. */
#define BENCH_PERCENTILES 5
extern const double bench_percentiles[BENCH_PERCENTILES];
extern const char *const bench_percentile_names[BENCH_PERCENTILES];

/* Random numbers: xoroshiro128+, per thread, as sysbench's uniform. */

struct bench_rng {
	uint64_t s[2];
};

void bench_rng_seed(struct bench_rng *rng, uint64_t seed);

static inline uint64_t bench_rng_next(struct bench_rng *rng)
{
	uint64_t s0 = rng->s[0], s1 = rng->s[1], result = s0 + s1;

	s1 ^= s0;
	rng->s[0] = ((s0 << 24) | (s0 >> 40)) ^ s1 ^ (s1 << 16);
	rng->s[1] = (s1 << 37) | (s1 >> 27);
	return result;
}

/* Uniform in [0, 1), 53 bits. */
static inline double bench_rng_double(struct bench_rng *rng)
{
	return (bench_rng_next(rng) >> 11) * 0x1.0p-53;
}

/* Options. */

enum bench_workload_id { BENCH_CPU, BENCH_MEMORY, BENCH_FILEIO };

enum bench_fileio_cmd {
	BENCH_FILEIO_PREPARE,
	BENCH_FILEIO_RUN,
	BENCH_FILEIO_CLEANUP,
};

enum bench_memory_scope { BENCH_MEM_GLOBAL, BENCH_MEM_LOCAL };
enum bench_memory_oper { BENCH_MEM_WRITE, BENCH_MEM_READ, BENCH_MEM_NONE };

enum bench_file_mode {
	BENCH_FILE_SEQWR,
	BENCH_FILE_SEQREWR,
	BENCH_FILE_SEQRD,
	BENCH_FILE_RNDRD,
	BENCH_FILE_RNDWR,
	BENCH_FILE_RNDRW,
};

enum bench_file_io_mode { BENCH_IO_SYNC, BENCH_IO_ASYNC, BENCH_IO_MMAP };

enum bench_file_flag {
	BENCH_FILE_FLAG_SYNC = 1 << 0,
	BENCH_FILE_FLAG_DSYNC = 1 << 1,
	BENCH_FILE_FLAG_DIRECT = 1 << 2,
};

struct bench_cpu_opts {
	uint32_t max_prime;
};

struct bench_memory_opts {
	uint64_t block_size;
	uint64_t total_size;
	enum bench_memory_scope scope;
	enum bench_memory_oper oper;
	bool rnd;
};

struct bench_fileio_opts {
	uint32_t file_num;
	uint64_t total_size;
	uint64_t block_size;
	bool test_mode_set;
	enum bench_file_mode test_mode;
	enum bench_file_io_mode io_mode;
	unsigned int extra_flags; /* enum bench_file_flag */
	uint32_t fsync_freq;
	bool fsync_all;
	bool fsync_end;
	bool fdatasync; /* --file-fsync-mode=fdatasync */
	double rw_ratio;
	uint32_t merged_requests;
	uint32_t async_backlog; /* --file-io-mode=async: requests in flight */
};

struct bench_options {
	enum bench_workload_id workload;
	enum bench_fileio_cmd fileio_cmd;
	uint32_t threads;
	uint32_t time_s; /* 0: no time limit */
	uint64_t events; /* 0: no limit on the number of events */
	uint32_t percentile; /* the one sysbench prints; 0: none */
	uint64_t seed; /* 0: from the clock */
	bool json;
	bool markers;
	int32_t phase_id; /* -1: the workload's default */
	struct bench_cpu_opts cpu;
	struct bench_memory_opts memory;
	struct bench_fileio_opts fileio;
};

/*
 * Parses `bench WORKLOAD [MODE] [options]` (argv[0] is "bench") into
 * opts, sysbench's defaults where not given.  0; 1 after --help (usage
 * printed on out); 2 after a bad command line (message and usage on err).
 */
int bench_parse_args(int argc, char **argv, struct bench_options *opts,
		     FILE *out, FILE *err);

/* "1K", "100G", "16384": a size in bytes, sysbench's suffixes K M G T. */
bool bench_parse_size(const char *arg, uint64_t *value);

const char *bench_workload_name(enum bench_workload_id id);
const char *bench_file_mode_name(enum bench_file_mode mode);
const char *bench_fileio_cmd_name(enum bench_fileio_cmd cmd);

/* The engine. */

struct bench_run;

/* One request: what a workload's next_event hands its execute_event. */
enum bench_file_op { BENCH_OP_READ, BENCH_OP_WRITE, BENCH_OP_FSYNC };

struct bench_event {
	enum bench_file_op op;
	uint32_t file_id;
	uint64_t pos;
	uint64_t size;
};

/* A worker thread's state and counts; its own cache lines. */
struct bench_thread {
	struct bench_run *run;
	unsigned int id;
	pthread_t handle;
	int cpu; /* pinned to, or -1 */
	struct bench_rng rng;
	struct bench_hist hist; /* one entry per event */
	/* fileio: completed operations (as sysbench's counters) */
	uint64_t reads;
	uint64_t writes;
	uint64_t fsyncs;
	uint64_t bytes_read;
	uint64_t bytes_written;
	/* cpu: primes found by the last event, read by the report */
	uint64_t primes;
	/* memory: events this thread may still do (its share of the total) */
	uint64_t ops_left;
	void *buffer; /* the thread's block (memory local, fileio) */
	void *io; /* fileio async: the thread's AIO context */
	int error;
} __attribute__((aligned(64)));

struct bench_workload {
	/* after the threads' structures exist, before they start */
	int (*init)(struct bench_run *run);
	/* in the worker, before the start barrier */
	int (*thread_init)(struct bench_thread *thread);
	/* false: no more events for this thread (a workload's own limit) */
	bool (*next_event)(struct bench_thread *thread,
			   struct bench_event *event);
	/* 0, or -1 after saying why */
	int (*execute_event)(struct bench_thread *thread,
			     const struct bench_event *event);
	/* in the worker, after its last event, inside the measured time */
	int (*thread_done)(struct bench_thread *thread);
	void (*done)(struct bench_run *run);
};

struct bench_run {
	const struct bench_options *opts;
	const struct bench_workload *workload;
	void *ctx; /* the workload's shared state */
	struct bench_thread *threads;
	unsigned int nthreads;
	uint32_t phase_id; /* with markers */
	uint64_t start_ns;
	uint64_t end_ns;
	atomic_uint_fast64_t events_taken; /* for --events */
	atomic_int failed;
	/* the start barrier; the last thread to reach it starts the clock */
	pthread_mutex_t barrier_lock;
	pthread_cond_t barrier_cond;
	unsigned int barrier_waiting;
	bool barrier_open;
	int *cpus; /* with markers: the CPUs threads are pinned to */
	unsigned int ncpus;
};

uint64_t bench_now_ns(void);

/*
 * Runs the workload in run->nthreads threads (run->opts, ->workload and
 * ->ctx set by the caller) until the time or event limit or the
 * workload's own; 0, or -1 when the workload or a thread failed.
 */
int bench_engine_run(struct bench_run *run);

/* Frees what bench_engine_run allocated. */
void bench_engine_free(struct bench_run *run);

/* Executes the phase marker (CPUID) with this leaf. */
void bench_marker(uint32_t leaf);
bool bench_markers_supported(void);

/*
 * What the workloads call at a phase's start and end: bench_marker,
 * or a test's recorder.  Called twice per thread per phase, never
 * between events.
 */
extern void (*bench_mark)(uint32_t leaf);

/* Every thread's events and latencies in one histogram. */
void bench_run_latency(const struct bench_run *run, struct bench_hist *all);

/* The workloads. */

extern const struct bench_workload bench_cpu_workload;
extern const struct bench_workload bench_memory_workload;
extern const struct bench_workload bench_fileio_workload;

/*
 * cpu: one event is sysbench's: trial division of every c in
 * [3, max_prime) by 2..sqrt(c); returns the number of primes found
 * (1228 for 10000: the primes below it but 2).
 */
uint64_t bench_cpu_count_primes(uint32_t max_prime);

/* memory: the events a thread does before the total size is done. */
uint64_t bench_memory_thread_ops(const struct bench_memory_opts *opts,
				 unsigned int threads);

/*
 * fileio's request generator, without files: sysbench's sequence of
 * requests for the test mode (sequential offsets through the files,
 * random block-aligned ones, periodic fsyncs of every file, the rw mix).
 */
struct bench_fileio_gen {
	const struct bench_fileio_opts *opts;
	uint64_t file_size;
	uint64_t position; /* sequential: where the next request goes */
	uint32_t current_file;
	uint32_t fsynced_file; /* the next file a periodic fsync goes to */
	bool dirty; /* written to since the last round of fsyncs */
	uint64_t requests; /* reads and writes handed out */
	pthread_mutex_t lock;
};

void bench_fileio_gen_init(struct bench_fileio_gen *gen,
			   const struct bench_fileio_opts *opts);

/*
 * The next request for a thread that has completed reads and writes
 * (sysbench's rndrw choice depends on them) and draws from rng.
 */
void bench_fileio_gen_next(struct bench_fileio_gen *gen, uint64_t reads,
			   uint64_t writes, struct bench_rng *rng,
			   struct bench_event *event);

/* The report. */

struct bench_result {
	uint32_t phase_id; /* the run's, reported with markers */
	double time_s;
	unsigned int nthreads;
	struct bench_hist latency; /* every event of every thread */
	/* sysbench's "Threads fairness": population stddev over threads */
	double events_avg, events_stddev;
	double exec_avg_s, exec_stddev_s;
	/* fileio */
	uint64_t reads, writes, fsyncs, bytes_read, bytes_written;
	bool fits_page_cache;
	/* cpu */
	uint64_t primes;
};

/* Totals, fairness and latency of a finished run. */
void bench_result_from_run(struct bench_result *res,
			   const struct bench_run *run);

/* sysbench's "General statistics", "Latency", "Threads fairness". */
void bench_report_common(FILE *out, const struct bench_options *opts,
			 const struct bench_result *res);

/* The one-line JSON document (see Documentation/bench.rst). */
void bench_report_json(FILE *out, const struct bench_options *opts,
		       const struct bench_result *res);

/* Per workload: set up, run, report.  Process exit status. */
int bench_cpu_main(const struct bench_options *opts);
int bench_memory_main(const struct bench_options *opts);
int bench_fileio_main(const struct bench_options *opts);

/* The phase id: --phase-id, else the workload's default. */
uint32_t bench_phase_id(const struct bench_options *opts, uint32_t dflt);

/* sysbench's first lines: version, threads, the random seed. */
void bench_print_header(FILE *out, const struct bench_options *opts,
			uint32_t phase_id);

#endif /* VMEXIT_STAT_BENCH_H */
