/** Kafka connection options from the configuration: reads TLS material and the password file, checks SASL; the configured client. */
import { readConfiguredFile, readPasswordFile } from '../config/config-files.js';
import { envName } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { createKafkaClient } from './create-client.js';
import type { ConsumerOptions, KafkaClient, KafkaConnectionOptions } from './types.js';

export function kafkaConnection(config: Config): KafkaConnectionOptions {
  const options: { -readonly [K in keyof KafkaConnectionOptions]: KafkaConnectionOptions[K] } = {
    brokers: config.kafkaBrokers,
    clientId: config.kafkaClientId,
    connectionTimeoutMs: config.kafkaConnectionTimeoutMs,
    requestTimeoutMs: config.kafkaRequestTimeoutMs,
  };
  const ca = readConfiguredFile(config, 'kafkaTlsCaFile');
  const cert = readConfiguredFile(config, 'kafkaTlsCertFile');
  const key = readConfiguredFile(config, 'kafkaTlsKeyFile');
  if ((cert === undefined) !== (key === undefined)) {
    throw new ConfigError(envName(cert === undefined ? 'kafkaTlsCertFile' : 'kafkaTlsKeyFile'), 'a client certificate needs both kafkaTlsCertFile and kafkaTlsKeyFile');
  }
  if (config.kafkaTls || ca !== undefined || cert !== undefined) {
    options.tls = {
      rejectUnauthorized: config.kafkaTlsRejectUnauthorized,
      ...(ca === undefined ? {} : { ca }), ...(cert === undefined ? {} : { cert }), ...(key === undefined ? {} : { key }),
    };
  }
  if (config.kafkaSaslMechanism !== 'none') {
    if (config.kafkaSaslUsername === '') throw new ConfigError(envName('kafkaSaslUsername'), `required with kafkaSaslMechanism=${config.kafkaSaslMechanism}`);
    const password = readPasswordFile(config, 'kafkaSaslPasswordFile') ?? config.kafkaSaslPassword;
    if (password === '') throw new ConfigError(envName('kafkaSaslPassword'), `a password (or kafkaSaslPasswordFile) is required with kafkaSaslMechanism=${config.kafkaSaslMechanism}`);
    options.sasl = { mechanism: config.kafkaSaslMechanism, username: config.kafkaSaslUsername, password };
  }
  return options;
}

/** The configured client library (`kafkaClient`) on the configured connection, with per-use overrides. */
export function kafkaClientFromConfig(config: Config, logger: Logger, overrides: Partial<KafkaConnectionOptions> = {}): KafkaClient {
  return createKafkaClient({ ...kafkaConnection(config), ...overrides }, logger, config.kafkaClient);
}

/**
 * What one fetch may return: `fetchMaxBytes` over all partitions and at most 1 MiB of one. The consumer buffers
 * this ahead of intake, so it bounds memory; a client's own default is far larger (platformatic: 50 MB).
 */
export function fetchSizes(config: Pick<Config, 'fetchMaxBytes'>): Required<Pick<ConsumerOptions, 'maxBytes' | 'maxBytesPerPartition'>> {
  return { maxBytes: config.fetchMaxBytes, maxBytesPerPartition: Math.min(config.fetchMaxBytes, 1024 * 1024) };
}
