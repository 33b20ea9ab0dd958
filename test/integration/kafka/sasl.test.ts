/** SASL against the run's local broker, whose second listener requires SCRAM-SHA-256/512 or PLAIN. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createKafkaClient } from '../../../src/kafka/kafkajs-adapter.js';
import type { SaslMechanism } from '../../../src/kafka/types.js';
import { silentLogger } from '../../../src/observability/logger.js';

const brokers = process.env['RELSTREAM_TEST_SASL_BROKERS'];
const username = process.env['RELSTREAM_TEST_SASL_USER'] ?? '';
const password = process.env['RELSTREAM_TEST_SASL_PASSWORD'] ?? '';

function client(mechanism: SaslMechanism, secret: string) {
  return createKafkaClient({ brokers: [brokers ?? ''], clientId: 'sasl-test', connectionTimeoutMs: 3000, retries: 0, sasl: { mechanism, username, password: secret } }, silentLogger);
}

describe('SASL authentication', { skip: brokers ? false : 'no SASL listener (RELSTREAM_TEST_SASL_BROKERS): run through `npm test`' }, () => {
  for (const mechanism of ['scram-sha-256', 'scram-sha-512', 'plain'] as const) {
    it(`${mechanism}: the right password gets in`, async () => {
      const admin = await client(mechanism, password).admin();
      try {
        assert.equal((await admin.describeCluster()).brokers.length, 1);
      } finally {
        await admin.disconnect();
      }
    });
  }

  it('a wrong password is refused with a typed error that does not echo the password', async () => {
    const wrong = `wrong-${password}`;
    await assert.rejects(client('scram-sha-512', wrong).admin(), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.match((error as { code?: string }).code ?? '', /^RELSTREAM_KAFKA_/);
      assert.ok(!error.message.includes(wrong));
      return true;
    });
  });
});
