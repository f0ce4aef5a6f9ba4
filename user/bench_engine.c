// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat bench: sysbench's engine.  Worker threads start together
 * behind a barrier whose last arrival starts the clock; before each
 * event a thread checks the time limit, then takes a ticket for the
 * event limit; an event under way is never cut short.  Each event's
 * latency is CLOCK_MONOTONIC around it; the rate is events over the time
 * from the barrier until every thread has finished.
 *
 * One clock read per event fewer than sysbench: the time limit is
 * checked against the end of the previous event, which is when the
 * check would have read the clock anyway.
 *
 * With markers each thread executes the start marker right after the
 * barrier and the end marker after its last event (and the workload's
 * end-of-run work: fileio's last fsyncs), so the phase covers exactly
 * what is measured.  Attribution on the host is per vCPU: a thread that
 * migrated to another vCPU between its markers would leave its phase
 * open on the first and end an unopened one on the second, so with
 * markers thread i is pinned to the i-th allowed CPU (modulo their
 * number) before the barrier.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

bool bench_markers_supported(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return true;
#else
	return false;
#endif
}

void bench_marker(uint32_t leaf)
{
#if defined(__x86_64__) || defined(__i386__)
	uint32_t eax = leaf, ebx, ecx = 0, edx;

	/* volatile: the outputs are unused, the exit is the point */
	__asm__ volatile("cpuid"
			 : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx)
			 :
			 : "memory");
#else
	(void)leaf;
#endif
}

void (*bench_mark)(uint32_t leaf) = bench_marker;

static void barrier_wait(struct bench_run *run)
{
	pthread_mutex_lock(&run->barrier_lock);
	if (++run->barrier_waiting == run->nthreads) {
		run->start_ns = bench_now_ns();
		run->barrier_open = true;
		pthread_cond_broadcast(&run->barrier_cond);
	}
	while (!run->barrier_open)
		pthread_cond_wait(&run->barrier_cond, &run->barrier_lock);
	pthread_mutex_unlock(&run->barrier_lock);
}

static int pin_thread(struct bench_thread *thread)
{
	const struct bench_run *run = thread->run;
	cpu_set_t set;
	int err;

	thread->cpu = run->cpus[thread->id % run->ncpus];
	CPU_ZERO(&set);
	CPU_SET(thread->cpu, &set);
	err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (err) {
		fprintf(stderr,
			"vmexit-stat: bench: cannot pin thread %u to CPU %d: %s\n",
			thread->id, thread->cpu, strerror(err));
		return -1;
	}
	return 0;
}

static void run_events(struct bench_thread *thread)
{
	struct bench_run *run = thread->run;
	const struct bench_workload *workload = run->workload;
	const uint64_t limit_ns = run->opts->time_s * 1000000000ULL;
	const uint64_t max_events = run->opts->events;
	uint64_t now = bench_now_ns();
	struct bench_event event = {};

	while (!atomic_load_explicit(&run->failed, memory_order_relaxed)) {
		uint64_t begin;
		int err;

		if (limit_ns && now - run->start_ns >= limit_ns)
			break;
		if (max_events && atomic_fetch_add_explicit(
					  &run->events_taken, 1,
					  memory_order_relaxed) >= max_events)
			break;
		if (!workload->next_event(thread, &event))
			break;
		begin = bench_now_ns();
		err = workload->execute_event(thread, &event);
		now = bench_now_ns();
		bench_hist_add(&thread->hist, now - begin);
		if (err) {
			thread->error = 1;
			break;
		}
	}
}

static void *worker(void *arg)
{
	struct bench_thread *thread = arg;
	struct bench_run *run = thread->run;
	const bool markers = run->opts->markers;

	if ((markers && pin_thread(thread)) ||
	    (run->workload->thread_init && run->workload->thread_init(thread)))
		thread->error = 1;
	if (thread->error)
		atomic_store(&run->failed, 1);
	barrier_wait(run);
	if (thread->error)
		return NULL;

	if (markers)
		bench_mark(VMEXIT_STAT_MARKER_LEAF(run->phase_id, 0));
	run_events(thread);
	if (!thread->error && run->workload->thread_done &&
	    run->workload->thread_done(thread))
		thread->error = 1;
	if (markers)
		bench_mark(VMEXIT_STAT_MARKER_LEAF(run->phase_id, 1));
	if (thread->error)
		atomic_store(&run->failed, 1);
	return NULL;
}

static int allowed_cpus(struct bench_run *run)
{
	cpu_set_t set;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "vmexit-stat: bench: sched_getaffinity: %s\n",
			strerror(errno));
		return -1;
	}
	run->cpus = calloc(CPU_SETSIZE, sizeof(*run->cpus));
	if (!run->cpus)
		return -1;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			run->cpus[run->ncpus++] = cpu;
	return run->ncpus ? 0 : -1;
}

int bench_engine_run(struct bench_run *run)
{
	unsigned int i, started = 0;
	int err = 0;

	run->nthreads = run->opts->threads;
	run->threads = aligned_alloc(64, sizeof(*run->threads) * run->nthreads);
	if (!run->threads) {
		fprintf(stderr, "vmexit-stat: bench: out of memory\n");
		return -1;
	}
	memset(run->threads, 0, sizeof(*run->threads) * run->nthreads);
	for (i = 0; i < run->nthreads; i++) {
		struct bench_thread *thread = &run->threads[i];

		thread->run = run;
		thread->id = i;
		thread->cpu = -1;
		bench_hist_init(&thread->hist);
		bench_rng_seed(&thread->rng,
			       (run->opts->seed ? run->opts->seed :
						  bench_now_ns()) +
				       i * 0x51ed27ULL);
	}
	pthread_mutex_init(&run->barrier_lock, NULL);
	pthread_cond_init(&run->barrier_cond, NULL);
	atomic_init(&run->events_taken, 0);
	atomic_init(&run->failed, 0);

	if (run->opts->markers && allowed_cpus(run))
		return -1;
	if (run->workload->init && run->workload->init(run))
		return -1;

	for (i = 0; i < run->nthreads; i++) {
		err = pthread_create(&run->threads[i].handle, NULL, worker,
				     &run->threads[i]);
		if (err)
			break;
		started++;
	}
	if (err) {
		fprintf(stderr, "vmexit-stat: bench: pthread_create: %s\n",
			strerror(err));
		/* the barrier waits for nthreads: let the started ones go */
		pthread_mutex_lock(&run->barrier_lock);
		atomic_store(&run->failed, 1);
		run->barrier_open = true;
		pthread_cond_broadcast(&run->barrier_cond);
		pthread_mutex_unlock(&run->barrier_lock);
	}
	for (i = 0; i < started; i++)
		pthread_join(run->threads[i].handle, NULL);
	run->end_ns = bench_now_ns();
	if (run->workload->done)
		run->workload->done(run);
	return err || atomic_load(&run->failed) ? -1 : 0;
}

void bench_engine_free(struct bench_run *run)
{
	free(run->threads);
	free(run->cpus);
	run->threads = NULL;
	run->cpus = NULL;
}

void bench_run_latency(const struct bench_run *run, struct bench_hist *all)
{
	unsigned int i;

	bench_hist_init(all);
	for (i = 0; i < run->nthreads; i++)
		bench_hist_merge(all, &run->threads[i].hist);
}
