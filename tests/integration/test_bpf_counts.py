# SPDX-License-Identifier: GPL-2.0
"""Exit counts of the BPF backend must equal, exactly, what exitgen made;
its latencies and exits to user space follow the module's rules.

guest/bpf-counts runs exitgen under 'vmexit-stat show --backend bpf --
CMD' on each lab kernel (5.10 reads the reason from the raw tracepoint's
argument, 6.1 and 6.12 from kvm_amd's vcpu_svm through CO-RE), then once
with the module loaded as well: both count the same tracepoint, so every
counter must be identical, not only the deterministic ones.  Also: bad
input fails clearly (unknown backend, no BPF permission, full map).
"""

import json

import pytest

from conftest import KERNELS, LAB_OUT, REPO, LabRun, tool_for, vm_run
from exit_checks import (assert_counts_equal_made, check_details,
                         check_ended_vm, check_exit_latency,
                         check_user_count, check_user_exits)

MIXES = ["cpuid-only", "no-request", "io-hlt-msr-hypercall",
         "everything-4vcpus"]
# The mixes with I/O exits, whose every exit goes on to user space.
IO_MIXES = ["io-hlt-msr-hypercall", "everything-4vcpus"]


def load(run, name):
    path = run.outdir / name
    assert path.exists(), f"{path} missing\n{run.describe()}"
    return json.loads(path.read_text())


def text(run, name):
    path = run.outdir / name
    assert path.exists(), f"{path} missing\n{run.describe()}"
    return path.read_text()


SCRIPT = REPO / "tests" / "integration" / "guest" / "bpf-counts"


@pytest.fixture(params=KERNELS, scope="module")
def bpf_run(request):
    kernel = request.param
    outdir = LAB_OUT / kernel / "bpf-counts"
    tool = tool_for(kernel)
    if not tool.exists():
        pytest.fail(f"{tool} is not built; run make check")
    proc = vm_run(kernel, SCRIPT, outdir, tool)
    run = LabRun(kernel, outdir, proc)
    assert run.proc.returncode == 0, run.describe()
    return run


def vm_of(shown, made):
    vms = [vm for vm in shown["vms"] if vm["pid"] == made["pid"]]
    assert len(vms) == 1, shown
    return vms[0]


def counters(vm):
    """(vcpu, isa, code, flags) -> (count, latency samples, user_count),
    (vcpu, KVM_EXIT_*) -> (count, round trips), and vcpu -> tid."""
    counts, users, tids = {}, {}, {}
    for vcpu in vm["vcpus"]:
        tids[vcpu["vcpu"]] = vcpu["tid"]
        for e in vcpu["exits"]:
            key = (vcpu["vcpu"], e["isa"], e["code"], e.get("flags", 0))
            counts[key] = (e["count"], e["latency"]["count"],
                           e["user_count"])
        for u in vcpu["user_exits"]:
            users[(vcpu["vcpu"], u["code"])] = (u["count"],
                                                u["round_trip"]["count"])
    return counts, users, tids


def check_exact(run, name, backend):
    made = load(run, f"{name}.exitgen.json")
    shown = load(run, f"{name}.show.json")
    status = text(run, f"{name}.status").strip()
    assert status == "0", text(run, f"{name}.stderr")
    assert shown["backend"] == backend
    assert shown["info"]["exits_dropped"] == 0, shown["info"]

    assert_counts_equal_made(made, shown, f"{run.kernel} {name}", backend)
    return made, shown


@pytest.mark.parametrize("mix", MIXES)
def test_bpf_counts_equal_made(bpf_run, mix):
    # cpuid-only goes through --backend auto: no module, a command.
    check_exact(bpf_run, mix, "bpf")


@pytest.mark.parametrize("mix", MIXES)
def test_bpf_latency_counts_every_exit_but_the_last(bpf_run, mix):
    made, shown = check_exact(bpf_run, mix, "bpf")
    check_exit_latency(made, shown, shown["info"]["lat_buckets"])


@pytest.mark.parametrize("mix", MIXES)
def test_bpf_user_exits_equal_kvm_run_returns(bpf_run, mix):
    made, shown = check_exact(bpf_run, mix, "bpf")
    check_user_exits(made, shown, shown["info"]["lat_buckets"])


