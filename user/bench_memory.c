// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat bench memory: sysbench's memory test.  One event is one
 * pass over a block in native words: sequential stores, loads or empty
 * iterations, or as many accesses at uniformly random words.  Each
 * thread does its share of --memory-total-size (total / block / threads
 * events) unless the time runs out first.
 *
 * --memory-scope=global (sysbench's default) gives all threads one
 * shared block, which with 1K blocks measures the L1 cache rather than
 * memory; local gives each thread its own.  Kept as sysbench has them,
 * for the numbers to compare.
 *
 * The loads and stores go through volatile pointers, as sysbench's
 * ck_pr_load/store do: the compiler must keep each one.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

struct memory_ctx {
	const struct bench_memory_opts *opts;
	size_t words;
	size_t *global; /* the shared block, global scope */
};

uint64_t bench_memory_thread_ops(const struct bench_memory_opts *opts,
				 unsigned int threads)
{
	return opts->total_size / opts->block_size / threads;
}

static void *alloc_block(size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	void *block = NULL;

	if (posix_memalign(&block, page > 0 ? page : 4096, size))
		return NULL;
	memset(block, 0, size);
	return block;
}

static int memory_init(struct bench_run *run)
{
	struct memory_ctx *ctx = run->ctx;

	if (ctx->opts->scope == BENCH_MEM_GLOBAL) {
		ctx->global = alloc_block(ctx->opts->block_size);
		if (!ctx->global) {
			fprintf(stderr,
				"vmexit-stat: bench memory: cannot allocate the block\n");
			return -1;
		}
	}
	return 0;
}

static int memory_thread_init(struct bench_thread *thread)
{
	struct memory_ctx *ctx = thread->run->ctx;

	thread->ops_left =
		bench_memory_thread_ops(ctx->opts, thread->run->nthreads);
	if (ctx->opts->scope == BENCH_MEM_GLOBAL) {
		thread->buffer = ctx->global;
		return 0;
	}
	/* allocated (and first touched) by the thread that uses it */
	thread->buffer = alloc_block(ctx->opts->block_size);
	if (!thread->buffer) {
		fprintf(stderr,
			"vmexit-stat: bench memory: cannot allocate thread %u's block\n",
			thread->id);
		return -1;
	}
	return 0;
}

static bool memory_next_event(struct bench_thread *thread,
			      struct bench_event *event)
{
	(void)event;
	/* total size 0: no limit but time, as sysbench */
	if (!((struct memory_ctx *)thread->run->ctx)->opts->total_size)
		return true;
	if (!thread->ops_left)
		return false;
	thread->ops_left--;
	return true;
}

static int seq_write(struct bench_thread *thread,
		     const struct bench_event *event)
{
	const struct memory_ctx *ctx = thread->run->ctx;
	volatile size_t *buf = thread->buffer, *end = buf + ctx->words;

	(void)event;
	for (; buf < end; buf++)
		*buf = end - buf;
	return 0;
}

static int seq_read(struct bench_thread *thread,
		    const struct bench_event *event)
{
	const struct memory_ctx *ctx = thread->run->ctx;
	volatile size_t *buf = thread->buffer, *end = buf + ctx->words;

	(void)event;
	for (; buf < end; buf++)
		(void)*buf;
	return 0;
}

static int seq_none(struct bench_thread *thread,
		    const struct bench_event *event)
{
	const struct memory_ctx *ctx = thread->run->ctx;
	size_t *buf = thread->buffer, *end = buf + ctx->words;

	(void)event;
	/* an empty iteration the compiler may not fold: the loop's cost */
	for (; buf < end; buf++)
		__asm__ volatile("" ::: "memory");
	return 0;
}

static int rnd_write(struct bench_thread *thread,
		     const struct bench_event *event)
{
	const struct memory_ctx *ctx = thread->run->ctx;
	volatile size_t *buf = thread->buffer;
	size_t i;

	(void)event;
	for (i = 0; i < ctx->words; i++)
		buf[(size_t)(bench_rng_double(&thread->rng) * ctx->words)] = i;
	return 0;
}

static int rnd_read(struct bench_thread *thread,
		    const struct bench_event *event)
{
	const struct memory_ctx *ctx = thread->run->ctx;
	volatile size_t *buf = thread->buffer;
	size_t i;

	(void)event;
	for (i = 0; i < ctx->words; i++)
		(void)buf[(size_t)(bench_rng_double(&thread->rng) * ctx->words)];
	return 0;
}

static int rnd_none(struct bench_thread *thread,
		    const struct bench_event *event)
{
	const struct memory_ctx *ctx = thread->run->ctx;
	size_t i;

	(void)event;
	for (i = 0; i < ctx->words; i++) {
		volatile size_t offset =
			bench_rng_double(&thread->rng) * ctx->words;

		(void)offset;
	}
	return 0;
}

static int memory_thread_done(struct bench_thread *thread)
{
	const struct memory_ctx *ctx = thread->run->ctx;

	if (ctx->opts->scope == BENCH_MEM_LOCAL) {
		free(thread->buffer);
		thread->buffer = NULL;
	}
	return 0;
}

static void memory_done(struct bench_run *run)
{
	struct memory_ctx *ctx = run->ctx;
	unsigned int i;

	/* a thread that failed before its end still holds its block */
	if (ctx->opts->scope == BENCH_MEM_LOCAL)
		for (i = 0; i < run->nthreads; i++)
			free(run->threads[i].buffer);
	free(ctx->global);
	ctx->global = NULL;
}

int bench_memory_main(const struct bench_options *opts)
{
	static const char *const opers[] = { "write", "read", "none" };
	struct bench_workload workload = {
		.init = memory_init,
		.thread_init = memory_thread_init,
		.next_event = memory_next_event,
		.thread_done = memory_thread_done,
		.done = memory_done,
	};
	struct memory_ctx ctx = { .opts = &opts->memory };
	struct bench_run run = { .opts = opts,
				 .workload = &workload,
				 .ctx = &ctx };
	const struct bench_memory_opts *m = &opts->memory;
	struct bench_result *res;
	int ret = 1;

	switch (m->oper) {
	case BENCH_MEM_WRITE:
		workload.execute_event = m->rnd ? rnd_write : seq_write;
		break;
	case BENCH_MEM_READ:
		workload.execute_event = m->rnd ? rnd_read : seq_read;
		break;
	case BENCH_MEM_NONE:
		workload.execute_event = m->rnd ? rnd_none : seq_none;
		break;
	}
	ctx.words = m->block_size / sizeof(size_t);
	run.phase_id = bench_phase_id(opts, VMEXIT_STAT_PHASE_MEMORY);
	if (!opts->json) {
		bench_print_header(stdout, opts, run.phase_id);
		printf("Running memory speed test with the following options:\n");
		printf("  block size: %lluKiB\n",
		       (unsigned long long)(m->block_size / 1024));
		printf("  total size: %lluMiB\n",
		       (unsigned long long)(m->total_size >> 20));
		printf("  operation: %s\n", opers[m->oper]);
		printf("  scope: %s\n",
		       m->scope == BENCH_MEM_GLOBAL ? "global" : "local");
		printf("\nInitializing worker threads...\n\n");
		printf("Threads started!\n\n");
		fflush(stdout);
	}
	res = malloc(sizeof(*res));
	if (!res || bench_engine_run(&run))
		goto out;
	bench_result_from_run(res, &run);
	if (opts->json) {
		bench_report_json(stdout, opts, res);
	} else {
		uint64_t ops = res->latency.count;
		double mib = ops * (double)m->block_size / (1024.0 * 1024.0);

		printf("Total operations: %llu (%8.2f per second)\n\n",
		       (unsigned long long)ops, ops / res->time_s);
		if (m->oper != BENCH_MEM_NONE)
			printf("%4.2f MiB transferred (%4.2f MiB/sec)\n\n", mib,
			       mib / res->time_s);
		printf("\n");
		bench_report_common(stdout, opts, res);
	}
	ret = 0;
out:
	free(res);
	bench_engine_free(&run);
	return ret;
}
