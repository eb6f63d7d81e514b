import { StatsInputError } from '../errors';
import { chiSquareSf } from '../distributions';
import { requireCount } from '../distributions/input-checks';

/** Result of {@link srmTest}. */
export interface SrmTestResult {
  /** Pearson χ² statistic Σ (O − E)²/E. */
  chi2: number;
  /** Degrees of freedom: number of arms − 1. */
  df: number;
  pValue: number;
  /** True when p < 0.001 and some arm's observed share is more than 0.001 (absolute) off its weight. */
  mismatch: boolean;
}

/** p-value below which an imbalance is statistically established (GrowthBook / Eppo default). */
export const SRM_P_THRESHOLD = 0.001;
/** Smallest absolute share deviation that counts as practically meaningful (Statsig's floor). */
export const SRM_MIN_DEVIATION = 0.001;

/**
 * Sample-ratio-mismatch check: Pearson χ² goodness of fit of the observed unit counts per arm against
 * the configured traffic weights, as scipy.stats.chisquare(observed, N·weights). `mismatch` needs both
 * statistical (p < 0.001) and practical (max |share − weight| > 0.001) evidence, so huge experiments
 * do not alarm on negligible deviations.
 *
 * `observed` are non-negative integer counts (at least two arms, not all zero); `weights` are positive
 * and must sum to 1 within 1e-9 (they are renormalised to remove that slack).
 *
 * ### Examples
 * ```ts
 * srmTest([5000, 5000], [0.5, 0.5]); // { chi2: 0, df: 1, pValue: 1, mismatch: false }
 * srmTest([10000, 10500], [0.5, 0.5]); // { chi2: 12.195121951219512, df: 1, pValue: 0.0004791464345873004, mismatch: true }
 * ```
 */
export function srmTest(observed: readonly number[], weights: readonly number[]): SrmTestResult {
  if (!Array.isArray(observed)) throw new StatsInputError('observed', 'must be an array of counts');
  if (!Array.isArray(weights)) throw new StatsInputError('weights', 'must be an array of numbers');
  if (observed.length < 2)
    throw new StatsInputError('observed', `must have at least 2 arms, got ${observed.length}`);
  if (weights.length !== observed.length) {
    throw new StatsInputError(
      'weights',
      `must have one weight per arm (${observed.length}), got ${weights.length}`,
    );
  }
  let total = 0;
  observed.forEach((count, i) => {
    requireCount(`observed[${i}]`, count);
    total += count;
  });
  if (total === 0) throw new StatsInputError('observed', 'must not be all zero');
  let weightSum = 0;
  weights.forEach((w, i) => {
    if (typeof w !== 'number' || !Number.isFinite(w) || !(w > 0)) {
      throw new StatsInputError(`weights[${i}]`, `must be a positive finite number, got ${String(w)}`);
    }
    weightSum += w;
  });
  if (Math.abs(weightSum - 1) > 1e-9)
    throw new StatsInputError('weights', `must sum to 1 (within 1e-9), got ${weightSum}`);

  let chi2 = 0;
  let maxDeviation = 0;
  for (let i = 0; i < observed.length; i++) {
    const share = (weights[i] as number) / weightSum;
    const expected = total * share;
    const residual = (observed[i] as number) - expected;
    chi2 += (residual * residual) / expected;
    maxDeviation = Math.max(maxDeviation, Math.abs((observed[i] as number) / total - share));
  }
  const df = observed.length - 1;
  const pValue = chiSquareSf(chi2, df);
  return { chi2, df, pValue, mismatch: pValue < SRM_P_THRESHOLD && maxDeviation > SRM_MIN_DEVIATION };
}
