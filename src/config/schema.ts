/**
 * Every configuration key, declared once: type, default, unit (in the name) and description. Values come
 * from env vars (RELSTREAM_KAFKA_BROKERS) and CLI flags (--kafka-brokers); docs/configuration.md lists
 * them and a test keeps that table in sync with this schema.
 */
import { z } from 'zod';

/** Env vars and flags are strings; a comma-separated list becomes an array. */
const stringList = (fallback: readonly string[]) => z.preprocess(
  (value) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : value),
  z.array(z.string().min(1)).min(1).default([...fallback]),
);

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const configSchema = z.object({
  kafkaBrokers: stringList(['localhost:9092']).describe('Bootstrap brokers, comma-separated host:port.'),
  kafkaClientId: z.string().min(1).default('relstream').describe('Kafka client id, seen in broker logs and quotas.'),
  kafkaConnectionTimeoutMs: positiveInt(3000).describe('Timeout for opening a broker connection.'),
  kafkaRequestTimeoutMs: positiveInt(30_000).describe('Timeout for one Kafka request.'),
  inputTopic: z.string().min(1).default('trials.annotated').describe('Topic of annotated trial records (Avro TrialRecord).'),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('Lowest log level written to stderr.'),
});

export type Config = Readonly<z.output<typeof configSchema>>;
export type ConfigKey = keyof Config;
export const configKeys = Object.keys(configSchema.shape) as ConfigKey[];
