// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat bench fileio: sysbench's fileio test.  prepare writes
 * --file-num files test_file.N of --file-total-size / --file-num bytes
 * in the current directory; run does the --file-test-mode's requests
 * on them; cleanup removes them.
 *
 * The request sequence is sysbench's: sequential modes go through the
 * files one block after another from a shared position; random modes
 * pick a uniformly random block of the whole set; rndrw reads while
 * (reads + 1) / (writes + 1), counted per thread over completed
 * operations, is below --file-rw-ratio, else writes.  Every
 * --file-fsync-freq requests, once something was written, each file in
 * turn is fsynced, one file per event: 128 files make 128 fsync events
 * per 100 writes, which is why fsyncs/s can exceed writes/s.
 *
 * --file-io-mode=async is sysbench's libaio mode done with the kernel's
 * AIO system calls (libaio is a thin wrapper around them, and the static
 * guest build has no libaio): each thread keeps up to
 * --file-async-backlog requests in flight, an event submits one (and
 * waits for one to complete when the backlog is full), reads and writes
 * are counted as they complete.  Linux does this asynchronously only with
 * O_DIRECT; buffered requests complete inside io_submit.  fsyncs stay
 * synchronous, as in sysbench.
 *
 * Buffered I/O by default, as sysbench: a file set that fits in memory
 * then measures the page cache, and the report says so;
 * --file-extra-flags=direct opens the files with O_DIRECT.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

#define MIB (1024.0 * 1024.0)
#define FILE_NAME_MAX 32

static bool mode_writes(enum bench_file_mode mode)
{
	return mode != BENCH_FILE_SEQRD && mode != BENCH_FILE_RNDRD;
}

static bool mode_sequential(enum bench_file_mode mode)
{
	return mode == BENCH_FILE_SEQWR || mode == BENCH_FILE_SEQREWR ||
	       mode == BENCH_FILE_SEQRD;
}

void bench_fileio_gen_init(struct bench_fileio_gen *gen,
			   const struct bench_fileio_opts *opts)
{
	memset(gen, 0, sizeof(*gen));
	gen->opts = opts;
	gen->file_size = opts->total_size / opts->file_num;
	pthread_mutex_init(&gen->lock, NULL);
}

/* Periodic fsync: the next file, one per request, until all are done. */
static bool take_fsync(struct bench_fileio_gen *gen, struct bench_event *event)
{
	const struct bench_fileio_opts *opts = gen->opts;

	if (!opts->fsync_freq || !gen->dirty ||
	    gen->requests % opts->fsync_freq)
		return false;
	event->op = BENCH_OP_FSYNC;
	event->file_id = gen->fsynced_file;
	event->pos = 0;
	event->size = 0;
	if (++gen->fsynced_file == opts->file_num) {
		gen->fsynced_file = 0;
		gen->dirty = false;
	}
	return true;
}

void bench_fileio_gen_next(struct bench_fileio_gen *gen, uint64_t reads,
			   uint64_t writes, struct bench_rng *rng,
			   struct bench_event *event)
{
	const struct bench_fileio_opts *opts = gen->opts;
	enum bench_file_mode mode = opts->test_mode;

