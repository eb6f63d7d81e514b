import { StatsInputError } from '../errors';

/**
 * Lag-1 autocorrelation of a series in time order: Σ (xₜ − x̄)(xₜ₊₁ − x̄) / Σ (xₜ − x̄)². 0 for a
 * constant series or fewer than 3 values (no evidence of dependence either way).
 */
export function lag1Autocorrelation(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 3) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]!;
  mean /= n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    den += d * d;
    if (i + 1 < n) num += d * (values[i + 1]! - mean);
  }
  if (!(den > 0) || !Number.isFinite(num / den)) return 0;
  return Math.max(-1, Math.min(1, num / den));
}

/** The largest lag-1 autocorrelation used: ρ = 1 would give an effective size of 0. */
const MAX_RHO = 0.999;

/**
 * Effective number of independent values in n rows of an AR(1)-like series with lag-1
 * autocorrelation ρ: n·(1 − ρ)/(1 + ρ), the variance-inflation of a mean (dependent-data.md §4).
 * Negative ρ is taken as 0 (never more information than n rows), ρ is capped at 0.999, and the
 * result is at least 2 so that a two-sample test stays defined. Features built on overlapping
 * k-bar windows have ρ ≈ 1 − 1/k, so this gives about n/(2k): more conservative than n/k, which
 * is intended (their volatility inputs are themselves persistent).
 *
 * ### Examples
 * ```ts
 * effectiveSampleSize(1000, 0); // 1000
 * effectiveSampleSize(1000, 0.9); // 52.63…
 * ```
 */
export function effectiveSampleSize(n: number, rho: number): number {
  if (!Number.isFinite(n) || n < 0) throw new StatsInputError('n', `must be a non-negative number, got ${n}`);
  if (!Number.isFinite(rho)) throw new StatsInputError('rho', `must be finite, got ${rho}`);
  const r = Math.min(Math.max(rho, 0), MAX_RHO);
  return Math.min(n, Math.max(2, (n * (1 - r)) / (1 + r)));
}
