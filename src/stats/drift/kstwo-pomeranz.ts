import { ldexp } from './exact-arithmetic';

const E128 = 128;
const EP128 = 2 ** 128;
const EM128 = 2 ** -128;

/**
 * P(Dₙ ≤ x) by the Pomeranz (1974) recursion: 2n + 1 convolutions of a short band with truncated
 * Poisson weights. Port of scipy `_ksstats._kolmogn_Pomeranz`, used for n ≤ 140.
 */
export function kolmogorovCdfPomeranz(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);

  // 1. (g/n)^m/m!, (2g/n)^m/m!, ((1 − 2g)/n)^m/m!: Poisson probabilities without the e^−λ factor.
  const gpower = new Float64Array(npwrs);
  const twogpower = new Float64Array(npwrs);
  const onem2gpower = new Float64Array(npwrs);
  gpower[0] = 1;
  twogpower[0] = 1;
  onem2gpower[0] = 1;
  const gOverN = g / n;
  const twoGOverN = (2 * g) / n;
  const oneMinusTwoGOverN = (1 - 2 * g) / n;
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = (gpower[m - 1]! * gOverN) / m;
    twogpower[m] = (twogpower[m - 1]! * twoGOverN) / m;
    onem2gpower[m] = (onem2gpower[m - 1]! * oneMinusTwoGOverN) / m;
  }

  // 2. Two rows, swapped each step; only the band [j1, j2] of each row is non-zero.
  let v0 = new Float64Array(npwrs);
  let v1 = new Float64Array(npwrs);
  v1[0] = 1;
  let v0s = 0;
  let v1s = 0;
  let exponent = 0;
  let [j1, j2] = bandEnds(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [v0, v1] = [v1, v0];
    [v0s, v1s] = [v1s, v0s];
    v1.fill(0);
    [j1, j2] = bandEnds(i, n, ll, ceilf, roundf);
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      // Entries conv[j1 − k1 .. j2 − k1] of the full convolution of v0[k1 − v0s ..][:ln2] and pwrs[:ln2].
      const start = k1 - v0s;
      const aLength = Math.min(ln2, npwrs - start);
      const bLength = Math.min(ln2, npwrs);
      const convStart = j1 - k1;
      const convLength = j2 - j1 + 1;
      let max = 0;
      for (let c = 0; c < convLength; c++) {
        const idx = convStart + c;
        let sum = 0;
        const lo = Math.max(0, idx - bLength + 1);
        const hi = Math.min(idx, aLength - 1);
        for (let a = lo; a <= hi; a++) sum += v0[start + a]! * pwrs[idx - a]!;
        v1[c] = sum;
        if (sum > max) max = sum;
      }
      if (max > 0 && max < EM128) {
        for (let c = 0; c < npwrs; c++) v1[c] = v1[c]! * EP128;
        exponent -= E128;
      }
      v1s = v0s + j1 - k1;
    }
  }

  // 3. Multiply by n!, rescaling before it overflows.
  let answer = v1[n - v1s]!;
  for (let m = 1; m <= n; m++) {
    if (Math.abs(answer) > EP128) {
      answer *= EM128;
      exponent += E128;
    }
    answer *= m;
  }
  if (exponent !== 0) answer = ldexp(answer, exponent);
  return Math.min(1, Math.max(0, answer));
}

/** The non-zero band [j1, j2] of row i (scipy `_pomeranz_compute_j1j2`). */
function bandEnds(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const ip1div2 = Math.floor((i + 1) / 2);
    const ip1mod2 = (i + 1) % 2;
    if (ip1mod2 === 0) {
      if (ip1div2 === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = ip1div2 - 1 - ll - roundf - 1;
        j2 = ip1div2 + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = ip1div2 - 1 - ll - 1;
      j2 = ip1div2 + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}
