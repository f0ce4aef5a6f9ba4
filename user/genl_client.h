/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_GENL_CLIENT_H
#define VMEXIT_STAT_GENL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/vmexit_stat.h>

/*
 * Client side of the vmexit_stat generic netlink family, version 3
 * (include/uapi/linux/vmexit_stat.h), over libnl-genl-3.
 *
 * Every function that talks to the kernel returns 0 or a negative errno.
 * When the kernel explained a failure (extended ack), the explanation is
 * kept in the client until the next request, for vmexit_print_error().
 *
 * The message parsers and request builders are separate from the socket
 * code so that the unit tests can feed them messages built in user space.
 */

struct nl_msg;
struct nl_sock;
struct nlmsghdr;

/* A nested VMEXIT_STAT_A_LAT_*: exit latency or user-space round trip. */
struct vmexit_latency {
	uint64_t count;
	uint64_t sum_ns;
	uint64_t min_ns; /* 0 when count is 0 */
	uint64_t max_ns;
	uint64_t hist[VMEXIT_STAT_LAT_BUCKETS];
};

/*
 * One counter of a GET_EXITS dump: (VM, vCPU, isa, code, flags) -> count
 * and latency.  per_vm: the kernel summed the vCPUs (BY_VM request).
 */
struct vmexit_record {
	uint32_t vm_pid;
	uint64_t vm_id;
	bool per_vm;
	uint32_t vcpu_id;
	uint32_t vcpu_tid; /* 0 when the kernel did not say */
	uint32_t isa; /* enum vmexit_stat_isa */
	uint32_t code; /* modifier bits already removed */
	uint32_t flags; /* VMEXIT_STAT_EXIT_FLAG_* */
	uint64_t count;
	/*
	 * Both backends measure these and set has_latency; a record
	 * without it prints nothing about them.
	 */
	bool has_latency;
	uint64_t user_count;
	uint64_t user_ns;
	struct vmexit_latency latency;
};

/* One counter of GET_USER_EXITS: (VM, vCPU, KVM_EXIT_* reason). */
struct vmexit_user_record {
	uint32_t vm_pid;
	uint64_t vm_id;
	bool per_vm;
	uint32_t vcpu_id;
	uint32_t vcpu_tid;
	uint32_t reason; /* KVM_EXIT_* */
	uint64_t count;
	struct vmexit_latency round_trip;
};

/* One row of GET_DETAILS. */
struct vmexit_detail {
	uint32_t vm_pid;
	uint64_t vm_id;
	uint32_t kind; /* enum vmexit_stat_detail_kind */
	uint64_t key;
	uint64_t count;
};

/* One VM of GET_VMS. */
struct vmexit_vm {
	uint32_t pid;
	uint64_t vm_id;
	char comm[32];
	uint32_t state; /* enum vmexit_stat_vm_state, 0 if not said */
	uint32_t vcpus_live;
	uint32_t vcpus_seen;
	uint64_t start_ns; /* CLOCK_BOOTTIME */
	uint64_t end_ns; /* 0 while running */
	uint64_t exits;
	uint64_t user_exits;
	uint64_t exit_ns;
	uint64_t dropped;
	uint64_t details_dropped;
};

/*
 * One vCPU thread of GET_SCHED, or a VM's vCPUs summed (per_vm).  Times
 * in ns; wait_ns is the run delay (steal), idle_ns time blocked.
 */
struct vmexit_sched {
	uint32_t vm_pid;
	uint64_t vm_id;
	bool per_vm;
	uint32_t vcpu_id;
	uint32_t vcpu_tid;
	uint32_t state; /* enum vmexit_stat_sched_state; 0 if not said */
	bool has_cpu;
	uint32_t cpu;
	uint64_t run_ns;
	uint64_t wait_ns;
	uint64_t idle_ns;
	uint64_t timeslices;
	uint64_t preemptions;
	uint64_t migrations;
	struct vmexit_latency wakeup; /* woken until run */
	struct vmexit_latency preempt; /* preempted until run again */
};

