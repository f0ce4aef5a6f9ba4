// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz: malformed, random and valid requests to the vmexit_stat generic
 * netlink family.
 *
 * It checks what the contract (include/uapi/linux/vmexit_stat.h) promises
 * whatever a sender throws at the family: the family stays registered,
 * valid requests keep working, what the contract says is refused (unknown
 * commands and attributes, wrong sizes and types, leftover bytes) is
 * refused with a reason, and nothing a sender lacks the permission for is
 * ever granted.  Every answer is read, dumps to their end or abandoned on
 * purpose, so the kernel's side of each path runs.
 *
 * The requests depend only on --seed and the case number, never on the
 * kernel's answers, so "--seed S --case N" replays one case.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/vmexit_stat.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define DEFAULT_CASES 10000
#define DEFAULT_PROBE_EVERY 1000
#define DEFAULT_TIMEOUT_S 30
#define MAX_MSGS 16
#define MAX_DGRAMS 2
#define MAX_DUMP_PARTS 1000000
#define MAX_REPORTED 25
#define CAPTURE_MAX 4096
#define RX_SIZE 8192
#define GENL_HDR_END (NLMSG_HDRLEN + GENL_HDRLEN)
/* Attribute types have 14 bits; the top two are the nest and order flags. */
#define ATTR_TYPE_MAX 0x3fff
#define MAX_CASES 10000000

/* Capability numbers, as in linux/capability.h. */
#define CAP_NUM_NET_ADMIN 12
#define CAP_NUM_SYS_ADMIN 21
#define CAP_NUM_PERFMON 38

/* ---- the contract ------------------------------------------------- */

enum attr_kind { AK_FLAG, AK_U8, AK_U32, AK_U64 };

/*
 * A request attribute.  Values in [min, valid_max] are sent as valid;
 * with a range, values outside [min, max] must be refused.
 */
struct attr_spec {
	uint16_t type;
	enum attr_kind kind;
	uint64_t min;
	uint64_t valid_max; /* 0: any value */
	bool ranged;
	uint64_t max;
};

struct op_spec {
	const char *name;
	uint8_t cmd;
	bool dump;
	bool admin; /* else a read: CAP_PERFMON or unprivileged_read */
	uint16_t space_max; /* highest type of its attribute set */
	const struct attr_spec *attrs; /* what a request may carry */
	size_t nr_attrs;
	/* Summing the vCPUs and picking one of them contradict each other. */
	uint16_t by_vm;
	uint16_t vcpu_id;
	bool needs_one; /* a request without attributes asks nothing */
};

#define U32(t)                              \
	{                                   \
		.type = (t), .kind = AK_U32 \
	}
#define U64(t)                              \
	{                                   \
		.type = (t), .kind = AK_U64 \
	}
#define FLAG(t)                              \
	{                                    \
		.type = (t), .kind = AK_FLAG \
	}

static const struct attr_spec exit_attrs[] = {
	U32(VMEXIT_STAT_A_EXIT_VM_PID),
	U64(VMEXIT_STAT_A_EXIT_VM_ID),
	U32(VMEXIT_STAT_A_EXIT_VCPU_ID),
	FLAG(VMEXIT_STAT_A_EXIT_BY_VM),
};

static const struct attr_spec uexit_attrs[] = {
	U32(VMEXIT_STAT_A_UEXIT_VM_PID),
	U64(VMEXIT_STAT_A_UEXIT_VM_ID),
	U32(VMEXIT_STAT_A_UEXIT_VCPU_ID),
	FLAG(VMEXIT_STAT_A_UEXIT_BY_VM),
};

static const struct attr_spec detail_attrs[] = {
	U32(VMEXIT_STAT_A_DETAIL_VM_PID),
	U64(VMEXIT_STAT_A_DETAIL_VM_ID),
	{ .type = VMEXIT_STAT_A_DETAIL_LIMIT,
	  .kind = AK_U32,
	  .min = 1,
	  .valid_max = 64,
	  .ranged = true,
	  .max = 1024 },
};

static const struct attr_spec vm_attrs[] = {
	U32(VMEXIT_STAT_A_VM_PID),
	U64(VMEXIT_STAT_A_VM_ID),
};

static const struct attr_spec set_config_attrs[] = {
	{ .type = VMEXIT_STAT_A_CONFIG_LATENCY,
	  .kind = AK_U8,
	  .valid_max = 1,
	  .ranged = true,
	  .max = 1 },
	{ .type = VMEXIT_STAT_A_CONFIG_DETAILS,
	  .kind = AK_U8,
	  .valid_max = 1,
	  .ranged = true,
	  .max = 1 },
	U32(VMEXIT_STAT_A_CONFIG_ENDED_VM_TTL_S),
	{ .type = VMEXIT_STAT_A_CONFIG_SCHED,
	  .kind = AK_U8,
	  .valid_max = 1,
	  .ranged = true,
	  .max = 1 },
};

static const struct attr_spec sched_attrs[] = {
	U32(VMEXIT_STAT_A_SCHED_VM_PID),
	U64(VMEXIT_STAT_A_SCHED_VM_ID),
	U32(VMEXIT_STAT_A_SCHED_VCPU_ID),
	FLAG(VMEXIT_STAT_A_SCHED_BY_VM),
};

/* The lab has 2 CPUs: 0 and 1 exist; a CPU that does not is refused. */
static const struct attr_spec cpu_sched_attrs[] = {
	{ .type = VMEXIT_STAT_A_PCPU_CPU, .kind = AK_U32, .valid_max = 1 },
};

static const struct attr_spec phase_attrs[] = {
	U32(VMEXIT_STAT_A_PHASE_VM_PID),
	U64(VMEXIT_STAT_A_PHASE_VM_ID),
	U32(VMEXIT_STAT_A_PHASE_VCPU_ID),
	{ .type = VMEXIT_STAT_A_PHASE_ID,
	  .kind = AK_U32,
	  .valid_max = VMEXIT_STAT_PHASE_ID_MAX,
	  .ranged = true,
	  .max = VMEXIT_STAT_PHASE_ID_MAX },
};

#define ATTRS(a) .attrs = (a), .nr_attrs = ARRAY_SIZE(a)

static const struct op_spec ops[] = {
	{ .name = "get-info",
	  .cmd = VMEXIT_STAT_CMD_GET_INFO,
	  .space_max = VMEXIT_STAT_A_INFO_MAX },
	{ .name = "get-exits",
	  .cmd = VMEXIT_STAT_CMD_GET_EXITS,
	  .dump = true,
	  .space_max = VMEXIT_STAT_A_EXIT_MAX,
	  ATTRS(exit_attrs),
	  .by_vm = VMEXIT_STAT_A_EXIT_BY_VM,
	  .vcpu_id = VMEXIT_STAT_A_EXIT_VCPU_ID },
	{ .name = "reset",
	  .cmd = VMEXIT_STAT_CMD_RESET,
	  .admin = true,
	  .space_max = VMEXIT_STAT_A_EXIT_MAX },
	{ .name = "get-user-exits",
	  .cmd = VMEXIT_STAT_CMD_GET_USER_EXITS,
	  .dump = true,
	  .space_max = VMEXIT_STAT_A_UEXIT_MAX,
	  ATTRS(uexit_attrs),
	  .by_vm = VMEXIT_STAT_A_UEXIT_BY_VM,
	  .vcpu_id = VMEXIT_STAT_A_UEXIT_VCPU_ID },
	{ .name = "get-details",
	  .cmd = VMEXIT_STAT_CMD_GET_DETAILS,
	  .dump = true,
	  .space_max = VMEXIT_STAT_A_DETAIL_MAX,
	  ATTRS(detail_attrs) },
	{ .name = "get-vms",
	  .cmd = VMEXIT_STAT_CMD_GET_VMS,
	  .dump = true,
	  .space_max = VMEXIT_STAT_A_VM_MAX,
	  ATTRS(vm_attrs) },
	{ .name = "get-config",
	  .cmd = VMEXIT_STAT_CMD_GET_CONFIG,
	  .space_max = VMEXIT_STAT_A_CONFIG_MAX },
	{ .name = "set-config",
	  .cmd = VMEXIT_STAT_CMD_SET_CONFIG,
	  .admin = true,
	  .space_max = VMEXIT_STAT_A_CONFIG_MAX,
	  ATTRS(set_config_attrs),
	  .needs_one = true },
	{ .name = "get-sched",
	  .cmd = VMEXIT_STAT_CMD_GET_SCHED,
	  .dump = true,
	  .space_max = VMEXIT_STAT_A_SCHED_MAX,
	  ATTRS(sched_attrs),
	  .by_vm = VMEXIT_STAT_A_SCHED_BY_VM,
	  .vcpu_id = VMEXIT_STAT_A_SCHED_VCPU_ID },
	{ .name = "get-cpu-sched",
	  .cmd = VMEXIT_STAT_CMD_GET_CPU_SCHED,
	  .dump = true,
	  .space_max = VMEXIT_STAT_A_PCPU_MAX,
	  ATTRS(cpu_sched_attrs) },
	{ .name = "get-phases",
	  .cmd = VMEXIT_STAT_CMD_GET_PHASES,
	  .dump = true,
	  .space_max = VMEXIT_STAT_A_PHASE_MAX,
	  ATTRS(phase_attrs) },
};

static const struct op_spec *find_op(unsigned int cmd, bool dump)
{
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		if (ops[i].cmd == cmd && ops[i].dump == dump)
			return &ops[i];
	return NULL;
}

static bool attr_accepted(const struct op_spec *op, unsigned int type)
{
	for (size_t i = 0; i < op->nr_attrs; i++)
		if (op->attrs[i].type == type)
			return true;
	return false;
}

/* ---- reproducible randomness ---------------------------------------- */

struct rng {
	uint64_t state;
};

/* splitmix64: tiny, and the same sequence on every machine. */
static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rng_below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rng_next(r) % n) : 0;
}

static bool rng_percent(struct rng *r, unsigned int percent)
{
	return rng_below(r, 100) < percent;
}

/* Lengths spread over orders of magnitude, not bunched at the top. */
static uint32_t rng_log_len(struct rng *r, uint32_t max)
{
	uint32_t bits = 1 + rng_below(r, 32 - __builtin_clz(max));
	uint32_t len = (uint32_t)(rng_next(r) & ((1ULL << bits) - 1));

	return len > max ? max : len;
}

static void rng_fill(struct rng *r, uint8_t *p, size_t n)
{
	while (n) {
		uint64_t v = rng_next(r);
		size_t k = n < 8 ? n : 8;

		memcpy(p, &v, k);
		p += k;
		n -= k;
	}
}

/* ---- message building ------------------------------------------------ */

struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fprintf(stderr, "nlfuzz: out of memory\n");
		exit(2);
	}
	return p;
}

static void buf_reserve(struct buf *b, size_t extra)
{
	if (b->len + extra <= b->cap)
		return;
	b->cap = (b->len + extra) * 2;
	b->data = xrealloc(b->data, b->cap);
}

