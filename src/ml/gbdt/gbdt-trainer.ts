import { CheckpointMismatchError, MlInputError } from '../errors';
import type { FeatureMatrix, FeatureRowsInput } from '../features/feature-matrix';
import { fingerprintNumbers } from '../fingerprint';
import { checkTrainingData } from '../training/check-training-data';
import type { Trainer, TrainingProgress } from '../training/trainer';
import type { GbdtModel, GbdtTree } from './gbdt-model';
import { createTreeWorkspace, growTree } from './grow-tree';
import { binMatrix, binTrainingMatrix } from './histogram-binning';
import { nextUniform, sampleRows, sfc32State, type Sfc32State } from './tree-sampling';

/** Options for {@link createGbdtTrainer}. */
export interface GbdtOptions {
  /** Maximum number of trees. @default 100 */
  nTrees?: number;
  /** Shrinkage applied to every leaf. @default 0.1 */
  learningRate?: number;
  /** Maximum tree depth (root = depth 0). @default 4 */
  maxDepth?: number;
  /** Histogram bins per feature, 2–256. @default 64 */
  maxBins?: number;
  /** Minimum rows in a leaf. @default 20 */
  minSamplesLeaf?: number;
  /** Minimum hessian sum in a leaf. @default 0.001 */
  minChildWeight?: number;
  /** L2 penalty on leaf values. @default 1 */
  l2?: number;
  /** Fraction of rows sampled per tree. @default 0.8 */
  subsample?: number;
  /** Fraction of features considered per tree. @default 1 */
  colsample?: number;
  /**
   * Most recent fraction of the training rows held out for early stopping (time order, never
   * shuffled); 0 disables early stopping. Ignored when `validation` is given. @default 0.2
   */
  validationFraction?: number;
  /** Rows dropped between the fit rows and the early-stopping fold (use the target horizon). @default 0 */
  validationGap?: number;
  /** Stop after this many trees without a validation-loss improvement. @default 10 */
  earlyStoppingRounds?: number;
  /** Seed for row and feature sampling. @default 1 */
  seed?: number;
  /** Feature names for the model; defaults to `f0…f{k-1}`. */
  featureNames?: readonly string[];
}

type ResolvedGbdtOptions = Required<Omit<GbdtOptions, 'featureNames'>>;

/** Explicit early-stopping data, instead of carving a fold from the training rows. */
export interface GbdtValidationData {
  x: FeatureRowsInput;
  y: ArrayLike<number>;
}

/** JSON state from which a boosting run resumes exactly: every tree built so far plus the early-stopping state. */
export interface GbdtCheckpoint {
  kind: 'gbdt-classifier' | 'gbdt-regressor';
  version: 1;
  dataFingerprint: string;
  options: ResolvedGbdtOptions;
  /** Trees built so far (the per-tree sampling RNG is re-seeded from `seed` and the tree index). */
  trees: GbdtTree[];
  bestIteration: number;
  /** null before the first tree (JSON has no Infinity). */
  bestValidationLoss: number | null;
  roundsSinceBest: number;
}

const DEFAULTS: ResolvedGbdtOptions = {
  nTrees: 100,
  learningRate: 0.1,
  maxDepth: 4,
  maxBins: 64,
  minSamplesLeaf: 20,
  minChildWeight: 0.001,
  l2: 1,
  subsample: 0.8,
  colsample: 1,
  validationFraction: 0.2,
  validationGap: 0,
  earlyStoppingRounds: 10,
  seed: 1,
};

