# SPDX-License-Identifier: GPL-2.0
"""vmexit-stat export in the lab, on the module and on BPF at once.

tests/integration/guest/export runs, in one lab boot (6.1), an exporter
per backend and one exitgen guest of a known mix while both count, fetches
both endpoints in the Prometheus text format and as OpenMetrics, runs
'promtool check metrics' on them, has a real Prometheus scrape both on
loopback every second and queries it over its HTTP API.  Here:

  promtool finds nothing wrong; every sample's family has HELP and TYPE;
  OpenMetrics is served when asked for, ends with '# EOF';
  exits per reason equal exitgen's (made per vCPU x vCPUs) exactly, on
  both backends, as fetched and as Prometheus stored them; exits to user
  space per KVM_EXIT reason equal exitgen's KVM_RUN returns;
  latency histograms are cumulative, +Inf = _count; steal per vCPU;
  bad command lines exit 2, a port in use 1, each saying why;
  SIGTERM ends an exporter with status 0 (the ASan build: no leak).

The parsing and checks also run on made-up text, right and broken, so
that they are known to be able to fail.
"""

import json
import re

import pytest

from conftest import KERNELS
from exit_checks import DETERMINISTIC

KERNEL = "6.1"
BACKENDS = ["module", "bpf"]

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


# --- the text format ----------------------------------------------------------

def parse(text):
    """(types, samples): family -> type; [(name, {label: value}, value)]."""
    types, samples = {}, []
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
        elif line.startswith("#") or not line:
            continue
        else:
            m = SAMPLE.match(line)
            assert m, f"not a sample line: {line!r}"
            labels = dict(LABEL.findall(m.group(2) or ""))
            samples.append((m.group(1), labels, float(m.group(3))))
    return types, samples


def family_of(name, types):
    """The family a sample belongs to, by the suffixes its type allows."""
    if name in types:
        return name
    for suffix in ("_total", "_bucket", "_sum", "_count"):
        if name.endswith(suffix) and name[:-len(suffix)] in types:
            return name[:-len(suffix)]
    return None


def check_families(text):
    types, samples = parse(text)
    helps = {line.split(" ")[2] for line in text.splitlines()
             if line.startswith("# HELP ")}
    assert helps == set(types), (helps, set(types))
    for name, _, _ in samples:
        assert name.startswith("vmexit_stat_"), name
        assert family_of(name, types), f"{name} has no TYPE"
    for name, kind in types.items():
        if kind == "counter":
            assert not name.endswith("_ns"), name
    return types, samples


def select(samples, name, **want):
    return [(labels, value) for n, labels, value in samples
            if n == name and all(labels.get(k) == v
                                 for k, v in want.items())]


def by_reason(samples, name, pid):
    out = {}
    for labels, value in select(samples, name, pid=str(pid)):
        out[labels["reason"]] = out.get(labels["reason"], 0) + value
    return out


def check_histograms(samples, pid):
    """Buckets cumulative, in le order, +Inf = _count; returns the
    counts by reason."""
    series = {}
    for labels, value in select(samples,
                                "vmexit_stat_exit_latency_seconds_bucket",
                                pid=str(pid)):
        key = labels["reason"]
        le = float("inf") if labels["le"] == "+Inf" else float(labels["le"])
        series.setdefault(key, []).append((le, value))
    counts = {labels["reason"]: value for labels, value in
              select(samples, "vmexit_stat_exit_latency_seconds_count",
                     pid=str(pid))}
    assert series, "no latency histogram"
    for reason, buckets in series.items():
        les = [le for le, _ in buckets]
        assert les == sorted(les) and les[-1] == float("inf"), buckets
        values = [v for _, v in buckets]
        assert values == sorted(values), f"{reason} not cumulative: {values}"
        assert values[-1] == counts[reason], (reason, values[-1], counts)
    return counts


def truth(made):
    """exitgen's exits per reason name for its whole VM."""
    nr_vcpus = len(made["vcpus"])
    isa = made["isa"]
    exits = {DETERMINISTIC[isa][m["code"]]: m["count"] * nr_vcpus
             for m in made["made"]}
    user = {}
    for vcpu in made["vcpus"]:
        for u in vcpu["user_exits"]:
            user[u["reason"]] = user.get(u["reason"], 0) + u["count"]
    return exits, user


