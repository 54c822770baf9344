// Checkpoint, Keras and TF.js diagnostics and actions over the real server: a much cheaper catalogued
// sibling of close quality (diagnostic + swap actions with deltas and sources), the Keras mixed-precision
// policy and TFLite quantization, the TF.js converter instruction. Python edits are parsed with Python's
// own ast (the libraries are not installed to run them); TF.js edits must parse with no ERROR nodes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestClient, repoRoot } from './client';
import { actionsAt, apply, find, lineOf, recheck } from './actions';
import { checkPython } from './python';
import { loadParser } from '../helpers/analyzer';

const hub = join(repoRoot, 'test', 'lsp', 'fixtures', 'checkpoints.py');
const hubText = readFileSync(hub, 'utf8');
const kerasFit = join(repoRoot, 'test', 'fixtures', 'training', 'keras_fit.py');
const kerasText = readFileSync(kerasFit, 'utf8');
const tfjs = join(repoRoot, 'test', 'fixtures', 'tfjs', 'getting_started.ts');
const tfKeras = `import tensorflow as tf

model = tf.keras.Sequential([
    tf.keras.Input(shape=(784,)),
    tf.keras.layers.Dense(512, activation="relu"),
    tf.keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
`;
const edited: Record<string, string> = {};
let gpu: TestClient;
let cpu: TestClient;

before(async () => {
  [gpu, cpu] = await Promise.all([
    TestClient.start({ hardware: 'nvidia-t4' }),
    TestClient.start({ hardware: 'intel-xeon-8480' }),
  ]);
});
after(async () => Promise.all([gpu.stop(), cpu.stop()]));

test('a checkpoint with a much cheaper sibling of close quality: Information naming it with deltas and sources', async () => {
  const line = lineOf(hubText, 'AutoModel.from_pretrained("bert-base-uncased")');
  const { diags } = await actionsAt(gpu, hub, line);
  const bert = diags.find((d) => d.code === 'cheaper-checkpoint' && d.range.start.line === line);
  assert.ok(bert, JSON.stringify(diags, null, 1));
  assert.equal(bert.severity, 3);
  assert.equal(
    hubText.split('\n')[line].slice(bert.range.start.character, bert.range.end.character),
    '"bert-base-uncased"',
  );
  assert.match(
    String(bert.message),
    /^`bert-base-uncased` has a much cheaper sibling of close quality, `distilbert-base-uncased`: 66\.4 M vs 109 M params \(−39%\), −50% MACs, GLUE dev macro-score 77 vs 79\.5; −\d+% energy per forward pass on nvidia-t4/,
  );
  assert.match(
    String(bert.message),
    /Sources: distilbert-base-uncased params: .*config\.json \(derived\).*; quality Sanh et al\. 2019, DistilBERT, arXiv:1910\.01108/,
  );
  const vgg = diags.find((d) => d.code === 'cheaper-checkpoint' && d.range.start.line === lineOf(hubText, '"vgg16"'));
  assert.match(
    String(vgg?.message),
    // weights="DEFAULT" loads vgg16's IMAGENET1K_V1 (71.592); the swap asks for mobilenet_v2's DEFAULT, IMAGENET1K_V2 (72.154).
    /`mobilenet_v2`: .* ImageNet-1k top-1 accuracy \(%\) \(IMAGENET1K_V2 vs IMAGENET1K_V1\) 72\.154 vs 71\.592; .* Also close: `resnet18`/,
  );
  assert.ok(
    diags.every((d) => d.severity === 3 || d.severity === 4),
    JSON.stringify(diags.map((d) => [d.code, d.severity])),
  );
});

