/** The three model kinds this project trains. */
export type ModelKind = 'logistic-regression' | 'gbdt-classifier' | 'gbdt-regressor';

/** One progress report, emitted after every training iteration (Newton step or tree). */
export interface TrainingProgress {
  kind: ModelKind;
  /** Iterations completed so far, counting those restored from a checkpoint. */
  iteration: number;
  /** Upper bound on iterations (training may stop earlier: convergence, early stopping). */
  maxIterations: number;
  /** Training objective after this iteration (mean loss, plus penalty for logistic regression). */
  trainLoss: number;
  /** Loss on the early-stopping validation fold, when there is one. */
  validationLoss?: number;
  /** True once no more iterations will run. */
  done: boolean;
}

/**
 * A resumable, step-wise trainer. `step()` runs one iteration synchronously, so the caller decides
 * when to yield, heartbeat or stop; `checkpoint()` is plain JSON, and a trainer created from it
 * continues to exactly the same model as an uninterrupted run.
 */
export interface Trainer<TModel, TCheckpoint> {
  /** True when training has finished (converged, early-stopped or out of iterations). */
  readonly done: boolean;
  /** Runs one iteration; throws if already done. */
  step(): TrainingProgress;
  /** The state needed to resume, as JSON-safe data. */
  checkpoint(): TCheckpoint;
  /** The trained model; throws MlInputError if training is not done. */
  result(): TModel;
}

/**
 * Runs a trainer to completion, reporting progress after every step.
 *
 * ### Examples
 * ```ts
 * import { createLogisticRegressionTrainer } from '../logistic/logistic-regression-trainer';
 * declare const x: import('../features/feature-matrix').FeatureRowsInput;
 * declare const y: ArrayLike<number>;
 * const model = runTrainer(createLogisticRegressionTrainer(x, y), (p) => console.log(p.iteration, p.trainLoss));
 * ```
 */
export function runTrainer<TModel, TCheckpoint>(
  trainer: Trainer<TModel, TCheckpoint>,
  onProgress?: (progress: TrainingProgress, trainer: Trainer<TModel, TCheckpoint>) => void,
): TModel {
  while (!trainer.done) {
    const progress = trainer.step();
    onProgress?.(progress, trainer);
  }
  return trainer.result();
}