/* A task that ran on a CPU while a vCPU waited for it. */
struct vmexit_thief {
	uint32_t tid; /* 0: the idle task */
	char comm[32];
	uint64_t ns;
	uint64_t over_ns; /* ns may be this much too high */
	bool is_vcpu; /* then vm_pid and vcpu_id say whose */
	uint32_t vm_pid;
	uint32_t vcpu_id;
};

/* One physical CPU of GET_CPU_SCHED. */
struct vmexit_cpu_sched {
	uint32_t cpu;
	uint64_t wait_ns; /* vCPU run delay that ended on this CPU */
	uint64_t vcpu_run_ns;
	uint64_t unattributed_ns; /* of wait_ns, no thief known */
	struct vmexit_latency wakeup;
	struct vmexit_latency preempt;
	uint32_t nr_thieves; /* busiest first */
	struct vmexit_thief thieves[VMEXIT_STAT_THIEVES];
};

/* A lifecycle notification. */
struct vmexit_event {
	uint8_t cmd; /* VMEXIT_STAT_CMD_VM_START ... VCPU_STOP */
	uint32_t pid;
	uint64_t vm_id;
	bool has_vcpu;
	uint32_t vcpu_id;
	uint32_t tid;
};

struct vmexit_config {
	bool latency;
	bool details;
	uint32_t ended_vm_ttl_s;
	bool unprivileged_read;
	bool sched;
};

/* What SET_CONFIG changes: only the set_* members are sent. */
struct vmexit_config_change {
	bool set_latency;
	bool set_details;
	bool set_ended_vm_ttl;
	bool set_sched;
	bool latency;
	bool details;
	uint32_t ended_vm_ttl_s;
	bool sched;
};

struct vmexit_info {
	char version[64];
	char kernel[128];
	uint64_t exits_seen;
	uint64_t entries_seen;
	uint64_t user_exits_seen;
	uint64_t exits_dropped;
	uint64_t dropped_no_vcpu_slot;
	uint64_t dropped_no_reason_slot;
	uint64_t dropped_unreadable;
	uint64_t details_dropped;
	uint64_t events_dropped;
	uint64_t memory_bytes;
	uint64_t memory_used_bytes;
	uint32_t vcpu_slots;
	uint32_t vcpu_slots_used;
	uint32_t vms;
	uint32_t lat_buckets;
	uint32_t exit_proto;
	uint32_t isas; /* 1 << VMEXIT_STAT_ISA_* */
	uint64_t sched_switches_seen;
	uint64_t sched_missed;
	uint64_t markers_seen;
	uint64_t markers_unmatched;
	uint64_t phases_dropped;
	/* The BPF backend's counter map size; the module leaves it 0. */
	uint32_t slots_per_cpu;
	unsigned int family_version; /* from the controller, not GET_INFO */
};

/* Exits of one code in a phase (a PHASE_EXIT nest). */
struct vmexit_phase_exit {
	uint32_t isa;
	uint32_t code; /* modifier bits already removed */
	uint32_t flags;
	uint64_t count;
};

/* As many codes as a module thread or a BPF phase can hold. */
#define VMEXIT_PHASE_EXITS_MAX 64

/*
 * One message of GET_PHASES, or the same from the BPF maps: what a vCPU
 * thread did while its guest was in one phase (see "Phases" in the uapi
 * header).  Times are CLOCK_MONOTONIC ns.
 */
struct vmexit_phase {
	uint32_t vm_pid;
	uint64_t vm_id;
	uint32_t vcpu_id;
	uint32_t vcpu_tid;
	uint32_t phase_id;
	bool open; /* the vCPU is in the phase now */
	uint64_t starts;
	uint64_t ends;
	uint64_t active_ns; /* the open part counted up to the read */
	uint64_t last_start_ns;
	uint64_t last_end_ns; /* 0: never ended */
	uint64_t exits;
	bool has_latency;
	struct vmexit_latency latency;
	uint64_t wait_ns; /* run delay: steal */
	size_t nr_exits;
	struct vmexit_phase_exit exit[VMEXIT_PHASE_EXITS_MAX];
};