	pthread_mutex_lock(&gen->lock);
	if (mode_sequential(mode)) {
		event->op = mode == BENCH_FILE_SEQRD ? BENCH_OP_READ :
						       BENCH_OP_WRITE;
		/* sysbench fsyncs in sequential modes only when writing */
		if (event->op == BENCH_OP_WRITE && take_fsync(gen, event))
			goto out;
		if (gen->current_file == opts->file_num) {
			gen->current_file = 0;
			gen->position = 0;
		}
		event->file_id = gen->current_file;
		event->pos = gen->position;
		event->size = gen->file_size - gen->position;
		if (event->size > opts->block_size)
			event->size = opts->block_size;
		gen->position += event->size;
		if (gen->position == gen->file_size) {
			gen->current_file++;
			gen->position = 0;
		}
	} else {
		uint64_t set_size = gen->file_size * opts->file_num, at;

		if (mode == BENCH_FILE_RNDRW)
			mode = (reads + 1.0) / (writes + 1.0) < opts->rw_ratio ?
				       BENCH_FILE_RNDRD :
				       BENCH_FILE_RNDWR;
		if (take_fsync(gen, event))
			goto out;
		event->op = mode == BENCH_FILE_RNDWR ? BENCH_OP_WRITE :
						       BENCH_OP_READ;
		/*
		 * sysbench draws over --file-total-size, which can reach a
		 * file past the last when it is not a multiple of
		 * --file-num; drawing over the files' sizes cannot.
		 */
		at = (uint64_t)(bench_rng_double(rng) * set_size);
		at -= at % opts->block_size;
		event->file_id = at / gen->file_size;
		event->pos = at % gen->file_size;
		event->size = gen->file_size - event->pos;
		if (event->size > opts->block_size)
			event->size = opts->block_size;
	}
	gen->requests++;
	if (event->op == BENCH_OP_WRITE)
		gen->dirty = true;
out:
	pthread_mutex_unlock(&gen->lock);
}

struct fileio_ctx {
	struct bench_fileio_opts opts; /* as run: --file-fsync-all applied */
	struct bench_fileio_gen gen;
	uint64_t file_size;
	int open_flags;
	int *fds;
	char **maps; /* --file-io-mode=mmap */
};

static void file_name(char *buf, uint32_t i)
{
	snprintf(buf, FILE_NAME_MAX, "test_file.%u", i);
}

static int extra_open_flags(unsigned int flags)
{
	return (flags & BENCH_FILE_FLAG_SYNC ? O_SYNC : 0) |
	       (flags & BENCH_FILE_FLAG_DSYNC ? O_DSYNC : 0) |
	       (flags & BENCH_FILE_FLAG_DIRECT ? O_DIRECT : 0);
}

static void print_extra_flags(FILE *out, unsigned int flags)
{
	fprintf(out, "Extra file open flags: %s%s%s%s\n", flags ? "" : "(none)",
		flags & BENCH_FILE_FLAG_SYNC ? "sync " : "",
		flags & BENCH_FILE_FLAG_DSYNC ? "dsync " : "",
		flags & BENCH_FILE_FLAG_DIRECT ? "directio" : "");
}

/* sysbench's sizes: 16KiB, 16MiB, 2GiB. */
static const char *size_str(char *buf, size_t len, uint64_t size)
{
	static const char *const units[] = { "", "Ki", "Mi", "Gi", "Ti" };
	unsigned int i = 0;
	double v = size;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	if (v == (uint64_t)v)
		snprintf(buf, len, "%llu%s", (unsigned long long)v, units[i]);
	else
		snprintf(buf, len, "%.2f%s", v, units[i]);
	return buf;
}

/* MemAvailable (or MemTotal on old kernels) in bytes; 0 if unknown. */
static uint64_t available_memory(void)
{
	unsigned long long kb, total = 0, available = 0;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			available = kb;
		else if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			total = kb;
	}
	fclose(f);
	return (available ? available : total) * 1024;
}

static bool print_page_cache(FILE *out, const struct bench_fileio_opts *opts)
{
	uint64_t memory = available_memory();
	bool fits = memory && opts->total_size <= memory;
	char set[16], mem[16];

	size_str(set, sizeof(set), opts->total_size);
	size_str(mem, sizeof(mem), memory);
	if (!memory)
		fprintf(out, "Page cache: available memory unknown\n");
	else if (opts->extra_flags & BENCH_FILE_FLAG_DIRECT)
		fprintf(out,
			"Page cache: bypassed (direct I/O); the %sB file set %s in the %sB of available memory\n",
			set, fits ? "would fit" : "would not fit", mem);
	else if (fits)
		fprintf(out,
			"Page cache: the %sB file set fits in the %sB of available memory: buffered I/O may measure the cache, not the device (--file-extra-flags=direct)\n",
			set, mem);
	else
		fprintf(out,
			"Page cache: the %sB file set does not fit in the %sB of available memory\n",
			set, mem);
	return fits;
}