test('swap a checkpoint for its sibling: the string literal, an Auto class where needed, torchvision builders', async () => {
  const at = (needle: string) => actionsAt(gpu, hub, lineOf(hubText, needle));
  const auto = await at('AutoModel.from_pretrained("bert-base-uncased")');
  const swap = find(
    auto.actions,
    'Use distilbert-base-uncased (−39% params, −50% MACs, GLUE dev macro-score 77 vs 79.5 [Sanh et al. 2019, DistilBERT, arXiv:1910.01108, Table 1]) (−',
  );
  assert.match(swap.title, /\) \(−\d+% energy per forward pass on nvidia-t4\)$/);
  assert.deepEqual(
    swap.diagnostics?.map((d) => d.code),
    ['cheaper-checkpoint'],
  );
  edited.hubAuto = apply(auto.uri, auto.text, swap);
  assert.match(edited.hubAuto, /\nencoder = AutoModel\.from_pretrained\("distilbert-base-uncased"\)\n/);
  const { diags } = await recheck(gpu, 'hubAuto', edited.hubAuto);
  assert.ok(
    !diags.some((d) => d.code === 'cheaper-checkpoint' && d.range.start.line === lineOf(hubText, 'encoder = ')),
    'the swapped line is no longer flagged',
  );

  const bert = await at('BertModel.from_pretrained(');
  edited.hubBertModel = apply(bert.uri, bert.text, find(bert.actions, 'Use distilbert/distilbert-base-uncased ('));
  assert.match(edited.hubBertModel, /\nimport transformers\nimport timm\n/);
  assert.match(
    edited.hubBertModel,
    /\nbert = transformers\.AutoModel\.from_pretrained\("distilbert\/distilbert-base-uncased"\)\n/,
  );

  const timm = await at('timm.create_model("resnet50"');
  edited.hubTimm = apply(
    timm.uri,
    timm.text,
    find(timm.actions, 'Use efficientnet_b0 (−79% params, −91% MACs, ImageNet-1k top-1 accuracy (%) 77.692 vs 76.13 ['),
  );
  assert.match(edited.hubTimm, /timm\.create_model\("efficientnet_b0", pretrained=True\)/);
  assert.ok(
    !timm.actions.some((a) => a.title.startsWith('Use regnet_y_800mf')),
    'timm has no regnet_y_800mf alias in the catalog',
  );

  const builder = await at('resnet50(weights=ResNet50_Weights.DEFAULT)');
  edited.hubBuilder = apply(builder.uri, builder.text, find(builder.actions, 'Use regnet_y_800mf ('));
  assert.match(edited.hubBuilder, /\nclassifier = torchvision\.models\.regnet_y_800mf\(weights="DEFAULT"\)\n/);
});

test('Keras: mixed-precision policy after the keras import (bf16 on a Xeon, float16 on a T4), TFLite as an instruction', async () => {
  const line = lineOf(kerasText, 'model.fit(');
  const { uri, text, actions, diags } = await actionsAt(cpu, kerasFit, line);
  assert.match(
    String(diags.find((d) => d.code === 'fp32-training' && d.range.start.line === line)?.message),
    /intel-xeon-8480 has a fast bf16 path.*set_global_policy\("mixed_bfloat16"\)/,
  );
  const policy = find(actions, 'Set the Keras mixed-precision policy "mixed_bfloat16" (training: −');
  assert.match(policy.title, /× faster per step; inference: −\d+% energy per forward pass on intel-xeon-8480\)$/);
  assert.deepEqual(
    policy.diagnostics?.map((d) => d.code),
    ['fp32-training'],
  );
  edited.kerasPolicy = apply(uri, text, policy);
  assert.match(
    edited.kerasPolicy,
    /\nfrom keras import layers\nkeras\.mixed_precision\.set_global_policy\("mixed_bfloat16"\) {2}# WattLens: /,
  );
  const tflite = find(
    actions,
    'Convert model to int8 with the TFLite converter for deployment (dynamic range, as a commented instruction)',
  );
  assert.match(tflite.title, /model itself is unchanged here \(±0% energy per forward pass on intel-xeon-8480\)$/);
  edited.kerasTflite = apply(uri, text, tflite);
  assert.match(
    edited.kerasTflite,
    /validation_split=0\.1\)\n# WattLens: dynamic-range int8 quantization.*\n# {3}import tensorflow as tf\n# {3}converter = tf\.lite\.TFLiteConverter\.from_keras_model\(model\)/,
  );
  assert.ok(!actions.some((a) => /torch\./.test(a.title)), 'no PyTorch actions on Keras models');
  const t4 = await actionsAt(gpu, kerasFit, line);
  assert.ok(find(t4.actions, 'Set the Keras mixed-precision policy "mixed_float16"'));
});

