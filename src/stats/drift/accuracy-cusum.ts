import { StatsInputError } from '../errors';
import { normalQuantile } from '../distributions';
import type { BarOutcomes } from './performance-trigger';

/** Result of {@link accuracyCusum}. */
export interface AccuracyCusum {
  /** The holdout accuracy's lower confidence bound the live bars are compared with. */
  reference: number;
  /** max over the bars of the CUSUM S_b, and the boundary h it is compared with. */
  statistic: number;
  threshold: number;
  alarm: boolean;
  /** Index of the first bar where S_b crossed h, or null. */
  alarmAtBar: number | null;
  bars: number;
}

/**
 * One-sided CUSUM of a drop in accuracy, bar by bar over time (Page 1954), for monitoring that is
 * valid however often it is looked at. The reference is the holdout accuracy's lower (1 − α)
 * bound p_ref = p₀ − z₁₋α·√(p₀(1 − p₀)/n₀), so the holdout's own error is on the side of no alarm.
 * Each bar contributes its mean accuracy a_b (outcomes of a bar share its move: one draw per bar):
 * S_b = max(0, S_b₋₁ + (p_ref − drop/2) − a_b). It alarms when S_b > h with
 * h = σ²·ln(B/α)/(2μ), μ = drop/2, σ² = 1/4 (the largest variance of a bar mean), B the bars
 * monitored: by the maximal inequality of a random walk with drift −μ, each excursion crosses h
 * with probability ≤ e^{−2μh/σ²} = α/B, so the chance of a false alarm over the B bars is ≤ α
 * (plus the α of the reference bound).
 *
 * ### Examples
 * ```ts
 * declare const bars: readonly BarOutcomes[];
 * accuracyCusum({ baseline: 0.55, baselineRows: 400, bars, drop: 0.05, alpha: 0.01 }).alarm;
 * ```
 */
export function accuracyCusum(input: {
  baseline: number;
  baselineRows: number;
  /** Labelled outcomes per bar, in time order. */
  bars: readonly BarOutcomes[];
  /** The drop in accuracy worth detecting. @default 0.05 */
  drop?: number;
  alpha: number;
  /** Bars the boundary is set for (the monitoring horizon). @default bars.length */
  horizonBars?: number;
}): AccuracyCusum {
  const { baseline, baselineRows, bars, alpha } = input;
  const drop = input.drop ?? 0.05;
  if (!(baseline >= 0 && baseline <= 1)) {
    throw new StatsInputError('baseline', `must be an accuracy in [0, 1], got ${baseline}`);
  }
  if (!Number.isInteger(baselineRows) || baselineRows < 1) {
    throw new StatsInputError('baselineRows', `must be a positive integer, got ${baselineRows}`);
  }
  if (!(alpha > 0 && alpha < 0.5)) throw new StatsInputError('alpha', `must be in (0, 0.5), got ${alpha}`);
  if (!(drop > 0 && drop < 1)) throw new StatsInputError('drop', `must be in (0, 1), got ${drop}`);
  const used = bars.filter((b) => b.n > 0);
  const horizon = Math.max(input.horizonBars ?? used.length, 1);
  const reference =
    baseline - normalQuantile(1 - alpha) * Math.sqrt((baseline * (1 - baseline)) / baselineRows);
  const mu = drop / 2;
  const threshold = (0.25 * Math.log(horizon / alpha)) / (2 * mu);
  let s = 0;
  let statistic = 0;
  let alarmAtBar: number | null = null;
  used.forEach((b, i) => {
    if (!(b.correct >= 0 && b.correct <= b.n)) {
      throw new StatsInputError('bars', `each bar needs 0 ≤ correct ≤ n, got ${JSON.stringify(b)}`);
    }
    s = Math.max(0, s + (reference - mu) - b.correct / b.n);
    if (s > statistic) statistic = s;
    if (alarmAtBar === null && s > threshold) alarmAtBar = i;
  });
  return { reference, statistic, threshold, alarm: alarmAtBar !== null, alarmAtBar, bars: used.length };
}
