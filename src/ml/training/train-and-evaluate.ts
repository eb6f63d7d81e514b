import { computeFeatures, type FeatureSpec } from '../features/compute-features';
import { labelledDataset, type LabelledDataset, type PredictionTarget } from '../features/labelled-dataset';
import type { OhlcvBar } from '../market/ohlcv-bar';
import type { SignalBacktestOptions } from '../validation/backtest-signals';
import { evaluatePredictions, type ModelEvaluation } from '../validation/evaluate-predictions';
import { splitDataset, type TimeSplit, type TimeSplitOptions } from '../validation/time-split';
import type { GbdtOptions } from '../gbdt/gbdt-trainer';
import type { LogisticRegressionOptions } from '../logistic/logistic-regression-trainer';
import {
  predictModel,
  targetOfKind,
  trainModelAsync,
  type TrainedModel,
  type TrainingCheckpoint,
  type TrainModelAsyncOptions,
} from './train-model';
import type { ModelKind } from './trainer';

/** Train and holdout sets cut from bars in time order, with the embargo between them. */
export interface PreparedData {
  train: LabelledDataset;
  holdout: LabelledDataset;
  split: TimeSplit;
}

/**
 * Bars → features → labelled rows for a model kind's target → time-ordered train/holdout split
 * (embargo defaults to the horizon). Use the same holdout to score the champion for the gate.
 *
 * ### Examples
 * ```ts
 * declare const bars: readonly OhlcvBar[];
 * const { train, holdout } = prepareTrainingData(bars, 'gbdt-classifier', { horizon: 1 }, { holdoutFraction: 0.2 });
 * ```
 */
export function prepareTrainingData(
  bars: readonly OhlcvBar[],
  kind: ModelKind,
  featureSpec: FeatureSpec = {},
  split: TimeSplitOptions = {},
): PreparedData {
  return prepareTrainingDataFor(bars, targetOfKind(kind), featureSpec, split);
}

/**
 * {@link prepareTrainingData} by prediction target: the data depends on the model kind only through
 * its target, so a retraining job can prepare it before the trainer is chosen.
 *
 * ### Examples
 * ```ts
 * declare const bars: readonly OhlcvBar[];
 * prepareTrainingDataFor(bars, 'prob_up', {}, { holdoutFraction: 0.2, gap: 1 }).holdout.x.rows;
 * ```
 */
export function prepareTrainingDataFor(
  bars: readonly OhlcvBar[],
  target: PredictionTarget,
  featureSpec: FeatureSpec = {},
  split: TimeSplitOptions = {},
): PreparedData {
  return splitDataset(labelledDataset(computeFeatures(bars, featureSpec), target), split);
}

/** Input of {@link trainAndEvaluate}. */
export interface TrainAndEvaluateInput {
  kind: ModelKind;
  bars: readonly OhlcvBar[];
  featureSpec?: FeatureSpec;
  split?: TimeSplitOptions;
  options?: LogisticRegressionOptions | Partial<GbdtOptions>;
  checkpoint?: TrainingCheckpoint;
  backtest?: SignalBacktestOptions;
}

/** A trained model with its holdout evaluation and the data it used. */
export interface TrainAndEvaluateResult {
  trained: TrainedModel;
  evaluation: ModelEvaluation;
  data: PreparedData;
}

/**
 * The whole pure training step from bars: prepare data, train (async, resumable, cancellable; gbdt
 * early stopping embargoes `horizon` rows by default), export ONNX, and evaluate on the holdout.
 *
 * ### Examples
 * ```ts
 * import type { GatePolicy } from '../validation/gate-policy';
 * import type { TrainingProgress } from './trainer';
 * declare const onProgress: (progress: TrainingProgress) => void;
 * declare const policy: GatePolicy;
 * import { evaluateGate } from '../validation/evaluate-gate';
 * declare const bars: readonly OhlcvBar[];
 * declare const championEvaluation: ModelEvaluation | undefined;
 * declare const infra: import('../validation/evaluate-gate').InfraCheckInput | undefined;
 * const { trained, evaluation } = await trainAndEvaluate({ kind: 'gbdt-classifier', bars }, { onProgress });
 * evaluateGate(evaluation, championEvaluation, policy, infra);
 * ```
 */
export async function trainAndEvaluate(
  input: TrainAndEvaluateInput,
  asyncOptions: TrainModelAsyncOptions = {},
): Promise<TrainAndEvaluateResult> {
  const data = prepareTrainingData(input.bars, input.kind, input.featureSpec, input.split);
  const options =
    input.kind === 'logistic-regression'
      ? input.options
      : { validationGap: data.train.horizon, ...(input.options as Partial<GbdtOptions>) };
  const trained = await trainModelAsync(
    {
      kind: input.kind,
      x: data.train.x,
      y: data.train.y,
      featureSchema: data.train.schema,
      options,
      checkpoint: input.checkpoint,
    },
    asyncOptions,
  );
  const evaluation = evaluatePredictions(data.holdout, predictModel(trained.params, data.holdout.x), {
    backtest: input.backtest,
  });
  return { trained, evaluation, data };
}
