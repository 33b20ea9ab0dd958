/**
 * The platformatic client's retry delay (src/kafka/platformatic/retry-delay.ts): a transaction step turned away
 * because the previous transaction is still completing is retried within tens of ms, not after the library's
 * second; every other retriable error keeps the second.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { LibraryMultipleErrors as MultipleErrors, LibraryProtocolError as ProtocolError } from '../../../src/kafka/platformatic/library-surface.js';
import { retryDelay } from '../../../src/kafka/platformatic/retry-delay.js';

describe('platformatic retry delay', () => {
  it('retries CONCURRENT_TRANSACTIONS after 50 ms, a little longer each attempt, also nested in the library\'s errors', () => {
    const concurrent = new ProtocolError('CONCURRENT_TRANSACTIONS');
    assert.deepEqual([1, 2, 3].map((attempt) => retryDelay({}, 'addPartitionsToTxn', attempt, 3, concurrent)), [50, 100, 150]);
    const nested = new MultipleErrors('addPartitionsToTxn failed 1 times.', [concurrent]);
    assert.equal(retryDelay({}, 'addPartitionsToTxn', 1, 3, nested), 50);
  });

  it('waits the library\'s second for every other retriable error', () => {
    assert.equal(retryDelay({}, 'fetch', 1, 3, new ProtocolError('NOT_LEADER_OR_FOLLOWER')), 1000);
    assert.equal(retryDelay({}, 'metadata', 2, 3, new Error('socket hang up')), 1000);
  });
});
