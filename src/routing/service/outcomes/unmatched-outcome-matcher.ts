import { withDeadline } from '../../../db/connection';
import type { Db } from '../../../db/database';
import {
  matchUnmatchedOutcomes,
  type MatchedOutcomes,
} from '../../../db/repositories/unmatched-outcome.repository';
import type { RouterLogger } from '../observability/router-logger';

/**
 * Options of {@link UnmatchedOutcomeMatcher}.
 *
 * ### Examples
 * ```ts
 * declare const db: Db;
 * declare const logger: RouterLogger;
 * new UnmatchedOutcomeMatcher({ db, intervalMs: 5_000, timeoutMs: 5_000, logger });
 * ```
 */
export interface UnmatchedOutcomeMatcherOptions {
  readonly db: Db;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly logger: RouterLogger;
}

/**
 * Every `intervalMs`, stores the outcomes kept in `unmatched_outcomes` whose prediction or
 * assignment has been logged since (a flush delayed by an outage, another router's buffer), so an
 * outcome that arrived first is not lost. One statement on a partial index: nearly free when
 * nothing is open.
 *
 * ### Examples
 * ```ts
 * declare const options: UnmatchedOutcomeMatcherOptions;
 * const matcher = new UnmatchedOutcomeMatcher(options);
 * matcher.start();
 * await matcher.matchNow(); // { matched: 1, duplicates: 0 }
 * ```
 */
export class UnmatchedOutcomeMatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<MatchedOutcomes> | null = null;

  constructor(private readonly options: UnmatchedOutcomeMatcherOptions) {}

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => void this.matchNow().catch(() => undefined), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One matching pass (shared with one already running); rejects with the database error. */
  matchNow(): Promise<MatchedOutcomes> {
    this.running ??= (async () => {
      try {
        const result = await withDeadline(this.options.timeoutMs, () =>
          matchUnmatchedOutcomes(this.options.db),
        );
        if (result.matched + result.duplicates > 0)
          this.options.logger.info('unmatched outcomes matched to predictions logged since', { ...result });
        return result;
      } catch (error) {
        this.options.logger.debug('matching unmatched outcomes failed', { error: (error as Error).message });
        throw error;
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }
}
