// The language server's memory guard reaches V8's collector at run time and collects only past its limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapStatistics } from 'node:v8';
import { MemoryGuard } from '../../server/src/lsp/memoryGuard';

test('under the limit nothing happens; past it one full collection frees the garbage', () => {
  assert.equal(new MemoryGuard(Number.MAX_SAFE_INTEGER).check(), false);
  let garbage: { i: number; s: string }[] | null = Array.from({ length: 400_000 }, (_, i) => ({ i, s: `item ${i}` }));
  const before = getHeapStatistics().used_heap_size;
  garbage = null;
  const guard = new MemoryGuard(1);
  assert.equal(guard.check(), true);
  assert.equal(guard.collections, 1);
  assert.equal(garbage, null);
  assert.ok(getHeapStatistics().used_heap_size < before - 10 * 1024 * 1024, 'the collection freed the dropped objects');
});
