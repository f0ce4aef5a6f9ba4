// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat top: the live view.  The reads are the module's dumps or
 * the BPF programs' maps, kept attached meanwhile; what is shown and
 * what the keys do is user/top_model.c's; here is the screen (ncursesw)
 * and the loop that reads, draws and waits for keys.
 *
 * The terminal must be left as it was found on every way out: q, Ctrl-C,
 * SIGTERM and a failed read all come back through screen_end().
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "bpf_backend.h"
#include "cli.h"
#include "commands.h"
#include "exit_stats.h"
#include "genl_client.h"
#include "latency.h"
#include "top_model.h"
#include "view.h"

/*
 * The smallest screen the table fits: 14 columns of reason name and the
 * six numbers, the header, a steal line and a few rows.
 */
#define TOP_MIN_COLS 72
#define TOP_MIN_LINES 12
#define NUMBER_COLS 58 /* the table's columns after the reason name */

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void top_usage(FILE *out)
{
	fprintf(out,
		"usage: vmexit-stat top [--backend module|bpf|auto] [--vm PID|NAME] "
		"[--delay SEC]\n"
		"\n"
		"A live view of the VM exits, as kvm_stat's: per exit reason "
		"the exits per\n"
		"second over the last interval, the total, its share, the "
		"exit latency\n"
		"(p50 and p99 over the interval) and how many went on to "
		"user space; the\n"
		"steal (run delay) of each VM's vCPUs; all VMs summed or one "
		"at a time.\n"
		"It needs a terminal of at least %dx%d; for a report use "
		"'vmexit-stat show'.\n"
		"\n"
		"  -b, --backend B     module (its counters since load or "
		"reset), bpf (the\n"
		"                      programs stay attached while top runs), "
		"or auto:\n"
		"                      the module when loaded (default)\n"
		"  -p, --vm PID|NAME   only the VMs of this VMM process, or of this name\n"
		"  -d, --delay SEC     between reads, 0.1 to 60 (default 1)\n"
		"  -h, --help          show this help\n"
		"\n"
		"Keys: q quit, p pause, r reset the view (its totals count "
		"from now; the\n"
		"backend's counters are untouched), R reset the module's "
		"counters (needs\n"
		"CAP_NET_ADMIN), s sort (rate, total, name, latency), f filter "
		"by reason\n"
		"name prefix (Enter applies, Esc cancels, an empty prefix "
		"shows all),\n"
		"v next VM, g all VMs, + and - the delay, h or ? help.\n"
		"\n"
		"Examples:\n"
		"  sudo vmexit-stat top                    # every VM, the module or BPF\n"
		"  sudo vmexit-stat top --backend bpf --delay 0.5   # BPF, twice a second\n"
		"  sudo vmexit-stat top --vm web01         # one VM, by name or pid\n"
		"\n"
		"Exit status: 0 after q, Ctrl-C or SIGTERM; 1 when the backend fails (no\n"
		"module loaded and no BPF, no permission, no such VM); 2 for a bad command\n"
		"line or no terminal.  A terminal smaller than %dx%d is asked to grow.\n",
		TOP_MIN_COLS, TOP_MIN_LINES, TOP_MIN_COLS, TOP_MIN_LINES);
}

/* Where the reads come from. */
struct top_source {
	bool bpf;
	struct vmexit_client client;
	struct bpf_reader *reader;
	struct vmexit_filter filter;
	bool sched_on; /* module: GET_SCHED has something to say */
	char steal_note[96]; /* why there is no steal line */
};

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void name_vm(const struct vmexit_vm *vm, char *name, size_t size)
{
	vm_display_name("/proc", vm, name, size);
}

