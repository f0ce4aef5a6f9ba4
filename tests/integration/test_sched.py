# SPDX-License-Identifier: GPL-2.0
"""vCPU scheduling (steal, idle, who stole it) against the scheduler's own
account, per kernel, on the module and on BPF.

tests/integration/guest/sched runs, in one lab boot per kernel (2 CPUs),
busy and halting exitgen guests pinned to CPUs while 'vmexit-stat sched
--json 0.5' reports, on the module and on BPF at once; as each report
arrived it read /proc/PID/task/TID/schedstat of every vCPU thread.  Here:

  separate  busy guests on CPU 0 and CPU 1: steal near 0; and a guest
            on CPU 1 whose vCPU sleeps in HLT: idle, not steal
  shared    both on CPU 0: steal near 50% each, and CPU 0's top thieves
            are the two vCPU threads, each charged the other's wait
  four      4 busy vCPUs on CPU 0: steal near 75% each
  every vCPU of every scenario: steal over the reports after A up to B
  equals the change of schedstat's field 2 (run delay) within 1% +
  SLACK_NS.

Reports A and B are made while the guests are stopped, so that the
report and the schedstat read after it see the same state; shares of
time are of the reports after the one that holds the busy vCPUs'
wake-up from the stop (A + 1 as a rule) up to A + RUNNING, when the
guests ran (the reports before A hold the BPF programs' start).  Every check also runs on made-up data, consistent and broken, so
that it is known to be able to fail.
"""

import csv
import io
import json

import pytest

from conftest import KERNELS

BACKENDS = ["module", "bpf"]
SCENARIOS = ["separate", "shared", "four"]

# Ground truth: the scheduler's run delay (schedstat field 2) and ours are
# added at the same context switches and the edges are stopped guests, so
# only the clocks differ: ours is read at the sched_switch and
# sched_wakeup tracepoints, the scheduler's is its run queue's clock,
# which after a wake-up that preempts is not read again at the switch
# that follows (rq_clock_skip_update), so its wait starts at the wake-up.
# Under the lab's nested emulation that gap is 0.1 to 0.2 ms a wait: on
# 6.1, a busy vCPU preempted ~80 times by woken collectors waited 15.3 ms
# less by both backends (identical) than by schedstat; vCPUs preempting
# each other at the tick agree within 1 to 6 ms.  25 ms is two of CFS's
# 12 ms scheduling periods on 2 CPUs.
TRUTH_REL = 0.01
SLACK_NS = 25_000_000

# What the scenario's busy vCPUs make each other wait, per ns they run,
# on the CPU they are pinned to: alone nothing (0), two on a CPU about 1,
# four about 3 (while one runs, the other three wait), whatever else
# takes that CPU's time: measured 0.00, 1.00 and 3.00 with the machine's
# load at 3 (a kernel build), where the collectors and this test's own
# script took 29% of CPU 0 in "separate" (in CI a fixed share range
# failed under such load).
SIBLING_WAIT_PER_RUN = {"separate": (0, 0.1), "shared": (0.8, 1.25),
                        "four": (2.5, 3.5)}
# Steal as a share of wall time over the reports of running guests,
# percent: what the other busy vCPUs make a vCPU wait is its least
# steal; load of any other kind only adds to it.
LEAST_STEAL_PCT = {"separate": 0, "shared": 35, "four": 60}


# --- what the guest script wrote ----------------------------------------------

class Scenario:
    """One scenario as one backend reported it."""

    def __init__(self, name, backend, reports, samples, guests, tids,
                 status, edges, running, err=""):
        self.name = name
        self.backend = backend
        # Reports A and B (1-based), made with every guest stopped, and
        # how many after A began with the guests running.
        self.edges = edges
        self.running = running
        self.reports = reports  # the JSON objects, in order
        # report number (1-based) -> tid ->
        #   (uptime s, state letter, run ns, wait ns, timeslices)
        self.samples = samples
        self.guests = guests  # exitgen's JSON, in guest order
        self.tids = tids  # [(pid, vcpu, tid)]
        self.status = status
        self.err = err

    def describe(self):
        return (f"{self.name} on {self.backend}: sched exited "
                f"{self.status}\n{self.err}")


def read(path):
    assert path.exists(), f"{path} missing"
    return path.read_text()


def load_scenario(outdir, name, backend):
    reports = [json.loads(line)
               for line in read(outdir / f"{name}.{backend}.jsonl").splitlines()
               if line.strip()]
    samples = {}
    for line in read(outdir / f"{name}.{backend}.schedstat").splitlines():
        fields = line.split()
        # A thread that is gone has no schedstat: the sample stays out
        # and the check of that report fails.
        if len(fields) != 8:
            continue
        n, up, _, tid, state, run, wait, slices = fields
        samples.setdefault(int(n), {})[int(tid)] = (
            float(up), state, int(run), int(wait), int(slices))
    tids = [tuple(map(int, line.split()))
            for line in read(outdir / f"{name}.tids").splitlines()]
    guests = []
    for i in range(8):
        path = outdir / f"{name}.g{i}.json"
        if not path.exists():
            break
        status = read(outdir / f"{name}.g{i}.status").strip()
        assert status == "0", (
            f"exitgen {i} of {name} exited {status}: "
            f"{read(outdir / f'{name}.g{i}.err')}")
        guests.append(json.loads(read(path)))
    # The collector's, which ran through every scenario.
    status = read(outdir / f"{backend}.status").strip()
    err = read(outdir / f"{backend}.err")
    edges_file = outdir / f"{name}.{backend}.edges"
    assert edges_file.exists(), (
        f"{name} on {backend}: the guests were never seen stopped "
        f"(sched exited {status}: {err})")
    edges = tuple(map(int, edges_file.read_text().split()))
    running = int(read(outdir / "reports").split()[1])
    return Scenario(name, backend, reports, samples, guests, tids, status,
                    edges, running, err)


