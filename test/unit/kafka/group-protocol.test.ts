import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { loadConfig } from '../../../src/config/load-config.js';
import { ConfigError } from '../../../src/errors.js';
import { resolveGroupProtocol } from '../../../src/kafka/group-protocol.js';

const broker = (kip848: boolean | undefined) => (kip848 === undefined ? {} : { supportsConsumerProtocol: () => Promise.resolve(kip848) });

describe('the consumer group protocol, settled at start', () => {
  it('auto: KIP-848 where both the client and the broker have it, classic otherwise', async () => {
    assert.equal(await resolveGroupProtocol('auto', 'platformatic', broker(true)), 'consumer');
    assert.equal(await resolveGroupProtocol('auto', 'platformatic', broker(false)), 'classic');
    assert.equal(await resolveGroupProtocol('auto', 'kafkajs', broker(true)), 'classic');
    assert.equal(await resolveGroupProtocol('auto', 'kafkajs', broker(undefined)), 'classic');
  });

  it('classic is taken as asked, whatever the broker runs', async () => {
    assert.equal(await resolveGroupProtocol('classic', 'platformatic', broker(true)), 'classic');
  });

  it('consumer where the broker or the client lacks it stops the start with an error naming the setting', async () => {
    await assert.rejects(resolveGroupProtocol('consumer', 'platformatic', broker(false)), (error: unknown) => error instanceof ConfigError && error.key === 'RELSTREAM_GROUP_PROTOCOL' && /Kafka 4\.0/.test(error.message));
    await assert.rejects(resolveGroupProtocol('consumer', 'kafkajs', broker(true)), (error: unknown) => error instanceof ConfigError && /kafkajs/.test(error.message));
    assert.equal(await resolveGroupProtocol('consumer', 'platformatic', broker(true)), 'consumer');
  });

  it('the configuration refuses consumer with kafkajs, and a revocation bound that would outlast the session', () => {
    assert.throws(() => loadConfig({ env: { RELSTREAM_GROUP_PROTOCOL: 'consumer', RELSTREAM_KAFKA_CLIENT: 'kafkajs' } }), (error: unknown) => error instanceof ConfigError && error.key === 'RELSTREAM_GROUP_PROTOCOL');
    assert.throws(() => loadConfig({ env: { RELSTREAM_SESSION_TIMEOUT_MS: '6000' } }), (error: unknown) => error instanceof ConfigError && error.key === 'RELSTREAM_REVOKE_TIMEOUT_MS' && /sessionTimeoutMs/.test(error.message));
    assert.equal(loadConfig({ env: { RELSTREAM_SESSION_TIMEOUT_MS: '6000', RELSTREAM_REVOKE_TIMEOUT_MS: '2500' } }).revokeTimeoutMs, 2500);
  });
});
