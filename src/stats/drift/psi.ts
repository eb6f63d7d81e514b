import { StatsInputError } from '../errors';
import { quantileSorted, unitLinspace } from './quantile';
import { toSortedSample } from './sorted-sample';
import { assertCounts, assertFiniteSample, assertIntegerInRange } from './validate';

/** Options for {@link psi}. */
export interface PsiOptions {
  /**
   * Number of reference-quantile bins before duplicate edges are merged.
   * @default 10
   */
  bins?: number;
}

/** Share used in place of an empty bin's share, so that ln(c/r) stays finite. */
export const PSI_EMPTY_BIN_SHARE = 1e-4;
const MAX_BINS = 10_000;

/**
 * Population Stability Index of `current` against `reference`:
 * PSI = Σᵢ (cᵢ − rᵢ)·ln(cᵢ/rᵢ) over bins whose edges are reference quantiles.
 *
 * 1. Interior edges are `np.quantile(reference, k/bins)` for k = 1 … bins − 1 (numpy's linear
 *    interpolation); the outer bins are open, (−∞, e₁) and [e_last, +∞), so no current value falls
 *    outside. Equal edges (ties in the reference) are merged, so fewer bins can result.
 * 2. Each value goes to the bin [e_{k−1}, e_k) that contains it (an edge value belongs to the bin
 *    on its right, `np.searchsorted(edges, x, 'right')`).
 * 3. rᵢ and cᵢ are the shares of each sample per bin; a zero share becomes 1e-4.
 * 4. Natural log. 0.1 / 0.2 are the usual "moderate" / "significant" bands.
 *
 * This is the textbook quantile-binned PSI, not Evidently's (Sturges bins over reference ∪ current).
 *
 * ### Examples
 * ```ts
 * psi([1, 2, 3, 4], [1, 2, 3, 4], { bins: 2 }); // 0
 * // edge 2.5; shares ref [0.5, 0.5], cur [0 → 1e-4, 1]
 * psi([1, 2, 3, 4], [3, 4, 4, 4], { bins: 2 }); // 4.60431846666895
 * ```
 */
export function psi(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  options: PsiOptions = {},
): number {
  const bins = options.bins ?? 10;
  assertIntegerInRange(bins, 'options.bins', 1, MAX_BINS);
  const sorted = toSortedSample(reference, 'reference');
  assertFiniteSample(current, 'current');
  const edges = psiEdges(sorted, bins);
  return psiFromCounts(countSortedIntoBins(sorted, edges), countIntoBins(current, edges));
}

/**
 * PSI from per-bin counts of the two samples (bins already aligned, e.g. categories): shares are
 * count/total, empty shares become 1e-4, then Σ (c − r)·ln(c/r).
 *
 * ### Examples
 * ```ts
 * psiFromCounts([50, 50], [50, 50]); // 0
 * psiFromCounts([60, 40], [40, 60]); // 2 · 0.2 · ln(1.5) = 0.1621860432432657
 * ```
 */
export function psiFromCounts(referenceCounts: ArrayLike<number>, currentCounts: ArrayLike<number>): number {
  assertCounts(referenceCounts, 'referenceCounts');
  assertCounts(currentCounts, 'currentCounts');
  if (referenceCounts.length !== currentCounts.length) {
    throw new StatsInputError(
      'currentCounts',
      `must have the same length as referenceCounts (${referenceCounts.length}), got ${currentCounts.length}`,
    );
  }
  const refTotal = total(referenceCounts, 'referenceCounts');
  const curTotal = total(currentCounts, 'currentCounts');
  let sum = 0;
  for (let i = 0; i < referenceCounts.length; i++) {
    const r = referenceCounts[i] === 0 ? PSI_EMPTY_BIN_SHARE : referenceCounts[i]! / refTotal;
    const c = currentCounts[i] === 0 ? PSI_EMPTY_BIN_SHARE : currentCounts[i]! / curTotal;
    sum += (c - r) * Math.log(c / r);
  }
  return sum;
}

/** Interior PSI edges: reference quantiles k/bins (k = 1 … bins − 1), duplicates merged. */
export function psiEdges(sortedReference: Float64Array, bins: number): number[] {
  const qs = unitLinspace(bins);
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const edge = quantileSorted(sortedReference, qs[k]!);
    // Quantiles are non-decreasing, so a duplicate can only repeat the previous edge.
    if (edges.length === 0 || edge !== edges[edges.length - 1]) edges.push(edge);
  }
  return edges;
}

/** Counts of a sorted sample per PSI bin, in one pass. */
export function countSortedIntoBins(sorted: Float64Array, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  let bin = 0;
  for (let i = 0; i < sorted.length; i++) {
    const x = sorted[i]!;
    while (bin < edges.length && x >= edges[bin]!) bin++;
    counts[bin]!++;
  }
  return counts;
}

/** Counts of an unsorted sample per PSI bin: binary search for the number of edges ≤ x. */
export function countIntoBins(values: ArrayLike<number>, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (edges[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    counts[lo]!++;
  }
  return counts;
}

function total(counts: ArrayLike<number>, argument: string): number {
  let sum = 0;
  for (let i = 0; i < counts.length; i++) sum += counts[i]!;
  if (sum === 0) throw new StatsInputError(argument, 'must contain at least one positive count');
  return sum;
}