# --- the checks ------------------------------------------------------------------

def check_guests(sc):
    """The vCPU threads the script read are exitgen's, as it reported."""
    made = sorted((g["pid"], v["vcpu"], v["tid"])
                  for g in sc.guests for v in g["vcpus"])
    assert sorted(sc.tids) == made, (sc.tids, made)
    assert made, "no guest ran"


def check_reports(sc, interval):
    """Reports as the contract says, an interval apart as they arrived
    (reports held back in a buffer show here); from A on, every vCPU
    thread in each, and blocked in A and B (stopped: asleep)."""
    assert sc.status == "0", sc.describe()
    a, b = sc.edges
    assert len(sc.reports) == b and a + sc.running < b, (sc.edges,
                                                        len(sc.reports))
    for n, rep in enumerate(sc.reports, 1):
        assert rep["backend"] == sc.backend, rep
        assert 0.5 * interval <= rep["interval_ns"] / 1e9 <= 10 * interval, rep
        assert {"cpus", "vcpus", "vms"} <= set(rep), rep
        for v in rep["vcpus"]:
            assert v["state"] in ("running", "runnable", "blocked",
                                  "ended", None), v
            if v["steal_pct"] is not None:
                assert abs(v["steal_pct"] - 100 * v["steal_ns"]
                           / rep["interval_ns"]) < 0.05, (n, v)
        if n < a:
            continue
        got = {v["tid"]: v for v in rep["vcpus"]}
        missing = [t for _, _, t in sc.tids if t not in got]
        assert not missing, f"report {n} lacks vCPU threads {missing}"
        if n in (a, b):
            states = {t: got[t]["state"] for _, _, t in sc.tids}
            assert set(states.values()) == {"blocked"}, (
                f"{sc.name} on {sc.backend}: report {n} made with every "
                f"guest stopped shows {states}")
    ups = [sc.samples[n][sc.tids[0][2]][0] for n in range(1, b + 1)
           if n in sc.samples and sc.tids[0][2] in sc.samples[n]]
    assert len(ups) == b, sc.samples
    assert ups[-1] - ups[0] >= 0.5 * interval * (b - 1), (
        f"{b} reports arrived within {ups[-1] - ups[0]:.2f} s (uptimes "
        f"{ups}): not flushed as they are made")


def check_vm_sums(sc):
    """Per report, each VM's figures are the sums of its vCPUs'."""
    for n, rep in enumerate(sc.reports, 1):
        for vm in rep["vms"]:
            mine = [v for v in rep["vcpus"] if v["vm_pid"] == vm["vm_pid"]
                    and v["vm_id"] == vm["vm_id"]]
            assert vm["vcpus"] == len(mine), (n, vm)
            for key in ("run_ns", "steal_ns", "idle_ns", "preemptions",
                        "migrations"):
                assert vm[key] == sum(v[key] for v in mine), (n, key, vm)
    pids = {pid for pid, _, _ in sc.tids}
    for rep in sc.reports:
        assert pids <= {vm["vm_pid"] for vm in rep["vms"]}, rep["vms"]


def woken(sc):
    """The report (1-based) that holds the last busy vCPU's wake-up from
    the stop at A, and the run delay that followed it.

    A + 1 as a rule, but later when SIGCONT came while a report made
    before it was still on its way to the script: then the stop's
    sleep, charged at the wake-up, lands in the next report, and
    counting it as running time made a busy vCPU look idle (CI, 6.1 on
    BPF: 932 ms idle of 2000 ms).  A busy guest's thread sleeps for
    nothing else, so its first wake-up after A is that one.
    """
    a = sc.edges[0]
    busy = set(busy_tids(sc))
    if not busy:
        return a + 1
    seen = set()
    for n in range(a + 1, a + sc.running + 1):
        seen |= {v["tid"] for v in sc.reports[n - 1]["vcpus"]
                 if v["tid"] in busy and v["wakeup"]["count"] > 0}
        if seen == busy:
            return n
    raise AssertionError(
        f"{sc.name} on {sc.backend}: reports {a + 1} to {a + sc.running} "
        f"show no wake-up from the stop of vCPU threads "
        f"{sorted(busy - seen)}")


def running(sc):
    """The reports of running guests: from the one after the wake-up
    (A + 2 as a rule) to A + running; at least two."""
    first = woken(sc) + 1
    last = sc.edges[0] + sc.running
    assert last - first + 1 >= 2, (
        f"{sc.name} on {sc.backend}: the wake-up from the stop came in "
        f"report {first - 1}, which leaves fewer than two reports of "
        f"running guests up to {last}")
    return sc.reports[first - 1:last]


def between_edges(sc):
    """The reports after A up to B."""
    return sc.reports[sc.edges[0]:sc.edges[1]]