function resolveOptions(options: Partial<GbdtOptions>): ResolvedGbdtOptions {
  const r: ResolvedGbdtOptions = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS) as Array<keyof ResolvedGbdtOptions>) {
    const v = options[key];
    if (v !== undefined) r[key] = v;
  }
  const int = (key: keyof ResolvedGbdtOptions, min: number): void => {
    if (!Number.isInteger(r[key]) || r[key] < min) {
      throw new MlInputError(`options.${key}`, `must be an integer ≥ ${min}, got ${r[key]}`);
    }
  };
  const range = (key: keyof ResolvedGbdtOptions, lo: number, hi: number, loOpen: boolean): void => {
    const v = r[key];
    if (!(loOpen ? v > lo : v >= lo) || !(v <= hi)) {
      throw new MlInputError(`options.${key}`, `must be in ${loOpen ? '(' : '['}${lo}, ${hi}], got ${v}`);
    }
  };
  int('nTrees', 1);
  int('maxDepth', 1);
  int('maxBins', 2);
  if (r.maxBins > 256)
    throw new MlInputError('options.maxBins', `must be an integer in [2, 256], got ${r.maxBins}`);
  int('minSamplesLeaf', 1);
  int('validationGap', 0);
  int('earlyStoppingRounds', 1);
  range('learningRate', 0, 1, true);
  range('subsample', 0, 1, true);
  range('colsample', 0, 1, true);
  range('validationFraction', 0, 0.9, false);
  if (!(r.l2 >= 0) || !Number.isFinite(r.l2))
    throw new MlInputError('options.l2', `must be a finite number ≥ 0, got ${r.l2}`);
  if (!(r.minChildWeight >= 0))
    throw new MlInputError('options.minChildWeight', `must be ≥ 0, got ${r.minChildWeight}`);
  if (!Number.isFinite(r.seed)) throw new MlInputError('options.seed', `must be finite, got ${r.seed}`);
  return r;
}

/** Rows per log in the log-loss sums (see meanLoss); a power of two. */
const LOG_BLOCK = 32;

/**
 * Independent, reproducible RNG per tree, so resuming needs no serialized generator state: the
 * stream of `createRng` for a seed mixed from the run's seed and the tree index.
 */
function treeRng(seed: number, tree: number): Sfc32State {
  return sfc32State((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(tree + 1, 0x85ebca6b)) >>> 0);
}

function roundToFloat32(m: FeatureMatrix): FeatureMatrix {
  const data = new Float64Array(m.data.length);
  // `+ 0` turns −0 into +0: JSON cannot carry −0, and a resumed run must see the same thresholds.
  for (let k = 0; k < data.length; k++) data[k] = Math.fround(m.data[k]!) + 0;
  return { rows: m.rows, cols: m.cols, data };
}

/** Adds a tree's leaf values to `raw`, routing rows by their bins (bin ≤ split bin → left). */
function addTree(tree: GbdtTree, binned: Uint8Array, cols: number, raw: Float64Array): void {
  for (let i = 0; i < raw.length; i++) {
    let k = 0;
    while (tree.feature[k]! >= 0)
      k = binned[i * cols + tree.feature[k]!]! <= tree.bin[k]! ? tree.left[k]! : tree.right[k]!;
    raw[i]! += tree.value[k]!;
  }
}

/**
 * Creates a step-wise histogram gradient-boosting trainer: depth-limited trees on quantile bins,
 * second-order (Newton) leaf values with L2, row/feature subsampling, and early stopping on a
 * time-ordered validation fold. `gbdt-classifier` minimises log-loss on 0/1 labels;
 * `gbdt-regressor` minimises squared error. Each `step()` adds one tree; a trainer made from a
 * checkpoint of the same data and options finishes with the identical model.
 *
 * ### Examples
 * ```ts
 * import type { LabelledDataset } from '../features/labelled-dataset';
 * declare const ds: LabelledDataset;
 * declare const heartbeat: (details: unknown) => void;
 * import { runTrainer } from '../training/trainer';
 * const trainer = createGbdtTrainer('gbdt-classifier', ds.x, ds.y, { nTrees: 100, validationGap: 1 });
 * const model = runTrainer(trainer, (p) => heartbeat(p.iteration));
 * model.trees.length; // ≤ 100 (early stopping keeps the best prefix)
 * ```
 */
