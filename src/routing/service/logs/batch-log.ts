import type { RouterLogger } from '../observability/router-logger';
import { EncodedRowQueue, type EncodedRowBatch, type RowEncoder } from './encoded-row-queue';

const DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024 * 1024;

/**
 * Ids of dropped rows a log remembers (about 6 MB at most), so that an outcome for one is kept
 * with the reason `prediction_dropped` rather than `no_prediction`.
 */
export const REMEMBERED_DROPPED_IDS = 100_000;

// Predictions and assignments are written off the hot path: a request encodes its row into memory
// and answers; a single flusher per log commits up to `maxBatch` rows per statement, every
// `flushIntervalMs` or as soon as a full batch is waiting. Memory is bounded by `maxBuffered` rows:
// when PostgreSQL is slow or down the buffer fills, retries back off, and rows beyond the bound are
// dropped and counted (a prediction must never wait on, or fail because of, its log). One flusher at
// a time is the backpressure towards PostgreSQL: the log never has more than one statement in flight.
// Rows stay in the queue until their batch is committed, so a failed write has nothing to put back.

/**
 * Counters and gauges a {@link BatchLog} reports to.
 *
 * ### Examples
 * ```ts
 * const metrics: BatchLogMetrics = { flushed: () => {}, dropped: () => {}, lag: () => {}, buffered: () => {}, databaseUp: () => {} };
 * ```
 */
export interface BatchLogMetrics {
  flushed(rows: number): void;
  dropped(reason: 'overflow' | 'rejected', rows: number): void;
  /** Seconds between the oldest row of a batch being appended and its commit. */
  lag(seconds: number): void;
  buffered(rows: number): void;
  databaseUp(up: boolean): void;
}

/**
 * Options of a {@link BatchLog}.
 *
 * ### Examples
 * ```ts
 * import type { PredictionLogRow } from '../../../db/repositories/routing-log.repository';
 * import { copyPredictions } from '../../../db/repositories/routing-log.repository';
 * import { predictionEncoder } from '../../../db/repositories/routing-log.repository';
 * declare const logger: RouterLogger;
 * declare const metrics: BatchLogMetrics;
 * declare const pool: import('pg').Pool;
 * const options: BatchLogOptions<PredictionLogRow> = { name: 'predictions', encoder: predictionEncoder,
 *   write: (batch) => copyPredictions(pool, batch.payload), maxBuffered: 200_000, maxBatch: 5_000,
 *   flushIntervalMs: 200, metrics, logger };
 * ```
 */
export interface BatchLogOptions<Row> {
  readonly name: string;
  /** Encodes a row into the bytes `write` receives, when it is appended. */
  readonly encoder: RowEncoder<Row>;
  /** Commits the batch's rows in one statement; resolves only once they are durable. */
  write(batch: EncodedRowBatch): Promise<void>;
  readonly maxBuffered: number;
  /** Bytes the waiting rows may take (wide feature vectors reach it before `maxBuffered`). @default 256 MiB */
  readonly maxBufferedBytes?: number;
  readonly maxBatch: number;
  readonly flushIntervalMs: number;
  /** Longest wait between retries while PostgreSQL fails. @default 5000 */
  readonly maxBackoffMs?: number;
  readonly metrics: BatchLogMetrics;
  readonly logger: RouterLogger;
}

/**
 * True for errors PostgreSQL raised about the data itself (SQLSTATE class 22 data exception or 23
 * integrity violation, e.g. an experiment deleted while its rows waited): retrying the same rows
 * would fail forever, so the batch is split to find and drop the bad ones. Everything else
 * (connection refused, server shutting down, timeouts) is transient and retried.
 *
 * ### Examples
 * ```ts
 * isDataError({ code: '23503' }); // true (foreign key violation)
 * isDataError(new Error('connect ECONNREFUSED 127.0.0.1:5432')); // false
 * ```
 */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length === 5 && (code.startsWith('22') || code.startsWith('23'));
}

