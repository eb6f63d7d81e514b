import { maxDrawdown, probabilisticSharpeRatio, sharpeRatio } from '../../stats';
import type { BacktestMarket } from './backtest-market';

/** Trading and forecast figures of a strategy over a range of bars. */
export interface TradingFigures {
  from: string;
  to: string;
  bars: number;
  signals: number;
  /** Σ signal returns (one unit staked per signal, no compounding), after costs. */
  cumulativePnl: number;
  /** Annualised Sharpe of the per-bar P&L (0 on bars without a signal); null without spread. */
  sharpe: number | null;
  /** Probability that the true per-bar Sharpe exceeds 0 (Bailey & López de Prado). */
  psr: number | null;
  /** Largest fall of the cumulative P&L from its peak, in return units. */
  maxDrawdown: number;
  /** Share of signals that made money. */
  hitRate: number | null;
  /** Mean log loss and Brier of the served predictions (classification only). */
  logLoss: number | null;
  brier: number | null;
  /** Share of bars whose direction the served prediction called right. */
  accuracy: number | null;
}

const LOG_CLIP = 1e-15;

/** Figures of bars [first, last] (each bar's trade is read from the bar after it). */
export function tradingFigures(
  market: BacktestMarket,
  served: Float64Array,
  pnl: Float64Array,
  signal: Int8Array,
  first: number,
  last: number,
): TradingFigures {
  const series: number[] = [];
  let signals = 0;
  let hits = 0;
  let ll = 0;
  let brier = 0;
  let correct = 0;
  let scored = 0;
  const classification = market.target === 'prob_up';
  for (let t = first; t <= last; t++) {
    const p = served[t]!;
    if (Number.isNaN(p)) continue;
    series.push(pnl[t]!);
    if (signal[t] !== 0) {
      signals++;
      if (pnl[t]! > 0) hits++;
    }
    const change = market.change[t]!;
    const up = change > 0 ? 1 : 0;
    scored++;
    if (classification) {
      const q = Math.min(Math.max(p, LOG_CLIP), 1 - LOG_CLIP);
      ll += up ? -Math.log(q) : -Math.log(1 - q);
      brier += (p - up) ** 2;
      if (p >= 0.5 === (up === 1)) correct++;
    } else if (p > 0 === (up === 1)) correct++;
  }
  const spread = series.some((r) => r !== series[0]);
  const barsPerYear = (365.25 * 86_400_000) / market.barMs;
  return {
    from: new Date(market.times[first]!).toISOString(),
    to: new Date(market.times[last]!).toISOString(),
    bars: scored,
    signals,
    cumulativePnl: series.reduce((s, r) => s + r, 0),
    sharpe: series.length >= 2 && spread ? sharpeRatio(series) * Math.sqrt(barsPerYear) : null,
    psr: series.length >= 3 && spread ? probabilisticSharpeRatio(series) : null,
    maxDrawdown: series.length ? maxDrawdown(series, { mode: 'sum' }) : 0,
    hitRate: signals ? hits / signals : null,
    logLoss: classification && scored ? ll / scored : null,
    brier: classification && scored ? brier / scored : null,
    accuracy: scored ? correct / scored : null,
  };
}

/** The bar ranges of each UTC calendar year in [first, last]. */
export function yearRanges(
  market: BacktestMarket,
  first: number,
  last: number,
): Array<{ year: number; first: number; last: number }> {
  const out: Array<{ year: number; first: number; last: number }> = [];
  for (let t = first; t <= last; t++) {
    const year = new Date(market.times[t]!).getUTCFullYear();
    const current = out.at(-1);
    if (current && current.year === year) current.last = t;
    else out.push({ year, first: t, last: t });
  }
  return out;
}