static int file_fsync(struct fileio_ctx *ctx, uint32_t id)
{
	int err;

	if (ctx->maps)
		err = msync(ctx->maps[id], ctx->file_size,
			    MS_SYNC | MS_INVALIDATE);
	else if (ctx->opts.fdatasync)
		err = fdatasync(ctx->fds[id]);
	else
		err = fsync(ctx->fds[id]);
	if (err)
		fprintf(stderr,
			"vmexit-stat: bench fileio: fsync of test_file.%u: %s\n",
			id, strerror(errno));
	return err;
}

/* A thread's AIO context: iocbs in flight and the free ones. */
struct fileio_aio {
	aio_context_t ctx;
	unsigned int backlog;
	unsigned int inflight;
	struct iocb *iocbs;
	struct iocb **free;
	unsigned int nfree;
	struct io_event *events;
};

static void aio_free(struct fileio_aio *aio)
{
	if (!aio)
		return;
	if (aio->ctx)
		syscall(SYS_io_destroy, aio->ctx);
	free(aio->iocbs);
	free(aio->free);
	free(aio->events);
	free(aio);
}

static struct fileio_aio *aio_new(unsigned int backlog)
{
	struct fileio_aio *aio = calloc(1, sizeof(*aio));
	unsigned int i;

	if (!aio)
		return NULL;
	aio->backlog = backlog;
	aio->iocbs = calloc(backlog, sizeof(*aio->iocbs));
	aio->free = calloc(backlog, sizeof(*aio->free));
	aio->events = calloc(backlog, sizeof(*aio->events));
	if (!aio->iocbs || !aio->free || !aio->events ||
	    syscall(SYS_io_setup, backlog, &aio->ctx)) {
		fprintf(stderr, "vmexit-stat: bench fileio: io_setup: %s\n",
			strerror(errno));
		aio->ctx = 0;
		aio_free(aio);
		return NULL;
	}
	for (i = 0; i < backlog; i++)
		aio->free[i] = &aio->iocbs[i];
	aio->nfree = backlog;
	return aio;
}

/* Waits for at least min requests; counts those completed. */
static int aio_wait(struct bench_thread *thread, unsigned int min)
{
	struct fileio_aio *aio = thread->io;
	long got, i;

	do
		got = syscall(SYS_io_getevents, aio->ctx, min, aio->backlog,
			      aio->events, NULL);
	while (got < 0 && errno == EINTR);
	if (got < 0) {
		fprintf(stderr, "vmexit-stat: bench fileio: io_getevents: %s\n",
			strerror(errno));
		return -1;
	}
	for (i = 0; i < got; i++) {
		struct iocb *cb = (struct iocb *)(uintptr_t)aio->events[i].obj;

		if (aio->events[i].res != (int64_t)cb->aio_nbytes) {
			fprintf(stderr,
				"vmexit-stat: bench fileio: asynchronous %s failed: %s\n",
				cb->aio_lio_opcode == IOCB_CMD_PWRITE ?
					"write" :
					"read",
				aio->events[i].res < 0 ?
					strerror(-aio->events[i].res) :
					"short transfer");
			return -1;
		}
		if (cb->aio_lio_opcode == IOCB_CMD_PWRITE) {
			thread->writes++;
			thread->bytes_written += cb->aio_nbytes;
		} else {
			thread->reads++;
			thread->bytes_read += cb->aio_nbytes;
		}
		aio->free[aio->nfree++] = cb;
		aio->inflight--;
	}
	return 0;
}

