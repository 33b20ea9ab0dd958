/**
 * End to end on the local broker: 10,000 trial records through one `relstream run` process (a child, as in
 * production). Reports records/s, pairs/s and events/s from the processor's own metrics; the CPU its main
 * thread and the whole process spent per pair (/proc, between start and the last record); and its peak RSS
 * (VmHWM), inference worker threads included. With the capacity probe (export.py --null) and minScore 0 it is
 * the pipeline ceiling: every pair an event, the model costing next to nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { RUN_NODE_FLAGS } from '../src/config/runtime.js';
import { createKafkaClient, DEFAULT_KAFKA_CLIENT, KAFKA_CLIENTS, type KafkaClientKind } from '../src/kafka/create-client.js';
import type { KafkaClient } from '../src/kafka/types.js';
import { startLocalBroker } from '../tools/local-kafka/local-broker.js';
import { silentLogger } from '../src/observability/logger.js';
import { cacheDir, packageRoot } from '../src/paths.js';
import { GC_STATS_PRELOAD, gcResults, gcSince, readGcStats, type GcByThread } from './gc-stats.js';
import type { BenchResult } from './report.js';
import { produceSampleBacklog } from './sample-backlog.js';

async function scrape(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const [name, value] = line.split(' ');
    if (!name || !value) continue;
    // Labelled series are summed under the bare name.
    const bare = name.split('{')[0] ?? name;
    values.set(bare, (name === bare ? 0 : values.get(bare) ?? 0) + Number(value));
  }
  return values;
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kib / 1024;
}

/** CPU seconds (user + system) in a /proc stat line: fields 14 and 15, in ticks. */
function statCpuSeconds(stat: string): number {
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** CPU seconds of the process, or of its main thread. */
function cpuSeconds(pid: number, mainThreadOnly: boolean): number {
  return statCpuSeconds(readFileSync(mainThreadOnly ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8'));
}

/** The machine's CPU ticks, busy and in all, from /proc/stat's first line (idle and iowait are not busy). */
function machineTicks(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((sum, n) => sum + n, 0);
  return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
}

/**
 * Thread groups by the name the kernel keeps (comm): Node's main thread, the named worker threads (intake,
 * inference; ONNX Runtime's threads are created by the inference worker and inherit its name), V8's platform
 * threads (garbage collection, compilation), libuv's pool and the rest.
 */
function threadGroup(comm: string): string {
  if (comm === 'MainThread') return 'main';
  if (comm.startsWith('intake') || comm.startsWith('inference')) return comm.replace(/-?\d+$/, '');
  if (comm === 'V8Worker') return 'V8 platform';
  if (comm.startsWith('libuv-worker')) return 'libuv pool';
  return 'other';
}

/** CPU seconds per thread group, now; a thread that ended took its time with it. */
function cpuByThreadGroup(pid: number): Map<string, number> {
  const groups = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const group = threadGroup(readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim());
      groups.set(group, (groups.get(group) ?? 0) + statCpuSeconds(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return groups;
}

interface CpuUse {
  readonly main: number;
  readonly process: number;
  readonly byThreadGroup: ReadonlyMap<string, number>;
}

/** CPU seconds of the main thread, of the whole process and of each thread group, now. */
function cpuUse(pid: number): CpuUse {
  return { main: cpuSeconds(pid, true), process: cpuSeconds(pid, false), byThreadGroup: cpuByThreadGroup(pid) };
}

/** CPU seconds spent since `start`. */
function cpuSince(pid: number, start: CpuUse): CpuUse {
  const now = cpuUse(pid);
  const byThreadGroup = new Map<string, number>();
  for (const [group, seconds] of now.byThreadGroup) byThreadGroup.set(group, seconds - (start.byThreadGroup.get(group) ?? 0));
  return { main: now.main - start.main, process: now.process - start.process, byThreadGroup };
}

/** Passthrough runs per ceiling run; the median is reported. */
const PASSTHROUGH_RUNS = 3;

/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Events in `topic` and their mean value size: the volume the passthrough writes again. */
async function outputVolume(client: KafkaClient, topic: string, events: number): Promise<{ events: number; eventBytes: number }> {
  const reader = await client.consumer({ groupId: `bench-volume-${process.pid}-${Date.now()}` });
  let count = 0;
  let bytes = 0;
  try {
    await reader.run({ topics: [topic], fromBeginning: true, eachBatch: (batch) => {
      for (const m of batch.messages) {
        count++;
        bytes += m.value?.length ?? 0;
      }
      return Promise.resolve();
    } });
    const deadline = Date.now() + 120_000;
    while (count < events && Date.now() < deadline) await sleep(100);
  } finally {
    await reader.disconnect();
  }
  return { events: count, eventBytes: Math.round(bytes / Math.max(1, count)) };
}

/**
 * The passthrough: the same records through a bare consume-produce-commit loop over the same client adapter,
 * writing relstream's output volume again (./passthrough-member.ts). Its rate is what Kafka allows here; the
 * ceiling is reported as a share of it. It runs with the Node flags relstream ships with, so that both run on the
 * same heap settings.
 */
async function passthroughRun(broker: { readonly bootstrap: string; readonly pid: number }, kafkaClient: KafkaClientKind, records: number, volume: { events: number; eventBytes: number }, warmupRecords: number): Promise<{ seconds: number; mainCpu: number; processCpu: number; brokerCpu: number; events: number }> {
  const { bootstrap } = broker;
  const child = spawn(process.execPath, [...RUN_NODE_FLAGS, join(packageRoot, 'dist', 'bench', 'passthrough-member.js'), bootstrap, kafkaClient, 'bench.in', 'bench.passthrough', String(records), String(volume.events), String(volume.eventBytes), String(warmupRecords)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderrTail = '';
  child.stderr.on('data', (chunk: Buffer) => { stderrTail = (stderrTail + chunk.toString()).slice(-3000); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const pid = child.pid ?? 0;
  let startedAt = 0;
  let atStart: CpuUse = { main: 0, process: 0, byThreadGroup: new Map() };
  let eventsAtStart = 0;
  let brokerAtStart = 0;
  let done: { seconds: number; mainCpu: number; processCpu: number; brokerCpu: number; events: number } | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    // `started` opens the window, or `warm EVENTS` once the warm-up's records are through.
    if ((line === 'started' && warmupRecords === 0) || line.startsWith('warm ')) {
      startedAt = performance.now();
      atStart = cpuUse(pid);
      brokerAtStart = cpuSeconds(broker.pid, false);
      eventsAtStart = line === 'started' ? 0 : Number(line.slice('warm '.length));
    } else if (line.startsWith('{')) {
      const seconds = (performance.now() - startedAt) / 1000;
      const cpu = cpuSince(pid, atStart);
      done = { seconds, mainCpu: cpu.main, processCpu: cpu.process, brokerCpu: cpuSeconds(broker.pid, false) - brokerAtStart, events: (JSON.parse(line) as { events: number }).events - eventsAtStart };
    }
  }
  const code = await exited;
  if (done === undefined || code !== 0) throw new Error(`the passthrough exited with ${code}:\n${stderrTail}`);
  return done;
}

export interface PipelineBenchOptions {
  readonly passthrough?: boolean;
  /** Another build's `bin/relstream.js` to run instead of this one's (the A/B against a baseline checkout). */
  readonly entry?: string;
  /**
   * The share of the records run before the measured window opens (0 by default): a short run is otherwise
   * measured mostly while V8 still compiles its hot code on the platform threads, which a long-running service
   * does once. The passthrough is measured after the same share.
   */
  readonly warmupShare?: number;
  /** The node flags that build runs with (./baseline.ts reads them from it); this build's RUN_NODE_FLAGS by default. */
  readonly runFlags?: readonly string[];
}

export async function pipelineBench(modelDir: string, records = 10_000, extraEnv: Readonly<Record<string, string>> = {}, scenarioName = 'pipeline', options: PipelineBenchOptions = {}): Promise<BenchResult[]> {
  const broker = await startLocalBroker({ cacheDir: cacheDir(), logger: silentLogger });
  try {
    const kafkaClient = KAFKA_CLIENTS.find((k) => k === extraEnv['RELSTREAM_KAFKA_CLIENT']) ?? DEFAULT_KAFKA_CLIENT;
    const client = createKafkaClient({ brokers: [broker.bootstrap], clientId: 'bench' }, silentLogger, kafkaClient);
    const admin = await client.admin();
    await admin.createTopics([{ topic: 'bench.in', partitions: 6 }, { topic: 'bench.out', partitions: 6 }, { topic: 'bench.passthrough', partitions: 6 }, { topic: 'bench.dlq', partitions: 1 }]);
    await admin.disconnect();
    await produceSampleBacklog(client, 'bench.in', records);

    // As the container images run it (deploy/docker): memory figures are for that configuration.
    // RELSTREAM_BENCH_CPU_PROF=DIR: V8 CPU profiles of the run (main thread and workers) for a profiler's flame graph.
    const profileDir = process.env['RELSTREAM_BENCH_CPU_PROF'];
    const profile = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
    // RELSTREAM_BENCH_NODE_FLAGS: more V8/Node flags for the run, NODE_OPTIONS refuses some (--single-threaded-gc).
    const nodeFlags = (process.env['RELSTREAM_BENCH_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== '');
    // Each isolate's collections (./gc-stats-preload.ts), for whichever build runs.
    const gcDir = mkdtempSync(join(tmpdir(), 'relstream-bench-gc-'));
    const runFlags = options.runFlags ?? RUN_NODE_FLAGS;
    /** A batching setting as the run got it (the scenario's, else this process's environment), for the detail. */
    const setting = (name: string): string => extraEnv[name] ?? process.env[name] ?? 'default';
    const child = spawn(process.execPath, [...runFlags, ...nodeFlags, ...profile, '--import', GC_STATS_PRELOAD, options.entry ?? join(packageRoot, 'bin', 'relstream.js'), 'run'], {
      env: {
        ...process.env, RELSTREAM_BENCH_GC_DIR: gcDir, RELSTREAM_KAFKA_BROKERS: broker.bootstrap, RELSTREAM_INPUT_TOPIC: 'bench.in', RELSTREAM_OUTPUT_TOPIC: 'bench.out',
        RELSTREAM_DEAD_LETTER_TOPIC: 'bench.dlq', RELSTREAM_GROUP_ID: 'bench', RELSTREAM_HTTP_PORT: '0', RELSTREAM_HTTP_HOST: '127.0.0.1',
        RELSTREAM_MODEL_DIR: modelDir, RELSTREAM_LOG_LEVEL: 'info', RELSTREAM_TRANSACTIONAL_ID: 'bench-0', ...extraEnv,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let port = 0;
    let startedAt = 0;
    let cpuAtStart: CpuUse = { main: 0, process: 0, byThreadGroup: new Map() };
    let gcAtStart: GcByThread = new Map();
    let stderrTail = '';
    child.stderr.on('data', (chunk: Buffer) => {
      // The last lines say why, when the run exits early (a provider that does not load, say).
      stderrTail = (stderrTail + chunk.toString()).slice(-3000);
      for (const line of chunk.toString().split('\n')) {
        if (line.includes('"http server listening"')) port = Number(/"port":(\d+)/.exec(line)?.[1] ?? 0);
        if (line.includes('"processor started"') && child.pid !== undefined) {
          startedAt = performance.now();
          cpuAtStart = cpuUse(child.pid);
          gcAtStart = readGcStats(gcDir);
        }
      }
    });
    let exited: number | null | undefined;
    child.once('exit', (code) => { exited = code; });
    try {
      while (port === 0 || startedAt === 0) {
        if (exited !== undefined) throw new Error(`relstream run exited with ${exited} before it started:\n${stderrTail}`);
        await sleep(50);
      }
      const warmupRecords = Math.floor(records * (options.warmupShare ?? 0));
      // The measured window: from the start, or from the first scrape past the warm-up, with the counts there.
      // The broker beside it shares the cores: its CPU and the machine's over the same window say how much of them
      // relstream had (on 2 cores the broker took a third at the ceiling).
      let from = { at: startedAt, cpu: cpuAtStart, gc: gcAtStart, records: 0, pairs: 0, events: 0, broker: cpuSeconds(broker.pid, false), machine: machineTicks() };
      let warm = warmupRecords === 0;
      let metrics = await scrape(port);
      const processed = (): number => metrics.get('relstream_records_processed_total') ?? 0;
      while (processed() < records) {
        if (exited !== undefined) throw new Error(`relstream run exited with ${exited} during the run:\n${stderrTail}`);
        if (!warm && processed() >= warmupRecords && child.pid !== undefined) {
          warm = true;
          from = {
            at: performance.now(), cpu: cpuUse(child.pid), gc: readGcStats(gcDir), records: processed(),
            pairs: metrics.get('relstream_pairs_formed_total') ?? 0, events: metrics.get('relstream_relations_published_total') ?? 0,
            broker: cpuSeconds(broker.pid, false), machine: machineTicks(),
          };
        }
        await sleep(200);
        metrics = await scrape(port);
      }
      const seconds = (performance.now() - from.at) / 1000;
      const pid = child.pid ?? 0;
      const { main: mainCpu, process: processCpu, byThreadGroup } = cpuSince(pid, from.cpu);
      const brokerCpu = cpuSeconds(broker.pid, false) - from.broker;
      const machine = machineTicks();
      const machineBusy = machine.total > from.machine.total ? (machine.busy - from.machine.busy) / (machine.total - from.machine.total) : NaN;
      const brokerCores = Number((brokerCpu / seconds).toFixed(3));
      const rss = peakRssMiB(pid);
      const gc = gcSince(readGcStats(gcDir), from.gc);
      const measuredRecords = processed() - from.records;
      const pairs = (metrics.get('relstream_pairs_formed_total') ?? 0) - from.pairs;
      const events = (metrics.get('relstream_relations_published_total') ?? 0) - from.events;
      const batches = metrics.get('relstream_batch_pairs_count') ?? 0;
      const detail = {
        runFlags, ...(nodeFlags.length === 0 ? {} : { nodeFlags }), records, warmupRecords: from.records, measuredRecords, pairs, events, batches, meanBatchPairs: batches > 0 ? Number(((metrics.get('relstream_batch_pairs_sum') ?? 0) / batches).toFixed(1)) : 0, seconds: Number(seconds.toFixed(2)), model: modelDir, partitions: 6,
        ...(options.entry === undefined ? {} : { entry: options.entry }),
        delivery: extraEnv['RELSTREAM_DELIVERY_GUARANTEE'] ?? 'at-least-once', minScore: extraEnv['RELSTREAM_MIN_SCORE'] ?? 'default', kafkaClient, kafkaVersion: broker.kafkaVersion,
        batchMaxPairs: setting('RELSTREAM_BATCH_MAX_PAIRS'), batchMaxTokens: setting('RELSTREAM_BATCH_MAX_TOKENS'), inferenceConcurrency: setting('RELSTREAM_INFERENCE_CONCURRENCY'),
      };
      const scenario = `${scenarioName} ${kafkaClient}`;
      const perPair = (cpu: number): number => (pairs > 0 ? (cpu * 1e6) / pairs : NaN);
      const passthrough: BenchResult[] = [];
      if (options.passthrough === true) {
        const volume = await outputVolume(client, 'bench.out', events);
        // It runs in under a second here, so its start weighs: the median of three (each its own group).
        const runs = [];
        for (let i = 0; i < PASSTHROUGH_RUNS; i++) runs.push(await passthroughRun(broker, kafkaClient, records, volume, warmupRecords));
        runs.sort((a, b) => a.events / a.seconds - b.events / b.seconds);
        const run = runs[Math.floor(runs.length / 2)] ?? runs[0];
        if (run === undefined) throw new Error('no passthrough run');
        const rate = run.events / run.seconds;
        const name = `passthrough ${kafkaClient}`;
        const perEvent = (cpu: number): number => (run.events > 0 ? (cpu * 1e6) / run.events : NaN);
        const passDetail = { records, warmupRecords, ...volume, seconds: Number(run.seconds.toFixed(2)), runsEventsPerSecond: runs.map((r) => Math.round(r.events / r.seconds)), kafkaClient, kafkaVersion: broker.kafkaVersion, note: 'consume, write the same events again, commit each second; no processing' };
        passthrough.push(
          { scenario: name, metric: 'events/s', value: rate, unit: 'events/s', detail: passDetail },
          { scenario: name, metric: 'main-thread CPU per event', value: perEvent(run.mainCpu), unit: 'µs', detail: { cpuSeconds: run.mainCpu } },
          { scenario: name, metric: 'process CPU per event', value: perEvent(run.processCpu), unit: 'µs', detail: { cpuSeconds: run.processCpu } },
          { scenario: name, metric: 'broker CPU per event', value: perEvent(run.brokerCpu), unit: 'µs', detail: { cpuSeconds: run.brokerCpu, cores: Number((run.brokerCpu / run.seconds).toFixed(3)) } },
          { scenario, metric: 'share of the passthrough', value: (events / seconds) / rate, unit: 'x', detail: { ceilingEventsPerSecond: events / seconds, passthroughEventsPerSecond: rate } },
        );
      }
      return [
        { scenario, metric: 'records/s', value: measuredRecords / seconds, unit: 'records/s', detail },
        { scenario, metric: 'pairs/s', value: pairs / seconds, unit: 'pairs/s', detail },
        { scenario, metric: 'events/s', value: events / seconds, unit: 'events/s', detail },
        { scenario, metric: 'main-thread CPU per pair', value: perPair(mainCpu), unit: 'µs', detail: { source: '/proc/PID/task/PID/stat utime+stime', cpuSeconds: mainCpu, utilisation: Number((mainCpu / seconds).toFixed(3)) } },
        { scenario, metric: 'process CPU per pair', value: perPair(processCpu), unit: 'µs', detail: { source: '/proc/PID/stat utime+stime (all threads)', cpuSeconds: processCpu } },
        // Where the process's CPU goes, by thread (main included): which stage to cut next.
        ...[...byThreadGroup].filter(([group, cpu]) => group !== 'main' && cpu > 0).sort(([a], [b]) => a.localeCompare(b)).map(([group, cpu]): BenchResult => (
          { scenario, metric: `${group} threads' CPU per pair`, value: perPair(cpu), unit: 'µs', detail: { source: '/proc/PID/task/*/stat utime+stime, grouped by thread name (comm)', cpuSeconds: cpu } })),
        { scenario, metric: 'broker CPU per event', value: events > 0 ? (brokerCpu * 1e6) / events : NaN, unit: 'µs', detail: { source: '/proc/BROKER_PID/stat utime+stime (the Kafka broker on this machine)', cpuSeconds: brokerCpu, cores: brokerCores } },
        { scenario, metric: 'machine busy', value: machineBusy, unit: 'share', detail: { source: '/proc/stat over the measured window', cores: availableParallelism(), relstreamCores: Number((processCpu / seconds).toFixed(3)), brokerCores } },
        { scenario, metric: 'peak RSS', value: rss, unit: 'MiB', detail: { source: '/proc/PID/status VmHWM', kafkaClient } },
        ...gcResults(scenario, gc, pairs),
        ...passthrough,
      ];
    } finally {
      if (exited === undefined) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      rmSync(gcDir, { recursive: true, force: true });
    }
  } finally {
    await broker.stop();
  }
}
