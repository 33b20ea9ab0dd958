/** Shared by the integration suites: the run's broker, clients and unique topic names. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, type TestContext } from 'node:test';

import { ConfigError } from '../../src/errors.js';
import { SPEAKS_CONSUMER_PROTOCOL } from '../../src/kafka/client-kinds.js';
import { createKafkaClient, DEFAULT_KAFKA_CLIENT, KAFKA_CLIENTS, type KafkaClientKind } from '../../src/kafka/create-client.js';
import { resolveGroupProtocol } from '../../src/kafka/group-protocol.js';
import type { KafkaAdmin, KafkaClient } from '../../src/kafka/types.js';
import { createLogger, silentLogger, type Logger } from '../../src/observability/logger.js';

/** The broker this run uses (set by run-tests.js, or by the caller to reuse a running one). */
export function testBrokers(): string[] {
  const brokers = process.env['RELSTREAM_TEST_BROKERS'];
  if (!brokers) throw new Error('RELSTREAM_TEST_BROKERS is not set: run the suites through `npm test`');
  return brokers.split(',');
}

/** The client the suites use unless they name one: RELSTREAM_TEST_KAFKA_CLIENT, else the configured default. */
export function testClientKind(): KafkaClientKind {
  const named = process.env['RELSTREAM_TEST_KAFKA_CLIENT'];
  if (named === undefined || named === '') return DEFAULT_KAFKA_CLIENT;
  const kind = KAFKA_CLIENTS.find((k) => k === named);
  if (kind === undefined) throw new Error(`RELSTREAM_TEST_KAFKA_CLIENT=${named}: expected one of ${KAFKA_CLIENTS.join(', ')}`);
  return kind;
}

/**
 * The test process's own clients (its readers above all) log nowhere, unless RELSTREAM_CHAOS_LOG_DIR keeps logs
 * for a post-mortem: then their lines go to test-process-PID.jsonl there, beside the members' logs.
 */
function testLogger(clientId: string): Logger {
  const dir = process.env['RELSTREAM_CHAOS_LOG_DIR'];
  if (dir === undefined) return silentLogger;
  const file = join(dir, `test-process-${process.pid}.jsonl`);
  return createLogger({ level: 'debug', bindings: { clientId }, write: (line) => { appendFileSync(file, line); } });
}

export function testClient(clientId = 'relstream-test', kind: KafkaClientKind = testClientKind()): KafkaClient {
  return createKafkaClient({ brokers: testBrokers(), clientId }, testLogger(clientId), kind);
}

/** Topic names never collide between test files, runs or a broker shared with a developer. */
export function uniqueTopic(label: string): string {
  return `test.${label}.${randomUUID().slice(0, 8)}`;
}

/** Creates topics for one test and returns a cleanup that deletes them (for `after`/`t.after`). */
export async function withTopics(admin: KafkaAdmin, topics: readonly { topic: string; partitions: number }[]): Promise<() => Promise<void>> {
  await admin.createTopics(topics);
  return () => admin.deleteTopics(topics.map((t) => t.topic));
}

/** A suite's Kafka client and admin, connected before its tests and disconnected after them. */
export class KafkaFixture {
  #client: KafkaClient | undefined;
  #admin: KafkaAdmin | undefined;

  get client(): KafkaClient {
    if (!this.#client) throw new Error('the Kafka fixture is used before its before() hook ran');
    return this.#client;
  }

  get admin(): KafkaAdmin {
    if (!this.#admin) throw new Error('the Kafka fixture is used before its before() hook ran');
    return this.#admin;
  }

  constructor(readonly kind: KafkaClientKind = testClientKind()) {}

  async connect(): Promise<void> {
    this.#client = testClient('relstream-test', this.kind);
    this.#admin = await this.#client.admin();
  }

  async disconnect(): Promise<void> {
    await this.#admin?.disconnect();
  }

  /** Creates the topics for one test and deletes them when it ends. */
  async topics(t: TestContext, specs: readonly { topic: string; partitions: number }[]): Promise<void> {
    t.after(await withTopics(this.admin, specs));
  }
}

export function useKafka(kind?: KafkaClientKind): KafkaFixture {
  const fixture = new KafkaFixture(kind);
  before(() => fixture.connect());
  after(() => fixture.disconnect());
  return fixture;
}

/**
 * Whether `kind` can run KIP-848's consumer protocol on the test broker. Where it cannot (kafkajs lacks it; Kafka
 * 3.x brokers do not run it) a consumer-protocol test is not skipped but checks the other half of the contract:
 * asking for the protocol stops the start with an error naming the setting, and `auto` falls back to classic.
 */
export async function consumerProtocolOffered(t: TestContext, kind: KafkaClientKind, admin: KafkaAdmin): Promise<boolean> {
  if (SPEAKS_CONSUMER_PROTOCOL[kind] && (await admin.supportsConsumerProtocol?.()) === true) return true;
  t.diagnostic(`${kind} on this broker: no KIP-848 consumer protocol; the start refuses it`);
  await assert.rejects(resolveGroupProtocol('consumer', kind, admin), (error: unknown) => error instanceof ConfigError && error.key === 'RELSTREAM_GROUP_PROTOCOL');
  assert.equal(await resolveGroupProtocol('auto', kind, admin), 'classic');
  return false;
}
