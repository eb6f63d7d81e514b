import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { loadOnnxScorer } from '../../../src/ml/onnx/onnx-scorer';
import {
  createRng,
  exportGbdtOnnx,
  exportLogisticRegressionOnnx,
  fingerprintNumbers,
  predictGbdt,
  predictLogisticRegression,
  runTrainer,
  createGbdtTrainer,
  createLogisticRegressionTrainer,
  type FeatureMatrix,
  type GbdtModel,
  type GbdtOptions,
} from './ml-test-kit';

// The trainers were rewritten for speed (issue 18); these references were recorded from the
// trainers before that rewrite. A GBDT must come out tree for tree and bit for bit the same
// (same splits, same float32 leaves, so the same ONNX bytes); the logistic regression must reach
// the same optimum (its Newton steps now sum the Hessian and gradient in another order, and on
// more than 32,768 rows take the Hessian on a subsample, so agreement is to rounding, far inside
// the optimiser's tolerance).

const COLS = 8;

/** Three linear signals, one interaction, a rounded (tied) column, noise; labels and float targets. */
function problem(
  seed: number,
  rows: number,
): { x: FeatureMatrix; label: Float64Array; change: Float64Array } {
  const rng = createRng(seed);
  const data = new Float64Array(rows * COLS);
  const label = new Float64Array(rows);
  const change = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let z = 0;
    for (let j = 0; j < COLS; j++) {
      let v = rng.normal();
      if (j === 5) v = Math.round(v * 2) / 2;
      data[i * COLS + j] = v;
      if (j < 3) z += 0.4 * v;
    }
    z += 0.6 * data[i * COLS + 3]! * data[i * COLS + 4]! + 0.3 * data[i * COLS + 5]!;
    label[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    change[i] = 0.002 * z + 0.01 * rng.normal();
  }
  return { x: { rows, cols: COLS, data }, label, change };
}

function treesFingerprint(model: GbdtModel): string {
  const flat: number[] = [model.baseScore];
  for (const t of model.trees)
    flat.push(...t.feature, ...t.threshold, ...t.bin, ...t.left, ...t.right, ...t.value);
  return fingerprintNumbers([flat]);
}

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

const train = problem(11, 4000);
const test = problem(12, 2000);

const GBDT_CASES: Array<{
  name: string;
  kind: 'gbdt-classifier' | 'gbdt-regressor';
  options: Partial<GbdtOptions>;
}> = [
  { name: 'classifier, defaults', kind: 'gbdt-classifier', options: {} },
  {
    name: 'classifier, deep, colsample, no subsample',
    kind: 'gbdt-classifier',
    options: { maxDepth: 6, colsample: 0.6, subsample: 1, maxBins: 32, nTrees: 40, earlyStoppingRounds: 40 },
  },
  {
    name: 'classifier, no early-stopping fold, few bins',
    kind: 'gbdt-classifier',
    options: { validationFraction: 0, maxBins: 8, minSamplesLeaf: 5, nTrees: 30, seed: 7 },
  },
  { name: 'regressor, defaults', kind: 'gbdt-regressor', options: { nTrees: 60 } },
];

const REFERENCE: Record<string, { trees: string; onnx: string; treesBuilt: number }> = {
  'classifier, defaults': { trees: '8dd7a69d65a48e75', onnx: '5309ee983a80cd4b', treesBuilt: 89 },
  'classifier, deep, colsample, no subsample': {
    trees: '4eab1362e540d248',
    onnx: '0ca1ba8f4ee4e30b',
    treesBuilt: 40,
  },
  'classifier, no early-stopping fold, few bins': {
    trees: 'a5caaf80f6612c49',
    onnx: '93c95881fba6c249',
    treesBuilt: 30,
  },
  'regressor, defaults': { trees: '103356e8c216258a', onnx: '1879837d4635baa9', treesBuilt: 16 },
};

/** Standardized weights (intercept first), objective and the first holdout probabilities before the rewrite. */
const LOGISTIC_REFERENCE = {
  weights: [
    0.01600338875528663, 0.39658260328381445, 0.37115477791508666, 0.4089271566904258, -0.015161513623056152,
    0.038387096847840585, 0.25930103366200347, -0.000289257686103263, -0.01757978834154747,
  ],
  objective: 0.63598335842577,
  probabilities: [
    0.44711492118878443, 0.3217062647686696, 0.5928666891707347, 0.7274574484306168, 0.6635466778846373,
  ],
};

async function maxOnnxError(
  onnx: Uint8Array,
  task: 'classification' | 'regression',
  ts: Float64Array,
): Promise<number> {
  const scorer = await loadOnnxScorer(onnx, task);
  try {
    const fromOnnx = await scorer.predict(test.x);
    let max = 0;
    for (let i = 0; i < test.x.rows; i++) max = Math.max(max, Math.abs(fromOnnx[i]! - ts[i]!));
    return max;
  } finally {
    await scorer.release();
  }
}

describe('ml trainers against their recorded reference models', () => {
  for (const c of GBDT_CASES) {
    it(`gbdt ${c.name}: the same trees and ONNX bytes, and onnxruntime agrees`, async () => {
      const y = c.kind === 'gbdt-regressor' ? train.change : train.label;
      const model = runTrainer(createGbdtTrainer(c.kind, train.x, y, c.options));
      const onnx = exportGbdtOnnx(model);
      const got = { trees: treesFingerprint(model), onnx: sha(onnx), treesBuilt: model.training.treesBuilt };
      assert.deepEqual(got, REFERENCE[c.name]);
      const task = c.kind === 'gbdt-regressor' ? 'regression' : 'classification';
      const max = await maxOnnxError(onnx, task, predictGbdt(model, test.x));
      assert.ok(max <= 1e-5, `max |onnx − ts| = ${max}`);
    });
  }

  it('logistic regression: the same optimum, and onnxruntime agrees', async () => {
    const model = runTrainer(createLogisticRegressionTrainer(train.x, train.label));
    assert.ok(model.training.converged);
    assert.ok(Math.abs(model.training.objective - LOGISTIC_REFERENCE.objective) <= 1e-12);
    model.standardizedWeights.forEach((w, j) => {
      assert.ok(Math.abs(w - LOGISTIC_REFERENCE.weights[j]!) <= 1e-6, `weight ${j}: ${w}`);
    });
    const p = predictLogisticRegression(model, test.x);
    LOGISTIC_REFERENCE.probabilities.forEach((q, i) => {
      assert.ok(Math.abs(p[i]! - q) <= 1e-6, `row ${i}: ${p[i]} vs ${q}`);
    });
    const max = await maxOnnxError(exportLogisticRegressionOnnx(model), 'classification', p);
    assert.ok(max <= 1e-5, `max |onnx − ts| = ${max}`);
  });
});