/**
 * A bounded in-memory log committed to PostgreSQL in batches by one background flusher.
 *
 * ### Examples
 * ```ts
 * declare const metrics: BatchLogMetrics;
 * declare const logger: RouterLogger;
 * import { copyPredictions } from '../../../db/repositories/routing-log.repository';
 * import { predictionEncoder } from '../../../db/repositories/routing-log.repository';
 * declare const id: string;
 * declare const pool: import('pg').Pool;
 * declare const row: import('../../../db/repositories/routing-log.repository').PredictionLogRow;
 * const log = new BatchLog({ name: 'predictions', encoder: predictionEncoder, write: (batch) => copyPredictions(pool, batch.payload),
 *   maxBuffered: 200_000, maxBatch: 5_000, flushIntervalMs: 200, metrics, logger });
 * log.start();
 * log.append(id, Date.now(), row); // true: buffered (false: dropped, buffer full)
 * log.isPending(id);       // true until committed
 * await log.flush();       // everything appended so far is committed (or this throws)
 * await log.stop(5_000);   // last flush on shutdown
 * ```
 */
export class BatchLog<Row> {
  private readonly queue: EncodedRowQueue<Row>;
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private stopped = false;
  private lastDropWarning = 0;
  /** Ids of rows dropped recently (bounded), so an outcome for one can say why it has no prediction. */
  private readonly droppedIds = new Set<string>();

  constructor(private readonly options: BatchLogOptions<Row>) {
    this.queue = new EncodedRowQueue(options.encoder);
  }

  /** Starts the periodic flusher. */
  start(): void {
    this.stopped = false;
    this.schedule(this.options.flushIntervalMs);
  }

  /** Rows waiting in memory (buffered or being written). */
  get size(): number {
    return this.queue.length;
  }

  /**
   * Buffers a row, encoded at once (the row object is not kept); false when the buffer is full and
   * the row was dropped (counted). Never blocks.
   */
  append(id: string, atMs: number, row: Row): boolean {
    if (
      this.queue.length >= this.options.maxBuffered ||
      this.queue.byteLength >= (this.options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES)
    ) {
      this.rememberDropped(id);
      this.options.metrics.dropped('overflow', 1);
      this.warnAtMostEvery10s('log buffer full: dropping rows', {
        buffered: this.size,
        bytes: this.queue.byteLength,
      });
      return false;
    }
    try {
      this.queue.push(id, atMs, row);
    } catch (error) {
      // A row that cannot be encoded (an id out of range) is this row's problem, not the request's:
      // the prediction is still answered, and the row is counted as refused.
      this.rememberDropped(id);
      this.options.metrics.dropped('rejected', 1);
      this.warnAtMostEvery10s('row could not be encoded; dropped', { id, error: (error as Error).message });
      return false;
    }
    if (this.queue.length >= this.options.maxBatch && this.flushing === null && this.failures === 0) {
      this.background();
    }
    return true;
  }

  private warnAtMostEvery10s(message: string, details: Record<string, unknown>): void {
    const now = Date.now();
    if (now - this.lastDropWarning <= 10_000) return;
    this.lastDropWarning = now;
    this.options.logger.warn(message, { log: this.options.name, ...details });
  }

  /** Whether this log dropped the row with this id (among the last {@link REMEMBERED_DROPPED_IDS}). */
  wasDropped(id: string): boolean {
    return this.droppedIds.has(id);
  }

  private rememberDropped(id: string): void {
    this.droppedIds.add(id);
    // A Set iterates in insertion order: the first is the oldest.
    if (this.droppedIds.size > REMEMBERED_DROPPED_IDS)
      this.droppedIds.delete(this.droppedIds.values().next().value!);
  }

  /** Whether a row with this id was appended and is not committed yet. */
  isPending(id: string): boolean {
    return this.queue.has(id);
  }

  /**
   * Commits everything appended before the call. Rejects with the database error when a write
   * fails; the rows stay buffered for the next attempt.
   */
  async flush(): Promise<void> {
    const newest = this.queue.newestId;
    if (newest !== null) await this.flushIds([newest]);
    else if (this.flushing !== null) await this.flushing;
  }

