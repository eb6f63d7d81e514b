import type { Kysely } from 'kysely';
import type { Database } from '../../../db/database';
import {
  recordOutcomes,
  type OutcomeInput,
  type OutcomeStatus,
} from '../../../db/repositories/routing-outcome.repository';
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
 * const source: PendingIdSource = predictionLog; // BatchLog implements it
 * ```
 */
export interface PendingIdSource {
  isPending(id: string): boolean;
  flushIds(ids: readonly string[]): Promise<void>;
}

/**
 * Thrown (rejected) when outcomes could not be committed; nothing in the request may be assumed
 * stored, and a retry is safe (storage is idempotent per prediction id).
 *
 * ### Examples
 * ```ts
 * await committer.submit(items); // rejects OutcomeStorageError 'outcomes not stored: connect ECONNREFUSED …'
 * ```
 */
export class OutcomeStorageError extends Error {
  override readonly name = 'OutcomeStorageError';
}

/**
 * Options of {@link OutcomeCommitter}.
 *
 * ### Examples
 * ```ts
 * new OutcomeCommitter({ db, pendingSources: [predictionLog, assignmentLog], maxBatch: 10_000, timeoutMs: 10_000, logger, onDatabase });
 * ```
 */
export interface OutcomeCommitterOptions {
  readonly db: Kysely<Database>;
  /** Logs whose unflushed rows an outcome may refer to; they are flushed first. */
  readonly pendingSources: readonly PendingIdSource[];
  /** Most outcome items per statement (one request is never split). */
  readonly maxBatch: number;
  /** A commit slower than this is answered as a failure (it may still land; retrying is harmless). */
  readonly timeoutMs: number;
  /** Statements in flight at once. @default 2 */
  readonly concurrency?: number;
  readonly logger: RouterLogger;
  onDatabase(up: boolean): void;
}

interface Waiting {
  items: readonly OutcomeInput[];
  resolve(statuses: OutcomeStatus[]): void;
  reject(error: Error): void;
}

/**
 * Group-commits outcome batches from concurrent requests, one statement at a time.
 *
 * ### Examples
 * ```ts
 * const committer = new OutcomeCommitter(options);
 * await committer.submit([{ predictionId, correct: true, tradeReturn: null, signalGenerated: null }]); // ['recorded']
 * ```
 */
export class OutcomeCommitter {
  private queue: Waiting[] = [];
  private running = 0;

  constructor(private readonly options: OutcomeCommitterOptions) {}

  /** Commits the items (one status per item, in order) or rejects with {@link OutcomeStorageError}. */
  submit(items: readonly OutcomeInput[]): Promise<OutcomeStatus[]> {
    return new Promise<OutcomeStatus[]>((resolve, reject) => {
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
    try {
      statuses = await this.withTimeout(this.store(unique));
      this.options.onDatabase(true);
    } catch (error) {
      this.options.onDatabase(false);
      this.options.logger.warn('outcomes not stored', {
        items: unique.length,
        error: (error as Error).message,
      });
      const failure = new OutcomeStorageError(`outcomes not stored: ${(error as Error).message}`);
      for (const waiting of group) waiting.reject(failure);
      return;
    }
    const answered = new Set<string>();
    for (const waiting of group) {
      waiting.resolve(
        waiting.items.map((item) => {
          const status = statuses[firstIndex.get(item.predictionId)!]!;
          if (answered.has(item.predictionId)) return status === 'unknown' ? 'unknown' : 'duplicate';
          answered.add(item.predictionId);
          return status;
        }),
      );
    }
  }

  private async store(items: readonly OutcomeInput[]): Promise<OutcomeStatus[]> {
    // An outcome can outrun the batched log of its own prediction (flush interval ~200 ms): flush
    // those rows first, so a known id is never answered "unknown".
    const ids = items.map((i) => i.predictionId);
    for (const source of this.options.pendingSources) {
      const pending = ids.filter((id) => source.isPending(id));
      if (pending.length > 0) await source.flushIds(pending);
    }
    return recordOutcomes(this.options.db, items);
  }

  private withTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no commit within ${this.options.timeoutMs} ms`)),
          this.options.timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  }
}
