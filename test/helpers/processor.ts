/** Shared by the processor suites: config for a test run, sample records, and topic readers. */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { loadConfig } from '../../src/config/load-config.js';
import type { Config, ConfigKey } from '../../src/config/schema.js';
import type { Headers, IncomingMessage, KafkaClient } from '../../src/kafka/types.js';
import { packageRoot } from '../../src/paths.js';
import { trialRecordCodec, type TrialRecord } from '../../src/records/avro.js';
import { trialRecordFromJson } from '../../src/records/json-record.js';
import { testBrokers, testClientKind, uniqueTopic } from './kafka.js';

export function sampleRecords(): TrialRecord[] {
  return readFileSync(join(packageRoot, 'samples', 'trials.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '')
    .map((line, i) => trialRecordFromJson(line, i + 1));
}

/** `copies` copies of the samples with distinct ids: sample-id/copy. */
/** `copies` copies of the sample records, each with its own ids: copy numbers from `first` on. */
export function manyRecords(copies: number, first = 0): TrialRecord[] {
  const samples = sampleRecords();
  return Array.from({ length: copies }, (_, c) => samples.map((r) => ({ ...r, id: `${r.id}/${first + c}` }))).flat();
}

export interface TestTopics {
  readonly inputTopic: string;
  readonly outputTopic: string;
  readonly deadLetterTopic: string;
  readonly groupId: string;
}

export function testTopics(label: string): TestTopics {
  return { inputTopic: uniqueTopic(`${label}.in`), outputTopic: uniqueTopic(`${label}.out`), deadLetterTopic: uniqueTopic(`${label}.dlq`), groupId: `test-${label}-${randomUUID()}` };
}

/** The same settings as env vars, for a child `relstream run` process. */
export function testEnv(topics: TestTopics, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    RELSTREAM_KAFKA_BROKERS: testBrokers().join(','), RELSTREAM_INPUT_TOPIC: topics.inputTopic, RELSTREAM_OUTPUT_TOPIC: topics.outputTopic,
    RELSTREAM_DEAD_LETTER_TOPIC: topics.deadLetterTopic, RELSTREAM_GROUP_ID: topics.groupId, RELSTREAM_HTTP_PORT: '0',
    RELSTREAM_HTTP_HOST: '127.0.0.1', RELSTREAM_COMMIT_INTERVAL_MS: '200', RELSTREAM_KAFKA_CLIENT: testClientKind(), ...extra,
  };
}

export function testConfig(topics: TestTopics, overrides: Partial<Record<ConfigKey, string>> = {}): Config {
  return loadConfig({ env: testEnv(topics), flags: overrides });
}

/** `headers`: the same on every record (a producer's own, e.g. a tenant id). */
export async function produceRecords(client: KafkaClient, topic: string, records: readonly TrialRecord[], headers?: Headers): Promise<void> {
  const codec = trialRecordCodec();
  const producer = await client.producer();
  try {
    for (let i = 0; i < records.length; i += 500) {
      await producer.send(topic, records.slice(i, i + 500).map((r) => ({ key: r.id, value: codec.encode(r), ...(headers === undefined ? {} : { headers }) })));
    }
  } finally {
    await producer.disconnect();
  }
}

export interface TopicReader {
  readonly messages: IncomingMessage[];
  /**
   * Resolves, with the milliseconds it took, once `check` holds for the messages read so far. Fails only when
   * nothing new was read for `stallMs` (default 120 s): a slow machine takes longer, a stalled stream stops.
   */
  until(check: (messages: readonly IncomingMessage[]) => boolean, what: string, stallMs?: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Polls `check` until it holds; fails when `progress()` (what the waited-for work has done so far) has not
 * changed for `stallMs`. Pass or fail depends on whether the work moves, never on how fast: no fixed deadline.
 */
export async function untilProgressStops(check: () => boolean | Promise<boolean>, progress: () => unknown, what: string, stallMs = 120_000): Promise<number> {
  const started = Date.now();
  let last = JSON.stringify(await progress());
  let movedAt = Date.now();
  while (!(await check())) {
    const now = JSON.stringify(await progress());
    if (now !== last) {
      last = now;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      throw new Error(`no progress for ${stallMs} ms waiting for ${what} (after ${Date.now() - started} ms; progress ${now})`);
    }
    await sleep(100);
  }
  return Date.now() - started;
}

/** Reads a topic from the beginning with its own consumer group. */
export async function readTopic(client: KafkaClient, topic: string): Promise<TopicReader> {
  const consumer = await client.consumer({ groupId: `test-reader-${randomUUID()}` });
  const messages: IncomingMessage[] = [];
  // The reader commits nothing: when its own consumer restarts (a broker outage), it reads from the beginning
  // again. A duplicate in the topic has its own offset, so offsets already read are what is skipped.
  const read = new Set<string>();
  await consumer.run({
    topics: [topic], fromBeginning: true,
    eachBatch: (batch) => {
      for (const m of batch.messages) {
        const at = `${m.partition}:${m.offset}`;
        if (read.has(at)) continue;
        read.add(at);
        messages.push(m);
      }
      return Promise.resolve();
    },
  });
  return {
    messages,
    until: (check, what, stallMs = 120_000) => untilProgressStops(() => check(messages), () => messages.length, `${what} (${messages.length} messages on ${topic})`, stallMs),
    close: () => consumer.disconnect(),
  };
}
