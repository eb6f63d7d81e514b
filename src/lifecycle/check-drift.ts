import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Insertable } from 'kysely';
import type { Database } from '../db/database';
import type { DriftDetectionEventTable } from '../db/tables/retraining.table';
import { getAliases } from '../db/repositories/alias.repository';
import { getModel } from '../db/repositories/model.repository';
import { loadReferenceProfiles, getVersionById } from '../db/repositories/version.repository';
import { computeFeatures } from '../ml';
import { detectDrift, normalSf, type DriftReport, type ReferenceProfile } from '../stats';
import type { DriftCheckSummary, FeatureDriftScore } from '../workflows/supervisor/supervisor-types';
import { loadModelBars, PREDICTION_PROFILE } from './model-pipeline';
import { loadServedPredictionColumns } from './served-predictions';

export interface DriftCheckInput {
  model: string;
  /** `predictions`: live traffic of the champion; `bars`: features recomputed from stored bars. */
  source: 'predictions' | 'bars';
  from: Date;
  to: Date;
  minSamples: number;
  share: number;
  performance?: { enabled: boolean; minOutcomes: number; alpha: number };
  /** Store drift_detection_events and today's model_performance_history. */
  record: boolean;
  /** At most this many of the newest rows are used. @default 100000 */
  maxRows?: number;
}

export interface DriftCheckResult extends DriftCheckSummary {
  version: number | null;
  report: DriftReport | null;
  checkId: string;
  performance?: { live: number; baseline: number; labelled: number; pValue: number };
  /** Rows skipped because their feature vector does not fit the version's schema. */
  malformedRows?: number;
}

const toScore = (f: DriftReport['features'][number]): FeatureDriftScore => ({
  name: f.name,
  method: f.method,
  statistic: f.score ?? f.statistic,
  ...(f.adjustedPValue !== undefined ? { pValue: f.adjustedPValue } : {}),
  drifted: f.drifted,
});

/**
 * Compares a window of live features (or features recomputed from bars) and predictions with the
 * champion's stored reference profiles, and tests live accuracy against the validation baseline.
 */
export async function checkDrift(db: Kysely<Database>, input: DriftCheckInput): Promise<DriftCheckResult> {
  const checkedAt = Date.now();
  const checkId = randomUUID();
  const model = await getModel(db, input.model);
  const champion = (await getAliases(db, input.model)).find((a) => a.alias === 'champion');
  const empty = {
    checkedAt,
    checkId,
    sampleSize: 0,
    drifted: false,
    share: 0,
    features: [],
    performanceDegraded: false,
    report: null,
  };
  if (!champion) return { ...empty, status: 'no-champion', version: null };
  const version = await getVersionById(db, champion.versionId);
  const names = (version.feature_schema as { names: string[] }).names;
  const profiles = (await loadReferenceProfiles(db, champion.versionId)) as Record<string, ReferenceProfile>;

  let columns: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, [] as number[]]));
  let outputs: number[] = [];
  let malformed = 0;
  if (input.source === 'predictions') {
    ({ columns, outputs, malformed } = await loadServedPredictionColumns(db, {
      modelId: model.model_id,
      versionId: champion.versionId,
      names,
      from: input.from,
      to: input.to,
      ...(input.maxRows !== undefined ? { maxRows: input.maxRows } : {}),
    }));
  } else {
    const bars = await loadModelBars(db, model, { from: input.from, to: input.to });
    for (const row of computeFeatures(bars).rows) names.forEach((n, j) => columns[n]!.push(row.values[j]!));
  }
  const sampleSize = columns[names[0]!]?.length ?? 0;
  if (sampleSize < input.minSamples)
    return { ...empty, sampleSize, status: 'insufficient-data', version: version.version };

  const featureProfiles = Object.fromEntries(names.filter((n) => profiles[n]).map((n) => [n, profiles[n]!]));
  const report = detectDrift(featureProfiles, columns, {
    share: input.share,
    minRows: Math.min(input.minSamples, 30),
  });
  let predictionDrift: FeatureDriftScore | undefined;
  if (outputs.length >= input.minSamples && profiles[PREDICTION_PROFILE]) {
    const p = detectDrift(
      { prediction: profiles[PREDICTION_PROFILE] },
      { prediction: outputs },
      { correction: 'none' },
    );
    if (p.features[0]) predictionDrift = toScore(p.features[0]);
  }

  let performanceDegraded = false;
  let performanceDetail: string | undefined;
  let performance: DriftCheckResult['performance'];
  const baseline = (version.metrics as { holdout?: { metrics?: { accuracy?: number | null } } }).holdout
    ?.metrics?.accuracy;
  if (input.performance?.enabled && typeof baseline === 'number') {
    const { rows } = await sql<{ labelled: string; correct: string }>`
      SELECT count(correct) AS labelled, count(*) FILTER (WHERE correct) AS correct FROM experiment_outcomes
      WHERE version_id = ${champion.versionId} AND prediction_at BETWEEN ${input.from} AND ${input.to}`.execute(
      db,
    );
    const labelled = Number(rows[0]?.labelled ?? 0);
    if (labelled >= input.performance.minOutcomes) {
      const live = Number(rows[0]!.correct) / labelled;
      // One-sided test of live accuracy against the holdout accuracy the version was validated with.
      const z = (live - baseline) / Math.sqrt(Math.max(baseline * (1 - baseline), 1e-9) / labelled);
      const pValue = 1 - normalSf(z);
      performanceDegraded = pValue < input.performance.alpha;
      performance = { live, baseline, labelled, pValue };
      performanceDetail = `live accuracy ${live.toFixed(4)} vs validation ${baseline.toFixed(4)} on ${labelled} outcomes (one-sided p = ${pValue.toExponential(2)})`;
    }
  }

  const result: DriftCheckResult = {
    checkedAt,
    checkId,
    status: 'checked',
    version: version.version,
    sampleSize,
    drifted: report.drifted,
    share: report.share,
    features: report.features.map(toScore),
    ...(predictionDrift ? { predictionDrift } : {}),
    performanceDegraded,
    ...(performanceDetail ? { performanceDetail } : {}),
    ...(performance ? { performance } : {}),
    ...(malformed ? { malformedRows: malformed } : {}),
    report,
  };
  if (input.record) await recordDriftEvents(db, model.model_id, champion.versionId, input, result);
  return result;
}