static int aio_submit(struct bench_thread *thread, int fd,
		      const struct bench_event *event)
{
	struct fileio_aio *aio = thread->io;
	struct iocb *cb = aio->free[--aio->nfree];
	long done;

	memset(cb, 0, sizeof(*cb));
	cb->aio_fildes = fd;
	cb->aio_lio_opcode = event->op == BENCH_OP_WRITE ? IOCB_CMD_PWRITE :
							   IOCB_CMD_PREAD;
	cb->aio_buf = (uintptr_t)thread->buffer;
	cb->aio_nbytes = event->size;
	cb->aio_offset = event->pos;
	do
		done = syscall(SYS_io_submit, aio->ctx, 1L, &cb);
	while (done < 0 && errno == EINTR);
	if (done != 1) {
		aio->free[aio->nfree++] = cb;
		fprintf(stderr, "vmexit-stat: bench fileio: io_submit: %s\n",
			done < 0 ? strerror(errno) : "nothing submitted");
		return -1;
	}
	if (++aio->inflight < aio->backlog)
		return 0;
	return aio_wait(thread, 1);
}

static int fileio_thread_init(struct bench_thread *thread)
{
	const struct fileio_ctx *ctx = thread->run->ctx;
	long page = sysconf(_SC_PAGESIZE);

	/* page-aligned, as O_DIRECT needs */
	if (posix_memalign(&thread->buffer, page > 0 ? page : 4096,
			   ctx->opts.block_size)) {
		fprintf(stderr, "vmexit-stat: bench fileio: out of memory\n");
		return -1;
	}
	memset(thread->buffer, 0, ctx->opts.block_size);
	if (ctx->opts.io_mode == BENCH_IO_ASYNC) {
		thread->io = aio_new(ctx->opts.async_backlog);
		if (!thread->io)
			return -1;
	}
	return 0;
}

static bool fileio_next_event(struct bench_thread *thread,
			      struct bench_event *event)
{
	struct fileio_ctx *ctx = thread->run->ctx;

	bench_fileio_gen_next(&ctx->gen, thread->reads, thread->writes,
			      &thread->rng, event);
	return true;
}

static int fileio_execute_event(struct bench_thread *thread,
				const struct bench_event *event)
{
	struct fileio_ctx *ctx = thread->run->ctx;
	int fd = ctx->fds[event->file_id];
	ssize_t done;

	if (thread->io && event->op != BENCH_OP_FSYNC) {
		if (aio_submit(thread, fd, event))
			return -1;
		if (event->op == BENCH_OP_WRITE && ctx->opts.fsync_all) {
			if (file_fsync(ctx, event->file_id))
				return -1;
			thread->fsyncs++;
		}
		return 0;
	}
	switch (event->op) {
	case BENCH_OP_WRITE:
		if (ctx->maps) {
			memcpy(ctx->maps[event->file_id] + event->pos,
			       thread->buffer, event->size);
			done = event->size;
		} else {
			done = pwrite(fd, thread->buffer, event->size,
				      event->pos);
		}
		if (done != (ssize_t)event->size)
			goto failed;
		if (ctx->opts.fsync_all) {
			if (file_fsync(ctx, event->file_id))
				return -1;
			thread->fsyncs++;
		}
		thread->writes++;
		thread->bytes_written += event->size;
		return 0;
	case BENCH_OP_READ:
		if (ctx->maps) {
			memcpy(thread->buffer,
			       ctx->maps[event->file_id] + event->pos,
			       event->size);
			done = event->size;
		} else {
			done = pread(fd, thread->buffer, event->size,
				     event->pos);
		}
		if (done != (ssize_t)event->size)
			goto failed;
		thread->reads++;
		thread->bytes_read += event->size;
		return 0;
	case BENCH_OP_FSYNC:
		if (file_fsync(ctx, event->file_id))
			return -1;
		thread->fsyncs++;
		return 0;
	}
	return -1;
failed:
	fprintf(stderr,
		"vmexit-stat: bench fileio: %s of test_file.%u at %llu failed: %s\n",
		event->op == BENCH_OP_WRITE ? "write" : "read", event->file_id,
		(unsigned long long)event->pos,
		done < 0 ? strerror(errno) : "short transfer");
	return -1;
}

