import type { Kysely } from 'kysely';
import type { Database } from '../../../db/database';
import { raiseRouterAlert, type RouterAlertInput } from '../../../db/repositories/routing-alert.repository';
import type { RouterLogger } from '../observability/router-logger';

/**
 * Raises operator alerts (table `alerts`) without ever blocking a request: `raise` returns at once,
 * the insert happens in the background, and alerts that could not be stored (PostgreSQL down) are
 * retried every few seconds. The dedupe key makes every router's copy of the same alert one row.
 *
 * ### Examples
 * ```ts
 * const alerts = new RouterAlerts(db, logger);
 * alerts.raise({ severity: 'critical', kind: 'model_version_broken', modelId: '1', experimentId: null,
 *   message: 'version 4 of btc-1h failed to load', details: {}, dedupeKey: 'router:model_version_broken:9' });
 * ```
 */
export class RouterAlerts {
  private readonly stored = new Set<string>();
  private readonly pending = new Map<string, RouterAlertInput>();
  private timer: NodeJS.Timeout | null = null;
  private inFlight = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly logger: RouterLogger,
    private readonly retryMs = 5_000,
  ) {}

  raise(alert: RouterAlertInput): void {
    if (this.stored.has(alert.dedupeKey) || this.pending.has(alert.dedupeKey)) return;
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

  /** Resolves when every pending alert has been tried once (tests). */
  async settle(): Promise<void> {
    await this.drain();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private async drain(): Promise<void> {
    if (this.inFlight) return;
    this.inFlight = true;
    try {
      for (const [key, alert] of [...this.pending]) {
        try {
          await raiseRouterAlert(this.db, alert);
          this.pending.delete(key);
          this.stored.add(key);
        } catch (error) {
          this.logger.debug('alert not stored yet; retrying', {
            dedupeKey: key,
            error: (error as Error).message,
          });
        }
      }
    } finally {
      this.inFlight = false;
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
