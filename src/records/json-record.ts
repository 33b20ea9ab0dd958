/** TrialRecord from one JSON line (the `produce` command's input), with the Avro defaults filled in. */
import { RelstreamError } from '../errors.js';
import type { TrialRecord } from './avro.js';

export function trialRecordFromJson(line: string, lineNumber: number): TrialRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new RelstreamError('RELSTREAM_CLI_USAGE', `line ${lineNumber}: not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof value !== 'object' || value === null) throw new RelstreamError('RELSTREAM_CLI_USAGE', `line ${lineNumber}: not a JSON object`);
  const record = value as Partial<TrialRecord>;
  return {
    id: record.id ?? '',
    source: record.source ?? null,
    language: record.language ?? 'es',
    text: record.text ?? '',
    entities: record.entities ?? [],
    metadata: record.metadata ?? {},
  };
}
