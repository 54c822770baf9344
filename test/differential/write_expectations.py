#!/usr/bin/python3
# Writes each corpus fixture's expectations from what torch counts (count_torch.py):
#   - a header line per root, after the file's leading comment block:
#       # expect: <name> params=<int> macs=<int>
#   - for the fixtures in test/fixtures/pytorch (not the README's examples/), a comment at the end of
#     every line that torch's MACs, layer parameters or layer calls land on (count_torch.py says how):
#       self.conv1 = nn.Conv2d(3, 64, 7)  # expect: macs=118013952 params=9408 calls=1
#     A line belongs to the first root that puts something on it, as the editor's hints do.
#
# Usage:  write_expectations.py [FILE...]     (default: every test/fixtures/pytorch/*.py and examples/*.py)
#         write_expectations.py --check ...   (write nothing; exit 1 if an expectation differs from torch)
import glob
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from count_torch import run_file  # noqa: E402

EXPECT = re.compile(r'^# expect: ')
LINE_EXPECT = re.compile(r'\s*# expect: macs=\d+ params=\d+ calls=\d+\s*$')
HERE = os.path.dirname(os.path.abspath(__file__))
PER_LINE = os.path.realpath(os.path.join(HERE, '..', 'fixtures', 'pytorch'))
CORPORA = [PER_LINE, os.path.join(HERE, '..', '..', 'examples')]


def expectation_lines(result):
    if result.get('error') or not result['roots']:
        raise SystemExit(f"{result['file']}: torch could not count it: {result.get('error') or 'no root call'}")
    return [f"# expect: {r['name']} params={r['params']} macs={r['macs']}" for r in result['roots']]


def line_figures(result):
    """{1-based line: (macs, params, calls)} over the roots in order; a line belongs to the first root on it."""
    owned = {}
    for root in result['roots']:
        for line, figures in root['lines'].items():
            owned.setdefault(int(line), (figures['macs'], figures['params'], figures['calls']))
    return {line: figures for line, figures in owned.items() if any(figures)}


def with_line_expectations(source, figures):
    lines = [LINE_EXPECT.sub('', line) for line in source.splitlines()]
    for number, (macs, params, calls) in sorted(figures.items()):
        line = lines[number - 1]
        if line.rstrip().endswith('\\') or line.lstrip().startswith('#'):
            raise SystemExit(f'line {number} cannot carry a trailing comment: {line!r}')
        lines[number - 1] = f'{line.rstrip()}  # expect: macs={macs} params={params} calls={calls}'
    return '\n'.join(lines) + '\n'


def with_header(source, lines):
    body = [line for line in source.splitlines() if not EXPECT.match(line)]
    at = 0
    while at < len(body) and body[at].startswith('#'):
        at += 1
    return '\n'.join(body[:at] + lines + body[at:]) + '\n'


def main(argv):
    check = '--check' in argv
    files = [a for a in argv[1:] if a != '--check'] or sorted(f for d in CORPORA for f in glob.glob(os.path.join(d, '*.py')))
    stale = 0
    for path in files:
        with open(path, encoding='utf-8') as f:
            source = f.read()
        result = run_file(path, source)
        lines = expectation_lines(result)
        updated = with_header(source, lines)
        if os.path.realpath(os.path.dirname(path)) == PER_LINE:
            # The header moved nothing below it only if its line count is unchanged; recount on the updated text.
            if updated.count('\n') != source.count('\n'):
                result = run_file(path, updated)
            updated = with_line_expectations(updated, line_figures(result))
        if updated != source:
            stale += 1
            print(('stale: ' if check else 'wrote: ') + os.path.relpath(path), *lines, sep='\n  ')
            if not check:
                with open(path, 'w', encoding='utf-8') as f:
                    f.write(updated)
    print(f'{len(files)} fixtures, {stale} {"stale" if check else "updated"}')
    return 1 if check and stale else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
