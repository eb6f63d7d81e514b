import { StatsInputError } from '../errors';
import { requireFiniteArray, requirePositive } from '../distributions/input-checks';
import { centralSums, compensatedMean } from '../experiment/moments-of';

/** Options for {@link sharpeRatio}. */
export interface SharpeRatioOptions {
  /**
   * Periods per year (e.g. 252 for daily returns); the per-period ratio is multiplied by its square
   * root. Omit for the per-period (per-decision) ratio.
   */
  periodsPerYear?: number;
}

/**
 * Sharpe ratio of a series of (excess) returns: mean / standard deviation, with the unbiased (n − 1)
 * standard deviation, per period unless `periodsPerYear` annualises it by √periodsPerYear. No
 * risk-free rate is subtracted: pass excess returns. Needs at least 2 returns; a series with zero
 * standard deviation has no Sharpe ratio and throws.
 *
 * ### Examples
 * ```ts
 * sharpeRatio([0.01, 0.02, -0.01, 0.03]); // 0.7319250547114
 * sharpeRatio([0.01, 0.02, -0.01, 0.03], { periodsPerYear: 252 }); // 11.618950038622254
 * ```
 */
export function sharpeRatio(returns: readonly number[], options: SharpeRatioOptions = {}): number {
  requireFiniteArray('returns', returns, 2);
  const mean = compensatedMean(returns);
  const sd = Math.sqrt(centralSums(returns, mean).m2 / (returns.length - 1));
  if (!(sd > 0))
    throw new StatsInputError('returns', 'have zero standard deviation, so the Sharpe ratio is undefined');
  let ratio = mean / sd;
  if (options.periodsPerYear !== undefined) {
    requirePositive('periodsPerYear', options.periodsPerYear);
    ratio *= Math.sqrt(options.periodsPerYear);
  }
  return ratio;
}
