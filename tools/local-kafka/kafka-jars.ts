/**
 * The Apache Kafka broker jars, resolved from Maven Central by Maven itself (scripts/kafka/pom.xml) and
 * checked against the committed sha256 list (scripts/kafka/jars.sha256) before first use. They are kept in
 * the cache directory, outside git, and fetched once per version.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { RelstreamError } from '../../src/errors.js';
import type { Logger } from '../../src/observability/logger.js';
import { packageRoot } from '../../src/paths.js';

/** 3.9.x: the last Kafka line that keeps every protocol version kafkajs 2.2.4 (2023) speaks; 4.0 removed old ones (KIP-896). */
export const KAFKA_VERSION = '3.9.2';

const assetsDir = join(packageRoot, 'scripts', 'kafka');
const pomFile = join(assetsDir, 'pom.xml');
const lockFile = join(assetsDir, 'jars.sha256');

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
      if (!match?.[1] || !match[2]) throw new RelstreamError('RELSTREAM_LOCAL_KAFKA_JARS', `bad line in ${lockFile}: ${line}`);
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

function runMaven(outputDir: string, logger: Logger): Promise<void> {
  const args = ['-B', '-q', '--strict-checksums', '-f', pomFile, 'dependency:copy-dependencies',
    '-DincludeScope=runtime', `-DoutputDirectory=${outputDir}`];
  logger.info('fetching Apache Kafka jars with Maven', { version: KAFKA_VERSION });
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
}

/**
 * Returns the directory holding the verified jars, fetching them first if needed. A directory is used only
 * after every jar matched the lock, so an interrupted fetch never leaves a half-filled cache behind.
 */
export async function ensureKafkaJars({ cacheDir, logger }: EnsureJarsOptions): Promise<string> {
  const lock = parseJarLock(await readFile(lockFile, 'utf8'));
  const lockDigest = createHash('sha256').update(JSON.stringify(lock)).digest('hex');
  const libsDir = join(cacheDir, `kafka-${KAFKA_VERSION}`, 'libs');
  const marker = join(libsDir, '.verified');
  if (existsSync(marker) && (await readFile(marker, 'utf8')) === lockDigest) return libsDir;

  const staging = `${libsDir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await runMaven(staging, logger);
    const problems = diffAgainstLock(lock, await hashJars(staging));
    if (problems.length > 0) {
      throw new RelstreamError('RELSTREAM_LOCAL_KAFKA_JARS', `Kafka jars do not match ${lockFile}:\n  ${problems.join('\n  ')}`);
    }
    await writeFile(join(staging, '.verified'), lockDigest);
    await rm(libsDir, { recursive: true, force: true });
    await rename(staging, libsDir);
    logger.info('Apache Kafka jars verified', { version: KAFKA_VERSION, jars: lock.length, dir: libsDir });
    return libsDir;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
