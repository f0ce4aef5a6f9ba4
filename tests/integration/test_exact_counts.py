# SPDX-License-Identifier: GPL-2.0
"""Exit counts of the module must equal, exactly, what exitgen made.

exitgen's guest makes a known number of exits of each deterministic kind
on every vCPU; the module's dump, filtered to exitgen's pid, must show
the same count per vCPU and exit code.  Exits that are not deterministic
(nested page faults, host interrupts) are not compared.
"""

import json

import pytest

from conftest import KERNELS
from exit_checks import assert_counts_equal_made

MIXES = ["cpuid-only", "no-request", "io-hlt-msr-hypercall",
         "everything-4vcpus"]


def load(run, name):
    path = run.outdir / name
    assert path.exists(), f"{path} missing\n{run.describe()}"
    return json.loads(path.read_text())


@pytest.fixture(params=KERNELS, scope="module")
def exact_run(request, lab_runs):
    run = lab_runs("exact-counts", request.param)
    assert run.proc.returncode == 0, run.describe()
    return run


@pytest.mark.parametrize("mix", MIXES)
def test_counts_equal_made(exact_run, mix):
    made = load(exact_run, f"{mix}.exitgen.json")
    shown = load(exact_run, f"{mix}.show.json")
    assert shown["backend"] == "module"
    assert_counts_equal_made(made, shown, f"{exact_run.kernel} {mix}",
                             "module")


def test_selftest_passes(exact_run):
    status = (exact_run.outdir / "selftest.status").read_text().strip()
    output = (exact_run.outdir / "selftest.txt").read_text()
    assert status == "0", output


def test_event_the_guest_did_not_raise_is_caught(exact_run):
    """An NMI queued before the first KVM_RUN goes through the guest's
    IVT to its trap handler, not through empty memory: the vCPU fails
    on it at once, with the vector and the IP it came from."""
    status = (exact_run.outdir / "nmi.status").read_text().strip()
    output = (exact_run.outdir / "nmi.txt").read_text()
    assert status == "1", output
    assert ("vCPU 0: the guest took the NMI --nmi queued (vector 2 at "
            "0x3000) (guest rip 0x3") in output, output
    assert "phase start" in output, output
    # Queued by us: not taken for the emulator's fault.
    assert "never raises" not in output, output


def test_show_without_module_fails_clearly(exact_run):
    status = (exact_run.outdir / "no-module.status").read_text().strip()
    output = (exact_run.outdir / "no-module.txt").read_text()
    assert status != "0"
    assert "not loaded" in output and "insmod" in output, output
