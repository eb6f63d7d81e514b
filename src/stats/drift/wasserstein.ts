import { CompensatedSum, meanAndStd } from './moments';
import { toSortedSample } from './sorted-sample';

// Evidently's floor for the reference spread, so a constant reference does not divide by zero.
const MIN_NORMALIZING_STD = 0.001;

/**
 * First Wasserstein (earth mover's) distance between two samples, W₁ = ∫ |F_ref(t) − F_cur(t)| dt,
 * matching `scipy.stats.wasserstein_distance(reference, current)` (unit weights). In the units of
 * the data.
 *
 * ### Examples
 * ```ts
 * wassersteinDistance([0, 1, 3], [5, 6, 8]);          // 5
 * wassersteinDistance([3.4, 3.9, 7.5, 7.8], [4.5, 1.4]); // 2.7
 * ```
 */
export function wassersteinDistance(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  return wassersteinSorted(toSortedSample(reference, 'reference'), toSortedSample(current, 'current'));
}

/**
 * Wasserstein distance divided by the reference spread, Evidently's `wasserstein` drift score:
 * W₁ / max(σ_ref, 0.001) with σ_ref the population standard deviation of the reference
 * (`np.std`, ddof = 0). Evidently flags drift at ≥ 0.1.
 *
 * ### Examples
 * ```ts
 * normalizedWasserstein([0, 2, 4, 6], [1, 3, 5, 7]); // 1 / √5 ≈ 0.4472135954999579
 * normalizedWasserstein([5, 5, 5], [5, 5]);           // 0
 * ```
 */
export function normalizedWasserstein(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  const a = toSortedSample(reference, 'reference');
  const b = toSortedSample(current, 'current');
  return wassersteinSorted(a, b) / Math.max(meanAndStd(a).std, MIN_NORMALIZING_STD);
}

/** The floor applied to σ_ref by {@link normalizedWasserstein}. */
export function normalizingStd(std: number): number {
  return Math.max(std, MIN_NORMALIZING_STD);
}

/** W₁ between two sorted samples: one merge, Σ |F_a − F_b|·Δt over consecutive distinct values. */
export function wassersteinSorted(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  const sum = new CompensatedSum();
  let value = a[0]! <= b[0]! ? a[0]! : b[0]!;
  for (;;) {
    while (i < n1 && a[i] === value) i++;
    while (j < n2 && b[j] === value) j++;
    if (i === n1 && j === n2) break;
    const next = i < n1 && (j >= n2 || a[i]! <= b[j]!) ? a[i]! : b[j]!;
    // Terms are non-negative, so compensated summation only guards against n·ε growth on 10⁵ terms.
    sum.add(Math.abs(i / n1 - j / n2) * (next - value));
    value = next;
  }
  return sum.value();
}
