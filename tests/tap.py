# SPDX-License-Identifier: GPL-2.0
"""TAP for the Python test suites, as tests/tap.sh is for the shell ones.

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    from tap import Tap

    t = Tap()                    # prints "TAP version 13"
    rc = t.run(PCIPASS, "-j")    # output kept in t.last for diagnostics
    t.ok(rc == 0, "pcipass -j runs")
    t.ok(a == b, "same", "first difference: ...")
    t.skip("VF checks", "no VFs in this topology")
    sys.exit(t.done())           # prints the plan, 1 if anything failed

Results are printed as they happen, the plan last. A failed test is
followed by its diagnostic, or, without one, by what the last run()
printed. A skip is counted as skipped, never as passed. A test that
took PCIPASS_TAP_SLOW seconds (default 5) or more since the one before
is followed by "# N s", as in tests/tap.sh.
"""
import os
import re
import subprocess
import sys
import time


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0
        self.last = {}
        self.t0 = time.monotonic()
        self.slow = int(os.environ.get("PCIPASS_TAP_SLOW") or 5)
        print("TAP version 13", flush=True)

    def _time(self):
        t = time.monotonic()
        dt, self.t0 = int(t - self.t0), t
        if dt >= self.slow:
            print(f"# {dt} s", flush=True)

    def ok(self, cond, what, diag=None):
        """ok N - WHAT, or not ok N - WHAT and the diagnostic."""
        self.n += 1
        if cond:
            print(f"ok {self.n} - {what}", flush=True)
            self._time()
            return True
        self.failed += 1
        print(f"not ok {self.n} - {what}")
        if diag is not None:
            for line in str(diag).strip().splitlines():
                print(f"# {line}")
        else:
            for line in self.last.get("out", "").splitlines()[:40]:
                print(f"# out: {line}")
            for line in self.last.get("err", "").splitlines()[:20]:
                print(f"# err: {line}")
        sys.stdout.flush()
        self._time()
        return False

    def skip(self, what, why):
        self.n += 1
        print(f"ok {self.n} - {what} # SKIP {why}", flush=True)
        self._time()

    def run(self, *argv, **kw):
        """Run ARGV, keep its output in self.last; a sanitizer report
        makes the status 99 whatever the program returned."""
        p = subprocess.run(list(argv), capture_output=True, text=True, **kw)
        rc = p.returncode
        if re.search(r"Sanitizer|runtime error:", p.stderr):
            rc = 99
        self.last.update(out=p.stdout, err=p.stderr, rc=rc)
        return rc

    def done(self):
        print(f"1..{self.n}", flush=True)
        return 1 if self.failed else 0
