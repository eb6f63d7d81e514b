import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { OnnxModelError } from '../errors';
import { toFeatureMatrix, type FeatureRowsInput } from '../features/feature-matrix';
import { servingOutput, type ServingOutput } from './check-model-against-schema';
import { inspectOnnxModel, type OnnxModelInfo } from './inspect-onnx-model';

/** An ONNX artifact loaded in onnxruntime-node, reading the task's serving output. */
export interface OnnxScorer {
  info: OnnxModelInfo;
  output: ServingOutput;
  /** One prediction per row (P(up) or fractional change), float32 precision. */
  predict(rows: FeatureRowsInput): Promise<Float64Array>;
  release(): Promise<void>;
}

/**
 * Loads an artifact in onnxruntime-node (CPU) and returns a batch scorer over its serving output
 * (`probability`/`probabilities[:,1]` or `prediction`/`variable`). Throws OnnxModelError when the
 * model has no such output or onnxruntime refuses it.
 *
 * ### Examples
 * ```ts
 * import type { TrainedModel } from '../training/train-model';
 * declare const trained: TrainedModel;
 * declare const row: readonly number[]; // the 17 features of one bar
 * const scorer = await loadOnnxScorer(trained.onnx, 'classification');
 * await scorer.predict([row]); // Float64Array [0.56…]
 * ```
 */
export async function loadOnnxScorer(
  bytes: Uint8Array,
  task: 'classification' | 'regression',
): Promise<OnnxScorer> {
  const info = inspectOnnxModel(bytes);
  const output = servingOutput(info, task);
  if (output === undefined) throw new OnnxModelError(`model has no ${task} output this service can read`);
  const input = info.inputs[0];
  if (input === undefined) throw new OnnxModelError('model has no input');
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  } catch (e) {
    throw new OnnxModelError(`onnxruntime could not load the model: ${(e as Error).message}`);
  }
  const width = typeof input.shape?.[1] === 'number' ? input.shape[1] : undefined;
  return {
    info,
    output,
    async predict(rows) {
      const x = toFeatureMatrix(rows, width);
      const tensor = new ort.Tensor('float32', Float32Array.from(x.data), [x.rows, x.cols]);
      const result = await session.run({ [input.name]: tensor }, [output.name]);
      const data = result[output.name]!.data as Float32Array;
      const stride = output.name === 'probabilities' ? 2 : 1;
      const out = new Float64Array(x.rows);
      for (let i = 0; i < x.rows; i++) out[i] = data[i * stride + output.column]!;
      return out;
    },
    release: () => session.release(),
  };
}

/** Latency figures of {@link measureOnnxInfra}, in the shape `evaluateGate` takes as its infra input. */
export interface OnnxInfraMeasurement {
  loaded: boolean;
  error?: string;
  p50LatencyMs?: number;
  p99LatencyMs?: number;
}

/**
 * The gate's infra check: loads the artifact and times `runs` single-row predictions (after
 * `warmup` untimed ones) over the sample rows in turn. Never throws for a bad model: it reports
 * `loaded: false` with the error.
 *
 * ### Examples
 * ```ts
 * import type { LabelledDataset } from '../features/labelled-dataset';
 * import type { TrainedModel } from '../training/train-model';
 * declare const trained: TrainedModel;
 * declare const holdout: LabelledDataset;
 * await measureOnnxInfra(trained.onnx, 'classification', holdout.x); // { loaded: true, p50LatencyMs: 0.05, p99LatencyMs: 0.2 }
 * ```
 */
export async function measureOnnxInfra(
  bytes: Uint8Array,
  task: 'classification' | 'regression',
  sampleRows: FeatureRowsInput,
  options: { runs?: number; warmup?: number } = {},
): Promise<OnnxInfraMeasurement> {
  let scorer: OnnxScorer;
  try {
    scorer = await loadOnnxScorer(bytes, task);
  } catch (e) {
    return { loaded: false, error: (e as Error).message };
  }
  try {
    const x = toFeatureMatrix(sampleRows);
    if (x.rows === 0) return { loaded: true, error: 'no sample rows to time' };
    const runs = options.runs ?? 200;
    const warmup = options.warmup ?? 20;
    const row = (k: number): number[][] => [
      Array.from(x.data.subarray((k % x.rows) * x.cols, ((k % x.rows) + 1) * x.cols)),
    ];
    for (let k = 0; k < warmup; k++) await scorer.predict(row(k));
    const times: number[] = [];
    for (let k = 0; k < runs; k++) {
      const r = row(k);
      const t0 = performance.now();
      await scorer.predict(r);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const q = (p: number): number => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!;
    return { loaded: true, p50LatencyMs: q(0.5), p99LatencyMs: q(0.99) };
  } catch (e) {
    return { loaded: false, error: (e as Error).message };
  } finally {
    await scorer.release();
  }
}
