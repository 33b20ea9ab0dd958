/** node's summary does not count a skipped suite; the run's own reporter must list it with its reason. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const reporter = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'skip-summary-reporter.js');

it('lists skipped suites and tests once each, with their reasons, even under --test-force-exit', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relstream-skip-'));
  t.after(() => { rmSync(dir, { recursive: true, force: true }); });
  const file = join(dir, 'sample.test.mjs');
  writeFileSync(file, [
    "import { describe, it } from 'node:test';",
    "describe('a suite without its listener', { skip: 'no TLS listener' }, () => { it('inner', () => {}); });",
    "it('a skipped test', { skip: 'no GPU' }, () => {});",
    "it('a test that runs', () => {});",
  ].join('\n'));
  const skipFile = join(dir, 'skipped.txt');
  // Without NODE_TEST_CONTEXT: set by the runner that runs this test, it would make the child report to it.
  const env = { ...process.env };
  delete env['NODE_TEST_CONTEXT'];
  const run = spawnSync(process.execPath, ['--test', `--test-reporter=${reporter}`, '--test-reporter-destination=stdout', '--test-force-exit', file], {
    env: { ...env, RELSTREAM_TEST_SKIP_FILE: skipFile }, encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(readFileSync(skipFile, 'utf8').split('\n').filter((l) => l !== '').sort(), [
    'suite "a suite without its listener": no TLS listener',
    'test "a skipped test": no GPU',
  ]);
});
