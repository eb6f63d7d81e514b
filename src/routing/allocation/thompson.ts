import { StatsInputError } from '../../stats/errors';
import type { Rng } from '../../stats/random';
import { validateWeights } from './validation';
import { floorWeights } from './weight-floor';

// Batch Thompson sampling, the GrowthBook bandit design rather than Seldon's per-request draw:
//
//   1. a periodic job (≥ 15 min apart, slower than the config refresh) reads per-arm sufficient
//      statistics and calls `thompsonWeights`;
//   2. until every arm has `minUnitsPerArm` units the configured weights are kept (early posteriors
//      are noise and a 1% arm would take ages to recover);
//   3. otherwise 10,000 joint posterior draws give, per arm, the share of draws in which it is best
//      and (top-two) second best; each arm is floored at 1% so no arm starves;
//   4. the weights are compiled into a hash assigner (`compileAssigner`) and served on the hot path.
//
// Serving through the hash keeps each request O(1) with no sampling, keeps a unit sticky between
// updates, and makes every served decision reproducible from (config, unitId). Per-request sampling
// would cost ~K gamma draws per request and make assignments unrepeatable. A reweighting moves
// range boundaries, so some units switch arms at each update: analyse bandit arms per period.

/**
 * Successes out of `n` Bernoulli trials on one arm (hit / miss, filled / not filled).
 *
 * ### Examples
 * ```ts
 * const arm: BernoulliArm = { n: 1000, successes: 540 };
 * ```
 */
export interface BernoulliArm {
  readonly n: number;
  readonly successes: number;
}

/**
 * Sufficient statistics of a continuous reward on one arm (PnL per decision, slippage in bp).
 *
 * ### Examples
 * ```ts
 * const arm: GaussianArm = { n: 500, mean: 1.8, variance: 42.3 };
 * ```
 */
export interface GaussianArm {
  readonly n: number;
  readonly mean: number;
  /** Unbiased sample variance of the rewards. */
  readonly variance: number;
}

/**
 * How the batch weights are formed from the posterior draws.
 *
 * - `top-two`: (#best + #second best) / 2M per arm (GrowthBook's default). It targets finding the
 *   best arm; note that with two arms it is always 50/50.
 * - `best`: P(best) per arm, classic Thompson allocation, which shifts traffic to the leader.
 */
export type ThompsonMode = 'top-two' | 'best';

/**
 * Settings shared by both reward models.
 *
 * ### Examples
 * ```ts
 * import { createRng } from '../../stats/random';
 * const common: ThompsonCommonInput = { configuredWeights: [0.5, 0.5], rng: createRng(1) };
 * ```
 */
export interface ThompsonCommonInput {
  /** The weights the experiment was configured with, returned unchanged until every arm has enough units. */
  readonly configuredWeights: readonly number[];
  /** Source of the posterior draws; seed it to make an update reproducible. */
  readonly rng: Rng;
  /**
   * Joint posterior draws per update.
   * @default 10000
   */
  readonly draws?: number;
  /**
   * Minimum weight of every arm after the update, in [0, 1/K].
   * @default 0.01
   */
  readonly floor?: number;
  /**
   * Units every arm needs before weights move away from `configuredWeights`.
   * @default 100
   */
  readonly minUnitsPerArm?: number;
  /** @default 'top-two' */
  readonly mode?: ThompsonMode;
  /**
   * Whether a higher or a lower reward is better (e.g. slippage: 'lower').
   * @default 'higher'
   */
  readonly direction?: 'higher' | 'lower';
}

/**
 * Beta–Bernoulli model: arm k's success probability ~ Beta(α + s_k, β + n_k − s_k).
 *
 * ### Examples
 * ```ts
 * import { createRng } from '../../stats/random';
 * const input: ThompsonBernoulliInput = {
 *   reward: 'bernoulli',
 *   arms: [{ n: 400, successes: 210 }, { n: 400, successes: 240 }],
 *   configuredWeights: [0.5, 0.5],
 *   rng: createRng(1),
 * };
 * ```
 */
export interface ThompsonBernoulliInput extends ThompsonCommonInput {
  readonly reward: 'bernoulli';
  readonly arms: readonly BernoulliArm[];
  /** @default { alpha: 1, beta: 1 } (uniform) */
  readonly prior?: { readonly alpha: number; readonly beta: number };
}

/**
 * Gaussian model: arm k's mean reward ~ N(m_k, 1/Λ_k) with Λ_k = 1/σ₀² + n_k/s_k² and
 * m_k = (μ₀/σ₀² + (n_k/s_k²)·x̄_k)/Λ_k, the sample variance s_k² plugged in as known (GrowthBook).
 *
 * ### Examples
 * ```ts
 * import { createRng } from '../../stats/random';
 * const input: ThompsonGaussianInput = {
 *   reward: 'gaussian',
 *   arms: [{ n: 300, mean: 1.2, variance: 40 }, { n: 300, mean: 2.0, variance: 44 }],
 *   configuredWeights: [0.5, 0.5],
 *   rng: createRng(1),
 * };
 * ```
 */
