/**
 * The local broker never outlives its owner: Ctrl-C, a crash (SIGKILL) of the process that started it, and
 * `kafka stop` for a detached one all leave no JVM behind. Each case starts its own broker via the real CLI.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';

import { createKafkaClient, DEFAULT_KAFKA_CLIENT } from '../../src/kafka/create-client.js';
import { isBrokerProcess, type BrokerState } from '../../tools/local-kafka/broker-state.js';
import { silentLogger } from '../../src/observability/logger.js';
import { startCli, waitFor, type CliProcess } from '../helpers/cli.js';

const TIMEOUT = { timeout: 300_000 };
/** A JVM's start on a machine loaded many times over took longer than 60 s: a deadline, not a speed check. */
const BROKER_START_MS = 180_000;

async function describeCluster(bootstrap: string): Promise<number> {
  const admin = await createKafkaClient({ brokers: [bootstrap], clientId: 'lifecycle-test' }, silentLogger, DEFAULT_KAFKA_CLIENT).admin();
  try {
    return (await admin.describeCluster()).brokers.length;
  } finally {
    await admin.disconnect();
  }
}

/** Starts `relstream kafka start` in the foreground and returns once it printed its address. */
async function foregroundBroker(t: TestContext): Promise<{ cli: CliProcess; bootstrap: string; pid: number; workDir: string }> {
  const cli = startCli(['kafka', 'start']);
  // Whatever the test's outcome, the CLI goes, and with it (ParentWatch) its broker.
  t.after(() => { cli.child.kill('SIGKILL'); });
  const bootstrap = await waitFor(() => cli.stdoutLines[0], 'the bootstrap address', BROKER_START_MS);
  const ready = await waitFor(() => cli.logs.find((l) => l['msg'] === 'local Kafka broker ready'), 'the ready log line', BROKER_START_MS);
  return { cli, bootstrap, pid: Number(ready['pid']), workDir: String(ready['workDir']) };
}

describe('local broker lifecycle', () => {
  it('Ctrl-C (SIGINT) on `kafka start` stops the broker, removes its data and exits 0', TIMEOUT, async (t) => {
    const { cli, bootstrap, pid, workDir } = await foregroundBroker(t);
    assert.match(bootstrap, /^127\.0\.0\.1:\d+$/);
    assert.equal(await describeCluster(bootstrap), 1);
    assert.ok(isBrokerProcess(pid));

    cli.child.kill('SIGINT');
    assert.deepEqual(await cli.exited, { code: 0, signal: null });
    assert.equal(isBrokerProcess(pid), false, 'no JVM left behind');
    assert.equal(existsSync(workDir), false, 'data directory removed');
  });

  it('a crash (SIGKILL) of the owning process still takes the broker down', TIMEOUT, async (t) => {
    const { cli, pid, workDir } = await foregroundBroker(t);
    t.after(() => rm(workDir, { recursive: true, force: true }));
    cli.child.kill('SIGKILL');
    await cli.exited;
    await waitFor(() => (isBrokerProcess(pid) ? undefined : true), 'the orphaned broker to exit', 30_000);
  });

  it('`kafka start --detach` outlives the CLI until `kafka stop`', TIMEOUT, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'relstream-state-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const stateFile = join(dir, 'broker.json');

    const start = startCli(['kafka', 'start', '--detach', '--state-file', stateFile]);
    assert.equal((await start.exited).code, 0, start.errors.join('\n'));
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as BrokerState;
    t.after(() => { if (isBrokerProcess(state.pid)) process.kill(state.pid, 'SIGKILL'); });
    assert.equal(start.stdoutLines[0], state.bootstrap);
    assert.ok(isBrokerProcess(state.pid), 'the broker runs after the CLI exited');
    assert.equal(await describeCluster(state.bootstrap), 1);

    const status = startCli(['kafka', 'status', '--state-file', stateFile]);
    assert.equal((await status.exited).code, 0);
    assert.equal(status.stdoutLines[0], state.bootstrap);

    const stop = startCli(['kafka', 'stop', '--state-file', stateFile]);
    assert.equal((await stop.exited).code, 0);
    assert.equal(isBrokerProcess(state.pid), false);
    assert.equal(existsSync(state.workDir), false);
    assert.equal((await startCli(['kafka', 'status', '--state-file', stateFile]).exited).code, 1);
  });
});
