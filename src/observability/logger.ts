/**
 * A minimal structured logger: one JSON object per line on stderr, so stdout stays free for the data that
 * commands like `consume` print. Levels filter at the call site; fields are plain JSON values.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, unknown>>;

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(bindings: LogFields): Logger;
}

export interface LoggerOptions {
  readonly level?: LogLevel;
  readonly write?: (line: string) => void;
  readonly bindings?: LogFields;
  readonly now?: () => Date;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const minRank = LEVEL_RANK[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  const bindings = options.bindings ?? {};

  const log = (level: LogLevel, msg: string, fields: LogFields = {}): void => {
    if (LEVEL_RANK[level] < minRank) return;
    const record = { time: now().toISOString(), level, msg, ...bindings, ...fields };
    write(`${JSON.stringify(record, errorReplacer)}\n`);
  };

  return {
    debug: (msg, fields) => { log('debug', msg, fields); },
    info: (msg, fields) => { log('info', msg, fields); },
    warn: (msg, fields) => { log('warn', msg, fields); },
    error: (msg, fields) => { log('error', msg, fields); },
    child: (extra) => createLogger({ ...options, bindings: { ...bindings, ...extra } }),
  };
}

/** A logger that drops everything: for tests and library callers that did not ask for logs. */
export const silentLogger: Logger = createLogger({ write: () => undefined });

// Error objects stringify to {} by default; keep what helps a reader.
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
  }
  return value;
}
