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
