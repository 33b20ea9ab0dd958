/**
 * relstream's three topics (input, output, dead letters): creating them as a user asks, describing them with
 * the group's lag, and checking at start that they exist, so a missing topic is named with the command that
 * creates it instead of surfacing as "This server does not host this topic-partition".
 */
import type { Config } from '../config/schema.js';
import { RelstreamError } from '../errors.js';
import type { KafkaAdmin, TopicSpec } from './types.js';

export type TopicRole = 'input' | 'output' | 'dead-letter';

export function relstreamTopics(config: Pick<Config, 'inputTopic' | 'outputTopic' | 'deadLetterTopic'>): readonly { readonly role: TopicRole; readonly topic: string }[] {
  return [
    { role: 'input', topic: config.inputTopic },
    { role: 'output', topic: config.outputTopic },
    { role: 'dead-letter', topic: config.deadLetterTopic },
  ];
}

export interface TopicCreateOptions {
  readonly partitions: number;
  readonly deadLetterPartitions: number;
  readonly replicationFactor: number;
  readonly minInsyncReplicas?: number;
  readonly retentionMs?: number;
}

export function topicSpecs(config: Pick<Config, 'inputTopic' | 'outputTopic' | 'deadLetterTopic'>, options: TopicCreateOptions): TopicSpec[] {
  const topicConfig: Record<string, string> = {
    ...(options.minInsyncReplicas === undefined ? {} : { 'min.insync.replicas': String(options.minInsyncReplicas) }),
    ...(options.retentionMs === undefined ? {} : { 'retention.ms': String(options.retentionMs) }),
  };
  return relstreamTopics(config).map(({ role, topic }) => ({
    topic,
    partitions: role === 'dead-letter' ? options.deadLetterPartitions : options.partitions,
    replicationFactor: options.replicationFactor,
    ...(Object.keys(topicConfig).length === 0 ? {} : { config: topicConfig }),
  }));
}

/** Throws RELSTREAM_TOPIC_MISSING naming every missing topic and how to create it. */
export async function assertTopicsExist(admin: KafkaAdmin, config: Pick<Config, 'inputTopic' | 'outputTopic' | 'deadLetterTopic'>): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = relstreamTopics(config).filter(({ topic }) => !existing.has(topic));
  if (missing.length === 0) return;
  const names = missing.map(({ role, topic }) => `${topic} (${role})`).join(', ');
  throw new RelstreamError('RELSTREAM_TOPIC_MISSING',
    `missing Kafka topic${missing.length > 1 ? 's' : ''}: ${names}. Create them with \`relstream topics create\` (same configuration; --partitions, --replication-factor) or your cluster's tooling.`);
}

export interface PartitionDescription {
  readonly partition: number;
  readonly low: bigint;
  readonly high: bigint;
  /** The group's committed offset, or undefined when it committed none. */
  readonly committed: bigint | undefined;
  /** Messages the group has yet to commit: high - committed (high - low when nothing is committed). */
  readonly lag: bigint;
}

export interface TopicDescription {
  readonly role: TopicRole;
  readonly topic: string;
  readonly exists: boolean;
  readonly partitions: readonly PartitionDescription[];
}

export async function describeTopics(admin: KafkaAdmin, config: Pick<Config, 'inputTopic' | 'outputTopic' | 'deadLetterTopic' | 'groupId'>): Promise<TopicDescription[]> {
  const existing = new Set(await admin.listTopics());
  const out: TopicDescription[] = [];
  for (const { role, topic } of relstreamTopics(config)) {
    if (!existing.has(topic)) {
      out.push({ role, topic, exists: false, partitions: [] });
      continue;
    }
    const offsets = await admin.fetchTopicOffsets(topic);
    // Only the input topic is read by the group; its lag is what scaling decisions need.
    const committed = role === 'input' ? new Map((await admin.fetchCommittedOffsets(config.groupId, topic)).map((c) => [c.partition, BigInt(c.offset)])) : new Map<number, bigint>();
    out.push({
      role, topic, exists: true,
      partitions: offsets.map((p) => {
        const low = BigInt(p.low);
        const high = BigInt(p.high);
        const mine = committed.get(p.partition);
        const at = mine === undefined || mine < 0n ? undefined : mine;
        return { partition: p.partition, low, high, committed: at, lag: role === 'input' ? high - (at ?? low) : 0n };
      }),
    });
  }
  return out;
}

/** The description as aligned text lines, for a terminal. */
export function formatTopicDescriptions(descriptions: readonly TopicDescription[], groupId: string): string[] {
  const lines: string[] = [];
  for (const d of descriptions) {
    if (!d.exists) {
      lines.push(`${d.topic} (${d.role}): MISSING — create it with \`relstream topics create\``, '');
      continue;
    }
    const messages = d.partitions.reduce((n, p) => n + (p.high - p.low), 0n);
    const lag = d.partitions.reduce((n, p) => n + p.lag, 0n);
    lines.push(`${d.topic} (${d.role}): ${d.partitions.length} partition${d.partitions.length === 1 ? '' : 's'}, ${messages} messages${d.role === 'input' ? `, group ${groupId} lag ${lag}` : ''}`);
    const header = d.role === 'input' ? ['partition', 'low', 'high', 'committed', 'lag'] : ['partition', 'low', 'high'];
    const rows = d.partitions.map((p) => (d.role === 'input'
      ? [String(p.partition), String(p.low), String(p.high), p.committed === undefined ? '-' : String(p.committed), String(p.lag)]
      : [String(p.partition), String(p.low), String(p.high)]));
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    for (const row of [header, ...rows]) lines.push(`  ${row.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  ')}`);
    lines.push('');
  }
  return lines;
}
