# SPDX-License-Identifier: GPL-2.0
"""The module's accounting against exitgen's ground truth, per kernel.

tests/integration/guest/module-accounting runs every scenario in one lab
boot per kernel (5.10, 6.1, 6.12 and the debug kernel, whose sanitizers
watch it all) and writes what exitgen and the CLI printed; here it is
compared: exit counts, latency and round-trip totals, exits to user
space against exitgen's own count of KVM_RUN returns, the drill-down, a
vCPU added mid-run, the release of a VM that ended, reset and its
privilege, and the lifecycle notifications.
"""

import json
import os

import pytest

from conftest import DEBUG_LANE, KERNELS, boot_script
from exit_checks import (assert_counts_equal_made, check_details,
                         check_ended_vm, check_exit_latency,
                         check_user_count, check_user_exits, check_vm_sums,
                         shown_vcpus, shown_vm, user_exits_of)

# The debug kernel too, unless VMEXIT_STAT_KERNELS names the kernels.
ACCOUNTING_KERNELS = (KERNELS if "VMEXIT_STAT_KERNELS" in os.environ
                      else KERNELS + ["debug"])

SCENARIOS = ["accounting", "single"]


def load(run, name):
    path = run.outdir / name
    assert path.exists(), f"{path} missing\n{run.describe()}"
    return json.loads(path.read_text())


def text(run, name):
    path = run.outdir / name
    assert path.exists(), f"{path} missing\n{run.describe()}"
    return path.read_text()


def status(run, name):
    return int(text(run, f"{name}.status").strip())


def output(run, name):
    return text(run, f"{name}.out") + text(run, f"{name}.err")


def accounting_timeout(kernel):
    # The debug kernel (KASAN, lockdep, kmemleak) is several times slower.
    return 1500 if kernel == "debug" else 600


if "debug" in ACCOUNTING_KERNELS:
    DEBUG_LANE.offer(("module-accounting", "debug"), "run", "debug",
                     lambda: boot_script("module-accounting", "debug",
                                         accounting_timeout("debug")))


@pytest.fixture(params=ACCOUNTING_KERNELS, scope="module")
def run(request, lab_runs):
    lab = lab_runs("module-accounting", request.param,
                   timeout=accounting_timeout(request.param))
    assert lab.proc.returncode == 0, lab.describe()
    return lab


# --- checks, each also run on broken data below ------------------------------

# --- the tests ------------------------------------------------------------------

@pytest.mark.parametrize("scenario", SCENARIOS)
def test_counts_equal_made(run, scenario):
    made = load(run, f"{scenario}.exitgen.json")
    shown = load(run, f"{scenario}.show.json")
    assert shown["backend"] == "module"
    assert_counts_equal_made(made, shown, f"{run.kernel} {scenario}",
                             "module")
    check_vm_sums(made, shown)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_latency_counts_every_exit_but_the_last(run, scenario):
    made = load(run, f"{scenario}.exitgen.json")
    shown = load(run, f"{scenario}.show.json")
    check_exit_latency(made, shown, shown["info"]["lat_buckets"])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_user_exits_equal_kvm_run_returns(run, scenario):
    made = load(run, f"{scenario}.exitgen.json")
    shown = load(run, f"{scenario}.show.json")
    check_user_exits(made, shown, shown["info"]["lat_buckets"])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_user_count_of_hardware_exits(run, scenario):
    made = load(run, f"{scenario}.exitgen.json")
    shown = load(run, f"{scenario}.show.json")
    check_user_count(made, shown)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_details_exact(run, scenario):
    made = load(run, f"{scenario}.exitgen.json")
    details = load(run, f"{scenario}.details.json")
    assert made["mmio_gpa"] in [d["key"] for d in made["details"]
                                if d["kind"].startswith("mmio")]
    check_details(made, details)


