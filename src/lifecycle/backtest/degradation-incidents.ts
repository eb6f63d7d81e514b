import type { BacktestMarket } from './backtest-market';

/** How degradation incidents are found (docs/concepts.md, "Degradation incidents"). */
export interface IncidentOptions {
  /** Bars of the rolling loss. */
  rollingBars: number;
  /** Fewest consecutive degraded bars that make an incident (K). */
  minBars: number;
  /** How much worse than the fresh model (mean loss per bar) counts as worse. */
  margin: number;
}

/** A stretch of bars where the champion did worse than a coin flip or than a fresh model. */
export interface DegradationIncident {
  from: string;
  to: string;
  startBar: number;
  endBar: number;
  bars: number;
  days: number;
  /** What it was worse than at the incident's first bar. */
  worseThan: 'coin-flip' | 'fresh-model' | 'both';
  /** The promotion that ended it: the first one after its start and before its end. */
  endedByPromotionAtBar: number | null;
  /** Bars and days from its start to that promotion. */
  cycleBars: number | null;
  cycleDays: number | null;
}

/** The loss of a prediction on bar t's move: log loss (classification) or squared error. */
export function barLoss(market: BacktestMarket, p: number, t: number): number {
  const change = market.change[t]!;
  if (market.target !== 'prob_up') return (p - change) ** 2;
  const q = Math.min(Math.max(p, 1e-15), 1 - 1e-15);
  return change > 0 ? -Math.log(q) : -Math.log(1 - q);
}

/** The loss of knowing nothing: ln 2 for a probability, a forecast of no change for a change. */
function coinLoss(market: BacktestMarket, t: number): number {
  return market.target === 'prob_up' ? Math.LN2 : market.change[t]! ** 2;
}

/** Rolling mean of a per-bar series over the last `bars` bars of [first, t]; NaN before it is full. */
function rolling(values: Float64Array, first: number, last: number, bars: number): Float64Array {
  const out = new Float64Array(values.length).fill(Number.NaN);
  let sum = 0;
  for (let t = first; t <= last; t++) {
    sum += values[t]!;
    if (t - bars >= first) sum -= values[t - bars]!;
    if (t - first + 1 >= bars) out[t] = sum / bars;
  }
  return out;
}

/**
 * Incidents of one strategy's champion: every stretch of at least K bars where its rolling loss is
 * above a coin flip's or above the fresh model's plus the margin, each with the promotion that
 * ended it, if one did.
 */
export function degradationIncidents(
  market: BacktestMarket,
  champion: Float64Array,
  fresh: Float64Array,
  first: number,
  last: number,
  promotionsAtBar: readonly number[],
  options: IncidentOptions,
): { incidents: DegradationIncident[]; degraded: Uint8Array } {
  const n = market.bars.length;
  const champLoss = new Float64Array(n);
  const freshLoss = new Float64Array(n);
  const coin = new Float64Array(n);
  for (let t = first; t <= last; t++) {
    champLoss[t] = barLoss(market, champion[t]!, t);
    freshLoss[t] = barLoss(market, fresh[t]!, t);
    coin[t] = coinLoss(market, t);
  }
  const rc = rolling(champLoss, first, last, options.rollingBars);
  const rf = rolling(freshLoss, first, last, options.rollingBars);
  const r0 = rolling(coin, first, last, options.rollingBars);
  const degraded = new Uint8Array(n);
  const reasons = new Uint8Array(n); // 1 coin, 2 fresh, 3 both
  for (let t = first; t <= last; t++) {
    if (Number.isNaN(rc[t]!)) continue;
    const worseCoin = rc[t]! > r0[t]!;
    const worseFresh = rc[t]! > rf[t]! + options.margin;
    if (worseCoin || worseFresh) {
      degraded[t] = 1;
      reasons[t] = (worseCoin ? 1 : 0) + (worseFresh ? 2 : 0);
    }
  }
  const incidents: DegradationIncident[] = [];
  const day = 86_400_000;
  for (let t = first; t <= last; t++) {
    if (!degraded[t]) continue;
    let end = t;
    while (end + 1 <= last && degraded[end + 1]) end++;
    const bars = end - t + 1;
    if (bars >= options.minBars) {
      const promotion = promotionsAtBar.find((p) => p >= t && p <= end) ?? null;
      const reason = reasons[t]!;
      incidents.push({
        from: new Date(market.times[t]!).toISOString(),
        to: new Date(market.times[end]!).toISOString(),
        startBar: t,
        endBar: end,
        bars,
        days: (bars * market.barMs) / day,
        worseThan: reason === 3 ? 'both' : reason === 1 ? 'coin-flip' : 'fresh-model',
        endedByPromotionAtBar: promotion,
        cycleBars: promotion === null ? null : promotion - t,
        cycleDays: promotion === null ? null : ((promotion - t) * market.barMs) / day,
      });
    }
    t = end;
  }
  return { incidents, degraded };
}
