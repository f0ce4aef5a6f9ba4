# SPDX-License-Identifier: GPL-2.0
"""show and latency: formats, filters, sort, top-N and intervals (6.1).

tests/integration/guest/formats runs, on the module and on BPF, three
followers ('show --ndjson 1', 'show --csv --vcpus 1', 'latency
--ndjson 1') around one exitgen run, then fixed counts of reports,
one-shot views of the module narrowed, sorted and cut, a BPF view while
a command runs, and bad command lines.  Here:

  the followers' reports, summed over their intervals, hold exactly the
  exits exitgen made per vCPU and reason (CSV parsed with Python's csv
  module, NDJSON line by line), and stop with status 0 on SIGINT;
  latency times every in-kernel exit exactly once;
  'show --ndjson 0.3 3' prints exactly 3 lines; 'latency --csv 0.3 2'
  one header;
  --reason keeps those reasons alone, with their exact counts; --top 2
  keeps the two largest; --sort reason orders by name; latency sorts
  by time in exits and has p99.9;
  refused command lines exit 2 and say why.

The checks also run on made-up reports, so that they can fail.
"""

import csv
import io
import json
import re

import pytest

from conftest import KERNELS
from exit_checks import (DETERMINISTIC, IN_KERNEL_EXITS,
                         assert_counts_equal_made)

KERNEL = "6.1"
BACKENDS = ["module", "bpf"]
SHOW_CSV_HEADER = [
    "kind", "time", "interval_s", "backend", "vm_pid", "vm_name", "vm_id",
    "vcpu", "isa", "reason", "code", "flags", "count", "rate_per_s",
    "share_pct", "user_count", "latency_count", "latency_sum_ns",
    "latency_avg_ns", "latency_p50_ns", "latency_p99_ns", "latency_max_ns"]


# --- the checks -------------------------------------------------------------------

def sum_reports(reports, made):
    """The reports of intervals as one show document: made's VM, summed."""
    vcpus = {}
    for rep in reports:
        for vm in rep["vms"]:
            if vm["pid"] != made["pid"]:
                continue
            for v in vm["vcpus"]:
                into = vcpus.setdefault(v["vcpu"], {
                    "vcpu": v["vcpu"], "tid": v["tid"], "exits": {}})
                for e in v["exits"]:
                    key = (e["isa"], e["code"])
                    got = into["exits"].setdefault(key, dict(e, count=0))
                    got["count"] += e["count"]
    return {"vms": [{"pid": made["pid"], "vcpus": [
        dict(v, exits=list(v["exits"].values())) for v in vcpus.values()]}]}


def check_ndjson_follower(text, made, backend):
    reports = [json.loads(line) for line in text.splitlines()]
    assert len(reports) >= 2, text
    for rep in reports:
        assert rep["backend"] == backend
        assert 0.3e9 < rep["interval_ns"] < 5e9, rep["interval_ns"]
    assert_counts_equal_made(made, sum_reports(reports, made),
                             f"{backend} ndjson", "show --ndjson")


def check_csv_follower(text, made, backend):
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == SHOW_CSV_HEADER, rows[0]
    assert SHOW_CSV_HEADER not in rows[1:], "header repeated"
    records = [dict(zip(rows[0], r)) for r in rows[1:]]
    got = {}
    for r in records:
        assert len(r) == len(SHOW_CSV_HEADER), r
        assert r["backend"] == backend
        assert 0.3 < float(r["interval_s"]) < 5, r
        float(r["time"])
        if r["kind"] != "exit" or int(r["vm_pid"]) != made["pid"]:
            continue
        key = (int(r["vcpu"]), int(r["code"]))
        got[key] = got.get(key, 0) + int(r["count"])
    for v in made["vcpus"]:
        want = {m["code"]: m["count"] for m in made["made"]}
        for code, name in DETERMINISTIC[made["isa"]].items():
            n = got.get((v["vcpu"], code), 0)
            assert n == want.get(code, 0), (
                f"{backend} csv vcpu {v['vcpu']} {name}: {n}, "
                f"exitgen made {want.get(code, 0)}")


def check_latency_follower(text, made, backend):
    reports = [json.loads(line) for line in text.splitlines()]
    isa, nr_vcpus = made["isa"], len(made["vcpus"])
    want = {m["code"]: m["count"] * nr_vcpus for m in made["made"]}
    count, timed = {}, {}
    for rep in reports:
        for vm in rep["vms"]:
            if vm["pid"] != made["pid"]:
                continue
            for e in vm["exits"]:
                count[e["code"]] = count.get(e["code"], 0) + e["count"]
                timed[e["code"]] = (timed.get(e["code"], 0) +
                                    e["latency"]["count"])
    for code in DETERMINISTIC[isa]:
        assert count.get(code, 0) == want.get(code, 0), (
            f"{backend} latency {code:#x}: {count.get(code, 0)}")
        # an exit KVM handles itself always enters again: timed
        if code in IN_KERNEL_EXITS[isa]:
            assert timed.get(code, 0) == want.get(code, 0), (
                f"{backend} latency {code:#x} timed {timed.get(code, 0)}")
        else:
            assert want.get(code, 0) - nr_vcpus <= timed.get(code, 0) \
                <= want.get(code, 0), (code, timed)