static void buf_put(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void buf_zeros(struct buf *b, size_t n)
{
	if (!n)
		return;
	buf_reserve(b, n);
	memset(b->data + b->len, 0, n);
	b->len += n;
}

static void buf_random(struct buf *b, struct rng *r, size_t n)
{
	buf_reserve(b, n);
	rng_fill(r, b->data + b->len, n);
	b->len += n;
}

static void buf_align(struct buf *b)
{
	buf_zeros(b, NLMSG_ALIGN(b->len) - b->len);
}

static void buf_free(struct buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static void put_u16_at(struct buf *b, size_t off, uint16_t v)
{
	memcpy(b->data + off, &v, sizeof(v));
}

static void put_u32_at(struct buf *b, size_t off, uint32_t v)
{
	memcpy(b->data + off, &v, sizeof(v));
}

static uint32_t get_u32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t get_u16_at(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Starts a generic netlink message; returns where it starts. */
static size_t msg_begin(struct buf *b, uint16_t family, uint16_t flags,
			uint32_t seq, uint8_t cmd)
{
	struct nlmsghdr nlh = {
		.nlmsg_type = family,
		.nlmsg_flags = flags,
		.nlmsg_seq = seq,
	};
	struct genlmsghdr genl = { .cmd = cmd, .version = 1 };
	size_t off;

	buf_align(b);
	off = b->len;
	buf_put(b, &nlh, sizeof(nlh));
	buf_put(b, &genl, sizeof(genl));
	return off;
}

/* nlmsg_len covers everything put since msg_begin(). */
static void msg_end(struct buf *b, size_t off)
{
	put_u32_at(b, off, (uint32_t)(b->len - off));
}

static void attr_put(struct buf *b, uint16_t type, const void *p, size_t n)
{
	struct nlattr nla = { .nla_len = (uint16_t)(NLA_HDRLEN + n),
			      .nla_type = type };

	buf_put(b, &nla, sizeof(nla));
	buf_put(b, p, n);
	buf_align(b);
}

static void attr_put_value(struct buf *b, uint16_t type, enum attr_kind kind,
			   uint64_t v)
{
	uint8_t u8 = (uint8_t)v;
	uint32_t u32 = (uint32_t)v;

	switch (kind) {
	case AK_FLAG:
		attr_put(b, type, NULL, 0);
		break;
	case AK_U8:
		attr_put(b, type, &u8, 1);
		break;
	case AK_U32:
		attr_put(b, type, &u32, 4);
		break;
	case AK_U64:
		attr_put(b, type, &v, 8);
		break;
	}
}

/* NLA_ALIGN() is an int; lengths here are sizes. */
static size_t nla_step(uint16_t nla_len)
{
	return ((size_t)nla_len + NLA_ALIGNTO - 1) & ~(size_t)(NLA_ALIGNTO - 1);
}

static size_t nest_begin(struct buf *b, uint16_t type)
{
	size_t off = b->len;

	attr_put(b, type | NLA_F_NESTED, NULL, 0);
	return off;
}

static void nest_end(struct buf *b, size_t off)
{
	put_u16_at(b, off, (uint16_t)(b->len - off));
}

/* ---- the cases --------------------------------------------------------- */

enum category {
	CAT_VALID,
	CAT_CMD_SWEEP,
	CAT_WRONG_MODE,
	CAT_UNKNOWN_ATTR,
	CAT_WRONG_SIZE,
	CAT_WRONG_TYPE,
	CAT_NESTED_GARBAGE,
	CAT_OUT_OF_RANGE,
	CAT_DUPLICATE,
	CAT_TRAILING,
	CAT_TRUNCATED,
	CAT_OVERSIZED,
	CAT_ZERO_LENGTH,
	CAT_RANDOM_BYTES,
	CAT_HEADER_FLAGS,
	CAT_BATCH,
	CAT_DUMP_ABANDON,
	NR_CATEGORIES,
	CAT_PROBE = NR_CATEGORIES,
	NR_COUNTED
};

static const char *const category_names[NR_COUNTED] = {
	[CAT_VALID] = "valid",
	[CAT_CMD_SWEEP] = "cmd_sweep",
	[CAT_WRONG_MODE] = "wrong_mode",
	[CAT_UNKNOWN_ATTR] = "unknown_attr",
	[CAT_WRONG_SIZE] = "wrong_size",
	[CAT_WRONG_TYPE] = "wrong_type",
	[CAT_NESTED_GARBAGE] = "nested_garbage",
	[CAT_OUT_OF_RANGE] = "out_of_range",
	[CAT_DUPLICATE] = "duplicate",
	[CAT_TRAILING] = "trailing",
	[CAT_TRUNCATED] = "truncated",
	[CAT_OVERSIZED] = "oversized",
	[CAT_ZERO_LENGTH] = "zero_length",
	[CAT_RANDOM_BYTES] = "random_bytes",
	[CAT_HEADER_FLAGS] = "header_flags",
	[CAT_BATCH] = "batch",
	[CAT_DUMP_ABANDON] = "dump_abandon",
	[CAT_PROBE] = "probe",
};

/*
 * What the contract says of one message, set by the generator.
 * WELL_FORMED: granted to a permitted sender, EPERM to the others.
 * MUST_REFUSE: refused whoever sends it, with an extack message when the
 * sender was permitted (so the refusal is the policy's, which says why).
 */
enum {
	NOTE_WELL_FORMED = 1 << 0,
	NOTE_MUST_REFUSE = 1 << 1,
};

struct note {
	size_t off; /* where the message starts in its datagram */
	unsigned int flags;
	const char *what;
};

struct dgram {
	struct buf buf;
	struct note notes[MAX_MSGS];
	size_t nr_notes;
};

struct fuzz_case {
	uint64_t index;
	enum category cat;
	uint64_t nth; /* earlier cases of the same category */
	struct dgram dgrams[MAX_DGRAMS];
	size_t nr_dgrams;
	bool close_unread; /* close the socket right after sending */
	bool abandon; /* close it with dumps still running */
};

struct gen {
	struct rng rng;
	uint16_t family;
	uint32_t next_seq;
	uint32_t own_pid;
};

static void note(struct dgram *d, size_t off, unsigned int flags,
		 const char *what)
{
	if (d->nr_notes == MAX_MSGS)
		return;
	d->notes[d->nr_notes++] = (struct note){ off, flags, what };
}

static const struct op_spec *random_op(struct gen *g)
{
	return &ops[rng_below(&g->rng, ARRAY_SIZE(ops))];
}

static const struct op_spec *random_op_with_attrs(struct gen *g)
{
	const struct op_spec *op;

	do
		op = random_op(g);
	while (!op->nr_attrs);
	return op;
}

static uint64_t valid_value(struct gen *g, const struct attr_spec *a)
{
	if (a->valid_max)
		return a->min + rng_below(&g->rng, (uint32_t)(a->valid_max -
							      a->min + 1));
	switch (rng_below(&g->rng, 4)) {
	case 0:
		return g->own_pid;
	case 1:
		return rng_below(&g->rng, 4);
	case 2:
		return 1;
	default:
		return rng_next(&g->rng);
	}
}

static void put_valid_attr(struct gen *g, struct buf *b,
			   const struct attr_spec *a)
{
	attr_put_value(b, a->type, a->kind, valid_value(g, a));
}

/* A random subset of the attributes the request may carry. */
static void put_valid_attrs(struct gen *g, struct buf *b,
			    const struct op_spec *op)
{
	uint32_t mask = (uint32_t)rng_next(&g->rng) &
			((1u << op->nr_attrs) - 1);
	uint32_t by_vm = 0, vcpu_id = 0;

	for (size_t i = 0; i < op->nr_attrs; i++) {
		if (op->by_vm && op->attrs[i].type == op->by_vm)
			by_vm = 1u << i;
		if (op->vcpu_id && op->attrs[i].type == op->vcpu_id)
			vcpu_id = 1u << i;
	}
	if ((mask & by_vm) && (mask & vcpu_id))
		mask &= ~(rng_percent(&g->rng, 50) ? by_vm : vcpu_id);
	if (op->needs_one && !mask)
		mask = 1u << rng_below(&g->rng, (uint32_t)op->nr_attrs);
	for (size_t i = 0; i < op->nr_attrs; i++)
		if (mask & (1u << i))
			put_valid_attr(g, b, &op->attrs[i]);
}

static uint16_t request_flags(struct gen *g, bool dump)
{
	uint16_t flags = NLM_F_REQUEST;

	if (dump)
		flags |= NLM_F_DUMP;
	/* Without ACK a granted do-request answers nothing, or its reply. */
	if (dump || rng_percent(&g->rng, 85))
		flags |= NLM_F_ACK;
	return flags;
}

static size_t begin_op(struct gen *g, struct buf *b, const struct op_spec *op,
		       bool dump)
{
	return msg_begin(b, g->family, request_flags(g, dump), g->next_seq++,
			 op->cmd);
}

static size_t put_valid_request(struct gen *g, struct dgram *d,
				const struct op_spec *op)
{
	size_t off = begin_op(g, &d->buf, op, op->dump);

	put_valid_attrs(g, &d->buf, op);
	msg_end(&d->buf, off);
	note(d, off, NOTE_WELL_FORMED, op->name);
	return off;
}

/* An attribute type the op's request must not carry. */
static uint16_t unknown_type(struct gen *g, const struct op_spec *op)
{
	uint16_t candidates[64];
	size_t n = 0;

	for (unsigned int t = 1; t <= op->space_max && n < 64; t++)
		if (!attr_accepted(op, t))
			candidates[n++] = (uint16_t)t;

	switch (rng_below(&g->rng, 5)) {
	case 0:
		return 0;
	case 1:
	case 2:
		if (n)
			return candidates[rng_below(&g->rng, (uint32_t)n)];
		/* fall through */
	case 3:
		return (uint16_t)(op->space_max + 1 + rng_below(&g->rng, 8));
	default:
		return (uint16_t)(op->space_max + 1 +
				  rng_below(&g->rng,
					    ATTR_TYPE_MAX - op->space_max));
	}
}

static void put_unknown_attr(struct gen *g, struct buf *b,
			     const struct op_spec *op)
{
	uint16_t type = unknown_type(g, op);
	uint8_t payload[64];
	size_t len;

	switch (rng_below(&g->rng, 4)) {
	case 0:
		len = 4;
		break;
	case 1:
		len = 8;
		break;
	case 2:
		len = 0;
		break;
	default:
		len = rng_below(&g->rng, sizeof(payload) + 1);
		break;
	}
	if (rng_percent(&g->rng, 15))
		type |= NLA_F_NET_BYTEORDER;
	rng_fill(&g->rng, payload, len);
	attr_put(b, type, payload, len);
}

static void gen_valid(struct gen *g, struct fuzz_case *fc)
{
	put_valid_request(g, &fc->dgrams[0], random_op(g));
}

/* Every command number 0..40, do and dump, whatever the seed. */
static void gen_cmd_sweep(struct gen *g, struct fuzz_case *fc)
{
	uint64_t k = fc->nth;
	uint8_t cmd = (uint8_t)((k / 2) % 41);
	bool dump = k % 2;
	const struct op_spec *op = find_op(cmd, dump);
	struct dgram *d = &fc->dgrams[0];
	size_t off;

	off = msg_begin(&d->buf, g->family,
			NLM_F_REQUEST | NLM_F_ACK | (dump ? NLM_F_DUMP : 0),
			g->next_seq++, cmd);
	msg_end(&d->buf, off);
	/* SET_CONFIG with nothing to set: the contract does not say. */
	if (op && op->cmd != VMEXIT_STAT_CMD_SET_CONFIG)
		note(d, off, NOTE_WELL_FORMED, op->name);
}

static void gen_wrong_mode(struct gen *g, struct fuzz_case *fc)
{
	const struct op_spec *op = random_op(g);
	struct dgram *d = &fc->dgrams[0];
	size_t off = begin_op(g, &d->buf, op, !op->dump);

	put_valid_attrs(g, &d->buf, op);
	msg_end(&d->buf, off);
	note(d, off, NOTE_MUST_REFUSE, "do/dump swapped");
}

/* Valid attributes with one the request must not carry among them. */
static void gen_unknown_attr(struct gen *g, struct fuzz_case *fc)
{
	const struct op_spec *op = random_op(g);
	struct dgram *d = &fc->dgrams[0];
	size_t off = begin_op(g, &d->buf, op, op->dump);
	size_t at = rng_below(&g->rng, (uint32_t)op->nr_attrs + 1);

	for (size_t i = 0; i <= op->nr_attrs; i++) {
		if (i == at)
			put_unknown_attr(g, &d->buf, op);
		if (i < op->nr_attrs && rng_percent(&g->rng, 50))
			put_valid_attr(g, &d->buf, &op->attrs[i]);
	}
	msg_end(&d->buf, off);
	note(d, off, NOTE_MUST_REFUSE, "unknown attribute");
}

static size_t wrong_size(struct gen *g, enum attr_kind kind)
{
	static const size_t u8_sizes[] = { 0, 2, 3, 4, 8 };
	static const size_t u32_sizes[] = { 0, 1, 2, 3, 5, 6, 7, 8, 16 };
	static const size_t u64_sizes[] = { 0, 1, 2, 3, 4, 5, 6, 7, 9, 12, 16 };
	static const size_t flag_sizes[] = { 1, 2, 4, 8 };

	switch (kind) {
	case AK_U8:
		return u8_sizes[rng_below(&g->rng, ARRAY_SIZE(u8_sizes))];
	case AK_U32:
		return u32_sizes[rng_below(&g->rng, ARRAY_SIZE(u32_sizes))];
	case AK_U64:
		return u64_sizes[rng_below(&g->rng, ARRAY_SIZE(u64_sizes))];
	case AK_FLAG:
		break;
	}
	return flag_sizes[rng_below(&g->rng, ARRAY_SIZE(flag_sizes))];
}

static void gen_wrong_size(struct gen *g, struct fuzz_case *fc)
{
	const struct op_spec *op = random_op_with_attrs(g);
	const struct attr_spec *bad =
		&op->attrs[rng_below(&g->rng, (uint32_t)op->nr_attrs)];
	struct dgram *d = &fc->dgrams[0];
	size_t off = begin_op(g, &d->buf, op, op->dump);
	uint8_t payload[16];
	size_t len = wrong_size(g, bad->kind);

	for (size_t i = 0; i < op->nr_attrs; i++) {
		if (&op->attrs[i] == bad) {
			rng_fill(&g->rng, payload, len);
			attr_put(&d->buf, bad->type, payload, len);
		} else if (rng_percent(&g->rng, 50)) {
			put_valid_attr(g, &d->buf, &op->attrs[i]);
		}
	}
	msg_end(&d->buf, off);
	note(d, off, NOTE_MUST_REFUSE, "attribute of the wrong size");
}

/* Random sub-attributes, some of them lying about their length. */
static void put_garbage_nest(struct gen *g, struct buf *b, uint16_t type,
			     unsigned int depth)
{
	size_t nest = nest_begin(b, type);
	unsigned int n = rng_below(&g->rng, 6);

	for (unsigned int i = 0; i < n; i++) {
		uint16_t sub = (uint16_t)rng_below(&g->rng, 40);
		uint8_t payload[24];
		size_t len = rng_below(&g->rng, sizeof(payload) + 1);

		if (depth < 4 && rng_percent(&g->rng, 30)) {
			put_garbage_nest(g, b, sub, depth + 1);
			continue;
		}
		rng_fill(&g->rng, payload, len);
		attr_put(b, sub, payload, len);
		if (rng_percent(&g->rng, 10)) {
			/* An inner nla_len past its container's end. */
			put_u16_at(b, b->len - NLA_ALIGN(NLA_HDRLEN + len),
				   (uint16_t)(NLA_HDRLEN + len + 1 +
					      rng_below(&g->rng, 200)));
		}
	}
	nest_end(b, nest);
}

static void gen_nested_garbage(struct gen *g, struct fuzz_case *fc)
{
	const struct op_spec *op = random_op(g);
	struct dgram *d = &fc->dgrams[0];
	size_t off = begin_op(g, &d->buf, op, op->dump);
	uint16_t type;

	/* No request attribute is a nest: a known one or an unknown one. */
	if (op->nr_attrs && rng_percent(&g->rng, 50))
		type = op->attrs[rng_below(&g->rng, (uint32_t)op->nr_attrs)]
			       .type;
	else
		type = unknown_type(g, op);
	put_valid_attrs(g, &d->buf, op);
	put_garbage_nest(g, &d->buf, type, 0);
	msg_end(&d->buf, off);
	note(d, off, NOTE_MUST_REFUSE, "nested garbage");
}

/* A known attribute of the right size but the wrong type bits. */
static void gen_wrong_type(struct gen *g, struct fuzz_case *fc)
{
	const struct op_spec *op = random_op_with_attrs(g);
	const struct attr_spec *a =
		&op->attrs[rng_below(&g->rng, (uint32_t)op->nr_attrs)];
	struct dgram *d = &fc->dgrams[0];
	size_t off = begin_op(g, &d->buf, op, op->dump);

	if (rng_percent(&g->rng, 25)) {
		/* Byte order is a hint the kernel does not judge for us. */
		attr_put_value(&d->buf, a->type | NLA_F_NET_BYTEORDER, a->kind,
			       valid_value(g, a) & 1);
		msg_end(&d->buf, off);
		note(d, off, 0, "byte-order bit");
		return;
	}
	attr_put_value(&d->buf, a->type | NLA_F_NESTED, a->kind,
		       valid_value(g, a) & 1);
	msg_end(&d->buf, off);
	note(d, off, NOTE_MUST_REFUSE, "nested bit on a scalar");
}

/* A value under an attribute's minimum or over its maximum. */
static void gen_out_of_range(struct gen *g, struct fuzz_case *fc)
{
	struct dgram *d = &fc->dgrams[0];
	const struct attr_spec *bad;
	const struct op_spec *op;
	uint64_t top, value;
	size_t off;

	do {
		op = random_op_with_attrs(g);
		bad = &op->attrs[rng_below(&g->rng, (uint32_t)op->nr_attrs)];
	} while (!bad->ranged);
	top = bad->kind == AK_U8 ? UINT8_MAX : UINT32_MAX;
	if (bad->min && rng_percent(&g->rng, 30))
		value = rng_below(&g->rng, (uint32_t)bad->min);
	else
		value = bad->max + 1 +
			rng_below(&g->rng, (uint32_t)(top - bad->max));
	off = begin_op(g, &d->buf, op, op->dump);
	for (size_t i = 0; i < op->nr_attrs; i++) {
		if (&op->attrs[i] == bad)
			attr_put_value(&d->buf, bad->type, bad->kind, value);
		else if (rng_percent(&g->rng, 50))
			put_valid_attr(g, &d->buf, &op->attrs[i]);
	}
	msg_end(&d->buf, off);
	note(d, off, NOTE_MUST_REFUSE, "value out of range");
}

/* Netlink lets the last copy win: judged for privilege only. */
static void gen_duplicate(struct gen *g, struct fuzz_case *fc)
{
	const struct op_spec *op = random_op_with_attrs(g);
	struct dgram *d = &fc->dgrams[0];
	size_t off = begin_op(g, &d->buf, op, op->dump);
	unsigned int copies = 2 + rng_log_len(&g->rng, 60);

	for (unsigned int i = 0; i < copies; i++)
		put_valid_attr(
			g, &d->buf,
			&op->attrs[rng_below(&g->rng, (uint32_t)op->nr_attrs)]);
	msg_end(&d->buf, off);
	note(d, off, 0, "duplicate attributes");
}

/* Bytes after the last attribute that are no attribute. */
static void gen_trailing(struct gen *g, struct fuzz_case *fc)
{
	const struct op_spec *op = random_op(g);
	struct dgram *d = &fc->dgrams[0];
	size_t off = begin_op(g, &d->buf, op, op->dump);
	struct nlattr nla;

	put_valid_attrs(g, &d->buf, op);
	switch (rng_below(&g->rng, 3)) {
	case 0: /* 1 to 3 stray bytes */
		buf_random(&d->buf, &g->rng, 1 + rng_below(&g->rng, 3));
		break;
	case 1: /* a header whose length runs past the message */
		nla.nla_type = (uint16_t)rng_below(&g->rng, op->space_max + 1);
		nla.nla_len =
			(uint16_t)(NLA_HDRLEN + 5 + rng_below(&g->rng, 4000));
		buf_put(&d->buf, &nla, sizeof(nla));
		buf_random(&d->buf, &g->rng, rng_below(&g->rng, 5));
		break;
	default: /* a length shorter than the header itself */
		nla.nla_type = (uint16_t)rng_below(&g->rng, op->space_max + 1);
		nla.nla_len = (uint16_t)rng_below(&g->rng, NLA_HDRLEN);
		buf_put(&d->buf, &nla, sizeof(nla));
		break;
	}
	msg_end(&d->buf, off);
	note(d, off, NOTE_MUST_REFUSE, "leftover bytes");
}

static void gen_truncated(struct gen *g, struct fuzz_case *fc)
{
	struct dgram *d = &fc->dgrams[0];
	const struct op_spec *op = random_op_with_attrs(g);
	size_t off, attrs, total;

	switch (rng_below(&g->rng, 5)) {
	case 0: /* not even a netlink header: dropped */
		off = msg_begin(&d->buf, g->family, NLM_F_REQUEST | NLM_F_ACK,
				g->next_seq++, op->cmd);
		d->buf.len = rng_below(&g->rng, NLMSG_HDRLEN);
		if (d->buf.len >= 4)
			put_u32_at(&d->buf, 0,
				   rng_percent(&g->rng, 50) ?
					   (uint32_t)d->buf.len :
					   (uint32_t)rng_next(&g->rng));
		return;
	case 1: /* a netlink header, the generic one cut short */
		off = msg_begin(&d->buf, g->family, request_flags(g, op->dump),
				g->next_seq++, op->cmd);
		d->buf.len = NLMSG_HDRLEN + rng_below(&g->rng, GENL_HDRLEN);
		msg_end(&d->buf, off);
		note(d, off, NOTE_MUST_REFUSE, "generic header cut short");
		return;
	case 2: /* a length claiming more than was sent: dropped */
		off = begin_op(g, &d->buf, op, op->dump);
		put_valid_attrs(g, &d->buf, op);
		msg_end(&d->buf, off);
		put_u32_at(&d->buf, off,
			   (uint32_t)(d->buf.len + 1 +
				      rng_below(&g->rng, 1 << 20)));
		return;
	case 3: /* a length under the header's: dropped */
		off = begin_op(g, &d->buf, op, op->dump);
		put_valid_attrs(g, &d->buf, op);
		msg_end(&d->buf, off);
		put_u32_at(&d->buf, off, rng_below(&g->rng, NLMSG_HDRLEN));
		return;
	default: /* a valid request cut inside an attribute */
		off = begin_op(g, &d->buf, op, op->dump);
		attrs = d->buf.len;
		put_valid_attrs(g, &d->buf, op);
		while (d->buf.len == attrs)
			put_valid_attr(
				g, &d->buf,
				&op->attrs[rng_below(&g->rng,
						     (uint32_t)op->nr_attrs)]);
		/* Cut into the last attribute, past its header's start. */
		total = d->buf.len;
		{
			size_t last = attrs, pos = attrs;

			while (pos < total) {
				last = pos;
				pos += NLA_ALIGN(get_u16_at(d->buf.data + pos));
			}
			d->buf.len =
				last + 1 +
				rng_below(&g->rng,
					  (uint32_t)(get_u16_at(d->buf.data +
								last) -
						     1));
		}
		msg_end(&d->buf, off);
		note(d, off, NOTE_MUST_REFUSE, "attribute cut short");
		return;
	}
}

static void gen_oversized(struct gen *g, struct fuzz_case *fc)
{
	struct dgram *d = &fc->dgrams[0];
	size_t target = 65536 + rng_log_len(&g->rng, 192 * 1024);
	const struct op_spec *op;
	size_t off;

	/* Now and then more than the socket may send at all. */
	if (rng_percent(&g->rng, 3))
		target = 1 << 20;
	switch (rng_below(&g->rng, 4)) {
	case 0: /* valid attributes over and over: judged for privilege */
		op = random_op_with_attrs(g);
		off = begin_op(g, &d->buf, op, op->dump);
		while (d->buf.len - off < target)
			put_valid_attr(
				g, &d->buf,
				&op->attrs[rng_below(&g->rng,
						     (uint32_t)op->nr_attrs)]);
		msg_end(&d->buf, off);
		note(d, off, 0, "oversized, duplicates");
		return;
	case 1: /* large attributes of unknown types */
		op = random_op(g);
		off = begin_op(g, &d->buf, op, op->dump);
		while (d->buf.len - off < target) {
			size_t len = 1 + rng_below(&g->rng, 65535 - NLA_HDRLEN);
			uint16_t type = unknown_type(g, op);

			buf_reserve(&d->buf, NLA_ALIGN(NLA_HDRLEN + len));
			attr_put(&d->buf, type, NULL, 0);
			put_u16_at(&d->buf, d->buf.len - NLA_HDRLEN,
				   (uint16_t)(NLA_HDRLEN + len));
			buf_random(&d->buf, &g->rng, len);
			buf_align(&d->buf);
		}
		msg_end(&d->buf, off);
		note(d, off, NOTE_MUST_REFUSE, "oversized, unknown attributes");
		return;
	default: /* random attribute area */
		op = random_op(g);
		off = begin_op(g, &d->buf, op, op->dump);
		buf_random(&d->buf, &g->rng, target);
		msg_end(&d->buf, off);
		note(d, off, 0, "oversized, random");
		return;
	}
}

static void gen_zero_length(struct gen *g, struct fuzz_case *fc)
{
	struct dgram *d = &fc->dgrams[0];
	const struct op_spec *op = random_op(g);
	size_t off;

	switch (rng_below(&g->rng, 3)) {
	case 0: /* an empty datagram */
		return;
	case 1: /* a header of zeros */
		buf_zeros(&d->buf, NLMSG_HDRLEN + rng_below(&g->rng, 64));
		return;
	default: /* a zero length, then a valid request it hides */
		buf_zeros(&d->buf, NLMSG_HDRLEN);
		off = begin_op(g, &d->buf, op, op->dump);
		msg_end(&d->buf, off);
		return;
	}
}

static void gen_random_bytes(struct gen *g, struct fuzz_case *fc)
{
	struct dgram *d = &fc->dgrams[0];
	size_t len = 1 + rng_log_len(&g->rng, 4095);

	buf_random(&d->buf, &g->rng, len);
	/*
	 * Our family and one message: random bytes must not reach other
	 * families of the host (a random type) nor hide a second message.
	 */
	if (len >= NLMSG_HDRLEN) {
		put_u32_at(&d->buf, 0, (uint32_t)len);
		put_u16_at(&d->buf, 4, g->family);
		put_u32_at(&d->buf, 8, g->next_seq++);
		note(d, 0, 0, "random bytes");
	}
}

static void gen_header_flags(struct gen *g, struct fuzz_case *fc)
{
	const struct op_spec *op = random_op(g);
	struct dgram *d = &fc->dgrams[0];
	uint16_t flags = (uint16_t)rng_next(&g->rng);
	size_t off;

	if (rng_percent(&g->rng, 80))
		flags |= NLM_F_REQUEST;
	off = msg_begin(&d->buf, g->family, flags, g->next_seq++, op->cmd);
	d->buf.data[off + NLMSG_HDRLEN + 1] = (uint8_t)rng_next(&g->rng);
	if (rng_percent(&g->rng, 50))
		put_u16_at(&d->buf, off + NLMSG_HDRLEN + 2,
			   (uint16_t)rng_next(&g->rng));
	put_valid_attrs(g, &d->buf, op);
	msg_end(&d->buf, off);
	note(d, off, 0, "random header flags");
}

typedef void (*gen_fn)(struct gen *g, struct fuzz_case *fc);

/* Several requests in one datagram, each judged on its own. */
static void gen_batch(struct gen *g, struct fuzz_case *fc)
{
	static const gen_fn parts[] = {
		gen_valid,	  gen_wrong_mode, gen_unknown_attr,
		gen_wrong_size,	  gen_wrong_type, gen_nested_garbage,
		gen_out_of_range, gen_duplicate,  gen_trailing,
		gen_header_flags,
	};
	struct dgram *d = &fc->dgrams[0];
	unsigned int n = 2 + rng_below(&g->rng, 7);
	struct fuzz_case part = { .index = fc->index };

	for (unsigned int i = 0; i < n; i++) {
		struct dgram *pd = &part.dgrams[0];
		size_t base;

		parts[rng_below(&g->rng, ARRAY_SIZE(parts))](g, &part);
		buf_align(&d->buf);
		base = d->buf.len;
		buf_put(&d->buf, pd->buf.data, pd->buf.len);
		for (size_t k = 0; k < pd->nr_notes; k++)
			note(d, base + pd->notes[k].off, pd->notes[k].flags,
			     pd->notes[k].what);
		pd->buf.len = 0;
		pd->nr_notes = 0;
	}
	buf_free(&part.dgrams[0].buf);
}

static const struct op_spec *random_dump_op(struct gen *g)
{
	const struct op_spec *op;

	do
		op = random_op(g);
	while (!op->dump);
	return op;
}

static void put_plain_dump(struct gen *g, struct dgram *d,
			   const struct op_spec *op, unsigned int flags)
{
	size_t off = begin_op(g, &d->buf, op, true);

	msg_end(&d->buf, off);
	note(d, off, flags, op->name);
}

static void gen_dump_abandon(struct gen *g, struct fuzz_case *fc)
{
	const struct op_spec *op = random_dump_op(g);

	switch (rng_below(&g->rng, 5)) {
	case 0: /* close with the dump half-way */
		put_plain_dump(g, &fc->dgrams[0], op, 0);
		fc->abandon = true;
		break;
	case 1: /* close without reading a thing */
		put_plain_dump(g, &fc->dgrams[0], op, 0);
		fc->close_unread = true;
		break;
	case 2: /* a do-request while the dump runs */
		put_plain_dump(g, &fc->dgrams[0], op, NOTE_WELL_FORMED);
		put_valid_request(g, &fc->dgrams[1],
				  find_op(rng_percent(&g->rng, 50) ?
						  VMEXIT_STAT_CMD_GET_INFO :
						  VMEXIT_STAT_CMD_GET_CONFIG,
					  false));
		fc->nr_dgrams = 2;
		break;
	case 3: /* a second dump while the first runs: maybe busy */
		put_plain_dump(g, &fc->dgrams[0], op, NOTE_WELL_FORMED);
		put_plain_dump(g, &fc->dgrams[1], random_dump_op(g), 0);
		fc->nr_dgrams = 2;
		fc->abandon = rng_percent(&g->rng, 50);
		break;
	default: /* two dumps in one datagram */
		put_plain_dump(g, &fc->dgrams[0], op, NOTE_WELL_FORMED);
		put_plain_dump(g, &fc->dgrams[0], random_dump_op(g), 0);
		break;
	}
}

static const gen_fn generators[NR_CATEGORIES] = {
	[CAT_VALID] = gen_valid,
	[CAT_CMD_SWEEP] = gen_cmd_sweep,
	[CAT_WRONG_MODE] = gen_wrong_mode,
	[CAT_UNKNOWN_ATTR] = gen_unknown_attr,
	[CAT_WRONG_SIZE] = gen_wrong_size,
	[CAT_WRONG_TYPE] = gen_wrong_type,
	[CAT_NESTED_GARBAGE] = gen_nested_garbage,
	[CAT_OUT_OF_RANGE] = gen_out_of_range,
	[CAT_DUPLICATE] = gen_duplicate,
	[CAT_TRAILING] = gen_trailing,
	[CAT_TRUNCATED] = gen_truncated,
	[CAT_OVERSIZED] = gen_oversized,
	[CAT_ZERO_LENGTH] = gen_zero_length,
	[CAT_RANDOM_BYTES] = gen_random_bytes,
	[CAT_HEADER_FLAGS] = gen_header_flags,
	[CAT_BATCH] = gen_batch,
	[CAT_DUMP_ABANDON] = gen_dump_abandon,
};

static void case_reset(struct fuzz_case *fc)
{
	for (size_t i = 0; i < MAX_DGRAMS; i++) {
		fc->dgrams[i].buf.len = 0;
		fc->dgrams[i].nr_notes = 0;
	}
	fc->nr_dgrams = 1;
	fc->close_unread = false;
	fc->abandon = false;
}

/*
 * One round of cases.  A request that starts a dump costs a snapshot of
 * the whole core (tens of milliseconds under TCG), so the kinds that dump
 * most come once a round and the malformed kinds twice.
 */
static const enum category schedule[] = {
	CAT_VALID,	    CAT_CMD_SWEEP,    CAT_WRONG_MODE,
	CAT_UNKNOWN_ATTR,   CAT_WRONG_SIZE,   CAT_WRONG_TYPE,
	CAT_NESTED_GARBAGE, CAT_OUT_OF_RANGE, CAT_TRAILING,
	CAT_TRUNCATED,	    CAT_OVERSIZED,    CAT_ZERO_LENGTH,
	CAT_RANDOM_BYTES,   CAT_HEADER_FLAGS, CAT_DUPLICATE,
	CAT_CMD_SWEEP,	    CAT_WRONG_MODE,   CAT_UNKNOWN_ATTR,
	CAT_WRONG_SIZE,	    CAT_WRONG_TYPE,   CAT_NESTED_GARBAGE,
	CAT_OUT_OF_RANGE,   CAT_TRAILING,     CAT_TRUNCATED,
	CAT_OVERSIZED,	    CAT_ZERO_LENGTH,  CAT_RANDOM_BYTES,
	CAT_HEADER_FLAGS,   CAT_BATCH,	      CAT_DUMP_ABANDON,
};

static uint64_t times_in_schedule(enum category cat, size_t upto)
{
	uint64_t n = 0;

	for (size_t i = 0; i < upto; i++)
		n += schedule[i] == cat;
	return n;
}

/*
 * Case N's bytes depend on the seed and N only: each case draws from its
 * own stream, and sequence numbers are numbered from N.
 */
static void generate(struct gen *g, struct fuzz_case *fc, uint64_t seed,
		     uint64_t index)
{
	struct rng mix = { seed ^ (0xd1b54a32d192ed03ULL * (index + 1)) };
	size_t slot = index % ARRAY_SIZE(schedule);

	case_reset(fc);
	g->rng.state = rng_next(&mix);
	g->next_seq = (uint32_t)(index * MAX_MSGS * MAX_DGRAMS) + 1;
	fc->index = index;
	fc->cat = schedule[slot];
	fc->nth = index / ARRAY_SIZE(schedule) *
			  times_in_schedule(fc->cat, ARRAY_SIZE(schedule)) +
		  times_in_schedule(fc->cat, slot);
	generators[fc->cat](g, fc);
}

/* ---- what the kernel makes of a datagram ---------------------------- */

enum seen_as {
	SEEN_GENL, /* handed to our family */
	SEEN_NOT_REQUEST, /* acknowledged, if asked, and ignored */
	SEEN_OTHER, /* control message or other family: never generated */
};

struct kmsg {
	size_t dgram;
	size_t off;
	uint32_t len;
	uint16_t flags;
	uint32_t seq;
	enum seen_as seen;
	bool short_genl;
	uint8_t cmd;
	bool dump;
	const struct note *note;
};

/* Walks the datagram the way netlink_rcv_skb() does. */
static size_t interpret(const struct dgram *d, size_t dgram, uint16_t family,
			struct kmsg *out, size_t max)
{
	size_t off = 0, n = 0, len = d->buf.len;

	while (len - off >= NLMSG_HDRLEN && n < max) {
		const uint8_t *p = d->buf.data + off;
		struct nlmsghdr nlh;
		struct kmsg *m = &out[n++];
		size_t step;

		memcpy(&nlh, p, sizeof(nlh));
		if (nlh.nlmsg_len < NLMSG_HDRLEN || nlh.nlmsg_len > len - off) {
			n--;
			break;
		}
		*m = (struct kmsg){ .dgram = dgram,
				    .off = off,
				    .len = nlh.nlmsg_len,
				    .flags = nlh.nlmsg_flags,
				    .seq = nlh.nlmsg_seq };
		if (!(nlh.nlmsg_flags & NLM_F_REQUEST))
			m->seen = SEEN_NOT_REQUEST;
		else if (nlh.nlmsg_type != family)
			m->seen = SEEN_OTHER;
		else
			m->seen = SEEN_GENL;
		m->short_genl = nlh.nlmsg_len < GENL_HDR_END;
		m->cmd = nlh.nlmsg_len > NLMSG_HDRLEN ? p[NLMSG_HDRLEN] : 0;
		m->dump = (nlh.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
		for (size_t k = 0; k < d->nr_notes; k++)
			if (d->notes[k].off == off)
				m->note = &d->notes[k];
		step = NLMSG_ALIGN(nlh.nlmsg_len);
		off += step > len - off ? len - off : step;
	}
	return n;
}

/* ---- talking to the kernel ------------------------------------------- */

struct outcome {
	bool acked;
	int error;
	bool extack;
	char extack_msg[160];
	unsigned int parts; /* data messages: records, or a reply */
	unsigned int datagrams; /* that carried its data or DONE */
	uint64_t last_datagram;
	bool not_multi; /* a dump part without NLM_F_MULTI */
	bool done;
	int done_error;
	bool abandoned;
	bool bad_answer;
	char bad_why[96];
	uint8_t capture[CAPTURE_MAX]; /* first reply of a do-request */
	size_t capture_len;
};

struct family {
	uint16_t id;
	uint32_t version;
	uint32_t nr_ops;
	struct {
		uint32_t id;
		uint32_t flags;
	} ops[64];
	bool has_lifecycle;
	uint32_t lifecycle_group;
};

struct stats {
	uint64_t cases;
	uint64_t messages;
	uint64_t granted;
	uint64_t refused;
	uint64_t ignored; /* dropped unread, or not a request */
	uint64_t send_failed;
	uint64_t unread; /* datagrams of which the kernel handles nothing */
	uint64_t replies; /* data messages */
	uint64_t dumps_done;
	uint64_t dumps_multipart; /* answered over several datagrams */
	uint64_t dumps_abandoned;
	uint64_t ns; /* time spent on its cases */
};

struct fuzzer {
	int fd;
	unsigned int timeout_s;
	bool read_ok;
	bool admin_ok;
	bool may_join; /* the lifecycle group: CAP_SYS_ADMIN or opened */
	bool verbose;
	uint64_t seed;
	struct family fam;
	struct stats by_cat[NR_COUNTED];
	uint64_t errnos[200];
	uint64_t refused_with_extack;
	uint64_t refused_without_extack;
	uint64_t violations;
	uint64_t timeouts;
	uint64_t reopens;
	uint64_t probes;
	uint64_t probe_failures;
	uint64_t stray_answers;
	uint64_t joins;
	uint64_t joins_refused;
	uint64_t datagrams; /* received, numbered */
	struct buf rx;
};

static void violation(struct fuzzer *f, const struct fuzz_case *fc,
		      const struct kmsg *m, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void hexdump(const uint8_t *p, size_t len)
{
	size_t n = len < 96 ? len : 96;

	fprintf(stderr, "  bytes (%zu):", len);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 32 ? " " : "\n    ", p[i]);
	fprintf(stderr, "%s\n", n < len ? " ..." : "");
}

static void violation(struct fuzzer *f, const struct fuzz_case *fc,
		      const struct kmsg *m, const char *fmt, ...)
{
	va_list ap;

	if (++f->violations > MAX_REPORTED)
		return;
	fprintf(stderr, "nlfuzz: VIOLATION");
	if (fc)
		fprintf(stderr, " in case %" PRIu64 " (%s)", fc->index,
			category_names[fc->cat]);
	fprintf(stderr, ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (m && fc) {
		const struct dgram *d = &fc->dgrams[m->dgram];

		fprintf(stderr,
			"  message at %zu: cmd %u %s, flags 0x%x, seq %u%s%s\n",
			m->off, m->cmd, m->dump ? "dump" : "do", m->flags,
			m->seq, m->note ? ", " : "",
			m->note ? m->note->what : "");
		hexdump(d->buf.data + m->off, m->len);
	}
	if (fc && fc->cat != CAT_PROBE)
		fprintf(stderr,
			"  replay: nlfuzz --seed %" PRIu64 " --case %" PRIu64
			" --verbose\n",
			f->seed, fc->index);
}

static int nl_open(unsigned int timeout_s)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = timeout_s };
	int one = 1, sndbuf = 1 << 20;
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	/* Errors say why; and do not echo a 200 KiB request back. */
	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/*
 * One datagram into rx.  The kernel sizes dump messages by the largest
 * receive a socket asked for, and its replies fit in a page: receiving at
 * most RX_SIZE keeps dump parts small (dumps take many, and can be left
 * half-way) in one system call.  A longer datagram is reported.
 * Returns its length (0: an empty datagram), -ETIMEDOUT, or -errno.
 */
static ssize_t nl_recv(int fd, struct buf *rx)
{
	ssize_t n;

	rx->len = 0;
	buf_reserve(rx, RX_SIZE);
	n = recv(fd, rx->data, RX_SIZE, MSG_TRUNC);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT :
								 -errno;
	if (n > RX_SIZE)
		return -EMSGSIZE;
	rx->len = (size_t)n;
	return n;
}

/* Attributes from p to end must tile exactly; nests are walked too. */
static bool attrs_tile(const uint8_t *p, const uint8_t *end, unsigned int depth)
{
	while (end - p >= NLA_HDRLEN) {
		struct nlattr nla;

		memcpy(&nla, p, sizeof(nla));
		if (nla.nla_len < NLA_HDRLEN || nla.nla_len > end - p)
			return false;
		if ((nla.nla_type & NLA_F_NESTED) && depth < 8 &&
		    !attrs_tile(p + NLA_HDRLEN, p + nla.nla_len, depth + 1))
			return false;
		if (nla_step(nla.nla_len) >= (size_t)(end - p))
			return true;
		p += nla_step(nla.nla_len);
	}
	return p == end;
}

/* The extack TLVs of an error or done message. */
static bool parse_tlvs(const uint8_t *p, const uint8_t *end, struct outcome *o)
{
	if (!attrs_tile(p, end, 8))
		return false;
	while (end - p >= NLA_HDRLEN) {
		struct nlattr nla;
		size_t len;

		memcpy(&nla, p, sizeof(nla));
		len = nla.nla_len - NLA_HDRLEN;
		if ((nla.nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			const char *s = (const char *)p + NLA_HDRLEN;

			if (!len || s[len - 1] != '\0')
				return false;
			o->extack = len > 1;
			snprintf(o->extack_msg, sizeof(o->extack_msg), "%s", s);
		}
		if (nla_step(nla.nla_len) >= (size_t)(end - p))
			break;
		p += nla_step(nla.nla_len);
	}
	return true;
}

static void bad_answer(struct outcome *o, const char *why)
{
	if (!o->bad_answer)
		snprintf(o->bad_why, sizeof(o->bad_why), "%s", why);
	o->bad_answer = true;
}

static void take_error(const struct nlmsghdr *nlh, const uint8_t *p,
		       struct outcome *o)
{
	const uint8_t *end = p + nlh->nlmsg_len;
	const uint8_t *q = p + NLMSG_HDRLEN;
	struct nlmsgerr err;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(err)) {
		bad_answer(o, "error message too short");
		return;
	}
	memcpy(&err, q, sizeof(err));
	o->acked = true;
	o->error = err.error;
	if (err.error > 0)
		bad_answer(o, "positive error number");
	q += sizeof(err);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		size_t echoed = NLMSG_ALIGN(err.msg.nlmsg_len) - NLMSG_HDRLEN;

		if (err.msg.nlmsg_len < NLMSG_HDRLEN ||
		    echoed > (size_t)(end - q)) {
			bad_answer(o, "echoed request does not fit");
			return;
		}
		q += echoed;
	}
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && !parse_tlvs(q, end, o))
		bad_answer(o, "malformed extack");
}

static void take_done(const struct nlmsghdr *nlh, const uint8_t *p,
		      struct outcome *o)
{
	int err = 0;

	if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(err))
		memcpy(&err, p + NLMSG_HDRLEN, sizeof(err));
	o->done = true;
	o->done_error = err;
	if (!(nlh->nlmsg_flags & NLM_F_MULTI))
		o->not_multi = true;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(err) &&
	    !parse_tlvs(p + NLMSG_HDRLEN + sizeof(err), p + nlh->nlmsg_len, o))
		bad_answer(o, "malformed extack on done");
}

