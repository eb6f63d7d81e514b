import { StatsInputError } from '../errors';
import { normalQuantile } from '../distributions';
import { msprtHalfWidth, msprtLogLikelihoodRatio } from '../experiment/sequential-test';
import type { Interval } from '../experiment/types';

/** Result of {@link alwaysValidDifference}. */
export interface AlwaysValidDifferenceResult {
  diff: number;
  pValue: number;
  ci: Interval;
  tau2: number;
}

/**
 * The normal-mixture SPRT (Johari et al. 2017) on an estimate with a given variance V, however V was
 * obtained (delta method per unit, HAC per period): Λ = √(V/(V+τ²))·exp(τ²Δ²/(2V(V+τ²))), p = min(prev,
 * 1/Λ), interval Δ ± √(2V(V+τ²)/τ²·ln(√((V+τ²)/V)/α)). τ² must be fixed in advance (see
 * {@link plannedTau2}): re-estimating it from the data at every look breaks the martingale.
 *
 * ### Examples
 * ```ts
 * alwaysValidDifference({ diff: 0.2, variance: 0.004, tau2: 0.01 }).pValue; // ≈ 0.0526
 * ```
 */
export function alwaysValidDifference(input: {
  diff: number;
  variance: number;
  tau2: number;
  alpha?: number;
  previousPValue?: number;
}): AlwaysValidDifferenceResult {
  const { diff, variance: v, tau2 } = input;
  const alpha = input.alpha ?? 0.05;
  const previous = input.previousPValue ?? 1;
  if (!Number.isFinite(diff)) throw new StatsInputError('diff', `must be finite, got ${diff}`);
  if (!(tau2 > 0) || !Number.isFinite(tau2))
    throw new StatsInputError('tau2', `must be positive, got ${tau2}`);
  if (!(v >= 0) || !Number.isFinite(v)) throw new StatsInputError('variance', `must be ≥ 0, got ${v}`);
  if (v === 0) return { diff, pValue: diff === 0 ? previous : 0, ci: [diff, diff], tau2 };
  const pValue = Math.min(previous, 1, Math.exp(-msprtLogLikelihoodRatio(diff, v, tau2)));
  const half = msprtHalfWidth(v, tau2, alpha);
  return { diff, pValue, ci: [diff - half, diff + half], tau2 };
}

/**
 * τ² planned from the minimum detectable effect: the mixing variance that makes the confidence
 * sequence narrowest at V* = (MDE/(z_{1−α/2} + z_{power}))², the variance of the difference at the
 * fixed-horizon sample size for that MDE. Fixed before the experiment starts, so it never moves with
 * the allocation or the data. (Minimises the half-width 2V*(1 + r)/r · (½ ln(1 + r) − ln α) over
 * r = τ²/V*, by golden-section search on ln r.)
 *
 * ### Examples
 * ```ts
 * plannedTau2({ mde: 0.05 }); // ≈ 0.002616 (≈ 8.2 times V* = (0.05/2.80)²)
 * ```
 */
export function plannedTau2(input: { mde: number; alpha?: number; power?: number }): number {
  const { mde } = input;
  if (!(mde > 0) || !Number.isFinite(mde)) throw new StatsInputError('mde', `must be positive, got ${mde}`);
  const alpha = input.alpha ?? 0.05;
  const power = input.power ?? 0.8;
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  const vStar = (mde / z) ** 2;
  const width = (logR: number) => msprtHalfWidth(vStar, vStar * Math.exp(logR), alpha);
  let a = Math.log(0.01);
  let b = Math.log(1e4);
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 80; i++) {
    const x1 = b - g * (b - a);
    const x2 = a + g * (b - a);
    if (width(x1) < width(x2)) b = x2;
    else a = x1;
  }
  return vStar * Math.exp((a + b) / 2);
}
