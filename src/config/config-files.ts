/**
 * Files the configuration names (TLS material, password files), read at start. A missing or unreadable one is
 * a configuration error naming its key and the file, never its content (it may be a secret).
 */
import { readFileSync } from 'node:fs';

import { ConfigError } from '../errors.js';
import { envName } from './load-config.js';
import type { Config, ConfigKey } from './schema.js';

/** The keys that name a file: kafkaTlsCaFile, schemaRegistryPasswordFile, ... */
export type FileKey = { [K in ConfigKey]: K extends `${string}File` ? K : never }[ConfigKey];

/** The file's text, or undefined when the key is empty (not configured). */
export function readConfiguredFile<K extends FileKey>(config: Pick<Config, K>, key: K): string | undefined {
  const path = config[key];
  if (path === '') return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(envName(key), `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error });
  }
}

/** A password file's text without its final newline (what `echo secret > file` leaves), or undefined when unset. */
export function readPasswordFile<K extends FileKey>(config: Pick<Config, K>, key: K): string | undefined {
  return readConfiguredFile(config, key)?.replace(/\r?\n$/, '');
}