static void take_data(struct fuzzer *f, const struct nlmsghdr *nlh,
		      const uint8_t *p, const struct kmsg *m, struct outcome *o)
{
	const uint8_t *end = p + nlh->nlmsg_len;
	uint8_t cmd;

	o->parts++;
	if (m->dump && !(nlh->nlmsg_flags & NLM_F_MULTI))
		o->not_multi = true;
	if (nlh->nlmsg_type != f->fam.id) {
		bad_answer(o, "answer of another message type");
		return;
	}
	if (nlh->nlmsg_len < GENL_HDR_END) {
		bad_answer(o, "answer without a generic header");
		return;
	}
	cmd = p[NLMSG_HDRLEN];
	if (cmd == 0 || cmd > VMEXIT_STAT_CMD_MAX)
		bad_answer(o, "answer with an unknown command");
	if (!attrs_tile(p + GENL_HDR_END, end, 0))
		bad_answer(o, "answer attributes do not tile");
	if (!o->capture_len && nlh->nlmsg_len <= CAPTURE_MAX) {
		memcpy(o->capture, p, nlh->nlmsg_len);
		o->capture_len = nlh->nlmsg_len;
	}
}

struct exchange {
	struct kmsg msgs[MAX_MSGS * MAX_DGRAMS];
	struct outcome out[MAX_MSGS * MAX_DGRAMS];
	size_t nr;
	int send_error[MAX_DGRAMS];
};

