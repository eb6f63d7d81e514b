import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database';
import type { ModelRow } from '../db/tables/registry.table';
import type { Timeframe } from '../db/tables/market-bars.table';
import { getAliases } from '../db/repositories/alias.repository';
import { insertDriftEventsOnce, type NewDriftEvent } from '../db/repositories/drift-event.repository';
import {
  countBars,
  countServedPredictions,
  labelledOutcomesByBar,
  loadBarsBefore,
} from '../db/repositories/drift-inputs.repository';
import { getModel } from '../db/repositories/model.repository';
import { loadReferenceProfiles, getVersionById } from '../db/repositories/version.repository';
import { computeFeatures, FEATURE_WARMUP_BARS, type OhlcvBar } from '../ml';
import type { BarOutcomes, DriftReport, ReferenceProfile, TwoScaleCalibration } from '../stats';
import type { DriftCheckSummary } from '../workflows/supervisor/supervisor-types';
import {
  assessFeatureDrift,
  assessPerformance,
  calibrateOrExplain,
  driftPolicyOf,
  featureProfilesOf,
  performanceMethodOf,
  undecidedDriftCheck,
  type PerformanceFinding,
} from './drift-check-core';
import { loadModelBars } from './model-pipeline';
import { loadServedPredictionColumns } from './served-predictions';

export interface DriftCheckInput {
  model: string;
  /** `predictions`: live traffic of the champion; `bars`: features recomputed from stored bars. */
  source: 'predictions' | 'bars';
  from: Date;
  to: Date;
  minSamples: number;
  share: number;
  performance?: {
    enabled: boolean;
    minOutcomes: number;
    alpha: number;
    /**
     * 'two-sample' (default): per-check test of the window (testAccuracyDrop); 'cusum': CUSUM of
     * the bars since the champion was promoted (at most the last 30 days), valid however often it
     * is looked at (accuracyCusum); 'known-baseline': the old per-check test, p₀ taken as exact.
     */
    method?: 'two-sample' | 'known-baseline' | 'cusum';
  };
  /**
   * 'calibrated' (default): per-feature and share thresholds from the reference period's own
   * variation, at the window's row count (calibrateDriftThresholds); 'fixed': the methods' fixed
   * levels (the behaviour before calibration). A reference that cannot be recomputed falls back to
   * fixed thresholds, and the result says so in `thresholdNote`.
   */
  thresholds?: 'calibrated' | 'fixed';
  /** Store drift_detection_events and today's model_performance_history. */
  record: boolean;
  /**
   * At most this many of the newest rows are read (the rest of the window is not: a bound on the
   * work of one check, documented in docs/concepts.md). @default 100000
   */
  maxRows?: number;
  /**
   * The check's id, stored with its events. Pass an id derived from the caller (the activity does,
   * from its workflow and activity ids) so a retried attempt writes its events once. @default random
   */
  checkId?: string;
  /** Runs while rows are read and between features: the activity heartbeats here. */
  onProgress?: (stage: string) => void;
}

export interface DriftCheckResult extends DriftCheckSummary {
  version: number | null;
  report: DriftReport | null;
  checkId: string;
  performance?: PerformanceFinding;
  /** Rows skipped because their feature vector does not fit the version's schema. */
  malformedRows?: number;
  /** Why calibrated thresholds were not used, when they were asked for. */
  thresholdNote?: string;
  /**
   * The newest rows tested on their own (calibrated checks only, detectTwoScaleDrift): a change
   * that began since the last check is too small a part of the whole window to move it. `drifted`
   * is true when either drifted; the hysteresis still counts the whole window's time span.
   */
  recent?: { rows: number; drifted: boolean; share: number; report: DriftReport };
}

const TIMEFRAME_MS: Readonly<Record<Timeframe, number>> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
};

/**
 * Compares a window of live features (or features recomputed from bars) and predictions with the
 * champion's stored reference profiles, and tests live accuracy against the validation baseline.
 *
 * The rows of the window are counted first: with fewer than `minSamples` the check is undecided
 * (`drifted: null`, with a `reason`) before the reference profiles, the reference period or the
 * outcomes are read. A check is also undecided when no feature could be tested.
 */
