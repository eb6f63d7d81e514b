/**
 * Severity of a log line, in increasing order.
 *
 * ### Examples
 * ```ts
 * const level: LogLevel = 'warn';
 * ```
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Structured logger: one JSON object per line with `time`, `level`, `msg` and the given fields.
 *
 * ### Examples
 * ```ts
 * logger.warn('flush failed', { log: 'predictions', rows: 5000, error: 'connection refused' });
 * // {"time":"2026-…","level":"warn","service":"router","msg":"flush failed","log":"predictions",…}
 * ```
 */
export interface RouterLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  isEnabled(level: LogLevel): boolean;
}

/**
 * A {@link RouterLogger} writing JSON lines at or above `level` to `sink` (stdout by default).
 * Error values in fields are reduced to their message and stack, which stay in the log and never
 * reach a client.
 *
 * ### Examples
 * ```ts
 * const logger = createRouterLogger('info', (line) => lines.push(line));
 * logger.debug('ignored'); // below 'info': nothing written
 * logger.info('listening', { url: 'http://127.0.0.1:8080' });
 * ```
 */
export function createRouterLogger(
  level: LogLevel,
  sink: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): RouterLogger {
  const threshold = RANK[level];
  const write = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (RANK[lvl] < threshold) return;
    const record: Record<string, unknown> = {
      time: new Date().toISOString(),
      level: lvl,
      service: 'router',
      msg,
    };
    if (fields) {
      for (const [key, value] of Object.entries(fields)) {
        record[key] =
          value instanceof Error ? { message: value.message, name: value.name, stack: value.stack } : value;
      }
    }
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify({
        time: record.time,
        level: lvl,
        service: 'router',
        msg,
        unserializableFields: true,
      });
    }
    sink(line);
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    isEnabled: (lvl) => RANK[lvl] >= threshold,
  };
}
