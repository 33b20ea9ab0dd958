/**
 * The bench's pictures (issue 19): one self-contained HTML page beside each JSON report, with inline SVG charts
 * a user opens instead of reading tables. Each chart is drawn from whatever results of its kind the run has, and
 * left out when it has none; the full table follows.
 *   - throughput by batch size: every `<series> batch <n> pairs/s` metric (inference, full-size CPU models);
 *   - the ceiling against the Kafka passthrough: events/s of each;
 *   - CPU per pair by stage: the micro-benchmarks' costs and the pipeline's main thread and whole process;
 *   - peak RSS by backlog.
 */
import type { BenchResult } from './report.js';

export interface ReportHeader {
  readonly at: string;
  readonly machine: Readonly<Record<string, unknown>>;
}

interface Bar {
  readonly label: string;
  readonly value: number;
}

interface Series {
  readonly name: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

const WIDTH = 720;
const ROW = 26;
const PALETTE = ['#3366cc', '#dc3912', '#ff9900', '#109618', '#990099', '#0099c6', '#dd4477', '#66aa00'];

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const format = (value: number): string => (Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2));

/** Horizontal bars, one per row, scaled to the largest. */
export function barChart(title: string, unit: string, bars: readonly Bar[]): string {
  const finite = bars.filter((b) => Number.isFinite(b.value) && b.value >= 0);
  const max = Math.max(...finite.map((b) => b.value), Number.MIN_VALUE);
  const labelWidth = 300;
  const plot = WIDTH - labelWidth - 110;
  const height = 40 + finite.length * ROW;
  const rows = finite.map((b, i) => {
    const y = 30 + i * ROW;
    const w = Math.max(1, (b.value / max) * plot);
    return `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${escapeXml(b.label)}</text>`
      + `<rect x="${labelWidth}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW - 8}" fill="${PALETTE[i % PALETTE.length] ?? '#3366cc'}"/>`
      + `<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 15}">${escapeXml(`${format(b.value)} ${unit}`)}</text>`;
  });
  return svg(title, height, rows.join(''));
}

/** Lines over a log2 x axis (batch sizes), one per series, with a legend. */
export function lineChart(title: string, xLabel: string, yLabel: string, series: readonly Series[]): string {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const yMax = Math.max(...series.flatMap((s) => s.points.map((p) => p.y)), Number.MIN_VALUE);
  const left = 70;
  const top = 30;
  const plotW = WIDTH - left - 200;
  const plotH = 240;
  const lx = (x: number): number => left + (xs.length <= 1 ? plotW / 2 : (xs.indexOf(x) / (xs.length - 1)) * plotW);
  const ly = (y: number): number => top + plotH - (y / yMax) * plotH;
  const axes = `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#333"/>`
    + `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#333"/>`
    + xs.map((x) => `<text x="${lx(x).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle">${x}</text>`).join('')
    + [0, 0.5, 1].map((f) => `<text x="${left - 6}" y="${(ly(yMax * f) + 4).toFixed(1)}" text-anchor="end">${escapeXml(format(yMax * f))}</text>`).join('')
    + `<text x="${left + plotW / 2}" y="${top + plotH + 34}" text-anchor="middle">${escapeXml(xLabel)}</text>`
    + `<text x="14" y="${top + plotH / 2}" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle">${escapeXml(yLabel)}</text>`;
  const lines = series.map((s, i) => {
    const colour = PALETTE[i % PALETTE.length] ?? '#3366cc';
    const points = [...s.points].sort((a, b) => a.x - b.x).map((p) => `${lx(p.x).toFixed(1)},${ly(p.y).toFixed(1)}`).join(' ');
    const legendY = top + 10 + i * 18;
    return `<polyline points="${points}" fill="none" stroke="${colour}" stroke-width="2"/>`
      + `<rect x="${left + plotW + 20}" y="${legendY - 9}" width="12" height="12" fill="${colour}"/>`
      + `<text x="${left + plotW + 38}" y="${legendY + 1}">${escapeXml(s.name)}</text>`;
  });
  return svg(title, top + plotH + 50, axes + lines.join(''));
}

