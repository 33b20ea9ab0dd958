/**
 * relstream's murmur2 (src/kafka/murmur2.ts) in place of @platformatic/kafka's BigInt one: a key must land on the
 * partition the Java client, kafkajs and the library's own compatibilityPartitioner give it, for every key.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { compatibilityPartitioner } from '@platformatic/kafka';
import fc from 'fast-check';

import { murmur2 } from '../../../../src/kafka/murmur2.js';

const NO_MESSAGE = { topic: 'unused' };

describe('murmur2', () => {
  it('gives the Java client\'s values (Kafka\'s UtilsTest.testMurmur2)', () => {
    const java: [string | number[], number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      [[0x61, 0x62, 0x63], 479470107],
    ];
    for (const [key, expected] of java) assert.equal(murmur2(Buffer.from(key)), expected, String(key));
  });

  it('masked, equals the library\'s compatibilityPartitioner for any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const key = Buffer.from(bytes);
      assert.equal(murmur2(key) & 0x7fffffff, compatibilityPartitioner(NO_MESSAGE, key));
    }), { numRuns: 2000 });
  });

  it('reads only the key\'s own bytes when it is a view into a larger buffer', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(16), fc.nat(16), (bytes, before, after) => {
      const whole = Buffer.concat([Buffer.alloc(before, 0xff), Buffer.from(bytes), Buffer.alloc(after, 0xee)]);
      assert.equal(murmur2(whole.subarray(before, before + bytes.length)), murmur2(Buffer.from(bytes)));
    }));
  });
});
