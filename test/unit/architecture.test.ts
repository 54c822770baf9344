// Tidy checks in the spirit of rust-analyzer's: the allowed imports between folders, no import
// cycles, a purpose line atop every file, and a protocol module that docs/LSP.md describes in full.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { repoRoot } from '../helpers/analyzer';

/** One import of one file: what it names and whether only types come through it. */
interface ImportEdge {
  from: string;
  specifier: string;
  /** The imported file, repo-relative, when the specifier is relative; undefined for packages. */
  target?: string;
  typeOnly: boolean;
}

const SOURCE_ROOTS = ['server/src', 'client/src', 'native/src', 'test', 'scripts'];
const IMPORT = /^\s*(import|export)\s+(type\s+)?[^;]*?from\s*['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;

function sourceFiles(dir: string): string[] {
  const abs = join(repoRoot, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures') return [];
    if (statSync(join(repoRoot, path)).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function resolveRelative(from: string, specifier: string): string | undefined {
  const base = normalize(join(dirname(from), specifier));
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    const abs = join(repoRoot, candidate);
    if (existsSync(abs) && statSync(abs).isFile()) return candidate.split(sep).join('/');
  }
  return undefined;
}

function importsOf(file: string): ImportEdge[] {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const edges: ImportEdge[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[3] ?? match[4];
    const typeOnly = !!match[2];
    const target = specifier.startsWith('.') ? resolveRelative(file, specifier) : undefined;
    edges.push({ from: file, specifier, target, typeOnly });
  }
  return edges;
}

const files = SOURCE_ROOTS.flatMap(sourceFiles);
const edges = files.flatMap(importsOf);
const serverEdges = edges.filter((e) => e.from.startsWith('server/src/'));

/** The architectural layer a server file belongs to: `core/<area>`, `ide`, `lsp`, `cli`, `protocol`, `server`. */
function layerOf(file: string): string {
  const parts = file.replace(/^server\/src\//, '').split('/');
  if (parts.length === 1) return parts[0].replace(/\.ts$/, '');
  return parts[0] === 'core' ? `core/${parts[1]}` : parts[0];
}

/** Which layers each layer may import (besides itself); packages are checked separately. */
const ALLOWED: Record<string, string[]> = {
  'core/report': ['core/parse'],
  'core/parse': [],
  'core/layers': ['core/parse'],
  'core/opCosts': [],
  'core/interpreter': ['core/parse', 'core/layers'],
  'core/frameworks': ['core/parse', 'core/layers', 'core/interpreter', 'core/opCosts', 'core/report', 'core/catalog'],
  'core/catalog': ['core/report'],
  'core/energy': ['core/report', 'core/catalog'],
  'core/analysis': [
    'core/parse',
    'core/layers',
    'core/interpreter',
    'core/frameworks',
    'core/opCosts',
    'core/report',
    'core/catalog',
    'core/energy',
  ],
  ide: ['core/parse', 'core/report', 'core/catalog', 'core/energy', 'core/analysis', 'core/layers'],
  cli: ['core/parse', 'core/report', 'core/catalog', 'core/energy', 'core/analysis', 'ide'],
  protocol: ['core/report', 'core/parse'],
  lsp: ['core/parse', 'core/report', 'core/catalog', 'core/energy', 'core/analysis', 'core/layers', 'ide', 'protocol'],
  server: ['core/parse', 'lsp', 'protocol'],
};

/** Packages only some layers may import: the protocol stays out of the core and the features. */
const PROTOCOL_PACKAGES =
  /^(vscode|vscode-languageserver|vscode-languageserver-textdocument|vscode-languageclient|vscode-jsonrpc|vscode-languageserver-protocol)(\/|$)/;

test('every server layer imports only the layers below it', () => {
  const wrong = serverEdges
    .filter((e) => e.target?.startsWith('server/src/'))
    .filter((e) => {
      const from = layerOf(e.from);
      const to = layerOf(e.target!);
      return from !== to && !(ALLOWED[from] ?? []).includes(to);
    })
    .map((e) => `${e.from} imports ${e.specifier} (${layerOf(e.from)} → ${layerOf(e.target!)})`);
  assert.deepEqual(wrong, []);
});

test('the core and the ide layer know nothing of LSP or VS Code; only core/parse touches tree-sitter', () => {
  const wrong = serverEdges
    .filter((e) => !e.specifier.startsWith('.'))
    .filter((e) => {
      const layer = layerOf(e.from);
      if (PROTOCOL_PACKAGES.test(e.specifier)) return layer.startsWith('core/') || layer === 'ide' || layer === 'cli';
      if (e.specifier === 'web-tree-sitter') return layer !== 'core/parse';
      return false;
    })
    .map((e) => `${e.from} imports ${e.specifier}`);
  assert.deepEqual(wrong, []);
});

test('the client imports nothing of the server but the protocol module', () => {
  const wrong = edges
    .filter((e) => e.from.startsWith('client/') && e.target?.startsWith('server/'))
    .filter((e) => e.target !== 'server/src/protocol.ts')
    .map((e) => `${e.from} imports ${e.specifier}`);
  assert.deepEqual(wrong, []);
});

test('the server reaches native/ only from the CLI and the language server, and the language server only through the profile host', () => {
  const allowed: Record<string, RegExp> = {
    cli: /^native\/src\/(profile\/profileFile|onnx\/inspect)\.ts$/,
    lsp: /^native\/src\/(profile\/remote|runner\/parent)\.ts$/,
  };
  const wrong = serverEdges
    .filter((e) => e.target?.startsWith('native/'))
    .filter((e) => !allowed[layerOf(e.from)]?.test(e.target!))
    .map((e) => `${e.from} imports ${e.specifier}`);
  assert.deepEqual(wrong, []);
});

test('onnxruntime-node is loaded by the runner process alone (never in the editor, the server or the CLI)', () => {
  const loaders = files
    .filter((f) => !f.startsWith('test/'))
    .filter((f) =>
      /require\(['"]onnxruntime-node['"]\)|^\s*import\s+(?!type\b)[^;]*from\s*['"]onnxruntime-node['"]/m.test(
        readFileSync(join(repoRoot, f), 'utf8'),
      ),
    );
  assert.deepEqual(loaders, ['native/src/runner/child.ts']);
});

test('native code builds on the core, never on the editor layers', () => {
  const wrong = edges
    .filter((e) => e.from.startsWith('native/') && e.target?.startsWith('server/src/'))
    .filter((e) => !layerOf(e.target!).startsWith('core/') && layerOf(e.target!) !== 'protocol')
    .map((e) => `${e.from} imports ${e.specifier}`);
  assert.deepEqual(wrong, []);
});

/** Strongly connected components of more than one node (Tarjan). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

test('no cycles between folders, counting type-only imports', () => {
  const graph = new Map<string, Set<string>>();
  for (const e of serverEdges) {
    if (!e.target?.startsWith('server/src/')) continue;
    // Files at the top of server/src (server.ts, protocol.ts) count as folders of their own.
    const folderOf = (file: string) => (dirname(file) === 'server/src' ? file : dirname(file));
    const from = folderOf(e.from);
    const to = folderOf(e.target);
    if (from === to) continue;
    if (!graph.has(from)) graph.set(from, new Set());
    graph.get(from)!.add(to);
  }
  assert.deepEqual(cycles(graph), []);
});

test('no cycles between files, counting type-only imports', () => {
  // Helpers that need the runtime importing them type a host interface it implements instead
  // (torch's TensorOpHost, the interpreter's BuiltinHost, KerasHost, TfHost, EvaluatorHost).
  const graph = new Map<string, Set<string>>();
  for (const e of serverEdges) {
    if (!e.target) continue;
    if (!graph.has(e.from)) graph.set(e.from, new Set());
    graph.get(e.from)!.add(e.target);
  }
  assert.deepEqual(cycles(graph), [], 'file cycles (type-only imports count): break them with a host interface');
});

test('every source file opens with a line saying what it is for', () => {
  const bare = files.filter((file) => {
    const lines = readFileSync(join(repoRoot, file), 'utf8').split('\n');
    const first = lines[0].startsWith('#!') ? lines[1] : lines[0];
    return !/^\/\/ \S.{10,}/.test(first ?? '');
  });
  assert.deepEqual(bare, []);
});

test('protocol.ts and docs/LSP.md name the same wattlens/ methods', () => {
  const protocol = readFileSync(join(repoRoot, 'server/src/protocol.ts'), 'utf8');
  const docs = readFileSync(join(repoRoot, 'docs/LSP.md'), 'utf8');
  const declared = new Set([...protocol.matchAll(/method = '(wattlens\/\w+)'/g)].map((m) => m[1]));
  const documented = new Set([...docs.matchAll(/`(wattlens\/[a-z]\w*)`/g)].map((m) => m[1]));
  assert.ok(declared.size > 0, 'protocol.ts declares methods');
  assert.deepEqual([...declared].sort(), [...documented].sort());
});

test('the layer map above covers every folder of the server', () => {
  const layers = new Set(files.filter((f) => f.startsWith('server/src/')).map(layerOf));
  const unmapped = [...layers].filter((layer) => !(layer in ALLOWED));
  assert.deepEqual(unmapped, [], `add these layers to ALLOWED with the imports they may make: ${unmapped}`);
});
