/** kafkajs errors mapped onto relstream's codes, at this boundary only. */
import { RelstreamError } from '../../errors.js';

interface KjsErrorShape {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly retriable?: unknown;
  readonly type?: unknown;
  readonly cause?: unknown;
}

/** The innermost cause: kafkajs wraps the real failure in NumberOfRetriesExceeded and the like. */
function rootCause(error: unknown): KjsErrorShape {
  let current = error as KjsErrorShape;
  for (let depth = 0; depth < 10 && typeof current.cause === 'object' && current.cause !== null; depth++) current = current.cause;
  return current;
}

const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);
const CONNECTION_NAMES = /Connection|BrokerNotFound|RequestTimeout|NumberOfRetriesExceeded/;

/**
 * kafkajs marks each error retriable or not; keep that flag and the original as the cause. kafkajs gives up
 * on a request with NumberOfRetriesExceeded, which it marks non-retriable even when every attempt failed on a
 * connection: what decides here is the root cause, so a broker restart reads as a retriable outage.
 */
export function toRelstreamError(error: unknown, operation: string): RelstreamError {
  if (error instanceof RelstreamError) return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as KjsErrorShape;
  const root = rootCause(error);
  const name = typeof shape.name === 'string' ? shape.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const type = typeof root.type === 'string' ? root.type : typeof shape.type === 'string' ? shape.type : undefined;
  if (type !== undefined && FENCED_TYPES.has(type)) {
    return new RelstreamError('RELSTREAM_KAFKA_FENCED', `Kafka ${operation} failed: ${type}: ${message}`, { cause: error, retriable: false });
  }
  const rootName = typeof root.name === 'string' ? root.name : name;
  const isConnection = CONNECTION_NAMES.test(rootName) || CONNECTION_NAMES.test(name) && root === shape;
  const retriable = isConnection || shape.retriable === true || root.retriable === true;
  return new RelstreamError(
    isConnection ? 'RELSTREAM_KAFKA_CONNECTION' : 'RELSTREAM_KAFKA_REQUEST',
    `Kafka ${operation} failed: ${name}: ${message}`,
    { cause: error, retriable },
  );
}

export async function guarded<T>(operation: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toRelstreamError(error, operation);
  }
}

export async function retrying<T>(operation: string, attempts: number, work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await guarded(operation, work);
    } catch (error) {
      if (!(error instanceof RelstreamError) || !error.retriable || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

