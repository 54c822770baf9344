// Keras layers and ops TF.js lacks (Attention, AdditiveAttention, MultiHeadAttention over image axes,
// the extract_patches op vision transformers use, tf.gather, segment sums, a few activations),
// synthesised from Keras Python and checked against plain references written from Keras's and
// TensorFlow's definitions, with the same fresh random weights: the layouts, score formulas and
// element orders are the layers', not ours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { loadParser } from '../helpers/analyzer';
import { analyzeWithGraphs } from '../../server/src/core/analysis/analyzeSource';
import { synthesize } from '../../native/src/onnx/synthesize';
import { SeededRandom } from '../../native/src/onnx/seededRandom';

/** A row-major tensor. */
interface Tensor {
  shape: number[];
  data: Float32Array;
}

/** Synthesises `model` of the Keras source, gives every weight fresh values, runs it on random inputs. */
async function runKeras(source: string) {
  const parser = await loadParser();
  const { report, graphs } = analyzeWithGraphs(parser, `import keras\nfrom keras import layers, ops\n${source}`, {
    file: 'case.py',
  });
  const graph = graphs.find((g) => g.model === 'model');
  assert.ok(graph, JSON.stringify(report.models.map((m) => [m.name, m.unresolved])));
  const model = report.models[graph.modelIndex];
  const synthesized = synthesize(graph, model);
  assert.equal(synthesized.parameterCount, model.totals.params);
  const decoded = onnx.ModelProto.decode(synthesized.bytes);
  const random = new SeededRandom(3);
  const weights = new Map<string, Tensor>();
  for (const info of synthesized.initializers.filter((i) => i.kind === 'parameter')) {
    const data = Float32Array.from({ length: info.elements }, () => random.next() - 0.5);
    weights.set(info.name, { shape: info.shape, data });
    decoded.graph!.initializer!.find((t) => t.name === info.name)!.rawData = new Uint8Array(data.buffer);
  }
  const inputs = synthesized.inputs.map((input) => ({
    shape: input.shape,
    data: Float32Array.from({ length: input.shape.reduce((a, b) => a * b, 1) }, () => random.next() * 2 - 1),
  }));
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(decoded).finish(), {
    logSeverityLevel: 3,
  });
  const feeds = Object.fromEntries(
    synthesized.inputs.map((input, i) => [input.name, new ort.Tensor('float32', inputs[i].data, input.shape)]),
  );
  const results = await session.run(feeds);
  await session.release();
  const out = results[synthesized.outputs[0].name];
  return { inputs, weights, output: { shape: [...out.dims], data: out.data as Float32Array } };
}

/** The weight named `name` (it must exist). */
function weight(weights: Map<string, Tensor>, name: string): Tensor {
  const w = weights.get(name);
  assert.ok(w, `no weight ${name} among ${[...weights.keys()].join(', ')}`);
  return w;
}

function assertClose(got: Tensor, want: Tensor): void {
  assert.deepEqual(got.shape, want.shape);
  let worst = 0;
  for (let i = 0; i < want.data.length; i++)
    worst = Math.max(worst, Math.abs(got.data[i] - want.data[i]) / (1e-3 + Math.abs(want.data[i])));
  assert.ok(worst < 1e-3, `largest relative difference ${worst}`);
}

/** softmax over the last axis of `rows` × `width` values, in place. */
function softmaxRows(values: Float64Array, width: number): void {
  for (let r = 0; r < values.length / width; r++) {
    const row = values.subarray(r * width, (r + 1) * width);
    const max = Math.max(...row);
    let sum = 0;
    for (let j = 0; j < width; j++) sum += row[j] = Math.exp(row[j] - max);
    for (let j = 0; j < width; j++) row[j] /= sum;
  }
}

/**
 * Keras's Attention / AdditiveAttention on (N, Tq, d) query, (N, Tv, d) value and key: scores (dot:
 * q·k times scale; concat: w·Σ tanh(scale·(q + k)); additive: Σ scale·tanh(q + k)), softmax over Tv,
 * the weights times the value.
 */
