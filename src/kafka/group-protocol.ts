/**
 * Which consumer group protocol a member speaks (`groupProtocol`), settled once at start: KIP-848's `consumer`
 * protocol where both the client and the broker have it (auto), else `classic`. Asking for `consumer` where either
 * lacks it stops the start with a message that says which.
 */
import { envName } from '../config/load-config.js';
import { ConfigError } from '../errors.js';
import { SPEAKS_CONSUMER_PROTOCOL, type GroupProtocol, type GroupProtocolSetting, type KafkaClientKind } from './client-kinds.js';
import type { KafkaAdmin } from './types.js';

export async function resolveGroupProtocol(setting: GroupProtocolSetting, client: KafkaClientKind, admin: Pick<KafkaAdmin, 'supportsConsumerProtocol'>): Promise<GroupProtocol> {
  if (setting === 'classic') return 'classic';
  if (!SPEAKS_CONSUMER_PROTOCOL[client]) {
    if (setting === 'consumer') throw new ConfigError(envName('groupProtocol'), `consumer (KIP-848) is not spoken by kafkaClient ${client}: use classic, or kafkaClient platformatic`);
    return 'classic';
  }
  if ((await admin.supportsConsumerProtocol?.()) === true) return 'consumer';
  if (setting === 'consumer') throw new ConfigError(envName('groupProtocol'), 'the broker does not run KIP-848 consumer groups (it lists no ConsumerGroupHeartbeat; Kafka 4.0 or later has it): use classic or auto');
  return 'classic';
}
