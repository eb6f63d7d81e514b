import assert from 'node:assert/strict';
import { loadOnnxScorer } from '../../../src/ml/onnx/onnx-scorer';
import * as ort from 'onnxruntime-node';
import {
  computeFeatures,
  FEATURE_SCHEMA,
  generateSyntheticMarket,
  marketData,
  predictModel,
  trainModel,
  type ModelKind,
} from './ml-test-kit';

const PARITY_TOLERANCE = 1e-5;

describe('ml/onnx parity (onnxruntime-node vs TypeScript scorer)', () => {
  // 10,000 fresh rows from another market, so the check covers rows the trees never saw.
  const table = computeFeatures(generateSyntheticMarket({ seed: 202, bars: 10_000 + 20 }).bars);
  const rows = table.rows.slice(0, 10_000).map((r) => r.values);

  const cases: Array<{ kind: ModelKind; task: 'classification' | 'regression' }> = [
    { kind: 'logistic-regression', task: 'classification' },
    { kind: 'gbdt-classifier', task: 'classification' },
    { kind: 'gbdt-regressor', task: 'regression' },
  ];
  for (const { kind, task } of cases) {
    it(`${kind}: onnxruntime output equals predict() to ${PARITY_TOLERANCE} on 10,000 rows`, async () => {
      const { train } = marketData(kind === 'gbdt-regressor' ? 'price_change_pct' : 'prob_up');
      const trained = trainModel({
        kind,
        x: train.x,
        y: train.y,
        featureSchema: FEATURE_SCHEMA,
        options: { validationGap: 1 },
      });
      const scorer = await loadOnnxScorer(trained.onnx, task);
      try {
        const fromOnnx = await scorer.predict(rows);
        const fromTs = predictModel(trained.params, rows);
        assert.equal(fromOnnx.length, 10_000);
        let maxError = 0;
        for (let i = 0; i < rows.length; i++)
          maxError = Math.max(maxError, Math.abs(fromOnnx[i]! - fromTs[i]!));
        assert.ok(maxError <= PARITY_TOLERANCE, `max |onnx − ts| = ${maxError}`);
        // The predictions must vary, or parity would be trivially true.
        assert.ok(new Set(Array.from(fromTs.slice(0, 500))).size > 20);
      } finally {
        await scorer.release();
      }
    });
  }

  it('gbdt classifier also exposes label and [P(down), P(up)] probabilities consistent with probability', async () => {
    const { train } = marketData('prob_up');
    const trained = trainModel({
      kind: 'gbdt-classifier',
      x: train.x,
      y: train.y,
      featureSchema: FEATURE_SCHEMA,
    });
    const session = await ort.InferenceSession.create(trained.onnx);
    const sample = rows.slice(0, 2000);
    const out = await session.run({
      features: new ort.Tensor('float32', Float32Array.from(sample.flat()), [
        2000,
        FEATURE_SCHEMA.names.length,
      ]),
    });
    assert.deepEqual(session.outputNames, ['label', 'probabilities', 'probability']);
    const label = out.label!.data as BigInt64Array;
    const probabilities = out.probabilities!.data as Float32Array;
    const probability = out.probability!.data as Float32Array;
    for (let i = 0; i < 2000; i++) {
      assert.ok(Math.abs(probabilities[2 * i]! + probabilities[2 * i + 1]! - 1) < 1e-6);
      assert.equal(probabilities[2 * i + 1], probability[i]);
      assert.equal(label[i], probability[i]! > 0.5 ? 1n : 0n);
    }
    await session.release();
  });
});