/*
 * Dump filters; the kernel applies them, and so do we (see the .c).
 * Each request carries the ones its command knows.
 */
struct vmexit_filter {
	bool by_pid;
	bool by_vm_id;
	bool by_vcpu;
	bool by_vm; /* GET_EXITS, GET_USER_EXITS, GET_SCHED: sum the vCPUs */
	bool by_cpu; /* GET_CPU_SCHED */
	uint32_t pid;
	uint64_t vm_id;
	uint32_t vcpu_id;
	uint32_t cpu;
	uint32_t limit; /* GET_DETAILS: per VM and kind; 0: the default */
	bool by_phase; /* GET_PHASES */
	uint32_t phase_id;
};

struct vmexit_client {
	struct nl_sock *sock;
	int family_id;
	unsigned int family_version;
	char extack[256]; /* kernel's message for the last failure */
	char detail[128]; /* libnl's message when libnl itself failed */
	/* Notifications received but not handed out yet. */
	char *event_buf;
	size_t event_len;
	size_t event_off;
};

/* Lists of dump replies, grown by the *_add functions. */
struct vmexit_records {
	struct vmexit_record *rec;
	size_t nr;
	size_t alloc;
};

struct vmexit_user_records {
	struct vmexit_user_record *rec;
	size_t nr;
	size_t alloc;
};

struct vmexit_details {
	struct vmexit_detail *rec;
	size_t nr;
	size_t alloc;
};

struct vmexit_vms {
	struct vmexit_vm *rec;
	size_t nr;
	size_t alloc;
};

struct vmexit_scheds {
	struct vmexit_sched *rec;
	size_t nr;
	size_t alloc;
};

struct vmexit_cpu_scheds {
	struct vmexit_cpu_sched *rec;
	size_t nr;
	size_t alloc;
};

struct vmexit_phases {
	struct vmexit_phase *rec;
	size_t nr;
	size_t alloc;
};

/* -ENOENT: the vmexit_stat family is not registered (module not loaded). */
int vmexit_client_open(struct vmexit_client *client);
void vmexit_client_close(struct vmexit_client *client);

/*
 * vmexit_client_open(), saying on stderr why it failed, with how to load
 * the module when it is not loaded.  Refuses (-EPROTONOSUPPORT) a module
 * that speaks another version of the protocol than ours.
 */
int vmexit_connect(struct vmexit_client *client);

int vmexit_get_info(struct vmexit_client *client, struct vmexit_info *info);
int vmexit_dump_exits(struct vmexit_client *client,
		      const struct vmexit_filter *filter,
		      struct vmexit_records *out);
int vmexit_dump_user_exits(struct vmexit_client *client,
			   const struct vmexit_filter *filter,
			   struct vmexit_user_records *out);
int vmexit_dump_details(struct vmexit_client *client,
			const struct vmexit_filter *filter,
			struct vmexit_details *out);
int vmexit_dump_vms(struct vmexit_client *client,
		    const struct vmexit_filter *filter, struct vmexit_vms *out);
int vmexit_dump_sched(struct vmexit_client *client,
		      const struct vmexit_filter *filter,
		      struct vmexit_scheds *out);
int vmexit_dump_cpu_sched(struct vmexit_client *client,
			  const struct vmexit_filter *filter,
			  struct vmexit_cpu_scheds *out);
int vmexit_dump_phases(struct vmexit_client *client,
		       const struct vmexit_filter *filter,
		       struct vmexit_phases *out);
int vmexit_get_config(struct vmexit_client *client,
		      struct vmexit_config *config);
int vmexit_set_config(struct vmexit_client *client,
		      const struct vmexit_config_change *change);
int vmexit_reset(struct vmexit_client *client);

/*
 * Joins the lifecycle multicast group; from then on the client's socket
 * only receives notifications, read with vmexit_next_event().
 */
