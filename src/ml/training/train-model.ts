import { MlInputError, TrainingCancelledError } from '../errors';
import type { FeatureRowsInput } from '../features/feature-matrix';
import type { FeatureSchema } from '../features/feature-schema';
import type { PredictionTarget } from '../features/labelled-dataset';
import { type GbdtModel, predictGbdt } from '../gbdt/gbdt-model';
import { exportGbdtOnnx } from '../gbdt/gbdt-onnx';
import {
  createGbdtTrainer,
  type GbdtCheckpoint,
  type GbdtOptions,
  type GbdtValidationData,
} from '../gbdt/gbdt-trainer';
import {
  predictLogisticRegression,
  type LogisticRegressionModel,
} from '../logistic/logistic-regression-model';
import { exportLogisticRegressionOnnx } from '../logistic/logistic-regression-onnx';
import {
  createLogisticRegressionTrainer,
  type LogisticRegressionCheckpoint,
  type LogisticRegressionOptions,
} from '../logistic/logistic-regression-trainer';
import { runTrainer, type ModelKind, type Trainer, type TrainingProgress } from './trainer';

/** Parameters of any trained model (JSON-safe; store them next to the ONNX artifact). */
export type ModelParams = LogisticRegressionModel | GbdtModel;

/** Resume state of any trainer (JSON-safe; heartbeat it from a training activity). */
export type TrainingCheckpoint = LogisticRegressionCheckpoint | GbdtCheckpoint;

/** Everything needed to train one model. */
export interface TrainModelInput {
  kind: ModelKind;
  /** Training rows in time order; `y` is 0/1 for classifiers, fractional change for the regressor. */
  x: FeatureRowsInput;
  y: ArrayLike<number>;
  featureSchema: FeatureSchema;
  /** Trainer options for the kind (logistic: LogisticRegressionOptions; gbdt: GbdtOptions). */
  options?: LogisticRegressionOptions | Partial<GbdtOptions>;
  /** Explicit early-stopping fold for gbdt (otherwise the last part of `x` is used). */
  validation?: GbdtValidationData;
  /** Resume from this checkpoint (must come from the same kind, data and options). */
  checkpoint?: TrainingCheckpoint;
}

/** A trained model: its parameters and its ONNX artifact. */
export interface TrainedModel {
  kind: ModelKind;
  target: PredictionTarget;
  featureSchemaVersion: string;
  params: ModelParams;
  onnx: Uint8Array;
}

/**
 * The target a model kind predicts.
 *
 * ### Examples
 * ```ts
 * targetOfKind('gbdt-regressor'); // 'price_change_pct'
 * ```
 */
export function targetOfKind(kind: ModelKind): PredictionTarget {
  return kind === 'gbdt-regressor' ? 'price_change_pct' : 'prob_up';
}

/**
 * Creates the step-wise trainer for a model kind, optionally resuming from a checkpoint. Feature
 * names come from the schema.
 *
 * ### Examples
 * ```ts
 * import type { LabelledDataset } from '../features/labelled-dataset';
 * declare const train: LabelledDataset;
 * declare const heartbeat: (details: unknown) => void;
 * import { FEATURE_SCHEMA } from '../features/feature-schema';
 * const trainer = createModelTrainer({ kind: 'gbdt-classifier', x: train.x, y: train.y, featureSchema: FEATURE_SCHEMA });
 * while (!trainer.done) heartbeat({ progress: trainer.step(), checkpoint: trainer.checkpoint() });
 * ```
 */
export function createModelTrainer(input: TrainModelInput): Trainer<ModelParams, TrainingCheckpoint> {
  const featureNames = input.featureSchema.names;
  if (input.kind === 'logistic-regression') {
    if (input.checkpoint !== undefined && input.checkpoint.kind !== 'logistic-regression') {
      throw new MlInputError(
        'checkpoint',
        `is a ${input.checkpoint.kind} checkpoint, expected logistic-regression`,
      );
    }
    return createLogisticRegressionTrainer(
      input.x,
      input.y,
      { ...(input.options as LogisticRegressionOptions), featureNames },
      input.checkpoint,
    );
  }
  if (input.kind === 'gbdt-classifier' || input.kind === 'gbdt-regressor') {
    if (input.checkpoint !== undefined && input.checkpoint.kind !== input.kind) {
      throw new MlInputError(
        'checkpoint',
        `is a ${input.checkpoint.kind} checkpoint, expected ${input.kind}`,
      );
    }
    return createGbdtTrainer(
      input.kind,
      input.x,
      input.y,
      { ...(input.options as Partial<GbdtOptions>), featureNames },
      input.checkpoint,
      input.validation,
    );
  }
  throw new MlInputError(
    'kind',
    `must be logistic-regression, gbdt-classifier or gbdt-regressor, got ${String(input.kind)}`,
  );
}

