import { CheckpointMismatchError, MlInputError } from '../errors';
import type { FeatureRowsInput } from '../features/feature-matrix';
import { fingerprintNumbers } from '../fingerprint';
import { checkTrainingData } from '../training/check-training-data';
import type { Trainer, TrainingProgress } from '../training/trainer';
import { sigmoid, type LogisticRegressionModel } from './logistic-regression-model';

/** Options for {@link createLogisticRegressionTrainer}. */
export interface LogisticRegressionOptions {
  /** L2 penalty on standardized weights (not the intercept), objective = mean log-loss + l2/2·‖w‖². @default 0.001 */
  l2?: number;
  /** Maximum Newton iterations. @default 50 */
  maxIterations?: number;
  /** Stop when the largest weight change of a step is below this. @default 1e-9 */
  tolerance?: number;
  /** Feature names for the model; defaults to `f0…f{k-1}`. */
  featureNames?: readonly string[];
}

/** JSON state from which a logistic-regression run resumes exactly. */
export interface LogisticRegressionCheckpoint {
  kind: 'logistic-regression';
  version: 1;
  dataFingerprint: string;
  options: { l2: number; maxIterations: number; tolerance: number };
  iteration: number;
  converged: boolean;
  /** Standardized-space weights, intercept first. */
  weights: number[];
}

/** Cholesky solve of the symmetric positive-definite system A x = b (A is dense row-major, size k). */
function solveSpd(a: Float64Array, b: Float64Array, k: number): Float64Array {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * k + j]!;
      for (let m = 0; m < j; m++) s -= l[i * k + m]! * l[j * k + m]!;
      if (i === j) {
        // A tiny floor keeps an all-constant column (zero curvature) from breaking the factorisation.
        l[i * k + i] = Math.sqrt(Math.max(s, 1e-12));
      } else l[i * k + j] = s / l[j * k + j]!;
    }
  }
  const z = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = b[i]!;
    for (let m = 0; m < i; m++) s -= l[i * k + m]! * z[m]!;
    z[i] = s / l[i * k + i]!;
  }
  const x = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let m = i + 1; m < k; m++) s -= l[m * k + i]! * x[m]!;
    x[i] = s / l[i * k + i]!;
  }
  return x;
}

/** Rows per block of the Hessian accumulation (20 columns × 1,024 rows × 8 bytes = 160 KiB). */
const BLOCK_ROWS = 1024;

/** Σ a[aFrom + i]·b[bFrom + i] over `length` terms, with four partial sums (a shorter dependency chain). */
function dot(a: Float64Array, aFrom: number, b: Float64Array, bFrom: number, length: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < length; i += 4) {
    s0 += a[aFrom + i]! * b[bFrom + i]!;
    s1 += a[aFrom + i + 1]! * b[bFrom + i + 1]!;
    s2 += a[aFrom + i + 2]! * b[bFrom + i + 2]!;
    s3 += a[aFrom + i + 3]! * b[bFrom + i + 3]!;
  }
  for (; i < length; i++) s0 += a[aFrom + i]! * b[bFrom + i]!;
  return s0 + s1 + (s2 + s3);
}

/**
 * Creates a step-wise L2 logistic-regression trainer (Newton–Raphson / IRLS with Armijo
 * backtracking, on standardized features; with 20-odd features the exact Hessian costs about as
 * much as a few L-BFGS passes and converges in a handful of steps). Each `step()` is one Newton iteration; a trainer made
 * from a checkpoint of this data continues to the identical model. Throws MlInputError for
 * invalid data or options and CheckpointMismatchError for a foreign checkpoint.
 *
 * ### Examples
 * ```ts
 * const trainer = createLogisticRegressionTrainer(ds.x, ds.y, { featureNames: ds.schema.names });
 * const model = runTrainer(trainer); // { kind: 'logistic-regression', coefficients: [...], ... }
 * const resumed = createLogisticRegressionTrainer(ds.x, ds.y, {}, JSON.parse(saved));
 * ```
 */
