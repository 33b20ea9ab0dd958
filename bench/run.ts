/**
 * `npm run bench`: runs the benchmark scenarios and writes bench/results/latest.json (and a timestamped
 * copy) plus a table on stdout. Targets live here, never in tests.
 *   npm run bench                      all scenarios (encoder, intake on one thread, batcher, inference, pipeline, backlog)
 *   npm run bench -- --model DIR       another model directory (default: the shipped tiny model)
 *   npm run bench -- --provider cuda   inference on the CUDA execution provider
 *   npm run bench -- --records N       records through the end-to-end pipeline (default 10000; --skip-pipeline skips it)
 *   npm run bench -- --pipeline-only --delivery exactly-once   the pipeline with Kafka transactions
 *   npm run bench -- --kafka-client kafkajs   the pipeline on one Kafka client (default: each of them in turn)
 *   npm run bench -- --soak 1000000 --pipeline-only --skip-pipeline   the idempotent-producer soak per client (default: not run)
 *   npm run bench -- --backlog 20000,100000,200000   peak RSS with these backlogs waiting (default; --backlog none skips it)
 *   npm run bench -- --ceiling         the pipeline ceiling: the capacity probe (models/null-re-ct), every pair an
 *                                      event (minScore 0), per client, then the Kafka passthrough (the same records
 *                                      and output volume through a bare consume-produce-commit loop) and the
 *                                      ceiling's share of it; with --pipeline-only --skip-pipeline, alone
 *   npm run bench -- --ceiling --baseline DIR [--rounds N]   the ceiling A/B: this build and the checkout in DIR
 *                                      (built: npm ci && npm run build there) alternated N times (default 3) on the
 *                                      same records; medians and this build's ratio to the baseline per metric
 *   npm run bench -- --ceiling --rounds N   without --baseline: the ceiling and its passthrough N times in turn,
 *                                      each figure the median of its rounds (the share too: each round's own)
 *                                      --warmup SHARE: measure the ceiling and the passthrough after that share of
 *                                      the records (default 0.2: V8 compiling the hot code is not the steady state)
 *                                      --ceiling-batches gpu|cpu: batch as on the CUDA provider (default: the probe
 *                                      stands in for a fast model) or as on CPU; see ceiling-batches.ts
 *   npm run bench -- --tracing --pipeline-only --skip-pipeline --backlog none   tracing off vs on (OTLP to a local
 *                                      receiver), alternated 3 times, on the capacity probe (20,000 records)
 *   RELSTREAM_BENCH_CPU_PROF=DIR npm run bench -- ...   V8 CPU profiles of each `relstream run` (.cpuprofile)
 *   RELSTREAM_BENCH_NODE_FLAGS="--flag ..." npm run bench -- ...   more Node/V8 flags for each `relstream run`
 *   npm run bench -- --gpu-model ROOT  a full-size model on the CUDA provider (ROOT/checkpoint, fp32, fp16) beside
 *                                      PyTorch fp16 on the same GPU; see gpu-model.bench.ts
 *   npm run bench -- --scale           the scale scenario (1 → 3 → 1 members under load, then kill -9 ×3) per group
 *                                      protocol and delivery mode, 40,000 records (--scale-records N); see scale.bench.ts
 *                                      --scale-protocols consumer,classic --scale-deliveries at-least-once,exactly-once
 *                                      --scale-skip-kills narrow it; RELSTREAM_BENCH_LOG_DIR keeps the members' logs
 *   npm run bench -- --cpu-model ROOT  a full-size model on CPU (ROOT/checkpoint and its exports ROOT/fp32,
 *                                      optimized, int8) against the model card's way; see cpu-model.bench.ts
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { packageRoot } from '../src/paths.js';
import { backlogBench } from './backlog.bench.js';
import { ceilingAgainstBaseline } from './baseline.js';
import { ceilingBatchEnv, parseCeilingBatches } from './ceiling-batches.js';
import { ceilingRounds } from './ceiling-rounds.js';
import { encoderBench } from './encoder.bench.js';
import { intakeBench } from './intake.bench.js';
import { inferenceBench } from './inference.bench.js';
import { batcherBench } from './batcher.bench.js';
import { cpuModelBench } from './cpu-model.bench.js';
import { gpuModelBench } from './gpu-model.bench.js';
import { pipelineBench } from './pipeline.bench.js';
import { scaleBench } from './scale.bench.js';
import { soakBench } from './soak.bench.js';
import { tracingBench } from './tracing.bench.js';
import { DEFAULT_KAFKA_CLIENT, GROUP_PROTOCOLS, KAFKA_CLIENTS } from '../src/kafka/client-kinds.js';
import { table, writeReport } from './report.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, 'min-ms': { type: 'string' }, provider: { type: 'string' }, records: { type: 'string' }, 'skip-pipeline': { type: 'boolean' }, delivery: { type: 'string' }, 'pipeline-only': { type: 'boolean' }, backlog: { type: 'string' }, 'kafka-client': { type: 'string' }, soak: { type: 'string' }, ceiling: { type: 'boolean' }, 'cpu-model': { type: 'string' }, 'gpu-model': { type: 'string' }, tracing: { type: 'boolean' }, baseline: { type: 'string' }, rounds: { type: 'string' }, scale: { type: 'boolean' }, 'scale-records': { type: 'string' }, 'scale-protocols': { type: 'string' }, 'scale-deliveries': { type: 'string' }, 'scale-skip-kills': { type: 'boolean' }, warmup: { type: 'string' }, 'ceiling-batches': { type: 'string' } } });
const modelDir = values.model ?? join(packageRoot, 'models', 'tiny-re-ct');
const minMs = Number(values['min-ms'] ?? 3000);

const provider = values.provider === 'cuda' ? 'cuda' : 'cpu';

const delivery = values.delivery === 'exactly-once' ? 'exactly-once' : 'at-least-once';

const env = { RELSTREAM_EXECUTION_PROVIDER: provider, RELSTREAM_DELIVERY_GUARANTEE: delivery };
const backlogs = values.backlog === 'none' ? [] : (values.backlog ?? '20000,100000,200000').split(',').map(Number).filter((n) => n > 0);

const results = values['pipeline-only'] ? [] : [...(await encoderBench(modelDir, minMs)), ...(await intakeBench(modelDir, minMs)), ...(await batcherBench()), ...(await inferenceBench(modelDir, provider, minMs))];
if (!values['skip-pipeline']) {
  // Both Kafka clients by default: the configured default was chosen from these figures (docs/kafka-clients.md).
  for (const kafkaClient of (values['kafka-client'] ?? KAFKA_CLIENTS.join(',')).split(',')) {
    results.push(...(await pipelineBench(modelDir, Number(values.records ?? 10_000), { ...env, RELSTREAM_KAFKA_CLIENT: kafkaClient })));
  }
  if (backlogs.length > 0) results.push(...(await backlogBench(modelDir, backlogs, env)));
}
if (values.ceiling) {
  const warmupShare = Number(values.warmup ?? 0.2);
  if (!(warmupShare >= 0 && warmupShare < 1)) throw new Error(`--warmup ${values.warmup ?? ''}: a share of the records, at least 0 and under 1`);
  // The capacity probe costs next to nothing, so what is measured is the pipeline around the model.
  const probe = { ...env, RELSTREAM_MIN_SCORE: '0', RELSTREAM_BENCHMARK: 'true', ...ceilingBatchEnv(parseCeilingBatches(values['ceiling-batches']), process.env) };
  const nullModel = join(packageRoot, 'models', 'null-re-ct');
  // A yardstick of the machine as the ceiling runs (intake on one thread, as `intake` runs it): the host's speed
  // moves between sessions (10 and 15 µs of process CPU per pair for builds a commit apart), and a ceiling of
  // another day compares only where this reads the same; where it does and the ceiling does not, the difference
  // lies between the threads (the broker, waking and switching), not in one thread's code.
  for (const r of await intakeBench(nullModel, 2000)) {
    if (r.metric === 'CPU per pair') results.push({ ...r, scenario: 'machine', metric: 'yardstick: intake on one thread, CPU per pair' });
  }
  for (const kafkaClient of (values['kafka-client'] ?? KAFKA_CLIENTS.join(',')).split(',')) {
    const env = { ...probe, RELSTREAM_KAFKA_CLIENT: kafkaClient };
    const records = Number(values.records ?? 20_000);
    const rounds = Number(values.rounds ?? 1);
    if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error(`--rounds ${values.rounds ?? ''}: a whole number of rounds, at least 1`);
    results.push(...(values.baseline === undefined
      ? await ceilingRounds((options) => pipelineBench(nullModel, records, env, 'ceiling', { ...options, warmupShare }), rounds)
      : await ceilingAgainstBaseline((options) => pipelineBench(nullModel, records, env, options.entry === undefined ? 'ceiling' : 'ceiling baseline', { ...options, warmupShare }), resolve(values.baseline), values.rounds === undefined ? 3 : rounds)));
  }
}
if (values.tracing) {
  // On the capacity probe, where the pipeline around the model is all the work: the overhead at its largest.
  const probe = { ...env, RELSTREAM_MIN_SCORE: '0', RELSTREAM_BENCHMARK: 'true', RELSTREAM_KAFKA_CLIENT: values['kafka-client'] ?? DEFAULT_KAFKA_CLIENT };
  results.push(...(await tracingBench(join(packageRoot, 'models', 'null-re-ct'), Number(values.records ?? 20_000), probe)));
}
if (values.scale) {
  const protocols = (values['scale-protocols'] ?? GROUP_PROTOCOLS.filter((p) => p !== 'auto').join(',')).split(',').filter((p) => p === 'consumer' || p === 'classic');
  const deliveries = (values['scale-deliveries'] ?? 'at-least-once,exactly-once').split(',').filter((d) => d === 'at-least-once' || d === 'exactly-once');
  results.push(...(await scaleBench(modelDir, Number(values['scale-records'] ?? 40_000), protocols, deliveries, { kills: values['scale-skip-kills'] !== true })));
}
if (values['cpu-model'] !== undefined) results.push(...(await cpuModelBench(values['cpu-model'])));
if (values['gpu-model'] !== undefined) results.push(...(await gpuModelBench(values['gpu-model'])));
if (values.soak !== undefined) results.push(...(await soakBench(Number(values.soak), (values['kafka-client'] ?? KAFKA_CLIENTS.join(',')).split(','))));
const file = await writeReport(join(packageRoot, 'bench', 'results'), results);
process.stdout.write(`${table(results)}\n\nresults: ${file}\n`);
