/** When the library sends a request again after a retriable error (its `retryDelay` option). */
import { findErrorBy } from '@platformatic/kafka';

/** The library's delay before a retriable request is sent again, for everything but the case below. */
const RETRY_DELAY_MS = 1000;
/** The first retry of a transaction step the coordinator turned away because the previous one is still completing. */
const CONCURRENT_TRANSACTION_RETRY_MS = 50;

/**
 * A transaction begun right after the previous one committed is turned away with CONCURRENT_TRANSACTIONS while the
 * coordinator still writes the previous one's markers, for milliseconds. The library waits its one retry delay of
 * 1 s for every error: 13 of 60 back-to-back transactions took a second (a pause in exactly-once output after each
 * commit that hit it). The Java client retries these within tens of ms; so does this, a little longer each time.
 */
export function retryDelay(_client: unknown, _operation: string, attempt: number, _retries: number, error: Error): number {
  return findErrorBy(error, 'apiId', 'CONCURRENT_TRANSACTIONS') === null ? RETRY_DELAY_MS : CONCURRENT_TRANSACTION_RETRY_MS * attempt;
}
