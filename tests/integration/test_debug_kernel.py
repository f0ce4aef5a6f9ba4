# SPDX-License-Identifier: GPL-2.0
"""KUnit suites and a clean sanitizer run, on the debug kernel.

The KTAP result printed by the kernel decides; tests/lab/vm-run fails
the whole run if the kernel log holds a KASAN, lockdep, kmemleak or
WARN report, so a zero exit status means a clean log.
"""

import re

import pytest

KTAP_RESULT = re.compile(
    r"^\s*(?P<ok>ok|not ok) (?P<num>\d+) (?P<name>[\w.-]+)(?P<rest>.*)$")
DMESG_PREFIX = re.compile(r"^(<\d+>)?\[\s*\d+\.\d+\]\s?")


# tests/kunit: core_kunit.c and genl_kunit.c.
KUNIT_SUITES = ["vmexit_stat_decode", "vmexit_stat_latency",
                "vmexit_stat_aggregation", "vmexit_stat_lifecycle",
                "vmexit_stat_genl"]


def parse_ktap(log):
    """Returns {name: ok} for every test and suite result line."""
    results = {}
    for line in log.splitlines():
        m = KTAP_RESULT.match(DMESG_PREFIX.sub("", line))
        if m:
            results[m["name"]] = m["ok"] == "ok"
    return results


@pytest.fixture(scope="module")
def debug_run(lab_runs):
    return lab_runs("debug-kernel", "debug")


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


def test_reload_while_guest_exits(debug_run):
    """Unload/reload races a guest exiting at full rate, cleanly."""
    path = debug_run.outdir / "reload-under-load.txt"
    assert path.exists(), debug_run.describe()
    cycles, status = map(int, path.read_text().split())
    busy = (debug_run.outdir / "busy-exitgen.txt").read_text()
    assert status == 0, busy
    # Reloads must really have overlapped the guest's run.
    assert cycles >= 3, f"only {cycles} reload cycles ran during the guest"
