import assert from 'node:assert/strict';
import {
  auc,
  CheckpointMismatchError,
  createLogisticRegressionTrainer,
  exportLogisticRegressionOnnx,
  logisticProblem,
  marketData,
  predictLogisticRegression,
  runTrainer,
  type LogisticRegressionCheckpoint,
  type TrainingProgress,
} from './ml-test-kit';

describe('ml/logistic-regression', () => {
  const problem = logisticProblem(4000, [1.5, -1, 0.5, 0], 0.3, 7);

  it('recovers known weights and learns the signal', () => {
    // Scale one column by 1000 to show standardization is folded back into raw units.
    const x = problem.x.map((r) => [r[0]! * 1000, r[1]!, r[2]!, r[3]!]);
    const progress: TrainingProgress[] = [];
    const model = runTrainer(createLogisticRegressionTrainer(x, problem.y, { l2: 1e-6 }), (p) =>
      progress.push(p),
    );
    assert.ok(model.training.converged);
    assert.ok(progress.length >= 3 && progress.length <= 12, `${progress.length} Newton steps`);
    assert.ok(progress.every((p, i) => i === 0 || p.trainLoss <= progress[i - 1]!.trainLoss));
    const [w0, w1, w2, w3] = model.coefficients;
    assert.ok(Math.abs(w0! * 1000 - 1.5) < 0.15, `w0 ${w0! * 1000}`);
    assert.ok(Math.abs(w1! + 1) < 0.15, `w1 ${w1}`);
    assert.ok(Math.abs(w2! - 0.5) < 0.15, `w2 ${w2}`);
    assert.ok(Math.abs(w3!) < 0.1, `w3 ${w3}`);
    assert.ok(Math.abs(model.intercept - 0.3) < 0.15);
    assert.ok(auc(problem.y, predictLogisticRegression(model, x)) > 0.8);
  });

  it('finds signal in the synthetic market well above chance on the holdout', () => {
    const { train, holdout } = marketData('prob_up');
    const model = runTrainer(
      createLogisticRegressionTrainer(train.x, train.y, { featureNames: train.schema.names }),
    );
    const value = auc(holdout.y, predictLogisticRegression(model, holdout.x));
    assert.ok(value > 0.58, `holdout AUC ${value}`);
  });

  it('reaches the optimum of the full objective when the Hessian is taken on a row subsample', () => {
    // 100,003 rows (not a multiple of the four rows the gradient pass takes at a time): the Hessian uses every 6th row, the objective and gradient every row. At the
    // optimum the gradient of mean log-loss + l2/2·‖w‖², computed here from scratch, vanishes.
    const big = logisticProblem(100_003, [0.8, -0.5, 0.3, 0, 0.1, -0.2], 0.2, 9);
    const l2 = 0.001;
    const model = runTrainer(createLogisticRegressionTrainer(big.x, big.y, { l2 }));
    assert.ok(model.training.converged);
    const { mean, scale } = model.standardization;
    const w = model.standardizedWeights;
    const grad = new Array<number>(w.length).fill(0);
    big.x.forEach((row, i) => {
      const zs = row.map((v, j) => (v - mean[j]!) / scale[j]!);
      const eta = zs.reduce((s, v, j) => s + v * w[j + 1]!, w[0]!);
      const r = 1 / (1 + Math.exp(-eta)) - big.y[i]!;
      grad[0]! += r;
      zs.forEach((v, j) => (grad[j + 1]! += r * v));
    });
    const norm = Math.max(...grad.map((g, a) => Math.abs(g / big.x.length + (a > 0 ? l2 * w[a]! : 0))));
    assert.ok(norm < 1e-9, `largest gradient component ${norm}`);
    assert.ok(model.training.iterations <= 12, `${model.training.iterations} steps`);
  });

  it('resumes from a JSON checkpoint to the identical model and ONNX bytes', () => {
    const { train } = marketData('prob_up');
    const uninterrupted = runTrainer(createLogisticRegressionTrainer(train.x, train.y));
    const first = createLogisticRegressionTrainer(train.x, train.y);
    first.step();
    first.step();
    const saved = JSON.parse(JSON.stringify(first.checkpoint())) as LogisticRegressionCheckpoint;
    assert.equal(saved.iteration, 2);
    const resumed = runTrainer(createLogisticRegressionTrainer(train.x, train.y, {}, saved));
    assert.deepEqual(resumed, uninterrupted);
    assert.deepEqual(exportLogisticRegressionOnnx(resumed), exportLogisticRegressionOnnx(uninterrupted));
  });

  it('resumes from a checkpoint taken before the first step to the identical model', () => {
    // Training from w = 0 starts from a gradient summed while standardizing (no evaluation
    // pass); a checkpoint of iteration 0 must take that same start, or the runs would differ in the last bits.
    const { train } = marketData('prob_up');
    const uninterrupted = runTrainer(createLogisticRegressionTrainer(train.x, train.y));
    const saved = JSON.parse(
      JSON.stringify(createLogisticRegressionTrainer(train.x, train.y).checkpoint()),
    ) as LogisticRegressionCheckpoint;
    assert.equal(saved.iteration, 0);
    assert.deepEqual(runTrainer(createLogisticRegressionTrainer(train.x, train.y, {}, saved)), uninterrupted);
  });

  it('refuses a checkpoint from other data or options', () => {
    const checkpoint = createLogisticRegressionTrainer(problem.x, problem.y).checkpoint();
    const other = logisticProblem(4000, [1, 1, 1, 1], 0, 8);
    assert.throws(
      () => createLogisticRegressionTrainer(other.x, other.y, {}, checkpoint),
      CheckpointMismatchError,
    );
    assert.throws(() => createLogisticRegressionTrainer(problem.x, problem.y, { l2: 0.5 }, checkpoint), {
      name: 'CheckpointMismatchError',
      message: /^checkpoint\.options: were/,
    });
  });

  it('rejects invalid training data', () => {
    assert.throws(() => createLogisticRegressionTrainer([[1], [2]], [0, 2]), {
      message: 'y[1]: must be 0 or 1, got 2',
    });
    assert.throws(() => createLogisticRegressionTrainer([[1], [2]], [1, 1]), {
      message: 'y: needs both classes, got only 1s',
    });
    assert.throws(() => createLogisticRegressionTrainer([[1], [NaN]], [0, 1]), {
      message: 'x[1][0]: must be finite, got NaN',
    });
    assert.throws(() => createLogisticRegressionTrainer([[1, 2], [3]], [0, 1]), {
      message: 'x[1]: has 1 values, expected 2',
    });
  });
});
