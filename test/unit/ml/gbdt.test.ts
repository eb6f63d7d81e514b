import assert from 'node:assert/strict';
import {
  auc,
  CheckpointMismatchError,
  createGbdtTrainer,
  createRng,
  exportGbdtOnnx,
  marketData,
  predictGbdt,
  regressionMetrics,
  runTrainer,
  type GbdtCheckpoint,
  type TrainingProgress,
} from './ml-test-kit';

/** y = 1 when x0 and x1 share a sign (an interaction no linear model can learn), 10% label noise. */
function xorProblem(n: number, seed: number): { x: number[][]; y: number[] } {
  const rng = createRng(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = [rng.normal(), rng.normal(), rng.normal()];
    const label = row[0]! * row[1]! > 0 ? 1 : 0;
    x.push(row);
    y.push(rng.next() < 0.1 ? 1 - label : label);
  }
  return { x, y };
}

describe('ml/gbdt', () => {
  it('classifier learns an interaction (AUC far above 0.5) and reports progress', () => {
    const train = xorProblem(4000, 1);
    const test = xorProblem(2000, 2);
    const progress: TrainingProgress[] = [];
    const model = runTrainer(createGbdtTrainer('gbdt-classifier', train.x, train.y, { nTrees: 60 }), (p) =>
      progress.push(p),
    );
    assert.ok(progress.length > 5);
    assert.equal(progress[0]!.iteration, 1);
    assert.ok(progress.every((p) => p.validationLoss !== undefined && p.maxIterations === 60));
    assert.ok(progress.at(-1)!.done);
    const value = auc(test.y, predictGbdt(model, test.x));
    assert.ok(value > 0.85, `AUC ${value}`);
  });

  it('regressor learns a nonlinear function', () => {
    const rng = createRng(5);
    const x = Array.from({ length: 3000 }, () => [rng.normal(), rng.normal()]);
    const y = x.map((r) => (r[0]! > 0 ? 0.01 : -0.01) + 0.005 * r[1]! ** 2 + 0.002 * rng.normal());
    const model = runTrainer(createGbdtTrainer('gbdt-regressor', x, y, { nTrees: 80, learningRate: 0.2 }));
    const m = regressionMetrics(y, predictGbdt(model, x));
    assert.ok(m.skill > 0.8, `skill ${m.skill}`);
  });

  it('finds signal in the synthetic market on the holdout', () => {
    const { train, holdout } = marketData('prob_up');
    const model = runTrainer(
      createGbdtTrainer('gbdt-classifier', train.x, train.y, {
        featureNames: train.schema.names,
        validationGap: 1,
      }),
    );
    const value = auc(holdout.y, predictGbdt(model, holdout.x));
    assert.ok(value > 0.58, `holdout AUC ${value}`);
    const reg = marketData('price_change_pct');
    const regressor = runTrainer(
      createGbdtTrainer('gbdt-regressor', reg.train.x, reg.train.y, { validationGap: 1 }),
    );
    assert.ok(
      regressionMetrics(reg.holdout.y, predictGbdt(regressor, reg.holdout.x)).directionalAccuracy > 0.53,
    );
  });

  it('stops early and keeps only the best prefix of trees', () => {
    const train = xorProblem(1500, 3);
    const model = runTrainer(
      createGbdtTrainer('gbdt-classifier', train.x, train.y, {
        nTrees: 500,
        learningRate: 0.5,
        earlyStoppingRounds: 5,
      }),
    );
    assert.ok(model.training.treesBuilt < 500);
    assert.equal(model.training.treesBuilt, model.training.bestIteration + 5);
    assert.equal(model.trees.length, model.training.bestIteration);
  });

  for (const kind of ['gbdt-classifier', 'gbdt-regressor'] as const) {
    it(`${kind} resumes from a JSON checkpoint to byte-identical ONNX`, () => {
      const { train } = marketData(kind === 'gbdt-classifier' ? 'prob_up' : 'price_change_pct');
      const options = {
        nTrees: 30,
        subsample: 0.7,
        colsample: 0.8,
        seed: 9,
        validationGap: 1,
        earlyStoppingRounds: 30,
      };
      const uninterrupted = runTrainer(createGbdtTrainer(kind, train.x, train.y, options));
      const first = createGbdtTrainer(kind, train.x, train.y, options);
      for (let i = 0; i < 12; i++) first.step();
      const saved = JSON.parse(JSON.stringify(first.checkpoint())) as GbdtCheckpoint;
      assert.equal(saved.trees.length, 12);
      const resumed = runTrainer(createGbdtTrainer(kind, train.x, train.y, options, saved));
      assert.deepEqual(resumed, uninterrupted);
      assert.deepEqual(exportGbdtOnnx(resumed), exportGbdtOnnx(uninterrupted));
    });
  }

  it('refuses a checkpoint for different data, kind or options', () => {
    const a = xorProblem(500, 1);
    const b = xorProblem(500, 2);
    const trainer = createGbdtTrainer('gbdt-classifier', a.x, a.y, { nTrees: 5 });
    trainer.step();
    const checkpoint = trainer.checkpoint();
    assert.throws(
      () => createGbdtTrainer('gbdt-classifier', b.x, b.y, { nTrees: 5 }, checkpoint),
      CheckpointMismatchError,
    );
    assert.throws(() => createGbdtTrainer('gbdt-regressor', a.x, a.y, { nTrees: 5 }, checkpoint), {
      message: 'checkpoint: is a gbdt-classifier v1 checkpoint, expected gbdt-regressor v1',
    });
    assert.throws(
      () => createGbdtTrainer('gbdt-classifier', a.x, a.y, { nTrees: 6 }, checkpoint),
      CheckpointMismatchError,
    );
  });

  it('rejects invalid options', () => {
    const a = xorProblem(100, 1);
    assert.throws(() => createGbdtTrainer('gbdt-classifier', a.x, a.y, { learningRate: 0 }), {
      message: 'options.learningRate: must be in (0, 1], got 0',
    });
    assert.throws(() => createGbdtTrainer('gbdt-classifier', a.x, a.y, { maxBins: 300 }), {
      message: 'options.maxBins: must be an integer in [2, 256], got 300',
    });
  });
});
