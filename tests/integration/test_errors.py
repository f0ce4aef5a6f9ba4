# SPDX-License-Identifier: GPL-2.0
"""What a user is told when a command cannot do what it was asked.

On the host, without the lab: the module is never loaded here, so every
command that needs it must say so, with how to load it, and exit 1;
BPF without privilege (nobody, no capabilities) must say which
capabilities it needs; --vm with a name no VM has, or a pid no process
has, must be refused with status 1 rather than shown as an idle VM; so
must an export port in use; --reason of no exit reason, and a bad
option, must exit 2 with a message that begins "vmexit-stat: COMMAND:";
`top` in a terminal smaller than it needs must say what size it needs,
follow a resize, and leave the terminal sane on q.  Every --help must
have examples and the exit status, within 80 columns.

The checks that need BPF (root, BTF, kvm) are skipped with the reason
where those are missing.  A --vm pid that the module does not know, and
config changes without CAP_NET_ADMIN, need the module: test_names.py and
test_fuzz.py check them in the lab.
"""

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import REPO

TOOLS = [REPO / "user" / "vmexit-stat",
         REPO / "user" / "build-san" / "vmexit-stat"]
MODULE_LOADED = Path("/sys/module/vmexit_stat").exists()
SUBCOMMAND = re.compile(r'^\s*\{\s*"([a-z][a-z0-9-]*)",\s*cmd_\w+', re.M)
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
          "--inh-caps=-all"]
NO_MODULE = "vmexit-stat: vmexit_stat module not loaded: load it with"

# Helps another of this parts still owes its examples and exit
# status to; each is checked all the same, and reported as passing once
# done (then its entry goes).
HELP_PENDING = {}


def registered_subcommands():
    names = SUBCOMMAND.findall((REPO / "user" / "main.c").read_text())
    assert len(names) >= 10, "cannot read the subcommand table of main.c"
    return names


@pytest.fixture(params=TOOLS, ids=["plain", "sanitized"])
def tool(request):
    if not request.param.exists():
        pytest.fail(f"{request.param} is not built; run make check")
    return request.param


def bpf_skip_reason():
    if not Path("/sys/kernel/btf/vmlinux").exists():
        return "kernel has no BTF (/sys/kernel/btf/vmlinux)"
    if os.geteuid() != 0:
        return "loading BPF programs needs root"
    if not Path("/sys/module/kvm").exists():
        return "kvm is not loaded: no kvm:kvm_exit tracepoint"
    return None


@pytest.fixture
def bpf_tool(tool):
    reason = bpf_skip_reason()
    if reason:
        pytest.skip(reason)
    return tool


@pytest.fixture
def no_module():
    if MODULE_LOADED:
        pytest.skip("the vmexit_stat module is loaded here")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(*argv, timeout=60):
    """argv run with no input; "PORT" stands for a free loopback port."""
    argv = [f"127.0.0.1:{free_port()}" if a == "PORT" else str(a)
            for a in argv]
    return subprocess.run(argv, capture_output=True,
                          text=True, timeout=timeout, check=False,
                          stdin=subprocess.DEVNULL, cwd="/")


def free_pid():
    """A pid no process has (999999 where it is free)."""
    pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
    candidates = [999999] if 999999 < pid_max else []
    candidates += range(pid_max - 1, 300, -1)
    for pid in candidates:
        if not Path(f"/proc/{pid}").exists():
            return pid
    pytest.fail("no free pid")


def assert_refused(proc, status, *words):
    """Refused with status, nothing on stdout, and a message that begins
    "vmexit-stat: " and contains every word."""
    assert proc.returncode == status, (proc.returncode, proc.stderr)
    assert proc.stdout == "", "printed data when refused: " + proc.stdout
    assert proc.stderr.startswith("vmexit-stat: "), proc.stderr
    for word in words:
        assert word in proc.stderr, f"{word!r} not in {proc.stderr!r}"


# --- no module ----------------------------------------------------------------

