import { StatsInputError } from '../errors';
import { requirePositiveOrInfinity, requireProbability } from './input-checks';
import { logBeta } from './log-beta';
import { normalQuantile } from './normal-quantile';
import { studentTPdf, studentTTails as tails } from './student-t';

/** Cornish–Fisher expansion of the t quantile around the normal quantile z (good for large df). */
function cornishFisher(z: number, df: number): number {
  const z2 = z * z;
  const g1 = (z * (z2 + 1)) / 4;
  const g2 = (z * ((5 * z2 + 16) * z2 + 3)) / 96;
  const g3 = (z * (((3 * z2 + 19) * z2 + 17) * z2 - 15)) / 384;
  return z + g1 / df + g2 / (df * df) + g3 / (df * df * df);
}

/**
 * s > 0 with P(T > s) = q for 0 < q < ½, by safeguarded Newton. Near the centre (q > ¼) the equation
 * is posed on the central mass P(|T| < s) = 1 − 2q (exact in floating point), because P(T > s) ≈ ½
 * there only pins s down to ~1e-16/f(0) absolutely. In the tail it is posed on ln P(T > s) against
 * ln s, which is nearly linear (slope −df), so Newton converges in a handful of steps even at 1e-300.
 */
function upperQuantile(q: number, df: number): number {
  const z = -normalQuantile(q);
  if (q > 0.25) {
    const target = 1 - 2 * q;
    let lo = 0;
    let hi = 1; // t₀.₇₅(df) ≤ t₀.₇₅(1) = 1 for every df ≥ 1, and below 1 the bracket is widened.
    while (tails(hi, df).central < target) hi *= 2;
    let s = Math.min(Math.max(cornishFisher(z, df), lo), hi);
    for (let i = 0; i < 200; i++) {
      const h = tails(s, df).central - target;
      if (h === 0) return s;
      if (h < 0) lo = s;
      else hi = s;
      let next = s - h / (2 * studentTPdf(s, df));
      if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
      if (Math.abs(next - s) <= 2e-16 * s) return next;
      s = next;
    }
    return s;
  }
  const logQ = Math.log(q);
  // Tail asymptote P(T > s) ≈ s^−df · df^((df−1)/2) / (√df·B(df/2, ½)) · … solved for ln s.
  const logC = -logBeta(df / 2, 0.5) - 0.5 * Math.log(df) + ((df - 1) / 2) * Math.log(df);
  const candidates = [Math.log(Math.max(cornishFisher(z, df), 0.6)), (logC - logQ) / df];
  let lo = Math.log(0.6); // P(T > 0.6) ≥ Q_normal(0.6) = 0.274 > ¼ for every df.
  let hi = Infinity;
  const residual = (u: number): number => {
    const upper = tails(Math.exp(u), df).upper;
    return upper === 0 ? -Infinity : Math.log(upper) - logQ;
  };
  let u = candidates[0] as number;
  let g = residual(u);
  const alt = candidates[1] as number;
  if (Number.isFinite(alt) && alt > lo) {
    const gAlt = residual(alt);
    if (Math.abs(gAlt) < Math.abs(g)) {
      u = alt;
      g = gAlt;
    }
  }
  for (let i = 0; i < 400; i++) {
    if (g === 0) return Math.exp(u);
    if (g > 0) lo = Math.max(lo, u);
    else hi = Math.min(hi, u);
    let next: number;
    if (Number.isFinite(g)) {
      const s = Math.exp(u);
      const slope = (-s * studentTPdf(s, df)) / tails(s, df).upper;
      next = u - g / slope;
      // Keep each Newton step modest so a flat start cannot fling u past the representable range.
      next = Math.min(Math.max(next, u - 5), u + 5);
    } else {
      next = Number.NaN;
    }
    if (!(next > lo && next < hi)) next = Number.isFinite(hi) ? 0.5 * (lo + hi) : lo + 2 * (u - lo + 1);
    if (Math.abs(next - u) <= 1e-16 * Math.max(1, Math.abs(u))) return Math.exp(next);
    u = next;
    g = residual(u);
  }
  return Math.exp(u);
}

/**
 * Quantile of Student's t distribution: the t with P(T ≤ t) = p, as scipy.stats.t.ppf(p, df).
 * Returns ∓Infinity for p = 0 / 1. Works for non-integer df and for p down to ~1e-300.
 *
 * ### Examples
 * ```ts
 * studentTQuantile(0.975, 10); // 2.2281388519862735
 * studentTQuantile(0.975, Infinity); // 1.9599639845400516
 * ```
 */
export function studentTQuantile(p: number, df: number): number {
  requireProbability('p', p);
  requirePositiveOrInfinity('df', df);
  if (df === Infinity) return normalQuantile(p);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  // 1 − p is exact for p ≥ ½.
  const value = p > 0.5 ? upperQuantile(1 - p, df) : -upperQuantile(p, df);
  if (Number.isNaN(value))
    throw new StatsInputError('p', `t quantile did not converge for p = ${p}, df = ${df}`);
  return value;
}
