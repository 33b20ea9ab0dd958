/**
 * `relstream docs [--write]`: the configuration, error-code and metric tables generated from the code. With
 * --write they replace the marked sections of docs/*.md; a unit test fails while the two differ.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { configTableMarkdown } from '../config/describe-config.js';
import { errorTableMarkdown } from '../errors-doc.js';
import { metricTableMarkdown } from '../observability/describe-metrics.js';
import { packageRoot } from '../paths.js';
import { parseCommandArgs } from './args.js';
import type { CommandContext } from './command-context.js';

export const DOC_SECTIONS = [
  { file: 'configuration.md', marker: 'config-table', render: () => Promise.resolve(configTableMarkdown()) },
  { file: 'errors.md', marker: 'error-table', render: () => Promise.resolve(errorTableMarkdown()) },
  { file: 'metrics.md', marker: 'metric-table', render: metricTableMarkdown },
] as const;

export function replaceSection(text: string, marker: string, body: string): string {
  const pattern = new RegExp(`(<!-- ${marker}:start -->\\n)[\\s\\S]*?(\\n<!-- ${marker}:end -->)`);
  if (!pattern.test(text)) throw new Error(`no ${marker} section`);
  return text.replace(pattern, (_m, start: string, end: string) => `${start}${body}${end}`);
}

export async function docsCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { commandFlags } = parseCommandArgs(argv, { write: { type: 'boolean' } });
  for (const section of DOC_SECTIONS) {
    const body = await section.render();
    if (commandFlags['write'] === true) {
      const path = join(packageRoot, 'docs', section.file);
      await writeFile(path, replaceSection(await readFile(path, 'utf8'), section.marker, body));
      ctx.stdout(`updated docs/${section.file}`);
    } else {
      ctx.stdout(`${body}\n`);
    }
  }
  return 0;
}
