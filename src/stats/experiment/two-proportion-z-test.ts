import { normalQuantile, normalSf } from '../distributions';
import { checkProportion, readAlpha } from './arm-checks';
import type { Interval, Proportion } from './types';

/** Options for {@link twoProportionZTest}. */
export interface TwoProportionZTestOptions {
  /** Two-sided significance level of the confidence interval. @default 0.05 */
  alpha?: number;
  /** Use the pooled null-hypothesis standard error for z (classical test). @default true */
  pooled?: boolean;
}

/** Result of {@link twoProportionZTest}; `diff` and `ci` are treatment − control. */
export interface TwoProportionZTestResult {
  diff: number;
  z: number;
  pValue: number;
  ci: Interval;
}

/**
 * Two-sided z-test for a difference of two proportions (treatment − control). z uses the pooled
 * standard error √(p̄(1−p̄)(1/n_A + 1/n_B)) by default, or the unpooled √(p_A(1−p_A)/n_A + p_B(1−p_B)/n_B)
 * with `pooled: false`; the confidence interval always uses the unpooled (Wald) standard error. Matches
 * statsmodels `proportions_ztest` (pooled) / `test_proportions_2indep(method='wald')` (unpooled) and
 * `confint_proportions_2indep(method='wald')`.
 *
 * Degenerate cases are defined, not NaN: a zero standard error with equal proportions gives z = 0 and
 * p = 1; a zero standard error with different proportions (only possible unpooled, e.g. 0/10 vs 10/10)
 * gives z = ±Infinity and p = 0.
 *
 * ### Examples
 * ```ts
 * twoProportionZTest({ successes: 550, trials: 1000 }, { successes: 600, trials: 1000 });
 * // { diff: 0.04999999999999993, z: 2.2616563651595003, pValue: 0.023718642632191603,
 * //   ci: [0.006725166954817875, 0.093274833045182] }
 * ```
 */
export function twoProportionZTest(
  control: Proportion,
  treatment: Proportion,
  options: TwoProportionZTestOptions = {},
): TwoProportionZTestResult {
  checkProportion('control', control);
  checkProportion('treatment', treatment);
  const alpha = readAlpha(options.alpha);
  const pooled = options.pooled ?? true;
  const pA = control.successes / control.trials;
  const pB = treatment.successes / treatment.trials;
  const diff = pB - pA;
  const unpooledSe = Math.sqrt((pA * (1 - pA)) / control.trials + (pB * (1 - pB)) / treatment.trials);
  let testSe = unpooledSe;
  if (pooled) {
    const p = (control.successes + treatment.successes) / (control.trials + treatment.trials);
    testSe = Math.sqrt(p * (1 - p) * (1 / control.trials + 1 / treatment.trials));
  }
  let z: number;
  if (testSe > 0) z = diff / testSe;
  else z = diff === 0 ? 0 : diff > 0 ? Infinity : -Infinity;
  const pValue = Math.min(1, 2 * normalSf(Math.abs(z)));
  const half = normalQuantile(1 - alpha / 2) * unpooledSe;
  return { diff, z, pValue, ci: [diff - half, diff + half] };
}
