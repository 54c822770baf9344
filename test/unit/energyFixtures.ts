// Shared fixtures for the energy tests: ResNet-50 built layer by layer (as a PyTorch trace would list
// it: conv, batch norm, ReLU, residual add, unfused) and small helpers to make synthetic reports.
import type { LayerReport, ModelReport, Report } from '../../server/src/core/report/types';

const ZERO = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** A report layer with counts at fp32 (4 bytes per element); the energy fields empty. */
export function layer(
  path: string,
  op: string,
  c: { params: number; macs: number; flops: number; weightElems: number; actElems: number },
): LayerReport {
  return {
    path,
    op,
    range: ZERO,
    callRange: null,
    params: c.params,
    macs: c.macs,
    flops: c.flops,
    weightBytes: c.weightElems * 4,
    activationBytes: c.actElems * 4,
    inputShape: null,
    outputShape: null,
    latencyMs: null,
    energyJ: null,
    bound: null,
  };
}

/** A model report over the given layers, totals summed (null when any layer count is null). */
export function model(name: string, layers: LayerReport[], batch = 1): ModelReport {
  const sum = (k: 'params' | 'macs' | 'flops' | 'weightBytes' | 'activationBytes') =>
    layers.some((l) => l[k] === null) ? null : layers.reduce((s, l) => s + (l[k] as number), 0);
  return {
    name,
    framework: 'pytorch',
    root: true,
    range: ZERO,
    input: { shape: [batch, 3, 224, 224], dtype: 'float32', source: 'test fixture' },
    totals: {
      params: sum('params'),
      macs: sum('macs'),
      flops: sum('flops'),
      weightBytes: sum('weightBytes'),
      activationBytes: sum('activationBytes'),
      latencyMs: null,
      energyJ: null,
      co2eG: null,
    },
    layers,
    unresolved: [],
  };
}

/** A one-file report. */
export function report(file: string, models: ModelReport[]): Report {
  return { schema: 'wattlens.report/1', hardware: null, precision: 'fp32', files: [{ file, models, diagnostics: [] }] };
}

interface Shape {
  c: number;
  h: number;
  w: number;
}

/**
 * Builds torchvision's resnet50 at a batch size: 4.089 GMACs and 25,557,032 params per models.csv.
 * `fused` folds batch norm into the convs and fuses ReLU and the residual add into them, as
 * inference engines (TensorRT in the MLPerf runs) execute it; unfused is the eager PyTorch trace.
 */
export function resnet50Layers(batch: number, fused = false): LayerReport[] {
  const all = buildResnet50(batch);
  return fused ? fuse(all) : all;
}

/** Drops BN / ReLU / add layers, moving their params into the conv before and the add's extra read into it. */
function fuse(layers: LayerReport[]): LayerReport[] {
  const out: LayerReport[] = [];
  for (const l of layers) {
    const prev = out[out.length - 1];
    if (l.op === 'BatchNorm2d' && prev) {
      prev.params = (prev.params ?? 0) + (l.params ?? 0);
      prev.weightBytes = (prev.weightBytes ?? 0) + (l.weightBytes ?? 0) / 2;
    } else if (l.op === 'add' && prev) {
      prev.activationBytes = (prev.activationBytes ?? 0) + (l.activationBytes ?? 0) / 3;
    } else if (l.op !== 'ReLU' && l.op !== 'BatchNorm2d' && l.op !== 'add') {
      out.push({ ...l });
    }
  }
  return out;
}

