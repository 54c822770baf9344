#!/usr/bin/python3
# Writes each corpus fixture's `# expect: <name> params=<int> macs=<int>` header lines from what
# torch counts (count_torch.py), one line per root, after the file's leading comment block.
#
# Usage:  write_expectations.py [FILE...]     (default: every test/fixtures/pytorch/*.py and examples/*.py)
#         write_expectations.py --check ...   (write nothing; exit 1 if a header differs from torch)
import glob
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from count_torch import run_file  # noqa: E402

EXPECT = re.compile(r'^# expect: ')
HERE = os.path.dirname(os.path.abspath(__file__))
CORPORA = [os.path.join(HERE, '..', 'fixtures', 'pytorch'), os.path.join(HERE, '..', '..', 'examples')]


def expectation_lines(result):
    if result.get('error') or not result['roots']:
        raise SystemExit(f"{result['file']}: torch could not count it: {result.get('error') or 'no root call'}")
    return [f"# expect: {r['name']} params={r['params']} macs={r['macs']}" for r in result['roots']]


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
        lines = expectation_lines(run_file(path, source))
        updated = with_header(source, lines)
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
