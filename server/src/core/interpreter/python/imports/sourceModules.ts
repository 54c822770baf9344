// Imports of Python source: the user's own modules (relative imports, packages, the workspace root
// and src/ layouts, literal sys.path additions) and installed libraries' modules, found by the
// ModuleFinder, parsed once per path and content, and run by the same interpreter as the analysed
// file. Their code is marked foreign, so what it builds and meets is placed at the analysed file's
// line that led into it. Framework-agnostic: torch and Keras code both import through it.
import { dirname, join, posix, resolve } from 'node:path';
import type { SourceParser } from '../../../parse/parser';
import type { SyntaxNode } from '../../../parse/syntax';
import { type Value, type NamespaceV, type CallSite, type ListV, NONE, str, list, builtin, unknown } from '../values';
import { Scope } from '../values';
import type { Interpreter } from '../interpreter';
import { ModuleFinder, absoluteName, type FoundModule, type ImportPaths, type SourceFiles } from './moduleFinder';

/** Where the analysed file's imports are found. */
export interface ImportOptions {
  files: SourceFiles;
  paths: ImportPaths;
  /** Parsed imported files kept across analyses (the language server keeps one for its life). */
  parsed?: ParsedModules;
  /** The analysed file's path on disk, when the report's file name is something else (a URI). */
  scriptPath?: string;
  /** Filled with the path of every file the analysis read through its imports. */
  read?: Set<string>;
}

/**
 * Installed libraries never read from source: the frameworks the analyser models itself, and
 * numerical, data and tooling libraries whose source is large and holds no model code.
 */
const NOT_READ = new Set([
  'torch',
  'torchgen',
  'tensorflow',
  'keras',
  'tf_keras',
  'jax',
  'flax',
  'numpy',
  'scipy',
  'pandas',
  'PIL',
  'matplotlib',
  'cv2',
  'sklearn',
  'skimage',
  'transformers',
  'datasets',
  'tokenizers',
  'accelerate',
  'huggingface_hub',
  'safetensors',
  'sentencepiece',
  'tqdm',
  'yaml',
  'requests',
  'urllib3',
  'six',
  'pkg_resources',
  'setuptools',
  'typing_extensions',
  'google',
  'grpc',
  'onnx',
  'onnxruntime',
  'lightning',
  'pytorch_lightning',
  'wandb',
  'tensorboard',
  'ultralytics',
  'sympy',
  'networkx',
  'av',
  'attr',
  'attrs',
  'packaging',
  'filelock',
  'fsspec',
  'regex',
  'h5py',
  'numba',
  'triton',
  'einops',
]);

/** Parse trees of imported files by path, reused while the text is the same. */
export class ParsedModules {
  private readonly trees = new Map<string, { text: string; root: SyntaxNode }>();

  /** The tree of `path` holding `text`, parsed now or reused. */
  tree(parser: SourceParser, path: string, text: string): SyntaxNode {
    const known = this.trees.get(path);
    if (known && known.text === text) return known.root;
    const parsed = parser.parse(text, 'python');
    const root = parsed.root;
    parsed.tree.delete();
    this.trees.set(path, { text, root });
    return root;
  }

  /** Forgets a file (it changed on disk or was closed in the editor). */
  forget(path: string): void {
    this.trees.delete(path);
  }
}

const sharedParsed = new ParsedModules();

/** One loaded module: its namespace and the file it came from. */
interface Loaded {
  namespace: NamespaceV;
  found: FoundModule;
}

/** Loads imported modules from source for one analysis. */
export class SourceModules {
  private readonly finder: ModuleFinder;
  private readonly loaded = new Map<string, Loaded>();
  /** `sys.path` as the analysed code sees it; entries it adds are searched too. */
  readonly sysPath: ListV = list([]);
  private sysPathSeen = 0;

  constructor(
    private readonly interp: Interpreter,
    private readonly parser: SourceParser,
    private readonly options: ImportOptions,
    private readonly scriptPath: string,
  ) {
    this.finder = new ModuleFinder(options.files, options.paths, dirname(resolve(scriptPath)));
  }

  /** The files this analysis read, for the language server to re-analyse when one changes. */
  paths(): string[] {
    return [...this.loaded.values()].map((l) => l.found.path);
  }

