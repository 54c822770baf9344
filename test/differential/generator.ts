// Seeded generator of random but valid PyTorch model files, written the ways people write them
// (Sequential literals, classes, cfg loops, helper functions, ModuleLists, RNN and attention models),
// tracking tensor shapes so that every program runs. Used by generated.test.ts against torch.

/** One generated model file. */
export interface GeneratedProgram {
  index: number;
  family: string;
  style: string;
  source: string;
}

/** mulberry32: small, fast, good enough for test generation. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** A layer: its constructor expression, and optionally an equivalent functional form for forward(). */
interface Layer {
  kind: string;
  ctor: string;
  fn?: (x: string) => string;
}

/** Feature-map state of the conv families: channels and spatial side (length for 1-D). */
interface Feat {
  dims: 1 | 2;
  c: number;
  s: number;
}

const WIDTHS = [4, 8, 12, 16, 24, 32, 48, 64];
const outSize = (n: number, k: number, s: number, p: number, d = 1) =>
  Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
const indent = (lines: string[], n: number) => lines.map((l) => (l ? ' '.repeat(n) + l : l));

const ACTIVATIONS: [string, (x: string) => string][] = [
  ['nn.ReLU()', (x) => `F.relu(${x})`],
  ['nn.ReLU(inplace=True)', (x) => `F.relu(${x}, inplace=True)`],
  ['nn.LeakyReLU(0.1)', (x) => `F.leaky_relu(${x}, 0.1)`],
  ['nn.GELU()', (x) => `F.gelu(${x})`],
  ['nn.SiLU()', (x) => `F.silu(${x})`],
  ['nn.Hardswish()', (x) => `F.hardswish(${x})`],
  ['nn.Sigmoid()', (x) => `torch.sigmoid(${x})`],
  ['nn.Tanh()', (x) => `torch.tanh(${x})`],
  ['nn.ReLU6(inplace=True)', (x) => `F.relu6(${x})`],
  ['nn.Mish()', (x) => `F.mish(${x})`],
];

function activation(r: Rng): Layer {
  const [ctor, fn] = r.pick(ACTIVATIONS);
  return { kind: 'act', ctor, fn };
}

function groupsFor(r: Rng, cin: number, cout: number): number {
  const options = [1, 1, ...[2, 4, 8].filter((g) => cin % g === 0 && cout % g === 0)];
  if (cin === cout) options.push(cin);
  return r.pick(options);
}

/** A random Conv{1,2}d on `f`, or null when it would not fit; updates `f`. */
function conv(r: Rng, f: Feat, opts: { cout?: number; groups?: number; k?: number } = {}): Layer | null {
  const cout = opts.cout ?? r.pick(WIDTHS);
  const k = opts.k ?? r.pick([1, 3, 3, 3, 5, 7]);
  const stride = r.pick([1, 1, 2]);
  const dil = k > 1 && r.chance(0.1) ? 2 : 1;
  const same = stride === 1 && r.chance(0.06);
  const pad = r.chance(0.7) ? Math.floor((dil * (k - 1)) / 2) : r.int(0, Math.floor(k / 2));
  const groups = opts.groups ?? groupsFor(r, f.c, cout);
  const s = same ? f.s : outSize(f.s, k, stride, pad, dil);
  if (s < 1) return null;
  const bias = r.chance(0.5);
  const kernel = f.dims === 2 && r.chance(0.2) ? `(${k}, ${k})` : `${k}`;
  const args =
    r.chance(0.4) && !same
      ? [`${f.c}`, `${cout}`, kernel, `${stride}`, `${pad}`]
      : [
          `${f.c}`,
          `${cout}`,
          `kernel_size=${kernel}`,
          ...(stride !== 1 ? [`stride=${stride}`] : []),
          same ? `padding='same'` : `padding=${pad}`,
        ];
  if (dil !== 1) args.push(`dilation=${dil}`);
  if (groups !== 1) args.push(`groups=${groups}`);
  if (!bias) args.push('bias=False');
  f.c = cout;
  f.s = s;
  return { kind: 'conv', ctor: `nn.Conv${f.dims}d(${args.join(', ')})` };
}

function norm(r: Rng, f: Feat): Layer {
  const g = r.pick([1, 2, 4, 8].filter((n) => f.c % n === 0));
  const options = [`nn.BatchNorm${f.dims}d(${f.c})`, `nn.BatchNorm${f.dims}d(${f.c})`];
  if (f.s > 1) {
    // instance and group statistics need more than one value each
    options.push(`nn.GroupNorm(${g}, ${f.c})`, `nn.InstanceNorm${f.dims}d(${f.c}, affine=True)`);
  }
  return { kind: 'norm', ctor: r.pick(options) };
}