static int fileio_thread_done(struct bench_thread *thread)
{
	struct fileio_ctx *ctx = thread->run->ctx;
	struct fileio_aio *aio = thread->io;
	uint32_t i;

	/*
	 * Requests still in flight complete first: sysbench fsyncs before
	 * waiting for them, so its last fsyncs can miss their writes.
	 */
	if (aio && aio->inflight && aio_wait(thread, aio->inflight))
		return -1;
	if (ctx->opts.fsync_end && mode_writes(ctx->opts.test_mode))
		for (i = 0; i < ctx->opts.file_num; i++) {
			if (file_fsync(ctx, i))
				return -1;
			thread->fsyncs++;
		}
	return 0;
}

static void fileio_done(struct bench_run *run)
{
	unsigned int i;

	/* after the join: no request of a thread is in flight any more */
	for (i = 0; i < run->nthreads; i++) {
		aio_free(run->threads[i].io);
		run->threads[i].io = NULL;
		free(run->threads[i].buffer);
		run->threads[i].buffer = NULL;
	}
}

static const struct bench_workload fileio_workload = {
	.thread_init = fileio_thread_init,
	.next_event = fileio_next_event,
	.execute_event = fileio_execute_event,
	.thread_done = fileio_thread_done,
	.done = fileio_done,
};

static void close_files(struct fileio_ctx *ctx)
{
	uint32_t i;

	for (i = 0; i < ctx->opts.file_num; i++) {
		if (ctx->maps && ctx->maps[i] && ctx->maps[i] != MAP_FAILED)
			munmap(ctx->maps[i], ctx->file_size);
		if (ctx->fds && ctx->fds[i] >= 0)
			close(ctx->fds[i]);
	}
	free(ctx->maps);
	free(ctx->fds);
	ctx->maps = NULL;
	ctx->fds = NULL;
}

static void open_error(const char *name, int flags)
{
	if (errno == EINVAL && (flags & O_DIRECT))
		fprintf(stderr,
			"vmexit-stat: bench fileio: cannot open %s with O_DIRECT: the file system does not support direct I/O\n",
			name);
	else
		fprintf(stderr,
			"vmexit-stat: bench fileio: cannot open %s: %s\n", name,
			strerror(errno));
}

static int open_files(struct fileio_ctx *ctx)
{
	const struct bench_fileio_opts *opts = &ctx->opts;
	char name[FILE_NAME_MAX];
	uint32_t i;

	ctx->fds = malloc(sizeof(*ctx->fds) * opts->file_num);
	if (!ctx->fds)
		return -1;
	for (i = 0; i < opts->file_num; i++)
		ctx->fds[i] = -1;
	if (opts->io_mode == BENCH_IO_MMAP) {
		ctx->maps = calloc(opts->file_num, sizeof(*ctx->maps));
		if (!ctx->maps)
			return -1;
	}
	for (i = 0; i < opts->file_num; i++) {
		struct stat st;

		file_name(name, i);
		/* seqwr creates the files it writes, as sysbench */
		if (opts->test_mode == BENCH_FILE_SEQWR) {
			int fd;

			unlink(name);
			fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0600);
			if (fd < 0) {
				open_error(name, 0);
				return -1;
			}
			close(fd);
		}
		ctx->fds[i] = open(name, O_RDWR | ctx->open_flags);
		if (ctx->fds[i] < 0) {
			open_error(name, ctx->open_flags);
			if (errno == ENOENT)
				fprintf(stderr,
					"Did you forget to run the prepare step?\n");
			return -1;
		}
		if (opts->test_mode == BENCH_FILE_SEQWR) {
			if (ctx->maps && ftruncate(ctx->fds[i], ctx->file_size))
				goto failed;
		} else {
			if (fstat(ctx->fds[i], &st))
				goto failed;
			if ((uint64_t)st.st_size < ctx->file_size) {
				fprintf(stderr,
					"vmexit-stat: bench fileio: %s has %lld bytes, %llu expected: did you run prepare with other --file-total-size or --file-num values?\n",
					name, (long long)st.st_size,
					(unsigned long long)ctx->file_size);
				return -1;
			}
		}
		if (ctx->maps) {
			ctx->maps[i] = mmap(NULL, ctx->file_size,
					    PROT_READ | PROT_WRITE, MAP_SHARED,
					    ctx->fds[i], 0);
			if (ctx->maps[i] == MAP_FAILED)
				goto failed;
		}
	}
	return 0;
