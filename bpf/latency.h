/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_BPF_LATENCY_H
#define VMEXIT_STAT_BPF_LATENCY_H

/*
 * The module's log2 latency buckets on the BPF side, for every program
 * that fills a struct vxs_latency (include after vmexit_stat/exits.h).
 */

/* fls64(ns) - 1, 0 for 0, capped at the last bucket: as the module's. */
static __always_inline __u32 lat_bucket(__u64 ns)
{
	__u32 bucket = 0;

	if (ns >> 32) {
		ns >>= 32;
		bucket += 32;
	}
	if (ns >> 16) {
		ns >>= 16;
		bucket += 16;
	}
	if (ns >> 8) {
		ns >>= 8;
		bucket += 8;
	}
	if (ns >> 4) {
		ns >>= 4;
		bucket += 4;
	}
	if (ns >> 2) {
		ns >>= 2;
		bucket += 2;
	}
	if (ns >> 1)
		bucket += 1;
	return bucket < VXS_BPF_LAT_BUCKETS ? bucket : VXS_BPF_LAT_BUCKETS - 1;
}

static __always_inline void lat_add(struct vxs_latency *lat, __u64 ns)
{
	__u32 bucket = lat_bucket(ns);

	if (!lat->count || ns < lat->min_ns)
		lat->min_ns = ns;
	if (ns > lat->max_ns)
		lat->max_ns = ns;
	lat->sum_ns += ns;
	lat->count++;
	if (bucket < VXS_BPF_LAT_BUCKETS)
		lat->hist[bucket]++;
}

#endif /* VMEXIT_STAT_BPF_LATENCY_H */
