import { parseArgs, type ParseArgsConfig } from 'node:util';

import { flagName } from '../config/load-config.js';
import { configKeys, type ConfigKey } from '../config/schema.js';
import { RelstreamError } from '../errors.js';

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  readonly positionals: readonly string[];
  /** Values of the configuration flags, by config key. */
  readonly configFlags: Readonly<Partial<Record<ConfigKey, string>>>;
  /** Values of the command's own flags, by flag name without dashes. */
  readonly commandFlags: Readonly<Record<string, string | boolean | undefined>>;
}

/** Every config key is also a flag; a command adds its own flags beside them. */
export function parseCommandArgs(argv: readonly string[], commandOptions: OptionSpecs = {}): ParsedArgs {
  const configOptions: OptionSpecs = Object.fromEntries(configKeys.map((key) => [flagName(key).slice(2), { type: 'string' as const }]));
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options: { ...configOptions, ...commandOptions }, allowPositionals: true, strict: true }));
  } catch (error) {
    throw new RelstreamError('RELSTREAM_CLI_USAGE', (error as Error).message, { cause: error });
  }
  const configFlags: Partial<Record<ConfigKey, string>> = {};
  for (const key of configKeys) {
    const value = values[flagName(key).slice(2)];
    if (typeof value === 'string') configFlags[key] = value;
  }
  const commandFlags: Record<string, string | boolean | undefined> = {};
  for (const name of Object.keys(commandOptions)) {
    const value = values[name];
    if (!Array.isArray(value)) commandFlags[name] = value;
  }
  return { positionals, configFlags, commandFlags };
}

export function intFlag(value: string | boolean | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(parsed) || parsed < 0) {
    throw new RelstreamError('RELSTREAM_CLI_USAGE', `--${name} must be a non-negative integer (got ${String(value)})`);
  }
  return parsed;
}
