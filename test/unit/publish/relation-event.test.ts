import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { relationEventId } from '../../../src/publish/relation-event.js';
import { anyString } from '../../helpers/hostile-records.js';

describe('relation event ids', () => {
  it('stay the sha256 of record, subject, object and model ids joined by NUL, whatever the strings', () => {
    // Subscribers deduplicate by these ids across versions: how they are computed may change, their value may not.
    fc.assert(fc.property(anyString(40), anyString(10), anyString(10), anyString(30), (record, subject, object, model) => {
      const expected = createHash('sha256').update([record, subject, object, model].join('\u0000')).digest('hex');
      assert.equal(relationEventId(record, subject, object, model), expected);
    }));
    assert.equal(relationEventId('NCT1', 'T1', 'T2', 'm@1#abc'), createHash('sha256').update('NCT1\u0000T1\u0000T2\u0000m@1#abc').digest('hex'));
  });
});
