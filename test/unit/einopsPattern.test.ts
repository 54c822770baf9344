// einops' pattern language on shapes: rearrange / repeat / reduce / einsum / EinMix against the
// shapes real einops gives (the cases of its documentation), and the errors it raises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPattern, einsumShapes, einMixShapes, EinopsError } from '../../server/src/core/frameworks/einops/pattern';

test('rearrange: patches, heads, flattening and the ellipsis', () => {
  const patches = applyPattern('rearrange', 'b c (h p1) (w p2) -> b (h w) (p1 p2 c)', [2, 3, 8, 8], { p1: 4, p2: 4 });
  assert.deepEqual(patches.shape, [2, 4, 48]);
  assert.deepEqual(applyPattern('rearrange', 'b n (h d) -> b h n d', [2, 4, 12], { h: 2 }).shape, [2, 2, 4, 6]);
  assert.deepEqual(applyPattern('rearrange', 'b ... -> b (...)', [2, 3, 8, 8], {}).shape, [2, 192]);
  assert.deepEqual(applyPattern('rearrange', '... n d -> ... (n d)', [4, 5, 2, 13], {}).shape, [4, 5, 26]);
  assert.deepEqual(applyPattern('rearrange', '(b h) n d -> b n (h d)', [8, 5, 16], { h: 4 }).shape, [2, 5, 64]);
  assert.deepEqual(applyPattern('rearrange', 'b 1 d -> b d', [3, 1, 7], {}).shape, [3, 7]);
});

test('repeat adds axes sized by keywords or numbers; reduce drops axes and counts what it reads', () => {
  assert.deepEqual(applyPattern('repeat', '1 1 d -> b 1 d', [1, 1, 5], { b: 3 }).shape, [3, 1, 5]);
  assert.deepEqual(applyPattern('repeat', 'h w -> h (w 2)', [3, 4], {}).shape, [3, 8]);
  assert.deepEqual(applyPattern('repeat', '... -> b ...', [4, 5], { b: 2 }).shape, [2, 4, 5]);
  const pooled = applyPattern('reduce', 'b c (h 2) (w 2) -> b c h w', [2, 3, 8, 8], {});
  assert.deepEqual(pooled.shape, [2, 3, 4, 4]);
  assert.equal(pooled.reducedPerOutput, 4);
  assert.deepEqual(applyPattern('reduce', 'b n c -> b c', [2, 5, 7], {}).shape, [2, 7]);
});

test('einsum shapes and MACs; EinMix weight and bias shapes', () => {
  assert.deepEqual(
    einsumShapes('b n d, d e -> b n e', [
      [2, 4, 5],
      [5, 6],
    ]),
    { shape: [2, 4, 6], macs: 2 * 4 * 5 * 6 },
  );
  const mix = einMixShapes('b t c -> b t c2', 'c c2', 'c2', { c: 5, c2: 7 });
  assert.deepEqual(mix.weight, [5, 7]);
  assert.deepEqual(mix.bias, [1, 1, 7]);
});

test('bad patterns and shapes raise what einops raises', () => {
  assert.throws(() => applyPattern('rearrange', 'b c h w -> b c', [1, 2, 3, 4], {}), EinopsError);
  assert.throws(() => applyPattern('rearrange', 'b (h p) -> b h p', [2, 7], { p: 2 }), /not divisible/);
  assert.throws(() => applyPattern('rearrange', 'b c -> b c d', [2, 3], {}), /only on the right/);
  assert.throws(() => applyPattern('rearrange', 'b (h w) -> b h w', [2, 12], {}), /cannot infer/);
  assert.throws(() => applyPattern('rearrange', 'b c h -> b c h', [2, 3], {}), /dimensions/);
  assert.throws(() => applyPattern('rearrange', 'b ((c)) -> b c', [2, 3], {}), /nested/);
  assert.throws(() => applyPattern('repeat', 'h w -> h w b', [2, 3], {}), /size of the new axis/);
});
