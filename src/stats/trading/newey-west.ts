import { StatsInputError } from '../errors';
import { requireCount, requireFiniteArray } from '../distributions/input-checks';
import { compensatedMean } from '../experiment/moments-of';

/**
 * Default Newey–West truncation lag ⌊4·(n/100)^(2/9)⌋ (Newey & West 1994 rule of thumb), capped at
 * n − 1.
 *
 * ### Examples
 * ```ts
 * defaultNeweyWestLags(100); // 4
 * defaultNeweyWestLags(100000); // 18
 * ```
 */
export function defaultNeweyWestLags(n: number): number {
  requireCount('n', n);
  if (n < 1) throw new StatsInputError('n', 'must be at least 1');
  return Math.min(n - 1, Math.floor(4 * Math.pow(n / 100, 2 / 9)));
}

/**
 * Newey–West (Bartlett-kernel HAC) estimate of the **long-run variance** of a series,
 * Ω = γ₀ + 2 Σ_{l=1..L} (1 − l/(L+1)) γ_l with autocovariances γ_l = (1/n) Σ_t (x_t − x̄)(x_{t−l} − x̄)
 * (divisor n, no small-sample correction; non-negative by construction). The variance of the sample
 * mean is Ω/n — see {@link neweyWestStandardError}. Matches statsmodels OLS on a constant with
 * cov_type='HAC', maxlags=L, use_correction=False (whose bse² = Ω/n). `lags` defaults to
 * {@link defaultNeweyWestLags}; lags ≥ n are capped at n − 1. A single value has Ω = 0.
 *
 * ### Examples
 * ```ts
 * neweyWestVariance([1, 2, 3, 4, 5], 1); // 2.8 (γ₀ = 2, γ₁ = 0.8 with Bartlett weight ½)
 * ```
 */
export function neweyWestVariance(series: readonly number[], lags?: number): number {
  requireFiniteArray('series', series);
  const n = series.length;
  let maxLag = lags ?? defaultNeweyWestLags(n);
  requireCount('lags', maxLag);
  maxLag = Math.min(maxLag, n - 1);
  const mean = compensatedMean(series);
  const centred = new Float64Array(n);
  for (let t = 0; t < n; t++) centred[t] = (series[t] as number) - mean;
  let omega = 0;
  for (let l = 0; l <= maxLag; l++) {
    let gamma = 0;
    for (let t = l; t < n; t++) gamma += (centred[t] as number) * (centred[t - l] as number);
    gamma /= n;
    omega += l === 0 ? gamma : 2 * (1 - l / (maxLag + 1)) * gamma;
  }
  return Math.max(0, omega);
}

/**
 * Newey–West standard error of the **sample mean**: √(Ω/n) with Ω from {@link neweyWestVariance}.
 *
 * ### Examples
 * ```ts
 * neweyWestStandardError([1, 2, 3, 4, 5], 1); // 0.7483314773547882  (√(2.8/5))
 * ```
 */
export function neweyWestStandardError(series: readonly number[], lags?: number): number {
  return Math.sqrt(neweyWestVariance(series, lags) / series.length);
}

/**
 * Bartlett-kernel long-run variance of a series that is already centred (Σ x = 0 by construction,
 * e.g. weighted residuals of a ratio estimator): γ₀ + 2 Σ_{l=1..L} (1 − l/(L+1)) γ_l with
 * γ_l = (1/n) Σ x_t x_{t−l}, no re-centring. Accepts a Float64Array so that long series are not copied.
 *
 * ### Examples
 * ```ts
 * bartlettLongRunVariance([1, -1, 1, -1], 1); // 1 + 2·½·(−3/4) = 0.25
 * ```
 */
export function bartlettLongRunVariance(centred: ArrayLike<number>, lags: number): number {
  const n = centred.length;
  if (n === 0) return 0;
  requireCount('lags', lags);
  const maxLag = Math.min(lags, n - 1);
  let omega = 0;
  for (let l = 0; l <= maxLag; l++) {
    let gamma = 0;
    for (let t = l; t < n; t++) gamma += (centred[t] as number) * (centred[t - l] as number);
    gamma /= n;
    omega += l === 0 ? gamma : 2 * (1 - l / (maxLag + 1)) * gamma;
  }
  return Math.max(0, omega);
}
