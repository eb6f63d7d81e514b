import { StatsInputError } from '../errors';
import { incompleteBetaPair } from './incomplete-beta';
import { requireNotNaN, requirePositiveOrInfinity } from './input-checks';
import { logBeta } from './log-beta';
import { normalCdf, normalPdf, normalSf } from './normal';

/**
 * Upper tail P(T > s) and central mass P(|T| < s) for s > 0, both computed directly. Internal: shared
 * with the quantile. With x = ν/(ν + s²): P(|T| > s) = I_x(ν/2, ½); x and 1 − x are formed from s²/ν
 * or ν/s² (whichever is ≤ 1) so neither overflows nor loses precision by subtraction. When x < 1e-17
 * the leading term x^(ν/2)/((ν/2)·B(ν/2, ½)) of the series is exact to double precision, and it is
 * evaluated through ln x so that s up to 1e308 still gives the (representable) tail ~s^−ν.
 */
export function studentTTails(s: number, df: number): { upper: number; central: number } {
  const a = df / 2;
  if (s > 1e8 && df / s / s < 1e-17) {
    const logX = Math.log(df) - 2 * Math.log(s);
    return { upper: Math.exp(a * logX - Math.log(a) - logBeta(a, 0.5)) / 2, central: 1 };
  }
  let x: number;
  let y: number;
  if (s * s > df) {
    const r = df / s / s;
    x = r / (1 + r);
    y = 1 / (1 + r);
  } else {
    const r = (s * s) / df;
    x = 1 / (1 + r);
    y = r / (1 + r);
  }
  const pair = incompleteBetaPair(a, 0.5, x, y);
  return { upper: pair.lower / 2, central: pair.upper };
}

function checkArgs(t: number, df: number): void {
  requireNotNaN('t', t);
  requirePositiveOrInfinity('df', df);
}

/**
 * Survival function of Student's t distribution with `df` degrees of freedom, P(T > t), as
 * scipy.stats.t.sf(t, df); far tails keep full relative precision. `df` may be non-integer (Welch)
 * or Infinity (standard normal).
 *
 * ### Examples
 * ```ts
 * studentTSf(2.228138851986274, 10); // 0.024999999999999998
 * studentTSf(1e10, 3); // 1.1026577908435888e-30
 * ```
 */
export function studentTSf(t: number, df: number): number {
  checkArgs(t, df);
  if (df === Infinity) return normalSf(t);
  if (t === Infinity) return 0;
  if (t === -Infinity) return 1;
  if (t === 0) return 0.5;
  const { upper, central } = studentTTails(Math.abs(t), df);
  return t > 0 ? upper : 0.5 + central / 2;
}

/**
 * CDF of Student's t distribution, P(T ≤ t), as scipy.stats.t.cdf(t, df).
 *
 * ### Examples
 * ```ts
 * studentTCdf(0, 5); // 0.5
 * studentTCdf(-2.228138851986274, 10); // 0.024999999999999998
 * ```
 */
export function studentTCdf(t: number, df: number): number {
  checkArgs(t, df);
  if (df === Infinity) return normalCdf(t);
  return studentTSf(-t, df);
}

/**
 * Density of Student's t distribution, as scipy.stats.t.pdf(t, df).
 *
 * ### Examples
 * ```ts
 * studentTPdf(0, 1); // 0.3183098861837907  (1/π)
 * ```
 */
export function studentTPdf(t: number, df: number): number {
  checkArgs(t, df);
  if (df === Infinity) return normalPdf(t);
  if (!Number.isFinite(t)) return 0;
  const logDensity = -logBeta(df / 2, 0.5) - 0.5 * Math.log(df) - ((df + 1) / 2) * Math.log1p((t * t) / df);
  const value = Math.exp(logDensity);
  if (Number.isNaN(value)) throw new StatsInputError('t', `density undefined at t = ${t}, df = ${df}`);
  return value;
}