function dotAttentionReference(
  q: Tensor,
  v: Tensor,
  k: Tensor,
  score: (qi: Float32Array, kj: Float32Array) => number,
): Tensor {
  const [n, tq, d] = q.shape;
  const [, tv, dv] = v.shape;
  const out = new Float32Array(n * tq * dv);
  for (let b = 0; b < n; b++) {
    const scores = new Float64Array(tq * tv);
    for (let i = 0; i < tq; i++)
      for (let j = 0; j < tv; j++)
        scores[i * tv + j] = score(
          q.data.subarray((b * tq + i) * d, (b * tq + i + 1) * d),
          k.data.subarray((b * tv + j) * d, (b * tv + j + 1) * d),
        );
    softmaxRows(scores, tv);
    for (let i = 0; i < tq; i++)
      for (let e = 0; e < dv; e++) {
        let sum = 0;
        for (let j = 0; j < tv; j++) sum += scores[i * tv + j] * v.data[(b * tv + j) * dv + e];
        out[(b * tq + i) * dv + e] = sum;
      }
  }
  return { shape: [n, tq, dv], data: out };
}

const TWO_INPUTS = `q = keras.Input(shape=(5, 4))
v = keras.Input(shape=(7, 4))
k = keras.Input(shape=(7, 4))
`;

test('Attention (dot, scaled) computes what Keras computes', async () => {
  const { inputs, weights, output } = await runKeras(
    `${TWO_INPUTS}model = keras.Model([q, v, k], layers.Attention(use_scale=True, name="att")([q, v, k]))\n`,
  );
  const scale = weight(weights, 'att/scale').data[0];
  const [q, v, k] = inputs;
  const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);
  assertClose(
    output,
    dotAttentionReference(q, v, k, (a, b) => scale * dot(a, b)),
  );
});

test("Attention(score_mode='concat', use_scale) computes what Keras computes", async () => {
  const { inputs, weights, output } = await runKeras(
    `${TWO_INPUTS}model = keras.Model([q, v, k], layers.Attention(use_scale=True, score_mode="concat", name="att")([q, v, k]))\n`,
  );
  const scale = weight(weights, 'att/scale').data[0];
  const w = weight(weights, 'att/concat_score_weight').data[0];
  const [q, v, k] = inputs;
  assertClose(
    output,
    dotAttentionReference(q, v, k, (a, b) => w * a.reduce((s, x, i) => s + Math.tanh(scale * (x + b[i])), 0)),
  );
});

test('AdditiveAttention (per-feature scale, key = value) computes what Keras computes', async () => {
  const { inputs, weights, output } = await runKeras(
    `${TWO_INPUTS}model = keras.Model([q, v], layers.AdditiveAttention(name="att")([q, v]))\n`,
  );
  const scale = weight(weights, 'att/scale').data;
  const [q, v] = inputs;
  assertClose(
    output,
    dotAttentionReference(q, v, v, (a, b) => a.reduce((s, x, i) => s + scale[i] * Math.tanh(x + b[i]), 0)),
  );
});

/** x (rows, din) · W (din, dout) + bias. */
function affine(x: Float32Array, rows: number, din: number, w: Float32Array, dout: number, bias?: Float32Array) {
  const out = new Float32Array(rows * dout);
  for (let r = 0; r < rows; r++)
    for (let o = 0; o < dout; o++) {
      let sum = bias ? bias[o] : 0;
      for (let i = 0; i < din; i++) sum += x[r * din + i] * w[i * dout + o];
      out[r * dout + o] = sum;
    }
  return out;
}

test('MultiHeadAttention over an image (N, H, W, C) attends over every position, as Keras does', async () => {
  const { inputs, weights, output } = await runKeras(
    `x = keras.Input(shape=(3, 4, 6))\nmodel = keras.Model(x, layers.MultiHeadAttention(num_heads=2, key_dim=5, name="mha")(x, x))\n`,
  );
  const [x] = inputs;
  const [n, h, w, c] = x.shape;
  const t = h * w;
  const [heads, size] = [2, 5];
  const project = (name: string) =>
    affine(
      x.data,
      n * t,
      c,
      weight(weights, `mha/${name}/kernel`).data,
      heads * size,
      weight(weights, `mha/${name}/bias`).data,
    );
  const [query, key, value] = ['query', 'key', 'value'].map(project);
  // Per head: softmax(q·kᵀ / √size) · v over all H·W positions; then the (heads, size, C) output kernel.
  const joined = new Float32Array(n * t * heads * size);
  for (let b = 0; b < n; b++)
    for (let hd = 0; hd < heads; hd++) {
      const at = (m: Float32Array, pos: number, e: number) => m[((b * t + pos) * heads + hd) * size + e];
      const scores = new Float64Array(t * t);
      for (let i = 0; i < t; i++)
        for (let j = 0; j < t; j++) {
          let dot = 0;
          for (let e = 0; e < size; e++) dot += at(query, i, e) * at(key, j, e);
          scores[i * t + j] = dot / Math.sqrt(size);
        }
      softmaxRows(scores, t);
      for (let i = 0; i < t; i++)
        for (let e = 0; e < size; e++) {
          let sum = 0;
          for (let j = 0; j < t; j++) sum += scores[i * t + j] * at(value, j, e);
          joined[((b * t + i) * heads + hd) * size + e] = sum;
        }
    }
  const out = affine(
    joined,
    n * t,
    heads * size,
    weight(weights, 'mha/attention_output/kernel').data,
    c,
    weight(weights, 'mha/attention_output/bias').data,
  );
  assertClose(output, { shape: [n, h, w, c], data: out });
});

