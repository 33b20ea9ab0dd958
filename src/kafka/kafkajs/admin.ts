import type { Admin as KjsAdmin } from 'kafkajs';

import type { KafkaAdmin } from '../types.js';
import { guarded, retrying } from './errors.js';

export function wrapAdmin(admin: KjsAdmin): KafkaAdmin {
  return {
    describeCluster: () => guarded('describeCluster', async () => {
      const cluster = await admin.describeCluster();
      return {
        clusterId: cluster.clusterId,
        controllerId: cluster.controller,
        brokers: cluster.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })),
      };
    }),
    listTopics: () => guarded('listTopics', () => admin.listTopics()),
    // kafkajs's wait for leaders gives up on a transient UNKNOWN_TOPIC_OR_PARTITION right after creation;
    // creating again is harmless (existing topics are kept), so retriable failures are retried here.
    createTopics: (topics) => retrying('createTopics', 5, () => admin.createTopics({
        waitForLeaders: true,
        topics: topics.map((t) => ({
          topic: t.topic,
          numPartitions: t.partitions,
          replicationFactor: t.replicationFactor ?? 1,
          configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })),
        })),
      }).then(() => undefined)),
    deleteTopics: (topics) => guarded('deleteTopics', () => admin.deleteTopics({ topics: [...topics] })),
    fetchTopicOffsets: (topic) => guarded('fetchTopicOffsets', async () =>
      (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, high: p.high, low: p.low }))),
    fetchCommittedOffsets: (groupId, topic) => guarded('fetchOffsets', async () =>
      (await admin.fetchOffsets({ groupId, topics: [topic] })).flatMap((t) => t.partitions.map((p) => ({ partition: p.partition, offset: p.offset })))),
    disconnect: () => guarded('disconnect', () => admin.disconnect()),
  };
}

