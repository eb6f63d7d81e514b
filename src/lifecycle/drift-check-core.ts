import {
  accuracyCusum,
  calibrateTwoScales,
  detectDrift,
  detectTwoScaleDrift,
  testAccuracyDrop,
  type BarOutcomes,
  type DriftReport,
  type ReferenceProfile,
  type TwoScaleCalibration,
} from '../stats';
import type { DriftCheckSummary, FeatureDriftScore } from '../workflows/supervisor/supervisor-types';
import { PREDICTION_PROFILE } from './model-pipeline';

// The decisions of a drift check, free of the database: `checkDrift` (the supervisor's activity,
// `galfriday drift check`) loads its window and calls these; the backtest calls them on bars held
// in memory. One copy of the rules, so the backtest decides what the live loop would.

/** The performance part of a drift check's input, as the supervisor policy gives it. */
export interface PerformanceCheckPolicy {
  enabled: boolean;
  minOutcomes: number;
  alpha: number;
  method?: 'two-sample' | 'known-baseline' | 'cusum';
}

/** What a drift check found about live accuracy (absent when it could not test it). */
export interface PerformanceFinding {
  live: number;
  baseline: number;
  labelled: number;
  bars: number;
  /** p-value of the per-check tests; for 'cusum' NaN (see `cusum`). */
  pValue: number;
  method: 'two-sample' | 'known-baseline' | 'cusum';
  cusum?: { statistic: number; threshold: number; reference: number };
}

export const toScore = (f: DriftReport['features'][number]): FeatureDriftScore => ({
  name: f.name,
  method: f.method,
  statistic: f.score ?? f.statistic,
  ...(f.adjustedPValue !== undefined ? { pValue: f.adjustedPValue } : {}),
  drifted: f.drifted,
});

/** The drift policy of a check: the dataset share, and the row floor of one feature's test. */
export function driftPolicyOf(input: { share: number; minSamples: number }): {
  share: number;
  minRows: number;
} {
  return { share: input.share, minRows: Math.min(input.minSamples, 30) };
}

/** An undecided check: the hysteresis counts it as no decision either way. */
export function undecidedDriftCheck(
  checkedAt: number,
  status: DriftCheckSummary['status'],
  reason: string,
  sampleSize: number,
  window: { from: number; to: number },
): DriftCheckSummary {
  return {
    checkedAt,
    status,
    reason,
    sampleSize,
    drifted: null,
    share: 0,
    features: [],
    performanceDegraded: false,
    windowStart: window.from,
    windowEnd: window.to,
  };
}

/**
 * Thresholds calibrated on the champion's reference period (`reference` gives its feature columns,
 * and may throw when the period cannot be had): a calibration, or the note that says why fixed
 * thresholds are used instead.
 */
export function calibrateOrExplain(
  profiles: Record<string, ReferenceProfile>,
  reference: () => Record<string, Float64Array>,
  chunkRows: number,
  policy: { share: number; minRows: number },
): { calibration?: TwoScaleCalibration; thresholdNote?: string } {
  try {
    return { calibration: calibrateTwoScales(profiles, reference(), { windowRows: chunkRows, policy }) };
  } catch (e) {
    return {
      thresholdNote: `fixed thresholds: the reference period could not be used to calibrate (${(e as Error).message})`,
    };
  }
}

/** The newest rows of a calibrated check, tested on their own (detectTwoScaleDrift). */
export interface RecentDriftFinding {
  rows: number;
  drifted: boolean;
  share: number;
  report: DriftReport;
}

/**
 * Feature drift of a window against the champion's profiles, and drift of its own output when there
 * are enough outputs and an output profile. `untestable` when no feature could be tested. With a
 * calibration the check decides at two scales (the whole window, and its newest rows on their own:
 * a change that began since the last check is too small a part of the whole window to move it);
 * `drifted` is true when either drifted, and `features` are the newest rows' when only they drifted.
 */
