import { maxDrawdown, sharpeRatio } from '../../stats';
import { MlInputError } from '../errors';

/**
 * How scores become signals, following the legacy Gal-Friday arbitrator (`a53b3c2`):
 * `probability`: BUY if p ≥ buyThreshold, else SELL if p < sellThreshold (strict);
 * `price-change`: BUY if v ≥ buyThreshold, else SELL if v ≤ sellThreshold (both inclusive).
 */
export type SignalMode = 'probability' | 'price-change';

/** Options for {@link backtestSignals}. */
export interface SignalBacktestOptions {
  /** @default 'probability' */
  mode?: SignalMode;
  /** @default 0.6 for probability, 0.01 for price-change */
  buyThreshold?: number;
  /** @default 0.4 for probability, −0.01 for price-change */
  sellThreshold?: number;
  /** Fractional cost charged on every signal's return (fees + slippage). @default 0 */
  costPerSignal?: number;
}

/** Outcome of the signals a strategy would have emitted; return statistics are null without signals. */
export interface SignalBacktest {
  signals: number;
  buys: number;
  sells: number;
  /** Share of signals whose return (after cost) is > 0. */
  hitRate: number | null;
  /** Mean return per signal (BUY earns r, SELL earns −r, minus cost). */
  meanSignalReturn: number | null;
  /** Per-signal Sharpe ratio (mean / sample std, not annualised); null with < 2 signals or zero spread. */
  sharpe: number | null;
  /**
   * Largest peak-to-trough fall of the cumulative per-signal P&L (sum of returns: one unit staked
   * per signal, signals do not compound), as a non-negative number.
   */
  maxDrawdown: number | null;
  /** Per-signal returns in time order (for plots and further statistics). */
  returns: number[];
}

/**
 * Replays model scores as trading signals over realised forward returns and summarises them: number
 * of signals, hit rate, mean return, Sharpe and max drawdown of the signal returns.
 *
 * ### Examples
 * ```ts
 * backtestSignals([0.7, 0.5, 0.3], [0.01, 0.02, 0.005]);
 * // { signals: 2, buys: 1, sells: 1, hitRate: 0.5, meanSignalReturn: 0.0025, returns: [0.01, -0.005], … }
 * ```
 */
export function backtestSignals(
  scores: ArrayLike<number>,
  forwardReturns: ArrayLike<number>,
  options: SignalBacktestOptions = {},
): SignalBacktest {
  const mode = options.mode ?? 'probability';
  if (mode !== 'probability' && mode !== 'price-change') {
    throw new MlInputError('options.mode', `must be 'probability' or 'price-change', got ${String(mode)}`);
  }
  const buy = options.buyThreshold ?? (mode === 'probability' ? 0.6 : 0.01);
  const sell = options.sellThreshold ?? (mode === 'probability' ? 0.4 : -0.01);
  const cost = options.costPerSignal ?? 0;
  if (!(buy > sell))
    throw new MlInputError('options.buyThreshold', `must be greater than sellThreshold (${buy} ≤ ${sell})`);
  if (!(cost >= 0) || !Number.isFinite(cost))
    throw new MlInputError('options.costPerSignal', `must be ≥ 0, got ${cost}`);
  if (scores.length !== forwardReturns.length) {
    throw new MlInputError(
      'forwardReturns',
      `has ${forwardReturns.length} values, scores has ${scores.length}`,
    );
  }
  const returns: number[] = [];
  let buys = 0;
  let sells = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    const r = forwardReturns[i]!;
    if (!Number.isFinite(s)) throw new MlInputError(`scores[${i}]`, `must be finite, got ${s}`);
    if (!Number.isFinite(r)) throw new MlInputError(`forwardReturns[${i}]`, `must be finite, got ${r}`);
    const isBuy = s >= buy;
    const isSell = !isBuy && (mode === 'probability' ? s < sell : s <= sell);
    if (isBuy) {
      buys++;
      returns.push(r - cost);
    } else if (isSell) {
      sells++;
      returns.push(-r - cost);
    }
  }
  const n = returns.length;
  if (n === 0) {
    return {
      signals: 0,
      buys,
      sells,
      hitRate: null,
      meanSignalReturn: null,
      sharpe: null,
      maxDrawdown: null,
      returns,
    };
  }
  let hits = 0;
  let sum = 0;
  for (const r of returns) {
    if (r > 0) hits++;
    sum += r;
  }
  // sharpeRatio throws on a constant series: there is no ratio to report, not an input error here.
  const spread = returns.some((r) => r !== returns[0]);
  return {
    signals: n,
    buys,
    sells,
    hitRate: hits / n,
    meanSignalReturn: sum / n,
    sharpe: n >= 2 && spread ? sharpeRatio(returns) : null,
    maxDrawdown: maxDrawdown(returns, { mode: 'sum' }),
    returns,
  };
}