async function recordDriftEvents(
  db: Kysely<Database>,
  modelId: string,
  versionId: string,
  input: DriftCheckInput,
  result: DriftCheckResult,
): Promise<void> {
  const base = {
    model_id: modelId,
    version_id: versionId,
    window_start: input.from,
    window_end: input.to,
    check_id: result.checkId,
    sample_size: result.sampleSize,
  };
  const rows: Insertable<DriftDetectionEventTable>[] = (result.report?.features ?? []).map((f) => ({
    ...base,
    drift_type: 'data_drift' as const,
    metric_name: f.name,
    method: f.method,
    statistic: f.score ?? f.statistic,
    p_value: f.adjustedPValue ?? null,
    threshold: f.threshold,
    is_significant: f.drifted,
    details: JSON.stringify({
      source: input.source,
      rawPValue: f.pValue ?? null,
      referenceRows: f.referenceRows,
    }),
  }));
  rows.push({
    ...base,
    drift_type: 'data_drift',
    metric_name: 'dataset',
    method: 'share',
    statistic: result.share,
    p_value: null,
    threshold: input.share,
    is_significant: result.drifted,
    details: JSON.stringify({ source: input.source, skipped: result.report?.skipped ?? [] }),
  });
  if (result.predictionDrift) {
    rows.push({
      ...base,
      drift_type: 'prediction_drift',
      metric_name: 'prediction',
      method: result.predictionDrift.method,
      statistic: result.predictionDrift.statistic,
      p_value: result.predictionDrift.pValue ?? null,
      threshold: 0,
      is_significant: result.predictionDrift.drifted,
      details: JSON.stringify({}),
    });
  }
  if (result.performance) {
    rows.push({
      ...base,
      drift_type: 'performance_drift',
      metric_name: 'accuracy',
      method: 'one-sided-z',
      statistic: result.performance.live,
      p_value: result.performance.pValue,
      threshold: input.performance?.alpha ?? 0,
      is_significant: result.performanceDegraded,
      details: JSON.stringify({
        detail: result.performanceDetail,
        baseline: result.performance.baseline,
        labelled: result.performance.labelled,
      }),
    });
  }
  await db.insertInto('drift_detection_events').values(rows).execute();
}
