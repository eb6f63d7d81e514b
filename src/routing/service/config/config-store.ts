import { withDeadline } from '../../../db/connection';
import type { Db } from '../../../db/database';
import { loadRoutingConfigRows } from '../../../db/repositories/routing-config.repository';
import type { ModelSessionCache } from '../inference/model-session-cache';
import type { RouterLogger } from '../observability/router-logger';
import type { RouterMetrics } from '../observability/router-metrics';
import type { AdaptiveReweighter } from './adaptive-reweighter';
import { ConfigListener } from './config-listener';
import { buildRoutingSnapshot, type RoutingSnapshot, type SnapshotProblem } from './routing-snapshot';

/**
 * Why a reload ran, as counted in `galfriday_router_config_reloads_total{trigger}`.
 */
export type ReloadTrigger = 'startup' | 'notify' | 'reconnect' | 'periodic' | 'admin';

/**
 * Options of {@link ConfigStore}.
 *
 * ### Examples
 * ```ts
 * declare const onDatabase: (up: boolean) => void;
 * declare const onProblems: (problems: readonly SnapshotProblem[]) => void;
 * declare const databaseUrl: string;
 * declare const db: Db;
 * declare const logger: RouterLogger;
 * declare const metrics: RouterMetrics;
 * declare const reweighter: AdaptiveReweighter;
 * declare const sessions: ModelSessionCache;
 * new ConfigStore({ db, databaseUrl, sessions, reweighter, metrics, logger, refreshIntervalMs: 10_000, preloadTimeoutMs: 800, debounceMs: 10, onProblems, onDatabase });
 * ```
 */
export interface ConfigStoreOptions {
  readonly db: Db;
  readonly databaseUrl: string;
  readonly sessions: ModelSessionCache;
  readonly reweighter: AdaptiveReweighter;
  readonly metrics: RouterMetrics;
  readonly logger: RouterLogger;
  /** Full reload period, the safety net for missed notifications. */
  readonly refreshIntervalMs: number;
  /** Longest a reload waits for new versions' ONNX sessions before serving the new configuration. */
  readonly preloadTimeoutMs: number;
  /** Notifications within this window are coalesced into one reload (a workflow moves several rows). */
  readonly debounceMs: number;
  /** Deadline of reading the configuration; a reload past it fails and the previous one keeps serving. @default 5000 */
  readonly reloadTimeoutMs?: number;
  onProblems(problems: readonly SnapshotProblem[]): void;
  onDatabase(up: boolean): void;
}

/**
 * The live configuration of one router: loads a {@link RoutingSnapshot} at start, reloads it on
 * every `galfriday_config` notification (coalesced), after the listener reconnects and
 * periodically; a failed reload keeps serving the previous snapshot, so a PostgreSQL outage
 * freezes the configuration instead of breaking routing.
 *
 * ### Examples
 * ```ts
 * declare const options: ConfigStoreOptions;
 * const store = new ConfigStore(options);
 * await store.start();            // resolves after the first load (or keeps retrying in the background)
 * store.snapshot?.models.get('btc-1h');
 * await store.reload('admin');    // force one now
 * ```
 */
export class ConfigStore {
  private current: RoutingSnapshot | null = null;
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private queuedTrigger: ReloadTrigger = 'notify';
  private debounce: NodeJS.Timeout | null = null;
  private periodic: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private readonly listener: ConfigListener;
  private stopped = false;
  private lastSuccess = 0;

  constructor(private readonly options: ConfigStoreOptions) {
    this.listener = new ConfigListener({
      databaseUrl: options.databaseUrl,
      logger: options.logger,
      onChange: () => this.requestReload('notify'),
      onReconnect: () => this.requestReload('reconnect'),
    });
    options.metrics.configAge.labels().set(0);
  }

  /** The configuration being served, or null before the first successful load. */
  get snapshot(): RoutingSnapshot | null {
    return this.current;
  }