def window(sc, tid, reports=None):
    """Sums over reports (the running ones by default) of one vCPU
    thread, and the wall time."""
    sums = {"run_ns": 0, "steal_ns": 0, "idle_ns": 0, "preemptions": 0,
            "wakeups": 0, "wall_ns": 0}
    for rep in running(sc) if reports is None else reports:
        v = next(v for v in rep["vcpus"] if v["tid"] == tid)
        for key in ("run_ns", "steal_ns", "idle_ns", "preemptions"):
            sums[key] += v[key]
        sums["wakeups"] += v["wakeup"]["count"]
        sums["wall_ns"] += rep["interval_ns"]
    return sums


def truth(sc, tid, first=None, last=None):
    """schedstat's change from after report first to after report last
    (edges A and B by default): (run, wait) ns."""
    a = sc.samples[sc.edges[0] if first is None else first][tid]
    b = sc.samples[sc.edges[1] if last is None else last][tid]
    return b[2] - a[2], b[3] - a[3]


def check_ground_truth(sc):
    """From report A to B, one stopped state to another."""
    for n in sc.edges:
        states = {tid: sc.samples[n][tid][1] for _, _, tid in sc.tids}
        assert set(states.values()) <= {"T", "t"}, (
            f"after report {n} the guests should be stopped: {states}")
    for _, _, tid in sc.tids:
        got = window(sc, tid, between_edges(sc))["steal_ns"]
        _, want = truth(sc, tid)
        assert abs(got - want) <= TRUTH_REL * want + SLACK_NS, (
            f"{sc.name} on {sc.backend}: thread {tid} waited {want} ns by "
            f"schedstat, {got} ns by us ({got - want:+d})")


def busy_tids(sc):
    """The vCPU threads whose guests spun (exitgen counted the turns)."""
    return [v["tid"] for g in sc.guests for v in g["vcpus"]
            if v["busy_spins"] > 0]


def check_steal_share(sc, least_pct, ratio_lo, ratio_hi):
    tids = busy_tids(sc)
    assert tids, sc.guests
    for tid in tids:
        w = window(sc, tid)
        pct = 100 * w["steal_ns"] / w["wall_ns"]
        assert pct >= least_pct, (
            f"{sc.name} on {sc.backend}: thread {tid} stole {pct:.1f}% "
            f"of the time, expected {least_pct}% or more: {w}")
        # It was there to wait, busy, not asleep: by the scheduler's
        # count it ran at least half of what its busy siblings leave.
        run, _ = truth(sc, tid, woken(sc), sc.edges[0] + sc.running)
        assert run >= 0.5 * (100 - least_pct) / 100 * w["wall_ns"] / (
            1 + ratio_hi), (
            f"thread {tid} ran only {run} ns of {w['wall_ns']}")
        assert w["idle_ns"] <= 0.05 * w["wall_ns"], w
        if least_pct > 10:
            assert w["preemptions"] > 0, w
    pinned = {}
    for g in sc.guests:
        for v in g["vcpus"]:
            if v["busy_spins"] > 0:
                pinned.setdefault(v.get("cpu"), []).append(v["tid"])
    for cpu, ours in pinned.items():
        assert cpu is not None, f"{sc.name}: busy vCPUs must be pinned"
        table = thieves(sc, cpu)
        caused = sum(table.get(tid, (0,))[0] for tid in ours)
        ran = sum(window(sc, tid, between_edges(sc))["run_ns"]
                  for tid in ours)
        assert ran > 0, (sc.name, cpu, ours)
        assert ratio_lo <= caused / ran <= ratio_hi, (
            f"{sc.name} on {sc.backend}: on CPU {cpu} the busy vCPUs "
            f"{ours} made others wait {caused} ns while running {ran} ns "
            f"({caused / ran:.2f} per ns run), expected {ratio_lo} to "
            f"{ratio_hi}")


def check_steal_range(sc, name):
    check_steal_share(sc, LEAST_STEAL_PCT[name], *SIBLING_WAIT_PER_RUN[name])


def thieves(sc, cpu):
    """tid -> (ns, vm_pid, vcpu_id) summed over the compared reports."""
    table = {}
    for rep in between_edges(sc):
        row = [c for c in rep["cpus"] if c["cpu"] == cpu]
        assert len(row) == 1, rep["cpus"]
        for t in row[0]["thieves"]:
            ns, _, _ = table.get(t["tid"], (0, None, None))
            table[t["tid"]] = (ns + t["ns"], t["vm_pid"], t["vcpu_id"])
    return table


def cpu_steal(sc, cpu):
    return sum(c["steal_ns"] for rep in between_edges(sc)
               for c in rep["cpus"] if c["cpu"] == cpu)


def check_thieves(sc, cpu):
    """All of sc's vCPUs wait on cpu: the busiest thieves there are those
    same threads, named with their VM and vCPU, and each is charged about
    what the others waited while it ran.  From report A to B: both
    stopped, so the CPU's totals and the vCPUs' agree."""
    table = thieves(sc, cpu)
    ours = {tid: (pid, vcpu) for pid, vcpu, tid in sc.tids}
    top = sorted(table, key=lambda t: table[t][0], reverse=True)[:len(ours)]
    assert set(top) == set(ours), (
        f"{sc.name} on {sc.backend}: CPU {cpu}'s top thieves {top} "
        f"({table}) are not the vCPU threads {sorted(ours)}")
    for tid, (pid, vcpu) in ours.items():
        assert table[tid][1:] == (pid, vcpu), (tid, table[tid])
    waited = sum(window(sc, tid, between_edges(sc))["steal_ns"]
                 for tid in ours)
    charged = sum(table[tid][0] for tid in ours)
    assert 0.8 * waited <= charged <= waited + SLACK_NS, (
        f"waits {waited} ns, charged to the vCPU threads {charged} ns")
    if len(ours) == 2:
        # Each one's wait is the other one's running.
        (a, b) = ours
        wa = window(sc, a, between_edges(sc))["steal_ns"]
        wb = window(sc, b, between_edges(sc))["steal_ns"]
        assert abs(table[b][0] - wa) <= 0.2 * wa + SLACK_NS, (table, wa)
        assert abs(table[a][0] - wb) <= 0.2 * wb + SLACK_NS, (table, wb)
    total = cpu_steal(sc, cpu)
    assert waited - SLACK_NS <= total <= 1.05 * waited + SLACK_NS, (
        f"CPU {cpu} steal {total} ns, its vCPUs waited {waited} ns")


