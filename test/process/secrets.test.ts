/** A run configured with a SASL password never writes it anywhere: logs, stdout, errors. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { startCli, waitFor } from '../helpers/cli.js';
import { useKafka } from '../helpers/kafka.js';
import { produceRecords, readTopic, sampleRecords, testEnv, testTopics } from '../helpers/processor.js';

const saslBrokers = process.env['RELSTREAM_TEST_SASL_BROKERS'];
const username = process.env['RELSTREAM_TEST_SASL_USER'] ?? '';
const password = process.env['RELSTREAM_TEST_SASL_PASSWORD'] ?? '';

describe('secrets', { skip: saslBrokers ? false : 'no SASL listener: run through `npm test`' }, () => {
  const kafka = useKafka();

  for (const via of ['env', 'file'] as const) {
    it(`a SCRAM run (password by ${via}) processes records and never logs the password`, { timeout: 120_000 }, async (t) => {
      const topics = testTopics(`secret-${via}`);
      await kafka.topics(t, [topics.inputTopic, topics.outputTopic, topics.deadLetterTopic].map((topic) => ({ topic, partitions: 1 })));
      const dir = await mkdtemp(join(tmpdir(), 'relstream-secret-'));
      t.after(() => rm(dir, { recursive: true, force: true }));
      const passwordFile = join(dir, 'password');
      await writeFile(passwordFile, `${password}\n`);

      const out = await readTopic(kafka.client, topics.outputTopic);
      t.after(() => out.close());
      const cli = startCli(['run', '--log-level', 'debug'], testEnv(topics, {
        RELSTREAM_KAFKA_BROKERS: saslBrokers ?? '', RELSTREAM_KAFKA_SASL_MECHANISM: 'scram-sha-512', RELSTREAM_KAFKA_SASL_USERNAME: username,
        ...(via === 'env' ? { RELSTREAM_KAFKA_SASL_PASSWORD: password } : { RELSTREAM_KAFKA_SASL_PASSWORD_FILE: passwordFile }),
        RELSTREAM_LOG_LEVEL: 'debug',
      }));
      t.after(() => { cli.child.kill('SIGKILL'); });
      const raw: string[] = [];
      cli.child.stdout.on('data', (d: Buffer) => raw.push(d.toString()));
      cli.child.stderr.on('data', (d: Buffer) => raw.push(d.toString()));
      await produceRecords(kafka.client, topics.inputTopic, sampleRecords().slice(1, 2));
      await out.until((m) => m.length > 0, 'a relation event from the SCRAM-authenticated processor');
      cli.child.kill('SIGTERM');
      assert.equal((await cli.exited).code, 0);

      const configLine = await waitFor(() => cli.logs.find((l) => l['msg'] === 'configuration'), 'the configuration log line');
      const logged = configLine['config'] as Record<string, unknown>;
      assert.equal(logged['kafkaSaslUsername'], username);
      assert.equal(logged['kafkaSaslPassword'], via === 'env' ? '[redacted]' : '');
      const everything = raw.join('');
      assert.ok(everything.length > 1000, 'the run logged plenty (debug level)');
      assert.ok(!everything.includes(password), 'the password appears nowhere in the output');
    });
  }
});
