# SPDX-License-Identifier: GPL-2.0
"""Shared fixtures: run a guest-side script in the lab VM, once per kernel."""

import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VM_RUN = REPO / "tests" / "lab" / "vm-run"
LAB_OUT = REPO / ".lab-out"

# The kernels every exact-count test runs on; VMEXIT_STAT_KERNELS narrows it.
KERNELS = os.environ.get("VMEXIT_STAT_KERNELS", "5.10 6.1 6.12").split()

# The module an int3 oops happened in: "RIP: 0010:func+0x7e/0x280 [kvm]".
INT3_RIP = re.compile(r"RIP: 0010:\S+ (\[\w+\])")

# What exitgen says when its guest's RIP is one the guest cannot have.
GUEST_STATE_LOST = "the guest's state was lost beneath KVM"
# And when its guest took an interrupt or exception that it never raises
# and that exitgen did not queue (EXITGEN_EVENT_NOT_RAISED).  Seen once
# in CI on 5.10 before the guest had a trap handler, as a busy guest
# found done with 65535 instructions made of none asked for: what
# running from an empty IVT's 0:0 through memory into the code again
# gives.  The same guest code counts exactly on every other boot.
GUEST_EVENT_NOT_RAISED = "an event the guest never raises"
# Either makes a lab run the emulator's fault.
GUEST_CORRUPTED = (GUEST_STATE_LOST, GUEST_EVENT_NOT_RAISED)

# The guest scripts that run with a TCG thread per vCPU rather than
# vm-run's default, every vCPU on one thread; the int3 faults that mode
# can give are retried (emulator_fault).  Those that boot a real Linux
# guest under the lab's KVM (tests/lab/nested-guest): with one thread it
# never gets past SeaBIOS's "Booting from ROM".  sched: it compares our
# steal with schedstat's, and one thread stops a CPU for QEMU's time
# slices at any point, between the scheduler's clock update and our
# probe's too (6.1: 32 ms of 420 ms apart, where with a thread per vCPU
# the two agreed within 1%).
THREAD_PER_CPU_SCRIPTS = {"correlate", "names", "perf-kvm", "sched"}

# Where each kernel's run uses the sanitizer build of the command.
SANITIZED_KERNEL = "6.1"


def tool_for(kernel):
    if kernel == SANITIZED_KERNEL:
        return REPO / "user" / "build-san" / "vmexit-stat"
    return REPO / "user" / "vmexit-stat"


def vm_run(kernel, *cmd, timeout=600, lab_args=()):
    """Runs cmd in the lab VM booted with kernel; returns CompletedProcess.

    timeout is vm-run's limit for the whole VM (boot and CMD); the
    process itself gets five more minutes for building and cleaning up.

    A lab VM that fails before CMD starts (vm-run status 125 and no "CMD
    started": an early-boot int3 oops of 6.12 under TCG, or a setup that
    hung, which vm-run stops after a few minutes) ran nothing of ours, so
    it is booted once more.  So is one whose kernel
    died of an int3 oops outside our module (seen in CI on 6.12 at a
    tracepoint site in KVM while perf kvm stat switched kvm:* events on
    and off): QEMU's multi-threaded TCG can run a stale translation of
    code that another vCPU is patching, which real CPUs never do.
    So is one that timed out while a CPU looped through the int3
    handler (hang-report's samples), the same emulator fault.
    So is one where exitgen found its guest's state lost beneath KVM
    (seen in CI on 6.12, and on 5.10 in a full run: the real-mode
    guest's RIP was the L1 host's, just past VMRUN, so QEMU's nested SVM
    had saved the wrong state), whether CMD failed on it or, as scripts
    that record each step's status do, wrote it into its output
    directory (CMD's first argument, by the guest scripts' convention).
    Any other failure after CMD started counts.
    """
    argv = [str(VM_RUN), "--kernel", kernel, "--timeout", str(timeout),
            *lab_args, "--", *map(str, cmd)]
    for _ in range(2):
        proc = subprocess.run(argv, cwd=REPO, capture_output=True,
                              text=True, timeout=timeout + 300, check=False)
        if not (emulator_fault(proc) or
                state_lost_in_outputs(cmd[1] if len(cmd) > 1 else None)):
            break
    return proc


def emulator_fault(proc):
    """The lab VM failed for QEMU's fault or the lab's, not ours."""
    out = proc.stdout + proc.stderr
    if proc.returncode == 124:
        # Timed out with a CPU looping through the int3 handler: a stale
        # translation of a patched site (tests/lab/README.md), seen in
        # CI with a TCG thread per vCPU.
        return any("exc_int3" in line for line in out.splitlines()
                   if line.startswith("hang: sample"))
    if proc.returncode == 125:
        return ("CMD started" not in proc.stderr or
                ("Oops: int3" in out and
                 "[vmexit_stat]" not in INT3_RIP.findall(out)))
    return proc.returncode != 0 and guest_corrupted(out)


def guest_corrupted(text):
    """exitgen said its guest's state went wrong beneath it."""
    return any(sign in text for sign in GUEST_CORRUPTED)


def state_lost_in_outputs(outdir):
    """A file a guest script wrote into outdir (under .lab-out) tells of
    guest state lost beneath KVM."""
    if outdir is None:
        return False
    outdir = Path(outdir)
    if LAB_OUT not in outdir.parents or not outdir.is_dir():
        return False
    return any(f.is_file() and
               guest_corrupted(f.read_text(errors="replace"))
               for f in outdir.iterdir())


