import { StatsInputError } from '../errors';
import { normalCdf } from '../distributions';
import { requirePositive } from '../distributions/input-checks';
import { checkMoments, checkProportion } from './arm-checks';
import { probabilityBetaGreater } from './beta-superiority';
import type { Moments, Proportion } from './types';

/** A Beta(alpha, beta) prior on a conversion rate. */
export interface BetaPrior {
  alpha: number;
  beta: number;
}

/** Options for {@link probabilityToBeatControl} with proportions. */
export interface BetaBinomialOptions {
  /** Prior shared by both arms. @default { alpha: 1, beta: 1 } (uniform) */
  prior?: BetaPrior;
}

/** Reads and checks the Beta prior option. Internal: shared with probabilityBest. */
export function readPrior(prior: BetaPrior | undefined): BetaPrior {
  const value = prior ?? { alpha: 1, beta: 1 };
  if (value === null || typeof value !== 'object')
    throw new StatsInputError('prior', 'must be { alpha, beta }');
  requirePositive('prior.alpha', value.alpha);
  requirePositive('prior.beta', value.beta);
  return value;
}

function isProportion(arm: unknown): arm is Proportion {
  return arm !== null && typeof arm === 'object' && 'successes' in arm;
}

/**
 * Posterior probability that the treatment's true rate (or mean) exceeds the control's.
 *
 * - Proportions: independent Beta–Binomial posteriors Beta(α + successes, β + failures); P(p_B > p_A)
 *   is computed exactly by the Miller/Stucchio finite sum when any posterior parameter is an integer
 *   (always with the default uniform prior), otherwise by tanh-sinh quadrature (~1e-12).
 * - Moments: flat-prior normal posteriors N(mean, variance/n), so P = Φ(Δ/√(s²_A/n_A + s²_B/n_B)).
 *   With both variances zero the answer is 1, 0 or ½ as the treatment mean is above, below or equal.
 *
 * ### Examples
 * ```ts
 * probabilityToBeatControl({ successes: 10, trials: 100 }, { successes: 15, trials: 100 }); // 0.8532837899339702
 * probabilityToBeatControl({ n: 100, mean: 0, variance: 1 }, { n: 100, mean: 0.2, variance: 1 }); // 0.9213503964748575
 * ```
 */
export function probabilityToBeatControl(
  control: Proportion,
  treatment: Proportion,
  options?: BetaBinomialOptions,
): number;
export function probabilityToBeatControl(control: Moments, treatment: Moments): number;
export function probabilityToBeatControl(
  control: Proportion | Moments,
  treatment: Proportion | Moments,
  options: BetaBinomialOptions = {},
): number {
  if (isProportion(control) !== isProportion(treatment)) {
    throw new StatsInputError(
      'treatment',
      'must be the same kind of summary as control (both Proportion or both Moments)',
    );
  }
  if (isProportion(control) && isProportion(treatment)) {
    checkProportion('control', control);
    checkProportion('treatment', treatment);
    const prior = readPrior(options.prior);
    return probabilityBetaGreater(
      prior.alpha + control.successes,
      prior.beta + control.trials - control.successes,
      prior.alpha + treatment.successes,
      prior.beta + treatment.trials - treatment.successes,
    );
  }
  const a = control as Moments;
  const b = treatment as Moments;
  checkMoments('control', a);
  checkMoments('treatment', b);
  const diff = b.mean - a.mean;
  const v = a.variance / a.n + b.variance / b.n;
  if (!(v > 0)) return diff > 0 ? 1 : diff < 0 ? 0 : 0.5;
  return normalCdf(diff / Math.sqrt(v));
}
