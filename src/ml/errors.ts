import { InputError } from '../errors';

/**
 * Thrown when an ML function receives input it cannot work with: empty or ragged matrices, labels
 * that are not 0/1, non-finite values, options out of range, malformed CSV headers. The message
 * names the argument and what it expects, so a CLI or activity can show it unchanged.
 *
 * ### Examples
 * ```ts
 * throw new MlInputError('options.learningRate', 'must be in (0, 1], got 0');
 * // MlInputError: options.learningRate: must be in (0, 1], got 0
 * ```
 */
export class MlInputError extends InputError {
  override readonly name: string = 'MlInputError';
  /** Shared by the subclasses (FeatureSchemaError, CheckpointMismatchError): PERMANENT_ERRORS lists it. */
  readonly failureType: string = 'MlInputError';
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(`${argument}: ${message}`);
  }
}

/**
 * Thrown when a feature vector does not match a feature schema; it lists every missing, extra and
 * non-finite feature so one error fixes the whole payload, not one field per round-trip.
 *
 * ### Examples
 * ```ts
 * import { FEATURE_SCHEMA } from './features/feature-schema';
 * import { featureVectorFromInput } from './features/feature-schema';
 * featureVectorFromInput(FEATURE_SCHEMA, { ret_1: 0.01 });
 * // FeatureSchemaError: features: do not match schema gf-features-v1: missing [ret_2, ret_5, …, volume_ratio_5_20]
 * ```
 */
export class FeatureSchemaError extends MlInputError {
  override readonly name: string = 'FeatureSchemaError';
  constructor(
    readonly schemaVersion: string,
    readonly missing: readonly string[],
    readonly extra: readonly string[],
    readonly nonFinite: readonly string[],
    detail?: string,
  ) {
    const parts: string[] = [];
    if (missing.length > 0) parts.push(`missing [${missing.join(', ')}]`);
    if (extra.length > 0) parts.push(`extra [${extra.join(', ')}]`);
    if (nonFinite.length > 0) parts.push(`non-finite [${nonFinite.join(', ')}]`);
    if (detail !== undefined) parts.push(detail);
    super('features', `do not match schema ${schemaVersion}: ${parts.join('; ')}`);
  }
}

/**
 * Thrown when bytes cannot be decoded as an ONNX ModelProto or the model lacks a graph; the
 * message says which part is missing.
 *
 * ### Examples
 * ```ts
 * import { inspectOnnxModel } from './onnx/inspect-onnx-model';
 * inspectOnnxModel(new Uint8Array([1, 2, 3]));
 * // OnnxModelError: not a decodable ONNX ModelProto: index out of range: 1 + 8 > 3
 * ```
 */
export class OnnxModelError extends Error {
  override readonly name = 'OnnxModelError';
}

/**
 * Thrown when a training checkpoint cannot be resumed: it was written by another trainer kind,
 * another checkpoint version, other options, or for a different training set (fingerprint).
 * Resuming anyway would silently produce a model nobody trained.
 *
 * ### Examples
 * ```ts
 * import type { LabelledDataset } from './features/labelled-dataset';
 * import { createLogisticRegressionTrainer, type LogisticRegressionCheckpoint } from './logistic/logistic-regression-trainer';
 * declare const other: LabelledDataset; // not the data the checkpoint was written for
 * declare const checkpoint: LogisticRegressionCheckpoint;
 * createLogisticRegressionTrainer(other.x, other.y, {}, checkpoint);
 * // CheckpointMismatchError: checkpoint.dataFingerprint: checkpoint was written for data 3f1c…, got 9ab2…
 * ```
 */
export class CheckpointMismatchError extends MlInputError {
  override readonly name: string = 'CheckpointMismatchError';
}

/**
 * Thrown by the async training driver when its AbortSignal fires; carries the last checkpoint so
 * the caller can persist it and resume later with an identical result.
 *
 * ### Examples
 * ```ts
 * declare const signal: AbortSignal;
 * declare const save: (checkpoint: unknown) => void;
 * import { trainModelAsync } from './training/train-model';
 * declare const input: import('./training/train-model').TrainModelInput;
 * try { await trainModelAsync(input, { signal }); }
 * catch (e) { if (e instanceof TrainingCancelledError) save(e.checkpoint); }
 * ```
 */
export class TrainingCancelledError extends Error {
  override readonly name = 'TrainingCancelledError';
  constructor(readonly checkpoint: unknown) {
    super('training was cancelled; resume from the attached checkpoint');
  }
}
