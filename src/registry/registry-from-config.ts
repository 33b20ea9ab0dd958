/** The Schema Registry parts from the configuration: the client (credentials and TLS read here), the output schema registered at start. */
import { setTimeout as sleep } from 'node:timers/promises';

import { readConfiguredFile, readPasswordFile } from '../config/config-files.js';
import { envName } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import { ConfigError, describeError, isRelstreamError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { schemaText } from '../records/avro.js';
import { SchemaRegistryClient } from './registry-client.js';

export type RegistryConfig = Pick<Config, 'schemaRegistryUrl' | 'schemaRegistryUsername' | 'schemaRegistryPassword' | 'schemaRegistryPasswordFile' | 'schemaRegistryCaFile' | 'schemaRegistryCertFile' | 'schemaRegistryKeyFile' | 'schemaRegistryTimeoutMs'>;

/** The client, or undefined when no schemaRegistryUrl is set (plain Avro). */
export function registryClientFromConfig(config: RegistryConfig): SchemaRegistryClient | undefined {
  if (config.schemaRegistryUrl === '') return undefined;
  const cert = readConfiguredFile(config, 'schemaRegistryCertFile');
  const key = readConfiguredFile(config, 'schemaRegistryKeyFile');
  if ((cert === undefined) !== (key === undefined)) {
    throw new ConfigError(envName(cert === undefined ? 'schemaRegistryCertFile' : 'schemaRegistryKeyFile'), 'a client certificate needs both schemaRegistryCertFile and schemaRegistryKeyFile');
  }
  const password = readPasswordFile(config, 'schemaRegistryPasswordFile') ?? config.schemaRegistryPassword;
  if (password !== '' && config.schemaRegistryUsername === '') throw new ConfigError(envName('schemaRegistryUsername'), 'required with a Schema Registry password');
  const ca = readConfiguredFile(config, 'schemaRegistryCaFile');
  return new SchemaRegistryClient({
    url: config.schemaRegistryUrl, timeoutMs: config.schemaRegistryTimeoutMs,
    ...(config.schemaRegistryUsername === '' ? {} : { username: config.schemaRegistryUsername, password }),
    ...(ca === undefined ? {} : { ca }), ...(cert === undefined ? {} : { cert }), ...(key === undefined ? {} : { key }),
  });
}

const REGISTER_ATTEMPTS = 8;

/**
 * Registers RelationEvent under `<outputTopic>-value` (TopicNameStrategy) and returns its id. A registry that is
 * starting or briefly down is retried (about 30 s in all); a refusal (incompatible, invalid, credentials) stops
 * the start at once with the registry's reason.
 */
export async function registerRelationEvent(client: SchemaRegistryClient, outputTopic: string, logger: Logger): Promise<number> {
  const subject = `${outputTopic}-value`;
  for (let attempt = 1, delay = 500; ; attempt++, delay = Math.min(delay * 2, 8000)) {
    try {
      const id = await client.register(subject, schemaText('RelationEvent'));
      logger.info('RelationEvent schema registered', { subject, schemaId: id });
      return id;
    } catch (error) {
      if (!isRelstreamError(error) || !error.retriable || attempt >= REGISTER_ATTEMPTS) throw error;
      logger.warn('Schema Registry not ready; retrying', { subject, attempt, retryInMs: delay, error: describeError(error) });
      await sleep(delay);
    }
  }
}
