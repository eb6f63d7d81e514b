// Experiment statistics: frequentist and sequential tests, planning, Bayesian summaries, multiple
// testing and resampling. Named exports only; the modules also hold internal helpers.
export type { Proportion, Moments, Interval } from './types';
export { momentsOf } from './moments-of';
export { twoProportionZTest } from './two-proportion-z-test';
export type { TwoProportionZTestOptions, TwoProportionZTestResult } from './two-proportion-z-test';
export { welchTTest } from './welch-t-test';
export type { WelchTTestOptions, WelchTTestResult } from './welch-t-test';
export { srmTest, SRM_P_THRESHOLD, SRM_MIN_DEVIATION } from './srm-test';
export type { SrmTestResult } from './srm-test';
export { sequentialTest, DEFAULT_TUNING_N } from './sequential-test';
export type { SequentialTestOptions, SequentialTestResult } from './sequential-test';
export { sampleSizePerArm, sampleSizeForProportions } from './sample-size';
export type { ArmSampleSizes, SampleSizeOptions, ProportionSampleSizeOptions } from './sample-size';
export { sequentialSampleSize } from './sequential-sample-size';
export type { SequentialSampleSizeOptions, SequentialSampleSizeResult } from './sequential-sample-size';
export { probabilityToBeatControl } from './probability-to-beat-control';
export type { BetaPrior, BetaBinomialOptions } from './probability-to-beat-control';
export { probabilityBest } from './probability-best';
export type { ProbabilityBestOptions } from './probability-best';
export { holm, benjaminiHochberg } from './multiple-testing';
export { bootstrapPairedDifference } from './bootstrap-paired-difference';
export type { PairedBootstrapOptions, PairedBootstrapResult } from './bootstrap-paired-difference';
