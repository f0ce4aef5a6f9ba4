/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_LATENCY_H
#define VMEXIT_STAT_LATENCY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genl_client.h"

/*
 * What the CLI reads from a latency (exit latency or user-space round
 * trip): the average and percentiles estimated from the module's log2
 * histogram, and the sum of two latencies.
 *
 * Bucket 0 holds [0, 2) ns, bucket i [2^i, 2^(i+1)) ns, the last one
 * everything from 2^(VMEXIT_STAT_LAT_BUCKETS - 1) ns up (its upper end is
 * taken to be max_ns).  A percentile's rank is located in the histogram
 * and interpolated geometrically inside its bucket (linearly in bucket
 * 0, whose lower end is 0), then clamped to [min_ns, max_ns], so that a
 * histogram of one value gives that value.
 */

struct json_object;

/* sum_ns / count, rounded down; 0 when count is 0. */
uint64_t latency_avg_ns(const struct vmexit_latency *lat);

/*
 * The estimate of the percentile pct (0 < pct <= 100), rounded to the
 * nearest ns; 0 when the histogram is empty.
 */
uint64_t latency_percentile_ns(const struct vmexit_latency *lat, double pct);

/* dst += src: counts, sums and buckets added, min and max kept. */
void latency_add(struct vmexit_latency *dst, const struct vmexit_latency *src);

/*
 * {"count", "sum_ns", "min_ns", "max_ns", "avg_ns", "p50_ns", "p90_ns",
 *  "p99_ns", "hist"}; NULL when out of memory.
 */
struct json_object *latency_json(const struct vmexit_latency *lat);

/* "850ns", "12.3us", "4.56ms", "1.20s"; "-" for no samples. */
const char *latency_format_ns(uint64_t ns, bool none, char *buf, size_t len);

#endif /* VMEXIT_STAT_LATENCY_H */