export function assessFeatureDrift(input: {
  profiles: Record<string, ReferenceProfile>;
  names: readonly string[];
  columns: Record<string, ArrayLike<number>>;
  /** The order of the window's rows: the newest rows are found from it. */
  order: 'oldest-first' | 'newest-first';
  outputs: ArrayLike<number>;
  minSamples: number;
  policy: { share: number; minRows: number };
  calibration?: TwoScaleCalibration;
  onFeature?: (name: string) => void;
}):
  | { untestable: string }
  | {
      untestable?: undefined;
      report: DriftReport;
      recent?: RecentDriftFinding;
      drifted: boolean;
      features: FeatureDriftScore[];
      predictionDrift?: FeatureDriftScore;
    } {
  const featureProfiles = featureProfilesOf(input.profiles, input.names);
  const hooks = input.onFeature ? { onFeature: input.onFeature } : {};
  const columns = input.columns as Record<string, number[]>;
  let report: DriftReport;
  let recent: RecentDriftFinding | undefined;
  try {
    if (input.calibration) {
      const two = detectTwoScaleDrift(
        featureProfiles,
        columns,
        input.policy,
        input.calibration,
        input.order,
        hooks,
      );
      report = two.whole;
      if (two.recent)
        recent = {
          rows: input.calibration.recent!.chunkRows,
          drifted: two.recent.drifted,
          share: two.recent.share,
          report: two.recent,
        };
    } else {
      report = detectDrift(featureProfiles, columns, input.policy, undefined, hooks);
    }
  } catch (e) {
    return { untestable: (e as Error).message };
  }
  const drifted = report.drifted || recent?.drifted === true;
  const features = (report.drifted || !recent?.drifted ? report : recent.report).features.map(toScore);
  let predictionDrift: FeatureDriftScore | undefined;
  const outputProfile = input.profiles[PREDICTION_PROFILE];
  if (input.outputs.length >= input.minSamples && outputProfile) {
    const p = detectDrift(
      { prediction: outputProfile },
      { prediction: Array.from(input.outputs) },
      { correction: 'none' },
    );
    if (p.features[0]) predictionDrift = toScore(p.features[0]);
  }
  return {
    report,
    ...(recent ? { recent } : {}),
    drifted,
    features,
    ...(predictionDrift ? { predictionDrift } : {}),
  };
}

/** The profiles of the schema's features (the output profile and unknown names left out). */
export function featureProfilesOf(
  profiles: Record<string, ReferenceProfile>,
  names: readonly string[],
): Record<string, ReferenceProfile> {
  return Object.fromEntries(names.filter((n) => profiles[n]).map((n) => [n, profiles[n]!]));
}

/**
 * Which accuracy test a check runs: a version stored without its holdout size can only be tested
 * the old way ('known-baseline'), whatever the policy asks.
 */
export function performanceMethodOf(
  policy: PerformanceCheckPolicy,
  baselineRows: number | undefined,
): 'two-sample' | 'known-baseline' | 'cusum' {
  return typeof baselineRows === 'number' ? (policy.method ?? 'two-sample') : 'known-baseline';
}

/**
 * Live accuracy of the window's labelled outcomes (one entry per bar) against the validation
 * baseline. For 'cusum', `history` are the bars since the champion was promoted (at most 30 days),
 * from `since`; the boundary is set for `horizonBars`. Null when too few outcomes are labelled.
 */
export function assessPerformance(input: {
  policy: PerformanceCheckPolicy;
  baseline: number;
  baselineRows: number | undefined;
  bars: readonly BarOutcomes[];
  cusum?: { history: readonly BarOutcomes[]; since: number; horizonBars: number };
}): { degraded: boolean; detail: string; finding: PerformanceFinding } | null {
  const { policy, baseline, baselineRows, bars } = input;
  const labelled = bars.reduce((s, b) => s + b.n, 0);
  if (labelled < policy.minOutcomes) return null;
  const method = performanceMethodOf(policy, baselineRows);
  if (method === 'cusum') {
    const history = input.cusum?.history ?? bars;
    const since = input.cusum?.since ?? 0;
    const c = accuracyCusum({
      baseline,
      baselineRows: baselineRows!,
      bars: history,
      alpha: policy.alpha,
      horizonBars: input.cusum?.horizonBars ?? history.length,
    });
    const live =
      history.reduce((s, b) => s + b.correct, 0) /
      Math.max(
        1,
        history.reduce((s, b) => s + b.n, 0),
      );
    return {
      degraded: c.alarm,
      finding: {
        live,
        baseline,
        labelled,
        bars: c.bars,
        pValue: Number.NaN,
        method,
        cusum: { statistic: c.statistic, threshold: c.threshold, reference: c.reference },
      },
      detail:
        `accuracy CUSUM over ${c.bars} bars since ${new Date(since).toISOString()}: ${c.statistic.toFixed(2)} ` +
        `${c.alarm ? '>' : '≤'} ${c.threshold.toFixed(2)} (reference ${c.reference.toFixed(4)}, the lower bound of the ` +
        `validation accuracy ${baseline.toFixed(4)} on ${baselineRows} rows)`,
    };
  }
  const t = testAccuracyDrop({
    baseline,
    ...(typeof baselineRows === 'number' ? { baselineRows } : {}),
    bars,
    alpha: policy.alpha,
    method: method === 'known-baseline' ? 'known-baseline' : 'two-sample',
  });
  return {
    degraded: t.degraded,
    finding: { live: t.live, baseline, labelled, bars: t.bars, pValue: t.pValue, method },
    detail:
      `live accuracy ${t.live.toFixed(4)} on ${labelled} outcomes over ${t.bars} bars vs validation ` +
      `${baseline.toFixed(4)}${typeof baselineRows === 'number' ? ` on ${baselineRows} rows` : ''} ` +
      `(${method === 'two-sample' ? 'two-sample, bar-clustered' : 'baseline taken as exact'}, one-sided p = ${t.pValue.toExponential(2)})`,
  };
}
