import { StatsInputError } from '../../stats/errors';
import type { Rng } from '../../stats/random';
import type { ArmObservation } from './types';
import { validateUnitInterval, validateVariants } from './validation';

// Seldon's epsilon-greedy: exploit the best observed arm with probability 1 − ε and spend ε evenly
// on the other arms, so with k arms the shares are (1 − ε, ε/(k−1), …). The original Gal-Friday
// looked the stats up under the wrong key, always "exploited" control and starved the treatment at
// ~5%; here the best arm is read from the observations the caller passes, and a test pins the shares.

/**
 * Default exploration rate, as in Seldon Core's router.
 */
export const DEFAULT_EPSILON = 0.1;

function validateArms(arms: readonly ArmObservation[], count: number): void {
  if (!Array.isArray(arms) || arms.length !== count) {
    throw new StatsInputError(
      'arms',
      `must have one observation per variant (${count}), got ${Array.isArray(arms) ? arms.length : typeof arms}`,
    );
  }
  for (let i = 0; i < arms.length; i++) {
    const arm = arms[i]!;
    if (!Number.isInteger(arm.n) || arm.n < 0)
      throw new StatsInputError(`arms[${i}].n`, `must be an integer >= 0, got ${arm.n}`);
    if (arm.n > 0 && !Number.isFinite(arm.mean))
      throw new StatsInputError(`arms[${i}].mean`, `must be a finite number, got ${arm.mean}`);
  }
}

/**
 * Index of the arm with the highest observed mean (lowest with `direction: 'lower'`). Ties go to the
 * lowest index, arms with `n === 0` have no mean and are skipped, and if no arm has data the first
 * arm is best, so the result is a pure function of the observations.
 *
 * ### Examples
 * ```ts
 * bestArmIndex([{ n: 10, mean: 0.2 }, { n: 10, mean: 0.5 }, { n: 10, mean: 0.5 }]); // 1
 * bestArmIndex([{ n: 0, mean: 0 }, { n: 5, mean: -1 }]); // 1
 * bestArmIndex([{ n: 10, mean: 0.2 }, { n: 10, mean: 0.5 }], 'lower'); // 0
 * ```
 */
export function bestArmIndex(
  arms: readonly ArmObservation[],
  direction: 'higher' | 'lower' = 'higher',
): number {
  let best = -1;
  let bestMean = 0;
  for (let i = 0; i < arms.length; i++) {
    const arm = arms[i]!;
    if (arm.n === 0) continue;
    if (best < 0 || (direction === 'higher' ? arm.mean > bestMean : arm.mean < bestMean)) {
      best = i;
      bestMean = arm.mean;
    }
  }
  return best < 0 ? 0 : best;
}

/**
 * Options of {@link compileEpsilonGreedy}.
 *
 * ### Examples
 * ```ts
 * const config: EpsilonGreedyConfig<'a' | 'b'> = { variants: ['a', 'b'], epsilon: 0.05 };
 * ```
 */
export interface EpsilonGreedyConfig<K extends string = string> {
  readonly variants: readonly K[];
  /**
   * Probability of exploring, in [0, 1].
   * @default 0.1
   */
  readonly epsilon?: number;
  /**
   * Whether a higher or a lower mean reward is better.
   * @default 'higher'
   */
  readonly direction?: 'higher' | 'lower';
}

/**
 * A validated epsilon-greedy policy over a fixed variant list.
 *
 * ### Examples
 * ```ts
 * const policy = compileEpsilonGreedy({ variants: ['a', 'b', 'c'], epsilon: 0.1 });
 * policy.weights([{ n: 50, mean: 0.1 }, { n: 50, mean: 0.3 }, { n: 50, mean: 0.2 }]); // [0.05, 0.9, 0.05]
 * ```
 */
export interface EpsilonGreedy<K extends string = string> {
  readonly variants: readonly K[];
  readonly epsilon: number;
  /**
   * One per-request decision: the best arm with probability 1 − ε, else a uniform pick among the
   * other arms (never the best one). Consumes one `rng.next()` when exploiting, two when exploring.
   */
  pick(arms: readonly ArmObservation[], rng: Rng): K;
  /**
   * The shares `pick` realises: 1 − ε for the best arm and ε/(k−1) for each other arm (1 for a
   * single arm). Compile them into an assigner to serve epsilon-greedy through sticky hashing.
   */
  weights(arms: readonly ArmObservation[]): number[];
}

/**
 * Validates an epsilon-greedy configuration and compiles the policy.
 *
 * ### Examples
 * ```ts
 * import { createRng } from '../../stats/random';
 * const policy = compileEpsilonGreedy({ variants: ['control', 'treatment'] });
 * policy.pick([{ n: 200, mean: 0.5 }, { n: 200, mean: 0.6 }], createRng(3)); // 'treatment' 90% of the time
 * compileEpsilonGreedy({ variants: ['a', 'b'], epsilon: 1.5 });
 * // throws StatsInputError 'epsilon: must be a number in [0, 1], got 1.5'
 * ```
 */
export function compileEpsilonGreedy<K extends string>(config: EpsilonGreedyConfig<K>): EpsilonGreedy<K> {
  validateVariants(config.variants);
  const epsilon = config.epsilon ?? DEFAULT_EPSILON;
  validateUnitInterval('epsilon', epsilon);
  const direction = config.direction ?? 'higher';
  if (direction !== 'higher' && direction !== 'lower') {
    throw new StatsInputError('direction', `must be 'higher' or 'lower', got ${JSON.stringify(direction)}`);
  }
  const variants = Object.freeze([...config.variants]);
  const k = variants.length;

  const pick = (arms: readonly ArmObservation[], rng: Rng): K => {
    validateArms(arms, k);
    const best = bestArmIndex(arms, direction);
    // Explore only when there is another arm: with k = 1 the ε share has nowhere to go.
    if (k === 1 || rng.next() >= epsilon) return variants[best]!;
    // Uniform over the k − 1 other arms: draw a rank among them and step over the best one.
    const rank = Math.floor(rng.next() * (k - 1));
    return variants[rank >= best ? rank + 1 : rank]!;
  };

  const weights = (arms: readonly ArmObservation[]): number[] => {
    validateArms(arms, k);
    if (k === 1) return [1];
    const best = bestArmIndex(arms, direction);
    const other = epsilon / (k - 1);
    return variants.map((_, i) => (i === best ? 1 - epsilon : other));
  };

  return Object.freeze({ variants, epsilon, pick, weights });
}
