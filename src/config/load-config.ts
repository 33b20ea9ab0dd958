import { ConfigError } from '../errors.js';
import { configKeys, configSchema, crossFieldProblem, CUDA_DEFAULTS, EXACTLY_ONCE_DEFAULTS, kafkajsDefaults, type Config, type ConfigKey } from './schema.js';

/** RELSTREAM_KAFKA_BROKERS for kafkaBrokers. */
export function envName(key: ConfigKey): string {
  return `RELSTREAM_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** --kafka-brokers for kafkaBrokers. */
export function flagName(key: ConfigKey): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export interface ConfigSources {
  readonly env?: NodeJS.ProcessEnv;
  /** Flag values by config key (the CLI maps --kafka-brokers to kafkaBrokers); flags win over env vars. */
  readonly flags?: Readonly<Partial<Record<ConfigKey, string>>>;
}

/** Reads, validates and freezes the configuration; the first invalid value stops start-up naming its key. */
export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? {};
  const raw: Record<string, string> = {};
  const origin = new Map<string, string>();
  for (const key of configKeys) {
    const flagValue = sources.flags?.[key];
    const envValue = env[envName(key)];
    if (flagValue !== undefined) {
      raw[key] = flagValue;
      origin.set(key, flagName(key));
    } else if (envValue !== undefined && envValue !== '') {
      raw[key] = envValue;
      origin.set(key, envName(key));
    }
  }
  const modeDefaults = [
    ...(raw['executionProvider'] === 'cuda' ? Object.entries(CUDA_DEFAULTS) : []),
    ...(raw['deliveryGuarantee'] === 'exactly-once' ? Object.entries(EXACTLY_ONCE_DEFAULTS) : []),
    ...(raw['kafkaClient'] === 'kafkajs' ? Object.entries(kafkajsDefaults(raw)) : []),
  ];
  for (const [key, value] of modeDefaults) if (!(key in raw)) raw[key] = value;
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    throw new ConfigError(origin.get(key) ?? envName(key as ConfigKey), `${issue?.message ?? 'invalid'} (got ${JSON.stringify(raw[key])})`);
  }
  const problem = crossFieldProblem(parsed.data);
  if (problem) throw new ConfigError(origin.get(problem.key) ?? envName(problem.key), problem.message);
  return Object.freeze(parsed.data);
}
