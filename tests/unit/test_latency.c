// SPDX-License-Identifier: GPL-2.0
/*
 * Percentile estimates from hand-built histograms whose answers are
 * worked out by hand: bucket i holds [2^i, 2^(i+1)) ns, and a rank that
 * falls a fraction f into bucket i is 2^i * 2^f ns.
 */
#include <json-c/json.h>

#include "latency.h"
#include "unit.h"

static void empty_histogram(void)
{
	struct vmexit_latency lat = {};

	CHECK_U64(latency_avg_ns(&lat), 0);
	CHECK_U64(latency_percentile_ns(&lat, 50), 0);
	CHECK_U64(latency_percentile_ns(&lat, 99), 0);
}

/* 100 samples in [1024, 2048): p50 is 2^10.5, p90 2^10.9, p99 2^10.99. */
static void one_bucket(void)
{
	struct vmexit_latency lat = {
		.count = 100,
		.sum_ns = 150000,
		.min_ns = 1024,
		.max_ns = 2047,
	};

	lat.hist[10] = 100;
	CHECK_U64(latency_avg_ns(&lat), 1500);
	CHECK_U64(latency_percentile_ns(&lat, 50), 1448);
	CHECK_U64(latency_percentile_ns(&lat, 90), 1911);
	CHECK_U64(latency_percentile_ns(&lat, 99), 2034);
	CHECK_U64(latency_percentile_ns(&lat, 100), 2047); /* 2048, clamped */
}

/* Half at [8, 16), half at [2^20, 2^21). */
static void two_buckets(void)
{
	struct vmexit_latency lat = {
		.count = 100,
		.min_ns = 8,
		.max_ns = (1 << 21) - 1,
	};

	lat.hist[3] = 50;
	lat.hist[20] = 50;
	CHECK_U64(latency_percentile_ns(&lat, 50), 16); /* end of bucket 3 */
	CHECK_U64(latency_percentile_ns(&lat, 51), 1063214); /* 2^20.02 */
	CHECK_U64(latency_percentile_ns(&lat, 90), 1825677); /* 2^20.8 */
	CHECK_U64(latency_percentile_ns(&lat, 99), 2068280); /* 2^20.98 */
	CHECK_U64(latency_percentile_ns(&lat, 1), 8); /* 2^3.02 = 8.1 */
}

/* One sample: every percentile is that sample, whatever its bucket. */
static void clamped_to_min_and_max(void)
{
	struct vmexit_latency lat = {
		.count = 1,
		.sum_ns = 1500,
		.min_ns = 1500,
		.max_ns = 1500,
	};

	lat.hist[10] = 1;
	CHECK_U64(latency_percentile_ns(&lat, 50), 1500);
	CHECK_U64(latency_percentile_ns(&lat, 99), 1500);
	CHECK_U64(latency_avg_ns(&lat), 1500);
}

/* Bucket 0 is [0, 2): linear, since its lower end is 0. */
static void bucket_zero(void)
{
	struct vmexit_latency lat = { .count = 4, .sum_ns = 2, .max_ns = 1 };

	lat.hist[0] = 4;
	CHECK_U64(latency_percentile_ns(&lat, 10), 0); /* 0.2 */
	CHECK_U64(latency_percentile_ns(&lat, 50), 1); /* 1.0 */
	CHECK_U64(latency_percentile_ns(&lat, 99), 1); /* 1.98, clamped */
}

/* The last bucket is open: its upper end is taken to be max_ns. */
static void last_bucket(void)
{
	struct vmexit_latency lat = {
		.count = 10,
		.min_ns = 1ULL << 39,
		.max_ns = 3ULL << 40,
	};

	lat.hist[VMEXIT_STAT_LAT_BUCKETS - 1] = 10;
	/* 2^39 * (3 * 2^40 / 2^39)^0.5 = 2^39 * sqrt(6) */
	CHECK_U64(latency_percentile_ns(&lat, 50), 1346621227154ULL);
	CHECK_U64(latency_percentile_ns(&lat, 100), 3ULL << 40);
}

/*
 * Ranks come from the histogram: one that is ahead of count (a racy
 * snapshot) still gives an estimate inside its samples; without a count
 * there is no min or max to clamp to.
 */
static void histogram_ahead_of_count(void)
{
	struct vmexit_latency lat = {};

	lat.hist[5] = 2;
	CHECK_U64(latency_percentile_ns(&lat, 50), 45); /* 2^5.5 */
	CHECK_U64(latency_percentile_ns(&lat, 0), 0);
	CHECK_U64(latency_percentile_ns(&lat, -3), 0);
	CHECK_U64(latency_percentile_ns(&lat, 250), 64); /* as 100 */
}