/* Kernel's last word on a message: an error, an ACK, or a dump's DONE. */
static bool settled(const struct kmsg *m, const struct outcome *o,
		    bool first_part_will_do)
{
	if (o->acked || o->done)
		return true;
	return m->seen == SEEN_GENL && m->dump && first_part_will_do &&
	       o->parts;
}

/*
 * Whether a message is sure to get a last word: an error always gets
 * one, but a granted do-request gets an ACK only if it asked.
 */
static bool last_word_sure(const struct kmsg *m)
{
	if (m->seen == SEEN_GENL && m->dump)
		return true;
	return m->flags & NLM_F_ACK;
}

/* Files every message of a datagram under the request it answers. */
static bool take_datagram(struct fuzzer *f, struct exchange *x,
			  uint32_t sentinel, bool *sentinel_seen)
{
	const uint8_t *p = f->rx.data;
	size_t left = f->rx.len;

	f->datagrams++;

	while (left >= NLMSG_HDRLEN) {
		struct nlmsghdr nlh;
		struct outcome *o = NULL;
		const struct kmsg *m = NULL;

		memcpy(&nlh, p, sizeof(nlh));
		if (nlh.nlmsg_len < NLMSG_HDRLEN || nlh.nlmsg_len > left)
			return false;
		if (nlh.nlmsg_seq == sentinel) {
			if (nlh.nlmsg_type != NLMSG_ERROR)
				return false;
			*sentinel_seen = true;
		} else {
			for (size_t i = 0; i < x->nr; i++)
				if (x->msgs[i].seq == nlh.nlmsg_seq) {
					m = &x->msgs[i];
					o = &x->out[i];
				}
			if (o && o->last_datagram != f->datagrams) {
				o->last_datagram = f->datagrams;
				o->datagrams++;
			}
			if (!o) {
				f->stray_answers++;
			} else if (nlh.nlmsg_type == NLMSG_ERROR) {
				take_error(&nlh, p, o);
			} else if (nlh.nlmsg_type == NLMSG_DONE) {
				take_done(&nlh, p, o);
			} else if (nlh.nlmsg_type < NLMSG_MIN_TYPE) {
				bad_answer(o, "unexpected control message");
			} else {
				take_data(f, &nlh, p, m, o);
			}
		}
		if (NLMSG_ALIGN(nlh.nlmsg_len) >= left)
			return true;
		left -= NLMSG_ALIGN(nlh.nlmsg_len);
		p += NLMSG_ALIGN(nlh.nlmsg_len);
	}
	return left == 0;
}

