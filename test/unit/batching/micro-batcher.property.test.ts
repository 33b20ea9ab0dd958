/**
 * The bucketed micro-batcher takes exactly the batches of the straightforward algorithm it replaced (sort the
 * queue by distance in length to the oldest pair, ties by age; take greedily within maxPairs and maxTokens),
 * for arbitrary queues and limits. The reference is kept here, written for clarity, not speed.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import fc from 'fast-check';

import { MicroBatcher } from '../../../src/batching/micro-batcher.js';

interface Item { readonly length: number; readonly n: number }

function referenceBatch(queue: readonly Item[], maxPairs: number, maxTokens: number): Item[] {
  const [oldest, ...rest] = queue;
  if (!oldest) return [];
  const byCloseness = [...rest].sort((a, b) => Math.abs(a.length - oldest.length) - Math.abs(b.length - oldest.length) || a.n - b.n);
  const batch = [oldest];
  let longest = oldest.length;
  for (const candidate of byCloseness) {
    if (batch.length >= maxPairs) break;
    const nextLongest = Math.max(longest, candidate.length);
    if (nextLongest * (batch.length + 1) > maxTokens) continue;
    batch.push(candidate);
    longest = nextLongest;
  }
  return batch;
}

it('takes the same batches as the reference algorithm, for any queue and limits', async () => {
  await fc.assert(fc.asyncProperty(
    fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 120 }),
    fc.integer({ min: 1, max: 16 }),
    fc.integer({ min: 1, max: 600 }),
    async (lengths, maxPairs, maxTokens) => {
      let clock = 0;
      const batches: Item[][] = [];
      const release: (() => void)[] = [];
      const batcher = new MicroBatcher<Item>({
        maxPairs, maxTokens, maxWaitMs: 0, concurrency: 1, capacityPairs: 1e9, capacityTokens: 1e12, now: () => clock,
        run: (items) => { batches.push(items); return new Promise<void>((resolve) => release.push(resolve)); },
      });
      // A first pair runs and blocks the only slot, so the rest queue up; then batches are taken one by one.
      batcher.submit({ length: 1, n: -1 });
      const items = lengths.map((length, n) => ({ length, n }));
      for (const item of items) {
        clock = item.n;
        batcher.submit(item);
      }
      let model = [...items];
      for (let i = 0; i < items.length + 1 && (release.length > 0); i++) {
        const next = release.shift();
        next?.();
        await sleep(0);
        if (model.length === 0) break;
        const expected = referenceBatch(model, maxPairs, maxTokens);
        assert.deepEqual(batches.at(-1)?.map((b) => b.n), expected.map((e) => e.n));
        const taken = new Set(expected);
        model = model.filter((m) => !taken.has(m));
        assert.equal(batcher.queuedPairs, model.length);
        assert.equal(batcher.queuedTokens, model.reduce((n, m) => n + m.length, 0));
      }
      assert.equal(model.length, 0, 'every pair was taken');
      batcher.close();
    },
  ), { numRuns: 300 });
});

it('keeps memory bounded by what is queued when one length never empties (a steady stream)', async () => {
  let release: (() => void) | undefined;
  const batcher = new MicroBatcher<Item>({
    maxPairs: 8, maxTokens: 1e6, maxWaitMs: 0, concurrency: 1, capacityPairs: 1e9, capacityTokens: 1e12,
    run: () => new Promise<void>((resolve) => { release = resolve; }),
  });
  // 100 pairs stay queued while 100,000 pass through the same length.
  for (let n = 0; n < 100; n++) batcher.submit({ length: 40, n });
  for (let n = 100; n < 100_000; n += 8) {
    for (let k = 0; k < 8; k++) batcher.submit({ length: 40, n: n + k });
    const next = release;
    release = undefined;
    next?.();
    await Promise.resolve();
    await Promise.resolve();
  }
  assert.ok(batcher.queuedPairs <= 200, `${batcher.queuedPairs} queued`);
  const internals = batcher as unknown as { buckets: Map<number, { entries: unknown[] }>; queue: unknown[] };
  assert.ok((internals.buckets.get(40)?.entries.length ?? 0) < 5000, 'the bucket is compacted');
  assert.ok(internals.queue.length < 5000, 'the arrival queue is compacted');
  batcher.close();
});
