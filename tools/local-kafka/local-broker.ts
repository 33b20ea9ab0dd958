/**
 * A real single-node Apache Kafka broker (KRaft, no ZooKeeper) run from the Maven Central jars on the
 * machine's Java, for the demo and the tests. Each start gets a fresh data directory and free ports.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { describeError, RelstreamError } from '../../src/errors.js';
import { createKafkaClient, DEFAULT_KAFKA_CLIENT } from '../../src/kafka/create-client.js';
import { silentLogger, type Logger } from '../../src/observability/logger.js';
import { packageRoot } from '../../src/paths.js';
import { freePort } from './free-port.js';
import { ensureKafkaJars, kafkaDistribution, kafkaVersionFromEnv } from './kafka-jars.js';
import { renderServerProperties, scramFormatArgs } from './server-properties.js';

export interface LocalBrokerOptions {
  readonly cacheDir: string;
  readonly logger: Logger;
  /** Apache Kafka version (a key of KAFKA_DISTRIBUTIONS); default: RELSTREAM_KAFKA_VERSION, else 4.4.0. */
  readonly kafkaVersion?: string;
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** JVM heap cap; 512 MiB leaves the 2-core test machine room for the tests themselves. */
  readonly heapMb?: number;
  /**
   * true (the default): the broker stops when this process exits, however it exits (ParentWatch.java).
   * false: the broker runs on its own until `relstream kafka stop`.
   */
  readonly tieToParent?: boolean;
  readonly startTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
  readonly extraProperties?: Readonly<Record<string, string>>;
  /** Also open a SASL_PLAINTEXT listener with this user (SCRAM-SHA-256/512 and PLAIN). */
  readonly saslUser?: { readonly username: string; readonly password: string };
  /** Also open a TLS listener with this PEM key and certificate chain. */
  readonly tlsKeystorePem?: string;
  /**
   * Keep the broker's data here across restarts instead of a fresh temporary directory: a later start with the
   * same workDir (and port) is the same cluster with the same topics, offsets and groups, as after a real
   * broker restart. stop() leaves the directory in place.
   */
  readonly workDir?: string;
}

export interface LocalBroker {
  readonly bootstrap: string;
  readonly kafkaVersion: string;
  /** The SASL_PLAINTEXT listener's address, when saslUser was given. */
  readonly saslBootstrap?: string;
  /** The TLS listener's address, when tlsKeystorePem was given. */
  readonly tlsBootstrap?: string;
  readonly pid: number;
  /** Holds server.properties, broker.log and the data; removed by stop(). */
  readonly workDir: string;
  readonly logFile: string;
  /** Stops the broker (SIGTERM, then SIGKILL after stopTimeoutMs) and removes its work dir (unless given); safe to call twice. */
  stop(): Promise<void>;
  /** Kills the broker at once (SIGKILL), as a crash would; the data stays for a restart on the same workDir. */
  kill(): Promise<void>;
}

const assetsDir = join(packageRoot, 'scripts', 'kafka');

function javaBinary(): string {
  const home = process.env['JAVA_HOME'];
  return home ? join(home, 'bin', 'java') : 'java';
}

