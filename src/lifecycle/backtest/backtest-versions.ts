import {
  evaluateGate,
  evaluatePredictions,
  predictModel,
  trainModel,
  type ChampionContext,
  type GateResult,
  type InfraCheckInput,
  type ModelEvaluation,
  type ModelKind,
  type ModelParams,
  type PreparedData,
} from '../../ml';
import type { ReferenceProfile, TwoScaleCalibration } from '../../stats';
import { calibrateOrExplain, featureProfilesOf } from '../drift-check-core';
import { referenceProfilesOf, taskOf } from '../model-pipeline';
import { windowRows, windowTrainingData, type BacktestMarket } from './backtest-market';

/** One model version of a backtest: what the registry would hold about it. */
export interface BacktestVersion {
  version: number;
  /** The bar at whose close it was trained. */
  trainedAtBar: number;
  params: ModelParams;
  evaluation: ModelEvaluation;
  /**
   * Reference profiles of its training rows (features and its own output), as registered. Fitted
   * when first read: only a version that becomes champion is ever checked for drift against them.
   */
  readonly profiles: Record<string, ReferenceProfile>;
  /** Bars the drift thresholds are calibrated on: its stored training window recomputed. */
  referenceBars: { first: number; last: number };
  /** The rows it learnt from (for the gate's holdout-overlap check of a later candidate). */
  trainingWindow: { from: string; to: string };
  baselineAccuracy: number | undefined;
  baselineRows: number;
  /** Scores of every bar with features, filled lazily in blocks. */
  scores: Float64Array;
  calibrations: Map<number, { calibration?: TwoScaleCalibration; thresholdNote?: string }>;
}

const SCORE_BLOCK = 512;

/** Trains on the rows of bars [first, last] exactly as `models train` / a retraining job does. */
export function trainVersion(
  market: BacktestMarket,
  kind: ModelKind,
  version: number,
  first: number,
  last: number,
  /** `models train` stores the training rows as the window, a retraining job the whole data window. */
  windowStored: 'train-rows' | 'data-window',
): { version: BacktestVersion; data: PreparedData; onnx: Uint8Array } {
  const data = windowTrainingData(market, first, last);
  const trained = trainModel({ kind, x: data.train.x, y: data.train.y, featureSchema: data.train.schema });
  const evaluation = evaluatePredictions(data.holdout, predictModel(trained.params, data.holdout.x));
  let profiles: Record<string, ReferenceProfile> | undefined;
  const fitProfiles = () =>
    (profiles ??= Object.fromEntries(
      referenceProfilesOf(data.train, predictModel(trained.params, data.train.x)).map((p) => [
        p.featureName,
        p.profile as ReferenceProfile,
      ]),
    ));
  const trainFirstBar = first + 20;
  const trainLastBar = trainFirstBar + data.train.x.rows - 1;
  return {
    data,
    onnx: trained.onnx,
    version: {
      version,
      trainedAtBar: last,
      params: trained.params,
      evaluation,
      get profiles() {
        return fitProfiles();
      },
      referenceBars:
        windowStored === 'train-rows' ? { first: trainFirstBar, last: trainLastBar } : { first, last },
      trainingWindow: { from: data.train.ts[0]!, to: data.train.ts.at(-1)! },
      baselineAccuracy:
        typeof evaluation.metrics.accuracy === 'number' ? evaluation.metrics.accuracy : undefined,
      baselineRows: evaluation.holdout.rows,
      scores: new Float64Array(market.bars.length).fill(Number.NaN),
      calibrations: new Map(),
    },
  };
}

/**
 * The gate as `evaluateCandidate` applies it: the candidate and the champion scored on the
 * candidate's holdout, the task taken from what the model predicts, the champion's training window
 * for the overlap check. The infra measurement is the run's (see runBacktest).
 */
export function gateCandidate(
  candidate: BacktestVersion,
  data: PreparedData,
  champion: BacktestVersion | undefined,
  gatePolicy: unknown,
  kind: ModelKind,
  infra: InfraCheckInput,
): GateResult {
  const championEvaluation = champion
    ? evaluatePredictions(data.holdout, predictModel(champion.params, data.holdout.x))
    : undefined;
  const context: ChampionContext = champion ? { trainingWindow: champion.trainingWindow } : {};
  return evaluateGate(
    candidate.evaluation,
    championEvaluation,
    { ...((gatePolicy ?? {}) as object), task: taskOf(kind) } as never,
    infra,
    context,
  );
}

/** The version's score of bar i (scored in blocks: a bar's score reads only that bar's features). */
export function scoreOf(market: BacktestMarket, v: BacktestVersion, i: number): number {
  if (Number.isNaN(v.scores[i]!)) {
    const from = Math.max(20, i);
    const to = Math.min(market.bars.length, from + SCORE_BLOCK);
    const x = {
      rows: to - from,
      cols: market.cols,
      data: market.features.subarray(from * market.cols, to * market.cols),
    };
    v.scores.set(predictModel(v.params, x), from);
  }
  return v.scores[i]!;
}

/** Calibrated drift thresholds of a version at a window's row count, computed once per count. */
export function calibrationOf(
  market: BacktestMarket,
  v: BacktestVersion,
  names: readonly string[],
  chunkRows: number,
  policy: { share: number; minRows: number },
): { calibration?: TwoScaleCalibration; thresholdNote?: string } {
  const cached = v.calibrations.get(chunkRows);
  if (cached) return cached;
  const profiles = featureProfilesOf(v.profiles, names);
  const result = calibrateOrExplain(
    profiles,
    () => {
      const first = Math.max(0, v.referenceBars.first - 20);
      const last = Math.min(market.labelled.x.rows + 19, v.referenceBars.last);
      const rows = windowRows(market, first, last + 1);
      const reference: Record<string, Float64Array> = {};
      names.forEach((n, j) => {
        if (!profiles[n]) return;
        const column = new Float64Array(rows.x.rows);
        for (let r = 0; r < rows.x.rows; r++) column[r] = rows.x.data[r * rows.x.cols + j]!;
        reference[n] = column;
      });
      return reference;
    },
    chunkRows,
    policy,
  );
  v.calibrations.set(chunkRows, result);
  return result;
}
