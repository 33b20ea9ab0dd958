import { SECRET_KEYS, type Config } from './schema.js';

/** The configuration as it may be logged: secrets replaced by a marker that says whether one is set. */
export function redactConfig(config: Config): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...config };
  for (const key of SECRET_KEYS) copy[key] = config[key] === '' ? '' : '[redacted]';
  return copy;
}
