import { StatsInputError } from '../errors';
import { createRng } from '../random';
import { requireCount, requireFinite } from '../distributions/input-checks';
import { checkMoments, checkProportion } from './arm-checks';
import { type BetaPrior, readPrior } from './probability-to-beat-control';
import type { Moments, Proportion } from './types';

/** Options for {@link probabilityBest}. */
export interface ProbabilityBestOptions {
  /** Monte-Carlo draws from the joint posterior. @default 10000 */
  draws?: number;
  /** Seed of the random stream (results are reproducible per seed). */
  seed: number;
  /** Beta prior for proportion arms. @default { alpha: 1, beta: 1 } */
  prior?: BetaPrior;
  /** Whether a larger value is better; false picks the smallest draw. @default true */
  higherIsBetter?: boolean;
}

/**
 * Monte-Carlo posterior probability that each arm is the best, for any number of arms: draws each
 * arm's rate from Beta(α + successes, β + failures) (proportions) or its mean from N(mean,
 * variance/n) (moments, flat prior) and counts how often it is the largest. Ties (possible only with
 * zero-variance arms) split the draw equally. Uses {@link createRng}, so a seed fixes the answer; the
 * Monte-Carlo standard error of each probability is √(p(1−p)/draws).
 *
 * ### Examples
 * ```ts
 * probabilityBest(
 *   [{ successes: 10, trials: 100 }, { successes: 15, trials: 100 }, { successes: 12, trials: 100 }],
 *   { draws: 20000, seed: 7 },
 * ); // [0.09785, 0.6628, 0.23935] (sums to 1; exact values ≈ 0.098, 0.663, 0.239)
 * ```
 */
export function probabilityBest(
  arms: ReadonlyArray<Proportion> | ReadonlyArray<Moments>,
  options: ProbabilityBestOptions,
): number[] {
  if (!Array.isArray(arms) || arms.length < 2) {
    throw new StatsInputError(
      'arms',
      `must be an array of at least 2 arms, got ${Array.isArray(arms) ? arms.length : typeof arms}`,
    );
  }
  if (options === null || typeof options !== 'object')
    throw new StatsInputError('options', 'must include a seed');
  const draws = options.draws ?? 10_000;
  requireCount('draws', draws);
  if (draws < 1) throw new StatsInputError('draws', 'must be at least 1');
  requireFinite('seed', options.seed);
  const sign = options.higherIsBetter === false ? -1 : 1;
  const proportions = arms.every((arm) => arm !== null && typeof arm === 'object' && 'successes' in arm);
  const samplers: Array<(rng: ReturnType<typeof createRng>) => number> = [];
  if (proportions) {
    const prior = readPrior(options.prior);
    (arms as ReadonlyArray<Proportion>).forEach((arm, i) => {
      checkProportion(`arms[${i}]`, arm);
      const a = prior.alpha + arm.successes;
      const b = prior.beta + arm.trials - arm.successes;
      samplers.push((rng) => rng.beta(a, b));
    });
  } else {
    (arms as ReadonlyArray<Moments>).forEach((arm, i) => {
      if (arm !== null && typeof arm === 'object' && 'successes' in arm) {
        throw new StatsInputError(`arms[${i}]`, 'must be the same kind of summary as arms[0]');
      }
      checkMoments(`arms[${i}]`, arm);
      const sd = Math.sqrt(arm.variance / arm.n);
      samplers.push((rng) => arm.mean + sd * rng.normal());
    });
  }
  const rng = createRng(options.seed);
  const wins = new Array<number>(arms.length).fill(0);
  const values = new Array<number>(arms.length).fill(0);
  for (let d = 0; d < draws; d++) {
    let best = -Infinity;
    for (let i = 0; i < samplers.length; i++) {
      const v = sign * (samplers[i] as (r: typeof rng) => number)(rng);
      values[i] = v;
      if (v > best) best = v;
    }
    let ties = 0;
    for (const v of values) if (v === best) ties++;
    for (let i = 0; i < values.length; i++) if (values[i] === best) wins[i] = (wins[i] as number) + 1 / ties;
  }
  return wins.map((w) => w / draws);
}
