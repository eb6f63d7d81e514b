import { StatsInputError } from '../errors';
import { describe } from './validate';

/** Options for {@link jensenShannonDistance}. */
export interface JensenShannonOptions {
  /**
   * Logarithm base. Base 2 bounds the distance by 1; Evidently passes `base=None` (natural log,
   * bound √ln 2 ≈ 0.833).
   * @default 2
   */
  base?: number;
}

/**
 * Jensen–Shannon distance between two discrete distributions, matching
 * `scipy.spatial.distance.jensenshannon(p, q, base=2)`: both inputs are normalised to sum to 1,
 * m = (p + q)/2, and the result is √((KL(p‖m) + KL(q‖m))/2), the square root of the JS divergence.
 * Inputs are non-negative weights or counts of equal length (zeros allowed, not all zero).
 *
 * Rounding can leave the divergence a few ulps below 0 for near-identical inputs, where scipy
 * returns NaN; this returns 0 there.
 *
 * ### Examples
 * ```ts
 * jensenShannonDistance([1, 0], [0, 1]);       // 1
 * jensenShannonDistance([1, 0, 0], [1, 1, 0]); // 0.5579230452841438
 * ```
 */
export function jensenShannonDistance(
  p: ArrayLike<number>,
  q: ArrayLike<number>,
  options: JensenShannonOptions = {},
): number {
  const base = options.base ?? 2;
  if (typeof base !== 'number' || !Number.isFinite(base) || base <= 0 || base === 1) {
    throw new StatsInputError(
      'options.base',
      `must be a positive number other than 1, got ${describe(base)}`,
    );
  }
  const pSum = weightTotal(p, 'p');
  const qSum = weightTotal(q, 'q');
  if (p.length !== q.length) {
    throw new StatsInputError('q', `must have the same length as p (${p.length}), got ${q.length}`);
  }
  let left = 0;
  let right = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]! / pSum;
    const qi = q[i]! / qSum;
    const m = (pi + qi) / 2;
    // rel_entr(x, m) = x·ln(x/m), and 0 when x = 0.
    if (pi > 0) left += pi * Math.log(pi / m);
    if (qi > 0) right += qi * Math.log(qi / m);
  }
  const divergence = (left + right) / Math.log(base);
  return Math.sqrt(Math.max(0, divergence / 2));
}

function weightTotal(weights: ArrayLike<number>, argument: string): number {
  if (weights === null || typeof weights !== 'object' || typeof weights.length !== 'number') {
    throw new StatsInputError(argument, 'must be an array of non-negative numbers');
  }
  if (weights.length === 0) throw new StatsInputError(argument, 'must not be empty');
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw new StatsInputError(
        argument,
        `element ${i} is ${describe(w)}; weights must be finite and non-negative`,
      );
    }
    sum += w;
  }
  if (!(sum > 0) || !Number.isFinite(sum))
    throw new StatsInputError(argument, 'must have a positive, finite sum');
  return sum;
}
