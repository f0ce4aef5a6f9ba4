# SPDX-License-Identifier: GPL-2.0
"""How a collector's dump is compared with what exitgen made."""

# Exit codes exitgen's guest can make, by isa, as the kernel numbers and
# names them in its trace output.
DETERMINISTIC = {
    "svm": {0x72: "cpuid", 0x7b: "io", 0x78: "hlt", 0x7c: "msr",
            0x81: "hypercall"},
    "vmx": {10: "CPUID", 30: "IO_INSTRUCTION", 12: "HLT", 31: "MSR_READ",
            32: "MSR_WRITE", 18: "VMCALL"},
}

# Hardware exit codes that go on to user space, by isa.
IO_EXIT = {"svm": 0x7b, "vmx": 30}
HLT_EXIT = {"svm": 0x78, "vmx": 12}
# Exits KVM always handles itself for exitgen's guest.
IN_KERNEL_EXITS = {"svm": [0x72, 0x7c, 0x81], "vmx": [10, 31, 32, 18]}

# KVM_EXIT_* (linux/kvm.h)
KVM_EXIT_IO = 2
KVM_EXIT_HLT = 5


def assert_counts_equal_made(made, shown, label, collector):
    """Every vCPU of exitgen's VM shows exactly the exits exitgen made.

    Only deterministic reasons are compared; the others (nested page
    faults, host interrupts) depend on the host.  A deterministic reason
    exitgen did not make must count zero.
    """
    isa = made["isa"]
    assert isa in DETERMINISTIC, made
    expected = {m["code"]: m["count"] for m in made["made"]}
    assert set(expected) <= set(DETERMINISTIC[isa]), made
    for m in made["made"]:
        assert m["reason"] == DETERMINISTIC[isa][m["code"]], m

    vms = [vm for vm in shown["vms"] if vm["pid"] == made["pid"]]
    assert len(vms) == 1, shown
    vcpus = {v["vcpu"]: v for v in vms[0]["vcpus"]}
    assert sorted(vcpus) == sorted(v["vcpu"] for v in made["vcpus"]), shown

    for gen_vcpu in made["vcpus"]:
        counted = vcpus[gen_vcpu["vcpu"]]
        assert counted["tid"] == gen_vcpu["tid"]
        by_code = {}
        for e in counted["exits"]:
            assert e["isa"] == isa
            by_code[e["code"]] = e
        for code, name in DETERMINISTIC[isa].items():
            got = by_code.get(code, {}).get("count", 0)
            want = expected.get(code, 0)
            assert got == want, (
                f"{label} vcpu {gen_vcpu['vcpu']} {name}: "
                f"{collector} counted {got}, exitgen made {want}")
            if code in by_code:
                assert by_code[code]["reason"] == name
    return vms[0]


def shown_vm(shown, made):
    vms = [vm for vm in shown["vms"] if vm["pid"] == made["pid"]]
    assert len(vms) == 1, shown
    return vms[0]


def shown_vcpus(shown, made):
    return {v["vcpu"]: v for v in shown_vm(shown, made)["vcpus"]}


def user_exits_of(made_vcpu):
    return {u["code"]: u["count"] for u in made_vcpu["user_exits"]}


def check_latency(lat, lat_buckets, what):
    """A latency object is consistent in itself."""
    assert len(lat["hist"]) == lat_buckets, what
    assert sum(lat["hist"]) == lat["count"], what
    if lat["count"] == 0:
        assert lat["sum_ns"] == 0, what
        assert (lat["min_ns"], lat["avg_ns"], lat["max_ns"]) == (0, 0, 0), what
        return
    assert lat["min_ns"] <= lat["avg_ns"] <= lat["max_ns"], what
    assert abs(lat["avg_ns"] - lat["sum_ns"] / lat["count"]) <= 1, what
    assert lat["min_ns"] * lat["count"] <= lat["sum_ns"], what
    assert lat["sum_ns"] <= lat["max_ns"] * lat["count"], what
    assert (lat["min_ns"] <= lat["p50_ns"] <= lat["p90_ns"] <= lat["p99_ns"]
            <= lat["max_ns"]), what


def check_exit_latency(made, shown, lat_buckets):
    """Every exit has its latency except each vCPU's final HLT."""
    isa = made["isa"]
    for vcpu_id, vcpu in shown_vcpus(shown, made).items():
        open_exits = {}
        for e in vcpu["exits"]:
            what = f"vcpu {vcpu_id} exit {e['reason']} ({e['code']}): {e}"
            check_latency(e["latency"], lat_buckets, what)
            if e["latency"]["count"] != e["count"]:
                open_exits[e["code"]] = e["count"] - e["latency"]["count"]
        assert open_exits == {HLT_EXIT[isa]: 1}, (
            f"vcpu {vcpu_id}: exits without latency {open_exits}, "
            f"expected only the final HLT")


