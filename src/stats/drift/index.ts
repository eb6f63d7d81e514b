// Drift statistics: two-sample tests and distances (scipy-compatible), reference profiles that stand
// in for the reference rows, and the dataset-level drift decision. Internal helpers (sorted-sample
// merges, bin counting) stay unexported.
export { ksTwoSample, type KsTestResult } from './ks-test';
export { kstwoSf } from './kstwo';
export { kolmogorovSf } from './kolmogorov';
export { smirnovSf } from './smirnov';
export { wassersteinDistance, normalizedWasserstein } from './wasserstein';
export { psi, psiFromCounts, PSI_EMPTY_BIN_SHARE, type PsiOptions } from './psi';
export { jensenShannonDistance, type JensenShannonOptions } from './jensen-shannon';
export { chiSquareTest, type ChiSquareTestResult } from './chi-square-test';
export { adjustPValues, type PValueCorrection } from './multiple-testing';
export {
  fitReferenceProfile,
  REFERENCE_PROFILE_VERSION,
  type ReferenceProfile,
  type NumericReferenceProfile,
  type CategoricalReferenceProfile,
  type ReferenceProfileOptions,
} from './reference-profile';
export {
  ksFromProfile,
  wassersteinFromProfile,
  psiFromProfile,
  jensenShannonFromProfile,
  chiSquareFromProfile,
  type CurrentColumn,
} from './profile-statistics';
export {
  DEFAULT_DRIFT_THRESHOLDS,
  type DriftMethod,
  type DriftMethodOverride,
  type DriftPolicy,
} from './drift-policy';
export { lag1Autocorrelation, effectiveSampleSize } from './effective-sample-size';
export {
  calibrateDriftThresholds,
  defaultBlockLength,
  type DriftCalibration,
  type DriftCalibrationOptions,
  type FeatureNull,
} from './drift-calibration';
export {
  calibrateRecentWindow,
  calibrateTwoScales,
  defaultRecentRows,
  detectRecentDrift,
  detectTwoScaleDrift,
  newestRows,
  RECENT_WINDOW_MULTIPLIER,
  WHOLE_WINDOW_MAX_Z_MULTIPLIER,
  WHOLE_WINDOW_MULTIPLIER,
  type RecentWindowOptions,
  type TwoScaleCalibration,
  type TwoScaleReport,
} from './two-scale-drift';
export { accuracyCusum, type AccuracyCusum } from './accuracy-cusum';
export { testAccuracyDrop, type AccuracyDropTest, type BarOutcomes } from './performance-trigger';
export { detectDrift, type DriftReport, type FeatureDrift, type SkippedFeature } from './detect-drift';
