/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_LATENCY_H
#define VMEXIT_STAT_LATENCY_H

#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/minmax.h>

#include "vmexit_stat.h"

/* Bucket 0 holds [0, 2) ns, bucket i [2^i, 2^(i+1)), the last the rest. */
static inline unsigned int vxs_latency_bucket(u64 ns)
{
	unsigned int bucket = ns ? fls64(ns) - 1 : 0;

	return min_t(unsigned int, bucket, VMEXIT_STAT_LAT_BUCKETS - 1);
}

static inline void vxs_latency_init(struct vxs_latency *lat)
{
	memset(lat, 0, sizeof(*lat));
	lat->min_ns = U64_MAX;
}

/*
 * Only the owning vCPU thread adds; readers on other CPUs copy while it
 * does, so every field is one aligned 64-bit store and may be a sample
 * behind the others.
 */
static inline void vxs_latency_add(struct vxs_latency *lat, u64 ns)
{
	unsigned int bucket = vxs_latency_bucket(ns);

	WRITE_ONCE(lat->hist[bucket], lat->hist[bucket] + 1);
	WRITE_ONCE(lat->sum_ns, lat->sum_ns + ns);
	if (ns < lat->min_ns)
		WRITE_ONCE(lat->min_ns, ns);
	if (ns > lat->max_ns)
		WRITE_ONCE(lat->max_ns, ns);
	WRITE_ONCE(lat->count, lat->count + 1);
}

static inline void vxs_latency_copy(struct vxs_latency *dst,
				    const struct vxs_latency *src)
{
	unsigned int i;

	dst->count = READ_ONCE(src->count);
	dst->sum_ns = READ_ONCE(src->sum_ns);
	dst->min_ns = READ_ONCE(src->min_ns);
	dst->max_ns = READ_ONCE(src->max_ns);
	for (i = 0; i < VMEXIT_STAT_LAT_BUCKETS; i++)
		dst->hist[i] = READ_ONCE(src->hist[i]);
}

static inline void vxs_latency_merge(struct vxs_latency *dst,
				     const struct vxs_latency *src)
{
	unsigned int i;

	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	dst->min_ns = min(dst->min_ns, src->min_ns);
	dst->max_ns = max(dst->max_ns, src->max_ns);
	for (i = 0; i < VMEXIT_STAT_LAT_BUCKETS; i++)
		dst->hist[i] += src->hist[i];
}

#endif /* VMEXIT_STAT_LATENCY_H */
