# SPDX-License-Identifier: GPL-2.0
"""Phase markers, counted exactly, by the module and by BPF at once.

tests/integration/guest/phases runs exitgen with --markers 10 on three
vCPUs (one of them late): each kind of exit it makes is a guest phase of
its own, id 10 + the kind's place (cpuid 10, pio 11, hlt 12, msr 13,
hypercall 14, mmio 15), between a start and an end marker.  Both backends
must then say, for every vCPU and phase: one start, one end, the phase
closed, exactly the requested exits of the kind's own exit code and none
of another deterministic kind (the markers belong to no phase), and a
latency sample for every exit.  Exits KVM makes by itself (interrupts,
nested page faults) may fall in any phase; MMIO accesses make one nested
page fault each, so that phase has at least as many.
"""

import json

import pytest

from conftest import KERNELS

MARKERS = 10
KINDS = ["cpuid", "pio", "hlt", "msr", "hypercall", "mmio"]
# The exit code of each kind under SVM (the lab's), as show reports it.
SVM_CODE = {"cpuid": 0x72, "pio": 0x7b, "hlt": 0x78, "msr": 0x7c,
            "hypercall": 0x81}
SVM_NPF = 0x400
DETERMINISTIC = set(SVM_CODE.values())
BACKENDS = ["module", "bpf"]


@pytest.fixture(params=KERNELS, scope="module")
def run(request, lab_runs):
    got = lab_runs("phases", request.param)
    assert got.proc.returncode == 0, got.describe()
    return got


def load(run, name):
    path = run.outdir / name
    assert path.exists(), f"{path} missing\n{run.describe()}"
    return json.loads(path.read_text())


def status(run, name):
    return int((run.outdir / f"{name}.status").read_text())


def made(run):
    assert status(run, "exitgen") == 0, (
        (run.outdir / "exitgen.stderr").read_text())
    return load(run, "exitgen.json")


def shown(run, backend):
    if backend == "bpf":
        assert status(run, "bpf") == 0, (
            (run.outdir / "bpf.stderr").read_text())
    return load(run, f"{backend}.json")


def phases_of(doc, pid):
    """(vcpu, phase id) -> row, for the VM of pid."""
    rows = {}
    for row in doc["phases"]:
        if row["vm_pid"] != pid:
            continue
        key = (row["vcpu_id"], row["phase_id"])
        assert key not in rows, f"two rows for {key}"
        rows[key] = row
    return rows


def by_code(row):
    counts = {}
    for e in row["exits_by_reason"]:
        assert e["isa"] == "svm", e
        counts[e["code"]] = counts.get(e["code"], 0) + e["count"]
    return counts


def check_phases(doc, truth):
    """Every vCPU's phases as exitgen made them; returns the rows checked."""
    assert truth["isa"] == "svm", "the lab is AMD"
    expected = {p["phase_id"]: p for p in truth["phases"]}
    assert sorted(expected) == [MARKERS + i for i in range(len(KINDS))]
    rows = phases_of(doc, truth["pid"])
    vcpus = [v["vcpu"] for v in truth["vcpus"]]
    assert sorted(rows) == sorted((v, p) for v in vcpus for p in expected)
    for (vcpu, phase_id), row in rows.items():
        kind = expected[phase_id]["kind"]
        want = expected[phase_id]["requested"]
        where = f"vcpu {vcpu} phase {phase_id} ({kind}): {row}"
        assert (row["starts"], row["ends"], row["open"]) == (1, 1, False), \
            where
        assert 0 < row["last_start_ns"] < row["last_end_ns"], where
        assert 0 < row["active_ns"] <= (row["last_end_ns"] -
                                        row["last_start_ns"]), where
        counts = by_code(row)
        assert sum(counts.values()) == row["exits"], where
        if kind == "mmio":
            assert counts.get(SVM_NPF, 0) >= want, where
        else:
            assert counts.get(SVM_CODE[kind], 0) == want, where
        others = {c for c in counts if c != SVM_CODE.get(kind)}
        assert not others & DETERMINISTIC, where
        assert row["latency"] is not None, where
        assert row["latency"]["count"] == row["exits"], where
        assert row["tid"] == next(v["tid"] for v in truth["vcpus"]
                                  if v["vcpu"] == vcpu), where
    return rows


