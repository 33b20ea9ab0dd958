/** The Schema Registry parts from the configuration: the client (credentials and TLS read here), the output schema registered at start. */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import { envName } from '../config/load-config.js';
import type { Config, ConfigKey } from '../config/schema.js';
import { ConfigError, describeError, isRelstreamError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { schemaText } from '../records/avro.js';
import { SchemaRegistryClient } from './registry-client.js';

export type RegistryConfig = Pick<Config, 'schemaRegistryUrl' | 'schemaRegistryUsername' | 'schemaRegistryPassword' | 'schemaRegistryPasswordFile' | 'schemaRegistryCaFile' | 'schemaRegistryCertFile' | 'schemaRegistryKeyFile' | 'schemaRegistryTimeoutMs'>;

function readFile(config: RegistryConfig, key: ConfigKey & keyof RegistryConfig): string | undefined {
  const path = config[key];
  if (typeof path !== 'string' || path === '') return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    // The message names the file, never its content.
    throw new ConfigError(envName(key), `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/** The client, or undefined when no schemaRegistryUrl is set (plain Avro). */
export function registryClientFromConfig(config: RegistryConfig): SchemaRegistryClient | undefined {
  if (config.schemaRegistryUrl === '') return undefined;
  const cert = readFile(config, 'schemaRegistryCertFile');
  const key = readFile(config, 'schemaRegistryKeyFile');
  if ((cert === undefined) !== (key === undefined)) {
    throw new ConfigError(envName(cert === undefined ? 'schemaRegistryCertFile' : 'schemaRegistryKeyFile'), 'a client certificate needs both schemaRegistryCertFile and schemaRegistryKeyFile');
  }
  const password = readFile(config, 'schemaRegistryPasswordFile')?.replace(/\r?\n$/, '') ?? config.schemaRegistryPassword;
  if (password !== '' && config.schemaRegistryUsername === '') throw new ConfigError(envName('schemaRegistryUsername'), 'required with a Schema Registry password');
  const ca = readFile(config, 'schemaRegistryCaFile');
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