  /** The analysed file's package, from the folders with `__init__.py` above it ('' for a script). */
  packageOfScript(): string {
    const parts: string[] = [];
    let folder = dirname(resolve(this.scriptPath));
    while (this.options.files.read(join(folder, '__init__.py')) !== undefined) {
      parts.unshift(folder.split(/[\\/]/).pop()!);
      const parent = dirname(folder);
      if (parent === folder) break;
      folder = parent;
    }
    return parts.join('.');
  }

  /**
   * The module `dotted` names (relative names resolved against the importing module's package), or
   * undefined when no source is found for it (the caller then falls back to what it models).
   */
  resolve(dotted: string, scope: Scope, site: CallSite): Value | undefined {
    const name = dotted.startsWith('.') ? this.absolute(dotted, scope) : dotted;
    if (!name) return undefined;
    this.noteSysPath();
    const found = this.finder.find(name);
    if (!found || (found.origin === 'library' && NOT_READ.has(name.split('.')[0]))) return undefined;
    return this.load(found, site);
  }

  private absolute(dotted: string, scope: Scope): string | undefined {
    const level = dotted.match(/^\.*/)![0].length;
    const pkg = scope.moduleScope().vars.get('__package__');
    return absoluteName(level, dotted.slice(level), pkg?.kind === 'str' ? pkg.value : '');
  }

  /** Folders the analysed code added to sys.path since the last import. */
  private noteSysPath(): void {
    const items = this.sysPath.items;
    for (; this.sysPathSeen < items.length; this.sysPathSeen++) {
      const entry = items[this.sysPathSeen];
      if (entry.kind !== 'str') continue;
      const root = this.options.paths.workspaceRoots[0] ?? dirname(resolve(this.scriptPath));
      this.finder.addSearchFolder(resolve(root, entry.value));
    }
  }

  /**
   * The namespace of a found module. It runs when something first reads it (its names, a star
   * import), not when it is imported: a package that imports all its subpackages (torchvision's
   * datasets, io, ops ...) costs only what the analysed code uses.
   */
  private load(found: FoundModule, site: CallSite): NamespaceV {
    const known = this.loaded.get(found.path);
    if (known) return known.namespace;
    const scope = new Scope(this.interp.builtins);
    const attrs = new ModuleAttributes(scope.vars, () => this.run(found, scope, site));
    const namespace: NamespaceV = { kind: 'namespace', name: found.name, attrs };
    this.loaded.set(found.path, { namespace, found });
    const dot = found.name.lastIndexOf('.');
    if (dot > 0) {
      const parent = this.finder.find(found.name.slice(0, dot));
      const parentNs = parent && this.loaded.get(parent.path)?.namespace;
      if (parentNs?.attrs instanceof ModuleAttributes) parentNs.attrs.offer(found.name.slice(dot + 1), namespace);
    }
    return namespace;
  }

  /** Runs a module's statements as foreign code, keeping its problems out of the analysed file's. */
  private run(found: FoundModule, scope: Scope, site: CallSite): void {
    const packageName = found.isPackage ? found.name : found.name.split('.').slice(0, -1).join('.');
    scope.vars.set('__name__', str(found.name));
    scope.vars.set('__file__', str(found.path));
    scope.vars.set('__package__', str(packageName));
    this.options.read?.add(found.path);
    const text = this.options.files.read(found.path) ?? '';
    const root = (this.options.parsed ?? sharedParsed).tree(this.parser, found.path, text);
    const interp = this.interp;
    const [wasForeign, wasAnchor, wasTolerant] = [interp.inForeign, interp.anchorSite, interp.tolerant];
    const before = interp.problems.length;
    interp.inForeign = found.origin;
    interp.anchorSite = wasForeign ? wasAnchor : { range: site.range };
    interp.tolerant = false;
    try {
      interp.runModule(root, scope);
    } finally {
      if (!process.env.WATTLENS_DEBUG_IMPORTS) interp.problems.splice(before);
      interp.inForeign = wasForeign;
      interp.anchorSite = wasAnchor;
      interp.tolerant = wasTolerant;
    }
  }
}

/**
 * A module's names: its scope's variables, filled by running the module the first time anything
 * reads them. While it runs (a circular import), readers see what it has defined so far.
 */
