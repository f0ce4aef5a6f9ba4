// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF backend: load bpf/exits.bpf.c (embedded as a skeleton), attach
 * the program that fits the running kernel's kvm_exit tracepoint, wait,
 * detach, and read the counters into the module's record shape.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/capability.h>
#include <linux/types.h>
#include <linux/vmexit_stat.h>
#include <vmexit_stat/exits.h>

#include "bpf_backend.h"
#include "exits.skel.h"
#include "latency.h"

#define VMX_BASIC_REASON_MASK 0xffffU
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

_Static_assert(VXS_BPF_LAT_BUCKETS == VMEXIT_STAT_LAT_BUCKETS,
	       "the BPF histograms have the module's buckets");
_Static_assert(BPF_BACKEND_MAX_COUNTERS == VXS_BPF_MAX_COUNTERS,
	       "show's help must tell the map's real default size");

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * libbpf's warnings (a verifier log, a missing BTF) are the detail behind
 * our own one-line errors, so they stay; its chatter is for
 * VMEXIT_STAT_LIBBPF_DEBUG=1.
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	if (level != LIBBPF_WARN && !getenv("VMEXIT_STAT_LIBBPF_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, args);
}

static bool kernel_older_than(unsigned int major, unsigned int minor)
{
	unsigned int kmajor = 0, kminor = 0;
	struct utsname uts;

	if (uname(&uts) || sscanf(uts.release, "%u.%u", &kmajor, &kminor) != 2)
		return false;
	return kmajor < major || (kmajor == major && kminor < minor);
}

/* The other way to count, where nobody has loaded it yet. */
static void suggest_module(const char *why)
{
	if (access("/sys/module/vmexit_stat", F_OK))
		fprintf(stderr,
			"vmexit-stat: or count with the vmexit_stat module "
			"(modprobe vmexit_stat)%s\n",
			why);
}

/* The parameter count of btf_trace_kvm_exit in btf, or -ENOENT. */
static int kvm_exit_btf_params(const struct btf *btf)
{
	const struct btf_type *t;
	int id;

	id = btf__find_by_name_kind(btf, "btf_trace_kvm_exit",
				    BTF_KIND_TYPEDEF);
	if (id < 0)
		return -ENOENT;
	t = btf__type_by_id(btf, id); /* typedef -> pointer -> prototype */
	t = t ? btf__type_by_id(btf, t->type) : NULL;
	t = t && btf_is_ptr(t) ? btf__type_by_id(btf, t->type) : NULL;
	if (!t || !btf_is_func_proto(t))
		return -EINVAL;
	return btf_vlen(t);
}

static bool module_has_type(struct btf *vmlinux, const char *module,
			    const char *type)
{
	struct btf *btf;
	bool found;

	if (btf__find_by_name_kind(vmlinux, type, BTF_KIND_STRUCT) > 0)
		return true; /* KVM built into the kernel */
	btf = btf__load_module_btf(module, vmlinux);
	if (!btf)
		return false;
	found = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT) > 0;
	btf__free(btf);
	return found;
}

static bool is_loaded(const char *module)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/module/%s", module);
	return !access(path, F_OK);
}

/*
 * Which kvm_exit prototype the running kernel has, hence which program
 * to load: VXS_BPF_PROTO_*, or 0 after saying why there is none.
 *
 * The tracepoint's own BTF (btf_trace_kvm_exit: the hidden context
 * pointer, then the arguments) is the authority: 4 parameters is
 * (reason, vcpu, isa), 3 is (vcpu, isa).  It lives in kvm.ko's BTF, which
 * kernels before 5.11 do not have; there the version decides, since the
 * prototype changed in 5.16 and nowhere else.
 */
