import type { Admin } from '@platformatic/kafka';
import { findErrorBy } from '@platformatic/kafka';

import { RelstreamError } from '../../errors.js';
import type { KafkaAdmin } from '../types.js';
import { guarded } from './errors.js';

/** KIP-848's ConsumerGroupHeartbeat. */
const CONSUMER_GROUP_HEARTBEAT = 68;
const REBALANCE_PROTOCOLS = 'group.coordinator.rebalance.protocols';
const BROKER_RESOURCE = 4;

/**
 * Whether the cluster runs KIP-848 consumer groups. Kafka 3.7-3.9 list ConsumerGroupHeartbeat v0 as a preview
 * that is off unless the broker enables it (a member of it fails to join there); from 4.0 (v1) it is on unless
 * group.coordinator.rebalance.protocols leaves `consumer` out, which is read where the broker lets us.
 */
async function runsConsumerGroups(admin: Admin): Promise<boolean> {
  const api = (await admin.listApis()).find((a) => a.apiKey === CONSUMER_GROUP_HEARTBEAT);
  if (api === undefined || api.maxVersion < 1) return false;
  const metadata = await admin.metadata({ topics: [] });
  const [nodeId] = [...metadata.brokers.keys()];
  if (nodeId === undefined) return true;
  try {
    const [broker] = await admin.describeConfigs({ resources: [{ resourceType: BROKER_RESOURCE, resourceName: String(nodeId), configurationKeys: [REBALANCE_PROTOCOLS] }] });
    const value = broker?.configs.find((c) => c.name === REBALANCE_PROTOCOLS)?.value;
    return value === undefined || value === null || value.split(',').map((p) => p.trim()).includes('consumer');
  } catch {
    // Not allowed to read broker configs: Kafka 4's default, consumer groups on.
    return true;
  }
}

export function wrapAdmin(admin: Admin): KafkaAdmin {
  const latestOffsets = (topic: string, timestamp: bigint) => guarded('listOffsets', async () => {
    const metadata = await admin.metadata({ topics: [topic] });
    const partitions = metadata.topics.get(topic)?.partitionsCount ?? 0;
    const listed = await admin.listOffsets({
      topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({ partitionIndex, timestamp })) }],
    });
    return new Map(listed.flatMap((t) => t.partitions.map((p) => [p.partitionIndex, p.offset] as const)));
  });
  return {
    describeCluster: () => guarded('describeCluster', async () => {
      const metadata = await admin.metadata({ topics: [], forceUpdate: true });
      return {
        clusterId: metadata.id,
        controllerId: metadata.controllerId,
        brokers: [...metadata.brokers].map(([nodeId, b]) => ({ nodeId, host: b.host, port: b.port })),
      };
    }),
    listTopics: () => guarded('listTopics', () => admin.listTopics({ includeInternals: false })),
    supportsConsumerProtocol: () => guarded('apiVersions', () => runsConsumerGroups(admin)),
    createTopics: (topics) => guarded('createTopics', async () => {
      const existing = new Set(await admin.listTopics({ includeInternals: true }));
      for (const spec of topics) {
        if (existing.has(spec.topic)) continue;
        await admin.createTopics({
          topics: [spec.topic], partitions: spec.partitions, replicas: spec.replicationFactor ?? 1,
          configs: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
        });
      }
      // Leaders are elected asynchronously: wait until metadata names one for every partition.
      for (let attempt = 0; attempt < 50; attempt++) {
        const metadata = await admin.metadata({ topics: topics.map((t) => t.topic), forceUpdate: true }).catch(() => undefined);
        const ready = metadata !== undefined && topics.every((t) => metadata.topics.get(t.topic)?.partitions.every((p) => p.leader >= 0) === true);
        if (ready) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }),
    deleteTopics: (topics) => guarded('deleteTopics', () => admin.deleteTopics({ topics: [...topics] })),
    fetchTopicOffsets: async (topic) => {
      const [high, low] = await Promise.all([latestOffsets(topic, -1n), latestOffsets(topic, -2n)]);
      return [...high].sort(([a], [b]) => a - b).map(([partition, offset]) => ({ partition, high: String(offset), low: String(low.get(partition) ?? 0n) }));
    },
    fetchCommittedOffsets: (groupId, topic, options = {}) => guarded('fetchOffsets', async () => {
      const metadata = await admin.metadata({ topics: [topic] });
      const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
      const [group] = await admin.listConsumerGroupOffsets({
        groups: [{ groupId, topics: [{ name: topic, partitionIndexes: Array.from({ length: count }, (_, i) => i) }] }],
        ...(options.requireStable === true ? { requireStable: true } : {}),
      }).catch((error: unknown) => {
        // UNSTABLE_OFFSET_COMMIT outlasted the library's own retries: a transaction is still completing.
        if (findErrorBy(error instanceof Error ? error : null, 'apiId', 'UNSTABLE_OFFSET_COMMIT') === null) throw error;
        throw new RelstreamError('RELSTREAM_KAFKA_REQUEST', `the committed offsets of ${groupId} on ${topic} are held open by a transaction`, { cause: error, retriable: true });
      });
      const committed = new Map((group?.topics ?? []).flatMap((t) => t.partitions.map((p) => [p.partitionIndex, p.committedOffset] as const)));
      return Array.from({ length: count }, (_, partition) => ({ partition, offset: String(committed.get(partition) ?? -1n) }));
    }),
    disconnect: () => guarded('disconnect', () => admin.close()),
  };
}
