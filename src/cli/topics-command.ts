/** `relstream topics create|describe`: the input, output and dead-letter topics of the configuration. */
import { loadConfig } from '../config/load-config.js';
import { RelstreamError } from '../errors.js';
import { kafkaClientFromConfig } from '../kafka/connection-from-config.js';
import { describeTopics, formatTopicDescriptions, topicSpecs } from '../kafka/topics.js';
import { intFlag, parseCommandArgs } from './args.js';
import type { CommandContext } from './command-context.js';

export const topicsUsage = `usage: relstream topics <create|describe> [flags]

  create     create the input, output and dead-letter topics (existing ones are left as they are)
    --partitions N               input and output partitions (default 6: the most members that share the input)
    --dead-letter-partitions N   dead-letter partitions (default 1)
    --replication-factor N       replicas of each partition (default 1; 3 on a production cluster)
    --min-insync-replicas N      topic min.insync.replicas (default: the broker's)
    --retention-ms N             topic retention.ms (default: the broker's)
  describe   each topic's partitions and offsets, and the consumer group's committed offsets and lag

Topics, group and connection come from the configuration (--input-topic, --group-id, --kafka-brokers, ...).`;

export async function topicsCommand(argv: readonly string[], ctx: CommandContext, env: NodeJS.ProcessEnv): Promise<number> {
  const { positionals, configFlags, commandFlags } = parseCommandArgs(argv, {
    partitions: { type: 'string' }, 'dead-letter-partitions': { type: 'string' }, 'replication-factor': { type: 'string' },
    'min-insync-replicas': { type: 'string' }, 'retention-ms': { type: 'string' },
  });
  const action = positionals[0];
  if (action !== 'create' && action !== 'describe') throw new RelstreamError('RELSTREAM_CLI_USAGE', topicsUsage);
  const config = loadConfig({ env, flags: configFlags });
  const admin = await kafkaClientFromConfig(config, ctx.logger).admin();
  try {
    if (action === 'create') {
      const positive = (name: string, fallback: number): number => {
        const value = intFlag(commandFlags[name], name, fallback);
        if (value < 1) throw new RelstreamError('RELSTREAM_CLI_USAGE', `--${name} must be at least 1`);
        return value;
      };
      const optional = (name: string): number | undefined => (commandFlags[name] === undefined ? undefined : positive(name, 1));
      const minInsyncReplicas = optional('min-insync-replicas');
      const retentionMs = optional('retention-ms');
      const specs = topicSpecs(config, {
        partitions: positive('partitions', 6), deadLetterPartitions: positive('dead-letter-partitions', 1), replicationFactor: positive('replication-factor', 1),
        ...(minInsyncReplicas === undefined ? {} : { minInsyncReplicas }), ...(retentionMs === undefined ? {} : { retentionMs }),
      });
      const existing = new Set(await admin.listTopics());
      await admin.createTopics(specs.filter((s) => !existing.has(s.topic)));
      for (const spec of specs) {
        ctx.stdout(existing.has(spec.topic)
          ? `${spec.topic}: exists, left as it is`
          : `${spec.topic}: created with ${spec.partitions} partition${spec.partitions > 1 ? 's' : ''}, replication factor ${spec.replicationFactor ?? 1}`);
      }
      return 0;
    }
    const descriptions = await describeTopics(admin, config);
    for (const line of formatTopicDescriptions(descriptions, config.groupId)) ctx.stdout(line);
    return descriptions.every((d) => d.exists) ? 0 : 1;
  } finally {
    await admin.disconnect();
  }
}
