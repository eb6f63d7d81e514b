import type { ArmStatisticsRow } from '../../../db/repositories/routing-outcome.repository';
import { compileEpsilonGreedy, murmur3, thompsonWeights } from '../../allocation';
import { createRng } from '../../../stats/random';
import type { RoutingPolicy } from './routing-policy';

// Adaptive strategies are served through the sticky hash with weights recomputed once per epoch
// (floor(now / reweightInterval)). Every router computes an epoch from the outcomes recorded before
// the epoch's start and seeds the Thompson draws with murmur3(`${experimentId}:${epoch}`), so all
// instances behind a load balancer derive the same weights and send a unit to the same arm.

/**
 * What {@link computeAdaptiveWeights} needs to know about an experiment.
 *
 * ### Examples
 * ```ts
 * declare const policy: RoutingPolicy;
 * const input: AdaptiveExperiment = { experimentId: 'e1', strategy: 'thompson', primaryMetric: 'accuracy', variants: ['a', 'b'], configuredWeights: [0.5, 0.5], policy };
 * ```
 */
export interface AdaptiveExperiment {
  readonly experimentId: string;
  readonly strategy: 'thompson' | 'epsilon_greedy';
  readonly primaryMetric: 'accuracy' | 'return';
  readonly variants: readonly string[];
  readonly configuredWeights: readonly number[];
  readonly policy: RoutingPolicy;
}

/**
 * Weights for one epoch, and whether they moved away from the configured ones.
 *
 * ### Examples
 * ```ts
 * const w: AdaptiveWeights = { epoch: 1931, weights: [0.2, 0.8], updated: true, reason: 'reweighted from 10000 posterior draws' };
 * ```
 */
export interface AdaptiveWeights {
  readonly epoch: number;
  readonly weights: number[];
  readonly updated: boolean;
  readonly reason: string;
}

/**
 * The epoch an instant belongs to for an experiment's reweighting interval.
 *
 * ### Examples
 * ```ts
 * adaptiveEpoch(1_700_000_000_000, 900_000); // 1888888
 * ```
 */
export function adaptiveEpoch(nowMs: number, intervalMs: number): number {
  return Math.floor(nowMs / intervalMs);
}

/**
 * Derives an adaptive experiment's weights for an epoch from per-arm outcome statistics (as of the
 * epoch start). Accuracy experiments use Bernoulli rewards (labelled outcomes, correct ones);
 * return experiments Gaussian rewards (mean and variance of trade returns). Until every arm has
 * `minUnitsPerArm` outcomes the configured weights are served. Thompson: top-two batch weights
 * floored per arm; epsilon-greedy: 1 − ε to the best arm, ε shared by the others.
 *
 * ### Examples
 * ```ts
 * declare const experiment: AdaptiveExperiment;
 * computeAdaptiveWeights(experiment, [
 *   { variant: 'a', labelled: 400, correct: 200, returnsN: 0, returnMean: null, returnVariance: null },
 *   { variant: 'b', labelled: 400, correct: 280, returnsN: 0, returnMean: null, returnVariance: null },
 * ], 7);
 * // thompson: { weights: [0.01…, 0.98…], updated: true, … }; epsilon_greedy (ε 0.1): { weights: [0.1, 0.9], … }
 * ```
 */
export function computeAdaptiveWeights(
  experiment: AdaptiveExperiment,
  stats: readonly ArmStatisticsRow[],
  epoch: number,
): AdaptiveWeights {
  const byVariant = new Map(stats.map((s) => [s.variant, s]));
  const bernoulli = experiment.primaryMetric === 'accuracy';
  const arms = experiment.variants.map((variant) => {
    const s = byVariant.get(variant);
    return bernoulli
      ? {
          n: s?.labelled ?? 0,
          successes: s?.correct ?? 0,
          mean: s && s.labelled > 0 ? s.correct / s.labelled : 0,
          variance: 0,
        }
      : { n: s?.returnsN ?? 0, successes: 0, mean: s?.returnMean ?? 0, variance: s?.returnVariance ?? 0 };
  });
  const { policy } = experiment;
  const short = arms.findIndex((a) => a.n < policy.minUnitsPerArm);
  if (short >= 0) {
    return {
      epoch,
      weights: experiment.configuredWeights.slice(),
      updated: false,
      reason: `arm ${experiment.variants[short]} has ${arms[short]!.n} outcomes; every arm needs ${policy.minUnitsPerArm}`,
    };
  }
  if (experiment.strategy === 'epsilon_greedy') {
    const weights = compileEpsilonGreedy({
      variants: experiment.variants,
      epsilon: policy.epsilon,
      direction: policy.direction,
    }).weights(arms.map((a) => ({ n: a.n, mean: a.mean })));
    return {
      epoch,
      weights,
      updated: true,
      reason: `epsilon-greedy (ε ${policy.epsilon}) on ${bernoulli ? 'accuracy' : 'mean return'}`,
    };
  }
  const rng = createRng(murmur3(`${experiment.experimentId}:${epoch}`));
  const common = {
    configuredWeights: experiment.configuredWeights,
    rng,
    floor: Math.min(policy.floor, 1 / experiment.variants.length),
    minUnitsPerArm: policy.minUnitsPerArm,
    // With two arms every draw ranks one first and the other second, so top-two weights are always
    // 50/50; top-two only explores usefully from three arms on.
    mode:
      policy.thompsonMode === 'auto'
        ? experiment.variants.length === 2
          ? ('best' as const)
          : ('top-two' as const)
        : policy.thompsonMode,
    direction: policy.direction,
  };
  const result = bernoulli
    ? thompsonWeights({
        ...common,
        reward: 'bernoulli',
        arms: arms.map((a) => ({ n: a.n, successes: a.successes })),
      })
    : thompsonWeights({
        ...common,
        reward: 'gaussian',
        arms: arms.map((a) => ({ n: a.n, mean: a.mean, variance: a.variance })),
      });
  return { epoch, weights: result.weights, updated: result.updated, reason: result.reason };
}
