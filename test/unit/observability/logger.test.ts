import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { RelstreamError } from '../../../src/errors.js';
import { createLogger } from '../../../src/observability/logger.js';

describe('createLogger', () => {
  it('writes one JSON object per line with bindings, and drops levels below the minimum', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', write: (l) => lines.push(l), now: () => new Date(0), bindings: { service: 's' } });
    logger.debug('hidden');
    logger.child({ component: 'c' }).warn('shown', { n: 1 });
    assert.equal(lines.length, 1);
    assert.ok(lines[0]?.endsWith('\n'));
    assert.deepEqual(JSON.parse(lines[0] ?? ''), { time: '1970-01-01T00:00:00.000Z', level: 'warn', msg: 'shown', service: 's', component: 'c', n: 1 });
  });

  it('serialises errors with their code instead of {}', () => {
    const lines: string[] = [];
    createLogger({ write: (l) => lines.push(l) }).error('failed', { error: new RelstreamError('RELSTREAM_KAFKA_REQUEST', 'boom') });
    const record = JSON.parse(lines[0] ?? '') as { error: unknown };
    assert.deepEqual(record.error, { name: 'RelstreamError', message: 'boom', code: 'RELSTREAM_KAFKA_REQUEST' });
  });
});
