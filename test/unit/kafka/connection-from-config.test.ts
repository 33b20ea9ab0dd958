import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { loadConfig } from '../../../src/config/load-config.js';
import { redactConfig } from '../../../src/config/redact.js';
import { kafkaConnection } from '../../../src/kafka/connection-from-config.js';

const dir = await mkdtemp(join(tmpdir(), 'relstream-conn-'));
after(() => rm(dir, { recursive: true, force: true }));
const file = async (name: string, content: string): Promise<string> => {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
};
const connection = (env: Record<string, string>) => kafkaConnection(loadConfig({ env }));

describe('kafkaConnection', () => {
  it('is plaintext without TLS or SASL settings', () => {
    const options = connection({});
    assert.equal(options.tls, undefined);
    assert.equal(options.sasl, undefined);
  });

  it('reads TLS material from PEM files', async () => {
    const ca = await file('ca.pem', 'CA PEM');
    const options = connection({ RELSTREAM_KAFKA_TLS_CA_FILE: ca, RELSTREAM_KAFKA_TLS_CERT_FILE: await file('c.pem', 'CERT'), RELSTREAM_KAFKA_TLS_KEY_FILE: await file('k.pem', 'KEY') });
    assert.deepEqual(options.tls, { rejectUnauthorized: true, ca: 'CA PEM', cert: 'CERT', key: 'KEY' });
    assert.deepEqual(connection({ RELSTREAM_KAFKA_TLS: 'true' }).tls, { rejectUnauthorized: true });
  });

  it('rejects a certificate without its key, naming the key', async () => {
    assert.throws(() => connection({ RELSTREAM_KAFKA_TLS_CERT_FILE: join(dir, 'c.pem') }), { key: 'RELSTREAM_KAFKA_TLS_KEY_FILE' });
    await file('c.pem', 'CERT');
  });

  it('builds SCRAM credentials, the password from a file when given', async () => {
    const options = connection({ RELSTREAM_KAFKA_SASL_MECHANISM: 'scram-sha-256', RELSTREAM_KAFKA_SASL_USERNAME: 'alice', RELSTREAM_KAFKA_SASL_PASSWORD_FILE: await file('pw', 's3cret\n') });
    assert.deepEqual(options.sasl, { mechanism: 'scram-sha-256', username: 'alice', password: 's3cret' });
  });

  it('requires a user name and a password with a SASL mechanism', () => {
    assert.throws(() => connection({ RELSTREAM_KAFKA_SASL_MECHANISM: 'plain', RELSTREAM_KAFKA_SASL_PASSWORD: 'x' }), { key: 'RELSTREAM_KAFKA_SASL_USERNAME' });
    assert.throws(() => connection({ RELSTREAM_KAFKA_SASL_MECHANISM: 'plain', RELSTREAM_KAFKA_SASL_USERNAME: 'alice' }), { key: 'RELSTREAM_KAFKA_SASL_PASSWORD' });
  });

  it('an unreadable password file is an error naming the file, never its content', () => {
    assert.throws(() => connection({ RELSTREAM_KAFKA_SASL_MECHANISM: 'plain', RELSTREAM_KAFKA_SASL_USERNAME: 'a', RELSTREAM_KAFKA_SASL_PASSWORD_FILE: join(dir, 'missing') }),
      (error: unknown) => error instanceof Error && error.message.includes('missing') && error.message.includes('ENOENT'));
  });

  it('redacts the password for logging, and says whether one is set', () => {
    assert.equal(redactConfig(loadConfig({ env: { RELSTREAM_KAFKA_SASL_PASSWORD: 'hunter2' } }))['kafkaSaslPassword'], '[redacted]');
    assert.equal(redactConfig(loadConfig({ env: {} }))['kafkaSaslPassword'], '');
  });
});