static int reopen(struct fuzzer *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = nl_open(f->timeout_s);
	f->reopens++;
	return f->fd;
}

/*
 * Reads answers until messages from..nr have their last word; a dump's
 * first part is enough with first_part_will_do.  When some message may
 * get no answer at all, a no-op asking for an ACK (seq sentinel, unless
 * 0: that was done before) goes after them: the
 * kernel handles a datagram while it is sent, so every answer to what
 * came before, dropped messages included, is queued ahead of that ACK.
 * Returns 0, or -ETIMEDOUT / -EPROTO after counting a violation.
 */
static int read_answers(struct fuzzer *f, const struct fuzz_case *fc,
			struct exchange *x, size_t from, uint32_t sentinel,
			bool first_part_will_do)
{
	struct nlmsghdr nop = {
		.nlmsg_len = NLMSG_HDRLEN,
		.nlmsg_type = NLMSG_NOOP,
		.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
		.nlmsg_seq = sentinel,
	};
	bool need_nop = false, nop_seen = false;
	unsigned int datagrams = 0;

	for (size_t i = from; i < x->nr && sentinel; i++)
		need_nop |= !last_word_sure(&x->msgs[i]);
	if (need_nop && send(f->fd, &nop, sizeof(nop), 0) < 0) {
		violation(f, fc, NULL, "socket refused a no-op: %s",
			  strerror(errno));
		return -EPROTO;
	}
	for (;;) {
		bool all = !need_nop || nop_seen;
		ssize_t n;

		for (size_t i = from; i < x->nr && all; i++)
			all = settled(&x->msgs[i], &x->out[i],
				      first_part_will_do) ||
			      !last_word_sure(&x->msgs[i]);
		if (all)
			return 0;
		n = nl_recv(f->fd, &f->rx);
		if (n == -ETIMEDOUT) {
			f->timeouts++;
			violation(f, fc, NULL, "no answer within %u s",
				  f->timeout_s);
			return -ETIMEDOUT;
		}
		if (n < 0) {
			violation(f, fc, NULL, "receive failed: %s",
				  strerror((int)-n));
			return -EPROTO;
		}
		if (!take_datagram(f, x, sentinel, &nop_seen)) {
			violation(f, fc, NULL, "malformed answer datagram");
			return -EPROTO;
		}
		if (++datagrams > MAX_DUMP_PARTS) {
			violation(f, fc, NULL, "answers do not end");
			return -EPROTO;
		}
	}
}

