# SPDX-License-Identifier: GPL-2.0
"""Which failed lab runs conftest boots once more (the emulator's
faults), and which it keeps (ours).  No lab VM: made-up vm-run results."""

import subprocess

import pytest

from conftest import (GUEST_EVENT_NOT_RAISED, GUEST_STATE_LOST, REPO,
                      emulator_fault)

STARTED = "vm-run: CMD started 12 s after boot began\n"
INT3_HANG = ("hang: sample 0 cpu 0: RIP 0xffffffff81c00ba0 asm_exc_int3+0x0\n"
             "hang: sample 0 cpu 1: RIP 0xffffffff81a5258c __schedule+0x1bc\n")
OUR_HANG = ("hang: sample 0 cpu 0: RIP 0xffffffffc0a01234 "
            "vxs_genl_dump+0x44 [vmexit_stat]\n"
            "hang: sample 0 cpu 1: RIP 0xffffffff81a5258c __schedule+0x1bc\n")


def proc(status, stderr, stdout=""):
    return subprocess.CompletedProcess([], status, stdout, stderr)


@pytest.mark.parametrize("status, stderr, stdout, retried", [
    (124, STARTED + INT3_HANG, "", True),
    (124, STARTED + OUR_HANG, "", False),
    (124, STARTED, "", False),
    # A word in CMD's own output is not a hang report.
    (124, STARTED, "exc_int3\n", False),
    (125, "vm-run: booting\n", "", True),
    (125, STARTED, "Oops: int3\nRIP: 0010:vcpu_run+0x7e/0x280 [kvm]\n", True),
    (125, STARTED,
     "Oops: int3\nRIP: 0010:vxs_kvm_exit_probe+0x1e/0x90 [vmexit_stat]\n",
     False),
    (1, STARTED, GUEST_STATE_LOST + "\n", True),
    (1, STARTED, "vCPU 0: the guest took vector 13 at 0x3042, "
     + GUEST_EVENT_NOT_RAISED + ": interrupts are off\n", True),
    # The NMI exitgen --nmi queued is the test's, not the emulator's.
    (1, STARTED, "vCPU 0: the guest took the NMI --nmi queued (vector 2 at "
     "0x3000)\n", False),
    (1, STARTED, "counts differ\n", False),
    (0, STARTED, "", False),
])
def test_emulator_faults_are_told_from_ours(status, stderr, stdout, retried):
    assert emulator_fault(proc(status, stderr, stdout)) == retried


def test_signs_are_what_exitgen_prints():
    """The phrases retried on are exitgen's own, word for word."""
    header = (REPO / "user" / "exitgen.h").read_text()
    assert f'"{GUEST_EVENT_NOT_RAISED}"' in header
    source = (REPO / "user" / "exitgen.c").read_text()
    assert GUEST_STATE_LOST in source
