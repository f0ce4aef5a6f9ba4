# SPDX-License-Identifier: GPL-2.0
"""The netlink spec, proven against the real module with the kernel's YNL.

tests/integration/guest/ynl drives the module in the lab with the YNL CLI
of Debian's linux-source-6.12 and Documentation/netlink/specs/
vmexit_stat.yaml: what the kernel reports of the family (operations,
flags, every request policy) must be what the spec says, every reply must
carry exactly the attributes the spec lists, and the counts read through
the spec must equal what exitgen made.
"""

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import LAB_OUT, REPO, LabRun, tool_for, vm_run
from exit_checks import DETERMINISTIC

KERNEL = "6.1"
SPEC = REPO / "Documentation" / "netlink" / "specs" / "vmexit_stat.yaml"

# netlink attribute types (nlctrl's names) of the spec's scalar types
POLICY_TYPES = {"u8": "u8", "u16": "u16", "u32": "u32", "u64": "u64",
                "flag": "flag", "string": "nul-string", "binary": "binary"}
TYPE_MAX = {"u8": 0xff, "u16": 0xffff, "u32": 0xffffffff,
            "u64": 0xffffffffffffffff}


def load_spec():
    spec = yaml.safe_load(SPEC.read_text())
    sets = {}
    for aset in spec["attribute-sets"]:
        value = 0
        attrs = {}
        for attr in aset["attributes"]:
            value = attr.get("value", value + 1 if attrs else 1)
            attrs[attr["name"]] = dict(attr, value=value)
        sets[aset["name"]] = attrs
    ops = {}
    value = 0
    for op in spec["operations"]["list"]:
        value = op.get("value", value + 1)
        ops[op["name"]] = dict(op, value=value)
    return spec, sets, ops


SPEC_YAML, SETS, OPS = load_spec()


def check_value(value):
    """A check's bound: a number, or the name of one of the spec's consts."""
    if isinstance(value, str):
        consts = {d["name"]: d["value"] for d in SPEC_YAML["definitions"]
                  if d["type"] == "const"}
        return consts[value]
    return value


def reply_attrs(op, mode):
    return set(OPS[op][mode]["reply"]["attributes"])


@pytest.fixture(scope="module")
def ynl_run():
    tree = subprocess.run([str(REPO / "tests" / "ynl-check"), "--tooling"],
                          capture_output=True, text=True, check=False)
    assert tree.returncode == 0, tree.stderr
    outdir = LAB_OUT / KERNEL / "ynl"
    tool = tool_for(KERNEL)
    if not tool.exists():
        pytest.fail(f"{tool} is not built; run make check")
    proc = vm_run(KERNEL, REPO / "tests" / "integration" / "guest" / "ynl",
                  outdir, tool, tree.stdout.strip(), timeout=1500)
    run = LabRun(KERNEL, outdir, proc)
    assert proc.returncode == 0, run.describe()
    return run


class Request:
    """What one request of the guest script printed, and its status."""

    def __init__(self, run, name):
        self.name = name
        path = Path(run.outdir) / name
        for ext in ("out", "err", "status"):
            assert path.with_suffix("." + ext).exists(), \
                f"{path}.{ext} missing\n{run.describe()}"
        self.out = path.with_suffix(".out").read_text()
        self.err = path.with_suffix(".err").read_text()
        self.status = int(path.with_suffix(".status").read_text())

    def json(self):
        assert self.status == 0, f"{self.name}: {self.out}{self.err}"
        return json.loads(self.out)

    def refused(self, errno_text, message=None):
        """The request failed with errno_text and, if given, the message."""
        text = self.out + self.err
        assert self.status != 0, f"{self.name} succeeded: {text}"
        assert errno_text in text, text
        if message is not None:
            assert message in text, text


def test_family_is_what_the_spec_says(ynl_run):
    family = Request(ynl_run, "family").json()
    assert family["version"] == SPEC_YAML["version"]
    ops = {}
    for item in family["ops"]:
        (op,) = item.values()
        ops[op["id"]] = set(op["flags"])
    want = {}
    for name, op in OPS.items():
        if "do" not in op and "dump" not in op:
            continue
        flags = {"cmd-cap-haspol"}
        flags |= {"cmd-cap-" + mode for mode in ("do", "dump") if mode in op}
        flags |= set(op.get("flags", []))
        want[op["value"]] = flags
    assert ops == want
    groups = [next(iter(g.values()))["name"]
              for g in family["mcast-groups"]]
    assert groups == [g["name"] for g in SPEC_YAML["mcast-groups"]["list"]]