function pool(r: Rng, f: Feat): Layer | null {
  const k = r.pick([2, 2, 3]);
  const stride = r.pick([k, 2, 1]);
  const pad = k === 3 && r.chance(0.5) ? 1 : 0;
  const s = outSize(f.s, k, stride, pad);
  if (f.s < k || s < 1) return null;
  f.s = s;
  const type = r.pick(['Max', 'Avg']);
  const args = stride === k && pad === 0 ? `${k}` : `kernel_size=${k}, stride=${stride}, padding=${pad}`;
  const fn = (x: string) => `F.${type.toLowerCase()}_pool${f.dims}d(${x}, ${args})`;
  return { kind: 'pool', ctor: `nn.${type}Pool${f.dims}d(${args})`, fn };
}

/** A ConvTranspose{1,2}d or an nn.Upsample that grows a small feature map, or null when it is big. */
function upsample(r: Rng, f: Feat): Layer | null {
  if (f.s > 24) return null;
  if (r.chance(0.35)) {
    f.s *= 2;
    const mode = f.dims === 2 ? r.pick([`'nearest'`, `'bilinear', align_corners=False`]) : `'nearest'`;
    return {
      kind: 'up',
      ctor: `nn.Upsample(scale_factor=2, mode=${mode})`,
      fn: (x) => `F.interpolate(${x}, scale_factor=2, mode=${mode})`,
    };
  }
  const k = r.pick([2, 3, 4]);
  const stride = r.pick([1, 2, 2]);
  const pad = r.int(0, Math.floor((k - 1) / 2));
  const outPad = stride > 1 ? r.int(0, stride - 1) : 0;
  const cout = r.pick(WIDTHS);
  const groups = r.chance(0.2) ? groupsFor(r, f.c, cout) : 1;
  const args = [
    `${f.c}`,
    `${cout}`,
    `${k}`,
    `stride=${stride}`,
    `padding=${pad}`,
    ...(outPad ? [`output_padding=${outPad}`] : []),
    ...(groups !== 1 ? [`groups=${groups}`] : []),
    ...(r.chance(0.4) ? ['bias=False'] : []),
  ];
  f.s = (f.s - 1) * stride - 2 * pad + (k - 1) + outPad + 1;
  f.c = cout;
  return { kind: 'deconv', ctor: `nn.ConvTranspose${f.dims}d(${args.join(', ')})` };
}

/** Helper classes a program may use; their source is emitted once per program when used. */
const BLOCKS: Record<string, (d: 1 | 2) => string[]> = {
  ResBlock: (d) => [
    'class ResBlock(nn.Module):',
    '    def __init__(self, in_ch, out_ch, stride=1):',
    '        super().__init__()',
    `        self.conv1 = nn.Conv${d}d(in_ch, out_ch, 3, stride, 1, bias=False)`,
    `        self.bn1 = nn.BatchNorm${d}d(out_ch)`,
    `        self.conv2 = nn.Conv${d}d(out_ch, out_ch, 3, 1, 1, bias=False)`,
    `        self.bn2 = nn.BatchNorm${d}d(out_ch)`,
    '        self.shortcut = nn.Sequential()',
    '        if stride != 1 or in_ch != out_ch:',
    '            self.shortcut = nn.Sequential(',
    `                nn.Conv${d}d(in_ch, out_ch, kernel_size=1, stride=stride, bias=False),`,
    `                nn.BatchNorm${d}d(out_ch),`,
    '            )',
    '',
    '    def forward(self, x):',
    '        out = F.relu(self.bn1(self.conv1(x)))',
    '        out = self.bn2(self.conv2(out))',
    '        out += self.shortcut(x)',
    '        return F.relu(out)',
  ],
  Bottleneck: (d) => [
    'class Bottleneck(nn.Module):',
    '    expansion = 2',
    '',
    '    def __init__(self, in_ch, out_ch, stride=1):',
    '        super().__init__()',
    '        mid = out_ch // self.expansion',
    `        self.reduce = nn.Conv${d}d(in_ch, mid, 1, bias=False)`,
    `        self.conv = nn.Conv${d}d(mid, mid, 3, stride=stride, padding=1, bias=False)`,
    `        self.expand = nn.Conv${d}d(mid, out_ch, 1, bias=False)`,
    `        self.norm = nn.BatchNorm${d}d(out_ch)`,
    '        self.relu = nn.ReLU(inplace=True)',
    `        self.proj = nn.Conv${d}d(in_ch, out_ch, 1, stride=stride) if stride != 1 or in_ch != out_ch else None`,
    '',
    '    def forward(self, x):',
    '        identity = x if self.proj is None else self.proj(x)',
    '        out = self.relu(self.reduce(x))',
    '        out = self.relu(self.conv(out))',
    '        out = self.norm(self.expand(out))',
    '        return self.relu(out + identity)',
  ],
  SqueezeExcite: (d) => [
    'class SqueezeExcite(nn.Module):',
    '    def __init__(self, channels, reduction=4):',
    '        super().__init__()',
    `        self.pool = nn.AdaptiveAvgPool${d}d(1)`,
    '        self.fc1 = nn.Linear(channels, max(1, channels // reduction))',
    '        self.fc2 = nn.Linear(max(1, channels // reduction), channels)',
    '',
    '    def forward(self, x):',
    `        s = self.pool(x).flatten(1)`,
    '        s = torch.sigmoid(self.fc2(F.relu(self.fc1(s))))',
    `        return x * s.view(s.size(0), -1${d === 2 ? ', 1, 1' : ', 1'})`,
  ],
};

