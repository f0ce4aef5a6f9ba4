# SPDX-License-Identifier: GPL-2.0
"""KUnit suites and a clean sanitizer run, on the debug kernel.

The KTAP result printed by the kernel decides; tests/lab/vm-run fails
the whole run if the kernel log holds a KASAN, lockdep, kmemleak or
WARN report, so a zero exit status means a clean log.  The run also
counts exactly under the sanitizers, and unloads and reloads the module
100 times while a guest exits at full rate and dumps run.
"""

import re

import pytest

from conftest import DEBUG_LANE, LAB_OUT, REPO, LabRun, tool_for, vm_run

# Under KASAN and TCG a load and an unload take seconds each, and on one
# TCG thread (vm-run's default) a reload cycle takes 5-7 s: the 100 reloads
# dominate the run (see OUTDIR/timing for each part's share).
DEBUG_RUN_TIMEOUT = 1800

KTAP_RESULT = re.compile(
    r"^\s*(?P<ok>ok|not ok) (?P<num>\d+) (?P<name>[\w.-]+)(?P<rest>.*)$")
DMESG_PREFIX = re.compile(r"^(<\d+>)?\[\s*\d+\.\d+\]\s?")


# tests/kunit: core_kunit.c and genl_kunit.c.
KUNIT_SUITES = ["vmexit_stat_decode", "vmexit_stat_latency",
                "vmexit_stat_aggregation", "vmexit_stat_lifecycle",
                "vmexit_stat_sched", "vmexit_stat_phases",
                "vmexit_stat_genl"]


def parse_ktap(log):
    """Returns {name: ok} for every test and suite result line."""
    results = {}
    for line in log.splitlines():
        m = KTAP_RESULT.match(DMESG_PREFIX.sub("", line))
        if m:
            results[m["name"]] = m["ok"] == "ok"
    return results


def boot_debug_run():
    tool = tool_for("debug")
    if not tool.exists():
        pytest.fail(f"{tool} is not built; run make check")
    outdir = LAB_OUT / "debug" / "debug-kernel"
    proc = vm_run("debug", REPO / "tests" / "integration" / "guest" /
                  "debug-kernel", outdir, tool, timeout=DEBUG_RUN_TIMEOUT)
    return LabRun("debug", outdir, proc)


DEBUG_RUN = ("debug-kernel", "debug")
DEBUG_LANE.offer(DEBUG_RUN, "debug_run", None, boot_debug_run)


@pytest.fixture(scope="module")
def debug_run():
    return DEBUG_LANE.run(DEBUG_RUN, boot_debug_run)


def test_debug_run_is_clean(debug_run):
    assert debug_run.proc.returncode == 0, debug_run.describe()


def test_kunit_suites_pass(debug_run):
    path = debug_run.outdir / "kunit-dmesg.txt"
    assert path.exists(), debug_run.describe()
    results = parse_ktap(path.read_text())
    for suite in KUNIT_SUITES:
        assert suite in results, (suite, path.read_text()[-4000:])
    failed = [name for name, ok in results.items() if not ok]
    assert not failed, f"KUnit failures: {failed}"
    # Every case of every suite must have reported, not just the suites.
    cases = [name for name in results if name not in KUNIT_SUITES]
    assert len(cases) >= 18, results


def test_parse_ktap_sees_failures():
    log = ("[    1.0] KTAP version 1\n"
           "[    1.1]     ok 1 a_case\n"
           "[    1.2]     not ok 2 b_case\n"
           "[    1.3] not ok 1 some_suite\n")
    assert parse_ktap(log) == {"a_case": True, "b_case": False,
                               "some_suite": False}


def test_exact_counts_on_debug_kernel(debug_run):
    out = debug_run.outdir / "exact-counts"
    status = (out / "selftest.status").read_text().strip()
    assert status == "0", (out / "selftest.txt").read_text()


def reload_file(debug_run, name):
    path = debug_run.outdir / "reload" / name
    assert path.exists(), debug_run.describe()
    return path.read_text()


def test_reload_100_times_under_load(debug_run):
    """Unload/reload races a guest exiting at full rate and dumps."""
    cycles, waits, stuck, ms = map(int, reload_file(debug_run,
                                                     "cycles").split())
    assert not stuck, ("rmmod kept failing for 30 s: a reference to the "
                       f"module was never dropped (after {cycles} cycles)")
    assert cycles == 100, cycles


def test_guest_unharmed_by_reloads(debug_run):
    statuses = reload_file(debug_run, "exitgen.statuses").split()
    assert statuses, "exitgen never ran during the reloads"
    assert set(statuses) == {"0"}, reload_file(debug_run,
                                               "exitgen.err")[-4000:]


def test_dumps_during_reloads_answer_or_fail_cleanly(debug_run):
    runs = [line.split() for line in
            reload_file(debug_run, "dump.statuses").splitlines()]
    errors = reload_file(debug_run, "dump.err")
    # 1 is "no module" (or the family went away mid-request): a clean
    # refusal; anything else is a crash or a usage error.
    bad = [run for run in runs if run[1] not in ("0", "1")]
    assert not bad, (bad[:10], errors[-4000:])
    # Dumps really overlapped a loaded module, every kind of them.
    answered = {cmd for cmd, status in runs if status == "0"}
    assert answered == {"show", "vms", "details"}, (answered,
                                                    errors[-4000:])
    stray = [line for line in errors.splitlines()
             if line and not line.startswith("vmexit-stat")]
    assert not stray, stray[:20]
