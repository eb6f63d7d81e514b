import { StatsInputError } from '../errors';
import { ksStatisticSorted } from './ks-test';
import { lag1Autocorrelation } from './effective-sample-size';
import { meanAndStd } from './moments';
import { countSortedIntoBins, psiEdges } from './psi';
import { toSortedSample } from './sorted-sample';
import { assertIntegerInRange, describe } from './validate';
import { wassersteinSorted } from './wasserstein';

/** Bumped whenever the meaning of a stored field changes; profiles of another version are refused. */
export const REFERENCE_PROFILE_VERSION = 1;

/** What a numeric reference column is reduced to: enough for PSI (exact), KS and Wasserstein. */
export interface NumericReferenceProfile {
  version: typeof REFERENCE_PROFILE_VERSION;
  type: 'numeric';
  /** Reference rows. */
  n: number;
  mean: number;
  /** Population standard deviation (ddof = 0, `np.std`), the Wasserstein normaliser. */
  std: number;
  min: number;
  max: number;
  /** The `bins` requested for PSI, before duplicate edges were merged. */
  psiBins: number;
  /** Interior PSI edges (reference quantiles, duplicates merged), ascending. */
  psiEdges: number[];
  /** Reference rows per PSI bin; `psiEdges.length + 1` entries. */
  psiCounts: number[];
  /**
   * Ascending reference values used by KS and Wasserstein: every value when n ≤ sampleSize, else
   * the evenly spaced order statistics x₍⌊(k + ½)·n/s⌋₎, k = 0 … s − 1.
   */
  sample: number[];
  /** sup_t |F_sample(t) − F_reference(t)|: bounds the KS statistic error; ≤ 1/(2·sample.length), 0 if complete. */
  sampleKsError: number;
  /** W₁(sample, reference): bounds the Wasserstein error (triangle inequality); 0 if complete. */
  sampleWassersteinError: number;
  /**
   * Lag-1 autocorrelation of the values in the order given (time order for a training set), for the
   * KS effective sample size. Absent in profiles written before it existed.
   */
  lag1Autocorrelation?: number;
}

/** What a categorical reference column is reduced to: its category counts. */
export interface CategoricalReferenceProfile {
  version: typeof REFERENCE_PROFILE_VERSION;
  type: 'categorical';
  /** Reference rows. */
  n: number;
  /** Distinct categories, ascending by UTF-16 code units. Numbers are stored as `String(value)`. */
  categories: string[];
  /** Rows per category, aligned with `categories`. */
  counts: number[];
}

/** A JSON-serialisable summary of one reference column; see {@link fitReferenceProfile}. */
export type ReferenceProfile = NumericReferenceProfile | CategoricalReferenceProfile;

/** Options for {@link fitReferenceProfile}. */
export interface ReferenceProfileOptions {
  /**
   * Column type. Strings are always categorical; pass 'categorical' to treat numeric codes as labels.
   * @default 'numeric' for numbers, 'categorical' for strings
   */
  type?: 'numeric' | 'categorical';
  /**
   * PSI bins, as {@link psi}'s `bins`.
   * @default 10
   */
  psiBins?: number;
  /**
   * Most reference values kept for KS and Wasserstein. The KS statistic from the profile is within
   * 1/(2·sampleSize) of the one from the full reference (1e-4 at the default).
   * @default 5000
   */
  sampleSize?: number;
}

const DEFAULT_SAMPLE_SIZE = 5000;
const MAX_SAMPLE_SIZE = 1_000_000;

/**
 * Summarises a reference column into a small JSON-serialisable profile that {@link detectDrift} and
 * the `…FromProfile` functions compare current data against, so the reference rows need not be kept.
 *
 * Numeric: n, mean, std, min, max; the PSI edges and per-bin counts (PSI from the profile equals
 * PSI from the raw reference exactly); a bounded, deterministic sample of order statistics for KS and
 * Wasserstein, exact when n ≤ sampleSize and otherwise within the stored `sampleKsError` /
 * `sampleWassersteinError`. Categorical: counts per category.
 *
 * ### Examples
 * ```ts
 * fitReferenceProfile([3, 1, 2, 2], { psiBins: 2 });
 * // { version: 1, type: 'numeric', n: 4, mean: 2, std: 0.7071067811865476, min: 1, max: 3,
 * //   psiBins: 2, psiEdges: [2], psiCounts: [1, 3], sample: [1, 2, 2, 3],
 * //   sampleKsError: 0, sampleWassersteinError: 0, lag1Autocorrelation: -0.5 }
 * fitReferenceProfile(['b', 'a', 'b']);
 * // { version: 1, type: 'categorical', n: 3, categories: ['a', 'b'], counts: [1, 2] }
 * ```
 */