/* 0, or 1 after saying why on stderr (shown when the screen ends). */
static int read_module(struct top_source *src, struct top_snapshot *snap)
{
	struct vmexit_records exits = {};
	struct vmexit_vms vms = {};
	struct vmexit_scheds sched = {};
	struct vmexit_info info;
	int err, status = 1;

	err = vmexit_get_info(&src->client, &info);
	if (err) {
		cli_report_read_error(&src->client, "get info", err);
		goto out;
	}
	/*
	 * Per vCPU, summed here: the kernel's per-VM sums (by_vm) came
	 * back as "Bad message" in the lab while guests ran.
	 */
	err = vmexit_dump_exits(&src->client, &src->filter, &exits);
	if (err) {
		cli_report_read_error(&src->client, "dump exits", err);
		goto out;
	}
	err = vmexit_dump_vms(&src->client, &src->filter, &vms);
	if (err) {
		cli_report_read_error(&src->client, "dump VMs", err);
		goto out;
	}
	if (src->sched_on &&
	    (err = vmexit_dump_sched(&src->client, &src->filter, &sched))) {
		/* steal is a bonus: say so in its line, go on */
		snprintf(src->steal_note, sizeof(src->steal_note),
			 "steal: cannot be read (%s)", strerror(-err));
		src->sched_on = false;
	}
	struct top_input in = {
		.exits = exits.rec,
		.nr_exits = exits.nr,
		.vms = vms.rec,
		.nr_vms = vms.nr,
		.sched = sched.rec,
		.nr_sched = sched.nr,
		.dropped = info.exits_dropped,
		.time_ns = monotonic_ns(),
		.name_vm = name_vm,
	};
	if (top_snapshot_build(&in, snap))
		fprintf(stderr, "vmexit-stat: out of memory\n");
	else
		status = 0;
out:
	vmexit_records_free(&exits);
	vmexit_vms_free(&vms);
	vmexit_scheds_free(&sched);
	return status;
}

static int read_bpf(struct top_source *src, struct top_snapshot *snap)
{
	struct bpf_collection got;
	int err, status = 1;

	err = bpf_backend_read(src->reader, &src->filter, &got);
	if (err) {
		fprintf(stderr,
			"vmexit-stat: reading the BPF maps failed: %s\n",
			strerror(-err));
		goto out;
	}
	struct top_input in = {
		.exits = got.exits.rec,
		.nr_exits = got.exits.nr,
		.vms = got.vms.rec,
		.nr_vms = got.vms.nr,
		.dropped = got.info.exits_dropped,
		.time_ns = monotonic_ns(),
		.name_vm = name_vm,
	};
	if (top_snapshot_build(&in, snap))
		fprintf(stderr, "vmexit-stat: out of memory\n");
	else
		status = 0;
out:
	bpf_collection_free(&got);
	return status;
}

static int read_source(struct top_source *src, struct top_model *m)
{
	struct top_snapshot snap;
	int status;

	status = src->bpf ? read_bpf(src, &snap) : read_module(src, &snap);
	if (!status)
		top_model_push(m, &snap);
	return status;
}

/*
 * The screen.  While it is up, stderr goes to a temporary file (a
 * library's message would scribble over the screen), given back to the
 * terminal when the screen ends.
 */
struct screen {
	bool up;
	int saved_stderr;
	FILE *captured;
	struct sigaction old_int, old_term;
};

static int screen_begin(struct screen *s)
{
	struct sigaction sa = { .sa_handler = on_stop };

	memset(s, 0, sizeof(*s));
	s->saved_stderr = -1;
	/* our handlers before ncurses': it keeps those it finds */
	stop_signal = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &s->old_int);
	sigaction(SIGTERM, &sa, &s->old_term);
	if (!newterm(NULL, stdout, stdin)) {
		fprintf(stderr,
			"vmexit-stat: top: cannot use the terminal (TERM=%s)\n",
			getenv("TERM") ?: "");
		sigaction(SIGINT, &s->old_int, NULL);
		sigaction(SIGTERM, &s->old_term, NULL);
		return 1;
	}
	s->up = true;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	fflush(stderr);
	s->captured = tmpfile();
	if (s->captured) {
		s->saved_stderr = dup(STDERR_FILENO);
		if (s->saved_stderr >= 0)
			dup2(fileno(s->captured), STDERR_FILENO);
	}
	return 0;
}