# Every command that reads the module, told to use it.
MODULE_COMMANDS = [
    ["show", "--backend", "module"],
    ["latency", "--backend", "module"],
    ["vms", "--backend", "module"],
    ["details", "--backend", "module"],
    ["info", "--backend", "module"],
    ["phases", "--backend", "module"],
    ["sched", "--backend", "module"],
    ["correlate", "--backend", "module", "--time", "1"],
    ["record", "--backend", "module", "--", "true"],
    ["export", "--backend", "module"],
    # These have only the module.
    ["events", "--timeout", "1"],
    ["config"],
    ["config", "--latency", "on"],
    ["reset"],
    ["selftest"],
]


@pytest.mark.parametrize("argv", MODULE_COMMANDS,
                         ids=[" ".join(a[:2]) for a in MODULE_COMMANDS])
def test_no_module_says_how_to_load_it(tool, no_module, argv):
    proc = run(tool, *argv)
    assert_refused(proc, 1, "modprobe vmexit_stat", "insmod")
    assert proc.stderr.startswith(NO_MODULE), proc.stderr


# The default backend, auto, with no module and nothing to count for.
AUTO_SUGGESTS = {
    "show": "add --interval SEC or -- CMD",
    "latency": "add --interval SEC or -- CMD",
    "vms": "add --interval SEC or -- CMD",
    "details": "add --interval SEC or -- CMD",
    "info": "add --interval SEC or -- CMD",
    "phases": "--backend bpf, or give an interval",
    "sched": "--backend bpf, or give an interval",
}


@pytest.mark.parametrize("command", sorted(AUTO_SUGGESTS))
def test_no_module_auto_suggests_bpf(tool, no_module, command):
    proc = run(tool, command)
    assert_refused(proc, 1, AUTO_SUGGESTS[command])
    assert proc.stderr.startswith(NO_MODULE), proc.stderr
    assert proc.stderr.count("\n") == 2, proc.stderr


def test_top_without_module_in_a_terminal(tool, no_module, tmux):
    status, screen = tmux.run_until_exit(tool, "top", "--backend", "module")
    assert status == 1, screen
    assert NO_MODULE in screen.replace("\n", ""), screen


# --- no permission ------------------------------------------------------------

# Every command that can count with BPF, as nobody.
BPF_COMMANDS = [
    ["show", "--backend", "bpf", "--interval", "1"],
    ["latency", "--backend", "bpf", "--interval", "1"],
    ["vms", "--backend", "bpf", "--interval", "1"],
    ["details", "--backend", "bpf", "--interval", "1"],
    ["info", "--backend", "bpf"],
    ["phases", "--backend", "bpf", "1", "1"],
    ["sched", "--backend", "bpf", "1", "1"],
    ["correlate", "--backend", "bpf", "--time", "1"],
    ["record", "--backend", "bpf", "--", "true"],
    ["export", "--backend", "bpf", "--listen", "PORT"],
]


@pytest.mark.parametrize("argv", BPF_COMMANDS,
                         ids=[a[0] for a in BPF_COMMANDS])
def test_bpf_without_permission(bpf_tool, argv):
    proc = run(*NOBODY, bpf_tool, *argv)
    assert_refused(proc, 1, "not permitted", "CAP_BPF", "CAP_PERFMON",
                   "run it as root")
    assert "libbpf" not in proc.stderr, proc.stderr
    if not MODULE_LOADED:  # the other way: the module, for users too
        assert "modprobe vmexit_stat" in proc.stderr, proc.stderr
        assert "unprivileged_read=1" in proc.stderr, proc.stderr


def test_exitgen_without_permission(tool):
    if os.geteuid() != 0 or not Path("/dev/kvm").exists():
        pytest.skip("needs root (to become nobody) and /dev/kvm")
    proc = run(*NOBODY, tool, "exitgen", "--cpuid", "1")
    assert_refused(proc, 1, "vmexit-stat: exitgen: no permission to open "
                   "/dev/kvm", "run as root")


# --- a VM that does not exist ---------------------------------------------------

# Every command that takes --vm, as it would count.
VM_COMMANDS = {
    "show": ["--interval", "1"],
    "latency": ["--interval", "1"],
    "vms": ["--interval", "1"],
    "details": ["--interval", "1"],
    "phases": ["1", "1"],
    "sched": ["1", "1"],
    "correlate": ["--time", "1"],
    "record": ["--", "true"],
    "export": ["--listen", "PORT"],
    "top": [],
}


