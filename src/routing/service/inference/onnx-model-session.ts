import * as ort from 'onnxruntime-node';
import { OnnxModelError } from '../../../ml/errors';
import { ARTIFACT_METADATA_KEYS } from '../../../ml/onnx/artifact-metadata';
import { checkModelAgainstSchema, servingOutput } from '../../../ml/onnx/check-model-against-schema';
import { inspectOnnxModel } from '../../../ml/onnx/inspect-onnx-model';

/**
 * A loaded model version scoring one feature vector at a time (the serving hot path).
 *
 * ### Examples
 * ```ts
 * const session = await loadModelSession(bytes, { names, version: 1 }, 'classification');
 * await session.score([0.01, …]); // 0.5731…
 * ```
 */
export interface ModelSession {
  readonly width: number;
  /** One prediction (P(up) or fractional change); rejects when onnxruntime fails or returns a non-finite value. */
  score(vector: readonly number[]): Promise<number>;
  release(): Promise<void>;
}

/**
 * Checks an artifact against the feature schema it is served with (one float32 input of exactly
 * `names.length` columns, a readable output for the task, feature names and order when the artifact
 * records them) and loads it in onnxruntime-node on one intra-op thread: a 20-feature model runs in
 * microseconds, and more threads would only contend with the HTTP event loop. Throws OnnxModelError
 * naming every incompatibility.
 *
 * Unlike the ML package's batch scorer this keeps the per-call work to filling one Float32Array:
 * the input name, output name, shape array and fetch list are resolved once.
 *
 * ### Examples
 * ```ts
 * await loadModelSession(bytes, { version: 1, names: ['a', 'b'] }, 'classification');
 * // throws OnnxModelError 'input "features" has 3 columns, feature schema has 2' for a mismatched artifact
 * ```
 */
export async function loadModelSession(
  bytes: Uint8Array,
  schema: { readonly version: unknown; readonly names: readonly string[] },
  task: 'classification' | 'regression',
): Promise<ModelSession> {
  const info = inspectOnnxModel(bytes);
  // The registry stores schema versions as numbers while artifacts record the training schema's
  // label: compare names and widths (what actually breaks scoring), and the label only when both
  // sides use labels.
  const recorded = info.metadata[ARTIFACT_METADATA_KEYS.featureSchemaVersion];
  const version = typeof schema.version === 'string' ? schema.version : (recorded ?? String(schema.version));
  const problems = checkModelAgainstSchema(info, { version, names: schema.names }, { task });
  if (problems.length > 0) throw new OnnxModelError(problems.join('; '));
  const output = servingOutput(info, task)!;
  const inputName = info.inputs[0]!.name;
  const width = schema.names.length;
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      // A one-row model needs a few hundred bytes per run; without the arena (and its growth
      // pattern) single runs spaced like real traffic were ~20% cheaper and had fewer ms-long
      // outliers in our measurements.
      enableCpuMemArena: false,
      enableMemPattern: false,
    });
  } catch (error) {
    throw new OnnxModelError(`onnxruntime could not load the model: ${(error as Error).message}`);
  }
  const dims = [1, width];
  const fetches = [output.name];
  return {
    width,
    async score(vector) {
      const data = new Float32Array(width);
      for (let i = 0; i < width; i++) data[i] = vector[i]!;
      const result = await session.run({ [inputName]: new ort.Tensor('float32', data, dims) }, fetches);
      const value = (result[output.name]!.data as Float32Array)[output.column];
      if (value === undefined || !Number.isFinite(value)) {
        throw new OnnxModelError(`model returned a non-finite output (${value})`);
      }
      return value;
    },
    release: () => session.release(),
  };
}
