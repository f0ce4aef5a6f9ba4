// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat bench: the latency histogram and the random numbers.
 *
 * sysbench keeps 1024 log-spaced buckets over [0.001, 100000] ms, about
 * 1.8% apart, and reports a bucket's centre, which may lie outside the
 * values seen; here each power of two is split into 128 linear buckets
 * (as HdrHistogram does), so the middle of a bucket is within 0.4% of
 * every value in it, and the answer is kept within [min, max].
 */
#include <math.h>
#include <string.h>

#include "bench.h"

const double bench_percentiles[BENCH_PERCENTILES] = { 50, 90, 95, 99, 99.9 };
const char *const bench_percentile_names[BENCH_PERCENTILES] = {
	"p50", "p90", "p95", "p99", "p99.9",
};

void bench_hist_init(struct bench_hist *hist)
{
	memset(hist, 0, sizeof(*hist));
	hist->min_ns = UINT64_MAX;
}

uint64_t bench_hist_bucket_low(unsigned int index)
{
	unsigned int shift;

	if (index < BENCH_HIST_SUB)
		return index;
	shift = index / BENCH_HIST_SUB - 1;
	return (uint64_t)(index % BENCH_HIST_SUB + BENCH_HIST_SUB) << shift;
}

uint64_t bench_hist_bucket_width(unsigned int index)
{
	if (index < BENCH_HIST_SUB)
		return 1;
	return 1ULL << (index / BENCH_HIST_SUB - 1);
}

void bench_hist_merge(struct bench_hist *into, const struct bench_hist *from)
{
	unsigned int i;

	if (!from->count)
		return;
	into->count += from->count;
	into->sum_ns += from->sum_ns;
	if (from->min_ns < into->min_ns)
		into->min_ns = from->min_ns;
	if (from->max_ns > into->max_ns)
		into->max_ns = from->max_ns;
	for (i = 0; i < BENCH_HIST_BUCKETS; i++)
		into->buckets[i] += from->buckets[i];
}

double bench_hist_percentile_ns(const struct bench_hist *hist, double pct)
{
	uint64_t rank, seen = 0;
	unsigned int i;

	if (!hist->count || pct <= 0)
		return 0;
	if (pct >= 100)
		return hist->max_ns;
	/* the small epsilon keeps 99.9% of 1000 at rank 999, not 1000 */
	rank = (uint64_t)ceil(hist->count * pct / 100.0 - 1e-9);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < BENCH_HIST_BUCKETS; i++) {
		double middle;

		seen += hist->buckets[i];
		if (seen < rank)
			continue;
		middle = bench_hist_bucket_low(i) +
			 (bench_hist_bucket_width(i) - 1) / 2.0;
		if (middle < hist->min_ns)
			return hist->min_ns;
		if (middle > hist->max_ns)
			return hist->max_ns;
		return middle;
	}
	return hist->max_ns;
}

/* splitmix64, to spread a seed over xoroshiro's state */
static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void bench_rng_seed(struct bench_rng *rng, uint64_t seed)
{
	rng->s[0] = splitmix64(&seed);
	rng->s[1] = splitmix64(&seed);
}
