import os from 'node:os';
import type { RouterAlertInput } from '../../../db/repositories/routing-alert.repository';
import type { RouterAlerts } from './router-alerts';

/**
 * Options of {@link DroppedRowsAlerts}.
 *
 * ### Examples
 * ```ts
 * declare const alerts: Pick<RouterAlerts, 'raise'>;
 * const options: DroppedRowsAlertsOptions = { alerts, log: 'predictions', intervalMs: 300_000 };
 * ```
 */
export interface DroppedRowsAlertsOptions {
  readonly alerts: Pick<RouterAlerts, 'raise'>;
  /** The batched log whose rows are counted (`predictions`, `assignments`). */
  readonly log: string;
  /** At most one alert per this period. @default 300000 (5 min) */
  readonly intervalMs?: number;
  /** Names this router in the alert and its dedupe key. @default `<hostname>:<pid>` */
  readonly instance?: string;
  /** Clock (tests). @default Date.now */
  now?(): number;
}

/**
 * Raises a `log_rows_dropped` alert when a batched log drops rows (buffer full during a PostgreSQL
 * outage, or rows PostgreSQL refused), at most one per `intervalMs` per log and router: the first
 * drop after a quiet period alerts at once, later ones are counted and reported together when the
 * period ends, each alert with the rows dropped since the previous one. The counter
 * `galfriday_router_log_dropped_rows_total` keeps counting every row regardless.
 *
 * ### Examples
 * ```ts
 * declare const alerts: Pick<RouterAlerts, 'raise'>;
 * const dropped = new DroppedRowsAlerts({ alerts, log: 'predictions' });
 * dropped.note('overflow', 120); // alert: 120 rows dropped
 * dropped.note('overflow', 30);  // counted; reported with the next alert, at most 5 min later
 * ```
 */
export class DroppedRowsAlerts {
  private readonly intervalMs: number;
  private readonly instance: string;
  private readonly now: () => number;
  private counts = { overflow: 0, rejected: 0 };
  private since = 0;
  private lastAlertAt = -Infinity;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: DroppedRowsAlertsOptions) {
    this.intervalMs = options.intervalMs ?? 300_000;
    this.instance = options.instance ?? `${os.hostname()}:${process.pid}`;
    this.now = options.now ?? Date.now;
  }

  /** Counts dropped rows; raises now when no alert went out in the last period, else schedules one. */
  note(reason: 'overflow' | 'rejected', rows: number): void {
    if (!(rows > 0)) return;
    if (this.counts.overflow + this.counts.rejected === 0) this.since = this.now();
    this.counts[reason] += rows;
    const wait = this.lastAlertAt + this.intervalMs - this.now();
    if (wait <= 0) {
      this.raise();
      return;
    }
    if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flushDue();
      }, wait);
      this.timer.unref();
    }
  }

  /** Raises the alert for rows counted since the last one, if its period is over (the timer's job). */
  flushDue(): void {
    if (this.counts.overflow + this.counts.rejected === 0) return;
    if (this.now() - this.lastAlertAt < this.intervalMs) return;
    this.raise();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private raise(): void {
    const at = this.now();
    const { overflow, rejected } = this.counts;
    const total = overflow + rejected;
    const parts = [
      ...(overflow > 0 ? [`${overflow} because the buffer was full (PostgreSQL slow or down)`] : []),
      ...(rejected > 0 ? [`${rejected} refused by PostgreSQL`] : []),
    ];
    const alert: RouterAlertInput = {
      severity: 'warning',
      kind: 'log_rows_dropped',
      modelId: null,
      experimentId: null,
      message:
        `router ${this.instance} dropped ${total} ${this.options.log} row${total === 1 ? '' : 's'} since ` +
        `${new Date(this.since).toISOString()}: ${parts.join(', ')}; they are not in the ${this.options.log} log ` +
        `(at most one such alert every ${Math.round(this.intervalMs / 1000)} s per router and log)`,
      details: {
        log: this.options.log,
        instance: this.instance,
        overflow,
        rejected,
        since: new Date(this.since).toISOString(),
      },
      dedupeKey: `router:log_rows_dropped:${this.options.log}:${this.instance}:${at}`,
    };
    this.options.alerts.raise(alert);
    this.lastAlertAt = at;
    this.counts = { overflow: 0, rejected: 0 };
  }
}
