import type { Db } from '../db/database';
import { getAliases, moveAlias } from '../db/repositories/alias.repository';
import { ensureModel } from '../db/repositories/model.repository';
import { registerVersion, type ModelVersionSummary } from '../db/repositories/version.repository';
import type { Timeframe } from '../db/tables/market-bars.table';
import {
  FEATURE_SCHEMA,
  MlInputError,
  predictModel,
  prepareTrainingData,
  trainModelAsync,
  type TrainingProgress,
} from '../ml';
import {
  evaluateCandidate,
  loadModelBars,
  modelKindFor,
  referenceProfilesOf,
  storableMetrics,
  type CandidateEvaluation,
  type TrainerName,
} from './model-pipeline';

export interface TrainModelVersionInput {
  model: string;
  symbol: string;
  timeframe: Timeframe;
  target: 'prob_up' | 'price_change_pct';
  trainer: TrainerName;
  from?: Date;
  to?: Date;
  createdBy: string;
  /** Gate policy of a model created by this call (an existing model keeps its own). */
  gatePolicy?: unknown;
  onProgress?: (progress: TrainingProgress) => void;
}

export interface TrainModelVersionResult {
  evaluation: CandidateEvaluation;
  /** Undefined when the gate refused the candidate (nothing is registered then). */
  version: ModelVersionSummary | undefined;
  becameChampion: boolean;
  bars: number;
}

/**
 * Trains a model on stored bars (time-ordered holdout at the end of the window), validates it against
 * the model's gate and current champion, and registers it when it passes; the first version of a
 * model that passes its floors becomes champion. The same pipeline retraining jobs run, in one call.
 */
export async function trainModelVersion(
  db: Db,
  input: TrainModelVersionInput,
): Promise<TrainModelVersionResult> {
  const kind = modelKindFor(input.trainer, input.target);
  const model = await ensureModel(db, {
    name: input.model,
    predictionTarget: input.target,
    featureSchema: { version: FEATURE_SCHEMA.version, names: [...FEATURE_SCHEMA.names] },
    symbol: input.symbol,
    timeframe: input.timeframe,
    ...(input.gatePolicy !== undefined ? { gatePolicy: input.gatePolicy } : {}),
  });
  if (model.symbol !== input.symbol || model.timeframe !== input.timeframe) {
    throw new MlInputError(
      'model',
      `"${input.model}" is trained on ${model.symbol} ${model.timeframe}, not ${input.symbol} ${input.timeframe}`,
    );
  }
  const bars = await loadModelBars(db, model, { from: input.from, to: input.to });
  if (bars.length < 200) {
    throw new MlInputError(
      'bars',
      `only ${bars.length} bars of ${input.symbol} ${input.timeframe} in the window; at least 200 are needed`,
    );
  }
  const data = prepareTrainingData(bars, kind, {}, { holdoutFraction: 0.2, gap: 1 });
  const trained = await trainModelAsync(
    { kind, x: data.train.x, y: data.train.y, featureSchema: data.train.schema },
    { onProgress: (progress) => input.onProgress?.(progress) },
  );
  const evaluation = await evaluateCandidate(db, { model, data, onnx: trained.onnx, kind });
  if (!evaluation.gate.passed)
    return { evaluation, version: undefined, becameChampion: false, bars: bars.length };

  const champion = (await getAliases(db, input.model)).find((a) => a.alias === 'champion');
  const { version } = await registerVersion(db, {
    model: input.model,
    trainer: kind,
    onnx: trained.onnx,
    featureSchema: data.train.schema,
    hyperparameters: { kind },
    metrics: storableMetrics(evaluation),
    parentVersionId: champion?.versionId ?? null,
    trainingWindow: { start: new Date(data.train.ts[0]!), end: new Date(data.train.ts.at(-1)!) },
    createdBy: input.createdBy,
    referenceProfiles: referenceProfilesOf(data.train, predictModel(trained.params, data.train.x)),
  });
  let becameChampion = false;
  if (!champion) {
    await moveAlias(db, {
      model: input.model,
      alias: 'champion',
      version: version.version,
      expectedVersionId: null,
      changedBy: input.createdBy,
      reason: 'first version passed its gate',
    });
    becameChampion = true;
  }
  return { evaluation, version, becameChampion, bars: bars.length };
}