export interface ThompsonGaussianInput extends ThompsonCommonInput {
  readonly reward: 'gaussian';
  readonly arms: readonly GaussianArm[];
  /**
   * Reward variance to use for every arm instead of the per-arm sample variances. Without it, an arm
   * whose sample variance is 0 borrows the pooled variance of all arms.
   */
  readonly knownVariance?: number;
  /** @default { mean: 0, variance: 1e4 } (GrowthBook's weak prior) */
  readonly prior?: { readonly mean: number; readonly variance: number };
}

/**
 * Input of {@link thompsonWeights}: one of the two reward models.
 *
 * ### Examples
 * ```ts
 * declare const arms: readonly BernoulliArm[];
 * declare const rng: Rng;
 * const input: ThompsonInput = { reward: 'bernoulli', arms, configuredWeights: [0.5, 0.5], rng };
 * ```
 */
export type ThompsonInput = ThompsonBernoulliInput | ThompsonGaussianInput;

/**
 * Outcome of a Thompson update.
 *
 * ### Examples
 * ```ts
 * // { weights: [0.01, 0.99], updated: true, probabilityBest: [0.0004, 0.9996], reason: 'reweighted from 10000 posterior draws' }
 * ```
 */
export interface ThompsonResult {
  /** Weights to serve: index-aligned with the arms, each ≥ floor when updated, summing to 1. */
  readonly weights: number[];
  /** False when the configured weights were returned because some arm lacked units. */
  readonly updated: boolean;
  /** Share of draws in which each arm was best; null when not updated (no draws are made). */
  readonly probabilityBest: number[] | null;
  readonly reason: string;
}

function positiveFinite(field: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new StatsInputError(field, `must be a finite number > 0, got ${value}`);
  }
}

function countOf(field: string, value: number): void {
  if (!Number.isInteger(value) || value < 0)
    throw new StatsInputError(field, `must be an integer >= 0, got ${value}`);
}

// Per-arm posterior as a sampler closure over its parameters.
function posteriorSamplers(input: ThompsonInput): Array<() => number> {
  const { rng } = input;
  if (input.reward === 'bernoulli') {
    const alpha = input.prior?.alpha ?? 1;
    const beta = input.prior?.beta ?? 1;
    positiveFinite('prior.alpha', alpha);
    positiveFinite('prior.beta', beta);
    return input.arms.map((arm) => {
      const a = alpha + arm.successes;
      const b = beta + arm.n - arm.successes;
      return () => rng.beta(a, b);
    });
  }
  const priorMean = input.prior?.mean ?? 0;
  const priorVariance = input.prior?.variance ?? 1e4;
  if (!Number.isFinite(priorMean))
    throw new StatsInputError('prior.mean', `must be a finite number, got ${priorMean}`);
  positiveFinite('prior.variance', priorVariance);
  let variances: number[];
  if (input.knownVariance !== undefined) {
    positiveFinite('knownVariance', input.knownVariance);
    variances = input.arms.map(() => input.knownVariance!);
  } else {
    let ss = 0;
    let df = 0;
    for (const arm of input.arms) {
      if (arm.n < 2) continue;
      ss += (arm.n - 1) * arm.variance;
      df += arm.n - 1;
    }
    const pooled = df > 0 ? ss / df : 0;
    if (input.arms.some((arm) => arm.n > 0 && arm.variance === 0) && !(pooled > 0)) {
      throw new StatsInputError('arms', 'every arm has zero sample variance; pass knownVariance');
    }
    // A constant arm over ≥ 100 units is far more likely a low-variance reward than a noiseless one;
    // taking its variance as 0 would make its posterior a point mass and freeze the allocation.
    variances = input.arms.map((arm) => (arm.variance > 0 ? arm.variance : pooled));
  }
  return input.arms.map((arm, i) => {
    const dataPrecision = arm.n === 0 ? 0 : arm.n / variances[i]!;
    const precision = 1 / priorVariance + dataPrecision;
    const mean = (priorMean / priorVariance + dataPrecision * arm.mean) / precision;
    const sd = Math.sqrt(1 / precision);
    return () => mean + sd * rng.normal();
  });
}

function validateArms(input: ThompsonInput): void {
  if (!Array.isArray(input.arms) || input.arms.length === 0)
    throw new StatsInputError('arms', 'must have at least 1 arm, got 0');
  input.arms.forEach((arm, i) => {
    countOf(`arms[${i}].n`, arm.n);
    if (input.reward === 'bernoulli') {
      const { successes } = arm as BernoulliArm;
      countOf(`arms[${i}].successes`, successes);
      if (successes > arm.n)
        throw new StatsInputError(`arms[${i}].successes`, `must be at most n (${arm.n}), got ${successes}`);
    } else {
      const { mean, variance } = arm as GaussianArm;
      if (!Number.isFinite(mean))
        throw new StatsInputError(`arms[${i}].mean`, `must be a finite number, got ${mean}`);
      if (!Number.isFinite(variance) || variance < 0) {
        throw new StatsInputError(`arms[${i}].variance`, `must be a finite number >= 0, got ${variance}`);
      }
    }
  });
}

