import { StatsInputError } from '../errors';
import { chiSquareTest } from './chi-square-test';
import { standardise, type DriftCalibration } from './drift-calibration';
import { resolveDriftPolicy, type DriftMethod, type DriftPolicy } from './drift-policy';
import { effectiveSampleSize, lag1Autocorrelation } from './effective-sample-size';
import { chooseMethod, featureStatistic } from './feature-statistic';
import { ksPValue } from './ks-test';
import { kstwoSf } from './kstwo';
import { adjustPValues, type PValueCorrection } from './multiple-testing';
import { assertReferenceProfile } from './profile-check';
import { alignedCounts, type CurrentColumn } from './profile-statistics';
import type { ReferenceProfile } from './reference-profile';

/** The outcome for one tested feature. */
export interface FeatureDrift {
  name: string;
  type: 'numeric' | 'categorical';
  method: DriftMethod;
  /** KS D, χ², or the score itself for the distance methods. */
  statistic: number;
  /** Raw p-value ('ks', 'chisquare'). */
  pValue?: number;
  /** p-value after the policy's correction; this is what is compared with `threshold`. */
  adjustedPValue?: number;
  /** Distance score ('wasserstein' normalised by σ_ref, 'jensenshannon' base 2, 'psi'). */
  score?: number;
  threshold: number;
  /**
   * 'fixed': `threshold` is the method's p-value level or score level. 'calibrated': `threshold`
   * is mean + k·σ of `statistic` on the reference's own chunks ({@link DriftCalibration}).
   */
  thresholdSource: 'fixed' | 'calibrated';
  /** Fixed: adjustedPValue < threshold, or score ≥ threshold. Calibrated: statistic > threshold. */
  drifted: boolean;
  referenceRows: number;
  currentRows: number;
  /** KS only: the effective sizes (reference, current) its p-value used, n·(1 − ρ)/(1 + ρ). */
  effectiveRows?: [number, number];
}

/** A feature that could not be tested, and why. Skipped features do not count towards `share`. */
export interface SkippedFeature {
  name: string;
  /** 'missing': profiled but absent from the current data; 'too-few-rows': below `policy.minRows`; 'no-profile': current column without a profile. */
  reason: 'missing' | 'too-few-rows' | 'no-profile';
  message: string;
}

/** Result of {@link detectDrift}. */
export interface DriftReport {
  /** share ≥ shareThreshold. */
  drifted: boolean;
  /** policy.share, or with a calibration max(policy.share, the calibrated share threshold). */
  shareThreshold: number;
  /** How the thresholds were set. */
  thresholds: 'fixed' | DriftCalibration['kind'];
  /**
   * With a calibration: the feature with the largest standardised statistic, its z and the
   * calibrated threshold of the max; `triggered` when the max rule made the dataset drift.
   */
  maxStandardised?: { feature: string; z: number; threshold: number; triggered: boolean };
  /** driftedCount ÷ testedCount. */
  share: number;
  driftedCount: number;
  testedCount: number;
  correction: PValueCorrection;
  /** Tested features, in the key order of `profiles`. */
  features: FeatureDrift[];
  skipped: SkippedFeature[];
}

