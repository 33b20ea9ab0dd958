/** Shared by the processor suites: config for a test run, sample records, and topic readers. */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { loadConfig } from '../../src/config/load-config.js';
import type { Config, ConfigKey } from '../../src/config/schema.js';
import type { IncomingMessage, KafkaClient } from '../../src/kafka/types.js';
import { packageRoot } from '../../src/paths.js';
import { trialRecordCodec, type TrialRecord } from '../../src/records/avro.js';
import { trialRecordFromJson } from '../../src/records/json-record.js';
import { testBrokers, testClientKind, uniqueTopic } from './kafka.js';

export function sampleRecords(): TrialRecord[] {
  return readFileSync(join(packageRoot, 'samples', 'trials.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '')
    .map((line, i) => trialRecordFromJson(line, i + 1));
}

/** `copies` copies of the samples with distinct ids: sample-id/copy. */
export function manyRecords(copies: number): TrialRecord[] {
  const samples = sampleRecords();
  return Array.from({ length: copies }, (_, c) => samples.map((r) => ({ ...r, id: `${r.id}/${c}` }))).flat();
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

export async function produceRecords(client: KafkaClient, topic: string, records: readonly TrialRecord[]): Promise<void> {
  const codec = trialRecordCodec();
  const producer = await client.producer();
  try {
    for (let i = 0; i < records.length; i += 500) {
      await producer.send(topic, records.slice(i, i + 500).map((r) => ({ key: r.id, value: codec.encode(r) })));
    }
  } finally {
    await producer.disconnect();
  }
}

export interface TopicReader {
  readonly messages: IncomingMessage[];
  /** Resolves once `check` holds for the messages read so far. */
  until(check: (messages: readonly IncomingMessage[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
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
    until: async (check, what, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!check(messages)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${messages.length} messages on ${topic})`);
        await sleep(100);
      }
    },
    close: () => consumer.disconnect(),
  };
}
