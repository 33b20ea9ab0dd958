/**
 * Karapace, a Confluent-compatible Schema Registry (../shared/tools/karapace, installed by
 * scripts/setup-karapace.sh), started for a suite against the run's broker on a free port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { cacheDir, packageRoot } from '../../src/paths.js';
import { freePort } from '../../tools/local-kafka/free-port.js';
import { testBrokers } from './kafka.js';

const VENV = process.env['RELSTREAM_KARAPACE_VENV'] ?? join(cacheDir(), 'karapace-6.2.0');

function startScript(): string | undefined {
  const candidates = [process.env['RELSTREAM_KARAPACE_TOOLS'], join(packageRoot, '..', 'shared', 'tools', 'karapace'), '/work/shared/tools/karapace'];
  return candidates.filter((c): c is string => c !== undefined && c !== '').map((c) => join(c, 'start.sh')).find((f) => existsSync(f));
}

/** Why the Karapace suites cannot run here, or false when they can. */
export function karapaceMissing(): string | false {
  if (!existsSync(join(VENV, 'bin', 'python'))) return `Karapace is not installed at ${VENV} (bash scripts/setup-karapace.sh; .ci/run does it)`;
  if (startScript() === undefined) return 'the shared Karapace tools are not found (RELSTREAM_KARAPACE_TOOLS)';
  return false;
}

export interface Karapace {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts Karapace with its own schemas topic and waits until it accepts a registration (it elects itself primary first). */
export async function startKarapace(options: { readonly port?: number; readonly suffix?: string } = {}): Promise<Karapace & { readonly port: number; readonly suffix: string }> {
  const script = startScript();
  if (script === undefined) throw new Error('Karapace start.sh not found');
  // The same port and suffix restart the same registry: it reads its schemas back from its topic.
  const port = options.port ?? await freePort();
  const suffix = options.suffix ?? Math.random().toString(36).slice(2, 8);
  let output = '';
  const child: ChildProcess = spawn('bash', [script, VENV], {
    env: { ...process.env, BOOTSTRAP: testBrokers().join(','), PORT: String(port), KARAPACE_TOPIC_NAME: `_schemas_${suffix}`, KARAPACE_GROUP_ID: `karapace-${suffix}`, KARAPACE_LOG_LEVEL: 'WARNING' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer): void => { output = (output + chunk.toString()).slice(-4000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await Promise.race([new Promise((resolve) => child.once('exit', resolve)), sleep(10_000).then(() => child.kill('SIGKILL'))]);
  };
  // A deadline for a server to come up, not a measure of speed: generous for a machine loaded many times over
  // (a CI beside chaos runs saw Karapace print nothing in 60 s).
  const deadline = Date.now() + 180_000;
  // A probe subject that accepts writes only once this instance is the primary (before: 50003).
  const probe = { method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify({ schema: '"string"' }) };
  for (;;) {
    const ready = await fetch(`${url}/subjects/relstream-test-probe-value/versions`, probe).then((r) => r.ok, () => false);
    if (ready) return { url, stop, port, suffix };
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`Karapace did not become ready on ${url}:\n${output}`);
    }
    await sleep(250);
  }
}