/** A residual or squeeze-excite block instance (its class is recorded in `used`). */
function block(r: Rng, f: Feat, used: Set<string>): Layer | null {
  if (r.chance(0.3)) {
    used.add('SqueezeExcite');
    return { kind: 'block', ctor: `SqueezeExcite(${f.c}${r.chance(0.5) ? `, reduction=${r.pick([2, 4, 8])}` : ''})` };
  }
  const name = r.pick(['ResBlock', 'Bottleneck']);
  const cout = name === 'Bottleneck' ? r.pick([8, 16, 32, 48, 64]) : r.pick(WIDTHS);
  const stride = f.s >= 4 ? r.pick([1, 2]) : 1;
  used.add(name);
  const ctor = `${name}(${f.c}, ${cout}${stride !== 1 ? `, stride=${stride}` : ''})`;
  f.c = cout;
  f.s = outSize(f.s, 3, stride, 1);
  return { kind: 'block', ctor };
}

/** A random conv trunk: conv [+ norm] [+ act] units, depthwise-separable pairs, pools, blocks, upsampling. */
function trunk(r: Rng, f: Feat, used: Set<string>): Layer[] {
  const layers: Layer[] = [];
  const units = r.int(2, 6);
  for (let i = 0; i < units; i++) {
    const u = r.next();
    if (i > 0 && u < 0.18) {
      const p = pool(r, f);
      if (p) layers.push(p);
    } else if (i > 0 && u < 0.36) {
      const b = block(r, f, used);
      if (b) layers.push(b);
    } else if (i > 0 && u < 0.42) {
      const up = upsample(r, f);
      if (up) layers.push(up);
    } else if (u < 0.5) {
      const dw = conv(r, f, { cout: f.c, groups: f.c, k: 3 });
      if (!dw) continue;
      layers.push(dw, norm(r, f), activation(r));
      layers.push(conv(r, f, { k: 1, groups: 1 })!, norm(r, f), activation(r));
    } else {
      const c = conv(r, f);
      if (!c) continue;
      layers.push(c);
      if (r.chance(0.7)) layers.push(norm(r, f));
      if (r.chance(0.85)) layers.push(activation(r));
      if (r.chance(0.1)) layers.push({ kind: 'drop', ctor: `nn.Dropout(${r.pick([0.1, 0.25, 0.5])})` });
    }
  }
  return layers;
}

const FLATTEN_FNS = [
  (x: string) => `torch.flatten(${x}, 1)`,
  (x: string) => `${x}.view(${x}.size(0), -1)`,
  (x: string) => `${x}.flatten(1)`,
  (x: string) => `${x}.reshape(${x}.shape[0], -1)`,
];

/** Pool/flatten/linear head ending in `classes` outputs. */
function head(r: Rng, f: Feat, classes: number): Layer[] {
  const layers: Layer[] = [];
  let features = f.c * f.s ** f.dims;
  if (features > 4096 || r.chance(0.6)) {
    const o = r.pick([1, 1, 2]);
    const type = r.pick(['Avg', 'Avg', 'Max']);
    const size = o === 1 ? r.pick(['1', f.dims === 2 ? '(1, 1)' : '1']) : `${o}`;
    layers.push({
      kind: 'pool',
      ctor: `nn.Adaptive${type}Pool${f.dims}d(${size})`,
      fn: (x) => `F.adaptive_${type.toLowerCase()}_pool${f.dims}d(${x}, ${size})`,
    });
    features = f.c * o ** f.dims;
  }
  layers.push({ kind: 'flatten', ctor: 'nn.Flatten()', fn: r.pick(FLATTEN_FNS) });
  if (r.chance(0.4)) {
    const hidden = r.pick([32, 64, 128]);
    layers.push({ kind: 'fc', ctor: `nn.Linear(${features}, ${hidden})` }, activation(r));
    if (r.chance(0.5)) layers.push({ kind: 'drop', ctor: `nn.Dropout(${r.pick([0.2, 0.5])})` });
    features = hidden;
  }
  layers.push({ kind: 'fc', ctor: `nn.Linear(${features}, ${classes}${r.chance(0.2) ? ', bias=False' : ''})` });
  return layers;
}

