# SPDX-License-Identifier: GPL-2.0
#
# gdb -batch -x exit-instructions.py, for tests/bench/exit-instructions:
# attaches to the lab's gdb stub (PORT), waits for a CPUID exit to reach
# kvm_emulate_cpuid() and steps, one instruction at a time, through the
# next EXITS exits (default 2).  Writes to COUNT, for each exit, the
# instructions by function (from KALLSYMS, the lab's /proc/kallsyms)
# and then the functions in the order they ran.  QEMU's stub steps with
# interrupts and timers masked, so the exits of a CPUID loop cost the
# same within an instruction or two.
import bisect
import collections
import os

import gdb

ANCHOR = "kvm_emulate_cpuid"
# An exit is a few thousand instructions: more means the loop was lost.
MAX_STEPS = 100000


def load_symbols(path):
    symbols = []
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) < 3 or fields[1] not in "tTwW":
                continue
            name = " ".join(fields[2:])
            symbols.append((int(fields[0], 16), name))
    symbols.sort()
    return symbols


def main():
    symbols = load_symbols(os.environ["KALLSYMS"])
    addresses = [a for a, _ in symbols]
    anchors = [a for a, name in symbols if name.split()[0] == ANCHOR]
    if not anchors:
        raise gdb.GdbError("no %s in %s" % (ANCHOR, os.environ["KALLSYMS"]))
    anchor = anchors[0]

    def function(pc):
        i = bisect.bisect_right(addresses, pc) - 1
        return symbols[i][1] if i >= 0 else "?"

    gdb.execute("set pagination off")
    gdb.execute("target remote 127.0.0.1:" + os.environ["PORT"])
    gdb.execute("hbreak *0x%x" % anchor)
    gdb.execute("continue")
    gdb.execute("delete")
    with open(os.environ["COUNT"], "w") as out:
        for exit_nr in range(int(os.environ.get("EXITS", "2"))):
            steps = 0
            by_function = collections.Counter()
            runs = []
            while True:
                gdb.execute("stepi", to_string=True)
                pc = int(gdb.parse_and_eval("$pc")) & 0xFFFFFFFFFFFFFFFF
                steps += 1
                name = function(pc)
                by_function[name] += 1
                if runs and runs[-1][0] == name:
                    runs[-1][1] += 1
                else:
                    runs.append([name, 1])
                if pc == anchor:
                    break
                if steps == MAX_STEPS:
                    raise gdb.GdbError("no exit in %d steps" % steps)
            out.write("exit %d: %d instructions\n" % (exit_nr, steps))
            for name, n in by_function.most_common():
                out.write("  %6d %s\n" % (n, name))
            out.write(" in order:\n")
            for name, n in runs:
                out.write("    %5d %s\n" % (n, name))
    gdb.execute("detach")


main()
