// SPDX-License-Identifier: GPL-2.0
/*
 * Grouping of dump records into VMs and vCPUs, and the two views of them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <linux/vmexit_stat.h>

#include "exit_reasons.h"
#include "exit_stats.h"
#include "json_out.h"
#include "latency.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	uint32_t bit;
	const char *name;
} exit_flag_names[] = {
	{ VMEXIT_STAT_EXIT_FLAG_VMX_ENCLAVE, "enclave" },
	{ VMEXIT_STAT_EXIT_FLAG_VMX_SMM_PENDING, "smm_pending" },
	{ VMEXIT_STAT_EXIT_FLAG_VMX_FROM_ROOT, "from_root" },
	{ VMEXIT_STAT_EXIT_FLAG_VMX_FAILED_ENTRY, "failed_entry" },
};

const char *exit_reason_label(uint32_t isa, uint32_t code, char *buf,
			      size_t len)
{
	const char *name = exit_reason_name(isa, code);

	if (name)
		return name;
	snprintf(buf, len, "0x%" PRIx32, code);
	return buf;
}

const char *user_exit_label(uint32_t code, char *buf, size_t len)
{
	const char *name = kvm_exit_name(code);

	if (name)
		return name;
	snprintf(buf, len, "%" PRIu32, code);
	return buf;
}

const char *exit_isa_label(uint32_t isa, char *buf, size_t len)
{
	const char *name = exit_isa_name(isa);

	if (name)
		return name;
	snprintf(buf, len, "%" PRIu32, isa);
	return buf;
}

const char *vm_state_name(uint32_t state)
{
	switch (state) {
	case VMEXIT_STAT_VM_RUNNING:
		return "running";
	case VMEXIT_STAT_VM_ENDED:
		return "ended";
	}
	return NULL;
}

void vm_id_format(uint64_t vm_id, char *buf, size_t len)
{
	snprintf(buf, len, "%016" PRIx64, vm_id);
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_vm_key(uint32_t pid_a, uint64_t id_a, uint32_t pid_b,
		      uint64_t id_b)
{
	int diff = cmp_u32(pid_a, pid_b);

	return diff ? diff : cmp_u64(id_a, id_b);
}

static int cmp_record(const void *pa, const void *pb)
{
	const struct vmexit_record *a = pa, *b = pb;
	int diff;

	diff = cmp_vm_key(a->vm_pid, a->vm_id, b->vm_pid, b->vm_id);
	if (!diff)
		diff = cmp_u32(a->vcpu_id, b->vcpu_id);
	if (!diff)
		diff = cmp_u32(a->isa, b->isa);
	if (!diff)
		diff = cmp_u32(a->code, b->code);
	if (!diff)
		diff = cmp_u32(a->flags, b->flags);
	return diff;
}

static int cmp_user_record(const void *pa, const void *pb)
{
	const struct vmexit_user_record *a = pa, *b = pb;
	int diff;

	diff = cmp_vm_key(a->vm_pid, a->vm_id, b->vm_pid, b->vm_id);
	if (!diff)
		diff = cmp_u32(a->vcpu_id, b->vcpu_id);
	if (!diff)
		diff = cmp_u32(a->reason, b->reason);
	return diff;
}

static int cmp_exit_key(const void *pa, const void *pb)
{
	const struct exit_count *a = pa, *b = pb;
	int diff;

	diff = cmp_u32(a->isa, b->isa);
	if (!diff)
		diff = cmp_u32(a->code, b->code);
	if (!diff)
		diff = cmp_u32(a->flags, b->flags);
	return diff;
}

/* Largest count first; ties in code order, so the output is stable. */
static int cmp_exit_count(const void *pa, const void *pb)
{
	const struct exit_count *a = pa, *b = pb;
	int diff;

	diff = cmp_u64(b->count, a->count);
	if (!diff)
		diff = cmp_u32(a->code, b->code);
	if (!diff)
		diff = cmp_u32(a->isa, b->isa);
	if (!diff)
		diff = cmp_u32(a->flags, b->flags);
	return diff;
}

static int cmp_user_key(const void *pa, const void *pb)
{
	const struct user_exit_count *a = pa, *b = pb;

	return cmp_u32(a->code, b->code);
}

static int cmp_user_count(const void *pa, const void *pb)
{
	const struct user_exit_count *a = pa, *b = pb;
	int diff;

	diff = cmp_u64(b->count, a->count);
	return diff ? diff : cmp_u32(a->code, b->code);
}

static void exit_count_add(struct exit_count *dst, const struct exit_count *src)
{
	dst->count += src->count;
	dst->has_latency |= src->has_latency;
	dst->user_count += src->user_count;
	dst->user_ns += src->user_ns;
	latency_add(&dst->latency, &src->latency);
}

