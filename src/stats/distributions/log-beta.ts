import { LN_SQRT_2PI, STIRLING_THRESHOLD, logGamma, stirlingSeries } from './log-gamma';
import { requirePositive } from './input-checks';

/**
 * ln Γ(a) − ln Γ(a + b) for a ≥ 15, from Stirling's formula rearranged so the a ln a terms cancel
 * analytically (via log1p) instead of numerically.
 */
function logGammaRatio(a: number, b: number): number {
  const n = a + b;
  return -(a - 0.5) * Math.log1p(b / a) - b * Math.log(n) + b + stirlingSeries(a) - stirlingSeries(n);
}

/**
 * Natural logarithm of the beta function B(a, b) = Γ(a)Γ(b)/Γ(a + b), accurate to ~1e-15 relative
 * to the size of its largest term even when a, b are large (no difference of huge ln Γ values).
 *
 * ### Examples
 * ```ts
 * logBeta(0.5, 0.5); // 1.1447298858494002  (ln π)
 * logBeta(1e5, 2); // -23.025860929890456
 * ```
 */
export function logBeta(a: number, b: number): number {
  requirePositive('a', a);
  requirePositive('b', b);
  const small = Math.min(a, b);
  const large = Math.max(a, b);
  if (small >= STIRLING_THRESHOLD) {
    // (a−½)ln(a/n) + b ln(b/n) − ½ ln b + ln √(2π) + δ(a) + δ(b) − δ(n), with the ratios via log1p.
    const n = small + large;
    return (
      -(small - 0.5) * Math.log1p(large / small) -
      large * Math.log1p(small / large) -
      0.5 * Math.log(large) +
      LN_SQRT_2PI +
      stirlingSeries(small) +
      stirlingSeries(large) -
      stirlingSeries(n)
    );
  }
  if (large >= STIRLING_THRESHOLD) return logGamma(small) + logGammaRatio(large, small);
  return logGamma(small) + logGamma(large) - logGamma(small + large);
}
