import assert from 'node:assert/strict';
import {
  loadModelSession,
  type ModelSession,
} from '../../../../../src/routing/service/inference/onnx-model-session';
import {
  computeFeatures,
  FEATURE_SCHEMA,
  generateSyntheticMarket,
  marketData,
  predictModel,
  trainModel,
  type ModelKind,
} from '../../../ml/ml-test-kit';

describe('routing/service/inference: serving sessions (native synchronous and public asynchronous)', () => {
  const table = computeFeatures(generateSyntheticMarket({ seed: 303, bars: 300 + 20 }).bars);
  const rows = table.rows.slice(0, 300).map((r) => r.values);

  const cases: Array<{ kind: ModelKind; task: 'classification' | 'regression' }> = [
    { kind: 'logistic-regression', task: 'classification' },
    { kind: 'gbdt-classifier', task: 'classification' },
    { kind: 'gbdt-regressor', task: 'regression' },
  ];
  for (const { kind, task } of cases) {
    describe(kind, () => {
      let native: ModelSession;
      let fallback: ModelSession;
      let expected: number[];
      before(async () => {
        const { train } = marketData(kind === 'gbdt-regressor' ? 'price_change_pct' : 'prob_up');
        const trained = trainModel({ kind, x: train.x, y: train.y, featureSchema: FEATURE_SCHEMA });
        native = await loadModelSession(trained.onnx, FEATURE_SCHEMA, task);
        fallback = await loadModelSession(trained.onnx, FEATURE_SCHEMA, task, false);
        expected = Array.from(predictModel(trained.params, rows));
      });
      after(async () => {
        await native.release();
        await fallback.release();
      });

      it('the installed onnxruntime-node exposes the native session: scores are plain numbers', () => {
        // Fails when an onnxruntime-node upgrade changes its internals: serving still works
        // (asynchronously), but predict latency regresses, so the change must be looked at.
        assert.equal(native.synchronous, true);
        assert.equal(typeof native.score(rows[0]!), 'number');
      });

      it('native and public paths give the same output as the TypeScript model on every row', async () => {
        assert.equal(fallback.synchronous, false);
        const viaPublic = fallback.score(rows[0]!);
        assert.ok(viaPublic instanceof Promise);
        for (let i = 0; i < rows.length; i++) {
          const sync = native.score(rows[i]!) as number;
          const async = await fallback.score(rows[i]!);
          assert.equal(sync, async, `row ${i}`);
          assert.ok(Math.abs(sync - expected[i]!) < 1e-5, `row ${i}: ${sync} vs ${expected[i]}`);
        }
        assert.ok(new Set(expected).size > 5, 'outputs vary, so a row mix-up would show');
      });
    });
  }

  it('a run that fails throws on the native path and rejects on the public one', async () => {
    const { train } = marketData('prob_up');
    const trained = trainModel({
      kind: 'logistic-regression',
      x: train.x,
      y: train.y,
      featureSchema: FEATURE_SCHEMA,
    });
    const native = await loadModelSession(trained.onnx, FEATURE_SCHEMA, 'classification');
    const fallback = await loadModelSession(trained.onnx, FEATURE_SCHEMA, 'classification', false);
    await native.release();
    await fallback.release();
    assert.throws(() => native.score(rows[0]!));
    await assert.rejects(async () => fallback.score(rows[0]!));
  });
});
