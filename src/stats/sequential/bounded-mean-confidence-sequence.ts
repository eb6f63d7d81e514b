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
  /** Cap c on the betting fraction λ (Waudby-Smith & Ramdas suggest ½ or ¾). @default 0.5 */
  maxLambda?: number;
}

/** State after the observations pushed so far (all on the caller's scale, not [0, 1]). */
export interface BoundedMeanConfidenceSequenceState {
  n: number;
  /** Plain sample mean of the observations. */
  mean: number;
  /** Running intersection of the intervals so far: valid at every n simultaneously. */
  interval: Interval;
}

/** An incremental anytime-valid confidence sequence; see {@link createBoundedMeanConfidenceSequence}. */
export interface BoundedMeanConfidenceSequence {
  push(value: number): void;
  state(): BoundedMeanConfidenceSequenceState;
}

/**
 * Predictable-plug-in empirical-Bernstein confidence sequence (Waudby-Smith & Ramdas, "Estimating
 * means of bounded random variables by betting", JRSS-B 2023, Theorem 2; the form Choe & Ramdas,
 * "Comparing Sequential Forecasters", Operations Research 2023, use for score differentials). For
 * x scaled to [0, 1]:
 *
 * - μ̂_t = (½ + Σ x_i)/(t + 1), σ̂²_t = (¼ + Σ (x_i − μ̂_i)²)/(t + 1);
 * - λ_t = min(√(2 ln(2/α) / (σ̂²_{t−1} · t · ln(1 + t))), c), fixed before x_t is seen;
 * - C_t = Σλ_i x_i / Σλ_i ± (ln(2/α) + Σ 4(x_i − μ̂_{i−1})² ψ(λ_i)) / Σλ_i, ψ(λ) = (−ln(1 − λ) − λ)/4.
 *
 * It covers the running average of the conditional means (1/t) Σ E[x_i | past] at every t at once,
 * assuming only boundedness: no iid, no stationarity, no model. So it may be monitored after every
 * bar and stopped whenever. The running intersection keeps it monotone.
 *
 * ### Examples
 * ```ts
 * const cs = createBoundedMeanConfidenceSequence({ lower: -1, upper: 1 });
 * for (let i = 0; i < 1000; i++) cs.push(i % 2 === 0 ? 0.3 : -0.1);
 * cs.state(); // { n: 1000, mean: 0.1, interval: [≈0.04, ≈0.16] }
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
  const c = options.maxLambda ?? 0.5;
  if (!(c > 0 && c < 1)) throw new StatsInputError('maxLambda', `must be in (0, 1), got ${c}`);
  const width = upper - lower;
  const logTerm = Math.log(2 / alpha);

  let n = 0;
  let sum = 0;
  let muHat = 0.5;
  let sumSqDev = 0;
  let sumLambda = 0;
  let sumLambdaX = 0;
  let sumPenalty = 0;
  let lo = 0;
  let hi = 1;

  const push = (value: number): void => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < lower || value > upper) {
      throw new StatsInputError('value', `must be a finite number in [${lower}, ${upper}], got ${value}`);
    }
    const x = (value - lower) / width;
    const t = n + 1;
    const sigma2Previous = (0.25 + sumSqDev) / t;
    const lambda = Math.min(Math.sqrt((2 * logTerm) / (sigma2Previous * t * Math.log(1 + t))), c);
    const dev = x - muHat;
    sumLambda += lambda;
    sumLambdaX += lambda * x;
    sumPenalty += dev * dev * (-Math.log1p(-lambda) - lambda);
    n = t;
    sum += x;
    muHat = (0.5 + sum) / (t + 1);
    sumSqDev += (x - muHat) * (x - muHat);
    const centre = sumLambdaX / sumLambda;
    const radius = (logTerm + sumPenalty) / sumLambda;
    lo = Math.max(lo, centre - radius);
    hi = Math.min(hi, centre + radius);
    // An empty intersection can only happen on the α-probability event; keep a point, not an inverted pair.
    if (lo > hi) lo = hi = centre;
  };

  const state = (): BoundedMeanConfidenceSequenceState => ({
    n,
    mean: n > 0 ? lower + (sum / n) * width : NaN,
    interval: [lower + lo * width, lower + hi * width],
  });
  return { push, state };
}