def vm_of(doc, pid):
    vms = [vm for vm in doc["vms"] if vm["pid"] == pid]
    assert len(vms) == 1, doc
    return vms[0]


def vm_totals(made):
    return {m["code"]: m["count"] * len(made["vcpus"]) for m in made["made"]}


def check_reason_filter(doc, made, names):
    codes = {c for c, n in DETERMINISTIC[made["isa"]].items()
             if n.lower() in names}
    vm = vm_of(doc, made["pid"])
    got = {e["code"]: e["count"] for e in vm["exits"]}
    want = {c: n for c, n in vm_totals(made).items() if c in codes}
    assert set(got) <= codes | {int(n, 16) for n in names if
                                n.startswith("0x")}, got
    assert {c: got.get(c, 0) for c in want} == want, got
    assert vm["user_exits"] == [], vm["user_exits"]
    for v in vm["vcpus"]:
        assert {e["code"] for e in v["exits"]} <= set(got), v


def check_top(doc, made, top):
    vm = vm_of(doc, made["pid"])
    counts = sorted(vm_totals(made).values(), reverse=True)
    for table in [vm] + vm["vcpus"]:
        assert len(table["exits"]) <= top, table["exits"]
        shown = [e["count"] for e in table["exits"]]
        assert shown == sorted(shown, reverse=True), shown
    assert vm["exits"][0]["count"] == counts[0], vm["exits"]


# --- the lab run ------------------------------------------------------------------

@pytest.fixture(scope="module")
def run(lab_runs):
    if KERNEL not in KERNELS:
        pytest.skip(f"formats are tested on {KERNEL} alone, not in "
                    f"VMEXIT_STAT_KERNELS={' '.join(KERNELS)}")
    result = lab_runs("formats", KERNEL, timeout=900)
    assert result.proc.returncode == 0, result.describe()
    return result


def ok(run, name):
    """The output of a run that must have succeeded."""
    status = run.status(name)
    assert status == 0, f"{name}: status {status}\n{run.read(name + '.err')}"
    return run.read(f"{name}.out")


@pytest.fixture(scope="module")
def made(run):
    assert run.status("follow.exitgen") == 0, \
        run.read("follow.exitgen.err")
    return json.loads(run.read("follow.exitgen.json"))


