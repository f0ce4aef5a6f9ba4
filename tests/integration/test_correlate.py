# SPDX-License-Identifier: GPL-2.0
"""A marked workload in a real guest, as vmexit-stat correlate reports it.

tests/integration/guest/correlate boots, in one lab VM (6.1, see below), one
real Linux guest (tests/lab/nested-guest --bench) that runs
vmexit-stat-guest bench cpu, memory and fileio prepare, run and cleanup
with --markers (phase ids 1 to 5), the files on ext4 on a virtio-blk disk
with direct I/O, each printing its --json result on the console; while
it runs, `vmexit-stat correlate --vm PID --results CONSOLE --json` follows
its phases on the module and on BPF at once.  Here, per backend:

  one row per phase, ids 1 to 5, each started and ended once, none left
  open; every marker seen (5 phases, a start and an end each), none
  unmatched, no phase dropped;
  the fileio phases that touch the disk (prepare, run) made exits, and
  I/O exits (npf: virtio's notifications are MMIO writes, or io) among
  them (module: every reason, from `phases --json`);
  the results joined: cpu events/s, memory MiB/s, fileio run IOPS, each
  > 0 and the very value the guest printed for that phase id;
  the module's rows are its cumulative phases (`phases --json`) exactly,
  and BPF counted the same exits in each phase as the module.

Every check also runs on made-up data, consistent and broken, so that it
is known to be able to fail.
"""

import copy
import json
import subprocess
from pathlib import Path

import pytest

from conftest import KERNELS, LAB_OUT, REPO

BACKENDS = ["module", "bpf"]
PHASES = {1: ("cpu", None, "events/s"), 2: ("memory", None, "MiB/s"),
          3: ("fileio", "prepare", None), 4: ("fileio", "run", "IOPS"),
          5: ("fileio", "cleanup", None)}
# Phases whose result correlate must have joined (prepare and cleanup
# may report none).
RESULT_PHASES = (1, 2, 4)
# Phases that read or write the disk: prepare writes the file set (and
# fsyncs it), run reads and writes it with O_DIRECT.  Cleanup only
# unlinks: ext4 may leave that to its journal thread after the phase.
DISK_PHASES = (3, 4)
# SVM's names for the exits a virtio device makes: virtio-pci's
# notifications are MMIO writes (npf), a legacy device's port I/O (io).
IO_REASONS = {"npf", "io"}
MARKERS = 2 * len(PHASES)


# One kernel: a nested guest costs minutes of lab time, and what differs
# between kernels (the markers, counted exactly) test_phases.py checks on
# every one of them.
CORRELATE_KERNELS = ["6.1"] if "6.1" in KERNELS else KERNELS[:1]


def pytest_generate_tests(metafunc):
    # Nothing to run on must fail, not pass by collecting nothing.
    if "kernel" in metafunc.fixturenames:
        assert CORRELATE_KERNELS, "VMEXIT_STAT_KERNELS names no kernel"


# --- what the guest script wrote ------------------------------------------------

def console_results(text):
    """{phase_id: result object} from the bench --json lines of a console."""
    results = {}
    for line in text.splitlines():
        start = line.find("{")
        if start < 0:
            continue
        try:
            obj = json.loads(line[start:])
        except ValueError:
            continue
        if isinstance(obj, dict) and "workload" in obj:
            pid = obj.get("phase_id")
            assert pid not in results, f"phase {pid} twice on the console"
            results[pid] = obj
    return results


class Run:
    """One lab run's files."""

    def __init__(self, lab):
        self.lab = lab
        self.outdir = lab.outdir

    def text(self, name):
        path = self.outdir / name
        assert path.exists(), f"{path} missing\n{self.describe()}"
        return path.read_text(errors="replace")

    def status(self, name):
        return int(self.text(f"{name}.status").strip())

    def json(self, name):
        return json.loads(self.text(name))

    def describe(self):
        parts = [self.lab.describe()]
        for name in ("nested.err", "module.err", "bpf.err", "timing.txt"):
            path = self.outdir / name
            if path.exists():
                parts.append(f"--- {name}\n{path.read_text()}")
        console = self.outdir / "console.txt"
        if console.exists():
            tail = console.read_text(errors="replace").splitlines()[-30:]
            parts.append("--- console.txt (end)\n" + "\n".join(tail))
        return "\n".join(parts)