test('ops.image.extract_patches cuts whole patches in TensorFlow’s (row, column, channel) order', async () => {
  const { inputs, output } = await runKeras(
    `x = keras.Input(shape=(7, 9, 2))\nmodel = keras.Model(x, ops.image.extract_patches(x, 3))\n`,
  );
  const [x] = inputs;
  const [n, h, w, c] = x.shape;
  const [rows, cols, k] = [Math.floor(h / 3), Math.floor(w / 3), 3];
  const out = new Float32Array(n * rows * cols * k * k * c);
  let o = 0;
  for (let b = 0; b < n; b++)
    for (let r = 0; r < rows; r++)
      for (let s = 0; s < cols; s++)
        for (let i = 0; i < k; i++)
          for (let j = 0; j < k; j++)
            for (let ch = 0; ch < c; ch++) out[o++] = x.data[((b * h + r * k + i) * w + s * k + j) * c + ch];
  assertClose(output, { shape: [n, rows, cols, k * k * c], data: out });
});

test('tf.gather on constant indices picks the same slices', async () => {
  const { inputs, output } = await runKeras(
    `import tensorflow as tf\nx = keras.Input(shape=(6, 4))\nmodel = keras.Model(x, tf.gather(x, [5, 0, 2, 2], axis=1))\n`,
  );
  const [x] = inputs;
  const picks = [5, 0, 2, 2];
  const out = new Float32Array(picks.length * 4);
  picks.forEach((p, i) => out.set(x.data.subarray(p * 4, (p + 1) * 4), i * 4));
  assertClose(output, { shape: [1, 4, 4], data: out });
});

/** Runs `keras.activations.<name>(3 · x)` (x in [-1, 1), so every piece of a piecewise one is reached) against `expected`. */
async function checkActivation(name: string, expected: (row: Float32Array) => number[]) {
  const { inputs, output } = await runKeras(
    `x = keras.Input(shape=(8,))\nmodel = keras.Model(x, keras.activations.${name}(x * 3))\n`,
  );
  const want = expected(inputs[0].data.subarray(0, 8).map((v) => v * 3));
  assertClose(output, { shape: [1, want.length], data: Float32Array.from(want) });
}

test('glu, squareplus and sparse_plus compute Keras 3’s definitions', async () => {
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  await checkActivation('glu', (x) => [...x.subarray(0, 4)].map((a, i) => a * sigmoid(x[i + 4])));
  await checkActivation('squareplus', (x) => [...x].map((v) => (v + Math.sqrt(v * v + 4)) / 2));
  await checkActivation('sparse_plus', (x) => [...x].map((v) => (v <= -1 ? 0 : v >= 1 ? v : ((v + 1) * (v + 1)) / 4)));
});

test('unsorted_segment_sum and unsorted_segment_mean add rows into their segments', async () => {
  const ids = [2, 0, 2, 3, 0, 2];
  const segments = 5;
  for (const [op, mean] of [
    ['tf.math.unsorted_segment_sum', false],
    ['tf.math.unsorted_segment_mean', true],
  ] as const) {
    const { inputs, output } = await runKeras(
      `import tensorflow as tf\nx = keras.Input(shape=(3,), batch_size=6)\nmodel = keras.Model(x, ${op}(x, [${ids}], ${segments}))\n`,
    );
    const [x] = inputs;
    const out = new Float32Array(segments * 3);
    const count = new Array(segments).fill(0);
    ids.forEach((s, row) => {
      count[s]++;
      for (let j = 0; j < 3; j++) out[s * 3 + j] += x.data[row * 3 + j];
    });
    if (mean) for (let s = 0; s < segments; s++) for (let j = 0; j < 3; j++) out[s * 3 + j] /= Math.max(count[s], 1);
    assertClose(output, { shape: [segments, 3], data: out });
  }
});
