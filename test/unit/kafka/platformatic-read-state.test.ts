/**
 * The platformatic adapter's read state (src/kafka/platformatic/read-state.ts) on its own: seeded sequences of
 * joins, seeks, lost memberships, pauses and reads, checked against what the processor relies on. The adapter
 * around it is driven by the simulation (test/unit/simulation/platformatic-adapter.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { LibraryMessage } from '../../../src/kafka/platformatic/library-surface.js';
import { ReadState } from '../../../src/kafka/platformatic/read-state.js';
import { seeded } from '../../simulation/world.js';

const TOPIC = 't';

function message(partition: number, offset: number): LibraryMessage {
  return {
    topic: TOPIC, partition, offset: BigInt(offset), key: Buffer.alloc(0), value: Buffer.alloc(0), timestamp: 0n, leaderEpoch: 3,
    metadata: {}, headers: new Map(), headerEntries: [], commit: () => undefined,
    toJSON: () => ({ key: Buffer.alloc(0), value: Buffer.alloc(0), headers: [], topic: TOPIC, partition, timestamp: '0', offset: String(offset), leaderEpoch: 3, metadata: {} }),
  };
}

const offsets = (messages: readonly LibraryMessage[]): number[] => messages.map((m) => Number(m.offset));

describe('platformatic read state', () => {
  it('hands on only messages read in the current epoch, of assigned partitions, per partition in arrival order', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const random = seeded(seed);
      const state = new ReadState();
      state.join([{ topic: TOPIC, partitions: [0, 1, 2] }]);
      const next = [0, 0, 0];
      /** What was handed on per partition since the last epoch change, and under which epoch. */
      const handed = new Map<number, number[]>();
      const reads: { epoch: number; messages: LibraryMessage[] }[] = [];
      for (let step = 0; step < 60; step++) {
        const roll = random();
        if (roll < 0.4) {
          const p = Math.floor(random() * 3);
          const n = 1 + Math.floor(random() * 4);
          reads.push({ epoch: state.epoch, messages: Array.from({ length: n }, (_, i) => message(p, (next[p] ?? 0) + i)) });
          next[p] = (next[p] ?? 0) + n;
        } else if (roll < 0.7 && reads.length > 0) {
          const read = reads.shift();
          if (read === undefined) continue;
          for (const [key, list] of state.group(read.messages)) {
            if (state.admit(key, list, read.epoch) !== 'deliver') continue;
            const batch = state.take(key, list, read.epoch);
            assert.equal(read.epoch, state.epoch, `seed ${seed}: a read of an older epoch was handed on`);
            if (batch) handed.set(list[0]?.partition ?? -1, [...(handed.get(list[0]?.partition ?? -1) ?? []), ...offsets(batch.messages)]);
          }
        } else if (roll < 0.8) {
          const p = Math.floor(random() * 3);
          if (random() < 0.5) state.pause(TOPIC, p);
          else state.resume(TOPIC, p);
          for (let run = state.nextReleasable(); run !== undefined; run = state.nextReleasable()) {
            const batch = state.take(run[0], run[1], state.epoch);
            const p2 = run[1][0]?.partition ?? -1;
            if (batch) handed.set(p2, [...(handed.get(p2) ?? []), ...offsets(batch.messages)]);
          }
        } else if (roll < 0.9) {
          state.seek();
          handed.clear();
        } else {
          state.join([{ topic: TOPIC, partitions: [0, 1, 2].filter(() => random() < 0.7) }]);
          handed.clear();
        }
        for (const [p, list] of handed) {
          assert.ok(state.isAssigned(TOPIC, p), `seed ${seed}: p${p} handed on but not assigned`);
          list.forEach((offset, i) => { if (i > 0) assert.equal(offset, (list[i - 1] ?? 0) + 1, `seed ${seed}: p${p} out of order: ${list.join(',')}`); });
        }
      }
    }
  });

  it('filters below the stable floor and reports the watermark, never below the batch end', () => {
    const state = new ReadState();
    state.join([{ topic: TOPIC, partitions: [0] }]);
    state.setFloor(TOPIC, 0, 3n);
    state.setWatermark(TOPIC, 0, 4n);
    const batch = state.take(`${TOPIC}\u00000`, [1, 2, 3, 4, 5].map((o) => message(0, o)), state.epoch);
    assert.deepEqual(offsets(batch?.messages ?? []), [3, 4, 5]);
    assert.equal(batch?.highWatermark, 6n);
    assert.equal(state.leaderEpoch(TOPIC, 0), 3);
    assert.equal(state.take(`${TOPIC}\u00000`, [message(0, 1)], state.epoch), undefined, 'nothing above the floor');
  });

  it('holds a paused partition and releases it in order; a join forgets what was held', () => {
    const state = new ReadState();
    state.join([{ topic: TOPIC, partitions: [0, 1] }]);
    state.pause(TOPIC, 0);
    const key = `${TOPIC}\u00000`;
    assert.equal(state.admit(key, [message(0, 0)], state.epoch), 'held');
    state.resume(TOPIC, 0);
    // Earlier held messages go first: a new read of the partition waits behind them.
    assert.equal(state.admit(key, [message(0, 1)], state.epoch), 'held');
    assert.deepEqual(offsets(state.nextReleasable()?.[1] ?? []), [0, 1]);
    state.pause(TOPIC, 0);
    assert.equal(state.admit(key, [message(0, 2)], state.epoch), 'held');
    assert.ok(state.blocked(1), 'the held limit stops reading');
    state.join([{ topic: TOPIC, partitions: [0] }]);
    assert.equal(state.nextReleasable(), undefined);
    assert.equal(state.blocked(1), true, 'every assigned partition is paused');
    state.lose();
    assert.equal(state.hasAssignment(), false);
  });
});
