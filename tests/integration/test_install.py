# SPDX-License-Identifier: GPL-2.0
"""make install / make uninstall, vmexit-stat(8), and the module through DKMS.

On the host, without the lab: the man page renders without a warning and
describes every command user/main.c registers with every option its
--help lists; `make install DESTDIR=... PREFIX=/usr` puts exactly the
command, the man page, the docs and the module's DKMS sources in place,
and `make uninstall` takes every file away again.

With Debian's dkms: the Makefile registers the installed sources (dkms
add), dkms builds and installs the module for the lab's 5.10, 6.1 and
6.12 header trees, the module it installed for 6.1 loads in the lab VM
and counts a known guest exactly, and `make uninstall` removes it all
(dkms remove --all).  Everything dkms does stays in a tree of the test's
own (--dkmstree, --sourcetree, --installtree, a throwaway signing key):
the host's /var/lib/dkms, /usr/src and /lib/modules are left as they
were, which the test checks.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import KERNELS, LAB_OUT, REPO, vm_run

CACHE = Path(os.environ.get("VMEXIT_STAT_CACHE",
                            Path.home() / ".cache" / "vmexit-stat"))
MAN_PAGE = REPO / "Documentation" / "vmexit-stat.8"
TOOL = REPO / "user" / "vmexit-stat"
KMAKE = REPO / "tests" / "lab" / "kmake"

SUBCOMMAND = re.compile(r'^\s*\{\s*"([a-z][a-z0-9-]*)",\s*cmd_\w+', re.M)
LONG_OPTION = re.compile(r"(?<![\w-])--([a-z][a-z0-9-]*)")
# An option's line in --help: "  -j, --json   ..." or "  --cpuid N  ...".
OPTION_LINE = re.compile(
    r"^ {2,}(?:(-[a-zA-Z]),\s+)?--([a-z][a-z0-9-]*)", re.M)
DKMS_CONF_LINE = re.compile(r'^([A-Z_]+(?:\[\d+\])?)="(.*)"$', re.M)
# The compiler a kernel was built with, and the one a module was.
KERNEL_CC = re.compile(r'^CONFIG_CC_VERSION_TEXT="\S+ (.*)"$', re.M)
MODULE_CC = re.compile(r"GCC: (\(.*)$", re.M)


def run(*cmd, check=True, **kwargs):
    proc = subprocess.run([str(c) for c in cmd], capture_output=True,
                          text=True, check=False, **kwargs)
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} exited {proc.returncode}\n"
                    f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}")
    return proc


def vxs_version():
    header = (REPO / "module" / "vmexit_stat.h").read_text()
    m = re.search(r'^#define VXS_VERSION "([^"]+)"$', header, re.M)
    assert m, "no VXS_VERSION in module/vmexit_stat.h"
    return m[1]


def registered_subcommands():
    names = SUBCOMMAND.findall((REPO / "user" / "main.c").read_text())
    assert len(names) >= 10, "cannot read the subcommand table of main.c"
    return names


def man_sections():
    """{command: its .SS section of the man page, as plain text}."""
    sections = {}
    name = None
    for line in MAN_PAGE.read_text().splitlines():
        if line.startswith((".SS ", ".SH ")):
            name = line[4:].strip() if line.startswith(".SS ") else None
            if name:
                sections[name] = ""
        elif name:
            sections[name] += line.replace("\\-", "-") + "\n"
    return sections


def command_help(name):
    if not TOOL.exists():
        pytest.fail(f"{TOOL} is not built; run make check")
    proc = run(TOOL, name, "--help")
    assert proc.stdout.startswith(f"usage: vmexit-stat {name}"), proc.stdout
    return proc.stdout


def man_warnings(*man_args):
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
    proc = run("man", *man_args, env=env)
    return proc.stdout, proc.stderr


# --- the man page --------------------------------------------------------------


def test_man_page_renders_without_warnings():
    text, warnings = man_warnings("-l", MAN_PAGE)
    assert warnings == ""
    assert "EXIT STATUS" in text and "SEE ALSO" in text
    groff = run("groff", "-man", "-ww", "-z", MAN_PAGE)
    assert groff.stderr == ""
    title = re.search(r'^\.TH VMEXIT-STAT 8 \S+ "vmexit-stat (\S+)"',
                      MAN_PAGE.read_text(), re.M)
    assert title and title[1] == vxs_version(), "the page's version"


def test_man_page_describes_every_registered_command():
    registered = registered_subcommands()
    described = man_sections()
    missing = [c for c in registered if c not in described]
    unknown = [c for c in described if c not in registered]
    assert not missing, f"vmexit-stat(8) lacks the commands {missing}"
    assert not unknown, f"vmexit-stat(8) describes unregistered {unknown}"
    listed = run(TOOL, "--help").stdout if TOOL.exists() else ""
    for name in registered:
        assert re.search(rf"^  {re.escape(name)}\s", listed, re.M), \
            f"vmexit-stat --help does not list {name}"


@pytest.mark.parametrize("name", registered_subcommands())
def test_man_page_names_every_option(name):
    """Every option a command's --help lists is in its section."""
    usage = command_help(name)
    section = man_sections().get(name)
    assert section is not None, f"vmexit-stat(8) has no section {name}"
    # The synopsis (up to the first blank line) and the option lines, not
    # the prose, which may name other commands' options.
    synopsis = usage.split("\n\n", 1)[0]
    listed = OPTION_LINE.findall(usage)
    longs = (set(LONG_OPTION.findall(synopsis)) |
             {long for _, long in listed}) - {"help"}
    shorts = {short for short, _ in listed if short} - {"-h"}
    assert longs or name == "reset", f"no options found in {name} --help"
    missing = sorted("--" + o for o in longs
                     if not re.search(rf"(?<![\w-])--{o}(?![\w-])", section))
    missing += sorted(o for o in shorts
                      if not re.search(rf"(?<![\w-]){o}(?![\w-])", section))
    assert not missing, f"vmexit-stat(8), {name}: no {missing}"