static void screen_end(struct screen *s)
{
	char buf[512];
	size_t n;

	if (!s->up)
		return;
	endwin();
	s->up = false;
	fflush(stderr);
	if (s->saved_stderr >= 0) {
		dup2(s->saved_stderr, STDERR_FILENO);
		close(s->saved_stderr);
	}
	if (s->captured) {
		rewind(s->captured);
		while ((n = fread(buf, 1, sizeof(buf), s->captured)))
			fwrite(buf, 1, n, stderr);
		fclose(s->captured);
	}
	sigaction(SIGINT, &s->old_int, NULL);
	sigaction(SIGTERM, &s->old_term, NULL);
}

/* What the loop knows beyond the model. */
struct top_state {
	struct top_source *src;
	struct top_model model;
	char status[160]; /* the bottom line's message, until a key */
};

static void format_rate(double rate, bool has_rate, char *buf, size_t len)
{
	if (!has_rate)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.0f", rate);
}

static void draw_too_small(void)
{
	erase();
	/* short lines: they must fit where the table does not */
	mvaddnstr(0, 0, "terminal too small", COLS);
	mvprintw(1, 0, "%dx%d, top needs %dx%d", COLS, LINES, TOP_MIN_COLS,
		 TOP_MIN_LINES);
	mvaddnstr(2, 0, "enlarge it; q quits", COLS);
	refresh();
}

static void draw_help(const struct top_state *st)
{
	static const char *const lines[] = {
		"vmexit-stat top: keys",
		"",
		"  q        quit (also Ctrl-C)",
		"  p Space  pause: stop reading, keep the screen",
		"  r        reset the view: totals count from now",
		"           (the backend's counters are not touched)",
		"  R        reset the module's counters (CAP_NET_ADMIN)",
		"  s        sort by the next key: rate, total, name, latency",
		"  f        filter by reason name prefix: type it, Enter",
		"           applies, Esc cancels, empty shows every reason",
		"  v        the next VM alone; after the last, all VMs",
		"  g        all VMs",
		"  + -      longer, shorter delay between reads",
		"  h ?      this help",
		"",
		"Latency p50/p99 over the interval; USER: exits that went",
		"on to user space (the VMM).  Any key closes this help.",
	};
	size_t i;

	(void)st;
	erase();
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		mvaddnstr((int)i, 0, lines[i], COLS);
	refresh();
}

/* The steal of the VMs shown, on as many lines as max_lines allows. */
static int draw_steal(const struct top_state *st, int y, int max_lines)
{
	const struct top_model *m = &st->model;
	const struct top_vm *only = top_model_vm(m);
	int used = 0, x = 0, shown = 0;
	size_t i;

	if (*st->src->steal_note || !m->now.nr_vms) {
		mvaddnstr(y, 0,
			  *st->src->steal_note ? st->src->steal_note :
						 "steal: no VM",
			  COLS);
		return 1;
	}
	mvaddstr(y, 0, "steal:");
	x = 6;
	for (i = 0; i < m->now.nr_vms; i++) {
		const struct top_vm *vm = &m->now.vms[i];
		char item[96];
		double share;
		int len;

		if ((only && vm != only) || (!only && vm->ended))
			continue;
		/* the pid: VMs of one VMM program share its name */
		if (top_vm_steal(m, vm, &share))
			len = snprintf(item, sizeof(item),
				       " %s(%" PRIu32 ") %.1f%%/%u vCPU%s",
				       vm->name, vm->pid, share * 100,
				       vm->nr_vcpus,
				       vm->nr_vcpus == 1 ? "" : "s");
		else if (only)
			len = snprintf(item, sizeof(item), " %s(%" PRIu32 ") -",
				       vm->name, vm->pid);
		else
			continue; /* no read to compare yet */
		shown++;
		if (x + len > COLS) {
			if (++used >= max_lines)
				break;
			x = 6;
		}
		mvaddnstr(y + used, x, item, COLS - x);
		x += len;
	}
	if (!shown)
		mvaddstr(y, x, " - (no running vCPU followed yet)");
	return used + 1;
}

