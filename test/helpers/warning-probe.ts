/**
 * A produce and read round trip in a process of its own, printing the Node warnings it raised as one JSON line:
 * Node warns of a negative timer once per process, so only a fresh one shows whether a client sets one.
 *
 *   node dist/test/helpers/warning-probe.js <kafkajs|platformatic> <brokers> <topic>
 */
import { randomUUID } from 'node:crypto';

import { createKafkaClient, KAFKA_CLIENTS } from '../../src/kafka/create-client.js';
import { silentLogger } from '../../src/observability/logger.js';

const warnings: string[] = [];
process.on('warning', (warning) => { warnings.push(`${warning.name}: ${warning.message}`); });

const [kindArg, brokers, topic] = process.argv.slice(2);
const kind = KAFKA_CLIENTS.find((k) => k === kindArg);
if (kind === undefined || !brokers || !topic) throw new Error('usage: warning-probe <client> <brokers> <topic>');
const client = createKafkaClient({ brokers: brokers.split(','), clientId: 'warning-probe' }, silentLogger, kind);
const producer = await client.producer();
await producer.send(topic, Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: Buffer.from('v') })));
const consumer = await client.consumer({ groupId: `warning-probe-${randomUUID()}` });
let read = 0;
await consumer.run({ topics: [topic], fromBeginning: true, eachBatch: (batch) => { read += batch.messages.length; return Promise.resolve(); } });
while (read < 50) await new Promise((resolve) => setTimeout(resolve, 50));
await consumer.disconnect();
await producer.disconnect();
// Warnings are emitted on a later tick.
await new Promise((resolve) => setTimeout(resolve, 100));
process.stdout.write(`${JSON.stringify({ read, warnings })}\n`);