def test_late_vcpu_counted(run):
    """exitgen really added a vCPU mid-run, and it was counted."""
    made = load(run, "accounting.exitgen.json")
    shown = load(run, "accounting.show.json")
    late = [v for v in made["vcpus"] if v["late"]]
    assert len(late) == 1 and len(made["vcpus"]) == 3, made["vcpus"]
    vcpus = shown_vcpus(shown, made)
    for gen in late:
        assert gen["vcpu"] in vcpus, shown
        assert vcpus[gen["vcpu"]]["tid"] == gen["tid"]
        # The same mix as the first vCPUs (exact counts: above).
        assert user_exits_of(gen) == user_exits_of(made["vcpus"][0])


def test_ended_vm_is_released(run):
    made = load(run, "accounting.exitgen.json")
    shown = load(run, "accounting.show.json")
    vm = check_ended_vm(made, load(run, "accounting.vms.json"))
    assert vm["exits"] == shown_vm(shown, made)["total"], vm
    assert vm["vm_id"] == shown_vm(shown, made)["vm_id"]


def test_ended_vm_holds_slots_only_for_its_totals(run):
    """When a vCPU thread exits, its live state goes (vcpus_live above);
    its counters stay, one slot per thread, so that the ended VM's
    per-vCPU totals stay readable (Documentation/module.rst).  Those
    slots come back at reset, at the age limit and when a new VM needs
    them: the three tests below."""
    made = load(run, "accounting.exitgen.json")
    before = load(run, "accounting.info-before.json")
    after = load(run, "accounting.info-after.json")
    assert (after["vcpu_slots_used"]
            == before["vcpu_slots_used"] + len(made["vcpus"])), (
        f"vCPU slots in use: {before['vcpu_slots_used']} before exitgen, "
        f"{after['vcpu_slots_used']} after its {len(made['vcpus'])} "
        f"vCPU threads ended")


def test_lifecycle_events(run):
    made = load(run, "accounting.exitgen.json")
    vm_id = shown_vm(load(run, "accounting.show.json"), made)["vm_id"]
    assert status(run, "accounting.events") == 0, output(run,
                                                         "accounting.events")
    check_events(made, vm_id, text(run, "accounting.events.out"))


def check_events(made, vm_id, lines):
    events = [json.loads(line) for line in lines.splitlines() if line]
    assert len(events) == 2 + 2 * len(made["vcpus"]), events
    for e in events:
        assert (e["pid"], e["vm_id"]) == (made["pid"], vm_id), e
    assert events[0]["event"] == "vm_start", events
    assert events[-1]["event"] == "vm_stop", events
    vcpus = {(v["vcpu"], v["tid"]) for v in made["vcpus"]}
    index = {}
    for i, e in enumerate(events[1:-1], 1):
        assert e["event"] in ("vcpu_start", "vcpu_stop"), e
        key = (e["event"], (e["vcpu"], e["tid"]))
        assert key not in index, events
        index[key] = i
    for vcpu in vcpus:
        assert index[("vcpu_start", vcpu)] < index[("vcpu_stop", vcpu)]
    assert len(index) == 2 * len(vcpus), events
    # The late vCPUs joined while the first ones were live.
    first_stop = min(index[("vcpu_stop", (v["vcpu"], v["tid"]))]
                     for v in made["vcpus"] if not v["late"])
    for v in made["vcpus"]:
        if v["late"]:
            assert index[("vcpu_start", (v["vcpu"], v["tid"]))] < first_stop


def test_reset_forgets_counts_and_ended_vms(run):
    made = load(run, "single.exitgen.json")
    before = load(run, "reset.vms-before.json")
    assert made["pid"] in [vm["pid"] for vm in before["vms"]], before
    shown = load(run, "reset.show.json")
    assert shown["total"] == 0 and shown["vms"] == [], shown
    assert load(run, "reset.vms.json")["vms"] == []
    info = load(run, "reset.info.json")
    assert (info["vms"], info["vcpu_slots_used"]) == (0, 0), info