export function createGbdtTrainer(
  kind: 'gbdt-classifier' | 'gbdt-regressor',
  xInput: FeatureRowsInput,
  yInput: ArrayLike<number>,
  options: Partial<GbdtOptions> = {},
  checkpoint?: GbdtCheckpoint,
  validation?: GbdtValidationData,
): Trainer<GbdtModel, GbdtCheckpoint> {
  if (kind !== 'gbdt-classifier' && kind !== 'gbdt-regressor') {
    throw new MlInputError('kind', `must be 'gbdt-classifier' or 'gbdt-regressor', got ${String(kind)}`);
  }
  const task = kind === 'gbdt-classifier' ? 'classification' : 'regression';
  const opts = resolveOptions(options);
  const all = checkTrainingData(xInput, yInput, task);
  const featureNames = [...(options.featureNames ?? Array.from({ length: all.x.cols }, (_, j) => `f${j}`))];
  if (featureNames.length !== all.x.cols) {
    throw new MlInputError(
      'options.featureNames',
      `has ${featureNames.length} names, x has ${all.x.cols} columns`,
    );
  }

  // 1. Fit rows and early-stopping rows, in time order; values rounded to float32 as ONNX sees them.
  let fitX: FeatureMatrix;
  let fitY: Float64Array;
  let valX: FeatureMatrix | undefined;
  let valY: Float64Array | undefined;
  if (validation !== undefined) {
    const v = checkTrainingData(validation.x, validation.y, task, 1);
    if (v.x.cols !== all.x.cols)
      throw new MlInputError('validation.x', `has ${v.x.cols} columns, x has ${all.x.cols}`);
    fitX = all.x;
    fitY = all.y;
    valX = v.x;
    valY = v.y;
  } else if (opts.validationFraction > 0) {
    const n = all.x.rows;
    const valRows = Math.max(1, Math.round(n * opts.validationFraction));
    const fitRows = n - valRows - opts.validationGap;
    if (fitRows < 2)
      throw new MlInputError(
        'x',
        `${n} rows are too few for a validation fold of ${valRows} and a gap of ${opts.validationGap}`,
      );
    const c = all.x.cols;
    // Views: the float32-rounded copies below are the trainer's own.
    fitX = { rows: fitRows, cols: c, data: all.x.data.subarray(0, fitRows * c) };
    fitY = all.y.slice(0, fitRows);
    valX = { rows: valRows, cols: c, data: all.x.data.subarray((n - valRows) * c) };
    valY = all.y.slice(n - valRows);
  } else {
    fitX = all.x;
    fitY = all.y;
  }
  fitX = roundToFloat32(fitX);
  if (valX !== undefined) valX = roundToFloat32(valX);
  // Only a checkpoint needs the fingerprint (2 million values to hash): computed on first use.
  // fitX/fitY/valX/valY are this trainer's own copies, so the value cannot change meanwhile.
  let fingerprint: string | undefined;
  const dataFingerprint = (): string =>
    (fingerprint ??= fingerprintNumbers([fitX.data, fitY, valX?.data ?? [], valY ?? []]));
  const n = fitX.rows;
  const f = fitX.cols;

  const { binning, binned, byFeature } = binTrainingMatrix(fitX, opts.maxBins);
  const valBinned = valX !== undefined ? binMatrix(binning, valX) : undefined;

  let baseScore: number;
  if (task === 'classification') {
    let pos = 0;
    for (const v of fitY) pos += v;
    const rate = Math.min(Math.max(pos / n, 1e-6), 1 - 1e-6);
    baseScore = Math.fround(Math.log(rate / (1 - rate)));
  } else {
    let s = 0;
    for (const v of fitY) s += v;
    baseScore = Math.fround(s / n) + 0;
  }
  const raw = new Float64Array(n).fill(baseScore);
  const valRaw = new Float64Array(valX?.rows ?? 0).fill(baseScore);
  let trees: GbdtTree[] = [];
  let bestIteration = 0;
  let bestValidationLoss = Infinity;
  let roundsSinceBest = 0;

  if (checkpoint !== undefined) {
    if (checkpoint.kind !== kind || checkpoint.version !== 1) {
      throw new CheckpointMismatchError(
        'checkpoint',
        `is a ${checkpoint.kind} v${checkpoint.version} checkpoint, expected ${kind} v1`,
      );
    }
    if (checkpoint.dataFingerprint !== dataFingerprint()) {
      throw new CheckpointMismatchError(
        'checkpoint.dataFingerprint',
        `checkpoint was written for data ${checkpoint.dataFingerprint}, got ${dataFingerprint()}`,
      );
    }
    if (JSON.stringify(checkpoint.options) !== JSON.stringify(opts)) {
      throw new CheckpointMismatchError(
        'checkpoint.options',
        `were ${JSON.stringify(checkpoint.options)}, now ${JSON.stringify(opts)}`,
      );
    }
    trees = checkpoint.trees.map((t) => ({ ...t }));
    // Replaying the trees in order repeats the exact float additions of the original run.
    for (const tree of trees) {
      addTree(tree, binned, f, raw);
      if (valBinned !== undefined) addTree(tree, valBinned, f, valRaw);
    }
    bestIteration = checkpoint.bestIteration;
    bestValidationLoss = checkpoint.bestValidationLoss ?? Infinity;
    roundsSinceBest = checkpoint.roundsSinceBest;
  }

  // Log-loss sums log(1 + e^−|z|) over the rows. A log per row was a sixth of the boosting loop,
  // so the factors (1 + e^−|z|) ∈ (1, 2] of LOG_BLOCK rows are multiplied first and one log taken
  // per block: the same sum to about 1e-16 per row (the product of 32 such factors is exact to
  // 32 roundings and cannot overflow), deterministic, and these losses only report progress and
  // choose the early-stopping iteration; no tree's split or leaf depends on them.
  const meanLoss = (scores: Float64Array, y: Float64Array): number => {
    const rows = y.length;
    if (task === 'classification') {
      let linear = 0;
      let logs = 0;
      let product = 1;
      for (let i = 0; i < rows; i++) {
        const z = scores[i]!;
        linear += Math.max(z, 0) - y[i]! * z;
        product *= 1 + Math.exp(-Math.abs(z));
        if ((i & (LOG_BLOCK - 1)) === LOG_BLOCK - 1) {
          logs += Math.log(product);
          product = 1;
        }
      }
      return (linear + logs + Math.log(product)) / rows;
    }
    let s = 0;
    for (let i = 0; i < rows; i++) s += (scores[i]! - y[i]!) ** 2;
    return s / rows;
  };
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  // The mean fit loss and the gradients for the next tree, in one pass over the scores. For the
  // classifier both come from e = exp(−|z|): the loss is max(z, 0) + log(1 + e) − y·z as in
  // meanLoss, and p = 1/(1+e) or e/(1+e) is exactly sigmoid(z).
  const fitLossAndGradients = (): number => {
    if (task === 'classification') {
      let linear = 0;
      let logs = 0;
      let product = 1;
      for (let i = 0; i < n; i++) {
        const z = raw[i]!;
        const y = fitY[i]!;
        const e = Math.exp(-Math.abs(z));
        linear += Math.max(z, 0) - y * z;
        product *= 1 + e;
        if ((i & (LOG_BLOCK - 1)) === LOG_BLOCK - 1) {
          logs += Math.log(product);
          product = 1;
        }
        const p = z >= 0 ? 1 / (1 + e) : e / (1 + e);
        grad[i] = p - y;
        hess[i] = Math.max(p * (1 - p), 1e-16);
      }
      return (linear + logs + Math.log(product)) / n;
    }
    let s = 0;
    for (let i = 0; i < n; i++) {
      const d = raw[i]! - fitY[i]!;
      s += d ** 2;
      grad[i] = d;
      hess[i] = 1;
    }
    return s / n;
  };
  let trainLoss = fitLossAndGradients();
  const isDone = (): boolean =>
    trees.length >= opts.nTrees || (valX !== undefined && roundsSinceBest >= opts.earlyStoppingRounds);

  const workspace = createTreeWorkspace(n, binning);
  const sampled = new Uint32Array(n);
  // The fit rows left out of the current tree's sample, ascending.
  const outOfSample = new Uint32Array(n);
  let outCount = 0;
  let rows = sampled.subarray(0, 0);

  const nextTree = (): GbdtTree => {
    const rng = treeRng(opts.seed, trees.length);
    // 2. Gradients and hessians at the current scores are already in grad/hess (fitLossAndGradients).
    // 3. Row and feature sampling for this tree (rows first, then features, from one stream).
    let count = 0;
    outCount = 0;
    if (opts.subsample < 1) {
      count = sampleRows(rng, n, opts.subsample, sampled, outOfSample);
      outCount = n - count;
    } else for (; count < n; count++) sampled[count] = count;
    rows = sampled.subarray(0, count);
    let features = Array.from({ length: f }, (_, j) => j);
    if (opts.colsample < 1) {
      const k = Math.max(1, Math.ceil(opts.colsample * f));
      for (let j = 0; j < k; j++) {
        const r = j + Math.floor(nextUniform(rng) * (f - j));
        [features[j], features[r]] = [features[r]!, features[j]!];
      }
      features = features.slice(0, k).sort((a, b) => a - b);
    }
    // 4. One depth-limited tree on the histograms.
    return growTree({
      binned,
      byFeature,
      cols: f,
      binning,
      grad,
      hess,
      rows,
      features,
      params: opts,
      workspace,
    });
  };

  /**
   * Adds a fresh tree to the fit scores: rows it was grown on sit in its leaves' slices of `rows`
   * already; only the rows left out of its sample are routed down the tree. Each score gets the
   * same single addition as {@link addTree} would give it.
   */
  const addGrownTree = (tree: GbdtTree): void => {
    for (const leaf of workspace.leaves) {
      const v = tree.value[leaf.node]!;
      for (let r = leaf.from; r < leaf.to; r++) raw[rows[r]!]! += v;
    }
    for (let r = 0; r < outCount; r++) {
      const i = outOfSample[r]!;
      let k = 0;
      while (tree.feature[k]! >= 0)
        k = binned[i * f + tree.feature[k]!]! <= tree.bin[k]! ? tree.left[k]! : tree.right[k]!;
      raw[i]! += tree.value[k]!;
    }
  };

  const step = (): TrainingProgress => {
    if (isDone()) throw new MlInputError('trainer', 'training is already done');
    const tree = nextTree();
    trees.push(tree);
    addGrownTree(tree);
    trainLoss = fitLossAndGradients();
    let validationLoss: number | undefined;
    if (valBinned !== undefined && valY !== undefined) {
      addTree(tree, valBinned, f, valRaw);
      validationLoss = meanLoss(valRaw, valY);
      if (validationLoss < bestValidationLoss) {
        bestValidationLoss = validationLoss;
        bestIteration = trees.length;
        roundsSinceBest = 0;
      } else roundsSinceBest++;
    } else bestIteration = trees.length;
    const progress: TrainingProgress = {
      kind,
      iteration: trees.length,
      maxIterations: opts.nTrees,
      trainLoss,
      done: isDone(),
    };
    if (validationLoss !== undefined) progress.validationLoss = validationLoss;
    return progress;
  };

  return {
    get done() {
      return isDone();
    },
    step,
    checkpoint: () => ({
      kind,
      version: 1,
      dataFingerprint: dataFingerprint(),
      options: { ...opts },
      trees: trees.map((t) => ({ ...t })),
      bestIteration,
      bestValidationLoss: Number.isFinite(bestValidationLoss) ? bestValidationLoss : null,
      roundsSinceBest,
    }),
    result: (): GbdtModel => {
      if (!isDone()) throw new MlInputError('trainer', 'training is not done yet');
      return {
        kind,
        featureNames,
        baseScore,
        trees: trees.slice(0, bestIteration),
        training: {
          treesBuilt: trees.length,
          bestIteration,
          bestValidationLoss: Number.isFinite(bestValidationLoss) ? bestValidationLoss : null,
          trainLoss,
        },
      };
    },
  };
}
