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