  /** Whether the LISTEN connection is up. */
  get listening(): boolean {
    return this.listener.isListening;
  }

  /** Seconds since the last successful load (Infinity before the first). */
  get ageSeconds(): number {
    return this.lastSuccess === 0 ? Infinity : (Date.now() - this.lastSuccess) / 1000;
  }

  /**
   * Loads the configuration once (waiting for it), then starts listening and the periodic refresh.
   * When the first load fails it keeps retrying in the background; `snapshot` stays null meanwhile.
   */
  async start(): Promise<void> {
    this.stopped = false;
    this.listener.start();
    this.schedulePeriodic();
    try {
      await this.reload('startup');
    } catch {
      this.scheduleStartupRetry(250);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of [this.debounce, this.periodic, this.retry]) if (timer !== null) clearTimeout(timer);
    await this.listener.stop();
    await this.running?.catch(() => undefined);
  }

  /** Schedules a reload after the debounce window; errors are logged and counted, never thrown. */
  requestReload(trigger: ReloadTrigger): void {
    if (this.stopped || this.debounce !== null) return;
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.reload(trigger).catch(() => undefined);
    }, this.options.debounceMs);
    this.debounce.unref();
  }

  /**
   * Reloads now. Concurrent calls coalesce: a call made while a reload runs waits for one more
   * reload that starts after it, so it always sees changes committed before it was made.
   */
  reload(trigger: ReloadTrigger): Promise<void> {
    if (this.running !== null) {
      this.queuedTrigger = trigger;
      this.queued ??= this.running
        .catch(() => undefined)
        .then(() => {
          this.queued = null;
          return this.reload(this.queuedTrigger);
        });
      return this.queued;
    }
    const run = this.load(trigger).finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }

  private async load(trigger: ReloadTrigger): Promise<void> {
    const { metrics, logger } = this.options;
    try {
      const rows = await withDeadline(this.options.reloadTimeoutMs ?? 5_000, () =>
        loadRoutingConfigRows(this.options.db),
      );
      const snapshot = buildRoutingSnapshot(rows, {
        metrics,
        weightsFor: (id) => this.options.reweighter.weightsFor(id),
        now: Date.now(),
      });
      // New versions are loaded before the snapshot that routes to them is served, so a promotion
      // does not make the first requests wait for onnxruntime; a slow load does not hold it back.
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        this.options.sessions.preload(snapshot.versions),
        new Promise<void>((resolve) => {
          timeout = setTimeout(resolve, this.options.preloadTimeoutMs);
        }),
      ]);
      clearTimeout(timeout);
      this.current = snapshot;
      this.lastSuccess = Date.now();
      this.options.sessions.retain(new Set(snapshot.versions.map((v) => v.versionId)));
      metrics.configReloads.labels(trigger, 'ok').inc();
      metrics.configAge.labels().set(0);
      this.options.onDatabase(true);
      this.options.onProblems(snapshot.problems);
      void this.options.reweighter.refreshDue();
      logger.debug('configuration loaded', {
        trigger,
        models: snapshot.models.size,
        problems: snapshot.problems.length,
      });
    } catch (error) {
      metrics.configReloads.labels(trigger, 'error').inc();
      this.options.onDatabase(false);
      logger.warn('configuration reload failed; serving the previous one', {
        trigger,
        error: (error as Error).message,
      });
      throw error;
    }
  }

  private schedulePeriodic(): void {
    if (this.stopped) return;
    this.periodic = setTimeout(() => {
      this.reload('periodic')
        .catch(() => undefined)
        .finally(() => this.schedulePeriodic());
    }, this.options.refreshIntervalMs);
    this.periodic.unref();
  }

  private scheduleStartupRetry(delayMs: number): void {
    if (this.stopped || this.current !== null) return;
    this.retry = setTimeout(() => {
      this.reload('startup').catch(() => this.scheduleStartupRetry(Math.min(delayMs * 2, 5_000)));
    }, delayMs);
    this.retry.unref();
  }
}
