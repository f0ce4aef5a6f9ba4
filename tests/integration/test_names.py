# SPDX-License-Identifier: GPL-2.0
"""VM names and --vm NAME in the lab (6.1, one boot).

tests/integration/guest/names starts a real guest with QEMU's -name
guest=labvm (tests/lab/nested-guest --name labvm) and, while it runs,
lists and selects it by name; then adds a QEMU running its firmware
alone named "lab,,vm2" (QEMU's escaped comma) and another named labvm.
Here:

  vms names the guest labvm, in text and JSON, next to its pid;
  show --vm labvm selects exactly the guest's VM, the same one --vm PID
  does, with exits counted; so do vms --vm labvm and, on BPF,
  show --backend bpf --vm labvm;
  "lab,,vm2" is named lab,vm2 and --vm lab,vm2 finds it;
  two VMs named labvm: refused with status 1, both pids listed;
  a name no VM has: "no VM named X", status 1;
  once the guest ended, vms --vm PID still selects it; init's pid (no
  VM), a pid no process has (vms, details, record, export) and a vm_id
  no VM has: refused, status 1, nothing printed.

The checks also run on made-up outputs, right and wrong, so that they are
known to be able to fail.
"""

import json

import pytest

from conftest import KERNELS

KERNEL = "6.1"
NAME = "labvm"


# --- the checks -------------------------------------------------------------------

def vms_of(text):
    return json.loads(text)["vms"]


def check_listed(vms_json, vms_text, pid, name):
    """vms names the VM of pid name, in JSON and in the table."""
    mine = [vm for vm in vms_of(vms_json) if vm["pid"] == pid]
    assert len(mine) == 1, f"pid {pid} in vms: {vms_json}"
    assert mine[0]["name"] == name, mine[0]
    rows = [line.split() for line in vms_text.splitlines()]
    assert any(len(r) > 2 and r[0] == str(pid) and name in r for r in rows), \
        f"no row of pid {pid} named {name}:\n{vms_text}"


def check_selected(show_json, pid, want_exits=True):
    """Every VM shown is pid's, one at least, with exits when want_exits."""
    vms = vms_of(show_json)
    assert vms, f"nothing selected: {show_json}"
    assert {vm["pid"] for vm in vms} == {pid}, [vm["pid"] for vm in vms]
    if want_exits:
        assert sum(vm["total"] for vm in vms) > 0, vms


def check_refused(status, err, *words):
    assert status == 1, (status, err)
    for word in words:
        assert word in err, f"{word!r} not in {err!r}"


# --- the lab run ------------------------------------------------------------------

@pytest.fixture(scope="module")
def run(lab_runs):
    if KERNEL not in KERNELS:
        pytest.skip(f"names are tested on {KERNEL} alone, not in "
                    f"VMEXIT_STAT_KERNELS={' '.join(KERNELS)}")
    result = lab_runs("names", KERNEL, timeout=600)
    assert result.proc.returncode == 0, result.describe()
    return result


def result(run, name):
    """(status, out, err) of one check of the guest script."""
    return (int(run.read(f"{name}.status")), run.read(f"{name}.out"),
            run.read(f"{name}.err"))


def pid_of(run, name):
    return int(run.read(f"{name}.pid"))


def test_vms_names_the_guest(run):
    status, out, err = result(run, "vms-json")
    assert status == 0, err
    text_status, text, text_err = result(run, "vms")
    assert text_status == 0, text_err
    check_listed(out, text, pid_of(run, "qemu"), NAME)


@pytest.mark.parametrize("check", ["show-name", "show-pid", "vms-name"])
def test_vm_by_name_selects_the_guest(run, check):
    status, out, err = result(run, check)
    assert status == 0, err
    check_selected(out, pid_of(run, "qemu"), want_exits=check != "vms-name")
    if check == "vms-name":
        assert vms_of(out)[0]["name"] == NAME


def test_vm_by_name_on_bpf(run):
    status, out, err = result(run, "show-bpf")
    assert status == 0, err
    check_selected(out, pid_of(run, "qemu"))


