import type { SnapshotProblem } from '../config/routing-snapshot';
import type { RouterAlerts } from './router-alerts';

/**
 * Turns the configuration problems of each loaded snapshot into alerts, raised when a problem
 * appears rather than on every reload: a problem that stays is one alert (which the operator can
 * acknowledge without it coming straight back at the next reload), and one that is fixed and comes
 * back alerts again.
 *
 * ### Examples
 * ```ts
 * import type { RoutingSnapshot } from '../config/routing-snapshot';
 * declare const snapshot: RoutingSnapshot;
 * declare const alerts: Pick<RouterAlerts, 'raise'>;
 * const problems = new ConfigProblemAlerts(alerts);
 * problems.report(snapshot.problems); // raises the new ones
 * problems.report(snapshot.problems); // nothing: already reported
 * ```
 */
export class ConfigProblemAlerts {
  private active = new Set<string>();

  constructor(private readonly alerts: Pick<RouterAlerts, 'raise'>) {}

  report(problems: readonly SnapshotProblem[]): void {
    const now = new Set<string>();
    for (const p of problems) {
      const dedupeKey = `router:${p.kind}:${p.experimentId ?? p.modelId}`;
      now.add(dedupeKey);
      if (this.active.has(dedupeKey)) continue;
      this.alerts.raise({
        severity: 'warning',
        kind: p.kind,
        modelId: p.modelId,
        experimentId: p.experimentId,
        message: `${p.experimentId !== null ? `experiment ${p.experimentId}` : `model id ${p.modelId}`} is not served: ${p.message}`,
        details: { message: p.message },
        dedupeKey,
      });
    }
    this.active = now;
  }
}
