// Checks edited Python with Python itself: ast.parse for every file, and (when torch imports) a run
// of each file as __main__, all in one /usr/bin/python3 process so torch is imported once.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PYTHON = '/usr/bin/python3';

const CHECK = `
import ast, contextlib, io, json, runpy, sys, warnings
run = sys.argv[1] == 'run'
out = {}
for f in sys.argv[2:]:
    src = open(f, encoding='utf-8').read()
    try:
        ast.parse(src)
    except SyntaxError as e:
        out[f] = 'syntax error: %s' % e
        continue
    if not run:
        out[f] = 'ok'
        continue
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter('ignore')
            runpy.run_path(f, run_name='__main__')
        out[f] = 'ok'
    except BaseException as e:
        out[f] = 'run failed: %r' % (e,)
print(json.dumps(out))
`;

/** Whether /usr/bin/python3 can import torch. */
export function hasTorch(): boolean {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { timeout: 60_000 });
  return r.status === 0;
}

/** Writes each text to its own file and returns, per name, 'ok' or what failed (parse, then run when `run`). */
export function checkPython(files: Record<string, string>, run: boolean): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'wattlens-lsp-'));
  const paths: Record<string, string> = {};
  for (const [name, text] of Object.entries(files)) {
    paths[name] = join(dir, `${name.replace(/[^\w.-]/g, '_')}.py`);
    writeFileSync(paths[name], text);
  }
  const stdout = execFileSync(PYTHON, ['-c', CHECK, run ? 'run' : 'parse', ...Object.values(paths)], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 300_000,
  });
  const byPath = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, string>;
  return Object.fromEntries(Object.entries(paths).map(([name, p]) => [name, byPath[p]]));
}
