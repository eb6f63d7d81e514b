import { StatsInputError } from '../errors';
import { requireFiniteArray } from '../distributions/input-checks';

/** Options for {@link maxDrawdown}. */
export interface MaxDrawdownOptions {
  /**
   * 'compound': equity = Π(1 + r) from 1, drawdown = 1 − equity/peak (a fraction of the peak).
   * 'sum': cumulative P&L = Σ r from 0, drawdown = peak − cumulative (in return units).
   * @default 'compound'
   */
  mode?: 'compound' | 'sum';
}

/**
 * Maximum drawdown of a return series: the largest peak-to-trough decline of the cumulative curve,
 * reported as a non-negative number (0 when the curve never falls). The curve starts before the first
 * return (equity 1 or P&L 0), so an initial loss counts. In 'compound' mode returns below −1 are
 * rejected (equity cannot go negative); −1 means a total loss (drawdown 1).
 *
 * ### Examples
 * ```ts
 * maxDrawdown([0.1, -0.5, 0.2]); // 0.5
 * maxDrawdown([0.1, -0.5, 0.2], { mode: 'sum' }); // 0.5
 * maxDrawdown([-0.1, -0.1]); // 0.19 (1 − 0.9²)
 * ```
 */
export function maxDrawdown(returns: readonly number[], options: MaxDrawdownOptions = {}): number {
  requireFiniteArray('returns', returns);
  const mode = options.mode ?? 'compound';
  if (mode !== 'compound' && mode !== 'sum')
    throw new StatsInputError('mode', `must be 'compound' or 'sum', got ${String(mode)}`);
  let worst = 0;
  if (mode === 'sum') {
    let level = 0;
    let peak = 0;
    for (const r of returns) {
      level += r;
      if (level > peak) peak = level;
      else worst = Math.max(worst, peak - level);
    }
    return worst;
  }
  // Work with ln(equity) = Σ log1p(r): a long winning series would overflow the product itself, and
  // 1 − equity/peak = −expm1(ln equity − ln peak) keeps small drawdowns exact.
  let logEquity = 0;
  let logPeak = 0;
  returns.forEach((r, i) => {
    if (r < -1) throw new StatsInputError(`returns[${i}]`, `must be ≥ −1 in compound mode, got ${r}`);
    logEquity += Math.log1p(r);
    if (logEquity > logPeak) logPeak = logEquity;
    else worst = Math.max(worst, -Math.expm1(logEquity - logPeak));
  });
  return worst;
}