@pytest.mark.parametrize("mix", IO_MIXES)
def test_bpf_user_count_of_hardware_exits(bpf_run, mix):
    made, shown = check_exact(bpf_run, mix, "bpf")
    check_user_count(made, shown)


def ran_ok(run, name):
    assert text(run, f"{name}.status").strip() == "0", text(
        run, f"{name}.stderr")


def test_bpf_details_exact(bpf_run):
    ran_ok(bpf_run, "bpf-details")
    check_details(load(bpf_run, "bpf-details.exitgen.json"),
                  load(bpf_run, "bpf-details.show.json"))


def test_bpf_vms_lists_the_vm(bpf_run):
    ran_ok(bpf_run, "bpf-vms")
    made = load(bpf_run, "bpf-vms.exitgen.json")
    vm = check_ended_vm(made, load(bpf_run, "bpf-vms.show.json"))
    assert vm["comm"] == "vmexit-stat", vm
    assert vm["exits"] >= sum(m["count"] for m in made["made"]), vm


def test_module_and_bpf_details_identical(bpf_run):
    ran_ok(bpf_run, "both-details")
    made = load(bpf_run, "both-details.exitgen.json")
    by_bpf = load(bpf_run, "both-details.show.json")
    by_module = load(bpf_run, "both-details.module.json")
    check_details(made, by_bpf)
    rows = [{(d["kind"], d["key"]): d["count"] for d in vm["details"]}
            for shown in (by_bpf, by_module) for vm in shown["vms"]
            if vm["pid"] == made["pid"]]
    assert len(rows) == 2 and rows[0] == rows[1], rows


def test_counts_only_counts_exactly_and_times_nothing(bpf_run):
    made, shown = check_exact(bpf_run, "counts-only", "bpf")
    vm = vm_of(shown, made)
    for vcpu in vm["vcpus"]:
        assert vcpu["user_exits"] == [], vcpu
        for e in vcpu["exits"]:
            assert "latency" not in e and "user_count" not in e, e
    assert shown["info"]["entries_seen"] == 0, shown["info"]
    assert shown["info"]["user_exits_seen"] == 0, shown["info"]


def test_bpf_reads_the_prototype_of_this_kernel(bpf_run):
    shown = load(bpf_run, "cpuid-only.show.json")
    # 1 = (reason, vcpu, isa) up to 5.15; 2 = (vcpu, isa) from 5.16.
    want = 1 if bpf_run.kernel == "5.10" else 2
    assert shown["info"]["exit_proto"] == want, shown["info"]


def test_module_and_bpf_count_identically(bpf_run):
    made, by_bpf = check_exact(bpf_run, "both", "bpf")
    by_module = load(bpf_run, "both.module.json")
    assert by_module["backend"] == "module"
    assert by_module["info"]["exits_dropped"] == 0
    bpf_counts, bpf_users, bpf_tids = counters(vm_of(by_bpf, made))
    module_counts, module_users, module_tids = counters(
        vm_of(by_module, made))
    assert bpf_counts == module_counts
    assert bpf_users == module_users
    assert bpf_tids == module_tids


def test_auto_picks_the_loaded_module(bpf_run):
    assert load(bpf_run, "both.auto.json")["backend"] == "module"


def test_unknown_backend_fails_clearly(bpf_run):
    assert text(bpf_run, "bad-backend.status").strip() == "2"
    output = text(bpf_run, "bad-backend.txt")
    assert "unknown backend 'nope'" in output, output


def test_bpf_without_permission_fails_clearly(bpf_run):
    assert text(bpf_run, "no-permission.status").strip() == "1"
    output = text(bpf_run, "no-permission.txt")
    assert "not permitted" in output and "CAP_BPF" in output, output


def test_full_map_is_reported(bpf_run):
    # A one-counter map, two vCPUs making several reasons each.
    assert text(bpf_run, "map-full.status").strip() == "0"
    shown = load(bpf_run, "map-full.show.json")
    stderr = text(bpf_run, "map-full.stderr")
    info = shown["info"]
    assert info["slots_per_cpu"] == 1
    assert info["exits_dropped"] > 0, info
    assert shown["total"] + info["exits_dropped"] == info["exits_seen"]
    assert "was full" in stderr and "--max-counters" in stderr, stderr
