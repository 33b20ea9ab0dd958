/** Kafka connection options from the configuration: reads TLS material and the password file, checks SASL; the configured client. */
import { readFileSync } from 'node:fs';

import { envName } from '../config/load-config.js';
import type { Config, ConfigKey } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { createKafkaClient } from './create-client.js';
import type { KafkaClient, KafkaConnectionOptions } from './types.js';

function readPem(config: Config, key: ConfigKey & ('kafkaTlsCaFile' | 'kafkaTlsCertFile' | 'kafkaTlsKeyFile')): string | undefined {
  const path = config[key];
  if (path === '') return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(envName(key), `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

export function kafkaConnection(config: Config): KafkaConnectionOptions {
  const options: { -readonly [K in keyof KafkaConnectionOptions]: KafkaConnectionOptions[K] } = {
    brokers: config.kafkaBrokers,
    clientId: config.kafkaClientId,
    connectionTimeoutMs: config.kafkaConnectionTimeoutMs,
    requestTimeoutMs: config.kafkaRequestTimeoutMs,
  };
  const ca = readPem(config, 'kafkaTlsCaFile');
  const cert = readPem(config, 'kafkaTlsCertFile');
  const key = readPem(config, 'kafkaTlsKeyFile');
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
    let password = config.kafkaSaslPassword;
    if (config.kafkaSaslPasswordFile !== '') {
      try {
        password = readFileSync(config.kafkaSaslPasswordFile, 'utf8').replace(/\r?\n$/, '');
      } catch (error) {
        // The message names the file, never its content.
        throw new ConfigError(envName('kafkaSaslPasswordFile'), `cannot read ${config.kafkaSaslPasswordFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
      }
    }
    if (password === '') throw new ConfigError(envName('kafkaSaslPassword'), `a password (or kafkaSaslPasswordFile) is required with kafkaSaslMechanism=${config.kafkaSaslMechanism}`);
    options.sasl = { mechanism: config.kafkaSaslMechanism, username: config.kafkaSaslUsername, password };
  }
  return options;
}

/** The configured client library (`kafkaClient`) on the configured connection, with per-use overrides. */
export function kafkaClientFromConfig(config: Config, logger: Logger, overrides: Partial<KafkaConnectionOptions> = {}): KafkaClient {
  return createKafkaClient({ ...kafkaConnection(config), ...overrides }, logger, config.kafkaClient);
}