/**
 * Encodes trained parameters as an ONNX artifact (see the kind's exporter for inputs and outputs).
 */
export function exportModelOnnx(params: ModelParams, featureSchemaVersion: string): Uint8Array {
  return params.kind === 'logistic-regression'
    ? exportLogisticRegressionOnnx(params, { featureSchemaVersion })
    : exportGbdtOnnx(params, { featureSchemaVersion });
}

/**
 * Scores rows with trained parameters in TypeScript, matching the ONNX artifact to ~1e-7:
 * P(up) for classifiers, fractional price change for the regressor.
 */
export function predictModel(params: ModelParams, rows: FeatureRowsInput): Float64Array {
  return params.kind === 'logistic-regression'
    ? predictLogisticRegression(params, rows)
    : predictGbdt(params, rows);
}

function finish(input: TrainModelInput, params: ModelParams): TrainedModel {
  return {
    kind: input.kind,
    target: targetOfKind(input.kind),
    featureSchemaVersion: input.featureSchema.version,
    params,
    onnx: exportModelOnnx(params, input.featureSchema.version),
  };
}

/**
 * Trains a model to completion synchronously and exports it; `onProgress` runs after every
 * iteration with the trainer, so a caller can read `trainer.checkpoint()` when it wants one.
 *
 * ### Examples
 * ```ts
 * import type { LabelledDataset } from '../features/labelled-dataset';
 * declare const train: LabelledDataset;
 * import { FEATURE_SCHEMA } from '../features/feature-schema';
 * const trained = trainModel({ kind: 'logistic-regression', x: train.x, y: train.y, featureSchema: FEATURE_SCHEMA });
 * trained.onnx.length; // 774 (17 weights, a bias, three nodes, metadata)
 * ```
 */
export function trainModel(
  input: TrainModelInput,
  onProgress?: (progress: TrainingProgress, trainer: Trainer<ModelParams, TrainingCheckpoint>) => void,
): TrainedModel {
  return finish(input, runTrainer(createModelTrainer(input), onProgress));
}

/** Options for {@link trainModelAsync}. */
export interface TrainModelAsyncOptions {
  /** Called after every iteration with the progress and a fresh checkpoint (heartbeat both). */
  onProgress?: (progress: TrainingProgress, checkpoint: () => TrainingCheckpoint) => void;
  /** When aborted, training stops between iterations with a TrainingCancelledError carrying the checkpoint. */
  signal?: AbortSignal;
  /** Yield to the event loop at least this often so heartbeats and cancellation get through. @default 50 */
  yieldEveryMs?: number;
}

/**
 * Trains like {@link trainModel} but yields to the event loop between iterations (every
 * `yieldEveryMs`), so an activity's heartbeats flow and an AbortSignal is honoured; on abort it
 * throws TrainingCancelledError with the latest checkpoint. The model is identical to the
 * synchronous one.
 *
 * ### Examples
 * ```ts
 * import { Context } from '@temporalio/activity';
 * declare const input: TrainModelInput;
 * const trained = await trainModelAsync(input, {
 *   signal: Context.current().cancellationSignal,
 *   onProgress: (p, checkpoint) => Context.current().heartbeat({ iteration: p.iteration, checkpoint: checkpoint() }),
 * });
 * ```
 */
export async function trainModelAsync(
  input: TrainModelInput,
  options: TrainModelAsyncOptions = {},
): Promise<TrainedModel> {
  const trainer = createModelTrainer(input);
  const yieldEvery = options.yieldEveryMs ?? 50;
  let lastYield = Date.now();
  while (!trainer.done) {
    if (options.signal?.aborted) throw new TrainingCancelledError(trainer.checkpoint());
    const progress = trainer.step();
    options.onProgress?.(progress, () => trainer.checkpoint());
    if (Date.now() - lastYield >= yieldEvery) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = Date.now();
    }
  }
  return finish(input, trainer.result());
}