/** What every program shares: imports, helper classes, the model, the smoke-test call. */
interface Parts {
  blocks: string[];
  model: string[];
  root: string;
  input: string;
  call?: string;
}

function assemble(r: Rng, p: Parts): string {
  const input = `x = ${p.input}`;
  const call = p.call ?? `out = ${p.root}(x)`;
  const main = r.chance(0.2) ? ['with torch.no_grad():', `    ${call}`] : [call];
  const tail = r.chance(0.3)
    ? ['', '', 'if __name__ == "__main__":', ...indent([input, ...main, 'print(out.shape)'], 4)]
    : ['', input, ...main];
  return [
    'import math',
    '',
    'import torch',
    'import torch.nn as nn',
    'import torch.nn.functional as F',
    '',
    '',
    ...p.blocks.flatMap((b) => [b, '', '']),
    ...p.model,
    ...tail,
    '',
  ].join('\n');
}

function blockSources(used: Set<string>, dims: 1 | 2): string[] {
  return Object.keys(BLOCKS)
    .filter((k) => used.has(k))
    .map((k) => BLOCKS[k](dims).join('\n'));
}

function convInput(r: Rng, f: Feat, batch: number): string {
  const dims = f.dims === 2 ? `${batch}, ${f.c}, ${f.s}, ${f.s}` : `${batch}, ${f.c}, ${f.s}`;
  return `${r.pick(['torch.randn', 'torch.randn', 'torch.rand'])}(${dims})`;
}

function newFeat(r: Rng): Feat {
  const dims = r.chance(0.75) ? 2 : 1;
  return dims === 2
    ? { dims, c: r.pick([1, 3, 3, 8]), s: r.pick([16, 24, 28, 32, 48, 64]) }
    : { dims, c: r.pick([1, 2, 16, 40]), s: r.pick([64, 128, 256, 400]) };
}

/** Conv nets rendered as a module-level Sequential literal or as a class with attributes. */
function convFree(r: Rng, style: 'sequential' | 'class'): Parts {
  const f = newFeat(r);
  const batch = r.pick([1, 2, 4]);
  const input = convInput(r, f, batch);
  const used = new Set<string>();
  const body = trunk(r, f, used);
  const tail = head(r, f, r.pick([2, 10, 100]));
  const blocks = blockSources(used, f.dims);
  if (style === 'sequential') {
    const root = r.pick(['model', 'net', 'cnn']);
    const items = [...body, ...tail].map((l) => `    ${l.ctor},`);
    return { blocks, model: [`${root} = nn.Sequential(`, ...items, ')'], root, input };
  }
  const name = r.pick(['Net', 'ConvNet', 'SmallCNN', 'Classifier', 'Model']);
  const split = r.chance(0.35); // features / classifier Sequentials, VGG-like
  const init: string[] = [];
  const fwd: string[] = [];
  if (split) {
    const flat = tail.findIndex((l) => l.kind === 'flatten');
    const pre = tail.slice(0, flat);
    init.push('self.features = nn.Sequential(', ...[...body, ...pre].map((l) => `    ${l.ctor},`), ')');
    init.push('self.classifier = nn.Sequential(', ...tail.slice(flat + 1).map((l) => `    ${l.ctor},`), ')');
    fwd.push('x = self.features(x)', `x = ${tail[flat].fn!('x')}`, 'return self.classifier(x)');
  } else {
    [...body, ...tail].forEach((l, i) => {
      if (l.fn && r.chance(0.5)) {
        fwd.push(`x = ${l.fn('x')}`);
      } else {
        const attr = `${l.kind}${i}`;
        init.push(`self.${attr} = ${l.ctor}`);
        fwd.push(`x = self.${attr}(x)`);
      }
    });
    fwd.push('return x');
  }
  const model = classSource(name, [], init, ['x'], fwd);
  const root = r.pick(['model', 'net']);
  return { blocks, model: [...model, '', '', `${root} = ${name}()`], root, input };
}

function classSource(
  name: string,
  params: string[],
  init: string[],
  args: string[],
  fwd: string[],
  extra: string[] = [],
): string[] {
  return [
    `class ${name}(nn.Module):`,
    `    def __init__(${['self', ...params].join(', ')}):`,
    `        super(${name}, self).__init__()`,
    ...indent(init, 8),
    '',
    `    def forward(${['self', ...args].join(', ')}):`,
    ...indent(fwd, 8),
    ...extra,
  ];
}

/** A VGG-like cfg list: channel ints and 'M' pools; returns the literal and the final state. */
function cfgList(r: Rng, f: Feat): string[] {
  const cfg: string[] = [];
  const n = r.int(2, 6);
  for (let i = 0; i < n; i++) {
    if (i > 0 && f.s >= 4 && r.chance(0.3)) {
      cfg.push(`'M'`);
      f.s = Math.floor(f.s / 2);
    }
    const c = r.pick(WIDTHS);
    cfg.push(`${c}`);
    f.c = c;
  }
  return cfg;
}