export function createLogisticRegressionTrainer(
  xInput: FeatureRowsInput,
  yInput: ArrayLike<number>,
  options: LogisticRegressionOptions = {},
  checkpoint?: LogisticRegressionCheckpoint,
): Trainer<LogisticRegressionModel, LogisticRegressionCheckpoint> {
  const { x, y } = checkTrainingData(xInput, yInput, 'classification');
  const resolved = {
    l2: options.l2 ?? 0.001,
    maxIterations: options.maxIterations ?? 50,
    tolerance: options.tolerance ?? 1e-9,
  };
  if (!(resolved.l2 >= 0) || !Number.isFinite(resolved.l2)) {
    throw new MlInputError('options.l2', `must be a finite number ≥ 0, got ${resolved.l2}`);
  }
  if (!Number.isInteger(resolved.maxIterations) || resolved.maxIterations < 1) {
    throw new MlInputError(
      'options.maxIterations',
      `must be a positive integer, got ${resolved.maxIterations}`,
    );
  }
  if (!(resolved.tolerance > 0))
    throw new MlInputError('options.tolerance', `must be > 0, got ${resolved.tolerance}`);
  const featureNames = [...(options.featureNames ?? Array.from({ length: x.cols }, (_, j) => `f${j}`))];
  if (featureNames.length !== x.cols) {
    throw new MlInputError(
      'options.featureNames',
      `has ${featureNames.length} names, x has ${x.cols} columns`,
    );
  }

  const n = x.rows;
  const f = x.cols;
  const k = f + 1;
  const dataFingerprint = fingerprintNumbers([x.data, y]);

  // 1. Standardize once: Newton is scale-invariant, but the L2 penalty and conditioning are not.
  // The standardized matrix is stored column-major, so every kernel below is a loop over
  // contiguous Float64Arrays (dot products and axpys) rather than a walk across rows.
  const mean = new Array<number>(f).fill(0);
  const scale = new Array<number>(f).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) mean[j]! += x.data[i * f + j]!;
  for (let j = 0; j < f; j++) mean[j] = mean[j]! / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) scale[j]! += (x.data[i * f + j]! - mean[j]!) ** 2;
  for (let j = 0; j < f; j++) {
    const s = Math.sqrt(scale[j]! / n);
    scale[j] = s > 1e-12 ? s : 1;
  }
  const z = new Float64Array(n * f);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < f; j++) z[j * n + i] = (x.data[i * f + j]! - mean[j]!) / scale[j]!;

  let weights = new Float64Array(k);
  let iteration = 0;
  let converged = false;
  if (checkpoint !== undefined) {
    if (checkpoint.kind !== 'logistic-regression' || checkpoint.version !== 1) {
      throw new CheckpointMismatchError(
        'checkpoint',
        `is a ${checkpoint.kind} v${checkpoint.version} checkpoint, expected logistic-regression v1`,
      );
    }
    if (checkpoint.dataFingerprint !== dataFingerprint) {
      throw new CheckpointMismatchError(
        'checkpoint.dataFingerprint',
        `checkpoint was written for data ${checkpoint.dataFingerprint}, got ${dataFingerprint}`,
      );
    }
    if (JSON.stringify(checkpoint.options) !== JSON.stringify(resolved)) {
      throw new CheckpointMismatchError(
        'checkpoint.options',
        `were ${JSON.stringify(checkpoint.options)}, now ${JSON.stringify(resolved)}`,
      );
    }
    if (checkpoint.weights.length !== k) {
      throw new CheckpointMismatchError(
        'checkpoint.weights',
        `has ${checkpoint.weights.length} values, expected ${k}`,
      );
    }
    weights = Float64Array.from(checkpoint.weights);
    iteration = checkpoint.iteration;
    converged = checkpoint.converged;
  }

  // Linear predictor at `w` into `out`: one axpy per column, block by block so `out` stays in cache.
  const linearPredictor = (w: Float64Array, out: Float64Array): void => {
    out.fill(w[0]!);
    for (let from = 0; from < n; from += BLOCK_ROWS) {
      const to = Math.min(n, from + BLOCK_ROWS);
      for (let j = 0; j < f; j++) {
        const wj = w[j + 1]!;
        const base = j * n;
        for (let i = from; i < to; i++) out[i]! += wj * z[base + i]!;
      }
    }
  };
  const objectiveAt = (w: Float64Array, eta: Float64Array): number => {
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const e = eta[i]!;
      // log(1 + e^eta) − y·eta, stable for large |eta|.
      loss += Math.max(e, 0) + Math.log1p(Math.exp(-Math.abs(e))) - y[i]! * e;
    }
    let penalty = 0;
    for (let j = 1; j < k; j++) penalty += w[j]! * w[j]!;
    return loss / n + (resolved.l2 / 2) * penalty;
  };
  // The linear predictor at the current weights is kept from the line search that accepted them,
  // so a Newton step costs one pass for its derivatives plus one per line-search trial.
  let eta = new Float64Array(n);
  let trialEta = new Float64Array(n);
  linearPredictor(weights, eta);
  let currentObjective = objectiveAt(weights, eta);
  const isDone = (): boolean => converged || iteration >= resolved.maxIterations;
  const residual = new Float64Array(n);
  const curvature = new Float64Array(n);
  const weighted = new Float64Array(Math.min(n, BLOCK_ROWS));

  const step = (): TrainingProgress => {
    if (isDone()) throw new MlInputError('trainer', 'training is already done');
    // 2. Gradient and Hessian of the penalized mean log-loss: X'r and X'diag(h)X as dot products.
    let sumR = 0;
    let sumH = 0;
    for (let i = 0; i < n; i++) {
      const p = sigmoid(eta[i]!);
      const r = p - y[i]!;
      const h = p * (1 - p);
      residual[i] = r;
      curvature[i] = h;
      sumR += r;
      sumH += h;
    }
    const grad = new Float64Array(k);
    const hess = new Float64Array(k * k);
    grad[0] = sumR;
    hess[0] = sumH;
    // Rows in blocks small enough for the block's columns to stay in cache while its 230-odd
    // dot products run over them: the matrix is read from memory once per step, not once per pair.
    for (let from = 0; from < n; from += BLOCK_ROWS) {
      const length = Math.min(BLOCK_ROWS, n - from);
      for (let a = 1; a < k; a++) {
        const base = (a - 1) * n + from;
        for (let i = 0; i < length; i++) weighted[i] = curvature[from + i]! * z[base + i]!;
        grad[a]! += dot(residual, from, z, base, length);
        hess[a * k]! += dot(curvature, from, z, base, length);
        let b = 1;
        // Four columns at a time: one load of `weighted` feeds four products.
        for (; b + 3 <= a; b += 4) {
          const c0 = (b - 1) * n + from;
          const c1 = c0 + n;
          const c2 = c1 + n;
          const c3 = c2 + n;
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          for (let i = 0; i < length; i++) {
            const v = weighted[i]!;
            s0 += v * z[c0 + i]!;
            s1 += v * z[c1 + i]!;
            s2 += v * z[c2 + i]!;
            s3 += v * z[c3 + i]!;
          }
          const row = a * k + b;
          hess[row]! += s0;
          hess[row + 1]! += s1;
          hess[row + 2]! += s2;
          hess[row + 3]! += s3;
        }
        for (; b <= a; b++) hess[a * k + b]! += dot(weighted, 0, z, (b - 1) * n + from, length);
      }
    }
    for (let a = 0; a < k; a++) {
      grad[a] = grad[a]! / n + (a > 0 ? resolved.l2 * weights[a]! : 0);
      for (let b = 0; b <= a; b++) {
        const v = hess[a * k + b]! / n + (a === b && a > 0 ? resolved.l2 : 0);
        hess[a * k + b] = v;
        hess[b * k + a] = v;
      }
    }
    // 3. Newton direction, then halve the step until the Armijo condition holds.
    const direction = solveSpd(hess, grad, k);
    let slope = 0;
    for (let a = 0; a < k; a++) slope += grad[a]! * direction[a]!;
    let t = 1;
    const candidate = new Float64Array(k);
    let candidateObjective = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      // `+ 0` normalises −0, which a JSON checkpoint would turn into +0.
      for (let a = 0; a < k; a++) candidate[a] = weights[a]! - t * direction[a]! + 0;
      linearPredictor(candidate, trialEta);
      candidateObjective = objectiveAt(candidate, trialEta);
      if (candidateObjective <= currentObjective - 1e-4 * t * slope) break;
      t /= 2;
    }
    let maxChange = 0;
    for (let a = 0; a < k; a++) maxChange = Math.max(maxChange, Math.abs(candidate[a]! - weights[a]!));
    if (candidateObjective <= currentObjective) {
      weights = candidate;
      currentObjective = candidateObjective;
      [eta, trialEta] = [trialEta, eta];
    } else {
      // No descent possible at machine precision: we are at the optimum.
      maxChange = 0;
    }
    iteration++;
    if (maxChange < resolved.tolerance) converged = true;
    return {
      kind: 'logistic-regression',
      iteration,
      maxIterations: resolved.maxIterations,
      trainLoss: currentObjective,
      done: isDone(),
    };
  };

  return {
    get done() {
      return isDone();
    },
    step,
    checkpoint: () => ({
      kind: 'logistic-regression',
      version: 1,
      dataFingerprint,
      options: { ...resolved },
      iteration,
      converged,
      weights: Array.from(weights),
    }),
    result: (): LogisticRegressionModel => {
      if (!isDone()) throw new MlInputError('trainer', 'training is not done yet');
      // 4. Fold standardization into raw-space weights, rounded to float32 as the ONNX graph stores them.
      const coefficients = new Array<number>(f);
      let intercept = weights[0]!;
      for (let j = 0; j < f; j++) {
        const w = weights[j + 1]! / scale[j]!;
        // `+ 0` keeps −0 out of the artifact: a JSON round trip would turn it into +0.
        coefficients[j] = Math.fround(w) + 0;
        intercept -= w * mean[j]!;
      }
      return {
        kind: 'logistic-regression',
        featureNames,
        coefficients,
        intercept: Math.fround(intercept) + 0,
        standardization: { mean: [...mean], scale: [...scale] },
        standardizedWeights: Array.from(weights),
        training: { iterations: iteration, converged, objective: currentObjective, l2: resolved.l2 },
      };
    },
  };
}