static void draw(struct top_state *st)
{
	const struct top_model *m = &st->model;
	const struct top_view *view = &m->view;
	const struct top_vm *only = top_model_vm(m);
	char line[512], rate[24], p50[24], p99[24];
	int name_w, y, rows_end;
	struct top_table t;
	size_t i;

	if (COLS < TOP_MIN_COLS || LINES < TOP_MIN_LINES) {
		draw_too_small();
		return;
	}
	if (view->help) {
		draw_help(st);
		return;
	}
	if (top_table_build(m, &t)) {
		snprintf(st->status, sizeof(st->status), "out of memory");
		return;
	}
	erase();

	format_rate(t.rate, t.has_rate, rate, sizeof(rate));
	snprintf(line, sizeof(line),
		 "vmexit-stat top - %s  VMs: %zu  exits/s: %s  total: %" PRIu64
		 "  drops: %" PRIu64,
		 st->src->bpf ? "bpf" : "module", t.nr_vms, rate, t.total,
		 t.dropped);
	attron(A_BOLD);
	mvaddnstr(0, 0, line, COLS);
	attroff(A_BOLD);

	if (view->one_vm)
		snprintf(line, sizeof(line), "VM %" PRIu32 " %s", view->vm_pid,
			 only ? only->name : "(gone)");
	else
		snprintf(line, sizeof(line), "all VMs");
	snprintf(line + strlen(line), sizeof(line) - strlen(line),
		 "  sort: %s  filter: %s  every %.1fs%s%s",
		 top_sort_name(view->sort), *view->filter ? view->filter : "-",
		 view->delay_ds / 10.0, m->base.time_ns ? "  (view reset)" : "",
		 view->paused ? "  PAUSED" : "");
	mvaddnstr(1, 0, line, COLS);

	y = 2 + draw_steal(st, 2, 2);
	y++;

	name_w = COLS - NUMBER_COLS;
	if (name_w > 40)
		name_w = 40;
	snprintf(line, sizeof(line), "%-*s %9s %11s %6s %8s %8s %10s", name_w,
		 "REASON", "EXITS/S", "TOTAL", "SHARE", "P50", "P99", "USER");
	attron(A_REVERSE);
	mvaddnstr(y++, 0, line, COLS);
	attroff(A_REVERSE);

	rows_end = LINES - 1;
	for (i = 0; i < t.nr_rows && y < rows_end; i++, y++) {
		const struct top_row *row = &t.rows[i];
		bool no_lat = !row->has_latency || !row->latency.count;

		format_rate(row->rate, t.has_rate, rate, sizeof(rate));
		latency_format_ns(row->p50_ns, no_lat, p50, sizeof(p50));
		latency_format_ns(row->p99_ns, no_lat, p99, sizeof(p99));
		snprintf(line, sizeof(line),
			 "%-*.*s %9s %11" PRIu64 " %5.1f%% %8s %8s %10" PRIu64,
			 name_w, name_w, row->name, rate, row->total,
			 row->share * 100, p50, p99, row->user_total);
		mvaddnstr(y, 0, line, COLS);
	}
	if (!t.nr_rows)
		mvaddnstr(y, 0,
			  *view->filter || view->editing_filter ?
				  "no exit reason matches the filter" :
				  "no VM exits counted yet",
			  COLS);

	if (view->editing_filter)
		snprintf(line, sizeof(line),
			 "filter by reason prefix: %s_   (Enter applies, Esc "
			 "cancels)",
			 view->edit);
	else if (*st->status)
		snprintf(line, sizeof(line), "%s", st->status);
	else
		snprintf(line, sizeof(line),
			 "q quit  p pause  r reset  s sort  f filter  v VM  "
			 "g all  +/- delay  h help");
	attron(A_REVERSE);
	mvaddnstr(LINES - 1, 0, line, COLS);
	attroff(A_REVERSE);
	refresh();
	top_table_free(&t);
}

