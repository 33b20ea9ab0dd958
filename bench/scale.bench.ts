/**
 * The scale scenario (issue 18): a backlog on 12 partitions, one `relstream run` member, then a second and a third
 * join and leave again with SIGTERM, each change once the output has moved on by a tenth of the backlog's
 * events, as an autoscaler would scale a group; per group protocol and delivery mode. Reports the longest gap in
 * the output during the changes, the output rate after each change against before, duplicates, and the time to
 * lag 0. Then the same backlog with two members, one killed with SIGKILL three times: duplicates per kill beside
 * what was in flight at the kill plus one commit interval of output (the bound a kill may cost).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { loadConfig } from '../src/config/load-config.js';
import type { GroupProtocol } from '../src/kafka/client-kinds.js';
import { createKafkaClient } from '../src/kafka/create-client.js';
import type { IncomingMessage, KafkaAdmin, KafkaClient } from '../src/kafka/types.js';
import { silentLogger } from '../src/observability/logger.js';
import { cacheDir, packageRoot } from '../src/paths.js';
import { relationEventCodec } from '../src/records/avro.js';
import { startLocalBroker } from '../tools/local-kafka/local-broker.js';
import { scaleFigures, type GroupChange } from '../tools/scale-figures.js';
import type { BenchResult } from './report.js';
import { produceSampleBacklog, sampleRecords } from './sample-backlog.js';

const PARTITIONS = 12;
const STEP_SHARE = 0.1;
const WINDOW_MS = 5000;
const KILLS = 3;
/** How long the figures may take to appear before the run counts as stalled. */
const STALL_MS = 180_000;

type Delivery = 'at-least-once' | 'exactly-once';

interface Member {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  port: number;
  joined: boolean;
  readonly startedAt: number;
  /** From the process's start to its first assignment with partitions: model load, warm-up, group join. */
  joinMs: number | undefined;
}

interface Run {
  readonly client: KafkaClient;
  readonly admin: KafkaAdmin;
  readonly bootstrap: string;
  readonly topic: string;
  readonly output: string;
  readonly groupId: string;
  readonly expected: number;
  /** Mean events per record of this backlog (for the kills' bound). */
  readonly eventsPerRecord: number;
  readonly events: IncomingMessage[];
}

