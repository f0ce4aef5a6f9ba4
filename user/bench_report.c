// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat bench: the report, in sysbench 1.0.20's layout (the same
 * lines, labels and number formats, so that both are read and parsed
 * alike), with the percentiles sysbench does not give; and the one-line
 * JSON document the host joins with its phases.
 *
 * The JSON is written by hand: the static guest build has no json-c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define NS_PER_MS 1e6
#define NS_PER_S 1e9
#define MIB (1024.0 * 1024.0)

static const char *const bench_percentile_labels[BENCH_PERCENTILES] = {
	"50th:", "90th:", "95th:", "99th:", "99.9th:",
};

void bench_result_from_run(struct bench_result *res,
			   const struct bench_run *run)
{
	unsigned int i, n = run->nthreads;
	double events_var = 0, exec_var = 0;

	memset(res, 0, sizeof(*res));
	res->phase_id = run->phase_id;
	res->nthreads = n;
	res->time_s = (run->end_ns - run->start_ns) / NS_PER_S;
	bench_run_latency(run, &res->latency);
	for (i = 0; i < n; i++) {
		const struct bench_thread *t = &run->threads[i];

		res->reads += t->reads;
		res->writes += t->writes;
		res->fsyncs += t->fsyncs;
		res->bytes_read += t->bytes_read;
		res->bytes_written += t->bytes_written;
	}
	res->primes = n ? run->threads[0].primes : 0;
	res->events_avg = (double)res->latency.count / n;
	res->exec_avg_s = res->latency.sum_ns / NS_PER_S / n;
	for (i = 0; i < n; i++) {
		const struct bench_hist *h = &run->threads[i].hist;
		double de = h->count - res->events_avg;
		double dt = h->sum_ns / NS_PER_S - res->exec_avg_s;

		events_var += de * de;
		exec_var += dt * dt;
	}
	res->events_stddev = sqrt(events_var / n);
	res->exec_stddev_s = sqrt(exec_var / n);
}

static double hist_min_ms(const struct bench_hist *h)
{
	return h->count ? h->min_ns / NS_PER_MS : 0;
}

static double hist_avg_ms(const struct bench_hist *h)
{
	return h->count ? (double)h->sum_ns / h->count / NS_PER_MS : 0;
}

void bench_report_common(FILE *out, const struct bench_options *opts,
			 const struct bench_result *res)
{
	const struct bench_hist *h = &res->latency;
	unsigned int i;

	fprintf(out, "General statistics:\n");
	fprintf(out, "    total time:                          %.4fs\n",
		res->time_s);
	fprintf(out, "    total number of events:              %llu\n",
		(unsigned long long)h->count);
	fprintf(out, "\n");
	fprintf(out, "Latency (ms):\n");
	fprintf(out, "         min:                            %12.2f\n",
		hist_min_ms(h));
	fprintf(out, "         avg:                            %12.2f\n",
		hist_avg_ms(h));
	fprintf(out, "         max:                            %12.2f\n",
		h->max_ns / NS_PER_MS);
	if (opts->percentile)
		fprintf(out,
			"        %3uth percentile:                %12.2f\n",
			opts->percentile,
			bench_hist_percentile_ns(h, opts->percentile) /
				NS_PER_MS);
	else
		fprintf(out,
			"         percentile stats:               disabled\n");
	fprintf(out, "         sum:                            %12.2f\n",
		h->sum_ns / NS_PER_MS);
	fprintf(out, "\n");
	/* more digits than sysbench's: memory events take microseconds */
	fprintf(out, "Latency percentiles (ms, within 1%%):\n");
	for (i = 0; i < BENCH_PERCENTILES; i++)
		fprintf(out, "         %-32s%12.4f\n",
			bench_percentile_labels[i],
			bench_hist_percentile_ns(h, bench_percentiles[i]) /
				NS_PER_MS);
	fprintf(out, "\n");
	fprintf(out, "Threads fairness:\n");
	fprintf(out, "    events (avg/stddev):           %.4f/%3.2f\n",
		res->events_avg, res->events_stddev);
	fprintf(out, "    execution time (avg/stddev):   %.4f/%3.2f\n",
		res->exec_avg_s, res->exec_stddev_s);
	fprintf(out, "\n");
}

/* A JSON number; JSON has no NaN or infinity. */
static void json_num(FILE *out, const char *key, double v)
{
	if (isfinite(v))
		fprintf(out, "\"%s\":%.10g", key, v);
	else
		fprintf(out, "\"%s\":null", key);
}

static void json_u64(FILE *out, const char *key, uint64_t v)
{
	fprintf(out, "\"%s\":%llu", key, (unsigned long long)v);
}

static void json_str(FILE *out, const char *key, const char *v)
{
	/* only our own names: nothing to escape */
	if (v)
		fprintf(out, "\"%s\":\"%s\"", key, v);
	else
		fprintf(out, "\"%s\":null", key);
}

static const char *const memory_scope_names[] = { "global", "local" };
static const char *const memory_oper_names[] = { "write", "read", "none" };
static const char *const io_mode_names[] = { "sync", "async", "mmap" };

static void json_cpu(FILE *out, const struct bench_options *opts,
		     const struct bench_result *res)
{
	fprintf(out, ",\"cpu\":{");
	json_u64(out, "max_prime", opts->cpu.max_prime);
	fputc(',', out);
	json_u64(out, "primes", res->primes);
	fputc('}', out);
}