/**
 * Tests every profiled feature of `currentColumns` for drift and decides for the dataset.
 *
 * 1. Method per feature (unless `policy.methods[name]` says otherwise), by the reference rows n as
 *    Evidently: numeric → KS if n ≤ 1000 else normalised Wasserstein; categorical → χ² if n ≤ 1000
 *    else Jensen–Shannon distance (base 2). PSI is available by override (numeric: the profile's
 *    quantile bins; categorical: categories).
 * 2. A profiled feature absent from `currentColumns`, or with fewer than `policy.minRows` rows, is
 *    listed in `skipped` and not tested; so is a current column without a profile. If nothing can be
 *    tested, a {@link StatsInputError} is thrown: a drift check that checked nothing must not pass.
 * 3. p-values of this call are adjusted together (`policy.correction`, default Benjamini–Hochberg);
 *    a test feature drifts when its adjusted p < threshold (0.05), a score feature when its
 *    score ≥ threshold (0.1; PSI 0.2).
 * 4. The dataset drifts when drifted ÷ tested ≥ `policy.share` (0.5).
 * 5. KS p-values use effective sizes n·(1 − ρ)/(1 + ρ) of both samples (ρ the lag-1
 *    autocorrelation of the current window, and of the reference when its profile stores it),
 *    with the asymptotic distribution; `policy.effectiveSampleSize: false` gives the iid p-value.
 * 6. With a `calibration` ({@link calibrateDriftThresholds}), each calibrated feature drifts when
 *    its statistic is above mean + k·σ of the same statistic on the reference's own chunks, and
 *    the dataset when the share reaches max(policy.share, the calibrated share threshold): the
 *    thresholds then carry the series' autocorrelation and the features' correlation. With
 *    `datasetRule` 'share-or-max' (default) the dataset also drifts when the largest standardised
 *    statistic (statistic − null mean)/null std is above the max's own calibrated threshold.
 *
 * Where this differs from Evidently, on purpose: p-values are corrected (Evidently: none); KS drifts
 * on p < 0.05 (Evidently: ≤, which matters only at equality); χ² is the contingency test on both
 * rows (Evidently: goodness of fit against scaled reference shares); the Jensen–Shannon distance is
 * base 2, range 0–1 (Evidently: natural log, so its 0.1 equals 0.12 here and the default 0.1 fires a
 * little earlier); KS and Wasserstein run against the profile's sample of at most 5,000 reference
 * values (see `NumericReferenceProfile` for the error bound). Methods are chosen by reference
 * rows only, as Evidently does: a small current sample against a large reference still gets the
 * Wasserstein score, which is noisy below a few hundred rows.
 *
 * Current values must be finite numbers (numeric) or strings / finite numbers (categorical);
 * anything else throws, naming the column and the element.
 *
 * ### Examples
 * ```ts
 * import { fitReferenceProfile } from './reference-profile';
 * const profiles = {
 *   price: fitReferenceProfile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
 *   venue: fitReferenceProfile(['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']),
 * };
 * detectDrift(
 *   profiles,
 *   { price: [5, 6, 7, 8, 9, 10, 11, 12, 13, 14], venue: ['a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'b'] },
 *   { minRows: 10, effectiveSampleSize: false },
 * );
 * // { drifted: false, share: 0, shareThreshold: 0.5, thresholds: 'fixed', driftedCount: 0, testedCount: 2, correction: 'bh', skipped: [],
 * //   features: [
 * //     { name: 'price', type: 'numeric', method: 'ks', statistic: 0.4, pValue: 0.41752365281777043,
 * //       adjustedPValue: 0.41752365281777043, threshold: 0.05, drifted: false, referenceRows: 10, currentRows: 10 },
 * //     { name: 'venue', type: 'categorical', method: 'chisquare', statistic: 3.8095238095238093,
 * //       pValue: 0.050961936967763334, adjustedPValue: 0.10192387393552667, threshold: 0.05, drifted: false, … } ] }
 * ```
 */
