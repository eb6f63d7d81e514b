import { StatsInputError } from '../errors';
import { createRng } from '../random';
import { requireCount, requirePositive } from '../distributions/input-checks';
import { DEFAULT_TUNING_N, defaultTau2, msprtLogLikelihoodRatio } from './sequential-test';
import { type ArmSampleSizes, fixedHorizonSizes, readDesign, type SampleSizeOptions } from './sample-size';

/** Options for {@link sequentialSampleSize}. */
export interface SequentialSampleSizeOptions extends SampleSizeOptions {
  /** Mixing variance of the mSPRT; see {@link sequentialTest}. @default GrowthBook tuning with `tuningN` */
  tau2?: number;
  /** N* for the default τ². @default 5000 */
  tuningN?: number;
  /** Control-arm units between looks. @default max(1, round(fixed-horizon control size / 50)) */
  lookEvery?: number;
  /** Simulated experiments. @default 4000 */
  simulations?: number;
  /** Seed of the simulation's random stream. @default 1 */
  seed?: number;
  /** Stop simulating a path at this multiple of the fixed-horizon size. @default 10 */
  horizonMultiple?: number;
}

/** Result of {@link sequentialSampleSize}; all sizes are control-arm units unless named otherwise. */
export interface SequentialSampleSizeResult {
  /** The fixed-horizon design at the same α, power and MDE. */
  fixedHorizon: ArmSampleSizes;
  /** Per-arm sizes by which the mSPRT has rejected in a fraction `power` of simulated experiments. */
  maximum: ArmSampleSizes;
  /** Expected control-arm size at stopping when the true effect is the MDE, capped at `maximum`. */
  expectedControl: number;
  /** maximum.control / fixedHorizon.control. */
  ratioToFixed: number;
  /** Fraction of simulated experiments that rejected by the simulation horizon. */
  powerAtHorizon: number;
}

/**
 * Sample size for the mSPRT of {@link sequentialTest} to reach the requested power at the MDE, by
 * seeded Monte Carlo (no closed form exists for a curved boundary crossed at discrete looks).
 *
 * Method: each simulated experiment is a pair of Gaussian random walks (per-unit sd = `sd`, true effect
 * = `mde`), observed every `lookEvery` control units (treatment grows `ratio` times as fast); at each
 * look the mSPRT statistic is evaluated with the planned variance (V = sd²(1/n_A + 1/n_B)) and the
 * path stops when 1/Λ ≤ α. The reported `maximum` is the `power`-quantile of the stopping sizes
 * (rounded up to a look), `expectedControl` the mean stopping size capped there. Deterministic for a
 * given seed; Monte-Carlo error of the quantile is about ±2·√(power(1−power)/simulations) in
 * probability, i.e. a few looks.
 *
 * ### Examples
 * ```ts
 * sequentialSampleSize({ sd: 1, mde: 0.1 });
 * // { fixedHorizon: { control: 1570, treatment: 1570, total: 3140 },
 * //   maximum: { control: 2573, treatment: 2573, total: 5146 }, expectedControl: 1605.96275,
 * //   ratioToFixed: 1.6388535031847133, powerAtHorizon: 1 }
 * ```
 */
export function sequentialSampleSize(options: SequentialSampleSizeOptions): SequentialSampleSizeResult {
  requirePositive('sd', options.sd);
  const { alpha, power, ratio } = readDesign(options);
  const sd2 = options.sd * options.sd;
  const fixed = fixedHorizonSizes(sd2, sd2, options.mde, alpha, power, ratio);
  const tuningN = options.tuningN ?? DEFAULT_TUNING_N;
  requirePositive('tuningN', tuningN);
  if (options.tau2 !== undefined) requirePositive('tau2', options.tau2);
  const lookEvery = options.lookEvery ?? Math.max(1, Math.round(fixed.control / 50));
  requireCount('lookEvery', lookEvery);
  if (lookEvery < 1) throw new StatsInputError('lookEvery', 'must be at least 1');
  const simulations = options.simulations ?? 4000;
  requireCount('simulations', simulations);
  if (simulations < 10) throw new StatsInputError('simulations', `must be at least 10, got ${simulations}`);
  const horizonMultiple = options.horizonMultiple ?? 10;
  requirePositive('horizonMultiple', horizonMultiple);
  const rng = createRng(options.seed ?? 1);

  const effect = Math.abs(options.mde);
  const sd = options.sd;
  const maxLooks = Math.max(1, Math.ceil((horizonMultiple * fixed.exactControl) / lookEvery));
  const threshold = -Math.log(alpha);
  const stops: number[] = [];
  for (let s = 0; s < simulations; s++) {
    let sumA = 0;
    let sumB = 0;
    let stopped = Infinity;
    for (let look = 1; look <= maxLooks; look++) {
      const nA = look * lookEvery;
      const nB = nA * ratio;
      // Sums of m i.i.d. N(μ, sd²) units are N(mμ, m·sd²): one draw per arm per look.
      sumA += sd * Math.sqrt(lookEvery) * rng.normal();
      sumB += effect * lookEvery * ratio + sd * Math.sqrt(lookEvery * ratio) * rng.normal();
      const diff = sumB / nB - sumA / nA;
      const v = sd2 / nA + sd2 / nB;
      const tau2 = options.tau2 ?? defaultTau2(alpha, nA + nB, v, tuningN);
      if (msprtLogLikelihoodRatio(diff, v, tau2) >= threshold) {
        stopped = nA;
        break;
      }
    }
    stops.push(stopped);
  }
  stops.sort((a, b) => a - b);
  const reached = stops.filter((n) => Number.isFinite(n)).length;
  const index = Math.ceil(power * simulations) - 1;
  const quantile = stops[index] as number;
  if (!Number.isFinite(quantile)) {
    throw new StatsInputError(
      'horizonMultiple',
      `the mSPRT reached only ${(reached / simulations).toFixed(3)} power within ${horizonMultiple}× the fixed horizon; raise it`,
    );
  }
  let total = 0;
  for (const n of stops) total += Math.min(n, quantile);
  const control = quantile;
  const treatment = Math.ceil(control * ratio * (1 - 1e-12));
  return {
    fixedHorizon: { control: fixed.control, treatment: fixed.treatment, total: fixed.total },
    maximum: { control, treatment, total: control + treatment },
    expectedControl: total / simulations,
    ratioToFixed: control / fixed.control,
    powerAtHorizon: reached / simulations,
  };
}
