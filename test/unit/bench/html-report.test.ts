/**
 * The bench's HTML report (bench/html-report.ts): each chart appears when the run has its results and not
 * otherwise, every SVG is well-formed XML (what a browser needs to draw it inline), and names from the results
 * are escaped, however hostile.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { htmlReport } from '../../../bench/html-report.js';
import type { BenchResult } from '../../../bench/report.js';

const header = { at: '2026-12-03T00:00:00.000Z', machine: { cpus: 2 } };

const full: BenchResult[] = [
  ...[1, 8, 32].map((n) => ({ scenario: 'inference', metric: `cpu batch ${n} pairs/s`, value: 100 * n, unit: 'pairs/s' })),
  ...[1, 16].map((n) => ({ scenario: 'cpu full-size', metric: `int8 batch ${n} pairs/s`, value: 10 * n, unit: 'pairs/s' })),
  { scenario: 'ceiling platformatic', metric: 'events/s', value: 17761, unit: 'events/s' },
  { scenario: 'passthrough platformatic', metric: 'events/s', value: 166325, unit: 'events/s' },
  { scenario: 'ceiling platformatic', metric: 'main-thread CPU per pair', value: 33.9, unit: 'µs' },
  { scenario: 'passthrough platformatic', metric: 'process CPU per event', value: 6.8, unit: 'µs' },
  { scenario: 'encoder', metric: 'splice pairs/s', value: 50000, unit: 'pairs/s' },
  { scenario: 'micro-batcher', metric: 'cost per pair, 1000 queued', value: 1.5, unit: 'µs CPU/pair' },
  { scenario: 'backlog 20000', metric: 'peak RSS', value: 300, unit: 'MiB' },
  { scenario: 'backlog 100000', metric: 'peak RSS', value: 320, unit: 'MiB' },
];

/** Well-formed XML for what the report writes: every tag closed in order, attributes quoted, no stray < or &. */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  const token = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let at = 0;
  for (let m = token.exec(xml); m !== null; m = token.exec(xml)) {
    at = token.lastIndex;
    const [, closing, name, , selfClosing, text] = m;
    if (text !== undefined) {
      assert.doesNotMatch(text, /&(?!(amp|lt|gt|quot|#39);)/, `a bare & in text: ${text.slice(0, 60)}`);
      continue;
    }
    if (selfClosing === '/') continue;
    if (closing === '/') assert.equal(stack.pop(), name, `</${name ?? ''}> closes the open element`);
    else stack.push(name ?? '');
  }
  assert.equal(at, xml.length, `not XML from: ${xml.slice(at, at + 80)}`);
  assert.deepEqual(stack, [], 'every element closed');
}

const svgs = (html: string): string[] => html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];

describe('the bench HTML report', () => {
  it('draws the four charts from a full run, each a well-formed SVG', () => {
    const html = htmlReport(header, full);
    for (const title of ['Inference throughput by batch size', 'The pipeline ceiling against the Kafka passthrough', 'CPU per pair by stage', 'Peak RSS by backlog']) {
      assert.ok(html.includes(title), title);
    }
    const charts = svgs(html);
    assert.equal(charts.length, 4);
    for (const chart of charts) assertWellFormed(chart);
    assert.ok(html.includes('inference: cpu'), 'one line per series');
    assert.ok(html.includes('cpu full-size: int8'));
  });

  it('leaves out the charts the run has no results for, and still lists every result', () => {
    const html = htmlReport(header, [{ scenario: 'scale 1→3→1 consumer at-least-once', metric: 'longest output gap', value: 0.03, unit: 's' }]);
    assert.deepEqual(svgs(html), []);
    assert.ok(html.includes('No chartable results'));
    assert.ok(html.includes('longest output gap'));
  });

  it('escapes names from the results in the SVG and the table', () => {
    const hostile = `<script>alert("x")</script> & 'quotes'`;
    const html = htmlReport(header, [
      { scenario: 'ceiling x', metric: 'events/s', value: 1, unit: 'events/s' },
      { scenario: `passthrough ${hostile}`, metric: 'events/s', value: 2, unit: 'events/s' },
    ]);
    assert.ok(!html.includes('<script>'));
    for (const chart of svgs(html)) assertWellFormed(chart);
  });
});