export function detectDrift(
  profiles: Record<string, ReferenceProfile>,
  currentColumns: Record<string, CurrentColumn>,
  policy: DriftPolicy = {},
  calibration?: DriftCalibration,
  /** `onFeature` runs after each tested feature (a long check heartbeats there). */
  hooks: { onFeature?: (name: string) => void } = {},
): DriftReport {
  if (profiles === null || typeof profiles !== 'object') {
    throw new StatsInputError('profiles', 'must be an object of reference profiles by feature name');
  }
  if (currentColumns === null || typeof currentColumns !== 'object') {
    throw new StatsInputError('currentColumns', 'must be an object of columns by feature name');
  }
  const resolved = resolveDriftPolicy(policy);
  const useEffectiveN = policy.effectiveSampleSize ?? true;
  const names = Object.keys(profiles);
  for (const name of resolved.methods.keys()) {
    if (!hasOwn(profiles, name)) {
      throw new StatsInputError(`policy.methods.${name}`, 'names a feature that has no profile');
    }
  }

  const features: FeatureDrift[] = [];
  const skipped: SkippedFeature[] = [];
  for (const name of names) {
    const profile = profiles[name];
    assertReferenceProfile(profile, `profiles.${name}`);
    const column = hasOwn(currentColumns, name) ? currentColumns[name] : undefined;
    if (column === undefined) {
      skipped.push({ name, reason: 'missing', message: `no current column named "${name}"` });
      continue;
    }
    if (column === null || typeof column !== 'object' || typeof column.length !== 'number') {
      throw new StatsInputError(`currentColumns.${name}`, 'must be an array of values');
    }
    if (column.length < resolved.minRows) {
      skipped.push({
        name,
        reason: 'too-few-rows',
        message: `${column.length} current rows; at least ${resolved.minRows} are needed (policy.minRows)`,
      });
      continue;
    }
    const { method, threshold } = chooseMethod(profile, name, resolved);
    const feature = testFeature(name, profile, column, method, threshold, useEffectiveN);
    const calibrated = calibration?.features[name];
    if (calibrated !== undefined && calibrated.method === method) {
      feature.threshold = calibrated.threshold;
      feature.thresholdSource = 'calibrated';
      feature.drifted = feature.statistic > calibrated.threshold;
    }
    features.push(feature);
    hooks.onFeature?.(name);
  }
  for (const name of Object.keys(currentColumns)) {
    if (!hasOwn(profiles, name)) {
      skipped.push({
        name,
        reason: 'no-profile',
        message: `current column "${name}" has no reference profile`,
      });
    }
  }
  if (features.length === 0) {
    const why = skipped.map((s) => `${s.name} (${s.reason})`).join(', ') || 'no profiles were given';
    throw new StatsInputError('currentColumns', `no feature could be tested: ${why}`);
  }

  // 3. One correction over the family of p-values produced by this call.
  const tests = features.filter((f) => f.pValue !== undefined);
  const adjusted = adjustPValues(
    tests.map((f) => f.pValue!),
    resolved.correction,
  );
  tests.forEach((f, i) => {
    f.adjustedPValue = adjusted[i]!;
    if (f.thresholdSource === 'fixed') f.drifted = f.adjustedPValue < f.threshold;
  });

  const driftedCount = features.filter((f) => f.drifted).length;
  const share = driftedCount / features.length;
  const shareThreshold = calibration ? Math.max(resolved.share, calibration.share.threshold) : resolved.share;
  let maxStandardised: DriftReport['maxStandardised'];
  if (calibration) {
    for (const f of features) {
      const nul = calibration.features[f.name];
      if (f.thresholdSource !== 'calibrated' || nul === undefined) continue;
      const z = standardise(f.statistic, nul);
      if (maxStandardised === undefined || z > maxStandardised.z) {
        maxStandardised = { feature: f.name, z, threshold: calibration.maxZ.threshold, triggered: false };
      }
    }
  }
  const byShare = share >= shareThreshold;
  if (maxStandardised && (policy.datasetRule ?? 'share-or-max') === 'share-or-max') {
    maxStandardised.triggered = !byShare && maxStandardised.z > maxStandardised.threshold;
  }
  return {
    drifted: byShare || maxStandardised?.triggered === true,
    ...(maxStandardised ? { maxStandardised } : {}),
    share,
    shareThreshold,
    thresholds: calibration ? calibration.kind : 'fixed',
    driftedCount,
    testedCount: features.length,
    correction: resolved.correction,
    features,
    skipped,
  };
}

function testFeature(
  name: string,
  profile: ReferenceProfile,
  column: CurrentColumn,
  method: DriftMethod,
  threshold: number,
  useEffectiveN: boolean,
): FeatureDrift {
  const base = {
    name,
    type: profile.type,
    method,
    threshold,
    thresholdSource: 'fixed' as const,
    referenceRows: profile.n,
    currentRows: column.length,
  };
  if (method === 'ks') {
    const d = featureStatistic(profile, column, method, name);
    if (profile.type !== 'numeric' || !useEffectiveN) {
      const { statistic, pValue } = ksPValue(d, profile.n, column.length);
      return { ...base, statistic, pValue, drifted: pValue < threshold };
    }
    // Neighbouring rows of overlapping-window features are nearly the same value: the test's n is
    // the number of independent values, not of rows (dependent-data.md §4).
    const rhoCurrent = lag1Autocorrelation(column as ArrayLike<number>);
    const nCur = effectiveSampleSize(column.length, rhoCurrent);
    const nRef = effectiveSampleSize(profile.n, profile.lag1Autocorrelation ?? rhoCurrent);
    const en = (nRef * nCur) / (nRef + nCur);
    const pValue = Math.min(1, Math.max(0, kstwoSf(Math.max(1, Math.round(en)), d)));
    return {
      ...base,
      statistic: d,
      pValue,
      drifted: pValue < threshold,
      effectiveRows: [nRef, nCur],
    };
  }
  if (method === 'chisquare') {
    const [ref, cur] = alignedCounts(profile, column, `currentColumns.${name}`);
    const { statistic, pValue } = chiSquareTest(ref, cur);
    return { ...base, statistic, pValue, drifted: pValue < threshold };
  }
  const score = featureStatistic(profile, column, method, name);
  return { ...base, statistic: score, score, drifted: score >= threshold };
}

function hasOwn(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}
