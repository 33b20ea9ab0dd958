/** Benchmark results: one JSON file per run (and its HTML pictures) plus a printed table, comparable run to run. */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

import { htmlReport } from './html-report.js';

export interface BenchResult {
  readonly scenario: string;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export async function writeReport(dir: string, results: readonly BenchResult[]): Promise<string> {
  const report = {
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    results,
  };
  await mkdir(dir, { recursive: true });
  const base = join(dir, `bench-${report.at.replace(/[:.]/g, '-')}`);
  const file = `${base}.json`;
  await writeFile(file, JSON.stringify(report, null, 2) + '\n');
  await writeFile(join(dir, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
  // The same results as pictures, for a browser (./html-report.ts).
  const html = htmlReport(report, results);
  await writeFile(`${base}.html`, html);
  await writeFile(join(dir, 'latest.html'), html);
  return file;
}

export function table(results: readonly BenchResult[]): string {
  const rows = results.map((r) => [r.scenario, r.metric, r.value >= 100 ? r.value.toFixed(0) : r.value.toFixed(2), r.unit]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...[['scenario', 'metric', 'value', 'unit'], ...rows].map((row) => row[i]?.length ?? 0)));
  const line = (row: readonly string[]): string => row.map((cell, i) => (i === 2 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ');
  return [line(['scenario', 'metric', 'value', 'unit']), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
