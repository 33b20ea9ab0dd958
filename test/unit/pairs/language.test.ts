/** Usable language tags, answered from a bounded cache: the same answers before and after it overflows. */
import assert from 'node:assert/strict';
import { it } from 'node:test';

import fc from 'fast-check';

import { isUsableLanguage, sentenceLanguage } from '../../../src/pairs/language.js';

const known: readonly [string, boolean][] = [['es', true], ['es-ES', true], ['en', true], ['', false], ['en_US', false], ['not a tag', false]];

it('answers each tag the same way, also after more distinct tags than the cache holds', () => {
  for (const [tag, usable] of known) assert.equal(isUsableLanguage(tag), usable, tag);
  fc.assert(fc.property(fc.string(), (tag) => { assert.equal(isUsableLanguage(tag), isUsableLanguage(tag)); }), { numRuns: 600 });
  for (const [tag, usable] of known) assert.equal(isUsableLanguage(tag), usable, tag);
  assert.deepEqual(sentenceLanguage('en_US', 'es'), { language: 'es', fellBack: true });
});
