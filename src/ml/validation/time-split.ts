import { MlInputError } from '../errors';
import { sliceDataset, type LabelledDataset } from '../features/labelled-dataset';

/** Options for {@link timeOrderedSplit}. */
export interface TimeSplitOptions {
  /** Fraction of rows (the most recent) kept for the holdout. @default 0.2 */
  holdoutFraction?: number;
  /**
   * Rows dropped between train and holdout. A target `horizon` bars ahead overlaps the first
   * holdout bars, so use `gap = horizon` to keep holdout prices out of training labels.
   * @default 0
   */
  gap?: number;
}

/** Half-open row ranges `[from, to)` of a split. */
export interface TimeSplit {
  train: { from: number; to: number };
  holdout: { from: number; to: number };
}

/**
 * Splits `n` time-ordered rows into an earlier train range and a later holdout range, never
 * shuffling, with `gap` rows between them. Throws when either side would be empty.
 *
 * ### Examples
 * ```ts
 * timeOrderedSplit(100, { holdoutFraction: 0.2, gap: 5 });
 * // { train: { from: 0, to: 75 }, holdout: { from: 80, to: 100 } }
 * ```
 */
export function timeOrderedSplit(n: number, options: TimeSplitOptions = {}): TimeSplit {
  const fraction = options.holdoutFraction ?? 0.2;
  const gap = options.gap ?? 0;
  if (!(fraction > 0 && fraction < 1))
    throw new MlInputError('holdoutFraction', `must be in (0, 1), got ${fraction}`);
  if (!Number.isInteger(gap) || gap < 0)
    throw new MlInputError('gap', `must be a non-negative integer, got ${gap}`);
  const holdoutRows = Math.max(1, Math.round(n * fraction));
  const holdoutFrom = n - holdoutRows;
  const trainTo = holdoutFrom - gap;
  if (trainTo < 1) {
    throw new MlInputError(
      'n',
      `${n} rows leave no training rows after a holdout of ${holdoutRows} and a gap of ${gap}`,
    );
  }
  return { train: { from: 0, to: trainTo }, holdout: { from: holdoutFrom, to: n } };
}

/**
 * Splits a dataset in time order with an embargo of `gap` rows (default: the dataset's horizon,
 * so no training label reads a price inside the holdout window).
 *
 * ### Examples
 * ```ts
 * declare const ds: LabelledDataset;
 * const { train, holdout } = splitDataset(ds, { holdoutFraction: 0.25 });
 * train.ts.at(-1)! < holdout.ts[0]!; // true
 * ```
 */
export function splitDataset(
  ds: LabelledDataset,
  options: TimeSplitOptions = {},
): { train: LabelledDataset; holdout: LabelledDataset; split: TimeSplit } {
  const split = timeOrderedSplit(ds.x.rows, { gap: ds.horizon, ...options });
  return {
    train: sliceDataset(ds, split.train.from, split.train.to),
    holdout: sliceDataset(ds, split.holdout.from, split.holdout.to),
    split,
  };
}
