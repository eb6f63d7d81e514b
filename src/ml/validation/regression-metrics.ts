import { checkPredictions } from './check-predictions';

/** Holdout metrics of a `price_change_pct` regressor. */
export interface RegressionMetrics {
  /** Root mean squared error. */
  rmse: number;
  /** Mean absolute error. */
  mae: number;
  /**
   * Skill against the zero-change forecast, 1 − SSE / Σy²: above 0 means the model beats
   * "no change", which (unlike R² on the holdout mean) uses no holdout information.
   */
  skill: number;
  /** Share of rows where the predicted and realised changes are on the same side of 0 (pred > 0 ⇔ y > 0). */
  directionalAccuracy: number;
}

/**
 * Per-row squared errors (the regressor's loss, compared against the champion row by row).
 *
 * ### Examples
 * ```ts
 * rowSquaredError([0.01, -0.02], [0.0, -0.01]); // Float64Array [0.0001, 0.0001]
 * ```
 */
export function rowSquaredError(actual: ArrayLike<number>, predicted: ArrayLike<number>): Float64Array {
  checkPredictions(actual, predicted, { binaryLabels: false, probabilities: false });
  return Float64Array.from({ length: actual.length }, (_, i) => (predicted[i]! - actual[i]!) ** 2);
}

/**
 * RMSE, MAE, skill versus the zero forecast, and directional accuracy of predicted changes.
 *
 * ### Examples
 * ```ts
 * regressionMetrics([0.01, -0.02], [0.005, -0.01]);
 * // { rmse: 0.00790…, mae: 0.0075, skill: 0.75, directionalAccuracy: 1 }
 * ```
 */
export function regressionMetrics(
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
): RegressionMetrics {
  const sq = rowSquaredError(actual, predicted);
  const n = actual.length;
  let sse = 0;
  let sae = 0;
  let sst0 = 0;
  let sameSide = 0;
  for (let i = 0; i < n; i++) {
    sse += sq[i]!;
    sae += Math.abs(predicted[i]! - actual[i]!);
    sst0 += actual[i]! ** 2;
    if (predicted[i]! > 0 === actual[i]! > 0) sameSide++;
  }
  return {
    rmse: Math.sqrt(sse / n),
    mae: sae / n,
    skill: sst0 > 0 ? 1 - sse / sst0 : sse === 0 ? 1 : -Infinity,
    directionalAccuracy: sameSide / n,
  };
}