  /**
   * Commits at least the rows with these ids (and every row appended before them: the log is
   * FIFO). Resolves at once when none is pending; rejects with the database error when a write fails.
   */
  async flushIds(ids: readonly string[]): Promise<void> {
    while (ids.some((id) => this.queue.has(id))) {
      if (this.flushing !== null) await this.flushing;
      else await this.run();
    }
  }

  /** Stops the timer and tries a last flush for at most `timeoutMs`; returns the rows left unwritten. */
  async stop(timeoutMs: number): Promise<number> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const deadline = Date.now() + timeoutMs;
    while (this.size > 0 && Date.now() < deadline) {
      try {
        await Promise.race([
          this.flush(),
          new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())).unref()),
        ]);
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    if (this.size > 0)
      this.options.logger.error('rows lost at shutdown', { log: this.options.name, rows: this.size });
    return this.size;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.queue.length > 0 && this.flushing === null) this.background();
      else this.schedule(this.options.flushIntervalMs);
    }, delayMs);
    this.timer.unref();
  }

  private background(): void {
    this.run().then(
      () => {
        // A backlog (after an outage, or under load) drains batch after batch without waiting.
        if (this.queue.length >= this.options.maxBatch && this.flushing === null) this.background();
        else this.schedule(this.options.flushIntervalMs);
      },
      () => {
        const backoff = Math.min(
          this.options.flushIntervalMs * 2 ** this.failures,
          this.options.maxBackoffMs ?? 5_000,
        );
        this.schedule(backoff);
      },
    );
  }

  // Writes one batch (the oldest `maxBatch` rows). Only one runs at a time.
  private run(): Promise<void> {
    // An empty run would finish synchronously and clear `flushing` before it is even set.
    if (this.queue.length === 0) return Promise.resolve();
    const flushing = (async () => {
      try {
        const batch = this.queue.peek(this.options.maxBatch);
        try {
          await this.writeIsolatingBadRows(batch);
        } catch (error) {
          // The rows not written yet are still at the front of the queue: the next attempt retries
          // them first.
          this.failures++;
          this.options.metrics.databaseUp(false);
          if (this.failures === 1 || this.failures % 20 === 0) {
            this.options.logger.warn('log flush failed; keeping rows and retrying', {
              log: this.options.name,
              buffered: this.queue.length,
              failures: this.failures,
              error: (error as Error).message,
            });
          }
          this.options.metrics.buffered(this.queue.length);
          throw error;
        }
        this.options.metrics.buffered(this.queue.length);
        if (this.failures > 0)
          this.options.logger.info('log flush recovered', {
            log: this.options.name,
            failures: this.failures,
          });
        this.failures = 0;
        this.options.metrics.databaseUp(true);
        this.options.metrics.lag((Date.now() - batch.firstAtMs) / 1000);
      } finally {
        this.flushing = null;
      }
    })();
    this.flushing = flushing;
    return flushing;
  }

  // Rows leave the queue as soon as they are committed or refused, so that a transient failure in
  // the middle of isolating a bad row retries only what is left. Parts are written in order, so
  // they are always the front of the queue.
  private settled(batch: EncodedRowBatch, written: boolean): void {
    this.queue.shift(batch.count);
    if (written) this.options.metrics.flushed(batch.count);
    else {
      for (const id of batch.ids) this.rememberDropped(id);
      this.options.metrics.dropped('rejected', batch.count);
    }
  }

  // A data error fails the whole statement; halving the batch finds the bad rows in O(bad × log n)
  // statements, so one poison row costs a few extra round trips instead of blocking the log.
  private async writeIsolatingBadRows(batch: EncodedRowBatch): Promise<void> {
    try {
      await this.options.write(batch);
      this.settled(batch, true);
    } catch (error) {
      if (!isDataError(error)) throw error;
      if (batch.count === 1) {
        this.settled(batch, false);
        this.options.logger.error('row refused by PostgreSQL; dropped', {
          log: this.options.name,
          id: batch.ids[0],
          error: (error as Error).message,
        });
        return;
      }
      const middle = Math.ceil(batch.count / 2);
      await this.writeIsolatingBadRows(batch.slice(0, middle));
      await this.writeIsolatingBadRows(batch.slice(middle, batch.count));
    }
  }
}