def test_ended_vm_goes_after_the_age_limit(run):
    made = load(run, "ttl.exitgen.json")
    assert load(run, "ttl.config.json")["ended_vm_ttl_s"] == 20
    ended = [vm for vm in load(run, "ttl.vms-ended.json")["vms"]
             if vm["pid"] == made["pid"]]
    assert [vm["state"] for vm in ended] == ["ended"], ended
    assert made["pid"] not in [vm["pid"]
                               for vm in load(run, "ttl.vms.json")["vms"]]
    info = load(run, "ttl.info.json")
    assert (info["vms"], info["vcpu_slots_used"]) == (0, 0), info


def test_ended_vm_makes_room_under_the_memory_cap(run):
    """With room for N vCPU threads, a VM of N vCPUs after another one
    that ended is counted in full: the ended VM's slots are released to
    it (the older VM is forgotten), nothing is dropped."""
    slots = load(run, "evict.info-before.json")["vcpu_slots"]
    assert 1 <= slots <= 8, f"max_memory_kb=48 gave {slots} vCPU slots"
    first = load(run, "evict.a.exitgen.json")
    made = load(run, "evict.b.exitgen.json")
    assert len(first["vcpus"]) == len(made["vcpus"]) == slots
    assert_counts_equal_made(made, load(run, "evict.b.show.json"),
                             f"{run.kernel} evict", "module")
    info = load(run, "evict.info.json")
    assert info["exits_dropped"] == 0, info
    assert info["dropped"]["no_vcpu_slot"] == 0, info
    pids = [vm["pid"] for vm in load(run, "evict.vms.json")["vms"]]
    assert made["pid"] in pids and first["pid"] not in pids, pids


def refused(out):
    return ("AddressSanitizer" not in out and "Traceback" not in out
            and "Segmentation" not in out)


def test_unprivileged_read_and_reset_refused(run):
    show = output(run, "unpriv.show")
    assert status(run, "unpriv.show") == 1, show
    assert refused(show) and ("CAP_PERFMON" in show
                              or "CAP_SYS_ADMIN" in show), show
    reset = output(run, "unpriv.reset")
    assert status(run, "unpriv.reset") == 1, reset
    assert refused(reset) and "CAP_NET_ADMIN" in reset, reset
    # The refused reset left the counts alone.
    made = load(run, "unpriv.exitgen.json")
    assert_counts_equal_made(made, load(run, "unpriv.show-after.json"),
                             f"{run.kernel} unpriv", "module")


def test_unprivileged_read_opens_show_not_reset(run):
    made = load(run, "open.exitgen.json")
    assert status(run, "open.show") == 0, output(run, "open.show")
    assert_counts_equal_made(made, json.loads(text(run, "open.show.out")),
                             f"{run.kernel} open", "module")
    assert status(run, "open.config") == 0, output(run, "open.config")
    assert json.loads(text(run, "open.config.out"))["unprivileged_read"]
    reset = output(run, "open.reset")
    assert status(run, "open.reset") == 1, reset
    assert refused(reset) and "CAP_NET_ADMIN" in reset, reset
    assert_counts_equal_made(made, load(run, "open.show-after.json"),
                             f"{run.kernel} open", "module")


# --- the checks themselves, on made-up data that follows the contract ----------
# They run without the lab: each check passes on consistent data and
# fails on data broken in the way it exists to catch.

FAKE_BUCKETS = 40


def fake_latency(samples):
    hist = [0] * FAKE_BUCKETS
    for ns in samples:
        hist[min(max(ns.bit_length() - 1, 0), FAKE_BUCKETS - 1)] += 1
    if not samples:
        return {"count": 0, "sum_ns": 0, "min_ns": 0, "max_ns": 0,
                "avg_ns": 0, "p50_ns": 0, "p90_ns": 0, "p99_ns": 0,
                "hist": hist}
    srt = sorted(samples)
    p50, p90, p99 = (srt[min(len(srt) - 1, int(q * len(srt)))]
                     for q in (0.5, 0.9, 0.99))
    return {"count": len(srt), "sum_ns": sum(srt), "min_ns": srt[0],
            "max_ns": srt[-1], "avg_ns": sum(srt) // len(srt),
            "p50_ns": p50, "p90_ns": p90, "p99_ns": p99, "hist": hist}


