# SPDX-License-Identifier: GPL-2.0
"""The debug lane (conftest.Lane): which runs it makes, for which tests,
and how a fixture gets them.  No lab VM: made-up runs and items."""

import threading
from types import SimpleNamespace

import pytest

from conftest import Lane


def item(fixtures, **params):
    """A collected test that uses fixtures, with params per fixture."""
    node = SimpleNamespace(fixturenames=list(fixtures))
    if params:
        node.callspec = SimpleNamespace(params=params)
    return node


class Runs:
    """make() callables that count their calls and the thread they ran on."""

    def __init__(self):
        self.calls = []

    def make(self, name, fail=False):
        def run():
            self.calls.append((name, threading.current_thread().name))
            if fail:
                raise RuntimeError(f"{name} failed")
            return f"{name} result"
        return run


def lane_with(runs):
    lane = Lane()
    lane.offer(("debug-kernel", "debug"), "debug_run", None,
               runs.make("debug-kernel"))
    lane.offer(("fuzz", "debug"), "run", "debug", runs.make("fuzz"))
    return lane


def test_runs_only_what_the_collected_tests_need():
    runs = Runs()
    lane = lane_with(runs)
    fuzz_61 = item(["run"], run="6.1")
    fuzz_debug = item(["run"], run="debug")
    made_up = item(["tmp_path"])
    assert not lane.consumes(fuzz_61) and not lane.consumes(made_up)
    assert lane.consumes(fuzz_debug)
    lane.start([fuzz_61, fuzz_debug, made_up])
    assert lane.run(("fuzz", "debug"), runs.make("here")) == "fuzz result"
    lane.wait()
    lane.shutdown()
    assert [name for name, _ in runs.calls] == ["fuzz"]
    assert runs.calls[0][1].startswith("debug-lane")


def test_a_run_the_lane_does_not_make_is_made_in_the_fixture():
    runs = Runs()
    lane = lane_with(runs)
    lane.start([item(["run"], run="6.1")])
    assert lane.pool is None
    assert lane.run(("fuzz", "6.1"), runs.make("here")) == "here result"
    assert runs.calls == [("here", threading.current_thread().name)]


def test_runs_in_the_order_offered_each_once():
    runs = Runs()
    lane = lane_with(runs)
    tests = [item(["run"], run="debug"), item(["debug_run"]),
             item(["debug_run"])]
    lane.start(tests)
    lane.start(tests)
    lane.wait()
    lane.shutdown()
    assert [name for name, _ in runs.calls] == ["debug-kernel", "fuzz"]


def test_a_failed_run_fails_its_fixture_not_the_wait():
    runs = Runs()
    lane = Lane()
    lane.offer(("fuzz", "debug"), "run", "debug",
               runs.make("fuzz", fail=True))
    lane.start([item(["run"], run="debug")])
    lane.wait()
    with pytest.raises(RuntimeError, match="fuzz failed"):
        lane.run(("fuzz", "debug"), runs.make("here"))
    lane.shutdown()
