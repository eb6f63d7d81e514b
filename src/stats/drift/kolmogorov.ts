import { StatsInputError } from '../errors';
import { describe } from './validate';

// Below this x the survival function is 1 in double precision: exp(-π²/(8x²)) underflows.
// Same cut as scipy (xsf/cephes/kolmogorov.h): x ≤ π / √(746 · 8).
const KOLMOGOROV_UNDERFLOW_X = Math.PI / Math.sqrt(746 * 8);
// Switch between the two theta-function series, as in cephes.
const KOLMOGOROV_CUTOVER = 0.82;

/**
 * Survival function of the limiting Kolmogorov distribution, P(K > x) with K = lim √n·Dₙ: the
 * asymptotic p-value of a two-sided Kolmogorov–Smirnov statistic scaled by √n. Port of scipy's
 * `scipy.special.kolmogorov` (= `scipy.stats.kstwobign.sf`), to double precision.
 *
 * ### Examples
 * ```ts
 * kolmogorovSf(1.3580986393225505); // ≈ 0.05
 * kolmogorovSf(0);                  // 1
 * ```
 */
export function kolmogorovSf(x: number): number {
  if (typeof x !== 'number' || Number.isNaN(x)) {
    throw new StatsInputError('x', `must be a number, got ${describe(x)}`);
  }
  if (x <= KOLMOGOROV_UNDERFLOW_X) return 1;
  if (x === Infinity) return 0;
  let sf: number;
  if (x <= KOLMOGOROV_CUTOVER) {
    // P(K ≤ x) = (√(2π)/x) · u · (1 + u⁸ + u²⁴ + u⁴⁸ + …), u = exp(−π²/(8x²)).
    const w = Math.sqrt(2 * Math.PI) / x;
    const logu8 = (-Math.PI * Math.PI) / (x * x);
    const u = Math.exp(logu8 / 8);
    let cdf: number;
    if (u === 0) {
      cdf = Math.exp(logu8 / 8 + Math.log(w));
    } else {
      const u8 = Math.exp(logu8);
      const u8cub = Math.pow(u8, 3);
      let p = 1 + u8cub;
      p = 1 + u8 * u8 * p;
      p = 1 + u8 * p;
      cdf = w * u * p;
    }
    sf = 1 - cdf;
  } else {
    // P(K > x) = 2 (v − v⁴ + v⁹ − v¹⁶ + …), v = exp(−2x²); four terms reach double precision here.
    const v = Math.exp(-2 * x * x);
    const vsq = v * v;
    const v3 = Math.pow(v, 3);
    let p = 1 - v3 * v3 * v;
    p = 1 - v3 * vsq * p;
    p = 1 - v3 * p;
    sf = 2 * v * p;
  }
  return Math.min(1, Math.max(0, sf));
}