def test_every_request_policy_is_what_the_spec_says(ynl_run):
    """Each op accepts exactly its spec request attributes, typed, checked."""
    dump = Request(ynl_run, "policy").json()
    op_policy = {}
    policies = {}
    for msg in dump:
        if "op-policy" in msg:
            p = msg["op-policy"]
            op_policy[p["op-id"]] = {m: p[m] for m in ("do", "dump") if m in p}
        if "policy" in msg:
            p = msg["policy"]
            policies.setdefault(p["policy-id"], {})[p["attr-id"]] = p
    checked = 0
    for name, op in OPS.items():
        for mode in ("do", "dump"):
            if mode not in op:
                continue
            assert mode in op_policy.get(op["value"], {}), (name, mode)
            accepted = policies.get(op_policy[op["value"]][mode], {})
            attrs = SETS[op["attribute-set"]]
            by_value = {a["value"]: a for a in attrs.values()}
            names = {by_value[i]["name"] for i in accepted}
            assert names == set(op[mode]["request"]["attributes"]), \
                (name, mode)
            for attr_id, pol in accepted.items():
                attr = by_value[attr_id]
                assert pol["type"] == POLICY_TYPES[attr["type"]], \
                    (name, attr["name"], pol)
                checks = attr.get("checks", {})
                if attr["type"] in TYPE_MAX:
                    assert pol["min-value-u"] == check_value(
                        checks.get("min", 0)), pol
                    assert pol["max-value-u"] == check_value(checks.get(
                        "max", TYPE_MAX[attr["type"]])), pol
                checked += 1
    assert checked >= 15


def test_info_has_every_attribute_of_the_spec(ynl_run):
    info = Request(ynl_run, "info").json()
    assert set(info) == reply_attrs("get-info", "do")
    assert info["lat-buckets"] == 40
    assert sorted(info["isas"]) == ["svm", "vmx"]
    assert info["exit-proto"] == 2
    # Read after exitgen ran.
    assert info["exits-seen"] > 0
    assert info["exits-dropped"] == (info["dropped-no-vcpu-slot"] +
                                     info["dropped-no-reason-slot"] +
                                     info["dropped-unreadable"])


@pytest.fixture(scope="module")
def made(ynl_run):
    req = Request(ynl_run, "exitgen")
    assert req.status == 0, req.out + req.err
    return json.loads(req.out)


def test_exit_counts_are_exact(ynl_run, made):
    exits = Request(ynl_run, "exits").json()
    isa = made["isa"]
    want = {m["code"]: m["count"] for m in made["made"]}
    for rec in exits:
        assert set(rec) == reply_attrs("get-exits", "dump") - {"by-vm"}, rec
        assert rec["vm-pid"] == made["pid"]
        assert rec["isa"] == isa
    tids = {v["vcpu"]: v["tid"] for v in made["vcpus"]}
    assert {r["vcpu-id"] for r in exits} == set(tids)
    for rec in exits:
        assert rec["vcpu-tid"] == tids[rec["vcpu-id"]]
    for vcpu in tids:
        got = {r["code"]: r["count"] for r in exits if r["vcpu-id"] == vcpu}
        for code, name in DETERMINISTIC[isa].items():
            assert got.get(code, 0) == want.get(code, 0), \
                f"vcpu {vcpu} {name}: module {got.get(code, 0)}, " \
                f"exitgen {want.get(code, 0)}"


def test_dump_came_in_many_reads(ynl_run):
    """A 4000-byte receive buffer: the dump took several messages."""
    err = Request(ynl_run, "exits").err
    reads = [line for line in err.splitlines()
             if line.startswith("Recv: read")]
    assert len(reads) >= 2, err


def test_latency_histograms_add_up(ynl_run):
    exits = Request(ynl_run, "exits").json()
    for rec in exits:
        lat = rec["latency"]
        assert len(lat["hist"]) == 40, lat
        assert sum(lat["hist"]) == lat["count"] <= rec["count"], rec
        if lat["count"]:
            assert lat["min-ns"] <= lat["max-ns"], lat
            assert lat["min-ns"] * lat["count"] <= lat["sum-ns"], lat
        else:
            assert "min-ns" not in lat, lat


def test_by_vm_sums_the_vcpus(ynl_run):
    exits = Request(ynl_run, "exits").json()
    by_vm = Request(ynl_run, "exits-by-vm").json()
    # Summed: the flag says so, and there is no vCPU or thread.
    want = reply_attrs("get-exits", "dump") - {"vcpu-id", "vcpu-tid"}
    sums = {}
    for rec in exits:
        key = (rec["code"], rec["flags"])
        sums[key] = sums.get(key, 0) + rec["count"]
    for rec in by_vm:
        assert set(rec) == want, rec
    assert {(r["code"], r["flags"]): r["count"] for r in by_vm} == sums


