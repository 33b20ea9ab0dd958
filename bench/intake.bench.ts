/**
 * Intake's own cost per pair, on one thread: what an intake worker does with a chunk (decode, validate, sentences,
 * pairs, splice encoding, event parts, the outcome buffer) over the bench's sample records, without Kafka or
 * threads around it. The pipeline's "intake threads' CPU per pair" adds the worker round trip and sharing the
 * cores; this isolates the code (issue 19: the target needs intake's per-pair work cut).
 */
import { configSchema } from '../src/config/schema.js';
import { loadModelDir } from '../src/model/model-dir.js';
import { writeOutcomes } from '../src/processor/intake-outcomes.js';
import { RecordIntake, type RecordOutcome } from '../src/processor/record-intake.js';
import { EventParts } from '../src/publish/event-bytes.js';
import { modelIdentity } from '../src/publish/relation-event.js';
import { avroType, trialRecordCodec } from '../src/records/avro.js';
import type { BenchResult } from './report.js';
import { sampleBacklogRecord, sampleRecords } from './sample-backlog.js';

/** Records per chunk, as the processor sends them to a worker. */
const CHUNK = 64;

export async function intakeBench(modelDir: string, minMs = 3000, records = 20_000): Promise<BenchResult[]> {
  const bundle = await loadModelDir(modelDir);
  const config = configSchema.parse({});
  const codec = trialRecordCodec();
  const samples = sampleRecords();
  const values = Array.from({ length: records }, (_, i) => codec.encode(sampleBacklogRecord(samples, i)));
  const intake = new RecordIntake(config, bundle, trialRecordCodec(), new EventParts(avroType('RelationEvent'), modelIdentity(bundle.config), 'cpu'));
  const pass = (): { pairs: number; micros: number } => {
    const before = process.cpuUsage();
    let pairs = 0;
    for (let c = 0; c < values.length; c += CHUNK) {
      const outcomes: RecordOutcome[] = [];
      for (let i = c; i < Math.min(values.length, c + CHUNK); i++) {
        const outcome = intake.take({ topic: 'bench.in', partition: 0, offset: String(i), value: values[i] ?? null });
        if (outcome.kind === 'pairs') pairs += outcome.pairs.length;
        outcomes.push(outcome);
      }
      writeOutcomes(outcomes);
    }
    const used = process.cpuUsage(before);
    return { pairs, micros: used.user + used.system };
  };
  pass(); // warm-up: V8 compiles the hot code, the word cache fills as it does in a long run
  const perPair: number[] = [];
  let pairsPerPass = 0;
  const started = performance.now();
  while (performance.now() - started < minMs || perPair.length < 3) {
    const { pairs, micros } = pass();
    pairsPerPass = pairs;
    perPair.push(micros / pairs);
  }
  perPair.sort((a, b) => a - b);
  const median = perPair[Math.floor(perPair.length / 2)] ?? 0;
  const detail = { model: bundle.config.name, records, passes: perPair.length, pairsPerRecord: Number((pairsPerPass / records).toFixed(2)), note: 'process CPU (V8 helper threads included), median of passes' };
  return [
    { scenario: 'intake', metric: 'CPU per pair', value: median, unit: 'µs', detail },
    { scenario: 'intake', metric: 'pairs/s per thread', value: 1e6 / median, unit: 'pairs/s', detail },
  ];
}
