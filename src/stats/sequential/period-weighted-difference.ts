import { StatsInputError } from '../errors';
import { defaultNeweyWestLags, bartlettLongRunVariance } from '../trading/newey-west';

/** One arm's sums inside one period (bar, hour, allocation epoch). */
export interface PeriodArmSums {
  n: number;
  sum: number;
}

/** Result of {@link periodWeightedDifference}. */
export interface PeriodWeightedDifference {
  /** Σ wₜ dₜ / Σ wₜ with dₜ = ȳ_T,t − ȳ_C,t and wₜ = n_T n_C/(n_T + n_C). */
  diff: number;
  /** HAC variance of diff: T·Ω_u/(Σw)², u = w(d − diff), Bartlett lags. */
  variance: number;
  /** Periods in which both arms had outcomes (the others carry no contrast). */
  periods: number;
  lags: number;
}

/**
 * Treatment − control difference estimated within each period and combined with fixed weights
 * (GrowthBook's period weighting for bandits; a stratified difference with stratum = period). A base
 * rate that moves over time cancels inside each period, so allocation that moves with it (Thompson,
 * ε-greedy) cannot bias the estimate; outcomes sharing a bar's shock are averaged before the variance
 * is taken; and the Newey–West variance of the period contrasts absorbs autocorrelation across
 * periods (AR, GARCH). Periods must be in time order.
 *
 * ### Examples
 * ```ts
 * periodWeightedDifference([
 *   { control: { n: 10, sum: 5 }, treatment: { n: 10, sum: 6 } },
 *   { control: { n: 10, sum: 4 }, treatment: { n: 10, sum: 4 } },
 * ]); // diff ≈ 0.05 (variance 0: two periods leave no room for the Newey–West lags)
 * ```
 */
export function periodWeightedDifference(
  periods: ReadonlyArray<{ control: PeriodArmSums; treatment: PeriodArmSums }>,
  options: {
    lags?: number;
    /**
     * Per-outcome variances of the two arms. When given, the variance never falls below what
     * independent outcomes would have (Σ w²(σ²_C/n_C + σ²_T/n_T)/(Σw)²): a noisy HAC estimate that
     * happens to be small at one look must not make that look decisive.
     */
    outcomeVariances?: { control: number; treatment: number };
  } = {},
): PeriodWeightedDifference {
  const w: number[] = [];
  const d: number[] = [];
  const iid: number[] = [];
  const ov = options.outcomeVariances;
  periods.forEach((p, i) => {
    for (const arm of [p.control, p.treatment])
      if (!(arm.n >= 0) || !Number.isFinite(arm.sum))
        throw new StatsInputError(`periods[${i}]`, 'needs a count n ≥ 0 and a finite sum per arm');
    if (p.control.n > 0 && p.treatment.n > 0) {
      w.push((p.control.n * p.treatment.n) / (p.control.n + p.treatment.n));
      d.push(p.treatment.sum / p.treatment.n - p.control.sum / p.control.n);
      if (ov) iid.push(ov.control / p.control.n + ov.treatment / p.treatment.n);
    }
  });
  const t = w.length;
  if (t === 0) return { diff: 0, variance: 0, periods: 0, lags: 0 };
  let sw = 0;
  let swd = 0;
  for (let i = 0; i < t; i++) {
    sw += w[i] as number;
    swd += (w[i] as number) * (d[i] as number);
  }
  const diff = swd / sw;
  const u = new Float64Array(t);
  for (let i = 0; i < t; i++) u[i] = (w[i] as number) * ((d[i] as number) - diff);
  const lags = Math.min(t - 1, options.lags ?? defaultNeweyWestLags(t));
  const omega = bartlettLongRunVariance(u, lags);
  // t/(t − 1 − L) instead of divisor t: the Bartlett estimate is biased low by about (1 + L)/t on
  // short series. Then ν/(ν − 2) with ν = 3t/(2L), the Bartlett estimate's equivalent degrees of
  // freedom: the always-valid test divides by a variance that is itself noisy, and an unlucky low
  // estimate at one of many looks would otherwise cost error rate (the Student-t idea).
  let variance = t > lags + 1 ? (((t * t) / (t - 1 - lags)) * omega) / (sw * sw) : 0;
  const nu = (3 * t) / (2 * Math.max(1, lags));
  if (nu > 2) variance *= nu / (nu - 2);
  if (ov) {
    let floor = 0;
    for (let i = 0; i < t; i++) floor += (w[i] as number) ** 2 * (iid[i] as number);
    variance = Math.max(variance, floor / (sw * sw));
  }
  return { diff, variance, periods: t, lags };
}