def check_counts(samples, made, what):
    exits, user = truth(made)
    got = by_reason(samples, "vmexit_stat_exits_total", made["pid"])
    for reason, count in exits.items():
        assert got.get(reason, 0) == count, (
            f"{what} {reason}: exported {got.get(reason, 0)}, exitgen "
            f"made {count}")
    got_user = by_reason(samples, "vmexit_stat_user_exits_total",
                         made["pid"])
    for reason, count in user.items():
        assert got_user.get(reason, 0) == count, (
            f"{what} user exits {reason}: exported "
            f"{got_user.get(reason, 0)}, exitgen saw {count}")


# --- the lab run ------------------------------------------------------------

@pytest.fixture(scope="module")
def run(lab_runs):
    if KERNEL not in KERNELS:
        pytest.skip(f"export is tested on {KERNEL} alone, not in "
                    f"VMEXIT_STAT_KERNELS={' '.join(KERNELS)}")
    result = lab_runs("export", KERNEL, timeout=900)
    assert result.proc.returncode == 0, result.describe()
    return result


def read(run, name):
    path = run.outdir / name
    assert path.exists(), f"{path} missing\n{run.describe()}"
    return path.read_text()


@pytest.fixture(scope="module")
def made(run):
    assert read(run, "exitgen.status").strip() == "0", read(run,
                                                             "exitgen.err")
    return json.loads(read(run, "exitgen.json"))


@pytest.mark.parametrize("backend", BACKENDS)
def test_promtool_passes(run, backend):
    status = read(run, f"{backend}.promtool.status").strip()
    assert status == "0", read(run, f"{backend}.promtool")
    assert "vmexit_stat_exits_total" in read(run, f"{backend}.prom")


@pytest.mark.parametrize("backend", BACKENDS)
def test_families_have_help_and_type(run, backend):
    types, _ = check_families(read(run, f"{backend}.prom"))
    assert types["vmexit_stat_exits_total"] == "counter"
    assert types["vmexit_stat_exit_latency_seconds"] == "histogram"
    assert types["vmexit_stat_build_info"] == "gauge"


@pytest.mark.parametrize("backend", BACKENDS)
def test_openmetrics_when_asked(run, backend):
    headers = read(run, f"{backend}.om.headers").lower()
    assert "content-type: application/openmetrics-text; version=1.0.0" in \
        headers, headers
    text = read(run, f"{backend}.om")
    assert text.endswith("# EOF\n")
    types, samples = check_families(text.replace("# EOF\n", ""))
    # an OpenMetrics counter's family has no _total
    assert types["vmexit_stat_exits"] == "counter"
    assert select(samples, "vmexit_stat_exits_total")
    assert "text/plain; version=0.0.4" not in headers


@pytest.mark.parametrize("backend", BACKENDS)
def test_counts_equal_exitgen(run, made, backend):
    for name in (f"{backend}.prom", f"{backend}.om"):
        _, samples = parse(read(run, name).replace("# EOF\n", ""))
        check_counts(samples, made, f"{backend} {name}")
        (info, _), = select(samples, "vmexit_stat_build_info")
        assert info["backend"] == backend


@pytest.mark.parametrize("backend", BACKENDS)
def test_latency_histograms(run, made, backend):
    _, samples = parse(read(run, f"{backend}.prom"))
    counts = check_histograms(samples, made["pid"])
    exits, _ = truth(made)
    # CPUID never leaves the kernel: each one entered the guest again.
    assert counts["cpuid"] == exits["cpuid"]
    for reason, count in counts.items():
        assert count <= by_reason(samples, "vmexit_stat_exits_total",
                                  made["pid"])[reason]
    sums = {labels["reason"]: v for labels, v in
            select(samples, "vmexit_stat_exit_latency_seconds_sum",
                   pid=str(made["pid"]))}
    # seconds, not ns: a CPUID exit takes microseconds
    assert 0 < sums["cpuid"] / counts["cpuid"] < 0.01, sums


