/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMEXIT_STAT_BPF_VMLINUX_H
#define VMEXIT_STAT_BPF_VMLINUX_H

/*
 * The few kernel types exits.bpf.c and sched.bpf.c need, written by hand
 * instead of `bpftool btf dump file /sys/kernel/btf/vmlinux format c`.
 *
 * Why: a generated vmlinux.h describes the build machine's kernel, and
 * the types we need are not reliably there.  KVM is a module on the
 * kernels we target, so its types sit in the module's BTF, not in
 * vmlinux BTF; this project's own build machine runs a kernel with
 * another KVM flavour built in (kvm_pvm), and a build container may
 * have no /sys/kernel/btf at all.  A generated header would also make
 * the build depend on whichever kernel happened to build it.
 *
 * Nothing here fixes a layout: every struct is marked
 * preserve_access_index, lists only the fields we read, and libbpf
 * relocates each access (CO-RE) against the running kernel's BTF,
 * vmlinux's and the kvm modules', when the programs load.
 */

typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef int pid_t;
typedef _Bool bool;
#define true 1
#define false 0

/* From include/uapi/linux/bpf.h: the constants our maps and calls use. */
enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_PERCPU_HASH = 5,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
};

enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
};

enum {
	BPF_F_NO_PREALLOC = 1,
};

#pragma clang attribute push(__attribute__((preserve_access_index)), \
			     apply_to = record)

/* include/linux/kvm_host.h */
struct kvm {
	pid_t userspace_pid;
};

struct kvm_vcpu {
	struct kvm *kvm;
	int vcpu_id;
};

/* kernel/sched/sched.h: the run queue's clock, which schedstat reads */
struct rq {
	u64 clock;
};

/* cfs_rq.rq: only with CONFIG_FAIR_GROUP_SCHED */
struct cfs_rq {
	struct rq *rq;
};

struct sched_entity {
	struct cfs_rq *cfs_rq;
};

/* include/linux/sched.h */
struct task_struct {
	unsigned int __state; /* from 5.14 */
	pid_t pid;
	struct task_struct *group_leader;
	char comm[16];
	struct sched_entity se;
};

/* task_struct before 5.14, as libbpf-tools' runqslower reads it */
struct task_struct___o {
	long state;
};

#pragma clang attribute pop

#endif /* VMEXIT_STAT_BPF_VMLINUX_H */
