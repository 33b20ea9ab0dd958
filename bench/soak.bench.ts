/** The idempotent-producer concurrency soak (tools/producer-soak.ts) per Kafka client, on a fresh local broker. */
import { createKafkaClient, KAFKA_CLIENTS } from '../src/kafka/create-client.js';
import { silentLogger } from '../src/observability/logger.js';
import { cacheDir } from '../src/paths.js';
import { producerSoak } from '../tools/producer-soak.js';
import { startLocalBroker } from '../tools/local-kafka/local-broker.js';
import type { BenchResult } from './report.js';

export async function soakBench(total: number, clients: readonly string[]): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const broker = await startLocalBroker({ cacheDir: cacheDir(), logger: silentLogger });
  try {
    for (const kind of KAFKA_CLIENTS.filter((k) => clients.includes(k))) {
      const options = { total, batch: 500, inFlight: 8, partitions: 6 };
      const outcome = await producerSoak(createKafkaClient({ brokers: [broker.bootstrap], clientId: `soak-${kind}` }, silentLogger, kind), options);
      const detail = { ...options, ...outcome, kafkaClient: kind, kafkaVersion: broker.kafkaVersion };
      results.push(
        { scenario: `soak ${kind}`, metric: 'produce', value: total / outcome.produceSeconds, unit: 'msg/s', detail },
        { scenario: `soak ${kind}`, metric: 'violations', value: outcome.overlappingAcks + outcome.logMismatch + outcome.readTwice + outcome.missing, unit: 'messages', detail: { target: 0 } },
      );
    }
  } finally {
    await broker.stop();
  }
  return results;
}