def check_running(run, what):
    """The firmware QEMU of what.pid ran still at its check; else what
    ended it, in its own words."""
    alive = run.read(f"{what}.alive").strip()
    assert alive == "yes", (
        f"the {what} QEMU {alive} before its check:\n"
        f"{run.read(f'{what}.qemu.err')}\n{run.read('steps.txt')}")


def test_escaped_comma_in_a_name(run):
    check_running(run, "comma")
    status, out, err = result(run, "vms-comma")
    assert status == 0, err
    check_selected(out, pid_of(run, "comma"), want_exits=False)
    assert vms_of(out)[0]["name"] == "lab,vm2"


def test_two_vms_of_one_name_refused(run):
    check_running(run, "twin")
    status, out, err = result(run, "show-twins")
    assert out == ""
    check_refused(status, err, f"named {NAME}",
                  str(pid_of(run, "qemu")), str(pid_of(run, "twin")))


def test_unknown_name_refused(run):
    status, out, err = result(run, "show-none")
    assert out == ""
    check_refused(status, err, "no VM named no-such-vm")


def test_ended_vm_selected_by_pid(run):
    status, out, err = result(run, "vms-ended")
    assert status == 0, err
    check_selected(out, pid_of(run, "qemu"), want_exits=False)
    assert vms_of(out)[0]["state"] == "ended", out


MISSING = {
    "vms-novm": "process 1 has no VM the module knows of",
    "vms-nopid": "no process has pid {nopid}, and the module knows no VM",
    "details-nopid": "no process has pid {nopid}, and the module knows no VM",
    "record-nopid": "no process has pid {nopid}, and the module knows no VM",
    "export-nopid": "no process has pid {nopid}, and the module knows no VM",
    "vms-noid": "the module knows no VM with vm_id 0123456789abcdef",
}


@pytest.mark.parametrize("check", sorted(MISSING))
def test_vm_of_no_vm_refused(run, check):
    status, out, err = result(run, check)
    assert out == ""
    check_refused(status, err, "vmexit-stat: ",
                  MISSING[check].format(nopid=pid_of(run, "nopid")),
                  "'vmexit-stat vms' lists")


# --- the checks can fail ----------------------------------------------------------

GOOD_VMS = json.dumps({"vms": [
    {"pid": 300, "name": "labvm", "total": 10},
    {"pid": 301, "name": "kvm-hold-keys", "total": 0}]})
GOOD_TABLE = ("pid  vm_id             name   state\n"
              "300  00000000000000a1  labvm  running\n"
              "301  00000000000000a2  other  running\n")


def test_checks_pass_on_good_outputs():
    check_listed(GOOD_VMS, GOOD_TABLE, 300, "labvm")
    check_selected(json.dumps({"vms": [{"pid": 300, "total": 5}]}), 300)
    check_refused(1, "vmexit-stat: 2 VMs are named labvm: pid 300, 302",
                  "named labvm", "300", "302")


@pytest.mark.parametrize("vms_json, table, pid", [
    (GOOD_VMS, GOOD_TABLE, 301),       # named otherwise
    (GOOD_VMS, GOOD_TABLE, 999),       # not listed
    (GOOD_VMS, GOOD_TABLE.replace("300  ", "399  "), 300),  # not in the table
])
def test_listed_check_fails(vms_json, table, pid):
    with pytest.raises(AssertionError):
        check_listed(vms_json, table, pid, "labvm")


@pytest.mark.parametrize("show_json", [
    json.dumps({"vms": []}),
    json.dumps({"vms": [{"pid": 300, "total": 5},
                        {"pid": 301, "total": 1}]}),
    json.dumps({"vms": [{"pid": 300, "total": 0}]}),
])
def test_selected_check_fails(show_json):
    with pytest.raises(AssertionError):
        check_selected(show_json, 300)


@pytest.mark.parametrize("status, err", [
    (0, "named labvm 300 302"),
    (2, "named labvm 300 302"),
    (1, "named labvm 300"),
])
def test_refused_check_fails(status, err):
    with pytest.raises(AssertionError):
        check_refused(status, err, "named labvm", "300", "302")
