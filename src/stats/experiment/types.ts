/** Counts for a binary metric in one arm: `successes` out of `trials` (non-negative integers). */
export interface Proportion {
  successes: number;
  trials: number;
}

/**
 * Sufficient statistics for a continuous metric in one arm: sample size, sample mean and the
 * unbiased (n − 1 denominator) sample variance.
 */
export interface Moments {
  n: number;
  mean: number;
  variance: number;
}

/** A two-sided interval [lower, upper] for a treatment − control difference. */
export type Interval = [number, number];
