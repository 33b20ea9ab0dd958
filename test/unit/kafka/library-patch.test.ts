/**
 * The platformatic adapter refuses to start on an unpatched @platformatic/kafka (its read_committed filter
 * delivers aborted transactions; patches/ fixes it at install), and the installed copy is patched.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { assertLibraryPatched, libraryConsumerSource } from '../../../src/kafka/platformatic/library-patch.js';
import { packageRoot } from '../../../src/paths.js';
import { isUnpatchedRefusal } from '../../helpers/unpatched.js';

it('the installed library carries the read_committed fix (npm ci applied patches/)', () => {
  assert.doesNotThrow(() => { assertLibraryPatched(libraryConsumerSource()); });
  // The patch file is for the installed version: a version bump without a new patch fails here first.
  const index = fileURLToPath(import.meta.resolve('@platformatic/kafka'));
  const pkg = JSON.parse(readFileSync(join(dirname(index), '..', 'package.json'), 'utf8')) as { version: string };
  assert.ok(readFileSync(join(packageRoot, 'patches', `@platformatic+kafka+${pkg.version}.patch`), 'utf8').includes('relstream patch'));
});

it('an unpatched copy is refused with RELSTREAM_DEPENDENCY_UNPATCHED, not retriable, saying what to do', () => {
  const unpatched = libraryConsumerSource().replace(/relstream patch: the Java client's algorithm/g, 'upstream');
  assert.throws(() => { assertLibraryPatched(unpatched); }, isUnpatchedRefusal);
});

it('a copy without the revocation hook (commit on revoke) is refused too', () => {
  const withoutHook = libraryConsumerSource().replace(/relstream patch: commit on revoke/g, 'upstream');
  assert.throws(() => { assertLibraryPatched(withoutHook); }, isUnpatchedRefusal);
});
