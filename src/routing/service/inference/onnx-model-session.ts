import * as ort from 'onnxruntime-node';
import { OnnxModelError } from '../../../ml/errors';
import { ARTIFACT_METADATA_KEYS } from '../../../ml/onnx/artifact-metadata';
import { checkModelAgainstSchema, servingOutput } from '../../../ml/onnx/check-model-against-schema';
import { inspectOnnxModel } from '../../../ml/onnx/inspect-onnx-model';
import { NonFiniteOutputError } from './non-finite-output-error';

/**
 * A loaded model version scoring one feature vector at a time (the serving hot path).
 *
 * ### Examples
 * ```ts
 * declare const vector: readonly number[]; // one value per feature
 * declare const bytes: Uint8Array;
 * declare const names: readonly string[];
 * const session = await loadModelSession(bytes, { names, version: 1 }, 'classification');
 * await session.score(vector); // 0.5731…
 * ```
 */
export interface ModelSession {
  readonly width: number;
  /**
   * One prediction (P(up) or fractional change). Synchronous (a number) when onnxruntime's native
   * session is reachable, a Promise otherwise; throws or rejects when onnxruntime fails, and with
   * NonFiniteOutputError when it returns a non-finite value.
   */
  score(vector: readonly number[]): number | Promise<number>;
  release(): Promise<void>;
  /** True when scores run synchronously through the native session (see {@link loadModelSession}). */
  readonly synchronous: boolean;
}

/**
 * Checks an artifact against the feature schema it is served with (one float32 input of exactly
 * `names.length` columns, a readable output for the task, feature names and order when the artifact
 * records them) and loads it in onnxruntime-node on one intra-op thread: a 20-feature model runs in
 * microseconds, and more threads would only contend with the HTTP event loop. Throws OnnxModelError
 * naming every incompatibility.
 *
 * The input name, output name and fetch list are resolved once. Scores run synchronously on the
 * native session when it is reachable (`preferNative`, the default; see `nativeBinding`), through
 * the public asynchronous API otherwise.
 *
 * ### Examples
 * ```ts
 * declare const bytes: Uint8Array;
 * await loadModelSession(bytes, { version: 1, names: ['a', 'b'] }, 'classification');
 * // throws OnnxModelError 'input "features" has 3 columns, feature schema has 2' for a mismatched artifact
 * ```
 */
export async function loadModelSession(
  bytes: Uint8Array,
  schema: { readonly version: unknown; readonly names: readonly string[] },
  task: 'classification' | 'regression',
  preferNative = true,
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
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // A one-row model needs a few hundred bytes per run; without the arena (and its growth
    // pattern) single runs spaced like real traffic were ~20% cheaper and had fewer ms-long
    // outliers in our measurements.
    enableCpuMemArena: false,
    enableMemPattern: false,
  };
  const readOutput = (values: Float32Array): number => {
    const value = values[output.column];
    if (value === undefined || !Number.isFinite(value)) {
      throw new NonFiniteOutputError(value);
    }
    return value;
  };
  const dims = [1, width];
  const inputOf = (vector: readonly number[]): ort.Tensor => {
    const data = new Float32Array(width);
    for (let i = 0; i < width; i++) data[i] = vector[i]!;
    return new ort.Tensor('float32', data, dims);
  };
  const native = preferNative ? nativeBinding() : null;
  if (native !== null) {
    const session = new native.InferenceSession();
    try {
      session.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, options);
    } catch (error) {
      throw new OnnxModelError(`onnxruntime could not load the model: ${(error as Error).message}`);
    }
    const fetches = { [output.name]: null };
    const runOptions = {};
    // A synchronous run reads its input only while it runs, so one input tensor per session is
    // refilled for every score instead of allocating a tensor and its feeds per request.
    const input = new Float32Array(width);
    const feeds = { [inputName]: new ort.Tensor('float32', input, dims) };
    return {
      width,
      synchronous: true,
      score(vector) {
        for (let i = 0; i < width; i++) input[i] = vector[i]!;
        const result = session.run(feeds, fetches, runOptions);
        return readOutput(result[output.name]!.data as Float32Array);
      },
      release: async () => session.dispose(),
    };
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, options);
  } catch (error) {
    throw new OnnxModelError(`onnxruntime could not load the model: ${(error as Error).message}`);
  }
  const fetches = [output.name];
  return {
    width,
    synchronous: false,
    async score(vector) {
      const result = await session.run({ [inputName]: inputOf(vector) }, fetches);
      return readOutput(result[output.name]!.data as Float32Array);
    },
    release: () => session.release(),
  };
}

/** The part of onnxruntime-node's native session object used here. */
interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  run(
    feeds: Record<string, ort.Tensor>,
    fetches: Record<string, null>,
    options: object,
  ): Record<string, ort.Tensor>;
  dispose(): void;
}

let native: { InferenceSession: new () => NativeSession } | null | undefined;

// onnxruntime-node's public `run` is asynchronous in form only: it defers the same synchronous
// native call to setImmediate. A prediction then waits for a whole turn of the event loop, behind
// every other request parsed in that turn, and its latency is no longer its own (in our benchmark
// 4-8% of predictions took over 1 ms inside the router that way, against 0.05% of the synchronous
// /v1/route). The native session is internal to onnxruntime-node, so its shape is checked here and
// serving falls back to the public API if a later version changes it.
function nativeBinding(): { InferenceSession: new () => NativeSession } | null {
  if (native !== undefined) return native;
  native = null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require('onnxruntime-node/dist/binding') as {
      binding?: { InferenceSession?: unknown };
      initOrt?: () => void;
    };
    const InferenceSession = module.binding?.InferenceSession;
    if (
      typeof module.initOrt === 'function' &&
      typeof InferenceSession === 'function' &&
      ['loadModel', 'run', 'dispose'].every(
        (method) => typeof (InferenceSession.prototype as Record<string, unknown>)[method] === 'function',
      )
    ) {
      module.initOrt();
      native = { InferenceSession: InferenceSession as new () => NativeSession };
    }
  } catch {
    native = null;
  }
  return native;
}
