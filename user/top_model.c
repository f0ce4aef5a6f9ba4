// SPDX-License-Identifier: GPL-2.0
/*
 * vmexit-stat top, what it shows and what the keys do; the screen is
 * user/top.c's.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <linux/vmexit_stat.h>

#include "exit_stats.h"
#include "latency.h"
#include "top_model.h"

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/* By VM, then reason: the order snapshots keep their counters in. */
static int cmp_counter(const void *pa, const void *pb)
{
	const struct top_counter *a = pa, *b = pb;

	return cmp_u64(a->pid, b->pid)		   ?:
		       cmp_u64(a->vm_id, b->vm_id) ?:
		       cmp_u64(a->isa, b->isa)	   ?:
		       cmp_u64(a->code, b->code)   ?:
						     cmp_u64(a->flags, b->flags);
}

static int cmp_vm(const void *pa, const void *pb)
{
	const struct top_vm *a = pa, *b = pb;

	return cmp_u64(a->pid, b->pid) ?: cmp_u64(a->vm_id, b->vm_id);
}

static void counter_add(struct top_counter *sum, const struct top_counter *c)
{
	sum->count += c->count;
	sum->user_count += c->user_count;
	if (c->has_latency) {
		latency_add(&sum->latency, &c->latency);
		sum->has_latency = true;
	}
}

static struct top_vm *find_vm(const struct top_snapshot *snap, uint32_t pid,
			      uint64_t vm_id)
{
	struct top_vm key = { .pid = pid, .vm_id = vm_id };

	if (!snap->nr_vms)
		return NULL;
	return bsearch(&key, snap->vms, snap->nr_vms, sizeof(key), cmp_vm);
}

static const struct top_counter *find_counter(const struct top_snapshot *snap,
					      const struct top_counter *key)
{
	if (!snap->nr_counters)
		return NULL;
	return bsearch(key, snap->counters, snap->nr_counters, sizeof(*key),
		       cmp_counter);
}

/* Sorts and sums counters of the same (VM, reason); returns how many. */
static size_t merge_counters(struct top_counter *c, size_t nr)
{
	size_t i, out = 0;

	if (!nr)
		return 0;
	qsort(c, nr, sizeof(*c), cmp_counter);
	for (i = 1; i < nr; i++) {
		if (!cmp_counter(&c[out], &c[i]))
			counter_add(&c[out], &c[i]);
		else
			c[++out] = c[i];
	}
	return out + 1;
}

static int add_vm(struct top_snapshot *snap, size_t *alloc, uint32_t pid,
		  uint64_t vm_id, const char *name)
{
	struct top_vm *vm;

	if (snap->nr_vms == *alloc) {
		size_t n = *alloc ? 2 * *alloc : 8;

		vm = realloc(snap->vms, n * sizeof(*vm));
		if (!vm)
			return -ENOMEM;
		snap->vms = vm;
		*alloc = n;
	}
	vm = &snap->vms[snap->nr_vms++];
	memset(vm, 0, sizeof(*vm));
	vm->pid = pid;
	vm->vm_id = vm_id;
	if (name && *name)
		snprintf(vm->name, sizeof(vm->name), "%s", name);
	else
		snprintf(vm->name, sizeof(vm->name), "%" PRIu32, pid);
	return 0;
}

/* The VMs of GET_VMS, and those only the counters name; sorted. */
static int build_vms(const struct top_input *in, struct top_snapshot *snap)
{
	size_t i, alloc = 0;
	int err;

	for (i = 0; i < in->nr_vms; i++) {
		char name[VM_NAME_LEN] = "";

		if (in->name_vm)
			in->name_vm(&in->vms[i], name, sizeof(name));
		else
			snprintf(name, sizeof(name), "%s", in->vms[i].comm);
		err = add_vm(snap, &alloc, in->vms[i].pid, in->vms[i].vm_id,
			     name);
		if (err)
			return err;
		snap->vms[snap->nr_vms - 1].ended = in->vms[i].state ==
						    VMEXIT_STAT_VM_ENDED;
	}
	if (snap->nr_vms)
		qsort(snap->vms, snap->nr_vms, sizeof(*snap->vms), cmp_vm);
	for (i = 0; i < snap->nr_counters; i++) {
		const struct top_counter *c = &snap->counters[i];

		if (find_vm(snap, c->pid, c->vm_id))
			continue;
		err = add_vm(snap, &alloc, c->pid, c->vm_id, NULL);
		if (err)
			return err;
		qsort(snap->vms, snap->nr_vms, sizeof(*snap->vms), cmp_vm);
	}
	for (i = 0; i < in->nr_sched; i++) {
		const struct vmexit_sched *s = &in->sched[i];
		struct top_vm *vm = find_vm(snap, s->vm_pid, s->vm_id);

		if (!vm || s->per_vm)
			continue;
		vm->has_steal = true;
		vm->wait_ns += s->wait_ns;
		vm->nr_vcpus++;
	}
	return 0;
}