def nested_guest_died(proc, outdir):
    """A Linux guest under nested SVM under TCG dies now and then (see
    test_perf_kvm.py); nothing of ours runs in it: boot again.  Seen in
    CI on 6.1: mid-way through the fileio run the guest was reset with no
    panic or error of its kernel on the console (QEMU exited 0).  The
    guest script keeps nested-guest's message in OUTDIR/nested.err."""
    out = proc.stdout + proc.stderr
    err = outdir / "nested.err"
    if err.exists():
        out += err.read_text(errors="replace")
    return ("did not finish its workload" in out or
            (proc.returncode == 125 and not any(
                word in out for word in ("Oops", "BUG:", "panic",
                                         "vmexit_stat"))))


@pytest.fixture(params=CORRELATE_KERNELS, scope="module")
def kernel(request):
    return request.param


@pytest.fixture(scope="module")
def correlate_run(kernel, lab_runs):
    # The guest has no libraries: the workloads' static binary.
    build = subprocess.run(["make", "-C", str(REPO / "user"), "guest"],
                           capture_output=True, text=True, check=False)
    assert build.returncode == 0, build.stdout + build.stderr
    # A nested guest boots under TCG: 1-3 minutes on a busy machine.
    outdir = LAB_OUT / kernel / "correlate"
    lab = lab_runs("correlate", kernel, timeout=900,
                   retry_if=lambda proc: nested_guest_died(proc, outdir),
                   tries=2)
    run = Run(lab)
    assert lab.proc.returncode == 0, run.describe()
    assert run.status("nested") == 0, run.describe()
    run.pid = int(run.text("qemu.pid"))
    run.backends = run.text("backends").split()
    run.results = console_results(run.text("console.txt"))
    return run


def table_of(run, backend):
    if backend not in run.backends:
        if (REPO / "user" / "phases_bpf.h").exists():
            pytest.fail(f"correlate has no BPF backend here:\n"
                        f"{run.text('bpf-info.txt')}")
        pytest.skip("the BPF backend of phases is not built")
    assert run.status(backend) == 0, run.describe()
    return run.json(f"{backend}.json")


# --- checks, each also run on made-up data below ----------------------------

def rows_by_phase(table, pid):
    """{phase_id: row} of the VM of pid; one row per phase."""
    rows = {}
    for row in table["phases"]:
        if row["vm_pid"] != pid:
            continue
        assert row["phase_id"] not in rows, f"two rows of phase {row}"
        rows[row["phase_id"]] = row
    return rows


def check_phases(table, pid):
    rows = rows_by_phase(table, pid)
    assert sorted(rows) == sorted(PHASES), (
        f"phase ids {sorted(rows)}, expected {sorted(PHASES)}")
    for phase_id, row in rows.items():
        assert (row["starts"], row["ends"], row["open"]) == (1, 1, False), \
            row
        assert row["vcpus"] == 1, row
        assert row["active_ns"] > 0, row
    assert table["markers_seen"] == MARKERS, table
    assert table["markers_unmatched"] == 0, table
    assert table["phases_dropped"] == 0, table
    return rows


def io_exits(reasons):
    return sum(e["count"] for e in reasons if e["reason"] in IO_REASONS)


def check_disk_exits(rows, reasons_of):
    """reasons_of(phase_id): that phase's exits by reason (all or top)."""
    for phase_id in DISK_PHASES:
        assert rows[phase_id]["exits"] > 0, rows[phase_id]
        assert io_exits(reasons_of(phase_id)) > 0, (
            f"no {sorted(IO_REASONS)} exits in phase {phase_id}: "
            f"{reasons_of(phase_id)}")


