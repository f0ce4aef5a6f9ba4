/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_METRICS_H
#define VMEXIT_STAT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "genl_client.h"

/*
 * What `vmexit-stat export` serves, as text: the counters of one read of
 * a backend in the Prometheus text format (0.0.4) or in OpenMetrics
 * 1.0.0, named as node_exporter names its own (prefix vmexit_stat_,
 * counters end in _total, times in seconds, latencies as histograms).
 * Nothing here talks to the kernel or to the network, so that the unit
 * tests can check every line; user/export.c does both.
 */

enum metrics_format {
	METRICS_PROMETHEUS, /* text/plain; version=0.0.4 */
	METRICS_OPENMETRICS, /* application/openmetrics-text; version=1.0.0 */
};

/* One read of a backend, in the module's shapes. */
struct metrics_snapshot {
	const char *backend; /* "module" or "bpf" */
	const char *version; /* of vmexit-stat */
	struct vmexit_info info;
	struct vmexit_records exits; /* per vCPU or per VM */
	struct vmexit_user_records user_exits;
	struct vmexit_vms vms; /* their names and states */
	bool has_sched; /* the backend reads GET_SCHED: the module */
	struct vmexit_scheds sched; /* per vCPU */
	/* Exits by vCPU too (--per-vcpu): a series per vCPU and reason. */
	bool per_vcpu;
	/*
	 * A VM's name as user/vm_name.h works it out; NULL: the names
	 * already in vms[].comm.  The unit tests give their own.
	 */
	void (*vm_name)(const struct vmexit_vm *vm, char *name, size_t size);
};

void metrics_snapshot_free(struct metrics_snapshot *snap);

/*
 * Writes every metric family of snap to out.  0, or -errno (out of
 * memory, or the stream failed).
 */
int metrics_write(FILE *out, const struct metrics_snapshot *snap,
		  enum metrics_format format);

/* The same into a malloc'ed string of *len bytes. */
int metrics_format_text(const struct metrics_snapshot *snap,
			enum metrics_format format, char **text, size_t *len);

/* The Content-Type of a format. */
const char *metrics_content_type(enum metrics_format format);

/*
 * What an HTTP Accept header (NULL: none) asks for: OpenMetrics when it
 * ranks application/openmetrics-text above text/plain by q, as
 * Prometheus' scrapes do; else the Prometheus text format, which every
 * scraper reads.
 */
enum metrics_format metrics_negotiate(const char *accept);

/*
 * Nanoseconds as seconds in decimal, exactly ("1.5", "0.000000256",
 * "0"); buf of at least METRICS_SECONDS_LEN bytes.
 */
#define METRICS_SECONDS_LEN 32
const char *metrics_seconds(uint64_t ns, char *buf, size_t len);

/* A label value with backslash, quote and newline escaped, as both want. */
void metrics_write_label_value(FILE *out, const char *value);

/*
 * The latency histogram's bounds: le = 2^k ns for k from
 * METRICS_LE_FIRST_LOG2 to METRICS_LE_LAST_LOG2, then +Inf.  Bucket i
 * of the log2 histogram holds [2^i, 2^(i+1)) ns, so each le bound
 * counts buckets 0 to k - 1; no exit is handled faster than 256 ns, and
 * all above 2^36 ns (69 s) are in +Inf alone.
 */
#define METRICS_LE_FIRST_LOG2 8
#define METRICS_LE_LAST_LOG2 36

#endif /* VMEXIT_STAT_METRICS_H */