class LabRun:
    """Results of one guest-side script run in the lab VM."""

    def __init__(self, kernel, outdir, proc):
        self.kernel = kernel
        self.outdir = outdir
        self.proc = proc

    def describe(self):
        return (f"vm-run --kernel {self.kernel} exited "
                f"{self.proc.returncode}\n--- stdout\n{self.proc.stdout}"
                f"\n--- stderr\n{self.proc.stderr}")

    def read(self, name):
        """A file the guest script wrote; the test fails when it is
        missing, with the script's steps.txt (if any) and vm-run's
        output."""
        path = self.outdir / name
        if not path.exists():
            steps = self.outdir / "steps.txt"
            pytest.fail(f"{path} missing\n"
                        f"{steps.read_text() if steps.exists() else ''}\n"
                        f"{self.describe()}")
        return path.read_text()

    def status(self, name):
        """The exit status a guest script kept in NAME.status."""
        return int(self.read(f"{name}.status"))


def boot_script(script, kernel, timeout=600, retry_if=None, tries=1):
    """One run of a guest-side script; retry_if(proc): the failure is
    the emulator's, boot again, up to tries boots in all."""
    outdir = LAB_OUT / kernel / Path(script).name
    tool = tool_for(kernel)
    if not tool.exists():
        pytest.fail(f"{tool} is not built; run make check")
    lab_args = (["--tcg-thread-per-cpu"]
                if Path(script).name in THREAD_PER_CPU_SCRIPTS else [])
    for _ in range(tries):
        proc = vm_run(kernel, REPO / "tests" / "integration" / "guest" /
                      script, outdir, tool, timeout=timeout,
                      lab_args=lab_args)
        if proc.returncode == 0 or not (retry_if and retry_if(proc)):
            break
    return LabRun(kernel, outdir, proc)


@pytest.fixture(scope="session")
def lab_runs():
    """Memoizes one guest-side script run per (script, kernel) for the
    session; one that the debug lane makes is waited for there."""
    cache = {}

    def run(script, kernel, timeout=600, retry_if=None, tries=1):
        key = (script, kernel)
        if key not in cache:
            cache[key] = DEBUG_LANE.run(key, lambda: boot_script(
                script, kernel, timeout, retry_if, tries))
        return cache[key]

    return run


class Lane:
    """Lab runs made one after another on a thread of their own, from
    the end of collection on, while the other tests run.

    For the debug kernel's runs: KASAN, lockdep and kmemleak under TCG
    make them a third of the suite's time (the debug run alone, with its
    100 reloads, about 14 minutes), on one TCG thread, so on one of the
    machine's two CPUs.  A test module offers each run together with the
    fixture that needs it; the runs of the tests collected start at once
    and each fixture waits for its own.  The tests whose results depend
    on time (QUIET_MODULES) wait for the whole lane, and the order below
    puts them last, so that they keep the machine to themselves.
    """

    def __init__(self):
        self.offers = {}  # key -> (fixture, param, make)
        self.futures = {}
        self.pool = None

    def offer(self, key, fixture, param, make):
        """make() gives the run that the fixture named fixture needs
        when its param is param (None: a fixture without params)."""
        self.offers[key] = (fixture, param, make)

    def needs(self, item, key):
        fixture, param, _ = self.offers[key]
        if fixture not in getattr(item, "fixturenames", ()):
            return False
        if param is None:
            return True
        callspec = getattr(item, "callspec", None)
        return callspec is not None and callspec.params.get(fixture) == param

    def consumes(self, item):
        return any(self.needs(item, key) for key in self.offers)

    def start(self, items):
        wanted = [key for key in self.offers
                  if any(self.needs(item, key) for item in items)]
        if not wanted or self.pool:
            return
        self.pool = ThreadPoolExecutor(max_workers=1,
                                       thread_name_prefix="debug-lane")
        for key in wanted:
            self.futures[key] = self.pool.submit(self.offers[key][2])

    def run(self, key, make):
        """The lane's run of key if it makes one, else make()'s, here."""
        future = self.futures.get(key)
        return future.result() if future else make()

    def wait(self):
        """Until every run of the lane has ended, however it ended."""
        for future in self.futures.values():
            future.exception()

    def shutdown(self):
        if self.pool:
            self.pool.shutdown(wait=True, cancel_futures=True)


DEBUG_LANE = Lane()

# Their checks measure time (steal against schedstat, rates, a real
# guest's boot under a TCG thread per vCPU): they run alone, after the
# lane.
QUIET_MODULES = {"test_correlate", "test_names", "test_perf_kvm",
                 "test_sched", "test_top"}


def quiet(item):
    module = getattr(item, "module", None)
    return module is not None and module.__name__ in QUIET_MODULES


def pytest_collection_modifyitems(config, items):
    """The tests beside the lane first, then those that wait for a run
    of the lane, then the quiet ones; within each, in the order they
    had."""
    items.sort(key=lambda item: 2 if quiet(item) else
               1 if DEBUG_LANE.consumes(item) else 0)


def pytest_collection_finish(session):
    if not session.config.option.collectonly:
        DEBUG_LANE.start(session.items)


def pytest_sessionfinish(session, exitstatus):
    DEBUG_LANE.shutdown()


@pytest.fixture(scope="module", autouse=True)
def quiet_machine(request):
    """A quiet module starts once the lane has finished: module scope,
    so that it comes before the module's own lab run."""
    if request.module.__name__ in QUIET_MODULES:
        DEBUG_LANE.wait()