function buildResnet50(batch: number): LayerReport[] {
  const out: LayerReport[] = [];
  let x: Shape = { c: 3, h: 224, w: 224 };
  x = conv(out, 'conv1', x, 64, 7, 2, 3, batch);
  x = bnRelu(out, 'bn1', x, batch);
  x = maxpool(out, 'maxpool', x, batch);
  const stages: [number, number, number][] = [
    [64, 3, 1],
    [128, 4, 2],
    [256, 6, 2],
    [512, 3, 2],
  ];
  stages.forEach(([width, blocks, stride], s) => {
    for (let b = 0; b < blocks; b++) x = bottleneck(out, `layer${s + 1}.${b}`, x, width, b === 0 ? stride : 1, batch);
  });
  const n = x.c * x.h * x.w * batch;
  out.push(
    layer('avgpool', 'AdaptiveAvgPool2d', { params: 0, macs: 0, flops: n, weightElems: 0, actElems: n + x.c * batch }),
  );
  out.push(
    layer('fc', 'Linear', {
      params: 2048 * 1000 + 1000,
      macs: 2048 * 1000 * batch,
      flops: 2 * 2048 * 1000 * batch + 1000 * batch,
      weightElems: 2048 * 1000 + 1000,
      actElems: (2048 + 1000) * batch,
    }),
  );
  return out;
}

function conv(
  out: LayerReport[],
  path: string,
  x: Shape,
  cout: number,
  k: number,
  stride: number,
  pad: number,
  batch: number,
): Shape {
  const y = {
    c: cout,
    h: Math.floor((x.h + 2 * pad - k) / stride) + 1,
    w: Math.floor((x.w + 2 * pad - k) / stride) + 1,
  };
  const weights = cout * x.c * k * k;
  const macs = y.c * y.h * y.w * x.c * k * k * batch;
  out.push(
    layer(path, 'Conv2d', {
      params: weights,
      macs,
      flops: 2 * macs,
      weightElems: weights,
      actElems: (x.c * x.h * x.w + y.c * y.h * y.w) * batch,
    }),
  );
  return y;
}

function bnRelu(out: LayerReport[], path: string, x: Shape, batch: number, relu = true): Shape {
  const n = x.c * x.h * x.w * batch;
  out.push(
    layer(path, 'BatchNorm2d', { params: 2 * x.c, macs: 0, flops: 2 * n, weightElems: 4 * x.c, actElems: 2 * n }),
  );
  if (relu)
    out.push(
      layer(path.replace(/bn(\d*)$/, 'relu$1'), 'ReLU', {
        params: 0,
        macs: 0,
        flops: n,
        weightElems: 0,
        actElems: 2 * n,
      }),
    );
  return x;
}

function maxpool(out: LayerReport[], path: string, x: Shape, batch: number): Shape {
  const y = { c: x.c, h: Math.floor((x.h + 2 - 3) / 2) + 1, w: Math.floor((x.w + 2 - 3) / 2) + 1 };
  const n = y.c * y.h * y.w * batch;
  out.push(
    layer(path, 'MaxPool2d', {
      params: 0,
      macs: 0,
      flops: 9 * n,
      weightElems: 0,
      actElems: x.c * x.h * x.w * batch + n,
    }),
  );
  return y;
}

function bottleneck(out: LayerReport[], path: string, x: Shape, width: number, stride: number, batch: number): Shape {
  let y = conv(out, `${path}.conv1`, x, width, 1, 1, 0, batch);
  y = bnRelu(out, `${path}.bn1`, y, batch);
  y = conv(out, `${path}.conv2`, y, width, 3, stride, 1, batch);
  y = bnRelu(out, `${path}.bn2`, y, batch);
  y = conv(out, `${path}.conv3`, y, width * 4, 1, 1, 0, batch);
  y = bnRelu(out, `${path}.bn3`, y, batch, false);
  if (stride !== 1 || x.c !== width * 4) {
    const d = conv(out, `${path}.downsample.0`, x, width * 4, 1, stride, 0, batch);
    bnRelu(out, `${path}.downsample.1`, d, batch, false);
  }
  const n = y.c * y.h * y.w * batch;
  out.push(layer(`${path}.add`, 'add', { params: 0, macs: 0, flops: n, weightElems: 0, actElems: 3 * n }));
  out.push(layer(`${path}.relu`, 'ReLU', { params: 0, macs: 0, flops: n, weightElems: 0, actElems: 2 * n }));
  return y;
}
