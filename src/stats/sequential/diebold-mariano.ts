import { StatsInputError } from '../errors';
import { studentTSf } from '../distributions';
import { requireFiniteArray } from '../distributions/input-checks';
import { compensatedMean } from '../experiment/moments-of';
import { defaultNeweyWestLags, neweyWestVariance } from '../trading/newey-west';

/** Result of {@link dieboldMariano}. */
export interface DieboldMarianoResult {
  /** Mean loss differential d̄ (positive: the second forecast is better when d = L₁ − L₂). */
  mean: number;
  /** HAC standard error of d̄: √(LRV/T). */
  standardError: number;
  /** HLN-corrected statistic, compared with Student t on T − 1 degrees of freedom. */
  statistic: number;
  /** Two-sided p-value. */
  pValue: number;
  lags: number;
  n: number;
}

/**
 * Diebold–Mariano (1995) test of equal predictive accuracy on a loss differential series dₜ, with the
 * Newey–West long-run variance (lags default max(h − 1, ⌊4(T/100)^{2/9}⌋)) and the Harvey, Leybourne &
 * Newbold (1997) small-sample factor √((T + 1 − 2h + h(h − 1)/T)/T), referred to t_{T−1}. A
 * fixed-horizon test: valid at one pre-planned look, not under continuous monitoring (the confidence
 * sequence is for that). A constant series has statistic ±∞ (or 0 when d̄ = 0).
 *
 * ### Examples
 * ```ts
 * dieboldMariano([0.1, -0.05, 0.2, 0.02, 0.08, -0.01, 0.12, 0.04]).pValue; // ≈ 0.00385 (lags 2)
 * ```
 */
export function dieboldMariano(
  differences: readonly number[],
  options: { horizon?: number; lags?: number } = {},
): DieboldMarianoResult {
  requireFiniteArray('differences', differences, 2);
  const n = differences.length;
  const h = options.horizon ?? 1;
  if (!Number.isInteger(h) || h < 1) throw new StatsInputError('horizon', `must be an integer ≥ 1, got ${h}`);
  const lags = Math.min(n - 1, options.lags ?? Math.max(h - 1, defaultNeweyWestLags(n)));
  const mean = compensatedMean(differences);
  const standardError = Math.sqrt(neweyWestVariance(differences, lags) / n);
  const hln = Math.sqrt(Math.max(0, (n + 1 - 2 * h + (h * (h - 1)) / n) / n));
  const statistic =
    standardError > 0 ? (hln * mean) / standardError : mean === 0 ? 0 : mean > 0 ? Infinity : -Infinity;
  const pValue = Number.isFinite(statistic)
    ? Math.min(1, 2 * studentTSf(Math.abs(statistic), n - 1))
    : statistic === 0
      ? 1
      : 0;
  return { mean, standardError, statistic, pValue, lags, n };
}
