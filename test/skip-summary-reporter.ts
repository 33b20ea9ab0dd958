/**
 * A node:test reporter beside `spec`: node's own summary counts a skipped test but not a skipped suite (its
 * tests never start), so "skipped 0" could hide a whole suite that did not run. This lists every skipped test
 * and suite with its reason at the end, and writes their count to RELSTREAM_TEST_SKIP_FILE for run-tests.
 */
import { appendFileSync } from 'node:fs';

interface SkipEvent {
  readonly type: string;
  readonly data?: { readonly name?: string; readonly skip?: string | boolean; readonly file?: string; readonly details?: { readonly type?: string } };
}

export default async function* skipSummary(source: AsyncIterable<SkipEvent>): AsyncGenerator<string> {
  const skipped: string[] = [];
  for await (const event of source) {
    // test:pass carries `skip` for both skipped tests and skipped suites.
    if (event.type !== 'test:pass' || event.data?.skip === undefined || event.data.skip === false) continue;
    const kind = event.data.details?.type === 'suite' ? 'suite' : 'test';
    const reason = typeof event.data.skip === 'string' ? event.data.skip : 'skipped';
    skipped.push(`${kind} "${event.data.name ?? '?'}": ${reason}`);
  }
  const file = process.env['RELSTREAM_TEST_SKIP_FILE'];
  if (file) appendFileSync(file, skipped.map((s) => `${s}\n`).join(''));
  yield skipped.length === 0 ? 'skipped: none\n' : `skipped: ${skipped.length} (suites and tests that did not run)\n${skipped.map((s) => `  - ${s}\n`).join('')}`;
}
