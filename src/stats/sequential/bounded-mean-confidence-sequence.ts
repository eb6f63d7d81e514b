import { StatsInputError } from '../errors';
import { requireFinite, requireOpenUnit } from '../distributions/input-checks';
import type { Interval } from '../experiment/types';

/** Options for {@link createBoundedMeanConfidenceSequence}. */
export interface BoundedMeanConfidenceSequenceOptions {
  /** Every observation lies in [lower, upper]; a value outside is refused (the guarantee needs it). */
  lower: number;
  upper: number;
  /** Miscoverage: P(the running average of conditional means ever leaves the interval) ≤ alpha. @default 0.05 */
  alpha?: number;
  /**
   * Largest λ of the grid c·2^{−k} (the bound holds for any c < 1). Score differentials are usually
   * far inside their bounds, so the largest λ decides how fast a real edge shows. @default 0.95
   */
  maxLambda?: number;
}

/** State after the observations pushed so far (all on the caller's scale, not [0, 1]). */
export interface BoundedMeanConfidenceSequenceState {
  n: number;
  /** Plain sample mean of the observations. */
  mean: number;
  /** Valid at every n simultaneously for the running average of conditional means. */
  interval: Interval;
}

/** An incremental anytime-valid confidence sequence; see {@link createBoundedMeanConfidenceSequence}. */
export interface BoundedMeanConfidenceSequence {
  push(value: number): void;
  state(): BoundedMeanConfidenceSequenceState;
}

/** Betting fractions λ_k = c·2^{−k}, k < LAMBDA_GRID, each carrying α/LAMBDA_GRID (union bound). */
const LAMBDA_GRID = 14;

/**
 * Empirical-Bernstein confidence sequence for the running average of conditional means of bounded
 * observations (Howard, Ramdas, McAuliffe & Sekhon, "Time-uniform, nonparametric, nonasymptotic
 * confidence sequences", Ann. Statist. 2021; the form Choe & Ramdas, "Comparing Sequential
 * Forecasters", Operations Research 2023, use for score differentials). With x scaled to [0, 1],
 * predictable centres x̂ᵢ = (½ + Σ_{j<i} xⱼ)/i and Vₜ = Σ (xᵢ − x̂ᵢ)², for every fixed λ ∈ (0, 1)
 * exp(λ Sₜ − ψ(λ) Vₜ), ψ(λ) = −ln(1 − λ) − λ, is a supermartingale with Sₜ = Σ (xᵢ − E[xᵢ | past]),
 * whatever the conditional means do. By Ville's inequality, on each side and for each λ_k of a grid
 * (α·w_k/2 each, Σ w_k = 1):
 *
 *   Δₜ ∈ x̄ₜ ± (ln(2/(w_k α)) + ψ(λ_k)·Vₜ)/(λ_k·t)   for all t at once,
 *
 * and the interval is the intersection over the grid at each t. It assumes only boundedness: no iid,
 * no stationarity, no model; it may be monitored after every bar and stopped whenever. Unlike a CS for
 * a fixed mean it is not intersected over time, because its target (the running average) moves.
 *
 * ### Examples
 * ```ts
 * const cs = createBoundedMeanConfidenceSequence({ lower: -1, upper: 1 });
 * for (let i = 0; i < 1000; i++) cs.push(i % 2 === 0 ? 0.3 : -0.1);
 * cs.state(); // { n: 1000, mean: ≈0.1, interval: [≈0.0714, ≈0.1286] }
 * ```
 */
export function createBoundedMeanConfidenceSequence(
  options: BoundedMeanConfidenceSequenceOptions,
): BoundedMeanConfidenceSequence {
  const { lower, upper } = options;
  requireFinite('lower', lower);
  requireFinite('upper', upper);
  if (!(upper > lower)) throw new StatsInputError('upper', `must exceed lower (${lower}), got ${upper}`);
  const alpha = options.alpha ?? 0.05;
  requireOpenUnit('alpha', alpha);
  const c = options.maxLambda ?? 0.95;
  if (!(c > 0 && c < 1)) throw new StatsInputError('maxLambda', `must be in (0, 1), got ${c}`);
  const width = upper - lower;
  const lambdas = Array.from({ length: LAMBDA_GRID }, (_, k) => c * Math.pow(2, -k));
  // α split over the grid as 2^{−(k+1)} (renormalised): the largest λ, which decides when the
  // differentials sit far inside their bounds (the usual case), pays ln(4/α) instead of ln(2K/α).
  const shares = lambdas.map((_, k) => Math.pow(2, -(k + 1)) / (1 - Math.pow(2, -LAMBDA_GRID)));
  const logTerms = shares.map((w) => Math.log(2 / (w * alpha)));
  const psi = lambdas.map((l) => -Math.log1p(-l) - l);

  let n = 0;
  let sum = 0;
  let variation = 0;

  const push = (value: number): void => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < lower || value > upper) {
      throw new StatsInputError('value', `must be a finite number in [${lower}, ${upper}], got ${value}`);
    }
    const x = (value - lower) / width;
    const predicted = (0.5 + sum) / (n + 1);
    variation += (x - predicted) * (x - predicted);
    n++;
    sum += x;
  };

  const state = (): BoundedMeanConfidenceSequenceState => {
    if (n === 0) return { n, mean: NaN, interval: [lower, upper] };
    const mean = sum / n;
    let radius = Infinity;
    for (let k = 0; k < LAMBDA_GRID; k++)
      radius = Math.min(
        radius,
        ((logTerms[k] as number) + (psi[k] as number) * variation) / ((lambdas[k] as number) * n),
      );
    const lo = Math.max(0, mean - radius);
    const hi = Math.min(1, mean + radius);
    return { n, mean: lower + mean * width, interval: [lower + lo * width, lower + hi * width] };
  };
  return { push, state };
}
