/**
 * Where finished records go: their relation events to the output topic, or the record to the dead-letter
 * topic, and then their input offsets to the consumer group. Two implementations, one per delivery guarantee:
 * ./at-least-once-sink.ts and ./transactional-sink.ts.
 */
import type { Acknowledged, CommitPoint } from '../commit/assignments.js';
import type { PartitionState, RecordTask } from '../commit/record-task.js';
import type { IncomingMessage } from '../kafka/types.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { RecordTrace } from '../observability/tracing.js';
import type { DeadLetterReason } from '../records/validate-record.js';

export interface DeadLetter {
  readonly state: PartitionState;
  readonly offset: bigint;
  readonly source: IncomingMessage;
  readonly reason: DeadLetterReason;
  readonly detail: string;
  readonly trace?: RecordTrace;
}

/**
 * A sink sends and reports; it never writes a ledger. What it acknowledges and what it made durable go back to
 * the record lifecycle's owner (../commit/assignments.ts), which finishes and commits them.
 */
export interface Sink {
  /**
   * Records whose every pair is decoded (their events are in task.events). Resolves, once their output is
   * acknowledged (at-least-once) or staged (exactly-once), with the records it acknowledged (none of a retired
   * partition); rejects only with an error that must stop the process (Kafka unreachable past the tolerance,
   * fenced).
   */
  deliver(tasks: readonly RecordTask[]): Promise<readonly Acknowledged[]>;
  /** A record that goes to the dead-letter topic instead; same contract as deliver. */
  deadLetter(letter: DeadLetter): Promise<readonly Acknowledged[]>;
  /**
   * Makes finished work durable up to these points (exactly-once: with its staged output, in one transaction).
   * Resolves with the points now durable (after a lost reply: the offsets the group shows); a failed commit
   * that loses nothing resolves with none.
   */
  commit(points: readonly CommitPoint[]): Promise<readonly CommitPoint[]>;
  /** False while the sink holds as much unsent output as it may: admission waits on whenRoom(). */
  hasRoom(): boolean;
  whenRoom(): Promise<void>;
  /** Drops what it holds for partitions no longer owned. */
  forget(states: readonly PartitionState[]): void;
  /** Flushes and disconnects the producer. */
  close(): Promise<void>;
}

/** The trace field of a dead letter made from a task (none when untraced). */
export const traceOf = (task: RecordTask): { trace?: RecordTrace } => (task.trace === undefined ? {} : { trace: task.trace });

/** Counts and logs a dead letter once it is sent or staged. */
export function reportDeadLetter(metrics: Metrics, logger: Logger, letter: DeadLetter): void {
  metrics.recordsDeadLettered.inc({ reason: letter.reason });
  const { source } = letter;
  logger.warn('record sent to the dead-letter topic', { topic: source.topic, partition: source.partition, offset: source.offset, reason: letter.reason, detail: letter.detail.slice(0, 500) });
}

/** A record whose events are durable, as the metrics count it. */
export interface Processed {
  readonly timestampMs: number;
  readonly relations: readonly string[];
}

/** Counts records whose events are durable: each label once per call, not once per event (a labelled inc hashes its labels). */
export function reportProcessed(metrics: Metrics, records: readonly Processed[]): void {
  const now = Date.now();
  const relations = new Map<string, number>();
  for (const record of records) {
    metrics.endToEndSeconds.observe(Math.max(0, now - record.timestampMs) / 1000);
    for (const relation of record.relations) relations.set(relation, (relations.get(relation) ?? 0) + 1);
  }
  if (records.length > 0) metrics.recordsProcessed.inc(records.length);
  for (const [relation, count] of relations) metrics.relationsPublished.inc({ relation }, count);
}
