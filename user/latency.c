// SPDX-License-Identifier: GPL-2.0
/*
 * Averages and percentile estimates of the module's latency histograms.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include <json-c/json.h>

#include "json_out.h"
#include "latency.h"

#define LAST_BUCKET (VMEXIT_STAT_LAT_BUCKETS - 1)

uint64_t latency_avg_ns(const struct vmexit_latency *lat)
{
	return lat->count ? lat->sum_ns / lat->count : 0;
}

/* Where inside bucket i the fraction f (0 < f <= 1) of its samples ends. */
static double bucket_point(const struct vmexit_latency *lat, unsigned int i,
			   double f)
{
	double lo, hi;

	if (i == 0)
		return 2.0 * f;
	lo = ldexp(1.0, i);
	hi = ldexp(1.0, i + 1);
	/* The last bucket has no upper end but the largest sample. */
	if (i == LAST_BUCKET)
		hi = (double)lat->max_ns > lo ? (double)lat->max_ns : lo;
	return lo * pow(hi / lo, f);
}

uint64_t latency_percentile_ns(const struct vmexit_latency *lat, double pct)
{
	uint64_t total = 0, below = 0;
	unsigned int i, last = 0;
	double rank, value;

	/*
	 * Ranks come from the histogram itself, not from count, so that
	 * a histogram a little behind its count still gives an estimate
	 * inside its own samples.
	 */
	for (i = 0; i < VMEXIT_STAT_LAT_BUCKETS; i++) {
		total += lat->hist[i];
		if (lat->hist[i])
			last = i;
	}
	if (!total || !(pct > 0))
		return 0;
	if (pct > 100)
		pct = 100;
	rank = pct / 100.0 * (double)total;

	for (i = 0; i < last; i++) {
		if (lat->hist[i] && (double)(below + lat->hist[i]) >= rank)
			break;
		below += lat->hist[i];
	}
	value = bucket_point(lat, i, (rank - (double)below) / lat->hist[i]);

	if (lat->count) {
		if (value < (double)lat->min_ns)
			value = lat->min_ns;
		if (value > (double)lat->max_ns)
			value = lat->max_ns;
	}
	return (uint64_t)llround(value);
}

void latency_add(struct vmexit_latency *dst, const struct vmexit_latency *src)
{
	unsigned int i;

	if (!src->count)
		return;
	if (!dst->count || src->min_ns < dst->min_ns)
		dst->min_ns = src->min_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	for (i = 0; i < VMEXIT_STAT_LAT_BUCKETS; i++)
		dst->hist[i] += src->hist[i];
}

struct json_object *latency_json(const struct vmexit_latency *lat)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *hist = json_object_new_array();
	bool ok = true;
	unsigned int i;

	for (i = 0; i < VMEXIT_STAT_LAT_BUCKETS; i++)
		ok &= json_append(hist, json_object_new_uint64(lat->hist[i]));
	ok &= json_add(obj, "count", json_object_new_uint64(lat->count));
	ok &= json_add(obj, "sum_ns", json_object_new_uint64(lat->sum_ns));
	ok &= json_add(obj, "min_ns", json_object_new_uint64(lat->min_ns));
	ok &= json_add(obj, "max_ns", json_object_new_uint64(lat->max_ns));
	ok &= json_add(obj, "avg_ns",
		       json_object_new_uint64(latency_avg_ns(lat)));
	ok &= json_add(obj, "p50_ns",
		       json_object_new_uint64(latency_percentile_ns(lat, 50)));
	ok &= json_add(obj, "p90_ns",
		       json_object_new_uint64(latency_percentile_ns(lat, 90)));
	ok &= json_add(obj, "p99_ns",
		       json_object_new_uint64(latency_percentile_ns(lat, 99)));
	ok &= json_add(obj, "hist", hist);
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

const char *latency_format_ns(uint64_t ns, bool none, char *buf, size_t len)
{
	if (none)
		snprintf(buf, len, "-");
	else if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 "ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
	return buf;
}