def test_steal_per_vcpu(run):
    assert read(run, "busy.status").strip() == "0", read(run, "busy.err")
    pid = read(run, "busy.pid").strip()
    busy = json.loads(read(run, "busy.json"))
    _, samples = parse(read(run, "busy.prom"))
    for name in ("vmexit_stat_vcpu_steal_seconds_total",
                 "vmexit_stat_vcpu_run_seconds_total",
                 "vmexit_stat_vcpu_idle_seconds_total"):
        rows = select(samples, name, pid=pid)
        assert sorted(labels["vcpu"] for labels, _ in rows) == \
            sorted(str(v["vcpu"]) for v in busy["vcpus"]), (name, rows)
    # read while the busy guest ran: both vCPUs had run, in seconds
    run_s = select(samples, "vmexit_stat_vcpu_run_seconds_total", pid=pid)
    assert all(0 < v < 60 for _, v in run_s), run_s
    drops = {labels["cause"]: v for labels, v in
             select(samples, "vmexit_stat_exits_dropped_total")}
    assert drops and all(v == 0 for v in drops.values()), drops


def test_one_vm_per_vcpu(run, made):
    assert read(run, "one-vm.status").strip() == "0", read(run, "one-vm.err")
    _, samples = parse(read(run, "one-vm.prom"))
    rows = select(samples, "vmexit_stat_exits_total")
    assert rows and {labels["pid"] for labels, _ in rows} == \
        {str(made["pid"])}, rows
    isa = made["isa"]
    for vcpu in made["vcpus"]:
        got = {labels["reason"]: value for labels, value in
               select(samples, "vmexit_stat_exits_total",
                      vcpu=str(vcpu["vcpu"]))}
        for m in made["made"]:
            reason = DETERMINISTIC[isa][m["code"]]
            assert got.get(reason, 0) == m["count"], (
                f"vcpu {vcpu['vcpu']} {reason}: exported "
                f"{got.get(reason, 0)}, exitgen made {m['count']}")
        user = {labels["reason"]: value for labels, value in
                select(samples, "vmexit_stat_user_exits_total",
                       vcpu=str(vcpu["vcpu"]))}
        assert user == {u["reason"]: u["count"]
                        for u in vcpu["user_exits"]}, user


