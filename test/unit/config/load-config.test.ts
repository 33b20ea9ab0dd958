import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { envName, flagName, loadConfig } from '../../../src/config/load-config.js';
import { ConfigError } from '../../../src/errors.js';

describe('loadConfig', () => {
  it('applies defaults when nothing is set, and freezes the result', () => {
    const config = loadConfig({ env: {} });
    assert.deepEqual(config.kafkaBrokers, ['localhost:9092']);
    assert.equal(config.kafkaClientId, 'relstream');
    assert.equal(config.kafkaRequestTimeoutMs, 30_000);
    assert.ok(Object.isFrozen(config));
  });

  it('reads RELSTREAM_* env vars, splitting lists and coercing numbers', () => {
    const config = loadConfig({ env: { RELSTREAM_KAFKA_BROKERS: 'a:9092, b:9093', RELSTREAM_KAFKA_REQUEST_TIMEOUT_MS: '1500' } });
    assert.deepEqual(config.kafkaBrokers, ['a:9092', 'b:9093']);
    assert.equal(config.kafkaRequestTimeoutMs, 1500);
  });

  it('takes the CUDA provider\'s batching defaults where they are not set, and the CPU ones otherwise', () => {
    const cpu = loadConfig({ env: {} });
    assert.deepEqual([cpu.batchMaxPairs, cpu.batchMaxTokens, cpu.inferenceConcurrency], [32, 8192, 1]);
    const cuda = loadConfig({ env: { RELSTREAM_EXECUTION_PROVIDER: 'cuda' } });
    assert.deepEqual([cuda.batchMaxPairs, cuda.batchMaxTokens, cuda.inferenceConcurrency], [512, 32768, 2]);
    const set = loadConfig({ env: { RELSTREAM_EXECUTION_PROVIDER: 'cuda', RELSTREAM_BATCH_MAX_PAIRS: '64' }, flags: { inferenceConcurrency: '1' } });
    assert.deepEqual([set.batchMaxPairs, set.batchMaxTokens, set.inferenceConcurrency], [64, 32768, 1]);
  });

  it('commits every 100 ms under exactly-once where the interval is not set (its output waits for the commit), every second otherwise', () => {
    const eo = { RELSTREAM_DELIVERY_GUARANTEE: 'exactly-once', RELSTREAM_TRANSACTIONAL_ID: 'relstream-0' };
    assert.equal(loadConfig({ env: {} }).commitIntervalMs, 1000);
    assert.equal(loadConfig({ env: eo }).commitIntervalMs, 100);
    assert.equal(loadConfig({ env: { ...eo, RELSTREAM_COMMIT_INTERVAL_MS: '2000' } }).commitIntervalMs, 2000);
    assert.equal(loadConfig({ env: eo, flags: { commitIntervalMs: '500' } }).commitIntervalMs, 500);
  });

  it('lets finished output wait up to a request (maxMessageBytes) with kafkajs where the buffer is not set (its sends queue), 256 KiB otherwise', () => {
    assert.equal(loadConfig({ env: {} }).outputBufferBytes, 256 * 1024);
    assert.equal(loadConfig({ env: { RELSTREAM_KAFKA_CLIENT: 'kafkajs' } }).outputBufferBytes, 1_000_000);
    assert.equal(loadConfig({ env: { RELSTREAM_KAFKA_CLIENT: 'kafkajs', RELSTREAM_MAX_MESSAGE_BYTES: '500000' } }).outputBufferBytes, 500_000);
    assert.equal(loadConfig({ env: { RELSTREAM_KAFKA_CLIENT: 'kafkajs', RELSTREAM_OUTPUT_BUFFER_BYTES: '65536' } }).outputBufferBytes, 65_536);
    assert.equal(loadConfig({ env: {}, flags: { kafkaClient: 'kafkajs' } }).outputBufferBytes, 1_000_000);
  });

  it('lets a flag win over the env var', () => {
    const config = loadConfig({ env: { RELSTREAM_KAFKA_CLIENT_ID: 'from-env' }, flags: { kafkaClientId: 'from-flag' } });
    assert.equal(config.kafkaClientId, 'from-flag');
  });

  it('rejects an invalid env value with an error naming the env var', () => {
    assert.throws(() => loadConfig({ env: { RELSTREAM_KAFKA_REQUEST_TIMEOUT_MS: 'soon' } }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.code, 'RELSTREAM_CONFIG_INVALID');
      assert.equal(error.key, 'RELSTREAM_KAFKA_REQUEST_TIMEOUT_MS');
      assert.match(error.message, /soon/);
      return true;
    });
  });

  it('rejects an invalid flag value with an error naming the flag', () => {
    assert.throws(() => loadConfig({ env: {}, flags: { logLevel: 'loud' } }), { name: 'ConfigError', key: '--log-level' });
  });

  it('derives env and flag names from the key', () => {
    assert.equal(envName('kafkaConnectionTimeoutMs'), 'RELSTREAM_KAFKA_CONNECTION_TIMEOUT_MS');
    assert.equal(flagName('kafkaConnectionTimeoutMs'), '--kafka-connection-timeout-ms');
  });
});
