// Memory that does not fit (issue 13, item 6): weights + activations (+ KV cache, + gradients and
// optimizer state when training) against the profile's memory, said with how much is over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { viewOf } from '../helpers/ide';
import { findingItems } from '../../server/src/ide/advice/diagnostics';

const mistral =
  'from transformers import AutoModelForCausalLM\nmodel = AutoModelForCausalLM.from_pretrained("mistralai/Mistral-7B-v0.1")\n';

test('Mistral-7B at fp32 does not fit a 16 GB T4: the warning gives the parts and how much is over', async () => {
  const view = await viewOf(mistral, { hardware: 'nvidia-t4' });
  const warning = findingItems(view).find((f) => f.code === 'memory-fit');
  assert.ok(warning, 'a memory-fit warning');
  assert.equal(warning.severity, 'warning');
  assert.match(
    warning.message,
    /^mistralai\/Mistral-7B-v0\.1 does not fit nvidia-t4's 16 GB \(14\.9 GiB\) for inference at fp32: weights 27 GiB \(7,241,732,096 parameters\) \+ KV cache 512 MiB \(keys and values of 32 layers for 2,048 tokens × batch 1\) = 27\.5 GiB, 12\.6 GiB over\./,
  );
  const a100 = await viewOf(mistral, { hardware: 'nvidia-a100-80gb' });
  assert.ok(!findingItems(a100).some((f) => f.code === 'memory-fit'), 'it fits 80 GB');
  const half = await viewOf(mistral.replace('Mistral-7B-v0.1")', 'Mistral-7B-v0.1", torch_dtype=torch.float16)'), {
    hardware: 'nvidia-t4',
  });
  assert.ok(!findingItems(half).some((f) => f.code === 'memory-fit'), 'at fp16 (13.5 GiB + 256 MiB) it fits');
});

test('training counts gradients and the optimizer state: GPT-2 XL fine-tuned with Adam does not fit a T4', async () => {
  const text = [
    'from transformers import AutoModelForCausalLM, Trainer, TrainingArguments',
    'from datasets import load_dataset',
    'model = AutoModelForCausalLM.from_pretrained("gpt2-xl")',
    'train = load_dataset("imdb", split="train")',
    'args = TrainingArguments("out", per_device_train_batch_size=1)',
    'Trainer(model=model, args=args, train_dataset=train).train()',
    '',
  ].join('\n');
  const view = await viewOf(text, { hardware: 'nvidia-t4' });
  const warning = findingItems(view).find((f) => f.code === 'memory-fit');
  assert.ok(warning, JSON.stringify(findingItems(view).map((f) => f.code)));
  assert.match(
    warning.message,
    /to train at fp32: weights 5\.8 GiB .* \+ gradients 5\.8 GiB .* \+ optimizer state 11\.6 GiB \(Adam: two fp32 moments per parameter \(assumed: no optimizer found\)\)/,
  );
  assert.equal(warning.range.start.line, 5, 'on the training call');
});
