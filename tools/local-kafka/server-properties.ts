/** The server.properties of a single-node KRaft broker (broker and controller in one process). */
export interface ServerPropertiesInput {
  readonly host: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly dataDir: string;
  /** A second listener that requires SASL (SCRAM-SHA-256/512 and PLAIN), for testing authentication. */
  readonly sasl?: { readonly port: number; readonly username: string; readonly password: string };
  /** A TLS listener; `keystorePem` is a PEM file with the server's private key (PKCS#8) and certificate chain. */
  readonly tls?: { readonly port: number; readonly keystorePem: string };
  /** Added last, so they can override the defaults (extra listeners, SASL, ...). */
  readonly extra?: Readonly<Record<string, string>>;
}

export function renderServerProperties(input: ServerPropertiesInput): string {
  // Client-facing listeners: PLAINTEXT always, SASL_PLAINTEXT and SSL when asked for.
  const client = [
    { name: 'PLAINTEXT', port: input.port },
    ...(input.sasl ? [{ name: 'SASL_PLAINTEXT', port: input.sasl.port }] : []),
    ...(input.tls ? [{ name: 'SSL', port: input.tls.port }] : []),
  ];
  const properties: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@${input.host}:${input.controllerPort}`,
    listeners: [...client.map((l) => `${l.name}://${input.host}:${l.port}`), `CONTROLLER://${input.host}:${input.controllerPort}`].join(','),
    'advertised.listeners': client.map((l) => `${l.name}://${input.host}:${l.port}`).join(','),
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': ['CONTROLLER:PLAINTEXT', ...client.map((l) => `${l.name}:${l.name}`)].join(','),
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
    // KIP-848 groups (Kafka 4): the coordinator hands out revocations and assignments in heartbeat answers, and
    // notices a killed member after its session; the production defaults (5 s, 45 s, and minimums as large)
    // would make every scale and kill test wait that long. Known keys to 3.9 too (it ships KIP-848 as a preview).
    'group.consumer.min.heartbeat.interval.ms': '500',
    'group.consumer.heartbeat.interval.ms': '1000',
    'group.consumer.min.session.timeout.ms': '6000',
    'group.consumer.session.timeout.ms': '10000',
    'num.network.threads': '2',
    'num.io.threads': '4',
    'log.retention.hours': '24',
    ...(input.sasl ? saslSettings(input.sasl) : {}),
    ...(input.tls ? { 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': input.tls.keystorePem } : {}),
    ...input.extra,
  };
  return Object.entries(properties).map(([key, value]) => `${key}=${value}`).join('\n') + '\n';
}

/**
 * The SASL_PLAINTEXT listener's mechanisms. SCRAM users live in the KRaft metadata (added at format time, see
 * scramFormatArgs); PLAIN users in the JAAS line. Test-only: no TLS on this listener.
 */
function saslSettings(sasl: NonNullable<ServerPropertiesInput['sasl']>): Record<string, string> {
  const scram = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  return {
    'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512,PLAIN',
    'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config': scram,
    'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config': scram,
    'listener.name.sasl_plaintext.plain.sasl.jaas.config':
      `org.apache.kafka.common.security.plain.PlainLoginModule required user_${sasl.username}="${sasl.password}";`,
  };
}

/** `kafka-storage format` arguments that create the SCRAM credentials of the SASL listener's user. */
export function scramFormatArgs(sasl: { readonly username: string; readonly password: string }): string[] {
  return ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((mechanism) => ['--add-scram', `${mechanism}=[name=${sasl.username},password=${sasl.password}]`]);
}
