/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_TOP_MODEL_H
#define VMEXIT_STAT_TOP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genl_client.h"
#include "vm_name.h"

/*
 * What `vmexit-stat top` shows, without the screen: snapshots of the
 * counters, the table of exit reasons made from two of them (rates over
 * the interval between the reads, totals since the view was reset),
 * sorting, the reason filter, the choice of VM, and what each key does.
 * None of it needs ncurses or a kernel, so tests/unit tests all of it.
 */

/* One (VM, exit reason): the VM's vCPUs summed. */
struct top_counter {
	uint32_t pid;
	uint64_t vm_id;
	uint32_t isa;
	uint32_t code;
	uint32_t flags;
	uint64_t count;
	uint64_t user_count; /* went on to user space */
	bool has_latency;
	struct vmexit_latency latency;
};

struct top_vm {
	uint32_t pid;
	uint64_t vm_id;
	char name[VM_NAME_LEN];
	bool ended; /* GET_VMS says so */
	/* GET_SCHED's run delay (steal) of the VM's vCPU threads, summed */
	bool has_steal;
	uint64_t wait_ns;
	uint32_t nr_vcpus;
};

/* One read of a backend, at time_ns (CLOCK_MONOTONIC). */
struct top_snapshot {
	uint64_t time_ns;
	struct top_counter *counters;
	size_t nr_counters;
	struct top_vm *vms; /* by pid, then vm_id */
	size_t nr_vms;
	uint64_t dropped; /* exits the backend could not count */
};

/* What a backend read; sched may be NULL (no steal then). */
struct top_input {
	const struct vmexit_record *exits;
	size_t nr_exits;
	const struct vmexit_vm *vms;
	size_t nr_vms;
	const struct vmexit_sched *sched;
	size_t nr_sched;
	uint64_t dropped;
	uint64_t time_ns;
	/* fills a VM's name; NULL: the kernel's comm */
	void (*name_vm)(const struct vmexit_vm *vm, char *name, size_t size);
};

/* 0 or -ENOMEM; snap is empty (freeable) either way. */
int top_snapshot_build(const struct top_input *in, struct top_snapshot *snap);
void top_snapshot_free(struct top_snapshot *snap);

enum top_sort {
	TOP_SORT_RATE, /* exits/s over the last interval, largest first */
	TOP_SORT_TOTAL, /* total since reset, largest first */
	TOP_SORT_NAME, /* reason name, A to Z */
	TOP_SORT_LATENCY, /* p99 latency over the interval, largest first */
	TOP_SORT_COUNT
};

const char *top_sort_name(enum top_sort sort);

#define TOP_FILTER_LEN 32
#define TOP_DELAY_MIN_DS 1 /* tenths of a second */
#define TOP_DELAY_MAX_DS 600

/* The user's choices; what the keys change. */
struct top_view {
	enum top_sort sort;
	char filter[TOP_FILTER_LEN]; /* reason name prefix; "": all */
	bool editing_filter; /* 'f' pressed: keys type the prefix */
	char edit[TOP_FILTER_LEN];
	bool one_vm; /* else all VMs summed */
	uint32_t vm_pid;
	uint64_t vm_id;
	bool paused;
	bool help;
	unsigned int delay_ds;
};

/* The model: the last two reads, and the base the totals start from. */
struct top_model {
	struct top_snapshot now;
	struct top_snapshot before; /* time_ns 0: no earlier read */
	struct top_snapshot base; /* time_ns 0: totals are the counters' */
	struct top_view view;
};

void top_model_init(struct top_model *m, unsigned int delay_ds);
void top_model_free(struct top_model *m);
/* A new read: now becomes before; snap's arrays are the model's now. */
void top_model_push(struct top_model *m, struct top_snapshot *snap);
/* "reset view": totals count from the last read on; 0 or -ENOMEM. */
int top_model_rebase(struct top_model *m);
/* After the backend's counters were cleared: every read forgotten. */
void top_model_forget(struct top_model *m);

struct top_row {
	char name[48];
	uint64_t total; /* since the base */
	uint64_t delta; /* over the interval */
	double rate; /* per second, over the interval */
	double share; /* of the table's total, 0 to 1 */
	uint64_t user_total;
	bool has_latency;
	struct vmexit_latency latency; /* over the interval */
	uint64_t p50_ns, p99_ns;
};

struct top_table {
	struct top_row *rows; /* filtered and sorted */
	size_t nr_rows;
	uint64_t hidden_total; /* exits of the reasons filtered out */
	uint64_t total; /* of the rows shown */
	double rate;
	bool has_rate; /* two reads to compare */
	double interval_s;
	uint64_t dropped; /* since the base */
	size_t nr_vms; /* followed: all of them, or 1 */
};

/* From the model's reads and view; 0 or -ENOMEM. */
int top_table_build(const struct top_model *m, struct top_table *t);
void top_table_free(struct top_table *t);

/*
 * The steal of a VM over the interval: its vCPUs' run delay as a share
 * of their wall time (0 to 1).  false when there is none to say.
 */
bool top_vm_steal(const struct top_model *m, const struct top_vm *vm,
		  double *share);

/* The VM being shown, or NULL when all are (or it is gone). */
const struct top_vm *top_model_vm(const struct top_model *m);

enum top_action {
	TOP_NONE, /* nothing to do */
	TOP_REDRAW, /* the view changed: draw it again */
	TOP_QUIT,
	TOP_RESET_VIEW, /* rebase the totals here */
	TOP_RESET_BACKEND, /* ask the backend to clear its counters */
	TOP_REREAD, /* read now: the delay changed or pause ended */
};

/* Keys the model knows beyond ASCII, as top.c translates ncurses'. */
#define TOP_KEY_ENTER '\n'
#define TOP_KEY_ESCAPE 27
#define TOP_KEY_BACKSPACE 127

/* What key does to the view. */
enum top_action top_handle_key(struct top_model *m, int key);

#endif /* VMEXIT_STAT_TOP_MODEL_H */