@pytest.mark.parametrize("command", sorted(VM_COMMANDS))
def test_vm_name_no_vm_has(tool, command):
    name = f"no-such-vm-{os.getpid()}"
    proc = run(tool, command, "--backend", "bpf", "--vm", name,
               *VM_COMMANDS[command])
    assert_refused(proc, 1, f"no VM named {name} is running",
                   "'vmexit-stat vms' lists")


# The BPF run of each (correlate and top below), and the intervals of show
# and latency.
PID_COMMANDS = {command: VM_COMMANDS[command] for command in
                ["show", "latency", "vms", "details", "phases", "sched",
                 "record", "export"]}
PID_COMMANDS.update({"show 1 1": ["1", "1"], "latency 1 1": ["1", "1"]})


@pytest.mark.parametrize("command", sorted(PID_COMMANDS))
def test_vm_pid_no_process_has(bpf_tool, command):
    pid = free_pid()
    proc = run(bpf_tool, command.split()[0], "--backend", "bpf", "--vm", pid,
               *PID_COMMANDS[command])
    assert_refused(proc, 1, f"no process has pid {pid}, so it runs no VM",
                   "--vm the pid of a VMM")
    assert "Ctrl-C" not in proc.stderr, "it counted all the same"


def test_correlate_pid_no_process_has(bpf_tool):
    pid = free_pid()
    proc = run(bpf_tool, "correlate", "--backend", "bpf", "--vm", pid,
               "--time", "1")
    assert_refused(proc, 1, f"no process {pid}: which VM?")


def test_top_pid_no_process_has(bpf_tool, tmux):
    pid = free_pid()
    status, screen = tmux.run_until_exit(bpf_tool, "top", "--backend", "bpf",
                                         "--vm", pid)
    assert status == 1, screen
    assert f"no process has pid {pid}" in screen.replace("\n", ""), screen


def test_vm_pid_refused_as_a_usage_error(tool):
    proc = run(tool, "vms", "--vm", "12ab")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("vmexit-stat: --vm wants a pid or a VM's "
                                  "name, not '12ab'"), proc.stderr


@pytest.mark.parametrize("command", ["show", "latency"])
def test_reason_no_isa_has(tool, command):
    proc = run(tool, command, "--backend", "bpf", "--interval", "1",
               "--reason", "cpuid,no_such_reason")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(
        "vmexit-stat: --reason: no VMX or SVM exit reason is named "
        "'no_such_reason'; use the names show prints"), proc.stderr


def test_export_port_in_use(tool):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = run(tool, "export", "--backend", "bpf", "--listen",
                   f"127.0.0.1:{port}")
    assert_refused(proc, 1, f"cannot listen on 127.0.0.1:{port}: the port "
                   "is in use", "choose another with --listen")


# --- the command line ---------------------------------------------------------

@pytest.mark.parametrize("command", registered_subcommands())
def test_unknown_option(tool, command):
    argv = [command, "cpu", "--bogus"] if command == "bench" else \
        [command, "--bogus"]
    proc = run(tool, *argv)
    assert proc.returncode == 2, proc.stderr
    first = proc.stderr.splitlines()[0] if proc.stderr else ""
    if command == "bench":  # sysbench's own parser
        assert first == "vmexit-stat: bench: unknown option --bogus", first
    else:
        assert first == f"vmexit-stat: {command}: unrecognized option " \
            "'--bogus'", first
    assert f"usage: vmexit-stat {command}" in proc.stderr


def test_unknown_command(tool):
    proc = run(tool, "no-such-command")
    assert proc.returncode == 2
    assert proc.stderr.startswith("vmexit-stat: unknown command "
                                  "'no-such-command'"), proc.stderr
    assert "usage: vmexit-stat <command>" in proc.stderr


def check_help(text):
    long_lines = [line for line in text.splitlines() if len(line) > 80]
    assert not long_lines, f"over 80 columns: {long_lines}"
    examples = re.search(r"^examples:\n((?:  \S.*\n|  +#.*\n)+)", text,
                         re.M | re.I)
    assert examples, "no examples"
    commands = [line for line in examples[1].splitlines()
                if line.lstrip().startswith(("vmexit-stat", "sudo"))]
    assert len(commands) >= 2, f"fewer than 2 examples: {examples[1]}"
    assert re.search(r"\bexit status\b", text, re.I), "no exit status"