def check_pinned(sc):
    """A vCPU thread pinned to one CPU never runs on another, so it is
    nobody's thief there."""
    pinned = {v["tid"]: v["cpu"] for g in sc.guests for v in g["vcpus"]
              if v.get("cpu") is not None}
    assert pinned, sc.guests
    for rep in sc.reports:
        for c in rep["cpus"]:
            for t in c["thieves"]:
                assert pinned.get(t["tid"], c["cpu"]) == c["cpu"], (
                    f"{sc.name} on {sc.backend}: thread {t['tid']}, pinned "
                    f"to CPU {pinned[t['tid']]}, stole on CPU {c['cpu']}: {t}")


def check_halted(sc, halter_tid):
    """The sleeping vCPU is idle, not stealing, and is woken up."""
    w = window(sc, halter_tid)
    assert w["idle_ns"] >= 0.5 * w["wall_ns"], w
    assert 100 * w["steal_ns"] / w["wall_ns"] < 10, w
    assert w["idle_ns"] >= 5 * w["steal_ns"], w
    assert w["wakeups"] > 0, w


def check_once(once, tids):
    """Module, no interval: cumulative, each figure as defined."""
    assert once["backend"] == "module" and once["interval_ns"] is None
    seen = {v["tid"]: v for v in once["vcpus"]}
    for _, _, tid in tids:
        v = seen[tid]
        total = v["run_ns"] + v["steal_ns"] + v["idle_ns"]
        assert abs(v["steal_pct"] - 100 * v["steal_ns"] / total) < 0.05, v
    for v in once["vcpus"] + once["cpus"]:
        assert v["steal_ns"] == (v["wakeup"]["sum_ns"]
                                 + v["preempt"]["sum_ns"]), v


# Two busy guests on CPU 0 while the formats run, after the scenarios
# (what the runs leave behind on CPU 0 would be another one's thieves).
FORMATS_SCENARIO = "formats"
CSV_TABLES = {"vcpu", "vm", "cpu"}


def check_ndjson(text, lines, backend, tids, interval=0.5):
    """lines reports, one compact JSON object a line, each of an
    interval and with every vCPU thread of tids.  A late read shortens
    the next interval (the deadlines do not drift), so only their sum is
    at least lines intervals."""
    rows = text.splitlines()
    assert len(rows) == lines and text.endswith("\n"), text[:2000]
    reports = [json.loads(row) for row in rows]
    for rep in reports:
        assert rep["backend"] == backend, rep
        if interval is None:
            assert rep["interval_ns"] is None, rep
        else:
            assert 0 < rep["interval_ns"] <= 10e9 * interval, rep
        got = {v["tid"] for v in rep["vcpus"]}
        assert set(tids) <= got, (sorted(tids), sorted(got))
    if interval is not None:
        total = sum(rep["interval_ns"] for rep in reports) / 1e9
        assert lines * interval <= total <= 10 * lines * interval, total
    return reports


def check_csv(text, intervals, backend, tids, pids, interval=0.5):
    """A header once, then rows of every table for each of intervals
    reports, as Python's csv module reads them; each interval has a row
    for every vCPU thread of tids and every VM of pids."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows, "no CSV"
    header = rows[0]
    assert header[:4] == ["table", "time", "interval_s", "backend"], header
    assert header not in rows[1:], "the header again"
    records = [dict(zip(header, row)) for row in rows[1:]]
    assert all(len(row) == len(header) for row in rows), rows
    assert {r["table"] for r in records} == CSV_TABLES, records[:3]
    times = sorted({r["time"] for r in records}, key=float)
    assert len(times) == intervals, times
    lengths = []
    for when in times:
        mine = [r for r in records if r["time"] == when]
        lengths.append(float(mine[0]["interval_s"]))
        for r in mine:
            assert r["backend"] == backend, r
            length = float(r["interval_s"])
            # one interval per report, as check_ndjson's
            assert length == lengths[-1] and 0 < length <= 10 * interval, r
            # of the wall time; the VMs of pids have one vCPU each
            if (r["table"] == "vcpu" and int(r["tid"]) in tids or
                    r["table"] == "vm" and int(r["vm_pid"]) in pids):
                pct = 100 * float(r["steal_s"]) / length
                assert abs(float(r["steal_pct"]) - pct) < 0.05, r
        vcpus = {int(r["tid"]): r for r in mine if r["table"] == "vcpu"}
        assert set(tids) <= set(vcpus), (when, sorted(vcpus))
        for tid in tids:
            assert vcpus[tid]["vm_name"], vcpus[tid]
        vms = {int(r["vm_pid"]) for r in mine if r["table"] == "vm"}
        assert set(pids) <= vms, (when, vms)
        # the CPU they share
        cpus = {int(r["cpu"]) for r in mine if r["table"] == "cpu"}
        assert 0 in cpus, (when, cpus)
    assert intervals * interval <= sum(lengths) <= 10 * intervals * interval
    # a report's time is its read's: they are an interval apart
    for before, now, length in zip(times, times[1:], lengths[1:]):
        assert abs(float(now) - float(before) - length) < 0.05, (times,
                                                                 lengths)
    return records


def check_top(text, backend, tids):
    """--sort steal --top 1: one vCPU, and it stole at least as much as
    the average vCPU of every VM (VM totals keep every vCPU); a busy one
    of the scenario, which share a CPU, not an idle one."""
    (rep,) = check_ndjson(text, 1, backend, [])
    assert len(rep["vcpus"]) == 1, rep["vcpus"]
    top = rep["vcpus"][0]
    for vm in rep["vms"]:
        assert top["steal_ns"] * vm["vcpus"] >= vm["steal_ns"], (top, vm)
    assert top["tid"] in tids, (top, tids)
    assert sum(vm["vcpus"] for vm in rep["vms"]) >= len(tids), rep["vms"]


def format_guests(run):
    """[(pid, vcpu, tid)] of the formats' guests, which ran till the end."""
    tids = [tuple(map(int, line.split())) for line in
            read(run.outdir / f"{FORMATS_SCENARIO}.tids").splitlines()]
    assert len(tids) == 2, tids
    for i in range(2):
        status = read(run.outdir / f"{FORMATS_SCENARIO}.g{i}.status").strip()
        assert status == "0", read(run.outdir / f"{FORMATS_SCENARIO}.g{i}.err")
    return tids