def test_user_exits_equal_kvm_run_returns(ynl_run, made):
    recs = Request(ynl_run, "user-exits").json()
    for rec in recs:
        assert set(rec) == (reply_attrs("get-user-exits", "dump") -
                            {"by-vm"}), rec
        trip = rec["round-trip"]
        assert sum(trip["hist"]) == trip["count"] <= rec["count"], rec
    for vcpu in made["vcpus"]:
        mine = [r for r in recs if r["vcpu-id"] == vcpu["vcpu"]]
        assert sum(r["count"] for r in mine) == vcpu["kvm_run_returns"]
        assert {r["reason"]: r["count"] for r in mine} == \
            {u["code"]: u["count"] for u in vcpu["user_exits"]}


def test_details_equal_what_exitgen_used(ynl_run, made):
    recs = Request(ynl_run, "details").json()
    for rec in recs:
        assert set(rec) == reply_attrs("get-details", "dump"), rec
    got = {(r["kind"], r["key"]): r["count"] for r in recs}
    want = {(d["kind"].replace("_", "-"), d["key"]): d["count"]
            for d in made["details"]}
    assert want and got == want


def test_vm_ended_with_its_totals(ynl_run, made):
    vms = Request(ynl_run, "vms").json()
    exits = Request(ynl_run, "exits").json()
    users = Request(ynl_run, "user-exits").json()
    assert len(vms) == 1, vms
    vm = vms[0]
    assert set(vm) == reply_attrs("get-vms", "dump"), vm
    assert vm["pid"] == made["pid"]
    assert vm["state"] == "ended"
    assert vm["vcpus-seen"] == len(made["vcpus"])
    assert vm["vcpus-live"] == 0
    assert vm["start-ns"] <= vm["end-ns"]
    assert vm["exits"] == sum(r["count"] for r in exits)
    assert vm["user-exits"] == sum(r["count"] for r in users)
    assert vm["exit-ns"] == sum(r["latency"]["sum-ns"] for r in exits)
    assert vm["dropped"] == 0


def test_lifecycle_notifications(ynl_run, made):
    req = Request(ynl_run, "lifecycle")
    events = req.json()
    mine = [e for e in events if e["msg"]["pid"] == made["pid"]]
    names = [e["name"] for e in mine]
    assert names[0] == "vm-start" and names[-1] == "vm-stop", names
    tids = {v["vcpu"]: v["tid"] for v in made["vcpus"]}
    for kind in ("vcpu-start", "vcpu-stop"):
        got = {e["msg"]["vcpu-id"]: e["msg"]["vcpu-tid"]
               for e in mine if e["name"] == kind}
        assert got == tids, (kind, names)
    assert len(mine) == 2 + 2 * len(tids), names
    for event in mine:
        want = set(OPS[event["name"]]["event"]["attributes"])
        assert set(event["msg"]) == want, event
    assert len({e["msg"]["id"] for e in mine}) == 1


def test_config_is_set_and_read_back(ynl_run):
    before = Request(ynl_run, "config").json()
    assert set(before) == reply_attrs("get-config", "do")
    assert Request(ynl_run, "set-config").status == 0
    changed = Request(ynl_run, "config-changed").json()
    assert changed == dict(before, **{"latency": 0, "ended-vm-ttl-s": 77})
    assert Request(ynl_run, "set-config-back").status == 0


def test_bad_requests_are_refused_with_a_reason(ynl_run):
    Request(ynl_run, "set-config-unprivileged-read").refused(
        "Invalid argument", "unprivileged_read is a module parameter")
    Request(ynl_run, "set-config-empty").refused(
        "Invalid argument", "set-config needs")
    Request(ynl_run, "details-limit-0").refused(
        "Numerical result out of range", "'bad-attr': '.limit'")
    # 6.1 passes no extack to a dump's start callback: the errno only.
    Request(ynl_run, "exits-vcpu-by-vm").refused("Invalid argument")


def test_unprivileged_users_are_refused(ynl_run):
    Request(ynl_run, "nobody-info").refused(
        "Operation not permitted", "needs CAP_PERFMON or CAP_SYS_ADMIN")
    Request(ynl_run, "nobody-exits").refused("Operation not permitted")
    Request(ynl_run, "nobody-reset").refused("Operation not permitted")
    Request(ynl_run, "nobody-subscribe").refused("PermissionError")


def test_reset_forgets_counters_and_ended_vms(ynl_run, made):
    assert Request(ynl_run, "reset-again").status == 0
    assert Request(ynl_run, "exits-after-reset").json() == []
    vms = Request(ynl_run, "vms-after-reset").json()
    assert all(vm["pid"] != made["pid"] for vm in vms), vms
