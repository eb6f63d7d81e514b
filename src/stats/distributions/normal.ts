import { requireNotNaN } from './input-checks';

const INV_SQRT_2PI = 0.3989422804014327;

/**
 * exp(−x²/2)/√(2π) with x² split so that the large part of the exponent is exact: x² itself carries a
 * rounding error of ~x²·1e-16, which at x = 37 would already cost 1e-13 relative.
 */
function densityUnchecked(x: number): number {
  const ax = Math.abs(x);
  const head = Math.trunc(ax * 16) / 16;
  const tail = (ax - head) * (ax + head);
  return INV_SQRT_2PI * Math.exp(-0.5 * head * head) * Math.exp(-0.5 * tail);
}

/**
 * Upper tail Q(x) = 1 − Φ(x) for x ≥ 2 as φ(x)·R(x), with the Mills ratio R from its continued
 * fraction 1/(x + 1/(x + 2/(x + 3/(x + …)))) (modified Lentz). Converges in ≤ 110 steps for x ≥ 2
 * and never subtracts from 1, so relative accuracy holds down to the smallest subnormal.
 */
function upperTail(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let i = 1; i < 500; i++) {
    d = x + i * d;
    if (d === 0) d = tiny;
    c = x + i / c;
    if (c === 0) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return densityUnchecked(x) / f;
}

/**
 * Φ(x) − ½ for |x| < 2 from the everywhere-positive series φ(x)·Σ x^(2n+1)/(1·3·5···(2n+1)), which
 * has no cancellation (unlike the alternating Taylor series of erf). Exported for the quantile, which
 * needs Φ(x) − ½ without the rounding of adding ½. Internal: not re-exported from the entry point.
 */
export function centralPart(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= x2 / (2 * n + 1);
    const next = sum + term;
    if (next === sum) break;
    sum = next;
  }
  return densityUnchecked(x) * sum;
}

/**
 * Standard normal density φ(x).
 *
 * ### Examples
 * ```ts
 * normalPdf(0); // 0.3989422804014327
 * normalPdf(40); // 0 (the true 1.5e-348 is below the smallest double)
 * ```
 */
export function normalPdf(x: number): number {
  requireNotNaN('x', x);
  if (!Number.isFinite(x)) return 0;
  return densityUnchecked(x);
}

/**
 * Standard normal CDF Φ(x) = P(Z ≤ x), with full relative precision in the lower tail (down to
 * subnormal results near x = −38.4).
 *
 * ### Examples
 * ```ts
 * normalCdf(1.959963984540054); // 0.9750000000000001
 * normalCdf(-10); // 7.619853024160523e-24
 * ```
 */
export function normalCdf(x: number): number {
  requireNotNaN('x', x);
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  if (Math.abs(x) < 2) return 0.5 + centralPart(x);
  return x < 0 ? upperTail(-x) : 1 - upperTail(x);
}

/**
 * Standard normal survival function Q(x) = P(Z > x) = 1 − Φ(x), computed directly (never as 1 − Φ)
 * so that far upper tails keep full relative precision.
 *
 * ### Examples
 * ```ts
 * normalSf(1.959963984540054); // 0.02499999999999991
 * normalSf(37); // 5.7255712225245784e-300
 * ```
 */
export function normalSf(x: number): number {
  requireNotNaN('x', x);
  return normalCdf(-x);
}