def format_output(run, backend, fmt):
    base = run.outdir / f"{FORMATS_SCENARIO}.{backend}.{fmt}"
    status = read(base.with_name(base.name + ".status")).strip()
    assert status == "0", (f"sched --{fmt} on {backend} exited {status}: "
                           + read(base.with_name(base.name + ".err")))
    return read(base)


# --- the lab runs ------------------------------------------------------------------

def test_kernels_named():
    """An empty VMEXIT_STAT_KERNELS must not pass by collecting nothing."""
    assert KERNELS, "VMEXIT_STAT_KERNELS names no kernel"


@pytest.fixture(params=KERNELS, scope="module")
def run(request, lab_runs):
    lab = lab_runs("sched", request.param, timeout=900)
    assert lab.proc.returncode == 0, lab.describe()
    return lab


def scenario(run, name, backend):
    sc = load_scenario(run.outdir, name, backend)
    check_guests(sc)
    check_reports(sc, float(read(run.outdir / "reports").split()[0]))
    return sc


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", SCENARIOS)
def test_reports_and_sums(run, name, backend):
    check_vm_sums(scenario(run, name, backend))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", SCENARIOS)
def test_steal_equals_schedstat_run_delay(run, name, backend):
    check_ground_truth(scenario(run, name, backend))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", ["separate", "shared", "four"])
def test_steal_share(run, name, backend):
    check_steal_range(scenario(run, name, backend), name)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", ["shared", "four"])
def test_thieves_are_the_other_vcpus(run, name, backend):
    check_thieves(scenario(run, name, backend), 0)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", SCENARIOS)
def test_pinned_vcpus_steal_only_on_their_cpu(run, name, backend):
    check_pinned(scenario(run, name, backend))


@pytest.mark.parametrize("backend", BACKENDS)
def test_halted_is_idle_not_steal(run, backend):
    sc = scenario(run, "separate", backend)
    # The third guest halts, on the CPU of the second (busy).
    halter = sc.guests[2]["vcpus"][0]
    assert halter["busy_spins"] == 0, halter
    check_halted(sc, halter["tid"])


@pytest.mark.parametrize("name", SCENARIOS)
def test_cumulative_module_view(run, name):
    assert read(run.outdir / f"{name}.once.status").strip() == "0", read(
        run.outdir / f"{name}.once.err")
    sc = load_scenario(run.outdir, name, "module")
    check_once(json.loads(read(run.outdir / f"{name}.once.json")), sc.tids)


@pytest.mark.parametrize("backend", BACKENDS)
def test_ndjson_a_line_per_interval(run, backend):
    check_ndjson(format_output(run, backend, "ndjson"), 3, backend,
                 [t for _, _, t in format_guests(run)])


def test_ndjson_totals_one_line(run):
    base = run.outdir / f"{FORMATS_SCENARIO}.once.ndjson"
    assert read(base.with_name(base.name + ".status")).strip() == "0", read(
        base.with_name(base.name + ".err"))
    check_ndjson(read(base), 1, "module",
                 [t for _, _, t in format_guests(run)], interval=None)


@pytest.mark.parametrize("backend", BACKENDS)
def test_csv_header_once_rows_of_each_interval(run, backend):
    guests = format_guests(run)
    check_csv(format_output(run, backend, "csv"), 2, backend,
              [t for _, _, t in guests], [p for p, _, _ in guests])


@pytest.mark.parametrize("backend", BACKENDS)
def test_top_1_is_the_most_stolen_from(run, backend):
    check_top(format_output(run, backend, "top"), backend,
              [t for _, _, t in format_guests(run)])


# --- the checks themselves, on made-up data ------------------------------------------

FAKE_BUCKETS = 40


