/** Shared by the chaos suites: members as real processes, seeded randomness, and what must hold at the end. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

import type { IncomingMessage, KafkaAdmin, KafkaClient } from '../../src/kafka/types.js';
import { relationEventCodec } from '../../src/records/avro.js';
import { startCli, waitFor, type CliProcess } from './cli.js';
import { expectedRelations } from './expected-relations.js';
import { sampleRecords, testEnv, untilProgressStops, type TestTopics, type TopicReader } from './processor.js';

export type Delivery = 'at-least-once' | 'exactly-once';

/**
 * A chaos test fails when its stream stops moving (the readers' and lag waits fail after 120 s without
 * progress), not when a machine is slow: this outer bound only stops a run that hangs outside those waits.
 */
export const CHAOS_TEST_TIMEOUT_MS = 3_600_000;

/** A seeded generator, so a failing run can be repeated with RELSTREAM_CHAOS_SEED. */
export function seededRandom(t: TestContext): () => number {
  let seed = Number(process.env['RELSTREAM_CHAOS_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`chaos seed ${seed} (repeat with RELSTREAM_CHAOS_SEED=${seed})`);
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

/** Env for a member: a short session so the group notices a killed member quickly (the broker's minimum is 6 s). */
export function memberEnv(topics: TestTopics, delivery: Delivery, memberId: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return testEnv(topics, {
    RELSTREAM_LOG_LEVEL: process.env['RELSTREAM_CHAOS_LOG_DIR'] === undefined ? 'info' : 'debug', RELSTREAM_DELIVERY_GUARANTEE: delivery, RELSTREAM_SESSION_TIMEOUT_MS: '6000', RELSTREAM_REVOKE_TIMEOUT_MS: '2500',
    RELSTREAM_HEARTBEAT_INTERVAL_MS: '1000', RELSTREAM_COMMIT_INTERVAL_MS: '200',
    ...(delivery === 'exactly-once' ? { RELSTREAM_TRANSACTIONAL_ID: `${topics.groupId}-${memberId}` } : {}),
    ...extra,
  });
}

export function startMember(t: TestContext, env: Record<string, string>): CliProcess {
  const cli = startCli(['run'], env);
  t.after(async () => {
    cli.child.kill('SIGKILL');
    // RELSTREAM_CHAOS_LOG_DIR keeps each member's log lines for a post-mortem.
    const dir = process.env['RELSTREAM_CHAOS_LOG_DIR'];
    if (dir !== undefined) await writeFile(join(dir, `${t.name.replace(/[^\w.-]+/g, '_')}-${cli.child.pid ?? 0}.jsonl`), cli.logs.map((l) => JSON.stringify(l)).join('\n'));
  });
  return cli;
}

const events = relationEventCodec();
export const eventIds = (messages: readonly IncomingMessage[]): string[] => withoutEndMarkers(messages).map((m) => events.decode(m.value ?? Buffer.alloc(0)).id);

/** Relation events the samples give, per sample id (the tiny model, minScore 0.5). */
export async function eventsPerSample(): Promise<Map<string, number>> {
  const perSample = new Map<string, number>();
  for (const e of await expectedRelations(sampleRecords(), 0.5)) perSample.set(e.recordId, (perSample.get(e.recordId) ?? 0) + 1);
  return perSample;
}

/**
 * Waits until the group's committed offset equals the high watermark on every partition (lag 0); fails when
 * the committed offsets stop moving for `stallMs` short of it. Resolves with the milliseconds it took.
 */
export async function untilLagZero(admin: KafkaAdmin, groupId: string, topic: string, stallMs = 120_000): Promise<number> {
  let lag = '';
  const check = async (): Promise<boolean> => {
    const high = await admin.fetchTopicOffsets(topic);
    const committed = new Map((await admin.fetchCommittedOffsets(groupId, topic)).map((c) => [c.partition, c.offset]));
    const behind = high.filter((p) => committed.get(p.partition) !== p.high);
    lag = behind.map((p) => `${p.partition}: ${committed.get(p.partition)}/${p.high}`).join(', ');
    return behind.length === 0;
  };
  return untilProgressStops(check, () => lag, `lag 0 on ${topic} (committed/high)`, stallMs);
}

/**
 * Stops each live member with SIGTERM, as an orchestrator does, and returns their exit codes: a graceful stop
 * drains, commits and exits 0, whatever the member went through before (issue 17: SIGTERM at any moment).
 */
export async function stopMembers(members: readonly CliProcess[]): Promise<(number | null)[]> {
  return Promise.all(members.map(async (member) => {
    if (member.child.exitCode === null && member.child.signalCode === null) member.child.kill('SIGTERM');
    return (await member.exited).code;
  }));
}

const END_KEY = 'relstream-test-end/';
const isEndMarker = (m: IncomingMessage): boolean => m.key?.toString().startsWith(END_KEY) === true;

/** The messages read, less readToEnd's markers. */
export const withoutEndMarkers = (messages: readonly IncomingMessage[]): IncomingMessage[] => messages.filter((m) => !isEndMarker(m));

/**
 * With every writer of `topic` stopped, reads it to its end: one marker message per partition is written
 * behind everything else and the reader waits to see them all (a read_committed reader passes a marker only
 * once every transaction before it is resolved). Replaces "wait 2 s for a late duplicate": after this, nothing
 * earlier in the topic is left unread. The markers are left out of eventIds.
 */
export async function readToEnd(client: KafkaClient, admin: KafkaAdmin, reader: TopicReader, topic: string): Promise<number> {
  const partitions = (await admin.fetchTopicOffsets(topic)).map((p) => p.partition);
  const producer = await client.producer();
  const run = `${END_KEY}${Date.now()}-${Math.random()}`;
  try {
    await producer.send(topic, partitions.map((partition) => ({ key: `${run}/${partition}`, value: null, partition })));
  } finally {
    await producer.disconnect();
  }
  return reader.until((m) => m.filter((x) => x.key?.toString().startsWith(run) === true).length === partitions.length, `the end markers of ${topic}`);
}

export async function httpPort(cli: CliProcess): Promise<number> {
  const line = await waitFor(() => cli.logs.find((l) => l['msg'] === 'http server listening'), 'the http server');
  return Number(line['port']);
}

const WATCHED = ['relstream_records_processed_total', 'relstream_records_in_flight', 'relstream_queued_pairs', 'relstream_consumer_paused', 'relstream_kafka_reachable', 'relstream_inference_batches_in_flight', 'relstream_records_redelivered_total'];

/** What each member was doing, for the diagnostics of a failed chaos test. */
export async function describeMembers(members: readonly CliProcess[]): Promise<string> {
  const parts: string[] = [];
  for (const [i, member] of members.entries()) {
    const listening = member.logs.find((l) => l['msg'] === 'http server listening');
    let metrics = '';
    if (listening && member.child.exitCode === null) {
      // A member stopped or frozen mid-test refuses the connection: its logs below still say what it did.
      const text = await fetch(`http://127.0.0.1:${Number(listening['port'])}/metrics`, { signal: AbortSignal.timeout(2000) }).then((r) => r.text()).catch(() => '');
      metrics = text.split('\n').filter((l) => WATCHED.some((w) => l.startsWith(w))).join('; ');
    }
    const logs = member.logs.slice(-12).map((l) => JSON.stringify(l).slice(0, 300)).join('\n    ');
    parts.push(`member ${i} (exit ${member.child.exitCode}): ${metrics}\n    ${logs}`);
  }
  return parts.join('\n');
}