static int kvm_exit_proto(void)
{
	struct btf *vmlinux, *kvm = NULL;
	int params, proto = 0;

	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		fprintf(stderr,
			"vmexit-stat: cannot read the kernel's BTF "
			"(/sys/kernel/btf/vmlinux): %s\n",
			strerror(errno));
		return 0;
	}
	params = kvm_exit_btf_params(vmlinux);
	if (params == -ENOENT && !access("/sys/kernel/btf/kvm", F_OK)) {
		kvm = btf__load_module_btf("kvm", vmlinux);
		if (kvm)
			params = kvm_exit_btf_params(kvm);
	}

	if (params == 4) {
		proto = VXS_BPF_PROTO_REASON_VCPU_ISA;
	} else if (params == 3) {
		proto = VXS_BPF_PROTO_VCPU_ISA;
	} else if (params >= 0 || params == -EINVAL) {
		fprintf(stderr,
			"vmexit-stat: kvm_exit has a prototype this version "
			"does not know (%d parameters)\n",
			params);
	} else if (!is_loaded("kvm")) {
		fprintf(stderr,
			"vmexit-stat: kvm is not loaded, so there is no "
			"kvm:kvm_exit tracepoint to attach to (modprobe "
			"kvm_amd or kvm_intel)\n");
	} else if (kernel_older_than(5, 16)) {
		proto = VXS_BPF_PROTO_REASON_VCPU_ISA;
	} else {
		fprintf(stderr,
			"vmexit-stat: the kernel has no BTF for kvm.ko "
			"(/sys/kernel/btf/kvm): the BPF backend needs "
			"CONFIG_DEBUG_INFO_BTF_MODULES=y on 5.16 and later\n");
		suggest_module(", which needs no BTF");
	}

	btf__free(kvm);
	btf__free(vmlinux);
	return proto;
}

/*
 * From 5.16 the reason is read from kvm_amd's or kvm_intel's private
 * types; without their BTF the programs load but count every exit as
 * dropped.  Say so now rather than leave a puzzle.
 */
static void warn_if_reasons_unreadable(int proto)
{
	struct btf *vmlinux;

	if (proto != VXS_BPF_PROTO_VCPU_ISA)
		return;
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return;
	if ((is_loaded("kvm_amd") &&
	     !module_has_type(vmlinux, "kvm_amd", "vcpu_svm")) ||
	    (is_loaded("kvm_intel") &&
	     !module_has_type(vmlinux, "kvm_intel", "vcpu_vmx")))
		fprintf(stderr,
			"vmexit-stat: warning: no BTF for kvm_amd/kvm_intel "
			"(CONFIG_DEBUG_INFO_BTF_MODULES): exit reasons cannot "
			"be read, every exit will count as dropped\n");
	btf__free(vmlinux);
}

static bool lockdown_confidential(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return strstr(buf, "[confidentiality]");
}

static bool has_cap(const struct __user_cap_data_struct *data, int cap)
{
	return data[cap / 32].effective & (1U << (cap % 32));
}

/*
 * Loading tracing programs needs CAP_BPF and CAP_PERFMON, or
 * CAP_SYS_ADMIN.  Asked first so that the answer is one clear line
 * rather than libbpf's guesses about RLIMIT_MEMLOCK.
 */
static bool may_load_bpf(void)
{
	struct __user_cap_header_struct header = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};

	if (syscall(SYS_capget, &header, data))
		return true; /* let the kernel decide */
	return has_cap(data, CAP_SYS_ADMIN) ||
	       (has_cap(data, CAP_BPF) && has_cap(data, CAP_PERFMON));
}

void bpf_backend_explain_load_error(int err)
{
	if (err == -EACCES) {
		/* the verifier's answer, while EPERM is the capability check */
		fprintf(stderr,
			"vmexit-stat: the kernel's verifier rejected the BPF "
			"programs (its log is above)\n");
		return;
	}
	if (err == -EPERM) {
		fprintf(stderr,
			"vmexit-stat: loading BPF programs is not permitted: "
			"it needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN); "
			"run it as root\n");
		if (lockdown_confidential())
			fprintf(stderr,
				"vmexit-stat: the kernel is locked down "
				"(confidentiality), which forbids reading "
				"kernel memory from BPF\n");
		suggest_module(", which users may read when it is loaded "
			       "with unprivileged_read=1");
		return;
	}
	fprintf(stderr, "vmexit-stat: loading the BPF programs failed: %s\n",
		strerror(-err));
}