def fake_lat(count, sum_ns):
    hist = [0] * FAKE_BUCKETS
    hist[20] = count
    avg = sum_ns // count if count else 0
    return {"count": count, "sum_ns": sum_ns, "min_ns": avg, "max_ns": avg,
            "avg_ns": avg, "p50_ns": avg, "p90_ns": avg, "p99_ns": avg,
            "hist": hist}


FAKE_INTERVAL = 0.5
FAKE_REPORTS = 10
FAKE_EDGES = (3, 10)
FAKE_RUNNING = 5


def fake_shared():
    """Two vCPU threads of two VMs sharing CPU 0, stopped at reports 3
    and 10 as the guest script does (reports 2 and 9 show them being
    stopped; no change while stopped is modelled: the checks do not
    depend on it)."""
    tids = [(100, 0, 101), (200, 0, 201)]
    interval = int(FAKE_INTERVAL * 1e9)
    reports, samples = [], {}
    cum = {t: [0, 0] for _, _, t in tids}
    for n in range(1, FAKE_REPORTS + 1):
        vcpus, thief_rows = [], []
        for pid, vcpu, tid in tids:
            # Shared unevenly, so that charging a wait to the wrong
            # thread shows.
            steal = interval * (4 if tid == 101 else 6) // 10
            run = interval - steal
            cum[tid][0] += run
            cum[tid][1] += steal
            vcpus.append({
                "vm_pid": pid, "vm_id": f"{pid:016x}", "vcpu_id": vcpu,
                "tid": tid,
                "state": "blocked" if n in FAKE_EDGES else "runnable",
                "cpu": 0, "run_ns": run,
                "steal_ns": steal, "idle_ns": 0,
                "steal_pct": 100 * steal / interval, "timeslices": 80,
                "preemptions": 80, "migrations": 0,
                # SIGCONT's wake-up from the stop at A, with no delay.
                "wakeup": fake_lat(1 if n == FAKE_EDGES[0] + 1 else 0, 0),
                "preempt": fake_lat(80, steal)})
        for (pid, vcpu, tid), other in zip(tids, reversed(vcpus)):
            thief_rows.append({"tid": tid, "comm": "vmexit-stat",
                               "ns": other["steal_ns"], "over_ns": 0,
                               "vm_pid": pid, "vcpu_id": vcpu})
        thief_rows.append({"tid": 7, "comm": "bash", "ns": 300_000,
                           "over_ns": 0, "vm_pid": None, "vcpu_id": None})
        total = sum(v["steal_ns"] for v in vcpus)
        cpus = [{"cpu": 0, "steal_ns": total, "steal_pct": None,
                 "vcpu_run_ns": interval, "unattributed_ns": 0,
                 "wakeup": fake_lat(0, 0), "preempt": fake_lat(160, total),
                 "thieves": thief_rows},
                {"cpu": 1, "steal_ns": 0, "steal_pct": None,
                 "vcpu_run_ns": 0, "unattributed_ns": 0,
                 "wakeup": fake_lat(0, 0), "preempt": fake_lat(0, 0),
                 "thieves": []}]
        vms = [{"vm_pid": v["vm_pid"], "vm_id": v["vm_id"], "vcpus": 1,
                "run_ns": v["run_ns"], "steal_ns": v["steal_ns"],
                "idle_ns": 0, "steal_pct": v["steal_pct"],
                "preemptions": v["preemptions"], "migrations": 0,
                "wakeup": v["wakeup"], "preempt": v["preempt"]}
               for v in vcpus]
        reports.append({"backend": "module", "interval_ns": interval,
                        "cpus": cpus, "vcpus": vcpus, "vms": vms})
        # schedstat read a little after the report, its clock a little off.
        state = "T" if n in (2, 3, 9, 10) else "R"
        samples[n] = {t: (10.0 + n * 0.51, state, cum[t][0] + 37_000,
                          cum[t][1] + 12_000 * n, 80 * n) for t in cum}
    guests = [{"pid": pid, "vcpus": [{"vcpu": vcpu, "tid": tid, "cpu": 0,
                                      "busy_spins": 10**8}]}
              for pid, vcpu, tid in tids]
    return Scenario("shared", "module", reports, samples, guests, tids, "0",
                    FAKE_EDGES, FAKE_RUNNING)


def fake_halt():
    """Thread 101 sleeps 90% of the time and waits little to be run."""
    sc = fake_shared()
    for rep in sc.reports:
        v = rep["vcpus"][0]
        v.update(run_ns=90_000_000, steal_ns=10_000_000,
                 idle_ns=900_000_000, steal_pct=1.0,
                 wakeup=fake_lat(9, 10_000_000), preempt=fake_lat(0, 0))
    return sc


def run_fake_checks(sc):
    check_guests(sc)
    check_reports(sc, FAKE_INTERVAL)
    check_vm_sums(sc)
    check_ground_truth(sc)
    check_steal_range(sc, "shared")
    check_thieves(sc, 0)
    check_pinned(sc)


def test_checks_pass_on_consistent_data():
    run_fake_checks(fake_shared())
    check_halted(fake_halt(), 101)


@pytest.mark.parametrize("name", ["separate", "four"])
def test_sibling_wait_tells_scenarios_apart(name):
    """Two vCPUs sharing a CPU make each other wait about 1 ns per ns
    run: neither "separate" (0) nor "four" (3)."""
    with pytest.raises(AssertionError, match="per ns run"):
        check_steal_share(fake_shared(), LEAST_STEAL_PCT["shared"],
                          *SIBLING_WAIT_PER_RUN[name])


