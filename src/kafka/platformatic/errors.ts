/** The library's errors mapped onto relstream's codes, at this boundary only. */
import { findErrorBy } from '@platformatic/kafka';

import { RelstreamError } from '../../errors.js';

interface PltErrorShape {
  readonly code?: unknown;
  readonly canRetry?: unknown;
  readonly apiId?: unknown;
}

const FENCED_IDS = ['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'FENCED_INSTANCE_ID'];
// KIP-848 answers a commit of a member epoch that is no longer current with STALE_MEMBER_EPOCH or FENCED_MEMBER_EPOCH.
const STALE_GENERATION_IDS = ['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS', 'STALE_MEMBER_EPOCH', 'FENCED_MEMBER_EPOCH'];
const CONNECTION_CODES = new Set(['PLT_KFK_NETWORK', 'PLT_KFK_TIMEOUT']);

/** The first error in the tree (MultipleErrors nest them) with a network or timeout code. */
function findConnectionError(error: unknown): PltErrorShape | null {
  for (const code of CONNECTION_CODES) {
    const found = findErrorBy(error instanceof Error ? error : null, 'code', code);
    if (found) return found;
  }
  return null;
}

/**
 * Maps the client's errors onto relstream's codes. A fenced producer is RELSTREAM_KAFKA_FENCED (another
 * instance owns the transactional id: stop). Offsets from a generation that is no longer current are the
 * retriable RELSTREAM_KAFKA_STALE_GENERATION: after the rejoin, the partitions still owned commit under the new
 * generation and the lost ones are the new owner's. Network failures and timeouts are the retriable
 * RELSTREAM_KAFKA_CONNECTION; the rest keeps the client's own canRetry flag.
 */
export function toRelstreamError(error: unknown, operation: string): RelstreamError {
  if (error instanceof RelstreamError) return error;
  const asError = error instanceof Error ? error : null;
  const message = asError ? describeTree(asError) : String(error);
  const fenced = FENCED_IDS.find((id) => findErrorBy(asError, 'apiId', id) !== null);
  if (fenced !== undefined) {
    return new RelstreamError('RELSTREAM_KAFKA_FENCED', `Kafka ${operation} failed: ${fenced}: ${message}`, { cause: error, retriable: false });
  }
  const stale = STALE_GENERATION_IDS.find((id) => findErrorBy(asError, 'apiId', id) !== null);
  if (stale !== undefined) {
    return new RelstreamError('RELSTREAM_KAFKA_STALE_GENERATION', `Kafka ${operation} failed: ${stale}: ${message}`, { cause: error, retriable: true });
  }
  if (findConnectionError(error)) {
    return new RelstreamError('RELSTREAM_KAFKA_CONNECTION', `Kafka ${operation} failed: ${message}`, { cause: error, retriable: true });
  }
  const shape = (typeof error === 'object' && error !== null ? error : {}) as PltErrorShape;
  return new RelstreamError('RELSTREAM_KAFKA_REQUEST', `Kafka ${operation} failed: ${message}`, { cause: error, retriable: shape.canRetry === true });
}

/** The message with the nested errors' messages: the library's top-level ones ("Produce failed.") say little. */
function describeTree(error: Error): string {
  const nested = error instanceof AggregateError ? error.errors.filter((e): e is Error => e instanceof Error).map((e) => e.message) : [];
  const cause = error.cause instanceof Error ? [error.cause.message] : [];
  return [error.message, ...new Set([...nested, ...cause])].join(' / ');
}

export async function guarded<T>(operation: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toRelstreamError(error, operation);
  }
}