uint64_t bpf_backend_vm_id(uint64_t kvm, uint64_t salt)
{
	uint64_t z = kvm ^ salt;

	/* splitmix64's finaliser: a bijection, so distinct VMs stay apart */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int read_totals(struct exits_bpf *skel, int nr_cpus,
		       struct vxs_exit_totals *sum)
{
	struct vxs_exit_totals *per_cpu;
	__u32 zero = 0;
	int cpu, err;

	per_cpu = calloc(nr_cpus, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;
	err = bpf_map_lookup_elem(bpf_map__fd(skel->maps.totals), &zero,
				  per_cpu);
	if (err)
		err = -errno;
	memset(sum, 0, sizeof(*sum));
	for (cpu = 0; !err && cpu < nr_cpus; cpu++) {
		sum->seen += per_cpu[cpu].seen;
		sum->dropped += per_cpu[cpu].dropped;
		sum->map_full += per_cpu[cpu].map_full;
		sum->entries_seen += per_cpu[cpu].entries_seen;
		sum->user_seen += per_cpu[cpu].user_seen;
		sum->user_dropped += per_cpu[cpu].user_dropped;
		sum->threads_full += per_cpu[cpu].threads_full;
		sum->details_dropped += per_cpu[cpu].details_dropped;
		sum->markers_seen += per_cpu[cpu].markers_seen;
		sum->markers_unmatched += per_cpu[cpu].markers_unmatched;
		sum->phases_dropped += per_cpu[cpu].phases_dropped;
	}
	free(per_cpu);
	return err;
}

/* latency_add() skips a CPU that timed nothing: its min_ns means nothing. */
void bpf_backend_latency_merge(struct vmexit_latency *sum,
			       const struct vxs_latency *cpu)
{
	struct vmexit_latency one = {
		.count = cpu->count,
		.sum_ns = cpu->sum_ns,
		.min_ns = cpu->min_ns,
		.max_ns = cpu->max_ns,
	};

	memcpy(one.hist, cpu->hist, sizeof(one.hist));
	latency_add(sum, &one);
}

/* The counters as records, filtered; 0 or -errno. */
static int read_counters(struct exits_bpf *skel, uint64_t salt,
			 const struct vmexit_filter *filter, bool timed,
			 struct vmexit_records *recs)
{
	int fd = bpf_map__fd(skel->maps.counters);
	struct vxs_exit_key key, next, *prev = NULL;
	struct vxs_exit_value value;
	int err = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		struct vmexit_record rec = { .has_latency = timed };

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &value))
			continue; /* gone meanwhile (a read while attached) */
		rec.vm_pid = key.pid;
		rec.vm_id = bpf_backend_vm_id(key.kvm, salt);
		rec.vcpu_id = key.vcpu_id;
		rec.vcpu_tid = value.tid;
		rec.isa = key.isa;
		rec.code = key.reason;
		if (key.isa == VMEXIT_STAT_ISA_VMX) {
			rec.code = key.reason & VMX_BASIC_REASON_MASK;
			rec.flags = key.reason & ~VMX_BASIC_REASON_MASK;
		}
		rec.count = value.count;
		rec.user_count = value.user_count;
		rec.user_ns = value.user_ns;
		bpf_backend_latency_merge(&rec.latency, &value.lat);
		if (!rec.count || !vmexit_filter_match(filter, &rec))
			continue;
		err = vmexit_records_add(recs, &rec);
		if (err)
			break;
	}
	return err;
}

static int read_user_counters(struct exits_bpf *skel, uint64_t salt,
			      const struct vmexit_filter *filter,
			      struct vmexit_user_records *recs)
{
	int fd = bpf_map__fd(skel->maps.user_counters);
	struct vxs_user_key key, next, *prev = NULL;
	struct vxs_user_value value;
	int err = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		struct vmexit_user_record rec = {};

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &value))
			continue;
		rec.vm_pid = key.pid;
		rec.vm_id = bpf_backend_vm_id(key.kvm, salt);
		rec.vcpu_id = key.vcpu_id;
		rec.vcpu_tid = value.tid;
		rec.reason = key.reason;
		rec.count = value.count;
		bpf_backend_latency_merge(&rec.round_trip, &value.round_trip);
		if (!rec.count ||
		    !vmexit_filter_match_ids(filter, rec.vm_pid, rec.vm_id,
					     true, rec.vcpu_id))
			continue;
		err = vmexit_user_records_add(recs, &rec);
		if (err)
			break;
	}
	return err;
}

