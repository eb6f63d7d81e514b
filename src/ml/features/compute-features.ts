import { MlInputError } from '../errors';
import { assertValidBars, type OhlcvBar } from '../market/ohlcv-bar';
import { FEATURE_SCHEMA, type FeatureSchema } from './feature-schema';

/** Options for {@link computeFeatures}. */
export interface FeatureSpec {
  /** Bars ahead the targets look: `price_change_pct = close[t+h] / close[t] − 1`. @default 1 */
  horizon?: number;
}

/** The two prediction targets of a row (absent on the last `horizon` rows). */
export interface FeatureTargets {
  /** 1 if the close `horizon` bars ahead is above this close, else 0. */
  prob_up: 0 | 1;
  /** Fractional change of the close over the next `horizon` bars. */
  price_change_pct: number;
}

/** One row: the bar it belongs to, feature values in schema order, and targets when known. */
export interface FeatureRow {
  barIndex: number;
  ts: string;
  values: number[];
  target?: FeatureTargets;
}

/** Output of {@link computeFeatures}. */
export interface FeatureTable {
  schema: FeatureSchema;
  horizon: number;
  rows: FeatureRow[];
}

/**
 * Bars of history a row needs before it: the longest window (20 returns) needs 21 bars, so the
 * first 20 bars only warm up. Serving must send at least `FEATURE_WARMUP_BARS + 1` bars.
 */
export const FEATURE_WARMUP_BARS = 20;

function mean(xs: readonly number[], from: number, to: number): number {
  let s = 0;
  for (let i = from; i <= to; i++) s += xs[i]!;
  return s / (to - from + 1);
}

function std(xs: readonly number[], from: number, to: number, sample: boolean): number {
  const m = mean(xs, from, to);
  let s = 0;
  for (let i = from; i <= to; i++) s += (xs[i]! - m) ** 2;
  const n = to - from + 1;
  return Math.sqrt(s / (sample ? n - 1 : n));
}

/** A spread this small relative to the level is rounding noise in a constant window, not variation. */
function isFlat(spread: number, level: number): boolean {
  return spread <= 1e-12 * Math.max(1, Math.abs(level));
}

/**
 * Computes the {@link FEATURE_SCHEMA} features for every bar with full history, plus targets
 * `horizon` bars ahead. The feature at bar t reads only bars ≤ t (the targets read t + horizon),
 * so training rows and live serving rows are computed by this same function. Rows before
 * {@link FEATURE_WARMUP_BARS} are dropped; the last `horizon` rows have no target. Throws
 * MlInputError for invalid or unordered bars.
 *
 * ### Examples
 * ```ts
 * import { generateSyntheticMarket } from '../market/synthetic-market';
 * const { bars } = generateSyntheticMarket({ seed: 1, bars: 100 });
 * const table = computeFeatures(bars, { horizon: 1 });
 * table.rows.length; // 80
 * table.rows[0]?.barIndex; // 20
 * table.rows.at(-1)?.target; // undefined (no bar after it)
 * ```
 */
export function computeFeatures(bars: readonly OhlcvBar[], spec: FeatureSpec = {}): FeatureTable {
  const horizon = spec.horizon ?? 1;
  if (!Number.isInteger(horizon) || horizon < 1) {
    throw new MlInputError('spec.horizon', `must be a positive integer, got ${horizon}`);
  }
  const times = assertValidBars(bars);
  const close = bars.map((b) => b.close);
  const logRet = close.map((c, i) => (i === 0 ? 0 : Math.log(c / close[i - 1]!)));
  const logVol = bars.map((b) => Math.log1p(b.volume));
  const volume = bars.map((b) => b.volume);
  const range = bars.map((b) => Math.log(b.high / b.low));

  const rows: FeatureRow[] = [];
  for (let t = FEATURE_WARMUP_BARS; t < bars.length; t++) {
    const bar = bars[t]!;
    const ret = (k: number): number => Math.log(close[t]! / close[t - k]!);
    const vol5 = std(logRet, t - 4, t, true);
    const vol20 = std(logRet, t - 19, t, true);
    let gains = 0;
    let losses = 0;
    for (let i = t - 13; i <= t; i++) {
      const d = close[i]! - close[i - 1]!;
      if (d > 0) gains += d;
      else losses -= d;
    }
    const sma5 = mean(close, t - 4, t);
    const sma20 = mean(close, t - 19, t);
    const closeStd20 = std(close, t - 19, t, false);
    const logVolMean = mean(logVol, t - 19, t);
    const logVolStd = std(logVol, t - 19, t, false);
    const volMean20 = mean(volume, t - 19, t);
    const hl = bar.high - bar.low;

    const values = [
      ret(1),
      ret(2),
      ret(5),
      ret(10),
      ret(20),
      vol5,
      vol20,
      isFlat(vol20, 0) ? 1 : vol5 / vol20,
      gains + losses > 0 ? (100 * gains) / (gains + losses) : 50,
      sma5 / sma20 - 1,
      isFlat(closeStd20, sma20) ? 0 : (close[t]! - sma20) / closeStd20,
      range[t]!,
      mean(range, t - 9, t),
      hl > 0 ? (bar.close - bar.low) / hl : 0.5,
      Math.log(bar.open / close[t - 1]!),
      isFlat(logVolStd, logVolMean) ? 0 : (logVol[t]! - logVolMean) / logVolStd,
      volMean20 > 0 ? mean(volume, t - 4, t) / volMean20 : 1,
    ];
    const row: FeatureRow = { barIndex: t, ts: new Date(times[t]!).toISOString(), values };
    if (t + horizon < bars.length) {
      const change = close[t + horizon]! / close[t]! - 1;
      row.target = { prob_up: change > 0 ? 1 : 0, price_change_pct: change };
    }
    rows.push(row);
  }
  return { schema: FEATURE_SCHEMA, horizon, rows };
}