/** Layers built in for-loops: a cfg-driven class, a helper function, or a ModuleList of blocks. */
function convLoop(r: Rng, style: 'loop' | 'helper' | 'modulelist'): Parts {
  const f = newFeat(r);
  const d = f.dims;
  const batch = r.pick([1, 2, 4]);
  const input = convInput(r, f, batch);
  const inCh = f.c;
  const classes = r.pick([5, 10]);
  const k = r.pick([3, 3, 5]);
  const bn = r.chance(0.7);
  const act = r.pick(ACTIVATIONS)[0];
  const gap = `nn.AdaptiveAvgPool${d}d(1)`;
  if (style === 'modulelist') {
    const widths = [r.pick(WIDTHS)];
    const strides: number[] = [];
    f.c = widths[0];
    for (let i = r.int(1, 4); i > 0; i--) {
      const s = f.s >= 4 ? r.pick([1, 2]) : 1;
      widths.push(r.pick(WIDTHS));
      strides.push(s);
      f.s = outSize(f.s, 3, s, 1);
    }
    const comprehension = r.chance(0.5);
    const init = [
      `self.stem = nn.Sequential(nn.Conv${d}d(in_channels, widths[0], 3, padding=1, bias=False), nn.BatchNorm${d}d(widths[0]), ${act})`,
      ...(comprehension
        ? [
            'self.blocks = nn.ModuleList([ResBlock(w_in, w_out, s) for w_in, w_out, s in zip(widths[:-1], widths[1:], strides)])',
          ]
        : [
            'self.blocks = nn.ModuleList()',
            'for i in range(1, len(widths)):',
            '    self.blocks.append(ResBlock(widths[i - 1], widths[i], strides[i - 1]))',
          ]),
      'self.fc = nn.Linear(widths[-1], num_classes)',
    ];
    const fwd = [
      'x = self.stem(x)',
      'for block in self.blocks:',
      '    x = block(x)',
      `x = F.adaptive_avg_pool${d}d(x, 1).flatten(1)`,
      'return self.fc(x)',
    ];
    const model = classSource(
      'ResNetLike',
      ['widths', 'strides', `in_channels=${inCh}`, `num_classes=${classes}`],
      init,
      ['x'],
      fwd,
    );
    const root = 'model';
    return {
      blocks: blockSources(new Set(['ResBlock']), d),
      root,
      input,
      model: [...model, '', '', `${root} = ResNetLike([${widths.join(', ')}], [${strides.join(', ')}])`],
    };
  }
  const cfg = cfgList(r, f);
  const loop = [
    'for v in cfg:',
    `    if v == 'M':`,
    `        layers.append(nn.MaxPool${d}d(kernel_size=2, stride=2))`,
    '    else:',
    `        layers.append(nn.Conv${d}d(in_channels, v, kernel_size=${k}, padding=${Math.floor(k / 2)}))`,
    ...(bn ? [`        layers.append(nn.BatchNorm${d}d(v))`] : []),
    `        layers.append(${act})`,
    '        in_channels = v',
  ];
  if (style === 'helper') {
    const fn = [
      'def make_layers(cfg, in_channels):',
      '    layers = []',
      ...indent(loop, 4),
      '    return nn.Sequential(*layers)',
    ];
    const root = r.pick(['model', 'net']);
    const model = r.chance(0.5)
      ? [`${root} = nn.Sequential(make_layers(cfg, ${inCh}), ${gap}, nn.Flatten(), nn.Linear(${f.c}, ${classes}))`]
      : [
          `features = make_layers(cfg, in_channels=${inCh})`,
          `head = nn.Sequential(${gap}, nn.Flatten(), nn.Linear(${f.c}, ${classes}))`,
          `${root} = nn.Sequential(features, head)`,
        ];
    return { blocks: [], root, input, model: [`cfg = [${cfg.join(', ')}]`, '', '', ...fn, '', '', ...model] };
  }
  const init = [
    'layers = []',
    ...loop,
    'self.features = nn.Sequential(*layers)',
    `self.pool = ${gap}`,
    'self.classifier = nn.Linear(in_channels, num_classes)',
  ];
  const fwd = [
    'x = self.features(x)',
    'x = self.pool(x)',
    `x = ${r.pick(FLATTEN_FNS)('x')}`,
    'return self.classifier(x)',
  ];
  const model = classSource('CfgNet', ['cfg', `in_channels=${inCh}`, `num_classes=${classes}`], init, ['x'], fwd);
  return {
    blocks: [],
    root: 'model',
    input,
    model: [`CFG = [${cfg.join(', ')}]`, '', '', ...model, '', '', 'model = CfgNet(CFG)'],
  };
}