static int read_details(struct exits_bpf *skel, int nr_cpus, uint64_t salt,
			const struct vmexit_filter *filter,
			struct vmexit_details *list)
{
	int fd = bpf_map__fd(skel->maps.details);
	struct vxs_detail_key key, next, *prev = NULL;
	__u64 *per_cpu;
	int cpu, err = 0;

	per_cpu = calloc(nr_cpus, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		struct vmexit_detail detail = {};

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, per_cpu))
			continue;
		detail.vm_pid = key.pid;
		detail.vm_id = bpf_backend_vm_id(key.kvm, salt);
		detail.kind = key.kind;
		detail.key = key.key;
		for (cpu = 0; cpu < nr_cpus; cpu++)
			detail.count += per_cpu[cpu];
		if (!detail.count ||
		    !vmexit_filter_match_ids(filter, detail.vm_pid,
					     detail.vm_id, false, 0))
			continue;
		err = vmexit_details_add(list, &detail);
		if (err)
			break;
	}
	free(per_cpu);
	return err;
}

/* vCPU threads of the VM kvm that have not ended. */
static uint32_t live_threads(struct exits_bpf *skel, __u64 kvm)
{
	int fd = bpf_map__fd(skel->maps.threads);
	__u32 tid, next, *prev = NULL;
	struct vxs_thread thread;
	uint32_t live = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		tid = next;
		prev = &tid;
		if (!bpf_map_lookup_elem(fd, &tid, &thread) && thread.known &&
		    thread.exit.kvm == kvm)
			live++;
	}
	return live;
}

/* vCPU ids counted apart; a VM has at most KVM_MAX_VCPU_IDS (4096). */
#define VCPU_ID_BITS 4096

/* The VM's totals and vCPUs, from the records already read. */
static void vm_totals(struct vmexit_vm *vm, const struct bpf_collection *c)
{
	uint32_t seen[VCPU_ID_BITS / 32] = {};
	size_t i;

	for (i = 0; i < c->exits.nr; i++) {
		const struct vmexit_record *rec = &c->exits.rec[i];
		uint32_t id = rec->vcpu_id;

		if (rec->vm_pid != vm->pid || rec->vm_id != vm->vm_id)
			continue;
		vm->exits += rec->count;
		vm->exit_ns += rec->latency.sum_ns;
		if (id < VCPU_ID_BITS && !(seen[id / 32] & (1U << (id % 32)))) {
			seen[id / 32] |= 1U << (id % 32);
			vm->vcpus_seen++;
		}
	}
	for (i = 0; i < c->user_exits.nr; i++)
		if (c->user_exits.rec[i].vm_pid == vm->pid &&
		    c->user_exits.rec[i].vm_id == vm->vm_id)
			vm->user_exits += c->user_exits.rec[i].count;
}

/* After the counters: every VM that made an exit while attached. */
static int read_vms(struct exits_bpf *skel, uint64_t salt,
		    const struct vmexit_filter *filter,
		    struct bpf_collection *c)
{
	int fd = bpf_map__fd(skel->maps.vms);
	__u64 kvm, next, *prev = NULL;
	struct vxs_vm_value value;
	int err = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		struct vmexit_vm vm = {};

