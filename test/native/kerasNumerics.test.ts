// The synthesised Keras layouts checked against real TensorFlow.js (a devDependency): each small model is
// analysed and synthesised, every weight given fresh random values, and onnxruntime's output must equal
// real tfjs's for the same weights (set by name) and input — so kernel layouts, gate orders, paddings,
// the GRU variant and the activations are those of the layers themselves, not just their shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import { onnx } from 'onnx-proto';
import { loadParser } from '../helpers/analyzer';
import { analyzeTypeScriptWithGraphs } from '../../server/src/core/analysis/analyzeTfjs';
import { synthesize } from '../../native/src/onnx/synthesize';
import { SeededRandom } from '../../native/src/onnx/seededRandom';

/**
 * Each case defines `model` with real tfjs; layers carrying weights are named so both sides name them alike.
 * Not compared here: what tfjs lacks (causal padding, ELU's alpha, Keras 3's GRU reset_after=True and
 * MultiHeadAttention) and BatchNormalization over an axis other than the last, whose statistics tfjs 4.22
 * broadcasts along the wrong axis in inference.
 */
const CASES: Record<string, string> = {
  'conv2d, same padding, stride 2, relu': `const model = tf.sequential({layers: [
    tf.layers.conv2d({name: 'c', filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', inputShape: [9, 7, 3]})]});`,
  'conv2d, valid, dilation 2, no bias': `const model = tf.sequential({layers: [
    tf.layers.conv2d({name: 'c', filters: 5, kernelSize: [3, 2], dilationRate: 2, useBias: false, inputShape: [10, 9, 2]})]});`,
  'depthwise and separable convolutions': `const model = tf.sequential({layers: [
    tf.layers.depthwiseConv2d({name: 'd', kernelSize: 3, depthMultiplier: 2, padding: 'same', inputShape: [8, 8, 3]}),
    tf.layers.separableConv2d({name: 's', filters: 4, kernelSize: 3, depthMultiplier: 2, strides: 2, activation: 'elu'})]});`,
  'transposed convolutions, same and valid': `const model = tf.sequential({layers: [
    tf.layers.conv2dTranspose({name: 't1', filters: 3, kernelSize: 3, strides: 2, padding: 'same', inputShape: [5, 4, 2]}),
    tf.layers.conv2dTranspose({name: 't2', filters: 2, kernelSize: 2, strides: 3})]});`,
  'conv1d, same, dilated; global max pooling': `const model = tf.sequential({layers: [
    tf.layers.conv1d({name: 'c', filters: 4, kernelSize: 3, padding: 'same', dilationRate: 2, inputShape: [12, 3]}),
    tf.layers.globalMaxPooling1d({})]});`,
  'dense on a sequence, softmax and hardSigmoid': `const model = tf.sequential({layers: [
    tf.layers.dense({name: 'a', units: 6, activation: 'hardSigmoid', inputShape: [5, 4]}),
    tf.layers.dense({name: 'b', units: 3, activation: 'softmax'})]});`,
  'lstm returning sequences (hardSigmoid gates), then its last output': `const model = tf.sequential({layers: [
    tf.layers.lstm({name: 'l1', units: 5, returnSequences: true, recurrentInitializer: 'zeros', inputShape: [6, 3]}),
    tf.layers.lstm({name: 'l2', units: 4, recurrentInitializer: 'zeros'})]});`,
  'lstm going backwards': `const model = tf.sequential({layers: [
    tf.layers.lstm({name: 'l', units: 4, returnSequences: true, goBackwards: true, recurrentInitializer: 'zeros', inputShape: [5, 3]})]});`,
  'gru (TF.js: reset_after false) and simpleRNN': `const model = tf.sequential({layers: [
    tf.layers.gru({name: 'g', units: 5, returnSequences: true, recurrentInitializer: 'zeros', inputShape: [6, 3]}),
    tf.layers.simpleRNN({name: 'r', units: 3, activation: 'relu', recurrentInitializer: 'zeros'})]});`,
  'bidirectional lstm (concat) and gru (sum over sequences)': `const model = tf.sequential({layers: [
    tf.layers.bidirectional({name: 'b1', layer: tf.layers.gru({name: 'g', units: 4, returnSequences: true, recurrentInitializer: 'zeros'}), mergeMode: 'sum', inputShape: [6, 3]}),
    tf.layers.bidirectional({name: 'b2', layer: tf.layers.lstm({name: 'l', units: 3, recurrentInitializer: 'zeros'}), mergeMode: 'concat'})]});`,
  'batch normalisation': `const model = tf.sequential({layers: [
    tf.layers.batchNormalization({name: 'bn', inputShape: [4, 5, 3]})]});`,
  'layer normalisation': `const model = tf.sequential({layers: [
    tf.layers.layerNormalization({name: 'ln', inputShape: [20, 3]})]});`,
  'batch normalisation after a reshape, then layer normalisation': `const model = tf.sequential({layers: [
    tf.layers.reshape({targetShape: [20, 3], inputShape: [4, 5, 3]}),
    tf.layers.batchNormalization({name: 'bn'}),
    tf.layers.layerNormalization({name: 'ln'})]});`,
  'pooling with same padding on odd sizes, global average, up-sampling, padding, cropping': `const model = tf.sequential({layers: [
    tf.layers.maxPooling2d({poolSize: 3, strides: 2, padding: 'same', inputShape: [9, 7, 2]}),
    tf.layers.averagePooling2d({poolSize: 2, padding: 'same'}),
    tf.layers.upSampling2d({size: [2, 3]}),
    tf.layers.zeroPadding2d({padding: [[1, 0], [2, 1]]}),
    tf.layers.cropping2D({cropping: [[0, 1], [1, 2]]}),
    tf.layers.globalAveragePooling2d({})]});`,
  'embedding of float token ids, flatten, dense': `const model = tf.sequential({layers: [
    tf.layers.embedding({name: 'e', inputDim: 11, outputDim: 4, inputLength: 6}),
    tf.layers.flatten(),
    tf.layers.dense({name: 'd', units: 2})]});`,
  'timeDistributed dense, permute, repeatVector': `const model = tf.sequential({layers: [
    tf.layers.timeDistributed({name: 'td', layer: tf.layers.dense({name: 'inner', units: 3}), inputShape: [4, 5]}),
    tf.layers.permute({dims: [2, 1]}),
    tf.layers.flatten(),
    tf.layers.repeatVector({n: 2})]});`,
  'activation layers': `const model = tf.sequential({layers: [
    tf.layers.leakyReLU({alpha: 0.1, inputShape: [7]}),
    tf.layers.prelu({name: 'p'}),
    tf.layers.reLU({maxValue: 0.3}),
    tf.layers.elu({}),
    tf.layers.dense({name: 'd', units: 4, activation: 'softsign'}),
    tf.layers.softmax({})]});`,
  'functional merges': `const a = tf.input({shape: [6]});
    const b = tf.input({shape: [6]});
    const x = tf.layers.dense({name: 'x', units: 4}).apply(a);
    const y = tf.layers.dense({name: 'y', units: 4}).apply(b);
    const sum = tf.layers.add().apply([x, y]);
    const product = tf.layers.multiply().apply([x, y, sum]);
    const joined = tf.layers.concatenate({axis: -1}).apply([product, tf.layers.average().apply([x, y])]);
    const model = tf.model({inputs: [a, b], outputs: tf.layers.maximum().apply([joined, tf.layers.dense({name: 'z', units: 8}).apply(b)])});`,
};