static void count_errno(struct fuzzer *f, int err)
{
	size_t e = (size_t)-err;

	f->errnos[e < ARRAY_SIZE(f->errnos) ? e : 0]++;
}

static bool refused(const struct outcome *o, int *err)
{
	if (o->acked && o->error < 0) {
		*err = o->error;
		return true;
	}
	if (o->done && o->done_error < 0) {
		*err = o->done_error;
		return true;
	}
	*err = 0;
	return false;
}

static const char *errname(int err)
{
	static char other[16];

	switch (-err) {
	case 0:
		return "OK";
	case EPERM:
		return "EPERM";
	case ENOENT:
		return "ENOENT";
	case EINVAL:
		return "EINVAL";
	case ERANGE:
		return "ERANGE";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case EMSGSIZE:
		return "EMSGSIZE";
	case EBUSY:
		return "EBUSY";
	case ENOMEM:
		return "ENOMEM";
	case E2BIG:
		return "E2BIG";
	case ENODEV:
		return "ENODEV";
	case EACCES:
		return "EACCES";
	case ENOBUFS:
		return "ENOBUFS";
	}
	snprintf(other, sizeof(other), "E%d", -err);
	return other;
}

/*
 * Judges one message's outcome against the contract, and counts it.
 * crowded: other messages of the case may hold the socket's one dump.
 */
static void judge(struct fuzzer *f, const struct fuzz_case *fc,
		  const struct kmsg *m, const struct outcome *o, bool crowded)
{
	struct stats *st = &f->by_cat[fc->cat];
	unsigned int flags = m->note ? m->note->flags : 0;
	const struct op_spec *op;
	bool permitted, no, busy;
	int err;

	st->messages++;
	st->replies += o->parts;
	if (o->bad_answer)
		violation(f, fc, m, "malformed answer: %s", o->bad_why);
	if (m->seen != SEEN_GENL) {
		st->ignored++;
		if (o->parts || o->done || (o->acked && o->error))
			violation(f, fc, m,
				  "answer to a message the kernel must ignore");
		return;
	}
	if (m->dump && o->parts && o->not_multi)
		violation(f, fc, m, "dump part without NLM_F_MULTI");
	if (m->dump && o->done)
		st->dumps_done++;
	if (m->dump && o->datagrams > 1)
		st->dumps_multipart++;
	if (o->abandoned)
		st->dumps_abandoned++;

	op = m->short_genl ? NULL : find_op(m->cmd, m->dump);
	/* What the family does not have, nobody may be granted. */
	if (!op)
		flags = (flags & ~NOTE_WELL_FORMED) | NOTE_MUST_REFUSE;
	permitted = !op || (op->admin ? f->admin_ok : f->read_ok);

	no = refused(o, &err);
	busy = crowded && m->dump && err == -EBUSY;
	if (no) {
		st->refused++;
		count_errno(f, err);
		if (o->extack)
			f->refused_with_extack++;
		else
			f->refused_without_extack++;
	} else {
		st->granted++;
	}
	if (f->verbose)
		fprintf(stderr, "  seq %u cmd %u %s: %s%s, %u parts%s%s\n",
			m->seq, m->cmd, m->dump ? "dump" : "do",
			no ? "refused " : "granted", no ? errname(err) : "",
			o->parts, o->extack ? ", extack: " : "",
			o->extack ? o->extack_msg : "");

	if (op && !permitted && !no)
		violation(f, fc, m, "%s granted without %s", op->name,
			  op->admin ? "CAP_NET_ADMIN" : "read permission");
	if (flags & NOTE_MUST_REFUSE) {
		if (!no && !o->abandoned)
			violation(f, fc, m, "accepted (%s)",
				  m->note ? m->note->what : "unknown command");
		/* The policy says why; genetlink's own refusals do not. */
		if (no && permitted && op && !o->extack && err != -EOPNOTSUPP &&
		    !busy)
			violation(f, fc, m, "refused with %s but no extack",
				  errname(err));
	}
	if ((flags & NOTE_WELL_FORMED) && !busy) {
		if (permitted && no)
			violation(f, fc, m, "valid %s refused: %s%s%s",
				  op->name, errname(err), o->extack ? ": " : "",
				  o->extack ? o->extack_msg : "");
		if (!permitted && no && err != -EPERM)
			violation(f, fc, m, "%s refused with %s, not EPERM",
				  op->name, errname(err));
		if (!permitted && no && !op->admin && !o->extack)
			violation(f, fc, m,
				  "%s read refused without extack message",
				  op->name);
		if (permitted && !no && m->dump && !o->done && !o->abandoned)
			violation(f, fc, m, "valid %s dump did not end",
				  op->name);
		if (permitted && !no && !m->dump && !op->admin && !o->parts)
			violation(f, fc, m, "valid %s had no reply", op->name);
	}
}

/*
 * Sends the case, reads every answer, judges every message.  Returns
 * false when the exchange broke (a violation says how).
 */
static bool run_case(struct fuzzer *f, const struct fuzz_case *fc,
		     struct exchange *x)
{
	struct stats *st = &f->by_cat[fc->cat];
	uint32_t sentinel = 0x80000000u | (uint32_t)(fc->index & 0x7fffffff);
	bool broken = false;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(x, 0, sizeof(*x));
	st->cases++;
	if (f->fd < 0 && reopen(f) < 0) {
		violation(f, fc, NULL, "cannot open a netlink socket: %s",
			  strerror(-f->fd));
		return false;
	}
	for (size_t i = 0; i < fc->nr_dgrams && !broken; i++) {
		const struct dgram *d = &fc->dgrams[i];
		bool last = i + 1 == fc->nr_dgrams;
		size_t first = x->nr;

		x->nr += interpret(d, i, f->fam.id, x->msgs + x->nr,
				   ARRAY_SIZE(x->msgs) - x->nr);
		if (f->verbose)
			fprintf(stderr,
				"case %" PRIu64
				" %s: datagram %zu, %zu bytes, %zu messages\n",
				fc->index, category_names[fc->cat], i,
				d->buf.len, x->nr - first);
		if (x->nr == first)
			st->unread++;
		if (send(f->fd, d->buf.data, d->buf.len, 0) < 0) {
			/* Nothing of it reached the kernel. */
			st->send_failed++;
			x->nr = first;
			continue;
		}
		if (fc->close_unread) {
			/* Only the kernel's side is tested: .done on close. */
			st->messages += x->nr;
			reopen(f);
			goto out;
		}
		/* Later datagrams go in while the dumps run. */
		if (read_answers(f, fc, x, first, sentinel - (uint32_t)i,
				 !last || fc->abandon))
			broken = true;
	}
	/* The earlier datagrams' dumps, to their end. */
	if (!broken && !fc->abandon && read_answers(f, fc, x, 0, 0, false))
		broken = true;
	if (broken || fc->abandon) {
		for (size_t i = 0; i < x->nr; i++)
			x->out[i].abandoned = x->msgs[i].dump &&
					      x->out[i].parts &&
					      !x->out[i].done;
		reopen(f);
	}
	if (!broken)
		for (size_t i = 0; i < x->nr; i++)
			judge(f, fc, &x->msgs[i], &x->out[i], x->nr > 1);
out:
	clock_gettime(CLOCK_MONOTONIC, &t1);
	st->ns += (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u +
		  (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec;
	return !broken;
}

/* ---- the controller -------------------------------------------------- */

static const uint8_t *find_attr(const uint8_t *p, const uint8_t *end,
				uint16_t type, uint16_t *len)
{
	while (end - p >= NLA_HDRLEN) {
		struct nlattr nla;

		memcpy(&nla, p, sizeof(nla));
		if (nla.nla_len < NLA_HDRLEN || nla.nla_len > end - p)
			return NULL;
		if ((nla.nla_type & NLA_TYPE_MASK) == type) {
			*len = (uint16_t)(nla.nla_len - NLA_HDRLEN);
			return p + NLA_HDRLEN;
		}
		if (nla_step(nla.nla_len) > (size_t)(end - p))
			return NULL;
		p += nla_step(nla.nla_len);
	}
	return NULL;
}

/*
 * Resolves the family by name: its id, version, operations and groups.
 * Returns 0, -ENOENT when it is not registered, or another -errno.
 */
static int resolve_family(unsigned int timeout_s, struct family *fam)
{
	struct buf req = { 0 }, rx = { 0 };
	const uint8_t *p, *end, *a, *ops_attr, *grps;
	uint16_t len, ops_len, grps_len;
	size_t off;
	int fd, err = -EPROTO;
	ssize_t n;

	memset(fam, 0, sizeof(*fam));
	fd = nl_open(timeout_s);
	if (fd < 0)
		return fd;
	off = msg_begin(&req, GENL_ID_CTRL, NLM_F_REQUEST, 1,
			CTRL_CMD_GETFAMILY);
	attr_put(&req, CTRL_ATTR_FAMILY_NAME, VMEXIT_STAT_FAMILY_NAME,
		 sizeof(VMEXIT_STAT_FAMILY_NAME));
	msg_end(&req, off);
	if (send(fd, req.data, req.len, 0) < 0) {
		err = -errno;
		goto out;
	}
	n = nl_recv(fd, &rx);
	if (n <= 0) {
		err = n ? (int)n : -ETIMEDOUT;
		goto out;
	}
	p = rx.data;
	if ((size_t)n < NLMSG_HDRLEN + sizeof(int))
		goto out;
	if (get_u16_at(p + 4) == NLMSG_ERROR) {
		memcpy(&err, p + NLMSG_HDRLEN, sizeof(err));
		if (!err)
			err = -EPROTO;
		goto out;
	}
	if ((size_t)n < GENL_HDR_END || get_u32_at(p) > (size_t)n)
		goto out;
	end = p + get_u32_at(p);
	p += GENL_HDR_END;
	a = find_attr(p, end, CTRL_ATTR_FAMILY_ID, &len);
	if (!a || len != 2)
		goto out;
	fam->id = get_u16_at(a);
	a = find_attr(p, end, CTRL_ATTR_VERSION, &len);
	if (a && len == 4)
		fam->version = get_u32_at(a);
	ops_attr = find_attr(p, end, CTRL_ATTR_OPS, &ops_len);
	for (const uint8_t *q = ops_attr;
	     q && q + NLA_HDRLEN <= ops_attr + ops_len;) {
		uint16_t qlen = get_u16_at(q), l;
		const uint8_t *id, *fl;

		if (qlen < NLA_HDRLEN || q + qlen > ops_attr + ops_len)
			break;
		id = find_attr(q + NLA_HDRLEN, q + qlen, CTRL_ATTR_OP_ID, &l);
		fl = find_attr(q + NLA_HDRLEN, q + qlen, CTRL_ATTR_OP_FLAGS,
			       &l);
		if (id && fam->nr_ops < ARRAY_SIZE(fam->ops)) {
			fam->ops[fam->nr_ops].id = get_u32_at(id);
			fam->ops[fam->nr_ops].flags = fl ? get_u32_at(fl) : 0;
			fam->nr_ops++;
		}
		q += NLA_ALIGN(qlen);
	}
	grps = find_attr(p, end, CTRL_ATTR_MCAST_GROUPS, &grps_len);
	for (const uint8_t *q = grps; q && q + NLA_HDRLEN <= grps + grps_len;) {
		uint16_t qlen = get_u16_at(q), l;
		const uint8_t *name, *id;

		if (qlen < NLA_HDRLEN || q + qlen > grps + grps_len)
			break;
		name = find_attr(q + NLA_HDRLEN, q + qlen,
				 CTRL_ATTR_MCAST_GRP_NAME, &l);
		if (name && l == sizeof(VMEXIT_STAT_MCGRP_LIFECYCLE) &&
		    !memcmp(name, VMEXIT_STAT_MCGRP_LIFECYCLE, l)) {
			id = find_attr(q + NLA_HDRLEN, q + qlen,
				       CTRL_ATTR_MCAST_GRP_ID, &l);
			fam->has_lifecycle = id && l == 4;
			if (fam->has_lifecycle)
				fam->lifecycle_group = get_u32_at(id);
		}
		q += NLA_ALIGN(qlen);
	}
	err = 0;
out:
	close(fd);
	buf_free(&req);
	buf_free(&rx);
	return err;
}

/* What the kernel says the family offers must be what the contract says. */
static void check_family(struct fuzzer *f)
{
	const struct family *fam = &f->fam;

	if (fam->version != VMEXIT_STAT_FAMILY_VERSION)
		violation(f, NULL, NULL, "family version %u, contract %u",
			  fam->version, VMEXIT_STAT_FAMILY_VERSION);
	if (!fam->has_lifecycle)
		violation(f, NULL, NULL, "no multicast group \"%s\"",
			  VMEXIT_STAT_MCGRP_LIFECYCLE);
	for (uint32_t i = 0; i < fam->nr_ops; i++) {
		uint32_t cmd = fam->ops[i].id, fl = fam->ops[i].flags;
		const struct op_spec *op_do = find_op(cmd, false);
		const struct op_spec *op_dump = find_op(cmd, true);
		const struct op_spec *op = op_do ? op_do : op_dump;

		if (!op) {
			violation(f, NULL, NULL, "kernel offers command %u",
				  cmd);
			continue;
		}
		if (!!(fl & GENL_CMD_CAP_DO) != !!op_do ||
		    !!(fl & GENL_CMD_CAP_DUMP) != !!op_dump)
			violation(f, NULL, NULL,
				  "%s: kernel offers%s%s, contract %s",
				  op->name, fl & GENL_CMD_CAP_DO ? " do" : "",
				  fl & GENL_CMD_CAP_DUMP ? " dump" : "",
				  op->dump ? "dump" : "do");
		if (!!(fl & GENL_ADMIN_PERM) != op->admin)
			violation(f, NULL, NULL,
				  "%s: admin permission %s, contract %s",
				  op->name, fl & GENL_ADMIN_PERM ? "yes" : "no",
				  op->admin ? "yes" : "no");
	}
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
		bool found = false;

		for (uint32_t k = 0; k < fam->nr_ops; k++)
			found |= fam->ops[k].id == ops[i].cmd;
		if (!found)
			violation(f, NULL, NULL, "kernel lacks %s",
				  ops[i].name);
	}
}

/* ---- probes: valid requests on a fresh socket ------------------------ */

struct config {
	bool known;
	uint8_t latency;
	uint8_t details;
	uint32_t ttl;
};

static bool parse_config(const struct outcome *o, struct config *c)
{
	const uint8_t *p = o->capture + GENL_HDR_END;
	const uint8_t *end = o->capture + o->capture_len;
	const uint8_t *a;
	uint16_t len;

	if (o->capture_len < GENL_HDR_END)
		return false;
	a = find_attr(p, end, VMEXIT_STAT_A_CONFIG_LATENCY, &len);
	if (!a || len != 1)
		return false;
	c->latency = *a;
	a = find_attr(p, end, VMEXIT_STAT_A_CONFIG_DETAILS, &len);
	if (!a || len != 1)
		return false;
	c->details = *a;
	a = find_attr(p, end, VMEXIT_STAT_A_CONFIG_ENDED_VM_TTL_S, &len);
	if (!a || len != 4)
		return false;
	c->ttl = get_u32_at(a);
	c->known = true;
	return true;
}

static void put_config(struct gen *g, struct dgram *d, const struct config *c)
{
	size_t off = msg_begin(&d->buf, g->family, NLM_F_REQUEST | NLM_F_ACK,
			       g->next_seq++, VMEXIT_STAT_CMD_SET_CONFIG);

	attr_put_value(&d->buf, VMEXIT_STAT_A_CONFIG_LATENCY, AK_U8,
		       c->latency);
	attr_put_value(&d->buf, VMEXIT_STAT_A_CONFIG_DETAILS, AK_U8,
		       c->details);
	attr_put_value(&d->buf, VMEXIT_STAT_A_CONFIG_ENDED_VM_TTL_S, AK_U32,
		       c->ttl);
	msg_end(&d->buf, off);
	note(d, off, NOTE_WELL_FORMED, "set-config");
}

static void probe_request(struct fuzzer *f, struct fuzz_case *pc,
			  struct exchange *x, struct gen *g,
			  const struct op_spec *op, const struct config *set)
{
	case_reset(pc);
	if (set) {
		put_config(g, &pc->dgrams[0], set);
	} else {
		size_t off = begin_op(g, &pc->dgrams[0].buf, op, op->dump);

		msg_end(&pc->dgrams[0].buf, off);
		note(&pc->dgrams[0], off, NOTE_WELL_FORMED, op->name);
	}
	run_case(f, pc, x);
}

static void probe_config(struct fuzzer *f, struct fuzz_case *pc,
			 struct exchange *x, struct gen *g, struct config *now)
{
	const struct outcome *o = &x->out[0];
	int err;