		kvm = next;
		prev = &kvm;
		if (bpf_map_lookup_elem(fd, &kvm, &value))
			continue;
		vm.pid = value.pid;
		vm.vm_id = bpf_backend_vm_id(kvm, salt);
		if (!vmexit_filter_match_ids(filter, vm.pid, vm.vm_id, false,
					     0))
			continue;
		_Static_assert(sizeof(value.comm) <= sizeof(vm.comm),
			       "a VMM's name fits");
		memcpy(vm.comm, value.comm, sizeof(value.comm));
		vm.comm[sizeof(value.comm) - 1] = 0;
		vm.start_ns = value.start_ns;
		vm.vcpus_live = live_threads(skel, kvm);
		vm.state = vm.vcpus_live ? VMEXIT_STAT_VM_RUNNING :
					   VMEXIT_STAT_VM_ENDED;
		vm.end_ns = vm.vcpus_live ? 0 : value.end_ns;
		vm_totals(&vm, c);
		err = vmexit_vms_add(&c->vms, &vm);
		if (err)
			break;
	}
	return err;
}

struct bpf_reader {
	struct exits_bpf *skel;
	int nr_cpus;
	int proto;
	uint32_t max_counters;
	bool counts_only;
	uint64_t salt;
};

static void fill_info(struct vmexit_info *info, int proto,
		      uint32_t max_counters,
		      const struct vxs_exit_totals *totals);

int bpf_backend_read(struct bpf_reader *reader,
		     const struct vmexit_filter *filter,
		     struct bpf_collection *out)
{
	struct vxs_exit_totals totals;
	int err;

	memset(out, 0, sizeof(*out));
	err = read_totals(reader->skel, reader->nr_cpus, &totals);
	if (!err)
		err = read_counters(reader->skel, reader->salt, filter,
				    !reader->counts_only, &out->exits);
	if (!err)
		err = read_user_counters(reader->skel, reader->salt, filter,
					 &out->user_exits);
	if (!err)
		err = read_vms(reader->skel, reader->salt, filter, out);
	if (!err)
		fill_info(&out->info, reader->proto, reader->max_counters,
			  &totals);
	return err;
}

/* 0, or the errno that ended the wait; sets *cmd_status for a command. */
static int wait_while_attached(const struct bpf_collect *how,
			       struct bpf_reader *reader, int *cmd_status)
{
	struct timespec left = { .tv_sec = how->interval };
	int status;
	pid_t child;

	*cmd_status = 0;
	if (how->attach_only)
		return 0;
	if (how->while_attached) {
		*cmd_status = how->while_attached(reader, how->ctx);
		return 0;
	}
	if (!how->cmd) {
		if (!how->interval) {
			while (!stop)
				pause();
			return 0;
		}
		/* nanosleep() returns early on SIGINT: stop then */
		while (!stop && nanosleep(&left, &left) && errno == EINTR)
			;
		return 0;
	}

	child = fork();
	if (child < 0)
		return errno;
	if (!child) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(how->cmd[0], how->cmd);
		fprintf(stderr, "vmexit-stat: cannot run '%s': %s\n",
			how->cmd[0], strerror(errno));
		_exit(127);
	}
	/* Ctrl-C reaches the command too; its end is ours. */
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return errno;
	if (WIFEXITED(status))
		*cmd_status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		*cmd_status = 128 + WTERMSIG(status);
	return 0;
}

static void fill_info(struct vmexit_info *info, int proto,
		      uint32_t max_counters,
		      const struct vxs_exit_totals *totals)
{
	struct utsname uts;

	memset(info, 0, sizeof(*info));
	snprintf(info->version, sizeof(info->version), "bpf (libbpf %u.%u)",
		 libbpf_major_version(), libbpf_minor_version());
	if (!uname(&uts))
		snprintf(info->kernel, sizeof(info->kernel), "%s", uts.release);
	info->exits_seen = totals->seen;
	info->entries_seen = totals->entries_seen;
	info->user_exits_seen = totals->user_seen;
	info->exits_dropped = totals->dropped;
	info->details_dropped = totals->details_dropped;
	/* The phases themselves are read while attached: user/phases_bpf.c */
	info->markers_seen = totals->markers_seen;
	info->markers_unmatched = totals->markers_unmatched;
	info->phases_dropped = totals->phases_dropped;
	info->lat_buckets = VXS_BPF_LAT_BUCKETS;
	/* One map shared by all CPUs: its size is the nearest equivalent. */
	info->slots_per_cpu = max_counters;
	info->exit_proto = proto;
}