/** The case's model built by real tfjs. */
function realModel(source: string): tf.LayersModel {
  return new Function('tf', `${source}\nreturn model;`)(tf) as tf.LayersModel;
}

/** Deterministic inputs: token ids below the embedding's size, otherwise values in [-1, 1). */
function inputData(shape: number[], below: number | undefined, seed: number): Float32Array {
  const random = new SeededRandom(seed);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++)
    data[i] = below === undefined ? random.next() * 2 - 1 : Math.floor(random.next() * below);
  return data;
}

for (const [name, source] of Object.entries(CASES)) {
  test(`synthesised Keras layers compute what real TF.js computes: ${name}`, async () => {
    await tf.setBackend('cpu');
    const parser = await loadParser();
    const text = `import * as tf from '@tensorflow/tfjs';\n${source}\n`;
    const { report, graphs } = analyzeTypeScriptWithGraphs(parser, text, { file: 'case.ts' });
    const graph = graphs.find((g) => g.model === 'model')!;
    assert.ok(graph, JSON.stringify(report.models.map((m) => [m.name, m.unresolved])));
    const synthesized = synthesize(graph, report.models[graph.modelIndex]);

    // Fresh weights for both sides: positive variances, the rest in [-0.5, 0.5).
    const decoded = onnx.ModelProto.decode(synthesized.bytes);
    const random = new SeededRandom(11);
    const values = new Map<string, Float32Array>();
    for (const info of synthesized.initializers.filter((i) => i.kind === 'parameter')) {
      const data = new Float32Array(info.elements);
      for (let i = 0; i < data.length; i++)
        data[i] = info.name.endsWith('moving_variance') ? 0.5 + random.next() : random.next() - 0.5;
      values.set(info.name, data);
      const proto = decoded.graph!.initializer!.find((t) => t.name === info.name)!;
      proto.rawData = new Uint8Array(data.buffer);
    }
    const bytes = onnx.ModelProto.encode(decoded).finish();

    // Each real layer's weights, in order, are the synthesised ones under its name, with the same shapes
    // (TF.js names a few of them differently: a depthwise kernel, a TimeDistributed layer's inner weights).
    const real = realModel(source);
    // The weights in the order the layers build them (the core's order, which is Keras's).
    const order = graph.nodes.flatMap((n) =>
      (n.layer?.parameters ?? []).map((p) => {
        const source = graph.tensors[p.tensor].source;
        return source.kind === 'parameter' ? source.name : '';
      }),
    );
    const set = new Set<string>();
    for (const layer of real.layers) {
      if (!layer.weights.length) continue;
      const ours = synthesized.initializers
        .filter((i) => i.kind === 'parameter' && i.name.startsWith(`${layer.name}/`))
        .sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
      assert.deepEqual(
        ours.map((i) => i.shape),
        layer.weights.map((w) => w.shape),
        `${layer.name}: ${ours.map((i) => i.name).join(', ')} against ${layer.weights.map((w) => w.originalName).join(', ')}`,
      );
      layer.setWeights(ours.map((info) => tf.tensor(values.get(info.name)!, info.shape)));
      ours.forEach((i) => set.add(i.name));
    }
    assert.deepEqual([...set].sort(), [...values.keys()].sort(), 'every synthesised weight is a real one');

    const feeds: Record<string, ort.Tensor> = {};
    const realInputs = synthesized.inputs.map((input, i) => {
      const data = inputData(input.shape, input.integersBelow, 5 + i);
      feeds[input.name] = new ort.Tensor('float32', data, input.shape);
      return tf.tensor(data, input.shape);
    });
    const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
    const results = await session.run(feeds);
    await session.release();
    const expected = real.predict(realInputs.length === 1 ? realInputs[0] : realInputs) as tf.Tensor;
    const got = results[synthesized.outputs[0].name];
    assert.deepEqual(got.dims, expected.shape);
    const want = expected.dataSync();
    const have = got.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < want.length; i++)
      worst = Math.max(worst, Math.abs(have[i] - want[i]) / (1e-3 + Math.abs(want[i])));
    assert.ok(worst < 1e-3, `largest relative difference ${worst}`);
  });
}
