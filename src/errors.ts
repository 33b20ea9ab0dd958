/**
 * Every error relstream raises on purpose. Codes are stable (docs/errors.md lists them, a test keeps the
 * two in sync); `retriable` tells a caller whether trying again can help.
 */
export const ERROR_CODES = {
  RELSTREAM_CONFIG_INVALID: 'A configuration value is missing or invalid.',
  RELSTREAM_CLI_USAGE: 'The command line names an unknown command or flag.',
  RELSTREAM_KAFKA_CONNECTION: 'The Kafka cluster could not be reached.',
  RELSTREAM_KAFKA_REQUEST: 'A request to the Kafka cluster failed.',
  RELSTREAM_KAFKA_UNAVAILABLE: 'The Kafka cluster stayed unreachable for longer than kafkaOutageToleranceMs; the process stops (exit 1).',
  RELSTREAM_DEPENDENCY_UNPATCHED: 'A dependency lacks a fix relstream applies to it (patches/, by npm run build); run npm run build or npx patch-package.',
  RELSTREAM_KAFKA_FENCED: 'Another producer with the same transactionalId took over (a second replica with the same id, or a restart); this one stops.',
  RELSTREAM_KAFKA_STALE_GENERATION: 'A transaction\'s input offsets named a consumer-group generation that is no longer current (a rebalance, or this member was evicted while stalled): the broker rejected it and the transaction was aborted. Retried after the member rejoins, for the partitions it still owns.',
  RELSTREAM_REGISTRY_UNAVAILABLE: 'The Schema Registry could not be reached or answered with a server error; retried with backoff (a record waiting for its writer schema is never dead-lettered for it).',
  RELSTREAM_REGISTRY_SCHEMA_NOT_FOUND: 'The Schema Registry does not know a schema id that an input record names; retried with backoff (the record waits: it may be a registry that lags behind its producer).',
  RELSTREAM_REGISTRY_REFUSED: 'The Schema Registry refused a request: the RelationEvent schema is incompatible with the subject\'s earlier versions (409), invalid (422), or the credentials were refused (401/403), or its TLS certificate is not trusted. Start-up stops.',
  RELSTREAM_TOPIC_MISSING: 'A topic relstream reads or writes does not exist; `relstream topics create` creates them.',
  RELSTREAM_INTAKE_WORKER: 'An intake worker thread failed to start or stopped; the process stops and the records it held are redelivered.',
  RELSTREAM_INTERNAL: 'An unexpected error while processing one record; the record goes to the dead-letter topic (reason internal_error) and the stream goes on.',
  RELSTREAM_LOCAL_KAFKA_JARS: 'The Apache Kafka jars could not be fetched or failed their checksum.',
  RELSTREAM_LOCAL_KAFKA_START: 'The local Kafka broker did not start or did not accept clients in time.',
  RELSTREAM_LOCAL_KAFKA_STATE: 'The local Kafka broker state file is missing or names no running broker.',
  RELSTREAM_MODEL_DIR_INVALID: 'The model directory lacks a file, or a file is invalid or does not match its sha256.',
  RELSTREAM_MODEL_SELF_CHECK: 'The model\'s reference pairs, run at start on this machine\'s provider and CPU, differ from the exporting framework\'s logits past the tolerances in relstream-model.json: run refuses it unless allowDegradedModel is set.',
  RELSTREAM_MODEL_CAPACITY_PROBE: 'The model directory holds a capacity probe (export.py --null), whose relations mean nothing: run refuses it unless benchmark is set.',
  RELSTREAM_MODEL_PROVIDER_UNAVAILABLE: 'The requested ONNX Runtime execution provider (CUDA) could not be loaded.',
  RELSTREAM_MODEL_SESSION: 'The ONNX Runtime session failed to load the model or to run a batch.',
  RELSTREAM_RECORD_MALFORMED: 'A record is not valid Avro TrialRecord bytes (sent to the dead-letter topic).',
  RELSTREAM_RECORD_INVALID: 'A record breaks a rule or limit (sent to the dead-letter topic; the reason header says which).',
  RELSTREAM_RECORD_OUTPUT_TOO_LARGE: 'A record\'s relation events would not fit the producer\'s maxMessageBytes (sent to the dead-letter topic).',
  RELSTREAM_SHUTDOWN: 'The processor is stopping; work in flight was abandoned and will be redelivered.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface RelstreamErrorOptions {
  readonly cause?: unknown;
  readonly retriable?: boolean;
}

export class RelstreamError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: RelstreamErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'RelstreamError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** A configuration value failed validation; `key` names it as the user wrote it (env var or flag). */
export class ConfigError extends RelstreamError {
  readonly key: string;

  constructor(key: string, message: string, options: RelstreamErrorOptions = {}) {
    super('RELSTREAM_CONFIG_INVALID', `${key}: ${message}`, options);
    this.name = 'ConfigError';
    this.key = key;
  }
}

export function isRelstreamError(error: unknown): error is RelstreamError {
  return error instanceof RelstreamError;
}

/** A readable one-line description of any thrown value, for logs and CLI output. */
export function describeError(error: unknown): string {
  if (error instanceof RelstreamError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
