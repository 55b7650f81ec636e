#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Flatten KUnit KTAP results into plain TAP, one line per test case.

usage: tests/kunit/ktap2tap.py RESULTS...

Each RESULTS file is a suite's /sys/kernel/debug/kunit/<suite>/results.
KTAP nests: a suite holds test cases, a parameterised case holds one
result per parameter. Only the leaves become TAP lines, named by their
path ("suite: case: parameter"), so tests/tap-summary.sh counts each
case once. A parent that failed with no failed leaf (e.g. a suite whose
init failed) becomes a failing line of its own; a file without results,
or whose plan promises more than it has, fails too.
"""
import re
import sys

RESULT = re.compile(r'^(\s*)(not ok|ok) (\d+)(?: (.*))?$')
SUBTEST = re.compile(r'^(\s*)# Subtest: (.*)$')
PLAN = re.compile(r'^(\s*)1\.\.(\d+)')


def flatten(path, text):
    """Return the (ok, name, directive) leaves of one KTAP document."""
    headers = {}    # indent -> name of the subtest open at that indent
    window = []     # (indent, ok) of results whose parent is still open
    plans = {}      # indent -> [planned, seen]
    out = []

    def close_plan(ind):
        planned, seen = plans.pop(ind)
        if seen < planned:
            out.append((False, '%s: only %d of %d planned results' %
                        (': '.join(headers[k] for k in sorted(headers)
                                   if k <= ind) or path, seen, planned), ''))

    for line in text.splitlines():
        m = SUBTEST.match(line)
        if m:
            ind = len(m.group(1))
            headers = {k: v for k, v in headers.items() if k < ind}
            headers[ind] = m.group(2).strip()
            continue
        m = PLAN.match(line)
        if m:
            ind = len(m.group(1))
            if ind in plans:
                close_plan(ind)
            plans[ind] = [int(m.group(2)), 0]
            continue
        m = RESULT.match(line)
        if not m:
            continue
        ind = len(m.group(1))
        ok = m.group(2) == 'ok'
        desc, _, directive = (m.group(4) or '').partition(' # ')
        if desc.startswith('# '):
            desc, directive = '', desc[2:]
        directive = '# ' + directive if directive else ''
        if ind in plans:
            plans[ind][1] += 1
        names = [headers[k] for k in sorted(headers) if k <= ind]
        name = ': '.join(names + ([desc.strip()] if desc.strip() else []))
        # The results deeper than this one since the last at its depth
        # are its children, already counted.
        j = len(window)
        while j > 0 and window[j - 1][0] > ind:
            j -= 1
        children = window[j:]
        del window[j:]
        window.append((ind, ok))
        for k in [k for k in plans if k > ind]:
            close_plan(k)
        headers = {k: v for k, v in headers.items() if k <= ind}
        if not children:
            out.append((ok, name, directive))
        elif not ok and all(c[1] for c in children):
            out.append((False, name + ' (failed outside its cases)', ''))
    for ind in sorted(plans):
        close_plan(ind)
    if not out:
        out.append((False, '%s: no results' % path, ''))
    return out


def main():
    lines = []
    for path in sys.argv[1:]:
        try:
            with open(path, encoding='utf-8', errors='replace') as f:
                text = f.read()
        except OSError as e:
            lines.append((False, '%s: %s' % (path, e.strerror), ''))
            continue
        lines.extend(flatten(path, text))
    print('TAP version 13')
    print('1..%d' % len(lines))
    failed = False
    for n, (ok, name, directive) in enumerate(lines, 1):
        print('%s %d %s%s' % ('ok' if ok else 'not ok', n, name,
                              ' ' + directive if directive else ''))
        failed = failed or not ok
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