/* Sums neighbours with the same key in exits sorted by key. */
static size_t merge_exits(struct exit_count *exits, size_t nr)
{
	size_t in, out = 0;

	for (in = 0; in < nr; in++) {
		if (out && !cmp_exit_key(&exits[out - 1], &exits[in]))
			exit_count_add(&exits[out - 1], &exits[in]);
		else
			exits[out++] = exits[in];
	}
	return out;
}

static size_t merge_user_exits(struct user_exit_count *exits, size_t nr)
{
	size_t in, out = 0;

	for (in = 0; in < nr; in++) {
		if (out && exits[out - 1].code == exits[in].code) {
			exits[out - 1].count += exits[in].count;
			latency_add(&exits[out - 1].round_trip,
				    &exits[in].round_trip);
		} else {
			exits[out++] = exits[in];
		}
	}
	return out;
}

/*
 * Each counter names the thread of its last exit.  A vCPU normally
 * keeps one thread; should it have moved, the thread behind the largest
 * counter is the best guess.
 */
static void note_thread(struct vcpu_stats *vcpu, uint64_t *busiest,
			uint32_t tid, uint64_t count)
{
	if (tid && (!vcpu->tid || count > *busiest)) {
		vcpu->tid = tid;
		*busiest = count;
	}
}

/* exits and users: sorted, all of one vCPU; either may be empty. */
static int build_vcpu(struct vcpu_stats *vcpu,
		      const struct vmexit_record *exits, size_t nr_exits,
		      const struct vmexit_user_record *users, size_t nr_users)
{
	uint64_t busiest = 0;
	size_t i;

	vcpu->exits = calloc(nr_exits ? nr_exits : 1, sizeof(*vcpu->exits));
	vcpu->user_exits =
		calloc(nr_users ? nr_users : 1, sizeof(*vcpu->user_exits));
	if (!vcpu->exits || !vcpu->user_exits)
		return -ENOMEM;

	for (i = 0; i < nr_exits; i++) {
		vcpu->exits[i] = (struct exit_count){
			.isa = exits[i].isa,
			.code = exits[i].code,
			.flags = exits[i].flags,
			.count = exits[i].count,
			.has_latency = exits[i].has_latency,
			.user_count = exits[i].user_count,
			.user_ns = exits[i].user_ns,
			.latency = exits[i].latency,
		};
		vcpu->total += exits[i].count;
		note_thread(vcpu, &busiest, exits[i].vcpu_tid, exits[i].count);
	}
	vcpu->nr_exits = merge_exits(vcpu->exits, nr_exits);
	qsort(vcpu->exits, vcpu->nr_exits, sizeof(*vcpu->exits),
	      cmp_exit_count);

	for (i = 0; i < nr_users; i++) {
		vcpu->user_exits[i] = (struct user_exit_count){
			.code = users[i].reason,
			.count = users[i].count,
			.round_trip = users[i].round_trip,
		};
		vcpu->user_total += users[i].count;
		note_thread(vcpu, &busiest, users[i].vcpu_tid, users[i].count);
	}
	vcpu->nr_user_exits = merge_user_exits(vcpu->user_exits, nr_users);
	qsort(vcpu->user_exits, vcpu->nr_user_exits, sizeof(*vcpu->user_exits),
	      cmp_user_count);
	return 0;
}

static int sum_vm_exits(struct vm_stats *vm)
{
	size_t i, nr = 0, nr_user = 0;

	for (i = 0; i < vm->nr_vcpus; i++) {
		nr += vm->vcpus[i].nr_exits;
		nr_user += vm->vcpus[i].nr_user_exits;
	}
	vm->exits = calloc(nr ? nr : 1, sizeof(*vm->exits));
	vm->user_exits = calloc(nr_user ? nr_user : 1, sizeof(*vm->user_exits));
	if (!vm->exits || !vm->user_exits)
		return -ENOMEM;
	for (i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu_stats *vcpu = &vm->vcpus[i];

		memcpy(vm->exits + vm->nr_exits, vcpu->exits,
		       vcpu->nr_exits * sizeof(*vm->exits));
		vm->nr_exits += vcpu->nr_exits;
		memcpy(vm->user_exits + vm->nr_user_exits, vcpu->user_exits,
		       vcpu->nr_user_exits * sizeof(*vm->user_exits));
		vm->nr_user_exits += vcpu->nr_user_exits;
	}
	qsort(vm->exits, vm->nr_exits, sizeof(*vm->exits), cmp_exit_key);
	vm->nr_exits = merge_exits(vm->exits, vm->nr_exits);
	qsort(vm->exits, vm->nr_exits, sizeof(*vm->exits), cmp_exit_count);

	qsort(vm->user_exits, vm->nr_user_exits, sizeof(*vm->user_exits),
	      cmp_user_key);
	vm->nr_user_exits = merge_user_exits(vm->user_exits, vm->nr_user_exits);
	qsort(vm->user_exits, vm->nr_user_exits, sizeof(*vm->user_exits),
	      cmp_user_count);
	return 0;
}