def test_man_page_documents_exit_codes():
    """0, 1 and 2, as the commands return them."""
    text = MAN_PAGE.read_text()
    status = text.split(".SH EXIT STATUS", 1)[1].split(".SH ", 1)[0]
    assert re.findall(r"^\.B ([0-9]+)$", status, re.M) == ["0", "1", "2"]
    assert run(TOOL, "show", "--no-such-option", check=False).returncode == 2
    assert run(TOOL, "no-such-command", check=False).returncode == 2
    if not Path("/sys/module/vmexit_stat").exists():
        # A runtime error: the module is not loaded here.
        proc = run(TOOL, "info", "--backend", "module", check=False)
        assert proc.returncode == 1 and proc.stderr, proc.stderr


# --- make install / uninstall into DESTDIR ---------------------------------------


def expected_files(version):
    doc = ["README.md"] + sorted(
        p.name for p in (REPO / "Documentation").glob("*.rst"))
    src = f"usr/src/vmexit-stat-{version}"
    module = [p.relative_to(REPO) for p in (REPO / "module").iterdir()
              if p.suffix in (".c", ".h")]
    include = [p.relative_to(REPO) for p in (REPO / "include").rglob("*.h")]
    return sorted(
        ["usr/sbin/vmexit-stat", "usr/share/man/man8/vmexit-stat.8"] +
        [f"usr/share/doc/vmexit-stat/{d}" for d in doc] +
        [f"{src}/dkms.conf", f"{src}/Kbuild", f"{src}/module/Kbuild"] +
        [f"{src}/{p}" for p in module + include])


def installed_files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if not p.is_dir())


def read_dkms_conf(path):
    return dict(DKMS_CONF_LINE.findall(path.read_text()))


