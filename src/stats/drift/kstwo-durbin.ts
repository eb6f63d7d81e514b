import { ldexp } from './exact-arithmetic';

const E128 = 128;
const EP128 = 2 ** 128;
const EM128 = 2 ** -128;

/**
 * P(Dₙ ≤ d) by Durbin's matrix method in the Marsaglia–Tsang–Wang form: the k-th diagonal entry of
 * (n!/nⁿ)·Hⁿ for an m×m matrix H, m = 2⌈nd⌉ − 1. O(m³ log n); scipy uses it where m stays small.
 * Port of scipy `_ksstats._kolmogn_DMTW`.
 */
export function kolmogorovCdfDurbin(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;

  // 1. First column v and the Toeplitz band w: v[j] = (1 − h^(j+1))/(j+1)!, w[j] = 1/j!.
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j; // may underflow for large m; the entries it feeds are then negligible
    v[j - 1] = (1 - Math.pow(h, j)) * fac;
  }
  const tt = Math.pow(Math.max(2 * h - 1, 0), m) - 2 * Math.pow(h, m);
  v[m - 1] = (1 + tt) * fac;

  // 2. H: w on and below the superdiagonal, v down the first column, v reversed along the last row.
  let H: Float64Array = new Float64Array(m * m);
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1]!;
  }
  for (let r = 0; r < m; r++) H[r * m] = v[r]!;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c]!;

  // 3. Hⁿ by squaring, rescaling by 2^128 whenever the watched entry grows past it.
  let power: Float64Array = identity(m);
  let nn = n;
  let exponent = 0;
  let hExponent = 0;
  while (nn > 0) {
    if (nn % 2) {
      power = multiply(power, H, m);
      exponent += hExponent;
    }
    H = multiply(H, H, m);
    hExponent *= 2;
    const watched = (k - 1) * m + (k - 1);
    if (Math.abs(H[watched]!) > EP128) {
      for (let i = 0; i < H.length; i++) H[i] = H[i]! / EP128;
      hExponent += E128;
    }
    nn = Math.floor(nn / 2);
  }
  let p = power[(k - 1) * m + (k - 1)]!;

  // 4. Multiply by n!/nⁿ one factor at a time, rescaling before it underflows.
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= EP128;
      exponent -= E128;
    }
  }
  if (exponent !== 0) p = ldexp(p, exponent);
  return Math.min(1, Math.max(0, p));
}

function identity(m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) out[i * m + i] = 1;
  return out;
}

function multiply(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < m; l++) {
      const ail = a[i * m + l]!;
      if (ail === 0) continue;
      const rowB = l * m;
      const rowOut = i * m;
      for (let j = 0; j < m; j++) out[rowOut + j] = out[rowOut + j]! + ail * b[rowB + j]!;
    }
  }
  return out;
}
