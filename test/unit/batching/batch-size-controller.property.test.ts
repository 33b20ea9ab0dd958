/**
 * The batch-size controller on simulated throughput curves: for any unimodal curve over the sizes (the peak
 * anywhere, steps of 5% or more between sizes) and ±5% noise per batch, it settles on a size whose throughput
 * is at least 0.9x the best, and once settled the throughput it delivers, probes included, is at least 0.85x
 * the best. On flatter curves (steps under its 3% margin it may not climb) it never ends slower than its start. Batches that are not full are not
 * samples.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';

import fc from 'fast-check';

import { BatchSizeController } from '../../../src/batching/batch-size-controller.js';

/** Pairs/s at each size: rising to the peak rung, falling after it. */
function curve(sizes: readonly number[], peak: number, rise: number, fall: number): Map<number, number> {
  return new Map(sizes.map((size, i) => [size, 100 * (i <= peak ? rise ** (i - peak) : fall ** (peak - i))]));
}

const ladder = (max: number): number[] => {
  const out: number[] = [];
  for (let s = 1; s < max; s *= 2) out.push(s);
  return [...out, max];
};

/** Steps between neighbouring sizes of at least 5%: above the controller's 3% margin and the noise. */
it('settles within 0.9x of the best size on any unimodal curve with 5% steps or more, with noise', () => {
  fc.assert(fc.property(
    fc.integer({ min: 2, max: 256 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 1.05, max: 2, noNaN: true }),
    fc.double({ min: 1.05, max: 2, noNaN: true }), fc.integer({ min: 1, max: 2 ** 31 - 2 }),
    (maxPairs, peakAt, rise, fall, seed) => {
      const sizes = ladder(maxPairs);
      const speed = curve(sizes, Math.floor(peakAt * (sizes.length - 1)), rise, fall);
      const best = Math.max(...speed.values());
      let state = seed;
      const noise = (): number => { state = (state * 48_271) % 2_147_483_647; return 0.95 + 0.1 * (state / 2_147_483_647); };
      const controller = new BatchSizeController({ maxPairs });
      let pairs = 0;
      let seconds = 0;
      for (let batch = 0; batch < 3000; batch++) {
        const size = controller.size;
        const took = size / ((speed.get(size) ?? 1) * noise());
        controller.observe(size, took);
        if (batch >= 2000) { pairs += size; seconds += took; }
      }
      assert.ok((speed.get(controller.chosen) ?? 0) >= 0.9 * best, `chose ${controller.chosen}: ${speed.get(controller.chosen)} of best ${best}`);
      assert.ok(pairs / seconds >= 0.85 * best, `delivered ${pairs / seconds} of best ${best}`);
    },
  ), { numRuns: 200 });
});

it('on flatter curves it never settles on a size slower than the one it started from (batchMaxPairs)', () => {
  fc.assert(fc.property(
    fc.integer({ min: 2, max: 256 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 1, max: 1.05, noNaN: true }),
    fc.double({ min: 1, max: 1.05, noNaN: true }),
    (maxPairs, peakAt, rise, fall) => {
      const sizes = ladder(maxPairs);
      const speed = curve(sizes, Math.floor(peakAt * (sizes.length - 1)), rise, fall);
      const controller = new BatchSizeController({ maxPairs });
      for (let batch = 0; batch < 3000; batch++) controller.observe(controller.size, controller.size / (speed.get(controller.size) ?? 1));
      assert.ok((speed.get(controller.chosen) ?? 0) >= (speed.get(maxPairs) ?? 0), `chose ${controller.chosen}`);
    },
  ), { numRuns: 200 });
});

it('takes only full batches as samples, and offers maxPairs itself when it is not a power of two', () => {
  const controller = new BatchSizeController({ maxPairs: 24, samplesPerProbe: 2 });
  /** One window: samplesPerProbe full batches of `size` pairs, each taking `seconds`. */
  const window = (size: number, seconds: number): void => { for (let i = 0; i < 2; i++) controller.observe(size, seconds); };
  assert.equal(controller.size, 24);
  for (let i = 0; i < 50; i++) controller.observe(7, 0.001);
  assert.equal(controller.size, 24, 'batches of 7 pairs say nothing about size 24');
  window(24, 1);
  assert.equal(controller.size, 16, 'after a window at 24 it probes 16');
  window(16, 0.5);
  assert.equal(controller.chosen, 16, '32 pairs/s at 16 beat 24 pairs/s at 24: it moved');
  window(16, 0.5);
  assert.equal(controller.size, 8, 'after a move it probes on the same way at once');
  window(8, 1);
  assert.equal(controller.chosen, 16, '8 pairs/s at 8: it stays at 16');
  for (let i = 0; i < 15; i++) controller.observe(16, 0.5);
  assert.equal(controller.size, 16, 'and holds four times the probe\'s time (2 s) before the next probe');
  controller.observe(16, 0.5);
  assert.equal(controller.size, 24, 'then probes the other way');
});