@pytest.mark.parametrize("backend", BACKENDS)
def test_phases_exact(run, backend):
    doc = shown(run, backend)
    assert doc["backend"] == backend
    truth = made(run)
    check_phases(doc, truth)
    # Two markers per phase per vCPU, none unmatched or dropped: since the
    # reset for the module, since it attached for BPF (before exitgen
    # ran); no other guest makes markers.
    nr_vcpus = len(truth["vcpus"])
    assert doc["markers_seen"] == 2 * len(KINDS) * nr_vcpus, doc
    assert doc["markers_unmatched"] == 0
    assert doc["phases_dropped"] == 0


def test_backends_agree(run):
    """Both count the same tracepoints: the deterministic counts agree."""
    pid = made(run)["pid"]
    module = phases_of(shown(run, "module"), pid)
    bpf = phases_of(shown(run, "bpf"), pid)
    assert sorted(module) == sorted(bpf)
    for key, row in module.items():
        m, b = by_code(row), by_code(bpf[key])
        for code in DETERMINISTIC:
            assert m.get(code, 0) == b.get(code, 0), key
        assert (row["starts"], row["ends"]) == (bpf[key]["starts"],
                                                bpf[key]["ends"])


def test_phase_filter(run):
    doc = load(run, "module-phase11.json")
    truth = made(run)
    ids = {row["phase_id"] for row in doc["phases"]}
    assert ids == {11}
    assert len(doc["phases"]) == len(truth["vcpus"])


def test_phase_text(run):
    text = (run.outdir / "module.txt").read_text()
    for phase_id in range(MARKERS, MARKERS + len(KINDS)):
        assert str(phase_id) in text, text


def test_bad_input(run):
    assert status(run, "bad-phase") == 2
    assert "phase" in (run.outdir / "bad-phase.txt").read_text()
    assert status(run, "bad-vm") != 0
    assert (run.outdir / "bad-vm.txt").read_text().strip()


# --- the checks can fail --------------------------------------------------------

def fake_truth():
    return {"isa": "svm", "pid": 7, "markers": MARKERS,
            "vcpus": [{"vcpu": 0, "tid": 70}],
            "phases": [{"phase_id": MARKERS + i, "kind": k,
                        "requested": 3} for i, k in enumerate(KINDS)]}


def fake_doc():
    rows = []
    for i, kind in enumerate(KINDS):
        code = SVM_CODE.get(kind, SVM_NPF)
        rows.append({"vm_pid": 7, "vcpu_id": 0, "tid": 70,
                     "phase_id": MARKERS + i, "starts": 1, "ends": 1,
                     "open": False, "last_start_ns": 100 * i + 1,
                     "last_end_ns": 100 * i + 50, "active_ns": 49,
                     "exits": 4, "latency": {"count": 4},
                     "exits_by_reason": [
                         {"isa": "svm", "code": code, "count": 3},
                         {"isa": "svm", "code": 0x60, "count": 1}]})
    return {"phases": rows}


def test_check_accepts_consistent_data():
    check_phases(fake_doc(), fake_truth())


@pytest.mark.parametrize("breakage", [
    "marker-counted", "missing-phase", "open", "latency", "other-kind",
    "wrong-tid", "sum"])
def test_check_fails_on_broken_data(breakage):
    doc = fake_doc()
    row = doc["phases"][0]
    if breakage == "marker-counted":
        row["exits_by_reason"][0]["count"] += 2
        row["exits"] += 2
        row["latency"]["count"] += 2
    elif breakage == "missing-phase":
        del doc["phases"][3]
    elif breakage == "open":
        row["open"] = True
    elif breakage == "latency":
        row["latency"]["count"] -= 1
    elif breakage == "other-kind":
        row["exits_by_reason"][1]["code"] = SVM_CODE["pio"]
    elif breakage == "wrong-tid":
        row["tid"] = 71
    elif breakage == "sum":
        row["exits"] += 1
    with pytest.raises(AssertionError):
        check_phases(doc, fake_truth())
