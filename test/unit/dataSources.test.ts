// Sources a user can follow (issue 13, item 11): data files cite public sources (model cards,
// papers, config URLs), never a path on the machine the data was written on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../helpers/analyzer';

/** An absolute path on a Unix or Windows machine, or a folder that only exists where the data was made. */
const LOCAL_PATH =
  /(^|[\s;:(,"'])(\/(work|usr|home|tmp|root|opt|var|etc|mnt|Users)\/|~\/|[A-Za-z]:\\)|shared\/reference\//;

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : jsonFiles(path);
    return name.endsWith('.json') ? [path] : [];
  });
}

function strings(value: unknown, at: string, out: [string, string][]): [string, string][] {
  if (typeof value === 'string') out.push([at, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => strings(v, `${at}[${i}]`, out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) strings(v, at ? `${at}.${k}` : k, out);
  return out;
}

test('no data file cites a local path: every figure cites a source anyone can open', () => {
  const files = [...jsonFiles(join(repoRoot, 'profiles')), ...jsonFiles(join(repoRoot, 'server', 'src'))];
  assert.ok(files.length > 20, 'the catalog, profiles and op-cost table are checked');
  const bad: string[] = [];
  for (const file of files) {
    for (const [at, text] of strings(JSON.parse(readFileSync(file, 'utf8')), '', []))
      if (LOCAL_PATH.test(text)) bad.push(`${relative(repoRoot, file)} ${at}: ${text}`);
  }
  assert.deepEqual(bad, []);
});

test('the check itself catches a local path', () => {
  for (const text of ['see /work/shared/reference/models.csv', 'C:\\data\\x.csv', 'x; /home/me/notes.txt'])
    assert.ok(LOCAL_PATH.test(text), text);
  for (const text of ['https://huggingface.co/gpt2/blob/main/config.json', 'arXiv:1910.01108 (66M)'])
    assert.ok(!LOCAL_PATH.test(text), text);
});
