/** The benchmarks' input: samples/trials.jsonl repeated as a backlog, each copy `<sample id>/<position>`. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { KafkaClient } from '../src/kafka/types.js';
import { packageRoot } from '../src/paths.js';
import { trialRecordCodec, type TrialRecord } from '../src/records/avro.js';
import { trialRecordFromJson } from '../src/records/json-record.js';

export function sampleRecords(): TrialRecord[] {
  return readFileSync(join(packageRoot, 'samples', 'trials.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '').map((l, i) => trialRecordFromJson(l, i + 1));
}

/** The backlog's record at `position`: the samples in turn, each copy with its own id. */
export function sampleBacklogRecord(samples: readonly TrialRecord[], position: number): TrialRecord {
  const sample = samples[position % samples.length];
  if (!sample) throw new Error('no samples');
  return { ...sample, id: `${sample.id}/${position}` };
}

/** Produces `records` copies of the samples to `topic`, in sends of 1,000, keyed by record id. */
export async function produceSampleBacklog(client: KafkaClient, topic: string, records: number): Promise<void> {
  const samples = sampleRecords();
  const codec = trialRecordCodec();
  const producer = await client.producer();
  try {
    for (let i = 0; i < records; i += 1000) {
      const chunk = Array.from({ length: Math.min(1000, records - i) }, (_, j) => sampleBacklogRecord(samples, i + j));
      await producer.send(topic, chunk.map((r) => ({ key: r.id, value: codec.encode(r) })));
    }
  } finally {
    await producer.disconnect();
  }
}
