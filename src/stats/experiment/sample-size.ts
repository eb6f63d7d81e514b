import { StatsInputError } from '../errors';
import { normalQuantile } from '../distributions';
import { requireOpenUnit, requirePositive } from '../distributions/input-checks';
import { readAlpha } from './arm-checks';

/** Per-arm sample sizes (rounded up) for a two-arm experiment. */
export interface ArmSampleSizes {
  control: number;
  treatment: number;
  total: number;
}

/** Options for {@link sampleSizePerArm}. */
export interface SampleSizeOptions {
  /** Standard deviation of the metric per unit (assumed equal in both arms). */
  sd: number;
  /** Minimum detectable effect: the absolute difference of means to detect (sign ignored). */
  mde: number;
  /** Two-sided significance level. @default 0.05 */
  alpha?: number;
  /** Probability of detecting an effect of size `mde`. @default 0.8 */
  power?: number;
  /** Allocation ratio n_treatment / n_control. @default 1 */
  ratio?: number;
}

/** Options for {@link sampleSizeForProportions}. */
export interface ProportionSampleSizeOptions {
  /** Control conversion rate p_A, in (0, 1). */
  baselineRate: number;
  /** Absolute difference p_B − p_A to detect; p_A + mde must stay in (0, 1). */
  mde: number;
  /** Two-sided significance level. @default 0.05 */
  alpha?: number;
  /** Probability of detecting the effect. @default 0.8 */
  power?: number;
  /** Allocation ratio n_treatment / n_control. @default 1 */
  ratio?: number;
}

/**
 * n_A = (z_{1−α/2} + z_power)²·(σ²_A + σ²_B/k)/δ², n_B = k·n_A, rounded up. A relative slack of 1e-12
 * stops a value that is an integer up to rounding noise from being bumped to the next integer.
 * Internal: shared with the sequential planner.
 */
export function fixedHorizonSizes(
  varianceA: number,
  varianceB: number,
  mde: number,
  alpha: number,
  power: number,
  ratio: number,
): ArmSampleSizes & { exactControl: number } {
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  const exactControl = (z * z * (varianceA + varianceB / ratio)) / (mde * mde);
  const roundUp = (x: number): number => Math.ceil(x * (1 - 1e-12));
  const control = roundUp(exactControl);
  const treatment = roundUp(exactControl * ratio);
  return { control, treatment, total: control + treatment, exactControl };
}

/** Validates and defaults alpha, power, ratio and mde. Internal: shared with the sequential planner. */
export function readDesign(options: { alpha?: number; power?: number; ratio?: number; mde: number }): {
  alpha: number;
  power: number;
  ratio: number;
} {
  const alpha = readAlpha(options.alpha);
  const power = options.power ?? 0.8;
  requireOpenUnit('power', power);
  const ratio = options.ratio ?? 1;
  requirePositive('ratio', ratio);
  if (typeof options.mde !== 'number' || !Number.isFinite(options.mde) || options.mde === 0) {
    throw new StatsInputError('mde', `must be a non-zero finite number, got ${String(options.mde)}`);
  }
  return { alpha, power, ratio };
}

/**
 * Fixed-horizon sample size per arm for a two-sided difference-of-means test, by the normal
 * approximation n_A = (z_{1−α/2} + z_{power})²·σ²(1 + 1/k)/δ² with k = n_B/n_A (the opposite tail's
 * negligible contribution to power is ignored, as in Statsig/Eppo calculators). At α = 0.05, power 0.8
 * and k = 1 this is ≈ 15.7·σ²/δ² per arm.
 *
 * ### Examples
 * ```ts
 * sampleSizePerArm({ sd: 1, mde: 0.1 }); // { control: 1570, treatment: 1570, total: 3140 }
 * sampleSizePerArm({ sd: 1, mde: 0.1, ratio: 2 }); // { control: 1178, treatment: 2355, total: 3533 }
 * ```
 */
export function sampleSizePerArm(options: SampleSizeOptions): ArmSampleSizes {
  requirePositive('sd', options.sd);
  const { alpha, power, ratio } = readDesign(options);
  const sd2 = options.sd * options.sd;
  const { control, treatment, total } = fixedHorizonSizes(sd2, sd2, options.mde, alpha, power, ratio);
  return { control, treatment, total };
}

/**
 * Fixed-horizon sample size per arm to detect an absolute change `mde` from `baselineRate` in a
 * conversion rate: the formula of {@link sampleSizePerArm} with σ²_A = p(1−p), σ²_B = q(1−q),
 * q = p + mde (unpooled variances).
 *
 * ### Examples
 * ```ts
 * sampleSizeForProportions({ baselineRate: 0.1, mde: 0.01 }); // { control: 14749, treatment: 14749, total: 29498 }
 * ```
 */
export function sampleSizeForProportions(options: ProportionSampleSizeOptions): ArmSampleSizes {
  const p = options.baselineRate;
  if (typeof p !== 'number' || !(p > 0 && p < 1)) {
    throw new StatsInputError('baselineRate', `must be in (0, 1), got ${String(p)}`);
  }
  const { alpha, power, ratio } = readDesign(options);
  const q = p + options.mde;
  if (!(q > 0 && q < 1)) throw new StatsInputError('mde', `must keep baselineRate + mde in (0, 1), got ${q}`);
  const { control, treatment, total } = fixedHorizonSizes(
    p * (1 - p),
    q * (1 - q),
    options.mde,
    alpha,
    power,
    ratio,
  );
  return { control, treatment, total };
}
