import type { Db } from '../../../db/database';
import { raiseRouterAlert, type RouterAlertInput } from '../../../db/repositories/routing-alert.repository';
import type { RouterLogger } from '../observability/router-logger';

/**
 * Raises operator alerts (table `alerts`) without ever blocking a request: `raise` returns at once,
 * the insert happens in the background, and alerts that could not be stored (PostgreSQL down) are
 * retried every few seconds. The dedupe key makes every router's copy of the same open alert one
 * row. Nothing is remembered once stored: callers raise on a transition (a version becomes broken,
 * a problem appears), and the table decides whether it is new, so a condition that was acknowledged
 * and comes back alerts again.
 *
 * ### Examples
 * ```ts
 * declare const db: Db;
 * declare const logger: RouterLogger;
 * const alerts = new RouterAlerts(db, logger);
 * alerts.raise({ severity: 'critical', kind: 'model_version_broken', modelId: '1', experimentId: null,
 *   message: 'version 4 of btc-1h failed to load', details: {}, dedupeKey: 'router:model_version_broken:9' });
 * ```
 */
export class RouterAlerts {
  private readonly pending = new Map<string, RouterAlertInput>();
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    private readonly logger: RouterLogger,
    private readonly retryMs = 5_000,
  ) {}

  raise(alert: RouterAlertInput): void {
    if (this.pending.has(alert.dedupeKey)) return;
    // Bounded: an outage that breaks many versions must not grow memory without limit.
    if (this.pending.size >= 1_000) return;
    this.pending.set(alert.dedupeKey, alert);
    this.logger.warn('alert', {
      kind: alert.kind,
      severity: alert.severity,
      message: alert.message,
      dedupeKey: alert.dedupeKey,
    });
    void this.drain();
  }

  /** Resolves when every alert raised before the call has been tried once (tests). */
  async settle(): Promise<void> {
    await this.draining;
    if (this.pending.size > 0) await this.drain();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private drain(): Promise<void> {
    this.draining ??= this.drainOnce().finally(() => {
      this.draining = null;
    });
    return this.draining;
  }

  private async drainOnce(): Promise<void> {
    // Alerts raised while a pass runs are tried in the same pass; failed ones wait for the timer.
    const tried = new Set<string>();
    for (;;) {
      const next = [...this.pending].find(([key]) => !tried.has(key));
      if (next === undefined) break;
      const [key, alert] = next;
      tried.add(key);
      try {
        await raiseRouterAlert(this.db, alert);
        this.pending.delete(key);
      } catch (error) {
        this.logger.debug('alert not stored yet; retrying', {
          dedupeKey: key,
          error: (error as Error).message,
        });
      }
    }
    if (this.pending.size > 0 && this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.drain();
      }, this.retryMs);
      this.timer.unref();
    }
  }
}