def fake_run():
    """exitgen's JSON and the CLI's for 2 + 1 late SVM vCPUs: --cpuid 4
    --pio 3 --hlt 2 --msr 3 --hypercall 1 --mmio 3."""
    pid = 100
    # code: reason, count, user_count, without latency
    hw = {0x72: ("cpuid", 4, 0, 0), 0x7b: ("io", 3, 3, 0),
          0x78: ("hlt", 3, 3, 1), 0x7c: ("msr", 3, 0, 0),
          0x81: ("hypercall", 1, 0, 0), 0x400: ("npf", 6, 3, 0)}
    user = {2: ("io", 3), 5: ("hlt", 3), 6: ("mmio", 3)}
    made = {
        "isa": "svm", "pid": pid, "kvm_module": "kvm_amd",
        "mmio_gpa": 0xd0000,
        "made": [{"code": c, "reason": r, "requested": n - (c == 0x78),
                  "control": int(c == 0x78), "count": n}
                 for c, (r, n, _, _) in hw.items() if c != 0x400],
        "vcpus": [{"vcpu": i, "tid": pid + 1 + i, "late": i == 2,
                   "kvm_run_returns": 9,
                   "user_exits": [{"code": c, "reason": r, "count": n}
                                  for c, (r, n) in user.items()]}
                  for i in range(3)],
        "details": [
            {"kind": "pio_out", "key": 0xe9, "count": 6,
             "label": "port 0xe9"},
            {"kind": "pio_in", "key": 0xe9, "count": 3,
             "label": "port 0xe9"},
            {"kind": "msr_read", "key": 0x8b, "count": 6,
             "label": "msr 0x8b"},
            {"kind": "msr_write", "key": 0x8b, "count": 3,
             "label": "msr 0x8b"},
            {"kind": "cpuid", "key": 0xd << 32 | 1, "count": 12,
             "label": "leaf 0xd subleaf 0x1"},
            {"kind": "mmio_write", "key": 0xd0000, "count": 6,
             "label": "gpa 0xd0000"},
            {"kind": "mmio_read", "key": 0xd0000, "count": 3,
             "label": "gpa 0xd0000"}]}

    def exits(vcpus):
        return [{"isa": "svm", "code": c, "reason": r, "count": n * vcpus,
                 "user_count": u * vcpus, "user_ns": 100 * u * vcpus,
                 "latency": fake_latency([1000 + 37 * i for i in
                                          range((n - o) * vcpus)])}
                for c, (r, n, u, o) in hw.items()]

    def user_exits(vcpus):
        return [{"code": c, "reason": r, "count": n * vcpus,
                 "round_trip": fake_latency(
                     [5000 + 11 * i for i in range((n - (c == 5)) * vcpus)])}
                for c, (r, n) in user.items()]

    total = sum(n for _, n, _, _ in hw.values())
    shown = {"backend": "module", "info": {"lat_buckets": FAKE_BUCKETS},
             "total": 3 * total,
             "vms": [{"pid": pid, "vm_id": "00000000000000a1",
                      "name": "exitgen", "state": "ended",
                      "total": 3 * total, "exits": exits(3),
                      "user_exits": user_exits(3),
                      "vcpus": [{"vcpu": i, "tid": pid + 1 + i,
                                 "total": total, "exits": exits(1),
                                 "user_exits": user_exits(1)}
                                for i in range(3)]}]}
    details = {"vms": [{"pid": pid, "vm_id": "00000000000000a1",
                        "name": "exitgen",
                        "details": [dict(d) for d in made["details"]]}]}
    events = [{"event": "vm_start"}]
    events += [{"event": "vcpu_start", "vcpu": i, "tid": pid + 1 + i}
               for i in range(2)]
    events += [{"event": "vcpu_start", "vcpu": 2, "tid": pid + 3},
               {"event": "vcpu_stop", "vcpu": 2, "tid": pid + 3}]
    events += [{"event": "vcpu_stop", "vcpu": i, "tid": pid + 1 + i}
               for i in range(2)]
    events += [{"event": "vm_stop"}]
    for e in events:
        e.update(pid=pid, vm_id="00000000000000a1")
    return made, shown, details, events


