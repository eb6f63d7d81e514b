import { requireNotNaN, requirePositive } from './input-checks';
import { regularizedGammaPair } from './regularized-gamma';

function checkArgs(x: number, df: number): void {
  requireNotNaN('x', x);
  requirePositive('df', df);
}

/**
 * Survival function of the χ² distribution, P(X > x) = Q(df/2, x/2), as scipy.stats.chi2.sf(x, df);
 * computed directly so p-values down to 1e-300 keep full relative precision.
 *
 * ### Examples
 * ```ts
 * chiSquareSf(3.841458820694124, 1); // 0.0500000000000001
 * chiSquareSf(1400, 1); // 2.101014516264285e-306 (never 1 − cdf)
 * ```
 */
export function chiSquareSf(x: number, df: number): number {
  checkArgs(x, df);
  if (x <= 0) return 1;
  return regularizedGammaPair(df / 2, x / 2).q;
}

/**
 * CDF of the χ² distribution, P(X ≤ x) = P(df/2, x/2), as scipy.stats.chi2.cdf(x, df).
 *
 * ### Examples
 * ```ts
 * chiSquareCdf(3.841458820694124, 1); // 0.95
 * chiSquareCdf(2, 2); // 0.6321205588285579
 * ```
 */
export function chiSquareCdf(x: number, df: number): number {
  checkArgs(x, df);
  if (x <= 0) return 0;
  return regularizedGammaPair(df / 2, x / 2).p;
}
