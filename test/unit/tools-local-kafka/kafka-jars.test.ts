import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { diffAgainstLock, KAFKA_VERSION, parseJarLock } from '../../../tools/local-kafka/kafka-jars.js';
import { packageRoot } from '../../../src/paths.js';

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

  it('the committed lock pins the Kafka version the code and the pom name', async () => {
    const lock = parseJarLock(await readFile(join(packageRoot, 'scripts', 'kafka', 'jars.sha256'), 'utf8'));
    assert.ok(lock.some((l) => l.file === `kafka_2.13-${KAFKA_VERSION}.jar`));
    assert.ok(lock.some((l) => l.file === `kafka-clients-${KAFKA_VERSION}.jar`));
    const pom = await readFile(join(packageRoot, 'scripts', 'kafka', 'pom.xml'), 'utf8');
    assert.match(pom, new RegExp(`<kafka.version>${KAFKA_VERSION.replaceAll('.', '\\.')}</kafka.version>`));
  });
});
