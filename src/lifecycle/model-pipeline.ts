import type { Db } from '../db/database';
import { getAliases } from '../db/repositories/alias.repository';
import { loadBars } from '../db/repositories/market-bars.repository';
import type { ReferenceProfileInput } from '../db/repositories/version.repository';
import { getArtifact, getVersionById } from '../db/repositories/version.repository';
import type { Timeframe } from '../db/tables/market-bars.table';
import type { ModelRow } from '../db/tables/registry.table';
import {
  evaluateGate,
  evaluatePredictions,
  MlInputError,
  type ChampionContext,
  type GateResult,
  type LabelledDataset,
  type ModelEvaluation,
  type ModelKind,
  type OhlcvBar,
  type PreparedData,
} from '../ml';
import { loadOnnxScorer, measureOnnxInfra, type OnnxInfraMeasurement } from '../ml/onnx/onnx-scorer';
import { fitReferenceProfile } from '../stats';

export const TRAINERS = ['logreg', 'gbdt'] as const;
export type TrainerName = (typeof TRAINERS)[number];

/** Name of the reference profile of the model's own output, for prediction drift. */
export const PREDICTION_PROFILE = '__prediction__';

/** The trainer kind for a trainer name and a prediction target. */
export function modelKindFor(trainer: TrainerName, target: string): ModelKind {
  if (target === 'prob_up') return trainer === 'logreg' ? 'logistic-regression' : 'gbdt-classifier';
  if (target === 'price_change_pct') {
    if (trainer === 'logreg')
      throw new MlInputError(
        'trainer',
        'logreg predicts prob_up only; use --trainer gbdt for price_change_pct',
      );
    return 'gbdt-regressor';
  }
  throw new MlInputError(
    'target',
    `the built-in trainers predict prob_up or price_change_pct, not ${target}`,
  );
}

export function taskOf(kind: ModelKind): 'classification' | 'regression' {
  return kind === 'gbdt-regressor' ? 'regression' : 'classification';
}

/** Bars of the model's symbol and timeframe, as the ML core takes them. */
export async function loadModelBars(
  db: Db,
  model: Pick<ModelRow, 'name' | 'symbol' | 'timeframe'>,
  window: { from?: Date; to?: Date } = {},
): Promise<OhlcvBar[]> {
  if (!model.symbol || !model.timeframe) {
    throw new MlInputError('model', `"${model.name}" has no symbol/timeframe to read bars for`);
  }
  const rows = await loadBars(db, model.symbol, model.timeframe as Timeframe, window);
  return rows.map((r) => ({
    ts: r.ts.toISOString(),
    open: r.open,
    high: r.high,
    low: r.low,
    close: r.close,
    volume: r.volume,
  }));
}

/** A candidate scored on the holdout, the champion scored on the same rows, and the gate verdict. */
export interface CandidateEvaluation {
  evaluation: ModelEvaluation;
  champion: { version: number; evaluation: ModelEvaluation } | undefined;
  infra: OnnxInfraMeasurement;
  gate: GateResult;
}

/**
 * Scores the candidate's ONNX artifact (through onnxruntime, as it will be served) and the current
 * champion's on the same holdout, measures load and single-row latency, and applies the model's gate.
 */
export async function evaluateCandidate(
  db: Db,
  input: { model: ModelRow; data: PreparedData; onnx: Uint8Array; kind: ModelKind },
): Promise<CandidateEvaluation> {
  const task = taskOf(input.kind);
  const holdout = input.data.holdout;
  const scorer = await loadOnnxScorer(input.onnx, task);
  let evaluation: ModelEvaluation;
  try {
    evaluation = evaluatePredictions(holdout, await scorer.predict(holdout.x));
  } finally {
    await scorer.release();
  }
  const championAlias = (await getAliases(db, input.model.name)).find((a) => a.alias === 'champion');
  let champion: CandidateEvaluation['champion'];
  if (championAlias) {
    const championScorer = await loadOnnxScorer(await getArtifact(db, championAlias.versionId), task);
    try {
      champion = {
        version: championAlias.version,
        evaluation: evaluatePredictions(holdout, await championScorer.predict(holdout.x)),
      };
    } finally {
      await championScorer.release();
    }
  }
  const infra = await measureOnnxInfra(input.onnx, task, holdout.x, { runs: 200, warmup: 20 });
  // The task comes from what the model predicts, so a regressor is never judged by classification floors.
  const gatePolicy = { ...((input.model.gate_policy ?? {}) as object), task };
  const gate = evaluateGate(
    evaluation,
    champion?.evaluation,
    gatePolicy as never,
    infra,
    championAlias ? await championTrainingWindow(db, championAlias.versionId) : {},
  );
  return { evaluation, champion, infra, gate };
}

/**
 * The rows the champion learnt from: its stored training window, cut at the start of its own
 * holdout (retrained versions store the whole data window, holdout included, and the champion
 * never trained on its holdout).
 */
async function championTrainingWindow(db: Db, versionId: string): Promise<ChampionContext> {
  const version = await getVersionById(db, versionId);
  if (!version.training_window_start || !version.training_window_end) return {};
  const ownHoldoutFrom = Date.parse(
    (version.metrics as { holdout?: { holdout?: { from?: string } } }).holdout?.holdout?.from ?? '',
  );
  const end = new Date(version.training_window_end).getTime();
  const to = Number.isFinite(ownHoldoutFrom) ? Math.min(end, ownHoldoutFrom - 1) : end;
  return { trainingWindow: { from: new Date(version.training_window_start), to: new Date(to) } };
}

/** What is stored as a version's metrics: everything but the per-row losses. */
export function storableMetrics(result: CandidateEvaluation): Record<string, unknown> {
  const strip = ({ rowLoss: _rowLoss, ...rest }: ModelEvaluation) => rest;
  return {
    holdout: strip(result.evaluation),
    champion: result.champion
      ? { version: result.champion.version, ...strip(result.champion.evaluation) }
      : null,
    infra: result.infra,
    gate: { passed: result.gate.passed, checks: result.gate.checks },
  };
}

/** Reference profiles of every training feature and of the model's own output on the training rows. */
export function referenceProfilesOf(
  train: LabelledDataset,
  predictions: ArrayLike<number>,
): ReferenceProfileInput[] {
  const { rows, cols, data } = train.x;
  const profiles: ReferenceProfileInput[] = [];
  const columns: Array<[string, Float64Array]> = train.schema.names.map((name, j) => {
    const column = new Float64Array(rows);
    for (let i = 0; i < rows; i++) column[i] = data[i * cols + j]!;
    return [name, column];
  });
  columns.push([PREDICTION_PROFILE, Float64Array.from(predictions)]);
  for (const [name, column] of columns) {
    const profile = fitReferenceProfile(column);
    if (profile.type !== 'numeric') continue;
    profiles.push({
      featureName: name,
      n: profile.n,
      mean: profile.mean,
      stdDev: profile.std,
      min: profile.min,
      max: profile.max,
      binEdges: profile.psiEdges,
      binCounts: profile.psiCounts,
      profile,
    });
  }
  return profiles;
}
