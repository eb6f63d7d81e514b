// Training and inference figures for the ML core: logistic regression and 100 boosted trees on
// 100,000 × 20 rows, then onnxruntime-node latency for 1-row and 256-row batches (p50/p99), and
// the ONNX-vs-TypeScript parity error. Run: npx ts-node bench/ml-train.bench.ts
import { performance } from 'node:perf_hooks';
import { createRng } from '../src/stats';
import {
  auc,
  predictModel,
  trainModel,
  type FeatureMatrix,
  type FeatureSchema,
  type ModelKind,
  type TrainedModel,
} from '../src/ml';
import { loadOnnxScorer } from '../src/ml/onnx/onnx-scorer';

const ROWS = 100_000;
const COLS = 20;
const SCHEMA: FeatureSchema = { version: 'bench-v1', names: Array.from({ length: COLS }, (_, j) => `x${j}`) };

/** A fixed problem: five linear signals, one interaction, fifteen noise columns; float targets for the regressor. */
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
      const v = rng.normal();
      data[i * COLS + j] = v;
      if (j < 5) z += 0.3 * v;
    }
    z += 0.5 * data[i * COLS]! * data[i * COLS + 1]!;
    label[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    change[i] = 0.002 * z + 0.01 * rng.normal();
  }
  return { x: { rows, cols: COLS, data }, label, change };
}

function quantiles(times: number[]): { p50: number; p99: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { p50: at(0.5), p99: at(0.99) };
}

async function latency(
  model: TrainedModel,
  x: FeatureMatrix,
  batch: number,
  runs: number,
): Promise<{ p50: number; p99: number }> {
  const scorer = await loadOnnxScorer(
    model.onnx,
    model.kind === 'gbdt-regressor' ? 'regression' : 'classification',
  );
  const slice = (k: number): FeatureMatrix => {
    const from = (k * batch) % (x.rows - batch);
    return { rows: batch, cols: COLS, data: x.data.subarray(from * COLS, (from + batch) * COLS) };
  };
  for (let k = 0; k < 50; k++) await scorer.predict(slice(k));
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const rows = slice(k);
    const t0 = performance.now();
    await scorer.predict(rows);
    times.push(performance.now() - t0);
  }
  await scorer.release();
  return quantiles(times);
}

async function parityError(model: TrainedModel, x: FeatureMatrix): Promise<number> {
  const scorer = await loadOnnxScorer(
    model.onnx,
    model.kind === 'gbdt-regressor' ? 'regression' : 'classification',
  );
  const fromOnnx = await scorer.predict(x);
  await scorer.release();
  const fromTs = predictModel(model.params, x);
  let max = 0;
  for (let i = 0; i < x.rows; i++) max = Math.max(max, Math.abs(fromOnnx[i]! - fromTs[i]!));
  return max;
}

async function run(): Promise<void> {
  const train = problem(1, ROWS);
  const test = problem(2, 10_000);
  console.log(
    `ml-train bench: ${ROWS.toLocaleString('en')} × ${COLS} training rows, Node ${process.version}`,
  );
  const kinds: ModelKind[] = ['logistic-regression', 'gbdt-classifier', 'gbdt-regressor'];
  for (const kind of kinds) {
    const y = kind === 'gbdt-regressor' ? train.change : train.label;
    // earlyStoppingRounds = nTrees so every run builds exactly 100 trees (comparable timings).
    const options = kind === 'logistic-regression' ? {} : { nTrees: 100, earlyStoppingRounds: 100 };
    const t0 = performance.now();
    let iterations = 0;
    const model = trainModel(
      { kind, x: train.x, y, featureSchema: SCHEMA, options },
      (p) => (iterations = p.iteration),
    );
    const seconds = (performance.now() - t0) / 1000;
    const quality =
      kind === 'gbdt-regressor'
        ? ''
        : ` holdout AUC ${auc(test.label, predictModel(model.params, test.x)).toFixed(3)}`;
    console.log(
      `\n${kind}: train ${seconds.toFixed(2)} s (${iterations} iterations), artifact ${(model.onnx.length / 1024).toFixed(1)} KiB,${quality}`,
    );
    const single = await latency(model, test.x, 1, 2000);
    const batch = await latency(model, test.x, 256, 500);
    console.log(`  onnxruntime 1 row:    p50 ${single.p50.toFixed(3)} ms  p99 ${single.p99.toFixed(3)} ms`);
    console.log(`  onnxruntime 256 rows: p50 ${batch.p50.toFixed(3)} ms  p99 ${batch.p99.toFixed(3)} ms`);
    console.log(
      `  parity max |onnx − ts| on 10,000 rows: ${(await parityError(model, test.x)).toExponential(2)}`,
    );
  }
}

run().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
