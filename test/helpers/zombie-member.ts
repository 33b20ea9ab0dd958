/**
 * A consumer-group member run as its own process so a test can stall it (SIGSTOP) as a long GC pause or a
 * frozen VM would: it reads the input's first record, says `read` on stdout, and on `commit` from stdin writes
 * an output record and that record's offset in one transaction, then prints the outcome as one JSON line.
 *
 *   node dist/test/helpers/zombie-member.js <kafkajs|platformatic> <brokers> <groupId> <input> <output> [classic|consumer]
 */
import { createInterface } from 'node:readline';

import { createKafkaClient, KAFKA_CLIENTS } from '../../src/kafka/create-client.js';
import { RelstreamError } from '../../src/errors.js';
import { silentLogger } from '../../src/observability/logger.js';

const [kindArg, brokers, groupId, input, output, protocolArg] = process.argv.slice(2);
const groupProtocol = protocolArg === 'consumer' ? 'consumer' : 'classic';
const kind = KAFKA_CLIENTS.find((k) => k === kindArg);
if (kind === undefined || !brokers || !groupId || !input || !output) throw new Error('usage: zombie-member <client> <brokers> <groupId> <input> <output>');

const client = createKafkaClient({ brokers: brokers.split(','), clientId: 'zombie' }, silentLogger, kind);
const producer = await client.producer({ transactionalId: `zombie-${groupId}` });
const consumer = await client.consumer({ groupId, groupProtocol, sessionTimeoutMs: 6000, heartbeatIntervalMs: 1000 });
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

let done = false;
await consumer.run({
  topics: [input],
  fromBeginning: true,
  eachBatch: async (batch) => {
    const first = batch.messages[0];
    if (done || first === undefined) return;
    done = true;
    process.stdout.write('read\n');
    await lines.next();
    const outcome = await producer.transaction(async (tx) => {
      await tx.send(output, [{ key: 'k', value: Buffer.from('from the zombie') }]);
      await tx.sendOffsets(groupId, [{ topic: input, partition: first.partition, offset: String(BigInt(first.offset) + 1n) }]);
    }).then(() => ({ committed: true }), (error: unknown) => ({ committed: false, code: error instanceof RelstreamError ? error.code : 'unknown', message: (error as Error).message }));
    process.stdout.write(`${JSON.stringify(outcome)}\n`);
  },
});
