import type { Logger } from '../observability/logger.js';

/** What every command gets from the CLI's entry point. */
export interface CommandContext {
  readonly logger: Logger;
  readonly cacheDir: string;
  readonly stdout: (line: string) => void;
}
