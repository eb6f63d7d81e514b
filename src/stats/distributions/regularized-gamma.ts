import { StatsInputError } from '../errors';
import { binomialDeviance } from './binomial-deviance';
import { requireNotNaN, requirePositive } from './input-checks';
import { logGamma } from './log-gamma';
import { stirlingError } from './stirling-error';

const TWO_PI = 2 * Math.PI;
const EPS = 1e-16;
const MAX_ITERATIONS = 100_000;

/**
 * x^a e^(−x) / Γ(a + 1). For a ≥ 1 it uses Loader's saddle-point form exp(−D(a, x) − δ(a))/√(2πa),
 * which avoids subtracting ln Γ(a) ≈ a ln a from a ln x: that subtraction alone would cost ~a·1e-16
 * relative accuracy for large a (1e-11 at a = 1e5).
 */
function gammaPrefix(a: number, x: number): number {
  if (a >= 1) return Math.exp(-binomialDeviance(a, x) - stirlingError(a)) / Math.sqrt(TWO_PI * a);
  return Math.exp(a * Math.log(x) - x - logGamma(a + 1));
}

/** Both regularized incomplete gamma functions {p: P(a, x), q: Q(a, x)} with the smaller computed directly. */
export function regularizedGammaPair(a: number, x: number): { p: number; q: number } {
  if (x === 0) return { p: 0, q: 1 };
  if (x === Infinity) return { p: 1, q: 0 };
  const prefix = gammaPrefix(a, x);
  if (x < a + 1) {
    // P(a, x) = x^a e^−x / Γ(a+1) · Σ x^n / ((a+1)…(a+n)); all terms positive.
    let term = 1;
    let sum = 1;
    for (let n = 1; n < MAX_ITERATIONS; n++) {
      term *= x / (a + n);
      sum += term;
      if (term < sum * EPS) break;
    }
    const p = prefix * sum;
    return { p, q: 1 - p };
  }
  // Q(a, x) = x^a e^−x / Γ(a) · 1/(x+1−a − 1(1−a)/(x+3−a − 2(2−a)/(x+5−a − …))), modified Lentz.
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  // prefix is x^a e^−x / Γ(a+1) = (x^a e^−x / Γ(a)) / a.
  const q = prefix * a * h;
  return { p: 1 - q, q };
}

function checkGammaArgs(a: number, x: number): void {
  requirePositive('a', a);
  requireNotNaN('x', x);
  if (x < 0) throw new StatsInputError('x', `must be non-negative, got ${x}`);
}

/**
 * Regularized lower incomplete gamma P(a, x) = γ(a, x)/Γ(a), as scipy.special.gammainc(a, x).
 *
 * ### Examples
 * ```ts
 * regularizedGammaP(1, 1); // 0.6321205588285579  (1 − e⁻¹)
 * regularizedGammaP(100, 50); // 3.2000653245851387e-10
 * ```
 */
export function regularizedGammaP(a: number, x: number): number {
  checkGammaArgs(a, x);
  return regularizedGammaPair(a, x).p;
}

/**
 * Regularized upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a) = 1 − P(a, x), as
 * scipy.special.gammaincc(a, x); computed directly in the upper tail.
 *
 * ### Examples
 * ```ts
 * regularizedGammaQ(1, 1); // 0.3678794411714421  (e⁻¹)
 * regularizedGammaQ(0.5, 700); // 2.101014516264285e-306
 * ```
 */
export function regularizedGammaQ(a: number, x: number): number {
  checkGammaArgs(a, x);
  return regularizedGammaPair(a, x).q;
}
