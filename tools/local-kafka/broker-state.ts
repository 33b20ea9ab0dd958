/**
 * The record a detached broker (`relstream kafka start --detach`) leaves behind, so a later
 * `relstream kafka stop` in another process can find and stop it.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { RelstreamError } from '../../src/errors.js';

export interface BrokerState {
  readonly pid: number;
  readonly bootstrap: string;
  readonly workDir: string;
  readonly logFile: string;
  readonly startedAt: string;
}

/** Where `kafka start --detach` records its broker unless told otherwise. */
export function defaultStateFile(cacheDir: string): string {
  return join(cacheDir, 'local-broker.json');
}

export async function writeBrokerState(file: string, state: BrokerState): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(state, null, 2) + '\n');
}

export async function readBrokerState(file: string): Promise<BrokerState | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as BrokerState);
}

/** True when `pid` is alive and really a Kafka broker (a recycled pid must never be killed). */
export function isBrokerProcess(pid: number): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    // A detached broker runs kafka.Kafka itself; a tied one runs it through ParentWatch.java.
    return cmdline.includes('kafka.Kafka') || cmdline.includes('ParentWatch.java');
  } catch {
    return false;
  }
}

/** SIGTERM (Kafka's clean shutdown), SIGKILL after `timeoutMs`; then the state and work dir are removed. */
export async function stopDetachedBroker(file: string, timeoutMs: number): Promise<BrokerState> {
  const state = await readBrokerState(file);
  if (state === undefined) throw new RelstreamError('RELSTREAM_LOCAL_KAFKA_STATE', `no local broker recorded in ${file}`);
  if (isBrokerProcess(state.pid)) {
    process.kill(state.pid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (isBrokerProcess(state.pid) && Date.now() < deadline) await sleep(100);
    if (isBrokerProcess(state.pid)) process.kill(state.pid, 'SIGKILL');
    while (isBrokerProcess(state.pid)) await sleep(50);
  }
  await rm(state.workDir, { recursive: true, force: true });
  await rm(file, { force: true });
  return state;
}
