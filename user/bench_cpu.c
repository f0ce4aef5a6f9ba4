// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat bench cpu: sysbench's cpu test.  One event counts the
 * primes in [3, max_prime) by trial division with 64-bit integers up to
 * the square root taken in double, exactly as sysbench does, so the two
 * do the same work per event.
 *
 * sysbench stores the count where nothing reads it, which lets a
 * compiler drop the loop; here each event's count goes to the thread's
 * state, the report prints it and checks that every event found the
 * same number, so the work is observable and cannot be optimised away.
 */
#include <math.h>
#include <stdlib.h>

#include "bench.h"

uint64_t bench_cpu_count_primes(uint32_t max_prime)
{
	unsigned long long c, l, primes = 0;

	for (c = 3; c < max_prime; c++) {
		double t = sqrt((double)c);

		for (l = 2; l <= t; l++)
			if (c % l == 0)
				break;
		if (l > t)
			primes++;
	}
	return primes;
}

static uint32_t cpu_max_prime;

static bool cpu_next_event(struct bench_thread *thread,
			   struct bench_event *event)
{
	(void)thread;
	(void)event;
	return true;
}

static int cpu_execute_event(struct bench_thread *thread,
			     const struct bench_event *event)
{
	uint64_t primes = bench_cpu_count_primes(cpu_max_prime);

	(void)event;
	/* a different count from one event to the next is a broken CPU */
	if (thread->hist.count && primes != thread->primes) {
		fprintf(stderr,
			"vmexit-stat: bench cpu: %llu primes, then %llu: the CPU computes wrong\n",
			(unsigned long long)thread->primes,
			(unsigned long long)primes);
		return -1;
	}
	thread->primes = primes;
	return 0;
}

const struct bench_workload bench_cpu_workload = {
	.next_event = cpu_next_event,
	.execute_event = cpu_execute_event,
};

int bench_cpu_main(const struct bench_options *opts)
{
	struct bench_run run = { .opts = opts,
				 .workload = &bench_cpu_workload };
	struct bench_result *res;
	int ret = 1;

	run.phase_id = bench_phase_id(opts, VMEXIT_STAT_PHASE_CPU);
	cpu_max_prime = opts->cpu.max_prime;
	if (!opts->json) {
		bench_print_header(stdout, opts, run.phase_id);
		printf("Prime numbers limit: %u\n\n", opts->cpu.max_prime);
		printf("Initializing worker threads...\n\n");
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
		printf("CPU speed:\n");
		printf("    events per second: %8.2f\n",
		       res->latency.count / res->time_s);
		printf("    primes per event:  %8llu\n\n",
		       (unsigned long long)res->primes);
		bench_report_common(stdout, opts, res);
	}
	ret = 0;
out:
	free(res);
	bench_engine_free(&run);
	return ret;
}
