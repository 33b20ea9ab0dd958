/**
 * relstream refuses to run on an unpatched avsc (a map key named __proto__ would be lost from every event;
 * patches/ fixes it at install), and the installed copy is patched.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { it } from 'node:test';

import avro from 'avsc';

import { packageRoot } from '../../../src/paths.js';
import { assertMapKeysKept } from '../../../src/records/avro.js';
import { isUnpatchedRefusal } from '../../helpers/unpatched.js';

it('the installed avsc keeps a map key named __proto__ (npm ci applied patches/)', () => {
  assert.doesNotThrow(() => { assertMapKeysKept(avro.Type.forSchema({ type: 'map', values: 'string' })); });
  // The patch file is for the installed version: a version bump without a new patch fails here first.
  const pkg = createRequire(import.meta.url)('avsc/package.json') as { version: string };
  assert.ok(readFileSync(`${packageRoot}/patches/avsc+${pkg.version}.patch`, 'utf8').includes('setMapEntry'));
});

it('a map type that loses the key is refused with RELSTREAM_DEPENDENCY_UNPATCHED, not retriable, saying what to do', () => {
  const map = avro.Type.forSchema({ type: 'map', values: 'string' });
  // As unpatched avsc reads: entries assigned, so __proto__ sets (here: fails to set) the prototype.
  const unpatched = Object.assign(Object.create(map) as avro.Type, {
    fromBuffer: (bytes: Buffer): unknown => {
      const read = map.fromBuffer(bytes) as Record<string, string>;
      const assigned: Record<string, string> = {};
      for (const [key, value] of Object.entries(read)) assigned[key] = value;
      return assigned;
    },
  });
  assert.throws(() => { assertMapKeysKept(unpatched); }, isUnpatchedRefusal);
});
