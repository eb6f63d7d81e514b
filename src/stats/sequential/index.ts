// Sequential decisions on dependent data: anytime-valid confidence sequences for paired forecasts,
// Diebold–Mariano, sequential SRM, delta-method and period-weighted estimates, fixed-τ² mSPRT.
export { createBoundedMeanConfidenceSequence } from './bounded-mean-confidence-sequence';
export type {
  BoundedMeanConfidenceSequence,
  BoundedMeanConfidenceSequenceOptions,
  BoundedMeanConfidenceSequenceState,
} from './bounded-mean-confidence-sequence';
export { dieboldMariano } from './diebold-mariano';
export type { DieboldMarianoResult } from './diebold-mariano';
export { scoreDifference, scoreDifferenceBound } from './forecast-scores';
export type { ForecastScore, ForecastScoreOptions } from './forecast-scores';
export { createPairedComparison, decidePairedComparison } from './paired-comparison';
export type {
  PairedBar,
  PairedComparison,
  PairedComparisonOptions,
  PairedComparisonState,
  PairedDecision,
} from './paired-comparison';
export { sequentialSrm, SRM_DIRICHLET_CONCENTRATION } from './sequential-srm';
export type { SequentialSrmResult, SrmEpoch } from './sequential-srm';
export { ratioMetricMoments } from './delta-method-ratio';
export type { UnitSums } from './delta-method-ratio';
export { periodWeightedDifference } from './period-weighted-difference';
export type { PeriodArmSums, PeriodWeightedDifference } from './period-weighted-difference';
export { alwaysValidDifference, plannedTau2 } from './always-valid-difference';
export type { AlwaysValidDifferenceResult } from './always-valid-difference';