void bpf_backend_detach(struct bpf_attach_point *points, int nr)
{
	while (nr--) {
		bpf_link__destroy(*points[nr].link);
		*points[nr].link = NULL;
	}
}

int bpf_backend_attach(struct bpf_attach_point *points, int nr)
{
	int i, err;

	for (i = 0; i < nr; i++) {
		*points[i].link = bpf_program__attach(points[i].prog);
		if (!*points[i].link) {
			err = -errno;
			fprintf(stderr,
				"vmexit-stat: attaching to %s failed: %s\n",
				points[i].tracepoint, strerror(-err));
			bpf_backend_detach(points, i);
			return err;
		}
	}
	return 0;
}

static void report_losses(const struct vxs_exit_totals *totals,
			  uint32_t max_counters)
{
	if (totals->map_full)
		fprintf(stderr,
			"vmexit-stat: the BPF counter map (%u counters) was "
			"full: %llu exits were not counted, counts are lower "
			"bounds (raise --max-counters)\n",
			max_counters, (unsigned long long)totals->map_full);
	if (totals->user_dropped)
		fprintf(stderr,
			"vmexit-stat: the BPF map of exits to user space (%u "
			"counters) was full: %llu were not counted (raise "
			"--max-counters)\n",
			max_counters, (unsigned long long)totals->user_dropped);
	if (totals->details_dropped)
		fprintf(stderr,
			"vmexit-stat: the BPF drill-down map (%u keys) was "
			"full: %llu exits have no detail\n",
			VXS_BPF_MAX_DETAILS,
			(unsigned long long)totals->details_dropped);
	if (totals->threads_full)
		fprintf(stderr,
			"vmexit-stat: more than %u vCPU threads at once: %llu "
			"exits have no latency and their returns to user "
			"space were not counted\n",
			VXS_BPF_MAX_THREADS,
			(unsigned long long)totals->threads_full);
}

int bpf_backend_preflight(void)
{
	int nr_cpus;

	libbpf_set_print(libbpf_print);
	if (access("/sys/kernel/btf/vmlinux", F_OK)) {
		fprintf(stderr,
			"vmexit-stat: the BPF backend needs kernel BTF, and "
			"/sys/kernel/btf/vmlinux is missing (a kernel built "
			"with CONFIG_DEBUG_INFO_BTF=y)\n");
		suggest_module(", which needs no BTF");
		return 0;
	}
	nr_cpus = libbpf_num_possible_cpus();
	if (nr_cpus <= 0) {
		fprintf(stderr, "vmexit-stat: cannot count the CPUs: %s\n",
			strerror(-nr_cpus));
		return 0;
	}
	if (!may_load_bpf()) {
		bpf_backend_explain_load_error(-EPERM);
		return 0;
	}
	return kvm_exit_proto();
}

uint64_t bpf_backend_salt(void)
{
	uint64_t salt;

	if (getrandom(&salt, sizeof(salt), 0) != sizeof(salt))
		salt = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL;
	return salt;
}

int bpf_backend_collect(const struct bpf_collect *how,
			const struct vmexit_filter *filter,
			struct bpf_collection *out)
{
	uint32_t max_counters = how->max_counters ? how->max_counters :
						    VXS_BPF_MAX_COUNTERS;
	struct sigaction sa = { .sa_handler = on_signal };
	struct sigaction old_int, old_term;
	struct vxs_exit_totals totals;
	struct exits_bpf *skel;
	int proto, nr_cpus, err;
	uint64_t salt = 0;

	memset(out, 0, sizeof(*out));
	proto = bpf_backend_preflight();
	if (!proto)
		return 1;
	warn_if_reasons_unreadable(proto);
	nr_cpus = libbpf_num_possible_cpus();

