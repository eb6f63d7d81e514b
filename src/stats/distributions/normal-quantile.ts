import { StatsInputError } from '../errors';
import { centralPart, normalCdf, normalPdf } from './normal';
import { requireProbability } from './input-checks';

/**
 * Quantile of the standard normal lower tail for 0 < p ≤ ½ (result ≤ 0): a rational starting point
 * (Abramowitz & Stegun 26.2.23, |error| < 4.5e-4) polished by Halley steps on Φ. Halley converges
 * cubically, so two or three steps reach the limit set by Φ's own accuracy (a few ulps).
 */
function lowerQuantile(p: number): number {
  // For p ≥ ¼, p − ½ is exact (Sterbenz) and Φ(x) − ½ is available without adding ½, so the residual
  // keeps full relative precision even when x is ~1e-10 (p within 1e-10 of ½).
  const central = p >= 0.25;
  const offset = p - 0.5;
  const t = Math.sqrt(-2 * Math.log(p));
  let x = -(
    t -
    (2.515517 + t * (0.802853 + t * 0.010328)) / (1 + t * (1.432788 + t * (0.189269 + t * 0.001308)))
  );
  for (let i = 0; i < 8; i++) {
    const density = normalPdf(x);
    if (density === 0) break;
    // Residual relative to the density keeps the step well scaled even when p ~ 1e-300.
    const u = (central ? centralPart(x) - offset : normalCdf(x) - p) / density;
    const step = u / (1 + 0.5 * x * u);
    x -= step;
    if (Math.abs(step) <= 1e-16 * Math.max(1, Math.abs(x))) break;
  }
  return x;
}

/**
 * Inverse of the standard normal CDF: the z with Φ(z) = p. Returns −Infinity for p = 0 and +Infinity
 * for p = 1; relative accuracy ~1e-15 for p down to the smallest normal double.
 *
 * ### Examples
 * ```ts
 * normalQuantile(0.975); // 1.9599639845400516
 * normalQuantile(1e-300); // -37.0470962993612
 * ```
 */
export function normalQuantile(p: number): number {
  requireProbability('p', p);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  // 1 − p is exact for p ≥ ½ (Sterbenz), so the upper half loses nothing by symmetry.
  if (p > 0.5) return -lowerQuantile(1 - p);
  const x = lowerQuantile(p);
  if (!Number.isFinite(x)) throw new StatsInputError('p', `quantile did not converge for p = ${p}`);
  return x;
}
