/**
 * Structured logging: JSON lines when LOG_FORMAT=json, readable text otherwise, filtered at LOG_LEVEL.
 * Written to stdout/stderr, which the Functions host forwards to Application Insights in Azure.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface LoggerOptions {
  level: LogLevel | 'silent';
  format: 'json' | 'text';
  /** Where lines go; defaults to stdout (stderr for warn/error). */
  sink?: (line: string, level: LogLevel) => void;
  /** Fields of the moment (e.g. the current trace id), read for every line. */
  contextFields?: () => LogFields;
}

const defaultSink = (line: string, level: LogLevel): void => {
  (level === 'warn' || level === 'error' ? process.stderr : process.stdout).write(line + '\n');
};

function render(format: 'json' | 'text', level: LogLevel, msg: string, fields: LogFields): string {
  if (format === 'json') {
    return JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
  }
  const extra = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}${extra ? ' ' + extra : ''}`;
}

export function createLogger(options: LoggerOptions, base: LogFields = {}): Logger {
  const sink = options.sink ?? defaultSink;
  const min = RANK[options.level];
  const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (RANK[level] < min) return;
    sink(render(options.format, level, msg, { ...options.contextFields?.(), ...base, ...fields }), level);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}