@pytest.mark.parametrize("command", registered_subcommands())
def test_help_has_examples_and_exit_status(tool, command, request):
    if command in HELP_PENDING:
        request.applymarker(pytest.mark.xfail(reason=HELP_PENDING[command]))
    proc = run(tool, command, "--help")
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert proc.stdout.startswith(f"usage: vmexit-stat {command}")
    check_help(proc.stdout)


def test_main_help_has_examples_and_exit_status(tool):
    proc = run(tool, "--help")
    assert proc.returncode == 0, proc.stderr
    check_help(proc.stdout)


@pytest.mark.parametrize("text", [
    "usage: x\n\nExamples:\n  vmexit-stat x   # one\n\nExit status: 0\n",
    "usage: x\n\nExamples:\n  vmexit-stat x\n  vmexit-stat y\n\n",
    "usage: x\n\nExamples:\n  vmexit-stat x\n  vmexit-stat y\n" + "z" * 81,
])
def test_help_check_fails_on_bad_help(text):
    with pytest.raises(AssertionError):
        check_help(text)


# --- top in a small terminal --------------------------------------------------

class Tmux:
    """One tmux server of the test's own (-L), one window of a given size."""

    def __init__(self, tmp_path):
        self.socket = f"vmexit-stat-errors-{os.getpid()}-{tmp_path.name}"
        self.status = tmp_path / "status"
        self.stty = tmp_path / "stty"

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.socket, *map(str, args)],
                              capture_output=True, text=True, timeout=30,
                              check=False)

    def start(self, *argv, width=80, height=24):
        # The shell waits after the command, so the pane stays to be read.
        script = (" ".join(f"'{a}'" for a in argv) +
                  f"; echo $? >{self.status}; stty -a >{self.stty}; "
                  "sleep 60")
        proc = self.tmux("new-session", "-d", "-x", width, "-y", height,
                         "sh", "-c", script)
        assert proc.returncode == 0, proc.stderr

    def screen(self):
        return self.tmux("capture-pane", "-p").stdout

    def wait_for(self, text, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.2)
        pytest.fail(f"{text!r} never shown; the screen:\n{self.screen()}")

    def exit_status(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.status.exists() and self.status.read_text().strip():
                time.sleep(0.3)  # stty's output
                return int(self.status.read_text())
            time.sleep(0.2)
        pytest.fail(f"still running; the screen:\n{self.screen()}")

    def run_until_exit(self, *argv):
        self.start(*argv)
        status = self.exit_status()
        return status, self.screen()

    def resize(self, width, height):
        proc = self.tmux("resize-window", "-x", width, "-y", height)
        assert proc.returncode == 0, proc.stderr

    def close(self):
        self.tmux("kill-server")


@pytest.fixture
def tmux(tmp_path):
    if not shutil.which("tmux"):
        pytest.fail("tmux is not installed (tests/lab/setup-host)")
    session = Tmux(tmp_path)
    yield session
    session.close()


def test_top_without_a_terminal(tool):
    proc = run(tool, "top")
    assert_refused(proc, 2, "vmexit-stat: top: needs a terminal",
                   "vmexit-stat show")


def test_top_in_a_small_terminal(bpf_tool, tmux):
    tmux.start(bpf_tool, "top", "--backend", "bpf", width=60, height=10)
    shown = tmux.wait_for("terminal too small")
    assert "60x10, top needs 72x12" in shown, shown
    assert "q quits" in shown, shown
    # Grown to its size, it draws; shrunk again, it says so again.
    tmux.resize(80, 24)
    shown = tmux.wait_for("vmexit-stat top - bpf")
    assert "terminal too small" not in shown, shown
    tmux.resize(71, 12)
    assert "71x12, top needs 72x12" in tmux.wait_for("terminal too small")
    tmux.tmux("send-keys", "q")
    assert tmux.exit_status() == 0, tmux.screen()
    stty = tmux.stty.read_text()
    # ncurses gave the terminal back: line editing and echo are on again.
    for mode in ("icanon", "echo", "icrnl", "opost"):
        assert re.search(rf"(?<![-\w]){mode}\b", stty), stty
