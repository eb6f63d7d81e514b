/**
 * Severity of a log line, in increasing order.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Structured logger: one JSON object per line with `time`, `level`, `msg` and the given fields.
 *
 * ### Examples
 * ```ts
 * declare const logger: RouterLogger;
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
 * Why a log line was not written, as counted in `galfriday_router_log_lines_dropped_total{reason}`:
 * the output failed (ENOSPC, EPIPE: from then on every line is dropped), or it is not being read
 * and already holds {@link MAX_PENDING_LOG_BYTES}.
 */
export type DroppedLineReason = 'error' | 'backpressure';

/**
 * Bytes of log lines stdout may hold unwritten (a pipe nobody reads) before lines are dropped.
 */
export const MAX_PENDING_LOG_BYTES = 8 * 1024 * 1024;

let stdoutFailed = false;
let stdoutWatched = false;

/**
 * A sink writing lines to stdout that never throws and never lets a write error crash the process:
 * a full disk (ENOSPC) or a closed pipe (EPIPE) would otherwise end the router, losing its
 * buffered log rows, for the sake of a log line. Lines that cannot be written are dropped and
 * reported to `onDropped`.
 *
 * ### Examples
 * ```ts
 * import type { RouterMetrics } from './router-metrics';
 * declare const metrics: RouterMetrics;
 * const sink = stdoutSink((reason) => metrics.droppedLogLines.labels(reason).inc());
 * sink('{"msg":"hello"}');
 * ```
 */
export function stdoutSink(onDropped: (reason: DroppedLineReason) => void): (line: string) => void {
  const out = process.stdout;
  if (!stdoutWatched) {
    // One listener for the process, however many routers it runs: after an error the stream is
    // destroyed, and every later line is dropped.
    stdoutWatched = true;
    out.on('error', () => {
      stdoutFailed = true;
    });
  }
  return (line) => {
    if (stdoutFailed || out.destroyed) {
      onDropped('error');
      return;
    }
    if (out.writableLength > MAX_PENDING_LOG_BYTES) {
      onDropped('backpressure');
      return;
    }
    try {
      out.write(`${line}\n`);
    } catch {
      onDropped('error');
    }
  };
}

/**
 * A {@link RouterLogger} writing JSON lines at or above `level` to `sink` (stdout by default, see
 * {@link stdoutSink}). A sink that throws drops the line (reported to `onDropped`) and never
 * fails the caller. Error values in fields are reduced to their message and stack, which stay in
 * the log and never reach a client.
 *
 * ### Examples
 * ```ts
 * const lines: string[] = [];
 * const logger = createRouterLogger('info', (line) => lines.push(line));
 * logger.debug('ignored'); // below 'info': nothing written
 * logger.info('listening', { url: 'http://127.0.0.1:8080' });
 * ```
 */
export function createRouterLogger(
  level: LogLevel,
  sink?: (line: string) => void,
  onDropped: (reason: DroppedLineReason) => void = () => undefined,
): RouterLogger {
  const output = sink ?? stdoutSink(onDropped);
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
    try {
      output(line);
    } catch {
      onDropped('error');
    }
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    isEnabled: (lvl) => RANK[lvl] >= threshold,
  };
}
