import pino from 'pino';

/**
 * Severity of a log line, in increasing order.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Structured logger: one JSON object per line with `level`, `time`, `service`, the given fields and
 * `msg`.
 *
 * ### Examples
 * ```ts
 * declare const logger: RouterLogger;
 * logger.warn('flush failed', { log: 'predictions', rows: 5000, error: 'connection refused' });
 * // {"level":"warn","time":"2026-…","service":"router","log":"predictions",…,"msg":"flush failed"}
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

function withErrorsReduced(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields))
    out[key] =
      value instanceof Error ? { message: value.message, name: value.name, stack: value.stack } : value;
  return out;
}

/**
 * A {@link RouterLogger} (pino underneath) writing JSON lines at or above `level` to `sink` (stdout
 * by default, see {@link stdoutSink}). A sink that throws drops the line (reported to `onDropped`)
 * and never fails the caller. Error values in fields, under any key, are reduced to their message
 * and stack, which stay in the log and never reach a client.
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
  const destination = {
    write(chunk: string): void {
      try {
        output(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk);
      } catch {
        onDropped('error');
      }
    },
  };
  const logger = pino(
    {
      level,
      base: { service: 'router' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  const write =
    (lvl: LogLevel) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (!logger.isLevelEnabled(lvl)) return;
      if (fields === undefined) logger[lvl](msg);
      else logger[lvl](withErrorsReduced(fields), msg);
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    isEnabled: (lvl) => logger.isLevelEnabled(lvl),
  };
}
