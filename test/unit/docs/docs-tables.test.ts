import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { configTableMarkdown } from '../../../src/config/describe-config.js';
import { errorTableMarkdown } from '../../../src/errors-doc.js';
import { packageRoot } from '../../../src/paths.js';

async function section(file: string, marker: string): Promise<string> {
  const text = await readFile(join(packageRoot, 'docs', file), 'utf8');
  const match = new RegExp(`<!-- ${marker}:start -->\\n([\\s\\S]*?)\\n<!-- ${marker}:end -->`).exec(text);
  assert.ok(match?.[1], `docs/${file} has no ${marker} section`);
  return match[1];
}

describe('docs tables match the code (regenerate with `relstream docs`)', () => {
  it('docs/configuration.md lists every config key with its env var, flag and default', async () => {
    assert.equal(await section('configuration.md', 'config-table'), configTableMarkdown());
  });

  it('docs/errors.md lists every error code', async () => {
    assert.equal(await section('errors.md', 'error-table'), errorTableMarkdown());
  });
});
