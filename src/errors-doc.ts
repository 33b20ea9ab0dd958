import { ERROR_CODES, type ErrorCode } from './errors.js';

/** The table docs/errors.md must contain. */
export function errorTableMarkdown(): string {
  const rows = (Object.keys(ERROR_CODES) as ErrorCode[]).map((code) => `| \`${code}\` | ${ERROR_CODES[code]} |`);
  return ['| code | meaning |', '| --- | --- |', ...rows].join('\n');
}
