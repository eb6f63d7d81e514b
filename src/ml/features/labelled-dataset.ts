import { MlInputError } from '../errors';
import type { FeatureMatrix } from './feature-matrix';
import type { FeatureSchema } from './feature-schema';
import type { FeatureTable } from './compute-features';

/** What a model predicts: a probability of an up move, or the fractional price change. */
export type PredictionTarget = 'prob_up' | 'price_change_pct';

/** Feature rows that have a target, as training and evaluation code consumes them (time order). */
export interface LabelledDataset {
  schema: FeatureSchema;
  horizon: number;
  target: PredictionTarget;
  x: FeatureMatrix;
  /** Target per row: 0/1 for `prob_up`, fractional change for `price_change_pct`. */
  y: Float64Array;
  /** Fractional change over the horizon for every row, whatever the target (for backtests). */
  forwardReturn: Float64Array;
  ts: string[];
}

/**
 * Keeps the rows of a feature table that have a target and packs them for training.
 *
 * ### Examples
 * ```ts
 * import { computeFeatures } from './compute-features';
 * declare const bars: readonly import('../market/ohlcv-bar').OhlcvBar[];
 * const ds = labelledDataset(computeFeatures(bars, { horizon: 1 }), 'prob_up');
 * ds.x.cols; // 17
 * ds.y[0]; // 0 or 1
 * ```
 */
export function labelledDataset(table: FeatureTable, target: PredictionTarget): LabelledDataset {
  if (target !== 'prob_up' && target !== 'price_change_pct') {
    throw new MlInputError('target', `must be 'prob_up' or 'price_change_pct', got ${String(target)}`);
  }
  const rows = table.rows.filter((r) => r.target !== undefined);
  const cols = table.schema.names.length;
  const data = new Float64Array(rows.length * cols);
  const y = new Float64Array(rows.length);
  const forwardReturn = new Float64Array(rows.length);
  rows.forEach((r, i) => {
    data.set(r.values, i * cols);
    y[i] = r.target![target];
    forwardReturn[i] = r.target!.price_change_pct;
  });
  return {
    schema: table.schema,
    horizon: table.horizon,
    target,
    x: { rows: rows.length, cols, data },
    y,
    forwardReturn,
    ts: rows.map((r) => r.ts),
  };
}

/**
 * Rows `[from, to)` of a dataset, in order.
 */
export function sliceDataset(ds: LabelledDataset, from: number, to: number): LabelledDataset {
  const n = ds.x.rows;
  if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from <= to && to <= n)) {
    throw new MlInputError('range', `[${from}, ${to}) is not a valid slice of ${n} rows`);
  }
  const cols = ds.x.cols;
  return {
    ...ds,
    x: { rows: to - from, cols, data: ds.x.data.slice(from * cols, to * cols) },
    y: ds.y.slice(from, to),
    forwardReturn: ds.forwardReturn.slice(from, to),
    ts: ds.ts.slice(from, to),
  };
}
