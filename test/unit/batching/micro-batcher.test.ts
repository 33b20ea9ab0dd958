import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';

import { MicroBatcher } from '../../../src/batching/micro-batcher.js';

interface Item { readonly length: number; readonly n: number }

function harness(options: { maxPairs?: number; maxTokens?: number; maxWaitMs?: number; concurrency?: number; capacityPairs?: number; capacityTokens?: number; capacityMs?: number; now?: () => number }) {
  const batches: Item[][] = [];
  const release: (() => void)[] = [];
  const batcher = new MicroBatcher<Item>({
    maxPairs: options.maxPairs ?? 4, maxTokens: options.maxTokens ?? 10_000, maxWaitMs: options.maxWaitMs ?? 10_000,
    concurrency: options.concurrency ?? 1, capacityPairs: options.capacityPairs ?? 100, capacityTokens: options.capacityTokens ?? 1_000_000,
    run: (items) => { batches.push(items); return new Promise<void>((resolve) => release.push(resolve)); },
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.capacityMs === undefined ? {} : { capacityMs: options.capacityMs }),
  });
  return { batcher, batches, release };
}

describe('MicroBatcher', () => {
  it('closes a batch at maxPairs without waiting', () => {
    const { batcher, batches } = harness({ maxPairs: 3 });
    for (let n = 0; n < 3; n++) batcher.submit({ length: 10, n });
    assert.deepEqual(batches.map((b) => b.map((i) => i.n)), [[0, 1, 2]]);
    batcher.close();
  });

  it('closes a partial batch once its oldest pair waited maxWaitMs, not before', (t) => {
    // The batcher's clock and timers on node:test's mock clock: exact, whatever the machine's speed.
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const { batcher, batches } = harness({ maxPairs: 8, maxWaitMs: 30, now: () => Date.now() });
    batcher.submit({ length: 10, n: 0 });
    t.mock.timers.tick(29);
    assert.equal(batches.length, 0, 'not before maxWaitMs');
    t.mock.timers.tick(1);
    assert.deepEqual(batches.map((b) => b.length), [1]);
    batcher.close();
  });

  it('keeps padded tokens (pairs x longest) within maxTokens and groups similar lengths', () => {
    const { batcher, batches, release } = harness({ maxPairs: 8, maxTokens: 300, concurrency: 1 });
    batcher.submit({ length: 400, n: 0 }); // alone: a pair longer than the budget still runs, by itself
    for (const [n, length] of [[1, 100], [2, 20], [3, 98], [4, 22], [5, 99], [6, 21]] as const) batcher.submit({ length, n });
    release[0]?.();
    return turn().then(() => {
      assert.deepEqual(batches[0]?.map((i) => i.n), [0]);
      const second = batches[1] ?? [];
      const longest = Math.max(...second.map((i) => i.length));
      assert.ok(longest * second.length <= 300);
      assert.deepEqual(second.map((i) => i.n).sort(), [1, 3, 5], 'the ~100-token pairs go together, the ~20-token ones wait');
      batcher.close();
    });
  });

  it('never runs more than `concurrency` batches, and reports when it has room again', async () => {
    const { batcher, batches, release } = harness({ maxPairs: 1, concurrency: 2, capacityPairs: 2 });
    for (let n = 0; n < 4; n++) batcher.submit({ length: 5, n });
    assert.equal(batches.length, 2);
    assert.equal(batcher.queuedPairs, 2);
    assert.equal(batcher.hasRoom(), false);
    let roomy = false;
    void batcher.whenRoom().then(() => { roomy = true; });
    release[0]?.();
    await turn();
    assert.equal(batches.length, 3);
    assert.equal(roomy, true);
    release[1]?.(); release[2]?.();
    await turn();
    release[3]?.();
    await batcher.whenIdle();
    batcher.close();
  });

  it('discards queued work of revoked partitions', () => {
    const { batcher } = harness({ maxPairs: 10 });
    for (let n = 0; n < 4; n++) batcher.submit({ length: 5, n });
    const dropped = batcher.discard((item) => item.n % 2 === 0);
    assert.deepEqual(dropped.map((i) => i.n), [1, 3]);
    assert.equal(batcher.queuedPairs, 2);
    batcher.close();
  });

  it('reaches its low-water mark at half its capacity, in pairs and in tokens, and says so once there', async () => {
    const { batcher, release } = harness({ maxPairs: 2, capacityPairs: 8, capacityTokens: 1_000, concurrency: 1 });
    for (let n = 0; n < 8; n++) batcher.submit({ length: 10, n });
    // Two running, six queued: room, but above the low-water mark of four.
    assert.equal(batcher.queuedPairs, 6);
    let low = false;
    void batcher.whenLowWater().then(() => { low = true; });
    release[0]?.();
    await turn();
    assert.equal(batcher.queuedPairs, 4);
    assert.equal(batcher.atLowWater(), true);
    assert.equal(low, true, 'resolved on reaching it');

    const tokens = harness({ maxPairs: 1, capacityPairs: 100, capacityTokens: 100, concurrency: 1 });
    for (let n = 0; n < 3; n++) tokens.batcher.submit({ length: 30, n });
    assert.equal(tokens.batcher.atLowWater(), false, '60 tokens queued, above half of 100');
    tokens.release[0]?.();
    await turn();
    assert.equal(tokens.batcher.atLowWater(), true, '30 tokens queued');
    batcher.close();
    tokens.batcher.close();
  });

  it('holds no more than capacityMs of work at the rate its batches ran, and never less than two full batches per slot', async () => {
    let clock = 0;
    const { batcher, release } = harness({ maxPairs: 4, concurrency: 1, capacityPairs: 1000, capacityMs: 500, now: () => clock });
    assert.equal(batcher.capacity, 8, 'no rate measured yet: two batches per slot');
    for (let n = 0; n < 4; n++) batcher.submit({ length: 5, n });
    clock += 40; // 4 pairs in 40 ms: 100 pairs/s, 50 pairs in 500 ms
    release[0]?.();
    await turn();
    assert.equal(batcher.capacity, 50);
    for (let n = 0; n < 60; n++) batcher.submit({ length: 5, n });
    assert.equal(batcher.queuedPairs, 56);
    assert.equal(batcher.hasRoom(), false, 'more than 500 ms of work queued');
    assert.equal(batcher.atLowWater(), false);

    // A batch twice as slow: the averages of pairs and of time move a fifth of the way (4 pairs in 48 ms).
    clock += 80;
    release[1]?.();
    await turn();
    assert.equal(batcher.capacity, 41);
    // Ever slower batches: the queue still keeps two full batches.
    for (let i = 2; i < 14; i++) {
      clock += 4000;
      release[i]?.();
      await turn();
    }
    assert.equal(batcher.capacity, 8, 'floor: two batches of maxPairs');
    for (const r of release) r();
    await turn();
    batcher.close();
  });
});