failed:
	fprintf(stderr, "vmexit-stat: bench fileio: %s: %s\n", name,
		strerror(errno));
	return -1;
}

static void print_run_mode(FILE *out, const struct bench_fileio_opts *opts,
			   uint64_t file_size, uint64_t max_events)
{
	static const char *const names[] = {
		"sequential write (creation)",
		"sequential rewrite",
		"sequential read",
		"random read",
		"random write",
		"random r/w",
	};
	char a[16], b[16], c[16];

	print_extra_flags(out, opts->extra_flags);
	fprintf(out, "%u files, %sB each\n", opts->file_num,
		size_str(a, sizeof(a), file_size));
	fprintf(out, "%sB total file size\n",
		size_str(b, sizeof(b), file_size * opts->file_num));
	fprintf(out, "Block size %sB\n",
		size_str(c, sizeof(c), opts->block_size));
	if (!mode_sequential(opts->test_mode)) {
		fprintf(out, "Number of IO requests: %llu\n",
			(unsigned long long)max_events);
		fprintf(out,
			"Read/Write ratio for combined random IO test: %2.2f\n",
			opts->rw_ratio);
	}
	if (opts->fsync_freq)
		fprintf(out,
			"Periodic FSYNC enabled, calling fsync() each %u requests.\n",
			opts->fsync_freq);
	if (opts->fsync_end)
		fprintf(out, "Calling fsync() at the end of test, Enabled.\n");
	if (opts->fsync_all)
		fprintf(out, "Calling fsync() after each write operation.\n");
	fprintf(out, "Using %s I/O mode\n",
		opts->io_mode == BENCH_IO_MMAP	? "fast mmaped" :
		opts->io_mode == BENCH_IO_ASYNC ? "asynchronous" :
						  "synchronous");
	fprintf(out, "Doing %s test\n", names[opts->test_mode]);
}

static int fileio_run(const struct bench_options *opts)
{
	struct fileio_ctx ctx = { .opts = opts->fileio };
	struct bench_run run = { .opts = opts,
				 .workload = &fileio_workload,
				 .ctx = &ctx };
	struct bench_result *res = NULL;
	bool fits;
	int ret = 1;

	/* --file-fsync-all replaces the periodic and the final fsyncs */
	if (ctx.opts.fsync_all) {
		ctx.opts.fsync_freq = 0;
		ctx.opts.fsync_end = false;
	}
	ctx.file_size = ctx.opts.total_size / ctx.opts.file_num;
	ctx.open_flags = extra_open_flags(ctx.opts.extra_flags);
	bench_fileio_gen_init(&ctx.gen, &ctx.opts);
	run.phase_id = bench_phase_id(opts, VMEXIT_STAT_PHASE_FILEIO_RUN);

	if (opts->json) {
		fits = ctx.opts.total_size <= available_memory();
	} else {
		bench_print_header(stdout, opts, run.phase_id);
		print_run_mode(stdout, &ctx.opts, ctx.file_size, opts->events);
		fits = print_page_cache(stdout, &ctx.opts);
		printf("Initializing worker threads...\n\n");
		printf("Threads started!\n\n");
		fflush(stdout);
	}
	if (open_files(&ctx))
		goto out;
	res = malloc(sizeof(*res));
	if (!res || bench_engine_run(&run))
		goto out;
	bench_result_from_run(res, &run);
	res->fits_page_cache = fits;
	if (opts->json) {
		bench_report_json(stdout, opts, res);
	} else {
		printf("\nFile operations:\n");
		printf("    reads/s:                      %4.2f\n",
		       res->reads / res->time_s);
		printf("    writes/s:                     %4.2f\n",
		       res->writes / res->time_s);
		printf("    fsyncs/s:                     %4.2f\n",
		       res->fsyncs / res->time_s);
		printf("\nThroughput:\n");
		printf("    read, MiB/s:                  %4.2f\n",
		       res->bytes_read / MIB / res->time_s);
		printf("    written, MiB/s:               %4.2f\n",
		       res->bytes_written / MIB / res->time_s);
		printf("\n");
		bench_report_common(stdout, opts, res);
	}
	ret = 0;
out:
	free(res);
	close_files(&ctx);
	pthread_mutex_destroy(&ctx.gen.lock);
	bench_engine_free(&run);
	return ret;
}