function svg(title: string, height: number, body: string): string {
  return `<figure><figcaption>${escapeXml(title)}</figcaption>`
    + `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12" role="img" aria-label="${escapeXml(title)}">`
    + `${body}</svg></figure>`;
}

function throughputByBatchSize(results: readonly BenchResult[]): string | undefined {
  const bySeries = new Map<string, { x: number; y: number }[]>();
  for (const r of results) {
    const match = /^(.*) batch (\d+) pairs\/s$/.exec(r.metric);
    if (match === null || !Number.isFinite(r.value)) continue;
    const name = `${r.scenario}: ${match[1] ?? ''}`;
    const points = bySeries.get(name) ?? [];
    points.push({ x: Number(match[2]), y: r.value });
    bySeries.set(name, points);
  }
  if (bySeries.size === 0) return undefined;
  return lineChart('Inference throughput by batch size', 'pairs per batch', 'pairs/s', [...bySeries].map(([name, points]) => ({ name, points })));
}

function ceilingAgainstPassthrough(results: readonly BenchResult[]): string | undefined {
  const bars = results
    .filter((r) => r.metric === 'events/s' && (r.scenario.startsWith('ceiling ') || r.scenario.startsWith('passthrough ')))
    .map((r) => ({ label: r.scenario, value: r.value }));
  return bars.length === 0 ? undefined : barChart('The pipeline ceiling against the Kafka passthrough (same records and output)', 'events/s', bars);
}

function cpuPerPairByStage(results: readonly BenchResult[]): string | undefined {
  const bars: Bar[] = [];
  for (const r of results) {
    if (r.scenario === 'encoder' && r.metric === 'splice pairs/s') bars.push({ label: 'encoder (tokenize, splice)', value: 1e6 / r.value });
    else if (r.scenario === 'micro-batcher' && r.unit === 'µs CPU/pair') bars.push({ label: `micro-batcher, ${r.metric.replace('cost per pair, ', '')}`, value: r.value });
    else if (/CPU per (pair|event)$/.test(r.metric)) bars.push({ label: `${r.scenario}: ${r.metric}`, value: r.value });
  }
  return bars.length === 0 ? undefined : barChart('CPU per pair by stage', 'µs', bars);
}

function rssByBacklog(results: readonly BenchResult[]): string | undefined {
  const bars = results
    .filter((r) => /^backlog \d+$/.test(r.scenario) && r.metric === 'peak RSS')
    .map((r) => ({ label: `${Number(r.scenario.split(' ')[1]).toLocaleString('en-US')} records waiting`, value: r.value }));
  return bars.length === 0 ? undefined : barChart('Peak RSS by backlog', 'MiB', bars);
}

export function htmlReport(header: ReportHeader, results: readonly BenchResult[]): string {
  const charts = [throughputByBatchSize, ceilingAgainstPassthrough, cpuPerPairByStage, rssByBacklog].map((chart) => chart(results)).filter((c) => c !== undefined);
  const rows = results.map((r) => `<tr><td>${escapeXml(r.scenario)}</td><td>${escapeXml(r.metric)}</td><td class="n">${escapeXml(format(r.value))}</td><td>${escapeXml(r.unit)}</td></tr>`).join('\n');
  const machine = Object.entries(header.machine).map(([k, v]) => `${escapeXml(k)}: ${escapeXml(String(v))}`).join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>relstream bench ${escapeXml(header.at)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:60em}figure{margin:1.5em 0}figcaption{font-weight:bold;margin-bottom:.4em}table{border-collapse:collapse}td,th{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:left}td.n{text-align:right}</style>
</head><body>
<h1>relstream bench</h1>
<p>${escapeXml(header.at)}; ${machine}</p>
${charts.length === 0 ? '<p>No chartable results in this run.</p>' : charts.join('\n')}
<h2>All results</h2>
<table><thead><tr><th>scenario</th><th>metric</th><th>value</th><th>unit</th></tr></thead><tbody>
${rows}
</tbody></table>
</body></html>
`;
}