/* The records of one VM or vCPU: a slice of a sorted array. */
struct slice {
	const struct vmexit_record *exits;
	size_t nr_exits;
	const struct vmexit_user_record *users;
	size_t nr_users;
};

/* The lowest vCPU id in both slices; false when both are empty. */
static bool next_vcpu_id(const struct slice *s, uint32_t *vcpu_id)
{
	if (!s->nr_exits && !s->nr_users)
		return false;
	if (!s->nr_users ||
	    (s->nr_exits && s->exits[0].vcpu_id < s->users[0].vcpu_id))
		*vcpu_id = s->exits[0].vcpu_id;
	else
		*vcpu_id = s->users[0].vcpu_id;
	return true;
}

/* Splits off the front of s: the records of vcpu_id. */
static struct slice take_vcpu(struct slice *s, uint32_t vcpu_id)
{
	struct slice front = { .exits = s->exits, .users = s->users };

	while (front.nr_exits < s->nr_exits &&
	       s->exits[front.nr_exits].vcpu_id == vcpu_id)
		front.nr_exits++;
	while (front.nr_users < s->nr_users &&
	       s->users[front.nr_users].vcpu_id == vcpu_id)
		front.nr_users++;
	s->exits += front.nr_exits;
	s->nr_exits -= front.nr_exits;
	s->users += front.nr_users;
	s->nr_users -= front.nr_users;
	return front;
}

