/**
 * `npm test` after lint and build: runs the compiled unit, integration and process suites with node's test
 * runner; `npm run test:chaos` runs the chaos suite, on its own (it takes longer than the rest together). Integration suites need a broker: RELSTREAM_TEST_BROKERS names one, otherwise this script starts
 * one local broker for the whole run and stops it afterwards. The broker is tied to this process
 * (ParentWatch), so it cannot outlive the run even when this process is killed.
 *
 *   node dist/test/run-tests.js            unit, integration and process suites (npm test)
 *   node dist/test/run-tests.js --unit     unit suites only, no broker
 *   node dist/test/run-tests.js --smoke    integration suites only (RELSTREAM_KAFKA_VERSION picks the broker)
 *   node dist/test/run-tests.js --chaos    the chaos suite only (RELSTREAM_TEST_CHAOS_CONTENTION=N beside N busy loops)
 *
 * Suites: unit (no broker), integration (the broker), process (real CLI processes), chaos (kill -9 of members
 * and of a broker, poison streams).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startLocalBroker, type LocalBroker } from '../tools/local-kafka/local-broker.js';
import { createLogger } from '../src/observability/logger.js';
import { cacheDir } from '../src/paths.js';
import { hasOpenssl, makeTestCerts, type TestCerts } from './helpers/test-certs.js';

const testDir = dirname(fileURLToPath(import.meta.url));

function testFiles(suite: string): string[] {
  const dir = join(testDir, suite);
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.js'))
    .sort()
    .map((f) => join(dir, f));
}

async function run(): Promise<number> {
  const unitOnly = process.argv.includes('--unit');
  // --smoke: the integration suites only (client contract for both adapters, the processor end to end), for a
  // second broker version (CI: RELSTREAM_KAFKA_VERSION=3.9.2).
  const smoke = process.argv.includes('--smoke');
  const chaosOnly = process.argv.includes('--chaos');
  const suites = unitOnly ? ['unit'] : smoke ? ['integration'] : chaosOnly ? ['chaos'] : ['unit', 'integration', 'process'];
  const files = suites.flatMap(testFiles);
  const env = { ...process.env };
  let broker: LocalBroker | undefined;
  let certs: TestCerts | undefined;
  const logger = createLogger({ bindings: { service: 'relstream-tests' } });

  if (!unitOnly && !env['RELSTREAM_TEST_BROKERS']) {
    const started = Date.now();
    // The SASL listener's user is a throwaway test credential of this run's broker only.
    const saslUser = { username: 'relstream-test', password: `pw-${process.pid}-${Date.now()}` };
    certs = hasOpenssl() ? makeTestCerts() : undefined;
    broker = await startLocalBroker({ cacheDir: cacheDir(), logger, saslUser, ...(certs ? { tlsKeystorePem: certs.keystorePem } : {}) });
    logger.info('test broker started', { bootstrap: broker.bootstrap, saslBootstrap: broker.saslBootstrap, tlsBootstrap: broker.tlsBootstrap, startMs: Date.now() - started });
    if (certs && broker.tlsBootstrap) {
      env['RELSTREAM_TEST_TLS_BROKERS'] = broker.tlsBootstrap;
      env['RELSTREAM_TEST_TLS_CA_FILE'] = certs.caFile;
    }
    env['RELSTREAM_TEST_BROKERS'] = broker.bootstrap;
    env['RELSTREAM_TEST_SASL_BROKERS'] = broker.saslBootstrap;
    env['RELSTREAM_TEST_SASL_USER'] = saslUser.username;
    env['RELSTREAM_TEST_SASL_PASSWORD'] = saslUser.password;
  }
  const stopBroker = async (): Promise<void> => {
    await broker?.stop();
    if (certs) rmSync(certs.dir, { recursive: true, force: true });
  };
  try {
    // The chaos suite runs on its own after the rest, one file at a time: it kills processes and a broker,
    // and sharing two cores with other suites would turn its timings into flakes.
    const chaosDir = join(testDir, 'chaos');
    const quiet = files.filter((f) => !f.startsWith(chaosDir));
    const chaos = files.filter((f) => f.startsWith(chaosDir));
    const skipFile = join(tmpdir(), `relstream-skipped-${process.pid}.txt`);
    env['RELSTREAM_TEST_SKIP_FILE'] = skipFile;
    rmSync(skipFile, { force: true });
    const first = quiet.length === 0 ? 0 : await runFiles(quiet, 2, env, 600_000);
    // Chaos tests fail when their stream stops moving, not on a clock; this bound only ends a hung file.
    const second = chaos.length === 0 ? 0 : await withContention(Number(env['RELSTREAM_TEST_CHAOS_CONTENTION'] ?? 0), () => runFiles(chaos, 1, env, 3_600_000));
    const skipped = existsSync(skipFile) ? readFileSync(skipFile, 'utf8').split('\n').filter((l) => l !== '') : [];
    rmSync(skipFile, { force: true });
    process.stdout.write(`\nrelstream tests: ${skipped.length === 0 ? 'nothing skipped' : `${skipped.length} skipped:\n  ${skipped.join('\n  ')}`}\n`);
    // CI sets RELSTREAM_TEST_REQUIRE_ALL: there a skipped suite means a missing install step, not a pass.
    if (skipped.length > 0 && env['RELSTREAM_TEST_REQUIRE_ALL'] === '1') {
      process.stdout.write('relstream tests: failing because RELSTREAM_TEST_REQUIRE_ALL=1 and suites were skipped\n');
      return first !== 0 ? first : second !== 0 ? second : 1;
    }
    return first !== 0 ? first : second;
  } finally {
    await stopBroker();
  }
}

/**
 * Runs `work` beside `n` busy loops (RELSTREAM_TEST_CHAOS_CONTENTION; CI: one per core), so the chaos suite
 * meets a machine as slow and crowded as a newcomer's or a busy Kubernetes node; they are stopped after it.
 */
async function withContention<T>(n: number, work: () => Promise<T>): Promise<T> {
  const loops = Array.from({ length: Math.max(0, n) }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  if (loops.length > 0) process.stdout.write(`relstream tests: the chaos suite runs beside ${loops.length} busy loops (RELSTREAM_TEST_CHAOS_CONTENTION)\n`);
  try {
    return await work();
  } finally {
    for (const loop of loops) loop.kill('SIGKILL');
  }
}

/** One node --test run over `files`; resolves with its exit code. */
function runFiles(files: readonly string[], concurrency: number, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<number> {
  return new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [
      '--enable-source-maps', '--test', '--test-reporter=spec', '--test-reporter-destination=stdout',
      `--test-reporter=${join(testDir, 'skip-summary-reporter.js')}`, '--test-reporter-destination=stdout', `--test-concurrency=${concurrency}`,
      // A handle a failing test leaves open must not hang the run; each test still cleans up in t.after.
      // The timeout bounds a whole file as well as each test: the chaos files run several minutes.
      '--test-force-exit', `--test-timeout=${timeoutMs}`, ...files,
    ], { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals): void => { child.kill(signal); };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

process.exit(await run());
