/**
 * D(x, m) = x ln(x/m) + m − x ≥ 0, the deviance term of Loader's saddle-point densities, computed
 * without cancellation when x ≈ m. Callers that know x − m more accurately than the subtraction
 * (because m was formed from a complement) pass it as `diff`. Internal: not exported from the package
 * entry point.
 */
export function binomialDeviance(x: number, m: number, diff = x - m): number {
  if (x === 0) return m;
  if (m === 0) return Infinity;
  if (Math.abs(diff) < 0.5 * (x + m)) {
    // x ln(x/m) + m − x = (x − m) v + 2x Σ_{j≥1} v^(2j+1)/(2j+1) with v = (x − m)/(x + m). For |v| < ½
    // the series needs ≤ 30 terms and its two parts cancel by at most a third, whereas the closed form
    // already cancels tenfold at |v| = 0.1.
    const v = diff / (x + m);
    let sum = diff * v;
    let term = 2 * x * v;
    const v2 = v * v;
    for (let j = 1; j < 1000; j++) {
      term *= v2;
      const next = sum + term / (2 * j + 1);
      if (next === sum) return next;
      sum = next;
    }
    return sum;
  }
  const ratio = x / m;
  const logRatio = Number.isFinite(ratio) && ratio > 0 ? Math.log(ratio) : Math.log(x) - Math.log(m);
  return x * logRatio + m - x;
}