def check_results(rows, results):
    """Joined: the guest's own value for each phase id."""
    for phase_id, (workload, mode, unit) in PHASES.items():
        result = rows[phase_id]["result"]
        if phase_id not in RESULT_PHASES and result is None:
            continue
        assert result is not None, f"phase {phase_id}: no result joined"
        assert (result["workload"], result["mode"]) == (workload, mode), \
            result
        if phase_id in RESULT_PHASES:
            assert result["unit"] == unit, result
            assert result["value"] > 0, result
            printed = results[phase_id]["result"]
            assert result["value"] == pytest.approx(printed["value"],
                                                    rel=1e-9), \
                (result, printed)


def module_phases(shown, pid):
    """{phase_id: (exits, {reason: count})} summed over the VM's vCPUs,
    from `phases --json` (every reason)."""
    sums = {}
    for p in shown["phases"]:
        if p.get("vm_pid") != pid or "vcpu_id" not in p:
            continue
        exits, reasons = sums.setdefault(p["phase_id"], [0, {}])
        sums[p["phase_id"]][0] = exits + p["exits"]
        for e in p["exits_by_reason"]:
            reasons[e["reason"]] = reasons.get(e["reason"], 0) + e["count"]
    return {k: (v[0], v[1]) for k, v in sums.items()}


def check_rows_are_module_phases(rows, phases):
    assert sorted(phases) == sorted(rows), (sorted(phases), sorted(rows))
    for phase_id, row in rows.items():
        exits, reasons = phases[phase_id]
        assert row["exits"] == exits, (phase_id, row["exits"], exits)
        for e in row["top_reasons"]:
            assert reasons.get(e["reason"]) == e["count"], (phase_id, e,
                                                            reasons)


def check_same_exits(rows, other):
    """Two backends' rows of the same phases: the same exits."""
    for phase_id, row in rows.items():
        assert other[phase_id]["exits"] == row["exits"], (
            phase_id, row["exits"], other[phase_id]["exits"])
        mine = {e["reason"]: e["count"] for e in row["top_reasons"]}
        theirs = {e["reason"]: e["count"]
                  for e in other[phase_id]["top_reasons"]}
        for reason in set(mine) & set(theirs):
            assert mine[reason] == theirs[reason], (phase_id, reason,
                                                    mine, theirs)


# --- on the lab's data -----------------------------------------------------------

def test_guest_printed_every_result(correlate_run):
    results = correlate_run.results
    assert sorted(results) == sorted(PHASES), correlate_run.describe()
    for phase_id, (workload, mode, _) in PHASES.items():
        assert results[phase_id]["workload"] == workload
        assert results[phase_id]["mode"] == mode


@pytest.mark.parametrize("backend", BACKENDS)
def test_one_row_per_phase(correlate_run, backend):
    table = table_of(correlate_run, backend)
    assert table["backend"] == backend, table
    check_phases(table, correlate_run.pid)


@pytest.mark.parametrize("backend", BACKENDS)
def test_fileio_phases_exit_for_io(correlate_run, backend):
    table = table_of(correlate_run, backend)
    rows = rows_by_phase(table, correlate_run.pid)
    if backend == "module":
        assert correlate_run.status("phases") == 0, correlate_run.describe()
        phases = module_phases(correlate_run.json("phases.json"),
                               correlate_run.pid)
        check_disk_exits(rows, lambda i: [
            {"reason": r, "count": n} for r, n in phases[i][1].items()])
    else:
        # Only the top reasons are in the table; that they are the
        # module's is test_bpf_counts_the_module_s_exits.
        for phase_id in DISK_PHASES:
            assert rows[phase_id]["exits"] > 0, rows[phase_id]


@pytest.mark.parametrize("backend", BACKENDS)
def test_results_joined(correlate_run, backend):
    table = table_of(correlate_run, backend)
    check_results(rows_by_phase(table, correlate_run.pid),
                  correlate_run.results)


def test_module_rows_are_its_phases(correlate_run):
    """The window began before the guest's first marker: correlate's
    differences are the module's cumulative phases."""
    rows = rows_by_phase(table_of(correlate_run, "module"),
                         correlate_run.pid)
    assert correlate_run.status("phases") == 0, correlate_run.describe()
    phases = module_phases(correlate_run.json("phases.json"),
                           correlate_run.pid)
    check_rows_are_module_phases(rows, phases)
    info = correlate_run.json("info.json")
    info = info.get("info", info)
    assert info["markers_seen"] == MARKERS, info
    assert info["markers_unmatched"] == 0, info


