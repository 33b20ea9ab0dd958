/** The server.properties of a single-node KRaft broker (broker and controller in one process). */
export interface ServerPropertiesInput {
  readonly host: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly dataDir: string;
  /** Added last, so they can override the defaults (extra listeners, SASL, ...). */
  readonly extra?: Readonly<Record<string, string>>;
}

export function renderServerProperties(input: ServerPropertiesInput): string {
  const properties: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@${input.host}:${input.controllerPort}`,
    listeners: `PLAINTEXT://${input.host}:${input.port},CONTROLLER://${input.host}:${input.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${input.host}:${input.port}`,
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': input.dataDir,
    // One broker: internal topics cannot have more than one replica.
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '4',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '4',
    // Tests create their topics explicitly; a typo must fail, not create a topic.
    'auto.create.topics.enable': 'false',
    // Consumer groups in tests form at once instead of after the default 3 s.
    'group.initial.rebalance.delay.ms': '0',
    'num.network.threads': '2',
    'num.io.threads': '4',
    'log.retention.hours': '24',
    ...input.extra,
  };
  return Object.entries(properties).map(([key, value]) => `${key}=${value}`).join('\n') + '\n';
}