static void reset_backend(struct top_state *st)
{
	int err;

	if (st->src->bpf) {
		snprintf(st->status, sizeof(st->status),
			 "the BPF counters live only while top runs: "
			 "r resets the view");
		return;
	}
	err = vmexit_reset(&st->src->client);
	if (err) {
		snprintf(st->status, sizeof(st->status),
			 "R refused: %s%s; r resets the view", strerror(-err),
			 err == -EPERM || err == -EACCES ?
				 " (needs CAP_NET_ADMIN)" :
				 "");
		return;
	}
	top_model_forget(&st->model);
	snprintf(st->status, sizeof(st->status),
		 "the module's counters were reset");
}

/* The loop: 0 on q or a stop signal, 1 when a read failed. */
static int run_screen(struct top_state *st)
{
	struct top_model *m = &st->model;
	uint64_t next_read;
	int status = 0;

	next_read = monotonic_ns() + m->view.delay_ds * 100000000ULL;
	draw(st);
	while (!stop_signal) {
		uint64_t now = monotonic_ns();
		int64_t wait_ms = 200; /* the signal flag's latency */
		bool redraw = false;
		int key;

		if (!m->view.paused && next_read > now &&
		    (next_read - now) / 1000000 < (uint64_t)wait_ms)
			wait_ms = (next_read - now) / 1000000;
		if (!m->view.paused && next_read <= now)
			wait_ms = 0;
		timeout((int)wait_ms);
		key = getch();
		if (key == KEY_RESIZE) {
			redraw = true;
		} else if (key != ERR) {
			if (key == KEY_BACKSPACE)
				key = TOP_KEY_BACKSPACE;
			else if (key == KEY_ENTER)
				key = TOP_KEY_ENTER;
			if (key != TOP_KEY_ENTER && key != '\r' &&
			    !m->view.editing_filter)
				st->status[0] = '\0';
			if (COLS < TOP_MIN_COLS || LINES < TOP_MIN_LINES) {
				if (key == 'q' || key == 'Q')
					break;
				continue;
			}
			switch (top_handle_key(m, key)) {
			case TOP_QUIT:
				return status;
			case TOP_RESET_VIEW:
				if (top_model_rebase(m))
					snprintf(st->status, sizeof(st->status),
						 "out of memory");
				else
					snprintf(
						st->status, sizeof(st->status),
						"view reset: totals count from "
						"now; the backend's counters "
						"are untouched");
				redraw = true;
				break;
			case TOP_RESET_BACKEND:
				reset_backend(st);
				next_read = 0; /* read again at once */
				redraw = true;
				break;
			case TOP_REREAD:
				next_read = 0;
				redraw = true;
				break;
			case TOP_REDRAW:
				redraw = true;
				break;
			case TOP_NONE:
				break;
			}
		}
		now = monotonic_ns();
		if (!m->view.paused && next_read <= now) {
			if (read_source(st->src, m))
				return 1;
			next_read += m->view.delay_ds * 100000000ULL;
			if (next_read <= now) /* a slow read: do not catch up */
				next_read =
					now + m->view.delay_ds * 100000000ULL;
			redraw = true;
		}
		if (redraw)
			draw(st);
	}
	return status;
}

/* First read before the screen, so that a refusal is plain text. */
static int run_top(struct top_source *src, unsigned int delay_ds)
{
	struct top_state st = { .src = src };
	struct screen screen;
	int status;

	top_model_init(&st.model, delay_ds);
	status = read_source(src, &st.model);
	if (!status)
		status = screen_begin(&screen);
	if (!status) {
		status = run_screen(&st);
		screen_end(&screen);
	}
	top_model_free(&st.model);
	return status;
}