def test_bpf_counts_the_module_s_exits(correlate_run):
    module = rows_by_phase(table_of(correlate_run, "module"),
                           correlate_run.pid)
    bpf = rows_by_phase(table_of(correlate_run, "bpf"), correlate_run.pid)
    assert sorted(bpf) == sorted(module)
    check_same_exits(module, bpf)


# --- the checks can fail -------------------------------------------------------------

PID = 4242


def made_up_row(phase_id, exits=100, io=10):
    workload, mode, unit = PHASES[phase_id]
    return {"vm_pid": PID, "phase_id": phase_id, "vcpus": 1, "open": False,
            "starts": 1, "ends": 1, "active_ns": 10**9, "exits": exits,
            "top_reasons": [{"reason": "npf", "count": io},
                            {"reason": "hlt", "count": exits - io}],
            "result": None if unit is None else {
                "workload": workload, "mode": mode, "value": 12.5,
                "unit": unit}}


def made_up():
    table = {"backend": "module", "markers_seen": MARKERS,
             "markers_unmatched": 0, "phases_dropped": 0,
             "phases": [made_up_row(i) for i in PHASES]}
    results = {i: {"workload": PHASES[i][0], "mode": PHASES[i][1],
                   "phase_id": i, "result": {"value": 12.5,
                                             "unit": PHASES[i][2]}}
               for i in PHASES}
    phases = {"phases": [
        {"vm_pid": PID, "vcpu_id": 0, "phase_id": r["phase_id"],
         "exits": r["exits"], "exits_by_reason": r["top_reasons"]}
        for r in table["phases"]]}
    return table, results, phases


def all_checks(table, results, phases, other=None):
    rows = check_phases(table, PID)
    check_disk_exits(rows, lambda i: rows[i]["top_reasons"])
    check_results(rows, results)
    check_rows_are_module_phases(rows, module_phases(phases, PID))
    check_same_exits(rows, rows_by_phase(other or table, PID))


def test_checks_pass_on_consistent_data():
    all_checks(*made_up())


def broken(change):
    table, results, phases = made_up()
    other = copy.deepcopy(table)
    change(table, results, phases, other)
    return table, results, phases, other


def drop_phase(t, r, p, o):
    t["phases"].pop()


def wrong_id(t, r, p, o):
    t["phases"][0]["phase_id"] = 6


def twice(t, r, p, o):
    t["phases"].append(copy.deepcopy(t["phases"][0]))


def left_open(t, r, p, o):
    t["phases"][2]["open"] = True


def no_io(t, r, p, o):
    t["phases"][3]["top_reasons"][0]["reason"] = "interrupt"


def no_result(t, r, p, o):
    t["phases"][3]["result"] = None


def zero_result(t, r, p, o):
    t["phases"][0]["result"]["value"] = 0


def other_value(t, r, p, o):
    r[2]["result"]["value"] = 13.0


def marker_lost(t, r, p, o):
    t["markers_seen"] = MARKERS - 1


def not_the_module(t, r, p, o):
    p["phases"][1]["exits"] += 1


def bpf_differs(t, r, p, o):
    o["phases"][4]["exits"] += 1


@pytest.mark.parametrize("change", [
    drop_phase, wrong_id, twice, left_open, no_io, no_result, zero_result,
    other_value, marker_lost, not_the_module, bpf_differs])
def test_checks_fail_on_broken_data(change):
    with pytest.raises(AssertionError):
        all_checks(*broken(change))


def test_console_results_parse():
    text = ("nested-guest: bench cpu\n" +
            json.dumps({"workload": "cpu", "mode": None, "phase_id": 1}) +
            "\r\n[   3.1] noise {not json\n")
    assert console_results(text) == {
        1: {"workload": "cpu", "mode": None, "phase_id": 1}}
    with pytest.raises(AssertionError):
        console_results(text + text)
