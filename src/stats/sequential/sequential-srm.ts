import { StatsInputError } from '../errors';
import { logGamma } from '../distributions';
import { requireCount } from '../distributions/input-checks';

/** One allocation epoch: counts per arm and the weights that were actually served during it. */
export interface SrmEpoch {
  counts: readonly number[];
  weights: readonly number[];
}

/** Result of {@link sequentialSrm}. */
export interface SequentialSrmResult {
  /** ln of the Bayes factor (Dirichlet–multinomial alternative vs the served weights), summed over epochs. */
  logBayesFactor: number;
  /** Anytime-valid p-value min(previous, 1/BF, 1): P(ever ≤ a | no mismatch) ≤ a over any looks. */
  pValue: number;
  /** Largest |observed share − weight| in any epoch. */
  maxDeviation: number;
  total: number;
}

/** GrowthBook's Dirichlet concentration for the sequential SRM. */
export const SRM_DIRICHLET_CONCENTRATION = 10_000;

/**
 * Sequential sample-ratio-mismatch test (Lindon & Malek, "Anytime-valid inference for multinomial
 * count data", NeurIPS 2022; GrowthBook's `ssrm`). Per epoch e with served weights p and counts x,
 * BF_e = [Γ(C)/Γ(C + n)] Π Γ(Cpᵢ + xᵢ)/Γ(Cpᵢ) / Π pᵢ^{xᵢ}; the epochs' Bayes factors multiply (each is a
 * martingale under its own null), and 1/BF is an always-valid p-value. Counts must be of independent
 * draws: distinct units by first assignment for sticky strategies, decisions for `random`.
 *
 * ### Examples
 * ```ts
 * sequentialSrm([{ counts: [5000, 5000], weights: [0.5, 0.5] }]).pValue; // 1
 * sequentialSrm([{ counts: [5000, 5600], weights: [0.5, 0.5] }]).pValue; // ≈ 0.00023
 * ```
 */
export function sequentialSrm(
  epochs: readonly SrmEpoch[],
  options: { concentration?: number; previousPValue?: number } = {},
): SequentialSrmResult {
  const c = options.concentration ?? SRM_DIRICHLET_CONCENTRATION;
  if (!(c > 0 && Number.isFinite(c)))
    throw new StatsInputError('concentration', `must be positive, got ${c}`);
  let logBf = 0;
  let maxDeviation = 0;
  let total = 0;
  epochs.forEach((epoch, e) => {
    if (epoch.counts.length !== epoch.weights.length || epoch.counts.length < 2)
      throw new StatsInputError(`epochs[${e}]`, 'needs one weight per arm and at least 2 arms');
    const weightSum = epoch.weights.reduce((s, w) => s + w, 0);
    let n = 0;
    epoch.counts.forEach((x, i) => {
      requireCount(`epochs[${e}].counts[${i}]`, x);
      n += x;
    });
    if (n === 0) return;
    total += n;
    logBf += logGamma(c) - logGamma(c + n);
    epoch.counts.forEach((x, i) => {
      const p = (epoch.weights[i] as number) / weightSum;
      if (!(p > 0)) {
        // An arm that was not served cannot receive traffic: any count there is a mismatch.
        if (x > 0) logBf = Infinity;
        return;
      }
      logBf += logGamma(c * p + x) - logGamma(c * p) - x * Math.log(p);
      maxDeviation = Math.max(maxDeviation, Math.abs(x / n - p));
    });
  });
  const previous = options.previousPValue ?? 1;
  return { logBayesFactor: logBf, pValue: Math.min(previous, 1, Math.exp(-logBf)), maxDeviation, total };
}