static void adding(void)
{
	struct vmexit_latency sum = {}, a = {
		.count = 2, .sum_ns = 300, .min_ns = 100, .max_ns = 200
	};
	struct vmexit_latency b = {
		.count = 1, .sum_ns = 50, .min_ns = 50, .max_ns = 50
	};
	struct vmexit_latency none = {};

	a.hist[6] = 1;
	a.hist[7] = 1;
	b.hist[5] = 1;
	latency_add(&sum, &none);
	CHECK_U64(sum.count, 0);
	latency_add(&sum, &a);
	latency_add(&sum, &none); /* its min of 0 is no sample */
	latency_add(&sum, &b);
	CHECK_U64(sum.count, 3);
	CHECK_U64(sum.sum_ns, 350);
	CHECK_U64(sum.min_ns, 50);
	CHECK_U64(sum.max_ns, 200);
	CHECK_U64(sum.hist[5], 1);
	CHECK_U64(sum.hist[6], 1);
	CHECK_U64(sum.hist[7], 1);
}

static uint64_t json_u64(struct json_object *obj, const char *key)
{
	struct json_object *val;

	if (!json_object_object_get_ex(obj, key, &val)) {
		unit_fail(__FILE__, __LINE__, "no key %s", key);
		return UINT64_MAX;
	}
	CHECK(json_object_is_type(val, json_type_int));
	return json_object_get_uint64(val);
}

static void json_shape(void)
{
	struct vmexit_latency lat = {
		.count = 100,
		.sum_ns = 150000,
		.min_ns = 1024,
		.max_ns = 2047,
	};
	struct json_object *obj, *hist;

	lat.hist[10] = 100;
	obj = latency_json(&lat);
	CHECK(obj);
	CHECK_U64(json_u64(obj, "count"), 100);
	CHECK_U64(json_u64(obj, "sum_ns"), 150000);
	CHECK_U64(json_u64(obj, "min_ns"), 1024);
	CHECK_U64(json_u64(obj, "max_ns"), 2047);
	CHECK_U64(json_u64(obj, "avg_ns"), 1500);
	CHECK_U64(json_u64(obj, "p50_ns"), 1448);
	CHECK_U64(json_u64(obj, "p90_ns"), 1911);
	CHECK_U64(json_u64(obj, "p99_ns"), 2034);
	CHECK(json_object_object_get_ex(obj, "hist", &hist));
	CHECK_U64(json_object_array_length(hist), VMEXIT_STAT_LAT_BUCKETS);
	CHECK_U64(json_object_get_uint64(json_object_array_get_idx(hist, 10)),
		  100);
	CHECK_U64(json_object_get_uint64(json_object_array_get_idx(hist, 9)),
		  0);
	json_object_put(obj);

	/* No samples: every derived value is 0, not garbage. */
	obj = latency_json(&(struct vmexit_latency){});
	CHECK_U64(json_u64(obj, "min_ns"), 0);
	CHECK_U64(json_u64(obj, "avg_ns"), 0);
	CHECK_U64(json_u64(obj, "p99_ns"), 0);
	json_object_put(obj);
}

static void formatting(void)
{
	char buf[16];

	CHECK_STR(latency_format_ns(850, false, buf, sizeof(buf)), "850ns");
	CHECK_STR(latency_format_ns(12345, false, buf, sizeof(buf)), "12.3us");
	CHECK_STR(latency_format_ns(4560000, false, buf, sizeof(buf)),
		  "4.56ms");
	CHECK_STR(latency_format_ns(1200000000, false, buf, sizeof(buf)),
		  "1.20s");
	CHECK_STR(latency_format_ns(0, true, buf, sizeof(buf)), "-");
}

const struct unit_test latency_tests[] = {
	{ "latency: empty histogram", empty_histogram },
	{ "latency: one bucket, geometric inside", one_bucket },
	{ "latency: two buckets", two_buckets },
	{ "latency: clamped to min and max", clamped_to_min_and_max },
	{ "latency: bucket 0 is linear", bucket_zero },
	{ "latency: the last bucket ends at max", last_bucket },
	{ "latency: histogram ahead of count", histogram_ahead_of_count },
	{ "latency: adding two", adding },
	{ "latency: JSON object", json_shape },
	{ "latency: text units", formatting },
	{}
};
