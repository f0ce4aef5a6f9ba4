// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat bench: the command line.  Option names, meanings and
 * defaults are sysbench 1.0.20's (`sysbench cpu --cpu-max-prime=20000
 * run` becomes `vmexit-stat bench cpu --cpu-max-prime=20000`), so a
 * course's command lines carry over; a workload's options are refused
 * with another workload, as sysbench does.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "commands.h"

enum bench_opt {
	OPT_THREADS = 256,
	OPT_TIME,
	OPT_EVENTS,
	OPT_PERCENTILE,
	OPT_SEED,
	OPT_JSON,
	OPT_MARKERS,
	OPT_PHASE_ID,
	OPT_CPU_MAX_PRIME,
	OPT_MEMORY_BLOCK_SIZE,
	OPT_MEMORY_TOTAL_SIZE,
	OPT_MEMORY_SCOPE,
	OPT_MEMORY_OPER,
	OPT_MEMORY_ACCESS_MODE,
	OPT_FILE_NUM,
	OPT_FILE_BLOCK_SIZE,
	OPT_FILE_TOTAL_SIZE,
	OPT_FILE_TEST_MODE,
	OPT_FILE_IO_MODE,
	OPT_FILE_EXTRA_FLAGS,
	OPT_FILE_FSYNC_FREQ,
	OPT_FILE_FSYNC_ALL,
	OPT_FILE_FSYNC_END,
	OPT_FILE_FSYNC_MODE,
	OPT_FILE_MERGED_REQUESTS,
	OPT_FILE_RW_RATIO,
	OPT_FILE_ASYNC_BACKLOG,
	OPT_HELP,
};

static const struct option long_options[] = {
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "time", required_argument, NULL, OPT_TIME },
	{ "events", required_argument, NULL, OPT_EVENTS },
	{ "percentile", required_argument, NULL, OPT_PERCENTILE },
	{ "rand-seed", required_argument, NULL, OPT_SEED },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "markers", no_argument, NULL, OPT_MARKERS },
	{ "phase-id", required_argument, NULL, OPT_PHASE_ID },
	{ "cpu-max-prime", required_argument, NULL, OPT_CPU_MAX_PRIME },
	{ "memory-block-size", required_argument, NULL, OPT_MEMORY_BLOCK_SIZE },
	{ "memory-total-size", required_argument, NULL, OPT_MEMORY_TOTAL_SIZE },
	{ "memory-scope", required_argument, NULL, OPT_MEMORY_SCOPE },
	{ "memory-oper", required_argument, NULL, OPT_MEMORY_OPER },
	{ "memory-access-mode", required_argument, NULL,
	  OPT_MEMORY_ACCESS_MODE },
	{ "file-num", required_argument, NULL, OPT_FILE_NUM },
	{ "file-block-size", required_argument, NULL, OPT_FILE_BLOCK_SIZE },
	{ "file-total-size", required_argument, NULL, OPT_FILE_TOTAL_SIZE },
	{ "file-test-mode", required_argument, NULL, OPT_FILE_TEST_MODE },
	{ "file-io-mode", required_argument, NULL, OPT_FILE_IO_MODE },
	{ "file-extra-flags", required_argument, NULL, OPT_FILE_EXTRA_FLAGS },
	{ "file-fsync-freq", required_argument, NULL, OPT_FILE_FSYNC_FREQ },
	{ "file-fsync-all", optional_argument, NULL, OPT_FILE_FSYNC_ALL },
	{ "file-fsync-end", optional_argument, NULL, OPT_FILE_FSYNC_END },
	{ "file-fsync-mode", required_argument, NULL, OPT_FILE_FSYNC_MODE },
	{ "file-merged-requests", required_argument, NULL,
	  OPT_FILE_MERGED_REQUESTS },
	{ "file-rw-ratio", required_argument, NULL, OPT_FILE_RW_RATIO },
	{ "file-async-backlog", required_argument, NULL,
	  OPT_FILE_ASYNC_BACKLOG },
	{ "help", no_argument, NULL, OPT_HELP },
	{}
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: vmexit-stat bench cpu|memory [run] [options]\n"
		"       vmexit-stat bench fileio prepare|run|cleanup [options]\n"
		"\n"
		"sysbench 1.0.20's workloads, options and report.\n"
		"\n"
		"general options:\n"
		"  --threads=N           number of threads to use [1]\n"
		"  --time=N              limit for total execution time in seconds, 0: none [10]\n"
		"  --events=N            limit for total number of events, 0: none [0]\n"
		"  --percentile=N        the percentile of the sysbench line (1-100),\n"
		"                        0: none [95]\n"
		"                        (p50, p90, p95, p99 and p99.9 are always given)\n"
		"  --rand-seed=N         seed of the random numbers, 0: the clock [0]\n"
		"  --json                print one line of JSON instead of the report\n"
		"  --markers             mark the phase with CPUID for vmexit-stat correlate\n"
		"                        on the host; pins thread i to the i-th allowed CPU\n"
		"  --phase-id=N          the marked phase's id, 0-32767 [cpu 1, memory 2,\n"
		"                        fileio prepare 3, run 4, cleanup 5]\n"
		"\n"
		"cpu options:\n"
		"  --cpu-max-prime=N     upper limit for primes generator [10000]\n"
		"\n"
		"memory options:\n"
		"  --memory-block-size=SIZE   size of memory block for test [1K]\n"
		"  --memory-total-size=SIZE   total size of data to transfer [100G]\n"
		"  --memory-scope=STRING      memory access scope {global,local} [global]\n"
		"  --memory-oper=STRING       type of memory operations {read,write,none} [write]\n"
		"  --memory-access-mode=STRING memory access mode {seq,rnd} [seq]\n"
		"\n"
		"fileio options (files test_file.N in the current directory):\n"
		"  --file-num=N               number of files to create [128]\n"
		"  --file-block-size=N        block size to use in all IO operations [16384]\n"
		"  --file-total-size=SIZE     total size of files to create [2G]\n"
		"  --file-test-mode=STRING    test mode {seqwr,seqrewr,seqrd,rndrd,rndwr,rndrw}\n"
		"  --file-io-mode=STRING      file operations mode {sync,async,mmap} [sync]\n"
		"  --file-async-backlog=N     number of asynchronous operations to queue per\n"
		"                             thread [128]\n"
		"  --file-extra-flags=LIST    additional flags to open files\n"
		"                             {sync,dsync,direct} []\n"
		"  --file-fsync-freq=N        do fsync() after this number of requests,\n"
		"                             0: never [100]\n"
		"  --file-fsync-all[=on|off]  do fsync() after each write operation [off]\n"
		"  --file-fsync-end[=on|off]  do fsync() at the end of test [on]\n"
		"  --file-fsync-mode=STRING   which method to use for synchronization\n"
		"                             {fsync,fdatasync} [fsync]\n"
		"  --file-rw-ratio=N          reads/writes ratio for combined test [1.5]\n"
		"\n"
		"See Documentation/bench.rst.\n"
		"\n"
		"Examples:\n"
		"  vmexit-stat bench cpu --time=5            # sysbench cpu for 5 seconds\n"
		"  vmexit-stat bench memory --threads=2 --json   # memory, 2 threads, as JSON\n"
		"  vmexit-stat bench cpu --markers --json    # in a guest, for correlate\n"
		"\n"
		"Exit status: 0 ok; 1 when the workload fails (a file, a thread); 2 for\n"
		"a bad command line.\n");
}

static int __attribute__((format(printf, 2, 3)))
bad_usage(FILE *err, const char *fmt, ...)
{
	va_list ap;

	fprintf(err, "vmexit-stat: bench: ");
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fprintf(err, "\n\n");
	usage(err);
	return 2;
}

static bool parse_u64(const char *arg, uint64_t max, uint64_t *value)
{
	unsigned long long v;
	char *end;

	if (!arg || *arg < '0' || *arg > '9')
		return false;
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || *end || v > max)
		return false;
	*value = v;
	return true;
}

static bool parse_u32(const char *arg, uint32_t max, uint32_t *value)
{
	uint64_t v;

	if (!parse_u64(arg, max, &v))
		return false;
	*value = v;
	return true;
}

bool bench_parse_size(const char *arg, uint64_t *value)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!arg || *arg < '0' || *arg > '9')
		return false;
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno)
		return false;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	case 't':
	case 'T':
		shift = 40;
		break;
	default:
		return false;
	}
	if (*end && end[1])
		return false;
	if (shift && v > (UINT64_MAX >> shift))
		return false;
	*value = v << shift;
	return true;
}

static bool parse_on_off(const char *arg, bool *value)
{
	if (!arg || !strcmp(arg, "on") || !strcmp(arg, "true") ||
	    !strcmp(arg, "1") || !strcmp(arg, "yes")) {
		*value = true;
		return true;
	}
	if (!strcmp(arg, "off") || !strcmp(arg, "false") || !strcmp(arg, "0") ||
	    !strcmp(arg, "no")) {
		*value = false;
		return true;
	}
	return false;
}

/* The index of arg in names, or -1. */
static int lookup(const char *arg, const char *const *names, int count)
{
	int i;

	for (i = 0; i < count; i++)
		if (!strcmp(arg, names[i]))
			return i;
	return -1;
}

static const char *const file_mode_names[] = {
	"seqwr", "seqrewr", "seqrd", "rndrd", "rndwr", "rndrw",
};

const char *bench_file_mode_name(enum bench_file_mode mode)
{
	return file_mode_names[mode];
}

const char *bench_workload_name(enum bench_workload_id id)
{
	static const char *const names[] = { "cpu", "memory", "fileio" };

	return names[id];
}

const char *bench_fileio_cmd_name(enum bench_fileio_cmd cmd)
{
	static const char *const names[] = { "prepare", "run", "cleanup" };

	return names[cmd];
}

static void set_defaults(struct bench_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->threads = 1;
	opts->time_s = 10;
	opts->percentile = 95;
	opts->phase_id = -1;
	opts->cpu.max_prime = 10000;
	opts->memory.block_size = 1024;
	opts->memory.total_size = 100ULL << 30;
	opts->fileio.file_num = 128;
	opts->fileio.total_size = 2ULL << 30;
	opts->fileio.block_size = 16384;
	opts->fileio.fsync_freq = 100;
	opts->fileio.fsync_end = true;
	opts->fileio.rw_ratio = 1.5;
	opts->fileio.async_backlog = 128;
}

/* Which workload an option belongs to, or -1 for the general ones. */
static int option_workload(int opt)
{
	if (opt == OPT_CPU_MAX_PRIME)
		return BENCH_CPU;
	if (opt >= OPT_MEMORY_BLOCK_SIZE && opt <= OPT_MEMORY_ACCESS_MODE)
		return BENCH_MEMORY;
	if (opt >= OPT_FILE_NUM && opt <= OPT_FILE_ASYNC_BACKLOG)
		return BENCH_FILEIO;
	return -1;
}

static int parse_extra_flags(const char *arg, unsigned int *flags)
{
	static const char *const names[] = { "sync", "dsync", "direct" };
	char *copy = strdup(arg), *save = NULL, *item;
	int ret = 0;

	if (!copy)
		return -1;
	*flags = 0;
	for (item = strtok_r(copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		int i = lookup(item, names, 3);

		if (i < 0) {
			ret = -1;
			break;
		}
		*flags |= 1U << i;
	}
	free(copy);
	return ret;
}

/* One option's value into opts; 0, or 2 after saying what is wrong. */
static int take_option(struct bench_options *opts, int opt, const char *name,
		       const char *arg, FILE *err)
{
	static const char *const scopes[] = { "global", "local" };
	static const char *const opers[] = { "write", "read", "none" };
	static const char *const access[] = { "seq", "rnd" };
	static const char *const io_modes[] = { "sync", "async", "mmap" };
	struct bench_fileio_opts *f = &opts->fileio;
	uint32_t u32;
	char *end;
	bool ok;
	int i;

	switch (opt) {
	case OPT_JSON:
		opts->json = true;
		return 0;
	case OPT_MARKERS:
		opts->markers = true;
		return 0;
	case OPT_THREADS:
		ok = parse_u32(arg, 4096, &opts->threads) && opts->threads;
		break;
	case OPT_TIME:
		ok = parse_u32(arg, 1000000, &opts->time_s);
		break;
	case OPT_EVENTS:
		ok = parse_u64(arg, UINT64_MAX >> 1, &opts->events);
		break;
	case OPT_PERCENTILE:
		ok = parse_u32(arg, 100, &opts->percentile);
		break;
	case OPT_SEED:
		ok = parse_u64(arg, UINT64_MAX, &opts->seed);
		break;
	case OPT_PHASE_ID:
		ok = parse_u32(arg, VMEXIT_STAT_MARKER_ID_MASK, &u32);
		opts->phase_id = u32;
		break;
	case OPT_CPU_MAX_PRIME:
		ok = parse_u32(arg, UINT32_MAX, &opts->cpu.max_prime) &&
		     opts->cpu.max_prime;
		break;
	case OPT_MEMORY_BLOCK_SIZE:
		/* sysbench: a power of two, at least a word */
		ok = bench_parse_size(arg, &opts->memory.block_size) &&
		     opts->memory.block_size >= sizeof(size_t) &&
		     !(opts->memory.block_size &
		       (opts->memory.block_size - 1)) &&
		     opts->memory.block_size <= (1ULL << 40);
		break;
	case OPT_MEMORY_TOTAL_SIZE:
		ok = bench_parse_size(arg, &opts->memory.total_size);
		break;
	case OPT_MEMORY_SCOPE:
		i = lookup(arg, scopes, 2);
		ok = i >= 0;
		opts->memory.scope = ok ? i : 0;
		break;
	case OPT_MEMORY_OPER:
		i = lookup(arg, opers, 3);
		ok = i >= 0;
		opts->memory.oper = ok ? i : 0;
		break;
	case OPT_MEMORY_ACCESS_MODE:
		i = lookup(arg, access, 2);
		ok = i >= 0;
		opts->memory.rnd = i == 1;
		break;
	case OPT_FILE_NUM:
		ok = parse_u32(arg, 1000000, &f->file_num) && f->file_num;
		break;
	case OPT_FILE_BLOCK_SIZE:
		ok = bench_parse_size(arg, &f->block_size) && f->block_size &&
		     f->block_size <= (1ULL << 30);
		break;
	case OPT_FILE_TOTAL_SIZE:
		ok = bench_parse_size(arg, &f->total_size) && f->total_size;
		break;
	case OPT_FILE_TEST_MODE:
		i = lookup(arg, file_mode_names, 6);
		ok = i >= 0;
		f->test_mode = ok ? i : 0;
		f->test_mode_set = ok;
		break;
	case OPT_FILE_IO_MODE:
		i = lookup(arg, io_modes, 3);
		ok = i >= 0;
		f->io_mode = ok ? i : 0;
		break;
	case OPT_FILE_EXTRA_FLAGS:
		ok = !parse_extra_flags(arg, &f->extra_flags);
		break;
	case OPT_FILE_FSYNC_FREQ:
		ok = parse_u32(arg, UINT32_MAX, &f->fsync_freq);
		break;
	case OPT_FILE_FSYNC_ALL:
		ok = parse_on_off(arg, &f->fsync_all);
		break;
	case OPT_FILE_FSYNC_END:
		ok = parse_on_off(arg, &f->fsync_end);
		break;
	case OPT_FILE_FSYNC_MODE:
		ok = !strcmp(arg, "fsync") || !strcmp(arg, "fdatasync");
		f->fdatasync = !strcmp(arg, "fdatasync");
		break;
	case OPT_FILE_MERGED_REQUESTS:
		ok = parse_u32(arg, UINT32_MAX, &f->merged_requests);
		if (ok && f->merged_requests) {
			return bad_usage(
				err,
				"--file-merged-requests is not supported; only 0 (no merging, sysbench's default)");
		}
		break;
	case OPT_FILE_ASYNC_BACKLOG:
		ok = parse_u32(arg, 65536, &f->async_backlog) &&
		     f->async_backlog;
		break;
	case OPT_FILE_RW_RATIO:
		errno = 0;
		f->rw_ratio = strtod(arg, &end);
		ok = !errno && end != arg && !*end && f->rw_ratio >= 0 &&
		     f->rw_ratio < 1e12;
		break;
	default:
		ok = false;
	}
	if (!ok) {
		fprintf(err,
			"vmexit-stat: bench: invalid value for --%s: '%s'\n\n",
			name, arg ? arg : "");
		usage(err);
		return 2;
	}
	return 0;
}

int bench_parse_args(int argc, char **argv, struct bench_options *opts,
		     FILE *out, FILE *err)
{
	int seen[OPT_HELP + 1] = {}, opt, index, w;
	const char *workload, *cmd = NULL;

	set_defaults(opts);
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", long_options, &index)) !=
	       -1) {
		int ret;

		if (opt == 'h' || opt == OPT_HELP) {
			usage(out);
			return 1;
		}
		if (opt == '?')
			return bad_usage(err, "unknown option %s",
					 argv[optind - 1]);
		if (opt == ':')
			return bad_usage(err, "option %s needs a value",
					 argv[optind - 1]);
		seen[opt] = 1;
		ret = take_option(opts, opt, long_options[index].name, optarg,
				  err);
		if (ret)
			return ret;
	}
	if (optind >= argc)
		return bad_usage(err, "which workload: cpu, memory or fileio?");
	workload = argv[optind++];
	if (!strcmp(workload, "cpu"))
		opts->workload = BENCH_CPU;
	else if (!strcmp(workload, "memory"))
		opts->workload = BENCH_MEMORY;
	else if (!strcmp(workload, "fileio"))
		opts->workload = BENCH_FILEIO;
	else
		return bad_usage(err, "unknown workload '%s'", workload);
	if (optind < argc)
		cmd = argv[optind++];
	if (optind < argc)
		return bad_usage(err, "unexpected argument '%s'", argv[optind]);

	if (opts->workload == BENCH_FILEIO) {
		if (!cmd)
			return bad_usage(
				err,
				"bench fileio needs prepare, run or cleanup");
		if (!strcmp(cmd, "prepare"))
			opts->fileio_cmd = BENCH_FILEIO_PREPARE;
		else if (!strcmp(cmd, "run"))
			opts->fileio_cmd = BENCH_FILEIO_RUN;
		else if (!strcmp(cmd, "cleanup"))
			opts->fileio_cmd = BENCH_FILEIO_CLEANUP;
		else
			return bad_usage(err, "unknown fileio mode '%s'", cmd);
		if (opts->fileio_cmd == BENCH_FILEIO_RUN &&
		    !opts->fileio.test_mode_set)
			return bad_usage(
				err,
				"missing required option --file-test-mode");
		if (opts->fileio.block_size >
		    opts->fileio.total_size / opts->fileio.file_num)
			return bad_usage(
				err,
				"--file-block-size is larger than a file (--file-total-size / --file-num)");
	} else if (cmd && strcmp(cmd, "run")) {
		return bad_usage(err, "unknown mode '%s' (only run)", cmd);
	}

	for (opt = OPT_THREADS; opt <= OPT_HELP; opt++) {
		w = option_workload(opt);
		if (seen[opt] && w >= 0 && w != (int)opts->workload) {
			for (index = 0; long_options[index].val != opt; index++)
				;
			return bad_usage(err,
					 "--%s is not an option of bench %s",
					 long_options[index].name, workload);
		}
	}
	if (seen[OPT_PHASE_ID] && !opts->markers)
		return bad_usage(err, "--phase-id needs --markers");
	if (opts->markers && !bench_markers_supported())
		return bad_usage(err,
				 "--markers needs an x86 processor (CPUID)");
	if (!opts->time_s && !opts->events &&
	    (opts->workload == BENCH_CPU ||
	     (opts->workload == BENCH_MEMORY && !opts->memory.total_size) ||
	     (opts->workload == BENCH_FILEIO &&
	      opts->fileio_cmd == BENCH_FILEIO_RUN)))
		return bad_usage(
			err,
			"--time=0 and --events=0: the run would never end");
	return 0;
}

uint32_t bench_phase_id(const struct bench_options *opts, uint32_t dflt)
{
	return opts->phase_id >= 0 ? (uint32_t)opts->phase_id : dflt;
}

void bench_print_header(FILE *out, const struct bench_options *opts,
			uint32_t phase_id)
{
	fprintf(out, "vmexit-stat bench (sysbench 1.0.20 workloads)\n\n");
	fprintf(out, "Running the test with following options:\n");
	fprintf(out, "Number of threads: %u\n", opts->threads);
	if (opts->seed)
		fprintf(out,
			"Initializing random number generator from seed (%llu).\n",
			(unsigned long long)opts->seed);
	else
		fprintf(out,
			"Initializing random number generator from current time\n");
	if (opts->markers)
		fprintf(out,
			"Phase markers: id %u, thread i pinned to the i-th allowed CPU\n",
			phase_id);
	fprintf(out, "\n\n");
}

int cmd_bench(int argc, char **argv)
{
	struct bench_options opts;
	int ret = bench_parse_args(argc, argv, &opts, stdout, stderr);

	if (ret)
		return ret == 1 ? 0 : ret;
	switch (opts.workload) {
	case BENCH_CPU:
		return bench_cpu_main(&opts);
	case BENCH_MEMORY:
		return bench_memory_main(&opts);
	case BENCH_FILEIO:
		return bench_fileio_main(&opts);
	}
	return 1;
}