@pytest.mark.parametrize("backend", BACKENDS)
def test_ndjson_follower_sums_to_exitgen(run, made, backend):
    check_ndjson_follower(ok(run, f"{backend}.show-ndjson"), made, backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_csv_follower_sums_to_exitgen(run, made, backend):
    check_csv_follower(ok(run, f"{backend}.show-csv-vcpus"), made, backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_latency_follower_times_every_exit(run, made, backend):
    check_latency_follower(ok(run, f"{backend}.latency-ndjson"), made,
                           backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_ndjson_line_count_is_the_count(run, backend):
    lines = ok(run, f"{backend}.count-ndjson").splitlines()
    assert len(lines) == 3, lines
    for line in lines:
        assert json.loads(line)["backend"] == backend


@pytest.mark.parametrize("backend", BACKENDS)
def test_csv_with_count_has_one_header(run, backend):
    rows = list(csv.reader(io.StringIO(ok(run, f"{backend}.count-csv"))))
    assert rows[0][:3] == ["kind", "time", "interval_s"], rows
    assert rows.count(rows[0]) == 1
    assert len({r[1] for r in rows[1:]}) <= 2, rows


def test_reason_filter(run, made):
    doc = json.loads(ok(run, "oneshot-reason"))
    assert doc["filter"]["reasons"]
    check_reason_filter(doc, made, {"cpuid", "io"})


def test_top_keeps_the_largest(run, made):
    check_top(json.loads(ok(run, "oneshot-top")), made, 2)


def test_sort_by_reason(run, made):
    vm = vm_of(json.loads(ok(run, "oneshot-sort")), made["pid"])
    names = [e["reason"].lower() for e in vm["exits"]]
    assert names == sorted(names), names


def test_csv_totals_per_vm(run, made):
    rows = list(csv.DictReader(io.StringIO(ok(run, "oneshot-csv"))))
    got = {}
    for r in rows:
        if r["kind"] == "exit" and int(r["vm_pid"]) == made["pid"]:
            assert r["vcpu"] == "" and r["interval_s"] == "", r
            got[int(r["code"])] = got.get(int(r["code"]), 0) + int(r["count"])
    want = vm_totals(made)
    assert {c: got.get(c, 0) for c in DETERMINISTIC[made["isa"]]} == \
        {c: want.get(c, 0) for c in DETERMINISTIC[made["isa"]]}, got
    shares = [float(r["share_pct"]) for r in rows
              if r["kind"] == "exit" and int(r["vm_pid"]) == made["pid"]]
    assert abs(sum(shares) - 100) < 0.1 * len(shares), shares


def test_latency_sorted_by_time(run, made):
    vm = vm_of(json.loads(ok(run, "oneshot-latency")), made["pid"])
    times = [e["latency"]["sum_ns"] for e in vm["exits"]]
    assert times == sorted(times, reverse=True), times
    assert vm["time_ns"] == sum(times)
    for e in vm["exits"]:
        lat = e["latency"]
        assert lat["p50_ns"] <= lat["p99_ns"] <= lat["p999_ns"] <= \
            lat["max_ns"], lat


def test_latency_text(run, made):
    text = ok(run, "oneshot-latency-text")
    assert "p99.9" in text and f"VM pid {made['pid']}" in text, text
    for v in made["vcpus"]:
        assert f"vCPU {v['vcpu']} (tid {v['tid']})" in text, text
    for m in made["made"]:
        assert m["reason"] in text, (m, text)


def test_text_with_an_interval(run):
    text = ok(run, "oneshot-text-interval")
    heads = re.findall(r"^\d\d:\d\d:\d\d  over \d+\.\d{3} s: \d+ exits",
                       text, re.M)
    assert len(heads) == 2, text


def test_bpf_while_a_command_runs(run):
    made = json.loads(run.read("bpf-oneshot.exitgen.json"))
    lines = ok(run, "bpf-oneshot").splitlines()
    assert len(lines) == 1, lines
    doc = json.loads(lines[0])
    assert doc["backend"] == "bpf" and doc["interval_ns"] is None
    check_reason_filter(doc, made, {"cpuid", "hlt", "0x7c"})


@pytest.mark.parametrize("name, why", [
    ("bad-reason", "no VMX or SVM exit reason is named 'no_such_reason'"),
    ("bad-formats", "--json and --csv: choose one format"),
    ("bad-both", "not both")])
def test_refused(run, name, why):
    assert run.status(name) == 2
    assert why in run.read(f"{name}.err")


# --- the checks can fail ----------------------------------------------------------

MADE = {"pid": 50, "isa": "svm",
        "made": [{"code": 0x72, "reason": "cpuid", "count": 4},
                 {"code": 0x7b, "reason": "io", "count": 2}],
        "vcpus": [{"vcpu": 0, "tid": 51, "user_exits": []}]}


def interval(cpuid, io_count, pid=50):
    exits = [{"isa": "svm", "code": 0x72, "reason": "cpuid",
              "count": cpuid,
              "latency": {"count": cpuid, "sum_ns": 10 * cpuid}},
             {"isa": "svm", "code": 0x7b, "reason": "io",
              "count": io_count,
              "latency": {"count": io_count, "sum_ns": io_count}}]
    return {"backend": "module", "interval_ns": 5e8,
            "vms": [{"pid": pid, "exits": exits, "user_exits": [],
                     "vcpus": [{"vcpu": 0, "tid": 51, "exits": exits}]}]}


def ndjson(*reports):
    return "\n".join(json.dumps(r) for r in reports)


def test_checks_pass_on_good_reports():
    check_ndjson_follower(ndjson(interval(3, 2), interval(1, 0)), MADE,
                          "module")
    check_latency_follower(ndjson(interval(3, 2), interval(1, 0)), MADE,
                           "module")
    check_top(interval(4, 2), MADE, 2)


@pytest.mark.parametrize("reports", [
    [interval(3, 2), interval(2, 0)],         # one cpuid too many
    [interval(3, 2)],                         # one report only
    [interval(4, 2, pid=60), interval(0, 0)],  # another VM
])
def test_checks_fail_on_bad_followers(reports):
    with pytest.raises(AssertionError):
        check_ndjson_follower(ndjson(*reports), MADE, "module")


def test_csv_check_fails_on_a_wrong_count():
    row = ["exit", "1.0", "0.5", "module", "50", "x", "1", "0", "svm",
           "cpuid", str(0x72), "0", "3"] + [""] * 9
    text = "\n".join(",".join(r) for r in [SHOW_CSV_HEADER, row])
    with pytest.raises(AssertionError):
        check_csv_follower(text, MADE, "module")


def test_top_check_fails_when_not_cut():
    with pytest.raises(AssertionError):
        check_top(interval(4, 2), MADE, 1)
