import { StatsInputError } from '../errors';
import { createRng } from '../random';
import { requireCount, requireFinite, requireFiniteArray } from '../distributions/input-checks';
import { readAlpha } from './arm-checks';
import { compensatedMean } from './moments-of';

/** Options for {@link bootstrapPairedDifference}. */
export interface PairedBootstrapOptions {
  /** Statistic applied to each resampled sample. @default the mean */
  statistic?: (values: readonly number[]) => number;
  /** Bootstrap resamples. @default 2000 */
  draws?: number;
  /** Seed of the resampling stream. */
  seed: number;
  /** The interval has nominal coverage 1 − alpha. @default 0.05 */
  alpha?: number;
}

/** Result of {@link bootstrapPairedDifference}. */
export interface PairedBootstrapResult {
  /** statistic(a) − statistic(b) on the full samples. */
  estimate: number;
  /** Percentile interval of the resampled differences. */
  ci: [number, number];
  /** Standard deviation of the resampled differences (bootstrap standard error). */
  se: number;
}

/** Linear-interpolation quantile of sorted values (numpy's default 'linear' method). */
export function sortedQuantile(sorted: ArrayLike<number>, q: number): number {
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  const lo = sorted[lower] as number;
  const hi = sorted[upper] as number;
  return lo + (hi - lo) * (position - lower);
}

/**
 * Paired bootstrap for statistic(a) − statistic(b) when a[i] and b[i] are measured on the same unit
 * (e.g. per-request log loss of two models scoring the same mirrored requests). Each resample draws n
 * indices with replacement — index = ⌊u·n⌋ with u from {@link createRng}(seed) — and applies the
 * statistic to a and b at the *same* indices, which keeps the pairing and its variance reduction.
 * The interval is the percentile interval [q_{α/2}, q_{1−α/2}] of the resampled differences (numpy
 * 'linear' quantiles). With the default mean statistic the estimate is the mean paired difference.
 *
 * ### Examples
 * ```ts
 * bootstrapPairedDifference([0.69, 0.51, 0.40, 0.62], [0.70, 0.55, 0.41, 0.66], { seed: 1, draws: 2000 });
 * // { estimate: -0.025000000000000022, ci: [-0.040000000000000036, -0.010000000000000007],
 * //   se: 0.007599777763923923 }
 * ```
 */
export function bootstrapPairedDifference(
  a: readonly number[],
  b: readonly number[],
  options: PairedBootstrapOptions,
): PairedBootstrapResult {
  requireFiniteArray('a', a, 2);
  requireFiniteArray('b', b, 2);
  if (a.length !== b.length) {
    throw new StatsInputError('b', `must be paired with a (same length ${a.length}), got ${b.length}`);
  }
  if (options === null || typeof options !== 'object')
    throw new StatsInputError('options', 'must include a seed');
  requireFinite('seed', options.seed);
  const draws = options.draws ?? 2000;
  requireCount('draws', draws);
  if (draws < 2) throw new StatsInputError('draws', `must be at least 2, got ${draws}`);
  const alpha = readAlpha(options.alpha);
  const statistic = options.statistic ?? compensatedMean;
  const evaluate = (values: readonly number[], name: string): number => {
    const v = statistic(values);
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new StatsInputError(
        'statistic',
        `returned ${String(v)} for ${name}; it must return a finite number`,
      );
    }
    return v;
  };
  const estimate = evaluate(a, 'a') - evaluate(b, 'b');
  const n = a.length;
  const rng = createRng(options.seed);
  const resampledA = new Array<number>(n);
  const resampledB = new Array<number>(n);
  const differences = new Float64Array(draws);
  for (let d = 0; d < draws; d++) {
    for (let i = 0; i < n; i++) {
      const index = Math.floor(rng.next() * n);
      resampledA[i] = a[index] as number;
      resampledB[i] = b[index] as number;
    }
    differences[d] = evaluate(resampledA, 'a resample') - evaluate(resampledB, 'b resample');
  }
  const mean = compensatedMean(differences);
  let ss = 0;
  for (const x of differences) ss += (x - mean) * (x - mean);
  differences.sort();
  return {
    estimate,
    ci: [sortedQuantile(differences, alpha / 2), sortedQuantile(differences, 1 - alpha / 2)],
    se: Math.sqrt(ss / (draws - 1)),
  };
}
