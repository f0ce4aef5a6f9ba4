# SPDX-License-Identifier: GPL-2.0
"""vmexit-stat record in the lab (6.1, one boot).

tests/integration/guest/record runs an exitgen guest first, then record
around exitgen runs of a known mix on the module and on BPF, in JSON and
in text, and record around commands that exit 7, are killed, cannot be
run, or are sent SIGTERM through record.  Here:

  each report holds exactly one VM, the recorded exitgen's, with exactly
  the exits it made per vCPU and reason (deterministic reasons), and
  its returns to user space per KVM_EXIT reason; the exitgen run made
  before record is not in it, though show lists it after;
  the text report names the VM and its reasons;
  CSV (both backends) and NDJSON reports hold the same exact counts;
  record's status is its command's: 0, 7, 128 + 9, 127, and 128 + 15 for
  a SIGTERM passed on, the command gone after;
  a report that cannot be written is refused (1) before CMD runs.

The checks also run on made-up reports, so that they are known to be able
to fail.
"""

import csv
import io
import json

import pytest

from conftest import KERNELS
from exit_checks import DETERMINISTIC, assert_counts_equal_made

KERNEL = "6.1"
BACKENDS = ["module", "bpf"]


# --- the checks -------------------------------------------------------------------

def check_report(report, made, before, label):
    """Only made's VM, with exactly its exits; before's VM left out."""
    pids = [vm["pid"] for vm in report["vms"]]
    assert before["pid"] not in pids, f"{label}: counted the run before"
    assert pids == [made["pid"]], f"{label}: VMs {pids}"
    vm = assert_counts_equal_made(made, report, label, "record")
    user = {}
    for vcpu in made["vcpus"]:
        for u in vcpu["user_exits"]:
            user[u["code"]] = user.get(u["code"], 0) + u["count"]
    got = {}
    for vcpu in vm["vcpus"]:
        for u in vcpu["user_exits"]:
            got[u["code"]] = got.get(u["code"], 0) + u["count"]
    assert got == user, f"{label}: user exits {got}, exitgen saw {user}"


# --- the lab run ------------------------------------------------------------------

@pytest.fixture(scope="module")
def run(lab_runs):
    if KERNEL not in KERNELS:
        pytest.skip(f"record is tested on {KERNEL} alone, not in "
                    f"VMEXIT_STAT_KERNELS={' '.join(KERNELS)}")
    result = lab_runs("record", KERNEL, timeout=600)
    assert result.proc.returncode == 0, result.describe()
    return result


@pytest.fixture(scope="module")
def before(run):
    assert run.status("before") == 0, run.read("before.err")
    return json.loads(run.read("before.json"))


@pytest.mark.parametrize("backend", BACKENDS)
def test_record_counts_exactly_what_cmd_made(run, before, backend):
    assert run.status(backend) == 0, run.read(f"{backend}.err")
    made = json.loads(run.read(f"{backend}.exitgen.json"))
    report = json.loads(run.read(f"{backend}.json"))
    assert report["backend"] == backend
    check_report(report, made, before, backend)


def csv_report(text, made):
    """record --csv --vcpus rows as the vCPUs of a show document."""
    rows = list(csv.DictReader(io.StringIO(text)))
    vcpus = {}
    for r in rows:
        assert float(r["interval_s"]) > 0, r
        if r["kind"] != "exit":
            continue
        v = vcpus.setdefault(int(r["vcpu"]), {
            "vcpu": int(r["vcpu"]), "exits": [], "user_exits": []})
        v["exits"].append({"isa": r["isa"], "code": int(r["code"]),
                           "reason": r["reason"], "count": int(r["count"])})
    tids = {v["vcpu"]: v["tid"] for v in made["vcpus"]}
    for v in vcpus.values():
        v["tid"] = tids.get(v["vcpu"])
    pids = {int(r["vm_pid"]) for r in rows}
    assert pids == {made["pid"]}, pids
    return {"vms": [{"pid": made["pid"], "vcpus": list(vcpus.values())}]}


@pytest.mark.parametrize("backend", BACKENDS)
def test_record_csv(run, backend):
    assert run.status(f"{backend}.csv") == 0, run.read(f"{backend}.csv.err")
    made = json.loads(run.read(f"{backend}.csv.exitgen.json"))
    report = csv_report(run.read(f"{backend}.csv"), made)
    assert_counts_equal_made(made, report, f"{backend} csv", "record --csv")


def test_record_ndjson(run, before):
    assert run.status("ndjson") == 0, run.read("ndjson.err")
    made = json.loads(run.read("ndjson.exitgen.json"))
    lines = run.read("ndjson.out").splitlines()
    assert len(lines) == 1, lines
    report = json.loads(lines[0])
    assert report["interval_ns"] > 0
    check_report(report, made, before, "ndjson")


def test_the_run_before_is_in_the_counters(run, before):
    assert run.status("after") == 0, run.read("after.err")
    after = json.loads(run.read("after.json"))
    assert before["pid"] in [vm["pid"] for vm in after["vms"]]


def test_text_report(run):
    assert run.status("text") == 0, run.read("text.err")
    made = json.loads(run.read("text.exitgen.json"))
    text = run.read("text.out")
    assert str(made["pid"]) in text, text
    for m in made["made"]:
        assert DETERMINISTIC[made["isa"]][m["code"]] in text, (m, text)


@pytest.mark.parametrize("name, want", [
    ("exit7", 7), ("killed", 128 + 9), ("missing", 127)])
def test_cmd_status_passed_on(run, name, want):
    assert run.status(name) == want, run.read(f"{name}.err")


def test_sigterm_passed_on(run):
    assert run.status("sigterm") == 128 + 15, run.read("sigterm.err")
    assert run.read("sigterm.child").strip() == "gone"


def test_unwritable_report_refused_before_cmd(run):
    assert run.status("bad-output") == 1
    assert "cannot write /nonexistent/dir/report" in \
        run.read("bad-output.err")
    assert not (run.outdir / "bad-output.ran").exists()


# --- the checks can fail ----------------------------------------------------------

MADE = {"pid": 50, "isa": "vmx",
        "made": [{"code": 10, "reason": "CPUID", "count": 4}],
        "vcpus": [{"vcpu": 0, "tid": 51,
                   "user_exits": [{"code": 2, "count": 3}]}]}
BEFORE = {"pid": 40}


def report(pid=50, cpuid=4, user=3, extra=()):
    vms = [{"pid": pid, "vcpus": [{
        "vcpu": 0, "tid": 51,
        "exits": [{"isa": "vmx", "code": 10, "reason": "CPUID",
                   "count": cpuid}],
        "user_exits": [{"code": 2, "count": user}]}]}]
    return {"vms": vms + [{"pid": p, "vcpus": []} for p in extra]}


def test_check_passes_on_a_good_report():
    check_report(report(), MADE, BEFORE, "good")


@pytest.mark.parametrize("bad", [
    report(cpuid=5),          # one exit too many
    report(user=2),           # a user exit short
    report(extra=[40]),       # the run before counted
    report(extra=[60]),       # another VM
    report(pid=60),           # not exitgen's VM
])
def test_check_fails_on_bad_reports(bad):
    with pytest.raises(AssertionError):
        check_report(bad, MADE, BEFORE, "bad")
