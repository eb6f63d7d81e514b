import {
  computeFeatures,
  FEATURE_WARMUP_BARS,
  labelledDataset,
  MlInputError,
  sliceDataset,
  splitDataset,
  type FeatureSchema,
  type LabelledDataset,
  type OhlcvBar,
  type PredictionTarget,
  type PreparedData,
} from '../../ml';

/** The split of `models train` and of retraining jobs: newest fifth for the holdout, one row of embargo. */
export const BACKTEST_TRAINING_SPLIT = { holdoutFraction: 0.2, gap: 1 } as const;

/**
 * The stored bars of one symbol prepared once for a whole backtest: features of every bar (each
 * computed from the bars up to it only, by the function serving and training use), and the
 * labelled rows. Every window the backtest trains on is a slice of these rows, the same numbers
 * `prepareTrainingDataFor` computes from that window's bars, without computing them again.
 */
export interface BacktestMarket {
  bars: readonly OhlcvBar[];
  /** Open time of each bar (epoch ms). */
  times: Float64Array;
  /** Length of one bar (ms): the median spacing of the bars. */
  barMs: number;
  target: PredictionTarget;
  schema: FeatureSchema;
  /** Feature row of bar i (schema order) for i ≥ FEATURE_WARMUP_BARS; rows × cols, row-major. */
  features: Float64Array;
  cols: number;
  /** close[i+1]/close[i] − 1: the move the prediction at bar i is judged on (NaN for the last bar). */
  change: Float64Array;
  /** Labelled rows of the whole series: row j belongs to bar j + FEATURE_WARMUP_BARS. */
  labelled: LabelledDataset;
}

export function prepareBacktestMarket(bars: readonly OhlcvBar[], target: PredictionTarget): BacktestMarket {
  if (bars.length < FEATURE_WARMUP_BARS + 2)
    throw new MlInputError('bars', `only ${bars.length} bars; a backtest needs far more`);
  const table = computeFeatures(bars);
  const cols = table.schema.names.length;
  const features = new Float64Array(bars.length * cols).fill(Number.NaN);
  for (const row of table.rows) features.set(row.values, row.barIndex * cols);
  const times = Float64Array.from(bars, (b) => new Date(b.ts).getTime());
  const change = new Float64Array(bars.length).fill(Number.NaN);
  for (let i = 0; i + 1 < bars.length; i++) change[i] = bars[i + 1]!.close / bars[i]!.close - 1;
  const gaps = Array.from(
    { length: Math.min(bars.length - 1, 1001) },
    (_, i) => times[i + 1]! - times[i]!,
  ).sort((a, b) => a - b);
  return {
    bars,
    times,
    barMs: gaps[Math.floor(gaps.length / 2)]!,
    target,
    schema: table.schema,
    features,
    cols,
    change,
    labelled: labelledDataset(table, target),
  };
}

/** When bar i is known: its close, one bar length after it opened. */
export function knownAt(market: BacktestMarket, i: number): number {
  return market.times[i]! + market.barMs;
}

/**
 * The training data of a window of bars [first, last] as `models train` or a retraining job would
 * prepare it from those bars: warm-up bars give no row, the last bar no label (its move is not
 * known at its close), then the time-ordered split with embargo.
 */
export function windowTrainingData(market: BacktestMarket, first: number, last: number): PreparedData {
  const from = first;
  const to = last - FEATURE_WARMUP_BARS; // rows [from, to) are bars [first + 20, last − 1]
  if (to - from < 10)
    throw new MlInputError('window', `bars ${first}–${last} leave ${Math.max(0, to - from)} labelled rows`);
  return splitDataset(sliceDataset(market.labelled, from, to), BACKTEST_TRAINING_SPLIT);
}

/** Labelled rows of bars [first, last − 1] of a window (all of them, no split). */
export function windowRows(market: BacktestMarket, first: number, last: number): LabelledDataset {
  return sliceDataset(market.labelled, first, last - FEATURE_WARMUP_BARS);
}