/*
 * prepare and cleanup run in this thread alone; with markers it is
 * pinned, for the reason the engine pins its workers.
 */
static int serial_begin(const struct bench_options *opts, uint32_t phase_id,
			struct bench_run *run, struct bench_thread *thread,
			cpu_set_t *unpinned)
{
	memset(thread, 0, sizeof(*thread));
	thread->run = run;
	bench_hist_init(&thread->hist);
	run->opts = opts;
	run->threads = thread;
	run->nthreads = 1;
	run->phase_id = phase_id;
	if (opts->markers) {
		int cpu = sched_getcpu();
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu < 0 ? 0 : cpu, &set);
		if (sched_getaffinity(0, sizeof(*unpinned), unpinned) ||
		    sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr,
				"vmexit-stat: bench fileio: cannot pin to CPU %d: %s\n",
				cpu, strerror(errno));
			return -1;
		}
	}
	run->start_ns = bench_now_ns();
	if (opts->markers)
		bench_mark(VMEXIT_STAT_MARKER_LEAF(phase_id, 0));
	return 0;
}

static void serial_end(const struct bench_options *opts, struct bench_run *run,
		       const cpu_set_t *unpinned)
{
	if (opts->markers)
		bench_mark(VMEXIT_STAT_MARKER_LEAF(run->phase_id, 1));
	run->end_ns = bench_now_ns();
	if (opts->markers)
		sched_setaffinity(0, sizeof(*unpinned), unpinned);
}

static int write_file(FILE *out, const struct bench_fileio_opts *opts,
		      uint32_t i, uint64_t file_size, int flags,
		      struct bench_thread *thread)
{
	char name[FILE_NAME_MAX];
	off_t offset;
	int fd;

	file_name(name, i);
	fd = open(name, O_CREAT | O_WRONLY | flags, 0600);
	if (fd < 0) {
		open_error(name, flags);
		return -1;
	}
	offset = lseek(fd, 0, SEEK_END);
	if (!opts->fsync_all && offset >= (off_t)file_size)
		fprintf(out, "Reusing existing file %s\n", name);
	else if (offset > 0)
		fprintf(out, "Extending existing file %s\n", name);
	else
		fprintf(out, "Creating file %s\n", name);
	/* whole blocks, as sysbench: the last may pass the file size */
	for (; offset >= 0 && (uint64_t)offset < file_size;
	     offset += opts->block_size) {
		uint64_t begin = bench_now_ns();
		ssize_t done = write(fd, thread->buffer, opts->block_size);

		bench_hist_add(&thread->hist, bench_now_ns() - begin);
		if (done != (ssize_t)opts->block_size) {
			fprintf(stderr,
				"vmexit-stat: bench fileio: writing %s: %s\n",
				name, done < 0 ? strerror(errno) : "short");
			close(fd);
			return -1;
		}
		thread->writes++;
		thread->bytes_written += opts->block_size;
	}
	/* so that the run does not pay for this write-back */
	if (fsync(fd)) {
		fprintf(stderr, "vmexit-stat: bench fileio: fsync of %s: %s\n",
			name, strerror(errno));
		close(fd);
		return -1;
	}
	thread->fsyncs++;
	close(fd);
	return 0;
}

