import { InputError, TransientError } from '../../../errors';
import { DatabaseDeadlineError, withDeadline } from '../../../db/connection';
import type { Db } from '../../../db/database';
import {
  recordOutcomes,
  type OutcomeInput,
  type OutcomeStatus,
} from '../../../db/repositories/routing-outcome.repository';
import type { UnmatchedOutcomeReason } from '../../../db/tables/unmatched-outcomes.table';
import { isDataError } from '../logs/batch-log';
import type { RouterLogger } from '../observability/router-logger';

// Outcomes are the ground truth experiments are judged on, so unlike predictions they are never
// buffered: a request is answered 202 only after its rows are committed. To still reach tens of
// thousands of outcomes per second, concurrent requests are group-committed: while `concurrency`
// statements run, the next requests queue, and all of them go in the next statement (one commit,
// one fsync, for many requests). An idle router commits a lone request at once (no timer, no added
// latency). A little concurrency lets one statement execute while another waits for its fsync.

/**
 * Anything whose pending (not yet committed) ids can be flushed: the prediction and assignment logs.
 *
 * ### Examples
 * ```ts
 * declare const predictionLog: PendingIdSource;
 * const source: PendingIdSource = predictionLog; // BatchLog implements it
 * ```
 */
export interface PendingIdSource {
  isPending(id: string): boolean;
  flushIds(ids: readonly string[]): Promise<void>;
  /** Whether the source dropped the row with this id (buffer full, refused). */
  wasDropped?(id: string): boolean;
}

/**
 * Thrown (rejected) when outcomes could not be committed. A retry is safe either way (storage is
 * idempotent per prediction id). `mayHaveBeenStored` is false when the statement was never sent or
 * PostgreSQL itself refused it (rolled back): nothing was recorded. It is true when the statement
 * was sent and no answer came in time (a frozen or unreachable server): it may still commit, and
 * a retry then answers those items `duplicate`.
 *
 * ### Examples
 * ```ts
 * declare const committer: OutcomeCommitter;
 * declare const items: Parameters<OutcomeCommitter['submit']>[0];
 * await committer.submit(items); // rejects OutcomeStorageError 'outcomes not stored: connect ECONNREFUSED …'
 * ```
 */
export class OutcomeStorageError extends TransientError {
  override readonly name = 'OutcomeStorageError';
  constructor(
    message: string,
    readonly mayHaveBeenStored: boolean,
  ) {
    super(message);
  }
}

/**
 * Thrown (rejected) for the one request whose outcomes PostgreSQL refused as data (SQLSTATE class
 * 22 or 23): nothing of that request was stored, and the requests committed with it are not
 * affected. Retrying the same request fails the same way.
 *
 * ### Examples
 * ```ts
 * declare const committer: OutcomeCommitter;
 * declare const items: Parameters<OutcomeCommitter['submit']>[0];
 * await committer.submit(items); // rejects OutcomeRefusedError 'new row … violates check constraint …'
 * ```
 */
export class OutcomeRefusedError extends InputError {
  override readonly name = 'OutcomeRefusedError';
  readonly failureType = 'DataValidationError';
}

const DEADLOCK = new Set(['40P01', '40001']);
// The predictions the outcomes refer to could not be written first: the outcome statement was
// never sent.
const PENDING_FLUSH_FAILED = 'GALFRIDAY_PENDING_FLUSH_FAILED';
// Errors raised before anything reached the server.
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  PENDING_FLUSH_FAILED,
]);

// Whether a failed commit may still have stored its rows.
function mayHaveBeenStored(error: unknown): boolean {
  if (error instanceof DatabaseDeadlineError) return error.statementSent;
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown };
  // PostgreSQL answered with an error: the statement's transaction was rolled back.
  if (typeof severity === 'string') return false;
  return !(typeof code === 'string' && NOT_CONNECTED.has(code));
}

