/** The local broker as the CLI loads it (src/cli/local-kafka.ts). */
export { kafkaCommand, kafkaUsage } from './kafka-command.js';
export { startLocalBroker, type LocalBroker } from './local-broker.js';