export function fitReferenceProfile(
  values: ArrayLike<number> | readonly string[],
  options: ReferenceProfileOptions = {},
): ReferenceProfile {
  const type =
    options.type ?? (values.length > 0 && typeof values[0] === 'string' ? 'categorical' : 'numeric');
  if (type === 'categorical') return fitCategorical(values);
  if (type !== 'numeric') {
    throw new StatsInputError('options.type', `must be 'numeric' or 'categorical', got ${describe(type)}`);
  }
  const psiBins = options.psiBins ?? 10;
  assertIntegerInRange(psiBins, 'options.psiBins', 1, 10_000);
  const sampleSize = options.sampleSize ?? DEFAULT_SAMPLE_SIZE;
  assertIntegerInRange(sampleSize, 'options.sampleSize', 1, MAX_SAMPLE_SIZE);
  const sorted = toSortedSample(values as ArrayLike<number>, 'values');
  const n = sorted.length;
  const { mean, std } = meanAndStd(sorted);
  const edges = psiEdges(sorted, psiBins);
  const sample = orderStatisticSample(sorted, sampleSize);
  const complete = sample.length === n;
  return {
    version: REFERENCE_PROFILE_VERSION,
    type: 'numeric',
    n,
    mean,
    std,
    min: sorted[0]!,
    max: sorted[n - 1]!,
    psiBins,
    psiEdges: edges,
    psiCounts: countSortedIntoBins(sorted, edges),
    sample: Array.from(sample),
    sampleKsError: complete ? 0 : ksStatisticSorted(sample, sorted),
    sampleWassersteinError: complete ? 0 : wassersteinSorted(sample, sorted),
    lag1Autocorrelation: lag1Autocorrelation(values as ArrayLike<number>),
  };
}

/**
 * Evenly spaced order statistics: index ⌊(k + ½)·n/s⌋ for k = 0 … s − 1. With j reference values ≤ t,
 * the sample has ⌈js/n − ½⌉ of them, so |F_sample(t) − F_reference(t)| ≤ 1/(2s) for every t.
 */
function orderStatisticSample(sorted: Float64Array, size: number): Float64Array {
  const n = sorted.length;
  if (n <= size) return sorted;
  const sample = new Float64Array(size);
  // Integer arithmetic: (2k + 1)·n < 2^53 for every allowed n and size.
  for (let k = 0; k < size; k++) sample[k] = sorted[Math.floor(((2 * k + 1) * n) / (2 * size))]!;
  return sample;
}

function fitCategorical(values: ArrayLike<number> | readonly string[]): CategoricalReferenceProfile {
  const counts = countCategories(values, 'values');
  if (counts.size === 0) throw new StatsInputError('values', 'must not be empty');
  const categories = Array.from(counts.keys()).sort(compareCodeUnits);
  return {
    version: REFERENCE_PROFILE_VERSION,
    type: 'categorical',
    n: values.length,
    categories,
    counts: categories.map((c) => counts.get(c)!),
  };
}

/** Counts per label; numbers become `String(value)`, so 1 and '1' are the same category. */
export function countCategories(values: ArrayLike<unknown>, argument: string): Map<string, number> {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new StatsInputError(argument, 'must be an array of strings or numbers');
  }
  const counts = new Map<string, number>();
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    let label: string;
    if (typeof value === 'string') label = value;
    else if (typeof value === 'number' && Number.isFinite(value)) label = String(value);
    else {
      throw new StatsInputError(
        argument,
        `element ${i} is ${describe(value)}; categories must be strings or finite numbers`,
      );
    }
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return counts;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