export async function checkDrift(db: Db, input: DriftCheckInput): Promise<DriftCheckResult> {
  const checkedAt = Date.now();
  const checkId = input.checkId ?? randomUUID();
  const progress = input.onProgress ?? (() => undefined);
  const model = await getModel(db, input.model);
  const champion = (await getAliases(db, input.model)).find((a) => a.alias === 'champion');
  const undecided = (
    status: DriftCheckSummary['status'],
    reason: string,
    sampleSize: number,
    version: number | null,
  ): DriftCheckResult => ({
    ...undecidedDriftCheck(checkedAt, status, reason, sampleSize, {
      from: input.from.getTime(),
      to: input.to.getTime(),
    }),
    checkId,
    report: null,
    version,
  });
  if (!champion) return undecided('no-champion', 'the model has no champion', 0, null);
  const version = await getVersionById(db, champion.versionId);
  const names = (version.feature_schema as { names: string[] }).names;

  // Count before loading anything large.
  const available =
    input.source === 'predictions'
      ? await countServedPredictions(db, {
          modelId: model.model_id,
          versionId: champion.versionId,
          from: input.from,
          to: input.to,
        })
      : await countBars(db, model.symbol ?? '', (model.timeframe ?? '1h') as Timeframe, input);
  const maxRows = input.maxRows ?? 100_000;
  if (Math.min(available, maxRows) < input.minSamples) {
    return undecided(
      'insufficient-data',
      `only ${available} rows in the window (need ${input.minSamples})`,
      available,
      version.version,
    );
  }

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
      maxRows,
      onPage: (rows) => progress(`read ${rows} predictions`),
    }));
  } else {
    const bars = await barsWithWarmup(db, model, input.from, input.to);
    for (const row of featureRowsFrom(bars, input.from)) names.forEach((n, j) => columns[n]!.push(row[j]!));
    progress(`recomputed features of ${bars.length} bars`);
  }
  const sampleSize = columns[names[0]!]?.length ?? 0;
  if (sampleSize < input.minSamples) {
    return undecided(
      'insufficient-data',
      `only ${sampleSize} usable rows in the window (need ${input.minSamples})`,
      sampleSize,
      version.version,
    );
  }

  const profiles = (await loadReferenceProfiles(db, champion.versionId)) as Record<string, ReferenceProfile>;
  progress('loaded reference profiles');
  const featureProfiles = featureProfilesOf(profiles, names);
  const policy = driftPolicyOf(input);
  let calibration: TwoScaleCalibration | undefined;
  let thresholdNote: string | undefined;
  if ((input.thresholds ?? 'calibrated') === 'calibrated' && Object.keys(featureProfiles).length > 0) {
    let reference: Record<string, Float64Array> | undefined;
    let referenceError: Error | undefined;
    try {
      reference = await trainingWindowColumns(db, model, version, featureProfiles, names);
    } catch (e) {
      referenceError = e as Error;
    }
    ({ calibration, thresholdNote } = calibrateOrExplain(
      featureProfiles,
      () => {
        if (referenceError) throw referenceError;
        return reference!;
      },
      sampleSize,
      policy,
    ));
    if (calibration) progress('calibrated thresholds');
  }
  const assessed = assessFeatureDrift({
    profiles,
    names,
    columns,
    // Served predictions are read newest first, recomputed bars oldest first.
    order: input.source === 'predictions' ? 'newest-first' : 'oldest-first',
    outputs,
    minSamples: input.minSamples,
    policy,
    ...(calibration ? { calibration } : {}),
    onFeature: (name) => progress(`tested ${name}`),
  });
  if (assessed.untestable !== undefined)
    return undecided('untestable', assessed.untestable, sampleSize, version.version);
  const { report, recent, drifted, features, predictionDrift } = assessed;

  let performanceDegraded = false;
  let performanceDetail: string | undefined;
  let performance: DriftCheckResult['performance'];
  const holdout = (
    version.metrics as {
      holdout?: { metrics?: { accuracy?: number | null }; holdout?: { rows?: number } };
    }
  ).holdout;
  const baseline = holdout?.metrics?.accuracy;
  if (input.performance?.enabled && typeof baseline === 'number') {
    const barMs = TIMEFRAME_MS[(model.timeframe ?? '1m') as Timeframe] ?? 60_000;
    const bars = await labelledOutcomesByBar(db, {
      versionId: champion.versionId,
      from: input.from,
      to: input.to,
      barMs,
    });
    const labelled = bars.reduce((s, b) => s + b.n, 0);
    const baselineRows = holdout?.holdout?.rows;
    let cusum: { history: BarOutcomes[]; since: number; horizonBars: number } | undefined;
    if (
      labelled >= input.performance.minOutcomes &&
      performanceMethodOf(input.performance, baselineRows) === 'cusum'
    ) {
      const since = Math.max(champion.updatedAt.getTime(), input.to.getTime() - 30 * 86_400_000);
      const history = await labelledOutcomesByBar(db, {
        versionId: champion.versionId,
        from: new Date(since),
        to: input.to,
        barMs,
      });
      cusum = { history, since, horizonBars: Math.ceil((30 * 86_400_000) / barMs) };
    }
    const found = assessPerformance({
      policy: input.performance,
      baseline,
      baselineRows,
      bars,
      ...(cusum ? { cusum } : {}),
    });
    if (found) {
      performanceDegraded = found.degraded;
      performance = found.finding;
      performanceDetail = found.detail;
    }
  }

  const result: DriftCheckResult = {
    checkedAt,
    checkId,
    status: 'checked',
    version: version.version,
    sampleSize,
    drifted,
    share: report.share,
    features,
    ...(recent ? { recent } : {}),
    ...(predictionDrift ? { predictionDrift } : {}),
    performanceDegraded,
    ...(performanceDetail ? { performanceDetail } : {}),
    ...(performance ? { performance } : {}),
    ...(malformed ? { malformedRows: malformed } : {}),
    ...(thresholdNote ? { thresholdNote } : {}),
    windowStart: input.from.getTime(),
    windowEnd: input.to.getTime(),
    thresholds: report.thresholds,
    report,
  };
  if (input.record) await recordDriftEvents(db, model.model_id, champion.versionId, input, result);
  return result;
}