int top_snapshot_build(const struct top_input *in, struct top_snapshot *snap)
{
	size_t i;

	memset(snap, 0, sizeof(*snap));
	snap->time_ns = in->time_ns;
	snap->dropped = in->dropped;
	if (in->nr_exits) {
		snap->counters = calloc(in->nr_exits, sizeof(*snap->counters));
		if (!snap->counters)
			return -ENOMEM;
	}
	for (i = 0; i < in->nr_exits; i++) {
		const struct vmexit_record *r = &in->exits[i];
		struct top_counter *c = &snap->counters[i];

		c->pid = r->vm_pid;
		c->vm_id = r->vm_id;
		c->isa = r->isa;
		c->code = r->code;
		c->flags = r->flags;
		c->count = r->count;
		c->user_count = r->user_count;
		c->has_latency = r->has_latency;
		if (r->has_latency)
			c->latency = r->latency;
	}
	snap->nr_counters = merge_counters(snap->counters, in->nr_exits);
	if (build_vms(in, snap)) {
		top_snapshot_free(snap);
		return -ENOMEM;
	}
	return 0;
}

void top_snapshot_free(struct top_snapshot *snap)
{
	free(snap->counters);
	free(snap->vms);
	memset(snap, 0, sizeof(*snap));
}

static int snapshot_copy(struct top_snapshot *dst,
			 const struct top_snapshot *src)
{
	*dst = *src;
	dst->counters = NULL;
	dst->vms = NULL;
	if (src->nr_counters) {
		dst->counters =
			malloc(src->nr_counters * sizeof(*src->counters));
		if (!dst->counters)
			goto nomem;
		memcpy(dst->counters, src->counters,
		       src->nr_counters * sizeof(*src->counters));
	}
	if (src->nr_vms) {
		dst->vms = malloc(src->nr_vms * sizeof(*src->vms));
		if (!dst->vms)
			goto nomem;
		memcpy(dst->vms, src->vms, src->nr_vms * sizeof(*src->vms));
	}
	return 0;
nomem:
	top_snapshot_free(dst);
	return -ENOMEM;
}

const char *top_sort_name(enum top_sort sort)
{
	static const char *const names[TOP_SORT_COUNT] = {
		[TOP_SORT_RATE] = "rate",
		[TOP_SORT_TOTAL] = "total",
		[TOP_SORT_NAME] = "name",
		[TOP_SORT_LATENCY] = "latency",
	};

	return sort < TOP_SORT_COUNT ? names[sort] : "?";
}

void top_model_init(struct top_model *m, unsigned int delay_ds)
{
	memset(m, 0, sizeof(*m));
	m->view.delay_ds = delay_ds;
}

void top_model_free(struct top_model *m)
{
	top_snapshot_free(&m->now);
	top_snapshot_free(&m->before);
	top_snapshot_free(&m->base);
}

void top_model_push(struct top_model *m, struct top_snapshot *snap)
{
	top_snapshot_free(&m->before);
	m->before = m->now;
	m->now = *snap;
	memset(snap, 0, sizeof(*snap));
}

int top_model_rebase(struct top_model *m)
{
	struct top_snapshot copy;

	if (snapshot_copy(&copy, &m->now))
		return -ENOMEM;
	top_snapshot_free(&m->base);
	m->base = copy;
	return 0;
}

void top_model_forget(struct top_model *m)
{
	top_snapshot_free(&m->now);
	top_snapshot_free(&m->before);
	top_snapshot_free(&m->base);
}

/*
 * now - then, for a counter that only grows: a counter found smaller
 * was cleared in between (module RESET, a VM's pid reused), and all of
 * it is new.
 */
static uint64_t since(uint64_t now, uint64_t then)
{
	return now >= then ? now - then : now;
}

static void latency_since(struct vmexit_latency *d,
			  const struct vmexit_latency *now,
			  const struct vmexit_latency *then)
{
	unsigned int i;

	*d = *now;
	if (!then || then->count > now->count)
		return;
	d->count = now->count - then->count;
	d->sum_ns = since(now->sum_ns, then->sum_ns);
	for (i = 0; i < VMEXIT_STAT_LAT_BUCKETS; i++)
		d->hist[i] = since(now->hist[i], then->hist[i]);
	/* min and max stay the lifetime's: bounds, for the percentiles */
}

static bool view_has(const struct top_view *view, const struct top_counter *c)
{
	return !view->one_vm ||
	       (c->pid == view->vm_pid && c->vm_id == view->vm_id);
}

