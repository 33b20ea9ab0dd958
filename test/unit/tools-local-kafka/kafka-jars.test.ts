import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';

import { DEFAULT_KAFKA_VERSION, diffAgainstLock, KAFKA_DISTRIBUTIONS, kafkaDistribution, kafkaVersionFromEnv, lockFileOf, parseJarLock, pomFileOf } from '../../../tools/local-kafka/kafka-jars.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('Kafka jar lock', () => {
  it('parses sha256sum lines and skips comments', () => {
    assert.deepEqual(parseJarLock(`# header\n${A}  x.jar\n\n${B} *y.jar\n`), [{ sha256: A, file: 'x.jar' }, { sha256: B, file: 'y.jar' }]);
  });

  it('rejects a malformed line', () => {
    assert.throws(() => parseJarLock('not-a-hash x.jar'), { code: 'RELSTREAM_LOCAL_KAFKA_JARS' });
  });

  it('reports missing, changed and unexpected jars', () => {
    const lock = [{ file: 'x.jar', sha256: A }, { file: 'y.jar', sha256: B }];
    assert.deepEqual(diffAgainstLock(lock, new Map([['x.jar', A], ['y.jar', B]])), []);
    assert.deepEqual(diffAgainstLock(lock, new Map([['x.jar', B], ['z.jar', A]])), [
      `checksum mismatch for x.jar: expected ${A}, got ${B}`,
      'missing y.jar',
      'unexpected z.jar',
    ]);
  });

  for (const version of Object.keys(KAFKA_DISTRIBUTIONS)) {
    it(`the committed lock of ${version} pins the version its pom names`, async () => {
      const lock = parseJarLock(await readFile(lockFileOf(version), 'utf8'));
      assert.ok(lock.some((l) => l.file === `kafka_2.13-${version}.jar`));
      assert.ok(lock.some((l) => l.file === `kafka-clients-${version}.jar`));
      // Each line's logging backend: reload4j for 3.x, log4j2 (through the slf4j bridge) for 4.x.
      const backend = version.startsWith('3.') ? /^slf4j-reload4j-/ : /^log4j-slf4j-impl-/;
      assert.ok(lock.some((l) => backend.test(l.file)), `${version}: logging backend jar`);
      const pom = await readFile(pomFileOf(version), 'utf8');
      assert.match(pom, new RegExp(`<artifactId>kafka_2\\.13</artifactId>\\s*<version>(\\$\\{kafka\\.version\\}|${version.replaceAll('.', '\\.')})</version>`));
      if (pom.includes('${kafka.version}')) assert.match(pom, new RegExp(`<kafka.version>${version.replaceAll('.', '\\.')}</kafka.version>`));
    });
  }

  it('defaults to Kafka 4.4.0, takes RELSTREAM_KAFKA_VERSION, and names the supported versions on a typo', () => {
    assert.equal(DEFAULT_KAFKA_VERSION, '4.4.0');
    assert.equal(kafkaVersionFromEnv({}), '4.4.0');
    assert.equal(kafkaVersionFromEnv({ RELSTREAM_KAFKA_VERSION: '3.9.2' }), '3.9.2');
    assert.throws(() => kafkaDistribution('3.8.0'), (error: Error & { code?: string }) => error.code === 'RELSTREAM_CLI_USAGE' && /4\.4\.0, 3\.9\.2/.test(error.message));
  });
});