/**
 * Feature rows (schema order) of the bars in [from, to], each computed with the bars before it as
 * warm-up, so a window of n bars gives n rows. Drift checks and drift reports use it for bars.
 */
export async function windowFeatureRows(db: Db, model: ModelRow, from: Date, to: Date): Promise<number[][]> {
  return featureRowsFrom(await barsWithWarmup(db, model, from, to), from);
}

/** The window's bars preceded by the warm-up bars before it, so the first row of the window has features. */
async function barsWithWarmup(db: Db, model: ModelRow, from: Date, to: Date): Promise<OhlcvBar[]> {
  const bars = await loadModelBars(db, model, { from, to });
  if (!model.symbol || !model.timeframe) return bars;
  const warmup = await loadBarsBefore(
    db,
    model.symbol,
    model.timeframe as Timeframe,
    from,
    FEATURE_WARMUP_BARS,
  );
  return [
    ...warmup.map((r) => ({
      ts: r.ts.toISOString(),
      open: r.open,
      high: r.high,
      low: r.low,
      close: r.close,
      volume: r.volume,
    })),
    ...bars,
  ];
}

/** Feature rows of the bars at or after `from` (the warm-up bars give values, not rows). */
function featureRowsFrom(bars: OhlcvBar[], from: Date): number[][] {
  if (bars.length <= FEATURE_WARMUP_BARS) return [];
  const fromIso = from.toISOString();
  return computeFeatures(bars)
    .rows.filter((r) => r.ts >= fromIso)
    .map((r) => r.values);
}

/** The champion's training period recomputed from its bars: the reference its thresholds are calibrated on. */
async function trainingWindowColumns(
  db: Db,
  model: ModelRow,
  version: { training_window_start: Date | null; training_window_end: Date | null },
  profiles: Record<string, ReferenceProfile>,
  names: readonly string[],
): Promise<Record<string, Float64Array>> {
  const start = version.training_window_start;
  const end = version.training_window_end;
  if (!start || !end) throw new Error('the version has no training window');
  const rows = featureRowsFrom(
    await barsWithWarmup(db, model, new Date(start), new Date(end)),
    new Date(start),
  );
  const reference: Record<string, Float64Array> = {};
  names.forEach((n, j) => {
    if (profiles[n]) reference[n] = Float64Array.from(rows, (r) => r[j]!);
  });
  return reference;
}

async function recordDriftEvents(
  db: Db,
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
  const rows: NewDriftEvent[] = (result.report?.features ?? []).map((f) => ({
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
      thresholdSource: f.thresholdSource,
      ...(f.effectiveRows ? { effectiveRows: f.effectiveRows } : {}),
    }),
  }));
  rows.push({
    ...base,
    drift_type: 'data_drift',
    metric_name: 'dataset',
    method: 'share',
    statistic: result.share,
    p_value: null,
    threshold: result.report?.shareThreshold ?? input.share,
    is_significant: result.drifted === true,
    details: JSON.stringify({
      source: input.source,
      skipped: result.report?.skipped ?? [],
      thresholds: result.report?.thresholds ?? 'fixed',
      ...(result.thresholdNote ? { thresholdNote: result.thresholdNote } : {}),
    }),
  });
  if (result.recent) {
    rows.push({
      ...base,
      drift_type: 'data_drift',
      metric_name: 'dataset_recent',
      method: 'share',
      statistic: result.recent.share,
      p_value: null,
      threshold: result.recent.report.shareThreshold,
      is_significant: result.recent.drifted,
      details: JSON.stringify({
        source: input.source,
        rows: result.recent.rows,
        thresholds: result.recent.report.thresholds,
        ...(result.recent.report.maxStandardised
          ? { maxStandardised: result.recent.report.maxStandardised }
          : {}),
      }),
    });
  }
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
      method:
        result.performance.method === 'cusum'
          ? 'cusum'
          : result.performance.method === 'two-sample'
            ? 'two-sample-z'
            : 'one-sided-z',
      statistic: result.performance.live,
      p_value: Number.isNaN(result.performance.pValue) ? null : result.performance.pValue,
      threshold: input.performance?.alpha ?? 0,
      is_significant: result.performanceDegraded,
      details: JSON.stringify({
        detail: result.performanceDetail,
        baseline: result.performance.baseline,
        labelled: result.performance.labelled,
        bars: result.performance.bars,
        ...(result.performance.cusum ? { cusum: result.performance.cusum } : {}),
      }),
    });
  }
  await insertDriftEventsOnce(db, result.checkId, rows);
}
