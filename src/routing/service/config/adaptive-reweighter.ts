import type { Db } from '../../../db/database';
import { armStatistics } from '../../../db/repositories/routing-outcome.repository';
import { recordServedWeights } from '../../../db/repositories/routing-log.repository';
import { compileAssigner } from '../../allocation';
import type { RouterLogger } from '../observability/router-logger';
import { adaptiveEpoch, computeAdaptiveWeights } from './adaptive-weights';
import type { ExperimentRoute, RoutingSnapshot } from './routing-snapshot';

/**
 * Options of {@link AdaptiveReweighter}.
 *
 * ### Examples
 * ```ts
 * import type { ConfigStore } from './config-store';
 * declare const store: ConfigStore;
 * declare const db: Db;
 * declare const logger: RouterLogger;
 * new AdaptiveReweighter({ db, snapshot: () => store.snapshot, logger, tickMs: 200 });
 * ```
 */
export interface AdaptiveReweighterOptions {
  readonly db: Db;
  snapshot(): RoutingSnapshot | null;
  readonly logger: RouterLogger;
  /** How often epochs are checked. @default 200 */
  readonly tickMs?: number;
  readonly now?: () => number;
}

/**
 * Recomputes the weights of thompson and epsilon_greedy experiments once per epoch (see
 * adaptive-weights.ts) off the hot path, swaps a newly compiled assigner into the live
 * experiment route, and records the epoch's served weights (experiment_served_weights). A failed computation (PostgreSQL down) keeps the previous weights.
 *
 * ### Examples
 * ```ts
 * declare const options: AdaptiveReweighterOptions;
 * const reweighter = new AdaptiveReweighter(options);
 * reweighter.start();
 * await reweighter.refreshAll(); // recompute the current epoch now (tests, /admin/reload)
 * ```
 */
export class AdaptiveReweighter {
  private readonly weights = new Map<
    string,
    { epoch: number; weights: number[]; reason: string; updated: boolean }
  >();
  private readonly running = new Set<string>();
  private readonly lastFailure = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: AdaptiveReweighterOptions) {}

  /** Weights computed for an experiment (kept across configuration reloads). */
  weightsFor(experimentId: string): { epoch: number; weights: readonly number[] } | null {
    return this.weights.get(experimentId) ?? null;
  }

  /** The latest computation per experiment, for `/admin/config`. */
  describe(
    experimentId: string,
  ): { epoch: number; weights: readonly number[]; reason: string; updated: boolean } | null {
    return this.weights.get(experimentId) ?? null;
  }

  start(): void {
    const tick = (): void => {
      void this.refreshDue().finally(() => {
        if (this.timer !== null) this.timer = setTimeout(tick, this.options.tickMs ?? 200).unref();
      });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Recomputes every adaptive experiment whose epoch has turned (or all of them with `force`). */
  async refreshDue(force = false): Promise<void> {
    const snapshot = this.options.snapshot();
    if (snapshot === null) return;
    const now = (this.options.now ?? Date.now)();
    const due: Array<Promise<void>> = [];
    for (const model of snapshot.models.values()) {
      const route = model.experiment;
      if (route === null || (route.strategy !== 'thompson' && route.strategy !== 'epsilon_greedy')) continue;
      const interval = route.policy.reweightIntervalMs;
      const epoch = adaptiveEpoch(now, interval);
      if (!force && route.weightsEpoch === epoch) continue;
      // Outcomes committed just before the cut-off need a moment to become visible everywhere.
      if (now - epoch * interval < Math.min(1_000, interval / 4) && route.weightsEpoch !== null && !force)
        continue;
      if (this.running.has(route.experimentId)) continue;
      if (!force && now - (this.lastFailure.get(route.experimentId) ?? 0) < 2_000) continue;
      due.push(this.refresh(route, epoch, interval));
    }
    await Promise.all(due);
  }

  /** Forces a recomputation of the current epoch for every adaptive experiment. */
  refreshAll(): Promise<void> {
    return this.refreshDue(true);
  }

  // The served weights per epoch are what the per-epoch SRM of the analysis compares counts with.
  // Failing to record them only leaves that epoch unchecked; the weights are served regardless.
  private async recordServed(
    route: ExperimentRoute,
    epoch: number,
    interval: number,
    weights: readonly number[],
  ): Promise<void> {
    try {
      await recordServedWeights(this.options.db, {
        experimentId: route.experimentId,
        epochStartMs: epoch * interval,
        epochEndMs: (epoch + 1) * interval,
        weights: Object.fromEntries(route.arms.map((a, i) => [a.variant, weights[i] ?? 0])),
      });
    } catch (error) {
      this.options.logger.warn(
        'could not record the served adaptive weights; this epoch goes unchecked for SRM',
        {
          experimentId: route.experimentId,
          epoch,
          error: (error as Error).message,
        },
      );
    }
  }

  private async refresh(route: ExperimentRoute, epoch: number, interval: number): Promise<void> {
    this.running.add(route.experimentId);
    try {
      const stats = await armStatistics(this.options.db, route.experimentId, new Date(epoch * interval));
      const result = computeAdaptiveWeights(
        {
          experimentId: route.experimentId,
          strategy: route.strategy as 'thompson' | 'epsilon_greedy',
          primaryMetric: route.primaryMetric,
          variants: route.arms.map((a) => a.variant),
          configuredWeights: route.configuredWeights,
          policy: route.policy,
        },
        stats,
        epoch,
      );
      route.assigner = compileAssigner({
        salt: route.salt,
        variants: route.arms.map((a) => a.variant),
        weights: result.weights,
        coverage: route.coverage,
        ...(route.layer !== undefined ? { layer: route.layer } : {}),
      });
      route.weightsEpoch = epoch;
      const previous = this.weights.get(route.experimentId);
      this.weights.set(route.experimentId, {
        epoch,
        weights: result.weights,
        reason: result.reason,
        updated: result.updated,
      });
      this.lastFailure.delete(route.experimentId);
      await this.recordServed(route, epoch, interval, result.weights);
      if (
        previous === undefined ||
        previous.weights.some((w, i) => Math.abs(w - (result.weights[i] ?? 0)) > 1e-6)
      ) {
        this.options.logger.info('adaptive weights', {
          experimentId: route.experimentId,
          strategy: route.strategy,
          epoch,
          weights: Object.fromEntries(route.arms.map((a, i) => [a.variant, result.weights[i]])),
          reason: result.reason,
        });
      }
    } catch (error) {
      this.lastFailure.set(route.experimentId, Date.now());
      this.options.logger.warn('adaptive reweighting failed; keeping the previous weights', {
        experimentId: route.experimentId,
        error: (error as Error).message,
      });
    } finally {
      this.running.delete(route.experimentId);
    }
  }
}
