/**
 * The q-quantile of an ascending sample with numpy's default `method='linear'` (Hyndman–Fan 7),
 * reproducing `np.quantile` bit for bit: virtual index (n − 1)·q, and numpy's two-sided lerp that
 * interpolates from the nearer neighbour.
 */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const virtualIndex = (n - 1) * q;
  if (virtualIndex >= n - 1) return sorted[n - 1]!;
  if (virtualIndex < 0) return sorted[0]!;
  const previous = Math.floor(virtualIndex);
  const gamma = virtualIndex - previous;
  const a = sorted[previous]!;
  const b = sorted[previous + 1]!;
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** numpy's `np.linspace(0, 1, bins + 1)`: k·(1/bins), with the last point set to exactly 1. */
export function unitLinspace(bins: number): Float64Array {
  const out = new Float64Array(bins + 1);
  const step = 1 / bins;
  for (let k = 0; k <= bins; k++) out[k] = k * step;
  out[bins] = 1;
  return out;
}