def check_user_exits(made, shown, lat_buckets):
    """KVM_RUN returns by reason, per vCPU, are exitgen's; round trips
    are one fewer than returns (the final HLT never re-enters)."""
    vcpus = shown_vcpus(shown, made)
    for gen in made["vcpus"]:
        vcpu = vcpus[gen["vcpu"]]
        counted = {u["code"]: u for u in vcpu["user_exits"]}
        assert ({c: u["count"] for c, u in counted.items()}
                == user_exits_of(gen)), (
            f"vcpu {gen['vcpu']}: counted {vcpu['user_exits']}, "
            f"exitgen {gen['user_exits']}")
        assert sum(user_exits_of(gen).values()) == gen["kvm_run_returns"]
        names = {u["code"]: u["reason"] for u in gen["user_exits"]}
        for code, u in counted.items():
            what = f"vcpu {gen['vcpu']} user exit {u['reason']}: {u}"
            assert u["reason"] == names[code], what
            check_latency(u["round_trip"], lat_buckets, what)
            final = 1 if code == KVM_EXIT_HLT else 0
            assert u["round_trip"]["count"] == u["count"] - final, what


def check_user_count(made, shown):
    """Of the hardware exits, those that went on to the VMM: every I/O
    and HLT exit, and one exit per KVM_RUN return in all."""
    isa = made["isa"]
    vcpus = shown_vcpus(shown, made)
    for gen in made["vcpus"]:
        exits = {e["code"]: e for e in vcpus[gen["vcpu"]]["exits"]}
        returns = user_exits_of(gen)
        what = f"vcpu {gen['vcpu']}: {list(exits.values())}"
        for code, kvm_exit in ((IO_EXIT[isa], KVM_EXIT_IO),
                               (HLT_EXIT[isa], KVM_EXIT_HLT)):
            assert exits[code]["user_count"] == returns[kvm_exit], what
            assert exits[code]["user_count"] == exits[code]["count"], what
        for code in IN_KERNEL_EXITS[isa]:
            if code in exits:
                assert exits[code]["user_count"] == 0, what
        assert (sum(e["user_count"] for e in exits.values())
                == gen["kvm_run_returns"]), what
        for e in exits.values():
            assert e["user_count"] <= e["count"], what
            assert e["user_ns"] <= e["latency"]["sum_ns"], what


def check_vm_sums(made, shown):
    """The VM's rows are the sums of its vCPUs'."""
    vm = shown_vm(shown, made)
    per_vcpu = {}
    for vcpu in vm["vcpus"]:
        for e in vcpu["exits"]:
            key = (e["code"], e.get("flags", 0))
            count, lat = per_vcpu.get(key, (0, 0))
            per_vcpu[key] = (count + e["count"], lat + e["latency"]["count"])
    summed = {(e["code"], e.get("flags", 0)):
              (e["count"], e["latency"]["count"]) for e in vm["exits"]}
    assert summed == per_vcpu, vm["exits"]
    assert vm["total"] == sum(v["total"] for v in vm["vcpus"])
    assert vm["total"] == sum(c for c, _ in per_vcpu.values())


def check_details(made, details):
    """The drill-down is exactly the ports, MSR, CPUID leaf and MMIO page
    the guest used, with exact counts."""
    vms = [vm for vm in details["vms"] if vm["pid"] == made["pid"]]
    assert len(vms) == 1, details
    got = {(d["kind"], d["key"]): d for d in vms[0]["details"]}
    want = {(d["kind"], d["key"]): d for d in made["details"] if d["count"]}
    assert ({k: d["count"] for k, d in got.items()}
            == {k: d["count"] for k, d in want.items()}), (
        f"counted {vms[0]['details']}\nexitgen {made['details']}")
    for k, d in want.items():
        assert got[k]["label"] == d["label"], (got[k], d)


def check_ended_vm(made, vms_doc):
    """exitgen's VM is listed once, ended, with all its vCPUs and every
    return of KVM_RUN; returns it."""
    vms = [vm for vm in vms_doc["vms"] if vm["pid"] == made["pid"]]
    assert len(vms) == 1, vms
    vm = vms[0]
    assert vm["state"] == "ended", vm
    assert vm["vcpus_live"] == 0, vm
    assert vm["vcpus_seen"] == len(made["vcpus"]), vm
    assert vm["end_ns"] >= vm["start_ns"] > 0, vm
    assert vm["user_exits"] == sum(v["kvm_run_returns"]
                                   for v in made["vcpus"]), vm
    assert vm["dropped"] == 0 and vm["details_dropped"] == 0, vm
    return vm