	probe_request(f, pc, x, g, find_op(VMEXIT_STAT_CMD_GET_CONFIG, false),
		      NULL);
	if (now && x->nr == 1 && !refused(o, &err) && o->capture_len &&
	    !parse_config(o, now))
		violation(f, pc, NULL, "get-config reply lacks a value");
}

/*
 * Notifications tell who runs VMs: joining their group is a read.  The
 * kernel checks the capability when the socket joins, not per message.
 */
static void probe_join(struct fuzzer *f)
{
	uint32_t group = f->fam.lifecycle_group;
	int fd, err = 0;

	if (!f->fam.has_lifecycle)
		return;
	fd = nl_open(f->timeout_s);
	if (fd < 0)
		return;
	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
		       sizeof(group)))
		err = -errno;
	close(fd);
	if (err)
		f->joins_refused++;
	else
		f->joins++;
	if (!f->read_ok && !err)
		violation(f, NULL, NULL,
			  "joined group %s without read permission",
			  VMEXIT_STAT_MCGRP_LIFECYCLE);
	if (f->may_join && err)
		violation(f, NULL, NULL, "cannot join group %s: %s",
			  VMEXIT_STAT_MCGRP_LIFECYCLE, strerror(-err));
}

/*
 * The family is still there, the same, and every read answers as it
 * must, on a fresh socket.  With restore, SET_CONFIG puts it back.
 * Reads the configuration into *now when it can.
 */
static void probe(struct fuzzer *f, struct fuzz_case *pc, struct exchange *x,
		  const struct config *restore, struct config *now)
{
	struct gen g = { .family = f->fam.id, .next_seq = 0x40000000u };
	uint64_t before = f->violations;
	struct family fam;
	int err;

	f->probes++;
	pc->cat = CAT_PROBE;
	pc->index = f->probes;
	err = resolve_family(f->timeout_s, &fam);
	if (err) {
		violation(f, NULL, NULL, "family %s gone: %s",
			  VMEXIT_STAT_FAMILY_NAME, strerror(-err));
		f->probe_failures++;
		return;
	}
	if (fam.id != f->fam.id || fam.version != f->fam.version)
		violation(f, NULL, NULL,
			  "family changed: id %u version %u, was %u %u", fam.id,
			  fam.version, f->fam.id, f->fam.version);
	reopen(f);
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		if (!ops[i].admin)
			probe_request(f, pc, x, &g, &ops[i], NULL);
	if (restore && restore->known)
		probe_request(f, pc, x, &g, NULL, restore);
	probe_config(f, pc, x, &g, now);
	probe_join(f);
	if (f->violations != before)
		f->probe_failures++;
}

/* ---- reporting ------------------------------------------------------- */

static void print_text(const struct fuzzer *f, uint64_t cases, double seconds)
{
	const struct stats *t;
	uint64_t malformed = 0;

	for (int c = 0; c < NR_CATEGORIES; c++)
		if (c != CAT_VALID)
			malformed += f->by_cat[c].messages +
				     f->by_cat[c].unread +
				     f->by_cat[c].send_failed;
	printf("nlfuzz: seed %" PRIu64 ", %" PRIu64
	       " cases, family %s id %u version %u, read %s, admin %s\n",
	       f->seed, cases, VMEXIT_STAT_FAMILY_NAME, f->fam.id,
	       f->fam.version, f->read_ok ? "allowed" : "refused",
	       f->admin_ok ? "allowed" : "refused");
	printf("%-15s %6s %6s %7s %7s %7s %6s %8s %7s %6s %6s %6s %7s\n",
	       "category", "cases", "msgs", "granted", "refused", "ignored",
	       "unread", "sendfail", "replies", "dumps", "multi", "aband",
	       "ms");
	for (int c = 0; c < NR_COUNTED; c++) {
		t = &f->by_cat[c];
		printf("%-15s %6" PRIu64 " %6" PRIu64 " %7" PRIu64 " %7" PRIu64
		       " %7" PRIu64 " %6" PRIu64 " %8" PRIu64 " %7" PRIu64
		       " %6" PRIu64 " %6" PRIu64 " %6" PRIu64 " %7" PRIu64 "\n",
		       category_names[c], t->cases, t->messages, t->granted,
		       t->refused, t->ignored, t->unread, t->send_failed,
		       t->replies, t->dumps_done, t->dumps_multipart,
		       t->dumps_abandoned, t->ns / 1000000);
	}
	printf("errors:");
	for (size_t e = 0; e < ARRAY_SIZE(f->errnos); e++)
		if (f->errnos[e])
			printf(" %s %" PRIu64, errname(-(int)e), f->errnos[e]);
	printf("\nrefusals with an extack message %" PRIu64 ", without %" PRIu64
	       "\n",
	       f->refused_with_extack, f->refused_without_extack);
	printf("lifecycle group joins %" PRIu64 ", refused %" PRIu64 "\n",
	       f->joins, f->joins_refused);
	printf("malformed or random messages %" PRIu64 ", probes %" PRIu64
	       " (%" PRIu64 " failed), reopened sockets %" PRIu64
	       ", timeouts %" PRIu64 ", stray answers %" PRIu64 "\n",
	       malformed, f->probes, f->probe_failures, f->reopens, f->timeouts,
	       f->stray_answers);
	printf("%.1f s; violations %" PRIu64 "\n", seconds, f->violations);
}

