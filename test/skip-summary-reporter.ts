/**
 * A node:test reporter beside `spec`: node's own summary counts a skipped test but not a skipped suite (its
 * tests never start), so "skipped 0" could hide a whole suite that did not run. Each skipped test or suite is
 * appended to RELSTREAM_TEST_SKIP_FILE as it is reported (synchronously: --test-force-exit may end the run
 * before a reporter's last output), and run-tests prints them all, with their reasons, at the end.
 */
import { appendFileSync } from 'node:fs';

interface SkipEvent {
  readonly type: string;
  readonly data?: {
    readonly name?: string; readonly skip?: string | boolean; readonly file?: string; readonly line?: number; readonly column?: number;
    readonly details?: { readonly type?: string };
  };
}

export default async function* skipSummary(source: AsyncIterable<SkipEvent>): AsyncGenerator<string> {
  const file = process.env['RELSTREAM_TEST_SKIP_FILE'];
  // A test's result can be reported more than once (as it is queued and as it completes): once per place.
  const seen = new Set<string>();
  for await (const event of source) {
    // test:pass carries `skip` for both skipped tests and skipped suites.
    if (event.type !== 'test:pass' || event.data?.skip === undefined || event.data.skip === false) continue;
    const kind = event.data.details?.type === 'suite' ? 'suite' : 'test';
    const reason = typeof event.data.skip === 'string' ? event.data.skip : 'skipped';
    const where = `${event.data.file ?? ''}:${event.data.line ?? 0}:${event.data.column ?? 0}:${event.data.name ?? ''}`;
    if (seen.has(where)) continue;
    seen.add(where);
    if (file) appendFileSync(file, `${kind} "${event.data.name ?? '?'}": ${reason}\n`);
  }
  yield '';
}