/**
 * Options of {@link OutcomeCommitter}.
 *
 * ### Examples
 * ```ts
 * declare const assignmentLog: PendingIdSource;
 * declare const onDatabase: (up: boolean) => void;
 * declare const predictionLog: PendingIdSource;
 * declare const db: Db;
 * declare const logger: RouterLogger;
 * new OutcomeCommitter({ db, pendingSources: [predictionLog, assignmentLog], maxBatch: 10_000, timeoutMs: 10_000, logger, onDatabase });
 * ```
 */
export interface OutcomeCommitterOptions {
  readonly db: Db;
  /** Logs whose unflushed rows an outcome may refer to; they are flushed first. */
  readonly pendingSources: readonly PendingIdSource[];
  /** Most outcome items per statement (one request is never split). */
  readonly maxBatch: number;
  /**
   * Deadline of a commit, waiting for a connection and flushing the predictions it refers to
   * included. At the deadline the statement is abandoned and its connection destroyed; the
   * request is answered 503 (see OutcomeStorageError for what may have been stored).
   */
  readonly timeoutMs: number;
  /** Statements in flight at once. @default 2 */
  readonly concurrency?: number;
  readonly logger: RouterLogger;
  onDatabase(up: boolean): void;
  /**
   * True while PostgreSQL is known not to answer (the readiness probe failed): requests are then
   * refused at once (503, nothing recorded) instead of each waiting for the deadline.
   */
  isDatabaseDown?(): boolean;
  /** Called after a commit with the reason of each outcome kept in unmatched_outcomes. */
  onUnmatched?(reasons: readonly UnmatchedOutcomeReason[]): void;
}

/**
 * What happened to one submitted outcome; `unmatchedReason` says why an `unknown` one has no
 * prediction (it is kept in unmatched_outcomes).
 *
 * ### Examples
 * ```ts
 * const result: OutcomeResult = { status: 'unknown', unmatchedReason: 'prediction_dropped' };
 * ```
 */
export interface OutcomeResult {
  status: OutcomeStatus;
  unmatchedReason?: UnmatchedOutcomeReason;
}

interface Waiting {
  items: readonly OutcomeInput[];
  resolve(results: OutcomeResult[]): void;
  reject(error: Error): void;
}

/**
 * Group-commits outcome batches from concurrent requests, one statement at a time.
 *
 * ### Examples
 * ```ts
 * declare const predictionId: string;
 * declare const options: OutcomeCommitterOptions;
 * const committer = new OutcomeCommitter(options);
 * await committer.submit([{ predictionId, correct: true, tradeReturn: null, signalGenerated: null }]); // ['recorded']
 * ```
 */
export class OutcomeCommitter {
  private queue: Waiting[] = [];
  private running = 0;

  constructor(private readonly options: OutcomeCommitterOptions) {}

