import { normalQuantile, normalSf } from '../distributions';
import { requireFiniteArray } from '../distributions/input-checks';
import { readAlpha } from '../experiment/arm-checks';
import { compensatedMean } from '../experiment/moments-of';
import type { Interval } from '../experiment/types';
import { neweyWestVariance } from './newey-west';

/** Options for {@link compareMeanReturns}. */
export interface CompareMeanReturnsOptions {
  /** Newey–West lag for both arms. @default ⌊4(n/100)^(2/9)⌋ per arm */
  lags?: number;
  /** Two-sided level of the interval. @default 0.05 */
  alpha?: number;
}

/** Result of {@link compareMeanReturns}; `diff` and `ci` are treatment − control. */
export interface CompareMeanReturnsResult {
  diff: number;
  se: number;
  z: number;
  pValue: number;
  ci: Interval;
}

/**
 * Compares the mean return per decision of two arms with autocorrelation-robust standard errors:
 * se = √(Ω_A/n_A + Ω_B/n_B) with each Ω the Newey–West long-run variance of that arm's own return
 * series (the arms are independent, each serially correlated), z = diff/se, two-sided normal p-value
 * and interval diff ± z_{1−α/2}·se. Each arm needs ≥ 2 returns.
 *
 * Degenerate se = 0 (both arms constant): equal means give z = 0, p = 1; different means give
 * z = ±Infinity, p = 0; the interval is [diff, diff].
 *
 * ### Examples
 * ```ts
 * compareMeanReturns([0.01, -0.02, 0.015, 0.0, 0.005], [0.02, 0.01, 0.025, -0.005, 0.03]);
 * // { diff: 0.014, se: 0.004049691346263317, z: 3.4570535882735642, pValue: 0.0005461162375926015,
 * //   ci: [0.006062750812820384, 0.021937249187179618] }
 * ```
 */
export function compareMeanReturns(
  controlReturns: readonly number[],
  treatmentReturns: readonly number[],
  options: CompareMeanReturnsOptions = {},
): CompareMeanReturnsResult {
  requireFiniteArray('controlReturns', controlReturns, 2);
  requireFiniteArray('treatmentReturns', treatmentReturns, 2);
  const alpha = readAlpha(options.alpha);
  const diff = compensatedMean(treatmentReturns) - compensatedMean(controlReturns);
  const variance =
    neweyWestVariance(controlReturns, options.lags) / controlReturns.length +
    neweyWestVariance(treatmentReturns, options.lags) / treatmentReturns.length;
  const se = Math.sqrt(variance);
  let z: number;
  if (se > 0) z = diff / se;
  else z = diff === 0 ? 0 : diff > 0 ? Infinity : -Infinity;
  const pValue = Math.min(1, 2 * normalSf(Math.abs(z)));
  const half = normalQuantile(1 - alpha / 2) * se;
  return { diff, se, z, pValue, ci: [diff - half, diff + half] };
}
