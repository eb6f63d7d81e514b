import { LN_SQRT_2PI, STIRLING_THRESHOLD, logGamma, stirlingSeries } from './log-gamma';

/**
 * δ(x) = ln Γ(x + 1) − (x + ½) ln x + x − ln √(2π): the error of Stirling's formula for x!, used to
 * write gamma and beta densities without subtracting huge logarithms (Loader 2000).
 * Internal: not exported from the package entry point.
 */
export function stirlingError(x: number): number {
  if (x >= STIRLING_THRESHOLD) return stirlingSeries(x);
  // Below the threshold the terms are O(10), so the absolute error of this difference stays ~1e-15,
  // which is what matters: δ(x) only ever appears inside exp().
  return logGamma(x + 1) - (x + 0.5) * Math.log(x) + x - LN_SQRT_2PI;
}
