/**
 * The local broker's KRaft cluster id (tools/local-kafka/local-broker.ts): 16 random bytes in base64url, never
 * starting with '-', which kafka-storage's argument parser would take for an option and refuse to format.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { newClusterId } from '../../../tools/local-kafka/local-broker.js';

describe('the local broker\'s cluster id', () => {
  it('is 22 base64url characters that never start with a dash (10,000 drawn: about 156 would without the check)', () => {
    for (let i = 0; i < 10_000; i++) {
      const id = newClusterId();
      assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/, id);
    }
  });
});
