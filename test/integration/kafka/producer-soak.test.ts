/**
 * The producer concurrency soak (tools/producer-soak.ts) for each Kafka client, small enough for every run;
 * `npm run bench -- --soak 1000000` runs it with 10⁶ messages.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { KAFKA_CLIENTS } from '../../../src/kafka/create-client.js';
import { producerSoak } from '../../../tools/producer-soak.js';
import { testClient } from '../../helpers/kafka.js';

describe('idempotent producer soak: several sends in flight', () => {
  for (const kind of KAFKA_CLIENTS) {
    it(`${kind}: 60,000 messages, 8 sends in flight: distinct offsets, nothing lost, each read back once`, { timeout: 300_000 }, async (t) => {
      const outcome = await producerSoak(testClient(`soak-${kind}`, kind), { total: 60_000, batch: 500, inFlight: 8, partitions: 6 });
      t.diagnostic(`${kind}: produced in ${outcome.produceSeconds.toFixed(1)} s, read back in ${outcome.readSeconds.toFixed(1)} s`);
      assert.deepEqual(
        { overlappingAcks: outcome.overlappingAcks, logMismatch: outcome.logMismatch, readBack: outcome.readBack, readTwice: outcome.readTwice, missing: outcome.missing },
        { overlappingAcks: 0, logMismatch: 0, readBack: 60_000, readTwice: 0, missing: 0 },
      );
    });
  }
});
