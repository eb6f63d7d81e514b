import { pingDatabase, withDeadline } from '../../../db/connection';
import type { Db } from '../../../db/database';
import type { RouterLogger } from './router-logger';

/**
 * Options of {@link DatabaseProbe}.
 *
 * ### Examples
 * ```ts
 * declare const setDatabaseUp: (up: boolean) => void;
 * declare const db: Db;
 * declare const logger: RouterLogger;
 * new DatabaseProbe({ db, intervalMs: 1_000, timeoutMs: 2_000, logger, onResult: setDatabaseUp });
 * ```
 */
export interface DatabaseProbeOptions {
  readonly db: Db;
  readonly intervalMs: number;
  /** A probe not answered within this counts as PostgreSQL down. */
  readonly timeoutMs: number;
  readonly logger: RouterLogger;
  onResult(up: boolean): void;
}

/**
 * Asks PostgreSQL `SELECT 1` every `intervalMs`, with a deadline. Without it, a server that hangs
 * instead of refusing (frozen, a partition that drops packets) looks up for as long as no
 * statement happens to time out: `/readyz` said `database: up` ten seconds into a freeze. With it,
 * readiness and the outcome fast path know within `intervalMs + timeoutMs`.
 *
 * ### Examples
 * ```ts
 * declare const options: DatabaseProbeOptions;
 * const probe = new DatabaseProbe(options);
 * probe.start();
 * probe.up; // false once a probe failed or timed out, true again at the next answer
 * probe.stop();
 * ```
 */
export class DatabaseProbe {
  private timer: NodeJS.Timeout | null = null;
  private inFlight = false;
  private lastUp = true;

  constructor(private readonly options: DatabaseProbeOptions) {}

  /** The last probe's answer (true before the first). */
  get up(): boolean {
    return this.lastUp;
  }

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => void this.probe(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Probes once now (tests, and the interval). */
  async probe(): Promise<boolean> {
    if (this.inFlight) return this.lastUp;
    this.inFlight = true;
    let up: boolean;
    try {
      await withDeadline(this.options.timeoutMs, () => pingDatabase(this.options.db));
      up = true;
    } catch (error) {
      up = false;
      if (this.lastUp)
        this.options.logger.warn('PostgreSQL does not answer', { error: (error as Error).message });
    } finally {
      this.inFlight = false;
    }
    if (up && !this.lastUp) this.options.logger.info('PostgreSQL answers again');
    this.lastUp = up;
    this.options.onResult(up);
    return up;
  }
}
