import { StatsInputError } from '../errors';
import { binomialDeviance } from './binomial-deviance';
import { requireNotNaN, requirePositive } from './input-checks';
import { stirlingError } from './stirling-error';

const TWO_PI = 2 * Math.PI;
const EPS = 1e-16;
const MAX_ITERATIONS = 1_000_000;

/**
 * x^a y^b / B(a, b) with y = 1 − x supplied separately (so callers that know 1 − x more accurately
 * than the subtraction can pass it). Written as (ab/n)·exp(δ(n) − δ(a) − δ(b) − D(a, nx) − D(b, ny))
 * /√(2πab/n) with n = a + b (Loader's binomial density): no ln Γ of a large argument is ever
 * subtracted, so the relative error does not grow with a and b.
 */
export function betaPrefix(a: number, b: number, x: number, y: number): number {
  const n = a + b;
  // The deviances only need a − nx and b − ny accurately; form each from the smaller of x, y
  // (a − n and b − n are exact when the parameter is the larger one, by Sterbenz), because nx
  // itself carries an absolute error ~n·1e-16 that would otherwise be amplified by a.
  const diffA = x <= y ? a - n * x : a - n + n * y;
  const diffB = x <= y ? b - n + n * x : b - n * y;
  const logValue =
    stirlingError(n) -
    stirlingError(a) -
    stirlingError(b) -
    binomialDeviance(a, n * x, diffA) -
    binomialDeviance(b, n * y, diffB);
  const scale = (a * b) / n;
  return (scale * Math.exp(logValue)) / Math.sqrt(TWO_PI * scale);
}

/**
 * I_x(a, b) by its continued fraction, fast when x < (a + 1)/(a + b + 2). The classical fraction
 * 1/(1 + d₁/(1 + d₂/(1 + …))) (Numerical Recipes' betacf) is evaluated in its contracted (odd) form
 * 1/(E₀ − d₁d₂/(E₁ − d₃d₄/(E₂ − …))) with E₀ = 1 + d₁ and Eₘ = 1 + d₂ₘ + d₂ₘ₊₁. When x > ½,
 * Eₘ is evaluated as (Aₘ + Bₘ·y)/((a+2m−1)(a+2m+1)) with Aₘ = a(2m+1−b) + 2m² + b − 1 and
 * Bₘ = a² + ab + 2am − a − b + 2m² (derived symbolically): using y = 1 − x directly removes the
 * cancellation 1 − (…)x that costs the classical form up to a·1e-16 relative accuracy when x is close
 * to 1 and a is large (Student's t with a million degrees of freedom). For x ≤ ½ the direct sum has
 * no such cancellation, while the y-form would (Aₘ ≈ −Bₘ when b is large).
 */
function continuedFraction(a: number, b: number, x: number, y: number): number {
  const tiny = 1e-300;
  const nearOne = x > 0.5;
  let g = nearOne ? (1 - b + (a + b) * y) / (a + 1) : 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(g) < tiny) g = tiny;
  let c = g;
  let d = 0;
  for (let m = 1; m < MAX_ITERATIONS; m++) {
    const a2m = a + 2 * m;
    const dOdd = (-(a + m - 1) * (a + b + m - 1) * x) / ((a2m - 2) * (a2m - 1));
    const dEven = (m * (b - m) * x) / ((a2m - 1) * a2m);
    const numerator = -dOdd * dEven;
    const em = nearOne
      ? (a * (2 * m + 1 - b) + 2 * m * m + b - 1 + (a * a + a * b + 2 * a * m - a - b + 2 * m * m) * y) /
        ((a2m - 1) * (a2m + 1))
      : 1 + dEven - ((a + m) * (a + b + m) * x) / (a2m * (a2m + 1));
    d = em + numerator * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = em + numerator / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = c * d;
    g *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return betaPrefix(a, b, x, y) / (a * g);
}

/**
 * Both tails {lower: I_x(a, b), upper: 1 − I_x(a, b)} given x and y = 1 − x. The continued fraction
 * runs on whichever side of the mean converges, and that side's value is the one computed directly;
 * the other is its complement, which is the large one, so neither loses relative precision.
 */
export function incompleteBetaPair(
  a: number,
  b: number,
  x: number,
  y: number,
): { lower: number; upper: number } {
  if (x <= 0) return { lower: 0, upper: 1 };
  if (y <= 0) return { lower: 1, upper: 0 };
  if (x < (a + 1) / (a + b + 2)) {
    const lower = continuedFraction(a, b, x, y);
    return { lower, upper: 1 - lower };
  }
  const upper = continuedFraction(b, a, y, x);
  return { lower: 1 - upper, upper };
}

function checkBetaArgs(x: number, a: number, b: number): void {
  requireNotNaN('x', x);
  if (x < 0 || x > 1) throw new StatsInputError('x', `must be in [0, 1], got ${x}`);
  requirePositive('a', a);
  requirePositive('b', b);
}

/**
 * Regularized incomplete beta function I_x(a, b), as scipy.special.betainc(a, b, x) (note the
 * argument order here: x first, like {@link betaCdf}).
 *
 * ### Examples
 * ```ts
 * regularizedIncompleteBeta(0.5, 2, 3); // 0.6874999999999999
 * regularizedIncompleteBeta(1e-10, 5, 5); // 1.2599999995799941e-48
 * ```
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  checkBetaArgs(x, a, b);
  return incompleteBetaPair(a, b, x, 1 - x).lower;
}

/**
 * CDF of the Beta(a, b) distribution at x, P(X ≤ x) = I_x(a, b), as scipy.stats.beta.cdf(x, a, b).
 *
 * ### Examples
 * ```ts
 * betaCdf(0.3, 1, 1); // 0.3
 * betaCdf(0.5, 10, 10); // 0.4999999999999978
 * ```
 */
export function betaCdf(x: number, a: number, b: number): number {
  checkBetaArgs(x, a, b);
  return incompleteBetaPair(a, b, x, 1 - x).lower;
}

/**
 * Survival function of the Beta(a, b) distribution, P(X > x) = 1 − I_x(a, b), computed directly in
 * the upper tail, as scipy.stats.beta.sf(x, a, b).
 *
 * ### Examples
 * ```ts
 * betaSf(0.3, 1, 1); // 0.7
 * betaSf(0.999, 2, 50); // 5.095000000000053e-149 (no cancellation)
 * ```
 */
export function betaSf(x: number, a: number, b: number): number {
  checkBetaArgs(x, a, b);
  return incompleteBetaPair(a, b, x, 1 - x).upper;
}