static void print_json(const struct fuzzer *f, uint64_t cases, double seconds)
{
	uint64_t malformed = 0;
	const char *sep = "";

	for (int c = 0; c < NR_CATEGORIES; c++)
		if (c != CAT_VALID)
			malformed += f->by_cat[c].messages +
				     f->by_cat[c].unread +
				     f->by_cat[c].send_failed;
	printf("{\"seed\": %" PRIu64 ", \"cases\": %" PRIu64
	       ", \"family_id\": %u, \"family_version\": %u, "
	       "\"read\": \"%s\", \"admin\": \"%s\", \"seconds\": %.1f,\n",
	       f->seed, cases, f->fam.id, f->fam.version,
	       f->read_ok ? "allowed" : "refused",
	       f->admin_ok ? "allowed" : "refused", seconds);
	printf(" \"categories\": {");
	for (int c = 0; c < NR_COUNTED; c++) {
		const struct stats *t = &f->by_cat[c];

		printf("%s\n  \"%s\": {\"cases\": %" PRIu64
		       ", \"messages\": %" PRIu64 ", \"granted\": %" PRIu64
		       ", \"refused\": %" PRIu64 ", \"ignored\": %" PRIu64
		       ", \"unread\": %" PRIu64 ", \"send_failed\": %" PRIu64
		       ", \"replies\": %" PRIu64 ", \"dumps_done\": %" PRIu64
		       ", \"dumps_multipart\": %" PRIu64
		       ", \"dumps_abandoned\": %" PRIu64 ", \"ms\": %" PRIu64
		       "}",
		       c ? "," : "", category_names[c], t->cases, t->messages,
		       t->granted, t->refused, t->ignored, t->unread,
		       t->send_failed, t->replies, t->dumps_done,
		       t->dumps_multipart, t->dumps_abandoned, t->ns / 1000000);
	}
	printf("},\n \"errors\": {");
	for (size_t e = 0; e < ARRAY_SIZE(f->errnos); e++)
		if (f->errnos[e]) {
			printf("%s\"%s\": %" PRIu64, sep, errname(-(int)e),
			       f->errnos[e]);
			sep = ", ";
		}
	printf("},\n \"refused_with_extack\": %" PRIu64
	       ", \"refused_without_extack\": %" PRIu64 ", \"joins\": %" PRIu64
	       ", \"joins_refused\": %" PRIu64
	       ", \"malformed_or_random\": %" PRIu64 ", \"probes\": %" PRIu64
	       ", \"probe_failures\": %" PRIu64 ", \"reopens\": %" PRIu64
	       ", \"timeouts\": %" PRIu64 ", \"stray_answers\": %" PRIu64
	       ", \"violations\": %" PRIu64 "}\n",
	       f->refused_with_extack, f->refused_without_extack, f->joins,
	       f->joins_refused, malformed, f->probes, f->probe_failures,
	       f->reopens, f->timeouts, f->stray_answers, f->violations);
}

/* ---- command line ---------------------------------------------------- */

enum perm { PERM_AUTO, PERM_ALLOWED, PERM_REFUSED };

struct options {
	uint64_t seed;
	uint64_t cases;
	int64_t only_case;
	enum perm read;
	enum perm admin;
	unsigned int probe_every;
	unsigned int timeout_s;
	bool json;
	bool verbose;
	bool dry_run;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: nlfuzz [--seed N] [--count N] [--case N]\n"
		"              [--read allowed|refused] [--admin allowed|refused]\n"
		"              [--probe-every N] [--timeout S] [--json] [--verbose]\n"
		"              [--dry-run]\n"
		"\n"
		"Sends malformed, random and valid requests to the generic netlink\n"
		"family \"" VMEXIT_STAT_FAMILY_NAME
		"\" and checks the answers against the contract in\n"
		"include/uapi/linux/vmexit_stat.h.  Exits 0 when every answer was as\n"
		"the contract says, 1 on any violation (family gone, valid request\n"
		"refused, malformed request accepted, something granted without\n"
		"permission), 2 on bad usage or when the family is not registered.\n"
		"\n"
		"  --seed N         the requests depend on N only (default 1)\n"
		"  --count N        cases to run (default %d)\n"
		"  --case N         run case N only (replays a reported violation)\n"
		"  --read R         are reads permitted to us (default: from our\n"
		"                   capabilities and the module's unprivileged_read)\n"
		"  --admin R        are RESET and SET_CONFIG (default: CAP_NET_ADMIN)\n"
		"  --probe-every N  check valid requests every N cases (default %d)\n"
		"  --timeout S      longest wait for an answer (default %d)\n"
		"  --json           print the summary as JSON\n"
		"  --verbose        describe every case and answer on stderr\n"
		"  --dry-run        generate without sending; print a digest\n"
		"                   (with --verbose, one per case)\n",
		DEFAULT_CASES, DEFAULT_PROBE_EVERY, DEFAULT_TIMEOUT_S);
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_perm(const char *s, enum perm *out)
{
	if (!strcmp(s, "allowed"))
		*out = PERM_ALLOWED;
	else if (!strcmp(s, "refused"))
		*out = PERM_REFUSED;
	else
		return false;
	return true;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "case", required_argument, NULL, 'c' },
		{ "read", required_argument, NULL, 'r' },
		{ "admin", required_argument, NULL, 'a' },
		{ "probe-every", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "dry-run", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c, longindex = 0;
	uint64_t v;

	*o = (struct options){ .seed = 1,
			       .cases = DEFAULT_CASES,
			       .only_case = -1,
			       .probe_every = DEFAULT_PROBE_EVERY,
			       .timeout_s = DEFAULT_TIMEOUT_S };
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, &longindex)) != -1) {
		switch (c) {
		case 's':
			if (!parse_u64(optarg, UINT64_MAX, &o->seed))
				goto bad_value;
			break;
		case 'n':
			if (!parse_u64(optarg, MAX_CASES, &o->cases))
				goto bad_value;
			break;
		case 'c':
			if (!parse_u64(optarg, MAX_CASES - 1, &v))
				goto bad_value;
			o->only_case = (int64_t)v;
			break;
		case 'r':
			if (!parse_perm(optarg, &o->read))
				goto bad_value;
			break;
		case 'a':
			if (!parse_perm(optarg, &o->admin))
				goto bad_value;
			break;
		case 'p':
			if (!parse_u64(optarg, 100000000, &v) || !v)
				goto bad_value;
			o->probe_every = (unsigned int)v;
			break;
		case 't':
			if (!parse_u64(optarg, 3600, &v) || !v)
				goto bad_value;
			o->timeout_s = (unsigned int)v;
			break;
		case 'j':
			o->json = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'd':
			o->dry_run = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr,
				"nlfuzz: unknown option '%s' (see --help)\n",
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
			"nlfuzz: unexpected argument '%s' (see --help)\n",
			argv[optind]);
		return -1;
	}
	return 0;

bad_value:
	fprintf(stderr, "nlfuzz: bad value '%s' for --%s (see --help)\n",
		optarg, longopts[longindex].name);
	return -1;
}

/* Effective capability bit from /proc/self/status. */
static bool has_cap(int cap)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long eff = 0;

	if (!fp)
		return false;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(fp);
	return eff & (1ULL << cap);
}

static bool module_unprivileged_read(void)
{
	FILE *fp = fopen("/sys/module/vmexit_stat/parameters/unprivileged_read",
			 "r");
	int c;

	if (!fp)
		return false;
	c = fgetc(fp);
	fclose(fp);
	return c == 'Y' || c == '1';
}

/* FNV-1a over every case's bytes: --dry-run shows the seed decides. */
static int dry_run(const struct options *o)
{
	struct gen g = { .family = 0x20, .own_pid = 4242 };
	struct fuzz_case fc = { 0 };
	uint64_t hash = 0xcbf29ce484222325ULL, bytes = 0, msgs = 0;
	uint64_t malformed = 0;
	uint64_t first = o->only_case >= 0 ? (uint64_t)o->only_case : 0;
	uint64_t last = o->only_case >= 0 ? first + 1 : o->cases;

	for (uint64_t i = first; i < last; i++) {
		uint64_t one = 0xcbf29ce484222325ULL;

		generate(&g, &fc, o->seed, i);
		for (size_t d = 0; d < fc.nr_dgrams; d++) {
			struct kmsg ms[MAX_MSGS];

			size_t n = interpret(&fc.dgrams[d], d, g.family, ms,
					     MAX_MSGS);

			msgs += n;
			if (fc.cat != CAT_VALID)
				malformed += n ? n : 1;
			bytes += fc.dgrams[d].buf.len;
			for (size_t k = 0; k < fc.dgrams[d].buf.len; k++) {
				hash = (hash ^ fc.dgrams[d].buf.data[k]) *
				       0x100000001b3ULL;
				one = (one ^ fc.dgrams[d].buf.data[k]) *
				      0x100000001b3ULL;
			}
		}
		if (o->verbose)
			printf("case %" PRIu64 " %s: digest %016" PRIx64 "\n",
			       i, category_names[fc.cat], one);
	}
	printf("nlfuzz: seed %" PRIu64 ", %" PRIu64 " cases, %" PRIu64
	       " messages, %" PRIu64 " malformed or random, %" PRIu64
	       " bytes, digest %016" PRIx64 "\n",
	       o->seed, last - first, msgs, malformed, bytes, hash);
	for (size_t d = 0; d < MAX_DGRAMS; d++)
		buf_free(&fc.dgrams[d].buf);
	return 0;
}

int main(int argc, char **argv)
{
	struct fuzzer f = { .fd = -1 };
	struct options o;
	struct gen g = { 0 };
	struct fuzz_case *fc = calloc(1, sizeof(*fc));
	struct fuzz_case *pc = calloc(1, sizeof(*pc));
	struct exchange *x = calloc(1, sizeof(*x));
	struct config saved = { 0 }, after = { 0 };
	struct timespec t0, t1;
	uint64_t first, last, ran = 0;
	double seconds;
	int err, status;

	if (!fc || !pc || !x) {
		fprintf(stderr, "nlfuzz: out of memory\n");
		return 2;
	}
	if (parse_options(argc, argv, &o)) {
		status = 2;
		goto out;
	}
	if (o.dry_run) {
		status = dry_run(&o);
		goto out;
	}

	f.seed = o.seed;
	f.timeout_s = o.timeout_s;
	f.verbose = o.verbose;
	f.admin_ok = o.admin == PERM_AUTO ? has_cap(CAP_NUM_NET_ADMIN) :
					    o.admin == PERM_ALLOWED;
	f.may_join = has_cap(CAP_NUM_SYS_ADMIN) || module_unprivileged_read();
	f.read_ok = o.read == PERM_AUTO ? has_cap(CAP_NUM_PERFMON) ||
						  has_cap(CAP_NUM_SYS_ADMIN) ||
						  module_unprivileged_read() :
					  o.read == PERM_ALLOWED;

	err = resolve_family(o.timeout_s, &f.fam);
	if (err == -ENOENT) {
		fprintf(stderr,
			"nlfuzz: generic netlink family %s is not registered; "
			"is the module loaded (insmod vmexit_stat.ko)?\n",
			VMEXIT_STAT_FAMILY_NAME);
		status = 2;
		goto out;
	}
	if (err) {
		fprintf(stderr, "nlfuzz: cannot resolve family %s: %s\n",
			VMEXIT_STAT_FAMILY_NAME, strerror(-err));
		status = 2;
		goto out;
	}
	check_family(&f);

	g.family = f.fam.id;
	g.own_pid = (uint32_t)getpid();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	probe(&f, pc, x, NULL, &saved);
	first = o.only_case >= 0 ? (uint64_t)o.only_case : 0;
	last = o.only_case >= 0 ? first + 1 : o.cases;
	for (uint64_t i = first; i < last; i++) {
		generate(&g, fc, o.seed, i);
		run_case(&f, fc, x);
		ran++;
		if (ran % o.probe_every == 0)
			probe(&f, pc, x, NULL, NULL);
	}
	/* Put back what the valid SET_CONFIGs changed, and see it stick. */
	probe(&f, pc, x, f.admin_ok ? &saved : NULL, &after);
	if (f.admin_ok && saved.known &&
	    (!after.known || after.latency != saved.latency ||
	     after.details != saved.details || after.ttl != saved.ttl))
		violation(
			&f, NULL, NULL,
			"configuration not restored: latency %u details %u ttl %u, wanted %u %u %u",
			after.latency, after.details, after.ttl, saved.latency,
			saved.details, saved.ttl);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	seconds = (double)(t1.tv_sec - t0.tv_sec) +
		  (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	if (f.violations > MAX_REPORTED)
		fprintf(stderr,
			"nlfuzz: %" PRIu64 " more violations not shown\n",
			f.violations - MAX_REPORTED);
	if (o.json)
		print_json(&f, ran, seconds);
	else
		print_text(&f, ran, seconds);
	status = f.violations ? 1 : 0;
out:
	if (f.fd >= 0)
		close(f.fd);
	for (size_t d = 0; d < MAX_DGRAMS; d++) {
		buf_free(&fc->dgrams[d].buf);
		buf_free(&pc->dgrams[d].buf);
	}
	buf_free(&f.rx);
	free(fc);
	free(pc);
	free(x);
	return status;
}