/** Multilayer perceptrons on flat features or flattened images. */
function mlp(r: Rng): Parts {
  const image = r.chance(0.4);
  const batch = r.pick([1, 8, 32]);
  const inF = image ? 28 * 28 : r.pick([10, 64, 100, 784]);
  const input = image ? `torch.randn(${batch}, 1, 28, 28)` : `torch.randn(${batch}, ${inF})`;
  const layers: Layer[] = [];
  let w = inF;
  for (let i = r.int(1, 4); i > 0; i--) {
    const next = r.pick([16, 32, 64, 128, 256]);
    layers.push({ kind: 'fc', ctor: `nn.Linear(${w}, ${next})` });
    w = next;
    const n = r.next();
    if (n < 0.2) layers.push({ kind: 'norm', ctor: `nn.BatchNorm1d(${w})` });
    else if (n < 0.4) layers.push({ kind: 'norm', ctor: `nn.LayerNorm(${w})` });
    layers.push(activation(r));
    if (r.chance(0.3)) layers.push({ kind: 'drop', ctor: `nn.Dropout(${r.pick([0.1, 0.2, 0.5])})` });
  }
  layers.push({ kind: 'fc', ctor: `nn.Linear(${w}, ${r.pick([1, 2, 10])})` });
  if (r.chance(0.5)) {
    const root = r.pick(['mlp', 'model']);
    const items = [...(image ? [{ ctor: 'nn.Flatten()' }] : []), ...layers].map((l) => `    ${l.ctor},`);
    return { blocks: [], model: [`${root} = nn.Sequential(`, ...items, ')'], root, input };
  }
  const fwd = [...(image ? [`x = ${r.pick(FLATTEN_FNS)('x')}`] : []), 'return self.net(x)'];
  const model = classSource(
    'MLP',
    [],
    ['self.net = nn.Sequential(', ...layers.map((l) => `    ${l.ctor},`), ')'],
    ['x'],
    fwd,
  );
  return { blocks: [], model: [...model, '', '', 'model = MLP()'], root: 'model', input };
}

/** Recurrent models: token or feature (or Conv1d front-end) inputs, LSTM/GRU/RNN, assorted heads. */
function recurrent(r: Rng): Parts {
  const cell = r.pick(['LSTM', 'GRU', 'RNN']);
  const front = r.pick(['embed', 'embed', 'none', 'linear', 'conv']);
  const batchFirst = front === 'conv' || r.chance(0.6);
  const B = r.pick([1, 2, 4]);
  const T = r.pick([5, 12, 20, 35]);
  const V = r.pick([100, 1000, 5000]);
  const F0 = r.pick([8, 13, 40]);
  const E = r.pick([16, 32, 64]);
  const H = r.pick([16, 32, 48, 64]);
  const L = r.int(1, 3);
  const bidir = r.chance(0.4);
  const proj = cell === 'LSTM' && r.chance(0.25) ? r.pick([8, 12].filter((p) => p < H)) : 0;
  const out = (proj || H) * (bidir ? 2 : 1);
  const init: string[] = [];
  const fwd: string[] = [];
  let input: string;
  let rnnIn = E;
  if (front === 'embed') {
    input = batchFirst ? `torch.randint(0, ${V}, (${B}, ${T}))` : `torch.randint(0, ${V}, (${T}, ${B}))`;
    init.push(`self.embedding = nn.Embedding(${V}, ${E})`);
    fwd.push('x = self.embedding(x)');
  } else if (front === 'linear') {
    input = batchFirst ? `torch.randn(${B}, ${T}, ${F0})` : `torch.randn(${T}, ${B}, ${F0})`;
    init.push(`self.proj = nn.Linear(${F0}, ${E})`);
    fwd.push('x = torch.relu(self.proj(x))');
  } else if (front === 'conv') {
    input = `torch.randn(${B}, ${F0}, ${T * 4})`;
    init.push(
      `self.conv = nn.Conv1d(${F0}, ${E}, kernel_size=5, stride=2, padding=2)`,
      `self.bn = nn.BatchNorm1d(${E})`,
    );
    fwd.push('x = F.relu(self.bn(self.conv(x)))', 'x = x.permute(0, 2, 1)  # (batch, time, channels)');
  } else {
    rnnIn = F0;
    input = batchFirst ? `torch.randn(${B}, ${T}, ${F0})` : `torch.randn(${T}, ${B}, ${F0})`;
  }
  const kw = [
    `num_layers=${L}`,
    ...(batchFirst ? ['batch_first=True'] : []),
    ...(bidir ? ['bidirectional=True'] : []),
    ...(proj ? [`proj_size=${proj}`] : []),
    ...(L > 1 && r.chance(0.5) ? ['dropout=0.1'] : []),
    ...(cell === 'RNN' && r.chance(0.3) ? [`nonlinearity='relu'`] : []),
  ];
  init.push(
    r.chance(0.5)
      ? `self.rnn = nn.${cell}(${rnnIn}, ${H}, ${kw.join(', ')})`
      : `self.rnn = nn.${cell}(input_size=${rnnIn}, hidden_size=${H}, ${kw.join(', ')})`,
  );
  const classes = r.pick([2, 10, V]);
  const headKind = r.pick(['last', 'hidden', 'all', 'mean']);
  const headIn = headKind === 'hidden' ? proj || H : out;
  init.push(`self.fc = nn.Linear(${headIn}, ${front === 'embed' && headKind === 'all' ? V : classes})`);
  fwd.push(cell === 'LSTM' ? 'output, (h_n, c_n) = self.rnn(x)' : 'output, h_n = self.rnn(x)');
  const time = batchFirst ? 1 : 0;
  fwd.push(
    {
      last: batchFirst ? 'return self.fc(output[:, -1, :])' : 'return self.fc(output[-1])',
      hidden: 'return self.fc(h_n[-1])',
      all: 'return self.fc(output)',
      mean: `return self.fc(output.mean(dim=${time}))`,
    }[headKind]!,
  );
  const name = r.pick(['SequenceModel', 'RNNClassifier', 'Tagger']);
  const model = classSource(name, [], init, ['x'], fwd);
  return { blocks: [], model: [...model, '', '', `model = ${name}()`], root: 'model', input };
}