def resum(sc):
    """VM and CPU totals again from the vCPUs, after a breakage."""
    for rep in sc.reports:
        for vm, v in zip(rep["vms"], rep["vcpus"]):
            vm.update(steal_ns=v["steal_ns"], steal_pct=v["steal_pct"],
                      idle_ns=v["idle_ns"], run_ns=v["run_ns"])
        rep["cpus"][0]["steal_ns"] = sum(v["steal_ns"] for v in rep["vcpus"])


def schedstat_disagrees_by_3_percent(sc):
    for n in sc.samples:
        up, state, run, wait, slices = sc.samples[n][201]
        sc.samples[n][201] = (up, state, run, int(wait * 1.03), slices)


def buffered_reports(sc):
    for n in sc.samples:
        for t, s in sc.samples[n].items():
            sc.samples[n][t] = (50.0,) + s[1:]


def thief_misnamed(sc):
    for rep in sc.reports:
        rep["cpus"][0]["thieves"][0]["tid"] = 7


def thief_charged_own_wait(sc):
    for rep in sc.reports:
        rows = rep["cpus"][0]["thieves"]
        rows[0]["ns"], rows[1]["ns"] = rows[1]["ns"], rows[0]["ns"]


def vm_sum_off(sc):
    sc.reports[2]["vms"][0]["steal_ns"] += 1


def vcpu_missing(sc):
    del sc.reports[3]["vcpus"][1]


def steal_pct_of_another_base(sc):
    v = sc.reports[1]["vcpus"][0]
    v["steal_pct"] = 100 * v["steal_ns"] / (v["run_ns"] + v["steal_ns"] + 1e8)


