import { StatsInputError } from '../errors';
import { requirePositive, requireProbability } from '../distributions/input-checks';
import { checkMoments, readAlpha } from './arm-checks';
import type { Interval, Moments } from './types';

/** Options for {@link sequentialTest}. */
export interface SequentialTestOptions {
  /** Two-sided level: reject when pValue ≤ alpha; the interval has coverage 1 − alpha at all looks. @default 0.05 */
  alpha?: number;
  /**
   * Variance τ² of the normal mixing distribution N(0, τ²) on the effect, in squared metric units.
   * @default ρ²·N·V̂ with ρ² = (−2 ln α + ln(−2 ln α + 1))/tuningN (GrowthBook's asymptotic-CS tuning)
   */
  tau2?: number;
  /** Total sample size N* (both arms) at which the default τ² makes the interval narrowest. @default 5000 */
  tuningN?: number;
  /** The always-valid p-value returned at the previous look; the new one never exceeds it. @default 1 */
  previousPValue?: number;
}

/** Result of {@link sequentialTest}. */
export interface SequentialTestResult {
  /** Treatment − control difference of means at this look. */
  diff: number;
  /** Always-valid p-value: running minimum of 1/Λ over looks (min with previousPValue). */
  pValue: number;
  /** This look's confidence-sequence interval for treatment − control. */
  ci: Interval;
  /** The mixing variance τ² used. */
  tau2: number;
}

/** Default total sample size at which the default mixing variance is tuned (GrowthBook's N*). */
export const DEFAULT_TUNING_N = 5000;

/**
 * GrowthBook's asymptotic confidence-sequence tuning expressed as a normal-mixture variance:
 * τ² = ρ²·N·V with ρ² = (−2 ln α + ln(−2 ln α + 1))/N*. N·V ≈ σ²_A·N/n_A + σ²_B·N/n_B does not drift
 * with n when per-unit variances are stable, so the mixture is (asymptotically) fixed across looks.
 * Internal: shared with the sequential sample-size planner.
 */
export function defaultTau2(alpha: number, totalN: number, varianceOfDiff: number, tuningN: number): number {
  const minus2LogAlpha = -2 * Math.log(alpha);
  const rho2 = (minus2LogAlpha + Math.log(minus2LogAlpha + 1)) / tuningN;
  return rho2 * totalN * varianceOfDiff;
}

/**
 * ln Λ for the normal-mixture SPRT: ½ ln(V/(V+τ²)) + τ²Δ²/(2V(V+τ²)) (Johari et al. 2017), written
 * with log1p so that τ² ≪ V loses nothing. Internal: shared with the planner and the simulations.
 */
export function msprtLogLikelihoodRatio(diff: number, varianceOfDiff: number, tau2: number): number {
  const v = varianceOfDiff;
  return -0.5 * Math.log1p(tau2 / v) + (tau2 * diff * diff) / (2 * v * (v + tau2));
}

/**
 * Half-width of the mSPRT confidence sequence at level α: √(2V(V+τ²)/τ² · (½ ln((V+τ²)/V) − ln α)),
 * the set of θ with Λ(θ) < 1/α. Internal: shared with the planner.
 */
export function msprtHalfWidth(varianceOfDiff: number, tau2: number, alpha: number): number {
  const v = varianceOfDiff;
  return Math.sqrt(((2 * v * (v + tau2)) / tau2) * (0.5 * Math.log1p(tau2 / v) - Math.log(alpha)));
}

/**
 * Always-valid sequential test for a difference of means (treatment − control) by the normal-mixture
 * sequential probability ratio test (mSPRT, Johari, Koomen, Pekelis & Walsh 2017), with V = s²_A/n_A +
 * s²_B/n_B:
 *
 * 1. Λ = √(V/(V+τ²)) · exp(τ²Δ²/(2V(V+τ²))).
 * 2. pValue = min(previousPValue, 1/Λ, 1): a running minimum across looks, so by Ville's inequality
 *    P(pValue ever ≤ α | no effect) ≤ α however often one peeks.
 * 3. ci = Δ ± √(2V(V+τ²)/τ² · ln(√((V+τ²)/V)/α)), the matching confidence sequence (the θ not rejected).
 *
 * τ² defaults to GrowthBook's tuning (experimentation.md §c.4): τ² = ρ²·N·V with N = n_A + n_B and
 * ρ² = (−2 ln α + ln(−2 ln α + 1))/N*, N* = `tuningN` = 5,000 — i.e. the interval is narrowest when the
 * experiment has about N* units in total. Pass `tau2` explicitly (e.g. the squared planned MDE) to mix
 * over a prior on effect size instead. With binary data pass Moments with variance p(1−p)·n/(n−1).
 *
 * Degenerate V = 0 (both arms constant): equal means keep the previous p-value (1 at the first look),
 * different means give p = 0; ci = [diff, diff] and tau2 = 0 when defaulted.
 *
 * ### Examples
 * ```ts
 * const look1 = sequentialTest({ n: 500, mean: 0, variance: 1 }, { n: 500, mean: 0.2, variance: 1 });
 * // { diff: 0.2, pValue: 0.07485983371183516, ci: [-0.012750940131150051, 0.4127509401311501],
 * //   tau2: 0.006348923681390052 }
 * sequentialTest({ n: 600, mean: 0, variance: 1 }, { n: 600, mean: 0.1, variance: 1 },
 *   { previousPValue: look1.pValue }); // pValue 0.07485983371183516: the running minimum holds
 * ```
 */
export function sequentialTest(
  control: Moments,
  treatment: Moments,
  options: SequentialTestOptions = {},
): SequentialTestResult {
  checkMoments('control', control);
  checkMoments('treatment', treatment);
  const alpha = readAlpha(options.alpha);
  const previous = options.previousPValue ?? 1;
  requireProbability('previousPValue', previous);
  const tuningN = options.tuningN ?? DEFAULT_TUNING_N;
  requirePositive('tuningN', tuningN);
  if (options.tau2 !== undefined) requirePositive('tau2', options.tau2);

  const diff = treatment.mean - control.mean;
  const v = control.variance / control.n + treatment.variance / treatment.n;
  const tau2 = options.tau2 ?? defaultTau2(alpha, control.n + treatment.n, v, tuningN);
  if (!(v > 0)) {
    return { diff, pValue: diff === 0 ? previous : 0, ci: [diff, diff], tau2 };
  }
  const logLambda = msprtLogLikelihoodRatio(diff, v, tau2);
  const pValue = Math.min(previous, 1, Math.exp(-logLambda));
  const half = msprtHalfWidth(v, tau2, alpha);
  if (!Number.isFinite(half))
    throw new StatsInputError('tau2', `gives a non-finite interval (tau2 = ${tau2}, V = ${v})`);
  return { diff, pValue, ci: [diff - half, diff + half], tau2 };
}