def test_make_install_and_uninstall_destdir(tmp_path):
    version = vxs_version()
    dest = tmp_path / "dest"
    proc = run("make", "-C", REPO, "install", f"DESTDIR={dest}",
               "PREFIX=/usr")
    assert "DESTDIR is set" in proc.stdout  # no dkms add: a package build
    assert installed_files(dest) == expected_files(version)

    tool = dest / "usr" / "sbin" / "vmexit-stat"
    assert os.access(tool, os.X_OK)
    assert "selftest" in run(tool, "--help").stdout
    page, warnings = man_warnings("-M", dest / "usr" / "share" / "man",
                                  "8", "vmexit-stat")
    assert warnings == "" and "vmexit-stat" in page and "DKMS" in page
    assert ((dest / "usr/share/doc/vmexit-stat/install.rst").read_bytes() ==
            (REPO / "Documentation" / "install.rst").read_bytes())

    conf = read_dkms_conf(dest / f"usr/src/vmexit-stat-{version}/dkms.conf")
    assert conf["PACKAGE_NAME"] == "vmexit-stat"
    assert conf["PACKAGE_VERSION"] == version
    assert conf["BUILT_MODULE_NAME[0]"] == "vmexit_stat"
    assert conf["BUILT_MODULE_LOCATION[0]"] == "module/"
    assert conf["AUTOINSTALL"] == "yes"
    assert "KERNELRELEASE=${kernelver}" in conf["MAKE[0]"]

    proc = run("make", "-C", REPO, "uninstall", f"DESTDIR={dest}",
               "PREFIX=/usr")
    assert installed_files(dest) == []


# --- DKMS: build for the lab's kernels, install, load -----------------------------

# dkms runs MAKE[0] with the make it finds on PATH.  The lab builds 5.10
# with gcc-12 (Debian 11's gcc-10 is not on the host) and 6.12 inside its
# trixie chroot with gcc-14 (tests/lab/fetch-kernel says why): this make
# hands the kernel's own builds to tests/lab/kmake, which does both, and
# anything else to the real make.  dkms itself, dkms.conf and its MAKE[0]
# stay what a host runs.
LAB_MAKE = """#!/bin/sh
for arg in "$@"; do
	if [ "$arg" = "$LAB_KDIR" ]; then
		PATH=$LAB_PATH exec "$LAB_KMAKE" "$LAB_KERNEL" "$@"
	fi
done
PATH=$LAB_PATH exec make "$@"
"""


def host_state():
    """What a dkms that strayed from the test's trees would change."""
    dkms_tree = Path("/var/lib/dkms")
    return {
        "dkms": sorted(map(str, dkms_tree.rglob("*")))
                if dkms_tree.is_dir() else None,
        "src": sorted(map(str, Path("/usr/src").glob("vmexit*"))),
        "modules": sorted(map(str, Path("/lib/modules").glob(
            "*/updates/**/vmexit*"))),
    }


def lab_kernel(name):
    kroot = CACHE / "kernels" / name
    if not (kroot / "kdir").is_file():
        pytest.fail(f"kernel {name} is not in the cache "
                    f"(tests/lab/fetch-kernel {name})")
    return ((kroot / "release").read_text().strip(),
            Path((kroot / "kdir").read_text().strip()))


@pytest.fixture(scope="module")
def dkms_root():
    if shutil.which("dkms") is None:
        pytest.fail("dkms is not installed (tests/lab/setup-host)")
    LAB_OUT.mkdir(exist_ok=True)
    # Under the repository: the lab VM sees it at the same path.
    root = Path(tempfile.mkdtemp(prefix="dkms.", dir=LAB_OUT))
    yield root
    shutil.rmtree(root, ignore_errors=True)