def no_contention(sc):
    for rep in sc.reports:
        for v in rep["vcpus"]:
            v["steal_ns"] //= 10
            v["steal_pct"] /= 10
    for n in sc.samples:
        for t, s in sc.samples[n].items():
            sc.samples[n][t] = s[:3] + (s[3] // 10, s[4])
    resum(sc)


def edge_not_stopped(sc):
    sc.samples[3][201] = (sc.samples[3][201][0], "R") + sc.samples[3][201][2:]


def stopped_shown_running(sc):
    sc.reports[FAKE_EDGES[1] - 1]["vcpus"][0]["state"] = "running"


def guest_not_busy(sc):
    sc.guests[1]["vcpus"][0]["busy_spins"] = 0
    for n in sc.samples:
        s = sc.samples[n][101]
        sc.samples[n][101] = s[:2] + (0,) + s[3:]


def never_woken_from_the_stop(sc):
    for rep in sc.reports:
        for v in rep["vcpus"]:
            v["wakeup"] = fake_lat(0, 0)


def thief_on_another_cpu(sc):
    sc.reports[4]["cpus"][1]["thieves"].append(
        {"tid": 101, "comm": "vmexit-stat", "ns": 1000, "over_ns": 0,
         "vm_pid": 100, "vcpu_id": 0})


def cpu_steal_missing(sc):
    for rep in sc.reports:
        rep["cpus"][0]["steal_ns"] //= 2


BROKEN = [schedstat_disagrees_by_3_percent, buffered_reports, thief_misnamed,
          thief_charged_own_wait, vm_sum_off, vcpu_missing,
          steal_pct_of_another_base, no_contention, edge_not_stopped,
          stopped_shown_running,
          guest_not_busy, never_woken_from_the_stop, thief_on_another_cpu,
          cpu_steal_missing]


@pytest.mark.parametrize("breakage", BROKEN, ids=lambda f: f.__name__)
def test_checks_fail_on_broken_data(breakage):
    sc = fake_shared()
    breakage(sc)
    with pytest.raises((AssertionError, KeyError, StopIteration)):
        run_fake_checks(sc)


def woken_a_report_late(sc):
    """SIGCONT came while report A + 1 was on its way: the stop's sleep
    and the wake-up are in A + 2."""
    a = FAKE_EDGES[0]
    for v in sc.reports[a]["vcpus"]:
        v["wakeup"] = fake_lat(0, 0)
    for v, vm in zip(sc.reports[a + 1]["vcpus"], sc.reports[a + 1]["vms"]):
        v["wakeup"] = vm["wakeup"] = fake_lat(1, 0)
        v["idle_ns"] = vm["idle_ns"] = 900_000_000
    return sc


def test_running_window_starts_after_a_late_wake_up():
    sc = woken_a_report_late(fake_shared())
    assert woken(sc) == FAKE_EDGES[0] + 2
    run_fake_checks(sc)


def test_late_wake_up_would_look_idle_from_a_plus_2():
    """What the window's start guards against: counted from A + 2, the
    late wake-up's sleep makes a busy vCPU idle 36% of the time."""
    sc = woken_a_report_late(fake_shared())
    a = FAKE_EDGES[0]
    w = window(sc, 101, sc.reports[a + 1:a + sc.running])
    assert w["idle_ns"] > 0.05 * w["wall_ns"], w
    assert window(sc, 101)["idle_ns"] == 0


def halted_counted_as_steal(sc):
    for rep in sc.reports:
        v = rep["vcpus"][0]
        v["steal_ns"], v["idle_ns"] = v["idle_ns"], v["steal_ns"]


def never_woken(sc):
    for rep in sc.reports:
        rep["vcpus"][0]["wakeup"] = fake_lat(0, 0)


@pytest.mark.parametrize("breakage", [halted_counted_as_steal, never_woken],
                         ids=lambda f: f.__name__)
def test_halt_check_fails_on_broken_data(breakage):
    sc = fake_halt()
    breakage(sc)
    with pytest.raises(AssertionError):
        check_halted(sc, 101)


def test_cumulative_check_fails_on_broken_data():
    once = json.loads(json.dumps(fake_shared().reports[0]))
    once["interval_ns"] = None
    for v in once["vcpus"]:
        v["steal_pct"] = 100 * v["steal_ns"] / (v["run_ns"] + v["steal_ns"])
    check_once(once, [(100, 0, 101), (200, 0, 201)])
    once["vcpus"][0]["preempt"]["sum_ns"] += 1
    with pytest.raises(AssertionError):
        check_once(once, [(100, 0, 101), (200, 0, 201)])


# --- the format checks on made-up output ----------------------------------------------

FAKE_TIDS = [101, 201]
FAKE_PIDS = [100, 200]


def fake_ndjson(lines=3):
    return "".join(json.dumps(r, separators=(",", ":")) + "\n"
                   for r in fake_shared().reports[:lines])


def fake_csv(intervals=2):
    header = ["table", "time", "interval_s", "backend", "vm_pid", "vm_name",
              "vm_id", "vcpu", "tid", "state", "cpu", "vcpus", "run_s",
              "steal_s", "steal_pct"]
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    for n, rep in enumerate(fake_shared().reports[:intervals]):
        when = f"{1764626400 + n * 0.5:.6f}"
        start = [when, "0.500000000", "module"]
        for v in rep["vcpus"]:
            w.writerow(["vcpu", *start, v["vm_pid"], "a,b", v["vm_id"],
                        v["vcpu_id"], v["tid"], v["state"], 0, "",
                        v["run_ns"] / 1e9, v["steal_ns"] / 1e9,
                        f"{v['steal_pct']:.2f}"])
        for vm in rep["vms"]:
            w.writerow(["vm", *start, vm["vm_pid"], "a,b", vm["vm_id"], "",
                        "", "", "", 1, vm["run_ns"] / 1e9,
                        vm["steal_ns"] / 1e9, f"{vm['steal_pct']:.2f}"])
        for c in rep["cpus"]:
            w.writerow(["cpu", *start, "", "", "", "", "", "", c["cpu"], "",
                        "", c["steal_ns"] / 1e9, ""])
    return out.getvalue()


def fake_top():
    rep = fake_shared().reports[4]
    rep["vcpus"] = [max(rep["vcpus"], key=lambda v: v["steal_ns"])]
    return json.dumps(rep, separators=(",", ":")) + "\n"


def test_format_checks_pass_on_consistent_output():
    check_ndjson(fake_ndjson(), 3, "module", FAKE_TIDS)
    check_csv(fake_csv(), 2, "module", FAKE_TIDS, FAKE_PIDS)
    check_top(fake_top(), "module", FAKE_TIDS)


def least_stolen_on_top(text):
    rep = json.loads(text)
    rep["vcpus"] = [min(fake_shared().reports[4]["vcpus"],
                        key=lambda v: v["steal_ns"])]
    return json.dumps(rep) + "\n"


def csv_header_twice(text):
    header = text.split("\n", 1)[0]
    return text + header + "\n"


def csv_one_interval(text):
    first = text.splitlines()[1].split(",")[1]
    return "\n".join(line for line in text.splitlines()
                     if f",{first}," not in line or
                     line.startswith("table")) + "\n"


def csv_short_row(text):
    return text + "vcpu,1764626401.000000,0.500000000,module\n"


def csv_unquoted_name(text):
    return text.replace('"a,b"', "a,b", 1)


FORMAT_BROKEN = [
    ("ndjson", lambda t: t + t.splitlines()[0] + "\n"),
    ("ndjson", lambda t: t.replace("\n", "\n\n", 1)),
    ("ndjson", lambda t: t.replace("}\n", "\n", 1)),
    ("ndjson", lambda t: t.replace('"tid":201', '"tid":202')),
    ("csv", csv_header_twice),
    ("csv", csv_one_interval),
    ("csv", csv_short_row),
    ("csv", csv_unquoted_name),
    ("csv", lambda t: t.replace(",0.500000000,", ",5.500000000,", 1)),
    ("csv", lambda t: t.replace(",60.00\n", ",30.00\n", 1)),
    ("csv", lambda t: "\n".join(line for line in t.splitlines()
                                if not line.startswith("cpu,")) + "\n"),
    ("top", least_stolen_on_top),
    ("top", lambda t: t + t),
]


@pytest.mark.parametrize("fmt,breakage", FORMAT_BROKEN,
                         ids=[f"{f}-{i}" for i, (f, _) in
                              enumerate(FORMAT_BROKEN)])
def test_format_checks_fail_on_broken_output(fmt, breakage):
    good = {"ndjson": fake_ndjson, "csv": fake_csv, "top": fake_top}[fmt]()
    check = {
        "ndjson": lambda t: check_ndjson(t, 3, "module", FAKE_TIDS),
        "csv": lambda t: check_csv(t, 2, "module", FAKE_TIDS, FAKE_PIDS),
        "top": lambda t: check_top(t, "module", FAKE_TIDS),
    }[fmt]
    broken = breakage(good)
    assert broken != good
    with pytest.raises((AssertionError, ValueError, KeyError)):
        check(broken)