function startMember(run: Run, name: string, protocol: GroupProtocol, delivery: Delivery, modelDir: string): Member {
  const child = spawn(process.execPath, [join(packageRoot, 'bin', 'relstream.js'), 'run'], {
    env: {
      ...process.env, RELSTREAM_KAFKA_BROKERS: run.bootstrap, RELSTREAM_INPUT_TOPIC: run.topic, RELSTREAM_OUTPUT_TOPIC: run.output,
      RELSTREAM_DEAD_LETTER_TOPIC: `${run.topic}.dlq`, RELSTREAM_GROUP_ID: run.groupId, RELSTREAM_HTTP_PORT: '0', RELSTREAM_HTTP_HOST: '127.0.0.1',
      RELSTREAM_MODEL_DIR: modelDir, RELSTREAM_LOG_LEVEL: process.env['RELSTREAM_BENCH_LOG_DIR'] === undefined ? 'info' : 'debug', RELSTREAM_GROUP_PROTOCOL: protocol, RELSTREAM_DELIVERY_GUARANTEE: delivery,
      RELSTREAM_TRANSACTIONAL_ID: `${run.groupId}-${name}`, RELSTREAM_SESSION_TIMEOUT_MS: '6000', RELSTREAM_HEARTBEAT_INTERVAL_MS: '1000',
      RELSTREAM_REVOKE_TIMEOUT_MS: '2500',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const member: Member = { child, exited: new Promise((resolve) => child.once('exit', resolve)), port: 0, joined: false, startedAt: Date.now(), joinMs: undefined };
  // RELSTREAM_BENCH_LOG_DIR keeps each member's log lines for a post-mortem of a gap.
  const logDir = process.env['RELSTREAM_BENCH_LOG_DIR'];
  const logFile = logDir === undefined ? undefined : join(logDir, `${run.groupId}-${name}-${child.pid ?? 0}.jsonl`);
  child.stderr.on('data', (chunk: Buffer) => {
    if (logFile !== undefined) appendFileSync(logFile, chunk);
    for (const line of chunk.toString().split('\n')) {
      if (line.includes('"http server listening"')) member.port = Number(/"port":(\d+)/.exec(line)?.[1] ?? 0);
      if (line.includes('"joined the consumer group"') && !line.includes('"partitions":[]') && !member.joined) {
        member.joined = true;
        member.joinMs = Date.now() - member.startedAt;
      }
    }
  });
  return member;
}

/** The members run at the defaults: exactly-once commits more often (src/config/schema.ts, EXACTLY_ONCE_DEFAULTS). */
function commitIntervalMs(delivery: Delivery): number {
  return loadConfig({ env: { RELSTREAM_DELIVERY_GUARANTEE: delivery, RELSTREAM_TRANSACTIONAL_ID: 'bench' } }).commitIntervalMs;
}

/** Waits until `check` holds; fails when `progress()` stops moving for STALL_MS. */
async function until(check: () => boolean, progress: () => number, what: string): Promise<void> {
  let last = progress();
  let movedAt = Date.now();
  while (!check()) {
    await sleep(100);
    if (progress() !== last) {
      last = progress();
      movedAt = Date.now();
    } else if (Date.now() - movedAt > STALL_MS) {
      throw new Error(`scale bench: no progress for ${STALL_MS} ms waiting for ${what}`);
    }
  }
}

async function lagZero(run: Run): Promise<boolean> {
  const high = await run.admin.fetchTopicOffsets(run.topic);
  const committed = new Map((await run.admin.fetchCommittedOffsets(run.groupId, run.topic)).map((c) => [c.partition, c.offset]));
  // A partition that never held a record has nothing to commit.
  return high.every((p) => committed.get(p.partition) === p.high || (p.high === p.low && committed.get(p.partition) === '-1'));
}

async function recordsInFlight(member: Member): Promise<number> {
  const text = await fetch(`http://127.0.0.1:${member.port}/metrics`, { signal: AbortSignal.timeout(2000) }).then((r) => r.text()).catch(() => '');
  return Number(/^relstream_records_in_flight (\S+)/m.exec(text)?.[1] ?? NaN);
}

const codec = relationEventCodec();
const ids = (events: readonly IncomingMessage[]): string[] => events.map((m) => codec.decode(m.value ?? Buffer.alloc(0)).id);

/** The second and later copies of an id, by their position in the output. */
function duplicatePositions(events: readonly IncomingMessage[]): number[] {
  const seen = new Set<string>();
  return ids(events).flatMap((id, i) => {
    if (seen.has(id)) return [i];
    seen.add(id);
    return [];
  });
}

/** Events per sample (by its position in samples/trials.jsonl) with this model. */
type SampleEvents = readonly number[];

async function prepare(client: KafkaClient, admin: KafkaAdmin, bootstrap: string, records: number, label: string, perSample: SampleEvents): Promise<Run> {
  const topic = `bench.scale.${label}.${randomUUID().slice(0, 8)}`;
  const output = `${topic}.out`;
  await admin.createTopics([{ topic, partitions: PARTITIONS }, { topic: output, partitions: 3 }, { topic: `${topic}.dlq`, partitions: 1 }]);
  await produceSampleBacklog(client, topic, records);
  const samples = sampleRecords();
  const events: IncomingMessage[] = [];
  let expected = 0;
  for (let i = 0; i < records; i++) expected += perSample[i % samples.length] ?? 0;
  return { client, admin, bootstrap, topic, output, groupId: `bench-scale-${randomUUID()}`, expected, eventsPerRecord: expected / Math.max(1, records), events };
}

/** A read_committed reader of the output for the whole run. */
async function readOutput(run: Run): Promise<() => Promise<void>> {
  const reader = await run.client.consumer({ groupId: `bench-reader-${randomUUID()}` });
  await reader.run({ topics: [run.output], fromBeginning: true, eachBatch: (batch) => { run.events.push(...batch.messages); return Promise.resolve(); } });
  return () => reader.disconnect();
}

async function stop(member: Member): Promise<number | null> {
  if (member.child.exitCode === null) member.child.kill('SIGTERM');
  return member.exited;
}

async function scaleRun(run: Run, protocol: GroupProtocol, delivery: Delivery, modelDir: string): Promise<BenchResult[]> {
  const closeReader = await readOutput(run);
  const members: Member[] = [];
  try {
    const progress = (): number => run.events.length;
    const step = Math.floor(run.expected * STEP_SHARE);
    let mark = 0;
    const movedOn = async (): Promise<void> => {
      // From where the output is now: exactly-once output arrives a transaction at a time, past the last mark.
      // Never past the whole output: a run that got ahead of its changes would wait for events that never come.
      mark = Math.min(run.expected, Math.max(mark, run.events.length) + step);
      await until(() => run.events.length >= mark, progress, `${mark} events`);
    };
    const changes: GroupChange[] = [];
    const exits: (number | null)[] = [];
    const drainsMs: number[] = [];
    members.push(startMember(run, 'm0', protocol, delivery, modelDir));
    await movedOn();
    for (const name of ['m1', 'm2']) {
      changes.push({ label: `${name} joins`, atMs: Date.now() });
      const member = startMember(run, name, protocol, delivery, modelDir);
      members.push(member);
      await until(() => member.joined, progress, `${name} to own partitions`);
      await movedOn();
    }
    for (const i of [2, 1]) {
      const member = members[i];
      if (member === undefined) continue;
      const leftAt = Date.now();
      changes.push({ label: `m${i} leaves`, atMs: leftAt });
      exits.push(await stop(member));
      drainsMs.push(Date.now() - leftAt);
      await movedOn();
    }
    const lastChangeAt = Date.now();
    const underLoad = run.events.length < run.expected;
    await until(() => new Set(ids(run.events)).size >= run.expected, progress, `all ${run.expected} events`);
    let lagged = true;
    while (lagged) {
      lagged = !(await lagZero(run));
      if (lagged) await sleep(200);
    }
    const lagZeroSeconds = (Date.now() - lastChangeAt) / 1000;
    const m0 = members[0];
    if (m0 !== undefined) exits.push(await stop(m0));
    await sleep(1000);
    const duplicates = duplicatePositions(run.events).length;
    const figures = scaleFigures(run.events, changes, WINDOW_MS);
    const scenario = `scale 1→3→1 ${protocol} ${delivery}`;
    const detail = { events: run.expected, partitions: PARTITIONS, exits, underLoad, changes: figures.changes, longestGapAtMs: figures.longestGapAtMs, longestGapFrom: new Date((changes[0]?.atMs ?? 0) + figures.longestGapAtMs).toISOString(), windowMs: WINDOW_MS };
    return [
      { scenario, metric: 'longest output gap', value: figures.longestGapMs / 1000, unit: 's', detail },
      { scenario, metric: 'duplicates (graceful changes)', value: duplicates, unit: 'events', detail: { events: run.events.length, expected: run.expected } },
      ...figures.changes.map((c) => ({ scenario, metric: `rate after/before: ${c.label}`, value: c.rateRatio, unit: 'x', detail: { eventsBefore: c.eventsBefore, eventsAfter: c.eventsAfter } })),
      { scenario, metric: 'lag 0 after the last change', value: lagZeroSeconds, unit: 's', detail: { exits } },
      { scenario, metric: 'start to first assignment of a joining member', value: Math.max(...members.slice(1).map((m) => m.joinMs ?? NaN)) / 1000, unit: 's', detail: { joinMs: members.map((m) => m.joinMs) } },
      { scenario, metric: 'SIGTERM to exit of a leaving member', value: Math.max(...drainsMs) / 1000, unit: 's', detail: { drainsMs } },
      { scenario, metric: 'output rate, one member', value: rateOf(run.events, changes[0]?.atMs ?? 0), unit: 'events/s', detail: { windowMs: WINDOW_MS, eventsPerRecord: run.eventsPerRecord } },
    ];
  } finally {
    for (const m of members) if (m.child.exitCode === null) m.child.kill('SIGKILL');
    await closeReader();
  }
}

/** Output events per second in the window before `atMs` (one member, once it is running). */
function rateOf(events: readonly IncomingMessage[], atMs: number): number {
  return (events.filter((m) => m.timestampMs >= atMs - WINDOW_MS && m.timestampMs < atMs).length * 1000) / WINDOW_MS;
}

async function killRun(run: Run, protocol: GroupProtocol, delivery: Delivery, modelDir: string): Promise<BenchResult[]> {
  const closeReader = await readOutput(run);
  const members: Member[] = [];
  try {
    const progress = (): number => run.events.length;
    members.push(startMember(run, 'steady', protocol, delivery, modelDir));
    let victim = startMember(run, 'victim', protocol, delivery, modelDir);
    members.push(victim);
    const kills: { at: number; inFlight: number; commitIntervalEvents: number }[] = [];
    for (let k = 0; k < KILLS; k++) {
      await until(() => victim.joined && victim.port > 0, progress, 'the victim to join');
      const mark = Math.floor(run.expected * (0.15 + 0.2 * k));
      await until(() => run.events.length >= mark, progress, `${mark} events`);
      // One commit interval of output at the rate just before the kill.
      const before = run.events.length;
      await sleep(commitIntervalMs(delivery));
      const commitIntervalEvents = run.events.length - before;
      const inFlight = await recordsInFlight(victim);
      kills.push({ at: run.events.length, inFlight, commitIntervalEvents });
      victim.child.kill('SIGKILL');
      await victim.exited;
      victim = startMember(run, 'victim', protocol, delivery, modelDir);
      members.push(victim);
    }
    await until(() => new Set(ids(run.events)).size >= run.expected, progress, `all ${run.expected} events`);
    while (!(await lagZero(run))) await sleep(200);
    for (const m of members) await stop(m);
    await sleep(1000);
    const positions = duplicatePositions(run.events);
    const scenario = `kill -9 ×${KILLS} ${protocol} ${delivery}`;
    return kills.map((kill, i) => {
      const next = kills[i + 1]?.at ?? Infinity;
      const duplicates = positions.filter((p) => p >= kill.at && p < next).length;
      // In flight is counted in records; the bound is in events (records × events per record, plus one interval).
      const bound = Math.round(kill.inFlight * run.eventsPerRecord + kill.commitIntervalEvents);
      return { scenario, metric: `duplicates, kill ${i + 1}`, value: duplicates, unit: 'events', detail: { boundEvents: bound, inFlightRecords: kill.inFlight, commitIntervalEvents: kill.commitIntervalEvents, withinBound: duplicates <= bound } };
    });
  } finally {
    for (const m of members) if (m.child.exitCode === null) m.child.kill('SIGKILL');
    await closeReader();
  }
}

/** `protocols` that the broker does not run are left out, with a line saying so. */
export async function scaleBench(modelDir: string, records: number, protocols: readonly GroupProtocol[], deliveries: readonly Delivery[], options: { readonly kills: boolean }): Promise<BenchResult[]> {
  const broker = await startLocalBroker({ cacheDir: cacheDir(), logger: silentLogger });
  const client = createKafkaClient({ brokers: [broker.bootstrap], clientId: 'bench-scale' }, silentLogger, 'platformatic');
  const admin = await client.admin();
  const results: BenchResult[] = [];
  try {
    const perSample = await measureEventsPerSample(client, admin, broker.bootstrap, modelDir);
    const kip848 = (await admin.supportsConsumerProtocol?.()) === true;
    for (const protocol of protocols) {
      if (protocol === 'consumer' && !kip848) {
        process.stdout.write(`scale bench: Kafka ${broker.kafkaVersion} runs no KIP-848 groups; the consumer protocol is left out\n`);
        continue;
      }
      for (const delivery of deliveries) {
        process.stdout.write(`scale bench: ${protocol} ${delivery}\n`);
        // One scenario that stalls is reported as such; the others still run.
        const attempt = async (scenario: string, work: () => Promise<BenchResult[]>): Promise<void> => {
          try {
            results.push(...(await work()));
          } catch (error) {
            process.stdout.write(`scale bench: ${scenario} failed: ${error instanceof Error ? error.message : String(error)}\n`);
            results.push({ scenario, metric: 'failed', value: NaN, unit: '', detail: { error: error instanceof Error ? error.message : String(error) } });
          }
        };
        await attempt(`scale 1→3→1 ${protocol} ${delivery}`, async () => scaleRun(await prepare(client, admin, broker.bootstrap, records, `${protocol}-${delivery}`, perSample), protocol, delivery, modelDir));
        if (options.kills) await attempt(`kill -9 ×${KILLS} ${protocol} ${delivery}`, async () => killRun(await prepare(client, admin, broker.bootstrap, Math.round(records / 2), `kill-${protocol}-${delivery}`, perSample), protocol, delivery, modelDir));
      }
    }
  } finally {
    await admin.disconnect();
    await broker.stop();
  }
  return results;
}

/** Events each sample gives with this model: one member through one pass of the samples. */
async function measureEventsPerSample(client: KafkaClient, admin: KafkaAdmin, bootstrap: string, modelDir: string): Promise<SampleEvents> {
  const samples = sampleRecords().length;
  const run = await prepare(client, admin, bootstrap, samples, 'calibrate', []);
  const closeReader = await readOutput(run);
  const member = startMember(run, 'calibrate', 'classic', 'at-least-once', modelDir);
  try {
    while (!(await lagZero(run))) await sleep(200);
    await sleep(1000);
    // Record ids are `<sample id>/<position>`; an event's id is one per relation, so distinct ids count them.
    const perSample = new Array<number>(samples).fill(0);
    const seen = new Set<string>();
    for (const m of run.events) {
      const event = codec.decode(m.value ?? Buffer.alloc(0));
      if (seen.has(event.id)) continue;
      seen.add(event.id);
      const position = Number(event.recordId.split('/').at(-1));
      perSample[position] = (perSample[position] ?? 0) + 1;
    }
    return perSample;
  } finally {
    await stop(member);
    await closeReader();
  }
}
