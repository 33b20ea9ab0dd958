import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { DOC_SECTIONS, replaceSection } from '../../../src/cli/docs-command.js';
import { packageRoot } from '../../../src/paths.js';

describe('docs tables match the code (regenerate with `relstream docs --write`)', () => {
  for (const section of DOC_SECTIONS) {
    it(`docs/${section.file} holds the current ${section.marker}`, async () => {
      const text = await readFile(join(packageRoot, 'docs', section.file), 'utf8');
      assert.equal(replaceSection(text, section.marker, await section.render()), text);
    });
  }

  it('a drifted table is detected', () => {
    const text = '<!-- t:start -->\n| a |\n<!-- t:end -->\n';
    assert.notEqual(replaceSection(text, 't', '| a |\n| b |'), text);
  });
});