static void reason_name(const struct top_counter *c, char *buf, size_t len)
{
	char code_buf[16];
	const char *label =
		exit_reason_label(c->isa, c->code, code_buf, sizeof(code_buf));

	if (c->flags)
		snprintf(buf, len, "%s+0x%" PRIx32, label, c->flags);
	else
		snprintf(buf, len, "%s", label);
}

static bool name_matches(const char *name, const char *prefix)
{
	return !strncasecmp(name, prefix, strlen(prefix));
}

static int cmp_row_name(const struct top_row *a, const struct top_row *b)
{
	return strcasecmp(a->name, b->name) ?: strcmp(a->name, b->name);
}

static int cmp_row_rate(const void *pa, const void *pb)
{
	const struct top_row *a = pa, *b = pb;

	return cmp_u64(b->delta, a->delta)	   ?:
		       cmp_u64(b->total, a->total) ?:
						     cmp_row_name(a, b);
}

static int cmp_row_total(const void *pa, const void *pb)
{
	const struct top_row *a = pa, *b = pb;

	return cmp_u64(b->total, a->total)	   ?:
		       cmp_u64(b->delta, a->delta) ?:
						     cmp_row_name(a, b);
}

static int cmp_row_by_name(const void *pa, const void *pb)
{
	return cmp_row_name(pa, pb);
}

static int cmp_row_latency(const void *pa, const void *pb)
{
	const struct top_row *a = pa, *b = pb;

	return cmp_u64(b->p99_ns, a->p99_ns)	     ?:
		       cmp_u64(b->p50_ns, a->p50_ns) ?:
						       cmp_row_rate(pa, pb);
}

static int (*const row_order[TOP_SORT_COUNT])(const void *, const void *) = {
	[TOP_SORT_RATE] = cmp_row_rate,
	[TOP_SORT_TOTAL] = cmp_row_total,
	[TOP_SORT_NAME] = cmp_row_by_name,
	[TOP_SORT_LATENCY] = cmp_row_latency,
};

/* The row of the reason name, or NULL. */
static struct top_row *row_of(struct top_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nr_rows; i++)
		if (!strcmp(t->rows[i].name, name))
			return &t->rows[i];
	return NULL;
}

int top_table_build(const struct top_model *m, struct top_table *t)
{
	const struct top_snapshot *now = &m->now;
	bool have_before = m->before.time_ns != 0;
	/* while the prefix is typed, the table follows it */
	const char *prefix = m->view.editing_filter ? m->view.edit :
						      m->view.filter;
	size_t i;

	memset(t, 0, sizeof(*t));
	t->nr_vms = m->view.one_vm ? 1 : now->nr_vms;
	t->dropped = since(now->dropped, m->base.time_ns ? m->base.dropped : 0);
	if (have_before && now->time_ns > m->before.time_ns) {
		t->has_rate = true;
		t->interval_s = (now->time_ns - m->before.time_ns) / 1e9;
	}
	if (now->nr_counters) {
		t->rows = calloc(now->nr_counters, sizeof(*t->rows));
		if (!t->rows)
			return -ENOMEM;
	}
	for (i = 0; i < now->nr_counters; i++) {
		const struct top_counter *c = &now->counters[i];
		const struct top_counter *then = find_counter(&m->before, c);
		const struct top_counter *base = find_counter(&m->base, c);
		struct vmexit_latency lat;
		char name[sizeof(t->rows[0].name)];
		struct top_row *row;

		if (!view_has(&m->view, c))
			continue;
		reason_name(c, name, sizeof(name));
		if (!name_matches(name, prefix)) {
			t->hidden_total +=
				since(c->count, base ? base->count : 0);
			continue;
		}
		row = row_of(t, name);
		if (!row) {
			row = &t->rows[t->nr_rows++];
			snprintf(row->name, sizeof(row->name), "%s", name);
		}
		row->total += since(c->count, base ? base->count : 0);
		row->user_total +=
			since(c->user_count, base ? base->user_count : 0);
		if (have_before)
			row->delta += since(c->count, then ? then->count : 0);
		if (c->has_latency) {
			latency_since(&lat, &c->latency,
				      then ? &then->latency : NULL);
			if (!have_before)
				memset(&lat, 0, sizeof(lat));
			latency_add(&row->latency, &lat);
			row->has_latency = true;
		}
	}
	for (i = 0; i < t->nr_rows; i++) {
		struct top_row *row = &t->rows[i];

		t->total += row->total;
		if (t->has_rate)
			row->rate = row->delta / t->interval_s;
		t->rate += row->rate;
		row->p50_ns = latency_percentile_ns(&row->latency, 50);
		row->p99_ns = latency_percentile_ns(&row->latency, 99);
	}
	for (i = 0; i < t->nr_rows; i++)
		t->rows[i].share =
			t->total ? (double)t->rows[i].total / t->total : 0;
	if (t->nr_rows)
		qsort(t->rows, t->nr_rows, sizeof(*t->rows),
		      row_order[m->view.sort % TOP_SORT_COUNT]);
	return 0;
}