static int build_vm(struct vm_stats *vm, struct slice records)
{
	struct slice rest = records;
	size_t nr_vcpus = 0;
	uint32_t vcpu_id;
	int err;

	while (next_vcpu_id(&rest, &vcpu_id)) {
		take_vcpu(&rest, vcpu_id);
		nr_vcpus++;
	}
	vm->vcpus = calloc(nr_vcpus ? nr_vcpus : 1, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -ENOMEM;

	rest = records;
	while (next_vcpu_id(&rest, &vcpu_id)) {
		struct slice one = take_vcpu(&rest, vcpu_id);
		struct vcpu_stats *vcpu = &vm->vcpus[vm->nr_vcpus++];

		vcpu->vcpu_id = vcpu_id;
		err = build_vcpu(vcpu, one.exits, one.nr_exits, one.users,
				 one.nr_users);
		if (err)
			return err;
		vm->total += vcpu->total;
		vm->user_total += vcpu->user_total;
	}
	return sum_vm_exits(vm);
}

struct vm_key {
	uint32_t pid;
	uint64_t vm_id;
};

static int cmp_key(const void *pa, const void *pb)
{
	const struct vm_key *a = pa, *b = pb;

	return cmp_vm_key(a->pid, a->vm_id, b->pid, b->vm_id);
}

static int cmp_vm_stats_key(const void *pkey, const void *pvm)
{
	const struct vm_key *key = pkey;
	const struct vm_stats *vm = pvm;

	return cmp_vm_key(key->pid, key->vm_id, vm->pid, vm->vm_id);
}

/* The VMs to show: every VM with a record, and maybe idle ones. */
static struct vm_key *vm_keys(const struct exit_stats_input *in,
			      const struct slice *all, size_t *nr_keys)
{
	struct vm_key *keys;
	size_t i, nr = 0;

	keys = calloc(all->nr_exits + all->nr_users + in->nr_vms + 1,
		      sizeof(*keys));
	if (!keys)
		return NULL;
	for (i = 0; i < all->nr_exits; i++)
		keys[nr++] = (struct vm_key){ all->exits[i].vm_pid,
					      all->exits[i].vm_id };
	for (i = 0; i < all->nr_users; i++)
		keys[nr++] = (struct vm_key){ all->users[i].vm_pid,
					      all->users[i].vm_id };
	for (i = 0; in->add_idle_vms && i < in->nr_vms; i++)
		keys[nr++] =
			(struct vm_key){ in->vms[i].pid, in->vms[i].vm_id };
	qsort(keys, nr, sizeof(*keys), cmp_key);

	*nr_keys = 0;
	for (i = 0; i < nr; i++)
		if (!*nr_keys || cmp_key(&keys[*nr_keys - 1], &keys[i]))
			keys[(*nr_keys)++] = keys[i];
	return keys;
}

/* Splits off the front of s: the records of the VM key. */
static struct slice take_vm(struct slice *s, const struct vm_key *key)
{
	struct slice front = { .exits = s->exits, .users = s->users };

	while (front.nr_exits < s->nr_exits &&
	       !cmp_vm_key(s->exits[front.nr_exits].vm_pid,
			   s->exits[front.nr_exits].vm_id, key->pid,
			   key->vm_id))
		front.nr_exits++;
	while (front.nr_users < s->nr_users &&
	       !cmp_vm_key(s->users[front.nr_users].vm_pid,
			   s->users[front.nr_users].vm_id, key->pid,
			   key->vm_id))
		front.nr_users++;
	s->exits += front.nr_exits;
	s->nr_exits -= front.nr_exits;
	s->users += front.nr_users;
	s->nr_users -= front.nr_users;
	return front;
}

static void note_vm_states(struct exit_stats *stats,
			   const struct exit_stats_input *in)
{
	size_t i;

	/* No records and no idle VMs added: bsearch() wants a real array. */
	if (!stats->nr_vms)
		return;
	for (i = 0; i < in->nr_vms; i++) {
		struct vm_key key = { in->vms[i].pid, in->vms[i].vm_id };
		struct vm_stats *vm;

		vm = bsearch(&key, stats->vms, stats->nr_vms,
			     sizeof(*stats->vms), cmp_vm_stats_key);
		if (!vm)
			continue;
		vm->state = in->vms[i].state;
		snprintf(vm->comm, sizeof(vm->comm), "%s", in->vms[i].comm);
	}
}

/* Sorted copies of the records this view uses (not the per-VM sums). */
static int sorted_records(const struct exit_stats_input *in, struct slice *all)
{
	struct vmexit_record *exits;
	struct vmexit_user_record *users;
	size_t i;

	exits = calloc(in->nr_exits + 1, sizeof(*exits));
	users = calloc(in->nr_user_exits + 1, sizeof(*users));
	if (!exits || !users) {
		free(exits);
		free(users);
		return -ENOMEM;
	}
	all->nr_exits = 0;
	all->nr_users = 0;
	for (i = 0; i < in->nr_exits; i++)
		if (!in->exits[i].per_vm)
			exits[all->nr_exits++] = in->exits[i];
	for (i = 0; i < in->nr_user_exits; i++)
		if (!in->user_exits[i].per_vm)
			users[all->nr_users++] = in->user_exits[i];
	qsort(exits, all->nr_exits, sizeof(*exits), cmp_record);
	qsort(users, all->nr_users, sizeof(*users), cmp_user_record);
	all->exits = exits;
	all->users = users;
	return 0;
}

int exit_stats_build(const struct exit_stats_input *in,
		     struct exit_stats *stats)
{
	struct slice all, rest;
	struct vm_key *keys;
	size_t i, nr_keys = 0;
	int err;

	memset(stats, 0, sizeof(*stats));
	err = sorted_records(in, &all);
	if (err)
		return err;
	keys = vm_keys(in, &all, &nr_keys);
	if (!keys) {
		err = -ENOMEM;
		goto out;
	}
	if (nr_keys) {
		stats->vms = calloc(nr_keys, sizeof(*stats->vms));
		if (!stats->vms) {
			err = -ENOMEM;
			goto out;
		}
	}

	rest = all;
	for (i = 0; i < nr_keys; i++) {
		struct vm_stats *vm = &stats->vms[stats->nr_vms++];

		vm->pid = keys[i].pid;
		vm->vm_id = keys[i].vm_id;
		err = build_vm(vm, take_vm(&rest, &keys[i]));
		if (err)
			goto out;
		stats->total += vm->total;
	}
	note_vm_states(stats, in);
out:
	free(keys);
	free((void *)all.exits);
	free((void *)all.users);
	if (err)
		exit_stats_free(stats);
	return err;
}

int exit_stats_build_exits(const struct vmexit_record *recs, size_t nr,
			   struct exit_stats *stats)
{
	struct exit_stats_input in = { .exits = recs, .nr_exits = nr };

	return exit_stats_build(&in, stats);
}

void exit_stats_free(struct exit_stats *stats)
{
	size_t i, j;

	for (i = 0; i < stats->nr_vms; i++) {
		struct vm_stats *vm = &stats->vms[i];

		for (j = 0; j < vm->nr_vcpus; j++) {
			free(vm->vcpus[j].exits);
			free(vm->vcpus[j].user_exits);
		}
		free(vm->vcpus);
		free(vm->exits);
		free(vm->user_exits);
	}
	free(stats->vms);
	memset(stats, 0, sizeof(*stats));
}

static void display_name(const char *proc_root, uint32_t pid, uint32_t state,
			 const char *comm, char *name, size_t size)
{
	name[0] = '\0';
	if (state != VMEXIT_STAT_VM_ENDED)
		vm_name_lookup(proc_root, pid, name, size);
	if (!name[0] && comm)
		snprintf(name, size, "%s", comm);
}

void vm_display_name(const char *proc_root, const struct vmexit_vm *vm,
		     char *name, size_t size)
{
	display_name(proc_root, vm->pid, vm->state, vm->comm, name, size);
}

void exit_stats_name_vms(struct exit_stats *stats, const char *proc_root)
{
	size_t i;

	for (i = 0; i < stats->nr_vms; i++) {
		struct vm_stats *vm = &stats->vms[i];

		display_name(proc_root, vm->pid, vm->state, vm->comm, vm->name,
			     sizeof(vm->name));
	}
}

static struct json_object *flag_names_json(uint32_t flags)
{
	struct json_object *names = json_object_new_array();
	char buf[16];
	bool ok = true;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(exit_flag_names); i++) {
		if (!(flags & exit_flag_names[i].bit))
			continue;
		ok &= json_append(
			names, json_object_new_string(exit_flag_names[i].name));
		flags &= ~exit_flag_names[i].bit;
	}
	if (flags) {
		snprintf(buf, sizeof(buf), "0x%" PRIx32, flags);
		ok &= json_append(names, json_object_new_string(buf));
	}
	if (!ok) {
		json_object_put(names);
		return NULL;
	}
	return names;
}