def run_checks(made, shown, details, events):
    check_vm_sums(made, shown)
    check_exit_latency(made, shown, FAKE_BUCKETS)
    check_user_exits(made, shown, FAKE_BUCKETS)
    check_user_count(made, shown)
    check_details(made, details)
    check_events(made, "00000000000000a1",
                 "\n".join(json.dumps(e) for e in events))


def vcpu_exit(shown, code, vcpu=0):
    return next(e for e in shown["vms"][0]["vcpus"][vcpu]["exits"]
                if e["code"] == code)


def vcpu_user_exit(shown, code, vcpu=0):
    return next(e for e in shown["vms"][0]["vcpus"][vcpu]["user_exits"]
                if e["code"] == code)


def test_checks_pass_on_consistent_data():
    run_checks(*fake_run())


def bump_hist(f):
    vcpu_exit(f[1], 0x72)["latency"]["hist"][10] += 1


def io_left_open(f):
    lat = vcpu_exit(f[1], 0x7b)["latency"]
    lat["count"] -= 1
    lat["hist"][next(i for i, n in enumerate(lat["hist"]) if n)] -= 1


def final_hlt_has_latency(f):
    e = vcpu_exit(f[1], 0x78)
    e["latency"] = fake_latency([1000] * e["count"])


def min_above_avg(f):
    vcpu_exit(f[1], 0x72)["latency"]["min_ns"] += 10**6


def mmio_return_missed(f):
    vcpu_user_exit(f[1], 6, vcpu=2)["count"] -= 1


def hlt_round_trip_for_final(f):
    u = vcpu_user_exit(f[1], 5)
    u["round_trip"] = fake_latency([5000] * u["count"])


def io_not_to_user(f):
    vcpu_exit(f[1], 0x7b)["user_count"] = 0


def npf_not_to_user(f):
    vcpu_exit(f[1], 0x400, vcpu=1)["user_count"] = 0


def mmio_keyed_by_address(f):
    for d in f[2]["vms"][0]["details"]:
        if d["kind"].startswith("mmio"):
            d["key"] = 0xd0010


def extra_detail(f):
    f[2]["vms"][0]["details"].append(
        {"kind": "msr_read", "key": 0x10, "count": 1, "label": "msr 0x10"})


def cpuid_subleaf_dropped(f):
    for d in f[2]["vms"][0]["details"]:
        if d["kind"] == "cpuid":
            d["key"] = 0xd << 32


def vm_total_off(f):
    f[1]["vms"][0]["total"] += 1


def late_vcpu_after_the_first_stopped(f):
    events = f[3]
    late = [e for e in events if e.get("vcpu") == 2]
    for e in late:
        events.remove(e)
    events[-1:-1] = late


def vm_stop_missing(f):
    f[3].pop()


BROKEN = [bump_hist, io_left_open, final_hlt_has_latency, min_above_avg,
          mmio_return_missed, hlt_round_trip_for_final, io_not_to_user,
          npf_not_to_user, mmio_keyed_by_address, extra_detail,
          cpuid_subleaf_dropped, vm_total_off,
          late_vcpu_after_the_first_stopped, vm_stop_missing]


@pytest.mark.parametrize("breakage", BROKEN, ids=lambda f: f.__name__)
def test_checks_fail_on_broken_data(breakage):
    fake = fake_run()
    breakage(fake)
    with pytest.raises(AssertionError):
        run_checks(*fake)
