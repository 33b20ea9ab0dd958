/** What relstream says when a dependency lacks its patch (patches/): the tests of each patch check alike. */
import assert from 'node:assert/strict';

import { RelstreamError } from '../../src/errors.js';

/** For assert.throws: a RELSTREAM_DEPENDENCY_UNPATCHED refusal, not retriable, saying what to run. */
export function isUnpatchedRefusal(error: unknown): true {
  assert.ok(error instanceof RelstreamError);
  assert.equal(error.code, 'RELSTREAM_DEPENDENCY_UNPATCHED');
  assert.equal(error.retriable, false);
  assert.match(error.message, /patch-package/);
  return true;
}