const ATTENTION: Record<string, string[]> = {
  MHABlock: [
    'class MHABlock(nn.Module):',
    '    def __init__(self, dim, heads, ff):',
    '        super().__init__()',
    '        self.norm1 = nn.LayerNorm(dim)',
    '        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)',
    '        self.norm2 = nn.LayerNorm(dim)',
    '        self.ff = nn.Sequential(nn.Linear(dim, ff), nn.GELU(), nn.Linear(ff, dim))',
    '',
    '    def forward(self, x):',
    '        h = self.norm1(x)',
    '        a, _ = self.attn(h, h, h)',
    '        x = x + a',
    '        return x + self.ff(self.norm2(x))',
  ],
  MatmulAttention: [
    'class MatmulAttention(nn.Module):',
    '    def __init__(self, dim, heads, ff):',
    '        super().__init__()',
    '        self.heads = heads',
    '        self.scale = (dim // heads) ** -0.5',
    '        self.qkv = nn.Linear(dim, dim * 3)',
    '        self.out = nn.Linear(dim, dim)',
    '        self.norm = nn.LayerNorm(dim)',
    '',
    '    def forward(self, x):',
    '        B, N, C = x.shape',
    '        qkv = self.qkv(self.norm(x)).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)',
    '        q, k, v = qkv[0], qkv[1], qkv[2]',
    '        attn = (q @ k.transpose(-2, -1)) * self.scale',
    '        attn = attn.softmax(dim=-1)',
    '        y = (attn @ v).transpose(1, 2).reshape(B, N, C)',
    '        return x + self.out(y)',
  ],
  EinsumAttention: [
    'class EinsumAttention(nn.Module):',
    '    def __init__(self, dim, heads, ff):',
    '        super().__init__()',
    '        self.heads = heads',
    '        self.to_q = nn.Linear(dim, dim, bias=False)',
    '        self.to_k = nn.Linear(dim, dim, bias=False)',
    '        self.to_v = nn.Linear(dim, dim, bias=False)',
    '        self.to_out = nn.Linear(dim, dim)',
    '',
    '    def forward(self, x):',
    '        b, n, d = x.shape',
    '        h = self.heads',
    '        q = self.to_q(x).view(b, n, h, d // h)',
    '        k = self.to_k(x).view(b, n, h, d // h)',
    '        v = self.to_v(x).view(b, n, h, d // h)',
    "        scores = torch.einsum('bihd,bjhd->bhij', q, k) / math.sqrt(d // h)",
    "        out = torch.einsum('bhij,bjhd->bihd', scores.softmax(dim=-1), v)",
    '        return x + self.to_out(out.reshape(b, n, d))',
  ],
  BmmAttention: [
    'class BmmAttention(nn.Module):',
    '    def __init__(self, dim, heads, ff):',
    '        super().__init__()',
    '        self.query = nn.Linear(dim, dim)',
    '        self.key = nn.Linear(dim, dim)',
    '        self.value = nn.Linear(dim, dim)',
    '        self.ff = nn.Sequential(nn.Linear(dim, ff), nn.ReLU(), nn.Linear(ff, dim))',
    '',
    '    def forward(self, x):',
    '        q, k, v = self.query(x), self.key(x), self.value(x)',
    '        weights = F.softmax(torch.bmm(q, k.transpose(1, 2)) / math.sqrt(x.size(-1)), dim=-1)',
    '        x = x + torch.bmm(weights, v)',
    '        return x + self.ff(x)',
  ],
};