/**
 * Batch Thompson-sampling weights for a bandit experiment, computed periodically and then served
 * through a hash assigner: the configured weights until every arm has `minUnitsPerArm` units,
 * afterwards top-two (or P(best)) shares from 10,000 posterior draws, each arm floored at 1%.
 *
 * ### Examples
 * ```ts
 * import { createRng } from '../../stats/random';
 * declare const rng: Rng;
 * thompsonWeights({
 *   reward: 'bernoulli',
 *   arms: [{ n: 5000, successes: 2500 }, { n: 5000, successes: 2750 }, { n: 5000, successes: 2000 }],
 *   configuredWeights: [1 / 3, 1 / 3, 1 / 3],
 *   rng: createRng(1),
 *   mode: 'best',
 * });
 * // { weights: [0.01, 0.98, 0.01], updated: true, probabilityBest: [0, 1, 0], reason: 'reweighted from 10000 posterior draws' }
 * thompsonWeights({ reward: 'bernoulli', arms: [{ n: 99, successes: 50 }, { n: 400, successes: 200 }], configuredWeights: [0.5, 0.5], rng });
 * // { weights: [0.5, 0.5], updated: false, probabilityBest: null, reason: 'arm 0 has 99 units; every arm needs 100 before reweighting' }
 * ```
 */
export function thompsonWeights(input: ThompsonInput): ThompsonResult {
  if (input.reward !== 'bernoulli' && input.reward !== 'gaussian') {
    throw new StatsInputError(
      'reward',
      `must be 'bernoulli' or 'gaussian', got ${JSON.stringify((input as { reward: unknown }).reward)}`,
    );
  }
  validateArms(input);
  const k = input.arms.length;
  validateWeights(input.configuredWeights, k, 'configuredWeights');
  const draws = input.draws ?? 10_000;
  if (!Number.isInteger(draws) || draws < 1)
    throw new StatsInputError('draws', `must be an integer >= 1, got ${draws}`);
  const floor = input.floor ?? 0.01;
  if (typeof floor !== 'number' || !(floor >= 0) || floor * k > 1 + 1e-12) {
    throw new StatsInputError('floor', `must be in [0, 1/${k}] for ${k} arms, got ${floor}`);
  }
  const minUnits = input.minUnitsPerArm ?? 100;
  countOf('minUnitsPerArm', minUnits);
  const mode = input.mode ?? 'top-two';
  if (mode !== 'top-two' && mode !== 'best')
    throw new StatsInputError('mode', `must be 'top-two' or 'best', got ${JSON.stringify(mode)}`);
  const direction = input.direction ?? 'higher';
  if (direction !== 'higher' && direction !== 'lower') {
    throw new StatsInputError('direction', `must be 'higher' or 'lower', got ${JSON.stringify(direction)}`);
  }

  const short = input.arms.findIndex((arm) => arm.n < minUnits);
  if (short >= 0) {
    return {
      weights: input.configuredWeights.slice(),
      updated: false,
      probabilityBest: null,
      reason: `arm ${short} has ${input.arms[short]!.n} units; every arm needs ${minUnits} before reweighting`,
    };
  }

  const samplers = posteriorSamplers(input);
  const sign = direction === 'higher' ? 1 : -1;
  const bestCounts = new Float64Array(k);
  const secondCounts = new Float64Array(k);
  for (let d = 0; d < draws; d++) {
    // Strict comparisons: on an exact tie the lower index ranks first, deterministically.
    let best = -1;
    let second = -1;
    let bestValue = -Infinity;
    let secondValue = -Infinity;
    for (let i = 0; i < k; i++) {
      const value = sign * samplers[i]!();
      if (best < 0 || value > bestValue) {
        second = best;
        secondValue = bestValue;
        best = i;
        bestValue = value;
      } else if (second < 0 || value > secondValue) {
        second = i;
        secondValue = value;
      }
    }
    bestCounts[best]!++;
    if (second >= 0) secondCounts[second]!++;
  }
  const probabilityBest = Array.from(bestCounts, (c) => c / draws);
  const raw =
    mode === 'best' || k === 1
      ? probabilityBest.slice()
      : Array.from(bestCounts, (c, i) => (c + secondCounts[i]!) / (2 * draws));
  return {
    weights: floorWeights(raw, floor),
    updated: true,
    probabilityBest,
    reason: `reweighted from ${draws} posterior draws`,
  };
}
