import { studentTQuantile, studentTSf } from '../distributions';
import { checkMoments, readAlpha } from './arm-checks';
import type { Interval, Moments } from './types';

/** Options for {@link welchTTest}. */
export interface WelchTTestOptions {
  /** Two-sided significance level of the confidence interval. @default 0.05 */
  alpha?: number;
}

/** Result of {@link welchTTest}; `diff` and `ci` are treatment − control, `df` is Welch–Satterthwaite. */
export interface WelchTTestResult {
  diff: number;
  t: number;
  df: number;
  pValue: number;
  ci: Interval;
}

/**
 * Welch's unequal-variance two-sample t-test from per-arm moments (treatment − control), as
 * scipy.stats.ttest_ind(treatment, control, equal_var=False): t = Δ/√(s²_A/n_A + s²_B/n_B) with
 * Welch–Satterthwaite degrees of freedom, two-sided p-value and a t-based confidence interval.
 * Each arm needs n ≥ 2.
 *
 * When both variances are zero the test is degenerate and defined explicitly: df = n_A + n_B − 2,
 * ci = [diff, diff], and equal means give t = 0, p = 1 while different means give t = ±Infinity, p = 0.
 *
 * ### Examples
 * ```ts
 * welchTTest({ n: 50, mean: 1.0, variance: 4 }, { n: 60, mean: 2.0, variance: 9 });
 * // { diff: 1, t: 2.0851441405707476, df: 103.32673468008919, pValue: 0.03952052849195066,
 * //   ci: [0.04889567387881666, 1.9511043261211833] }
 * ```
 */
export function welchTTest(
  control: Moments,
  treatment: Moments,
  options: WelchTTestOptions = {},
): WelchTTestResult {
  checkMoments('control', control);
  checkMoments('treatment', treatment);
  const alpha = readAlpha(options.alpha);
  const diff = treatment.mean - control.mean;
  const vA = control.variance / control.n;
  const vB = treatment.variance / treatment.n;
  const v = vA + vB;
  if (!(v > 0)) {
    const t = diff === 0 ? 0 : diff > 0 ? Infinity : -Infinity;
    return { diff, t, df: control.n + treatment.n - 2, pValue: diff === 0 ? 1 : 0, ci: [diff, diff] };
  }
  // Scaled by v so that squaring tiny or huge per-arm variances cannot under- or overflow.
  const wA = vA / v;
  const wB = vB / v;
  const df = 1 / ((wA * wA) / (control.n - 1) + (wB * wB) / (treatment.n - 1));
  const se = Math.sqrt(v);
  const t = diff / se;
  const pValue = Math.min(1, 2 * studentTSf(Math.abs(t), df));
  const half = studentTQuantile(1 - alpha / 2, df) * se;
  return { diff, t, df, pValue, ci: [diff - half, diff + half] };
}