def test_dkms_builds_installs_and_loads(dkms_root):
    version = vxs_version()
    before = host_state()
    root = dkms_root
    prefix = root / "usr"
    srcdir = prefix / "src" / f"vmexit-stat-{version}"
    (root / "dkms").mkdir()
    dkms = ["dkms", "--dkmstree", root / "dkms",
            "--sourcetree", prefix / "src", "--installtree", root / "lib"]
    make_vars = [f"PREFIX={prefix}", f"DKMS_SRCDIR={srcdir}",
                 "DKMS=" + " ".join(map(str, dkms))]
    env = dict(os.environ, mok_signing_key=str(root / "mok.key"),
               mok_certificate=str(root / "mok.pub"))

    proc = run("make", "-C", REPO, "install", *make_vars, env=env)
    assert "registered with DKMS" in proc.stdout, proc.stdout
    assert run(*dkms, "status", "-m", "vmexit-stat").stdout.strip() == \
        f"vmexit-stat/{version}: added"

    bindir = root / "bin"
    bindir.mkdir()
    (bindir / "make").write_text(LAB_MAKE)
    (bindir / "make").chmod(0o755)
    built = {}
    for name in ["5.10", "6.1", "6.12"]:
        if name not in KERNELS:
            continue
        release, kdir = lab_kernel(name)
        (root / "lib" / release).mkdir(parents=True)
        kenv = dict(env, PATH=f"{bindir}:{os.environ['PATH']}",
                    LAB_PATH=os.environ["PATH"], LAB_KMAKE=str(KMAKE),
                    LAB_KERNEL=name, LAB_KDIR=str(kdir))
        start = time.monotonic()
        proc = run(*dkms, "install", "-m", "vmexit-stat", "-v", version,
                   "-k", release, "--kernelsourcedir", kdir, "--no-depmod",
                   check=False, env=kenv)
        log = root / "dkms" / "vmexit-stat" / version / "build" / "make.log"
        assert proc.returncode == 0, (
            f"dkms install for {name} exited {proc.returncode}\n"
            f"{proc.stdout}\n{proc.stderr}\n"
            f"{log.read_text() if log.exists() else ''}")
        ko = root / "lib" / release / "updates" / "dkms" / "vmexit_stat.ko"
        assert ko.is_file(), proc.stdout
        modinfo = run("modinfo", "-F", "vermagic", ko).stdout
        assert modinfo.split()[0] == release
        assert run("modinfo", "-F", "version", ko).stdout.strip() == version
        # Built with the compiler the kernel was, except 5.10's gcc-12.
        if name != "5.10":
            kernel_cc = KERNEL_CC.search((kdir / ".config").read_text())[1]
            comment = run("readelf", "-p", ".comment", ko).stdout
            assert kernel_cc in MODULE_CC.findall(comment), comment
        built[name] = ko
        print(f"dkms install for {name}: {time.monotonic() - start:.1f} s")
    status = run(*dkms, "status", "-m", "vmexit-stat").stdout
    for name in built:
        assert f"{lab_kernel(name)[0]}, x86_64: installed" in status, status

    if "6.1" in built:
        tool = prefix / "sbin" / "vmexit-stat"
        script = (f"insmod {built['6.1']} && "
                  f"{tool} info --backend module --json && "
                  f"{tool} selftest --vcpus 1 --json >/dev/null")
        start = time.monotonic()
        proc = vm_run("6.1", "sh", "-c", script, timeout=300,
                      lab_args=["--no-module"])
        print(f"lab run on 6.1: {time.monotonic() - start:.1f} s")
        assert proc.returncode == 0, (
            f"vm-run exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
        info = json.loads(proc.stdout[proc.stdout.index("{"):
                                      proc.stdout.rindex("}") + 1])
        assert info["version"] == version
        assert info["kernel"] == lab_kernel("6.1")[0]

    proc = run("make", "-C", REPO, "uninstall", *make_vars, env=env)
    assert "remove -m vmexit-stat" in proc.stdout
    assert run(*dkms, "status", "-m", "vmexit-stat").stdout.strip() == ""
    left = [p for p in installed_files(root)
            if not p.startswith(("bin/", "mok."))]
    assert left == []
    assert host_state() == before