static struct json_object *exit_json(const struct exit_count *exit)
{
	struct json_object *obj = json_object_new_object();
	char isa_buf[16], reason_buf[16];
	bool ok = true;

	ok &= json_add(obj, "isa",
		       json_object_new_string(exit_isa_label(exit->isa, isa_buf,
							     sizeof(isa_buf))));
	ok &= json_add(obj, "code", json_object_new_int64(exit->code));
	ok &= json_add(obj, "reason",
		       json_object_new_string(exit_reason_label(
			       exit->isa, exit->code, reason_buf,
			       sizeof(reason_buf))));
	if (exit->flags) {
		ok &= json_add(obj, "flags",
			       json_object_new_int64(exit->flags));
		ok &= json_add(obj, "flag_names", flag_names_json(exit->flags));
	}
	ok &= json_add(obj, "count", json_object_new_uint64(exit->count));
	if (exit->has_latency) {
		ok &= json_add(obj, "user_count",
			       json_object_new_uint64(exit->user_count));
		ok &= json_add(obj, "user_ns",
			       json_object_new_uint64(exit->user_ns));
		ok &= json_add(obj, "latency", latency_json(&exit->latency));
	}
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *user_exit_json(const struct user_exit_count *exit)
{
	struct json_object *obj = json_object_new_object();
	char reason_buf[16];
	bool ok = true;

	ok &= json_add(obj, "code", json_object_new_int64(exit->code));
	ok &= json_add(obj, "reason",
		       json_object_new_string(user_exit_label(
			       exit->code, reason_buf, sizeof(reason_buf))));
	ok &= json_add(obj, "count", json_object_new_uint64(exit->count));
	ok &= json_add(obj, "round_trip", latency_json(&exit->round_trip));
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static bool add_exit_arrays(struct json_object *obj,
			    const struct exit_count *exits, size_t nr_exits,
			    const struct user_exit_count *user_exits,
			    size_t nr_user_exits)
{
	struct json_object *exits_json = json_object_new_array();
	struct json_object *user_json = json_object_new_array();
	bool ok = true;
	size_t i;

	for (i = 0; i < nr_exits; i++)
		ok &= json_append(exits_json, exit_json(&exits[i]));
	for (i = 0; i < nr_user_exits; i++)
		ok &= json_append(user_json, user_exit_json(&user_exits[i]));
	ok &= json_add(obj, "exits", exits_json);
	ok &= json_add(obj, "user_exits", user_json);
	return ok;
}

static struct json_object *vcpu_json(const struct vcpu_stats *vcpu)
{
	struct json_object *obj = json_object_new_object();
	bool ok = true;

	ok &= json_add(obj, "vcpu", json_object_new_int64(vcpu->vcpu_id));
	ok &= json_add(obj, "tid", json_object_new_int64(vcpu->tid));
	ok &= json_add(obj, "total", json_object_new_uint64(vcpu->total));
	ok &= json_add(obj, "user_total",
		       json_object_new_uint64(vcpu->user_total));
	ok &= add_exit_arrays(obj, vcpu->exits, vcpu->nr_exits,
			      vcpu->user_exits, vcpu->nr_user_exits);
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *vm_json(const struct vm_stats *vm)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *vcpus = json_object_new_array();
	const char *state = vm_state_name(vm->state);
	char vm_id[20];
	bool ok = true;
	size_t i;

	/*
	 * vm_id is an opaque 64-bit value: as a JSON number it would lose
	 * bits in every parser that reads numbers as doubles (jq, JS).
	 */
	vm_id_format(vm->vm_id, vm_id, sizeof(vm_id));
	for (i = 0; i < vm->nr_vcpus; i++)
		ok &= json_append(vcpus, vcpu_json(&vm->vcpus[i]));
	ok &= json_add(obj, "pid", json_object_new_int64(vm->pid));
	ok &= json_add(obj, "vm_id", json_object_new_string(vm_id));
	ok &= json_add(obj, "name", json_object_new_string(vm->name));
	if (state)
		ok &= json_add(obj, "state", json_object_new_string(state));
	ok &= json_add(obj, "total", json_object_new_uint64(vm->total));
	ok &= json_add(obj, "user_total",
		       json_object_new_uint64(vm->user_total));
	ok &= add_exit_arrays(obj, vm->exits, vm->nr_exits, vm->user_exits,
			      vm->nr_user_exits);
	ok &= json_add(obj, "vcpus", vcpus);
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *isas_json(uint32_t isas)
{
	struct json_object *names = json_object_new_array();
	char buf[16];
	bool ok = true;
	unsigned int isa;

	for (isa = 0; isa < 32; isa++)
		if (isas & (1U << isa))
			ok &= json_append(names,
					  json_object_new_string(exit_isa_label(
						  isa, buf, sizeof(buf))));
	if (!ok) {
		json_object_put(names);
		return NULL;
	}
	return names;
}

static struct json_object *bpf_info_json(const struct vmexit_info *info)
{
	struct json_object *obj = json_object_new_object();
	bool ok = true;

	ok &= json_add(obj, "version", json_object_new_string(info->version));
	ok &= json_add(obj, "kernel", json_object_new_string(info->kernel));
	ok &= json_add(obj, "family_version",
		       json_object_new_int64(info->family_version));
	ok &= json_add(obj, "exits_seen",
		       json_object_new_uint64(info->exits_seen));
	ok &= json_add(obj, "entries_seen",
		       json_object_new_uint64(info->entries_seen));
	ok &= json_add(obj, "user_exits_seen",
		       json_object_new_uint64(info->user_exits_seen));
	ok &= json_add(obj, "exits_dropped",
		       json_object_new_uint64(info->exits_dropped));
	ok &= json_add(obj, "details_dropped",
		       json_object_new_uint64(info->details_dropped));
	ok &= json_add(obj, "lat_buckets",
		       json_object_new_int64(info->lat_buckets));
	ok &= json_add(obj, "slots_per_cpu",
		       json_object_new_int64(info->slots_per_cpu));
	ok &= json_add(obj, "exit_proto",
		       json_object_new_int64(info->exit_proto));
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

struct json_object *info_json(const struct vmexit_info *info, bool bpf)
{
	struct json_object *obj, *dropped;
	bool ok = true;

	if (bpf)
		return bpf_info_json(info);
	obj = json_object_new_object();
	dropped = json_object_new_object();
	ok &= json_add(obj, "version", json_object_new_string(info->version));
	ok &= json_add(obj, "kernel", json_object_new_string(info->kernel));
	ok &= json_add(obj, "family_version",
		       json_object_new_int64(info->family_version));
	ok &= json_add(obj, "exit_proto",
		       json_object_new_int64(info->exit_proto));
	ok &= json_add(obj, "isas", isas_json(info->isas));
	ok &= json_add(obj, "exits_seen",
		       json_object_new_uint64(info->exits_seen));
	ok &= json_add(obj, "entries_seen",
		       json_object_new_uint64(info->entries_seen));
	ok &= json_add(obj, "user_exits_seen",
		       json_object_new_uint64(info->user_exits_seen));
	ok &= json_add(obj, "exits_dropped",
		       json_object_new_uint64(info->exits_dropped));
	ok &= json_add(dropped, "no_vcpu_slot",
		       json_object_new_uint64(info->dropped_no_vcpu_slot));
	ok &= json_add(dropped, "no_reason_slot",
		       json_object_new_uint64(info->dropped_no_reason_slot));
	ok &= json_add(dropped, "unreadable",
		       json_object_new_uint64(info->dropped_unreadable));
	ok &= json_add(obj, "dropped", dropped);
	ok &= json_add(obj, "details_dropped",
		       json_object_new_uint64(info->details_dropped));
	ok &= json_add(obj, "events_dropped",
		       json_object_new_uint64(info->events_dropped));
	ok &= json_add(obj, "memory_bytes",
		       json_object_new_uint64(info->memory_bytes));
	ok &= json_add(obj, "memory_used_bytes",
		       json_object_new_uint64(info->memory_used_bytes));
	ok &= json_add(obj, "vcpu_slots",
		       json_object_new_int64(info->vcpu_slots));
	ok &= json_add(obj, "vcpu_slots_used",
		       json_object_new_int64(info->vcpu_slots_used));
	ok &= json_add(obj, "vms", json_object_new_int64(info->vms));
	ok &= json_add(obj, "lat_buckets",
		       json_object_new_int64(info->lat_buckets));
	ok &= json_add(obj, "sched_switches_seen",
		       json_object_new_uint64(info->sched_switches_seen));
	ok &= json_add(obj, "sched_missed",
		       json_object_new_uint64(info->sched_missed));
	ok &= json_add(obj, "markers_seen",
		       json_object_new_uint64(info->markers_seen));
	ok &= json_add(obj, "markers_unmatched",
		       json_object_new_uint64(info->markers_unmatched));
	ok &= json_add(obj, "phases_dropped",
		       json_object_new_uint64(info->phases_dropped));
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *filter_json(const struct vmexit_filter *filter)
{
	struct json_object *obj = json_object_new_object();
	char vm_id[20];
	bool ok = true;

	if (filter->by_pid)
		ok &= json_add(obj, "pid", json_object_new_int64(filter->pid));
	if (filter->by_vm_id) {
		vm_id_format(filter->vm_id, vm_id, sizeof(vm_id));
		ok &= json_add(obj, "vm_id", json_object_new_string(vm_id));
	}
	if (filter->by_vcpu)
		ok &= json_add(obj, "vcpu",
			       json_object_new_int64(filter->vcpu_id));
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

struct json_object *exit_stats_json(const struct exit_stats *stats,
				    const struct vmexit_info *info,
				    const struct vmexit_filter *filter,
				    const char *backend)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *vms = json_object_new_array();
	bool bpf = !strcmp(backend, "bpf");
	bool ok = true;
	size_t i;

	for (i = 0; i < stats->nr_vms; i++)
		ok &= json_append(vms, vm_json(&stats->vms[i]));
	ok &= json_add(doc, "backend", json_object_new_string(backend));
	if (info)
		ok &= json_add(doc, "info", info_json(info, bpf));
	ok &= json_add(doc, "filter",
		       filter_json(filter ? filter :
					    &(struct vmexit_filter){}));
	ok &= json_add(doc, "total", json_object_new_uint64(stats->total));
	ok &= json_add(doc, "vms", vms);
	if (!ok) {
		json_object_put(doc);
		return NULL;
	}
	return doc;
}

/* Text view. */

static const char *exit_label(const struct exit_count *exit, char *buf,
			      size_t len)
{
	char code_buf[16];
	const char *reason;
	size_t used, i;

	reason = exit_reason_label(exit->isa, exit->code, code_buf,
				   sizeof(code_buf));
	used = snprintf(buf, len, "%s", reason);
	for (i = 0; i < ARRAY_SIZE(exit_flag_names) && used < len; i++)
		if (exit->flags & exit_flag_names[i].bit)
			used += snprintf(buf + used, len - used, "+%s",
					 exit_flag_names[i].name);
	return buf;
}

static bool any_latency(const struct exit_count *exits, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (exits[i].has_latency)
			return true;
	return false;
}

/* avg, p50, p99, max of a latency, each in a 9-wide column. */
static void print_latency_columns(FILE *out, const struct vmexit_latency *lat)
{
	char avg[16], p50[16], p99[16], max[16];
	bool none = !lat->count;

	fprintf(out, " %9s %9s %9s %9s",
		latency_format_ns(latency_avg_ns(lat), none, avg, sizeof(avg)),
		latency_format_ns(latency_percentile_ns(lat, 50), none, p50,
				  sizeof(p50)),
		latency_format_ns(latency_percentile_ns(lat, 99), none, p99,
				  sizeof(p99)),
		latency_format_ns(lat->max_ns, none, max, sizeof(max)));
}

static void print_table(FILE *out, const char *indent,
			const struct exit_count *exits, size_t nr,
			uint64_t total)
{
	bool timed = any_latency(exits, nr);
	char label[96];
	size_t i;

	if (!nr)
		return;
	if (!timed) {
		fprintf(out, "%s%-40s %14s %7s\n", indent, "exit reason",
			"count", "%");
		for (i = 0; i < nr; i++)
			fprintf(out, "%s%-40s %14" PRIu64 " %7.2f\n", indent,
				exit_label(&exits[i], label, sizeof(label)),
				exits[i].count,
				total ? 100.0 * exits[i].count / total : 0.0);
		return;
	}

	fprintf(out, "%s%-32s %14s %7s %12s %9s %9s %9s %9s\n", indent,
		"exit reason", "count", "%", "to user", "avg", "p50", "p99",
		"max");
	for (i = 0; i < nr; i++) {
		fprintf(out, "%s%-32s %14" PRIu64 " %7.2f %12" PRIu64, indent,
			exit_label(&exits[i], label, sizeof(label)),
			exits[i].count,
			total ? 100.0 * exits[i].count / total : 0.0,
			exits[i].user_count);
		print_latency_columns(out, &exits[i].latency);
		fputc('\n', out);
	}
}

static void print_user_table(FILE *out, const char *indent,
			     const struct user_exit_count *exits, size_t nr)
{
	char label[16];
	size_t i;

	if (!nr)
		return;
	fprintf(out, "\n%s%-32s %14s %7s %12s %9s %9s %9s %9s\n", indent,
		"exit to user space", "count", "", "round trip", "avg", "p50",
		"p99", "max");
	for (i = 0; i < nr; i++) {
		fprintf(out, "%s%-32s %14" PRIu64 " %7s %12s", indent,
			user_exit_label(exits[i].code, label, sizeof(label)),
			exits[i].count, "", "");
		print_latency_columns(out, &exits[i].round_trip);
		fputc('\n', out);
	}
}

/* The opaque vm_id only helps a reader when one process runs two VMs. */
static bool pid_has_other_vm(const struct exit_stats *stats, size_t index)
{
	const struct vm_stats *vm = &stats->vms[index];

	return (index > 0 && stats->vms[index - 1].pid == vm->pid) ||
	       (index + 1 < stats->nr_vms &&
		stats->vms[index + 1].pid == vm->pid);
}

static void print_vm_header(FILE *out, const struct exit_stats *stats,
			    size_t index)
{
	const struct vm_stats *vm = &stats->vms[index];
	const char *state = vm_state_name(vm->state);
	char vm_id[20];

	fprintf(out, "VM pid %" PRIu32, vm->pid);
	if (pid_has_other_vm(stats, index)) {
		vm_id_format(vm->vm_id, vm_id, sizeof(vm_id));
		fprintf(out, " vm_id %s", vm_id);
	}
	fprintf(out, " (%s)", vm->name[0] ? vm->name : "?");
	if (state)
		fprintf(out, ", %s", state);
	fprintf(out, ": %" PRIu64 " exits", vm->total);
	if (vm->nr_user_exits)
		fprintf(out, ", %" PRIu64 " to user space", vm->user_total);
	fputc('\n', out);
}

static void print_drops(FILE *out, const struct vmexit_info *info)
{
	if (!info || !info->exits_dropped)
		return;
	fprintf(out,
		"\n%" PRIu64 " of %" PRIu64 " exits were dropped: counts are "
		"lower bounds",
		info->exits_dropped, info->exits_seen);
	if (info->dropped_no_vcpu_slot || info->dropped_no_reason_slot ||
	    info->dropped_unreadable)
		fprintf(out,
			" (no vCPU slot %" PRIu64 ", no reason slot %" PRIu64
			", unreadable %" PRIu64 ")",
			info->dropped_no_vcpu_slot,
			info->dropped_no_reason_slot, info->dropped_unreadable);
	fputc('\n', out);
}

void exit_stats_print(FILE *out, const struct exit_stats *stats,
		      const struct vmexit_info *info, bool per_vcpu)
{
	size_t i, j;

	if (!stats->nr_vms)
		fprintf(out, "no VM exits counted\n");

	for (i = 0; i < stats->nr_vms; i++) {
		const struct vm_stats *vm = &stats->vms[i];

		if (i)
			fputc('\n', out);
		print_vm_header(out, stats, i);
		print_table(out, "  ", vm->exits, vm->nr_exits, vm->total);
		print_user_table(out, "  ", vm->user_exits, vm->nr_user_exits);

		for (j = 0; per_vcpu && j < vm->nr_vcpus; j++) {
			const struct vcpu_stats *vcpu = &vm->vcpus[j];

			fprintf(out, "\n  vCPU %" PRIu32, vcpu->vcpu_id);
			if (vcpu->tid)
				fprintf(out, " (tid %" PRIu32 ")", vcpu->tid);
			fprintf(out, ": %" PRIu64 " exits", vcpu->total);
			if (vcpu->nr_user_exits)
				fprintf(out, ", %" PRIu64 " to user space",
					vcpu->user_total);
			fputc('\n', out);
			print_table(out, "    ", vcpu->exits, vcpu->nr_exits,
				    vcpu->total);
			print_user_table(out, "    ", vcpu->user_exits,
					 vcpu->nr_user_exits);
		}
	}
	print_drops(out, info);
}
