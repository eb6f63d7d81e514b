import { MlInputError } from '../errors';
import { toFeatureMatrix, type FeatureMatrix, type FeatureRowsInput } from '../features/feature-matrix';

/**
 * Validates a training set and returns it as a matrix: at least `minRows` rows, finite features,
 * one target per row, 0/1 labels with both classes present for classification, finite targets
 * for regression. Messages name the offending row.
 *
 * ### Examples
 * ```ts
 * checkTrainingData([[1], [2]], [0, 1], 'classification'); // { x: FeatureMatrix, y: Float64Array [0, 1] }
 * checkTrainingData([[1], [2]], [0, 2], 'classification'); // MlInputError: y[1]: must be 0 or 1, got 2
 * ```
 */
export function checkTrainingData(
  x: FeatureRowsInput,
  y: ArrayLike<number>,
  task: 'classification' | 'regression',
  minRows = 2,
): { x: FeatureMatrix; y: Float64Array } {
  const matrix = toFeatureMatrix(x, undefined, 'x');
  if (matrix.rows < minRows)
    throw new MlInputError('x', `needs at least ${minRows} rows, got ${matrix.rows}`);
  if (matrix.cols < 1) throw new MlInputError('x', 'needs at least one feature column');
  if (y.length !== matrix.rows)
    throw new MlInputError('y', `has ${y.length} values, x has ${matrix.rows} rows`);
  const labels = Float64Array.from(y);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (task === 'classification') {
      if (v !== 0 && v !== 1) throw new MlInputError(`y[${i}]`, `must be 0 or 1, got ${v}`);
      positives += v;
    } else if (!Number.isFinite(v)) throw new MlInputError(`y[${i}]`, `must be finite, got ${v}`);
  }
  if (task === 'classification' && (positives === 0 || positives === labels.length)) {
    throw new MlInputError('y', `needs both classes, got only ${positives === 0 ? 0 : 1}s`);
  }
  return { x: matrix, y: labels };
}