	skel = exits_bpf__open();
	if (!skel) {
		fprintf(stderr,
			"vmexit-stat: opening the BPF programs failed: %s\n",
			strerror(errno));
		return 1;
	}
	err = bpf_map__set_max_entries(skel->maps.counters, max_counters);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.user_counters,
					       max_counters);
	/*
	 * As the module registers its probes: sched_process_exit first, so
	 * that no thread's entry outlives it, and kvm_exit last, so that
	 * every counted exit meets the programs that end it.
	 */
	struct bpf_attach_point points[] = {
		{ "sched:sched_process_exit", skel->progs.sched_process_exit,
		  &skel->links.sched_process_exit },
		{ "kvm:kvm_userspace_exit", skel->progs.kvm_userspace_exit,
		  &skel->links.kvm_userspace_exit },
		{ "kvm:kvm_entry", skel->progs.kvm_entry,
		  &skel->links.kvm_entry },
		{ "kvm:kvm_pio", skel->progs.kvm_pio, &skel->links.kvm_pio },
		{ "kvm:kvm_msr", skel->progs.kvm_msr, &skel->links.kvm_msr },
		{ "kvm:kvm_cpuid", skel->progs.kvm_cpuid,
		  &skel->links.kvm_cpuid },
		{ "kvm:kvm_mmio", skel->progs.kvm_mmio, &skel->links.kvm_mmio },
		{ "kvm:kvm_fast_mmio", skel->progs.kvm_fast_mmio,
		  &skel->links.kvm_fast_mmio },
		/* last: one of the two programs, chosen just below */
		{ "kvm:kvm_exit", skel->progs.kvm_exit_vcpu_isa,
		  &skel->links.kvm_exit_vcpu_isa },
	};
	struct bpf_attach_point *exit_point = &points[ARRAY_SIZE(points) - 1];
	/* counts_only: sched_process_exit, for the thread map, and kvm_exit */
	struct bpf_attach_point counting[2];
	struct bpf_attach_point *attach = points;
	int nr_attach = ARRAY_SIZE(points);

	if (proto == VXS_BPF_PROTO_REASON_VCPU_ISA) {
		exit_point->prog = skel->progs.kvm_exit_reason_vcpu_isa;
		exit_point->link = &skel->links.kvm_exit_reason_vcpu_isa;
		bpf_program__set_autoload(skel->progs.kvm_exit_vcpu_isa, false);
	} else {
		bpf_program__set_autoload(skel->progs.kvm_exit_reason_vcpu_isa,
					  false);
	}
	if (!err)
		err = exits_bpf__load(skel);
	if (err) {
		bpf_backend_explain_load_error(err);
		goto destroy;
	}
	if (how->counts_only) {
		counting[0] = points[0];
		counting[1] = *exit_point;
		attach = counting;
		nr_attach = ARRAY_SIZE(counting);
	}
	err = bpf_backend_attach(attach, nr_attach);
	if (err)
		goto destroy;

	stop = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	if (!how->cmd && !how->interval && !how->attach_only &&
	    !how->while_attached)
		fprintf(stderr,
			"vmexit-stat: counting VM exits; Ctrl-C to stop\n");
	struct bpf_reader reader = {
		.skel = skel,
		.nr_cpus = nr_cpus,
		.proto = proto,
		.max_counters = max_counters,
		.counts_only = how->counts_only,
		.salt = bpf_backend_salt(),
	};
	err = -wait_while_attached(how, &reader, &out->cmd_status);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	/* Detached, the maps hold still while we read them. */
	bpf_backend_detach(attach, nr_attach);
	if (err) {
		fprintf(stderr, "vmexit-stat: running the command failed: %s\n",
			strerror(-err));
		goto destroy;
	}

	salt = reader.salt;
	err = read_totals(skel, nr_cpus, &totals);
	if (!err)
		err = read_counters(skel, salt, filter, !how->counts_only,
				    &out->exits);
	if (!err)
		err = read_user_counters(skel, salt, filter, &out->user_exits);
	if (!err)
		err = read_details(skel, nr_cpus, salt, filter, &out->details);
	if (!err)
		err = read_vms(skel, salt, filter, out);
	if (err) {
		fprintf(stderr,
			"vmexit-stat: reading the BPF maps failed: %s\n",
			strerror(-err));
		goto destroy;
	}
	fill_info(&out->info, proto, max_counters, &totals);
	report_losses(&totals, max_counters);

destroy:
	exits_bpf__destroy(skel);
	return err ? 1 : 0;
}
