/** TLS against the run's local broker, whose third listener speaks SSL with a throwaway CA. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { loadConfig } from '../../../src/config/load-config.js';
import { kafkaConnection } from '../../../src/kafka/connection-from-config.js';
import { createKafkaClient } from '../../../src/kafka/kafkajs-adapter.js';
import { silentLogger } from '../../../src/observability/logger.js';

const brokers = process.env['RELSTREAM_TEST_TLS_BROKERS'];
const caFile = process.env['RELSTREAM_TEST_TLS_CA_FILE'] ?? '';

describe('TLS', { skip: brokers ? false : 'no TLS listener (RELSTREAM_TEST_TLS_BROKERS): run through `npm test` with openssl installed' }, () => {
  it('connects over TLS when the configuration names the CA', async () => {
    const config = loadConfig({ env: { RELSTREAM_KAFKA_BROKERS: brokers ?? '', RELSTREAM_KAFKA_TLS_CA_FILE: caFile } });
    const admin = await createKafkaClient(kafkaConnection(config), silentLogger).admin();
    try {
      assert.equal((await admin.describeCluster()).brokers.length, 1);
    } finally {
      await admin.disconnect();
    }
  });

  it('refuses a broker whose certificate it cannot verify', async () => {
    const config = loadConfig({ env: { RELSTREAM_KAFKA_BROKERS: brokers ?? '', RELSTREAM_KAFKA_TLS: 'true', RELSTREAM_KAFKA_CONNECTION_TIMEOUT_MS: '2000' } });
    const client = createKafkaClient({ ...kafkaConnection(config), retries: 0 }, silentLogger);
    await assert.rejects(client.admin(), { code: 'RELSTREAM_KAFKA_CONNECTION' });
  });
});
