# SPDX-License-Identifier: GPL-2.0
"""vmexit-stat top in the lab, driven in tmux.

tests/integration/guest/top runs, in one lab boot (6.1), exitgen guests
one after the other (CPUID and port I/O exits) while 'top' runs in a
tmux pane of 80x24; it sends keys and captures the screen after each.
Here:

  the screen shows the guests' reasons (cpuid, io as show names them on
  SVM) with a rate and a total, shares that add up, the module backend;
  each 's' sorts by the next key (rate, total, name, latency) and the
  rows are in that order; 'f io' Enter leaves only reasons starting
  with io; 'p' freezes the screen (two captures 3 s apart equal); a
  resize to 100x30 redraws it at that size, 40x10 says it is too small,
  back at 80x24 the table returns; 'v' shows one VM, 'g' all; 'r'
  rebases the totals; 'R' resets the module's counters as root, and
  as nobody (the module loaded with unprivileged_read=1) says it was
  refused and goes on; 'h' shows the keys;
  q, Ctrl-C and SIGTERM each end top with status 0 and leave the
  terminal sane (stty: echo, icanon, isig, icrnl, opost on);
  --backend bpf shows the same reasons while its programs are attached;
  without a terminal top refuses with status 2, naming 'show'.

The screen parsing and checks also run on made-up screens, right and
broken, so that they are known to be able to fail.
"""

import re

import pytest

KERNEL = "6.1"
SORTS = ["rate", "total", "name", "latency"]
HOWS = ["q", "int", "term", "nobody", "bpf"]
# stty -a's words for a terminal a program left sane.
SANE = ["echo", "icanon", "isig", "icrnl", "opost", "iexten"]

LATENCY = re.compile(r"^([0-9.]+)(ns|us|ms|s)$")
UNIT_NS = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}


# --- the screen ---------------------------------------------------------------

class Row:
    def __init__(self, line):
        fields = line.split()
        assert len(fields) == 7, f"not a table row: {line!r}"
        self.name = fields[0]
        self.rate = None if fields[1] == "-" else float(fields[1])
        self.total = int(fields[2])
        assert fields[3].endswith("%"), line
        self.share = float(fields[3][:-1])
        self.p50 = latency_ns(fields[4])
        self.p99 = latency_ns(fields[5])
        self.user = int(fields[6])


def latency_ns(text):
    """ns of "850ns", "12.3us", ...; None for "-"."""
    if text == "-":
        return None
    m = LATENCY.match(text)
    assert m, f"not a latency: {text!r}"
    return float(m.group(1)) * UNIT_NS[m.group(2)]


class Screen:
    def __init__(self, text):
        self.text = text
        self.lines = text.split("\n")
        if self.lines and self.lines[-1] == "":
            self.lines.pop()  # capture-pane ends the last line too
        self.header = self.lines[0] if self.lines else ""
        self.view = self.lines[1] if len(self.lines) > 1 else ""
        self.rows = []
        self.table_header = None
        for i, line in enumerate(self.lines):
            if line.startswith("REASON"):
                self.table_header = line
                for row in self.lines[i + 1:-1]:
                    if not row.strip() or row.startswith("no "):
                        break
                    self.rows.append(Row(row))
                break

    def row(self, name):
        for row in self.rows:
            if row.name == name:
                return row
        raise AssertionError(f"no row {name!r} on the screen:\n{self.text}")

    def header_value(self, key):
        m = re.search(rf"\b{key}: (\S+)", self.header + "  " + self.view)
        assert m, f"no {key!r} on the screen:\n{self.text}"
        return m.group(1)


def check_table(screen, backend):
    """The header is the backend's; the rows' shares add up to 100%."""
    assert screen.table_header, f"no table:\n{screen.text}"
    assert f"top - {backend} " in screen.header, screen.text
    assert screen.rows, f"no rows:\n{screen.text}"
    assert abs(sum(r.share for r in screen.rows) - 100) < 0.1 * len(
        screen.rows) + 0.1, screen.text
    assert int(screen.header_value("total")) == sum(
        r.total for r in screen.rows), screen.text


