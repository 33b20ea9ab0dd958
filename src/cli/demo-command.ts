/**
 * `relstream demo`: the whole flow on the embedded default. Starts the local Kafka broker (unless brokers are
 * configured), creates the topics, produces the shipped sample trial records, runs the processor on the
 * tiny demo model, prints each relation as it arrives with a progress line, then stops cleanly.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Counter } from 'prom-client';

import { envName, loadConfig } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import { RelstreamError } from '../errors.js';
import type { LocalBroker } from '../../tools/local-kafka/local-broker.js';
import { packageRoot } from '../paths.js';
import { kafkaClientFromConfig } from '../kafka/connection-from-config.js';
import { startService } from './build-service.js';
import { relationEventCodec, trialRecordCodec, type RelationEvent } from '../records/avro.js';
import { trialRecordFromJson } from '../records/json-record.js';
import { intFlag, parseCommandArgs } from './args.js';
import type { CommandContext } from './command-context.js';
import { loadLocalKafka } from './local-kafka.js';

const SAMPLES = join(packageRoot, 'samples', 'trials.jsonl');

async function total(counter: Counter): Promise<number> {
  return (await counter.get()).values.reduce((n, v) => n + v.value, 0);
}

function describe(event: RelationEvent): string {
  const arg = (a: RelationEvent['subject']): string => `${a.type} "${a.text}"`;
  return `${event.recordId}  ${arg(event.subject)} --${event.relation} (${event.score.toFixed(2)})--> ${arg(event.object)}`;
}

export async function demoCommand(argv: readonly string[], ctx: CommandContext, env: NodeJS.ProcessEnv): Promise<number> {
  const { configFlags, commandFlags } = parseCommandArgs(argv, { 'timeout-ms': { type: 'string' } });
  const timeoutMs = intFlag(commandFlags['timeout-ms'], 'timeout-ms', 120_000);
  const useLocalBroker = configFlags.kafkaBrokers === undefined && !env[envName('kafkaBrokers')];
  const started = Date.now();
  const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  let broker: LocalBroker | undefined;
  try {
    if (useLocalBroker) {
      ctx.stdout('starting a local Apache Kafka broker (the first run downloads its jars)...');
      const { startLocalBroker } = await loadLocalKafka();
      broker = await startLocalBroker({ cacheDir: ctx.cacheDir, logger: ctx.logger });
      ctx.stdout(`broker ready at ${broker.bootstrap} after ${elapsed()}`);
    }
    // The demo serves metrics on a free port unless one is configured, so it never clashes with a running `relstream run`.
    const config: Config = loadConfig({
      env,
      flags: { httpPort: '0', ...configFlags, ...(broker ? { kafkaBrokers: broker.bootstrap } : {}), groupId: configFlags.groupId ?? `relstream-demo-${randomUUID().slice(0, 8)}` },
    });
    return await runDemo(config, ctx, timeoutMs, elapsed);
  } finally {
    await broker?.stop();
  }
}

async function runDemo(config: Config, ctx: CommandContext, timeoutMs: number, elapsed: () => string): Promise<number> {
  const client = kafkaClientFromConfig(config, ctx.logger);
  const admin = await client.admin();
  await admin.createTopics([
    { topic: config.inputTopic, partitions: 3 }, { topic: config.outputTopic, partitions: 3 }, { topic: config.deadLetterTopic, partitions: 1 },
  ]);
  await admin.disconnect();

  const lines = (await readFile(SAMPLES, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  const codec = trialRecordCodec();
  const producer = await client.producer();
  await producer.send(config.inputTopic, lines.map((line, i) => {
    const record = trialRecordFromJson(line, i + 1);
    return { key: record.id, value: codec.encode(record) };
  }));
  await producer.disconnect();
  ctx.stdout(`produced ${lines.length} sample trial records to ${config.inputTopic}`);

  const events = relationEventCodec();
  let printed = 0;
  const relations = await client.consumer({ groupId: `relstream-demo-reader-${randomUUID()}` });
  await relations.run({
    topics: [config.outputTopic], fromBeginning: true,
    eachBatch: (batch) => {
      for (const message of batch.messages) {
        if (!message.value) continue;
        ctx.stdout(describe(events.decode(message.value)));
        printed++;
      }
      return Promise.resolve();
    },
  });

  const service = await startService(config, ctx.logger);
  const { metrics } = service;
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const processed = await total(metrics.recordsProcessed);
      const deadLettered = await total(metrics.recordsDeadLettered);
      const published = await total(metrics.relationsPublished);
      const finished = processed + deadLettered >= lines.length && printed >= published;
      if (finished) {
        const pairs = await total(metrics.pairsFormed);
        const seconds = (await metrics.inferenceSeconds.get()).values.find((v) => v.metricName === 'relstream_inference_seconds_sum')?.value ?? 0;
        ctx.stdout(`done: ${processed} records processed, ${deadLettered} dead-lettered, ${pairs} candidate pairs, ${published} relations ` +
          `(provider ${service.provider}, ${elapsed()}; tiny demo model: relations are illustrative)`);
        ctx.stdout(`inference: ${pairs} pairs in ${seconds.toFixed(3)} s of model time`);
        return 0;
      }
      if (Date.now() > deadline) throw new RelstreamError('RELSTREAM_SHUTDOWN', `demo did not finish within ${timeoutMs} ms (${processed}/${lines.length} records)`);
      ctx.stdout(`progress: ${processed + deadLettered}/${lines.length} records, ${published} relations`);
      await sleep(500);
    }
  } finally {
    await service.stop();
    await relations.disconnect();
  }
}
