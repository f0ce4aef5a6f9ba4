// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark only (tests/bench/exit-overhead --bpf --variants): empty
 * programs on the tracepoints the BPF backend runs on a CPUID exit.  What
 * they cost is what any BPF collector pays there before doing anything.
 */
typedef unsigned long long __u64;

#define SEC(name) __attribute__((section(name), used))

char LICENSE[] SEC("license") = "GPL";

SEC("raw_tp/kvm_exit")
int floor_kvm_exit(__u64 *ctx)
{
	return 0;
}

SEC("raw_tp/kvm_entry")
int floor_kvm_entry(__u64 *ctx)
{
	return 0;
}

SEC("raw_tp/kvm_cpuid")
int floor_kvm_cpuid(__u64 *ctx)
{
	return 0;
}
