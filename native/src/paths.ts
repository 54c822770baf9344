// Where the package's files are, from the source tree (native/src/...) or the bundle (dist/...).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The folder holding WattLens's package.json, found by walking up from this module. */
export function packageRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'wattlens') return dir;
    if (dirname(dir) === dir) return join(__dirname, '..');
  }
}