/** Transformer-ish models: token or feature inputs, optional learned positions and cls token. */
function attention(r: Rng): Parts {
  const B = r.pick([1, 2, 4]);
  const T = r.pick([8, 16, 24, 32]);
  const heads = r.pick([1, 2, 4, 8]);
  const D = heads * r.pick([4, 8, 16]);
  const ff = D * r.pick([2, 4]);
  const depth = r.int(1, 3);
  const V = r.pick([500, 1000, 8000]);
  const tokens = r.chance(0.5);
  const featIn = r.pick([16, 40]);
  const input = tokens ? `torch.randint(0, ${V}, (${B}, ${T}))` : `torch.randn(${B}, ${T}, ${featIn})`;
  const init = [tokens ? `self.embed = nn.Embedding(${V}, ${D})` : `self.embed = nn.Linear(${featIn}, ${D})`];
  const fwd = ['x = self.embed(x)'];
  const cls = r.chance(0.3);
  if (cls) {
    init.push(`self.cls_token = nn.Parameter(torch.zeros(1, 1, ${D}))`);
    fwd.push('x = torch.cat([self.cls_token.expand(x.size(0), -1, -1), x], dim=1)');
  }
  if (r.chance(0.5)) {
    init.push(`self.pos_embed = nn.Parameter(torch.randn(1, ${T + (cls ? 1 : 0)}, ${D}) * 0.02)`);
    fwd.push('x = x + self.pos_embed');
  }
  const kind = r.pick(['encoder', ...Object.keys(ATTENTION)]);
  let blocks: string[] = [];
  if (kind === 'encoder') {
    const extras = [...(r.chance(0.3) ? ['norm_first=True'] : []), ...(r.chance(0.3) ? [`activation='gelu'`] : [])];
    const layer = `nn.TransformerEncoderLayer(d_model=${D}, nhead=${heads}, dim_feedforward=${ff}, dropout=0.1, batch_first=True${extras.map((e) => `, ${e}`).join('')})`;
    if (depth > 1 || r.chance(0.5)) {
      init.push(`encoder_layer = ${layer}`, `self.encoder = nn.TransformerEncoder(encoder_layer, num_layers=${depth})`);
    } else {
      init.push(`self.encoder = ${layer}`);
    }
    fwd.push('x = self.encoder(x)');
  } else {
    blocks = [ATTENTION[kind].join('\n')];
    if (r.chance(0.5)) {
      init.push(`self.blocks = nn.ModuleList([${kind}(${D}, ${heads}, ${ff}) for _ in range(${depth})])`);
      fwd.push('for blk in self.blocks:', '    x = blk(x)');
    } else {
      init.push(`self.blocks = nn.Sequential(*[${kind}(${D}, ${heads}, ${ff}) for _ in range(${depth})])`);
      fwd.push('x = self.blocks(x)');
    }
  }
  init.push(`self.norm = nn.LayerNorm(${D})`, `self.head = nn.Linear(${D}, ${r.pick([2, 10])})`);
  fwd.push('x = self.norm(x)', cls || r.chance(0.3) ? 'return self.head(x[:, 0])' : 'return self.head(x.mean(dim=1))');
  const model = classSource('TinyTransformer', [], init, ['x'], fwd);
  return { blocks, model: [...model, '', '', 'model = TinyTransformer()'], root: 'model', input };
}

const FAMILIES: [string, number, (r: Rng) => Parts][] = [
  ['conv-sequential', 3, (r) => convFree(r, 'sequential')],
  ['conv-class', 4, (r) => convFree(r, 'class')],
  ['conv-loop', 2, (r) => convLoop(r, 'loop')],
  ['conv-helper', 2, (r) => convLoop(r, 'helper')],
  ['conv-modulelist', 2, (r) => convLoop(r, 'modulelist')],
  ['mlp', 2, mlp],
  ['recurrent', 3, recurrent],
  ['attention', 3, attention],
];

/** The program at `index` of the run seeded `seed` (each program has its own PRNG stream). */
export function generateProgram(seed: number, index: number): GeneratedProgram {
  const r = new Rng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
  const total = FAMILIES.reduce((n, [, w]) => n + w, 0);
  let roll = r.next() * total;
  const [family, , build] = FAMILIES.find(([, w]) => (roll -= w) < 0) ?? FAMILIES[0];
  const parts = build(r);
  const [kind, style = kind] = family.split('-');
  const header = `# Generated model ${index} (seed ${seed}): ${family}.`;
  return { index, family: kind, style, source: `${header}\n${assemble(r, parts)}` };
}

export function generatePrograms(seed: number, count: number): GeneratedProgram[] {
  return Array.from({ length: count }, (_, i) => generateProgram(seed, i));
}
