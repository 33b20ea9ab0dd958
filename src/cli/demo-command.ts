/**
 * `relstream demo`: the main job on the embedded default. Starts the local broker unless brokers are
 * configured, sends a sample trial record through a topic and reads it back with a consumer group.
 * (The processor issue turns this into the full relation-extraction demo.)
 */
import { randomUUID } from 'node:crypto';

import { envName, loadConfig } from '../config/load-config.js';
import { createKafkaClient } from '../kafka/kafkajs-adapter.js';
import type { IncomingMessage } from '../kafka/types.js';
import { startLocalBroker, type LocalBroker } from '../local-kafka/local-broker.js';
import { parseCommandArgs } from './args.js';
import type { CommandContext } from './kafka-command.js';

const SAMPLE_RECORD = {
  id: 'demo-0001',
  text: 'Aspirina administrada cada 8 horas.',
  entities: [
    { id: 'T1', type: 'CHEM', start: 0, end: 8 },
    { id: 'T2', type: 'Frequency', start: 21, end: 34 },
  ],
};

export async function demoCommand(argv: readonly string[], ctx: CommandContext, env: NodeJS.ProcessEnv): Promise<number> {
  const { configFlags } = parseCommandArgs(argv);
  const config = loadConfig({ env, flags: configFlags });
  const useLocalBroker = configFlags.kafkaBrokers === undefined && !env[envName('kafkaBrokers')];
  const started = Date.now();
  let broker: LocalBroker | undefined;
  try {
    if (useLocalBroker) {
      ctx.stdout('starting a local Apache Kafka broker (first run downloads the jars)...');
      broker = await startLocalBroker({ cacheDir: ctx.cacheDir, logger: ctx.logger });
      ctx.stdout(`broker ready at ${broker.bootstrap} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    const brokers = broker ? [broker.bootstrap] : config.kafkaBrokers;
    const client = createKafkaClient({ brokers, clientId: config.kafkaClientId, connectionTimeoutMs: config.kafkaConnectionTimeoutMs }, ctx.logger);
    const topic = `${config.inputTopic}.demo-${randomUUID().slice(0, 8)}`;
    const admin = await client.admin();
    await admin.createTopics([{ topic, partitions: 3 }]);

    const producer = await client.producer();
    const value = Buffer.from(JSON.stringify(SAMPLE_RECORD));
    const [report] = await producer.send(topic, [{ key: SAMPLE_RECORD.id, value }]);
    ctx.stdout(`produced record ${SAMPLE_RECORD.id} to ${topic}[${report?.partition ?? '?'}]@${report?.baseOffset ?? '?'}`);
    await producer.disconnect();

    const received = await readOne(client, topic);
    ctx.stdout(`consumed ${received.topic}[${received.partition}]@${received.offset}: ${received.value?.toString() ?? ''}`);
    await admin.deleteTopics([topic]);
    await admin.disconnect();
    ctx.stdout(`demo finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } finally {
    await broker?.stop();
  }
}

async function readOne(client: ReturnType<typeof createKafkaClient>, topic: string): Promise<IncomingMessage> {
  const consumer = await client.consumer({ groupId: `relstream-demo-${randomUUID()}` });
  try {
    return await new Promise<IncomingMessage>((resolve, reject) => {
      consumer.run({
        topics: [topic],
        fromBeginning: true,
        eachBatch: (batch) => {
          const first = batch.messages[0];
          if (first) resolve(first);
          return Promise.resolve();
        },
        onCrash: reject,
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}
