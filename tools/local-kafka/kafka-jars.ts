/**
 * The Apache Kafka broker jars, resolved from Maven Central by Maven itself (scripts/kafka/<version>/pom.xml)
 * and checked against the committed sha256 list beside it (jars.sha256) before first use. They are kept in the
 * cache directory, outside git, and fetched once per version.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { RelstreamError } from '../../src/errors.js';
import type { Logger } from '../../src/observability/logger.js';
import { packageRoot } from '../../src/paths.js';

export interface KafkaDistribution {
  readonly version: string;
  /** JVM flags that point the broker's logging backend at its configuration. */
  readonly loggingArgs: readonly string[];
}

const assetsDir = join(packageRoot, 'scripts', 'kafka');

/**
 * The broker versions the local broker can run. 4.4 is the default: kafkajs 2.2.4 and @platformatic/kafka both
 * negotiate API versions the 4.x broker still accepts. 3.9 stays selectable for clusters not yet on Kafka 4;
 * it logs through reload4j, 4.x through log4j2 (KIP-653).
 */
export const KAFKA_DISTRIBUTIONS: Readonly<Record<string, KafkaDistribution>> = {
  '4.4.0': { version: '4.4.0', loggingArgs: [`-Dlog4j2.configurationFile=${join(assetsDir, 'log4j2.properties')}`] },
  '3.9.2': { version: '3.9.2', loggingArgs: [`-Dlog4j.configuration=file:${join(assetsDir, 'log4j.properties')}`] },
};

export const DEFAULT_KAFKA_VERSION = '4.4.0';

/** The distribution for a version, or a usage error naming the versions there are. */
export function kafkaDistribution(version: string = DEFAULT_KAFKA_VERSION): KafkaDistribution {
  const distribution = KAFKA_DISTRIBUTIONS[version];
  if (distribution === undefined) {
    throw new RelstreamError('RELSTREAM_CLI_USAGE', `unsupported Kafka version ${JSON.stringify(version)}; supported: ${Object.keys(KAFKA_DISTRIBUTIONS).join(', ')}`);
  }
  return distribution;
}

/** The local broker's version: RELSTREAM_KAFKA_VERSION when set (CI's 3.9 smoke run), else the default. */
export function kafkaVersionFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['RELSTREAM_KAFKA_VERSION'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_KAFKA_VERSION;
}

export function pomFileOf(version: string): string {
  return join(assetsDir, version, 'pom.xml');
}

export function lockFileOf(version: string): string {
  return join(assetsDir, version, 'jars.sha256');
}

export interface JarLock {
  readonly file: string;
  readonly sha256: string;
}

/** Parses `sha256sum` output: "<hex>  <file>" per line. */
export function parseJarLock(text: string): JarLock[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'))
    .map((line) => {
      const match = /^([0-9a-f]{64})\s+\*?(\S+)$/.exec(line);
      if (!match?.[1] || !match[2]) throw new RelstreamError('RELSTREAM_LOCAL_KAFKA_JARS', `bad line in a jars.sha256: ${line}`);
      return { sha256: match[1], file: match[2] };
    });
}

/** Compares a directory's jars with the lock; returns the differences, empty when they match exactly. */
export function diffAgainstLock(lock: readonly JarLock[], actual: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  for (const { file, sha256 } of lock) {
    const got = actual.get(file);
    if (got === undefined) problems.push(`missing ${file}`);
    else if (got !== sha256) problems.push(`checksum mismatch for ${file}: expected ${sha256}, got ${got}`);
  }
  const expected = new Set(lock.map((l) => l.file));
  for (const file of actual.keys()) if (!expected.has(file)) problems.push(`unexpected ${file}`);
  return problems;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function hashJars(dir: string): Promise<Map<string, string>> {
  const jars = (await readdir(dir)).filter((f) => f.endsWith('.jar')).sort();
  return new Map(await Promise.all(jars.map(async (f) => [f, await sha256Of(join(dir, f))] as const)));
}

function runMaven(version: string, outputDir: string, logger: Logger): Promise<void> {
  const args = ['-B', '-q', '--strict-checksums', '-f', pomFileOf(version), 'dependency:copy-dependencies',
    '-DincludeScope=runtime', `-DoutputDirectory=${outputDir}`];
  logger.info('fetching Apache Kafka jars with Maven', { version });
  return new Promise((resolve, reject) => {
    const child = spawn('mvn', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    child.on('error', (error) => {
      reject(new RelstreamError('RELSTREAM_LOCAL_KAFKA_JARS', 'cannot run `mvn` (install Maven 3, e.g. `apt-get install maven`)', { cause: error }));
    });
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new RelstreamError('RELSTREAM_LOCAL_KAFKA_JARS', `mvn exited with ${code}: ${output.slice(-2000)}`, { retriable: true }));
    });
  });
}

export interface EnsureJarsOptions {
  readonly cacheDir: string;
  readonly logger: Logger;
  /** One of KAFKA_DISTRIBUTIONS; the default version when absent. */
  readonly version?: string;
}

/**
 * Returns the directory holding the verified jars, fetching them first if needed. A directory is used only
 * after every jar matched the lock, so an interrupted fetch never leaves a half-filled cache behind.
 */
export async function ensureKafkaJars({ cacheDir, logger, version: wanted }: EnsureJarsOptions): Promise<string> {
  const { version } = kafkaDistribution(wanted);
  const lockFile = lockFileOf(version);
  const lock = parseJarLock(await readFile(lockFile, 'utf8'));
  const lockDigest = createHash('sha256').update(JSON.stringify(lock)).digest('hex');
  const libsDir = join(cacheDir, `kafka-${version}`, 'libs');
  const marker = join(libsDir, '.verified');
  if (existsSync(marker) && (await readFile(marker, 'utf8')) === lockDigest) return libsDir;

  const staging = `${libsDir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await runMaven(version, staging, logger);
    const problems = diffAgainstLock(lock, await hashJars(staging));
    if (problems.length > 0) {
      throw new RelstreamError('RELSTREAM_LOCAL_KAFKA_JARS', `Kafka jars do not match ${lockFile}:\n  ${problems.join('\n  ')}`);
    }
    await writeFile(join(staging, '.verified'), lockDigest);
    await rm(libsDir, { recursive: true, force: true });
    await rename(staging, libsDir);
    logger.info('Apache Kafka jars verified', { version, jars: lock.length, dir: libsDir });
    return libsDir;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
