import { envName, flagName } from './load-config.js';
import { configKeys, configSchema, type ConfigKey } from './schema.js';

export interface ConfigKeyDoc {
  readonly key: ConfigKey;
  readonly env: string;
  readonly flag: string;
  readonly defaultValue: string;
  readonly description: string;
}

/** One row per key, straight from the schema: what docs/configuration.md must show. */
export function describeConfig(): ConfigKeyDoc[] {
  const defaults = configSchema.parse({});
  return configKeys.map((key) => {
    const value: unknown = defaults[key];
    return {
      key,
      env: envName(key),
      flag: flagName(key),
      defaultValue: Array.isArray(value) ? value.join(',') : String(value),
      description: configSchema.shape[key].description ?? '',
    };
  });
}

export function configTableMarkdown(): string {
  const rows = describeConfig().map((d) => `| \`${d.key}\` | \`${d.env}\` | \`${d.flag}\` | \`${d.defaultValue}\` | ${d.description} |`);
  return ['| key | env var | flag | default | meaning |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}