def test_vm_labels(run, made):
    _, samples = parse(read(run, "module.prom"))
    rows = select(samples, "vmexit_stat_exits_total", pid=str(made["pid"]))
    assert rows
    for labels, _ in rows:
        assert set(labels) == {"vm", "pid", "vm_id", "isa", "reason"}
        assert labels["isa"] == made["isa"]
        assert re.fullmatch(r"[0-9a-f]{16}", labels["vm_id"])
        assert labels["vm"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_prometheus_scraped_the_counts(run, made, backend):
    answer = json.loads(read(run, f"query.{backend}.json"))
    assert answer["status"] == "success", answer
    result = answer["data"]["result"]
    got = {}
    for row in result:
        reason = row["metric"]["reason"]
        got[reason] = got.get(reason, 0) + float(row["value"][1])
    exits, _ = truth(made)
    assert got, f"Prometheus has no sample of {backend}'s: {answer}"
    for reason, count in exits.items():
        assert got.get(reason, 0) == count, (
            f"Prometheus ({backend}) {reason}: {got.get(reason, 0)}, "
            f"exitgen made {count}")
    up = json.loads(read(run, "query.up.json"))["data"]["result"]
    job = f"vmexit_stat_{backend}"
    assert [r["value"][1] for r in up if r["metric"]["job"] == job] == \
        ["1"], up


def test_prometheus_user_exits(run, made):
    answer = json.loads(read(run, "query.user.json"))
    got = {r["metric"]["reason"]: float(r["value"][1])
           for r in answer["data"]["result"]}
    _, user = truth(made)
    assert got == {k: float(v) for k, v in user.items()}, (got, user)


BAD = {
    # name: (status, what stderr must say)
    "no-port": (2, "--listen wants ADDR:PORT"),
    "port-zero": (2, "--listen wants ADDR:PORT"),
    "port-too-big": (2, "--listen wants ADDR:PORT"),
    "not-an-address": (2, "--listen wants ADDR:PORT"),
    "hostname": (2, "--listen wants ADDR:PORT"),
    "backend": (2, "--backend wants module, bpf or auto"),
    "argument": (2, "export takes no argument"),
    "port-in-use": (1, "127.0.0.1:9958: the port is in use"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input(run, name):
    status, message = BAD[name]
    err = read(run, f"bad.{name}.err")
    assert read(run, f"bad.{name}.status").strip() == str(status), err
    assert message in err, err
    assert read(run, f"bad.{name}.out") == ""


def test_unknown_path_is_404(run):
    assert read(run, "not-found.code").strip() == "404"


@pytest.mark.parametrize("backend", BACKENDS)
def test_sigterm_ends_cleanly(run, backend):
    err = read(run, f"{backend}.err")
    assert read(run, f"{backend}.status").strip() == "0", err
    assert "serving the" in err and "ERROR: AddressSanitizer" not in err, err


# --- the checks can fail ------------------------------------------------------

MADE = {
    "isa": "svm", "pid": 7,
    "vcpus": [{"vcpu": 0, "user_exits": [{"reason": "io", "count": 3}]},
              {"vcpu": 1, "user_exits": [{"reason": "io", "count": 3}]}],
    "made": [{"code": 0x72, "count": 5}, {"code": 0x7b, "count": 3}],
}

GOOD = """# HELP vmexit_stat_exits_total x
# TYPE vmexit_stat_exits_total counter
vmexit_stat_exits_total{vm="a",pid="7",vm_id="1",isa="svm",reason="cpuid"} 10
vmexit_stat_exits_total{vm="a",pid="7",vm_id="1",isa="svm",reason="io"} 6
# HELP vmexit_stat_exit_latency_seconds x
# TYPE vmexit_stat_exit_latency_seconds histogram
vmexit_stat_exit_latency_seconds_bucket{pid="7",reason="cpuid",le="0.000001"} 4
vmexit_stat_exit_latency_seconds_bucket{pid="7",reason="cpuid",le="+Inf"} 10
vmexit_stat_exit_latency_seconds_sum{pid="7",reason="cpuid"} 0.00002
vmexit_stat_exit_latency_seconds_count{pid="7",reason="cpuid"} 10
# HELP vmexit_stat_user_exits_total x
# TYPE vmexit_stat_user_exits_total counter
vmexit_stat_user_exits_total{vm="a",pid="7",vm_id="1",reason="io"} 6
"""


def test_checks_pass_on_consistent_text():
    check_families(GOOD)
    _, samples = parse(GOOD)
    check_counts(samples, MADE, "made-up")
    assert check_histograms(samples, 7) == {"cpuid": 10}


@pytest.mark.parametrize("broken, error", [
    (GOOD.replace('reason="io"} 6\n#', 'reason="io"} 5\n#'), "io: exported 5"),
    (GOOD.replace("user_exits_total{vm=\"a\",pid=\"7\",vm_id=\"1\","
                  "reason=\"io\"} 6", "user_exits_total{vm=\"a\",pid=\"7\","
                  "vm_id=\"1\",reason=\"io\"} 7"), "user exits io"),
])
def test_count_check_fails_on_wrong_counts(broken, error):
    _, samples = parse(broken)
    with pytest.raises(AssertionError, match=error):
        check_counts(samples, MADE, "made-up")


@pytest.mark.parametrize("broken", [
    GOOD.replace('le="0.000001"} 4', 'le="0.000001"} 11'),  # not cumulative
    GOOD.replace("_count{pid=\"7\",reason=\"cpuid\"} 10",
                 "_count{pid=\"7\",reason=\"cpuid\"} 9"),  # +Inf != count
])
def test_histogram_check_fails(broken):
    _, samples = parse(broken)
    with pytest.raises(AssertionError):
        check_histograms(samples, 7)


def test_family_check_fails_without_type():
    with pytest.raises(AssertionError):
        check_families(GOOD.replace(
            "# TYPE vmexit_stat_user_exits_total counter\n", ""))
