import type { RoutingSnapshot } from '../config/routing-snapshot';
import type { VersionLoadSpec } from '../inference/model-session-cache';
import { brokenVersionAlert } from './broken-version-alert';
import type { RouterAlerts } from './router-alerts';

/**
 * Raises `model_version_broken` alerts whose text matches the configuration that routes to the
 * version. A version that fails while being preloaded belongs to a configuration not served yet
 * (the store swaps it in once preloading ends), so a load failure waits for the next snapshot, at
 * most `settleMs`, before the alert is written; a run failure is described at once.
 *
 * ### Examples
 * ```ts
 * import type { ConfigStore } from '../config/config-store';
 * import type { ModelSessionCacheOptions } from '../inference/model-session-cache';
 * declare const store: ConfigStore;
 * declare const alerts: Pick<RouterAlerts, 'raise'>;
 * const broken = new BrokenVersionAlerts({ alerts, snapshot: () => store.snapshot, settleMs: 1_000 });
 * const cacheOptions: Partial<ModelSessionCacheOptions> = { onBroken: (spec, phase, error) => broken.onBroken(spec, phase, error) };
 * ```
 */
export class BrokenVersionAlerts {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly options: {
      readonly alerts: Pick<RouterAlerts, 'raise'>;
      snapshot(): RoutingSnapshot | null;
      /** Longest a load failure waits for the configuration being preloaded. */
      readonly settleMs: number;
      /** Poll period while waiting. @default 25 */
      readonly pollMs?: number;
    },
  ) {}

  onBroken(spec: VersionLoadSpec, phase: 'load' | 'run', error: Error): void {
    const { alerts, snapshot } = this.options;
    if (phase === 'run') {
      alerts.raise(brokenVersionAlert(spec, phase, error, snapshot()));
      return;
    }
    const before = snapshot();
    const deadline = Date.now() + this.options.settleMs;
    const check = (): void => {
      const current = snapshot();
      if (current !== before || Date.now() >= deadline) {
        alerts.raise(brokenVersionAlert(spec, phase, error, current));
        return;
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        check();
      }, this.options.pollMs ?? 25);
      timer.unref();
      this.timers.add(timer);
    };
    check();
  }

  /** Drops the alerts still waiting (shutdown). */
  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
