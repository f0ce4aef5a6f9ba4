# SPDX-License-Identifier: GPL-2.0
"""Exit counts of the module must equal, exactly, what exitgen made.

exitgen's guest makes a known number of exits of each deterministic kind
on every vCPU; the module's dump, filtered to exitgen's pid, must show
the same count per vCPU and exit code.  Exits that are not deterministic
(nested page faults, host interrupts) are not compared.
"""

import json

import pytest

from conftest import KERNELS

MIXES = ["cpuid-only", "no-request", "io-hlt-msr-hypercall",
         "everything-4vcpus"]

# Exit codes exitgen's guest can make, by isa, as the kernel numbers them.
DETERMINISTIC = {
    "svm": {0x72: "cpuid", 0x7b: "io", 0x78: "hlt", 0x7c: "msr",
            0x81: "hypercall"},
    "vmx": {10: "CPUID", 30: "IO_INSTRUCTION", 12: "HLT", 31: "MSR_READ",
            32: "MSR_WRITE", 18: "VMCALL"},
}


def load(run, name):
    path = run.outdir / name
    assert path.exists(), f"{path} missing\n{run.describe()}"
    return json.loads(path.read_text())


@pytest.fixture(params=KERNELS, scope="module")
def exact_run(request, lab_runs):
    run = lab_runs("exact-counts", request.param)
    assert run.proc.returncode == 0, run.describe()
    return run


@pytest.mark.parametrize("mix", MIXES)
def test_counts_equal_made(exact_run, mix):
    made = load(exact_run, f"{mix}.exitgen.json")
    shown = load(exact_run, f"{mix}.show.json")
    isa = made["isa"]
    assert isa in DETERMINISTIC

    expected = {m["code"]: m["count"] for m in made["made"]}
    assert set(expected) <= set(DETERMINISTIC[isa]), made
    # Names must be the kernel's trace names.
    for m in made["made"]:
        assert m["reason"] == DETERMINISTIC[isa][m["code"]]

    assert shown["backend"] == "module"
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
                f"{exact_run.kernel} {mix} vcpu {gen_vcpu['vcpu']} {name}: "
                f"module counted {got}, exitgen made {want}")
            if code in by_code:
                assert by_code[code]["reason"] == name


def test_selftest_passes(exact_run):
    status = (exact_run.outdir / "selftest.status").read_text().strip()
    output = (exact_run.outdir / "selftest.txt").read_text()
    assert status == "0", output


def test_show_without_module_fails_clearly(exact_run):
    status = (exact_run.outdir / "no-module.status").read_text().strip()
    output = (exact_run.outdir / "no-module.txt").read_text()
    assert status != "0"
    assert "not loaded" in output and "insmod" in output, output