struct top_bpf_run {
	struct top_source *src;
	unsigned int delay_ds;
};

static int run_top_bpf(struct bpf_reader *reader, void *ctx)
{
	struct top_bpf_run *run = ctx;

	run->src->reader = reader;
	return run_top(run->src, run->delay_ds);
}

static int top_bpf(struct top_source *src, unsigned int delay_ds)
{
	struct top_bpf_run run = { src, delay_ds };
	struct bpf_collect how = {
		.while_attached = run_top_bpf,
		.ctx = &run,
	};
	struct bpf_collection got;
	int status;

	snprintf(src->steal_note, sizeof(src->steal_note),
		 "steal: not with --backend bpf (vmexit-stat sched --backend "
		 "bpf 1)");
	if (cli_check_vm(NULL, &src->filter, true))
		return 1;
	status = bpf_backend_collect(&how, &src->filter, &got);
	if (!status)
		status = got.cmd_status;
	bpf_collection_free(&got);
	return status;
}

static int top_module(struct top_source *src, const struct cli_source *choice,
		      unsigned int delay_ds)
{
	struct vmexit_config config;
	int status;

	if (vmexit_connect(&src->client)) {
		view_suggest_bpf(choice, true, "them");
		return 1;
	}
	if (cli_check_vm(&src->client, &src->filter, true)) {
		vmexit_client_close(&src->client);
		return 1;
	}
	if (!vmexit_get_config(&src->client, &config) && !config.sched)
		snprintf(src->steal_note, sizeof(src->steal_note),
			 "steal: off in the module (vmexit-stat config "
			 "--sched on)");
	else
		src->sched_on = true;
	status = run_top(src, delay_ds);
	vmexit_client_close(&src->client);
	return status;
}

int cmd_top(int argc, char **argv)
{
	static const struct option options[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "vm", required_argument, NULL, 'p' },
		{ "delay", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_source choice = {};
	struct top_source src = {};
	uint64_t delay_ns = 1000000000ULL;
	unsigned int delay_ds;
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "b:p:d:h", options, NULL)) !=
	       -1) {
		switch (opt) {
		case 'b':
			if (!strcmp(optarg, "module"))
				choice.backend = CLI_BACKEND_MODULE;
			else if (!strcmp(optarg, "bpf"))
				choice.backend = CLI_BACKEND_BPF;
			else if (!strcmp(optarg, "auto"))
				choice.backend = CLI_BACKEND_AUTO;
			else
				return cli_bad_usage(top_usage,
						     "--backend wants module, "
						     "bpf or auto, not '%s'",
						     optarg);
			break;
		case 'p': {
			int status = cli_parse_vm(optarg, &src.filter.pid,
						  top_usage);

			if (status)
				return status;
			src.filter.by_pid = true;
			break;
		}
		case 'd':
			if (!cli_parse_seconds(optarg, 60, &delay_ns) ||
			    delay_ns < 100000000ULL)
				return cli_bad_usage(top_usage,
						     "--delay wants seconds "
						     "from 0.1 to 60, not '%s'",
						     optarg);
			break;
		case 'h':
			top_usage(stdout);
			return 0;
		default:
			top_usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		return cli_bad_usage(top_usage, "top: unexpected '%s'",
				     argv[optind]);
	if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
		fprintf(stderr,
			"vmexit-stat: top: needs a terminal (%s is not one); "
			"for a report use 'vmexit-stat show' (--json for "
			"programs)\n",
			isatty(STDOUT_FILENO) ? "stdin" : "stdout");
		return 2;
	}
	setlocale(LC_ALL, "");
	delay_ds = (unsigned int)((delay_ns + 50000000ULL) / 100000000ULL);

	src.bpf = view_choose_backend(&choice, delay_ns) == CLI_BACKEND_BPF;
	return src.bpf ? top_bpf(&src, delay_ds) :
			 top_module(&src, &choice, delay_ds);
}
