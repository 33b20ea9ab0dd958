import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { RelstreamError } from '../../errors.js';

/**
 * The library's read_committed filter delivers aborted transactions unless patches/@platformatic+kafka+*.patch
 * is applied (`npm run build` does it; npm ci runs no install scripts, .npmrc). Without it exactly-once output
 * would look duplicated to readers and aborted input would be processed, silently; without its revocation hook
 * every graceful rebalance would redo work (at-least-once duplicates): refuse to start instead.
 */
export function assertLibraryPatched(consumerSource: string): void {
  if (!PATCH_MARKERS.every((marker) => consumerSource.includes(marker))) {
    throw new RelstreamError('RELSTREAM_DEPENDENCY_UNPATCHED', '@platformatic/kafka lacks relstream\'s patches (the read_committed fix and the revocation hook, patches/; npm run build applies them): run `npm run build` or `npx patch-package`, or set kafkaClient=kafkajs');
  }
}

const PATCH_MARKERS = ['relstream patch: the Java client\'s algorithm', 'relstream patch: commit on revoke'];
let patchChecked = false;

/** The installed library's consumer, where its read_committed filter lives. */
export function libraryConsumerSource(): string {
  const index = fileURLToPath(import.meta.resolve('@platformatic/kafka'));
  return readFileSync(join(dirname(index), 'clients', 'consumer', 'consumer.js'), 'utf8');
}

export function checkLibraryPatched(): void {
  if (patchChecked) return;
  assertLibraryPatched(libraryConsumerSource());
  patchChecked = true;
}
