import { toFeatureMatrix, type FeatureRowsInput } from '../features/feature-matrix';
import { sigmoid } from '../logistic/logistic-regression-model';

/**
 * One regression tree in flat arrays, nodes in breadth-first order (node 0 is the root).
 * A node is a leaf when `feature[k] === -1`; otherwise rows with float32(x[feature]) ≤
 * `threshold[k]` go to `left[k]`, others to `right[k]`. `bin[k]` is the same split in bin units.
 * Leaf `value`s already include the learning rate and are float32-representable.
 */
export interface GbdtTree {
  feature: number[];
  threshold: number[];
  bin: number[];
  left: number[];
  right: number[];
  value: number[];
}

/**
 * A trained gradient-boosted tree ensemble. Classifier: P(up) = sigmoid(baseScore + Σ trees);
 * regressor: prediction = baseScore + Σ trees. Only the trees up to the best early-stopping
 * iteration are kept.
 */
export interface GbdtModel {
  kind: 'gbdt-classifier' | 'gbdt-regressor';
  featureNames: string[];
  baseScore: number;
  trees: GbdtTree[];
  training: {
    treesBuilt: number;
    bestIteration: number;
    bestValidationLoss: number | null;
    trainLoss: number;
  };
}

/**
 * Raw ensemble score (base score plus leaf values, before any sigmoid) of the row starting at
 * `offset` in a row-major array.
 *
 * ### Examples
 * ```ts
 * declare const classifier: GbdtModel;
 * declare const row: readonly number[]; // the 17 features of one bar
 * gbdtRawScore(classifier, row); // 0.23… (log-odds of an up move)
 * ```
 */
export function gbdtRawScore(model: GbdtModel, row: ArrayLike<number>, offset = 0): number {
  let s = model.baseScore;
  for (const tree of model.trees) {
    let k = 0;
    while (tree.feature[k]! >= 0) {
      k = Math.fround(row[offset + tree.feature[k]!]!) <= tree.threshold[k]! ? tree.left[k]! : tree.right[k]!;
    }
    s += tree.value[k]!;
  }
  return s;
}

/**
 * Predicts with a tree ensemble as the exported ONNX graph does (float32 comparisons): P(up) for a
 * classifier, the fractional price change for a regressor.
 *
 * ### Examples
 * ```ts
 * import type { LabelledDataset } from '../features/labelled-dataset';
 * declare const classifier: GbdtModel;
 * declare const regressor: GbdtModel;
 * declare const ds: LabelledDataset;
 * declare const row: readonly number[];
 * predictGbdt(classifier, ds.x); // Float64Array [0.53…, 0.47…, …]
 * predictGbdt(regressor, [row]); // Float64Array [0.0012…]
 * ```
 */
export function predictGbdt(model: GbdtModel, rows: FeatureRowsInput): Float64Array {
  const x = toFeatureMatrix(rows, model.featureNames.length);
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    const raw = gbdtRawScore(model, x.data, i * x.cols);
    out[i] = model.kind === 'gbdt-classifier' ? sigmoid(raw) : raw;
  }
  return out;
}