int vmexit_subscribe_lifecycle(struct vmexit_client *client);
/*
 * Waits up to timeout_ms (-1: forever) for the next notification.
 * Returns 1 with *event filled, 0 on timeout, or a negative errno.
 * *lost counts the times the kernel had to drop notifications for us.
 */
int vmexit_next_event(struct vmexit_client *client, struct vmexit_event *event,
		      int timeout_ms, uint64_t *lost);

/*
 * Prints "vmexit-stat: <what>: <reason>" on stderr, with the kernel's
 * own message when it sent one.
 */
void vmexit_print_error(const struct vmexit_client *client, const char *what,
			int err);

/* Request builders, exposed for the unit tests.  NULL: out of memory. */
struct nl_msg *vmexit_dump_request(int family_id, uint8_t cmd,
				   const struct vmexit_filter *filter);
struct nl_msg *vmexit_set_config_request(int family_id,
					 const struct vmexit_config_change *c);

/* Parsers, exposed for the unit tests; 0 or -EBADMSG. */
int vmexit_parse_record(struct nl_msg *msg, struct vmexit_record *rec);
int vmexit_parse_user_record(struct nl_msg *msg,
			     struct vmexit_user_record *rec);
int vmexit_parse_detail(struct nl_msg *msg, struct vmexit_detail *detail);
int vmexit_parse_vm(struct nl_msg *msg, struct vmexit_vm *vm);
int vmexit_parse_sched(struct nl_msg *msg, struct vmexit_sched *sched);
int vmexit_parse_cpu_sched(struct nl_msg *msg, struct vmexit_cpu_sched *cpu);
int vmexit_parse_phase(struct nl_msg *msg, struct vmexit_phase *phase);
int vmexit_parse_config(struct nl_msg *msg, struct vmexit_config *config);
int vmexit_parse_info(struct nl_msg *msg, struct vmexit_info *info);
/* Also checks that the message is one of the four notifications. */
int vmexit_parse_event(struct nlmsghdr *nlh, struct vmexit_event *event);
/*
 * Copies the NLMSGERR_ATTR_MSG of an NLMSG_ERROR or NLMSG_DONE message
 * into buf; buf becomes "" when there is none.
 */
void vmexit_parse_extack(const struct nlmsghdr *nlh, char *buf, size_t len);

bool vmexit_filter_match(const struct vmexit_filter *filter,
			 const struct vmexit_record *rec);
/* The same for any reply: vcpu_id is ignored when has_vcpu is false. */
bool vmexit_filter_match_ids(const struct vmexit_filter *filter, uint32_t pid,
			     uint64_t vm_id, bool has_vcpu, uint32_t vcpu_id);

int vmexit_records_add(struct vmexit_records *recs,
		       const struct vmexit_record *rec);
void vmexit_records_free(struct vmexit_records *recs);
int vmexit_user_records_add(struct vmexit_user_records *recs,
			    const struct vmexit_user_record *rec);
void vmexit_user_records_free(struct vmexit_user_records *recs);
int vmexit_details_add(struct vmexit_details *list,
		       const struct vmexit_detail *detail);
void vmexit_details_free(struct vmexit_details *list);
int vmexit_vms_add(struct vmexit_vms *list, const struct vmexit_vm *vm);
void vmexit_vms_free(struct vmexit_vms *list);
int vmexit_scheds_add(struct vmexit_scheds *list,
		      const struct vmexit_sched *sched);
void vmexit_scheds_free(struct vmexit_scheds *list);
int vmexit_cpu_scheds_add(struct vmexit_cpu_scheds *list,
			  const struct vmexit_cpu_sched *cpu);
void vmexit_cpu_scheds_free(struct vmexit_cpu_scheds *list);
int vmexit_phases_add(struct vmexit_phases *list,
		      const struct vmexit_phase *phase);
void vmexit_phases_free(struct vmexit_phases *list);

#endif /* VMEXIT_STAT_GENL_CLIENT_H */