class ModuleAttributes extends Map<string, Value> {
  private state: 'waiting' | 'running' | 'done' = 'waiting';

  constructor(
    private readonly vars: Map<string, Value>,
    private readonly runModule: () => void,
  ) {
    super();
  }

  /** Sets a submodule as an attribute without running the module. */
  offer(name: string, value: Value): void {
    if (!this.vars.has(name)) this.vars.set(name, value);
  }

  private ready(): Map<string, Value> {
    if (this.state === 'waiting') {
      this.state = 'running';
      try {
        this.runModule();
      } finally {
        this.state = 'done';
      }
    }
    return this.vars;
  }

  override get(key: string) {
    return this.ready().get(key);
  }
  override has(key: string) {
    return this.ready().has(key);
  }
  override set(key: string, value: Value) {
    this.ready().set(key, value);
    return this;
  }
  override delete(key: string) {
    return this.ready().delete(key);
  }
  override get size() {
    return this.ready().size;
  }
  override keys() {
    return this.ready().keys();
  }
  override values() {
    return this.ready().values();
  }
  override entries() {
    return this.ready().entries();
  }
  override [Symbol.iterator]() {
    return this.ready().entries();
  }
  override forEach(fn: (value: Value, key: string, map: Map<string, Value>) => void) {
    this.ready().forEach((v, k) => fn(v, k, this));
  }
}

/** The `sys` module the analysed code sees: its `path` is the list imports search. */
export function sysModule(sysPath: ListV): NamespaceV {
  return {
    kind: 'namespace',
    name: 'sys',
    attrs: new Map<string, Value>([
      ['path', sysPath],
      ['version_info', { kind: 'tuple', items: [3, 11, 0].map((n) => ({ kind: 'int', value: n })) }],
      ['platform', str('linux')],
      ['maxsize', { kind: 'int', value: Number.MAX_SAFE_INTEGER }],
    ]),
  };
}

/**
 * `os` and `os.path` as far as code uses them to find its own folders (`os.path.join(
 * os.path.dirname(os.path.abspath(__file__)), "src")`); the environment is unknown.
 */
export function osModules(files: SourceFiles | undefined): Record<string, NamespaceV> {
  const text = (v: Value | undefined) => (v?.kind === 'str' ? v.value : undefined);
  const strings = (f: (...xs: string[]) => string) =>
    builtin('os.path', (args) => {
      const xs = args.map(text);
      return xs.every((x) => x !== undefined)
        ? str(f(...(xs as string[])))
        : unknown('a path that is not a literal string');
    });
  const path: NamespaceV = {
    kind: 'namespace',
    name: 'os.path',
    attrs: new Map<string, Value>([
      ['join', strings((...xs) => posix.join(...xs))],
      ['dirname', strings((x) => posix.dirname(x))],
      ['basename', strings((x) => posix.basename(x))],
      ['abspath', strings((x) => posix.resolve(x))],
      ['realpath', strings((x) => posix.resolve(x))],
      ['normpath', strings((x) => posix.normalize(x))],
      ['expanduser', strings((x) => x)],
      [
        'splitext',
        builtin('splitext', ([p]) => {
          const x = text(p);
          if (x === undefined) return unknown('a path that is not a literal string');
          const ext = posix.extname(x);
          return { kind: 'tuple', items: [str(x.slice(0, x.length - ext.length)), str(ext)] };
        }),
      ],
      [
        'exists',
        builtin('exists', ([p]) => {
          const x = text(p);
          if (x === undefined || !files) return unknown('whether a file exists is not known statically');
          return { kind: 'bool', value: files.read(x) !== undefined || files.isDirectory(x) };
        }),
      ],
      ['sep', str('/')],
    ]),
  };
  const os: NamespaceV = {
    kind: 'namespace',
    name: 'os',
    attrs: new Map<string, Value>([
      ['path', path],
      ['sep', str('/')],
      ['getcwd', builtin('getcwd', () => unknown('the working directory is not known statically'))],
      [
        'getenv',
        builtin('getenv', ([, fallback]) => fallback ?? unknown('environment variables are not known statically')),
      ],
      ['environ', unknown('environment variables are not known statically')],
      ['makedirs', builtin('makedirs', () => NONE)],
    ]),
  };
  return { os, 'os.path': path };
}