/**
 * KRaft cluster ids are 16 random bytes, base64url without padding (what `kafka-storage random-uuid` prints). One
 * in 64 starts with '-', which the storage tool's argument parser takes for an option ("--cluster-id: expected one
 * argument": a chaos run's broker failed to start so); Kafka's own Uuid.randomUuid draws again then, and so does this.
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function runToExit(command: string, args: readonly string[], logFile: string): Promise<number | null> {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { stdio: ['ignore', fd, fd] });
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => { resolve(code); });
    });
  } finally {
    closeSync(fd);
  }
}

async function logTail(logFile: string): Promise<string> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return text.split('\n').slice(-25).join('\n');
}

export async function startLocalBroker(options: LocalBrokerOptions): Promise<LocalBroker> {
  // A free port can be taken between our probe and the JVM's bind (busy test machines hand out ephemeral
  // ports all the time), and a JVM can fail to come up on a loaded machine: with automatic ports, a failed
  // start is retried from scratch (fresh directory, new ports). Missing Java or jars fail at once.
  const attempts = options.port && options.port > 0 ? 1 : 3;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (!(error instanceof RelstreamError) || !error.retriable || attempt >= attempts) throw error;
      options.logger.warn('local Kafka broker did not start; retrying', { attempt, error: error.message.split('\n')[0] });
    }
  }
}

async function startOnce(options: LocalBrokerOptions): Promise<LocalBroker> {
  const host = options.host ?? '127.0.0.1';
  const tieToParent = options.tieToParent ?? true;
  const distribution = kafkaDistribution(options.kafkaVersion ?? kafkaVersionFromEnv());
  const libsDir = await ensureKafkaJars({ cacheDir: options.cacheDir, logger: options.logger, version: distribution.version });
  const keepData = options.workDir !== undefined;
  const workDir = options.workDir ?? await mkdtemp(join(tmpdir(), 'relstream-kafka-'));
  const dataDir = join(workDir, 'data');
  const logFile = join(workDir, 'broker.log');
  const propertiesFile = join(workDir, 'server.properties');
  await mkdir(dataDir, { recursive: true });

  const port = options.port && options.port > 0 ? options.port : await freePort(host);
  const controllerPort = await keptControllerPort(workDir, host);
  const sasl = options.saslUser ? { ...options.saslUser, port: await freePort(host) } : undefined;
  const tls = options.tlsKeystorePem ? { keystorePem: options.tlsKeystorePem, port: await freePort(host) } : undefined;
  await writeFile(propertiesFile, renderServerProperties({
    host, port, controllerPort, dataDir, ...(sasl ? { sasl } : {}), ...(tls ? { tls } : {}), ...(options.extraProperties ? { extra: options.extraProperties } : {}),
  }));

  const classpath = join(libsDir, '*');
  const jvmArgs = [
    `-Xmx${options.heapMb ?? 512}m`, '-Xms128m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20',
    '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true',
    ...distribution.loggingArgs, `-Dkafka.logs.dir=${workDir}`,
    '-cp', classpath,
  ];
  // A kept workDir is formatted once: a restart must find the same cluster id.
  const formatted = await readFile(join(dataDir, 'meta.properties'), 'utf8').catch(() => '');
  const clusterId = /^cluster\.id=(.+)$/m.exec(formatted)?.[1] ?? newClusterId();
  const formatCode = await runToExit(javaBinary(), [...jvmArgs, 'kafka.tools.StorageTool', 'format',
    '-t', clusterId, '-c', propertiesFile, '--ignore-formatted', ...(sasl ? scramFormatArgs(sasl) : [])], logFile).catch((error: unknown) => {
    throw new RelstreamError('RELSTREAM_LOCAL_KAFKA_START', `cannot run ${javaBinary()} (Java 17 is required)`, { cause: error });
  });
  if (formatCode !== 0) {
    const tail = await logTail(logFile);
    await rm(workDir, { recursive: true, force: true });
    throw new RelstreamError('RELSTREAM_LOCAL_KAFKA_START', `formatting the KRaft storage failed (exit ${formatCode}):\n${tail}`, { retriable: true });
  }

  const mainArgs = tieToParent ? [join(assetsDir, 'ParentWatch.java'), propertiesFile] : ['kafka.Kafka', propertiesFile];
  const fd = openSync(logFile, 'a');
  const child = spawn(javaBinary(), [...jvmArgs, ...mainArgs], {
    // Tied: we hold the broker's stdin open until we die. Detached: its own session, nothing shared with us.
    stdio: [tieToParent ? 'pipe' : 'ignore', fd, fd],
    detached: !tieToParent,
  });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => { resolve(code); });
    child.on('error', () => { resolve(null); });
  });
  if (!tieToParent) child.unref();

  const bootstrap = `${host}:${port}`;
  const stop = onceAsync(() => stopChild(child, exited, options.stopTimeoutMs ?? 20_000)
    .finally(() => (keepData ? undefined : rm(workDir, { recursive: true, force: true }))));
  const kill = onceAsync(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  try {
    await waitUntilReady(bootstrap, exited, options.startTimeoutMs ?? 60_000);
  } catch (error) {
    const tail = await logTail(logFile);
    await stop();
    throw new RelstreamError('RELSTREAM_LOCAL_KAFKA_START', `${(error as Error).message}\n--- broker.log ---\n${tail}`, { cause: error, retriable: true });
  }
  if (child.pid === undefined) throw new RelstreamError('RELSTREAM_LOCAL_KAFKA_START', 'broker process has no pid');
  const extra = {
    ...(sasl ? { saslBootstrap: `${host}:${sasl.port}` } : {}),
    ...(tls ? { tlsBootstrap: `${host}:${tls.port}` } : {}),
  };
  options.logger.info('local Kafka broker ready', { bootstrap, kafkaVersion: distribution.version, ...extra, pid: child.pid, workDir });
  return { bootstrap, kafkaVersion: distribution.version, ...extra, pid: child.pid, workDir, logFile, stop, kill };
}

/** The controller's port, the same on every start in one workDir (the KRaft quorum is configured by it). */
async function keptControllerPort(workDir: string, host: string): Promise<number> {
  const file = join(workDir, 'controller-port');
  const kept = Number(await readFile(file, 'utf8').catch(() => ''));
  if (Number.isInteger(kept) && kept > 0) return kept;
  const port = await freePort(host);
  await writeFile(file, String(port));
  return port;
}

/** Ready means a real client can fetch cluster metadata, not merely that the port is open. */
async function waitUntilReady(bootstrap: string, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((code) => { exitCode = code; });
  const client = createKafkaClient({ brokers: [bootstrap], clientId: 'relstream-local-broker-probe', connectionTimeoutMs: 1000, retries: 0 }, silentLogger, DEFAULT_KAFKA_CLIENT);
  /** Why the last try failed: a broker that never answers should say how it did not. */
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`broker exited during start (code ${exitCode})`);
    try {
      const admin = await client.admin();
      try {
        await admin.describeCluster();
        return;
      } finally {
        await admin.disconnect();
      }
    } catch (error) {
      lastError = error;
      await sleep(250);
    }
  }
  throw new Error(`broker did not accept clients within ${timeoutMs} ms${lastError === undefined ? '' : ` (last try: ${describeError(lastError)})`}`);
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timedOut = Symbol('timeout');
  const outcome = await Promise.race([exited, sleep(timeoutMs, timedOut)]);
  if (outcome === timedOut) {
    child.kill('SIGKILL');
    await exited;
  }
}

function onceAsync(work: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= work());
}