  /**
   * Commits the items (one result per item, in order) or rejects with {@link OutcomeStorageError}
   * or {@link OutcomeRefusedError}.
   */
  submit(items: readonly OutcomeInput[]): Promise<OutcomeResult[]> {
    if (this.options.isDatabaseDown?.() === true) {
      return Promise.reject(
        new OutcomeStorageError('outcomes not stored: PostgreSQL does not answer its readiness probe', false),
      );
    }
    return new Promise<OutcomeResult[]>((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      if (this.running < (this.options.concurrency ?? 2)) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running++;
    try {
      while (this.queue.length > 0) {
        const group: Waiting[] = [];
        let count = 0;
        while (
          this.queue.length > 0 &&
          (group.length === 0 || count + this.queue[0]!.items.length <= this.options.maxBatch)
        ) {
          const next = this.queue.shift()!;
          group.push(next);
          count += next.items.length;
        }
        await this.commit(group);
      }
    } finally {
      this.running--;
    }
  }

  private async commit(group: Waiting[]): Promise<void> {
    // A prediction id reported twice in one statement would be inserted twice; the first report
    // wins and later copies are answered like a repeated report.
    const firstIndex = new Map<string, number>();
    const unique: OutcomeInput[] = [];
    for (const waiting of group) {
      for (const item of waiting.items) {
        if (!firstIndex.has(item.predictionId)) {
          firstIndex.set(item.predictionId, unique.length);
          unique.push(item);
        }
      }
    }
    let statuses: OutcomeStatus[];
    let reasons: UnmatchedOutcomeReason[];
    try {
      ({ statuses, reasons } = await withDeadline(this.options.timeoutMs, () =>
        this.storeRetryingDeadlock(unique),
      ));
      this.options.onDatabase(true);
    } catch (error) {
      if (isDataError(error)) {
        // PostgreSQL refused a row: the database is fine, one request is not. Halving the group
        // finds it in O(log n) statements (as the batched logs do), and only it is refused.
        this.options.onDatabase(true);
        if (group.length === 1) {
          this.options.logger.warn('outcomes refused by PostgreSQL', {
            items: unique.length,
            error: (error as Error).message,
          });
          group[0]!.reject(new OutcomeRefusedError((error as Error).message));
          return;
        }
        const middle = Math.ceil(group.length / 2);
        await this.commit(group.slice(0, middle));
        await this.commit(group.slice(middle));
        return;
      }
      this.options.onDatabase(false);
      this.options.logger.warn('outcomes not stored', {
        items: unique.length,
        error: (error as Error).message,
      });
      const failure = new OutcomeStorageError(
        `outcomes not stored: ${(error as Error).message}`,
        mayHaveBeenStored(error),
      );
      for (const waiting of group) waiting.reject(failure);
      return;
    }
    const answered = new Set<string>();
    const unmatched: UnmatchedOutcomeReason[] = [];
    for (const waiting of group) {
      waiting.resolve(
        waiting.items.map((item): OutcomeResult => {
          const index = firstIndex.get(item.predictionId)!;
          const status = statuses[index]!;
          if (status === 'unknown') {
            if (!answered.has(item.predictionId)) unmatched.push(reasons[index]!);
            answered.add(item.predictionId);
            return { status, unmatchedReason: reasons[index]! };
          }
          if (answered.has(item.predictionId)) return { status: 'duplicate' };
          answered.add(item.predictionId);
          return { status };
        }),
      );
    }
    if (unmatched.length > 0) this.options.onUnmatched?.(unmatched);
  }

  // A deadlock (or serialization failure) with another writer of the same ids is retried once: it
  // says nothing about these outcomes, and the second attempt almost always passes.
  private async storeRetryingDeadlock(
    items: readonly OutcomeInput[],
  ): Promise<{ statuses: OutcomeStatus[]; reasons: UnmatchedOutcomeReason[] }> {
    try {
      return await this.store(items);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (typeof code !== 'string' || !DEADLOCK.has(code)) throw error;
      this.options.logger.warn('outcome commit deadlocked; retrying once', { items: items.length, code });
      // A moment's pause lets the transaction that won go on first; retrying at once could meet it
      // again in the same cycle.
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 60));
      return this.store(items);
    }
  }

  private async store(
    items: readonly OutcomeInput[],
  ): Promise<{ statuses: OutcomeStatus[]; reasons: UnmatchedOutcomeReason[] }> {
    // An outcome can outrun the batched log of its own prediction (flush interval ~200 ms): flush
    // those rows first, so a known id is never answered "unknown".
    const ids = items.map((i) => i.predictionId);
    for (const source of this.options.pendingSources) {
      const pending = ids.filter((id) => source.isPending(id));
      if (pending.length === 0) continue;
      try {
        await source.flushIds(pending);
      } catch (error) {
        throw Object.assign(
          new Error(
            `the predictions these outcomes refer to could not be written: ${(error as Error).message}`,
          ),
          { code: PENDING_FLUSH_FAILED },
        );
      }
    }
    const reasons = ids.map((id): UnmatchedOutcomeReason =>
      this.options.pendingSources.some((source) => source.wasDropped?.(id) === true)
        ? 'prediction_dropped'
        : 'no_prediction',
    );
    return { statuses: await recordOutcomes(this.options.db, items, reasons), reasons };
  }
}