test('tf.keras with tensorflow imported: the TFLite converter as real code after the model is built', async () => {
  const { uri, text, actions } = await actionsAt(gpu, 'file:///virtual/tf_keras.py', 2, tfKeras);
  const tflite = find(actions, 'Convert model to int8 with the TFLite converter for deployment (dynamic range)');
  assert.match(tflite.title, /runs on CPUs and mobile accelerators with TensorFlow Lite, 4× smaller weights;/);
  edited.tfKerasTflite = apply(uri, text, tflite);
  assert.match(
    edited.tfKerasTflite,
    /\]\)\n# WattLens: .*\nconverter = tf\.lite\.TFLiteConverter\.from_keras_model\(model\)\nconverter\.optimizations = \[tf\.lite\.Optimize\.DEFAULT\]\ntflite_model = converter\.convert\(\)/,
  );
  edited.tfKerasPolicy = apply(uri, text, find(actions, 'Set the Keras mixed-precision policy "mixed_float16"'));
  assert.match(
    edited.tfKerasPolicy,
    /^import tensorflow as tf\ntf\.keras\.mixed_precision\.set_global_policy\("mixed_float16"\)/,
  );
});

test('TF.js: the uint8 weight quantization as a commented converter instruction; the edit parses', async () => {
  const text = readFileSync(tfjs, 'utf8');
  const line = lineOf(text, 'const model = tf.sequential();');
  const { uri, actions } = await actionsAt(gpu, tfjs, line, text, 'typescript');
  const quant = find(
    actions,
    "Quantize model's weights to uint8 when converting (tensorflowjs_converter --quantize_uint8, as a commented instruction)",
  );
  assert.match(
    quant.title,
    /\(weights 8 B → 2 B to download; ±0% compute energy on nvidia-t4: TF\.js computes in float32\)$/,
  );
  const out = apply(uri, text, quant);
  assert.match(
    out,
    /\nmodel\.add\(tf\.layers\.dense\(\{units: 1, inputShape: \[1\]\}\)\);\n\/\/ WattLens: quantize the weights .*\n\/\/ {3}tensorflowjs_converter --input_format=tfjs_layers_model --output_format=tfjs_layers_model --quantize_uint8 model\.json quantized\/\n/,
  );
  const inner = await actionsAt(
    gpu,
    tfjs,
    lineOf(text, "model.add(tf.layers.dense({units: 50, activation: 'sigmoid'}));"),
    text,
    'typescript',
  );
  const innerOut = apply(uri, text, find(inner.actions, "Quantize createModel.model's weights"));
  assert.match(
    innerOut,
    /\n {2}model\.add\(tf\.layers\.dense\(\{units: 1, useBias: true\}\)\);\n {2}\/\/ WattLens: quantize/,
  );
  const parser = await loadParser();
  for (const t of [out, innerOut]) {
    const parsed = parser.parse(t, 'typescript');
    try {
      assert.ok(!parsed.root.hasError, 'the edited TF.js file parses without ERROR nodes');
    } finally {
      parsed.tree.delete();
    }
  }
  const { hints } = await recheck(gpu, 'tfjsQuant', out, 'ts');
  assert.ok(hints.length > 0);
});

test('every edited checkpoint / Keras file parses with Python ast', () => {
  assert.ok(Object.keys(edited).length >= 8, Object.keys(edited).join(', '));
  for (const [name, result] of Object.entries(checkPython(edited, false)))
    assert.equal(result, 'ok', `${name}: ${result}`);
});
