/**
 * The batching the ceiling runs with. The capacity probe stands in for a model that costs next to nothing, which
 * is a GPU's case: on CPU a real model's batches take milliseconds, and what a batch costs around it (a message
 * to and from the inference worker, its decoding and metrics, ~150 µs of the main thread here) is lost in that.
 * So by default the ceiling batches as relstream does on the CUDA provider (CUDA_DEFAULTS: 512 pairs, 32,768
 * tokens, two inference workers); `--ceiling-batches cpu` keeps the CPU provider's defaults (32 pairs, one
 * worker), where that per-batch cost is a third of the main thread's. A setting in the environment wins.
 */
import { envName } from '../src/config/load-config.js';
import { CUDA_DEFAULTS, type ConfigKey } from '../src/config/schema.js';

export type CeilingBatches = 'gpu' | 'cpu';

export function parseCeilingBatches(value: string | undefined): CeilingBatches {
  if (value === undefined || value === 'gpu') return 'gpu';
  if (value === 'cpu') return 'cpu';
  throw new Error(`--ceiling-batches ${value}: gpu (the CUDA provider's batch defaults, the default) or cpu`);
}

/** The environment that makes `relstream run` batch as `batches` says, leaving what `env` already sets. */
export function ceilingBatchEnv(batches: CeilingBatches, env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  if (batches === 'cpu') return {};
  const entries: [string, string][] = [];
  for (const [key, value] of Object.entries(CUDA_DEFAULTS) as [ConfigKey, string | undefined][]) {
    const name = envName(key);
    if (value !== undefined && env[name] === undefined) entries.push([name, value]);
  }
  return Object.fromEntries(entries);
}