void top_table_free(struct top_table *t)
{
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

bool top_vm_steal(const struct top_model *m, const struct top_vm *vm,
		  double *share)
{
	const struct top_vm *then;
	uint64_t wall_ns;

	if (!vm->has_steal || !vm->nr_vcpus || !m->before.time_ns ||
	    m->now.time_ns <= m->before.time_ns)
		return false;
	then = find_vm(&m->before, vm->pid, vm->vm_id);
	if (!then || !then->has_steal)
		return false;
	wall_ns = (m->now.time_ns - m->before.time_ns) * vm->nr_vcpus;
	*share = (double)since(vm->wait_ns, then->wait_ns) / wall_ns;
	return true;
}

const struct top_vm *top_model_vm(const struct top_model *m)
{
	if (!m->view.one_vm)
		return NULL;
	return find_vm(&m->now, m->view.vm_pid, m->view.vm_id);
}

/* v: all VMs, then each VM of the last read in turn, then all again. */
static void next_vm(struct top_model *m)
{
	struct top_view *view = &m->view;
	size_t i;

	if (!m->now.nr_vms) {
		view->one_vm = false;
		return;
	}
	if (!view->one_vm) {
		i = 0;
	} else {
		for (i = 0; i < m->now.nr_vms; i++) {
			const struct top_vm *vm = &m->now.vms[i];

			if (vm->pid > view->vm_pid ||
			    (vm->pid == view->vm_pid &&
			     vm->vm_id > view->vm_id))
				break;
		}
		if (i == m->now.nr_vms) {
			view->one_vm = false;
			return;
		}
	}
	view->one_vm = true;
	view->vm_pid = m->now.vms[i].pid;
	view->vm_id = m->now.vms[i].vm_id;
}

static enum top_action edit_filter(struct top_view *view, int key)
{
	size_t len = strlen(view->edit);

	switch (key) {
	case TOP_KEY_ENTER:
	case '\r':
		memcpy(view->filter, view->edit, sizeof(view->filter));
		view->editing_filter = false;
		break;
	case TOP_KEY_ESCAPE:
		view->editing_filter = false;
		break;
	case TOP_KEY_BACKSPACE:
	case '\b':
		if (len)
			view->edit[len - 1] = '\0';
		break;
	default:
		/* reason names: letters, digits, '_', '+' of the flags */
		if (key > 0 && key < 128 &&
		    (isalnum(key) || key == '_' || key == '+') &&
		    len + 1 < sizeof(view->edit)) {
			view->edit[len] = (char)key;
			view->edit[len + 1] = '\0';
		} else {
			return TOP_NONE;
		}
	}
	return TOP_REDRAW;
}

enum top_action top_handle_key(struct top_model *m, int key)
{
	struct top_view *view = &m->view;

	if (view->editing_filter)
		return edit_filter(view, key);
	if (view->help && key != 'q' && key != 'Q') {
		view->help = false; /* any key closes the help */
		return TOP_REDRAW;
	}
	switch (key) {
	case 'q':
	case 'Q':
		return TOP_QUIT;
	case 'p':
	case ' ':
		view->paused = !view->paused;
		return view->paused ? TOP_REDRAW : TOP_REREAD;
	case 'r':
		return TOP_RESET_VIEW;
	case 'R':
		return TOP_RESET_BACKEND;
	case 's':
		view->sort = (view->sort + 1) % TOP_SORT_COUNT;
		return TOP_REDRAW;
	case 'f':
		view->editing_filter = true;
		memcpy(view->edit, view->filter, sizeof(view->edit));
		return TOP_REDRAW;
	case 'g':
		view->one_vm = false;
		return TOP_REDRAW;
	case 'v':
		next_vm(m);
		return TOP_REDRAW;
	case '+':
		view->delay_ds += view->delay_ds < 10 ? 1 : 10;
		if (view->delay_ds > TOP_DELAY_MAX_DS)
			view->delay_ds = TOP_DELAY_MAX_DS;
		return TOP_REDRAW;
	case '-':
		view->delay_ds -= view->delay_ds <= 10 ? 1 : 10;
		if (view->delay_ds < TOP_DELAY_MIN_DS)
			view->delay_ds = TOP_DELAY_MIN_DS;
		return TOP_REDRAW;
	case 'h':
	case '?':
		view->help = true;
		return TOP_REDRAW;
	default:
		return TOP_NONE;
	}
}