def check_guest_reasons(screen):
    """The guests' CPUID and I/O exits, counted, and one of them at a
    rate: exitgen's guest makes its CPUID exits, then its I/O ones."""
    rows = [screen.row(name) for name in ("cpuid", "io")]
    assert all(r.total > 0 for r in rows), screen.text
    assert sum(r.rate or 0 for r in rows) > 0, screen.text


def sort_key(sort, row):
    """The order the screen must keep for sort (ties in any order)."""
    if sort == "rate":
        return -row.rate
    if sort == "total":
        return -row.total
    if sort == "name":
        return row.name.lower()
    return -(row.p99 or 0)


def check_sorted(screen, sort):
    assert screen.header_value("sort") == sort, screen.text
    keys = [sort_key(sort, r) for r in screen.rows]
    assert len(keys) >= 2, f"too few rows to see an order:\n{screen.text}"
    assert keys == sorted(keys), f"not by {sort}:\n{screen.text}"


def check_filter(screen, prefix):
    assert screen.header_value("filter") == prefix, screen.text
    assert screen.rows, screen.text
    assert all(r.name.lower().startswith(prefix) for r in screen.rows), \
        screen.text


def check_sane(stty):
    words = set(re.split(r"[\s;]+", stty))
    for word in SANE:
        assert word in words and f"-{word}" not in words, \
            f"{word} is off:\n{stty}"


# --- the lab run ----------------------------------------------------------------

@pytest.fixture(scope="module")
def run(lab_runs):
    result = lab_runs("top", KERNEL, timeout=600)
    assert result.proc.returncode == 0, result.describe()
    return result


def read(run, name):
    path = run.outdir / name
    assert path.exists(), (f"{path} missing\n{read_steps(run)}"
                           f"\n{run.describe()}")
    return path.read_text()


def read_steps(run):
    path = run.outdir / "steps.txt"
    return path.read_text() if path.exists() else "(no steps.txt)"


def screen(run, name):
    return Screen(read(run, f"screen.{name}.txt"))


def test_first_screen_shows_the_guests(run):
    first = screen(run, "first")
    check_table(first, "module")
    check_guest_reasons(first)
    assert first.header_value("sort") == "rate"
    assert len(first.lines) == 24, first.text
    assert int(read(run, "guests.count")) >= 1


@pytest.mark.parametrize("sort", SORTS)
def test_s_cycles_the_sort_key(run, sort):
    shown = screen(run, sort)
    check_table(shown, "module")
    check_sorted(shown, sort)


def test_f_filters_by_reason(run):
    shown = screen(run, "filter")
    check_filter(shown, "io")
    shown.row("io")


def test_p_pauses(run):
    before, after = screen(run, "pause1"), screen(run, "pause2")
    assert "PAUSED" in before.view, before.text
    assert before.text == after.text
    assert before.rows


def test_resize_redraws(run):
    big = screen(run, "big")
    assert len(big.lines) == 30, big.text
    assert big.table_header and len(big.table_header.rstrip()) > 80, \
        big.text
    check_table(big, "module")
    small = screen(run, "small")
    assert "terminal too small" in small.text, small.text
    assert "40x10" in small.text, small.text
    assert small.table_header is None
    back = screen(run, "back")
    assert len(back.lines) == 24
    check_table(back, "module")


def test_v_one_vm_g_all(run):
    one, every = screen(run, "vm"), screen(run, "all")
    assert re.match(r"VM \d+ ", one.view), one.text
    assert one.header_value("VMs") == "1"
    assert every.view.startswith("all VMs"), every.text
    assert int(every.header_value("VMs")) >= 2, every.text
    assert int(one.header_value("total")) <= int(
        every.header_value("total"))


def test_r_resets_the_view(run):
    before, reset = screen(run, "all"), screen(run, "reset")
    assert "(view reset)" in reset.view, reset.text
    assert int(reset.header_value("total")) < int(
        before.header_value("total")), reset.text + before.text


