import { toFeatureMatrix, type FeatureRowsInput } from '../features/feature-matrix';

/**
 * A trained L2 logistic regression. `coefficients` and `intercept` are in raw feature units with
 * the standardization folded in, already rounded to float32: they are exactly the ONNX
 * initializers, so {@link predictLogisticRegression} is the reference for the artifact.
 */
export interface LogisticRegressionModel {
  kind: 'logistic-regression';
  featureNames: string[];
  coefficients: number[];
  intercept: number;
  /** Column means and scales used in training (kept for audit; already folded into coefficients). */
  standardization: { mean: number[]; scale: number[] };
  /** Weights in standardized space, intercept first, full double precision. */
  standardizedWeights: number[];
  training: { iterations: number; converged: boolean; objective: number; l2: number };
}

/**
 * Logistic function 1 / (1 + e^−z), written so large |z| neither overflows nor loses the tail.
 *
 * ### Examples
 * ```ts
 * sigmoid(0); // 0.5
 * sigmoid(-800); // 0 (no overflow warning, no NaN)
 * ```
 */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * P(up) for each row under a logistic regression, computed as the exported ONNX graph does
 * (float32 inputs, MatMul + Add + Sigmoid).
 *
 * ### Examples
 * ```ts
 * declare const model: LogisticRegressionModel;
 * declare const row: readonly number[]; // one value per feature
 * predictLogisticRegression(model, [row]); // Float64Array [0.57…]
 * ```
 */
export function predictLogisticRegression(
  model: LogisticRegressionModel,
  rows: FeatureRowsInput,
): Float64Array {
  const x = toFeatureMatrix(rows, model.coefficients.length);
  const out = new Float64Array(x.rows);
  const w = model.coefficients;
  for (let i = 0; i < x.rows; i++) {
    let z = model.intercept;
    const base = i * x.cols;
    for (let j = 0; j < x.cols; j++) z += w[j]! * Math.fround(x.data[base + j]!);
    out[i] = sigmoid(z);
  }
  return out;
}