static int remove_files(FILE *out, const struct bench_fileio_opts *opts,
			struct bench_thread *thread)
{
	char name[FILE_NAME_MAX];
	uint32_t i;

	fprintf(out, "Removing test files...\n");
	for (i = 0; i < opts->file_num; i++) {
		uint64_t begin = bench_now_ns();
		int err;

		file_name(name, i);
		err = unlink(name);
		bench_hist_add(&thread->hist, bench_now_ns() - begin);
		if (err && errno != ENOENT) {
			fprintf(stderr, "vmexit-stat: bench fileio: %s: %s\n",
				name, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int fileio_prepare_or_cleanup(const struct bench_options *opts)
{
	const struct bench_fileio_opts *f = &opts->fileio;
	const bool prepare = opts->fileio_cmd == BENCH_FILEIO_PREPARE;
	uint64_t file_size = f->total_size / f->file_num;
	int flags = extra_open_flags(f->extra_flags);
	struct bench_thread *thread = NULL;
	struct bench_result *res = NULL;
	struct bench_run run = {};
	cpu_set_t unpinned;
	uint32_t phase_id;
	FILE *out = stdout;
	long page = sysconf(_SC_PAGESIZE);
	int err = -1, ret = 1;
	uint32_t i;

	/* with --json, the progress lines go nowhere */
	if (opts->json) {
		out = fopen("/dev/null", "w");
		if (!out)
			return 1;
	}
	thread = aligned_alloc(64, sizeof(*thread));
	res = malloc(sizeof(*res));
	if (!thread || !res)
		goto out;
	fprintf(out, "vmexit-stat bench (sysbench 1.0.20 workloads)\n\n");
	if (prepare) {
		fprintf(out, "%u files, %lluKb each, %lluMb total\n",
			f->file_num, (unsigned long long)(file_size / 1024),
			(unsigned long long)(file_size * f->file_num >> 20));
		fprintf(out, "Creating files for the test...\n");
		print_extra_flags(out, f->extra_flags);
	}
	phase_id = bench_phase_id(opts,
				  prepare ? VMEXIT_STAT_PHASE_FILEIO_PREPARE :
					    VMEXIT_STAT_PHASE_FILEIO_CLEANUP);
	if (serial_begin(opts, phase_id, &run, thread, &unpinned))
		goto out;
	if (!prepare ||
	    (f->test_mode_set && f->test_mode == BENCH_FILE_SEQWR)) {
		/* seqwr writes its own files: prepare only removes them */
		err = remove_files(out, f, thread);
	} else if (!posix_memalign(&thread->buffer, page > 0 ? page : 4096,
				   f->block_size)) {
		memset(thread->buffer, 0, f->block_size);
		for (i = 0, err = 0; i < f->file_num && !err; i++)
			err = write_file(out, f, i, file_size, flags, thread);
	}
	serial_end(opts, &run, &unpinned);
	if (err)
		goto out;
	bench_result_from_run(res, &run);
	res->fits_page_cache = f->total_size <= available_memory();
	if (prepare && thread->bytes_written)
		fprintf(out,
			"%llu bytes written in %.2f seconds (%.2f MiB/sec).\n",
			(unsigned long long)thread->bytes_written, res->time_s,
			thread->bytes_written / MIB / res->time_s);
	else if (prepare)
		fprintf(out, "No bytes written.\n");
	if (prepare)
		print_page_cache(out, f);
	if (opts->json)
		bench_report_json(stdout, opts, res);
	ret = 0;
out:
	if (out != stdout)
		fclose(out);
	if (thread)
		free(thread->buffer);
	free(thread);
	free(res);
	return ret;
}

int bench_fileio_main(const struct bench_options *opts)
{
	if (opts->fileio_cmd == BENCH_FILEIO_RUN)
		return fileio_run(opts);
	return fileio_prepare_or_cleanup(opts);
}
