import { StatsInputError } from '../errors';
import { normalSf } from '../distributions';

/** Labelled outcomes of one bar: outcomes of a bar share its market move. */
export interface BarOutcomes {
  n: number;
  correct: number;
}

/** Result of {@link testAccuracyDrop}. */
export interface AccuracyDropTest {
  /** Live accuracy Σ correct / Σ n. */
  live: number;
  baseline: number;
  labelled: number;
  /** Bars with labelled outcomes: the effective n of the live side. */
  bars: number;
  standardError: number;
  z: number;
  /** One-sided p-value of "live accuracy is lower than the baseline's". */
  pValue: number;
  degraded: boolean;
  method: 'two-sample' | 'known-baseline';
}

/**
 * One-sided test that live accuracy fell below the holdout accuracy the version was validated with.
 *
 * 'two-sample' (default): z = (p̂ − p₀)/√(V_live + p₀(1 − p₀)/n₀). The holdout accuracy p₀ is
 * itself an estimate from n₀ rows, so its variance enters; V_live is the cluster-robust variance of
 * the live accuracy with the bar as cluster, B/(B − 1)·Σ_b (k_b − p̂·n_b)²/N², so outcomes that
 * share a bar's move count as one draw, not as many. 'known-baseline' is the old test, p₀ taken as
 * exact and outcomes as independent: SE = √(p₀(1 − p₀)/N). Under no change its false alarm grows
 * with N, to several times α on thousands of rows.
 *
 * ### Examples
 * ```ts
 * testAccuracyDrop({ baseline: 0.55, baselineRows: 400, bars: [{ n: 1, correct: 1 }, { n: 1, correct: 0 }], alpha: 0.01 }).degraded; // false
 * ```
 */
export function testAccuracyDrop(input: {
  baseline: number;
  /** Holdout rows behind `baseline`; required by 'two-sample'. */
  baselineRows?: number;
  bars: readonly BarOutcomes[];
  alpha: number;
  method?: 'two-sample' | 'known-baseline';
}): AccuracyDropTest {
  const { baseline, alpha, bars } = input;
  const method = input.method ?? 'two-sample';
  if (!(baseline >= 0 && baseline <= 1)) {
    throw new StatsInputError('baseline', `must be an accuracy in [0, 1], got ${baseline}`);
  }
  if (!(alpha > 0 && alpha < 1)) throw new StatsInputError('alpha', `must be in (0, 1), got ${alpha}`);
  let labelled = 0;
  let correct = 0;
  let used = 0;
  for (const b of bars) {
    if (!(b.n >= 0 && b.correct >= 0 && b.correct <= b.n)) {
      throw new StatsInputError('bars', `each bar needs 0 ≤ correct ≤ n, got ${JSON.stringify(b)}`);
    }
    if (b.n === 0) continue;
    labelled += b.n;
    correct += b.correct;
    used++;
  }
  if (labelled === 0) throw new StatsInputError('bars', 'has no labelled outcome');
  const live = correct / labelled;
  let variance: number;
  if (method === 'known-baseline') {
    variance = (baseline * (1 - baseline)) / labelled;
  } else {
    const n0 = input.baselineRows;
    if (n0 === undefined || !Number.isInteger(n0) || n0 < 1) {
      throw new StatsInputError(
        'baselineRows',
        `must be a positive integer for the two-sample test, got ${n0}`,
      );
    }
    let ss = 0;
    for (const b of bars) if (b.n > 0) ss += (b.correct - live * b.n) ** 2;
    const liveVariance = used > 1 ? ((used / (used - 1)) * ss) / (labelled * labelled) : live * (1 - live);
    variance = liveVariance + (baseline * (1 - baseline)) / n0;
  }
  const standardError = Math.sqrt(Math.max(variance, 1e-18));
  const z = (live - baseline) / standardError;
  const pValue = 1 - normalSf(z);
  return {
    live,
    baseline,
    labelled,
    bars: used,
    standardError,
    z,
    pValue,
    degraded: pValue < alpha,
    method,
  };
}