def test_R_resets_the_module(run):
    before, reset = screen(run, "all"), screen(run, "modreset")
    assert "the module's counters were reset" in reset.lines[-1], reset.text
    check_table(reset, "module")
    assert int(reset.header_value("total")) < int(
        before.header_value("total")), reset.text + before.text


def test_R_refused_without_privilege(run):
    shown = screen(run, "nobody")
    assert "R refused: " in shown.lines[-1], shown.text
    assert "CAP_NET_ADMIN" in shown.lines[-1], shown.text
    check_table(shown, "module")


def test_h_shows_the_keys(run):
    text = read(run, "screen.help.txt")
    for key in ("q ", "p Space", "s ", "f ", "v ", "g ", "+ -", "h ?"):
        assert f"\n  {key}" in text, text


@pytest.mark.parametrize("how", HOWS)
def test_quits_cleanly(run, how):
    assert read(run, f"top.{how}.status").strip() == "0", read(
        run, f"top.{how}.err")
    check_sane(read(run, f"stty.{how}.txt"))


def test_bpf_backend(run):
    shown = screen(run, "bpf")
    check_table(shown, "bpf")
    check_guest_reasons(shown)


def test_refuses_without_a_terminal(run):
    assert read(run, "notty.status").strip() == "2"
    err = read(run, "notty.err")
    assert "terminal" in err and "vmexit-stat show" in err, err


# --- the checks on made-up screens ----------------------------------------------

GOOD = """\
vmexit-stat top - module  VMs: 2  exits/s: 1500  total: 3000  drops: 0
all VMs  sort: rate  filter: -  every 0.5s
steal: qemu 0.1%/1 vCPU

REASON             EXITS/S       TOTAL  SHARE      P50      P99       USER
cpuid                 1000        2000  66.7%    1.2us   10.0us          0
io                     500        1000  33.3%    3.4us    8.0us       1000
no more
q quit  p pause
"""


def test_checks_pass_on_a_good_screen():
    shown = Screen(GOOD)
    check_table(shown, "module")
    check_guest_reasons(shown)
    check_sorted(shown, "rate")
    assert shown.row("cpuid").p99 == 10000


@pytest.mark.parametrize("breakage", [
    [("1000        2000  66.7%", "1000        2000  60.7%")],  # shares
    [("total: 3000", "total: 3001")],  # total is not the rows'
    [("io                     500", "hlt                    500")],  # no io
    [("cpuid                 1000", "cpuid                    0"),
     ("io                     500", "io                       0")],  # idle
    [("top - module", "top - bpf")],  # the other backend
])
def test_checks_fail_on_broken_screens(breakage):
    text = GOOD
    for old, new in breakage:
        assert old in text
        text = text.replace(old, new)
    shown = Screen(text)
    with pytest.raises(AssertionError):
        check_table(shown, "module")
        check_guest_reasons(shown)


def test_sort_and_filter_checks_fail():
    shown = Screen(GOOD)
    for sort in ("total", "name", "latency"):
        with pytest.raises(AssertionError):
            check_sorted(shown, sort)  # the screen says rate
    reordered = Screen(GOOD.replace("sort: rate", "sort: name"))
    check_sorted(reordered, "name")
    with pytest.raises(AssertionError):
        check_sorted(Screen(GOOD.replace("sort: rate", "sort: total")
                            .replace("2000  66.7%", " 200  66.7%")),
                     "total")
    with pytest.raises(AssertionError):
        check_filter(Screen(GOOD.replace("filter: -", "filter: io")), "io")


def test_sane_check_fails():
    sane = "speed 38400 baud; isig icanon iexten echo echoe\nicrnl opost"
    check_sane(sane)
    for word in SANE:
        with pytest.raises(AssertionError):
            check_sane(sane.replace(f" {word}", f" -{word}")
                       .replace(f"\n{word}", f"\n-{word}"))
