import { roundHalfEven } from './exact-arithmetic';

/**
 * Exact two-sided p-value of the two-sample Kolmogorov–Smirnov statistic, as scipy's
 * `_attempt_exact_2kssamp`: the statistic is snapped to the lattice h/lcm(n₁, n₂) and the share of
 * monotone lattice paths from (0,0) to (n₁,n₂) leaving the band |x/n₁ − y/n₂| < h/lcm is counted.
 * `pValue` is `undefined` when the float computation fails; the caller then falls back to the
 * asymptotic p-value of the snapped statistic, as scipy does.
 */
export function ksTwoSampleExact(
  n1: number,
  n2: number,
  d: number,
): { statistic: number; pValue: number | undefined } {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const statistic = h / lcm;
  if (h === 0) return { statistic, pValue: 1 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInsideMethod(n1, n2, g, h);
  return { statistic, pValue: p >= 0 && p <= 1 ? p : undefined };
}

/**
 * P(D_{n,n} ≥ h/n) = 2 Σ_k (−1)^(k+1) C(2n, n − kh)/C(2n, n), evaluated in scipy's nested
 * (Horner-like) form 2·A₀(1 − A₁(1 − A₂(…))) to avoid the cancellation of the plain sum.
 */
function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    p = p1 * (1 - p);
  }
  return 2 * p;
}

/**
 * 1 − (paths strictly inside the band)/C(m+n, n) with Viehmann's (2021) recursion, which carries the
 * complement directly and keeps only a sliding window of one lattice column (scipy
 * `_stats_pythran._compute_outer_prob_inside_method`).
 */
function outerProbInsideMethod(n1: number, n2: number, g: number, h: number): number {
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1]!;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}
