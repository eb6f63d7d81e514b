import { requireFiniteArray } from '../distributions/input-checks';
import type { Moments } from './types';

/**
 * Mean of `values` by Neumaier-compensated summation, so that 1e5 values of mixed magnitude lose
 * no more than a couple of ulps. A constant series returns its value exactly, so that degenerate
 * "no variation" cases are recognised as such downstream instead of showing rounding noise.
 * Internal helper shared with the trading metrics.
 */
export function compensatedMean(values: ArrayLike<number>): number {
  let sum = 0;
  let compensation = 0;
  let constant = true;
  const first = values[0] as number;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v !== first) constant = false;
    const t = sum + v;
    compensation += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return constant ? first : (sum + compensation) / values.length;
}

/**
 * Central sums Σ(x − x̄)^k for k = 2, 3, 4 by a second pass over the data (two-pass algorithm: no
 * cancellation between Σx² and (Σx)²). Internal helper.
 */
export function centralSums(values: ArrayLike<number>, mean: number): { m2: number; m3: number; m4: number } {
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < values.length; i++) {
    const d = (values[i] as number) - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  return { m2, m3, m4 };
}

/**
 * Summarises raw observations as {@link Moments}: n, mean and unbiased variance (n − 1 denominator;
 * 0 for a single value), computed in two passes for accuracy.
 *
 * ### Examples
 * ```ts
 * momentsOf([1, 2, 3, 4]); // { n: 4, mean: 2.5, variance: 1.6666666666666667 }
 * ```
 */
export function momentsOf(values: readonly number[]): Moments {
  requireFiniteArray('values', values);
  const mean = compensatedMean(values);
  const n = values.length;
  const variance = n > 1 ? centralSums(values, mean).m2 / (n - 1) : 0;
  return { n, mean, variance };
}
