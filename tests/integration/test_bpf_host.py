# SPDX-License-Identifier: GPL-2.0
"""The BPF backend on the machine's own kernel, outside the lab.

The programs must pass the verifier, load and attach to kvm:kvm_exit
here, and the command must run and exit cleanly.  This machine's KVM may
make no kvm_exit events at all (kvm_pvm does not), so no count is
expected: the lab tests check counts.  Skipped, with the reason, where
the kernel has no BTF, kvm is absent, or we are not root.
"""

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from conftest import REPO

TOOLS = [REPO / "user" / "vmexit-stat",
         REPO / "user" / "build-san" / "vmexit-stat"]


@pytest.fixture(params=TOOLS, ids=["plain", "sanitized"])
def tool(request):
    if not Path("/sys/kernel/btf/vmlinux").exists():
        pytest.skip("kernel has no BTF (/sys/kernel/btf/vmlinux)")
    if os.geteuid() != 0:
        pytest.skip("loading BPF programs needs root")
    if not Path("/sys/module/kvm").exists():
        pytest.skip("kvm is not loaded: no kvm:kvm_exit tracepoint")
    if not request.param.exists():
        pytest.fail(f"{request.param} is not built; run make check")
    return request.param


# Every tracepoint the backend attaches to, once each.
TRACEPOINTS = ["kvm_exit", "kvm_entry", "kvm_userspace_exit", "kvm_pio",
               "kvm_msr", "kvm_cpuid", "kvm_mmio", "kvm_fast_mmio",
               "sched_process_exit"]


def prog_ids_of_ours(links):
    """The programs of the links on our tracepoints made by the same
    process as the kvm_exit one: bpftool lists every link here."""
    pids = {tuple(p["pid"] for p in link.get("pids", []))
            for link in links if link.get("tp_name") == "kvm_exit"}
    return {link["prog_id"] for link in links
            if tuple(p["pid"] for p in link.get("pids", [])) in pids}


def links_on_our_tracepoints():
    """Every link on a tracepoint we attach to, whoever made it: none is
    expected here once a collection is over."""
    proc = run("bpftool", "-j", "link", "show")
    assert proc.returncode == 0, proc.stderr
    return [link for link in json.loads(proc.stdout or "[]")
            if link.get("tp_name") in TRACEPOINTS]


def run(*argv):
    return subprocess.run([str(a) for a in argv], capture_output=True,
                          text=True, timeout=120, check=False)


def test_programs_load_and_attach(tool, tmp_path):
    links = tmp_path / "links.json"
    # While attached, bpftool lists our link on kvm_exit.
    proc = run(tool, "show", "--backend", "bpf", "--json", "--",
               "sh", "-c", f"bpftool -j link show >{links}")
    assert proc.returncode == 0, proc.stderr
    shown = json.loads(proc.stdout)
    assert shown["backend"] == "bpf"
    assert shown["info"]["exit_proto"] in (1, 2)
    assert shown["info"]["exits_dropped"] == 0
    listed = json.loads(links.read_text())
    attached = [link for link in listed if link.get("tp_name") == "kvm_exit"]
    assert len(attached) == 1, links.read_text()
    names = sorted(link.get("tp_name") for link in listed
                   if link.get("prog_id") in prog_ids_of_ours(listed))
    assert names == sorted(TRACEPOINTS), links.read_text()

    # Detached when the command is done.
    assert not links_on_our_tracepoints()


def test_info_says_the_programs_attach_here(tool):
    proc = run(tool, "info", "--backend", "bpf", "--json")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["version"].startswith("bpf (libbpf ")
    assert info["exit_proto"] in (1, 2)
    assert info["lat_buckets"] == 40
    assert not links_on_our_tracepoints()


def test_interval_runs_and_exits_cleanly(tool):
    proc = run(tool, "show", "--backend", "bpf", "--interval", "1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout


def test_unknown_backend_fails_clearly(tool):
    proc = run(tool, "show", "--backend", "kernel")
    assert proc.returncode == 2
    assert "unknown backend 'kernel'" in proc.stderr


def test_command_status_is_reported(tool):
    proc = run(tool, "show", "--backend", "bpf", "--", "false")
    assert proc.returncode == 1
    assert "'false' exited with status 1" in proc.stderr


def test_ctrl_c_stops_counting(tool):
    with subprocess.Popen([str(tool), "show", "--backend", "bpf", "--json"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as proc:
        # Said once attached, with the SIGINT handler in place.
        line = proc.stderr.readline()
        assert "Ctrl-C to stop" in line, line + proc.stderr.read()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert json.loads(out)["backend"] == "bpf"


def test_without_permission_fails_clearly(tool):
    proc = run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
               "--inh-caps=-all", tool, "show", "--backend", "bpf",
               "--interval", "1")
    assert proc.returncode == 1
    assert "not permitted" in proc.stderr and "CAP_BPF" in proc.stderr
    assert "libbpf" not in proc.stderr, proc.stderr


# The sched view's programs (bpf/sched.bpf.c), once each.
SCHED_TRACEPOINTS = ["kvm_exit", "sched_switch", "sched_wakeup",
                     "sched_process_exit"]


def link_ids():
    proc = run("bpftool", "-j", "link", "show")
    assert proc.returncode == 0, proc.stderr
    return {link["id"]: link.get("tp_name")
            for link in json.loads(proc.stdout or "[]")}


def test_sched_programs_load_and_attach(tool):
    # Other collections may be attached meanwhile: ours are the new links.
    before = link_ids()
    with subprocess.Popen([str(tool), "sched", "--backend", "bpf", "--json"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as proc:
        line = proc.stderr.readline()
        attached = {i: name for i, name in link_ids().items()
                    if i not in before}
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert "Ctrl-C to stop" in line, line + err
    assert sorted(attached.values()) == sorted(SCHED_TRACEPOINTS), attached
    assert proc.returncode == 0, err
    report = json.loads(out)
    assert report["backend"] == "bpf"
    assert report["interval_ns"] is None
    # sched_switch ran, for this CPU at least, while attached.
    assert report["cpus"], out
    assert not set(attached) & set(link_ids()), "left attached"
