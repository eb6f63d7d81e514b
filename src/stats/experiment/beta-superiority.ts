import { logBeta } from '../distributions/log-beta';
import { betaPrefix, incompleteBetaPair } from '../distributions/incomplete-beta';

// P(X_B > X_A) for independent X_A ~ Beta(a1, b1), X_B ~ Beta(a2, b2). Internal to
// probabilityToBeatControl; kept separate because it is the numerically delicate part.

/** Largest number of terms the exact sum may take before quadrature is used instead. */
const MAX_TERMS = 5_000_000;

/**
 * Σ_{i<k} B(a1+i, b1+b2) / ((b2+i)·B(1+i, b2)·B(a1, b1)) = P(X_B > X_A) when a2 = k is an integer
 * (Miller / Stucchio closed form). Terms are positive; they are summed in log space around the
 * largest one so that neither underflow of early terms nor overflow matters.
 */
function exactSum(a1: number, b1: number, k: number, b2: number): number {
  const base = logBeta(a1, b1);
  const logTerms = new Float64Array(k);
  let max = -Infinity;
  for (let i = 0; i < k; i++) {
    const value = logBeta(a1 + i, b1 + b2) - Math.log(b2 + i) - logBeta(1 + i, b2) - base;
    logTerms[i] = value;
    if (value > max) max = value;
  }
  let sum = 0;
  for (let i = 0; i < k; i++) sum += Math.exp((logTerms[i] as number) - max);
  return Math.min(1, sum * Math.exp(max));
}

/** Beta density via the saddle-point prefix, accurate for large parameters. */
function betaDensity(x: number, a: number, b: number): number {
  if (x <= 0 || x >= 1) return 0;
  return betaPrefix(a, b, x, 1 - x) / (x * (1 - x));
}

/** tanh-sinh (double-exponential) quadrature of f over [lo, hi]; robust to endpoint singularities. */
function tanhSinh(f: (x: number) => number, lo: number, hi: number): number {
  const half = (hi - lo) / 2;
  const mid = (hi + lo) / 2;
  let h = 1;
  let estimate = 0;
  let previous = NaN;
  for (let level = 0; level < 9; level++) {
    let sum = 0;
    const step = level === 0 ? h : 2 * h;
    for (let t = level === 0 ? 0 : h; t <= 4; t += step) {
      const sinh = Math.sinh(t);
      const u = (Math.PI / 2) * sinh;
      const cosh = Math.cosh(u);
      // Distance from the nearer end, computed without cancellation so endpoint singularities are hit
      // at their true offsets.
      const offset = half / (Math.exp(u) * cosh);
      const weight = ((Math.PI / 2) * Math.cosh(t)) / (cosh * cosh);
      for (const sign of t === 0 ? [0] : [-1, 1]) {
        const x = sign === 0 ? mid : sign < 0 ? lo + offset : hi - offset;
        if (x <= lo || x >= hi) continue;
        sum += weight * f(x);
      }
    }
    estimate = level === 0 ? sum * h * half : estimate / 2 + sum * h * half;
    if (level > 3 && Math.abs(estimate - previous) <= 1e-14 * Math.abs(estimate)) break;
    previous = estimate;
    h /= 2;
  }
  return estimate;
}

/** Numerical P(X_B > X_A) = ∫ f_A(x)·P(X_B > x) dx for non-integer parameters. */
function quadrature(a1: number, b1: number, a2: number, b2: number): number {
  // Break the integral where either posterior's mass sits, so each piece is smooth and well resolved.
  const points = new Set<number>([0, 1]);
  for (const [a, b] of [
    [a1, b1],
    [a2, b2],
  ] as const) {
    const mean = a / (a + b);
    const sd = Math.sqrt((a * b) / ((a + b) * (a + b) * (a + b + 1)));
    for (const k of [-40, -12, -4, 0, 4, 12, 40]) {
      const x = mean + k * sd;
      if (x > 0 && x < 1) points.add(x);
    }
  }
  const sorted = [...points].sort((x, y) => x - y);
  const integrand = (x: number): number =>
    betaDensity(x, a1, b1) * incompleteBetaPair(a2, b2, x, 1 - x).upper;
  let total = 0;
  for (let i = 0; i + 1 < sorted.length; i++)
    total += tanhSinh(integrand, sorted[i] as number, sorted[i + 1] as number);
  return Math.min(1, Math.max(0, total));
}

/**
 * P(X_B > X_A) for X_A ~ Beta(a1, b1), X_B ~ Beta(a2, b2). Uses the exact finite sum whenever one of
 * the four parameters is an integer (always, with the default uniform prior), choosing by symmetry the
 * variant with the fewest terms that computes the smaller of P and 1 − P directly; otherwise
 * tanh-sinh quadrature.
 */
export function probabilityBetaGreater(a1: number, b1: number, a2: number, b2: number): number {
  const meanA = a1 / (a1 + b1);
  const meanB = a2 / (a2 + b2);
  const expectBLarger = meanB > meanA;
  // Four routes: [integer parameter, computes P directly?, evaluator].
  const routes: Array<[number, boolean, () => number]> = [
    [a2, true, () => exactSum(a1, b1, a2, b2)],
    [b1, true, () => exactSum(b2, a2, b1, a1)],
    [a1, false, () => exactSum(a2, b2, a1, b1)],
    [b2, false, () => exactSum(b1, a1, b2, a2)],
  ];
  const usable = routes.filter(([k]) => Number.isInteger(k) && k <= MAX_TERMS);
  if (usable.length > 0) {
    // Prefer routes that compute the small side (P when B is expected to lose, 1 − P when it wins).
    const preferred = usable.filter(([, direct]) => direct !== expectBLarger);
    const pool = preferred.length > 0 ? preferred : usable;
    pool.sort((x, y) => x[0] - y[0]);
    const [, direct, evaluate] = pool[0] as [number, boolean, () => number];
    const value = evaluate();
    return direct ? value : 1 - value;
  }
  return expectBLarger ? 1 - quadrature(a2, b2, a1, b1) : quadrature(a1, b1, a2, b2);
}