static void json_memory(FILE *out, const struct bench_options *opts,
			const struct bench_result *res)
{
	const struct bench_memory_opts *m = &opts->memory;
	uint64_t ops = res->latency.count;
	double mib = ops * (double)m->block_size / MIB;

	fprintf(out, ",\"memory\":{");
	json_u64(out, "block_size", m->block_size);
	fputc(',', out);
	json_u64(out, "total_size", m->total_size);
	fputc(',', out);
	json_str(out, "scope", memory_scope_names[m->scope]);
	fputc(',', out);
	json_str(out, "oper", memory_oper_names[m->oper]);
	fputc(',', out);
	json_str(out, "access_mode", m->rnd ? "rnd" : "seq");
	fputc(',', out);
	json_u64(out, "ops", ops);
	fputc(',', out);
	json_num(out, "ops_per_s", ops / res->time_s);
	fputc(',', out);
	json_num(out, "mib", mib);
	fputc(',', out);
	json_num(out, "mib_per_s", mib / res->time_s);
	fputc('}', out);
}

static void json_fileio(FILE *out, const struct bench_options *opts,
			const struct bench_result *res)
{
	static const char *const flag_names[] = { "sync", "dsync", "direct" };
	const struct bench_fileio_opts *f = &opts->fileio;
	bool first = true;
	unsigned int i;

	fprintf(out, ",\"fileio\":{");
	json_str(out, "test_mode",
		 f->test_mode_set ? bench_file_mode_name(f->test_mode) : NULL);
	fputc(',', out);
	json_str(out, "io_mode", io_mode_names[f->io_mode]);
	fprintf(out, ",\"extra_flags\":[");
	for (i = 0; i < 3; i++) {
		if (!(f->extra_flags & (1U << i)))
			continue;
		fprintf(out, "%s\"%s\"", first ? "" : ",", flag_names[i]);
		first = false;
	}
	fprintf(out, "],");
	json_u64(out, "file_num", f->file_num);
	fputc(',', out);
	json_u64(out, "total_size", f->total_size);
	fputc(',', out);
	json_u64(out, "block_size", f->block_size);
	fputc(',', out);
	json_num(out, "reads_per_s", res->reads / res->time_s);
	fputc(',', out);
	json_num(out, "writes_per_s", res->writes / res->time_s);
	fputc(',', out);
	json_num(out, "fsyncs_per_s", res->fsyncs / res->time_s);
	fputc(',', out);
	json_num(out, "read_mib_per_s", res->bytes_read / MIB / res->time_s);
	fputc(',', out);
	json_num(out, "written_mib_per_s",
		 res->bytes_written / MIB / res->time_s);
	fprintf(out, ",\"fits_page_cache\":%s}",
		res->fits_page_cache ? "true" : "false");
}

void bench_report_json(FILE *out, const struct bench_options *opts,
		       const struct bench_result *res)
{
	const struct bench_hist *h = &res->latency;
	const char *unit = NULL;
	double value = 0;
	unsigned int i;

	switch (opts->workload) {
	case BENCH_CPU:
		unit = "events/s";
		value = h->count / res->time_s;
		break;
	case BENCH_MEMORY:
		unit = "MiB/s";
		value = h->count * (double)opts->memory.block_size / MIB /
			res->time_s;
		break;
	case BENCH_FILEIO:
		if (opts->fileio_cmd == BENCH_FILEIO_RUN) {
			unit = "IOPS";
			value = (res->reads + res->writes) / res->time_s;
		} else if (opts->fileio_cmd == BENCH_FILEIO_PREPARE) {
			unit = "MiB/s";
			value = res->bytes_written / MIB / res->time_s;
		}
		break;
	}

	fputc('{', out);
	json_str(out, "workload", bench_workload_name(opts->workload));
	fputc(',', out);
	json_str(out, "mode",
		 opts->workload == BENCH_FILEIO ?
			 bench_fileio_cmd_name(opts->fileio_cmd) :
			 NULL);
	fputc(',', out);
	if (opts->markers)
		json_u64(out, "phase_id", res->phase_id);
	else
		fprintf(out, "\"phase_id\":null");
	fputc(',', out);
	json_u64(out, "threads", res->nthreads);
	fputc(',', out);
	json_num(out, "time_s", res->time_s);
	fputc(',', out);
	json_u64(out, "events", h->count);
	fputc(',', out);
	json_num(out, "events_per_s", h->count / res->time_s);
	fprintf(out, ",\"latency_ms\":{");
	json_num(out, "min", hist_min_ms(h));
	fputc(',', out);
	json_num(out, "avg", hist_avg_ms(h));
	fputc(',', out);
	json_num(out, "max", h->max_ns / NS_PER_MS);
	fputc(',', out);
	json_num(out, "sum", h->sum_ns / NS_PER_MS);
	for (i = 0; i < BENCH_PERCENTILES; i++) {
		fputc(',', out);
		json_num(out, bench_percentile_names[i],
			 bench_hist_percentile_ns(h, bench_percentiles[i]) /
				 NS_PER_MS);
	}
	fprintf(out, "},\"fairness\":{");
	json_num(out, "events_avg", res->events_avg);
	fputc(',', out);
	json_num(out, "events_stddev", res->events_stddev);
	fputc(',', out);
	json_num(out, "exec_time_avg_s", res->exec_avg_s);
	fputc(',', out);
	json_num(out, "exec_time_stddev_s", res->exec_stddev_s);
	fprintf(out, "},\"result\":");
	if (unit) {
		fputc('{', out);
		json_num(out, "value", value);
		fputc(',', out);
		json_str(out, "unit", unit);
		fputc('}', out);
	} else {
		fprintf(out, "null");
	}
	switch (opts->workload) {
	case BENCH_CPU:
		json_cpu(out, opts, res);
		break;
	case BENCH_MEMORY:
		json_memory(out, opts, res);
		break;
	case BENCH_FILEIO:
		json_fileio(out, opts, res);
		break;
	}
	fprintf(out, "}\n");
}
